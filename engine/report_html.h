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

/* Pieces other pages share (a sweep's report.html, sweep_report.c), so they look and check alike:
 * the style sheet; the script that counts the chart images decoded into <body data-charts
 * data-charts-loaded> (tools/report-chromium-check.sh); text escaped for HTML; an SVG file
 * inlined as <img class=chart> (returns -1 with an error when it cannot be read). */
const char *cs_report_html_style(void);
const char *cs_report_html_script(void);
void cs_report_html_esc(FILE *f, const char *s);
int cs_report_html_svg(FILE *f, const char *svg_path, const char *alt, cs_diags *d);

#endif
