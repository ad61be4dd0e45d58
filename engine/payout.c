#include "payout.h"

#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "money.h"

typedef __int128 i128;

static size_t vec_width(const cs_plan *p)
{
    size_t w = 1;
    for (size_t b = 0; b < p->nbonuses; b++) {
        const cs_bonus *bo = &p->bonuses[b];
        size_t need = bo->type == CS_BONUS_STAIRSTEP ? p->nranks + 1 : (size_t)bo->levels.nlevels;
        if (need > w) w = need;
    }
    return w;
}

cs_payout *cs_payout_new(const cs_plan *p, size_t n)
{
    cs_payout *po = calloc(1, sizeof *po);
    if (!po) return NULL;
    size_t m = n ? n : 1;
    po->n = n;
    po->nbonuses = p->nbonuses;
    po->vec_width = vec_width(p);
    po->amount = cs_big_calloc(m * (p->nbonuses ? p->nbonuses : 1), sizeof *po->amount);
    po->bonus_total = calloc(p->nbonuses ? p->nbonuses : 1, sizeof *po->bonus_total);
    po->active = cs_big_calloc(m, 1);
    po->rank = cs_big_malloc(m, sizeof *po->rank);
    po->gv = cs_big_malloc(m, sizeof *po->gv);
    po->title = cs_big_malloc(m, sizeof *po->title);
    po->submax = cs_big_malloc(m, sizeof *po->submax);
    po->broken = cs_big_calloc(m, 1);
    po->vec = cs_big_malloc(m * po->vec_width, sizeof *po->vec);
    po->src = cs_big_malloc(m, sizeof *po->src);
    po->takes = cs_big_malloc(m, 1);
    if (!po->amount || !po->bonus_total || !po->rank || !po->gv || !po->title || !po->submax || !po->broken ||
        !po->vec || !po->src || !po->takes || !po->active) {
        cs_payout_free(po);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) po->title[i] = CS_RANK_NONE;
    return po;
}

void cs_payout_free(cs_payout *po)
{
    if (!po) return;
    free(po->amount);
    free(po->bonus_total);
    free(po->active);
    free(po->rank);
    free(po->gv);
    free(po->title);
    free(po->submax);
    free(po->broken);
    free(po->vec);
    free(po->src);
    free(po->takes);
    free(po);
}

static int overflow(cs_diags *d, const cs_bonus *b)
{
    cs_error(d, NULL, 0, 0, "%s%s%sthe amounts are too large to count in cents (over 10^16 currency units)",
             b ? "bonus '" : "", b ? b->name : "", b ? "': " : "");
    return -1;
}

/* ---- ranks ----------------------------------------------------------------------------------- */

static int rank_holds(const cs_rank *rk, const cs_payout *po, const cs_tree *t, size_t i, int64_t pv, int64_t gv,
                      int32_t nactive)
{
    if (pv < rk->pv || nactive < rk->active_frontline) return 0;
    const int32_t *ch = t->child + t->child_off[i];
    size_t nch = t->child_off[i + 1] - t->child_off[i];
    if (rk->gv > 0) {
        if (gv < rk->gv) return 0;
        if (rk->max_leg_ppm > 0) {
            /* in millionths, so that "at most s of G" needs no rounding */
            i128 cap = (i128)rk->max_leg_ppm * rk->gv, q = (i128)pv * CS_PPM_ONE;
            for (size_t k = 0; k < nch; k++) {
                int32_t c = ch[k];
                i128 leg = po->broken[c] ? 0 : (i128)po->gv[c] * CS_PPM_ONE;
                q += leg < cap ? leg : cap;
            }
            if (q < (i128)rk->gv * CS_PPM_ONE) return 0;
        }
    }
    for (size_t l = 0; l < rk->nlegs; l++) {
        int32_t have = 0;
        for (size_t k = 0; k < nch; k++) have += po->submax[ch[k]] >= rk->legs[l].rank;
        if (have < rk->legs[l].count) return 0;
    }
    return 1;
}

