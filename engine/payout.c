#include "payout.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "binary.h"
#include "matrix.h"
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

/* The state and scratch of the placement-tree bonuses, only as much as the plan needs.  Returns
 * 0, or -1 if out of memory. */
static int alloc_placement(cs_payout *po, const cs_plan *p, size_t m)
{
    const cs_bonus *b = cs_plan_placement_bonus(p);
    int bad = 0;
    if (p->placement.kind == CS_PTREE_BINARY) {
        bad |= !(po->leg_measure = cs_big_calloc(2 * m, sizeof *po->leg_measure));
        bad |= !(po->psub = cs_big_malloc(m, sizeof *po->psub));
        if (p->placement.weaker_by_count) bad |= !(po->psize = cs_big_malloc(m, sizeof *po->psize));
    }
    if (b && b->type == CS_BONUS_BINARY) {
        bad |= !(po->carry = cs_big_calloc(2 * m, sizeof *po->carry));
        if (b->binary.flush_after) bad |= !(po->idle = cs_big_calloc(m, sizeof *po->idle));
        if (b->binary.sponsored_per_leg) bad |= !(po->qual = cs_big_malloc(2 * m, sizeof *po->qual));
    }
    if (b && b->type == CS_BONUS_MATRIX && b->ncompletion > 0) {
        bad |= !(po->completed = cs_big_calloc(m, sizeof *po->completed));
        bad |= !(po->pfull = cs_big_malloc(m, sizeof *po->pfull));
    }
    return bad ? -1 : 0;
}

cs_payout *cs_payout_new(const cs_plan *p, size_t n)
{
    cs_payout *po = calloc(1, sizeof *po);
    if (!po) return NULL;
    size_t m = n ? n : 1;
    po->n = n;
    po->cap = m;
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
        !po->vec || !po->src || !po->takes || !po->active || alloc_placement(po, p, m)) {
        cs_payout_free(po);
        return NULL;
    }
    for (size_t i = 0; i < m; i++) po->title[i] = CS_RANK_NONE;
    return po;
}

int cs_payout_resize(cs_payout *po, const cs_plan *p, size_t n)
{
    if (n < po->n) return -1;
    if (n <= po->cap) { /* members po->n .. n-1 were never used: they hold the initial state */
        po->n = n;
        return 0;
    }
    size_t cap = po->cap * 2 > n ? po->cap * 2 : n;
    cs_payout *q = cs_payout_new(p, cap);
    if (!q) return -1;
    const size_t old = po->n;
    memcpy(q->title, po->title, old * sizeof *q->title);
#define KEEP(f, per) \
    if (po->f) memcpy(q->f, po->f, (per) * old * sizeof *q->f)
    KEEP(leg_measure, 2);
    KEEP(carry, 2);
    KEEP(idle, 1);
    KEEP(completed, 1);
#undef KEEP
    cs_payout tmp = *po;
    *po = *q;
    *q = tmp;
    cs_payout_free(q);
    po->n = n;
    return 0;
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
    free(po->leg_measure);
    free(po->carry);
    free(po->idle);
    free(po->completed);
    free(po->psub);
    free(po->psize);
    free(po->qual);
    free(po->pfull);
    free(po);
}

static int overflow(cs_diags *d, const cs_bonus *b)
{
    cs_error(d, NULL, 0, 0, "%s%s%sthe amounts are too large to count in cents (over 10^16 currency units)",
             b ? "bonus '" : "", b ? b->name : "", b ? "': " : "");
    return -1;
}

/* Sum of n non-negative amounts, across threads.  Because no term is negative, the sum overflows in
 * some order exactly when it overflows in every order, so the verdict and the total do not depend
 * on the thread count. */
static int checked_sum(const int64_t *a, size_t n, int64_t *out)
{
    int64_t total = 0;
    int bad = 0;
#pragma omp parallel
    {
        int64_t s = 0;
        int ovf = 0;
#pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++) ovf |= __builtin_add_overflow(s, a[i], &s);
#pragma omp critical(cs_checked_sum)
        bad |= ovf || __builtin_add_overflow(total, s, &total);
    }
    *out = total;
    return bad ? -1 : 0;
}

