/* The payout passes against a second, naive implementation written straight from the definitions
 * in docs/plan-format.md: each member's level, path maximum and generation is found by walking the
 * tree, in O(n^2), with no shared code.  Random plans and random trees, two periods each, exact
 * agreement to the cent.  Hand-worked cases are in docs/ and tests/e2e/. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <math.h>
#include <omp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "money.h"
#include "payout.h"
#include "plan.h"
#include "tree.h"

#define MAXN 48
#define NR 4 /* ranks */

typedef __int128 i128;

/* ---- random plans ---------------------------------------------------------------------------- */

static int32_t rnd_rate(gsl_rng *r) { return (int32_t)(gsl_rng_uniform_int(r, 2001) * 25); } /* 0..5% in 0.0025% */

static void level_table(gsl_rng *r, cs_level_table *t, int nlevels, int vary_by_rank)
{
    t->nlevels = nlevels;
    t->ppm = calloc((NR + 1) * (size_t)nlevels, sizeof *t->ppm);
    for (size_t row = 0; row <= NR; row++)
        for (int k = 0; k < nlevels; k++)
            t->ppm[row * nlevels + k] = (row == 0 || vary_by_rank) ? rnd_rate(r) : t->ppm[k];
    /* depth: some rows stop early */
    for (size_t row = 0; row <= NR; row++) {
        int depth = (int)gsl_rng_uniform_int(r, (unsigned long)nlevels + 1);
        for (int k = depth; k < nlevels; k++) t->ppm[row * nlevels + k] = 0;
    }
}

static cs_plan *random_plan(gsl_rng *r)
{
    cs_plan *p = calloc(1, sizeof *p);
    p->name = strdup("random");
    p->active_pv = (int64_t)gsl_rng_uniform_int(r, 3) * 5000; /* 0, 50, 100 PV */
    p->enrolment_fee = (int64_t)gsl_rng_uniform_int(r, 10000);
    p->nranks = NR;
    p->ranks = calloc(NR, sizeof *p->ranks);
    for (int k = 0; k < NR; k++) {
        cs_rank *rk = &p->ranks[k];
        rk->name = strdup("R");
        rk->pv = (int64_t)gsl_rng_uniform_int(r, 3) * 5000;
        if (gsl_rng_uniform(r) < 0.6) rk->gv = (int64_t)(k + 1) * (int64_t)gsl_rng_uniform_int(r, 30000);
        if (rk->gv && gsl_rng_uniform(r) < 0.5) rk->max_leg_ppm = 200000 + (int32_t)gsl_rng_uniform_int(r, 600000);
        if (gsl_rng_uniform(r) < 0.4) rk->active_frontline = (int32_t)gsl_rng_uniform_int(r, 3);
        if (k > 0 && gsl_rng_uniform(r) < 0.5) {
            rk->nlegs = 1;
            rk->legs = calloc(1, sizeof *rk->legs);
            rk->legs[0].rank = (int32_t)gsl_rng_uniform_int(r, (unsigned long)k);
            rk->legs[0].count = 1 + (int32_t)gsl_rng_uniform_int(r, 2);
        }
    }
    p->breakaway = gsl_rng_uniform(r) < 0.5 ? 2 + (int32_t)gsl_rng_uniform_int(r, 2) : CS_RANK_NONE;
    p->payout_cap_ppm = gsl_rng_uniform(r) < 0.4 ? (int32_t)gsl_rng_uniform_int(r, 300000) : -1;
    cs_bonus_type types[] = {CS_BONUS_RETAIL, CS_BONUS_UNILEVEL, CS_BONUS_STAIRSTEP, CS_BONUS_GENERATION,
                             CS_BONUS_FAST_START, CS_BONUS_ENROLMENT, CS_BONUS_MATCHING,
                             CS_BONUS_RANK_ADVANCE, CS_BONUS_POOL};
    size_t nb = sizeof types / sizeof *types;
    p->nbonuses = nb;
    p->bonuses = calloc(nb, sizeof *p->bonuses);
    for (size_t b = 0; b < nb; b++) {
        cs_bonus *bo = &p->bonuses[b];
        bo->name = strdup("b");
        bo->type = types[b];
        bo->compression = gsl_rng_uniform(r) < 0.5 ? CS_COMPRESS_DYNAMIC : CS_COMPRESS_NONE;
        bo->rate_by_row = calloc(NR + 1, sizeof *bo->rate_by_row);
        bo->cents_by_row = calloc(NR + 1, sizeof *bo->cents_by_row);
        bo->shares_by_row = calloc(NR + 1, sizeof *bo->shares_by_row);
        int32_t acc = 0;
        for (size_t row = 0; row <= NR; row++) {
            acc += (int32_t)gsl_rng_uniform_int(r, 150000); /* non-decreasing, for stairstep */
            bo->rate_by_row[row] = acc;
            bo->cents_by_row[row] = row ? (int64_t)gsl_rng_uniform_int(r, 50000) : 0;
            bo->shares_by_row[row] = (int64_t)gsl_rng_uniform_int(r, 4);
        }
        bo->include_own = (int)gsl_rng_uniform_int(r, 2);
        bo->pool_ppm = (int32_t)gsl_rng_uniform_int(r, 50000);
        int nlevels = 1 + (int)gsl_rng_uniform_int(r, 6);
        if (bo->type == CS_BONUS_UNILEVEL || bo->type == CS_BONUS_FAST_START || bo->type == CS_BONUS_ENROLMENT ||
            bo->type == CS_BONUS_MATCHING || bo->type == CS_BONUS_GENERATION)
            level_table(r, &bo->levels, nlevels, (int)gsl_rng_uniform_int(r, 2));
        if (bo->type == CS_BONUS_MATCHING) {
            bo->nmatched = 2;
            bo->matched = calloc(2, sizeof *bo->matched);
            bo->matched[0] = 1; /* unilevel */
            bo->matched[1] = 2; /* stairstep */
        }
    }
    if (p->breakaway == CS_RANK_NONE) p->bonuses[3].levels.nlevels = 0; /* no generations without breakaway */
    return p;
}

