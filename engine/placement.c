/* placement: see placement.h for what is placed where.
 *
 * Every placement, whatever the rule, ends in insert(): a new leaf m goes into a free slot s of a
 * placed member p.  One structure per kind of rule is kept up to date there, so that finding p is
 * cheap: `edge` for the binary rules, `open` for spillover.
 *
 * Outer edges (binary rules).  A side-s *chain* is a maximal line of side-s children: it starts
 * at a member that is not a side-s child (its top) and ends at one without a side-s child (its
 * bottom), where a new member on that edge goes.  The bottom of x's outer edge is the bottom of
 * x's chain.  Chains only ever grow by one new leaf at the bottom, so no two chains ever merge,
 * and each member can point straight at its chain's top, which holds the bottom:
 *     edge[s][x] >= 0:  x is inside a chain whose top is edge[s][x]
 *     edge[s][x] <  0:  x is the top of its chain, and ~edge[s][x] is the bottom
 * Finding the bottom is at most two reads, worst case, with no recursion and nothing to compress.
 * (This replaces the union-find "next" pointer with path compression first planned: its linking
 * is forced, since the new bottom must become the root, so there is no union by rank, and on
 * random sponsors it measured 13.5 pointer hops per find at 10^6 members and 15.7 at 10^7, growing
 * like log n, each hop a cache miss.)  Inserting m under p on side s: p is the bottom of its chain
 * (it had no side-s child), so m joins p's chain (edge[s][m] = the top, and the top's bottom
 * becomes m) and starts a chain of its own on the other side.
 *
 * Spillover.  f(x) = depth, relative to x, of the shallowest open slot in x's placement subtree:
 * 0 if x has a free slot, else 1 + min over x's children of f(child).  To place under S: while
 * f(x) > 0, go to the lowest-slot child c of x with f(c) = f(x) - 1; then take x's lowest free
 * slot.  open[x] = f(x), one byte per member: a step of the descent reads x's row of children (one
 * cache miss) and their bytes, which stay in cache far longer than rows do.  (Keeping each child's
 * f in its parent's row instead, next to pchild, measured 1.3-1.5 times slower at 10^6 and 10^7
 * members: two rows per step, and the update also reads the parent's row.)
 *
 *   Claim: this is the first open position under S in breadth-first order (level by level, each
 *   level left to right, i.e. by the slot sequence of the path from S, lexicographically; a
 *   member's own slots by slot number).
 *   Proof: let d = f(S).  By definition no member at depth < d below S has a free slot, and
 *   some member at depth d has, so the first open position lies at depth d and is the lowest free
 *   slot of the member at depth d with a free slot whose slot path from S is lexicographically
 *   smallest.  The first slot on that path is the lowest slot s0 whose child c0 has a member
 *   with a free slot at depth d - 1 below c0; and f(c) >= d - 1 for every child (otherwise
 *   f(S) < d), so those children are exactly the ones with f(c) = d - 1 = min: the lowest
 *   such slot is the descent's choice.  Inside c0 the same holds with d - 1, since f(c0) = d - 1;
 *   by induction the descent follows the lexicographically smallest path to depth d and stops
 *   at a member x with f(x) = 0, taking its lowest free slot.  (When S has a free slot, d = 0 and
 *   S's own lowest free slot is first, which matches "the sponsor's own slots first".)
 *
 * After inserting under p, f is recomputed from p upwards only while it changes: an unchanged
 * f(y) leaves every ancestor's value unchanged.  Each value only grows (p loses a free slot, the
 * new leaf is below a slot that was free; by induction ancestors' minima only grow), and f(x) = k
 * means the top k levels of x's subtree are full, so k <= log_W(size of x's subtree) < 31.  Hence
 * at most O(n log_W n) updates in total, each O(W), and each descent is O(W log_W n).  Explicit
 * placements use the same insert(), so they keep both structures right and may leave holes that
 * spillover later fills. */
#include "placement.h"