/* Group volume, paid-as rank and breakaway, bottom-up. */
static void settle_ranks(cs_payout *po, const cs_plan *p, const cs_tree *t, const int64_t *pv)
{
    for (size_t i = t->n; i-- > 0;) {
        int64_t gv = pv[i];
        int32_t nactive = 0, sub = CS_RANK_NONE;
        for (uint32_t k = t->child_off[i]; k < t->child_off[i + 1]; k++) {
            int32_t c = t->child[k];
            if (!po->broken[c]) gv += po->gv[c];
            nactive += po->active[c];
            if (po->submax[c] > sub) sub = po->submax[c];
        }
        po->gv[i] = gv;
        int32_t rank = CS_RANK_NONE;
        if (po->active[i])
            for (int32_t r = (int32_t)p->nranks - 1; r >= 0; r--)
                if (rank_holds(&p->ranks[r], po, t, i, pv[i], gv, nactive)) {
                    rank = r;
                    break;
                }
        po->rank[i] = rank;
        po->submax[i] = rank > sub ? rank : sub;
        po->broken[i] = p->breakaway != CS_RANK_NONE && rank >= p->breakaway;
    }
}

/* ---- bonuses paid by level (unilevel, fast start, enrolment, matching) ----------------------- */

/* vec[i*K + k] = the amount at sources k+1 levels below i, where a member takes a level when
 * takes[] says so; then each active member is paid its rank's rates on its own levels. */
static int pay_levels(cs_payout *po, const cs_bonus *b, const cs_tree *t, int64_t *out, cs_diags *d)
{
    const size_t K = (size_t)b->levels.nlevels;
    const int64_t *src = po->src;
    const uint8_t *takes = po->takes;
    int64_t *vec = po->vec;
    for (size_t i = t->n; i-- > 0;) {
        int64_t *v = vec + i * K;
        memset(v, 0, K * sizeof *v);
        for (uint32_t k = t->child_off[i]; k < t->child_off[i + 1]; k++) {
            int32_t c = t->child[k];
            const int64_t *vc = vec + (size_t)c * K;
            if (takes[c]) {
                v[0] += src[c];
                for (size_t l = 1; l < K; l++) v[l] += vc[l - 1];
            } else {
                v[0] += src[c] + vc[0];
                for (size_t l = 1; l < K; l++) v[l] += vc[l];
            }
        }
        out[i] = 0;
        if (!po->active[i]) continue;
        const int32_t *rate = b->levels.ppm + CS_ROW(po->rank[i]) * K;
        i128 x = 0;
        for (size_t l = 0; l < K; l++) x += (i128)rate[l] * v[l];
        if (x && (out[i] = cs_round_micro(x)) < 0) return overflow(d, b);
    }
    return 0;
}

/* Sets src[] to `amount` for new members (0 for others) and checks the total fits. */
static int new_member_sources(cs_payout *po, const cs_period_input *in, const int64_t *per_member, int64_t each,
                              size_t n)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t s = in->is_new && in->is_new[i] ? (per_member ? per_member[i] : each) : 0;
        po->src[i] = s;
        if (__builtin_add_overflow(total, s, &total)) return -1;
    }
    return 0;
}

static int matching_sources(cs_payout *po, const cs_bonus *b, size_t n)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t s = 0;
        for (size_t m = 0; m < b->nmatched; m++)
            if (__builtin_add_overflow(s, po->amount[b->matched[m] * n + i], &s)) return -1;
        po->src[i] = s;
        if (__builtin_add_overflow(total, s, &total)) return -1;
    }
    return 0;
}

static void set_takes(cs_payout *po, cs_compression c, size_t n)
{
    if (c == CS_COMPRESS_NONE)
        memset(po->takes, 1, n);
    else
        memcpy(po->takes, po->active, n);
}

/* ---- stairstep and generation ---------------------------------------------------------------- */