/* ---- the naive model ------------------------------------------------------------------------- */

typedef struct {
    size_t n;
    int32_t parent[MAXN];
    int64_t pv[MAXN], bv[MAXN], retail[MAXN];
    uint8_t is_new[MAXN];
    uint32_t order[MAXN];
    /* results */
    int active[MAXN], broken[MAXN];
    int32_t rank[MAXN], title[MAXN];
    int64_t gv[MAXN];
    int64_t amount[16][MAXN];
} model;

static int is_below(const model *m, size_t j, size_t u) /* j strictly below u */
{
    for (int32_t a = m->parent[j]; a >= 0; a = m->parent[a])
        if ((size_t)a == u) return 1;
    return 0;
}

/* j is in u's group: no broken-away member on the path below u down to j, j included */
static int in_group(const model *m, size_t j, size_t u)
{
    if (j == u) return 1;
    if (!is_below(m, j, u)) return 0;
    for (size_t a = j; a != u; a = (size_t)m->parent[a])
        if (m->broken[a]) return 0;
    return 1;
}

static int32_t max_rank_in_subtree(const model *m, size_t c)
{
    int32_t best = m->rank[c];
    for (size_t j = 0; j < m->n; j++)
        if (is_below(m, j, c) && m->rank[j] > best) best = m->rank[j];
    return best;
}

static int rules_hold(const model *m, const cs_rank *rk, size_t u)
{
    if (m->pv[u] < rk->pv) return 0;
    int nactive = 0;
    i128 capped = (i128)m->pv[u] * CS_PPM_ONE;
    for (size_t c = 0; c < m->n; c++) {
        if (m->parent[c] != (int32_t)u) continue;
        nactive += m->active[c];
        i128 contrib = m->broken[c] ? 0 : (i128)m->gv[c] * CS_PPM_ONE;
        i128 cap = (i128)rk->max_leg_ppm * rk->gv;
        capped += contrib < cap ? contrib : cap;
    }
    if (nactive < rk->active_frontline) return 0;
    if (rk->gv && m->gv[u] < rk->gv) return 0;
    if (rk->gv && rk->max_leg_ppm && capped < (i128)rk->gv * CS_PPM_ONE) return 0;
    for (size_t l = 0; l < rk->nlegs; l++) {
        int have = 0;
        for (size_t c = 0; c < m->n; c++)
            if (m->parent[c] == (int32_t)u && max_rank_in_subtree(m, c) >= rk->legs[l].rank) have++;
        if (have < rk->legs[l].count) return 0;
    }
    return 1;
}

static void naive_ranks(model *m, const cs_plan *p)
{
    for (size_t i = 0; i < m->n; i++) m->active[i] = m->pv[i] > 0 && m->pv[i] >= p->active_pv;
    for (size_t u = m->n; u-- > 0;) { /* downline settled first: recruits have larger indices */
        m->gv[u] = 0;
        for (size_t j = 0; j < m->n; j++)
            if (in_group(m, j, u)) m->gv[u] += m->pv[j];
        m->rank[u] = CS_RANK_NONE;
        if (m->active[u])
            for (int32_t r = (int32_t)p->nranks - 1; r >= 0; r--)
                if (rules_hold(m, &p->ranks[r], u)) {
                    m->rank[u] = r;
                    break;
                }
        m->broken[u] = p->breakaway != CS_RANK_NONE && m->rank[u] >= p->breakaway;
    }
}

/* level of source j below upline u: 1 + members strictly between that take a level */
static int level_of(const model *m, size_t j, size_t u, cs_compression c)
{
    int level = 1;
    for (int32_t a = m->parent[j]; a >= 0 && (size_t)a != u; a = m->parent[a])
        level += c == CS_COMPRESS_NONE || m->active[a];
    return level;
}

static int64_t round_half_up(i128 x) { return (int64_t)((x + CS_PPM_ONE / 2) / CS_PPM_ONE); }

static void naive_levels(model *m, const cs_bonus *b, const int64_t *src, int64_t *out)
{
    for (size_t u = 0; u < m->n; u++) {
        out[u] = 0;
        if (!m->active[u]) continue;
        i128 x = 0;
        for (size_t j = 0; j < m->n; j++) {
            if (!is_below(m, j, u)) continue;
            int lv = level_of(m, j, u, b->compression);
            if (lv <= b->levels.nlevels) x += (i128)b->levels.ppm[CS_ROW(m->rank[u]) * b->levels.nlevels + lv - 1] * src[j];
        }
        out[u] = round_half_up(x);
    }
}

static void naive_stairstep(model *m, const cs_bonus *b, int64_t *out)
{
    for (size_t u = 0; u < m->n; u++) {
        out[u] = 0;
        if (!m->active[u]) continue;
        int32_t mine = b->rate_by_row[CS_ROW(m->rank[u])];
        i128 x = b->include_own ? (i128)mine * m->bv[u] : 0;
        for (size_t j = 0; j < m->n; j++) {
            if (j == u || !in_group(m, j, u)) continue;
            int32_t mx = 0;
            for (size_t a = j; a != u; a = (size_t)m->parent[a])
                if (b->rate_by_row[CS_ROW(m->rank[a])] > mx) mx = b->rate_by_row[CS_ROW(m->rank[a])];
            if (mine > mx) x += (i128)(mine - mx) * m->bv[j];
        }
        out[u] = round_half_up(x);
    }
}

