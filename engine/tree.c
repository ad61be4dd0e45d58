#include "tree.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"

#define HUGE_PAGE ((size_t)2 << 20)

/* An array of t: cs_big_malloc, but once t is reserved ahead (cs_tree_reserve: the simulator's)
 * an array of 1 MiB or more takes a whole huge page (a 4 KiB page's first touch cost ~20 us on
 * the VM where this was measured, a 2 MiB page's ~150 us; as payout.c's arr). */
static void *arr(const cs_tree *t, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    const size_t bytes = n * size;
    if (!t->reserved || bytes < HUGE_PAGE / 2 || bytes >= HUGE_PAGE) return cs_big_malloc(n, size);
    return cs_big_malloc(HUGE_PAGE, 1);
}

/* Makes sure t has room for n members: arrays grow by a quarter at least, so that a tree rebuilt
 * every period of a growing simulation is reallocated (fresh pages to fault in) only now and then.
 * perm and child, when there are, have t->cap entries. */
static int reserve(cs_tree *t, size_t n)
{
    if (t->child_off && n <= t->cap) return 0;
    size_t cap = t->cap + t->cap / 4 > n ? t->cap + t->cap / 4 : n;
    if (cap >= INT32_MAX) cap = n;
    free(t->child_off), free(t->perm), free(t->child), free(t->scratch), free(t->row);
    t->perm = t->child = t->row = NULL;
    t->scratch = NULL;
    t->cap = cap;
    t->child_off = arr(t, cap + 1, sizeof *t->child_off);
    return t->child_off ? 0 : -1;
}

int cs_tree_reserve(cs_tree *t, size_t cap)
{
    if (cap <= t->cap && t->child_off) return 0;
    free(t->child_off), free(t->perm), free(t->child), free(t->scratch), free(t->row);
    t->child_off = NULL, t->perm = t->child = t->row = NULL, t->scratch = NULL;
    t->cap = cap;
    t->n = 0;
    t->reserved = 1;
    if (!(t->child_off = arr(t, cap + 1, sizeof *t->child_off))) {
        cs_tree_free(t);
        return -1;
    }
    return 0;
}

/* *a (perm, child or row of t) with t->cap entries, or freed when not wanted. */
static int want(const cs_tree *t, int32_t **a, int yes)
{
    if (!yes) {
        free(*a);
        *a = NULL;
        return 0;
    }
    return *a || (*a = arr(t, t->cap ? t->cap : 1, sizeof **a)) ? 0 : -1;
}

/* How scattered member-order pulls from the recruits would be: the share of recruits, visited as
 * the passes visit them (members from the end, each one's recruits in index order), whose cache
 * line of an 8-byte array (8 members) is not among the ~1024 lines seen last (a small
 * direct-mapped cache).  About 1/8 when recruits are read in streams (breadth-first order, or a
 * simulation's join order, where each period's joiners are in their sponsors' order); near 1 when
 * every member joined on its own, anywhere in the tree. */
static double scatter(const uint32_t *start, const int32_t *kids, size_t n)
{
    enum { SLOTS = 1024 };
    uint32_t line[SLOTS];
    memset(line, 0xff, sizeof line);
    size_t miss = 0, total = start[n];
    for (size_t i = n; i-- > 0;)
        for (uint32_t k = start[i]; k < start[i + 1]; k++) {
            uint32_t l = (uint32_t)kids[k] >> 3, h = (uint32_t)(l * 2654435761u) >> 22;
            miss += line[h] != l;
            line[h] = l;
        }
    return total ? (double)miss / (double)total : 0;
}

/* Depth ranges from child_off: depth 0 is the roots, depth d+1 the recruits of depth d, so the
 * recruits of [a, b) are [b, child_off[b]).  Counted first, so that a chain's 10^7 depths take
 * one allocation (on huge pages). */
static int find_levels(cs_tree *t, size_t nroots)
{
    size_t nlevels = 0;
    if (t->n) /* member 0 is a root, so nroots >= 1 */
        for (size_t b = nroots;; b = t->child_off[b]) {
            nlevels++;
            if (t->child_off[b] == b) break;
        }
    free(t->level_off);
    t->level_off = cs_big_malloc(nlevels + 1, sizeof *t->level_off);
    if (!t->level_off) return -1;
    uint32_t *lo = t->level_off;
    lo[0] = 0;
    size_t ring = 1;
    for (size_t d = 0, b = nroots; d < nlevels; d++) {
        lo[d + 1] = (uint32_t)b;
        size_t two = (d + 1 < nlevels ? t->child_off[b] : b) - lo[d];
        if (two > ring) ring = two;
        b = t->child_off[b];
    }
    t->nlevels = nlevels;
    t->ring = ring;
    return 0;
}

