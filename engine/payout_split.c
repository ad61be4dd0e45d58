/* Largest-remainder splits: an amount cut in proportion to shares, whole cents each, the cents left
 * over going to the largest remainders (ties by the member's order in the input, so that the
 * result does not depend on thread count or tree layout).  The pool bonus and the payout cap. */
#include <omp.h>
#include <stdlib.h>

#include "bigmem.h"
#include "money.h"
#include "payout_int.h"

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


/* Splits `pool` cents over the members in proportion to their rank's shares.  The shares are
 * counted from po->rank_active (settled with the ranks), so that one pass over the members finds
 * the holders.  Which holders get a cent of the remainder does not depend on the order they are
 * listed in (select_first), so the threads list them as they come. */
int cs_po_pay_pool(const pass *ps, const cs_period_input *in, size_t n, int64_t company_bv, cs_diags *d)
{
    const cs_payout *po = ps->po;
    const cs_bonus *b = ps->b;
    int64_t *out = ps->out;
    const int add = ps->add; /* out holds earlier lines: the holders' shares are added to them */
    int64_t pool = cs_round_micro((i128)b->pool_ppm * company_bv);
    if (pool < 0) return cs_po_overflow(d, b);
    i128 shares = 0; /* no share is negative: this overflows int64 when a sum in any order would */
    size_t holders = 0;
    for (size_t r = 0; r <= ps->p->nranks; r++) {
        shares += (i128)po->rank_active[r] * b->shares_by_row[r];
        if (b->shares_by_row[r] > 0) holders += (size_t)po->rank_active[r];
    }
    if (shares > INT64_MAX) return cs_po_overflow(d, b);
    const int64_t total = (int64_t)shares;
    if (!add) cs_po_clear(out, n);
    if (pool == 0 || total == 0) return 0;
    cs_share *sh = cs_big_malloc(holders, sizeof *sh);
    if (!sh) {
        cs_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    int64_t given = 0;
    size_t next = 0;
#pragma omp parallel for schedule(static) reduction(+ : given)
    for (size_t i = 0; i < n; i++) {
        /* activity as a mask, not a branch: it is random, while holders are few */
        const int64_t s = b->shares_by_row[CS_ROW(po->rank[i])] & -(int64_t)po->active[i];
        if (s <= 0) continue;
        i128 x = (i128)pool * s;
        int64_t q;
        cs_share e;
        if (x <= INT64_MAX) { /* 64-bit division, when it is exact, is much cheaper */
            q = (int64_t)x / total;
            e = (cs_share){(int64_t)x % total, order_of(in, i), i};
        } else {
            q = (int64_t)(x / total);
            e = (cs_share){x % total, order_of(in, i), i};
        }
        size_t h;
#pragma omp atomic capture
        h = next++;
        sh[h] = e;
        out[i] = add ? out[i] + q : q;
        given += q;
    }
    select_first(sh, holders, (size_t)(pool - given));
    for (int64_t k = 0; k < pool - given; k++) out[sh[k].slot]++;
    free(sh);
    const line_acc all = {pool, 0}; /* the whole pool is given out */
    line_done(ps, &all);
    return 0;
}

/* Scales the company-paid lines down to the cap, if they exceed it. */
int cs_po_apply_cap(cs_payout *po, const cs_plan *p, const cs_period_input *in, cs_diags *d)
{
    const size_t n = po->n;
    int64_t cap = cs_round_micro((i128)p->payout_cap_ppm * po->company_bv);
    int64_t total = po->company_paid;
    if (cap < 0) return cs_po_overflow(d, NULL);
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
