/* xalloc: the genealogy loader's allocation helpers: its large arrays go through bigmem.h, and
 * cs_grow doubles the small growing lists, cs_xgrow the large ones. */
#ifndef COMPSIM_XALLOC_H
#define COMPSIM_XALLOC_H

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"

static inline void *cs_xmalloc(size_t bytes) { return cs_big_malloc(bytes, 1); }
static inline void *cs_xmalloc_n(size_t n, size_t size) { return cs_big_malloc(n, size); }
static inline void *cs_xcalloc(size_t n, size_t size) { return cs_big_calloc(n, size); }
static inline void cs_xfree(void *p) { free(p); }

/* Grows *p (an array of *cap elements of `size` bytes) by doubling until it holds `need`;
 * returns 0, or -1 with *p unchanged when out of memory. */
static inline int cs_grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * size);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* cs_grow for a list that may grow large (one entry per row): each doubling is a new block of
 * huge pages and a copy, since realloc's pages are small ones, each a page fault of its own. */
static inline int cs_xgrow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 4096;
    while (c < need) c *= 2;
    void *q = cs_xmalloc_n(c, size);
    if (!q) return -1;
    if (*p) memcpy(q, *p, *cap * size);
    cs_xfree(*p);
    *p = q;
    *cap = c;
    return 0;
}

#endif
