/* Exact decimals: parsing volumes, money and rates, formatting cents, the rounding rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "money.h"

static cs_num_status hund(const char *s, int64_t *v) { return cs_parse_hundredths(s, strlen(s), v); }
static cs_num_status pct(const char *s, int32_t *v) { return cs_parse_percent(s, strlen(s), v); }

static void test_hundredths(void **state)
{
    (void)state;
    int64_t v = -1;
    assert_int_equal(hund("12", &v), CS_NUM_OK), assert_int_equal(v, 1200);
    assert_int_equal(hund("12.5", &v), CS_NUM_OK), assert_int_equal(v, 1250);
    assert_int_equal(hund("0.05", &v), CS_NUM_OK), assert_int_equal(v, 5);
    assert_int_equal(hund(" 7.10 ", &v), CS_NUM_OK), assert_int_equal(v, 710);
    assert_int_equal(hund("3.1400", &v), CS_NUM_OK), assert_int_equal(v, 314); /* extra zeros are exact */
    assert_int_equal(hund("-0", &v), CS_NUM_OK), assert_int_equal(v, 0);
    assert_int_equal(hund(".5", &v), CS_NUM_OK), assert_int_equal(v, 50);
    assert_int_equal(hund("+3", &v), CS_NUM_OK), assert_int_equal(v, 300);
    assert_int_equal(hund("10000000000000000", &v), CS_NUM_OK), assert_int_equal(v, INT64_C(1000000000000000000));
}

static void test_hundredths_rejects(void **state)
{
    (void)state;
    int64_t v;
    assert_int_equal(hund("", &v), CS_NUM_SYNTAX);
    assert_int_equal(hund(".", &v), CS_NUM_SYNTAX);
    assert_int_equal(hund("1e5", &v), CS_NUM_SYNTAX);
    assert_int_equal(hund("1,5", &v), CS_NUM_SYNTAX);
    assert_int_equal(hund("12.345", &v), CS_NUM_PRECISION);
    assert_int_equal(hund("-1", &v), CS_NUM_NEGATIVE);
    assert_int_equal(hund("NaN", &v), CS_NUM_NAN);
    assert_int_equal(hund("-inf", &v), CS_NUM_NAN);
    assert_int_equal(hund("10000000000000000.01", &v), CS_NUM_RANGE);
    assert_int_equal(hund("99999999999999999999999", &v), CS_NUM_RANGE);
}

static void test_percent(void **state)
{
    (void)state;
    int32_t v;
    assert_int_equal(pct("5%", &v), CS_NUM_OK), assert_int_equal(v, 50000);
    assert_int_equal(pct("2.5%", &v), CS_NUM_OK), assert_int_equal(v, 25000);
    assert_int_equal(pct("0.0125%", &v), CS_NUM_OK), assert_int_equal(v, 125);
    assert_int_equal(pct("100%", &v), CS_NUM_OK), assert_int_equal(v, 1000000);
    assert_int_equal(pct("0%", &v), CS_NUM_OK), assert_int_equal(v, 0);
    assert_int_equal(pct("5", &v), CS_NUM_SYNTAX);
    assert_int_equal(pct("100.01%", &v), CS_NUM_RANGE);
    assert_int_equal(pct("0.00001%", &v), CS_NUM_PRECISION);
    assert_int_equal(pct("-1%", &v), CS_NUM_NEGATIVE);
}

static void test_format(void **state)
{
    (void)state;
    char b[24];
    cs_format_cents(b, 0), assert_string_equal(b, "0.00");
    cs_format_cents(b, 5), assert_string_equal(b, "0.05");
    cs_format_cents(b, 123456), assert_string_equal(b, "1234.56");
    cs_format_cents(b, -7), assert_string_equal(b, "-0.07");
    cs_format_cents(b, INT64_MIN), assert_string_equal(b, "-92233720368547758.08");
}

static void test_round_half_up(void **state)
{
    (void)state;
    /* 5% of 10.10 is 0.505 cents... of a currency unit: 50,000 ppm x 1010 cents = 50.5 cents */
    assert_int_equal(cs_round_micro((__int128)50000 * 1010), 51);
    assert_int_equal(cs_round_micro((__int128)50000 * 1009), 50); /* 50.45 */
    assert_int_equal(cs_round_micro(499999), 0);
    assert_int_equal(cs_round_micro(500000), 1);
    assert_int_equal(cs_round_micro((__int128)CS_AMOUNT_MAX * CS_PPM_ONE + CS_PPM_ONE), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hundredths), cmocka_unit_test(test_hundredths_rejects), cmocka_unit_test(test_percent),
        cmocka_unit_test(test_format), cmocka_unit_test(test_round_half_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
