#include "report_html.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "compsim.h"

/* ---- text ------------------------------------------------------------------------------------- */

static void esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

/* A number with thousands separators and `dec` decimals: "12,345.67". */
static void fmt_grouped(char *buf, size_t size, double x, int dec)
{
    char raw[64];
    snprintf(raw, sizeof raw, "%.*f", dec, fabs(x));
    if (!strcmp(raw, "0") || strspn(raw, "0.") == strlen(raw)) x = 0; /* no "-0.00" */
    char *dot = strchr(raw, '.');
    size_t ilen = dot ? (size_t)(dot - raw) : strlen(raw), o = 0;
    if (x < 0 && o + 1 < size) buf[o++] = '-';
    for (size_t i = 0; i < ilen && o + 2 < size; i++) {
        if (i && (ilen - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = raw[i];
    }
    for (const char *p = dot; p && *p && o + 1 < size; p++) buf[o++] = *p;
    buf[o] = '\0';
}

static void fmt(char *buf, size_t size, double x, cs_rm_unit u)
{
    if (isnan(x)) {
        snprintf(buf, size, "n/a");
        return;
    }
    switch (u) {
    case CS_RU_SHARE: snprintf(buf, size, fabs(x) < 0.01 && x != 0 ? "%.2f%%" : "%.1f%%", 100 * x); break; /* 0.04%, not 0.0% */
    case CS_RU_MONEY: fmt_grouped(buf, size, x, fabs(x) >= 1000 ? 0 : 2); break;
    case CS_RU_RATIO: snprintf(buf, size, "%.3f", x); break;
    case CS_RU_COUNT: fmt_grouped(buf, size, x, fabs(x) >= 100 ? 0 : 1); break;
    case CS_RU_PERIOD: snprintf(buf, size, "%.1f", x); break;
    }
}

/* "12.3% (10.1–14.2%)": the mean and its 90% interval. */
static void put_iv(FILE *f, cs_interval iv, cs_rm_unit u)
{
    char a[64], b[64], c[64];
    fmt(a, sizeof a, iv.mean, u);
    if (isnan(iv.mean)) {
        fputs("<span class=na>n/a</span>", f);
        return;
    }
    fmt(b, sizeof b, iv.lo, u);
    fmt(c, sizeof c, iv.hi, u);
    fprintf(f, "%s <span class=iv>(%s%s%s)</span>", a, b, iv.lo < 0 ? " to " : "&ndash;", c);
}

static const char *pname(const cs_rd *rd, size_t k)
{
    return rd->plans[k].name ? rd->plans[k].name : "?";
}

/* ---- charts ----------------------------------------------------------------------------------- */

static void base64(FILE *f, const unsigned char *p, size_t n)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
        fputc(tab[v >> 18 & 63], f);
        fputc(tab[v >> 12 & 63], f);
        fputc(i + 1 < n ? tab[v >> 6 & 63] : '=', f);
        fputc(i + 2 < n ? tab[v & 63] : '=', f);
    }
}

int cs_report_html_svg(FILE *f, const char *path, const char *alt, cs_diags *d)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        cs_error(d, path, 0, 0, "cannot read: %s", strerror(errno));
        return -1;
    }
    size_t cap = 1 << 16, n = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf), buf = NULL;
                break;
            }
            buf = nb, cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, in);
        if (!got) break;
        n += got;
    }
    fclose(in);
    if (!buf) return cs_error(d, path, 0, 0, "out of memory"), -1;
    fputs("<img class=chart alt=\"", f);
    esc(f, alt);
    fputs("\" src=\"data:image/svg+xml;base64,", f);
    base64(f, buf, n);
    fputs("\">", f);
    free(buf);
    return 0;
}