static void naive_generations(model *m, const cs_bonus *b, int64_t *out)
{
    for (size_t u = 0; u < m->n; u++) {
        out[u] = 0;
        if (!m->active[u]) continue;
        i128 x = 0;
        for (size_t bb = 0; bb < m->n; bb++) {
            if (!m->broken[bb] || !is_below(m, bb, u)) continue;
            int g = 0;
            for (size_t a = bb; a != u; a = (size_t)m->parent[a]) g += m->broken[a];
            if (g > b->levels.nlevels) continue;
            int64_t group = 0;
            for (size_t j = 0; j < m->n; j++)
                if (in_group(m, j, bb)) group += m->bv[j];
            x += (i128)b->levels.ppm[CS_ROW(m->rank[u]) * b->levels.nlevels + g - 1] * group;
        }
        out[u] = round_half_up(x);
    }
}

/* Largest remainder, one cent at a time: the biggest remainder not yet served, earliest in order. */
static void naive_largest_remainder(int64_t *amounts, const i128 *rem, const uint64_t *key, size_t n, int64_t extra)
{
    uint8_t served[16 * MAXN] = {0};
    for (int64_t e = 0; e < extra; e++) {
        size_t best = (size_t)-1;
        for (size_t k = 0; k < n; k++) {
            if (served[k] || rem[k] < 0) continue;
            if (best == (size_t)-1 || rem[k] > rem[best] || (rem[k] == rem[best] && key[k] < key[best])) best = k;
        }
        served[best] = 1;
        amounts[best]++;
    }
}

static void naive_pool(model *m, const cs_bonus *b, int64_t company_bv, int64_t *out)
{
    int64_t pool = round_half_up((i128)b->pool_ppm * company_bv), total = 0, given = 0;
    i128 rem[MAXN];
    uint64_t key[MAXN];
    for (size_t u = 0; u < m->n; u++) total += m->active[u] ? b->shares_by_row[CS_ROW(m->rank[u])] : 0;
    for (size_t u = 0; u < m->n; u++) {
        int64_t s = m->active[u] ? b->shares_by_row[CS_ROW(m->rank[u])] : 0;
        out[u] = total && s ? (int64_t)((i128)pool * s / total) : 0;
        rem[u] = total && s ? (i128)pool * s % total : -1;
        key[u] = m->order[u];
        given += out[u];
    }
    if (total) naive_largest_remainder(out, rem, key, m->n, pool - given);
}

static void naive_period(model *m, const cs_plan *p)
{
    naive_ranks(m, p);
    int64_t company_bv = 0, src[MAXN];
    for (size_t i = 0; i < m->n; i++) company_bv += m->bv[i];
    for (size_t b = 0; b < p->nbonuses; b++) {
        const cs_bonus *bo = &p->bonuses[b];
        int64_t *out = m->amount[b];
        memset(out, 0, sizeof m->amount[b]);
        switch (bo->type) {
        case CS_BONUS_RETAIL:
            for (size_t i = 0; i < m->n; i++) out[i] = round_half_up((i128)bo->rate_by_row[CS_ROW(m->rank[i])] * m->retail[i]);
            break;
        case CS_BONUS_UNILEVEL: naive_levels(m, bo, m->bv, out); break;
        case CS_BONUS_FAST_START:
            for (size_t i = 0; i < m->n; i++) src[i] = m->is_new[i] ? m->bv[i] : 0;
            naive_levels(m, bo, src, out);
            break;
        case CS_BONUS_ENROLMENT:
            for (size_t i = 0; i < m->n; i++) src[i] = m->is_new[i] ? p->enrolment_fee : 0;
            naive_levels(m, bo, src, out);
            break;
        case CS_BONUS_MATCHING:
            for (size_t i = 0; i < m->n; i++) {
                src[i] = 0;
                for (size_t k = 0; k < bo->nmatched; k++) src[i] += m->amount[bo->matched[k]][i];
            }
            naive_levels(m, bo, src, out);
            break;
        case CS_BONUS_STAIRSTEP: naive_stairstep(m, bo, out); break;
        case CS_BONUS_GENERATION: if (bo->levels.nlevels) naive_generations(m, bo, out); break;
        case CS_BONUS_RANK_ADVANCE:
            for (size_t i = 0; i < m->n; i++)
                for (int32_t r = 0; r <= m->rank[i]; r++)
                    if (r > m->title[i]) out[i] += bo->cents_by_row[CS_ROW(r)];
            break;
        case CS_BONUS_POOL: naive_pool(m, bo, company_bv, out); break;
        default: break;
        }
    }
    if (p->payout_cap_ppm >= 0) {
        int64_t cap = round_half_up((i128)p->payout_cap_ppm * company_bv), total = 0, given = 0;
        for (size_t b = 0; b < p->nbonuses; b++)
            if (p->bonuses[b].type != CS_BONUS_RETAIL)
                for (size_t i = 0; i < m->n; i++) total += m->amount[b][i];
        if (total > cap) {
            static int64_t flat[16 * MAXN];
            static i128 rem[16 * MAXN];
            static uint64_t key[16 * MAXN];
            size_t k = 0;
            for (size_t b = 0; b < p->nbonuses; b++)
                for (size_t i = 0; i < m->n; i++, k++) {
                    int64_t a = p->bonuses[b].type != CS_BONUS_RETAIL ? m->amount[b][i] : 0;
                    flat[k] = (int64_t)((i128)a * cap / total);
                    rem[k] = a ? (i128)a * cap % total : -1;
                    key[k] = (uint64_t)m->order[i] * 100 + b;
                    given += flat[k];
                }
            naive_largest_remainder(flat, rem, key, k, cap - given);
            k = 0;
            for (size_t b = 0; b < p->nbonuses; b++)
                for (size_t i = 0; i < m->n; i++, k++)
                    if (p->bonuses[b].type != CS_BONUS_RETAIL) m->amount[b][i] = flat[k];
        }
    }
    for (size_t i = 0; i < m->n; i++)
        if (m->rank[i] > m->title[i]) m->title[i] = m->rank[i];
}

