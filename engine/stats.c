#include "stats.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>

void cs_stats_sort(double *x, size_t n)
{
    if (n > 1) gsl_sort(x, 1, n);
}

double cs_stats_quantile_sorted(const double *x, size_t n, double p)
{
    if (n == 0) return NAN;
    return gsl_stats_quantile_from_sorted_data(x, 1, n, p);
}

double cs_stats_mean(const double *x, size_t n)
{
    return n ? gsl_stats_mean(x, 1, n) : NAN;
}

cs_interval cs_stats_interval(double *x, size_t n)
{
    size_t m = 0; /* defined values moved to the front */
    for (size_t i = 0; i < n; i++)
        if (!isnan(x[i])) x[m++] = x[i];
    cs_interval r = {NAN, NAN, NAN, m};
    if (m == 0) return r;
    cs_stats_sort(x, m);
    r.mean = cs_stats_mean(x, m);
    r.lo = cs_stats_quantile_sorted(x, m, CS_STATS_LO);
    r.hi = cs_stats_quantile_sorted(x, m, CS_STATS_HI);
    return r;
}

double cs_stats_gini_sorted(const double *x, size_t n)
{
    /* long double: the weighted sum cancels to a small number when incomes are nearly equal */
    long double num = 0, total = 0;
    for (size_t i = 0; i < n; i++) {
        num += (long double)(2.0 * (double)(i + 1) - (double)n - 1.0) * x[i];
        total += x[i];
    }
    if (n == 0 || total <= 0) return NAN;
    return (double)(num / ((long double)n * total));
}

double cs_stats_lorenz_sorted(const double *x, size_t n, double p)
{
    long double total = 0;
    for (size_t i = 0; i < n; i++) total += x[i];
    if (n == 0 || total <= 0) return NAN;
    if (p <= 0) return 0;
    if (p >= 1) return 1;
    double pos = p * (double)n; /* members below p: floor(pos) whole ones and a fraction of the next */
    size_t k = (size_t)pos;
    long double below = 0;
    for (size_t i = 0; i < k; i++) below += x[i];
    if (k < n) below += (long double)(pos - (double)k) * x[k];
    return (double)(below / total);
}

double cs_stats_top_share_sorted(const double *x, size_t n, double f)
{
    double l = cs_stats_lorenz_sorted(x, n, 1 - f);
    return isnan(l) ? NAN : 1 - l;
}
