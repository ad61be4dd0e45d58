/* report_charts: the report's charts, drawn by gnuplot as SVG and PNG.
 *
 * For each chart NAME, charts/NAME.csv holds its data (tidy: one row per point, named columns)
 * and charts/NAME.gp the script that draws NAME.svg and NAME.png from it, so a user can restyle
 * a chart by editing the script and running `gnuplot NAME.gp` in that folder.  gnuplot runs as a
 * child process in the charts folder, one run per chart; when it cannot be run, the data and
 * scripts are still written and the charts are reported as skipped. */
#ifndef COMPSIM_REPORT_CHARTS_H
#define COMPSIM_REPORT_CHARTS_H

#include <stddef.h>

#include "diag.h"
#include "report_metrics.h"

#define CS_MAX_CHARTS 16

typedef struct {
    char name[32];
    char title[160];
    char caption[400];
    int drawn; /* NAME.svg and NAME.png exist */
} cs_chart;

typedef struct {
    cs_chart chart[CS_MAX_CHARTS];
    size_t n;
    int gnuplot_missing;   /* gnuplot could not be run at all */
    char note[256];        /* why charts were skipped, or "" */
} cs_charts;

/* Writes the charts' data and scripts into `dir` (an existing folder) and runs `gnuplot` there.
 * Returns 0, or -1 with an error in d when a file cannot be written; a chart that gnuplot fails
 * to draw is left undrawn with a warning. */
int cs_report_charts(const cs_rm *m, const char *dir, const char *gnuplot, int draw, cs_charts *out, cs_diags *d);

#endif