/* ---- the comparison -------------------------------------------------------------------------- */

static int64_t rnd_volume(gsl_rng *r)
{
    static const int64_t common[] = {0, 2500, 5000, 5001, 10000, 15050, 20000, 100033};
    return gsl_rng_uniform(r) < 0.7 ? common[gsl_rng_uniform_int(r, 8)] : (int64_t)gsl_rng_uniform_int(r, 300000);
}

static void random_period(gsl_rng *r, model *m)
{
    /* now and then volumes near 10^13 currency units, so that rate x amount sums need 128 bits */
    int64_t scale = gsl_rng_uniform(r) < 0.15 ? INT64_C(10000000000) : 1;
    for (size_t i = 0; i < m->n; i++) {
        m->pv[i] = rnd_volume(r);
        m->bv[i] = (gsl_rng_uniform(r) < 0.5 ? m->pv[i] : rnd_volume(r)) * scale;
        m->retail[i] = gsl_rng_uniform(r) < 0.3 ? rnd_volume(r) : 0;
        m->is_new[i] = gsl_rng_uniform(r) < 0.3;
    }
}

/* sp (lines added up if sp->sums, else kept) against the model's lines and against po's results. */
static void check_sums(const cs_payout *sp, const cs_payout *po, const cs_plan *p, const model *m)
{
    int64_t company = 0;
    for (size_t b = 0; b < p->nbonuses; b++) {
        int64_t total = 0;
        for (size_t i = 0; i < m->n; i++) total += m->amount[b][i];
        assert_int_equal(po->bonus_total[b], total);
        assert_int_equal(sp->bonus_total[b], total);
        if (cs_bonus_company_paid(p->bonuses[b].type)) company += total;
    }
    assert_int_equal(sp->company_paid, po->company_paid);
    if (p->payout_cap_ppm < 0) assert_int_equal(sp->company_paid, company);
    for (size_t i = 0; i < m->n; i++) {
        assert_int_equal(sp->rank[i], po->rank[i]);
        assert_int_equal(sp->title[i], po->title[i]);
        if (!sp->sums) {
            for (size_t b = 0; b < p->nbonuses; b++) assert_int_equal(sp->amount[b * m->n + i], po->amount[b * m->n + i]);
            continue;
        }
        int64_t paid = 0, other = 0;
        for (size_t b = 0; b < p->nbonuses; b++)
            *(cs_bonus_company_paid(p->bonuses[b].type) ? &paid : &other) += m->amount[b][i];
        assert_int_equal(sp->paid[i], paid);
        assert_int_equal(sp->other[i], other);
    }
}

static void test_against_naive(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 20261127);
    for (int trial = 0; trial < 400; trial++) {
        cs_plan *p = random_plan(r);
        static model m;
        memset(&m, 0, sizeof m);
        m.n = 1 + gsl_rng_uniform_int(r, MAXN);
        for (size_t i = 0; i < m.n; i++) {
            /* chains, bushes and forests */
            m.parent[i] = i == 0 || gsl_rng_uniform(r) < 0.05 ? -1 : (int32_t)(gsl_rng_uniform(r) < 0.5 ? i - 1 : gsl_rng_uniform_int(r, i));
            m.title[i] = CS_RANK_NONE;
        }
        for (size_t i = 0; i < m.n; i++) { /* a shuffled tie-break order */
            size_t k = gsl_rng_uniform_int(r, i + 1);
            m.order[i] = m.order[k];
            m.order[k] = (uint32_t)i;
        }
        cs_tree t;
        memset(&t, 0, sizeof t); /* each layout of tree.h in turn */
        assert_int_equal(cs_tree_build(&t, m.n, m.parent, (cs_tree_order)(trial % 3)), 0);
        cs_payout *po = cs_payout_new(p, m.n);
        assert_non_null(po);
        /* the same with the lines added up (cs_payout_sum_lines), where the plan allows; every
         * other trial reserved ahead (its arrays in one block) */
        cs_payout *sp = cs_payout_new(p, m.n);
        assert_non_null(sp);
        const int sums = cs_payout_sum_lines(sp, p);
        assert_true(sums == 0 || sums == 1);
        if (trial % 2) assert_int_equal(cs_payout_reserve(sp, p, m.n + 3), 0);
        for (int period = 0; period < 2; period++) {
            random_period(r, &m);
            cs_period_input in = {.pv = m.pv, .bv = m.bv, .retail = m.retail, .is_new = m.is_new, .order = m.order};
            cs_diags d;
            cs_diags_init(&d);
            assert_int_equal(cs_payout_period(po, p, &t, &in, &d), 0);
            assert_int_equal(cs_payout_period(sp, p, &t, &in, &d), 0);
            cs_diags_free(&d);
            naive_period(&m, p);
            check_sums(sp, po, p, &m);
            for (size_t i = 0; i < m.n; i++) {
                assert_int_equal(po->active[i], m.active[i]);
                assert_int_equal(po->gv[i], m.gv[i]);
                assert_int_equal(po->rank[i], m.rank[i]);
                assert_int_equal(po->title[i], m.title[i]);
                for (size_t b = 0; b < p->nbonuses; b++) {
                    if (po->amount[b * m.n + i] != m.amount[b][i])
                        print_error("trial %d period %d member %zu bonus %zu (type %d)\n", trial, period, i, b,
                                    p->bonuses[b].type);
                    assert_int_equal(po->amount[b * m.n + i], m.amount[b][i]);
                }
            }
        }
        cs_payout_free(po);
        cs_payout_free(sp);
        cs_tree_free(&t);
        cs_plan_free(p);
    }
    gsl_rng_free(r);
}

