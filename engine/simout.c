/* simout: runs a scenario's replicas in parallel and writes the results folder.
 *
 * Replicas are shared between OpenMP threads: each thread takes the next replica not taken yet,
 * runs it from its own random stream and formats its rows into memory, then waits for its turn
 * and appends them to the files in replica order.  So the files are byte-identical for any
 * thread count, and at most one replica per thread is held in memory at a time.  (Not an
 * `omp for ordered` loop: every iteration of one, even one with nothing left to do, waits for
 * its turn, so stopping a run of 1000 replicas took seconds on a busy machine; here threads stop
 * taking replicas.)
 *
 * The folder is complete or absent: every file is written into a temporary folder beside the
 * target (DIR.tmp-XXXXXX), which is renamed to DIR once all files are written and synced.  An
 * existing DIR is replaced only when it holds a manifest.json (a previous results folder) and the
 * caller asked for it (--force): it is swapped with the new one atomically (renameat2
 * RENAME_EXCHANGE, or two renames where the file system lacks it) and then removed.  Both rules,
 * and whether the estimated memory fits (memest.h), are checked before anything is created.
 *
 * Stopping (SIGINT, SIGTERM): the caller's handler sets o->stop; each replica reads it between
 * periods, no replica starts once it is set, and instead of the manifest and the rename the
 * temporary folder is removed.  So a stopped run leaves DIR as it was and no DIR.tmp-*.  The
 * formats are in docs/scenario-format.md ("Results"). */
#define _GNU_SOURCE /* renameat2, fopencookie */
#include "sim.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compsim.h"
#include "json.h"
#include "memest.h"
#include "money.h"
#include "outfile.h"
#include "replay.h"
#include "yaml_tree.h"

/* ---- rows ------------------------------------------------------------------------------------ */

static void put_cents(FILE *f, int64_t c)
{
    char buf[24];
    cs_format_cents(buf, c);
    fputs(buf, f);
}

static void periods_header(FILE *f)
{
    fputs("replica,period,plan,members,joins,quits,reached,declined,recruiters,active,pv,bv,retail", f);
    for (int t = 0; t < CS_BONUS_NTYPES; t++) fprintf(f, ",%s", cs_bonus_type_name((cs_bonus_type)t));
    fputs(",company_paid,paid_members,payout_ratio\n", f);
}

/* company_paid / bv to six decimals, rounded half up, in integers so the text is exact. */
static void put_ratio(FILE *f, int64_t paid, int64_t bv)
{
    if (bv <= 0) return;
    __int128 x = ((__int128)paid * 2000000 + bv) / (2 * (__int128)bv);
    fprintf(f, "%lld.%06lld", (long long)(x / 1000000), (long long)(x % 1000000));
}

static void period_rows(const cs_sim *s, FILE *f)
{
    const cs_scenario *sc = s->sc;
    for (int32_t t = 1; t <= s->periods_done; t++) {
        const cs_sim_period *per = &s->period[t - 1];
        for (size_t k = 0; k < sc->nplans; k++) {
            const cs_sim_plan_period *pp = &s->plan[k].period[t - 1];
            fprintf(f, "%llu,%d,%zu,%lld,%lld,%lld,%lld,%lld,%lld,%lld,", (unsigned long long)s->replica, t, k + 1,
                    (long long)per->members, (long long)per->joins, (long long)per->quits, (long long)per->reached,
                    (long long)per->declined, (long long)per->recruiters, (long long)pp->active);
            put_cents(f, pp->pv);
            fputc(',', f);
            put_cents(f, pp->bv);
            fputc(',', f);
            put_cents(f, pp->retail);
            for (int b = 0; b < CS_BONUS_NTYPES; b++) {
                fputc(',', f);
                put_cents(f, pp->by_type[b]);
            }
            fputc(',', f);
            put_cents(f, pp->company_paid);
            fprintf(f, ",%lld,", (long long)pp->paid_members);
            put_ratio(f, pp->company_paid, pp->bv);
            fputc('\n', f);
        }
    }
}

static const char members_header[] =
    "replica,plan,id,sponsor,type,join_period,quit_period,highest_rank,gross,retail_profit,purchases,expenses,signup_fee,net\n";

