/* bigmem: large blocks come back zeroed by cs_big_calloc (the large ones without a pass that writes
 * zeros: calloc maps them afresh) and by cs_big_zalloc, of the size asked for, and blocks of a huge
 * page or more from cs_big_malloc are aligned to one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"

static int all_zero(const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i]) return 0;
    return 1;
}

/* A block of `size` bytes from alloc is zero even where a block of the same size, full of
 * non-zero bytes, was freed just before, and all of it is ours. */
static void zeroed_after_dirty(void *(*alloc)(size_t, size_t), size_t size)
{
    unsigned char *dirty = malloc(size);
    assert_non_null(dirty);
    memset(dirty, 0xAB, size);
    free(dirty);
    unsigned char *p = alloc(size, 1);
    assert_non_null(p);
    assert_true(all_zero(p, size));
    memset(p, 0x5A, size);
    assert_int_equal(p[size - 1], 0x5A);
    free(p);
}

static void test_calloc_zero(void **state)
{
    (void)state;
    /* below and above the 8 MB where the large path starts, and sizes that are not whole pages */
    const size_t sizes[] = {1, 4096, ((size_t)8 << 20) - 1, (size_t)8 << 20, ((size_t)20 << 20) + 3};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) zeroed_after_dirty(cs_big_calloc, sizes[k]);
    unsigned char *q = cs_big_calloc(3 << 20, 4); /* n and size both counted */
    assert_non_null(q);
    assert_true(all_zero(q, (size_t)12 << 20));
    free(q);
}

static void test_zalloc_zero(void **state)
{
    (void)state;
    /* cs_big_zalloc: zero too, small or large (huge pages from 2 MB) */
    const size_t sizes[] = {1, 4096, ((size_t)2 << 20) - 1, ((size_t)20 << 20) + 3};
    for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) zeroed_after_dirty(cs_big_zalloc, sizes[k]);
    unsigned char *q = cs_big_zalloc(0, 4); /* an empty block is still a block */
    assert_non_null(q);
    free(q);
}

static void test_overflow(void **state)
{
    (void)state;
    assert_null(cs_big_calloc(SIZE_MAX / 2, 4));
    assert_null(cs_big_malloc(SIZE_MAX / 2, 4));
    assert_null(cs_big_zalloc(SIZE_MAX / 2, 4));
}

static void test_alignment(void **state)
{
    (void)state;
    void *p = cs_big_malloc(3, (size_t)1 << 20);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % ((uintptr_t)2 << 20), 0);
    free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_calloc_zero),
        cmocka_unit_test(test_zalloc_zero),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_alignment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