/* Fast start of 3 levels followed by a unilevel of 7, lines added up, on a tree in layout 3: the
 * two bonuses are paid in one pass (payout.c, levels_fused); against the naive model, with and
 * without compression, and with volumes whose products need 128 bits (then paid apart). */
static void test_fused_levels(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 20261128);
    int layout3 = 0;
    for (int trial = 0; trial < 300; trial++) {
        cs_plan *p = random_plan(r);
        p->payout_cap_ppm = -1; /* sums: no cap, no matching */
        cs_bonus tmp = p->bonuses[1]; /* retail, fast start, unilevel, then the others */
        p->bonuses[1] = p->bonuses[4], p->bonuses[4] = tmp;
        tmp = p->bonuses[2], p->bonuses[2] = p->bonuses[4], p->bonuses[4] = tmp;
        assert_int_equal(p->bonuses[1].type, CS_BONUS_FAST_START);
        assert_int_equal(p->bonuses[2].type, CS_BONUS_UNILEVEL);
        p->bonuses[3].type = CS_BONUS_RANK_ADVANCE; /* was generation */
        p->bonuses[4].type = CS_BONUS_RANK_ADVANCE; /* was stairstep */
        p->bonuses[6].type = CS_BONUS_RETAIL;       /* was matching */
        for (size_t b = 1; b <= 2; b++) {
            free(p->bonuses[b].levels.ppm);
            level_table(r, &p->bonuses[b].levels, b == 1 ? 3 : 7, (int)gsl_rng_uniform_int(r, 2));
        }
        static model m;
        memset(&m, 0, sizeof m);
        m.n = 1 + gsl_rng_uniform_int(r, MAXN);
        for (size_t i = 0; i < m.n; i++) {
            m.parent[i] = i == 0 || gsl_rng_uniform(r) < 0.05 ? -1 : (int32_t)(gsl_rng_uniform(r) < 0.5 ? i - 1 : gsl_rng_uniform_int(r, i));
            m.title[i] = CS_RANK_NONE;
            m.order[i] = (uint32_t)i;
        }
        cs_tree t;
        memset(&t, 0, sizeof t);
        assert_int_equal(cs_tree_build(&t, m.n, m.parent, CS_TREE_MEMBER), 0);
        layout3 += t.row != NULL;
        cs_payout *po = cs_payout_new(p, m.n), *sp = cs_payout_new(p, m.n);
        assert_non_null(po);
        assert_non_null(sp);
        assert_int_equal(cs_payout_sum_lines(sp, p), 0); /* 0: the lines are added up */
        if (trial % 2) assert_int_equal(cs_payout_reserve(sp, p, m.n + 5), 0);
        for (int period = 0; period < 3; period++) {
            random_period(r, &m);
            cs_period_input in = {.pv = m.pv, .bv = m.bv, .retail = m.retail, .is_new = m.is_new, .order = m.order};
            cs_diags d;
            cs_diags_init(&d);
            assert_int_equal(cs_payout_period(po, p, &t, &in, &d), 0);
            assert_int_equal(cs_payout_period(sp, p, &t, &in, &d), 0);
            cs_diags_free(&d);
            naive_period(&m, p);
            check_sums(sp, po, p, &m);
            for (size_t i = 0; i < m.n; i++)
                for (size_t b = 0; b < p->nbonuses; b++) assert_int_equal(po->amount[b * m.n + i], m.amount[b][i]);
        }
        cs_payout_free(po);
        cs_payout_free(sp);
        cs_tree_free(&t);
        cs_plan_free(p);
    }
    assert_true(layout3 > 100);
    gsl_rng_free(r);
}

/* Volumes whose total does not fit in int64 cents are an error, not a wrapped total. */
static void test_money_overflow_is_an_error(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    cs_plan *p = random_plan(r);
    int32_t parent[3] = {-1, 0, 1};
    int64_t pv[3] = {INT64_MAX / 2, INT64_MAX / 2, INT64_MAX / 2}, retail[3] = {0};
    cs_tree t;
    assert_int_equal(cs_tree_init(&t, 3, parent), 0);
    cs_payout *po = cs_payout_new(p, 3);
    cs_period_input in = {.pv = pv, .bv = pv, .retail = retail};
    cs_diags d;
    cs_diags_init(&d);
    assert_int_equal(cs_payout_period(po, p, &t, &in, &d), -1);
    assert_true(d.nerrors > 0);
    assert_non_null(strstr(d.items[0].msg, "too large"));
    cs_diags_free(&d);
    cs_payout_free(po);
    cs_tree_free(&t);
    cs_plan_free(p);
    gsl_rng_free(r);
}

/* ---- stopping (issue 6: a signal during a long payout) ------------------------------------------ */

static atomic_int stop_flag;

static void on_alarm(int sig)
{
    (void)sig;
    atomic_store(&stop_flag, 1);
}

/* A payout whose stop flag is set returns 1 with no message and leaves no complete output: the
 * totals it would have set are untouched and no title moves (the titles are the last thing a
 * period updates).  Once with the flag set before the call (seen before the first pass), once
 * with the flag set by a timer while one long pass runs (seen inside it: a layout-3 tree of 2
 * million members takes hundreds of milliseconds, the timer fires after 2).  The same payout
 * without a flag pays, and ranks some members: so "no title moved" is a real check. */
