#include "tree.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"

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
    t->child_off = cs_big_malloc(cap + 1, sizeof *t->child_off);
    return t->child_off ? 0 : -1;
}

int cs_tree_reserve(cs_tree *t, size_t cap)
{
    if (cap <= t->cap && t->child_off) return 0;
    free(t->child_off), free(t->perm), free(t->child), free(t->scratch), free(t->row);
    t->child_off = NULL, t->perm = t->child = t->row = NULL, t->scratch = NULL;
    t->cap = cap;
    t->n = 0;
    if (!(t->child_off = cs_big_malloc(cap + 1, sizeof *t->child_off))) {
        cs_tree_free(t);
        return -1;
    }
    return 0;
}

/* *a (perm or child) with t->cap entries, or freed when not wanted. */
static int want(int32_t **a, int yes, size_t cap)
{
    if (!yes) {
        free(*a);
        *a = NULL;
        return 0;
    }
    return *a || (*a = cs_big_malloc(cap ? cap : 1, sizeof **a)) ? 0 : -1;
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

static void no_blocks(cs_tree *t)
{
    free(t->block_off), free(t->row);
    t->block_off = NULL, t->row = NULL;
    t->nblocks = t->nrows = 0;
}

/* Does member i start a new block, the current one starting at `start` with `top` the highest
 * sponsor in it so far (-1: none)?  Yes when its sponsor is in the block, or lower than one
 * before it (tree.h). */
static int new_block(const int32_t *parent, size_t i, size_t start, int32_t top)
{
    return i == 0 || (parent[i] >= 0 && ((size_t)parent[i] >= start || parent[i] < top));
}

/* Layout 3's blocks and table rows (tree.h), in one pass each. */
static int blocks(cs_tree *t)
{
    const size_t n = t->n;
    const int32_t *parent = t->parent;
    if (!t->row && !(t->row = cs_big_malloc(t->cap ? t->cap : 1, sizeof *t->row))) return -1;
    for (int pass = 0; pass < 2; pass++) { /* count, then fill */
        size_t nb = 0, start = 0;
        int32_t top = -1;
        for (size_t i = 0; i < n; i++) {
            if (new_block(parent, i, start, top)) {
                if (pass) t->block_off[nb] = (uint32_t)i;
                nb++, start = i, top = -1;
            }
            if (parent[i] > top) top = parent[i];
        }
        if (!pass) {
            free(t->block_off);
            if (!(t->block_off = malloc((nb + 1) * sizeof *t->block_off))) return -1;
        } else {
            t->block_off[nb] = (uint32_t)n;
            t->nblocks = nb;
        }
    }
    size_t r = 0;
    for (size_t i = 0; i < n; i++) t->row[i] = t->child_off[i] < t->child_off[i + 1] ? (int32_t)r++ : -1;
    t->nrows = r;
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
    for (size_t i = 0; i < n; i++)
        if (parent[i] >= (int64_t)i) return -1;
    size_t nroots;
    const int bfs = in_bfs_order(parent, n, &nroots);
    if (reserve(t, n)) return -1;
    uint32_t *off = t->child_off;
    if (bfs) {
        /* positions are member indices: the recruits of j follow the roots and the recruits of 0..j-1 */
        if (want(&t->perm, 0, 0) || want(&t->child, 0, 0)) return -1;
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
     * layout 3 */
    if (want(&t->child, 1, t->cap)) return -1;
    uint32_t *cnt = off;
    int32_t *kids = t->child;
    memset(cnt, 0, (n + 1) * sizeof *cnt);
    for (size_t i = 0; i < n; i++)
        if (parent[i] >= 0) cnt[parent[i]]++;
    for (size_t m = 0, s = 0; m <= n; m++) s += cnt[m], cnt[m] = (uint32_t)s; /* end of m's recruits */
    for (size_t i = n; i-- > 0;) /* from the end, so that recruits stay in index order */
        if (parent[i] >= 0) kids[--cnt[parent[i]]] = (int32_t)i;
    /* now the recruits of member m are kids[cnt[m] .. cnt[m+1]) */
    const int renumber = order == CS_TREE_BFS || (order == CS_TREE_AUTO && n >= CS_TREE_RENUMBER_MIN &&
                                                  scatter(cnt, kids, n) > 0.5);
    free(t->level_off);
    t->level_off = NULL;
    t->nlevels = 0;
    if (!renumber) {
        t->ring = n ? n : 1;
        free(t->scratch);
        t->scratch = NULL;
        return want(&t->perm, 0, 0) || blocks(t) ? -1 : 0;
    }
    /* Layout 2: a breadth-first walk lists each position's recruits in the order of the positions. */
    uint32_t *pos_off = t->scratch ? t->scratch : cs_big_malloc(t->cap + 1, sizeof *pos_off);
    t->scratch = NULL;
    if (!pos_off || want(&t->perm, 1, t->cap)) {
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
    want(&t->child, 0, 0);
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