/* vec[i*R + r] = BV of the sources in i's group (i included) whose path from i holds at most the
 * rate of row r, at row r exactly; an upline earns (own rate - rate of row r) on each of its
 * recruits' rows. */
static int pay_stairstep(cs_payout *po, const cs_plan *p, const cs_bonus *b, const cs_tree *t, const int64_t *bv,
                         int64_t *out, cs_diags *d)
{
    const size_t R = p->nranks + 1;
    const int32_t *rate = b->rate_by_row;
    int64_t sum[CS_MAX_RANKS + 1];
    for (size_t i = t->n; i-- > 0;) {
        memset(sum, 0, R * sizeof *sum);
        for (uint32_t k = t->child_off[i]; k < t->child_off[i + 1]; k++) {
            int32_t c = t->child[k];
            if (po->broken[c]) continue;
            const int64_t *wc = po->vec + (size_t)c * R;
            for (size_t r = 0; r < R; r++) sum[r] += wc[r];
        }
        size_t row = CS_ROW(po->rank[i]);
        out[i] = 0;
        if (po->active[i]) {
            i128 x = b->include_own ? (i128)rate[row] * bv[i] : 0;
            for (size_t r = 0; r < R; r++)
                if (rate[r] < rate[row]) x += (i128)(rate[row] - rate[r]) * sum[r];
            if (x && (out[i] = cs_round_micro(x)) < 0) return overflow(d, b);
        }
        int64_t *w = po->vec + i * R;
        memset(w, 0, R * sizeof *w);
        w[row] = bv[i];
        for (size_t r = 0; r < R; r++) w[r > row ? r : row] += sum[r];
    }
    return 0;
}

/* vec[i*G + g] = group BV of the broken-away members that are the (g+1)-th broken-away member on
 * the path from i (included) down; src[] holds each member's group BV. */
static int pay_generations(cs_payout *po, const cs_bonus *b, const cs_tree *t, const int64_t *bv, int64_t *out,
                           cs_diags *d)
{
    const size_t G = (size_t)b->levels.nlevels;
    int64_t sum[CS_MAX_LEVELS];
    for (size_t i = t->n; i-- > 0;) {
        memset(sum, 0, G * sizeof *sum);
        int64_t group = bv[i];
        for (uint32_t k = t->child_off[i]; k < t->child_off[i + 1]; k++) {
            int32_t c = t->child[k];
            const int64_t *hc = po->vec + (size_t)c * G;
            for (size_t g = 0; g < G; g++) sum[g] += hc[g];
            if (!po->broken[c]) group += po->src[c];
        }
        po->src[i] = group;
        out[i] = 0;
        if (po->active[i]) {
            const int32_t *rate = b->levels.ppm + CS_ROW(po->rank[i]) * G;
            i128 x = 0;
            for (size_t g = 0; g < G; g++) x += (i128)rate[g] * sum[g];
            if (x && (out[i] = cs_round_micro(x)) < 0) return overflow(d, b);
        }
        int64_t *h = po->vec + i * G;
        if (po->broken[i]) {
            h[0] = group;
            for (size_t g = 1; g < G; g++) h[g] = sum[g - 1];
        } else {
            memcpy(h, sum, G * sizeof *h);
        }
    }
    return 0;
}

/* ---- retail, rank advancement ------------------------------------------------------------------ */

static int pay_retail(const cs_payout *po, const cs_bonus *b, const int64_t *retail, size_t n, int64_t *out,
                      cs_diags *d)
{
    for (size_t i = 0; i < n; i++) {
        out[i] = 0;
        if (!retail || !retail[i]) continue;
        i128 x = (i128)b->rate_by_row[CS_ROW(po->rank[i])] * retail[i];
        if (x && (out[i] = cs_round_micro(x)) < 0) return overflow(d, b);
    }
    return 0;
}

