/* report: reads, computes, writes the tables, charts and page into a temporary folder, then
 * puts it in place (see report.h). */
#define _GNU_SOURCE /* renameat2, mkdtemp */
#include "report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "compsim.h"
#include "json.h"
#include "outfile.h"
#include "report_charts.h"
#include "report_data.h"
#include "report_html.h"
#include "report_metrics.h"

void cs_report_options_init(cs_report_options *o)
{
    memset(o, 0, sizeof *o);
    o->wage = 7.25;
    o->hours_per_week = 10;
    o->charts = 1;
}

/* ---- tables as CSV ---------------------------------------------------------------------------- */

static void num(FILE *f, double x)
{
    if (!isnan(x)) fprintf(f, "%.10g", x);
}

static const char *unit_name(cs_rm_unit u)
{
    static const char *const n[] = {"share", "currency", "ratio", "count", "period"};
    return n[u];
}

static int write_table(const cs_rm *m, const cs_rm_table *t, const char *dir, cs_diags *d)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s.csv", dir, t->name);
    cs_outfile o;
    if (cs_outfile_open(&o, path, d)) return -1;
    fprintf(o.f, "plan,plan_name,%s,%s%smeasure,mean,p05,p95,replicas\n", t->key_name, t->key2_name ? t->key2_name : "",
            t->key2_name ? "," : "");
    for (size_t i = 0; i < t->n; i++) {
        const cs_rm_row *r = &t->row[i];
        if (r->plan) {
            fprintf(o.f, "%d,", r->plan);
            cs_csv_put(o.f, m->rd->plans[r->plan - 1].name ? m->rd->plans[r->plan - 1].name : "");
        } else {
            fputs("0,market", o.f);
        }
        fputc(',', o.f);
        cs_csv_put(o.f, r->key);
        if (t->key2_name) fprintf(o.f, ",%s", r->key2);
        fprintf(o.f, ",%s,", r->measure);
        num(o.f, r->iv.mean), fputc(',', o.f), num(o.f, r->iv.lo), fputc(',', o.f), num(o.f, r->iv.hi);
        fprintf(o.f, ",%zu\n", r->iv.n);
    }
    return cs_outfile_commit(&o, d);
}

static int write_summary_csv(const cs_rm *m, const char *dir, cs_diags *d)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/summary.csv", dir);
    cs_outfile o;
    if (cs_outfile_open(&o, path, d)) return -1;
    fputs("metric,plan,plan_name,unit,source,mean,p05,p95,replicas,label\n", o.f);
    for (size_t i = 0; i < m->nscalars; i++) {
        const cs_rm_scalar *s = &m->scalar[i];
        for (size_t k = 0; k < (s->market ? 1 : m->rd->nplans); k++) {
            fprintf(o.f, "%s,", s->id);
            if (s->market) {
                fputs("0,market", o.f);
            } else {
                fprintf(o.f, "%zu,", k + 1);
                cs_csv_put(o.f, m->rd->plans[k].name ? m->rd->plans[k].name : "");
            }
            fprintf(o.f, ",%s,%s,", unit_name(s->unit), s->from_members ? "members.csv" : "periods.csv");
            num(o.f, s->iv[k].mean), fputc(',', o.f), num(o.f, s->iv[k].lo), fputc(',', o.f), num(o.f, s->iv[k].hi);
            fprintf(o.f, ",%zu,", s->iv[k].n);
            cs_csv_put(o.f, s->label);
            fputc('\n', o.f);
        }
    }
    return cs_outfile_commit(&o, d);
}

/* ---- summary.json ----------------------------------------------------------------------------- */


static void jnum(FILE *f, double x)
{
    if (isnan(x) || isinf(x)) fputs("null", f);
    else fprintf(f, "%.10g", x);
}

static void jinterval(FILE *f, cs_interval iv)
{
    fputs("{\"mean\": ", f);
    jnum(f, iv.mean);
    fputs(", \"p05\": ", f);
    jnum(f, iv.lo);
    fputs(", \"p95\": ", f);
    jnum(f, iv.hi);
    fprintf(f, ", \"replicas\": %zu}", iv.n);
}