static void test_stop_flag(void **state)
{
    (void)state;
    const size_t n = 2000000;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    int32_t *parent = malloc(n * sizeof *parent);
    int64_t *pv = malloc(n * sizeof *pv), *retail = calloc(n, sizeof *retail);
    uint8_t *is_new = calloc(n, 1);
    assert_true(parent && pv && retail && is_new);
    parent[0] = -1;
    for (size_t i = 1; i < n; i++) parent[i] = (int32_t)gsl_rng_uniform_int(r, i); /* random recursive tree */
    for (size_t i = 0; i < n; i++) pv[i] = rnd_volume(r);
    cs_tree t = {0};
    assert_int_equal(cs_tree_build(&t, n, parent, CS_TREE_MEMBER), 0); /* layout 3: one serial pass per bonus */
    cs_plan *p = random_plan(r);
    cs_period_input in = {.pv = pv, .bv = pv, .retail = retail, .is_new = is_new};
    cs_diags d;
    cs_diags_init(&d);
    for (int way = 0; way < 2; way++) {
        cs_payout *po = cs_payout_new(p, n);
        assert_non_null(po);
        po->stop = &stop_flag;
        po->company_paid = -7;
        for (size_t b = 0; b < p->nbonuses; b++) po->bonus_total[b] = -7;
        atomic_store(&stop_flag, way == 0);
        if (way == 1) {
            signal(SIGALRM, on_alarm);
            struct itimerval it = {.it_value = {.tv_sec = 0, .tv_usec = 2000}};
            setitimer(ITIMER_REAL, &it, NULL);
        }
        assert_int_equal(cs_payout_period(po, p, &t, &in, &d), 1);
        assert_int_equal(d.n, 0);
        assert_int_equal(po->company_paid, -7);
        for (size_t b = 0; b < p->nbonuses; b++) assert_int_equal(po->bonus_total[b], -7);
        for (size_t i = 0; i < n; i++)
            if (po->title[i] != CS_RANK_NONE) fail_msg("member %zu has a title after an interrupted period", i);
        cs_payout_free(po);
    }
    signal(SIGALRM, SIG_DFL);
    /* the same period, not stopped */
    atomic_store(&stop_flag, 0);
    cs_payout *po = cs_payout_new(p, n);
    po->stop = &stop_flag;
    assert_int_equal(cs_payout_period(po, p, &t, &in, &d), 0);
    size_t titled = 0;
    for (size_t i = 0; i < n; i++) titled += po->title[i] != CS_RANK_NONE;
    assert_true(titled > 0);
    cs_payout_free(po);
    cs_diags_free(&d);
    cs_plan_free(p);
    cs_tree_free(&t);
    free(parent), free(pv), free(retail), free(is_new);
    gsl_rng_free(r);
}

/* A breadth-first tree wide enough that cs_tree_bottom_up splits depths between threads, and a
 * simulation's join order (layout 3) whose blocks are large enough to be shared between threads:
 * the result with 2 threads must equal the result with 1, bit for bit. */
static void check_threads_agree(int join_order)
{
    const size_t n = 300000;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    int32_t *parent = malloc(n * sizeof *parent);
    int64_t *pv = malloc(n * sizeof *pv), *bv = malloc(n * sizeof *bv), *retail = malloc(n * sizeof *retail);
    uint8_t *is_new = malloc(n);
    size_t next = 1;
    parent[0] = -1;
    if (!join_order)
        for (size_t p = 0; next < n; p++) { /* each member in turn gets Poisson(1.3) recruits: breadth-first */
            if (p == next) parent[next] = (int32_t)(p - 1), next++; /* never let the tree die out */
            for (unsigned k = gsl_ran_poisson(r, 1.3); k > 0 && next < n; k--) parent[next++] = (int32_t)p;
        }
    else
        while (next < n) { /* periods: everyone so far recruits Poisson(0.6), in member order */
            const size_t m0 = next;
            for (size_t p = 0; p < m0 && next < n; p++)
                for (unsigned k = gsl_ran_poisson(r, 0.6); k > 0 && next < n; k--) parent[next++] = (int32_t)p;
        }
    for (size_t i = 0; i < n; i++) {
        pv[i] = rnd_volume(r), bv[i] = rnd_volume(r), retail[i] = rnd_volume(r);
        is_new[i] = gsl_rng_uniform(r) < 0.2;
    }
    cs_tree t = {0};
    assert_int_equal(cs_tree_build(&t, n, parent, join_order ? CS_TREE_MEMBER : CS_TREE_AUTO), 0);
    if (!join_order) assert_true(t.nlevels > 5);
    else { /* some block is shared between threads */
        size_t widest = 0;
        for (size_t b = 0; b < t.nblocks; b++)
            if (t.block_off[b + 1] - t.block_off[b] > widest) widest = t.block_off[b + 1] - t.block_off[b];
        assert_true(widest >= 4 * CS_TREE_PAR_MIN);
    }
    for (int trial = 0; trial < 6; trial++) {
        cs_plan *p = random_plan(r);
        cs_period_input in = {.pv = pv, .bv = bv, .retail = retail, .is_new = is_new};
        cs_payout *po[2];
        for (int k = 0; k < 2; k++) {
            omp_set_num_threads(k + 1);
            po[k] = cs_payout_new(p, n);
            cs_diags d;
            cs_diags_init(&d);
            assert_int_equal(cs_payout_period(po[k], p, &t, &in, &d), 0);
            cs_diags_free(&d);
        }
        assert_memory_equal(po[0]->amount, po[1]->amount, n * p->nbonuses * sizeof *po[0]->amount);
        assert_memory_equal(po[0]->rank, po[1]->rank, n * sizeof *po[0]->rank);
        assert_memory_equal(po[0]->gv, po[1]->gv, n * sizeof *po[0]->gv);
        int64_t paid = 0;
        for (size_t b = 0; b < p->nbonuses; b++) paid += po[0]->bonus_total[b] * (p->bonuses[b].type != CS_BONUS_RETAIL);
        assert_int_equal(paid, po[0]->company_paid); /* totals are the sums of the lines */
        cs_payout_free(po[0]);
        cs_payout_free(po[1]);
        cs_plan_free(p);
    }
    omp_set_num_threads(2);
    cs_tree_free(&t);
    free(parent), free(pv), free(bv), free(retail), free(is_new);
    gsl_rng_free(r);
}

