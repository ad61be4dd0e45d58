/* Bonuses paid by level (unilevel, fast start, enrolment, matching): each member's table of
 * amounts by level below it, built bottom-up, times its rank's rates.  The inner loops are
 * specialised for each small number of levels (LEVELS), and the plans' fast start and unilevel
 * pair can run as one pass (levels_fused_range): these passes are most of a period's time. */
#include <omp.h>
#include <string.h>

#include "money.h"
#include "payout_int.h"

/* A member's amount from its level table v and its rank's rates, when every product fits in 64
 * bits (pass.narrow). */
static inline __attribute__((always_inline)) int64_t levels_narrow(const int32_t *rate, const int64_t *v, const size_t K)
{
    int64_t x = 0;
    for (size_t l = 0; l < K; l++) x += (int64_t)rate[l] * v[l];
    return (x + CS_PPM_ONE / 2) / CS_PPM_ONE;
}

/* Adds a recruit's source s and its table v to its sponsor's table vp: shifted down one level when
 * the recruit takes a level (tk = 1), as it is when not (tk = 0). */
static inline __attribute__((always_inline)) void levels_add(int64_t *vp, const int64_t *v, int64_t s, size_t tk,
                                                             const size_t K)
{
    vp[0] += s + v[0] * (int64_t)(1 - tk);
    for (size_t l = 1; l < K; l++) vp[l] += v[l - tk];
}

/* vec[i*K + k] = the amount at sources k+1 levels below i, where a member takes a level when
 * active (or always, without compression); then each active member is paid its rank's rates on
 * its own levels.  A recruit that takes a level shifts its table down by one; one that does not
 * adds it as it is (branch-free: vc[l - t]).  Inlined for each small K so that the loops over
 * levels unroll. */
static inline __attribute__((always_inline)) int level_sweep(const pass *ps, size_t lo, size_t hi, const size_t K)
{
    const uint32_t *off = ps->t->child_off;
    const int32_t *ch = NULL; /* layouts 1 and 2: recruits are consecutive positions */
    const int64_t *src = ps->src;
    const uint8_t *active = ps->active, *is_new = ps->is_new;
    int64_t *vec = ps->po->vec;
    if (hi <= lo) return 0;
    line_acc acc = {0, 0};
    ring rg = ring_at(ps, hi - 1);
    for (size_t i = hi; i-- > lo; i > lo ? ring_down(&rg, off, i) : (void)0) {
        if (STOP_CHECK(ps->po, hi, i)) return 1;
        int64_t *v = vec + rg.si * K;
        for (size_t l = 0; l < K; l++) v[l] = 0;
        for (uint32_t k = off[i], sc = (uint32_t)rg.sc; k < off[i + 1]; k++, sc = (uint32_t)ring_next(&rg, sc)) {
            const size_t c = ch ? (size_t)ch[k] : k;
            const int64_t s = !is_new ? src[c] : !is_new[c] ? 0 : src ? src[c] : ps->each;
            const size_t tk = ps->take_all ? 1 : active[c];
            levels_add(v, vec + (ch ? c : sc) * K, s, tk, K);
        }
        if (!active[i]) {
            put(ps, i, 0, &acc);
            continue;
        }
        const int32_t *rate = ps->b->levels.ppm + CS_ROW(ps->rank[i]) * K;
        if (ps->narrow) {
            put(ps, i, levels_narrow(rate, v, K), &acc);
            continue;
        }
        i128 x = 0;
        for (size_t l = 0; l < K; l++) x += (i128)rate[l] * v[l];
        int64_t a = x ? cs_round_micro(x) : 0;
        if (a < 0) return -1;
        put(ps, i, a, &acc);
    }
    line_done(ps, &acc);
    return 0;
}

/* The same tables in layout 3, pushed block by block (tree.h): T[j] (row t->row[j] of vec) is the
 * sum over j's recruits c of c's source at level 0 and T[c] shifted down one level when c takes
 * one (as v above).  When a block comes, the tables of its members are complete (their recruits
 * are in later blocks); each member is paid from its table, then adds its source and table to its
 * sponsor's.  A member without recruits has no table (all zero): it adds only its source. */
