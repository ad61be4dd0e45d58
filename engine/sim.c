/* sim: one replica of the growth model, period by period.
 *
 * A period (docs/scenario-format.md, "The model"):
 *   1. recruitment: every member in the network at the start of the period draws
 *      Poisson(recruits[type] x propensity x saturation x shock) recruits, who join now (or, with
 *      contact recruitment, asks that many over the acceptance of its contacts: sim_contacts.h);
 *   2. purchases: orders, retail sales (each member's draws in join order);
 *   3. payouts: each plan by cs_payout_period on the join-order tree, after placing the period's
 *      joiners in the plan's placement tree if it has one (sim_place.h);
 *   4. costs: expenses, and whether the period's net income (reference plan) was negative;
 *   5. attrition: each member quits with the probability of their type and tenure, raised after a
 *      loss; a member who quits stays in the tree with zero volume (the plan's compression
 *      decides what their downline's volume does) until nobody below it is left (sim.h, "The
 *      working set").
 * Steps 2 and 3's volumes are one pass; 3's sums per member, 4 and 5 are one pass after the
 * payouts (each member draws its expenses, then whether it quits).
 *
 * Memory: the per-member arrays are one arena reserved for the members the replica is likely to
 * reach (grow), and each plan's cs_payout is reserved alike and grows with cs_payout_resize
 * before each period, which keeps what the engine carries between periods (titles; payout.h).
 * The payouts keep each member's sums, not a line per bonus, where the plan allows
 * (cs_payout_sum_lines).  cs_sim_restart runs another replica in the same memory. */
#include "sim.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "memest.h"
#include "money.h"
#include "replay.h" /* cs_csv_put */
#include "sim_contacts.h"
#include "sim_gauss.h"
#include "sim_place.h"
#include "sim_rng.h"
#include "tree.h"

#define PPM_P(ppm) ((double)(ppm) / 1e6)
#define DRAW_MAX 1e9 /* a single draw is capped at 10^9 currency units (or PV): totals stay far from overflow */

_Static_assert(sizeof(unsigned long) == 8, "the generator seed needs 64-bit unsigned long");

static int oom(cs_diags *d)
{
    cs_error(d, NULL, 0, 0, "out of memory");
    return -1;
}

/* The most members reserved at first (a growth bound can be absurd, as with 100 recruits a
 * period and no saturation): 2^24 members are ~1.3 GB of address space for the arena, none of it
 * resident until used. */
#define FIRST_CAP_MAX ((size_t)1 << 24)

/* The smallest working set whose payouts use more than one thread (cs_sim_step). */
#define SIM_PAR_MIN ((size_t)1 << 20)

/* A per-member array grown from `old` to `cap` entries of `size` bytes, contents kept (the
 * per-year snapshots, allocated apart from the arena when a replica tracks years). */
static void *regrow(void *a, size_t old, size_t cap, size_t size)
{
    void *q = cs_big_malloc(cap, size);
    if (q && old) memcpy(q, a, old * size);
    if (q) free(a);
    return q;
}

#define HUGE_PAGE ((size_t)2 << 20)

/* The arena's arrays (cs_sim.arena): with `to` NULL, adds up their sizes for `cap` members;
 * else places each one at its offset in `to`, copying what it holds (by member: s->n entries;
 * by slot: s->nlive).  Arrays of a huge page or more come first, each on whole huge pages of its
 * own (so that the pages beyond the members in use are never touched: an arena reserved for more
 * members than a replica reaches costs only what is used); the small ones follow, packed. */