static void member_rows(const cs_sim *s, FILE *f)
{
    const cs_scenario *sc = s->sc;
    char id[32], sp[32];
    for (size_t k = 0; k < sc->nplans; k++) {
        const cs_plan *p = sc->plans[k];
        const cs_sim_plan *pl = &s->plan[k];
        for (size_t i = 0; i < s->n; i++) {
            cs_sim_member_id(id, sizeof id, i);
            sp[0] = '\0';
            if (s->parent[i] >= 0) cs_sim_member_id(sp, sizeof sp, (size_t)s->parent[i]);
            fprintf(f, "%llu,%zu,%s,%s,%s,%d,", (unsigned long long)s->replica, k + 1, id, sp,
                    cs_member_type_name((cs_member_type)s->type[i]), s->join[i]);
            if (s->quit[i]) fprintf(f, "%d", s->quit[i]);
            fputc(',', f);
            int32_t title = pl->title[i];
            if (title != CS_RANK_NONE) cs_csv_put(f, p->ranks[title].name);
            fputc(',', f);
            put_cents(f, pl->gross[i]);
            fputc(',', f);
            put_cents(f, pl->retail_profit[i]);
            fputc(',', f);
            put_cents(f, pl->purchases[i]);
            fputc(',', f);
            put_cents(f, s->expenses[i]);
            fputc(',', f);
            put_cents(f, cs_scenario_fee(sc, k));
            fputc(',', f);
            put_cents(f, cs_sim_net(s, k, i));
            fputc('\n', f);
        }
    }
}

/* ---- the manifest ---------------------------------------------------------------------------- */


static void json_lognormal(FILE *f, const char *key, const cs_lognormal *ln)
{
    fprintf(f, "\"%s\": {\"median\": %.17g, \"sigma\": %.17g}", key, ln->median, ln->sigma);
}

static void json_params(FILE *f, const cs_scenario *sc)
{
    static const char *const sat[] = {"none", "linear"}, *const prop[] = {"none", "gamma", "lognormal"};
    fprintf(f, "    \"periods\": %d,\n    \"population\": %lld,\n    \"founders\": %lld,\n", sc->periods,
            (long long)sc->population, (long long)sc->founders);
    fprintf(f, "    \"saturation\": \"%s\",\n    \"propensity\": \"%s\",\n    \"dispersion\": %.17g,\n",
            sat[sc->saturation], prop[sc->propensity], sc->dispersion);
    if (sc->contacts.on)
        fprintf(f, "    \"contacts\": {\"mean\": %.17g, \"dispersion\": %.17g, \"acceptance_ppm\": %d},\n",
                sc->contacts.mean, sc->contacts.dispersion, sc->contacts.acceptance_ppm);
    else
        fputs("    \"contacts\": null,\n", f);
    fprintf(f, "    \"bv_share_ppm\": %d,\n    \"signup_fee_cents\": %lld,\n    \"types\": {", sc->bv_ppm,
            (long long)sc->signup_fee);
    for (int t = 0; t < CS_MEMBER_NTYPES; t++) {
        const cs_member_params *m = &sc->type[t];
        fprintf(f, "%s\n      \"%s\": {\"share_ppm\": %d, \"recruits\": %.17g, \"autoship\": %s, \"order_ppm\": %d, ",
                t ? "," : "", cs_member_type_name((cs_member_type)t), m->share_ppm, m->recruits,
                m->autoship ? "true" : "false", m->order_ppm);
        json_lognormal(f, "pv", &m->pv);
        fprintf(f, ", \"retail_ppm\": %d, ", m->retail_ppm);
        json_lognormal(f, "retail", &m->retail);
        fputs(", ", f);
        json_lognormal(f, "expenses", &m->expenses);
        fprintf(f,
                ", \"value_received_ppm\": %d, \"early_periods\": %d, \"quit_early_ppm\": %d, \"quit_later_ppm\": %d, "
                "\"loss_factor\": %.17g}",
                m->value_ppm, m->early_periods, m->quit_early_ppm, m->quit_later_ppm, m->loss_factor);
    }
    fputs("\n    },\n    \"shocks\": [", f);
    for (size_t i = 0; i < sc->nshocks; i++)
        fprintf(f, "%s{\"from\": %d, \"recruitment\": %.17g, \"attrition\": %.17g}", i ? ", " : "", sc->shocks[i].from,
                sc->shocks[i].recruitment, sc->shocks[i].attrition);
    fputs("]\n", f);
}

