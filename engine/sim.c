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
 *      loss; a member who quits stays in the arrays with zero volume (the plan's compression
 *      decides what their downline's volume does).
 *
 * Memory grows by doubling (capped at the population): the member arrays are reallocated, and
 * each plan's cs_payout grows with cs_payout_resize before each period, which keeps what the
 * engine carries between periods (titles; payout.h). */
#include "sim.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "replay.h" /* cs_csv_put */
#include "sim_contacts.h"
#include "sim_place.h"
#include "tree.h"

#define PPM_P(ppm) ((double)(ppm) / 1e6)
#define DRAW_MAX 1e9 /* a single draw is capped at 10^9 currency units (or PV): totals stay far from overflow */

_Static_assert(sizeof(unsigned long) == 8, "the generator seed needs 64-bit unsigned long");

static int oom(cs_diags *d)
{
    cs_error(d, NULL, 0, 0, "out of memory");
    return -1;
}

/* Grows every per-member array to hold `need` members. */
static int grow(cs_sim *s, size_t need)
{
    if (need <= s->cap) return 0;
    const cs_scenario *sc = s->sc;
    size_t cap = s->cap ? s->cap : 1024;
    while (cap < need) cap *= 2;
    if (sc->population > 0 && cap > (size_t)sc->population) cap = (size_t)sc->population;
    if (cap < need) cap = need;
#define GROW(a) \
    do { \
        void *p_ = realloc(s->a, cap * sizeof *s->a); \
        if (!p_) return -1; \
        s->a = p_; \
    } while (0)
    GROW(parent);
    GROW(type);
    GROW(join);
    GROW(quit);
    GROW(propensity);
    GROW(loss);
    GROW(is_new);
    GROW(draw);
    GROW(retail);
    GROW(expenses);
    if (sc->contacts.on) {
        GROW(contacts);
        GROW(degree);
    }
    for (size_t k = 0; k < sc->nplans; k++) {
        cs_sim_plan *pl = &s->plan[k];
        GROW(plan[k].gross);
        GROW(plan[k].retail_profit);
        GROW(plan[k].purchases);
        GROW(plan[k].pv);
        GROW(plan[k].bv);
        if (pl->y_gross) { /* per-year rows are tracked */
            GROW(plan[k].y_gross);
            GROW(plan[k].y_retail);
            GROW(plan[k].y_purchases);
            GROW(plan[k].y_expenses);
            GROW(plan[k].y_rank);
        }
        if (!pl->po && !(pl->po = cs_payout_new(sc->plans[k], 0))) return -1; /* grown in pay() */
        if (cs_payout_reserve(pl->po, sc->plans[k], cap)) return -1; /* room for `cap`, not twice it */
    }
#undef GROW
    s->cap = cap;
    return 0;
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

/* Appends a member (capacity already there). */
static void add_member(cs_sim *s, int32_t parent, cs_member_type type, int32_t t)
{
    size_t i = s->n++;
    s->parent[i] = parent;
    s->type[i] = (uint8_t)type;
    s->join[i] = (uint16_t)t;
    s->quit[i] = 0;
    s->propensity[i] = (float)propensity(s);
    s->loss[i] = 0;
    s->expenses[i] = 0;
    if (s->sc->contacts.on) { /* drawn after the propensity: the draws' order is part of the model */
        uint32_t c = cs_contacts_draw(s->rng, &s->sc->contacts, parent >= 0);
        s->contacts[i] = c;
        s->degree[i] = c + (parent >= 0);
    }
    for (size_t k = 0; k < s->sc->nplans; k++) {
        cs_sim_plan *pl = &s->plan[k];
        pl->gross[i] = pl->retail_profit[i] = pl->purchases[i] = 0;
        if (pl->y_gross) {
            pl->y_gross[i] = pl->y_retail[i] = pl->y_purchases[i] = pl->y_expenses[i] = 0;
            pl->y_rank[i] = CS_RANK_NONE;
        }
    }
}

static cs_member_type draw_type(cs_sim *s)
{
    double u = gsl_rng_uniform(s->rng), acc = 0;
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
    free(s->parent);
    free(s->type);
    free(s->join);
    free(s->quit);
    free(s->propensity);
    free(s->loss);
    free(s->is_new);
    free(s->draw);
    free(s->retail);
    free(s->expenses);
    free(s->contacts);
    free(s->degree);
    free(s->period);
    for (size_t k = 0; s->plan && k < s->sc->nplans; k++) {
        cs_sim_plan *pl = &s->plan[k];
        cs_payout_free(pl->po);
        free(pl->gross);
        free(pl->retail_profit);
        free(pl->purchases);
        free(pl->pv);
        free(pl->bv);
        free(pl->period);
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
    s->period = calloc((size_t)sc->periods, sizeof *s->period);
    s->plan = calloc(sc->nplans, sizeof *s->plan);
    int bad = !s->rng || !s->period || !s->plan;
    for (size_t k = 0; !bad && k < sc->nplans; k++)
        bad = !(s->plan[k].period = calloc((size_t)sc->periods, sizeof *s->plan[k].period));
    if (bad || grow(s, (size_t)sc->founders)) {
        cs_sim_free(s);
        return NULL;
    }
    gsl_rng_set(s->rng, (unsigned long)cs_sim_stream_seed(seed, replica));
    for (int64_t f = 0; f < sc->founders; f++) add_member(s, -1, CS_MEMBER_BUILDER, 1);
    return s;
}

/* A lognormal draw in hundredths: x = median e^(sigma Z), rounded half up to the hundredth
 * (floor(100 x + 0.5)), capped at DRAW_MAX. */
static int64_t draw_hundredths(cs_sim *s, const cs_lognormal *ln)
{
    if (ln->median <= 0) return 0;
    double x = ln->sigma > 0 ? gsl_ran_lognormal(s->rng, log(ln->median), ln->sigma) : ln->median;
    if (!(x < DRAW_MAX)) x = DRAW_MAX;
    return (int64_t)floor(x * 100 + 0.5);
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
    size_t n0 = s->n;
    /* saturation: the share of the population not reached by the start of the period */
    double sat = sc->saturation == CS_SAT_LINEAR && sc->population > 0
                     ? (double)(sc->population - (int64_t)n0 - s->declined) / (double)sc->population
                     : 1.0;
    const double q = cn ? PPM_P(cn->acceptance_ppm) : 1.0;
    for (size_t i = 0; i < n0; i++) {
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
            k = gsl_ran_poisson(s->rng, mu);
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
        for (uint64_t j = 0; j < k; j++) add_member(s, (int32_t)i, draw_type(s), t);
    }
    per->declined = s->declined;
    return 0;
}

/* 2. Orders (before any plan's minimum) and retail sales. */
static void purchases(cs_sim *s, int32_t t)
{
    const cs_scenario *sc = s->sc;
    for (size_t i = 0; i < s->n; i++) {
        s->is_new[i] = s->join[i] == t;
        s->draw[i] = s->retail[i] = 0;
        if (!alive(s, i)) continue;
        const cs_member_params *m = &sc->type[s->type[i]];
        int orders = m->autoship || (m->order_ppm > 0 && gsl_rng_uniform(s->rng) < PPM_P(m->order_ppm));
        /* an autoship order is at least 0.01 PV, so the member buys in every period */
        if (orders) s->draw[i] = m->autoship && m->pv.median <= 0 ? 1 : draw_hundredths(s, &m->pv);
        if (m->retail_ppm > 0 && gsl_rng_uniform(s->rng) < PPM_P(m->retail_ppm)) s->retail[i] = draw_hundredths(s, &m->retail);
    }
}

/* The plan's volumes: autoship orders raised to its active minimum; BV a share of PV. */
static void plan_volumes(cs_sim *s, size_t k)
{
    const cs_scenario *sc = s->sc;
    const int64_t min = sc->plans[k]->active_pv;
    cs_sim_plan *pl = &s->plan[k];
    for (size_t i = 0; i < s->n; i++) {
        int64_t pv = s->draw[i];
        if (pv > 0 && sc->type[s->type[i]].autoship && pv < min) pv = min;
        pl->pv[i] = pv;
        pl->bv[i] = (int64_t)(((__int128)pv * sc->bv_ppm + CS_PPM_ONE / 2) / CS_PPM_ONE);
    }
}

static int overflow(cs_diags *d, const cs_sim *s)
{
    cs_error(d, NULL, 0, 0, "replica %llu: a member's totals are too large to count in cents", (unsigned long long)s->replica);
    return -1;
}

/* 3. One plan's payout and its per-member and per-period sums. */
static int pay(cs_sim *s, size_t k, const cs_tree *tree, int32_t t, cs_diags *d)
{
    const cs_plan *p = s->sc->plans[k];
    cs_sim_plan *pl = &s->plan[k];
    cs_sim_plan_period *pp = &pl->period[t - 1];
    const size_t n = s->n;
    if (cs_payout_resize(pl->po, p, n)) return oom(d); /* the members who joined this period */
    cs_period_input in = {.pv = pl->pv, .bv = pl->bv, .retail = s->retail, .is_new = s->is_new, .order = NULL,
                          .pl = pl->place, .pix = pl->place ? &pl->pix : NULL};
    if (cs_payout_period(pl->po, p, tree, &in, d)) return -1;
    const cs_payout *po = pl->po;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t g = 0, r = 0;
        for (size_t b = 0; b < p->nbonuses; b++) {
            int64_t a = po->amount[b * n + i];
            if (cs_bonus_company_paid(p->bonuses[b].type)) g += a; /* fits: the company total does */
            else r += a;
        }
        bad |= __builtin_add_overflow(pl->gross[i], g, &pl->gross[i]);
        bad |= __builtin_add_overflow(pl->retail_profit[i], r, &pl->retail_profit[i]);
        bad |= __builtin_add_overflow(pl->purchases[i], pl->pv[i], &pl->purchases[i]);
        if (pl->y_rank && po->rank[i] > pl->y_rank[i]) pl->y_rank[i] = po->rank[i];
        pp->paid_members += g > 0;
        pp->active += po->active[i];
        pp->pv += pl->pv[i];
        pp->retail += s->retail[i];
    }
    pp->bv = po->company_bv;
    pp->company_paid = po->company_paid;
    for (size_t b = 0; b < p->nbonuses; b++) pp->by_type[p->bonuses[b].type] += po->bonus_total[b];
    return bad ? overflow(d, s) : 0;
}

/* 4. Expenses; whether the period's net income under the reference plan was negative. */
static int costs(cs_sim *s, cs_diags *d)
{
    const cs_scenario *sc = s->sc;
    const cs_plan *p = sc->plans[0];
    const cs_sim_plan *pl = &s->plan[0];
    const size_t n = s->n;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (!alive(s, i)) continue;
        const cs_member_params *m = &sc->type[s->type[i]];
        int64_t e = draw_hundredths(s, &m->expenses);
        bad |= __builtin_add_overflow(s->expenses[i], e, &s->expenses[i]);
        int64_t income = 0;
        for (size_t b = 0; b < p->nbonuses; b++) income += pl->po->amount[b * n + i];
        int64_t not_value = (int64_t)(((__int128)pl->pv[i] * (CS_PPM_ONE - m->value_ppm) + CS_PPM_ONE / 2) / CS_PPM_ONE);
        s->loss[i] = income - e - not_value < 0;
    }
    return bad ? overflow(d, s) : 0;
}

/* 5. Attrition at the end of period t. */
static void attrition(cs_sim *s, int32_t t)
{
    const cs_scenario *sc = s->sc;
    const cs_shock *sh = cs_scenario_shock(sc, t);
    double mult = sh ? sh->attrition : 1.0;
    cs_sim_period *per = &s->period[t - 1];
    for (size_t i = 0; i < s->n; i++) {
        if (!alive(s, i)) continue;
        const cs_member_params *m = &sc->type[s->type[i]];
        int32_t tenure = t - s->join[i]; /* 0 in the period of joining */
        double h = PPM_P(tenure < m->early_periods ? m->quit_early_ppm : m->quit_later_ppm) * mult;
        if (s->loss[i]) h *= m->loss_factor;
        if (gsl_rng_uniform(s->rng) < h) {
            s->quit[i] = (uint16_t)t;
            per->quits++;
        }
    }
}

void cs_sim_member_id(char *buf, size_t size, size_t i) { snprintf(buf, size, "m%zu", i + 1); }

static void export_rows(const cs_sim *s, int32_t t, FILE *f)
{
    const cs_sim_plan *pl = &s->plan[0];
    char id[32], sp[32], a[24], b[24], c[24];
    if (t == 1) fputs("id,sponsor,period,pv,bv,retail\n", f);
    for (size_t i = 0; i < s->n; i++) {
        if (!alive(s, i)) continue;
        cs_sim_member_id(id, sizeof id, i);
        sp[0] = '\0';
        if (s->parent[i] >= 0) cs_sim_member_id(sp, sizeof sp, (size_t)s->parent[i]);
        cs_format_cents(a, pl->pv[i]);
        cs_format_cents(b, pl->bv[i]);
        cs_format_cents(c, s->retail[i]);
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
        for (size_t i = 0; i < cap; i++) pl->y_rank[i] = CS_RANK_NONE;
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
    if (recruit(s, t, d)) return -1;
    /* a period of a large replica takes seconds: a stop is also seen between its stages (the
     * replica is then abandoned, so the half-done period does not matter) */
    if (stopping(s)) return 1;
    per->joins = (int64_t)(s->n - n0) + (t == 1 ? sc->founders : 0);
    per->reached = (int64_t)s->n;
    for (size_t i = 0; i < s->n; i++) per->members += alive(s, i);
    purchases(s, t);
    /* the tree only grows: its arrays are reused from period to period */
    if (cs_tree_update(&s->tree, s->n, s->parent)) return oom(d);
    int rc = 0;
    for (size_t k = 0; k < sc->nplans && !rc; k++) {
        if (stopping(s)) return 1;
        plan_volumes(s, k);
        rc = cs_sim_place(&s->plan[k], sc->plans[k], s->parent, s->n, d) ? -1 : pay(s, k, &s->tree, t, d);
    }
    if (rc || costs(s, d)) return -1;
    if (genealogy) export_rows(s, t, genealogy);
    attrition(s, t);
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
