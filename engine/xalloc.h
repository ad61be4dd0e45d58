/* xalloc: the genealogy loader's allocation helpers: its large arrays go through bigmem.h, and
 * cs_grow doubles the small growing lists. */
#ifndef COMPSIM_XALLOC_H
#define COMPSIM_XALLOC_H

#include <stddef.h>
#include <stdlib.h>

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

#endif
