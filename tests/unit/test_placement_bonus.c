/* The binary and matrix bonuses (engine/binary.c, engine/matrix.c) against a naive model written
 * straight from docs/plan-format.md ("The placement tree", "binary", "matrix"): each member's
 * legs and matrix levels are found by walking its placement subtree with an explicit stack, a
 * recruit's leg by walking up from it, in O(n^2), with no code shared with the engine.  Random
 * sponsor trees, random plans and several periods in which members join, are placed (by the
 * placement engine, tested on its own in test_placement.c) and carry state over; exact agreement
 * to the cent, of the carry-over and of the weaker-leg measures too.  Then 1 and 2 threads on a
 * wide tree, a chain of 10^6 members, and the worked examples of the docs, checked by hand there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "payout.h"
#include "placement.h"
#include "plan.h"
#include "tree.h"

#define MAXN 40
#define NR 2 /* ranks */
#define NPERIODS 5

typedef __int128 i128;

/* ---- plans ----------------------------------------------------------------------------------- */

/* A plan with NR ranks (PV thresholds), a placement section and, in this order: a unilevel, the
 * placement bonus, a matching bonus on it.  The bonus's fields are left to the caller. */
static cs_plan *base_plan(cs_ptree_kind kind, int width, int depth, cs_place_rule rule)
{
    cs_plan *p = calloc(1, sizeof *p);
    p->name = strdup("t");
    p->breakaway = CS_RANK_NONE;
    p->payout_cap_ppm = -1;
    p->nranks = NR;
    p->ranks = calloc(NR, sizeof *p->ranks);
    for (int k = 0; k < NR; k++) {
        p->ranks[k].name = strdup("R");
        p->ranks[k].pv = (k + 1) * 10000;
    }
    p->placement = (cs_placement_spec){.kind = kind, .width = width, .depth = depth, .rule = rule};
    p->nbonuses = 3;
    p->bonuses = calloc(3, sizeof *p->bonuses);
    cs_bonus *u = &p->bonuses[0], *b = &p->bonuses[1], *m = &p->bonuses[2];
    u->name = strdup("uni"), u->type = CS_BONUS_UNILEVEL, u->compression = CS_COMPRESS_NONE;
    u->levels.nlevels = 1;
    u->levels.ppm = calloc(NR + 1, sizeof *u->levels.ppm);
    for (int r = 0; r <= NR; r++) u->levels.ppm[r] = 50000;
    b->name = strdup("tree");
    b->type = kind == CS_PTREE_BINARY ? CS_BONUS_BINARY : CS_BONUS_MATRIX;
    b->binary.cap = b->binary.carry_cap = -1;
    m->name = strdup("match"), m->type = CS_BONUS_MATCHING, m->compression = CS_COMPRESS_NONE;
    m->nmatched = 1;
    m->matched = calloc(1, sizeof *m->matched);
    m->matched[0] = 1;
    m->levels.nlevels = 2;
    m->levels.ppm = calloc((NR + 1) * 2, sizeof *m->levels.ppm);
    for (int r = 0; r <= NR; r++) m->levels.ppm[r * 2] = 100000, m->levels.ppm[r * 2 + 1] = 50000;
    return p;
}

static int32_t rnd_rate(gsl_rng *r) { return (int32_t)gsl_rng_uniform_int(r, 4) * 25000 + (int32_t)gsl_rng_uniform_int(r, 3) * 1; }

static cs_plan *random_plan(gsl_rng *r)
{
    static const cs_place_rule rules[] = {CS_PLACE_OUTER_LEFT, CS_PLACE_OUTER_RIGHT, CS_PLACE_ALTERNATING,
                                          CS_PLACE_WEAKER_LEG, CS_PLACE_SPILLOVER};
    cs_plan *p;
    if (gsl_rng_uniform(r) < 0.55) {
        p = base_plan(CS_PTREE_BINARY, 2, 0, rules[gsl_rng_uniform_int(r, 5)]);
        p->placement.weaker_by_count = (int)gsl_rng_uniform_int(r, 2);
        cs_bonus *b = &p->bonuses[1];
        cs_binary_spec *bs = &b->binary;
        if (gsl_rng_uniform(r) < 0.5) {
            b->rate_by_row = calloc(NR + 1, sizeof *b->rate_by_row);
            for (int row = 0; row <= NR; row++) b->rate_by_row[row] = rnd_rate(r); /* some rows 0: not qualified */
        } else {
            bs->weak = 100 * (int64_t)(1 + gsl_rng_uniform_int(r, 6));
            bs->strong = bs->weak * (int64_t)(1 + gsl_rng_uniform_int(r, 3)) + (int64_t)gsl_rng_uniform_int(r, 2) * 50;
            b->cents_by_row = calloc(NR + 1, sizeof *b->cents_by_row);
            for (int row = 0; row <= NR; row++) b->cents_by_row[row] = (int64_t)gsl_rng_uniform_int(r, 3) * 1999;
        }
        if (gsl_rng_uniform(r) < 0.4) bs->cap = 1 + (int64_t)gsl_rng_uniform_int(r, 8000);
        if (gsl_rng_uniform(r) < 0.4) bs->carry_cap = (int64_t)gsl_rng_uniform_int(r, 3) * 25000;
        if (gsl_rng_uniform(r) < 0.5) bs->flush_after = 1 + (int32_t)gsl_rng_uniform_int(r, 3);
        if (gsl_rng_uniform(r) < 0.5) bs->sponsored_per_leg = 1 + (int32_t)gsl_rng_uniform_int(r, 2);
    } else {
        int w = 2 + (int)gsl_rng_uniform_int(r, 3), depth = 1 + (int)gsl_rng_uniform_int(r, 4);
        p = base_plan(CS_PTREE_MATRIX, w, depth, CS_PLACE_SPILLOVER);
        cs_bonus *b = &p->bonuses[1];
        int K = 1 + (int)gsl_rng_uniform_int(r, (unsigned long)depth);
        b->levels.nlevels = K;
        b->levels.ppm = calloc((size_t)(NR + 1) * (size_t)K, sizeof *b->levels.ppm);
        for (int i = 0; i < (NR + 1) * K; i++) b->levels.ppm[i] = rnd_rate(r);
        if (gsl_rng_uniform(r) < 0.7) {
            b->ncompletion = 1 + (int32_t)gsl_rng_uniform_int(r, (unsigned long)depth);
            b->completion = calloc((size_t)b->ncompletion, sizeof *b->completion);
            for (int k = 0; k < b->ncompletion; k++) b->completion[k] = (int64_t)gsl_rng_uniform_int(r, 3) * 1000;
            b->completion[b->ncompletion - 1] = 777;
        }
    }
    return p;
}

