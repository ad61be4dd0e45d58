/* sweep_run: runs a sweep's points and writes its folder (docs/sweeps.md, "Results").
 *
 *   DIR/fingerprint        what the folder's points were computed from (sweep, scenario, plans)
 *   DIR/points/pNNNNNNN.txt one finished point: its metrics with 17 significant digits
 *   DIR/sweep.csv          assembled from the point files once all exist
 *   DIR/manifest.json, DIR/sensitivity.csv, DIR/charts/ (saltelli)
 *
 * Every file is written whole or not at all (outfile.h), so a sweep killed at any moment leaves
 * finished points behind, and a new run with the same sweep does only the others.  A point runs
 * through the simulator's own results folder (a scratch folder DIR/.work/wW-pI, removed after),
 * read back by the report's reader and metrics: the same code as `compsim simulate` + `report`. */
#define _XOPEN_SOURCE 700 /* nftw */
#include "sweep.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

#include "json.h"
#include "outfile.h"
#include "report.h"
#include "report_data.h"
#include "report_metrics.h"
#include "scenario.h"
#include "sensitivity.h"
#include "sim.h"
#include "stats.h"
#include "sweep_charts.h"
#include "sweep_point.h"
#include "sweep_report.h"
#include "yaml_tree.h"

const char *cs_version(void);

struct cs_sweep_state {
    const cs_sweep *sw;
    cs_sweep_options o;
    char dir[4096];
    unsigned char *done; /* npoints */
    char fingerprint[17];
    struct timespec t0;
};

/* ---- files and folders ------------------------------------------------------------------------ */

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

/* Removes a scratch folder and everything in it. */
static void remove_tree(const char *path)
{
    struct stat s;
    if (lstat(path, &s) == 0) nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int make_dir(const char *path, cs_diags *d)
{
    if (mkdir(path, 0777) == 0 || errno == EEXIST) {
        struct stat s;
        if (stat(path, &s) == 0 && S_ISDIR(s.st_mode)) return 0;
        errno = ENOTDIR;
    }
    cs_error(d, path, 0, 0, "cannot create folder: %s", strerror(errno));
    return -1;
}

static void point_path(const cs_sweep_state *st, size_t i, char *buf, size_t size)
{
    snprintf(buf, size, "%s/points/p%07zu.txt", st->dir, i);
}

/* FNV-1a, 64 bits: enough to tell a changed sweep from the same one. */
static uint64_t fnv(uint64_t h, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 1099511628211u;
    return h;
}

/* Removes the temporary files (outfile.h: NAME.tmp.XXXXXX) that a run killed while writing a
 * point left in `dir`: the point itself is missing, so it runs again. */
static void remove_partial(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp) return;
    struct dirent *e;
    char path[4096];
    while ((e = readdir(dp)))
        if (strstr(e->d_name, ".tmp.") && snprintf(path, sizeof path, "%s/%s", dir, e->d_name) < (int)sizeof path)
            unlink(path);
    closedir(dp);
}

/* ---- points ----------------------------------------------------------------------------------- */

/* Loads point i's scenario: the parameters, replicas, member replicas (every replica, so member
 * metrics rest on all of them) and the point's seed, as overrides checked by the loader. */
static cs_scenario *point_scenario(const cs_sweep *sw, size_t i, cs_diags *d)
{
    size_t k = sw->nparams, n = k + 3;
    cs_scenario_override ov[CS_SWEEP_MAX_PARAMS + 3];
    char text[CS_SWEEP_MAX_PARAMS + 3][64];
    for (size_t j = 0; j < k; j++) {
        cs_sweep_format(sw->param[j].kind, sw->x[i * k + j], text[j], sizeof text[j]);
        ov[j] = (cs_scenario_override){sw->param[j].path, text[j], sw->file, sw->param[j].pos, sw->text};
    }
    snprintf(text[k], sizeof text[k], "%lld", (long long)sw->replicas);
    snprintf(text[k + 2], sizeof text[k + 2], "%llu", (unsigned long long)cs_sweep_point_seed(sw, i));
    ov[k] = (cs_scenario_override){"replicas", text[k], sw->file, {0, 0}, NULL};
    ov[k + 1] = (cs_scenario_override){"member_replicas", text[k], sw->file, {0, 0}, NULL};
    ov[k + 2] = (cs_scenario_override){"seed", text[k + 2], sw->file, {0, 0}, NULL};
    return cs_sweep_scenario(sw, ov, n, d);
}

