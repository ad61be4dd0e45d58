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

void *cs_big_calloc(size_t n, size_t size)
{
    char *p = cs_big_malloc(n, size);
    if (!p) return NULL;
    size_t bytes = n * size;
    if (bytes < ((size_t)8 << 20)) {
        memset(p, 0, bytes);
        return p;
    }
    /* the first touch of each page (the kernel clears it) is most of the cost: both cpus share it */
    long parts = (long)(bytes >> 20);
#pragma omp parallel for schedule(static)
    for (long k = 0; k < parts; k++) {
        size_t lo = (size_t)k << 20, hi = k == parts - 1 ? bytes : lo + ((size_t)1 << 20);
        memset(p + lo, 0, hi - lo);
    }
    return p;
}