static void test_threads_agree(void **state)
{
    (void)state;
    check_threads_agree(0);
    check_threads_agree(1);
}

static void test_tree_rejects_bad_order(void **state)
{
    (void)state;
    int32_t parent[3] = {-1, 2, 0}; /* member 1's sponsor comes after it */
    cs_tree t;
    assert_int_equal(cs_tree_init(&t, 3, parent), -1);
}

/* cs_payout_resize: a payout object that grows with the membership (1, then n0, n1, n2 members
 * over three periods) must give what one made for all n2 members gives when the members who
 * have not joined yet are present with no volume (inactive, unranked).  Sizes are random, so
 * growth both past and within the capacity is exercised. */
static void test_resize_keeps_state(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 777);
    for (int trial = 0; trial < 200; trial++) {
        cs_plan *p = random_plan(r);
        static model m;
        memset(&m, 0, sizeof m);
        m.n = 3 + gsl_rng_uniform_int(r, MAXN - 2);
        size_t size[3];
        size[2] = m.n;
        size[1] = 2 + gsl_rng_uniform_int(r, m.n - 1);
        size[0] = 1 + gsl_rng_uniform_int(r, size[1]);
        for (size_t i = 0; i < m.n; i++)
            m.parent[i] = i == 0 || gsl_rng_uniform(r) < 0.05 ? -1 : (int32_t)gsl_rng_uniform_int(r, i);
        cs_payout *ref = cs_payout_new(p, m.n), *po = cs_payout_new(p, 0);
        assert_non_null(ref);
        assert_non_null(po);
        cs_tree tfull;
        assert_int_equal(cs_tree_init(&tfull, m.n, m.parent), 0);
        for (int period = 0; period < 3; period++) {
            const size_t n = size[period];
            random_period(r, &m);
            for (size_t i = n; i < m.n; i++) m.pv[i] = m.bv[i] = m.retail[i] = 0, m.is_new[i] = 0;
            if (gsl_rng_uniform(r) < 0.3) /* room made ahead, as a simulator that knows its population */
                assert_int_equal(cs_payout_reserve(po, p, n + gsl_rng_uniform_int(r, 8)), 0);
            assert_int_equal(cs_payout_resize(po, p, n), 0);
            assert_int_equal(po->n, n);
            assert_true(po->cap >= n);
            cs_tree t;
            assert_int_equal(cs_tree_init(&t, n, m.parent), 0);
            cs_period_input in = {.pv = m.pv, .bv = m.bv, .retail = m.retail, .is_new = m.is_new};
            cs_diags d;
            cs_diags_init(&d);
            assert_int_equal(cs_payout_period(ref, p, &tfull, &in, &d), 0);
            assert_int_equal(cs_payout_period(po, p, &t, &in, &d), 0);
            cs_diags_free(&d);
            cs_tree_free(&t);
            for (size_t i = 0; i < n; i++) {
                assert_int_equal(po->active[i], ref->active[i]);
                assert_int_equal(po->rank[i], ref->rank[i]);
                assert_int_equal(po->title[i], ref->title[i]);
                for (size_t b = 0; b < p->nbonuses; b++) assert_int_equal(po->amount[b * n + i], ref->amount[b * m.n + i]);
            }
            for (size_t i = n; i < m.n; i++) assert_int_equal(ref->title[i], CS_RANK_NONE);
            assert_int_equal(po->company_paid, ref->company_paid);
        }
        assert_int_equal(cs_payout_resize(po, p, 1), -1); /* never shrinks */
        cs_tree_free(&tfull);
        cs_payout_free(po);
        cs_payout_free(ref);
        cs_plan_free(p);
    }
    gsl_rng_free(r);
}

/* The same tree numbered two ways, in join order (a recruit's index is random among the later
 * ones) and in breadth-first order, must give every member the same results, bit for bit, with
 * one thread and with two, over two periods (titles carried), whether the engine renumbers the
 * join order (layout 2 of tree.h) or reads it through a list of recruits (layout 3).  The
 * breadth-first numbering is made here, not by cs_tree_init; ties in the pool and the cap are
 * broken by the same `order` key. */