static void point_note(const cs_sweep *sw, size_t i, cs_diags *d)
{
    char buf[1024] = "", v[64];
    size_t len = 0;
    for (size_t j = 0; j < sw->nparams && len < sizeof buf - 200; j++) {
        cs_sweep_format(sw->param[j].kind, sw->x[i * sw->nparams + j], v, sizeof v);
        len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s = %s", j ? ", " : "", sw->param[j].path, v);
    }
    cs_diag_add(d, CS_SEV_NOTE, sw->file, 0, 0, NULL, "at point %zu of the sweep: %s", i, buf);
}

/* Reads point file i; 1 if it holds this sweep's point, 0 if absent, -1 (error) otherwise. */
static int read_point(const cs_sweep_state *st, size_t i, cs_sweep_value *v, cs_diags *d)
{
    char path[4200], fp[32] = "";
    point_path(st, i, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f) return errno == ENOENT ? 0 : (cs_error(d, path, 0, 0, "cannot read: %s", strerror(errno)), -1);
    size_t idx = (size_t)-1;
    int ok = fscanf(f, "compsim sweep point %zu fingerprint %16s\n", &idx, fp) == 2 && idx == i &&
             !strcmp(fp, st->fingerprint);
    for (size_t m = 0; ok && m < st->sw->nmetrics; m++) {
        char name[128], a[64], b[64], c[64];
        size_t n;
        ok = fscanf(f, "%127s %63s %63s %63s %zu\n", name, a, b, c, &n) == 5 && !strcmp(name, st->sw->metric[m].column);
        if (ok && v) v[m] = (cs_sweep_value){strtod(a, NULL), strtod(b, NULL), strtod(c, NULL), n};
    }
    fclose(f);
    if (!ok) cs_error(d, path, 0, 0, "not a point of this sweep (remove it to run the point again)");
    return ok ? 1 : -1;
}

int cs_sweep_save(cs_sweep_state *st, size_t i, const cs_sweep_value *v, cs_diags *d)
{
    char path[4200];
    point_path(st, i, path, sizeof path);
    cs_outfile of;
    if (cs_outfile_open(&of, path, d) != 0) return -1;
    fprintf(of.f, "compsim sweep point %zu fingerprint %s\n", i, st->fingerprint);
    for (size_t m = 0; m < st->sw->nmetrics; m++) /* %.17g: the double back exactly */
        fprintf(of.f, "%s %.17g %.17g %.17g %zu\n", st->sw->metric[m].column, v[m].mean, v[m].lo, v[m].hi, v[m].n);
    if (cs_outfile_commit(&of, d) != 0) return -1;
    st->done[i] = 1;
    return 0;
}

int cs_sweep_done(const cs_sweep_state *st, size_t i) { return st->done[i]; }

int cs_sweep_eval(const cs_sweep_state *st, size_t i, int worker, cs_sweep_value *v, cs_diags *d)
{
    const cs_sweep *sw = st->sw;
    size_t nerr0 = d->nerrors;
    cs_scenario *sc = point_scenario(sw, i, d);
    if (!sc) {
        point_note(sw, i, d);
        return -1;
    }
    char work[4200];
    snprintf(work, sizeof work, "%s/.work/w%d-p%zu", st->dir, worker, i);
    remove_tree(work);
    cs_sim_options so = {.out_dir = work, .threads = st->o.threads, .export_replica = -1, .stop = st->o.stop};
    int rc = cs_sim_write_results(sc, &so, d);
    cs_scenario_free(sc);
    if (rc != 0) {
        remove_tree(work);
        if (rc < 0) point_note(sw, i, d);
        return rc;
    }
    cs_rd *rd = cs_rd_load(work, d);
    cs_report_options ro;
    cs_report_options_init(&ro);
    cs_rm_options mo = {.wage = ro.wage, .hours_per_week = ro.hours_per_week};
    cs_rm *m = rd ? cs_rm_compute(rd, &mo, d) : NULL;
    if (m) {
        for (size_t j = 0; j < sw->nmetrics; j++) {
            const cs_rm_scalar *s = cs_rm_find(m, sw->metric[j].id);
            v[j] = (cs_sweep_value){NAN, NAN, NAN, 0};
            if (!s) continue; /* a bonus type or shock this point does not have */
            size_t k = s->market ? 0 : (size_t)(sw->metric[j].plan - 1);
            double *tmp = malloc((s->nrep + 1) * sizeof *tmp);
            if (!tmp) {
                cs_error(d, NULL, 0, 0, "out of memory");
                break;
            }
            memcpy(tmp, s->v + k * s->nrep, s->nrep * sizeof *tmp);
            cs_interval iv = cs_stats_interval(tmp, s->nrep);
            free(tmp);
            v[j] = (cs_sweep_value){iv.mean, iv.lo, iv.hi, iv.n};
        }
    }
    cs_rm_free(m);
    cs_rd_free(rd);
    remove_tree(work);
    if (d->nerrors != nerr0) {
        point_note(sw, i, d);
        return -1;
    }
    return 0;
}