/* ---- the naive model ------------------------------------------------------------------------- */

typedef struct {
    size_t n;
    const cs_placement *pl;
    const int32_t *sponsor;
    const int64_t *pv, *bv;
    int active[MAXN];
    int32_t rank[MAXN];
    int64_t amount[3][MAXN];
    /* carried */
    int64_t carry[MAXN][2];
    int idle[MAXN];
    uint64_t completed[MAXN];
    int64_t measure[MAXN][2];
} model;

static int placed(const model *m, int32_t i) { return m->pl->ppar[i] >= CS_PLACE_ROOT; }

/* Is r in the placement subtree of u (u included)?  Walks up from r. */
static int below_or_at(const model *m, int32_t u, int32_t r)
{
    if (u < 0 || !placed(m, r)) return 0;
    for (int32_t a = r; a >= 0; a = m->pl->ppar[a])
        if (a == u) return 1;
    return 0;
}

/* BV and member count of the subtree of c, by an explicit stack. */
static void subtree(const model *m, int32_t c, int64_t *bv, int64_t *count)
{
    int32_t stack[MAXN];
    size_t sp = 0;
    *bv = *count = 0;
    if (c < 0) return;
    stack[sp++] = c;
    while (sp) {
        int32_t x = stack[--sp];
        *bv += m->bv[x], ++*count;
        for (int s = 0; s < m->pl->width; s++) {
            int32_t y = m->pl->pchild[x * m->pl->width + s];
            if (y >= 0) stack[sp++] = y;
        }
    }
}

static int64_t round_half_up(i128 x) { return (int64_t)((x + CS_PPM_ONE / 2) / CS_PPM_ONE); }

/* "binary": steps 1-7 of docs/plan-format.md for member u. */
static void naive_binary(model *m, const cs_plan *p, const cs_bonus *b, int32_t u)
{
    const cs_binary_spec *bs = &b->binary;
    int64_t leg[2], cnt[2];
    for (int s = 0; s < 2; s++) {
        subtree(m, m->pl->pchild[u * 2 + s], &leg[s], &cnt[s]);
        leg[s] += m->carry[u][s];
        m->measure[u][s] = p->placement.weaker_by_count ? cnt[s] : leg[s];
    }
    m->amount[1][u] = 0;
    if (!m->active[u]) {
        m->carry[u][0] = m->carry[u][1] = 0;
        m->idle[u] = 0;
        return;
    }
    const size_t row = CS_ROW(m->rank[u]);
    int qualified = bs->weak ? b->cents_by_row[row] > 0 : b->rate_by_row[row] > 0;
    if (bs->sponsored_per_leg) {
        int have[2] = {0, 0};
        for (int32_t j = 0; j < (int32_t)m->n; j++)
            if (m->sponsor[j] == u && m->active[j])
                for (int s = 0; s < 2; s++) have[s] += below_or_at(m, m->pl->pchild[u * 2 + s], j);
        qualified = qualified && have[0] >= bs->sponsored_per_leg && have[1] >= bs->sponsored_per_leg;
    }
    int paired = 0;
    i128 earned = 0;
    if (qualified && !bs->weak) {
        int64_t w = leg[0] < leg[1] ? leg[0] : leg[1];
        if (w > 0) {
            earned = (i128)b->rate_by_row[row] * w;
            leg[0] -= w, leg[1] -= w, paired = 1;
        }
    } else if (qualified) {
        int weaker = leg[0] <= leg[1] ? 0 : 1;
        int64_t c = leg[weaker] / bs->weak;
        if (leg[!weaker] / bs->strong < c) c = leg[!weaker] / bs->strong;
        if (c > 0) {
            earned = (i128)c * b->cents_by_row[row] * CS_PPM_ONE;
            leg[weaker] -= c * bs->weak, leg[!weaker] -= c * bs->strong, paired = 1;
        }
    }
    if (bs->cap >= 0 && earned > (i128)bs->cap * CS_PPM_ONE) earned = (i128)bs->cap * CS_PPM_ONE;
    m->amount[1][u] = round_half_up(earned);
    if (paired) {
        m->idle[u] = 0;
    } else if (bs->flush_after) {
        if (++m->idle[u] == bs->flush_after) leg[0] = leg[1] = 0, m->idle[u] = 0;
    }
    for (int s = 0; s < 2; s++) m->carry[u][s] = bs->carry_cap >= 0 && leg[s] > bs->carry_cap ? bs->carry_cap : leg[s];
}