static int write_manifest(FILE *f, const cs_scenario *sc, uint64_t seed, int64_t replicas, int threads,
                          int64_t member_replicas, int64_t export_replica, double wall, cs_diags *d)
{
    fprintf(f, "{\n  \"compsim_version\": \"%s\",\n  \"scenario\": {\"file\": ", cs_version());
    cs_json_cstr(f, sc->file);
    fputs(", \"name\": ", f);
    cs_json_cstr(f, sc->name);
    fputs(", \"text\": ", f);
    cs_json_str(f, sc->text, sc->textlen);
    fputs("},\n  \"plans\": [", f);
    for (size_t k = 0; k < sc->nplans; k++) {
        size_t len = 0;
        errno = 0;
        char *text = cs_yt_read_file(sc->plan_files[k], &len);
        if (!text && errno == ENOMEM) { /* a plan gone since it was loaded is null; this is a failure */
            cs_error(d, sc->plan_files[k], 0, 0, "out of memory");
            return -1;
        }
        fprintf(f, "%s\n    {\"plan\": %zu, \"file\": ", k ? "," : "", k + 1);
        cs_json_cstr(f, sc->plan_files[k]);
        fputs(", \"name\": ", f);
        cs_json_cstr(f, sc->plans[k]->name);
        fputs(", \"text\": ", f);
        if (text) cs_json_str(f, text, len);
        else fputs("null", f);
        free(text);
        fputc('}', f);
    }
    fprintf(f, "\n  ],\n  \"seed\": %llu,\n  \"replicas\": %lld,\n  \"threads\": %d,\n", (unsigned long long)seed,
            (long long)replicas, threads);
    fputs("  \"generator\": \"xoshiro256** as a gsl_rng, state from splitmix64; replica r's seed is "
          "splitmix64(splitmix64(seed) + r)\",\n",
          f);
    fprintf(f, "  \"member_replicas\": %lld,\n  \"genealogy_replica\": ", (long long)member_replicas);
    if (export_replica >= 0) fprintf(f, "%lld", (long long)export_replica);
    else fputs("null", f);
    fprintf(f, ",\n  \"wall_seconds\": %.3f,\n  \"parameters\": {\n", wall);
    json_params(f, sc);
    fputs("  }\n}\n", f);
    return ferror(f) ? -1 : 0;
}

/* ---- the folder ------------------------------------------------------------------------------ */

static char *str_printf(const char *fmt, const char *a, const char *b)
{
    size_t n = strlen(fmt) + strlen(a) + (b ? strlen(b) : 0) + 32;
    char *s = malloc(n);
    if (s) snprintf(s, n, fmt, a, b ? b : "");
    return s;
}

static const char *const result_files[] = {"manifest.json", "periods.csv", "members.csv", "member_years.csv"};

/* Removes an old results folder that has been swapped out: only the files compsim writes. */
static int remove_old(const char *dir)
{
    DIR *dh = opendir(dir);
    if (!dh) return -1;
    struct dirent *e;
    while ((e = readdir(dh))) {
        const char *nm = e->d_name;
        int ours = !strncmp(nm, "genealogy-", 10) && strlen(nm) > 14 && !strcmp(nm + strlen(nm) - 4, ".csv");
        for (size_t i = 0; i < sizeof result_files / sizeof *result_files; i++) ours |= !strcmp(nm, result_files[i]);
        if (ours) unlinkat(dirfd(dh), nm, 0);
    }
    closedir(dh);
    return rmdir(dir);
}

/* What is at `final`: 0 nothing, 1 a results folder that may be replaced (force), or -1 with an
 * error: something else (a symbolic link included: exchanging it would move the link, not the
 * folder), or a results folder without force. */
static int destination(const char *final, int force, cs_diags *d)
{
    struct stat st;
    if (lstat(final, &st) != 0) return 0; /* absent, or a parent that is not there: mkdtemp says */
    char *man = str_printf("%s/%s", final, "manifest.json");
    int ok = man && S_ISDIR(st.st_mode) && access(man, F_OK) == 0;
    free(man);
    if (!ok) {
        cs_error(d, final, 0, 0, "exists and is not a compsim results folder (no manifest.json): not replaced");
        return -1;
    }
    if (!force) {
        cs_error(d, final, 0, 0, "holds the results of an earlier run: not replaced without --force");
        return -1;
    }
    return 1;
}