/* What one bottom-up pass needs; each pass is a cs_range_fn over it (see cs_tree_bottom_up). */
typedef struct {
    cs_payout *po;
    const cs_plan *p;
    const cs_bonus *b;
    const cs_tree *t;
    const int64_t *pv, *bv;
    const int64_t *src; /* level bonuses: the amount each member is a source of */
    int64_t *out;
    int narrow; /* level bonuses: every rate x amount sum fits in 64 bits */
} pass;

/* ---- ranks ----------------------------------------------------------------------------------- */

/* What a member's rank rules look at, gathered in one pass over its recruits. */
typedef struct {
    int64_t pv, gv;
    int32_t nactive;
    int32_t legs_at_least[CS_MAX_RANKS + 1]; /* [r]: recruits whose subtree holds rank >= r */
} rank_facts;

static int rank_holds(const cs_rank *rk, const cs_payout *po, const cs_tree *t, size_t i, const rank_facts *f)
{
    if (f->pv < rk->pv || f->nactive < rk->active_frontline || f->gv < rk->gv) return 0;
    for (size_t l = 0; l < rk->nlegs; l++)
        if (f->legs_at_least[rk->legs[l].rank] < rk->legs[l].count) return 0;
    if (rk->gv > 0 && rk->max_leg_ppm > 0) {
        /* in millionths, so that "at most s of G" needs no rounding */
        i128 cap = (i128)rk->max_leg_ppm * rk->gv, q = (i128)f->pv * CS_PPM_ONE;
        for (uint32_t k = t->child_off[i]; k < t->child_off[i + 1]; k++) {
            int32_t c = t->child[k];
            i128 leg = po->broken[c] ? 0 : (i128)po->gv[c] * CS_PPM_ONE;
            q += leg < cap ? leg : cap;
        }
        if (q < (i128)rk->gv * CS_PPM_ONE) return 0;
    }
    return 1;
}

static void count_legs(const cs_payout *po, const cs_tree *t, size_t i, size_t nranks, rank_facts *f)
{
    int32_t *at = f->legs_at_least;
    memset(at, 0, (nranks + 1) * sizeof *at);
    for (uint32_t k = t->child_off[i]; k < t->child_off[i + 1]; k++) {
        int32_t s = po->submax[t->child[k]];
        if (s >= 0) at[s]++;
    }
    for (size_t r = nranks; r-- > 1;) at[r - 1] += at[r];
}

/* Group volume, paid-as rank and breakaway of members hi-1 down to lo. */
static int settle_range(void *vp, size_t lo, size_t hi)
{
    const pass *ps = vp;
    cs_payout *po = ps->po;
    const cs_plan *p = ps->p;
    const cs_tree *t = ps->t;
    int any_legs = 0;
    for (size_t r = 0; r < p->nranks; r++) any_legs |= p->ranks[r].nlegs > 0;
    rank_facts f;
    for (size_t i = hi; i-- > lo;) {
        int64_t gv = ps->pv[i];
        int32_t nactive = 0, sub = CS_RANK_NONE;
        for (uint32_t k = t->child_off[i]; k < t->child_off[i + 1]; k++) {
            int32_t c = t->child[k];
            gv += po->broken[c] ? 0 : po->gv[c];
            nactive += po->active[c];
            sub = po->submax[c] > sub ? po->submax[c] : sub;
        }
        po->gv[i] = gv;
        int32_t rank = CS_RANK_NONE;
        if (po->active[i]) {
            f.pv = ps->pv[i], f.gv = gv, f.nactive = nactive;
            if (any_legs) count_legs(po, t, i, p->nranks, &f);
            for (int32_t r = (int32_t)p->nranks - 1; r >= 0; r--)
                if (rank_holds(&p->ranks[r], po, t, i, &f)) {
                    rank = r;
                    break;
                }
        }
        po->rank[i] = rank;
        po->submax[i] = rank > sub ? rank : sub;
        po->broken[i] = p->breakaway != CS_RANK_NONE && rank >= p->breakaway;
    }
    return 0;
}

/* ---- bonuses paid by level (unilevel, fast start, enrolment, matching) ----------------------- */

