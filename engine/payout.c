/* One period of a plan's payout: what a reader follows from a plan to the payout lines.  The
 * volumes and activity, the ranks settled (payout_rank.c), each bonus paid in the plan's order
 * into its line or the member's sums (pay_bonus, pay_fused), the totals checked, the cap applied
 * (payout_split.c), the titles raised.  The passes live in the files named in payout_int.h. */
#include <omp.h>
#include <string.h>

#include "binary.h"
#include "matrix.h"
#include "money.h"
#include "payout_int.h"

int cs_po_overflow(cs_diags *d, const cs_bonus *b)
{
    cs_error(d, NULL, 0, 0, "%s%s%sthe amounts are too large to count in cents (over 10^16 currency units)",
             b ? "bonus '" : "", b ? b->name : "", b ? "': " : "");
    return -1;
}

/* Sum of non-negative amounts, across threads: a[i] (`each` when a is NULL) for every i < n whose
 * only[i] is set (every i when only is NULL).  Because no term is negative, the sum overflows in
 * some order exactly when it overflows in every order, so the verdict and the total do not depend
 * on the thread count. */
int cs_po_checked_sum_where(const uint8_t *only, const int64_t *a, int64_t each, size_t n, int64_t *out)
{
    int64_t total = 0;
    int bad = 0;
#pragma omp parallel
    {
        int64_t s = 0;
        int ovf = 0;
#pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++)
            if (!only || only[i]) ovf |= __builtin_add_overflow(s, a ? a[i] : each, &s);
#pragma omp critical(cs_checked_sum)
        bad |= ovf || __builtin_add_overflow(total, s, &total);
    }
    *out = total;
    return bad ? -1 : 0;
}

/* ---- one period ------------------------------------------------------------------------------ */

/* The period's first pass: each member's activity, and the sums of PV and of BV checked to fit
 * (as checked_sum does; BV is read apart only when it is not PV's array), the latter in
 * po->company_bv.  Returns 0, or -1 if a sum overflows. */
static int volumes(cs_payout *po, const cs_plan *p, const cs_period_input *in, size_t n)
{
    const int64_t *pv = in->pv, *bv = in->bv == in->pv ? NULL : in->bv;
    const int64_t active_pv = p->active_pv;
    int64_t total_pv = 0, total_bv = 0;
    int bad = 0;
#pragma omp parallel
    {
        int64_t s = 0, sb = 0;
        int ovf = 0;
#pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++) {
            ovf |= __builtin_add_overflow(s, pv[i], &s);
            if (bv) ovf |= __builtin_add_overflow(sb, bv[i], &sb);
            po->active[i] = pv[i] > 0 && pv[i] >= active_pv; /* buying nothing is never active */
        }
#pragma omp critical(cs_volumes)
        bad |= ovf || __builtin_add_overflow(total_pv, s, &total_pv) || (bv && __builtin_add_overflow(total_bv, sb, &total_bv));
    }
    po->company_bv = bv ? total_bv : total_pv;
    return bad ? -1 : 0;
}

/* Zeroes a[0..n). */
void cs_po_clear(int64_t *a, size_t n)
{
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) a[i] = 0;
}

/* Where bonus b's lines go: its line, or with sums the member's sum of company-paid lines or of
 * the others. */
static int64_t *line_of(const cs_payout *po, const cs_plan *p, size_t b)
{
    if (!po->sums) return po->amount + b * po->n;
    return cs_bonus_company_paid(p->bonuses[b].type) ? po->paid : po->other;
}


/* ps: the views of this period (by position), with out unset.  add: the lines go to sums that an
 * earlier bonus of this period wrote (cs_payout.sums).  *total: the lines' total, when totalled. */