#include <stdlib.h>
#include <string.h>

#include "bigmem.h"

const char *cs_place_code_text(cs_place_code code)
{
    switch (code) {
    case CS_PLACE_E_ALREADY_PLACED: return "member is already placed";
    case CS_PLACE_E_SPONSOR_RANGE: return "sponsor is not a member";
    case CS_PLACE_E_SPONSOR_LATER: return "sponsor is placed after the member";
    case CS_PLACE_E_NO_SPONSOR: return "placement leg given without a placement parent or a sponsor";
    case CS_PLACE_E_PARENT_RANGE: return "placement parent is not a member";
    case CS_PLACE_E_PARENT_SELF: return "member is placed under itself";
    case CS_PLACE_E_PARENT_LATER: return "placement parent placed later";
    case CS_PLACE_E_SLOT_RANGE: return "placement slot is out of range";
    case CS_PLACE_E_SLOT_TAKEN: return "placement slot is already taken";
    case CS_PLACE_E_PARENT_FULL: return "placement parent has no free slot";
    case CS_PLACE_E_UPLINE_FAILED: return "placement parent or sponsor could not be placed";
    }
    return "unknown placement error";
}

int64_t cs_place_leg_array(void *ctx, int32_t member, int side)
{
    return ((const int64_t *)ctx)[2 * (size_t)member + (size_t)side];
}

static int is_binary_rule(cs_place_rule r)
{
    return r == CS_PLACE_OUTER_LEFT || r == CS_PLACE_OUTER_RIGHT || r == CS_PLACE_ALTERNATING ||
           r == CS_PLACE_WEAKER_LEG;
}

void cs_placement_free(cs_placement *pl)
{
    if (!pl) return;
    free(pl->ppar);
    free(pl->pos);
    free(pl->pchild);
    free(pl->edge[0]);
    free(pl->edge[1]);
    free(pl->open);
    free(pl->alt);
    free(pl);
}

/* Grows one array from `old` to `n` elements of `size` bytes; the new part is filled with `fill`. */
static int grow(void **p, size_t old, size_t n, size_t size, int fill)
{
    if (n > SIZE_MAX / size) return -1;
    void *q;
    if (!*p) q = cs_big_malloc(n, size);
    else q = realloc(*p, n * size); /* n > old >= 0, so never 0 bytes */
    if (!q) return -1;
    *p = q;
    memset((char *)q + old * size, fill, (n - old) * size);
    return 0;
}

int cs_placement_reserve(cs_placement *pl, size_t n)
{
    if (n <= pl->n) return 0;
    if (n >= INT32_MAX) return -1;
    const size_t old = pl->n, w = (size_t)pl->width;
    if (grow((void **)&pl->ppar, old, n, sizeof *pl->ppar, 0) || grow((void **)&pl->pos, old, n, 1, 0) ||
        grow((void **)&pl->pchild, old * w, n * w, sizeof *pl->pchild, 0xff))
        return -1;
    for (int s = 0; s < 2 && is_binary_rule(pl->rule); s++)
        if (grow((void **)&pl->edge[s], old, n, sizeof(int32_t), 0)) return -1;
    if (pl->rule == CS_PLACE_SPILLOVER && grow((void **)&pl->open, old, n, 1, 0)) return -1;
    if (pl->rule == CS_PLACE_ALTERNATING && grow((void **)&pl->alt, old, n, 1, 0)) return -1;
    for (size_t i = old; i < n; i++) pl->ppar[i] = CS_PLACE_UNPLACED;
    pl->n = n;
    return 0;
}

cs_placement *cs_placement_new(size_t n, int width, cs_place_rule rule)
{
    if (is_binary_rule(rule) ? width != 2 : !(rule == CS_PLACE_SPILLOVER && width >= 2 && width <= CS_PLACE_MAX_WIDTH))
        return NULL;
    cs_placement *pl = calloc(1, sizeof *pl);
    if (!pl) return NULL;
    pl->width = width;
    pl->rule = rule;
    if (cs_placement_reserve(pl, n)) {
        cs_placement_free(pl);
        return NULL;
    }
    return pl;
}