static size_t arena_phase(cs_sim *s, size_t cap, char *to, size_t off, int large)
{
    const cs_scenario *sc = s->sc;
#define PART(a, used) \
    do { \
        const size_t bytes_ = cap * sizeof *s->a; \
        if ((bytes_ >= HUGE_PAGE) != large) break; \
        if (to) { \
            if (used) memcpy(to + off, s->a, (used) * sizeof *s->a); \
            s->a = (void *)(to + off); \
        } \
        off += large ? (bytes_ + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE : (bytes_ + 63) & ~(size_t)63; \
    } while (0)
    PART(parent, s->n);
    PART(type, s->n);
    PART(join, s->n);
    PART(quit, s->n);
    PART(propensity, s->n);
    PART(expenses, s->n);
    if (sc->contacts.on) {
        PART(contacts, s->n);
        PART(degree, s->n);
    }
    PART(live, s->nlive);
    PART(lparent, s->nlive);
    PART(is_new, s->nlive);
    PART(retail, s->nlive);
    for (size_t k = 0; k < sc->nplans; k++) {
        PART(plan[k].gross, s->n);
        PART(plan[k].retail_profit, s->n);
        PART(plan[k].purchases, s->n);
        PART(plan[k].title, s->n);
        PART(plan[k].pv, s->nlive);
        if (sc->bv_ppm != CS_PPM_ONE) PART(plan[k].bv, s->nlive);
        else if (to) s->plan[k].bv = s->plan[k].pv; /* BV = PV: one array */
    }
#undef PART
    return off;
}

static size_t arena_layout(cs_sim *s, size_t cap, char *to)
{
    size_t off = 0;
    for (int large = 1; large >= 0; large--) off = arena_phase(s, cap, to, off, large);
    return off;
}

/* Grows every per-member array to hold `need` members.  The first time, room is made for as many
 * members as the replica is likely to reach (memest.h: the population, or the growth bound when
 * that is lower), so that a replica that stays within it never copies its arrays; beyond it,
 * capacity doubles, stopping at the population.  The arrays are parts of one block (the arena),
 * so that even a small replica's arrays sit on huge pages (bigmem.h: the first touch of a 4 KiB
 * page costs microseconds on a VM, and a growing replica touches every page of its arrays); of a
 * large arena, the parts beyond the members in use are not touched and do not become resident. */
static int grow(cs_sim *s, size_t need)
{
    if (need <= s->cap) return 0;
    const cs_scenario *sc = s->sc;
    size_t cap = s->cap ? s->cap : (size_t)cs_memest_members(sc, NULL);
    if (!s->cap && cap > FIRST_CAP_MAX) cap = FIRST_CAP_MAX;
    if (cap < 1024) cap = 1024;
    while (cap < need) cap *= 2;
    if (sc->population > 0 && cap > (size_t)sc->population) cap = (size_t)sc->population;
    if (cap < need) cap = need;
    char *arena = cs_big_malloc(arena_layout(s, cap, NULL), 1);
    if (!arena) return -1;
    arena_layout(s, cap, arena);
    free(s->arena);
    s->arena = arena;
    for (size_t k = 0; k < sc->nplans; k++) {
        cs_sim_plan *pl = &s->plan[k];
        const size_t old = s->n;
#define GROW(a) \
    do { \
        void *p_ = regrow(pl->a, old, cap, sizeof *pl->a); \
        if (!p_) return -1; \
        pl->a = p_; \
    } while (0)
        if (pl->y_gross) { /* per-year rows are tracked */
            GROW(y_gross);
            GROW(y_retail);
            GROW(y_purchases);
            GROW(y_expenses);
            GROW(y_rank);
        }
#undef GROW
        if (!pl->po) { /* grown in pay(); its lines added up as they are computed, where the plan allows */
            if (!(pl->po = cs_payout_new(sc->plans[k], 0)) || cs_payout_sum_lines(pl->po, sc->plans[k]) < 0) return -1;
        }
        if (cs_payout_reserve(pl->po, sc->plans[k], cap)) return -1; /* room for `cap`, not twice it */
    }
    s->cap = cap;
    return cs_tree_reserve(&s->tree, cap);
}

static double propensity(cs_sim *s)
{
    const cs_scenario *sc = s->sc;
    switch (sc->propensity) {
    case CS_PROP_GAMMA: return gsl_ran_gamma(s->rng, sc->dispersion, 1.0 / sc->dispersion);
    case CS_PROP_LOGNORMAL: return gsl_ran_lognormal(s->rng, -sc->dispersion * sc->dispersion / 2, sc->dispersion);
    case CS_PROP_NONE: break;
    }
    return 1.0;
}

/* Appends a member (capacity already there), sponsored by the member in slot `pslot` (-1: a
 * founder), to the members and to the working set. */
static void add_member(cs_sim *s, int32_t pslot, cs_member_type type, int32_t t)
{
    size_t i = s->n++;
    const int32_t parent = pslot >= 0 ? s->live[pslot] : -1;
    s->live[s->nlive] = (int32_t)i;
    s->lparent[s->nlive++] = pslot;
    s->parent[i] = parent;
    s->type[i] = (uint8_t)type;
    s->join[i] = (uint16_t)t;
    s->quit[i] = 0;
    s->propensity[i] = (float)propensity(s);
    s->expenses[i] = 0;
    if (s->sc->contacts.on) { /* drawn after the propensity: the draws' order is part of the model */
        uint32_t c = cs_contacts_draw(s->rng, &s->sc->contacts, parent >= 0);
        s->contacts[i] = c;
        s->degree[i] = c + (parent >= 0);
    }
    for (size_t k = 0; k < s->sc->nplans; k++) {
        cs_sim_plan *pl = &s->plan[k];
        pl->gross[i] = pl->retail_profit[i] = pl->purchases[i] = 0;
        pl->title[i] = CS_RANK_NONE;
        if (pl->y_gross) {
            pl->y_gross[i] = pl->y_retail[i] = pl->y_purchases[i] = pl->y_expenses[i] = 0;
            pl->y_rank[i] = CS_RANK_NONE;
        }
    }
}

static cs_member_type draw_type(cs_sim *s)
{
    double u = cs_rng_u01(s->rng), acc = 0;
    for (int t = 0; t < CS_MEMBER_NTYPES - 1; t++) {
        acc += PPM_P(s->sc->type[t].share_ppm);
        if (u < acc) return (cs_member_type)t;
    }
    return (cs_member_type)(CS_MEMBER_NTYPES - 1);
}

void cs_sim_free(cs_sim *s)
{
    if (!s) return;
    cs_tree_free(&s->tree);
    gsl_rng_free(s->rng);
    free(s->arena);
    free(s->period);
    for (size_t k = 0; s->plan && k < s->sc->nplans; k++) {
        cs_sim_plan *pl = &s->plan[k];
        cs_payout_free(pl->po);
        free(pl->period); /* the per-member arrays are in the arena */
        free(pl->y_gross);
        free(pl->y_retail);
        free(pl->y_purchases);
        free(pl->y_expenses);
        free(pl->y_rank);
        cs_placement_free(pl->place);
        cs_placement_index_free(&pl->pix);
    }
    free(s->plan);
    free(s);
}

cs_sim *cs_sim_new(const cs_scenario *sc, uint64_t seed, uint64_t replica)
{
    cs_sim *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->sc = sc;
    s->seed = seed;
    s->replica = replica;
    s->rng = gsl_rng_alloc(cs_rng_xoshiro256ss);
    s->gauss = cs_gauss_tables();
    s->period = calloc((size_t)sc->periods, sizeof *s->period);
    s->plan = calloc(sc->nplans, sizeof *s->plan);
    int bad = !s->rng || !s->period || !s->plan;
    for (size_t k = 0; k < sc->nplans; k++) s->keep_all |= sc->plans[k]->placement.kind != CS_PTREE_NONE;
    for (size_t k = 0; !bad && k < sc->nplans; k++)
        bad = !(s->plan[k].period = calloc((size_t)sc->periods, sizeof *s->plan[k].period));
    if (bad || grow(s, (size_t)sc->founders)) {
        cs_sim_free(s);
        return NULL;
    }
    gsl_rng_set(s->rng, (unsigned long)cs_sim_stream_seed(seed, replica));
    for (int ty = 0; ty < CS_MEMBER_NTYPES; ty++) {
        const cs_member_params *m = &sc->type[ty];
        s->log_median[ty][0] = m->pv.median > 0 ? log(m->pv.median) : 0;
        s->log_median[ty][1] = m->retail.median > 0 ? log(m->retail.median) : 0;
        s->log_median[ty][2] = m->expenses.median > 0 ? log(m->expenses.median) : 0;
    }
    for (int64_t f = 0; f < sc->founders; f++) add_member(s, -1, CS_MEMBER_BUILDER, 1);
    return s;
}

int cs_sim_restart(cs_sim *s, uint64_t seed, uint64_t replica)
{
    const cs_scenario *sc = s->sc;
    if (s->keep_all) return -1;
    s->seed = seed;
    s->replica = replica;
    s->n = s->nlive = 0;
    s->declined = 0;
    s->periods_done = 0;
    s->years = NULL;
    memset(s->period, 0, (size_t)sc->periods * sizeof *s->period);
    for (size_t k = 0; k < sc->nplans; k++) {
        cs_sim_plan *pl = &s->plan[k];
        memset(pl->period, 0, (size_t)sc->periods * sizeof *pl->period);
        free(pl->y_gross), free(pl->y_retail), free(pl->y_purchases), free(pl->y_expenses), free(pl->y_rank);
        pl->y_gross = pl->y_retail = pl->y_purchases = pl->y_expenses = NULL;
        pl->y_rank = NULL;
        cs_payout_restart(pl->po);
    }
    /* as cs_sim_new from here: the same draws in the same order */
    gsl_rng_set(s->rng, (unsigned long)cs_sim_stream_seed(seed, replica));
    for (int64_t f = 0; f < sc->founders; f++) add_member(s, -1, CS_MEMBER_BUILDER, 1);
    return 0;
}

/* Which lognormal of a type (cs_sim.log_median). */
enum { LN_PV, LN_RETAIL, LN_EXPENSES };

/* A lognormal draw in hundredths: x = median e^(sigma Z), rounded half up to the hundredth
 * (floor(100 x + 0.5)), capped at DRAW_MAX.  Z by GSL's ziggurat, which costs a fraction of the
 * polar method of gsl_ran_gaussian (the simulator makes one or two such draws per member and
 * period), its common case inline (sim_gauss.h); the log of the median is taken once per replica. */
static inline __attribute__((always_inline)) int64_t draw_hundredths(cs_sim *s, const cs_lognormal *ln, int type, int which)
{
    if (ln->median <= 0) return 0;
    double x = ln->sigma > 0 ? exp(s->log_median[type][which] + cs_gauss(s->rng, ln->sigma, s->gauss)) : ln->median;
    if (!(x < DRAW_MAX)) x = DRAW_MAX;
    return (int64_t)(x * 100 + 0.5); /* x > 0: truncation is floor, without a call */
}

/* Poisson(mu).  Below mu = 10 by inversion (one uniform, one exp; the search stops at the count
 * drawn, about mu + 1 steps), above by gsl_ran_poisson.  Both are exact methods.  Should rounding
 * keep the sum of the probabilities below a uniform close to 1, the search stops where the terms
 * no longer change the sum (a tail of probability below 10^-15). */
static uint64_t draw_poisson(cs_sim *s, double mu)
{
    if (!(mu < 10)) return gsl_ran_poisson(s->rng, mu);
    const double u = cs_rng_u01(s->rng);
    double p = exp(-mu), F = p;
    uint64_t k = 0;
    while (u >= F) {
        k++;
        p *= mu / (double)k;
        if (F + p == F) break;
        F += p;
    }
    return k;
}

/* x * ppm / 10^6 rounded half up, for x >= 0; in 64 bits when that cannot overflow. */
static int64_t ppm_of(int64_t x, int32_t ppm)
{
    if (x <= INT64_MAX / CS_PPM_ONE - 1) return (x * ppm + CS_PPM_ONE / 2) / CS_PPM_ONE;
    return (int64_t)(((__int128)x * ppm + CS_PPM_ONE / 2) / CS_PPM_ONE);
}

static int alive(const cs_sim *s, size_t i) { return s->quit[i] == 0; }

/* 1. Recruitment by the members in the network at the start of period t.  Whole population:
 * K ~ Poisson(r lambda s x).  Contacts: the member asks Poisson(r lambda x / q) of the contacts it
 * has not asked yet, each already reached with probability 1 - s (s counts decliners as reached),
 * so that K is again Poisson(r lambda s x) until the member's contacts run out. */
static int recruit(cs_sim *s, int32_t t, cs_diags *d)
{
    const cs_scenario *sc = s->sc;
    const cs_contacts *cn = sc->contacts.on ? &sc->contacts : NULL;
    cs_sim_period *per = &s->period[t - 1];
    const cs_shock *sh = cs_scenario_shock(sc, t);
    double mult = sh ? sh->recruitment : 1.0;
    size_t n0 = s->n, l0 = s->nlive;
    /* saturation: the share of the population not reached by the start of the period */
    double sat = sc->saturation == CS_SAT_LINEAR && sc->population > 0
                     ? (double)(sc->population - (int64_t)n0 - s->declined) / (double)sc->population
                     : 1.0;
    const double q = cn ? PPM_P(cn->acceptance_ppm) : 1.0;
    for (size_t j = 0; j < l0; j++) { /* everyone in the network is in the working set */
        const size_t i = (size_t)s->live[j];
        const double rate = sc->type[s->type[i]].recruits;
        if (!alive(s, i) || rate <= 0 || (cn && s->contacts[i] == 0)) continue;
        per->recruiters++;
        double mu = rate * s->propensity[i] * mult;
        uint64_t k;
        int64_t declines = 0;
        if (!cn) {
            mu *= sat;
            per->expected_recruits += mu;
            if (mu <= 0) continue;
            k = draw_poisson(s, mu);
        } else {
            if (mu <= 0) continue;
            cs_contacts_asks a = cs_contacts_ask(s->rng, cn, s->contacts[i], mu / q, 1.0 - sat);
            s->contacts[i] -= a.asked;
            per->expected_recruits += a.asked * q * sat;
            k = a.joins;
            declines = a.declines;
        }
        if (sc->population > 0) { /* joins, then decliners, only while nobody beyond the population is reached */
            int64_t room = sc->population - (int64_t)s->n - s->declined;
            if ((int64_t)k > room) k = (uint64_t)room;
            room -= (int64_t)k;
            if (declines > room) declines = room;
        } else if ((int64_t)k > CS_SCENARIO_MAX_MEMBERS - (int64_t)s->n) {
            cs_error(d, NULL, 0, 0, "replica %llu: the network outgrew %lld members in period %d",
                     (unsigned long long)s->replica, (long long)CS_SCENARIO_MAX_MEMBERS, t);
            return -1;
        }
        s->declined += declines;
        if (grow(s, s->n + k)) return oom(d);
        for (uint64_t r = 0; r < k; r++) add_member(s, (int32_t)j, draw_type(s), t);
    }
    per->declined = s->declined;
    return 0;
}

/* 2. Orders and retail sales, and each plan's volumes: an autoship order raised to the plan's
 * active minimum, BV a share of PV.  One pass over the members (draws in index order); also
 * counts the members in the network and marks this period's joiners. */
static void market(cs_sim *s, int32_t t)
{
    const cs_scenario *sc = s->sc;
    const size_t np = sc->nplans;
    const int own_bv = sc->bv_ppm != CS_PPM_ONE;
    int64_t members = 0, retail_total = 0;
    double p_order[CS_MEMBER_NTYPES], p_retail[CS_MEMBER_NTYPES]; /* the same values, divided once */
    for (int ty = 0; ty < CS_MEMBER_NTYPES; ty++)
        p_order[ty] = PPM_P(sc->type[ty].order_ppm), p_retail[ty] = PPM_P(sc->type[ty].retail_ppm);
    for (size_t j = 0; j < s->nlive; j++) {
        const size_t i = (size_t)s->live[j];
        s->is_new[j] = s->join[i] == t;
        int64_t draw = 0, retail = 0;
        const int ty = s->type[i];
        const cs_member_params *m = &sc->type[ty];
        if (alive(s, i)) {
            members++;
            int orders = m->autoship || (m->order_ppm > 0 && cs_rng_below(s->rng, p_order[ty]));
            /* an autoship order is at least 0.01 PV, so the member buys in every period */
            if (orders) draw = m->autoship && m->pv.median <= 0 ? 1 : draw_hundredths(s, &m->pv, ty, LN_PV);
            if (m->retail_ppm > 0 && cs_rng_below(s->rng, p_retail[ty]))
                retail = draw_hundredths(s, &m->retail, ty, LN_RETAIL);
        }
        s->retail[j] = retail;
        retail_total += retail;
        for (size_t k = 0; k < np; k++) {
            const int64_t min = sc->plans[k]->active_pv;
            int64_t pv = draw > 0 && m->autoship && draw < min ? min : draw;
            s->plan[k].pv[j] = pv;
            if (own_bv) s->plan[k].bv[j] = ppm_of(pv, sc->bv_ppm);
        }
    }
    s->period[t - 1].members = members;
    for (size_t k = 0; k < np; k++) s->plan[k].period[t - 1].retail = retail_total; /* the same sales for every plan */
}

static int overflow(cs_diags *d, const cs_sim *s)
{
    cs_error(d, NULL, 0, 0, "replica %llu: a member's totals are too large to count in cents", (unsigned long long)s->replica);
    return -1;
}

/* 3. One plan's payout.  Returns 0, -1 with an error in d, or 1 when the payout saw s->stop. */
static int pay(cs_sim *s, size_t k, const cs_tree *tree, cs_diags *d)
{
    const cs_plan *p = s->sc->plans[k];
    cs_sim_plan *pl = &s->plan[k];
    if (cs_payout_resize(pl->po, p, s->nlive)) return oom(d); /* the members who joined this period */
    cs_period_input in = {.pv = pl->pv, .bv = pl->bv, .retail = s->retail, .is_new = s->is_new, .order = NULL,
                          .pl = pl->place, .pix = pl->place ? &pl->pix : NULL};
    pl->po->stop = s->stop;
    return cs_payout_period(pl->po, p, tree, &in, d);
}

/* What the after-payout pass needs of one plan: the payout's sums of company-paid lines and of the
 * others (retail profit), or its lines by bonus. */
typedef struct {
    const int64_t *psum, *osum;    /* the sums (cs_payout_sum_lines), else NULL */
    const int64_t **paid, **other; /* else the lines */
    size_t npaid, nother;
    cs_sim_plan_period pp;    /* the period's sums, added up here */
} plan_view;

/* 3b-5. After the payouts, one pass over the members: each plan's per-member totals and the
 * period's sums; then, for members in the network, expenses, whether the period's net income
 * under the reference plan was negative, and attrition at the end of period t (each member's
 * expense draw, then its quit draw). */
static int after_payouts(cs_sim *s, int32_t t, cs_diags *d)
{
    const cs_scenario *sc = s->sc;
    const size_t n = s->nlive, np = sc->nplans;
    const cs_shock *sh = cs_scenario_shock(sc, t);
    const double mult = sh ? sh->attrition : 1.0;
    cs_sim_period *per = &s->period[t - 1];
    size_t nlines = 0;
    for (size_t k = 0; k < np; k++) nlines += sc->plans[k]->nbonuses;
    plan_view *v = malloc(np * sizeof *v);
    const int64_t **lines = malloc((nlines ? nlines : 1) * sizeof *lines);
    if (!v || !lines) {
        free(v), free(lines);
        return oom(d);
    }
    nlines = 0;
    for (size_t k = 0; k < np; k++) {
        const cs_plan *p = sc->plans[k];
        memset(&v[k], 0, sizeof v[k]);
        if (s->plan[k].po->sums) {
            v[k].psum = s->plan[k].po->paid, v[k].osum = s->plan[k].po->other;
            continue;
        }
        v[k].paid = lines + nlines;
        for (size_t b = 0; b < p->nbonuses; b++)
            if (cs_bonus_company_paid(p->bonuses[b].type)) v[k].paid[v[k].npaid++] = s->plan[k].po->amount + b * n;
        v[k].other = v[k].paid + v[k].npaid;
        for (size_t b = 0; b < p->nbonuses; b++)
            if (!cs_bonus_company_paid(p->bonuses[b].type)) v[k].other[v[k].nother++] = s->plan[k].po->amount + b * n;
        nlines += p->nbonuses;
    }
    /* the quit probability of each (type, early or later, loss) */
    double h[CS_MEMBER_NTYPES][2][2];
    for (int ty = 0; ty < CS_MEMBER_NTYPES; ty++) {
        const cs_member_params *m = &sc->type[ty];
        h[ty][0][0] = PPM_P(m->quit_early_ppm) * mult;
        h[ty][1][0] = PPM_P(m->quit_later_ppm) * mult;
        h[ty][0][1] = h[ty][0][0] * m->loss_factor;
        h[ty][1][1] = h[ty][1][0] * m->loss_factor;
    }
    int bad = 0;
    int64_t quits = 0;
    for (size_t j = 0; j < n; j++) {
        const size_t i = (size_t)s->live[j];
        int64_t income = 0; /* reference plan, all lines */
        for (size_t k = 0; k < np; k++) {
            cs_sim_plan *pl = &s->plan[k];
            plan_view *pk = &v[k];
            int64_t g = 0, r = 0; /* fit: the company's totals do */
            if (pk->psum) {
                g = pk->psum[j], r = pk->osum[j];
            } else {
                for (size_t b = 0; b < pk->npaid; b++) g += pk->paid[b][j];
                for (size_t b = 0; b < pk->nother; b++) r += pk->other[b][j];
            }
            if (k == 0) income = g + r;
            /* added even when 0: which members are paid is random, and a branch on it cost more
             * than the writes */
            bad |= __builtin_add_overflow(pl->gross[i], g, &pl->gross[i]);
            bad |= __builtin_add_overflow(pl->retail_profit[i], r, &pl->retail_profit[i]);
            bad |= __builtin_add_overflow(pl->purchases[i], pl->pv[j], &pl->purchases[i]);
            const int32_t rank = pl->po->rank[j], title = pl->po->title[j];
            if (pl->y_rank && rank > pl->y_rank[i]) pl->y_rank[i] = rank;
            if (pl->title[i] != title) pl->title[i] = title; /* a title seldom changes: no write */
            pk->pp.paid_members += g > 0;
            pk->pp.pv += pl->pv[j];
        }
        if (!alive(s, i)) continue;
        const int ty = s->type[i];
        const cs_member_params *m = &sc->type[ty];
        int64_t e = draw_hundredths(s, &m->expenses, ty, LN_EXPENSES);
        if (e) bad |= __builtin_add_overflow(s->expenses[i], e, &s->expenses[i]); /* customers: none */
        const int64_t not_value = ppm_of(s->plan[0].pv[j], CS_PPM_ONE - m->value_ppm);
        const int loss = income - e - not_value < 0; /* this period's loss raises this period's quit rate */
        const int32_t tenure = t - s->join[i]; /* 0 in the period of joining */
        if (cs_rng_below(s->rng, h[ty][tenure >= m->early_periods][loss])) {
            s->quit[i] = (uint16_t)t;
            quits++;
        }
    }
    per->quits += quits;
    for (size_t k = 0; k < np; k++) {
        const cs_plan *p = sc->plans[k];
        const cs_payout *po = s->plan[k].po;
        cs_sim_plan_period *pp = &s->plan[k].period[t - 1];
        pp->paid_members += v[k].pp.paid_members;
        for (size_t r = 0; r <= p->nranks; r++) pp->active += po->rank_active[r]; /* every active member, by rank */
        pp->pv += v[k].pp.pv;
        pp->bv = po->company_bv;
        pp->company_paid = po->company_paid;
        for (size_t b = 0; b < p->nbonuses; b++) pp->by_type[p->bonuses[b].type] += po->bonus_total[b];
    }
    free(v);
    free(lines);
    return bad ? overflow(d, s) : 0;
}

/* Start of a period: drops from the working set every member who is out of the network with no
 * one in it below (sim.h).  (At the start rather than at the end of the last period, so that
 * between periods the slots still match the last period's volumes and payouts.)  Who stays is
 * found from the deepest slots up (a recruit's slot is after its sponsor's), then the slots are
 * closed up in order.  Scratch: is_new (the last period's flags are used up) for who stays, and
 * the tree's child_off (rebuilt before the payouts) for the new slot numbers. */
static void shrink(cs_sim *s)
{
    if (s->keep_all) return;
    const size_t n = s->nlive;
    uint8_t *keep = s->is_new;
    memset(keep, 0, n);
    /* Both loops without a branch on who stays, which is random: the flags are or-ed in, and every
     * slot is copied down to m <= j, which only a slot kept keeps */
    for (size_t j = n; j-- > 0;) {
        keep[j] |= alive(s, (size_t)s->live[j]);
        if (s->lparent[j] >= 0) keep[s->lparent[j]] |= keep[j];
    }
    uint32_t *slot = s->tree.child_off; /* cap + 1 entries */
    size_t m = 0;
    for (size_t j = 0; j < n; j++) {
        slot[j] = (uint32_t)m;
        s->live[m] = s->live[j];
        s->lparent[m] = s->lparent[j] >= 0 ? (int32_t)slot[s->lparent[j]] : -1; /* a sponsor of someone kept is kept */
        m += keep[j];
    }
    if (m == n) return;
    for (size_t k = 0; k < s->sc->nplans; k++) cs_payout_compact(s->plan[k].po, s->sc->plans[k], keep);
    s->nlive = m;
}

int64_t cs_sim_slot(const cs_sim *s, size_t i)
{
    size_t lo = 0, hi = s->nlive;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((size_t)s->live[mid] < i) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->nlive && (size_t)s->live[lo] == i ? (int64_t)lo : -1;
}

void cs_sim_member_id(char *buf, size_t size, size_t i) { snprintf(buf, size, "m%zu", i + 1); }

static void export_rows(const cs_sim *s, int32_t t, FILE *f)
{
    const cs_sim_plan *pl = &s->plan[0];
    char id[32], sp[32], a[24], b[24], c[24];
    if (t == 1) fputs("id,sponsor,period,pv,bv,retail\n", f);
    for (size_t j = 0; j < s->nlive; j++) {
        const size_t i = (size_t)s->live[j];
        if (!alive(s, i)) continue;
        cs_sim_member_id(id, sizeof id, i);
        sp[0] = '\0';
        if (s->parent[i] >= 0) cs_sim_member_id(sp, sizeof sp, (size_t)s->parent[i]);
        cs_format_cents(a, pl->pv[j]);
        cs_format_cents(b, pl->bv[j]);
        cs_format_cents(c, s->retail[j]);
        fprintf(f, "%s,%s,%d,%s,%s,%s\n", id, sp, t, a, b, c);
    }
}

/* ---- per-year rows (member_years.csv) ---------------------------------------------------------- */

const char cs_sim_years_header[] = "replica,plan,id,year,year_start,year_end,full_year,periods_in,highest_rank,gross,"
                                   "retail_profit,purchases,purchase_cost,expenses,signup_fee,net\n";

int cs_sim_periods_per_year(const cs_sim *s, size_t k) { return s->sc->plans[k]->period == CS_PERIOD_WEEK ? 52 : 12; }

int cs_sim_track_years(cs_sim *s, FILE *f)
{
    for (size_t k = 0; k < s->sc->nplans; k++) {
        cs_sim_plan *pl = &s->plan[k];
        size_t cap = s->cap ? s->cap : 1;
        pl->y_gross = calloc(cap, sizeof *pl->y_gross);
        pl->y_retail = calloc(cap, sizeof *pl->y_retail);
        pl->y_purchases = calloc(cap, sizeof *pl->y_purchases);
        pl->y_expenses = calloc(cap, sizeof *pl->y_expenses);
        pl->y_rank = malloc(cap * sizeof *pl->y_rank);
        if (!pl->y_gross || !pl->y_retail || !pl->y_purchases || !pl->y_expenses || !pl->y_rank) return -1;
        for (size_t i = 0; i < s->n; i++) pl->y_rank[i] = CS_RANK_NONE; /* add_member sets the next ones */
        /* snapshots of members already there (founders): their totals so far */
        for (size_t i = 0; i < s->n; i++) {
            pl->y_gross[i] = pl->gross[i], pl->y_retail[i] = pl->retail_profit[i];
            pl->y_purchases[i] = pl->purchases[i], pl->y_expenses[i] = s->expenses[i];
        }
    }
    s->years = f;
    return 0;
}

static int64_t not_value(int64_t purchases, int32_t value_ppm)
{
    return (int64_t)(((__int128)purchases * (CS_PPM_ONE - value_ppm) + CS_PPM_ONE / 2) / CS_PPM_ONE);
}

static void put_money(FILE *f, int64_t c)
{
    char buf[24];
    cs_format_cents(buf, c);
    fputc(',', f);
    fputs(buf, f);
}

/* Rows of plan k's year that ends with period t, then the snapshots move to the year's end.  A
 * member is listed when in the network during the year, or (defensively) when any figure moved:
 * so the rows of a member always sum to its totals. */
static void year_rows(cs_sim *s, size_t k, int32_t t)
{
    const cs_scenario *sc = s->sc;
    const cs_plan *p = sc->plans[k];
    cs_sim_plan *pl = &s->plan[k];
    const int ppy = cs_sim_periods_per_year(s, k);
    const int32_t y = (t - 1) / ppy + 1, a = (y - 1) * ppy + 1, full = t - a + 1 == ppy;
    const int64_t fee = cs_scenario_fee(sc, k);
    char id[32];
    for (size_t i = 0; i < s->n; i++) {
        const int32_t v = sc->type[s->type[i]].value_ppm;
        int64_t g = pl->gross[i] - pl->y_gross[i], r = pl->retail_profit[i] - pl->y_retail[i];
        int64_t pu = pl->purchases[i] - pl->y_purchases[i], e = s->expenses[i] - pl->y_expenses[i];
        /* the cost part as a difference of rounded running totals: the years sum to the total's rounding */
        int64_t cost = not_value(pl->purchases[i], v) - not_value(pl->y_purchases[i], v);
        int64_t f = s->join[i] >= a && s->join[i] <= t ? fee : 0;
        int32_t from = s->join[i] > a ? s->join[i] : a, to = s->quit[i] && s->quit[i] < t ? s->quit[i] : t;
        int32_t in = to >= from ? to - from + 1 : 0;
        if (in > 0 || g || r || pu || e || pl->y_rank[i] != CS_RANK_NONE) {
            cs_sim_member_id(id, sizeof id, i);
            fprintf(s->years, "%llu,%zu,%s,%d,%d,%d,%d,%d,", (unsigned long long)s->replica, k + 1, id, y, a, t, full, in);
            if (pl->y_rank[i] != CS_RANK_NONE) cs_csv_put(s->years, p->ranks[pl->y_rank[i]].name);
            put_money(s->years, g);
            put_money(s->years, r);
            put_money(s->years, pu);
            put_money(s->years, cost);
            put_money(s->years, e);
            put_money(s->years, f);
            put_money(s->years, g + r - f - e - cost);
            fputc('\n', s->years);
        }
        pl->y_gross[i] = pl->gross[i], pl->y_retail[i] = pl->retail_profit[i];
        pl->y_purchases[i] = pl->purchases[i], pl->y_expenses[i] = s->expenses[i];
        pl->y_rank[i] = CS_RANK_NONE;
    }
}

/* Is a stop requested (cs_sim.stop)?  Relaxed: the flag carries no data. */
static int stopping(const cs_sim *s) { return s->stop && atomic_load_explicit(s->stop, memory_order_relaxed); }

int cs_sim_step(cs_sim *s, FILE *genealogy, cs_diags *d)
{
    const cs_scenario *sc = s->sc;
    const int32_t t = s->periods_done + 1;
    if (t > sc->periods) return 0;
    cs_sim_period *per = &s->period[t - 1];
    size_t n0 = s->n;
    shrink(s);
    if (recruit(s, t, d)) return -1;
    /* a period of a large replica takes seconds: a stop is also seen between its stages (the
     * replica is then abandoned, so the half-done period does not matter) */
    if (stopping(s)) return 1;
    per->joins = (int64_t)(s->n - n0) + (t == 1 ? sc->founders : 0);
    per->reached = (int64_t)s->n;
    market(s, t);
    /* the tree only grows: its arrays are reused from period to period.  The simulator's order
     * (each period's joiners in their sponsors' order) is read through a list of recruits
     * (layout 3), which costs less than renumbering it (tree.h) */
    if (cs_tree_build(&s->tree, s->nlive, s->lparent, CS_TREE_MEMBER)) return oom(d);
    int rc = 0;
    /* The payout's passes share the threads (when replicas do not: cs_sim_write_results) only for
     * a large working set: each parallel loop ends at a barrier, and below ~10^6 members a loop
     * takes less time than a barrier costs when another program holds a core. */
    const int threads = omp_get_max_threads();
    if (s->nlive < SIM_PAR_MIN) omp_set_num_threads(1);
    for (size_t k = 0; k < sc->nplans && !rc; k++) {
        if (stopping(s)) rc = 1;
        else rc = cs_sim_place(&s->plan[k], sc->plans[k], s->parent, s->n, d) ? -1 : pay(s, k, &s->tree, d);
    }
    omp_set_num_threads(threads);
    if (rc) return rc; /* 1: a payout saw the stop flag; the period is abandoned */
    if (genealogy) export_rows(s, t, genealogy);
    if (after_payouts(s, t, d)) return -1;
    if (s->years)
        for (size_t k = 0; k < sc->nplans; k++)
            if (t % cs_sim_periods_per_year(s, k) == 0 || t == sc->periods) year_rows(s, k, t);
    s->periods_done = t;
    return 0;
}

int cs_sim_run(cs_sim *s, FILE *genealogy, cs_diags *d)
{
    while (s->periods_done < s->sc->periods) {
        if (stopping(s)) return 1;
        int rc = cs_sim_step(s, genealogy, d);
        if (rc) return rc;
    }
    return 0;
}

int64_t cs_sim_net(const cs_sim *s, size_t k, size_t i)
{
    const cs_sim_plan *pl = &s->plan[k];
    const cs_member_params *m = &s->sc->type[s->type[i]];
    int64_t not_value = (int64_t)(((__int128)pl->purchases[i] * (CS_PPM_ONE - m->value_ppm) + CS_PPM_ONE / 2) / CS_PPM_ONE);
    return pl->gross[i] + pl->retail_profit[i] - cs_scenario_fee(s->sc, k) - s->expenses[i] - not_value;
}
