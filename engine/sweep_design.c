/* sweep_design: where a sweep's points lie (docs/sweeps.md, "Designs").
 *
 * grid:     every combination of the parameters' levels (a range gives `levels` evenly spaced
 *           values from min to max, a list its values); the first parameter varies slowest.
 * sobol:    the first N points of GSL's Sobol sequence (gsl_qrng_sobol, which starts at
 *           (1/2, ..., 1/2), not at the all-zero corner), one dimension per parameter.
 * saltelli: N blocks of k + 2 points for k parameters (Saltelli et al. 2010): a Sobol point in
 *           2k dimensions (from the sequence's second point: the first has A = B) gives rows A (its first k coordinates) and B (the last k), then AB_i =
 *           A with column i taken from B.  sensitivity.h estimates the indices from these.
 * A unit coordinate u maps to min + u (max - min) for a range, to value floor(u n) of a list. */
#include "sweep.h"

#include <gsl/gsl_qrng.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"

double cs_sweep_round(cs_sweep_kind kind, double x)
{
    static const double scale[] = {[CS_SWP_REAL] = 1e9, [CS_SWP_COUNT] = 1, [CS_SWP_PERCENT] = 1e4, [CS_SWP_MONEY] = 100,
                                   [CS_SWP_VOLUME] = 100};
    return round(x * scale[kind]) / scale[kind];
}

void cs_sweep_format(cs_sweep_kind kind, double x, char *buf, size_t size)
{
    switch (kind) {
    case CS_SWP_COUNT: snprintf(buf, size, "%.0f", x); return;
    case CS_SWP_MONEY: snprintf(buf, size, "%.2f", x); return;
    case CS_SWP_PERCENT: snprintf(buf, size, "%.4f", x); break;
    case CS_SWP_VOLUME: snprintf(buf, size, "%.2f", x); break;
    case CS_SWP_REAL:
    default: snprintf(buf, size, "%.9f", x); break;
    }
    /* the shortest decimal that says it: 0.800000000 -> 0.8, 5.0000 -> 5 */
    char *dot = strchr(buf, '.');
    if (dot) {
        char *e = buf + strlen(buf);
        while (e > dot + 1 && e[-1] == '0') *--e = '\0';
        if (e == dot + 1) *dot = '\0';
    }
    if (!strcmp(buf, "-0")) strcpy(buf, "0");
    if (kind == CS_SWP_PERCENT && strlen(buf) + 2 <= size) strcat(buf, "%");
}

uint64_t cs_sweep_point_seed(const cs_sweep *sw, size_t i)
{
    return cs_sim_stream_seed(sw->seed, (uint64_t)i) & (uint64_t)INT64_MAX;
}

static double from_unit(const cs_sweep_param *p, double u)
{
    if (p->values) {
        size_t k = (size_t)(u * (double)p->nvalues);
        return p->values[k < p->nvalues ? k : p->nvalues - 1];
    }
    return cs_sweep_round(p->kind, p->min + u * (p->max - p->min));
}

/* n points of GSL's Sobol sequence in dim dimensions into u[n * dim], after `skip` points.  GSL's
 * sequence leaves out the all-zero corner: it starts at (1/2, ..., 1/2). */
static int sobol_points(size_t n, size_t dim, size_t skip, double *u)
{
    gsl_qrng *q = gsl_qrng_alloc(gsl_qrng_sobol, (unsigned)dim);
    if (!q) return -1;
    int rc = 0;
    for (size_t j = 0; j < skip && rc == 0; j++) rc = gsl_qrng_get(q, u) == 0 ? 0 : -1;
    for (size_t j = 0; j < n && rc == 0; j++) rc = gsl_qrng_get(q, u + j * dim) == 0 ? 0 : -1;
    gsl_qrng_free(q);
    return rc;
}

int cs_sweep_saltelli_unit(size_t n, size_t k, double *u)
{
    if (k == 0 || k > CS_SWEEP_MAX_PARAMS) return -1;
    double *s = malloc(n * 2 * k * sizeof *s);
    /* the first point, (1/2, ..., 1/2), would make A = B: a block that says nothing */
    if (!s || sobol_points(n, 2 * k, 1, s) != 0) {
        free(s);
        return -1;
    }
    for (size_t j = 0; j < n; j++) {
        const double *a = s + j * 2 * k, *b = a + k;
        double *blk = u + j * (k + 2) * k;
        memcpy(blk, a, k * sizeof *a);
        memcpy(blk + k, b, k * sizeof *b);
        for (size_t i = 0; i < k; i++) {
            double *row = blk + (2 + i) * k;
            memcpy(row, a, k * sizeof *a);
            row[i] = b[i];
        }
    }
    free(s);
    return 0;
}

int cs_sweep_make_design(cs_sweep *sw, cs_diags *d)
{
    size_t k = sw->nparams, n = 1;
    if (sw->design == CS_DESIGN_GRID) {
        for (size_t j = 0; j < k; j++) {
            size_t lv = sw->param[j].values ? sw->param[j].nvalues : sw->levels;
            if (n > CS_SWEEP_MAX_POINTS / lv) {
                cs_error(d, sw->file, 0, 0, "the grid has more than %d points", CS_SWEEP_MAX_POINTS);
                return -1;
            }
            n *= lv;
        }
    } else {
        n = sw->base_points * (sw->design == CS_DESIGN_SALTELLI ? k + 2 : 1);
        if (n > CS_SWEEP_MAX_POINTS) {
            cs_error(d, sw->file, 0, 0, "the design has more than %d points", CS_SWEEP_MAX_POINTS);
            return -1;
        }
    }
    double *u = malloc(n * k * sizeof *u);
    sw->x = malloc(n * k * sizeof *sw->x);
    if (!u || !sw->x) {
        free(u);
        cs_error(d, sw->file, 0, 0, "out of memory");
        return -1;
    }
    int rc = 0;
    if (sw->design == CS_DESIGN_GRID) {
        for (size_t i = 0; i < n; i++) {
            size_t rest = i;
            for (size_t j = k; j-- > 0;) { /* the last parameter varies fastest */
                const cs_sweep_param *p = &sw->param[j];
                size_t lv = p->values ? p->nvalues : sw->levels, l = rest % lv;
                rest /= lv;
                sw->x[i * k + j] = p->values ? p->values[l]
                                             : cs_sweep_round(p->kind, p->min + (p->max - p->min) * (double)l / (double)(lv - 1));
            }
        }
    } else {
        rc = sw->design == CS_DESIGN_SOBOL ? sobol_points(n, k, 0, u) : cs_sweep_saltelli_unit(sw->base_points, k, u);
        for (size_t i = 0; i < n * k && rc == 0; i++) sw->x[i] = from_unit(&sw->param[i % k], u[i]);
        if (rc) cs_error(d, sw->file, 0, 0, "cannot make the Sobol sequence (GSL: out of memory)");
    }
    free(u);
    sw->npoints = n;
    return rc;
}