/* "matrix": per level k below u, the BV and the number of members placed there. */
static void naive_matrix(model *m, const cs_plan *p, const cs_bonus *b, int32_t u)
{
    const int W = m->pl->width, D = p->placement.depth;
    int64_t lbv[CS_MAX_LEVELS + 1] = {0}, lcount[CS_MAX_LEVELS + 1] = {0};
    int32_t stack[MAXN], depth[MAXN];
    size_t sp = 0;
    stack[sp] = u, depth[sp++] = 0;
    while (sp) {
        --sp;
        int32_t x = stack[sp], d = depth[sp];
        if (d > 0) lbv[d] += m->bv[x], lcount[d]++;
        if (d == D) continue;
        for (int s = 0; s < W; s++) {
            int32_t y = m->pl->pchild[x * W + s];
            if (y >= 0) stack[sp] = y, depth[sp++] = d + 1;
        }
    }
    m->amount[1][u] = 0;
    if (!m->active[u]) return;
    i128 x = 0;
    for (int k = 1; k <= b->levels.nlevels; k++)
        x += (i128)b->levels.ppm[CS_ROW(m->rank[u]) * (size_t)b->levels.nlevels + (size_t)(k - 1)] * lbv[k];
    int64_t full = 1;
    for (int k = 1; k <= b->ncompletion; k++) {
        full *= W;
        if (lcount[k] == full && !(m->completed[u] >> (k - 1) & 1) && b->completion[k - 1]) {
            x += (i128)b->completion[k - 1] * CS_PPM_ONE;
            m->completed[u] |= UINT64_C(1) << (k - 1);
        }
    }
    m->amount[1][u] = round_half_up(x);
}

static void naive_period(model *m, const cs_plan *p)
{
    for (size_t i = 0; i < m->n; i++) {
        m->active[i] = m->pv[i] > 0 && m->pv[i] >= p->active_pv;
        m->rank[i] = CS_RANK_NONE;
        for (int r = NR - 1; r >= 0 && m->active[i]; r--)
            if (m->pv[i] >= p->ranks[r].pv) {
                m->rank[i] = r;
                break;
            }
    }
    const cs_bonus *b = &p->bonuses[1];
    for (int32_t u = 0; u < (int32_t)m->n; u++) {
        m->amount[1][u] = 0;
        if (!placed(m, u)) continue;
        if (b->type == CS_BONUS_BINARY) naive_binary(m, p, b, u);
        else naive_matrix(m, p, b, u);
    }
    /* the unilevel (1 level) and the matching (2 levels), by sponsor-tree distance */
    for (int32_t u = 0; u < (int32_t)m->n; u++) {
        i128 uni = 0, match = 0;
        for (int32_t j = 0; j < (int32_t)m->n; j++) {
            int level = 0;
            int32_t a = j;
            while (a >= 0 && a != u) a = m->sponsor[a], level++;
            if (a != u || level == 0) continue;
            if (level == 1) uni += (i128)50000 * m->bv[j];
            if (level <= 2) match += (i128)p->bonuses[2].levels.ppm[CS_ROW(m->rank[u]) * 2 + (size_t)(level - 1)] * m->amount[1][j];
        }
        m->amount[0][u] = m->active[u] ? round_half_up(uni) : 0;
        m->amount[2][u] = m->active[u] ? round_half_up(match) : 0;
    }
}

/* ---- the comparison -------------------------------------------------------------------------- */

static int64_t rnd_volume(gsl_rng *r)
{
    static const int64_t common[] = {0, 5000, 10000, 10050, 20000, 30000, 99999};
    return gsl_rng_uniform(r) < 0.7 ? common[gsl_rng_uniform_int(r, 7)] : (int64_t)gsl_rng_uniform_int(r, 60000);
}

/* Places members [from, to) in index order, some explicitly; the weaker-leg rule reads the
 * measures of the previous period (which do not change while a period's members are placed, so
 * placing them one call each is the same as one call for all). */
static void place_joiners(gsl_rng *r, cs_placement *pl, const int32_t *sponsor, size_t from, size_t to, int64_t *measure)
{
    cs_place_explicit e[MAXN];
    for (size_t i = 0; i < MAXN; i++) e[i] = (cs_place_explicit){CS_PLACE_AUTO, CS_PLACE_AUTO};
    for (size_t i = from; i < to; i++) {
        double u = gsl_rng_uniform(r);
        if (sponsor[i] >= 0 && u < 0.15) {
            e[i].slot = (int32_t)gsl_rng_uniform_int(r, (unsigned long)pl->width); /* sponsor's choice */
        } else if (i > 0 && u < 0.3) { /* under anyone placed with a free slot, maybe outside the sponsor's subtree */
            int32_t p = (int32_t)gsl_rng_uniform_int(r, i);
            for (int s = 0; s < pl->width && e[i].parent == CS_PLACE_AUTO; s++)
                if (pl->pchild[p * pl->width + s] < 0) e[i].parent = p, e[i].slot = s;
        }
        int32_t one = (int32_t)i;
        cs_place_input in = {.sponsor = sponsor, .order = &one, .norder = 1, .expl = e,
                             .leg = measure ? cs_place_leg_array : NULL, .leg_ctx = measure};
        cs_place_errors errs = {0};
        assert_int_equal(cs_placement_place(pl, &in, &errs), 0);
    }
}