/* Puts the complete folder `tmp` in place of `final`. */
static int install(const char *tmp, const char *final, int force, cs_diags *d)
{
    int have = destination(final, force, d); /* again: it may have appeared during the run */
    if (have < 0) return -1;
    if (!have) {
        /* NOREPLACE: rename alone would silently replace an empty folder made in the meantime */
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_NOREPLACE) == 0) return 0;
        if (errno == EINVAL && rename(tmp, final) == 0) return 0; /* a file system without it */
        cs_error(d, final, 0, 0, "cannot create the results folder: %s", strerror(errno));
        return -1;
    }
    if (renameat2(AT_FDCWD, tmp, AT_FDCWD, final, RENAME_EXCHANGE) == 0) {
        if (remove_old(tmp)) cs_diag_add(d, CS_SEV_WARNING, tmp, 0, 0, NULL, "the previous results were left here");
        return 0;
    }
    /* no atomic exchange on this file system: move the old folder aside first */
    char *aside = str_printf("%s.old-%s", final, strrchr(tmp, '-') + 1);
    if (aside && rename(final, aside) == 0) {
        if (rename(tmp, final) == 0) {
            if (remove_old(aside)) cs_diag_add(d, CS_SEV_WARNING, aside, 0, 0, NULL, "the previous results were left here");
            free(aside);
            return 0;
        }
        int e = errno;
        rename(aside, final); /* the old folder back in its place */
        errno = e;
    }
    cs_error(d, final, 0, 0, "cannot replace the results folder: %s", strerror(errno));
    free(aside);
    return -1;
}

/* ---- running the replicas -------------------------------------------------------------------- */

/* A replica's rows, kept in memory until its turn to be written: a stream over a list of 1 MiB
 * chunks.  Not open_memstream: glibc grows that buffer by allocating twice its size, copying and
 * zeroing the new part, so B bytes of rows briefly take 3B; chunks take the rows and less than
 * 1 MiB more, which is what the memory estimate counts (memest.c). */
#define ROWS_CHUNK ((size_t)1 << 20)
typedef struct rows_chunk {
    struct rows_chunk *next;
    size_t len;
    char data[];
} rows_chunk;
typedef struct {
    rows_chunk *head, *tail;
} rows;

static ssize_t rows_write(void *cookie, const char *p, size_t n)
{
    rows *r = cookie;
    size_t done = 0;
    while (done < n) {
        if (!r->tail || r->tail->len == ROWS_CHUNK) {
            rows_chunk *k = malloc(sizeof *k + ROWS_CHUNK);
            if (!k) break; /* a short count: stdio sets the stream's error, fclose fails */
            k->next = NULL;
            k->len = 0;
            *(r->tail ? &r->tail->next : &r->head) = k;
            r->tail = k;
        }
        size_t m = ROWS_CHUNK - r->tail->len < n - done ? ROWS_CHUNK - r->tail->len : n - done;
        memcpy(r->tail->data + r->tail->len, p + done, m);
        r->tail->len += m;
        done += m;
    }
    return (ssize_t)done;
}

static FILE *rows_open(rows *r)
{
    r->head = r->tail = NULL;
    return fopencookie(r, "w", (cookie_io_functions_t){.write = rows_write});
}

static void rows_put(const rows *r, FILE *f)
{
    for (const rows_chunk *k = r->head; k; k = k->next) fwrite(k->data, 1, k->len, f);
}

static void rows_free(rows *r)
{
    while (r->head) {
        rows_chunk *k = r->head;
        r->head = k->next;
        free(k);
    }
    r->tail = NULL;
}

typedef struct {
    cs_outfile periods, members, years, genealogy, manifest;
} files;

static int stop_requested(const cs_sim_options *o)
{
    return o->stop && atomic_load_explicit(o->stop, memory_order_relaxed);
}

