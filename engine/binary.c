#include "binary.h"

#include <omp.h>
#include <string.h>

#include "money.h"
#include "placement_pass.h"

typedef __int128 i128;

typedef struct {
    cs_payout *po;
    const cs_bonus *b; /* NULL: measures only */
    const cs_placement *pl;
    const cs_placement_index *ix;
    const int64_t *bv;
    int64_t *out;
    int by_count;
} bin_pass;

/* Pairs member i's legs (carry-over included) and settles what it carries into the next period. */
static int pair(cs_payout *po, const cs_bonus *b, size_t i, int64_t legl, int64_t legr, int64_t *out)
{
    const cs_binary_spec *bs = &b->binary;
    int64_t leg[2] = {legl, legr};
    *out = 0;
    if (!po->active[i]) { /* an inactive member loses the period's leg volume and the carry-over */
        po->carry[2 * i] = po->carry[2 * i + 1] = 0;
        if (po->idle) po->idle[i] = 0;
        return 0;
    }
    const size_t row = CS_ROW(po->rank[i]);
    const int64_t per_cycle = bs->weak ? b->cents_by_row[row] : 0;
    int qualified = bs->weak ? per_cycle > 0 : b->rate_by_row[row] > 0;
    if (bs->sponsored_per_leg)
        qualified &= po->qual[2 * i] >= bs->sponsored_per_leg && po->qual[2 * i + 1] >= bs->sponsored_per_leg;
    int paired = 0;
    if (qualified) {
        i128 x = 0; /* millionths of a cent */
        if (!bs->weak) {
            const int64_t w = leg[0] < leg[1] ? leg[0] : leg[1];
            if (w > 0) {
                x = (i128)b->rate_by_row[row] * w;
                leg[0] -= w;
                leg[1] -= w;
                paired = 1;
            }
        } else {
            const int ws = leg[1] < leg[0]; /* the weaker side; left on a tie */
            const int64_t by_weak = leg[ws] / bs->weak, by_strong = leg[!ws] / bs->strong;
            const int64_t c = by_weak < by_strong ? by_weak : by_strong;
            if (c > 0) {
                /* capped in cents first: c x amount can exceed what millionths of a cent hold */
                i128 cents = (i128)c * per_cycle;
                if (bs->cap >= 0 && cents > bs->cap) cents = bs->cap;
                if (cents > CS_AMOUNT_MAX) return -1;
                x = cents * CS_PPM_ONE;
                leg[ws] -= c * bs->weak;
                leg[!ws] -= c * bs->strong;
                paired = 1;
            }
        }
        if (bs->cap >= 0 && x > (i128)bs->cap * CS_PPM_ONE) x = (i128)bs->cap * CS_PPM_ONE; /* the volume stays used */
        if (x && (*out = cs_round_micro(x)) < 0) return -1;
    }
    if (po->idle) {
        if (paired) po->idle[i] = 0;
        else if (++po->idle[i] >= (uint32_t)bs->flush_after) { /* flushed */
            leg[0] = leg[1] = 0;
            po->idle[i] = 0;
        }
    }
    for (int s = 0; s < 2; s++)
        po->carry[2 * i + (size_t)s] = bs->carry_cap >= 0 && leg[s] > bs->carry_cap ? bs->carry_cap : leg[s];
    return 0;
}

static int binary_range(void *vp, size_t lo, size_t hi)
{
    const bin_pass *bp = vp;
    cs_payout *po = bp->po;
    const int32_t *porder = bp->ix->porder, *pchild = bp->pl->pchild;
    int bad = 0;
    for (size_t j = hi; j-- > lo;) {
        const size_t i = (size_t)porder[j];
        int64_t leg[2], sub = bp->bv[i];
        int32_t cnt[2] = {0, 0};
        for (size_t s = 0; s < 2; s++) {
            const int32_t c = pchild[2 * i + s];
            leg[s] = c >= 0 ? po->psub[c] : 0;
            sub += leg[s]; /* at most the company BV: fits */
            if (po->psize) cnt[s] = c >= 0 ? po->psize[c] : 0;
        }
        po->psub[i] = sub;
        if (po->psize) po->psize[i] = 1 + cnt[0] + cnt[1];
        if (bp->b)
            for (size_t s = 0; s < 2; s++) bad |= __builtin_add_overflow(leg[s], po->carry[2 * i + s], &leg[s]);
        po->leg_measure[2 * i] = bp->by_count ? cnt[0] : leg[0];
        po->leg_measure[2 * i + 1] = bp->by_count ? cnt[1] : leg[1];
        if (bp->b && !bad) bad |= pair(po, bp->b, i, leg[0], leg[1], &bp->out[i]);
    }
    return bad ? -1 : 0;
}

/* qual[2s + side]: active recruits of s (sponsor tree) placed in s's leg on that side.  The sponsor
 * tree is walked by position (tree.h); qual, like the placement tree, is by member. */
static void count_qualifiers(cs_payout *po, const cs_tree *t, const cs_placement *pl, const cs_placement_index *ix)
{
    const size_t n = po->n;
    const int32_t *perm = t->perm;
#pragma omp parallel for schedule(static)
    for (size_t j = 0; j < n; j++) {
        const size_t s = perm ? (size_t)perm[j] : j;
        int32_t q[2] = {0, 0};
        if (ix->prank[s] >= 0)
            for (uint32_t k = t->child_off[j]; k < t->child_off[j + 1]; k++) {
                const int32_t c = t->child ? t->child[k] : (int32_t)k, r = perm ? perm[c] : c;
                if (!po->active[r]) continue;
                q[0] += cs_placement_in_leg(pl, ix, (int32_t)s, CS_PLACE_LEFT, r);
                q[1] += cs_placement_in_leg(pl, ix, (int32_t)s, CS_PLACE_RIGHT, r);
            }
        po->qual[2 * s] = q[0], po->qual[2 * s + 1] = q[1];
    }
}

static int run(cs_payout *po, const cs_plan *p, const cs_bonus *b, const cs_period_input *in, int64_t *out)
{
    bin_pass bp = {.po = po, .b = b, .pl = in->pl, .ix = in->pix, .bv = in->bv, .out = out,
                   .by_count = p->placement.weaker_by_count};
    return cs_place_bottom_up(in->pix, binary_range, &bp);
}

int cs_binary_pay(cs_payout *po, const cs_plan *p, const cs_bonus *b, const cs_tree *t, const cs_period_input *in,
                  int64_t *out)
{
    const size_t n = po->n;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = 0; /* members not placed are paid nothing */
    if (b->binary.sponsored_per_leg) count_qualifiers(po, t, in->pl, in->pix);
    return run(po, p, b, in, out);
}

int cs_binary_measure(cs_payout *po, const cs_plan *p, const cs_period_input *in)
{
    return run(po, p, NULL, in, NULL);
}