/* vec[i*K + k] = the amount at sources k+1 levels below i, where a member takes a level when
 * takes[] says so; then each active member is paid its rank's rates on its own levels.  A recruit
 * that takes a level shifts its table down by one; one that does not adds it as it is (branch-free:
 * vc[l - t]).  Inlined for each small K so that the loops over levels unroll. */
static inline __attribute__((always_inline)) int level_sweep(const pass *ps, size_t lo, size_t hi, const size_t K)
{
    cs_payout *po = ps->po;
    const cs_tree *t = ps->t;
    const int64_t *src = ps->src;
    const uint8_t *takes = po->takes;
    int64_t *vec = po->vec, *out = ps->out;
    for (size_t i = hi; i-- > lo;) {
        int64_t *v = vec + i * K;
        for (size_t l = 0; l < K; l++) v[l] = 0;
        for (uint32_t k = t->child_off[i]; k < t->child_off[i + 1]; k++) {
            size_t c = (size_t)t->child[k], tk = takes[c];
            const int64_t *vc = vec + c * K;
            v[0] += src[c] + vc[0] * (int64_t)(1 - tk);
            for (size_t l = 1; l < K; l++) v[l] += vc[l - tk];
        }
        out[i] = 0;
        if (!po->active[i]) continue;
        const int32_t *rate = ps->b->levels.ppm + CS_ROW(po->rank[i]) * K;
        if (ps->narrow) {
            int64_t x = 0;
            for (size_t l = 0; l < K; l++) x += (int64_t)rate[l] * v[l];
            out[i] = (x + CS_PPM_ONE / 2) / CS_PPM_ONE;
            continue;
        }
        i128 x = 0;
        for (size_t l = 0; l < K; l++) x += (i128)rate[l] * v[l];
        if (x && (out[i] = cs_round_micro(x)) < 0) return -1;
    }
    return 0;
}

static int levels_range(void *vp, size_t lo, size_t hi)
{
    const pass *ps = vp;
    switch (ps->b->levels.nlevels) {
    case 1: return level_sweep(ps, lo, hi, 1);
    case 2: return level_sweep(ps, lo, hi, 2);
    case 3: return level_sweep(ps, lo, hi, 3);
    case 4: return level_sweep(ps, lo, hi, 4);
    case 5: return level_sweep(ps, lo, hi, 5);
    case 6: return level_sweep(ps, lo, hi, 6);
    case 7: return level_sweep(ps, lo, hi, 7);
    case 8: return level_sweep(ps, lo, hi, 8);
    default: return level_sweep(ps, lo, hi, (size_t)ps->b->levels.nlevels);
    }
}

/* `total` is the sum of src[]: every level amount is at most that, and every rate at most 100%. */
static int pay_levels(pass *ps, int64_t total, cs_diags *d)
{
    ps->narrow = total <= INT64_MAX / CS_PPM_ONE - 1;
    return cs_tree_bottom_up(ps->t, levels_range, ps) ? overflow(d, ps->b) : 0;
}

/* Sets src[] to `amount` for new members (0 for others); *total gets their sum, checked to fit. */
static int new_member_sources(cs_payout *po, const cs_period_input *in, const int64_t *per_member, int64_t each,
                              size_t n, int64_t *total_out)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        po->src[i] = in->is_new && in->is_new[i] ? (per_member ? per_member[i] : each) : 0;
    return checked_sum(po->src, n, total_out);
}

