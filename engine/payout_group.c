/* The bonuses on a member's group and rank rather than on levels: stairstep (a member's rate less
 * the rates already paid below it), generations (by broken-away members below), and the two
 * paid by member index with no tree pass: retail and rank advancement. */
#include <omp.h>
#include <string.h>

#include "money.h"
#include "payout_int.h"

/* vec[i*R + r] = BV of the sources in i's group (i included) whose path from i holds at most the
 * rate of row r, at row r exactly; an upline earns (own rate - rate of row r) on each of its
 * recruits' rows. */
int cs_po_stairstep_range(void *vp, size_t lo, size_t hi)
{
    const pass *ps = vp;
    const uint32_t *off = ps->t->child_off;
    const int32_t *ch = ps->t->child;
    int64_t *vec = ps->po->vec;
    const size_t R = ps->p->nranks + 1;
    const int32_t *rate = ps->b->rate_by_row;
    int64_t sum[CS_MAX_RANKS + 1];
    if (hi <= lo) return 0;
    line_acc acc = {0, 0};
    ring rg = ring_at(ps, hi - 1);
    for (size_t i = hi; i-- > lo; i > lo ? ring_down(&rg, off, i) : (void)0) {
        if (STOP_CHECK(ps->po, hi, i)) return 1;
        memset(sum, 0, R * sizeof *sum);
        for (uint32_t k = off[i], sc = (uint32_t)rg.sc; k < off[i + 1]; k++, sc = (uint32_t)ring_next(&rg, sc)) {
            const size_t c = ch ? (size_t)ch[k] : k;
            if (ps->rank[c] >= ps->broken_at) continue;
            const int64_t *wc = vec + (ch ? c : sc) * R;
            for (size_t r = 0; r < R; r++) sum[r] += wc[r];
        }
        size_t row = CS_ROW(ps->rank[i]);
        int64_t a = 0;
        if (ps->active[i]) {
            i128 x = ps->b->include_own ? (i128)rate[row] * ps->bv[i] : 0;
            for (size_t r = 0; r < R; r++)
                if (rate[r] < rate[row]) x += (i128)(rate[row] - rate[r]) * sum[r];
            if (x && (a = cs_round_micro(x)) < 0) return -1;
        }
        put(ps, i, a, &acc);
        int64_t *w = vec + rg.si * R;
        memset(w, 0, R * sizeof *w);
        w[row] = ps->bv[i];
        for (size_t r = 0; r < R; r++) w[r > row ? r : row] += sum[r];
    }
    line_done(ps, &acc);
    return 0;
}

/* vec[i*G + g] = group BV of the broken-away members that are the (g+1)-th broken-away member on
 * the path from i (included) down; src[] holds each member's group BV. */
int cs_po_generations_range(void *vp, size_t lo, size_t hi)
{
    const pass *ps = vp;
    const uint32_t *off = ps->t->child_off;
    const int32_t *ch = ps->t->child;
    int64_t *vec = ps->po->vec, *src = ps->po->src;
    const size_t G = (size_t)ps->b->levels.nlevels;
    int64_t sum[CS_MAX_LEVELS];
    if (hi <= lo) return 0;
    line_acc acc = {0, 0};
    ring rg = ring_at(ps, hi - 1);
    for (size_t i = hi; i-- > lo; i > lo ? ring_down(&rg, off, i) : (void)0) {
        if (STOP_CHECK(ps->po, hi, i)) return 1;
        memset(sum, 0, G * sizeof *sum);
        int64_t group = ps->bv[i];
        for (uint32_t k = off[i], sc = (uint32_t)rg.sc; k < off[i + 1]; k++, sc = (uint32_t)ring_next(&rg, sc)) {
            const size_t c = ch ? (size_t)ch[k] : k;
            const int64_t *hc = vec + (ch ? c : sc) * G;
            for (size_t g = 0; g < G; g++) sum[g] += hc[g];
            if (ps->rank[c] < ps->broken_at) group += src[c];
        }
        src[i] = group;
        int64_t a = 0;
        if (ps->active[i]) {
            const int32_t *rate = ps->b->levels.ppm + CS_ROW(ps->rank[i]) * G;
            i128 x = 0;
            for (size_t g = 0; g < G; g++) x += (i128)rate[g] * sum[g];
            if (x && (a = cs_round_micro(x)) < 0) return -1;
        }
        put(ps, i, a, &acc);
        int64_t *h = vec + rg.si * G;
        if (ps->rank[i] >= ps->broken_at) {
            h[0] = group;
            for (size_t g = 1; g < G; g++) h[g] = sum[g - 1];
        } else {
            memcpy(h, sum, G * sizeof *h);
        }
    }
    line_done(ps, &acc);
    return 0;
}

/* ---- retail, rank advancement ------------------------------------------------------------------ */

/* These passes are by member index (po's arrays), not by tree position. */
int cs_po_pay_retail(const pass *ps, const int64_t *retail, size_t n, cs_diags *d)
{
    const cs_payout *po = ps->po;
    const cs_bonus *b = ps->b;
    int bad = 0;
#pragma omp parallel reduction(| : bad)
    {
        line_acc acc = {0, 0};
#pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++) {
            int64_t a = 0;
            if (retail && retail[i]) {
                i128 x = (i128)b->rate_by_row[CS_ROW(po->rank[i])] * retail[i];
                bad |= x && (a = cs_round_micro(x)) < 0;
            }
            put_member(ps, i, a, &acc);
        }
        line_done(ps, &acc);
    }
    return bad ? cs_po_overflow(d, b) : 0;
}

int cs_po_pay_advancement(const pass *ps, size_t n, cs_diags *d)
{
    const cs_payout *po = ps->po;
    const cs_bonus *b = ps->b;
    int bad = 0;
#pragma omp parallel reduction(| : bad)
    {
        line_acc acc = {0, 0};
#pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++) {
            int64_t x = 0;
            for (int32_t r = po->title[i] + 1; r <= po->rank[i]; r++)
                bad |= __builtin_add_overflow(x, b->cents_by_row[CS_ROW(r)], &x) || x > CS_AMOUNT_MAX;
            put_member(ps, i, x, &acc);
        }
        line_done(ps, &acc);
    }
    return bad ? cs_po_overflow(d, b) : 0;
}