static void copy_diags(cs_diags *to, const cs_diags *from)
{
    size_t kept_errors = 0;
    for (size_t i = 0; i < from->n; i++) {
        const cs_diag *g = &from->items[i];
        cs_diag_add(to, g->sev, g->file, g->line, g->col, NULL, "%s", g->msg);
        kept_errors += g->sev == CS_SEV_ERROR;
    }
    /* and the ones not kept: a message lost for want of memory is still reported as such */
    to->nerrors += from->nerrors - kept_errors;
    to->ndropped += from->ndropped;
    to->nlost += from->nlost;
    to->oom |= from->oom;
}

/* The replicas' turns to write, in replica order. */
typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t turn;
    int64_t written; /* replicas 0 .. written-1 have had their turn */
    int failed;      /* a replica failed: no more are taken, nothing more is written */
} turns;

static int run_replicas(const cs_scenario *sc, uint64_t seed, int64_t R, int threads, int64_t member_replicas,
                        int64_t export_replica, files *fs, const cs_sim_options *o, cs_diags *d)
{
    turns q = {.written = 0, .failed = 0};
    pthread_mutex_init(&q.mu, NULL);
    pthread_cond_init(&q.turn, NULL);
    atomic_int_fast64_t next = 0; /* the next replica to take */
    atomic_int failed = 0;        /* q.failed, readable without the lock */
#pragma omp parallel num_threads(threads) if (R > 1 && threads > 1)
    {
        cs_sim *held = NULL; /* the thread's last replica, whose memory the next one reuses (cs_sim_restart) */
        for (;;) {
            if (atomic_load(&failed) || stop_requested(o)) break;
            const int64_t r = atomic_fetch_add(&next, 1);
            if (r >= R) break;
            cs_diags local;
            cs_diags_init(&local);
            rows prows = {NULL, NULL}, mrows = {NULL, NULL}, yrows = {NULL, NULL};
            cs_sim *s = held && !cs_sim_restart(held, seed, (uint64_t)r) ? held : NULL;
            if (!s) {
                cs_sim_free(held);
                s = cs_sim_new(sc, seed, (uint64_t)r);
            }
            held = NULL;
            FILE *pf = rows_open(&prows);
            FILE *mf = r < member_replicas ? rows_open(&mrows) : NULL;
            FILE *yf = r < member_replicas ? rows_open(&yrows) : NULL;
            if (s) s->stop = o->stop;
            /* per-year rows only for the member replicas: written by the replica as each year closes */
            if (!s || !pf || (r < member_replicas && (!mf || !yf || cs_sim_track_years(s, yf)))) {
                cs_error(&local, NULL, 0, 0, "out of memory");
            } else if (cs_sim_run(s, r == export_replica ? fs->genealogy.f : NULL, &local) == 0) {
                period_rows(s, pf);
                if (mf) member_rows(s, mf);
                held = s; /* complete: its memory serves the next replica (a stopped one is only freed) */
            }
            if (pf && fclose(pf)) cs_error(&local, NULL, 0, 0, "out of memory");
            if (mf && fclose(mf)) cs_error(&local, NULL, 0, 0, "out of memory");
            if (yf && fclose(yf)) cs_error(&local, NULL, 0, 0, "out of memory");
            if (s != held) cs_sim_free(s);
            /* every replica below r was taken before r, and is written (or skipped) in its turn */
            pthread_mutex_lock(&q.mu);
            while (q.written != r) pthread_cond_wait(&q.turn, &q.mu);
            if (local.nerrors && !q.failed) { /* the first failing replica's messages, as in a serial run */
                copy_diags(d, &local);
                q.failed = 1;
                atomic_store(&failed, 1);
            }
            if (!q.failed && !stop_requested(o)) {
                rows_put(&prows, fs->periods.f);
                rows_put(&mrows, fs->members.f);
                rows_put(&yrows, fs->years.f);
                if (o->progress) o->progress(o->progress_ctx, r + 1, R);
            }
            q.written = r + 1;
            pthread_cond_broadcast(&q.turn);
            pthread_mutex_unlock(&q.mu);
            rows_free(&prows);
            rows_free(&mrows);
            rows_free(&yrows);
            cs_diags_free(&local);
        }
        cs_sim_free(held);
    }
    pthread_cond_destroy(&q.turn);
    pthread_mutex_destroy(&q.mu);
    return q.failed ? -1 : 0;
}

