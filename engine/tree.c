#include "tree.h"

#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"

/* Finds the depth ranges if the order is breadth-first (depth never decreases along the array). */
static int find_levels(cs_tree *t)
{
    const size_t n = t->n;
    uint32_t *depth = cs_big_malloc(n, sizeof *depth);
    if (!depth) return -1;
    size_t nlevels = n ? 1 : 0;
    for (size_t i = 0; i < n; i++) {
        depth[i] = t->parent[i] < 0 ? 0 : depth[t->parent[i]] + 1;
        if (i && depth[i] < depth[i - 1]) {
            free(depth);
            return 0; /* not breadth-first: the passes run in one range */
        }
        if (depth[i] + 1 > nlevels) nlevels = depth[i] + 1;
    }
    t->level_off = calloc(nlevels + 1, sizeof *t->level_off);
    if (!t->level_off) {
        free(depth);
        return -1;
    }
    for (size_t i = 0; i < n; i++) t->level_off[depth[i] + 1] = (uint32_t)(i + 1);
    t->nlevels = nlevels;
    free(depth);
    return 0;
}

int cs_tree_init(cs_tree *t, size_t n, const int32_t *parent)
{
    memset(t, 0, sizeof *t);
    if (n >= UINT32_MAX) return -1;
    t->n = n;
    t->parent = parent;
    t->child_off = cs_big_calloc(n + 1, sizeof *t->child_off);
    t->child = cs_big_malloc(n, sizeof *t->child);
    if (!t->child_off || !t->child) goto fail;
    /* counting sort of members by sponsor: keeps recruits in index order */
    for (size_t i = 0; i < n; i++) {
        int32_t p = parent[i];
        if (p >= (int64_t)i) goto fail;
        if (p >= 0) t->child_off[p + 1]++;
    }
    for (size_t i = 0; i < n; i++) t->child_off[i + 1] += t->child_off[i];
    uint32_t *fill = cs_big_malloc(n, sizeof *fill);
    if (!fill) goto fail;
    memcpy(fill, t->child_off, n * sizeof *fill);
    for (size_t i = 0; i < n; i++)
        if (parent[i] >= 0) t->child[fill[parent[i]]++] = (int32_t)i;
    free(fill);
    if (find_levels(t)) goto fail;
    return 0;
fail:
    cs_tree_free(t);
    return -1;
}

void cs_tree_free(cs_tree *t)
{
    free(t->child_off);
    free(t->child);
    free(t->level_off);
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