/* The bottom of x's outer edge on side `side`. */
static int32_t edge_bottom(const int32_t *edge, int32_t x)
{
    int32_t v = edge[x];
    if (v >= 0) v = edge[v]; /* x's chain top holds the bottom */
    return ~v;
}

/* f(y) from its children's values: 0 if y has a free slot, else 1 + the least f of its children. */
static uint8_t open_of(const cs_placement *pl, int32_t y)
{
    const size_t w = (size_t)pl->width;
    const int32_t *c = pl->pchild + (size_t)y * w;
    uint8_t m = UINT8_MAX;
    for (size_t s = 0; s < w; s++) {
        if (c[s] < 0) return 0;
        if (pl->open[c[s]] < m) m = pl->open[c[s]];
    }
    return (uint8_t)(m + 1);
}

/* m becomes the child of p in free slot s (p < 0: a root). */
static void insert(cs_placement *pl, int32_t p, int s, int32_t m)
{
    const size_t w = (size_t)pl->width;
    pl->ppar[m] = p;
    pl->pos[m] = (uint8_t)(p < 0 ? 0 : s);
    pl->nplaced++;
    if (pl->edge[0]) { /* m is the top and bottom of its own chains, except the one it joins */
        pl->edge[0][m] = pl->edge[1][m] = ~m;
        if (p >= 0) {
            int32_t *e = pl->edge[s], top = e[p] >= 0 ? e[p] : p;
            e[m] = top;
            e[top] = ~m;
        }
    }
    if (pl->open) pl->open[m] = 0;
    if (p < 0) return;
    pl->pchild[(size_t)p * w + (size_t)s] = m;
    if (pl->open)
        for (int32_t y = p; y >= 0; y = pl->ppar[y]) {
            uint8_t f = open_of(pl, y);
            if (f == pl->open[y]) break;
            pl->open[y] = f;
        }
}

static int first_free_slot(const cs_placement *pl, int32_t p)
{
    const int32_t *c = pl->pchild + (size_t)p * (size_t)pl->width;
    for (int s = 0; s < pl->width; s++)
        if (c[s] < 0) return s;
    return -1;
}

/* Spillover: m goes to the first open slot in breadth-first order of x's subtree. */
static void spill(cs_placement *pl, int32_t x, int32_t m)
{
    const size_t w = (size_t)pl->width;
    while (pl->open[x] > 0) {
        const int32_t *c = pl->pchild + (size_t)x * w;
        const uint8_t want = (uint8_t)(pl->open[x] - 1);
        size_t s = 0;
        while (pl->open[c[s]] != want) s++; /* x is full, and some child has f = f(x) - 1 */
        x = c[s];
    }
    insert(pl, x, first_free_slot(pl, x), m);
}

/* Binary: m goes to the bottom of the outer edge on `side` below s. */
static void outer(cs_placement *pl, int32_t s, int side, int32_t m)
{
    insert(pl, edge_bottom(pl->edge[side], s), side, m);
}

/* The placement state of a parent or sponsor as an error code, or 0 if it is placed. */
static cs_place_code upline_state(const cs_placement *pl, int32_t p, cs_place_code later)
{
    if (pl->ppar[p] == CS_PLACE_FAILED) return CS_PLACE_E_UPLINE_FAILED;
    if (pl->ppar[p] == CS_PLACE_UNPLACED) return later;
    return 0;
}

