#define _DEFAULT_SOURCE /* MADV_HUGEPAGE, where there is one */
#include "bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define HUGE_PAGE ((size_t)2 << 20)

void *cs_big_malloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    size_t bytes = n * size;
    if (bytes < HUGE_PAGE) return malloc(bytes ? bytes : 1);
    /* aligned to a huge page, so that all of the block can be huge pages */
    void *p;
    size_t round = (bytes + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
    if (round < bytes || posix_memalign(&p, HUGE_PAGE, round)) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(p, round, MADV_HUGEPAGE);
#endif
    return p;
}

void *cs_big_zalloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    size_t bytes = n * size;
    /* calloc maps a large block afresh, so it is zero already: writing zeros over it would cost as
     * much again as the kernel's clearing.  The whole huge pages inside it are marked (a few MB at
     * its ends may be small pages). */
    char *p = calloc(bytes ? n : 1, bytes ? size : 1);
    if (!p || bytes < HUGE_PAGE) return p;
    uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1),
              e = ((uintptr_t)p + bytes) & ~(uintptr_t)(HUGE_PAGE - 1);
#ifdef MADV_HUGEPAGE
    if (e > a) madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)a, (void)e;
#endif
    return p;
}

void *cs_big_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    size_t bytes = n * size;
    if (bytes < ((size_t)8 << 20)) {
        char *p = cs_big_malloc(n, size);
        if (p) memset(p, 0, bytes);
        return p;
    }
    char *p = cs_big_zalloc(n, size);
    if (p) cs_big_populate(p, bytes);
    return p;
}

void cs_big_populate_here(void *p, size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
    if (!p || !bytes) return;
    uintptr_t lo = (uintptr_t)p & ~(uintptr_t)4095, hi = ((uintptr_t)p + bytes + 4095) & ~(uintptr_t)4095;
    madvise((void *)lo, hi - lo, MADV_POPULATE_WRITE);
#else
    (void)p, (void)bytes;
#endif
}

void cs_big_populate(void *p, size_t bytes)
{
    /* the first touch of each page (the kernel clears it) is most of the cost: both cpus take it
     * now, a slice each, rather than whichever pass touches the memory first */
    if (!p || !bytes) return;
    uintptr_t lo = (uintptr_t)p & ~(uintptr_t)4095, hi = ((uintptr_t)p + bytes + 4095) & ~(uintptr_t)4095;
    long parts = (long)((hi - lo + HUGE_PAGE - 1) / HUGE_PAGE);
#pragma omp parallel for schedule(static) if (parts > 1)
    for (long k = 0; k < parts; k++) {
        uintptr_t from = lo + (uintptr_t)k * HUGE_PAGE, to = from + HUGE_PAGE < hi ? from + HUGE_PAGE : hi;
        cs_big_populate_here((void *)from, to - from);
    }
}
