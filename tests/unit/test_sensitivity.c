/* Sensitivity indices (engine/sensitivity.h) against the Ishigami function, whose indices are
 * known in closed form (Ishigami & Homma 1990; Saltelli et al. 2008, "Global sensitivity
 * analysis", 4.9):  f = sin x1 + a sin^2 x2 + b x3^4 sin x1, x uniform on [-pi, pi]^3,
 *     V1 = (1 + b pi^4 / 5)^2 / 2,  V2 = a^2 / 8,  V3 = 0,  V13 = 8 b^2 pi^8 / 225,
 *     V = a^2 / 8 + b pi^4 / 5 + b^2 pi^8 / 18 + 1/2,
 *     S_i = V_i / V,  ST1 = (V1 + V13) / V,  ST2 = V2 / V,  ST3 = V13 / V.
 * For a = 7, b = 0.1: S = 0.3139, 0.4424, 0;  ST = 0.5576, 0.4424, 0.2437.
 *
 * Tolerances follow the estimators' theory: each index is a mean of n terms divided by V, so its
 * error is about sd(terms)/(sqrt(n) V) plus S times the relative error of V; the tests allow 4 of
 * those standard errors, computed from the sample (so they shrink as 1/sqrt(n)).  With random A
 * and B that is a 4-sigma bound; with Sobol points (the sweep's design) the errors are smaller
 * still, so the same bound is conservative there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_math.h>
#include <gsl/gsl_rng.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdlib.h>

#include "sensitivity.h"
#include "sweep.h"

static double ishigami(const double *x)
{
    double a = 7, b = 0.1;
    return sin(x[0]) + a * sin(x[1]) * sin(x[1]) + b * pow(x[2], 4) * sin(x[0]);
}

static void analytic(double s1[3], double st[3])
{
    double a = 7, b = 0.1, p4 = pow(M_PI, 4), p8 = pow(M_PI, 8);
    double v = a * a / 8 + b * p4 / 5 + b * b * p8 / 18 + 0.5;
    double v1 = (1 + b * p4 / 5) * (1 + b * p4 / 5) / 2, v2 = a * a / 8, v13 = 8 * b * b * p8 / 225;
    s1[0] = v1 / v, s1[1] = v2 / v, s1[2] = 0;
    st[0] = (v1 + v13) / v, st[1] = v2 / v, st[2] = v13 / v;
}

/* Evaluates Ishigami on unit points u (layout of cs_sweep_saltelli_unit) and checks the indices;
 * returns the largest tolerance used. */
static double check(const double *u, size_t n)
{
    size_t k = 3, w = k + 2;
    double *f = malloc(n * w * sizeof *f), *sq = malloc(2 * n * sizeof *sq);
    assert_non_null(f);
    assert_non_null(sq);
    for (size_t i = 0; i < n * w; i++) {
        double x[3];
        for (size_t c = 0; c < 3; c++) x[c] = -M_PI + 2 * M_PI * u[i * k + c];
        f[i] = ishigami(x);
    }
    cs_sobol_index ix[3];
    double v;
    assert_int_equal(cs_sensitivity_saltelli(f, n, k, ix, &v), n);
    /* the relative standard error of V: sd((f - mean)^2) / (sqrt(2n) V) */
    double mean = 0;
    for (size_t j = 0; j < n; j++) mean += f[j * w] + f[j * w + 1];
    mean /= 2.0 * (double)n;
    for (size_t j = 0; j < n; j++) sq[2 * j] = pow(f[j * w] - mean, 2), sq[2 * j + 1] = pow(f[j * w + 1] - mean, 2);
    double rel_v = gsl_stats_sd(sq, 1, 2 * n) / sqrt(2.0 * (double)n) / v;
    double s1[3], st[3], worst = 0;
    analytic(s1, st);
    for (size_t i = 0; i < 3; i++) {
        double t1 = 4 * (ix[i].s1_se + fabs(s1[i]) * rel_v), tt = 4 * (ix[i].st_se + st[i] * rel_v);
        print_message("n=%zu x%zu: S1 %.4f (exact %.4f, tol %.4f)  ST %.4f (exact %.4f, tol %.4f)\n", n, i + 1, ix[i].s1, s1[i],
                      t1, ix[i].st, st[i], tt);
        assert_true(fabs(ix[i].s1 - s1[i]) <= t1);
        assert_true(fabs(ix[i].st - st[i]) <= tt);
        worst = fmax(worst, fmax(t1, tt));
    }
    free(f), free(sq);
    return worst;
}

