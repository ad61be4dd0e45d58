/* stats: quantiles, intervals across replicas, Gini, Lorenz curve and top shares on small data
 * sets worked out by hand (docs/metrics.md, "Statistics"), and the Gini coefficient against a
 * second, slower method (the mean absolute difference). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>

#include "stats.h"

#define EPS 1e-12

/* cmocka's assert_float_equal works in float; these figures need double */
#define assert_near(a, b, eps) \
    do { \
        double a_ = (a), b_ = (b); \
        if (!(fabs(a_ - b_) <= (eps))) fail_msg("%s = %.15g, expected %.15g", #a, a_, b_); \
    } while (0)

static void test_quantiles(void **state)
{
    (void)state;
    const double x[] = {1, 2, 3, 4};
    /* R's type 7: h = (n-1)p, x[floor h] + (h - floor h)(x[floor h + 1] - x[floor h]) */
    assert_near(cs_stats_quantile_sorted(x, 4, 0.5), 2.5, EPS);   /* h = 1.5 */
    assert_near(cs_stats_quantile_sorted(x, 4, 0.05), 1.15, EPS); /* h = 0.15 */
    assert_near(cs_stats_quantile_sorted(x, 4, 0.95), 3.85, EPS); /* h = 2.85 */
    assert_near(cs_stats_quantile_sorted(x, 4, 0.0), 1.0, EPS);
    assert_near(cs_stats_quantile_sorted(x, 4, 1.0), 4.0, EPS);
    assert_true(isnan(cs_stats_quantile_sorted(x, 0, 0.5)));
    const double one[] = {7};
    assert_near(cs_stats_quantile_sorted(one, 1, 0.95), 7.0, EPS);
}

static void test_interval(void **state)
{
    (void)state;
    /* NANs are left out: {2, 4, 6, 8, 10}, mean 6, h = 4 x 0.05 = 0.2 -> 2.4, h = 3.8 -> 9.6 */
    double x[] = {10, 2, NAN, 8, 4, 6};
    cs_interval iv = cs_stats_interval(x, 6);
    assert_int_equal(iv.n, 5);
    assert_near(iv.mean, 6.0, EPS);
    assert_near(iv.lo, 2.4, EPS);
    assert_near(iv.hi, 9.6, EPS);
    /* two replicas 0.2 and 0.4: mean 0.3, 0.2 + 0.05 x 0.2 = 0.21, 0.2 + 0.95 x 0.2 = 0.39 */
    double y[] = {0.4, 0.2};
    iv = cs_stats_interval(y, 2);
    assert_near(iv.mean, 0.3, EPS);
    assert_near(iv.lo, 0.21, EPS);
    assert_near(iv.hi, 0.39, EPS);
    double z[] = {NAN, NAN};
    iv = cs_stats_interval(z, 2);
    assert_int_equal(iv.n, 0);
    assert_true(isnan(iv.mean) && isnan(iv.lo) && isnan(iv.hi));
}

static void test_gini_by_hand(void **state)
{
    (void)state;
    /* sum (2i - n - 1) x_i / (n sum x) */
    const double a[] = {0, 0, 0, 10}; /* 3 x 10 / (4 x 10) */
    assert_near(cs_stats_gini_sorted(a, 4), 0.75, EPS);
    const double b[] = {1, 2, 3, 4}; /* (-3 - 2 + 3 + 12) / 40; also (n - 1) / 3n for 1..n */
    assert_near(cs_stats_gini_sorted(b, 4), 0.25, EPS);
    const double c[] = {5, 5, 5};
    assert_near(cs_stats_gini_sorted(c, 3), 0.0, EPS);
    const double zero[] = {0, 0};
    assert_true(isnan(cs_stats_gini_sorted(zero, 2)));
    assert_true(isnan(cs_stats_gini_sorted(zero, 0)));
}

/* The Gini coefficient as the mean absolute difference over twice the mean, summed over every
 * pair: a different formula from the one in stats.c. */
static double gini_pairs(const double *x, size_t n)
{
    double s = 0, t = 0;
    for (size_t i = 0; i < n; i++) {
        t += x[i];
        for (size_t j = 0; j < n; j++) s += fabs(x[i] - x[j]);
    }
    return s / (2.0 * (double)n * t);
}

static void test_gini_second_method(void **state)
{
    (void)state;
    double x[300];
    uint64_t r = 12345;
    for (int trial = 0; trial < 20; trial++) {
        size_t n = 1 + (size_t)trial * 15;
        for (size_t i = 0; i < n; i++) {
            r = r * 6364136223846793005u + 1442695040888963407u; /* a fixed LCG: skewed amounts, many zeros */
            double u = (double)(r >> 11) / 9007199254740992.0;
            x[i] = u < 0.6 ? 0 : floor(100 * pow(u, -3.0)) / 100;
        }
        x[0] += 1; /* never all zero */
        double want = gini_pairs(x, n);
        cs_stats_sort(x, n);
        assert_near(cs_stats_gini_sorted(x, n), want, 1e-9);
    }
}

static void test_lorenz_and_top_shares(void **state)
{
    (void)state;
    const double b[] = {1, 2, 3, 4}; /* points (k/4, S_k/10): 0, .1, .3, .6, 1 */
    assert_near(cs_stats_lorenz_sorted(b, 4, 0.0), 0.0, EPS);
    assert_near(cs_stats_lorenz_sorted(b, 4, 0.25), 0.1, EPS);
    assert_near(cs_stats_lorenz_sorted(b, 4, 0.5), 0.3, EPS);
    assert_near(cs_stats_lorenz_sorted(b, 4, 0.375), 0.2, EPS); /* halfway between .1 and .3 */
    assert_near(cs_stats_lorenz_sorted(b, 4, 1.0), 1.0, EPS);
    /* the top 25% is the richest member: 4/10; the top 10% is 0.4 of that member: 1.6/10 */
    assert_near(cs_stats_top_share_sorted(b, 4, 0.25), 0.4, EPS);
    assert_near(cs_stats_top_share_sorted(b, 4, 0.10), 0.16, EPS);
    /* 50 members, one holds everything: the top 1% is half a member, so half of the total */
    double c[50] = {0};
    c[49] = 100;
    assert_near(cs_stats_top_share_sorted(c, 50, 0.01), 0.5, EPS);
    assert_near(cs_stats_top_share_sorted(c, 50, 0.10), 1.0, EPS);
    assert_true(isnan(cs_stats_lorenz_sorted(c, 0, 0.5)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_quantiles),          cmocka_unit_test(test_interval),
        cmocka_unit_test(test_gini_by_hand),       cmocka_unit_test(test_gini_second_method),
        cmocka_unit_test(test_lorenz_and_top_shares),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