static cs_place_code place_one(cs_placement *pl, const cs_place_input *in, int32_t m)
{
    const int32_t n = (int32_t)pl->n, w = pl->width;
    if (cs_placement_is_placed(pl, (size_t)m)) return CS_PLACE_E_ALREADY_PLACED;
    cs_place_explicit e = in->expl ? in->expl[m] : (cs_place_explicit){CS_PLACE_AUTO, CS_PLACE_AUTO};
    if (e.slot != CS_PLACE_AUTO && (e.slot < 0 || e.slot >= w)) return CS_PLACE_E_SLOT_RANGE;
    cs_place_code c;
    if (e.parent != CS_PLACE_AUTO) {
        const int32_t p = e.parent;
        if (p < 0 || p >= n) return CS_PLACE_E_PARENT_RANGE;
        if (p == m) return CS_PLACE_E_PARENT_SELF;
        if ((c = upline_state(pl, p, CS_PLACE_E_PARENT_LATER))) return c;
        int s = e.slot;
        if (s == CS_PLACE_AUTO) {
            if ((s = first_free_slot(pl, p)) < 0) return CS_PLACE_E_PARENT_FULL;
        } else if (pl->pchild[(size_t)p * (size_t)w + (size_t)s] >= 0) {
            return CS_PLACE_E_SLOT_TAKEN;
        }
        insert(pl, p, s, m);
        return 0;
    }
    const int32_t sp = in->sponsor[m];
    if (sp < -1 || sp >= n) return CS_PLACE_E_SPONSOR_RANGE;
    if (sp < 0) {
        if (e.slot != CS_PLACE_AUTO) return CS_PLACE_E_NO_SPONSOR;
        insert(pl, CS_PLACE_ROOT, 0, m);
        return 0;
    }
    if ((c = upline_state(pl, sp, CS_PLACE_E_SPONSOR_LATER))) return c;
    if (e.slot != CS_PLACE_AUTO) { /* sponsor's choice of leg */
        if (!pl->open) {
            outer(pl, sp, e.slot, m);
        } else {
            int32_t top = pl->pchild[(size_t)sp * (size_t)w + (size_t)e.slot];
            if (top < 0) insert(pl, sp, e.slot, m);
            else spill(pl, top, m);
        }
        return 0;
    }
    switch (pl->rule) {
    case CS_PLACE_OUTER_LEFT: outer(pl, sp, CS_PLACE_LEFT, m); break;
    case CS_PLACE_OUTER_RIGHT: outer(pl, sp, CS_PLACE_RIGHT, m); break;
    case CS_PLACE_ALTERNATING:
        outer(pl, sp, pl->alt[sp], m);
        pl->alt[sp] ^= 1;
        break;
    case CS_PLACE_WEAKER_LEG: {
        int64_t l = in->leg(in->leg_ctx, sp, CS_PLACE_LEFT), r = in->leg(in->leg_ctx, sp, CS_PLACE_RIGHT);
        outer(pl, sp, l <= r ? CS_PLACE_LEFT : CS_PLACE_RIGHT, m);
        break;
    }
    case CS_PLACE_SPILLOVER: spill(pl, sp, m); break;
    }
    return 0;
}

int cs_placement_place(cs_placement *pl, const cs_place_input *in, cs_place_errors *errs)
{
    if (!in->sponsor || (pl->rule == CS_PLACE_WEAKER_LEG && !in->leg)) return -1;
    if (in->order) {
        for (size_t k = 0; k < in->norder; k++)
            if (in->order[k] < 0 || (size_t)in->order[k] >= pl->n) return -1;
    } else if (in->norder > pl->n) {
        return -1;
    }
    int failed = 0;
    for (size_t k = 0; k < in->norder; k++) {
        const int32_t m = in->order ? in->order[k] : (int32_t)k;
        cs_place_code c = place_one(pl, in, m);
        if (!c) continue;
        failed = 1;
        if (c != CS_PLACE_E_ALREADY_PLACED) pl->ppar[m] = CS_PLACE_FAILED;
        if (errs) {
            if (errs->n < CS_PLACE_ERRORS_MAX) {
                errs->items[errs->n].member = m;
                errs->items[errs->n].code = c;
                errs->n++;
            }
            errs->total++;
        }
    }
    return failed;
}

