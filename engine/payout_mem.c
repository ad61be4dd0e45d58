/* A payout's memory: the arrays carried across periods (titles, binary carry, ...) and the
 * period's results and scratch, allocated for what the plan needs only; growth as members join,
 * reserve ahead (the simulator's, on huge pages), compact, restart and free.  Apart from the
 * passes because how the arrays are placed matters for the first touch of their pages, not for
 * what the passes compute. */
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "payout_int.h"

#define HUGE_PAGE ((size_t)2 << 20)

/* An array of po: cs_big_malloc, but once po is reserved ahead (cs_payout_reserve: the
 * simulator's) an array of 1 MiB or more takes a whole huge page.  On the VM where this was
 * measured, the first touch of a 4 KiB page cost 16-24 us and of a 2 MiB page ~150 us (when the
 * host had the memory at hand), and a replica touches its arrays' pages once; below 1 MiB the
 * rounding would touch more than twice the bytes.  (The period's arrays go in one block, so that
 * a small replica's are on huge pages too: period_block.) */
static void *arr(const cs_payout *po, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    const size_t bytes = n * size;
    if (!po->reserved || bytes < HUGE_PAGE / 2 || bytes >= HUGE_PAGE) return cs_big_malloc(n, size);
    return cs_big_malloc(HUGE_PAGE, 1);
}


size_t cs_payout_vec_width(const cs_plan *p)
{
    size_t w = 1;
    for (size_t b = 0; b < p->nbonuses; b++) {
        const cs_bonus *bo = &p->bonuses[b];
        size_t need = bo->type == CS_BONUS_STAIRSTEP ? p->nranks + 1 : (size_t)bo->levels.nlevels;
        if (need > w) w = need;
    }
    const int f = cs_po_fused_pair(p); /* the two tables side by side (levels_fused) */
    if (f >= 0) {
        const size_t need = (size_t)p->bonuses[f].levels.nlevels + (size_t)p->bonuses[f + 1].levels.nlevels;
        if (need > w) w = need;
    }
    return w;
}

static int any_legs(const cs_plan *p)
{
    for (size_t r = 0; r < p->nranks; r++)
        if (p->ranks[r].nlegs > 0) return 1;
    return 0;
}

static int needs_src(const cs_plan *p)
{
    for (size_t b = 0; b < p->nbonuses; b++)
        if (p->bonuses[b].type == CS_BONUS_MATCHING || p->bonuses[b].type == CS_BONUS_GENERATION) return 1;
    return 0;
}

/* Rows of vec that settle_push needs for its accumulators (in vec_width-wide rows). */
static size_t settle_rows(const cs_payout *po, size_t nrows)
{
    const size_t w = po->vec_width * sizeof *po->vec;
    return (nrows * sizeof(settle_acc) + w - 1) / w;
}

/* Rows of vec for this tree: the tree's ring (tree.h), or every member for the matrix bonus, whose
 * pass is by placement.  Grown by a quarter at least, up to the capacity, as the tree grows; for
 * a reserved payout (the simulator's) made for the capacity at once: only the rows in use become
 * resident, where growing it by steps touched ~5 times its final size in fresh pages. */
int cs_po_alloc_vec(cs_payout *po, const cs_plan *p, const cs_tree *t)
{
    /* layout 3: a table per member with recruits (level bonuses pushed), or per member (stairstep
     * and generations pull through the list of recruits), as for the matrix */
    size_t need = has_matrix(p) || (t->child && pulls_by_member(p)) ? po->cap : t->child ? t->nrows : t->ring;
    if (t->row && settle_rows(po, t->nrows + 1) > need) need = settle_rows(po, t->nrows + 1); /* settle_push's accumulators */
    if (need == 0) need = 1;
    if (po->vec && po->vec_rows >= need) return 0;
    size_t rows = po->vec_rows + po->vec_rows / 4 > need ? po->vec_rows + po->vec_rows / 4 : need;
    if (rows > po->cap || po->reserved) rows = po->cap > need ? po->cap : need;
    free(po->vec);
    po->vec = arr(po, rows * po->vec_width, sizeof *po->vec);
    po->vec_rows = po->vec ? rows : 0;
    return po->vec ? 0 : -1;
}

