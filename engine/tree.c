#include "tree.h"

#include "bigmem.h"

#include <stdlib.h>
#include <string.h>

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
    return 0;
fail:
    cs_tree_free(t);
    return -1;
}

void cs_tree_free(cs_tree *t)
{
    free(t->child_off);
    free(t->child);
    memset(t, 0, sizeof *t);
}
