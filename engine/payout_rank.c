/* Paid-as ranks: each member's group volume, rank and breakaway, settled bottom-up before any
 * bonus (the bonuses read the ranks).  The rank rules' cheap tests come first (rank_gate, paid_as):
 * most members hold no rank.  Also the block-by-block push over layout-3 trees, which the level
 * bonuses use too. */
#include <omp.h>
#include <string.h>

#include "money.h"
#include "payout_int.h"

/* What a member's rank rules look at, gathered in one pass over its recruits (the legs only when
 * a rule needs them). */
typedef struct {
    int64_t pv, gv;
    int32_t nactive;
    int32_t sub;       /* the highest rank in the recruits' subtrees (when a rank has leg rules) */
    int legs_counted;  /* legs_at_least is filled */
    int32_t legs_at_least[CS_MAX_RANKS + 1]; /* [r]: recruits whose subtree holds rank >= r */
} rank_facts;

static void count_legs(const pass *ps, size_t i, size_t nranks, rank_facts *f);

static int rank_holds(const cs_rank *rk, const pass *ps, size_t i, rank_facts *f)
{
    if (f->pv < rk->pv || f->nactive < rk->active_frontline || f->gv < rk->gv) return 0;
    for (size_t l = 0; l < rk->nlegs; l++) {
        if (rk->legs[l].count <= 0) continue;
        if (f->sub < rk->legs[l].rank) return 0; /* no recruit's subtree holds the rank */
        if (!f->legs_counted) count_legs(ps, i, ps->p->nranks, f), f->legs_counted = 1;
        if (f->legs_at_least[rk->legs[l].rank] < rk->legs[l].count) return 0;
    }
    if (rk->gv > 0 && rk->max_leg_ppm > 0) {
        /* in millionths, so that "at most s of G" needs no rounding */
        i128 cap = (i128)rk->max_leg_ppm * rk->gv, q = (i128)f->pv * CS_PPM_ONE;
        const int32_t *ch = ps->t->child;
        for (uint32_t k = ps->t->child_off[i]; k < ps->t->child_off[i + 1]; k++) {
            const size_t c = ch ? (size_t)ch[k] : k;
            i128 leg = ps->rank[c] >= ps->broken_at ? 0 : (i128)ps->gv[c] * CS_PPM_ONE;
            q += leg < cap ? leg : cap;
        }
        if (q < (i128)rk->gv * CS_PPM_ONE) return 0;
    }
    return 1;
}

static void count_legs(const pass *ps, size_t i, size_t nranks, rank_facts *f)
{
    int32_t *at = f->legs_at_least;
    memset(at, 0, (nranks + 1) * sizeof *at);
    const int32_t *ch = ps->t->child;
    for (uint32_t k = ps->t->child_off[i]; k < ps->t->child_off[i + 1]; k++) {
        int32_t s = ps->po->submax[ch ? (size_t)ch[k] : k];
        if (s >= 0) at[s]++;
    }
    for (size_t r = nranks; r-- > 1;) at[r - 1] += at[r];
}

/* What paid_as tests before calling rank_holds: need[r], the highest rank a leg rule of rank r
 * asks a recruit's subtree to hold (CS_RANK_NONE if none); min_gv[s + 1], the least group volume
 * of the ranks whose leg rules a highest subtree rank s may meet (INT64_MAX if none). */
typedef struct {
    int32_t need[CS_MAX_RANKS];
    int64_t min_gv[CS_MAX_RANKS + 1];
} rank_gate;

static void rank_gate_init(const cs_plan *p, rank_gate *g)
{
    for (size_t r = 0; r < p->nranks; r++) {
        g->need[r] = CS_RANK_NONE;
        for (size_t l = 0; l < p->ranks[r].nlegs; l++)
            if (p->ranks[r].legs[l].count > 0 && p->ranks[r].legs[l].rank > g->need[r]) g->need[r] = p->ranks[r].legs[l].rank;
    }
    for (int32_t sub = CS_RANK_NONE; sub < (int32_t)p->nranks; sub++) {
        int64_t m = INT64_MAX;
        for (size_t r = 0; r < p->nranks; r++)
            if (g->need[r] <= sub && p->ranks[r].gv < m) m = p->ranks[r].gv;
        g->min_gv[CS_ROW(sub)] = m;
    }
}