static int pay_bonus(cs_payout *po, const cs_plan *p, size_t b, pass ps, const cs_period_input *in, int add,
                     line_acc *tot, cs_diags *d)
{
    const cs_bonus *bo = &p->bonuses[b];
    const size_t n = po->n;
    int64_t *out = line_of(po, p, b), total;
    ps.b = bo;
    ps.out = out;
    ps.add = add;
    ps.total = tot;
    const int by_tree = bo->type == CS_BONUS_UNILEVEL || bo->type == CS_BONUS_FAST_START ||
                        bo->type == CS_BONUS_ENROLMENT || bo->type == CS_BONUS_MATCHING ||
                        bo->type == CS_BONUS_STAIRSTEP || bo->type == CS_BONUS_GENERATION;
    if (by_tree && ps.perm && !add) cs_po_clear(out, n); /* the passes then write only the amounts that are not 0 */
    switch (bo->type) {
    case CS_BONUS_RETAIL: return cs_po_pay_retail(&ps, in->retail, n, d);
    case CS_BONUS_UNILEVEL:
        ps.src = ps.bv;
        ps.is_new = NULL;
        return cs_po_pay_levels(&ps, po->company_bv, d);
    case CS_BONUS_FAST_START:
    case CS_BONUS_ENROLMENT: {
        const int64_t *per_member = bo->type == CS_BONUS_FAST_START ? in->bv : NULL;
        if (!in->is_new) { /* nobody joined: nothing to pay */
            if (!ps.perm && !add) cs_po_clear(out, n);
            return 0;
        }
        if (cs_po_checked_sum_where(in->is_new, per_member, p->enrolment_fee, n, &total)) return cs_po_overflow(d, bo);
        ps.src = per_member ? ps.bv : NULL;
        ps.each = p->enrolment_fee;
        return cs_po_pay_levels(&ps, total, d);
    }
    case CS_BONUS_MATCHING:
        if (cs_po_matching_sources(po, bo, ps.perm, n, &total)) return cs_po_overflow(d, bo);
        ps.src = po->src;
        ps.is_new = NULL;
        return cs_po_pay_levels(&ps, total, d);
    case CS_BONUS_STAIRSTEP:
        return cs_tree_bottom_up(ps.t, cs_po_stairstep_range, &ps) ? halted(po) ? 1 : cs_po_overflow(d, bo) : 0;
    case CS_BONUS_GENERATION:
        return cs_tree_bottom_up(ps.t, cs_po_generations_range, &ps) ? halted(po) ? 1 : cs_po_overflow(d, bo) : 0;
    case CS_BONUS_RANK_ADVANCE: return cs_po_pay_advancement(&ps, n, d);
    case CS_BONUS_POOL: return cs_po_pay_pool(&ps, in, n, po->company_bv, d);
    case CS_BONUS_BINARY: return cs_binary_pay(po, p, bo, ps.t, in, out) ? cs_po_overflow(d, bo) : 0;
    case CS_BONUS_MATRIX: return cs_matrix_pay(po, bo, in, out) ? cs_po_overflow(d, bo) : 0;
    case CS_BONUS_NTYPES: break;
    }
    return -1;
}

/* Bonuses b (fast start) and b + 1 (unilevel, fused_pair) in one pass, their company-paid lines
 * added to po->paid (add: an earlier bonus wrote it).  Returns 0, 1 when the stop flag was seen,
 * or -1 when the pass does not apply this period (a sum too large for 64-bit products, or the
 * new members' total overflowing): the bonuses are then paid apart, as always. */
