/* report_html: report.html, one self-contained page (charts inlined as data URIs, no scripts or
 * files from elsewhere), readable in a browser and printable to PDF.  Order: the headline answer
 * (share of members with positive net income), the key figures, the plan comparison, the tables
 * and charts, what could not be computed, then the methods (scenario, plans, seed, replicas,
 * compsim version, parameters). */
#ifndef COMPSIM_REPORT_HTML_H
#define COMPSIM_REPORT_HTML_H

#include <stdio.h>

#include "report_charts.h"
#include "report_metrics.h"

/* Writes the page to f; chart images are read from charts_dir.  Returns 0, or -1 when a chart
 * file cannot be read (with an error in d). */
int cs_report_html(FILE *f, const cs_rm *m, const cs_charts *ch, const char *charts_dir, cs_diags *d);

#endif
