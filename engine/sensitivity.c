/* sensitivity: the Saltelli (first-order) and Jansen (total) estimators; see sensitivity.h. */
#include "sensitivity.h"

#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

size_t cs_sensitivity_saltelli(const double *f, size_t n, size_t k, cs_sobol_index *out, double *variance)
{
    size_t w = k + 2, used = 0;
    double *ab = malloc((2 * n + 1) * sizeof *ab), *t1 = malloc((n + 1) * sizeof *t1), *tt = malloc((n + 1) * sizeof *tt);
    size_t *ok = malloc((n + 1) * sizeof *ok);
    for (size_t i = 0; i < k; i++) out[i] = (cs_sobol_index){NAN, NAN, NAN, NAN};
    *variance = NAN;
    if (!ab || !t1 || !tt || !ok) {
        used = SIZE_MAX; /* not "no block": the caller must not write NAN indices as if computed */
        goto done;
    }
    /* the blocks whose outputs are all defined */
    for (size_t j = 0; j < n; j++) {
        int good = 1;
        for (size_t r = 0; r < w; r++) good &= !isnan(f[j * w + r]);
        if (good) ok[used++] = j;
    }
    if (used >= 2) {
        for (size_t u = 0; u < used; u++) ab[2 * u] = f[ok[u] * w], ab[2 * u + 1] = f[ok[u] * w + 1];
        double v = gsl_stats_variance(ab, 1, 2 * used);
        *variance = v;
        for (size_t i = 0; i < k && v > 0; i++) {
            for (size_t u = 0; u < used; u++) {
                const double *b = f + ok[u] * w;
                t1[u] = b[1] * (b[2 + i] - b[0]);
                tt[u] = 0.5 * (b[0] - b[2 + i]) * (b[0] - b[2 + i]);
            }
            double rn = sqrt((double)used);
            out[i].s1 = gsl_stats_mean(t1, 1, used) / v;
            out[i].s1_se = gsl_stats_sd(t1, 1, used) / rn / v;
            out[i].st = gsl_stats_mean(tt, 1, used) / v;
            out[i].st_se = gsl_stats_sd(tt, 1, used) / rn / v;
        }
    }
done:
    free(ab), free(t1), free(tt), free(ok);
    return used;
}