/* Does member i start a new block, the current one starting at `start` with `top` the highest
 * sponsor in it so far (-1: none)?  Yes when its sponsor is in the block, or lower than one
 * before it (tree.h). */
static int new_block(const int32_t *parent, size_t i, size_t start, int32_t top)
{
    return i == 0 || (parent[i] >= 0 && ((size_t)parent[i] >= start || parent[i] < top));
}

/* Appends the start of a block to t->block_off (grown by doubling; t->block_cap entries). */
static int add_block(cs_tree *t, size_t i)
{
    if (t->nblocks + 1 >= t->block_cap) { /* room for the closing entry too */
        size_t cap = t->block_cap ? 2 * t->block_cap : 64;
        uint32_t *b = realloc(t->block_off, cap * sizeof *b);
        if (!b) return -1;
        t->block_off = b, t->block_cap = cap;
    }
    t->block_off[t->nblocks++] = (uint32_t)i;
    return 0;
}

static void no_blocks(cs_tree *t)
{
    free(t->block_off), free(t->row);
    t->block_off = NULL, t->row = NULL;
    t->nblocks = t->nrows = t->block_cap = 0;
}

/* The table rows of layout 3 (tree.h), when count_sort did not number them. */
static void number_rows(cs_tree *t)
{
    size_t r = 0;
    for (size_t i = 0; i < t->n; i++) t->row[i] = t->child_off[i] < t->child_off[i + 1] ? (int32_t)r++ : -1;
    t->nrows = r;
}

/* Layout 3 (or the counts for layout 2) in four passes over the members, which a simulation
 * repeats every period: clear the counts; count each member's recruits, check that sponsors
 * come first and find the blocks (tree.h); turn the counts into ends and number the table rows
 * (when t->row is there); list the recruits from the end, which turns the ends into starts.
 * Afterwards the recruits of m are kids[off[m] .. off[m+1]).  Returns 0, or -1 if out of memory
 * or if parent[i] >= i. */
static int count_sort(cs_tree *t, size_t n, const int32_t *parent)
{
    uint32_t *off = t->child_off;
    int32_t *kids = t->child, *row = t->row;
    memset(off, 0, (n + 1) * sizeof *off);
    size_t start = 0;
    int32_t top = -1;
    t->nblocks = 0;
    if (!t->block_off && add_block(t, 0)) return -1; /* room for the closing entry, even with n = 0 */
    t->nblocks = 0;
    for (size_t i = 0; i < n; i++) {
        const int32_t q = parent[i];
        if (q >= (int64_t)i) return -1;
        if (new_block(parent, i, start, top)) {
            if (add_block(t, i)) return -1;
            start = i, top = -1;
        }
        if (q > top) top = q;
        if (q >= 0) off[q]++;
    }
    t->block_off[t->nblocks] = (uint32_t)n; /* add_block left room for it */
    size_t r = 0;
    for (size_t m = 0, sum = 0; m <= n; m++) {
        if (row && m < n) { /* without a branch on whether m has recruits, which is random */
            row[m] = off[m] ? (int32_t)r : -1;
            r += off[m] != 0;
        }
        sum += off[m], off[m] = (uint32_t)sum; /* end of m's recruits */
    }
    t->nrows = r;
    for (size_t i = n; i-- > 0;) /* from the end, so that recruits stay in index order */
        if (parent[i] >= 0) kids[--off[parent[i]]] = (int32_t)i;
    return 0;
}

/* The members are in breadth-first order exactly when the roots come first and sponsors never
 * decrease after them: then every member's recruits are consecutive, in index order, and come in
 * the order of their sponsors. */
static int in_bfs_order(const int32_t *parent, size_t n, size_t *nroots)
{
    size_t r = 0;
    while (r < n && parent[r] < 0) r++;
    *nroots = r;
    for (size_t i = r + 1; i < n; i++)
        if (parent[i] < parent[i - 1]) return 0; /* also catches a root after a recruit */
    return 1;
}

