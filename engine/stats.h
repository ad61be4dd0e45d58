/* stats: the statistics of the report, on plain arrays of doubles (docs/metrics.md defines each).
 *
 * Quantiles are GSL's (gsl_stats_quantile_from_sorted_data: linear interpolation at (n-1)p, R's
 * type 7).  Inequality measures (Gini, Lorenz curve, top shares) take non-negative amounts sorted
 * in increasing order and treat the population as continuous: the Lorenz curve joins the points
 * (k/n, share held by the k poorest) by straight lines, so "the top 1%" of 50 members is half of
 * the richest member.  Functions that cannot answer (no data, a total of 0) return NAN; callers
 * write NAN as "not available", never as 0. */
#ifndef COMPSIM_STATS_H
#define COMPSIM_STATS_H

#include <stddef.h>

/* The level of every interval of the report: 90%, from the 5th to the 95th percentile. */
#define CS_STATS_LO 0.05
#define CS_STATS_HI 0.95

/* A metric across replicas: mean and 90% percentile interval of the n replicas where it is
 * defined (NAN values are left out); all NAN when n is 0. */
typedef struct {
    double mean, lo, hi;
    size_t n;
} cs_interval;

/* Sorts x[0..n) in increasing order (gsl_sort). */
void cs_stats_sort(double *x, size_t n);

/* The p-quantile, 0 <= p <= 1, of sorted x[0..n); NAN if n is 0. */
double cs_stats_quantile_sorted(const double *x, size_t n, double p);

/* Mean and 90% interval of x[0..n), leaving out NANs.  Reorders x. */
cs_interval cs_stats_interval(double *x, size_t n);

/* Gini coefficient of sorted non-negative x[0..n):
 *     G = sum_i (2i - n - 1) x_(i) / (n sum_i x_(i)),  i = 1..n
 * (0: all equal; (n-1)/n: one member holds everything).  NAN if n is 0 or the total is 0. */
double cs_stats_gini_sorted(const double *x, size_t n);

/* The Lorenz curve of sorted non-negative x[0..n) at population share p in [0, 1]: the share of
 * the total held by the poorest p, interpolated linearly between (k/n, S_k/S_n).  NAN if n is 0
 * or the total is 0. */
double cs_stats_lorenz_sorted(const double *x, size_t n, double p);

/* The share of the total held by the richest fraction f: 1 - L(1 - f). */
double cs_stats_top_share_sorted(const double *x, size_t n, double f);

/* The mean of x[0..n), NAN if n is 0 (gsl_stats_mean). */
double cs_stats_mean(const double *x, size_t n);

#endif