static inline __attribute__((always_inline)) int level_push(const pass *ps, size_t lo, size_t hi, const size_t K)
{
    const cs_tree *t = ps->t;
    const int32_t *parent = t->parent, *row = t->row;
    const int64_t *src = ps->src;
    const uint8_t *active = ps->active, *is_new = ps->is_new;
    int64_t *vec = ps->po->vec;
    line_acc acc = {0, 0};
    for (size_t c = lo; c < hi; c++) {
        if ((c & (CS_PAYOUT_STOP_EVERY - 1)) == 0 && halted(ps->po)) return 1;
        const int64_t s = !is_new ? src[c] : !is_new[c] ? 0 : src ? src[c] : ps->each;
        const int32_t p = parent[c], rc = row[c];
        if (rc < 0) { /* no recruits: paid nothing, adds its source (fast start: mostly none) */
            put(ps, c, 0, &acc);
            if (p >= 0 && s) vec[(size_t)row[p] * K] += s;
            continue;
        }
        const int64_t *v = vec + (size_t)rc * K;
        int64_t a = 0;
        if (active[c]) {
            const int32_t *rate = ps->b->levels.ppm + CS_ROW(ps->rank[c]) * K;
            if (ps->narrow) {
                a = levels_narrow(rate, v, K);
            } else {
                i128 x = 0;
                for (size_t l = 0; l < K; l++) x += (i128)rate[l] * v[l];
                if (x && (a = cs_round_micro(x)) < 0) return -1;
            }
        }
        put(ps, c, a, &acc);
        if (p >= 0) levels_add(vec + (size_t)row[p] * K, v, s, ps->take_all ? 1 : active[c], K);
    }
    line_done(ps, &acc);
    return 0;
}

/* Specialised for each small K, so that the loops over levels unroll. */
#define LEVELS(CALL) \
    switch (ps->b->levels.nlevels) { \
    case 1: return CALL(1); \
    case 2: return CALL(2); \
    case 3: return CALL(3); \
    case 4: return CALL(4); \
    case 5: return CALL(5); \
    case 6: return CALL(6); \
    case 7: return CALL(7); \
    case 8: return CALL(8); \
    default: return CALL((size_t)ps->b->levels.nlevels); \
    }

static int levels_range(void *vp, size_t lo, size_t hi)
{
    const pass *ps = vp;
#define SWEEP(K) level_sweep(ps, lo, hi, K)
    LEVELS(SWEEP)
#undef SWEEP
}

static int levels_push_range(void *vp, size_t lo, size_t hi)
{
    const pass *ps = vp;
#define PUSH(K) level_push(ps, lo, hi, K)
    LEVELS(PUSH)
#undef PUSH
}
#undef LEVELS

static int levels_pushed(const pass *ps)
{
    memset(ps->po->vec, 0, ps->t->nrows * (size_t)ps->b->levels.nlevels * sizeof *ps->po->vec);
    return cs_po_push_blocks(ps->t, levels_push_range, (void *)ps);
}

/* Fast start and unilevel in one pushed pass (layout 3): the two bonuses' tables side by side in
 * a row of vec (K1 + K2 wide), each member's two lines put in the bonuses' order, each bonus's
 * own total.  The same arithmetic as level_push run twice, for the pair of the plans in plans/
 * (3 and 7 levels); only when both bonuses' sums fit in 64 bits (narrow). */
#define FUSED_K1 3
#define FUSED_K2 7

/* The index b of a fast start bonus followed by a unilevel bonus that levels_fused can pay, or -1.
 * Not with a placement bonus or a pass that keeps a table for every member (alloc_vec). */
int cs_po_fused_pair(const cs_plan *p)
{
    if (has_matrix(p) || pulls_by_member(p)) return -1;
    for (size_t b = 0; b + 1 < p->nbonuses; b++)
        if (p->bonuses[b].type == CS_BONUS_FAST_START && p->bonuses[b + 1].type == CS_BONUS_UNILEVEL &&
            p->bonuses[b].levels.nlevels == FUSED_K1 && p->bonuses[b + 1].levels.nlevels == FUSED_K2)
            return (int)b;
    return -1;
}