static void compare(const cs_payout *po, const model *m, const cs_plan *p, int trial, int period)
{
    for (size_t i = 0; i < m->n; i++) {
        for (size_t b = 0; b < 3; b++) {
            if (po->amount[b * m->n + i] != m->amount[b][i])
                print_error("trial %d period %d member %zu bonus %zu: engine %lld, model %lld\n", trial, period, i, b,
                            (long long)po->amount[b * m->n + i], (long long)m->amount[b][i]);
            assert_int_equal(po->amount[b * m->n + i], m->amount[b][i]);
        }
        if (p->placement.kind != CS_PTREE_BINARY) continue;
        for (int s = 0; s < 2; s++) {
            assert_int_equal(po->carry[2 * i + (size_t)s], m->carry[i][s]);
            assert_int_equal(po->leg_measure[2 * i + (size_t)s], m->measure[i][s]);
        }
    }
}

static void test_against_naive(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 20261128);
    for (int trial = 0; trial < 600; trial++) {
        cs_plan *p = random_plan(r);
        p->active_pv = (int64_t)gsl_rng_uniform_int(r, 2) * 5000;
        static model m;
        memset(&m, 0, sizeof m);
        const size_t n = 1 + gsl_rng_uniform_int(r, MAXN);
        int32_t sponsor[MAXN];
        int64_t pv[MAXN], bv[MAXN];
        for (size_t i = 0; i < n; i++)
            sponsor[i] = i == 0 || gsl_rng_uniform(r) < 0.05 ? -1
                         : (int32_t)(gsl_rng_uniform(r) < 0.3 ? i - 1 : gsl_rng_uniform_int(r, i));
        cs_tree t;
        memset(&t, 0, sizeof t); /* each layout of the sponsor tree (tree.h) in turn */
        assert_int_equal(cs_tree_build(&t, n, sponsor, (cs_tree_order)(trial % 3)), 0);
        cs_placement *pl = cs_placement_new(n, p->placement.width, p->placement.rule);
        assert_non_null(pl);
        cs_payout *po = cs_payout_new(p, n);
        assert_non_null(po);
        m.n = n, m.pl = pl, m.sponsor = sponsor, m.pv = pv, m.bv = bv;
        size_t joined = 0;
        for (int period = 0; period < NPERIODS; period++) {
            size_t to = period == NPERIODS - 1 ? n : joined + gsl_rng_uniform_int(r, n - joined + 1);
            /* a sponsor joins before its recruits: members join in index order */
            place_joiners(r, pl, sponsor, joined, to, po->leg_measure);
            joined = to;
            cs_placement_index ix;
            assert_int_equal(cs_placement_index_init(&ix, pl), 0);
            for (size_t i = 0; i < n; i++) {
                pv[i] = i < joined ? rnd_volume(r) : 0;
                bv[i] = gsl_rng_uniform(r) < 0.5 ? pv[i] : i < joined ? rnd_volume(r) : 0;
            }
            cs_period_input in = {.pv = pv, .bv = bv, .pl = pl, .pix = &ix};
            cs_diags d;
            cs_diags_init(&d);
            assert_int_equal(cs_payout_period(po, p, &t, &in, &d), 0);
            cs_diags_free(&d);
            naive_period(&m, p);
            compare(po, &m, p, trial, period);
            cs_placement_index_free(&ix);
        }
        cs_payout_free(po);
        cs_placement_free(pl);
        cs_tree_free(&t);
        cs_plan_free(p);
    }
    gsl_rng_free(r);
}

/* ---- wide trees: 1 thread = 2 threads ------------------------------------------------------- */

typedef struct {
    int64_t *amount, *carry, *measure;
    uint64_t *completed;
} run_result;

/* Three periods of plan p on n members placed by p's rule; members 0..2n/3 join in the first
 * period, the rest in the second.  Returns copies of the results of the last period. */
