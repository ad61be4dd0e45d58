/* report: `compsim report RESULTS_DIR` (issue 5; docs/metrics.md defines every figure).
 *
 * Reads a results folder (report_data), computes the metrics (report_metrics), and writes
 * RESULTS_DIR/report/: the tables as tidy CSV, summary.json, the charts with their data and
 * gnuplot scripts (report_charts) and report.html (report_html).  The folder is whole or absent:
 * it is written as RESULTS_DIR/report.tmp-XXXXXX and renamed into place; an older report folder
 * (one holding summary.json) is exchanged with it and removed. */
#ifndef COMPSIM_REPORT_H
#define COMPSIM_REPORT_H

#include "diag.h"

typedef struct {
    double wage;           /* hourly wage the net income is compared with, currency units */
    double hours_per_week; /* hours a week of work assumed for that comparison */
    const char *gnuplot;   /* the gnuplot program; NULL: $COMPSIM_GNUPLOT, else "gnuplot" */
    int charts;            /* 0: write no charts */
    int year;              /* year of the per-year disclosure table (member_years.csv); 0: the last whole year */
} cs_report_options;

/* The defaults: the US federal minimum wage, 7.25 an hour, for 10 hours a week; charts on. */
void cs_report_options_init(cs_report_options *o);

/* Writes RESULTS_DIR/report/.  Returns 0, or -1 with errors in d (then no report folder was
 * written or changed).  Charts that could not be drawn (no gnuplot) are a warning, not an error. */
int cs_report_write(const char *results_dir, const cs_report_options *o, cs_diags *d);

/* Removes RESULTS_DIR/report if it is a report folder (holds summary.json): only the files a
 * report writes.  Returns 0 if there is no such folder left. */
int cs_report_remove(const char *results_dir);

#endif