static int pays_new_members(const cs_plan *p)
{
    for (size_t b = 0; b < p->nbonuses; b++)
        if (p->bonuses[b].type == CS_BONUS_FAST_START || p->bonuses[b].type == CS_BONUS_ENROLMENT) return 1;
    return 0;
}

/* What the placement-tree bonuses carry across periods, only as much as the plan needs.  Returns
 * 0, or -1 if out of memory. */
static int alloc_carried(cs_payout *po, const cs_plan *p, size_t m)
{
    const cs_bonus *b = cs_plan_placement_bonus(p);
    int bad = 0;
    if (p->placement.kind == CS_PTREE_BINARY) bad |= !(po->leg_measure = cs_big_calloc(2 * m, sizeof *po->leg_measure));
    if (b && b->type == CS_BONUS_BINARY) {
        bad |= !(po->carry = cs_big_calloc(2 * m, sizeof *po->carry));
        if (b->binary.flush_after) bad |= !(po->idle = cs_big_calloc(m, sizeof *po->idle));
    }
    if (b && b->type == CS_BONUS_MATRIX && b->ncompletion > 0)
        bad |= !(po->completed = cs_big_calloc(m, sizeof *po->completed));
    return bad ? -1 : 0;
}

static void free_period(cs_payout *po)
{
#define DROP(f) (free(po->f), po->f = NULL)
    if (po->block) { /* the arrays in it */
        free(po->block);
        po->block = NULL;
        po->amount = po->paid = po->other = po->gv = po->src = po->psub = NULL;
        po->rank = po->submax = po->psize = po->qual = NULL;
        po->active = po->pfull = NULL;
    } else {
        DROP(amount), DROP(paid), DROP(other), DROP(active), DROP(rank), DROP(gv), DROP(submax), DROP(src);
        DROP(psub), DROP(psize), DROP(qual), DROP(pfull);
    }
    DROP(vec), DROP(wgv), DROP(wbv), DROP(wrank), DROP(wactive), DROP(wnew);
#undef DROP
    po->wcap = 0;
    po->vec_rows = 0;
}

/* The results and scratch of a reserved payout (the simulator's) as one block: arrays of a huge
 * page or more each on whole huge pages of their own (the capacity beyond the members in use is
 * never touched), the smaller ones packed, so that a small replica's arrays take a few huge
 * pages, not a 4 KiB fault each (arr).  With `to` NULL returns the block's size; else places the
 * arrays in it.  The arrays are those of alloc_period. */
