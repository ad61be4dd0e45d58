/* xalloc: allocation of the genealogy loader's large arrays, on huge pages.
 *
 * Like bigmem.h (first touch of a fresh 4 KiB page is slow on this kind of machine, a huge page
 * much less so), but a block of 2 MiB or more is also aligned to 2 MiB, so that all of it can be
 * huge pages rather than only the whole huge pages that happen to fall inside it: that is most
 * of a block of a few MB.  Free the result with free() (cs_xfree is free). */
#ifndef COMPSIM_XALLOC_H
#define COMPSIM_XALLOC_H

#include <stddef.h>
#include <stdlib.h>

/* `bytes` (at least 1), or NULL when out of memory. */
void *cs_xmalloc(size_t bytes);
/* n * size bytes, zeroed (by both threads when it is large), or NULL on overflow or out of memory. */
void *cs_xcalloc(size_t n, size_t size);
/* n * size bytes, or NULL on overflow or out of memory. */
void *cs_xmalloc_n(size_t n, size_t size);
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