static run_result run_big(const cs_plan *p, size_t n, const int32_t *sponsor, const int64_t *vol, int threads)
{
    omp_set_num_threads(threads);
    cs_tree t;
    assert_int_equal(cs_tree_init(&t, n, sponsor), 0);
    cs_placement *pl = cs_placement_new(n, p->placement.width, p->placement.rule);
    cs_payout *po = cs_payout_new(p, n);
    assert_non_null(pl);
    assert_non_null(po);
    int64_t *pv = malloc(n * sizeof *pv);
    size_t joined = 0;
    for (int period = 0; period < 3; period++) {
        size_t to = period == 0 ? 2 * n / 3 : n;
        cs_place_input pin = {.sponsor = sponsor, .norder = to, .leg = cs_place_leg_array, .leg_ctx = po->leg_measure};
        int32_t *order = malloc((to - joined + 1) * sizeof *order);
        for (size_t i = joined; i < to; i++) order[i - joined] = (int32_t)i;
        pin.order = order, pin.norder = to - joined;
        assert_int_equal(cs_placement_place(pl, &pin, NULL), 0);
        free(order);
        joined = to;
        cs_placement_index ix;
        assert_int_equal(cs_placement_index_init(&ix, pl), 0);
        size_t widest = 0;
        for (size_t l = 0; l < ix.nlevels; l++)
            if (ix.level_off[l + 1] - ix.level_off[l] > widest) widest = ix.level_off[l + 1] - ix.level_off[l];
        assert_true(widest >= 2 * CS_TREE_PAR_MIN); /* so that the passes do split levels */
        for (size_t i = 0; i < n; i++) pv[i] = i < joined ? vol[(i + (size_t)period * 7919) % n] : 0;
        cs_period_input in = {.pv = pv, .bv = pv, .pl = pl, .pix = &ix};
        cs_diags d;
        cs_diags_init(&d);
        assert_int_equal(cs_payout_period(po, p, &t, &in, &d), 0);
        cs_diags_free(&d);
        cs_placement_index_free(&ix);
    }
    run_result r = {0};
    r.amount = malloc(3 * n * sizeof *r.amount);
    memcpy(r.amount, po->amount, 3 * n * sizeof *r.amount);
    if (po->carry) {
        r.carry = malloc(2 * n * sizeof *r.carry), r.measure = malloc(2 * n * sizeof *r.measure);
        memcpy(r.carry, po->carry, 2 * n * sizeof *r.carry);
        memcpy(r.measure, po->leg_measure, 2 * n * sizeof *r.measure);
    }
    if (po->completed) {
        r.completed = malloc(n * sizeof *r.completed);
        memcpy(r.completed, po->completed, n * sizeof *r.completed);
    }
    free(pv);
    cs_payout_free(po);
    cs_placement_free(pl);
    cs_tree_free(&t);
    return r;
}

static void free_result(run_result *r) { free(r->amount), free(r->carry), free(r->measure), free(r->completed); }

/* Spillover fills the placement tree level by level, so its deep levels hold far more than
 * CS_TREE_PAR_MIN members and the passes split them between threads. */
static void test_threads_agree(void **state)
{
    (void)state;
    const size_t n = 200000;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    int32_t *sponsor = malloc(n * sizeof *sponsor);
    int64_t *vol = malloc(n * sizeof *vol);
    for (size_t i = 0; i < n; i++) {
        sponsor[i] = i == 0 ? -1 : (int32_t)gsl_rng_uniform_int(r, i < 50 ? i : 50 + i / 100);
        vol[i] = rnd_volume(r);
    }
    cs_plan *plans[2];
    plans[0] = base_plan(CS_PTREE_BINARY, 2, 0, CS_PLACE_SPILLOVER);
    cs_bonus *b = &plans[0]->bonuses[1];
    b->rate_by_row = calloc(NR + 1, sizeof *b->rate_by_row);
    for (int row = 0; row <= NR; row++) b->rate_by_row[row] = 100000 + row;
    b->binary.cap = 50000, b->binary.carry_cap = 500000, b->binary.flush_after = 2, b->binary.sponsored_per_leg = 1;
    plans[1] = base_plan(CS_PTREE_MATRIX, 3, 7, CS_PLACE_SPILLOVER);
    b = &plans[1]->bonuses[1];
    b->levels.nlevels = 7;
    b->levels.ppm = calloc((NR + 1) * 7, sizeof *b->levels.ppm);
    for (int i = 0; i < (NR + 1) * 7; i++) b->levels.ppm[i] = 10000 + 1000 * i + 1;
    b->ncompletion = 7;
    b->completion = calloc(7, sizeof *b->completion);
    for (int k = 0; k < 7; k++) b->completion[k] = 1000 * (k + 1);
    for (int k = 0; k < 2; k++) {
        run_result one = run_big(plans[k], n, sponsor, vol, 1), two = run_big(plans[k], n, sponsor, vol, 2);
        assert_memory_equal(one.amount, two.amount, 3 * n * sizeof *one.amount);
        int64_t paid = 0;
        for (size_t i = 0; i < n; i++) paid += one.amount[n + i] != 0;
        assert_true(paid > 1000); /* the bonus does pay */
        if (one.carry) {
            assert_memory_equal(one.carry, two.carry, 2 * n * sizeof *one.carry);
            assert_memory_equal(one.measure, two.measure, 2 * n * sizeof *one.measure);
        }
        if (one.completed) assert_memory_equal(one.completed, two.completed, n * sizeof *one.completed);
        free_result(&one), free_result(&two);
        cs_plan_free(plans[k]);
    }
    omp_set_num_threads(2);
    free(sponsor), free(vol);
    gsl_rng_free(r);
}

/* ---- a chain of 10^6 members: no recursion, and the sums are simple --------------------------- */

