#include "payout.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "binary.h"
#include "matrix.h"
#include "money.h"

typedef __int128 i128;

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

static int fused_pair(const cs_plan *p);

size_t cs_payout_vec_width(const cs_plan *p)
{
    size_t w = 1;
    for (size_t b = 0; b < p->nbonuses; b++) {
        const cs_bonus *bo = &p->bonuses[b];
        size_t need = bo->type == CS_BONUS_STAIRSTEP ? p->nranks + 1 : (size_t)bo->levels.nlevels;
        if (need > w) w = need;
    }
    const int f = fused_pair(p); /* the two tables side by side (levels_fused) */
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

/* Do bonus b's passes add up its lines as they write them (line_acc)?  The placement bonuses'
 * lines are added up afterwards. */
static int totalled(const cs_bonus *b) { return b->type != CS_BONUS_BINARY && b->type != CS_BONUS_MATRIX; }

/* What a member's recruits add up to, pushed to it in layout 3 (settle_push). */
typedef struct {
    int64_t gv;      /* group volume of the recruits not broken away */
    int32_t nactive; /* active recruits */
    int32_t sub;     /* highest rank in the recruits' subtrees */
} settle_acc;

/* Rows of vec that settle_push needs for its accumulators (in vec_width-wide rows). */
static size_t settle_rows(const cs_payout *po, size_t nrows)
{
    const size_t w = po->vec_width * sizeof *po->vec;
    return (nrows * sizeof(settle_acc) + w - 1) / w;
}

/* Does the plan have a bottom-up pass that keeps a table for every member in layout 3? */
static int pulls_by_member(const cs_plan *p)
{
    for (size_t b = 0; b < p->nbonuses; b++)
        if (p->bonuses[b].type == CS_BONUS_STAIRSTEP || p->bonuses[b].type == CS_BONUS_GENERATION) return 1;
    return 0;
}

static int has_matrix(const cs_plan *p)
{
    const cs_bonus *b = cs_plan_placement_bonus(p);
    return b && b->type == CS_BONUS_MATRIX;
}

/* Rows of vec for this tree: the tree's ring (tree.h), or every member for the matrix bonus, whose
 * pass is by placement.  Grown by a quarter at least, up to the capacity, as the tree grows; for
 * a reserved payout (the simulator's) made for the capacity at once: only the rows in use become
 * resident, where growing it by steps touched ~5 times its final size in fresh pages. */
static int alloc_vec(cs_payout *po, const cs_plan *p, const cs_tree *t)
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
static int alloc_work(cs_payout *po, const cs_plan *p)
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

/* Is a stop requested (cs_payout.stop)?  Relaxed: the flag carries no data. */
static int halted(const cs_payout *po) { return po->stop && atomic_load_explicit(po->stop, memory_order_relaxed); }

/* In a pass's loop over positions from hi-1 down: time to look at the stop flag? */
#define STOP_CHECK(po, hi, i) ((((hi) - (i)) & (CS_PAYOUT_STOP_EVERY - 1)) == 0 && halted(po))

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
static void line_done(const pass *ps, const line_acc *a)
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

/* ---- ranks ----------------------------------------------------------------------------------- */

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
static int push_blocks(const cs_tree *t, cs_range_fn fn, void *ctx)
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
    return push_blocks(ps->t, settle_push_range, (void *)ps);
}

/* ---- bonuses paid by level (unilevel, fast start, enrolment, matching) ----------------------- */

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
    return push_blocks(ps->t, levels_push_range, (void *)ps);
}

/* Fast start and unilevel in one pushed pass (layout 3): the two bonuses' tables side by side in
 * a row of vec (K1 + K2 wide), each member's two lines put in the bonuses' order, each bonus's
 * own total.  The same arithmetic as level_push run twice, for the pair of the plans in plans/
 * (3 and 7 levels); only when both bonuses' sums fit in 64 bits (narrow). */
#define FUSED_K1 3
#define FUSED_K2 7

/* The index b of a fast start bonus followed by a unilevel bonus that levels_fused can pay, or -1.
 * Not with a placement bonus or a pass that keeps a table for every member (alloc_vec). */
static int fused_pair(const cs_plan *p)
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

/* `total` is the sum of the sources: every level amount is at most that, and every rate at most
 * 100%. */
