/* sweep_report: a sweep's report.html; see sweep_report.h. */
#include "sweep_report.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compsim.h"
#include "outfile.h"
#include "report_html.h"

#define esc cs_report_html_esc
#define POINTS_SHOWN 500 /* the points table lists at most this many points (sweep.csv has all) */

static const char *const design_names[] = {"grid", "sobol", "saltelli"};

static void num(FILE *f, double x, const char *fmt)
{
    if (isnan(x)) fputs("<span class=na>n/a</span>", f);
    else fprintf(f, fmt, x);
}

/* A metric's value: 4 significant digits are plenty to compare points. */
static void val(FILE *f, double x) { num(f, x, "%.4g"); }

static void param_cell(FILE *f, const cs_sweep_param *p, double x)
{
    char text[64];
    cs_sweep_format(p->kind, x, text, sizeof text);
    esc(f, text);
}

static void parameters(FILE *f, const cs_sweep *sw)
{
    static const char *const kinds[] = {"number", "count", "percentage", "money", "volume"};
    fputs("<h2 id=parameters>What was varied</h2>\n<table><tr><th class=l>parameter</th><th class=l>applies to</th>"
          "<th class=l>kind</th><th class=l>values</th></tr>\n", f);
    for (size_t j = 0; j < sw->nparams; j++) {
        const cs_sweep_param *p = &sw->param[j];
        fputs("<tr><td class=l><code>", f);
        esc(f, p->path);
        fputs("</code></td><td class=l>", f);
        if (p->plan) fprintf(f, "plan %d", p->plan);
        else fputs("scenario", f);
        fprintf(f, "</td><td class=l>%s</td><td class=l>", kinds[p->kind]);
        if (p->values) {
            for (size_t i = 0; i < p->nvalues; i++) {
                fputs(i ? ", " : "", f);
                param_cell(f, p, p->values[i]);
            }
        } else {
            fputs("from ", f), param_cell(f, p, p->min), fputs(" to ", f), param_cell(f, p, p->max);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* Parameters by total index, largest first, undefined last (the tornado chart's order). */
static void by_total(const cs_sobol_index *ix, size_t k, size_t *order)
{
    for (size_t i = 0; i < k; i++) {
        size_t j = i;
        double t = isnan(ix[i].st) ? -INFINITY : ix[i].st;
        while (j > 0 && (isnan(ix[order[j - 1]].st) ? -INFINITY : ix[order[j - 1]].st) < t) order[j] = order[j - 1], j--;
        order[j] = i;
    }
}

/* "0.314 (0.250 to 0.378)": an index and its ~95% interval, estimate +- 1.96 standard errors. */
static void index_cell(FILE *f, double s, double se)
{
    fputs("<td>", f);
    num(f, s, "%.3f");
    if (!isnan(s) && !isnan(se)) fprintf(f, " <span class=iv>(%.3f to %.3f)</span>", s - 1.96 * se, s + 1.96 * se);
    fputs("</td>", f);
}

/* Replica noise in the point means against the spread across points: the 90% interval of a point's
 * replicas spans about 3.29 standard deviations of a normal, so its mean's variance is about
 * ((p95 - p05) / 3.29)^2 / replicas; averaged over the points. */
static double noise_share(const cs_sweep *sw, const cs_sweep_value *v, size_t m, double variance)
{
    double s = 0;
    size_t n = 0;
    for (size_t i = 0; i < sw->npoints; i++) {
        const cs_sweep_value *x = &v[i * sw->nmetrics + m];
        if (isnan(x->mean) || x->n == 0) continue;
        double sd = (x->hi - x->lo) / 3.29;
        s += sd * sd / (double)x->n, n++;
    }
    return n && variance > 0 ? s / (double)n / variance : NAN;
}

static int sensitivity(FILE *f, const cs_sweep *sw, const char *dir, const cs_sweep_value *v, const cs_sobol_index *ix,
                       const double *variance, const size_t *blocks, cs_diags *d)
{
    fputs("<h2 id=sensitivity>Sensitivity: which parameters drive each metric</h2>\n", f);
    if (!ix) {
        fprintf(f, "<p>This sweep's design is <b>%s</b>; sensitivity indices need <code>design: saltelli</code> "
                   "(docs/sweeps.md). The points below still show how each metric moves with the parameters.</p>\n",
                design_names[sw->design]);
        return 0;
    }
    fputs("<p><b>How to read this.</b> Across the sweep each metric varies because the parameters do. The "
          "<b>first-order index</b> of a parameter is the share of that variance it explains <i>alone</i>; its "
          "<b>total index</b> is the share it takes part in, alone or together with other parameters. A total "
          "index near 0 means the metric hardly depends on the parameter within the ranges swept: it can be fixed "
          "anywhere in its range. The gap between total and first order measures interactions. In the tornado "
          "chart each parameter's total index is the long pale bar and its first-order index the dark bar inside "
          "it, the most influential parameter on top. The indices are estimates (first order: Saltelli et al. "
          "2010, total: Jansen 1999) with about 95% intervals (&plusmn;1.96 standard errors) in brackets; a small "
          "negative value, or a first-order index above the total, is estimation noise. Replica noise in the "
          "points' means adds to every total index: it is given for each metric as a share of the variance.</p>\n",
          f);
    size_t k = sw->nparams, order[CS_SWEEP_MAX_PARAMS];
    for (size_t m = 0; m < sw->nmetrics; m++) {
        const cs_sobol_index *x = ix + m * k;
        const char *col = sw->metric[m].column;
        by_total(x, k, order);
        fputs("<h3 id=\"s-", f), esc(f, col), fputs("\"><code>", f), esc(f, col), fputs("</code></h3>\n<p>", f);
        if (isnan(x[order[0]].st)) {
            fprintf(f, "The indices cannot be computed: the metric is defined in %zu blocks of the design, or does not "
                       "vary across them (variance ", blocks[m]);
            num(f, variance[m], "%.6g");
            fputs(").</p>\n", f);
            continue;
        }
        fputs("<code>", f), esc(f, sw->param[order[0]].path), fputs("</code> matters most: total index ", f);
        num(f, x[order[0]].st, "%.3f"), fputs(", first order ", f), num(f, x[order[0]].s1, "%.3f");
        fprintf(f, ". Variance of the metric across the sweep: %.6g, from %zu blocks of %zu points", variance[m], blocks[m],
                k + 2);
        double ns = noise_share(sw, v, m, variance[m]);
        if (!isnan(ns)) fprintf(f, "; replica noise &asymp; %.1f%% of it%s", 100 * ns, ns > 0.1 ? " (high: use more replicas)" : "");
        if (blocks[m] < 16) fputs(" With so few blocks the indices are rough: the intervals say how rough (use more points)", f);
        fputs(".</p>\n<table><tr><th class=l>parameter</th><th>first order</th><th>total</th></tr>\n", f);
        for (size_t r = 0; r < k; r++) {
            const cs_sobol_index *y = &x[order[r]];
            fputs("<tr><td class=l><code>", f), esc(f, sw->param[order[r]].path), fputs("</code></td>", f);
            index_cell(f, y->s1, y->s1_se), index_cell(f, y->st, y->st_se);
            fputs("</tr>\n", f);
        }
        fputs("</table>\n<figure>", f);
        char svg[8192];
        struct stat s;
        snprintf(svg, sizeof svg, "%s/charts/tornado-%s.svg", dir, col);
        if (stat(svg, &s) == 0 && s.st_size > 0) {
            char alt[200];
            snprintf(alt, sizeof alt, "Tornado chart of the sensitivity of %s", col);
            if (cs_report_html_svg(f, svg, alt, d)) return -1;
        } else {
            fputs("<div class=nochart>chart not drawn (gnuplot missing, or --no-charts): run <code>gnuplot "
                  "tornado-", f), esc(f, col), fputs(".gp</code> in <code>charts/</code></div>", f);
        }
        fputs("<figcaption><b>Sensitivity of ", f), esc(f, col);
        fputs(".</b> Total index (pale) and first-order index (dark) of each parameter. <span class=files>Data: "
              "<code>charts/tornado-", f), esc(f, col), fputs(".csv</code>, script: <code>charts/tornado-", f);
        esc(f, col), fputs(".gp</code>; every index: <code>sensitivity.csv</code>.</span></figcaption></figure>\n", f);
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static int summary(FILE *f, const cs_sweep *sw, const cs_sweep_value *v, cs_diags *d)
{
    double *x = malloc((sw->npoints + 1) * sizeof *x);
    if (!x) {
        cs_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    fputs("<h2 id=summary>Each metric across the points</h2>\n<p class=note>Each point's value is the mean across its "
          "replicas; the table gives the smallest, the median and the largest of these means and where the extremes "
          "lie.</p>\n<table><tr><th class=l>metric</th><th>points</th><th>smallest</th><th>median</th><th>largest</th>"
          "<th class=l>smallest at</th><th class=l>largest at</th></tr>\n", f);
    for (size_t m = 0; m < sw->nmetrics; m++) {
        size_t n = 0, lo = 0, hi = 0;
        for (size_t i = 0; i < sw->npoints; i++) {
            double y = v[i * sw->nmetrics + m].mean;
            if (isnan(y)) continue;
            if (!n || y < v[lo * sw->nmetrics + m].mean) lo = i;
            if (!n || y > v[hi * sw->nmetrics + m].mean) hi = i;
            x[n++] = y;
        }
        fputs("<tr><td class=l><code>", f), esc(f, sw->metric[m].column), fprintf(f, "</code></td><td>%zu</td>", n);
        if (!n) {
            fputs("<td colspan=5 class=l><span class=na>not defined at any point</span></td></tr>\n", f);
            continue;
        }
        qsort(x, n, sizeof *x, cmp_double);
        double med = n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
        fputs("<td>", f), val(f, x[0]), fputs("</td><td>", f), val(f, med), fputs("</td><td>", f), val(f, x[n - 1]);
        for (int e = 0; e < 2; e++) {
            size_t i = e ? hi : lo;
            fprintf(f, "</td><td class=l>point %zu: ", i);
            for (size_t j = 0; j < sw->nparams; j++) {
                fputs(j ? ", " : "", f);
                param_cell(f, &sw->param[j], sw->x[i * sw->nparams + j]);
            }
        }
        fputs("</td></tr>\n", f);
    }
    free(x);
    fputs("</table>\n", f);
    return 0;
}

static void points(FILE *f, const cs_sweep *sw, const cs_sweep_value *v)
{
    size_t shown = sw->npoints < POINTS_SHOWN ? sw->npoints : POINTS_SHOWN;
    fprintf(f, "<h2 id=points>The points</h2>\n<details%s><summary>%zu point%s", sw->npoints <= 50 ? " open" : "",
            sw->npoints, sw->npoints == 1 ? "" : "s");
    if (shown < sw->npoints) fprintf(f, " (the first %zu here; all in <code>sweep.csv</code>)", shown);
    fputs(": each metric's mean across the point's replicas and, in brackets, their 90% interval</summary>\n"
          "<table><tr><th>point</th>", f);
    for (size_t j = 0; j < sw->nparams; j++) fputs("<th><code>", f), esc(f, sw->param[j].path), fputs("</code></th>", f);
    for (size_t m = 0; m < sw->nmetrics; m++) fputs("<th><code>", f), esc(f, sw->metric[m].column), fputs("</code></th>", f);
    fputs("</tr>\n", f);
    for (size_t i = 0; i < shown; i++) {
        fprintf(f, "<tr><td>%zu</td>", i);
        for (size_t j = 0; j < sw->nparams; j++)
            fputs("<td>", f), param_cell(f, &sw->param[j], sw->x[i * sw->nparams + j]), fputs("</td>", f);
        for (size_t m = 0; m < sw->nmetrics; m++) {
            const cs_sweep_value *x = &v[i * sw->nmetrics + m];
            fputs("<td>", f), val(f, x->mean);
            if (!isnan(x->mean)) fputs(" <span class=iv>(", f), val(f, x->lo), fputs(" to ", f), val(f, x->hi), fputs(")</span>", f);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table></details>\n", f);
}

static void methods(FILE *f, const cs_sweep *sw)
{
    fputs("<h2 id=methods>Methods</h2>\n<table><tr><td class=l>base scenario</td><td class=l><code>", f);
    esc(f, sw->scenario_file);
    fprintf(f, "</code></td></tr>\n<tr><td class=l>design</td><td class=l>%s", design_names[sw->design]);
    if (sw->design == CS_DESIGN_GRID) fprintf(f, ", %zu levels per range", sw->levels);
    else if (sw->design == CS_DESIGN_SOBOL) fprintf(f, ": the first %zu points of GSL's Sobol sequence", sw->base_points);
    else fprintf(f, ": %zu blocks of %zu points (A, B and A with each column from B)", sw->base_points, sw->nparams + 2);
    fprintf(f, "</td></tr>\n<tr><td class=l>points &times; replicas</td><td class=l>%zu &times; %lld</td></tr>\n"
               "<tr><td class=l>seed</td><td class=l>%llu; point i runs with seed splitmix64(splitmix64(seed) + i), "
               "top bit cleared (its seed is in <code>sweep.csv</code>), so a point's results do not depend on the "
               "threads, MPI ranks or order of the run</td></tr>\n"
               "<tr><td class=l>intervals</td><td class=l>a point: the 5th to 95th percentile of its replicas' values; "
               "an index: &plusmn;1.96 standard errors</td></tr>\n"
               "<tr><td class=l>compsim version</td><td class=l>",
            sw->npoints, (long long)sw->replicas, (unsigned long long)sw->seed);
    esc(f, cs_version());
    fputs("</td></tr>\n</table>\n<details><summary>The sweep file</summary><pre>", f);
    esc(f, sw->text);
    fputs("</pre></details>\n<details><summary>The base scenario</summary><pre>", f);
    esc(f, sw->scenario_text);
    fputs("</pre></details>\n<p class=note>Parameters and metrics: compsim's docs/sweeps.md and docs/metrics.md. Files "
          "in this folder: <code>sweep.csv</code> (every point), <code>sensitivity.csv</code> and <code>charts/</code> "
          "(saltelli), <code>manifest.json</code>, <code>points/</code> (one file per finished point).</p>\n", f);
}

int cs_sweep_report(const cs_sweep *sw, const char *dir, const cs_sweep_value *v, const cs_sobol_index *ix,
                    const double *variance, const size_t *blocks, cs_diags *d)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/report.html", dir);
    cs_outfile of;
    if (cs_outfile_open(&of, path, d) != 0) return -1;
    FILE *f = of.f;
    fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\">"
          "<title>compsim sweep: ", f);
    esc(f, sw->name);
    fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n<h1>Parameter sweep &lsquo;", cs_report_html_style());
    esc(f, sw->name);
    fprintf(f, "&rsquo;</h1>\n<p class=note>compsim %s &middot; %s design &middot; %zu points &times; %lld replicas "
               "&middot; seed %llu</p>\n<p>The base scenario <code>",
            cs_version(), design_names[sw->design], sw->npoints, (long long)sw->replicas, (unsigned long long)sw->seed);
    esc(f, sw->scenario_file);
    fprintf(f, "</code> was simulated at %zu points, each a combination of the values of %zu parameter%s, with %lld "
               "replicas per point. Metrics of the report (docs/metrics.md) collected at each point:",
            sw->npoints, sw->nparams, sw->nparams == 1 ? "" : "s", (long long)sw->replicas);
    for (size_t m = 0; m < sw->nmetrics; m++) fputs(m ? ", <code>" : " <code>", f), esc(f, sw->metric[m].column), fputs("</code>", f);
    fputs(".</p>\n", f);
    parameters(f, sw);
    int rc = sensitivity(f, sw, dir, v, ix, variance, blocks, d);
    if (rc == 0) rc = summary(f, sw, v, d);
    if (rc == 0) {
        points(f, sw, v);
        methods(f, sw);
        fputs(cs_report_html_script(), f);
        fputs("</body></html>\n", f);
    }
    if (rc != 0) {
        cs_outfile_abort(&of);
        return -1;
    }
    return cs_outfile_commit(&of, d);
}