static int figure(FILE *f, const cs_charts *ch, const char *name, const char *dir, cs_diags *d)
{
    const cs_chart *c = NULL;
    for (size_t i = 0; i < ch->n; i++)
        if (!strcmp(ch->chart[i].name, name)) c = &ch->chart[i];
    if (!c) return 0;
    fputs("<figure>", f);
    if (c->drawn) {
        char path[8192];
        snprintf(path, sizeof path, "%s/%s.svg", dir, name);
        if (cs_report_html_svg(f, path, c->title, d)) return -1;
    } else {
        fputs("<div class=nochart>chart not drawn: ", f);
        esc(f, ch->note[0] ? ch->note : "gnuplot failed");
        fputs("</div>", f);
    }
    fputs("<figcaption><b>", f);
    esc(f, c->title);
    fputs(".</b> ", f);
    esc(f, c->caption);
    fprintf(f, " <span class=files>Data: <code>charts/%s.csv</code>, script: <code>charts/%s.gp</code>.</span>"
               "</figcaption></figure>\n", name, name);
    return 0;
}

/* ---- sections --------------------------------------------------------------------------------- */

static const char css[] =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;max-width:1000px;margin:2em auto;"
    "padding:0 1em;color:#222;line-height:1.45}\n"
    "h1{font-size:1.7em;margin-bottom:.2em}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:2em}\n"
    ".headline{font-size:1.25em;background:#f4f8fb;border-left:6px solid #1f77b4;padding:.8em 1em}\n"
    ".big{font-size:1.6em;font-weight:700;color:#1f77b4}\n"
    "table{border-collapse:collapse;margin:1em 0;font-size:.9em}caption{text-align:left;font-weight:600;padding:.3em 0}th,td{border:1px solid #ddd;padding:.3em .6em;"
    "text-align:right;vertical-align:top}th{background:#f2f2f2}td.l,th.l{text-align:left}\n"
    ".iv{color:#777;font-size:.85em;display:block;white-space:nowrap}.na{color:#999}\n"
    "figure{margin:1.5em 0}img.chart{width:100%;max-width:900px;border:1px solid #eee}\n"
    "figcaption{font-size:.9em;color:#444}.files{color:#777}.nochart{padding:2em;background:#fee;border:1px solid #fbb}\n"
    "pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:.85em}\n"
    ".note{color:#555;font-size:.9em}\n"
    "@media print{body{max-width:none;font-size:10pt}table{font-size:.75em}h2{page-break-after:avoid}figure,table{page-break-inside:avoid}}\n";

/* for automated checks (tools/report-chromium-check.sh): how many chart images decoded */
static const char check_script[] =
    "<script>addEventListener('load',function(){var im=document.querySelectorAll('img.chart'),ok=0;"
    "for(var i=0;i<im.length;i++)if(im[i].complete&&im[i].naturalWidth>0)ok++;"
    "document.body.setAttribute('data-charts',im.length);document.body.setAttribute('data-charts-loaded',ok);});"
    "</script>\n";

const char *cs_report_html_style(void) { return css; }
const char *cs_report_html_script(void) { return check_script; }
void cs_report_html_esc(FILE *f, const char *s) { esc(f, s); }

static void headline(FILE *f, const cs_rm *m)
{
    const cs_rd *rd = m->rd;
    const cs_rm_scalar *pos = cs_rm_find(m, "share_net_positive"), *zero = cs_rm_find(m, "share_gross_zero"),
                       *top = cs_rm_find(m, "top1"), *n = cs_rm_find(m, "members_joined");
    char a[64], b[64], c[64];
    fputs("<div class=headline>", f);
    if (!pos) {
        fputs("The results folder holds no members (member_replicas is 0), so the share of members with positive net "
              "income cannot be computed.</div>\n", f);
        return;
    }
    fmt(a, sizeof a, pos->iv[0].mean, CS_RU_SHARE);
    fmt(b, sizeof b, pos->iv[0].lo, CS_RU_SHARE);
    fmt(c, sizeof c, pos->iv[0].hi, CS_RU_SHARE);
    fprintf(f, "<span class=big>%s</span> of everyone who joined had <b>positive net income</b> over their membership under <b>", a);
    esc(f, pname(rd, 0));
    fprintf(f, "</b> (90%% interval across replicas: %s&ndash;%s), after qualifying purchases, sign-up fees and expenses.", b, c);
    if (zero && top && n) {
        char z[64], t[64], nn[64];
        fmt(z, sizeof z, zero->iv[0].mean, CS_RU_SHARE);
        fmt(t, sizeof t, top->iv[0].mean, CS_RU_SHARE);
        fmt(nn, sizeof nn, n->iv[0].mean, CS_RU_COUNT);
        fprintf(f, " %s were paid nothing at all by the company; the top 1%% of members received %s of all commissions "
                   "(on average %s members joined per replica over %d periods).", z, t, nn, rd->periods);
    }
    fputs("</div>\n", f);
}