static int pay_fused(cs_payout *po, const cs_plan *p, size_t b, pass ps, const cs_period_input *in, int add,
                     line_acc *ta, line_acc *tb)
{
    const size_t n = po->n;
    int64_t total;
    if (cs_po_checked_sum_where(in->is_new, in->bv, p->enrolment_fee, n, &total)) return -1;
    const int64_t narrow_max = INT64_MAX / CS_PPM_ONE - 1;
    if (total > narrow_max || po->company_bv > narrow_max) return -1;
    pass pa = ps, pb = ps;
    pa.b = &p->bonuses[b], pb.b = &p->bonuses[b + 1];
    pa.out = line_of(po, p, b), pb.out = line_of(po, p, b + 1);
    pa.add = add, pb.add = 1; /* the unilevel's lines go to the sums the fast start's wrote */
    pa.total = ta, pb.total = tb;
    pa.src = pb.src = ps.bv;
    pa.each = pb.each = p->enrolment_fee;
    pa.is_new = in->is_new, pb.is_new = NULL;
    pa.narrow = pb.narrow = 1;
    pa.take_all = pa.b->compression == CS_COMPRESS_NONE, pb.take_all = pb.b->compression == CS_COMPRESS_NONE;
    return cs_po_levels_fused(&pa, &pb) ? 1 : 0;
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
    if (t->n != n) {
        cs_error(d, NULL, 0, 0, "the sponsor tree given has %zu members, the payout %zu", t->n, n);
        return -1;
    }
    if (p->placement.kind != CS_PTREE_NONE && check_placement(po, p, in, d)) return -1;
    if (cs_po_alloc_vec(po, p, t)) {
        cs_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    if (volumes(po, p, in, n)) return cs_po_overflow(d, NULL);
    const int64_t active_pv = p->active_pv;
    pass ps = {.po = po, .p = p, .t = t, .perm = t->perm, .pv = in->pv, .bv = in->bv, .active = po->active,
               .rank = po->rank, .gv = po->gv, .is_new = in->is_new,
               .broken_at = p->breakaway != CS_RANK_NONE ? p->breakaway : INT32_MAX};
    if (t->perm) {
        /* Join order: the passes run over copies by tree position, gathered once here (one random
         * read per member and input) so that the passes stream; the results are written back by
         * member. */
        if (cs_po_alloc_work(po, p)) {
            cs_error(d, NULL, 0, 0, "out of memory");
            return -1;
        }
        const int32_t *perm = t->perm;
        uint8_t *wnew = po->wnew;
        const uint8_t *is_new = in->is_new;
#pragma omp parallel for schedule(static)
        for (size_t j = 0; j < n; j++) {
            const size_t i = (size_t)perm[j];
            const int64_t pv = in->pv[i];
            po->wgv[j] = pv;
            po->wbv[j] = in->bv[i];
            po->wactive[j] = pv > 0 && pv >= active_pv;
            if (wnew) wnew[j] = is_new ? is_new[i] : 0;
        }
        ps.pv = ps.gv = po->wgv;
        ps.bv = po->wbv;
        ps.active = po->wactive;
        ps.rank = po->wrank;
        ps.is_new = is_new ? wnew : NULL;
    }
    /* the stop flag: before and after each pass (and inside the long ones); whatever rc a pass
     * returns once the flag is set, the period is abandoned */
    memset(po->rank_active, 0, sizeof po->rank_active);
    if (halted(po) || cs_po_settle(&ps) || halted(po)) return 1;
    int wrote[2] = {0, 0};         /* sums: the company-paid sums, the others, written this period */
    size_t first_ovf = p->nbonuses; /* the first bonus whose total overflowed, if totalled */
    const int fb = po->sums && !ps.perm && t->row && in->is_new ? cs_po_fused_pair(p) : -1;
    for (size_t b = 0; b < p->nbonuses; b++) {
        if ((int)b == fb) { /* fast start and unilevel in one pass, when it applies (else as apart) */
            line_acc ta = {0, 0}, tb = {0, 0};
            int rc = pay_fused(po, p, b, ps, in, wrote[0], &ta, &tb);
            if (halted(po)) return 1;
            if (rc == 0) {
                wrote[0] = 1;
                po->bonus_total[b] = ta.sum, po->bonus_total[b + 1] = tb.sum;
                if (ta.ovf && first_ovf == p->nbonuses) first_ovf = b;
                if (tb.ovf && first_ovf == p->nbonuses) first_ovf = b + 1;
                b++;
                continue;
            }
        }
        const int k = !cs_bonus_company_paid(p->bonuses[b].type);
        line_acc tot = {0, 0};
        int rc = pay_bonus(po, p, b, ps, in, po->sums && wrote[k], &tot, d);
        if (halted(po)) return 1;
        if (rc) return -1;
        wrote[k] = 1;
        po->bonus_total[b] = tot.sum;
        if (tot.ovf && first_ovf == p->nbonuses) first_ovf = b;
    }
    if (po->sums) { /* a sum no bonus wrote is 0 */
        if (!wrote[0]) cs_po_clear(po->paid, n);
        if (!wrote[1]) cs_po_clear(po->other, n);
    }
    if (p->placement.kind == CS_PTREE_BINARY && !cs_plan_placement_bonus(p) && cs_binary_measure(po, p, in))
        return cs_po_overflow(d, NULL);
    if (halted(po)) return 1;
    po->company_paid = 0;
    for (size_t b = 0; b < p->nbonuses; b++) { /* the totals' verdicts in the bonuses' order */
        if (totalled(&p->bonuses[b]) ? b == first_ovf : cs_po_checked_sum(po->amount + b * n, n, &po->bonus_total[b]))
            return cs_po_overflow(d, &p->bonuses[b]);
        if (cs_bonus_company_paid(p->bonuses[b].type) &&
            __builtin_add_overflow(po->company_paid, po->bonus_total[b], &po->company_paid))
            return cs_po_overflow(d, &p->bonuses[b]);
    }
    if (halted(po)) return 1;
    if (p->payout_cap_ppm >= 0 && po->company_paid > 0) {
        if (cs_po_apply_cap(po, p, in, d)) return -1;
        if (halted(po)) return 1;
        for (size_t b = 0; b < p->nbonuses; b++) /* capped lines: the totals again, from the lines */
            if (cs_po_checked_sum(po->amount + b * n, n, &po->bonus_total[b])) return cs_po_overflow(d, &p->bonuses[b]);
    }
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        if (po->rank[i] > po->title[i]) po->title[i] = po->rank[i];
    return 0;
}