/* ---- starting ------------------------------------------------------------------------------- */

cs_sweep_state *cs_sweep_begin(const cs_sweep *sw, const cs_sweep_options *o, cs_diags *d)
{
    cs_sweep_state *st = calloc(1, sizeof *st);
    if (!st || !(st->done = calloc(sw->npoints + 1, 1))) {
        free(st);
        cs_error(d, NULL, 0, 0, "out of memory");
        return NULL;
    }
    st->sw = sw;
    st->o = *o;
    clock_gettime(CLOCK_MONOTONIC, &st->t0);
    snprintf(st->dir, sizeof st->dir, o->out_dir ? "%s" : "results/%s", o->out_dir ? o->out_dir : sw->name);
    size_t dl = strlen(st->dir);
    while (dl > 1 && st->dir[dl - 1] == '/') st->dir[--dl] = '\0';

    /* Every point's scenario is checked before anything runs: a value out of range is found now,
     * not hours into the sweep.  The fingerprint covers the files the points are computed from. */
    uint64_t h = fnv(14695981039346656037u, sw->text, strlen(sw->text));
    h = fnv(h, sw->scenario_text, sw->scenario_len);
    for (size_t i = 0; i < sw->npoints; i++) {
        size_t nerr0 = d->nerrors;
        cs_scenario *sc = point_scenario(sw, i, d);
        if (sc && i == 0)
            for (size_t k = 0; k < sc->nplans; k++) {
                size_t len = 0;
                char *t = cs_yt_read_file(sc->plan_files[k], &len);
                if (t) h = fnv(h, t, len);
                free(t);
            }
        cs_scenario_free(sc);
        if (d->nerrors != nerr0) {
            point_note(sw, i, d);
            goto fail;
        }
    }
    snprintf(st->fingerprint, sizeof st->fingerprint, "%016llx", (unsigned long long)h);

    char path[4200];
    if (strlen(st->dir) > 4000) {
        cs_error(d, st->dir, 0, 0, "folder name too long");
        goto fail;
    }
    if (!o->out_dir && make_dir("results", d) != 0) goto fail;
    if (make_dir(st->dir, d) != 0) goto fail;
    snprintf(path, sizeof path, "%s/fingerprint", st->dir);
    FILE *f = fopen(path, "r");
    if (f) {
        char old[32] = "";
        int same = fscanf(f, "%31s", old) == 1 && !strcmp(old, st->fingerprint);
        fclose(f);
        if (!same) {
            cs_error(d, st->dir, 0, 0,
                     "holds the points of another sweep (the sweep file, its scenario or a plan changed): use another -o, or remove it");
            goto fail;
        }
    } else {
        snprintf(path, sizeof path, "%s/points", st->dir);
        struct stat s;
        if (stat(path, &s) == 0) {
            cs_error(d, st->dir, 0, 0, "has points but no fingerprint: not a folder this sweep can resume");
            goto fail;
        }
        snprintf(path, sizeof path, "%s/fingerprint", st->dir);
        cs_outfile of;
        if (cs_outfile_open(&of, path, d) != 0) goto fail;
        fprintf(of.f, "%s\n", st->fingerprint);
        if (cs_outfile_commit(&of, d) != 0) goto fail;
    }
    snprintf(path, sizeof path, "%s/points", st->dir);
    if (make_dir(path, d) != 0) goto fail;
    remove_partial(path);
    snprintf(path, sizeof path, "%s/.work", st->dir);
    remove_tree(path); /* scratch of a run that was killed */
    if (make_dir(path, d) != 0) goto fail;
    for (size_t i = 0; i < sw->npoints; i++) {
        int r = read_point(st, i, NULL, d);
        if (r < 0) goto fail;
        st->done[i] = (unsigned char)r;
    }
    return st;
fail:
    cs_sweep_end(st);
    return NULL;
}