static void scalar_rows(FILE *f, const cs_rm *m, const char *const *ids, size_t n)
{
    const cs_rd *rd = m->rd;
    fputs("<table><tr><th class=l>metric</th>", f);
    for (size_t k = 0; k < rd->nplans; k++) {
        fputs("<th>", f);
        esc(f, pname(rd, k));
        fputs("</th>", f);
    }
    fputs("</tr>\n", f);
    for (size_t i = 0; i < n; i++) {
        const cs_rm_scalar *s = cs_rm_find(m, ids[i]);
        if (!s) continue;
        fputs("<tr><td class=l>", f);
        esc(f, s->label);
        fprintf(f, " <span class=note>[%s]</span></td>", s->id);
        if (s->market) {
            fprintf(f, "<td colspan=%zu style=\"text-align:center\">", rd->nplans);
            put_iv(f, s->iv[0], s->unit);
            fputs(" <span class=note>(same market for every plan)</span></td>", f);
        } else {
            for (size_t k = 0; k < rd->nplans; k++) {
                fputs("<td>", f);
                put_iv(f, s->iv[k], s->unit);
                fputs("</td>", f);
            }
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void comparison(FILE *f, const cs_rm *m)
{
    const cs_rd *rd = m->rd;
    if (rd->nplans < 2) return;
    fputs("<h2 id=comparison>Comparison of plans</h2>\n<p>Every plan is paid on the same simulated markets (common random "
          "numbers), so each difference is taken replica by replica (plan minus the reference plan, ", f);
    esc(f, pname(rd, 0));
    fputs(") and summarised by its mean and 90% interval across replicas.</p>\n<ul>\n", f);
    for (size_t k = 1; k < rd->nplans; k++) {
        const cs_rm_row *r = cs_rm_lookup(m, CS_RT_COMPARISON, (int)k + 1, "share_net_positive", NULL, "difference");
        if (!r || isnan(r->iv.mean)) continue;
        fputs("<li><b>", f);
        esc(f, pname(rd, k));
        fprintf(f, "</b> %s the share of members with positive net income by <b>%.1f points</b> (90%% interval %.1f to %.1f).</li>\n",
                r->iv.mean >= 0 ? "raises" : "lowers", fabs(100 * r->iv.mean), 100 * r->iv.lo, 100 * r->iv.hi);
    }
    fputs("</ul>\n<table><tr><th class=l>metric</th>", f);
    for (size_t k = 1; k < rd->nplans; k++) {
        fputs("<th>", f);
        esc(f, pname(rd, k));
        fputs(" minus reference</th>", f);
    }
    fputs("</tr>\n", f);
    for (size_t i = 0; i < m->nscalars; i++) {
        const cs_rm_scalar *s = &m->scalar[i];
        if (s->market || !cs_rm_lookup(m, CS_RT_COMPARISON, 2, s->id, NULL, "difference")) continue;
        fputs("<tr><td class=l>", f);
        esc(f, s->label);
        fputs("</td>", f);
        for (size_t k = 1; k < rd->nplans; k++) {
            const cs_rm_row *r = cs_rm_lookup(m, CS_RT_COMPARISON, (int)k + 1, s->id, NULL, "difference");
            fputs("<td>", f);
            if (r) put_iv(f, r->iv, s->unit);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

/* One half of disclosure table t (whole membership, or the chosen year): the rows by rank, the given
 * measures as columns. */
static void disclosure_half(FILE *f, const cs_rm *m, int t, size_t k, const char *caption, const char *const *ms,
                            const char *const *heads, const cs_rm_unit *us, size_t n)
{
    const cs_rd_plan *pl = &m->rd->plans[k];
    fprintf(f, "<table><caption>%s</caption><tr><th class=l>%s</th>", caption,
            t == CS_RT_DISCLOSURE ? "highest rank reached" : "highest paid-as rank in the year");
    for (size_t j = 0; j < n; j++) fprintf(f, "<th>%s</th>", heads[j]);
    fputs("</tr>\n", f);
    for (size_t row = 0; row < pl->nranks + 2; row++) {
        const char *name = row == 0 ? "all members" : row == 1 ? "no rank" : pl->rank[row - 2];
        const cs_rm_row *mm = cs_rm_lookup(m, t, (int)k + 1, name, NULL, "members");
        if (!mm || !(mm->iv.mean > 0)) continue;
        fprintf(f, "<tr%s><td class=l>", row == 0 ? " style=\"font-weight:600\"" : "");
        esc(f, name);
        fputs("</td>", f);
        for (size_t j = 0; j < n; j++) {
            fputs("<td>", f);
            const cs_rm_row *r = cs_rm_lookup(m, t, (int)k + 1, name, NULL, ms[j]);
            if (r) put_iv(f, r->iv, us[j]);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table>\n", f);
}

static void disclosure(FILE *f, const cs_rm *m, int t)
{
    const cs_rd *rd = m->rd;
    static const char *const gm[] = {"share_of_members", "gross_mean", "gross_median", "gross_p90", "share_gross_zero"};
    static const char *const gh[] = {"share of members", "mean gross", "median gross", "90th percentile", "paid nothing"};
    static const cs_rm_unit gu[] = {CS_RU_SHARE, CS_RU_MONEY, CS_RU_MONEY, CS_RU_MONEY, CS_RU_SHARE};
    static const char *const nm[] = {"retail_profit_mean", "purchase_cost_mean", "signup_fee_mean", "expenses_mean",
                                     "net_mean", "net_median", "share_net_positive"};
    static const char *const nh[] = {"retail profit", "qualifying purchases (cost part)", "sign-up fee", "expenses",
                                     "mean net", "median net", "net &gt; 0"};
    static const cs_rm_unit nu[] = {CS_RU_MONEY, CS_RU_MONEY, CS_RU_MONEY, CS_RU_MONEY, CS_RU_MONEY, CS_RU_MONEY, CS_RU_SHARE};
    for (size_t k = 0; k < rd->nplans; k++) {
        fputs("<h3>", f);
        esc(f, pname(rd, k));
        fputs("</h3>\n", f);
        disclosure_half(f, m, t, k, "What income disclosure statements show: gross compensation", gm, gh, gu, 5);
        disclosure_half(f, m, t, k, "What they leave out: costs (means) and net income", nm, nh, nu, 7);
    }
    if (t == CS_RT_DISCLOSURE_YEAR) {
        fprintf(f, "<p class=note>Amounts are over year %d of the run (periods %d to %d%s) for every member in the "
                   "network at some time in it (member_years.csv); the sign-up fee counts in the year of joining. "
                   "The rank is the highest paid-as rank held in that year. Other years: disclosure_year.csv comes "
                   "from <code>compsim report --year Y</code>; years.csv has every year's figures.</p>\n",
                m->year, (m->year - 1) * rd->periods_per_year + 1,
                m->year * rd->periods_per_year < rd->periods ? m->year * rd->periods_per_year : rd->periods,
                m->year_full ? "" : ", a partial year: the run ends before it does");
        return;
    }
    fputs("<p class=note>Amounts are over each member's whole membership within the run. The rank is the title held "
          "at the end of the run or at quitting, i.e. the highest rank reached. Net income = gross + retail profit &minus; sign-up fee &minus; expenses "
          "&minus; the part of own purchases not counted as value received. Each cell: mean across member replicas "
          "and its 90% interval; a rank's figures rest only on the replicas where someone reached it (disclosure.csv "
          "gives the count).</p>\n", f);
}

/* The share with positive net income (and paid nothing) year by year, one row per plan and year. */
static void years(FILE *f, const cs_rm *m)
{
    const cs_rd *rd = m->rd;
    fputs("<table><caption>Year by year: members in the network during the year</caption><tr><th class=l>plan</th>"
          "<th>year</th><th>members</th><th>net &gt; 0</th><th>paid nothing</th><th>median gross</th><th>mean net</th></tr>\n",
          f);
    static const char *const ms[] = {"members", "share_net_positive", "share_gross_zero", "gross_median", "net_mean"};
    static const cs_rm_unit us[] = {CS_RU_COUNT, CS_RU_SHARE, CS_RU_SHARE, CS_RU_MONEY, CS_RU_MONEY};
    char key[16];
    for (size_t k = 0; k < rd->nplans; k++)
        for (int32_t y = 1; y <= rd->nyears; y++) {
            snprintf(key, sizeof key, "%d", y);
            const cs_rm_row *w = cs_rm_lookup(m, CS_RT_YEARS, (int)k + 1, key, NULL, "members");
            if (!w) continue;
            fputs("<tr><td class=l>", f);
            esc(f, pname(rd, k));
            fprintf(f, "</td><td>%d%s</td>", y, strcmp(w->key2, "full") ? " (partial)" : "");
            for (size_t j = 0; j < 5; j++) {
                const cs_rm_row *r = cs_rm_lookup(m, CS_RT_YEARS, (int)k + 1, key, NULL, ms[j]);
                fputs("<td>", f);
                if (r) put_iv(f, r->iv, us[j]);
                fputs("</td>", f);
            }
            fputs("</tr>\n", f);
        }
    fputs("</table>\n", f);
}

static void quantiles(FILE *f, const cs_rm *m)
{
    const cs_rd *rd = m->rd;
    static const char *const q[] = {"p10", "p25", "p50", "p75", "p90", "p95", "p99", "p99.9", "max"};
    fputs("<table><tr><th class=l>plan</th><th class=l>income</th>", f);
    for (size_t i = 0; i < 9; i++) fprintf(f, "<th>%s</th>", q[i]);
    fputs("</tr>\n", f);
    for (size_t k = 0; k < rd->nplans; k++)
        for (int w = 0; w < 2; w++) {
            fputs("<tr><td class=l>", f);
            esc(f, pname(rd, k));
            fprintf(f, "</td><td class=l>%s</td>", w ? "net" : "gross");
            for (size_t i = 0; i < 9; i++) {
                const cs_rm_row *r = cs_rm_lookup(m, CS_RT_QUANTILES, (int)k + 1, q[i], NULL, w ? "net" : "gross");
                fputs("<td>", f);
                if (r) put_iv(f, r->iv, CS_RU_MONEY);
                fputs("</td>", f);
            }
            fputs("</tr>\n", f);
        }
    fputs("</table>\n", f);
}

static void cohorts(FILE *f, const cs_rm *m)
{
    const cs_rd *rd = m->rd;
    fputs("<details><summary>Net income by join period (reference plan)</summary>\n<table><tr><th>join period</th>"
          "<th>members</th><th>mean net</th><th>median net</th><th>net &gt; 0</th><th>mean net per period of membership</th></tr>\n",
          f);
    static const char *const ms[] = {"members", "net_mean", "net_median", "share_net_positive", "net_per_period_mean"};
    static const cs_rm_unit mu[] = {CS_RU_COUNT, CS_RU_MONEY, CS_RU_MONEY, CS_RU_SHARE, CS_RU_MONEY};
    char key[16];
    for (int32_t t = 1; t <= rd->periods; t++) {
        snprintf(key, sizeof key, "%d", t);
        fprintf(f, "<tr><td>%d</td>", t);
        for (int j = 0; j < 5; j++) {
            const cs_rm_row *r = cs_rm_lookup(m, CS_RT_COHORTS, 1, key, NULL, ms[j]);
            fputs("<td>", f);
            if (r) put_iv(f, r->iv, mu[j]);
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    fputs("</table></details>\n", f);
}

/* A manifest parameter as a reader writes it: ppm as a percentage, cents as money, numbers
 * without the float noise of their JSON form (0.050000000000000003 -> 0.05). */
static void param(const char *key, const char *value, char *name, size_t nsize, char *val, size_t vsize)
{
    size_t kl = strlen(key);
    char *end;
    double x = strtod(value, &end);
    int numeric = *value && !*end;
    snprintf(name, nsize, "%s", key);
    if (numeric && kl > 4 && !strcmp(key + kl - 4, "_ppm")) {
        name[kl - 4] = '\0';
        if (!strcmp(name, "order") || !strcmp(name, "retail")) /* as the scenario file calls them */
            snprintf(name + kl - 4, nsize - (kl - 4), "_probability");
        snprintf(val, vsize, "%.10g%%", x / 10000);
    } else if (numeric && kl > 6 && !strcmp(key + kl - 6, "_cents")) {
        name[kl - 6] = '\0';
        snprintf(val, vsize, "%.2f", x / 100);
    } else if (numeric) {
        snprintf(val, vsize, "%.10g", x);
    } else {
        snprintf(val, vsize, "%s", value);
    }
}

static void methods(FILE *f, const cs_rm *m)
{
    const cs_rd *rd = m->rd;
    fputs("<h2 id=methods>Methods</h2>\n<table>", f);
    fputs("<tr><td class=l>scenario</td><td class=l>", f);
    esc(f, rd->scenario_name);
    fputs(" (<code>", f);
    esc(f, rd->scenario_file);
    fputs("</code>)</td></tr>\n<tr><td class=l>plans</td><td class=l>", f);
    for (size_t k = 0; k < rd->nplans; k++) {
        fprintf(f, "%s%zu. ", k ? "<br>" : "", k + 1);
        esc(f, pname(rd, k));
        fputs(" (<code>", f);
        esc(f, rd->plans[k].file);
        fprintf(f, "</code>)%s", k == 0 ? ", the reference plan" : "");
    }
    fprintf(f, "</td></tr>\n<tr><td class=l>seed</td><td class=l>%llu</td></tr>\n", (unsigned long long)rd->seed);
    fprintf(f, "<tr><td class=l>replicas</td><td class=l>%lld (figures from periods.csv); the first %lld also wrote their "
               "members (figures from members.csv)</td></tr>\n", (long long)rd->replicas, (long long)rd->member_replicas);
    fprintf(f, "<tr><td class=l>periods</td><td class=l>%d (%d a year)</td></tr>\n", rd->periods, rd->periods_per_year);
    fputs("<tr><td class=l>random numbers</td><td class=l>", f);
    esc(f, rd->generator);
    fputs("</td></tr>\n<tr><td class=l>compsim version</td><td class=l>simulated with ", f);
    esc(f, rd->version);
    fputs(", report by ", f);
    esc(f, cs_version());
    fprintf(f, "</td></tr>\n<tr><td class=l>intervals</td><td class=l>mean across replicas and the 5th to 95th percentile "
               "of the replicas' values (GSL, linear interpolation)</td></tr>\n"
               "<tr><td class=l>wage comparison</td><td class=l>net income above %.2f an hour for %.1f hours a week "
               "(%.2f hours a period) over every period of membership</td></tr>\n</table>\n",
            m->opt.wage, m->opt.hours_per_week, m->hours_per_period);
    fputs("<h3>Assumptions: the parameters as used</h3>\n<p class=note>From the manifest, defaults filled in "
          "(docs/scenario-format.md explains each); percentages were stored in ppm, money in cents.</p>\n<table>"
          "<tr><th class=l>market</th><th class=l>value</th></tr>\n", f);
    char name[160], val[64];
    for (size_t i = 0; i < rd->nparams; i++) {
        if (!strncmp(rd->params[i].key, "types.", 6)) continue;
        param(rd->params[i].key, rd->params[i].value, name, sizeof name, val, sizeof val);
        fputs("<tr><td class=l><code>", f);
        esc(f, name);
        fputs("</code></td><td class=l>", f);
        esc(f, val);
        fputs("</td></tr>\n", f);
    }
    for (size_t i = 0; i < rd->nshocks; i++)
        fprintf(f, "<tr><td class=l><code>shock %zu</code></td><td class=l>from period %d: recruitment &times; %g, quit "
                   "probabilities &times; %g</td></tr>\n",
                i + 1, rd->shocks[i].from, rd->shocks[i].recruitment, rd->shocks[i].attrition);
    fputs("</table>\n<table><tr><th class=l>member type</th><th>customer</th><th>builder</th></tr>\n", f);
    for (size_t i = 0; i < rd->nparams; i++) {
        const char *k = rd->params[i].key;
        if (strncmp(k, "types.customer.", 15)) continue;
        char other[200];
        snprintf(other, sizeof other, "types.builder.%s", k + 15);
        const char *bv = cs_rd_param_value(rd, other);
        param(k + 15, rd->params[i].value, name, sizeof name, val, sizeof val);
        fputs("<tr><td class=l><code>", f);
        esc(f, name);
        fputs("</code></td><td>", f);
        esc(f, val);
        fputs("</td><td>", f);
        if (bv) {
            param(k + 15, bv, name, sizeof name, val, sizeof val);
            esc(f, val);
        }
        fputs("</td></tr>\n", f);
    }
    fputs("</table>\n<details><summary>The scenario file</summary><pre>", f);
    esc(f, rd->scenario_text);
    fputs("</pre></details>\n", f);
    fputs("<p class=note>Every metric is defined in compsim's docs/metrics.md. All tables are also in this folder as "
          "CSV (summary.csv, disclosure.csv, quantiles.csv, lorenz.csv, periods.csv, cohorts.csv, survival.csv, "
          "comparison.csv, and with member_years.csv disclosure_year.csv and years.csv) and summary.json.</p>\n", f);
}

int cs_report_html(FILE *f, const cs_rm *m, const cs_charts *ch, const char *dir, cs_diags *d)
{
    const cs_rd *rd = m->rd;
    fputs("<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><meta name=viewport content=\"width=device-width\">"
          "<title>compsim report: ", f);
    esc(f, rd->scenario_name);
    fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n<h1>What the plan pays: scenario &lsquo;", css);
    esc(f, rd->scenario_name);
    fprintf(f, "&rsquo;</h1>\n<p class=note>compsim %s &middot; %lld replicas &middot; seed %llu &middot; %d periods</p>\n",
            cs_version(), (long long)rd->replicas, (unsigned long long)rd->seed, rd->periods);
    headline(f, m);

    fputs("<h2 id=key>Key figures</h2>\n<p class=note>Mean across replicas, with the 90% interval in brackets. Income "
          "is counted over each member's whole membership within the run; every member who joined counts, not only "
          "the active ones.</p>\n", f);
    static const char *const key_ids[] = {
        "share_net_positive", "share_net_positive_year", "share_net_positive_builders", "share_net_positive_customers", "share_net_positive_stayers",
        "share_net_negative", "share_above_wage", "share_above_wage_builders", "share_gross_zero", "gross_median",
        "gross_mean", "net_median", "net_mean", "gini", "top1", "top10", "share_unpaid_period", "payout_ratio",
        "end_user_share", "share_never_sponsored", "first_year_dropout", "members_joined"};
    scalar_rows(f, m, key_ids, sizeof key_ids / sizeof *key_ids);
    comparison(f, m);
    if (figure(f, ch, "comparison_differences", dir, d) || figure(f, ch, "comparison_paid_share", dir, d) ||
        figure(f, ch, "comparison_payout_ratio", dir, d))
        return -1;

    fputs("<h2 id=disclosure>Income disclosure table</h2>\n", f);
    if (rd->member_replicas && m->year) {
        fprintf(f, "<h3>Year %d</h3>\n", m->year);
        disclosure(f, m, CS_RT_DISCLOSURE_YEAR);
        years(f, m);
        fputs("<h3>Whole membership</h3>\n", f);
    } else if (rd->member_replicas) {
        fputs("<p class=note>This results folder has no member_years.csv (it was written by an older compsim), so "
              "the table for a single year and the share with positive net income per year cannot be drawn; the "
              "table below covers each member's whole membership.</p>\n", f);
    }
    if (rd->member_replicas) disclosure(f, m, CS_RT_DISCLOSURE);
    if (figure(f, ch, "disclosure", dir, d)) return -1;

    fputs("<h2 id=distribution>How income is spread</h2>\n", f);
    if (rd->member_replicas) quantiles(f, m);
    if (figure(f, ch, "income_distribution", dir, d) || figure(f, ch, "lorenz", dir, d)) return -1;

    fputs("<h2 id=flows>Where the money comes from</h2>\n<p>Payout ratio and the share of each bonus type in company-paid "
          "commissions over the whole run; the share of product volume sold to non-members (regulators' "
          "&ldquo;sales to ultimate users&rdquo; test: the FTC&ndash;Herbalife order asks for at least 80%).</p>\n", f);
    {
        const char *ids[80];
        size_t n = 0;
        ids[n++] = "payout_ratio";
        ids[n++] = "end_user_share";
        for (size_t i = 0; i < m->nscalars && n < 80; i++)
            if (!strncmp(m->scalar[i].id, "commission_share_", 17)) ids[n++] = m->scalar[i].id;
        scalar_rows(f, m, ids, n);
    }
    if (figure(f, ch, "payout_ratio", dir, d)) return -1;

    fputs("<h2 id=cohorts>Cohorts: do late joiners lose?</h2>\n", f);
    if (figure(f, ch, "cohort_net", dir, d)) return -1;
    if (rd->member_replicas) cohorts(f, m);
    if (figure(f, ch, "survival", dir, d)) return -1;

    fputs("<h2 id=sustainability>Growth, saturation and shocks</h2>\n", f);
    {
        const char *ids[80];
        size_t n = 0;
        static const char *const base[] = {"peak_period", "members_peak", "members_end", "growth_stopped",
                                           "penetration_end", "period_half_reached"};
        for (size_t i = 0; i < 6; i++) ids[n++] = base[i];
        for (size_t i = 0; i < m->nscalars && n < 80; i++)
            if (!strncmp(m->scalar[i].id, "shock", 5)) ids[n++] = m->scalar[i].id;
        scalar_rows(f, m, ids, n);
    }
    if (figure(f, ch, "membership", dir, d)) return -1;

    fputs("<h2 id=missing>Not available from these results</h2>\n<ul>\n", f);
    for (size_t i = 0; i < m->nmissing; i++) {
        fputs("<li><b>", f);
        esc(f, m->missing[i].what);
        fputs("</b>: ", f);
        esc(f, m->missing[i].why);
        fputs(".</li>\n", f);
    }
    if (ch->note[0]) {
        fputs("<li><b>charts</b>: ", f);
        esc(f, ch->note);
        fputs(".</li>\n", f);
    }
    fputs("</ul>\n", f);
    methods(f, m);
    fputs(check_script, f);
    fputs("</body></html>\n", f);
    return ferror(f) ? (cs_error(d, NULL, 0, 0, "cannot write report.html"), -1) : 0;
}