/* The highest rank member i holds given its facts, or CS_RANK_NONE.  The cheap tests come first,
 * inline: most active members hold no rank (their group volume is below every rank's that they
 * could hold), and calling rank_holds for each rank cost more than the tests. */
static inline int32_t paid_as(const pass *ps, const rank_gate *g, size_t i, rank_facts *f)
{
    const cs_plan *p = ps->p;
    const int32_t *need = g->need;
    if (f->gv < g->min_gv[CS_ROW(f->sub)]) return CS_RANK_NONE;
    for (int32_t r = (int32_t)p->nranks - 1; r >= 0; r--) {
        const cs_rank *rk = &p->ranks[r];
        if (f->pv < rk->pv || f->gv < rk->gv || f->nactive < rk->active_frontline || f->sub < need[r]) continue;
        if (rank_holds(rk, ps, i, f)) return r;
    }
    return CS_RANK_NONE;
}

/* Adds a range's count of active members by rank row to po->rank_active (the pool's shares are
 * counted from it, without a pass over the members). */
static void count_ranks(cs_payout *po, const cs_plan *p, const int64_t *hist)
{
#pragma omp critical(cs_count_ranks)
    for (size_t r = 0; r <= p->nranks; r++) po->rank_active[r] += hist[r];
}

/* Group volume, paid-as rank and breakaway of positions hi-1 down to lo. */
static int settle_range(void *vp, size_t lo, size_t hi)
{
    const pass *ps = vp;
    cs_payout *po = ps->po;
    const cs_plan *p = ps->p;
    const uint32_t *off = ps->t->child_off;
    const int32_t *ch = ps->t->child;
    int32_t *submax = po->submax; /* NULL when no rank counts legs */
    rank_gate gate;
    rank_gate_init(p, &gate);
    int64_t hist[CS_MAX_RANKS + 1] = {0};
    rank_facts f;
    for (size_t i = hi; i-- > lo;) {
        if (STOP_CHECK(po, hi, i)) return 1;
        int64_t gv = ps->pv[i]; /* read before gv[i] is written: with perm they are the same array */
        int32_t nactive = 0, sub = CS_RANK_NONE;
        for (uint32_t k = off[i]; k < off[i + 1]; k++) {
            const size_t c = ch ? (size_t)ch[k] : k;
            gv += ps->rank[c] >= ps->broken_at ? 0 : ps->gv[c];
            nactive += ps->active[c];
            if (submax) sub = submax[c] > sub ? submax[c] : sub;
        }
        int32_t rank = CS_RANK_NONE;
        if (ps->active[i]) {
            f.pv = ps->pv[i], f.gv = gv, f.nactive = nactive, f.sub = sub, f.legs_counted = 0;
            rank = paid_as(ps, &gate, i, &f);
            hist[CS_ROW(rank)]++;
        }
        ps->gv[i] = gv;
        ps->rank[i] = rank;
        if (ps->perm) { /* the results by member */
            po->gv[ps->perm[i]] = gv;
            po->rank[ps->perm[i]] = rank;
        }
        if (submax) submax[i] = rank > sub ? rank : sub;
    }
    count_ranks(po, p, hist);
    return 0;
}

/* settle_range in layout 3, pushed block by block (tree.h, level_push): each member is settled
 * from what its recruits pushed to it (kept in vec, which the bonuses use afterwards), then adds
 * its group volume, activity and subtree rank to its sponsor's.  The recruits themselves are read
 * only by a rank rule that needs them (legs, or the share of the largest leg), and only after the
 * cheap tests pass. */
