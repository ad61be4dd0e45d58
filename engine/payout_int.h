/* What the payout engine's files share (included by them only): the bottom-up pass
 * (`pass`), the running total of a bonus's lines, the hot helpers every pass's inner loop calls
 * (static inline here, so that they stay inlined in each file's loops as they were in one file),
 * and the entry points each file gives the others (cs_po_ prefix).  The public API is payout.h.
 *
 * The period runs in this order (payout.c): volumes, then the ranks settled bottom-up
 * (payout_rank.c), then each bonus: by level (payout_levels.c), stairstep, generations, retail and
 * advancement (payout_group.c), pool (payout_split.c), binary and matrix (binary.c, matrix.c);
 * then the cap (payout_split.c).  Memory: payout_mem.c. */
#ifndef CS_PAYOUT_INT_H
#define CS_PAYOUT_INT_H

#include <stdint.h>
#include <stddef.h>

#include "payout.h"

typedef __int128 i128;

/* Do bonus b's passes add up its lines as they write them (line_acc)?  The placement bonuses'
 * lines are added up afterwards. */
static inline int totalled(const cs_bonus *b) { return b->type != CS_BONUS_BINARY && b->type != CS_BONUS_MATRIX; }

/* Does the plan have a bottom-up pass that keeps a table for every member in layout 3? */
static inline int pulls_by_member(const cs_plan *p)
{
    for (size_t b = 0; b < p->nbonuses; b++)
        if (p->bonuses[b].type == CS_BONUS_STAIRSTEP || p->bonuses[b].type == CS_BONUS_GENERATION) return 1;
    return 0;
}

static inline int has_matrix(const cs_plan *p)
{
    const cs_bonus *b = cs_plan_placement_bonus(p);
    return b && b->type == CS_BONUS_MATRIX;
}

/* What a member's recruits add up to, pushed to it in layout 3 (settle_push, payout_rank.c; kept
 * in vec, which alloc_vec sizes for them). */
typedef struct {
    int64_t gv;      /* group volume of the recruits not broken away */
    int32_t nactive; /* active recruits */
    int32_t sub;     /* highest rank in the recruits' subtrees */
} settle_acc;

/* Is a stop requested (cs_payout.stop)?  Relaxed: the flag carries no data. */
static inline int halted(const cs_payout *po) { return po->stop && atomic_load_explicit(po->stop, memory_order_relaxed); }

/* In a pass's loop over positions from hi-1 down: time to look at the stop flag? */
#define STOP_CHECK(po, hi, i) ((((hi) - (i)) & (CS_PAYOUT_STOP_EVERY - 1)) == 0 && halted(po))

/* What one bottom-up pass needs; each pass is a cs_range_fn over it (see cs_tree_bottom_up).
 * Arrays marked "by position" are indexed by tree position (tree.h); `perm` maps a position to
 * the member whose result it is (NULL: the same index). */
typedef struct {
    cs_payout *po;
    const cs_plan *p;
    const cs_bonus *b;
    const cs_tree *t;
    const int32_t *perm;
    const int64_t *pv, *bv;   /* by position */
    const uint8_t *active;    /* by position */
    int32_t *rank;            /* by position */
    int64_t *gv;              /* by position; with perm, pv is the same array (PV until settled) */
    int32_t broken_at;        /* a member broke away when its rank is at least this */
    /* level bonuses: a member is a source of src[c], or, with is_new, of src[c] (or `each` when
     * src is NULL) if it joined this period and 0 otherwise; all by position */
    const int64_t *src;
    const uint8_t *is_new;
    int64_t each;
    int take_all; /* no compression: every member takes a level (else only active ones) */
    int narrow;   /* every rate x amount sum fits in 64 bits */
    int64_t *out; /* by member: with perm, zeroed first and written where not zero */
    int add;      /* out holds earlier lines (cs_payout.sums): add to it, where not zero */
    struct line_acc *total; /* the bonus's total, which each range adds its part to (line_done) */
} pass;

/* The total of a bonus's lines, or of a range's part of them: summed as the lines are written, so
 * that no pass reads the lines again.  No line is negative, so whether the sum overflows does
 * not depend on the order (as in checked_sum). */