static void test_analytic_values(void **state)
{
    (void)state;
    double s1[3], st[3];
    analytic(s1, st); /* the published figures, to four decimals */
    assert_true(fabs(s1[0] - 0.3139) < 1e-4 && fabs(s1[1] - 0.4424) < 1e-4 && s1[2] == 0);
    assert_true(fabs(st[0] - 0.5576) < 1e-4 && fabs(st[1] - 0.4424) < 1e-4 && fabs(st[2] - 0.2437) < 1e-4);
}

/* Random A and B: the estimators' central limit theorem applies as stated. */
static void test_ishigami_random(void **state)
{
    (void)state;
    size_t sizes[] = {1024, 65536};
    double tol[2];
    for (size_t s = 0; s < 2; s++) {
        size_t n = sizes[s], k = 3;
        double *u = malloc(n * (k + 2) * k * sizeof *u);
        gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
        gsl_rng_set(r, 12345);
        for (size_t j = 0; j < n; j++) {
            double a[3], b[3];
            for (size_t c = 0; c < 3; c++) a[c] = gsl_rng_uniform(r);
            for (size_t c = 0; c < 3; c++) b[c] = gsl_rng_uniform(r);
            for (size_t row = 0; row < k + 2; row++)
                for (size_t c = 0; c < k; c++)
                    u[(j * (k + 2) + row) * k + c] = row == 0 ? a[c] : row == 1 ? b[c] : (row - 2 == c ? b[c] : a[c]);
        }
        tol[s] = check(u, n);
        gsl_rng_free(r);
        free(u);
    }
    /* 64 times the points: the bound shrinks about 8-fold, and at n = 65536 it is tight enough to
     * tell S3 = 0 from ST3 = 0.24 */
    assert_true(tol[1] < tol[0] / 5 && tol[1] < 0.05);
}

/* The sweep's own design: Sobol points in the saltelli layout. */
static void test_ishigami_sobol(void **state)
{
    (void)state;
    size_t sizes[] = {512, 32768};
    double tol[2];
    for (size_t s = 0; s < 2; s++) {
        size_t n = sizes[s], k = 3;
        double *u = malloc(n * (k + 2) * k * sizeof *u);
        assert_int_equal(cs_sweep_saltelli_unit(n, k, u), 0);
        tol[s] = check(u, n);
        free(u);
    }
    assert_true(tol[1] < tol[0] / 5 && tol[1] < 0.06);
}

/* Two blocks, one input, by hand: A = (1, 2), B = (3, 0), AB = B (one input, taken from B).
 * V = var{1, 3, 2, 0} = 5/3;  S = ((3 (3 - 1) + 0 (0 - 2)) / 2) / V = 3 / (5/3) = 1.8;
 * ST = ((1 - 3)^2 / 2 + (2 - 0)^2 / 2) / 2 / V = 2 / (5/3) = 1.2. */
static void test_by_hand(void **state)
{
    (void)state;
    double f[] = {1, 3, 3, 2, 0, 0}, v;
    cs_sobol_index ix;
    assert_int_equal(cs_sensitivity_saltelli(f, 2, 1, &ix, &v), 2);
    assert_true(fabs(v - 5.0 / 3) < 1e-12);
    assert_true(fabs(ix.s1 - 1.8) < 1e-12);
    assert_true(fabs(ix.st - 1.2) < 1e-12);
    /* a block with an undefined output is left out: then one block, too few */
    f[4] = NAN;
    assert_int_equal(cs_sensitivity_saltelli(f, 2, 1, &ix, &v), 1);
    assert_true(isnan(ix.s1) && isnan(ix.st));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_analytic_values),
        cmocka_unit_test(test_by_hand),
        cmocka_unit_test(test_ishigami_random),
        cmocka_unit_test(test_ishigami_sobol),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
