/* sweep_charts: the tornado chart of a sensitivity analysis (docs/sweeps.md, "Sensitivity").
 *
 * For metric column C, DIR/tornado-C.csv holds one row per parameter (largest total index first)
 * and DIR/tornado-C.gp the gnuplot script that draws tornado-C.svg and tornado-C.png from it:
 * horizontal bars of the total index with the first-order index inside, as the report's charts
 * are made (report_charts.h): data and script beside the drawings, gnuplot run as a child. */
#ifndef COMPSIM_SWEEP_CHARTS_H
#define COMPSIM_SWEEP_CHARTS_H

#include <stddef.h>

#include "diag.h"
#include "sensitivity.h"

/* Writes the chart's data and script and, if draw, runs gnuplot (NULL: $COMPSIM_GNUPLOT, else
 * "gnuplot").  Returns 0, or -1 with an error when a file cannot be written; gnuplot missing or
 * failing is a warning. */
int cs_sweep_tornado(const char *dir, const char *column, const char *const *params, const cs_sobol_index *ix, size_t k,
                     const char *gnuplot, int draw, cs_diags *d);

#endif