typedef struct {
    const pass *a, *b; /* fast start (sources: new members), unilevel (sources: everyone) */
} fused;

static int levels_fused_range(void *vf, size_t lo, size_t hi)
{
    const fused *f = vf;
    const pass *pa = f->a, *pb = f->b;
    enum { K1 = FUSED_K1, K2 = FUSED_K2, W = FUSED_K1 + FUSED_K2 };
    const cs_tree *t = pa->t;
    const int32_t *parent = t->parent, *row = t->row;
    const int64_t *srca = pa->src, *srcb = pb->src;
    const uint8_t *active = pa->active, *is_new = pa->is_new;
    const int32_t *rank = pa->rank;
    int64_t *vec = pa->po->vec;
    line_acc acca = {0, 0}, accb = {0, 0};
    for (size_t c = lo; c < hi; c++) {
        if ((c & (CS_PAYOUT_STOP_EVERY - 1)) == 0 && halted(pa->po)) return 1;
        const int64_t sa = !is_new[c] ? 0 : srca ? srca[c] : pa->each, sb = srcb[c];
        const int32_t p = parent[c], rc = row[c];
        if (rc < 0) { /* no recruits: paid nothing, adds its sources */
            put(pa, c, 0, &acca);
            put(pb, c, 0, &accb);
            if (p >= 0) { /* added even when 0: whether it is, is random */
                int64_t *vp = vec + (size_t)row[p] * W;
                vp[0] += sa;
                vp[K1] += sb;
            }
            continue;
        }
        const int64_t *v = vec + (size_t)rc * W;
        int64_t a = 0, b = 0;
        if (active[c]) {
            a = levels_narrow(pa->b->levels.ppm + CS_ROW(rank[c]) * K1, v, K1);
            b = levels_narrow(pb->b->levels.ppm + CS_ROW(rank[c]) * K2, v + K1, K2);
        }
        put(pa, c, a, &acca);
        put(pb, c, b, &accb);
        if (p < 0) continue;
        int64_t *vp = vec + (size_t)row[p] * W;
        levels_add(vp, v, sa, pa->take_all ? 1 : active[c], K1);
        levels_add(vp + K1, v + K1, sb, pb->take_all ? 1 : active[c], K2);
    }
    line_done(pa, &acca);
    line_done(pb, &accb);
    return 0;
}

/* Fast start pa and unilevel pb (cs_po_fused_pair) in one pushed pass; pa and pb set up as for
 * cs_po_pay_levels, narrow. */
int cs_po_levels_fused(const pass *pa, const pass *pb)
{
    memset(pa->po->vec, 0, pa->t->nrows * (size_t)(FUSED_K1 + FUSED_K2) * sizeof *pa->po->vec);
    fused f = {pa, pb};
    return cs_po_push_blocks(pa->t, levels_fused_range, &f);
}

/* `total` is the sum of the sources: every level amount is at most that, and every rate at most
 * 100%. */
int cs_po_pay_levels(pass *ps, int64_t total, cs_diags *d)
{
    ps->narrow = total <= INT64_MAX / CS_PPM_ONE - 1;
    ps->take_all = ps->b->compression == CS_COMPRESS_NONE;
    int rc = ps->t->row ? levels_pushed(ps) : cs_tree_bottom_up(ps->t, levels_range, ps);
    return rc ? halted(ps->po) ? 1 : cs_po_overflow(d, ps->b) : 0;
}

/* src[] by position: the sum of the matched bonuses' amounts of the member there. */
int cs_po_matching_sources(cs_payout *po, const cs_bonus *b, const int32_t *perm, size_t n, int64_t *total_out)
{
    int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
    for (size_t j = 0; j < n; j++) {
        const size_t i = perm ? (size_t)perm[j] : j;
        int64_t s = 0;
        for (size_t m = 0; m < b->nmatched; m++) bad |= __builtin_add_overflow(s, po->amount[b->matched[m] * n + i], &s);
        po->src[j] = s;
    }
    return bad || cs_po_checked_sum(po->src, n, total_out) ? -1 : 0;
}