static void test_chain(void **state)
{
    (void)state;
    const size_t n = 1000000;
    int32_t *sponsor = malloc(n * sizeof *sponsor);
    int64_t *pv = malloc(n * sizeof *pv);
    for (size_t i = 0; i < n; i++) sponsor[i] = (int32_t)i - 1, pv[i] = 100 + (int64_t)(i % 7) * 1000;
    cs_tree t;
    assert_int_equal(cs_tree_init(&t, n, sponsor), 0);
    for (int k = 0; k < 2; k++) {
        /* binary outer left: everyone's right leg is empty, the left leg is everyone below; a
         * 2-wide matrix by spillover: the same chain, level j below i is member i + j */
        cs_plan *p = k == 0 ? base_plan(CS_PTREE_BINARY, 2, 0, CS_PLACE_OUTER_LEFT) : base_plan(CS_PTREE_MATRIX, 2, 3, CS_PLACE_SPILLOVER);
        cs_bonus *b = &p->bonuses[1];
        if (k == 0) {
            b->rate_by_row = calloc(NR + 1, sizeof *b->rate_by_row);
            for (int row = 0; row <= NR; row++) b->rate_by_row[row] = 100000;
        } else {
            b->levels.nlevels = 3;
            b->levels.ppm = calloc((NR + 1) * 3, sizeof *b->levels.ppm);
            for (int row = 0; row <= NR; row++) b->levels.ppm[row * 3] = 10000, b->levels.ppm[row * 3 + 2] = 30000;
        }
        cs_placement *pl = cs_placement_new(n, p->placement.width, p->placement.rule);
        cs_place_input pin = {.sponsor = sponsor, .norder = n};
        assert_int_equal(cs_placement_place(pl, &pin, NULL), 0);
        cs_placement_index ix;
        assert_int_equal(cs_placement_index_init(&ix, pl), 0);
        assert_int_equal(ix.nlevels, n);
        cs_payout *po = cs_payout_new(p, n);
        cs_period_input in = {.pv = pv, .bv = pv, .pl = pl, .pix = &ix};
        cs_diags d;
        cs_diags_init(&d);
        assert_int_equal(cs_payout_period(po, p, &t, &in, &d), 0);
        cs_diags_free(&d);
        int64_t below = 0; /* BV of everyone below member i */
        for (size_t i = n; i-- > 0;) {
            if (k == 0) {
                assert_int_equal(po->leg_measure[2 * i], below);
                assert_int_equal(po->leg_measure[2 * i + 1], 0);
                assert_int_equal(po->carry[2 * i], below); /* nothing paired */
                assert_int_equal(po->amount[n + i], 0);
            } else {
                i128 x = (i128)10000 * (i + 1 < n ? pv[i + 1] : 0) + (i128)30000 * (i + 3 < n ? pv[i + 3] : 0);
                assert_int_equal(po->amount[n + i], round_half_up(x));
            }
            below += pv[i];
        }
        cs_payout_free(po);
        cs_placement_index_free(&ix);
        cs_placement_free(pl);
        cs_plan_free(p);
    }
    cs_tree_free(&t);
    free(sponsor), free(pv);
}

/* ---- the worked examples of docs/plan-format.md ---------------------------------------------- */

/* A small replay of a doc example: members in file order (a sponsor before its recruits), each a
 * one-letter id, joining in the first period with a row (pv[] >= 0; -1 = no row) and placed
 * then, in file order, before the period is paid.  The payout lines must equal `expected`
 * (expected.csv of the doc, without its header). */
static void doc_example(const char *yaml, const char *ids, const int32_t *sponsor, const cs_place_explicit *expl,
                        size_t nperiods, const int64_t *pv, const char *expected)
{
    const size_t n = strlen(ids);
    cs_diags d;
    cs_diags_init(&d);
    cs_plan *p = cs_plan_load_string(yaml, strlen(yaml), "example.yaml", &d);
    for (size_t k = 0; k < d.n; k++) print_error("%ld:%ld: %s\n", d.items[k].line, d.items[k].col, d.items[k].msg);
    assert_non_null(p);
    cs_diags_free(&d);
    cs_tree t;
    assert_int_equal(cs_tree_init(&t, n, sponsor), 0);
    cs_placement *pl = cs_placement_new(n, p->placement.width, p->placement.rule);
    cs_payout *po = cs_payout_new(p, n);
    int64_t vol[MAXN];
    uint8_t joined[MAXN] = {0};
    char got[4096] = "", amount[24];
    size_t o = 0;
    for (size_t per = 0; per < nperiods; per++) {
        for (size_t i = 0; i < n; i++) {
            int64_t v = pv[per * n + i];
            vol[i] = v < 0 ? 0 : v * 100;
            if (v < 0 || joined[i]) continue;
            joined[i] = 1;
            int32_t one = (int32_t)i;
            cs_place_input in = {.sponsor = sponsor, .order = &one, .norder = 1, .expl = expl,
                                 .leg = cs_place_leg_array, .leg_ctx = po->leg_measure};
            assert_int_equal(cs_placement_place(pl, &in, NULL), 0);
        }
        cs_placement_index ix;
        assert_int_equal(cs_placement_index_init(&ix, pl), 0);
        cs_period_input in = {.pv = vol, .bv = vol, .pl = pl, .pix = &ix};
        cs_diags_init(&d);
        assert_int_equal(cs_payout_period(po, p, &t, &in, &d), 0);
        cs_diags_free(&d);
        for (size_t i = 0; i < n; i++)
            for (size_t b = 0; b < p->nbonuses; b++) {
                if (!po->amount[b * n + i]) continue;
                cs_format_cents(amount, po->amount[b * n + i]);
                o += (size_t)snprintf(got + o, sizeof got - o, "%zu,%c,%s,%s,%s\n", per + 1, ids[i], p->bonuses[b].name,
                                      cs_bonus_type_name(p->bonuses[b].type), amount);
            }
        cs_placement_index_free(&ix);
    }
    assert_string_equal(got, expected);
    cs_payout_free(po);
    cs_placement_free(pl);
    cs_tree_free(&t);
    cs_plan_free(p);
}

#define AUTO {CS_PLACE_AUTO, CS_PLACE_AUTO}