static int write_json(const cs_rm *m, const cs_charts *ch, const cs_report_options *o, const char *dir, cs_diags *d)
{
    const cs_rd *rd = m->rd;
    char path[8192];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    cs_outfile of;
    if (cs_outfile_open(&of, path, d)) return -1;
    FILE *f = of.f;
    fputs("{\n  \"report_version\": ", f);
    cs_json_cstr(f, cs_version());
    fputs(",\n  \"simulated_with\": ", f);
    cs_json_cstr(f, rd->version);
    fputs(",\n  \"scenario\": ", f);
    cs_json_cstr(f, rd->scenario_name);
    fprintf(f, ",\n  \"seed\": %llu,\n  \"replicas\": %lld,\n  \"member_replicas\": %lld,\n  \"periods\": %d,\n",
            (unsigned long long)rd->seed, (long long)rd->replicas, (long long)rd->member_replicas, rd->periods);
    fprintf(f, "  \"periods_per_year\": %d,\n  \"interval\": \"90%% percentile interval across replicas (5th to 95th)\",\n",
            rd->periods_per_year);
    fputs("  \"wage\": ", f);
    jnum(f, o->wage);
    fputs(", \"hours_per_week\": ", f);
    jnum(f, o->hours_per_week);
    if (m->year) fprintf(f, ",\n  \"disclosure_year\": %d, \"disclosure_year_whole\": %s", m->year, m->year_full ? "true" : "false");
    else fputs(",\n  \"disclosure_year\": null", f);
    fputs(",\n  \"plans\": [", f);
    for (size_t k = 0; k < rd->nplans; k++) {
        fprintf(f, "%s{\"plan\": %zu, \"name\": ", k ? ", " : "", k + 1);
        cs_json_cstr(f, rd->plans[k].name);
        fputs(", \"file\": ", f);
        cs_json_cstr(f, rd->plans[k].file);
        fputc('}', f);
    }
    fputs("],\n  \"headline\": ", f);
    const cs_rm_scalar *h = cs_rm_find(m, "share_net_positive");
    if (h) {
        fputs("{\"metric\": \"share_net_positive\", \"label\": ", f);
        cs_json_cstr(f, h->label);
        fputs(", \"reference_plan\": ", f);
        jinterval(f, h->iv[0]);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    fputs(",\n  \"metrics\": {", f);
    for (size_t i = 0; i < m->nscalars; i++) {
        const cs_rm_scalar *s = &m->scalar[i];
        fprintf(f, "%s\n    ", i ? "," : "");
        cs_json_cstr(f, s->id);
        fputs(": {\"label\": ", f);
        cs_json_cstr(f, s->label);
        fprintf(f, ", \"unit\": \"%s\", \"source\": \"%s\", \"market\": %s, \"by_plan\": [", unit_name(s->unit),
                s->from_members ? "members.csv" : "periods.csv", s->market ? "true" : "false");
        for (size_t k = 0; k < rd->nplans; k++) {
            if (k) fputs(", ", f);
            jinterval(f, s->iv[k]);
        }
        fputs("]}", f);
    }
    fputs("\n  },\n  \"comparison\": [", f);
    const cs_rm_table *c = &m->table[CS_RT_COMPARISON];
    for (size_t i = 0; i < c->n; i++) {
        fprintf(f, "%s\n    {\"plan\": %d, \"metric\": ", i ? "," : "", c->row[i].plan);
        cs_json_cstr(f, c->row[i].key);
        fputs(", \"difference\": ", f);
        jinterval(f, c->row[i].iv);
        fputc('}', f);
    }
    fputs("\n  ],\n  \"not_available\": [", f);
    for (size_t i = 0; i < m->nmissing; i++) {
        fprintf(f, "%s\n    {\"what\": ", i ? "," : "");
        cs_json_cstr(f, m->missing[i].what);
        fputs(", \"why\": ", f);
        cs_json_cstr(f, m->missing[i].why);
        fputc('}', f);
    }
    fputs("\n  ],\n  \"charts\": [", f);
    for (size_t i = 0; i < ch->n; i++) {
        fprintf(f, "%s{\"name\": ", i ? ", " : "");
        cs_json_cstr(f, ch->chart[i].name);
        fprintf(f, ", \"drawn\": %s}", ch->chart[i].drawn ? "true" : "false");
    }
    fputs("],\n  \"charts_note\": ", f);
    cs_json_cstr(f, ch->note);
    fputs("\n}\n", f);
    return cs_outfile_commit(&of, d);
}

/* ---- the folder ------------------------------------------------------------------------------- */

/* Removes the files a report writes from `dir` (and its charts/ folder), then the folder. */
static int remove_report_dir(const char *dir)
{
    static const char *const exts[] = {".csv", ".json", ".html", ".gp", ".svg", ".png", ".log"};
    char sub[4096];
    for (int pass = 0; pass < 2; pass++) {
        snprintf(sub, sizeof sub, pass ? "%s" : "%s/charts", dir);
        DIR *dh = opendir(sub);
        if (!dh) continue;
        struct dirent *e;
        while ((e = readdir(dh))) {
            const char *nm = e->d_name;
            size_t l = strlen(nm);
            for (size_t i = 0; i < sizeof exts / sizeof *exts; i++) {
                size_t el = strlen(exts[i]);
                if (l > el && !strcmp(nm + l - el, exts[i])) {
                    unlinkat(dirfd(dh), nm, 0);
                    break;
                }
            }
            if (strstr(nm, ".tmp.")) unlinkat(dirfd(dh), nm, 0); /* an outfile left by a crash */
        }
        closedir(dh);
        if (!pass) rmdir(sub);
    }
    return rmdir(dir);
}

int cs_report_remove(const char *results_dir)
{
    char dir[4096], marker[4200];
    snprintf(dir, sizeof dir, "%s/report", results_dir);
    snprintf(marker, sizeof marker, "%s/summary.json", dir);
    struct stat st;
    if (stat(dir, &st) != 0) return 0;
    if (access(marker, F_OK) != 0) return -1;
    return remove_report_dir(dir);
}

static int install(const char *tmp, const char *final, cs_diags *d)
{
    struct stat st;
    if (stat(final, &st) != 0) {
        if (rename(tmp, final) == 0) return 0;
        cs_error(d, final, 0, 0, "cannot create the report folder: %s", strerror(errno));
        return -1;
    }
    char marker[4200];
    snprintf(marker, sizeof marker, "%s/summary.json", final);
    if (!S_ISDIR(st.st_mode) || access(marker, F_OK) != 0) {
        cs_error(d, final, 0, 0, "exists and is not a compsim report folder (no summary.json): not replaced");
        return -1;
    }
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE) == 0) {
        if (remove_report_dir(tmp)) cs_diag_add(d, CS_SEV_WARNING, tmp, 0, 0, NULL, "the previous report was left here");
        return 0;
    }
    char aside[4200];
    snprintf(aside, sizeof aside, "%s.old-%s", final, strrchr(tmp, '-') + 1);
    if (rename(final, aside) == 0) {
        if (rename(tmp, final) == 0) {
            if (remove_report_dir(aside)) cs_diag_add(d, CS_SEV_WARNING, aside, 0, 0, NULL, "the previous report was left here");
            return 0;
        }
        int e = errno;
        rename(aside, final); /* the old report back in its place */
        errno = e;
    }
    cs_error(d, final, 0, 0, "cannot replace the report folder: %s", strerror(errno));
    return -1;
}

