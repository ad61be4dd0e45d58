/* numid: the shape of a numbered id and the numbers of the strings that have it.  No two strings
 * of one shape may share a number (the loader's lookups by number rely on it), so besides the
 * numbers worked out by hand, every near miss must be refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "numid.h"

static cs_numid shape_of(const char *id)
{
    cs_numid s;
    assert_int_equal(cs_numid_shape(&s, id, (uint32_t)strlen(id)), 0);
    return s;
}

static int number(const cs_numid *s, const char *str, uint64_t *v) { return cs_numid_number(s, str, (uint32_t)strlen(str), v); }

static void test_shapes(void **state)
{
    (void)state;
    cs_numid s;
    const char *none[] = {"abc", "", "M12a", "1-2", "ABCDEFGHI1" /* 9 letters */, "1234567890123456789" /* 19 digits */};
    for (size_t k = 0; k < sizeof none / sizeof *none; k++)
        assert_int_equal(cs_numid_shape(&s, none[k], (uint32_t)strlen(none[k])), -1);
    s = shape_of("M00012345");
    assert_int_equal(s.plen, 1), assert_int_equal(s.len, 9), assert_true(s.fixed);
    s = shape_of("12345");
    assert_int_equal(s.plen, 0), assert_false(s.fixed);
    s = shape_of("M0"); /* a lone zero is written one way only */
    assert_false(s.fixed);
    s = shape_of("ABCDEFGH1"); /* 8 letters: the longest prefix */
    assert_int_equal(s.plen, 8);
    s = shape_of("123456789012345678"); /* 18 digits */
    assert_int_equal(s.plen, 0);
}

static void test_fixed(void **state)
{
    (void)state;
    cs_numid s = shape_of("M00012345");
    uint64_t v = 0;
    assert_int_equal(number(&s, "M00012345", &v), 0), assert_int_equal(v, 12345);
    assert_int_equal(number(&s, "M99999999", &v), 0), assert_int_equal(v, 99999999);
    assert_int_equal(number(&s, "M00000000", &v), 0), assert_int_equal(v, 0);
    const char *refused[] = {"M0012345", "M000012345", "N00012345", "M0001234a", "M000 2345", "00012345M", "M12345"};
    for (size_t k = 0; k < sizeof refused / sizeof *refused; k++) assert_int_equal(number(&s, refused[k], &v), -1);
}

static void test_canonical(void **state)
{
    (void)state;
    cs_numid s = shape_of("M12345");
    uint64_t v = 0;
    assert_int_equal(number(&s, "M7", &v), 0), assert_int_equal(v, 7);
    assert_int_equal(number(&s, "M0", &v), 0), assert_int_equal(v, 0);
    assert_int_equal(number(&s, "M100200300", &v), 0), assert_int_equal(v, 100200300);
    assert_int_equal(number(&s, "M999999999999999999", &v), 0), assert_int_equal(v, UINT64_C(999999999999999999));
    /* a leading zero would write a number a second way; no digits; 19 digits; another prefix */
    const char *refused[] = {"M07", "M00", "M", "M1000000000000000000", "N12", "MM12", "12", "M1x"};
    for (size_t k = 0; k < sizeof refused / sizeof *refused; k++) assert_int_equal(number(&s, refused[k], &v), -1);
    cs_numid bare = shape_of("42");
    assert_int_equal(number(&bare, "3", &v), 0), assert_int_equal(v, 3);
    assert_int_equal(number(&bare, "042", &v), -1);
    assert_int_equal(number(&bare, "M42", &v), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_fixed),
        cmocka_unit_test(test_canonical),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