static int settle_push_range(void *vp, size_t lo, size_t hi)
{
    const pass *ps = vp;
    cs_payout *po = ps->po;
    const cs_plan *p = ps->p;
    const cs_tree *t = ps->t;
    const int32_t *parent = t->parent, *row = t->row;
    int32_t *submax = po->submax; /* NULL when no rank counts legs */
    settle_acc *acc = (settle_acc *)(void *)po->vec;
    rank_gate gate;
    rank_gate_init(p, &gate);
    int64_t hist[CS_MAX_RANKS + 1] = {0};
    rank_facts f;
    {
        for (size_t c = lo; c < hi; c++) {
            if ((c & (CS_PAYOUT_STOP_EVERY - 1)) == 0 && halted(po)) return 1;
            /* no branch on whether c has recruits or is active, which are random: a member without
             * recruits reads the empty row after the last (a mask picks it), and an inactive one
             * is ranked only past the cheap gate (paid_as's first test), which few members pass */
            const int32_t rc = row[c], pa = parent[c];
            const size_t has = (size_t)0 - (rc >= 0);
            const settle_acc a = acc[((size_t)rc & has) | (t->nrows & ~has)];
            const int64_t gv = ps->pv[c] + a.gv;
            const int active = ps->active[c];
            int32_t rank = CS_RANK_NONE;
            if (gv >= gate.min_gv[CS_ROW(a.sub)] && active) {
                f.pv = ps->pv[c], f.gv = gv, f.nactive = a.nactive, f.sub = a.sub, f.legs_counted = 0;
                rank = paid_as(ps, &gate, c, &f);
            }
            hist[CS_ROW(rank)] += active;
            ps->gv[c] = gv;
            ps->rank[c] = rank;
            const int32_t sub = rank > a.sub ? rank : a.sub;
            if (submax) submax[c] = sub;
            if (pa < 0) continue;
            settle_acc *up = &acc[row[pa]];
            up->gv += rank >= ps->broken_at ? 0 : gv;
            up->nactive += ps->active[c];
            if (sub > up->sub) up->sub = sub;
        }
    }
    count_ranks(po, p, hist);
    return 0;
}

/* Calls fn on the blocks of a layout-3 tree from the last (tree.h).  A large block is shared
 * between the threads, cut where the sponsor changes, so that no two threads push to one sponsor;
 * what a member receives is a sum (or a maximum), so the result does not depend on the cut.
 * Returns the OR of fn's results; stops after a block that failed. */
int cs_po_push_blocks(const cs_tree *t, cs_range_fn fn, void *ctx)
{
    int err = 0;
    for (size_t b = t->nblocks; b-- > 0 && !err;) {
        const size_t lo = t->block_off[b], hi = t->block_off[b + 1];
        if (hi - lo < CS_TREE_PAR_MIN || omp_get_max_threads() == 1) {
            err |= fn(ctx, lo, hi);
            continue;
        }
#pragma omp parallel reduction(| : err)
        {
            const size_t nt = (size_t)omp_get_num_threads(), id = (size_t)omp_get_thread_num();
            size_t a = lo + (hi - lo) * id / nt, z = lo + (hi - lo) * (id + 1) / nt;
            while (a > lo && a < hi && t->parent[a] == t->parent[a - 1]) a++;
            while (z > lo && z < hi && t->parent[z] == t->parent[z - 1]) z++;
            if (a < z) err |= fn(ctx, a, z);
        }
    }
    return err;
}

static int settle_push(const pass *ps)
{
    settle_acc *acc = (settle_acc *)(void *)ps->po->vec;
    for (size_t r = 0; r <= ps->t->nrows; r++) acc[r] = (settle_acc){0, 0, CS_RANK_NONE}; /* and the empty row */
    return cs_po_push_blocks(ps->t, settle_push_range, (void *)ps);
}

int cs_po_settle(pass *ps)
{
    return ps->t->row ? settle_push(ps) : cs_tree_bottom_up(ps->t, settle_range, ps);
}