static void test_join_order_equals_bfs(void **state)
{
    (void)state;
    const size_t n = 70000;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 4242);
    int32_t *jp = malloc(n * sizeof *jp), *bp = malloc(n * sizeof *bp);
    uint32_t *bfs = malloc(n * sizeof *bfs), *pos = malloc(n * sizeof *pos), *key = malloc(n * sizeof *key),
             *bkey = malloc(n * sizeof *bkey), *cnt = calloc(n + 1, sizeof *cnt), *kids = malloc(n * sizeof *kids);
    int64_t *pv = malloc(n * sizeof *pv), *bv = malloc(n * sizeof *bv), *retail = malloc(n * sizeof *retail);
    int64_t *bpv = malloc(n * sizeof *bpv), *bbv = malloc(n * sizeof *bbv), *bretail = malloc(n * sizeof *bretail);
    uint8_t *is_new = malloc(n), *bnew = malloc(n);
    for (size_t i = 0; i < n; i++) /* a few roots; sponsors biased to early members, as a growing network */
        jp[i] = i == 0 || gsl_rng_uniform(r) < 0.001 ? -1 : (int32_t)(i * pow(gsl_rng_uniform(r), 4));
    /* breadth-first: roots in index order, then each member's recruits in index order */
    for (size_t i = 0; i < n; i++)
        if (jp[i] >= 0) cnt[jp[i] + 1]++;
    for (size_t i = 0; i < n; i++) cnt[i + 1] += cnt[i];
    for (size_t i = 0; i < n; i++)
        if (jp[i] >= 0) kids[cnt[jp[i]]++] = (uint32_t)i;
    for (size_t i = n; i-- > 0;) cnt[i + 1] = cnt[i]; /* back to the starts */
    cnt[0] = 0;
    size_t tail = 0;
    for (size_t i = 0; i < n; i++)
        if (jp[i] < 0) bfs[tail++] = (uint32_t)i;
    for (size_t h = 0; h < n; h++)
        for (uint32_t k = cnt[bfs[h]]; k < cnt[bfs[h] + 1]; k++) bfs[tail++] = kids[k];
    assert_int_equal(tail, n);
    for (size_t k = 0; k < n; k++) pos[bfs[k]] = (uint32_t)k;
    for (size_t k = 0; k < n; k++) bp[k] = jp[bfs[k]] < 0 ? -1 : (int32_t)pos[jp[bfs[k]]];
    for (size_t i = 0; i < n; i++) key[i] = (uint32_t)i, bkey[pos[i]] = (uint32_t)i;
    cs_tree tj, tm, tb;
    memset(&tm, 0, sizeof tm);
    assert_int_equal(cs_tree_init(&tj, n, jp), 0);
    assert_int_equal(cs_tree_build(&tm, n, jp, CS_TREE_MEMBER), 0);
    assert_int_equal(cs_tree_init(&tb, n, bp), 0);
    assert_non_null(tj.perm); /* scattered join order: the engine renumbers */
    assert_non_null(tm.child);
    assert_null(tb.perm); /* breadth-first already */
    assert_null(tb.child);
    size_t widest = 0;
    for (size_t dd = 0; dd < tj.nlevels; dd++)
        if (tj.level_off[dd + 1] - tj.level_off[dd] > widest) widest = tj.level_off[dd + 1] - tj.level_off[dd];
    assert_true(widest >= CS_TREE_PAR_MIN); /* with two threads, that depth is split between them */
    for (int trial = 0; trial < 4; trial++) {
        cs_plan *p = random_plan(r);
        const cs_tree *tjoin = trial % 2 ? &tm : &tj;
        for (int threads = 1; threads <= 2; threads++) {
            omp_set_num_threads(threads);
            cs_payout *pj = cs_payout_new(p, n), *pb = cs_payout_new(p, n);
            assert_non_null(pj);
            assert_non_null(pb);
            for (int period = 0; period < 2; period++) {
                for (size_t i = 0; i < n; i++) {
                    pv[i] = rnd_volume(r), bv[i] = rnd_volume(r);
                    retail[i] = gsl_rng_uniform(r) < 0.3 ? rnd_volume(r) : 0;
                    is_new[i] = gsl_rng_uniform(r) < 0.2;
                    bpv[pos[i]] = pv[i], bbv[pos[i]] = bv[i], bretail[pos[i]] = retail[i], bnew[pos[i]] = is_new[i];
                }
                cs_period_input ij = {.pv = pv, .bv = bv, .retail = retail, .is_new = is_new, .order = key};
                cs_period_input ib = {.pv = bpv, .bv = bbv, .retail = bretail, .is_new = bnew, .order = bkey};
                cs_diags d;
                cs_diags_init(&d);
                assert_int_equal(cs_payout_period(pj, p, tjoin, &ij, &d), 0);
                assert_int_equal(cs_payout_period(pb, p, &tb, &ib, &d), 0);
                cs_diags_free(&d);
                size_t paid = 0;
                for (size_t i = 0; i < n; i++) {
                    const size_t k = pos[i];
                    assert_int_equal(pj->active[i], pb->active[k]);
                    assert_int_equal(pj->rank[i], pb->rank[k]);
                    assert_int_equal(pj->gv[i], pb->gv[k]);
                    assert_int_equal(pj->title[i], pb->title[k]);
                    for (size_t b = 0; b < p->nbonuses; b++) {
                        assert_int_equal(pj->amount[b * n + i], pb->amount[b * n + k]);
                        paid += pj->amount[b * n + i] != 0;
                    }
                }
                assert_true(paid > n / 10); /* not a trivial case */
                assert_int_equal(pj->company_paid, pb->company_paid);
                assert_memory_equal(pj->bonus_total, pb->bonus_total, p->nbonuses * sizeof *pj->bonus_total);
            }
            cs_payout_free(pj);
            cs_payout_free(pb);
        }
        cs_plan_free(p);
    }
    omp_set_num_threads(2);
    cs_tree_free(&tj);
    cs_tree_free(&tm);
    cs_tree_free(&tb);
    free(jp), free(bp), free(bfs), free(pos), free(key), free(bkey), free(cnt), free(kids);
    free(pv), free(bv), free(retail), free(bpv), free(bbv), free(bretail), free(is_new), free(bnew);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_naive),
        cmocka_unit_test(test_fused_levels),
        cmocka_unit_test(test_money_overflow_is_an_error),
        cmocka_unit_test(test_threads_agree),
        cmocka_unit_test(test_stop_flag),
        cmocka_unit_test(test_tree_rejects_bad_order),
        cmocka_unit_test(test_resize_keeps_state),
        cmocka_unit_test(test_join_order_equals_bfs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