int cs_report_write(const char *results_dir, const cs_report_options *o, cs_diags *d)
{
    if (!(o->wage >= 0) || !(o->hours_per_week >= 0) || o->hours_per_week > 168) {
        cs_error(d, NULL, 0, 0, "the wage must be at least 0 and the hours a week between 0 and 168");
        return -1;
    }
    if (strlen(results_dir) > 3000) {
        cs_error(d, NULL, 0, 0, "the results folder's path is too long");
        return -1;
    }
    size_t errs = d->nerrors;
    cs_rd *rd = cs_rd_load(results_dir, d);
    if (!rd) return -1;
    cs_rm_options mo = {o->wage, o->hours_per_week};
    cs_rm *m = cs_rm_compute_year(rd, &mo, o->year, d);
    char final[4096], tmp[4200], charts[4300];
    snprintf(final, sizeof final, "%s/report", results_dir);
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", final);
    int made = 0, rc = -1;
    if (!m) goto done;
    if (!mkdtemp(tmp)) {
        cs_error(d, final, 0, 0, "cannot create the report folder: %s", strerror(errno));
        goto done;
    }
    made = 1;
    chmod(tmp, 0755);
    snprintf(charts, sizeof charts, "%s/charts", tmp);
    if (mkdir(charts, 0755)) {
        cs_error(d, charts, 0, 0, "cannot create: %s", strerror(errno));
        goto done;
    }
    for (int t = 0; t < CS_RT_N; t++) {
        if (t == CS_RT_COMPARISON && rd->nplans < 2) continue;
        if ((t == CS_RT_DISCLOSURE_YEAR || t == CS_RT_YEARS) && !m->year) continue; /* no member_years.csv */
        if (write_table(m, &m->table[t], tmp, d)) goto done;
    }
    if (write_summary_csv(m, tmp, d)) goto done;
    const char *gp = o->gnuplot ? o->gnuplot : getenv("COMPSIM_GNUPLOT") ? getenv("COMPSIM_GNUPLOT") : "gnuplot";
    cs_charts ch;
    if (cs_report_charts(m, charts, gp, o->charts, &ch, d)) goto done;
    if (write_json(m, &ch, o, tmp, d)) goto done;
    char html[4400];
    snprintf(html, sizeof html, "%s/report.html", tmp);
    cs_outfile hf;
    if (cs_outfile_open(&hf, html, d)) goto done;
    /* a write error is left to the commit, which names the file and the system's reason */
    if (cs_report_html(hf.f, m, &ch, charts, d) && !ferror(hf.f)) {
        cs_outfile_abort(&hf);
        goto done;
    }
    if (cs_outfile_commit(&hf, d)) goto done;
    if (d->nerrors != errs || install(tmp, final, d)) goto done;
    made = 0;
    rc = 0;
done:
    if (made) remove_report_dir(tmp);
    cs_rm_free(m);
    cs_rd_free(rd);
    return rc;
}