typedef struct line_acc {
    int64_t sum;
    int ovf;
} line_acc;

/* Adds a range's part to the bonus's total. */
static inline void line_done(const pass *ps, const line_acc *a)
{
#pragma omp critical(cs_line_done)
    ps->total->ovf |= a->ovf || __builtin_add_overflow(ps->total->sum, a->sum, &ps->total->sum);
}

/* Member i's line x (by member index): written, or added to the member's sum; counted in a. */
static inline void put_member(const pass *ps, size_t i, int64_t x, line_acc *a)
{
    a->ovf |= __builtin_add_overflow(a->sum, x, &a->sum);
    if (!ps->add) ps->out[i] = x;
    else if (x) ps->out[i] += x;
}

/* The per-member tables of a bottom-up pass live in t->ring slots (tree.h): position i in slot
 * i % ring.  Going down from hi-1, the slots of a member and of its first recruit are stepped
 * down instead of divided.  With a list of recruits (layout 3) ring = n and a recruit c's slot is
 * c itself: sc is then unused. */
typedef struct {
    size_t S, si, sc; /* ring size; slot of the member; slot of its first recruit */
} ring;

static inline ring ring_at(const pass *ps, size_t i)
{
    const size_t S = ps->t->ring;
    return (ring){S, i % S, ps->t->child_off[i] % S};
}

/* From member i to member i-1. */
static inline void ring_down(ring *r, const uint32_t *off, size_t i)
{
    const size_t deg = off[i] - off[i - 1]; /* recruits of i-1: at most one depth, < S */
    r->si = r->si ? r->si - 1 : r->S - 1;
    r->sc = r->sc >= deg ? r->sc - deg : r->sc + r->S - deg;
}

static inline size_t ring_next(const ring *r, size_t s) { return s + 1 == r->S ? 0 : s + 1; }

/* The line x of position i (put_member; with perm, out was zeroed first or holds earlier lines). */
static inline void put(const pass *ps, size_t i, int64_t x, line_acc *a)
{
    if (!ps->perm) {
        put_member(ps, i, x, a);
        return;
    }
    a->ovf |= __builtin_add_overflow(a->sum, x, &a->sum);
    if (x) ps->out[ps->perm[i]] += x;
}

/* payout.c */
int cs_po_overflow(cs_diags *d, const cs_bonus *b);
int cs_po_checked_sum_where(const uint8_t *only, const int64_t *a, int64_t each, size_t n, int64_t *out);
static inline int cs_po_checked_sum(const int64_t *a, size_t n, int64_t *out)
{
    return cs_po_checked_sum_where(NULL, a, 0, n, out);
}
void cs_po_clear(int64_t *a, size_t n);

/* payout_mem.c */
int cs_po_alloc_vec(cs_payout *po, const cs_plan *p, const cs_tree *t);
int cs_po_alloc_work(cs_payout *po, const cs_plan *p);

/* payout_rank.c */
int cs_po_push_blocks(const cs_tree *t, cs_range_fn fn, void *ctx);
int cs_po_settle(pass *ps);

/* payout_levels.c */
int cs_po_fused_pair(const cs_plan *p);
int cs_po_pay_levels(pass *ps, int64_t total, cs_diags *d);
int cs_po_levels_fused(const pass *pa, const pass *pb);
int cs_po_matching_sources(cs_payout *po, const cs_bonus *b, const int32_t *perm, size_t n, int64_t *total_out);

/* payout_group.c */
int cs_po_stairstep_range(void *vp, size_t lo, size_t hi);
int cs_po_generations_range(void *vp, size_t lo, size_t hi);
int cs_po_pay_retail(const pass *ps, const int64_t *retail, size_t n, cs_diags *d);
int cs_po_pay_advancement(const pass *ps, size_t n, cs_diags *d);

/* payout_split.c */
int cs_po_pay_pool(const pass *ps, const cs_period_input *in, size_t n, int64_t company_bv, cs_diags *d);
int cs_po_apply_cap(cs_payout *po, const cs_plan *p, const cs_period_input *in, cs_diags *d);

#endif
