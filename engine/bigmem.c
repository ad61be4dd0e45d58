#define _DEFAULT_SOURCE /* MADV_HUGEPAGE, where there is one */
#include "bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#define HUGE_PAGE ((uintptr_t)2 << 20)

static void *advise_huge(void *p, size_t size)
{
#ifdef MADV_HUGEPAGE
    /* only whole huge pages inside the block; malloc's header page stays as it is */
    uintptr_t a = ((uintptr_t)p + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1), e = ((uintptr_t)p + size) & ~(HUGE_PAGE - 1);
    if (p && e > a) madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)size;
#endif
    return p;
}

void *cs_big_malloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    size_t bytes = n * size;
    return advise_huge(malloc(bytes ? bytes : 1), bytes);
}

void *cs_big_calloc(size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    return advise_huge(calloc(n ? n : 1, size ? size : 1), n * size);
}