void cs_placement_index_free(cs_placement_index *ix)
{
    free(ix->porder);
    free(ix->prank);
    free(ix->iv);
    free(ix->level_off);
    memset(ix, 0, sizeof *ix);
}

/* Breadth-first, a member's children are next to each other in porder, and the children of
 * successive members follow each other.  So the work is done on positions in porder, where both
 * passes below read and write in sequence, and only the results are scattered to members. */
int cs_placement_index_init(cs_placement_index *ix, const cs_placement *pl)
{
    memset(ix, 0, sizeof *ix);
    const size_t nm = pl->n, np = pl->nplaced, w = (size_t)pl->width;
    ix->nmembers = nm;
    ix->porder = cs_big_malloc(np, sizeof *ix->porder);
    ix->prank = cs_big_malloc(nm, sizeof *ix->prank);
    ix->iv = cs_big_malloc(nm, sizeof *ix->iv);
    size_t lcap = 64;
    ix->level_off = malloc(lcap * sizeof *ix->level_off);
    uint8_t *nkids = cs_big_malloc(np, 1);           /* by position: number of children */
    uint32_t *size = cs_big_malloc(np, sizeof *size); /* by position: subtree size */
    uint32_t *tin = cs_big_malloc(np, sizeof *tin);   /* by position: preorder number */
    if (!ix->porder || !ix->prank || !ix->iv || !ix->level_off || !nkids || !size || !tin) goto fail;

    /* breadth-first: roots in index order, then one level at a time */
    size_t k = 0;
    for (size_t i = 0; i < nm; i++)
        if (pl->ppar[i] == CS_PLACE_ROOT) ix->porder[k++] = (int32_t)i;
    const size_t nroots = k;
    ix->level_off[0] = 0;
    for (size_t lo = 0, hi = k; lo < hi; lo = hi, hi = k) {
        if (ix->nlevels + 2 > lcap) {
            uint32_t *q = realloc(ix->level_off, 2 * lcap * sizeof *q);
            if (!q) goto fail;
            ix->level_off = q;
            lcap *= 2;
        }
        ix->level_off[++ix->nlevels] = (uint32_t)hi;
        for (size_t j = lo; j < hi; j++) {
            const int32_t *c = pl->pchild + (size_t)ix->porder[j] * w;
            const size_t k0 = k;
            for (size_t s = 0; s < w; s++)
                if (c[s] >= 0) ix->porder[k++] = c[s];
            nkids[j] = (uint8_t)(k - k0);
        }
    }
    ix->n = k; /* == np */

    /* subtree sizes, last position first: the children of j end where those of j+1 begin */
    for (size_t j = k, end = k; j-- > 0;) {
        uint32_t sz = 1;
        for (size_t c = end - nkids[j]; c < end; c++) sz += size[c];
        end -= nkids[j];
        size[j] = sz;
    }
    /* preorder numbers, first position first: a member's first child follows it, each later
     * child follows the subtree of the one before; roots one after another */
    uint32_t next_root = 0;
    for (size_t j = 0; j < nroots; j++) {
        tin[j] = next_root;
        next_root += size[j];
    }
    for (size_t j = 0, c = nroots; j < k; j++) {
        uint32_t next = tin[j] + 1;
        for (size_t e = c + nkids[j]; c < e; c++) {
            tin[c] = next;
            next += size[c];
        }
    }
    for (size_t i = 0; i < nm; i++) {
        ix->prank[i] = -1;
        ix->iv[i] = (cs_place_interval){UINT32_MAX, UINT32_MAX};
    }
    for (size_t j = 0; j < k; j++) {
        const int32_t u = ix->porder[j];
        ix->prank[u] = (int32_t)j;
        ix->iv[u] = (cs_place_interval){tin[j], tin[j] + size[j]};
    }
    free(nkids);
    free(size);
    free(tin);
    return 0;
fail:
    free(nkids);
    free(size);
    free(tin);
    cs_placement_index_free(ix);
    return -1;
}