cs_sweep_state *cs_sweep_begin_worker(const cs_sweep *sw, const cs_sweep_options *o, const char *dir, cs_diags *d)
{
    cs_sweep_state *st = calloc(1, sizeof *st);
    if (!st || !(st->done = calloc(sw->npoints + 1, 1))) {
        free(st);
        cs_error(d, NULL, 0, 0, "out of memory");
        return NULL;
    }
    st->sw = sw;
    st->o = *o;
    clock_gettime(CLOCK_MONOTONIC, &st->t0);
    char path[4200];
    if (strlen(dir) > 4000) {
        cs_error(d, dir, 0, 0, "folder name too long");
        cs_sweep_end(st);
        return NULL;
    }
    snprintf(path, sizeof path, "%s/.work", dir);
    if (make_dir(dir, d) != 0 || make_dir(path, d) != 0) {
        cs_sweep_end(st); /* st->dir is still empty: nothing of dir is removed */
        return NULL;
    }
    snprintf(st->dir, sizeof st->dir, "%s", dir);
    return st;
}

void cs_sweep_end(cs_sweep_state *st)
{
    if (!st) return;
    if (st->dir[0]) {
        char path[4200];
        snprintf(path, sizeof path, "%s/.work", st->dir);
        remove_tree(path);
    }
    free(st->done);
    free(st);
}

/* ---- the results ---------------------------------------------------------------------------- */

static void num(FILE *f, double x)
{
    if (!isnan(x)) fprintf(f, "%.10g", x);
}


static const char *const kind_names[] = {"real", "count", "percent", "money", "volume"};
static const char *const design_names[] = {"grid", "sobol", "saltelli"};

static int write_csv(const cs_sweep_state *st, const cs_sweep_value *v, cs_diags *d)
{
    const cs_sweep *sw = st->sw;
    char path[4200], text[64];
    snprintf(path, sizeof path, "%s/sweep.csv", st->dir);
    cs_outfile of;
    if (cs_outfile_open(&of, path, d) != 0) return -1;
    fputs("point,seed", of.f);
    for (size_t j = 0; j < sw->nparams; j++) fprintf(of.f, ",%s", sw->param[j].path);
    for (size_t m = 0; m < sw->nmetrics; m++) {
        const char *c = sw->metric[m].column;
        fprintf(of.f, ",%s_mean,%s_p05,%s_p95,%s_replicas", c, c, c, c);
    }
    fputc('\n', of.f);
    for (size_t i = 0; i < sw->npoints; i++) {
        fprintf(of.f, "%zu,%llu", i, (unsigned long long)cs_sweep_point_seed(sw, i));
        for (size_t j = 0; j < sw->nparams; j++) {
            cs_sweep_format(sw->param[j].kind, sw->x[i * sw->nparams + j], text, sizeof text);
            if (sw->param[j].kind == CS_SWP_PERCENT) text[strlen(text) - 1] = '\0'; /* a number, in percent */
            fprintf(of.f, ",%s", text);
        }
        for (size_t m = 0; m < sw->nmetrics; m++) {
            const cs_sweep_value *x = &v[i * sw->nmetrics + m];
            fputc(',', of.f), num(of.f, x->mean), fputc(',', of.f), num(of.f, x->lo), fputc(',', of.f), num(of.f, x->hi);
            fprintf(of.f, ",%zu", x->n);
        }
        fputc('\n', of.f);
    }
    return cs_outfile_commit(&of, d);
}