static int build(cs_tree *t, size_t n, const int32_t *parent, cs_tree_order order)
{
    t->n = n;
    t->parent = parent;
    if (n >= INT32_MAX) return -1;
    size_t nroots;
    const int bfs = in_bfs_order(parent, n, &nroots);
    if (bfs)
        for (size_t i = 0; i < n; i++) /* (count_sort checks the other orders as it goes) */
            if (parent[i] >= (int64_t)i) return -1;
    if (reserve(t, n)) return -1;
    uint32_t *off = t->child_off;
    if (bfs) {
        /* positions are member indices: the recruits of j follow the roots and the recruits of 0..j-1 */
        if (want(t, &t->perm, 0) || want(t, &t->child, 0)) return -1;
        free(t->scratch);
        t->scratch = NULL;
        no_blocks(t);
        size_t i = nroots;
        for (size_t j = 0; j <= n; j++) {
            while (i < n && (size_t)parent[i] < j) i++;
            off[j] = (uint32_t)i;
        }
        return find_levels(t, nroots);
    }
    /* Recruits of each member by a counting sort on the sponsor (in index order), made in place as
     * layout 3; its rows are numbered on the way when layout 3 is sure (not when scatter decides) */
    const int sure = order == CS_TREE_MEMBER || (order == CS_TREE_AUTO && n < CS_TREE_RENUMBER_MIN);
    if (!sure) {
        free(t->row);
        t->row = NULL;
    }
    if (want(t, &t->child, 1) || want(t, &t->row, sure) || count_sort(t, n, parent)) return -1;
    uint32_t *cnt = off;
    int32_t *kids = t->child;
    const int renumber = order == CS_TREE_BFS || (order == CS_TREE_AUTO && n >= CS_TREE_RENUMBER_MIN &&
                                                  scatter(cnt, kids, n) > 0.5);
    free(t->level_off);
    t->level_off = NULL;
    t->nlevels = 0;
    if (!renumber) {
        t->ring = n ? n : 1;
        free(t->scratch);
        t->scratch = NULL;
        if (!sure) {
            if (want(t, &t->row, 1)) return -1;
            number_rows(t);
        }
        return want(t, &t->perm, 0);
    }
    /* Layout 2: a breadth-first walk lists each position's recruits in the order of the positions. */
    uint32_t *pos_off = t->scratch ? t->scratch : cs_big_malloc(t->cap + 1, sizeof *pos_off);
    t->scratch = NULL;
    if (!pos_off || want(t, &t->perm, 1)) {
        free(pos_off);
        return -1;
    }
    int32_t *perm = t->perm;
    size_t tail = 0;
    for (size_t i = 0; i < n; i++)
        if (parent[i] < 0) perm[tail++] = (int32_t)i;
    nroots = tail;
    for (size_t j = 0; j < n; j++) {
        const size_t m = (size_t)perm[j];
        pos_off[j] = (uint32_t)tail;
        for (uint32_t k = cnt[m]; k < cnt[m + 1]; k++) perm[tail++] = kids[k];
    }
    pos_off[n] = (uint32_t)n;
    t->scratch = t->child_off; /* the counts: the next rebuild's positions array */
    t->child_off = pos_off;
    want(t, &t->child, 0);
    no_blocks(t);
    return find_levels(t, nroots);
}

int cs_tree_build(cs_tree *t, size_t n, const int32_t *parent, cs_tree_order order)
{
    if (build(t, n, parent, order)) {
        cs_tree_free(t);
        return -1;
    }
    return 0;
}

int cs_tree_update(cs_tree *t, size_t n, const int32_t *parent) { return cs_tree_build(t, n, parent, CS_TREE_AUTO); }

int cs_tree_init(cs_tree *t, size_t n, const int32_t *parent)
{
    memset(t, 0, sizeof *t);
    if (cs_tree_update(t, n, parent)) return -1;
    free(t->scratch); /* one build: nothing to keep it for */
    t->scratch = NULL;
    return 0;
}

void cs_tree_free(cs_tree *t)
{
    free(t->block_off);
    free(t->row);
    free(t->child_off);
    free(t->perm);
    free(t->child);
    free(t->level_off);
    free(t->scratch);
    memset(t, 0, sizeof *t);
}

static int split_range(cs_range_fn fn, void *ctx, size_t lo, size_t hi)
{
    int err = 0;
#pragma omp parallel reduction(| : err)
    {
        size_t nt = (size_t)omp_get_num_threads(), id = (size_t)omp_get_thread_num();
        err |= fn(ctx, lo + (hi - lo) * id / nt, lo + (hi - lo) * (id + 1) / nt);
    }
    return err;
}

int cs_tree_bottom_up(const cs_tree *t, cs_range_fn fn, void *ctx)
{
    if (!t->nlevels || omp_get_max_threads() == 1) return fn(ctx, 0, t->n);
    int err = 0;
    /* runs of narrow depths go together, deepest first, in one serial call */
    size_t run_hi = t->n;
    for (size_t d = t->nlevels; d-- > 0;) {
        size_t lo = t->level_off[d], hi = t->level_off[d + 1];
        if (hi - lo < CS_TREE_PAR_MIN) continue;
        if (run_hi > hi) err |= fn(ctx, hi, run_hi);
        err |= split_range(fn, ctx, lo, hi);
        run_hi = lo;
    }
    if (run_hi > 0) err |= fn(ctx, 0, run_hi);
    return err;
}