static int pay_levels(pass *ps, int64_t total, cs_diags *d)
{
    ps->narrow = total <= INT64_MAX / CS_PPM_ONE - 1;
    ps->take_all = ps->b->compression == CS_COMPRESS_NONE;
    int rc = ps->t->row ? levels_pushed(ps) : cs_tree_bottom_up(ps->t, levels_range, ps);
    return rc ? halted(ps->po) ? 1 : overflow(d, ps->b) : 0;
}

/* Sum of what new members are sources of (per_member[i], or `each`), checked to fit. */
static int new_member_total(const uint8_t *is_new, const int64_t *per_member, int64_t each, size_t n,
                            int64_t *total_out)
{
    int64_t total = 0;
    int bad = 0;
#pragma omp parallel
    {
        int64_t s = 0;
        int ovf = 0;
#pragma omp for schedule(static) nowait
        for (size_t i = 0; i < n; i++)
            if (is_new[i]) ovf |= __builtin_add_overflow(s, per_member ? per_member[i] : each, &s);
#pragma omp critical(cs_new_member_total)
        bad |= ovf || __builtin_add_overflow(total, s, &total);
    }
    *total_out = total;
    return bad ? -1 : 0;
}

/* src[] by position: the sum of the matched bonuses' amounts of the member there. */
static int matching_sources(cs_payout *po, const cs_bonus *b, const int32_t *perm, size_t n, int64_t *total_out)
{
    int bad = 0;
#pragma omp parallel for schedule(static) reduction(| : bad)
    for (size_t j = 0; j < n; j++) {
        const size_t i = perm ? (size_t)perm[j] : j;
        int64_t s = 0;
        for (size_t m = 0; m < b->nmatched; m++) bad |= __builtin_add_overflow(s, po->amount[b->matched[m] * n + i], &s);
        po->src[j] = s;
    }
    return bad || checked_sum(po->src, n, total_out) ? -1 : 0;
}

/* ---- stairstep and generation ---------------------------------------------------------------- */

/* vec[i*R + r] = BV of the sources in i's group (i included) whose path from i holds at most the
 * rate of row r, at row r exactly; an upline earns (own rate - rate of row r) on each of its
 * recruits' rows. */
static int stairstep_range(void *vp, size_t lo, size_t hi)
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
static int generations_range(void *vp, size_t lo, size_t hi)
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
static int pay_retail(const pass *ps, const int64_t *retail, size_t n, cs_diags *d)
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
    return bad ? overflow(d, b) : 0;
}

static int pay_advancement(const pass *ps, size_t n, cs_diags *d)
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

static void clear(int64_t *a, size_t n);

/* Splits `pool` cents over the members in proportion to their rank's shares.  The shares are
 * counted from po->rank_active (settled with the ranks), so that one pass over the members finds
 * the holders.  Which holders get a cent of the remainder does not depend on the order they are
 * listed in (select_first), so the threads list them as they come. */