int cs_sim_write_results(const cs_scenario *sc, const cs_sim_options *o, cs_diags *d)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const int64_t R = o->replicas > 0 ? o->replicas : sc->replicas;
    const uint64_t seed = o->seed_given ? o->seed : sc->seed;
    const int threads = o->threads > 0 ? o->threads : omp_get_max_threads();
    const int64_t member_replicas = sc->member_replicas < R ? sc->member_replicas : R;
    if (o->export_replica >= R) {
        cs_error(d, NULL, 0, 0, "cannot export the genealogy of replica %lld: replicas are numbered 0 to %lld",
                 (long long)o->export_replica, (long long)(R - 1));
        return -1;
    }
    char *final = o->out_dir ? strdup(o->out_dir) : str_printf("results/%s%s", sc->name, NULL);
    if (!final) return cs_error(d, NULL, 0, 0, "out of memory"), -1;
    size_t fl = strlen(final);
    while (fl > 1 && final[fl - 1] == '/') final[--fl] = '\0';
    /* refused before any work: a destination that will not be replaced, a run that cannot fit */
    if (destination(final, o->force, d) < 0 || cs_memest_check(sc, R, threads, d)) {
        free(final);
        return -1;
    }
    if (!o->out_dir) mkdir("results", 0777); /* the default parent; an error shows at mkdtemp */
    char *tmp = str_printf("%s.tmp-XXXXXX", final, NULL);
    files fs;
    memset(&fs, 0, sizeof fs);
    int rc = -1, made = 0;
    if (!tmp) {
        cs_error(d, NULL, 0, 0, "out of memory");
        goto done;
    }
    if (!mkdtemp(tmp)) {
        cs_error(d, final, 0, 0, "cannot create the results folder: %s", strerror(errno));
        goto done;
    }
    made = 1;
    chmod(tmp, 0777 & ~(mode_t)0022);
    char *path;
#define OPEN(of, name) \
    do { \
        path = str_printf("%s/%s", tmp, name); \
        if (!path) cs_error(d, NULL, 0, 0, "out of memory"); \
        int bad_ = !path || cs_outfile_open(&fs.of, path, d); \
        free(path); \
        if (bad_) goto done; \
    } while (0)
    OPEN(periods, "periods.csv");
    OPEN(members, "members.csv");
    OPEN(years, "member_years.csv");
    if (o->export_replica >= 0) {
        char name[64];
        snprintf(name, sizeof name, "genealogy-%lld.csv", (long long)o->export_replica);
        OPEN(genealogy, name);
    }
    periods_header(fs.periods.f);
    fputs(members_header, fs.members.f);
    fputs(cs_sim_years_header, fs.years.f);

    /* payout.c's own parallel loops run inside a replica; with one replica they get the threads */
    int saved_threads = omp_get_max_threads(), saved_levels = omp_get_max_active_levels();
    omp_set_num_threads(threads);
    omp_set_max_active_levels(1);
    int run = run_replicas(sc, seed, R, threads, member_replicas, o->export_replica, &fs, o, d);
    omp_set_num_threads(saved_threads);
    omp_set_max_active_levels(saved_levels);
    if (run) goto done;
    if (stop_requested(o)) {
        rc = 1;
        goto done;
    }

    clock_gettime(CLOCK_MONOTONIC, &t1);
    double wall = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    OPEN(manifest, "manifest.json");
    size_t errs = d->nerrors;
    write_manifest(fs.manifest.f, sc, seed, R, threads, member_replicas, o->export_replica, wall, d);
    if (d->nerrors != errs) goto done;
    if (cs_outfile_commit(&fs.periods, d) || cs_outfile_commit(&fs.members, d) || cs_outfile_commit(&fs.years, d) ||
        (fs.genealogy.f && cs_outfile_commit(&fs.genealogy, d)) || cs_outfile_commit(&fs.manifest, d))
        goto done;
    if (stop_requested(o)) { /* the commits' fsync can take a while: the last moment to stop */
        rc = 1;
        goto done;
    }
    if (install(tmp, final, o->force, d)) goto done;
    made = 0;
    rc = 0;
#undef OPEN
done:
    cs_outfile_abort(&fs.periods);
    cs_outfile_abort(&fs.members);
    cs_outfile_abort(&fs.years);
    cs_outfile_abort(&fs.genealogy);
    cs_outfile_abort(&fs.manifest);
    if (made) remove_old(tmp);
    free(tmp);
    free(final);
    return rc;
}