static int matching_sources(cs_payout *po, const cs_bonus *b, size_t n, int64_t *total_out)
{
    int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
    for (size_t i = 0; i < n; i++) {
        int64_t s = 0;
        for (size_t m = 0; m < b->nmatched; m++) bad |= __builtin_add_overflow(s, po->amount[b->matched[m] * n + i], &s);
        po->src[i] = s;
    }
    return bad || checked_sum(po->src, n, total_out) ? -1 : 0;
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
static int stairstep_range(void *vp, size_t lo, size_t hi)
{
    const pass *ps = vp;
    cs_payout *po = ps->po;
    const cs_tree *t = ps->t;
    const size_t R = ps->p->nranks + 1;
    const int32_t *rate = ps->b->rate_by_row;
    int64_t sum[CS_MAX_RANKS + 1];
    for (size_t i = hi; i-- > lo;) {
        memset(sum, 0, R * sizeof *sum);
        for (uint32_t k = t->child_off[i]; k < t->child_off[i + 1]; k++) {
            int32_t c = t->child[k];
            if (po->broken[c]) continue;
            const int64_t *wc = po->vec + (size_t)c * R;
            for (size_t r = 0; r < R; r++) sum[r] += wc[r];
        }
        size_t row = CS_ROW(po->rank[i]);
        ps->out[i] = 0;
        if (po->active[i]) {
            i128 x = ps->b->include_own ? (i128)rate[row] * ps->bv[i] : 0;
            for (size_t r = 0; r < R; r++)
                if (rate[r] < rate[row]) x += (i128)(rate[row] - rate[r]) * sum[r];
            if (x && (ps->out[i] = cs_round_micro(x)) < 0) return -1;
        }
        int64_t *w = po->vec + i * R;
        memset(w, 0, R * sizeof *w);
        w[row] = ps->bv[i];
        for (size_t r = 0; r < R; r++) w[r > row ? r : row] += sum[r];
    }
    return 0;
}

/* vec[i*G + g] = group BV of the broken-away members that are the (g+1)-th broken-away member on
 * the path from i (included) down; src[] holds each member's group BV. */
static int generations_range(void *vp, size_t lo, size_t hi)
{
    const pass *ps = vp;
    cs_payout *po = ps->po;
    const cs_tree *t = ps->t;
    const size_t G = (size_t)ps->b->levels.nlevels;
    int64_t sum[CS_MAX_LEVELS];
    for (size_t i = hi; i-- > lo;) {
        memset(sum, 0, G * sizeof *sum);
        int64_t group = ps->bv[i];
        for (uint32_t k = t->child_off[i]; k < t->child_off[i + 1]; k++) {
            int32_t c = t->child[k];
            const int64_t *hc = po->vec + (size_t)c * G;
            for (size_t g = 0; g < G; g++) sum[g] += hc[g];
            if (!po->broken[c]) group += po->src[c];
        }
        po->src[i] = group;
        ps->out[i] = 0;
        if (po->active[i]) {
            const int32_t *rate = ps->b->levels.ppm + CS_ROW(po->rank[i]) * G;
            i128 x = 0;
            for (size_t g = 0; g < G; g++) x += (i128)rate[g] * sum[g];
            if (x && (ps->out[i] = cs_round_micro(x)) < 0) return -1;
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
    int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
    for (size_t i = 0; i < n; i++) {
        out[i] = 0;
        if (!retail || !retail[i]) continue;
        i128 x = (i128)b->rate_by_row[CS_ROW(po->rank[i])] * retail[i];
        bad |= x && (out[i] = cs_round_micro(x)) < 0;
    }
    return bad ? overflow(d, b) : 0;
}

static int pay_advancement(const cs_payout *po, const cs_bonus *b, size_t n, int64_t *out, cs_diags *d)
{
    int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
    for (size_t i = 0; i < n; i++) {
        int64_t x = 0;
        for (int32_t r = po->title[i] + 1; r <= po->rank[i]; r++)
            bad |= __builtin_add_overflow(x, b->cents_by_row[CS_ROW(r)], &x) || x > CS_AMOUNT_MAX;
        out[i] = x;
    }
    return bad ? overflow(d, b) : 0;
}

/* ---- largest-remainder splits (pool, cap) ---------------------------------------------------- */

typedef struct {
    i128 rem;
    uint64_t key; /* tie-break: smaller first */
    size_t slot;  /* where the extra cent goes */
} cs_share;

static int share_before(const cs_share *x, const cs_share *y)
{
    return x->rem != y->rem ? x->rem > y->rem : x->key < y->key;
}

/* Rearranges a[] so that a[0..k) are the k shares first in (remainder down, key up) order; keys are
 * distinct, so which shares these are does not depend on the input order.  Quickselect: O(n) on
 * average, where sorting every holder of a large pool would cost O(n log n). */
static void select_first(cs_share *a, size_t n, size_t k)
{
    size_t lo = 0, hi = n;
    while (k > lo && k < hi && hi - lo > 1) {
        cs_share pivot = a[lo + (hi - lo) / 2], tmp;
        size_t lt = lo, i = lo, gt = hi; /* [lo,lt) before the pivot, [lt,i) the pivot, [gt,hi) after */
        while (i < gt) {
            if (share_before(&a[i], &pivot))
                tmp = a[lt], a[lt++] = a[i], a[i++] = tmp;
            else if (share_before(&pivot, &a[i]))
                tmp = a[--gt], a[gt] = a[i], a[i] = tmp;
            else
                i++;
        }
        if (k <= lt)
            hi = lt;
        else if (k >= gt)
            lo = gt;
        else
            return;
    }
}

static uint64_t order_of(const cs_period_input *in, size_t i) { return in->order ? in->order[i] : i; }

#define CS_MAX_CHUNKS 64

/* Splits `pool` cents over the members in proportion to their rank's shares.  Members are cut into
 * fixed chunks (one per thread) so that the holders list is built in member order whatever the
 * thread count. */
static int pay_pool(const cs_payout *po, const cs_bonus *b, const cs_period_input *in, size_t n, int64_t company_bv,
                    int64_t *out, cs_diags *d)
{
    int64_t pool = cs_round_micro((i128)b->pool_ppm * company_bv);
    if (pool < 0) return overflow(d, b);
    size_t nchunks = (size_t)omp_get_max_threads();
    nchunks = nchunks < 1 ? 1 : nchunks > CS_MAX_CHUNKS ? CS_MAX_CHUNKS : nchunks;
    int64_t chunk_shares[CS_MAX_CHUNKS] = {0};
    size_t chunk_holders[CS_MAX_CHUNKS + 1] = {0};
    int bad = 0;
#pragma omp parallel for schedule(static, 1) reduction(| : bad)
    for (size_t c = 0; c < nchunks; c++) {
        int64_t total = 0;
        size_t h = 0;
        for (size_t i = n * c / nchunks; i < n * (c + 1) / nchunks; i++) {
            out[i] = 0;
            int64_t s = po->active[i] ? b->shares_by_row[CS_ROW(po->rank[i])] : 0;
            h += s > 0;
            bad |= __builtin_add_overflow(total, s, &total);
        }
        chunk_shares[c] = total, chunk_holders[c + 1] = h;
    }
    int64_t total = 0;
    for (size_t c = 0; c < nchunks; c++) {
        bad |= __builtin_add_overflow(total, chunk_shares[c], &total);
        chunk_holders[c + 1] += chunk_holders[c];
    }
    if (bad) return overflow(d, b);
    if (pool == 0 || total == 0) return 0;
    size_t holders = chunk_holders[nchunks];
    cs_share *sh = cs_big_malloc(holders, sizeof *sh);
    if (!sh) {
        cs_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    int64_t given = 0;
#pragma omp parallel for schedule(static, 1) reduction(+ : given)
    for (size_t c = 0; c < nchunks; c++) {
        size_t h = chunk_holders[c];
        for (size_t i = n * c / nchunks; i < n * (c + 1) / nchunks; i++) {
            int64_t s = po->active[i] ? b->shares_by_row[CS_ROW(po->rank[i])] : 0;
            if (s <= 0) continue;
            i128 x = (i128)pool * s;
            if (x <= INT64_MAX) { /* 64-bit division, when it is exact, is much cheaper */
                out[i] = (int64_t)x / total;
                sh[h++] = (cs_share){(int64_t)x % total, order_of(in, i), i};
            } else {
                out[i] = (int64_t)(x / total);
                sh[h++] = (cs_share){x % total, order_of(in, i), i};
            }
            given += out[i];
        }
    }
    select_first(sh, holders, (size_t)(pool - given));
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
    cs_share *sh = cs_big_malloc(nlines, sizeof *sh);
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
    select_first(sh, nlines, (size_t)(cap - given));
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
    int64_t *out = po->amount + b * n, total;
    pass ps = {.po = po, .p = p, .b = bo, .t = t, .pv = in->pv, .bv = in->bv, .src = po->src, .out = out};
    switch (bo->type) {
    case CS_BONUS_RETAIL: return pay_retail(po, bo, in->retail, n, out, d);
    case CS_BONUS_UNILEVEL:
        ps.src = in->bv;
        set_takes(po, bo->compression, n);
        return pay_levels(&ps, po->company_bv, d);
    case CS_BONUS_FAST_START:
    case CS_BONUS_ENROLMENT:
        if (new_member_sources(po, in, bo->type == CS_BONUS_FAST_START ? in->bv : NULL, p->enrolment_fee, n, &total))
            return overflow(d, bo);
        set_takes(po, bo->compression, n);
        return pay_levels(&ps, total, d);
    case CS_BONUS_MATCHING:
        if (matching_sources(po, bo, n, &total)) return overflow(d, bo);
        set_takes(po, bo->compression, n);
        return pay_levels(&ps, total, d);
    case CS_BONUS_STAIRSTEP: return cs_tree_bottom_up(t, stairstep_range, &ps) ? overflow(d, bo) : 0;
    case CS_BONUS_GENERATION: return cs_tree_bottom_up(t, generations_range, &ps) ? overflow(d, bo) : 0;
    case CS_BONUS_RANK_ADVANCE: return pay_advancement(po, bo, n, out, d);
    case CS_BONUS_POOL: return pay_pool(po, bo, in, n, po->company_bv, out, d);
    case CS_BONUS_BINARY: return cs_binary_pay(po, p, bo, t, in, out) ? overflow(d, bo) : 0;
    case CS_BONUS_MATRIX: return cs_matrix_pay(po, bo, in, out) ? overflow(d, bo) : 0;
    case CS_BONUS_NTYPES: break;
    }
    return -1;
}

/* The placement tree given for a plan with a placement section must be over the same members, of
 * the plan's width, with its snapshot up to date (the passes read the tree's child links through
 * the snapshot's order). */
static int check_placement(const cs_payout *po, const cs_plan *p, const cs_period_input *in, cs_diags *d)
{
    const cs_placement *pl = in->pl;
    const cs_placement_index *ix = in->pix;
    if (!pl || !ix) {
        cs_error(d, NULL, 0, 0, "plan '%s' has a placement section, but no placement tree was given", p->name);
        return -1;
    }
    if (pl->n != po->n || ix->nmembers != po->n || pl->width != p->placement.width || ix->n != pl->nplaced) {
        cs_error(d, NULL, 0, 0, "the placement tree given does not fit plan '%s' or its members", p->name);
        return -1;
    }
    return 0;
}

int cs_payout_period(cs_payout *po, const cs_plan *p, const cs_tree *t, const cs_period_input *in, cs_diags *d)
{
    const size_t n = po->n;
    int64_t total_pv;
    if (p->placement.kind != CS_PTREE_NONE && check_placement(po, p, in, d)) return -1;
    if (checked_sum(in->pv, n, &total_pv) || checked_sum(in->bv, n, &po->company_bv)) return overflow(d, NULL);
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        po->active[i] = in->pv[i] > 0 && in->pv[i] >= p->active_pv; /* buying nothing is never active */
    pass ranks = {.po = po, .p = p, .t = t, .pv = in->pv, .bv = in->bv};
    cs_tree_bottom_up(t, settle_range, &ranks);
    for (size_t b = 0; b < p->nbonuses; b++)
        if (pay_bonus(po, p, b, t, in, d)) return -1;
    if (p->placement.kind == CS_PTREE_BINARY && !cs_plan_placement_bonus(p) && cs_binary_measure(po, p, in))
        return overflow(d, NULL);
    po->company_paid = 0;
    for (size_t b = 0; b < p->nbonuses; b++) {
        if (checked_sum(po->amount + b * n, n, &po->bonus_total[b])) return overflow(d, &p->bonuses[b]);
        if (cs_bonus_company_paid(p->bonuses[b].type) &&
            __builtin_add_overflow(po->company_paid, po->bonus_total[b], &po->company_paid))
            return overflow(d, &p->bonuses[b]);
    }
    if (p->payout_cap_ppm >= 0 && po->company_paid > 0) {
        if (apply_cap(po, p, in, d)) return -1;
        for (size_t b = 0; b < p->nbonuses; b++) /* capped lines: the totals again, from the lines */
            if (checked_sum(po->amount + b * n, n, &po->bonus_total[b])) return overflow(d, &p->bonuses[b]);
    }
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        if (po->rank[i] > po->title[i]) po->title[i] = po->rank[i];
    return 0;
}