static void test_doc_binary_carry(void **state)
{
    (void)state;
    const int32_t sponsor[] = {-1, 0, 0};
    const int64_t pv[] = {100, 500, 200, /**/ 100, 100, 300, /**/ 100, 700, -1, /**/ 100, -1, -1,
                          100, 100, 150, /**/ 40, 200, 100, /**/ 100, 50, 80};
    doc_example("name: Binary carry-over example\nperiod: week\nactive: {min_pv: 50}\n"
                "placement: {type: binary, rule: alternating}\nranks:\n  - {name: Member}\nbonuses:\n"
                "  - name: binary\n    type: binary\n    rate: 10%\n    cap: 25.00\n    carry_cap: 600\n    flush_after: 2\n",
                "ABC", sponsor, NULL, 7, pv,
                "1,A,binary,binary,20.00\n2,A,binary,binary,25.00\n5,A,binary,binary,10.00\n7,A,binary,binary,5.00\n");
}

static void test_doc_binary_cycles(void **state)
{
    (void)state;
    const int32_t sponsor[] = {-1, 0, 0, 0, 0};
    const int64_t pv[] = {100, 900, 100, -1, -1, /**/ 100, 100, 100, 400, -1, /**/ 100, 50, 700, 100, 800};
    doc_example("name: Binary cycle example\nperiod: week\nactive: {min_pv: 100}\n"
                "placement: {type: binary, rule: weaker_leg, weaker_leg_by: volume}\nranks:\n  - {name: Member}\n"
                "bonuses:\n  - name: binary\n    type: binary\n    cycle: {weak: 300, strong: 600, amount: 50.00}\n"
                "    qualify: {sponsored_active_per_leg: 1}\n",
                "ABCDE", sponsor, NULL, 3, pv, "2,A,binary,binary,50.00\n3,A,binary,binary,100.00\n");
}

static void test_doc_matrix(void **state)
{
    (void)state;
    const int32_t sponsor[] = {-1, 0, 0, 0, 0, 0, 0, 2, 1};
    const int64_t pv[] = {100, 100, 60, 100, 40, -1, -1, -1, -1, /**/ 100, 100, 100, -1, 200, 50, 70, 100, 300};
    doc_example("name: Forced matrix example\nactive: {min_pv: 50}\nplacement: {type: matrix, width: 3, depth: 2}\n"
                "ranks:\n  - {name: Member}\nbonuses:\n  - name: matrix\n    type: matrix\n    levels: [10%, 5%]\n"
                "    completion: {1: 20.00, 2: 100.00}\n",
                "ABCDEFGHI", sponsor, NULL, 2, pv,
                "1,A,matrix,matrix,48.00\n1,B,matrix,matrix,4.00\n2,A,matrix,matrix,41.00\n2,B,matrix,matrix,67.00\n"
                "2,C,matrix,matrix,10.00\n2,E,matrix,matrix,30.00\n");
}

static void test_doc_hybrid(void **state)
{
    (void)state;
    const int32_t sponsor[] = {-1, 0, 0, 1, 0}; /* S X Y Z W */
    const cs_place_explicit expl[] = {AUTO, AUTO, {CS_PLACE_AUTO, CS_PLACE_RIGHT}, AUTO, {1, CS_PLACE_RIGHT}};
    const int64_t pv[] = {100, 200, 300, 150, 250, /**/ 100, 100, 400, 100, 100};
    doc_example("name: Hybrid example\nactive: {min_pv: 100}\nplacement: {type: binary, rule: outer_left}\nranks:\n"
                "  - {name: Member, pv: 100}\n  - {name: Leader, pv: 100, active_frontline: 2}\nbonuses:\n"
                "  - {name: unilevel, type: unilevel, levels: [5%]}\n  - {name: binary, type: binary, rate: 10%}\n"
                "  - name: matching\n    type: matching\n    matches: [binary]\n    rates_by_rank: {Leader: [20%]}\n",
                "SXYZW", sponsor, expl, 2, pv,
                "1,S,unilevel,unilevel,37.50\n1,S,binary,binary,30.00\n1,S,matching,matching,3.00\n"
                "1,X,unilevel,unilevel,7.50\n1,X,binary,binary,15.00\n2,S,unilevel,unilevel,30.00\n"
                "2,S,binary,binary,40.00\n2,S,matching,matching,2.00\n2,X,unilevel,unilevel,5.00\n"
                "2,X,binary,binary,10.00\n");
}

/* The global cap scales the binary lines like the others and leaves the carry-over alone; the
 * matching bonus is computed on the uncapped binary lines. */