static int pay_pool(const pass *ps, const cs_period_input *in, size_t n, int64_t company_bv, cs_diags *d)
{
    const cs_payout *po = ps->po;
    const cs_bonus *b = ps->b;
    int64_t *out = ps->out;
    const int add = ps->add; /* out holds earlier lines: the holders' shares are added to them */
    int64_t pool = cs_round_micro((i128)b->pool_ppm * company_bv);
    if (pool < 0) return overflow(d, b);
    i128 shares = 0; /* no share is negative: this overflows int64 when a sum in any order would */
    size_t holders = 0;
    for (size_t r = 0; r <= ps->p->nranks; r++) {
        shares += (i128)po->rank_active[r] * b->shares_by_row[r];
        if (b->shares_by_row[r] > 0) holders += (size_t)po->rank_active[r];
    }
    if (shares > INT64_MAX) return overflow(d, b);
    const int64_t total = (int64_t)shares;
    if (!add) clear(out, n);
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
static void clear(int64_t *a, size_t n)
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
    if (by_tree && ps.perm && !add) clear(out, n); /* the passes then write only the amounts that are not 0 */
    switch (bo->type) {
    case CS_BONUS_RETAIL: return pay_retail(&ps, in->retail, n, d);
    case CS_BONUS_UNILEVEL:
        ps.src = ps.bv;
        ps.is_new = NULL;
        return pay_levels(&ps, po->company_bv, d);
    case CS_BONUS_FAST_START:
    case CS_BONUS_ENROLMENT: {
        const int64_t *per_member = bo->type == CS_BONUS_FAST_START ? in->bv : NULL;
        if (!in->is_new) { /* nobody joined: nothing to pay */
            if (!ps.perm && !add) clear(out, n);
            return 0;
        }
        if (new_member_total(in->is_new, per_member, p->enrolment_fee, n, &total)) return overflow(d, bo);
        ps.src = per_member ? ps.bv : NULL;
        ps.each = p->enrolment_fee;
        return pay_levels(&ps, total, d);
    }
    case CS_BONUS_MATCHING:
        if (matching_sources(po, bo, ps.perm, n, &total)) return overflow(d, bo);
        ps.src = po->src;
        ps.is_new = NULL;
        return pay_levels(&ps, total, d);
    case CS_BONUS_STAIRSTEP: return cs_tree_bottom_up(ps.t, stairstep_range, &ps) ? halted(po) ? 1 : overflow(d, bo) : 0;
    case CS_BONUS_GENERATION: return cs_tree_bottom_up(ps.t, generations_range, &ps) ? halted(po) ? 1 : overflow(d, bo) : 0;
    case CS_BONUS_RANK_ADVANCE: return pay_advancement(&ps, n, d);
    case CS_BONUS_POOL: return pay_pool(&ps, in, n, po->company_bv, d);
    case CS_BONUS_BINARY: return cs_binary_pay(po, p, bo, ps.t, in, out) ? overflow(d, bo) : 0;
    case CS_BONUS_MATRIX: return cs_matrix_pay(po, bo, in, out) ? overflow(d, bo) : 0;
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
    if (new_member_total(in->is_new, in->bv, p->enrolment_fee, n, &total)) return -1;
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
    memset(po->vec, 0, ps.t->nrows * (size_t)(FUSED_K1 + FUSED_K2) * sizeof *po->vec);
    fused f = {&pa, &pb};
    return push_blocks(ps.t, levels_fused_range, &f) ? 1 : 0;
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
    if (alloc_vec(po, p, t)) {
        cs_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    if (volumes(po, p, in, n)) return overflow(d, NULL);
    const int64_t active_pv = p->active_pv;
    pass ps = {.po = po, .p = p, .t = t, .perm = t->perm, .pv = in->pv, .bv = in->bv, .active = po->active,
               .rank = po->rank, .gv = po->gv, .is_new = in->is_new,
               .broken_at = p->breakaway != CS_RANK_NONE ? p->breakaway : INT32_MAX};
    if (t->perm) {
        /* Join order: the passes run over copies by tree position, gathered once here (one random
         * read per member and input) so that the passes stream; the results are written back by
         * member. */
        if (alloc_work(po, p)) {
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
    if (halted(po) || (t->row ? settle_push(&ps) : cs_tree_bottom_up(t, settle_range, &ps)) || halted(po)) return 1;
    int wrote[2] = {0, 0};         /* sums: the company-paid sums, the others, written this period */
    size_t first_ovf = p->nbonuses; /* the first bonus whose total overflowed, if totalled */
    const int fb = po->sums && !ps.perm && t->row && in->is_new ? fused_pair(p) : -1;
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
        if (!wrote[0]) clear(po->paid, n);
        if (!wrote[1]) clear(po->other, n);
    }
    if (p->placement.kind == CS_PTREE_BINARY && !cs_plan_placement_bonus(p) && cs_binary_measure(po, p, in))
        return overflow(d, NULL);
    if (halted(po)) return 1;
    po->company_paid = 0;
    for (size_t b = 0; b < p->nbonuses; b++) { /* the totals' verdicts in the bonuses' order */
        if (totalled(&p->bonuses[b]) ? b == first_ovf : checked_sum(po->amount + b * n, n, &po->bonus_total[b]))
            return overflow(d, &p->bonuses[b]);
        if (cs_bonus_company_paid(p->bonuses[b].type) &&
            __builtin_add_overflow(po->company_paid, po->bonus_total[b], &po->company_paid))
            return overflow(d, &p->bonuses[b]);
    }
    if (halted(po)) return 1;
    if (p->payout_cap_ppm >= 0 && po->company_paid > 0) {
        if (apply_cap(po, p, in, d)) return -1;
        if (halted(po)) return 1;
        for (size_t b = 0; b < p->nbonuses; b++) /* capped lines: the totals again, from the lines */
            if (checked_sum(po->amount + b * n, n, &po->bonus_total[b])) return overflow(d, &p->bonuses[b]);
    }
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++)
        if (po->rank[i] > po->title[i]) po->title[i] = po->rank[i];
    return 0;
}