/* sensitivity.csv and the tornado charts of a saltelli sweep, from the indices ix[metric * k + param]. */
static int write_sensitivity(const cs_sweep_state *st, const cs_sobol_index *ix, const double *var, const size_t *used,
                             cs_diags *d)
{
    const cs_sweep *sw = st->sw;
    size_t k = sw->nparams;
    char path[4200];
    snprintf(path, sizeof path, "%s/sensitivity.csv", st->dir);
    cs_outfile of;
    if (cs_outfile_open(&of, path, d) != 0) return -1;
    fputs("metric,parameter,first_order,first_order_se,total,total_se,variance,blocks\n", of.f);
    for (size_t m = 0; m < sw->nmetrics; m++)
        for (size_t j = 0; j < k; j++) {
            const cs_sobol_index *x = &ix[m * k + j];
            fprintf(of.f, "%s,%s,", sw->metric[m].column, sw->param[j].path);
            num(of.f, x->s1), fputc(',', of.f), num(of.f, x->s1_se), fputc(',', of.f), num(of.f, x->st), fputc(',', of.f);
            num(of.f, x->st_se), fputc(',', of.f), num(of.f, var[m]);
            fprintf(of.f, ",%zu\n", used[m]);
        }
    if (cs_outfile_commit(&of, d) != 0) return -1;
    int rc = 0;
    if (st->o.charts >= 0) {
        snprintf(path, sizeof path, "%s/charts", st->dir);
        if (make_dir(path, d) != 0) return -1;
        const char *names[CS_SWEEP_MAX_PARAMS];
        for (size_t j = 0; j < k; j++) names[j] = sw->param[j].path;
        for (size_t m = 0; m < sw->nmetrics && rc == 0; m++)
            rc = cs_sweep_tornado(path, sw->metric[m].column, names, ix + m * k, k, st->o.gnuplot, st->o.charts, d);
    }
    return rc;
}

static int write_manifest(const cs_sweep_state *st, int ranks, cs_diags *d)
{
    const cs_sweep *sw = st->sw;
    char path[4200], text[64];
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    snprintf(path, sizeof path, "%s/manifest.json", st->dir);
    cs_outfile of;
    if (cs_outfile_open(&of, path, d) != 0) return -1;
    FILE *f = of.f;
    fprintf(f, "{\n  \"compsim_version\": ");
    cs_json_cstr(f, cs_version());
    fputs(",\n  \"sweep_file\": ", f), cs_json_cstr(f, sw->file);
    fputs(",\n  \"sweep_text\": ", f), cs_json_cstr(f, sw->text);
    fputs(",\n  \"name\": ", f), cs_json_cstr(f, sw->name);
    fputs(",\n  \"scenario_file\": ", f), cs_json_cstr(f, sw->scenario_file);
    fprintf(f, ",\n  \"fingerprint\": \"%s\",\n  \"design\": \"%s\",\n", st->fingerprint, design_names[sw->design]);
    if (sw->design == CS_DESIGN_GRID) fprintf(f, "  \"levels\": %zu,\n", sw->levels);
    else fprintf(f, "  \"base_points\": %zu,\n", sw->base_points);
    fprintf(f,
            "  \"points\": %zu,\n  \"replicas\": %lld,\n  \"seed\": %llu,\n"
            "  \"point_seed\": \"splitmix64(splitmix64(seed) + point) with the top bit cleared; replica r of a point: "
            "splitmix64(splitmix64(point seed) + r)\",\n"
            "  \"sensitivity\": %s,\n  \"threads\": %d,\n  \"ranks\": %d,\n  \"wall_seconds_last_run\": %.3f,\n  \"parameters\": [",
            sw->npoints, (long long)sw->replicas, (unsigned long long)sw->seed,
            sw->design == CS_DESIGN_SALTELLI ? "\"first order: Saltelli et al. 2010; total: Jansen 1999\"" : "null",
            st->o.threads, ranks, (double)(t1.tv_sec - st->t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - st->t0.tv_nsec));
    for (size_t j = 0; j < sw->nparams; j++) {
        const cs_sweep_param *p = &sw->param[j];
        fprintf(f, "%s\n    {\"path\": ", j ? "," : "");
        cs_json_cstr(f, p->path);
        fprintf(f, ", \"kind\": \"%s\", ", kind_names[p->kind]);
        if (p->plan) fprintf(f, "\"plan\": %d, ", p->plan); /* a parameter of the scenario's plan K */
        if (p->values) {
            fputs("\"values\": [", f);
            for (size_t i = 0; i < p->nvalues; i++) {
                cs_sweep_format(p->kind, p->values[i], text, sizeof text);
                fputs(i ? ", " : "", f), cs_json_cstr(f, text);
            }
            fputs("]}", f);
        } else {
            cs_sweep_format(p->kind, p->min, text, sizeof text);
            fputs("\"min\": ", f), cs_json_cstr(f, text);
            cs_sweep_format(p->kind, p->max, text, sizeof text);
            fputs(", \"max\": ", f), cs_json_cstr(f, text), fputc('}', f);
        }
    }
    fputs("\n  ],\n  \"metrics\": [", f);
    for (size_t m = 0; m < sw->nmetrics; m++) {
        fprintf(f, "%s\n    {\"column\": ", m ? "," : "");
        cs_json_cstr(f, sw->metric[m].column);
        fputs(", \"metric\": ", f), cs_json_cstr(f, sw->metric[m].id);
        fprintf(f, ", \"plan\": %d}", sw->metric[m].plan);
    }
    fputs("\n  ]\n}\n", f);
    return cs_outfile_commit(&of, d);
}