static void test_global_cap(void **state)
{
    (void)state;
    const int32_t sponsor[] = {-1, 0, 0, 1, 1};
    int64_t pv[] = {10000, 50000, 20000, 30000, 10000};
    cs_tree t;
    assert_int_equal(cs_tree_init(&t, 5, sponsor), 0);
    cs_placement *pl = cs_placement_new(5, 2, CS_PLACE_ALTERNATING);
    cs_place_input pin = {.sponsor = sponsor, .norder = 5};
    assert_int_equal(cs_placement_place(pl, &pin, NULL), 0);
    cs_placement_index ix;
    assert_int_equal(cs_placement_index_init(&ix, pl), 0);
    cs_payout *po[2];
    for (int k = 0; k < 2; k++) {
        cs_plan *p = base_plan(CS_PTREE_BINARY, 2, 0, CS_PLACE_ALTERNATING);
        cs_bonus *b = &p->bonuses[1];
        b->rate_by_row = calloc(NR + 1, sizeof *b->rate_by_row);
        for (int row = 0; row <= NR; row++) b->rate_by_row[row] = 500000;
        p->payout_cap_ppm = k ? 100000 : -1; /* 10% of company BV: 1,200.00 x 10% = 120.00 */
        po[k] = cs_payout_new(p, 5);
        cs_period_input in = {.pv = pv, .bv = pv, .pl = pl, .pix = &ix};
        cs_diags d;
        cs_diags_init(&d);
        assert_int_equal(cs_payout_period(po[k], p, &t, &in, &d), 0);
        cs_diags_free(&d);
        cs_plan_free(p);
    }
    /* Uncapped (alternating: 1 left and 2 right of 0, 3 left and 4 right of 1): member 0 pairs
     * (1 + 3 + 4 = 900, 2 = 200): 50% x 200 = 100.00; member 1 (300, 100): 50.00.  Unilevel 5% on
     * level 1: 0: 700 -> 35.00, 1: 400 -> 20.00.  Matching 10% of 1's 50.00: 5.00.  Total 210.00
     * against the cap 10% x 1,200.00 = 120.00: a x 12000 / 21000 gives floors 2000, 1142 (rem
     * 18000), 5714 (6000), 2857 (3000), 285 (15000) = 11998; the 2 cents go to 1142 and 285. */
    const int64_t uncapped[5] = {3500, 2000, 10000, 5000, 500}, capped[5] = {2000, 1143, 5714, 2857, 286};
    const size_t line[5] = {0, 1, 5, 6, 10};
    for (int k = 0; k < 5; k++) {
        assert_int_equal(po[0]->amount[line[k]], uncapped[k]);
        assert_int_equal(po[1]->amount[line[k]], capped[k]);
    }
    assert_int_equal(po[1]->company_paid, 12000);
    assert_memory_equal(po[0]->carry, po[1]->carry, 10 * sizeof *po[0]->carry);
    assert_memory_equal(po[0]->leg_measure, po[1]->leg_measure, 10 * sizeof *po[0]->leg_measure);
    cs_payout_free(po[0]), cs_payout_free(po[1]);
    cs_placement_index_free(&ix);
    cs_placement_free(pl);
    cs_tree_free(&t);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    int32_t sponsor[3] = {-1, 0, 0};
    int64_t pv[3] = {10000, 10000, 10000};
    cs_tree t;
    assert_int_equal(cs_tree_init(&t, 3, sponsor), 0);
    cs_plan *p = base_plan(CS_PTREE_BINARY, 2, 0, CS_PLACE_ALTERNATING);
    cs_bonus *b = &p->bonuses[1];
    b->rate_by_row = calloc(NR + 1, sizeof *b->rate_by_row);
    for (int row = 0; row <= NR; row++) b->rate_by_row[row] = 1000000;
    cs_payout *po = cs_payout_new(p, 3);
    cs_diags d;
    /* no placement tree */
    cs_period_input in = {.pv = pv, .bv = pv};
    cs_diags_init(&d);
    assert_int_equal(cs_payout_period(po, p, &t, &in, &d), -1);
    assert_string_equal(d.items[0].msg, "plan 't' has a placement section, but no placement tree was given");
    cs_diags_free(&d);
    /* a snapshot taken before the last placements */
    cs_placement *pl = cs_placement_new(3, 2, CS_PLACE_ALTERNATING);
    cs_place_input pin = {.sponsor = sponsor, .norder = 1};
    assert_int_equal(cs_placement_place(pl, &pin, NULL), 0);
    cs_placement_index ix;
    assert_int_equal(cs_placement_index_init(&ix, pl), 0);
    int32_t rest[2] = {1, 2};
    pin.order = rest, pin.norder = 2;
    assert_int_equal(cs_placement_place(pl, &pin, NULL), 0);
    in.pl = pl, in.pix = &ix;
    cs_diags_init(&d);
    assert_int_equal(cs_payout_period(po, p, &t, &in, &d), -1);
    assert_string_equal(d.items[0].msg, "the placement tree given does not fit plan 't' or its members");
    cs_diags_free(&d);
    cs_placement_index_free(&ix);
    assert_int_equal(cs_placement_index_init(&ix, pl), 0);
    /* carry-over that no longer fits in int64: an error, not a wrapped sum */
    int64_t big[3] = {10000, INT64_MAX / 4, 0};
    in.pv = in.bv = big;
    for (int period = 0; period < 5; period++) {
        cs_diags_init(&d);
        int rc = cs_payout_period(po, p, &t, &in, &d);
        if (period < 4) assert_int_equal(rc, 0);
        else {
            assert_int_equal(rc, -1);
            assert_non_null(strstr(d.items[0].msg, "too large"));
        }
        cs_diags_free(&d);
    }
    cs_placement_index_free(&ix);
    cs_placement_free(pl);
    cs_payout_free(po);
    cs_plan_free(p);
    cs_tree_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_naive),
        cmocka_unit_test(test_threads_agree),
        cmocka_unit_test(test_chain),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_global_cap),
        cmocka_unit_test(test_doc_binary_carry),
        cmocka_unit_test(test_doc_binary_cycles),
        cmocka_unit_test(test_doc_matrix),
        cmocka_unit_test(test_doc_hybrid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