static size_t period_block(cs_payout *po, const cs_plan *p, char *to)
{
    const size_t m = po->cap;
    const cs_bonus *b = cs_plan_placement_bonus(p);
    size_t off = 0;
    for (int large = 1; large >= 0; large--) {
#define PART(f, count) \
    do { \
        const size_t bytes_ = (count) * sizeof *po->f; \
        if ((bytes_ >= HUGE_PAGE) != large) break; \
        if (to) po->f = (void *)(to + off); \
        off += large ? (bytes_ + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE : (bytes_ + 63) & ~(size_t)63; \
    } while (0)
        if (po->sums) {
            PART(paid, m);
            PART(other, m);
        } else {
            PART(amount, m * (p->nbonuses ? p->nbonuses : 1));
        }
        PART(active, m);
        PART(rank, m);
        PART(gv, m);
        if (any_legs(p)) PART(submax, m);
        if (needs_src(p)) PART(src, m);
        if (p->placement.kind == CS_PTREE_BINARY) {
            PART(psub, m);
            if (p->placement.weaker_by_count) PART(psize, m);
        }
        if (b && b->type == CS_BONUS_BINARY && b->binary.sponsored_per_leg) PART(qual, 2 * m);
        if (b && b->type == CS_BONUS_MATRIX && b->ncompletion > 0) PART(pfull, m);
#undef PART
    }
    return off;
}

/* Results and scratch (what is not carried across periods) for po->cap members, only as much as
 * the plan needs.  Returns 0, or -1 if out of memory (with what was allocated freed). */
static int alloc_period(cs_payout *po, const cs_plan *p)
{
    const size_t m = po->cap;
    const cs_bonus *b = cs_plan_placement_bonus(p);
    int bad = 0;
    po->vec_rows = 0; /* at the first period: how many rows depends on the tree */
    /* not zeroed: every pass writes each of its n lines (and the active pass every flag), and
     * untouched pages of a capacity reserved ahead (the simulator's) then never become resident */
    if (po->reserved) {
        if (!(po->block = arr(po, period_block(po, p, NULL), 1))) return -1;
        period_block(po, p, po->block);
        return 0;
    }
    if (po->sums) {
        bad |= !(po->paid = arr(po, m, sizeof *po->paid));
        bad |= !(po->other = arr(po, m, sizeof *po->other));
    } else {
        bad |= !(po->amount = arr(po, m * (p->nbonuses ? p->nbonuses : 1), sizeof *po->amount));
    }
    bad |= !(po->active = arr(po, m, 1));
    bad |= !(po->rank = arr(po, m, sizeof *po->rank));
    bad |= !(po->gv = arr(po, m, sizeof *po->gv));
    if (any_legs(p)) bad |= !(po->submax = arr(po, m, sizeof *po->submax));
    if (needs_src(p)) bad |= !(po->src = arr(po, m, sizeof *po->src));
    if (p->placement.kind == CS_PTREE_BINARY) {
        bad |= !(po->psub = arr(po, m, sizeof *po->psub));
        if (p->placement.weaker_by_count) bad |= !(po->psize = arr(po, m, sizeof *po->psize));
    }
    if (b && b->type == CS_BONUS_BINARY && b->binary.sponsored_per_leg)
        bad |= !(po->qual = arr(po, 2 * m, sizeof *po->qual));
    if (b && b->type == CS_BONUS_MATRIX && b->ncompletion > 0) bad |= !(po->pfull = arr(po, m, sizeof *po->pfull));
    if (bad) free_period(po);
    return bad ? -1 : 0;
}

/* The copies by tree position, for a tree whose positions are not member indices: allocated the
 * first time such a tree is given, so that payouts on breadth-first trees never hold them. */
int cs_po_alloc_work(cs_payout *po, const cs_plan *p)
{
    if (po->wgv && po->wcap == po->cap) return 0;
    const size_t m = po->cap;
    free(po->wgv), free(po->wbv), free(po->wrank), free(po->wactive), free(po->wnew);
    po->wgv = cs_big_malloc(m, sizeof *po->wgv);
    po->wbv = cs_big_malloc(m, sizeof *po->wbv);
    po->wrank = cs_big_malloc(m, sizeof *po->wrank);
    po->wactive = cs_big_malloc(m, 1);
    po->wnew = pays_new_members(p) ? cs_big_malloc(m, 1) : NULL;
    int bad = !po->wgv || !po->wbv || !po->wrank || !po->wactive || (pays_new_members(p) && !po->wnew);
    po->wcap = m;
    if (bad) {
        free(po->wgv), free(po->wbv), free(po->wrank), free(po->wactive), free(po->wnew);
        po->wgv = po->wbv = NULL, po->wrank = NULL, po->wactive = po->wnew = NULL, po->wcap = 0;
    }
    return bad ? -1 : 0;
}

/* What members lo .. hi-1 carry when they arrive: no title, nothing carried over. */
static void start_members(cs_payout *po, size_t lo, size_t hi)
{
    for (size_t i = lo; i < hi; i++) po->title[i] = CS_RANK_NONE;
    if (po->leg_measure) memset(po->leg_measure + 2 * lo, 0, 2 * (hi - lo) * sizeof *po->leg_measure);
    if (po->carry) memset(po->carry + 2 * lo, 0, 2 * (hi - lo) * sizeof *po->carry);
    if (po->idle) memset(po->idle + lo, 0, (hi - lo) * sizeof *po->idle);
    if (po->completed) memset(po->completed + lo, 0, (hi - lo) * sizeof *po->completed);
}

cs_payout *cs_payout_new(const cs_plan *p, size_t n)
{
    cs_payout *po = calloc(1, sizeof *po);
    if (!po) return NULL;
    size_t m = n ? n : 1;
    po->n = n;
    po->cap = m;
    po->nbonuses = p->nbonuses;
    po->vec_width = cs_payout_vec_width(p);
    po->bonus_total = calloc(p->nbonuses ? p->nbonuses : 1, sizeof *po->bonus_total);
    po->title = cs_big_malloc(m, sizeof *po->title);
    if (!po->bonus_total || !po->title || alloc_period(po, p) || alloc_carried(po, p, m)) {
        cs_payout_free(po);
        return NULL;
    }
    start_members(po, 0, m);
    return po;
}

/* One carried array (if the plan has it, a != NULL) grown to `cap` members of `per` entries, the
 * first `used` members' entries kept; the others are set when members arrive (start_members).  On
 * failure sets *bad and returns a as it was. */
static void *grow_carried(const cs_payout *po, void *a, size_t size, size_t per, size_t used, size_t cap, int *bad)
{
    if (!a || *bad) return a;
    char *q = arr(po, per * cap, size);
    if (!q) {
        *bad = 1;
        return a;
    }
    memcpy(q, a, per * used * size);
    free(a);
    return q;
}

/* Grows the capacity to cap > po->cap, keeping what is carried across periods. */
static int grow_to(cs_payout *po, const cs_plan *p, size_t cap)
{
    const size_t old = po->cap, used = po->n;
    /* Results and scratch are not kept: freed first, so that the peak holds one copy of them; the
     * carried arrays are copied one at a time.  A carried array that did grow before a failure
     * does no harm (it is larger than po->cap). */
    free_period(po);
    int bad = 0;
#define GROW(f, per) po->f = grow_carried(po, po->f, sizeof *po->f, per, used, cap, &bad)
    GROW(title, 1);
    GROW(leg_measure, 2);
    GROW(carry, 2);
    GROW(idle, 1);
    GROW(completed, 1);
#undef GROW
    if (!bad) {
        po->cap = cap;
        if (!alloc_period(po, p)) return 0;
        po->cap = old;
    }
    alloc_period(po, p); /* at the old size, so that po stays usable if memory allows */
    return -1;
}

int cs_payout_resize(cs_payout *po, const cs_plan *p, size_t n)
{
    if (n < po->n) return -1;
    /* twice the capacity at least: each growth reallocates (and faults in) every array */
    if (n > po->cap && grow_to(po, p, 2 * po->cap > n ? 2 * po->cap : n)) return -1;
    start_members(po, po->n, n);
    po->n = n;
    return 0;
}

int cs_payout_reserve(cs_payout *po, const cs_plan *p, size_t cap)
{
    po->reserved = 1;
    return cap > po->cap ? grow_to(po, p, cap) : 0;
}

int cs_payout_compact(cs_payout *po, const cs_plan *p, const uint8_t *keep)
{
    if (p->placement.kind != CS_PTREE_NONE) return -1;
    size_t m = 0;
    for (size_t j = 0; j < po->n; j++) { /* without a branch on keep[j], which is random: m <= j */
        po->title[m] = po->title[j];
        m += keep[j] != 0;
    }
    po->n = m;
    return 0;
}

void cs_payout_restart(cs_payout *po) { po->n = 0; /* what is carried is set as members arrive (start_members) */ }

int cs_payout_sum_lines(cs_payout *po, const cs_plan *p)
{
    if (p->placement.kind != CS_PTREE_NONE || p->payout_cap_ppm >= 0) return 1;
    for (size_t b = 0; b < p->nbonuses; b++)
        if (p->bonuses[b].type == CS_BONUS_MATCHING || !totalled(&p->bonuses[b])) return 1;
    if (po->sums) return 0;
    free_period(po);
    po->sums = 1;
    if (!alloc_period(po, p)) return 0;
    po->sums = 0; /* the lines again, if memory allows */
    alloc_period(po, p);
    return -1;
}

void cs_payout_free(cs_payout *po)
{
    if (!po) return;
    free_period(po);
    free(po->bonus_total);
    free(po->title);
    free(po->leg_measure);
    free(po->carry);
    free(po->idle);
    free(po->completed);
    free(po);
}
