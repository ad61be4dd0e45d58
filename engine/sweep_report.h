/* sweep_report: report.html of a finished sweep (docs/sweeps.md, "The report").
 *
 * One self-contained page in the folder of the sweep, made with the scenario report's pieces
 * (report_html.h: style, escaping, inlined SVG charts, the chart check script): what was swept,
 * for a saltelli design the sensitivity of each metric to each parameter (first-order and total
 * indices with ~95% intervals, the tornado chart from charts/, and how to read them), a summary of
 * each metric across the points and the points themselves, and the methods (sweep file, seeds). */
#ifndef COMPSIM_SWEEP_REPORT_H
#define COMPSIM_SWEEP_REPORT_H

#include <stddef.h>

#include "diag.h"
#include "sensitivity.h"
#include "sweep.h"

/* Writes dir/report.html (atomically) from the point values v[point * nmetrics + metric] and, for
 * a saltelli design, the indices ix[metric * nparams + param] with each metric's variance and
 * blocks used (NULL otherwise).  Tornado charts are taken from dir/charts/tornado-COLUMN.svg when
 * drawn.  Returns 0, or -1 with an error. */
int cs_sweep_report(const cs_sweep *sw, const char *dir, const cs_sweep_value *v, const cs_sobol_index *ix,
                    const double *variance, const size_t *blocks, cs_diags *d);

#endif