int cs_sweep_finish(cs_sweep_state *st, int ranks, cs_diags *d)
{
    const cs_sweep *sw = st->sw;
    cs_sweep_value *v = malloc((sw->npoints * sw->nmetrics + 1) * sizeof *v);
    if (!v) {
        cs_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < sw->npoints && rc == 0; i++)
        if (read_point(st, i, v + i * sw->nmetrics, d) != 1) {
            if (d->nerrors == 0) cs_error(d, st->dir, 0, 0, "point %zu is missing", i);
            rc = -1;
        }
    if (rc == 0) rc = write_csv(st, v, d);
    /* saltelli: the indices of each metric (its point means) to each parameter */
    size_t k = sw->nparams, nm = sw->nmetrics;
    cs_sobol_index *ix = NULL;
    double *var = NULL, *f = NULL;
    size_t *used = NULL;
    if (rc == 0 && sw->design == CS_DESIGN_SALTELLI) {
        ix = malloc((k * nm + 1) * sizeof *ix), var = malloc((nm + 1) * sizeof *var);
        used = malloc((nm + 1) * sizeof *used), f = malloc((sw->npoints + 1) * sizeof *f);
        if (!ix || !var || !used || !f) {
            cs_error(d, NULL, 0, 0, "out of memory");
            rc = -1;
        }
        for (size_t m = 0; rc == 0 && m < nm; m++) {
            for (size_t i = 0; i < sw->npoints; i++) f[i] = v[i * nm + m].mean;
            used[m] = cs_sensitivity_saltelli(f, sw->base_points, k, ix + m * k, &var[m]);
            if (used[m] == SIZE_MAX) {
                cs_error(d, NULL, 0, 0, "out of memory");
                rc = -1;
            }
        }
        if (rc == 0) rc = write_sensitivity(st, ix, var, used, d);
    }
    if (rc == 0) rc = cs_sweep_report(sw, st->dir, v, ix, var, used, d);
    if (rc == 0) rc = write_manifest(st, ranks, d);
    free(v), free(ix), free(var), free(used), free(f);
    return rc;
}

int cs_sweep_run(const cs_sweep *sw, const cs_sweep_options *o, cs_diags *d)
{
    cs_sweep_state *st = cs_sweep_begin(sw, o, d);
    if (!st) return -1;
    cs_sweep_value *v = malloc((sw->nmetrics + 1) * sizeof *v);
    int rc = v ? 0 : -1;
    if (!v) cs_error(d, NULL, 0, 0, "out of memory");
    size_t ran = 0, done = 0;
    for (size_t i = 0; i < sw->npoints; i++) done += st->done[i];
    for (size_t i = 0; i < sw->npoints && rc == 0; i++) {
        if (st->done[i]) continue;
        if ((o->max_points > 0 && ran >= (size_t)o->max_points) || (o->stop && atomic_load(o->stop))) {
            rc = 1;
            break;
        }
        rc = cs_sweep_eval(st, i, 0, v, d);
        if (rc == 0) rc = cs_sweep_save(st, i, v, d);
        ran++, done++;
        if (rc == 0 && o->progress) o->progress(o->progress_ctx, done, sw->npoints);
    }
    if (rc == 0) rc = cs_sweep_finish(st, 1, d);
    free(v);
    cs_sweep_end(st);
    return rc;
}