static int pay_advancement(const cs_payout *po, const cs_bonus *b, size_t n, int64_t *out, cs_diags *d)
{
    for (size_t i = 0; i < n; i++) {
        int64_t x = 0;
        for (int32_t r = po->title[i] + 1; r <= po->rank[i]; r++)
            if (__builtin_add_overflow(x, b->cents_by_row[CS_ROW(r)], &x) || x > CS_AMOUNT_MAX) return overflow(d, b);
        out[i] = x;
    }
    return 0;
}

/* ---- largest-remainder splits (pool, cap) ---------------------------------------------------- */

typedef struct {
    i128 rem;
    uint64_t key; /* tie-break: smaller first */
    size_t slot;  /* where the extra cent goes */
} cs_share;

static int share_cmp(const void *a, const void *b)
{
    const cs_share *x = a, *y = b;
    if (x->rem != y->rem) return x->rem > y->rem ? -1 : 1;
    return (x->key > y->key) - (x->key < y->key);
}

static uint64_t order_of(const cs_period_input *in, size_t i) { return in->order ? in->order[i] : i; }

/* Splits `pool` cents over the members in proportion to their rank's shares. */
static int pay_pool(const cs_payout *po, const cs_bonus *b, const cs_period_input *in, size_t n, int64_t company_bv,
                    int64_t *out, cs_diags *d)
{
    memset(out, 0, n * sizeof *out);
    int64_t pool = cs_round_micro((i128)b->pool_ppm * company_bv);
    int64_t total = 0;
    size_t holders = 0;
    for (size_t i = 0; i < n; i++) {
        if (!po->active[i]) continue;
        int64_t s = b->shares_by_row[CS_ROW(po->rank[i])];
        if (s > 0) holders++;
        if (__builtin_add_overflow(total, s, &total)) return overflow(d, b);
    }
    if (pool <= 0 || total == 0) return pool < 0 ? overflow(d, b) : 0;
    cs_share *sh = malloc(holders * sizeof *sh);
    if (!sh) {
        cs_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    size_t h = 0;
    int64_t given = 0;
    for (size_t i = 0; i < n; i++) {
        if (!po->active[i]) continue;
        int64_t s = b->shares_by_row[CS_ROW(po->rank[i])];
        if (s <= 0) continue;
        i128 x = (i128)pool * s;
        out[i] = (int64_t)(x / total);
        given += out[i];
        sh[h++] = (cs_share){x % total, order_of(in, i), i};
    }
    qsort(sh, holders, sizeof *sh, share_cmp);
    for (int64_t k = 0; k < pool - given; k++) out[sh[k].slot]++;
    free(sh);
    return 0;
}

/* Scales the company-paid lines down to the cap, if they exceed it. */
static int apply_cap(cs_payout *po, const cs_plan *p, const cs_period_input *in, cs_diags *d)
{
    const size_t n = po->n;
    int64_t cap = cs_round_micro((i128)p->payout_cap_ppm * po->company_bv);
    int64_t total = po->company_paid;
    if (cap < 0) return overflow(d, NULL);
    if (total <= cap) return 0;
    size_t nlines = 0;
    for (size_t b = 0; b < p->nbonuses; b++)
        if (cs_bonus_company_paid(p->bonuses[b].type))
            for (size_t i = 0; i < n; i++) nlines += po->amount[b * n + i] != 0;
    cs_share *sh = malloc((nlines ? nlines : 1) * sizeof *sh);
    if (!sh) {
        cs_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    size_t h = 0;
    int64_t given = 0;
    for (size_t b = 0; b < p->nbonuses; b++) {
        if (!cs_bonus_company_paid(p->bonuses[b].type)) continue;
        for (size_t i = 0; i < n; i++) {
            int64_t *a = &po->amount[b * n + i];
            if (!*a) continue;
            i128 x = (i128)*a * cap;
            *a = (int64_t)(x / total);
            given += *a;
            /* ties: member first in the file, then bonus first in the plan */
            sh[h++] = (cs_share){x % total, order_of(in, i) * (uint64_t)(p->nbonuses + 1) + b, b * n + i};
        }
    }
    qsort(sh, nlines, sizeof *sh, share_cmp);
    for (int64_t k = 0; k < cap - given; k++) po->amount[sh[k].slot]++;
    free(sh);
    po->company_paid = cap;
    return 0;
}

/* ---- one period ------------------------------------------------------------------------------ */

static int pay_bonus(cs_payout *po, const cs_plan *p, size_t b, const cs_tree *t, const cs_period_input *in,
                     cs_diags *d)
{
    const cs_bonus *bo = &p->bonuses[b];
    const size_t n = po->n;
    int64_t *out = po->amount + b * n;
    switch (bo->type) {
    case CS_BONUS_RETAIL: return pay_retail(po, bo, in->retail, n, out, d);
    case CS_BONUS_UNILEVEL:
        memcpy(po->src, in->bv, n * sizeof *po->src); /* the total was checked in cs_payout_period */
        set_takes(po, bo->compression, n);
        return pay_levels(po, bo, t, out, d);
    case CS_BONUS_FAST_START:
    case CS_BONUS_ENROLMENT:
        if (new_member_sources(po, in, bo->type == CS_BONUS_FAST_START ? in->bv : NULL, p->enrolment_fee, n))
            return overflow(d, bo);
        set_takes(po, bo->compression, n);
        return pay_levels(po, bo, t, out, d);
    case CS_BONUS_MATCHING:
        if (matching_sources(po, bo, n)) return overflow(d, bo);
        set_takes(po, bo->compression, n);
        return pay_levels(po, bo, t, out, d);
    case CS_BONUS_STAIRSTEP: return pay_stairstep(po, p, bo, t, in->bv, out, d);
    case CS_BONUS_GENERATION: return pay_generations(po, bo, t, in->bv, out, d);
    case CS_BONUS_RANK_ADVANCE: return pay_advancement(po, bo, n, out, d);
    case CS_BONUS_POOL: return pay_pool(po, bo, in, n, po->company_bv, out, d);
    case CS_BONUS_NTYPES: break;
    }
    return -1;
}

int cs_payout_period(cs_payout *po, const cs_plan *p, const cs_tree *t, const cs_period_input *in, cs_diags *d)
{
    const size_t n = po->n;
    int64_t total_pv = 0, total_bv = 0;
    for (size_t i = 0; i < n; i++) {
        po->active[i] = in->pv[i] > 0 && in->pv[i] >= p->active_pv; /* buying nothing is never active */
        if (__builtin_add_overflow(total_pv, in->pv[i], &total_pv) ||
            __builtin_add_overflow(total_bv, in->bv[i], &total_bv))
            return overflow(d, NULL);
    }
    po->company_bv = total_bv;
    settle_ranks(po, p, t, in->pv);
    for (size_t b = 0; b < p->nbonuses; b++)
        if (pay_bonus(po, p, b, t, in, d)) return -1;
    po->company_paid = 0;
    for (size_t b = 0; b < p->nbonuses; b++) {
        if (!cs_bonus_company_paid(p->bonuses[b].type)) continue;
        for (size_t i = 0; i < n; i++)
            if (__builtin_add_overflow(po->company_paid, po->amount[b * n + i], &po->company_paid))
                return overflow(d, &p->bonuses[b]);
    }
    if (p->payout_cap_ppm >= 0 && apply_cap(po, p, in, d)) return -1;
    for (size_t b = 0; b < p->nbonuses; b++) {
        int64_t s = 0;
        for (size_t i = 0; i < n; i++)
            if (__builtin_add_overflow(s, po->amount[b * n + i], &s)) return overflow(d, &p->bonuses[b]);
        po->bonus_total[b] = s;
    }
    for (size_t i = 0; i < n; i++)
        if (po->rank[i] > po->title[i]) po->title[i] = po->rank[i];
    return 0;
}
