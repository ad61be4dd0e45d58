/* compsim: the command-line front of the engine.  Parses arguments, calls the library, prints
 * its diagnostics and exits; all the work is in engine/. */
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "compsim.h"
#include "report.h"
#include "sweep.h"
#ifdef COMPSIM_MPI
#include "sweep_mpi.h"
#endif

static const char usage_main[] =
    "usage: compsim COMMAND [ARGS]\n"
    "\n"
    "Computes and simulates what multi-level-marketing compensation plans pay.\n"
    "\n"
    "commands:\n"
    "  check PLAN.yaml...                 validate plans and explain what they say\n"
    "  payout PLAN.yaml GENEALOGY.csv     compute each member's payout per period\n"
    "  simulate SCENARIO.yaml             grow synthetic networks and pay every plan\n"
    "  report RESULTS_DIR                 tables, charts and report.html of a simulation\n"
    "  sweep SWEEP.yaml                   run a scenario over a grid or Sobol design of parameters\n"
    "\n"
    "options:\n"
    "  -h, --help      show this help (compsim COMMAND --help for a command)\n"
    "  --version       show the version\n"
    "\n"
    "Formats: docs/plan-format.md, docs/scenario-format.md.\n";

static const char usage_check[] =
    "usage: compsim check PLAN.yaml...\n"
    "\n"
    "Validates each plan and prints a readable summary: ranks and their rules, bonuses, and the\n"
    "levels each rank is paid.  Problems are reported as FILE:LINE:COLUMN: error: ...; the exit\n"
    "status is 1 if any plan has an error.\n";

static const char usage_payout[] =
    "usage: compsim payout PLAN.yaml GENEALOGY.csv [-o PAYOUTS.csv] [--members MEMBERS.csv]\n"
    "\n"
    "Applies the plan to every period of the genealogy and prints a summary per period (members,\n"
    "active members, company BV, total of each bonus, payout ratio, share of members paid).\n"
    "\n"
    "  -o, --output FILE   write the payout lines: period,id,bonus,type,amount\n"
    "  --members FILE      write each member's period: period,id,active,rank,title,pv,gv,bv,paid\n"
    "\n"
    "Output files are written whole or not at all.  Formats: docs/plan-format.md.\n";

static const char usage_simulate[] =
    "usage: compsim simulate SCENARIO.yaml [-o DIR] [--force] [--replicas N] [--seed S] [--threads N]\n"
    "                        [--genealogy R] [--quiet]\n"
    "\n"
    "Grows the scenario's synthetic market period by period in each replica and pays every plan\n"
    "it names, then writes the results folder (default results/<scenario name>/): manifest.json,\n"
    "periods.csv (per replica, period and plan) and members.csv (per member of the first\n"
    "member_replicas replicas).  The same seed gives the same files whatever --threads is.\n"
    "\n"
    "  -o, --output DIR   the results folder; it must not exist, unless --force\n"
    "  --force            replace DIR if it holds the results of an earlier run (never another folder)\n"
    "  --replicas N       number of replicas (default: the scenario's)\n"
    "  --seed S           master seed (default: the scenario's)\n"
    "  --threads N        OpenMP threads (default: OpenMP's)\n"
    "  --genealogy R      also write genealogy-R.csv: replica R as `compsim payout` reads it\n"
    "  --quiet            no progress bar (it is shown only when stderr is a terminal)\n"
    "  --no-report        do not run `compsim report` on the results folder afterwards\n"
    "\n"
    "The folder is written whole or not at all: Ctrl-C (SIGINT) or SIGTERM stops the run within about\n"
    "a period of one replica, writes nothing and exits with 130 or 143.  A simulation whose estimated\n"
    "memory exceeds what is available is refused before it starts.  Formats: docs/scenario-format.md.\n";

static const char usage_report[] =
    "usage: compsim report RESULTS_DIR [--wage W] [--hours H] [--year Y] [--no-charts]\n"
    "\n"
    "Reads a results folder of `compsim simulate` and writes RESULTS_DIR/report/: the tables as\n"
    "CSV, summary.json, the charts (gnuplot: SVG and PNG, with their data and scripts) and\n"
    "report.html, a self-contained page.  Every figure is a mean across replicas with its 90%\n"
    "interval; docs/metrics.md defines each one.\n"
    "\n"
    "  --wage W       hourly wage net income is compared with (default 7.25)\n"
    "  --hours H      hours of work a week assumed for that comparison (default 10)\n"
    "  --year Y       year of the one-year income disclosure table (default: the last whole year;\n"
    "                 needs member_years.csv)\n"
    "  --no-charts    write the charts' data and scripts but do not run gnuplot\n"
    "\n"
    "gnuplot is $COMPSIM_GNUPLOT if set; without it the charts are skipped with a warning.  The\n"
    "folder is written whole or not at all.\n";

static int is_help(const char *a) { return !strcmp(a, "-h") || !strcmp(a, "--help"); }

static int bad_usage(const char *msg, const char *arg, const char *usage)
{
    fprintf(stderr, "compsim: error: %s%s%s\n\n%s", msg, arg ? " " : "", arg ? arg : "", usage);
    return 2;
}

static int cmd_check(int argc, char **argv)
{
    if (argc < 1) return bad_usage("no plan file given", NULL, usage_check);
    for (int k = 0; k < argc; k++)
        if (is_help(argv[k])) return fputs(usage_check, stdout), 0;
    int failed = 0;
    for (int k = 0; k < argc; k++) {
        cs_diags d;
        cs_diags_init(&d);
        cs_plan *p = cs_plan_load_file(argv[k], &d);
        cs_diags_print(&d, stderr);
        if (p) {
            if (argc > 1) printf("%s%s\n", k ? "\n" : "", argv[k]);
            cs_plan_describe(p, stdout);
        } else {
            failed = 1;
        }
        cs_plan_free(p);
        cs_diags_free(&d);
    }
    return failed;
}

/* Writes the payout lines and member rows, each to a temporary file renamed when complete. */
static int cmd_payout(int argc, char **argv)
{
    const char *files[2] = {NULL, NULL}, *out_path = NULL, *members_path = NULL;
    int nfiles = 0;
    for (int k = 0; k < argc; k++) {
        if (is_help(argv[k])) return fputs(usage_payout, stdout), 0;
        if (!strcmp(argv[k], "-o") || !strcmp(argv[k], "--output") || !strcmp(argv[k], "--members")) {
            if (k + 1 >= argc) return bad_usage("missing file after", argv[k], usage_payout);
            *(strcmp(argv[k], "--members") ? &out_path : &members_path) = argv[k + 1];
            k++;
        } else if (argv[k][0] == '-' && argv[k][1]) {
            return bad_usage("unknown option", argv[k], usage_payout);
        } else if (nfiles < 2) {
            files[nfiles++] = argv[k];
        } else {
            return bad_usage("unexpected argument", argv[k], usage_payout);
        }
    }
    if (nfiles < 2) return bad_usage("need a plan file and a genealogy file", NULL, usage_payout);

    cs_diags d;
    cs_diags_init(&d);
    cs_plan *p = cs_plan_load_file(files[0], &d);
    cs_genealogy *g = cs_genealogy_load_file(files[1], &d);
    cs_outfile out = {0}, mem = {0};
    cs_replay_summary sum = {0};
    int rc = 1;
    if (!p || !g) goto done;
    if (out_path && cs_outfile_open(&out, out_path, &d)) goto done;
    if (members_path && cs_outfile_open(&mem, members_path, &d)) goto done;
    if (cs_replay(p, g, out.f, mem.f, &sum, &d)) goto done;
    /* both files written and synced before either is renamed into place */
    if (out_path && cs_outfile_finish(&out, &d)) goto done;
    if (members_path && cs_outfile_finish(&mem, &d)) goto done;
    if (out_path && cs_outfile_install(&out, &d)) goto done;
    if (members_path && cs_outfile_install(&mem, &d)) goto done;
    cs_replay_summary_print(&sum, p, g, stdout);
    rc = 0;
done:
    cs_outfile_abort(&out);
    cs_outfile_abort(&mem);
    cs_diags_print(&d, stderr);
    cs_replay_summary_free(&sum);
    cs_genealogy_free(g);
    cs_plan_free(p);
    cs_diags_free(&d);
    return rc;
}

/* A whole number for an option, or -1. */
static long long option_count(const char *s, long long max)
{
    char *end;
    errno = 0;
    if (!*s || *s == '-' || *s == '+') return -1;
    long long v = strtoll(s, &end, 10);
    return errno || *end || v > max ? -1 : v;
}

static void progress_bar(void *ctx, int64_t done, int64_t total)
{
    (void)ctx;
    int w = 40, fill = (int)(w * done / total);
    fprintf(stderr, "\r[%.*s%*s] %lld/%lld replicas", fill, "########################################", w - fill, "",
            (long long)done, (long long)total);
    if (done == total) fputc('\n', stderr);
    fflush(stderr);
}

/* simout.c removes a replaced results folder file by file and does not know the report/ folder
 * inside it, so the report of an earlier run is moved aside (DIR.report-old-PID/report) before
 * simulating, put back if the run fails and removed if it succeeds.  To go once simout removes
 * report/ itself (cs_report_remove). */
static void stash_report(const char *dir, char *aside, size_t size)
{
    char rep[4200], marker[4300];
    snprintf(rep, sizeof rep, "%s/report", dir);
    snprintf(marker, sizeof marker, "%s/summary.json", rep);
    if (access(marker, F_OK) != 0) return;
    snprintf(aside, size, "%s.report-old-%ld", dir, (long)getpid());
    snprintf(marker, sizeof marker, "%s/report", aside);
    if (mkdir(aside, 0755) != 0 || rename(rep, marker) != 0) {
        rmdir(aside);
        aside[0] = '\0';
    }
}

static void unstash_report(const char *dir, const char *aside, int ok)
{
    if (!aside[0]) return;
    char rep[4200], from[4300];
    snprintf(rep, sizeof rep, "%s/report", dir);
    snprintf(from, sizeof from, "%s/report", aside);
    if (ok) cs_report_remove(aside);
    else rename(from, rep);
    rmdir(aside);
}

static int cmd_report(int argc, char **argv)
{
    const char *dir = NULL;
    cs_report_options ro;
    cs_report_options_init(&ro);
    for (int k = 0; k < argc; k++) {
        const char *a = argv[k];
        if (is_help(a)) return fputs(usage_report, stdout), 0;
        if (!strcmp(a, "--no-charts")) {
            ro.charts = 0;
        } else if (!strcmp(a, "--year")) {
            if (k + 1 >= argc) return bad_usage("missing value after", a, usage_report);
            char *end;
            errno = 0;
            long y = strtol(argv[++k], &end, 10);
            if (errno || end == argv[k] || *end || y < 1 || y > 100000) return bad_usage("invalid value for", a, usage_report);
            ro.year = (int)y;
        } else if (!strcmp(a, "--wage") || !strcmp(a, "--hours")) {
            if (k + 1 >= argc) return bad_usage("missing value after", a, usage_report);
            char *end;
            errno = 0;
            double x = strtod(argv[++k], &end);
            if (errno || end == argv[k] || *end || !isfinite(x) || x < 0 || (!strcmp(a, "--hours") && x > 168))
                return bad_usage("invalid value for", a, usage_report);
            *(strcmp(a, "--wage") ? &ro.hours_per_week : &ro.wage) = x;
        } else if (a[0] == '-' && a[1]) {
            return bad_usage("unknown option", a, usage_report);
        } else if (!dir) {
            dir = a;
        } else {
            return bad_usage("unexpected argument", a, usage_report);
        }
    }
    if (!dir) return bad_usage("no results folder given", NULL, usage_report);
    cs_diags d;
    cs_diags_init(&d);
    int rc = cs_report_write(dir, &ro, &d) == 0 ? 0 : 1;
    cs_diags_print(&d, stderr);
    if (rc == 0) printf("wrote %s/report/report.html\n", dir);
    cs_diags_free(&d);
    return rc;
}

/* SIGINT and SIGTERM during a simulation: the handler only records the signal in a lock-free
 * atomic (which a handler may write) and puts the default action back, so that a second Ctrl-C
 * kills as usual; the replicas read the flag between periods (cs_sim_options.stop).  A signal
 * ignored on entry (nohup, `&` in a script) stays ignored. */
_Static_assert(ATOMIC_INT_LOCK_FREE == 2, "the stop flag must be lock-free to be set from a signal handler");
static atomic_int stop_signal;

static void on_stop_signal(int sig)
{
    atomic_store_explicit(&stop_signal, sig, memory_order_relaxed);
    signal(sig, SIG_DFL);
}

static void catch_stop_signals(int on, struct sigaction old[2])
{
    static const int sigs[2] = {SIGINT, SIGTERM};
    for (int i = 0; i < 2; i++) {
        if (!on) {
            sigaction(sigs[i], &old[i], NULL);
            continue;
        }
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        if (sigaction(sigs[i], NULL, &old[i]) == 0 && old[i].sa_handler != SIG_IGN) sigaction(sigs[i], &sa, NULL);
    }
}

static int cmd_simulate(int argc, char **argv)
{
    const char *file = NULL;
    cs_sim_options o = {.export_replica = -1};
    int quiet = 0, report = 1;
    for (int k = 0; k < argc; k++) {
        const char *a = argv[k];
        if (is_help(a)) return fputs(usage_simulate, stdout), 0;
        if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--force")) {
            o.force = 1;
        } else if (!strcmp(a, "--no-report")) {
            report = 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--replicas") || !strcmp(a, "--seed") ||
                   !strcmp(a, "--threads") || !strcmp(a, "--genealogy")) {
            if (k + 1 >= argc) return bad_usage("missing value after", a, usage_simulate);
            const char *v = argv[++k];
            long long x = 0;
            if (strcmp(a, "-o") && strcmp(a, "--output")) {
                x = option_count(v, !strcmp(a, "--seed") ? INT64_MAX : !strcmp(a, "--threads") ? 1024 : 1000000);
                if (x < 0 || (x == 0 && (!strcmp(a, "--replicas") || !strcmp(a, "--threads"))))
                    return bad_usage("invalid value for", a, usage_simulate);
            }
            if (!strcmp(a, "-o") || !strcmp(a, "--output")) o.out_dir = v;
            else if (!strcmp(a, "--replicas")) o.replicas = x;
            else if (!strcmp(a, "--seed")) o.seed = (uint64_t)x, o.seed_given = 1;
            else if (!strcmp(a, "--threads")) o.threads = (int)x;
            else o.export_replica = x;
        } else if (a[0] == '-' && a[1]) {
            return bad_usage("unknown option", a, usage_simulate);
        } else if (!file) {
            file = a;
        } else {
            return bad_usage("unexpected argument", a, usage_simulate);
        }
    }
    if (!file) return bad_usage("no scenario file given", NULL, usage_simulate);
    if (!quiet && isatty(STDERR_FILENO)) o.progress = progress_bar;
    cs_diags d;
    cs_diags_init(&d);
    cs_scenario *sc = cs_scenario_load_file(file, &d);
    int rc = 1, stopped = 0;
    o.stop = &stop_signal;
    if (sc) {
        struct sigaction old_actions[2];
        catch_stop_signals(1, old_actions);
        char dir[4096], aside[4200] = "";
        snprintf(dir, sizeof dir, o.out_dir ? "%s" : "results/%s", o.out_dir ? o.out_dir : sc->name);
        size_t dl = strlen(dir);
        while (dl > 1 && dir[dl - 1] == '/') dir[--dl] = '\0';
        stash_report(dir, aside, sizeof aside);
        rc = cs_sim_write_results(sc, &o, &d) == 0 ? 0 : 1;
        unstash_report(dir, aside, rc == 0);
        catch_stop_signals(0, old_actions); /* from here on a signal acts as usual */
        stopped = atomic_load(&stop_signal);
        if (stopped) report = 0;
        if (rc == 0 && report) {
            cs_report_options ro;
            cs_report_options_init(&ro);
            rc = cs_report_write(dir, &ro, &d) == 0 ? 0 : 1;
        }
    }
    cs_diags_print(&d, stderr);
    if (stopped) {
        if (o.progress) fputc('\n', stderr); /* end the progress bar's line */
        fprintf(stderr, "compsim: error: interrupted by %s: %s\n", stopped == SIGINT ? "SIGINT" : "SIGTERM",
                rc == 0 ? "the results folder was complete; no report was made" : "no results were written");
        rc = 128 + stopped;
    }
    cs_scenario_free(sc);
    cs_diags_free(&d);
    return rc;
}

static const char usage_sweep[] =
    "usage: compsim sweep SWEEP.yaml [-o DIR] [--threads N] [--max-points N] [--no-charts] [--quiet]\n"
    "\n"
    "Runs the sweep's base scenario at every point of its design (grid, sobol or saltelli), each\n"
    "point with its own seed and replicas, and writes DIR (default results/<sweep name>/):\n"
    "sweep.csv (one row per point: parameter values, each metric's mean and 90% interval across\n"
    "replicas), report.html, manifest.json and, for a saltelli design, sensitivity.csv with\n"
    "tornado charts.  Parameters may be the scenario's or its plans' (plan.bonuses.NAME.levels[I]).\n"
    "A finished point is kept in DIR/points/: running the same sweep again with the same DIR does\n"
    "only the points not yet done, and the files are the same as from one uninterrupted run.\n"
    "\n"
    "  -o, --output DIR   the sweep's folder (created, or resumed if it holds this sweep's points)\n"
    "  --threads N        OpenMP threads inside a point (default: OpenMP's)\n"
    "  --max-points N     run at most N points not done yet, then stop (exit status 3)\n"
    "  --no-charts        write the tornado charts' data and scripts but do not run gnuplot\n"
    "  --quiet            no progress line (it is shown only when stderr is a terminal)\n"
    "\n"
    "Ctrl-C or SIGTERM stops after the current point (exit 130 or 143); the finished points stay.\n"
    "Built with COMPSIM_MPI, `mpirun -np N compsim sweep ...` spreads the points over the ranks.\n"
    "Format: docs/sweeps.md.\n";

static void sweep_progress(void *ctx, size_t done, size_t total)
{
    (void)ctx;
    fprintf(stderr, "\rcompsim sweep: %zu of %zu points", done, total);
    if (done == total) fputc('\n', stderr);
}

static int cmd_sweep(int argc, char **argv)
{
    const char *file = NULL;
    cs_sweep_options o = {.charts = 1};
    int quiet = 0;
    for (int k = 0; k < argc; k++) {
        const char *a = argv[k];
        if (is_help(a)) return fputs(usage_sweep, stdout), 0;
        if (!strcmp(a, "--quiet")) {
            quiet = 1;
        } else if (!strcmp(a, "--no-charts")) {
            o.charts = 0;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output") || !strcmp(a, "--threads") || !strcmp(a, "--max-points")) {
            if (k + 1 >= argc) return bad_usage("missing value after", a, usage_sweep);
            const char *v = argv[++k];
            if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
                o.out_dir = v;
                continue;
            }
            long long x = option_count(v, !strcmp(a, "--threads") ? 1024 : INT64_MAX);
            if (x <= 0) return bad_usage("invalid value for", a, usage_sweep);
            if (!strcmp(a, "--threads")) o.threads = (int)x;
            else o.max_points = x;
        } else if (a[0] == '-' && a[1]) {
            return bad_usage("unknown option", a, usage_sweep);
        } else if (!file) {
            file = a;
        } else {
            return bad_usage("unexpected argument", a, usage_sweep);
        }
    }
    if (!file) return bad_usage("no sweep file given", NULL, usage_sweep);
    if (!quiet && isatty(STDERR_FILENO)) o.progress = sweep_progress;
#ifdef COMPSIM_MPI
    int ranks = cs_sweep_mpi_init(); /* 1 unless launched by mpirun: then as without MPI */
#endif
    cs_diags d;
    cs_diags_init(&d);
    cs_sweep *sw = cs_sweep_load_file(file, &d);
    int rc = 1, stopped = 0, worker_rank = 0;
#ifdef COMPSIM_MPI
    worker_rank = cs_sweep_mpi_rank() != 0; /* rank 0 alone says why the sweep stopped */
    if (ranks > 1) { /* every rank takes part, even one whose load failed: rank 0 waits for it */
        struct sigaction old_actions[2];
        o.stop = &stop_signal;
        catch_stop_signals(1, old_actions);
        int r = cs_sweep_run_mpi(sw, &o, &d);
        catch_stop_signals(0, old_actions);
        stopped = atomic_load(&stop_signal);
        rc = r == 0 ? 0 : r > 0 ? 3 : 1;
    } else
#endif
    if (sw) {
        struct sigaction old_actions[2];
        o.stop = &stop_signal;
        catch_stop_signals(1, old_actions);
        int r = cs_sweep_run(sw, &o, &d);
        catch_stop_signals(0, old_actions);
        stopped = atomic_load(&stop_signal);
        rc = r == 0 ? 0 : r > 0 ? 3 : 1;
    }
    cs_diags_print(&d, stderr);
    if (stopped) {
        if (!worker_rank)
            fprintf(stderr, "compsim: error: interrupted by %s: the finished points are kept; run again to resume\n",
                    stopped == SIGINT ? "SIGINT" : "SIGTERM");
        rc = 128 + stopped;
    } else if (rc == 3 && !worker_rank) {
        fprintf(stderr, "compsim sweep: stopped after --max-points; run again to resume\n");
    }
    cs_sweep_free(sw);
    cs_diags_free(&d);
#ifdef COMPSIM_MPI
    cs_sweep_mpi_finalize();
#endif
    return rc;
}

int main(int argc, char **argv)
{
    /* GSL's default handler aborts when its allocations fail; every GSL call's result is checked */
    gsl_set_error_handler_off();
    if (argc < 2) return bad_usage("no command given", NULL, usage_main);
    const char *cmd = argv[1];
    if (is_help(cmd)) return fputs(usage_main, stdout), 0;
    if (!strcmp(cmd, "--version")) return printf("compsim %s\n", cs_version()), 0;
    if (!strcmp(cmd, "check")) return cmd_check(argc - 2, argv + 2);
    if (!strcmp(cmd, "payout")) return cmd_payout(argc - 2, argv + 2);
    if (!strcmp(cmd, "simulate")) return cmd_simulate(argc - 2, argv + 2);
    if (!strcmp(cmd, "report")) return cmd_report(argc - 2, argv + 2);
    if (!strcmp(cmd, "sweep")) return cmd_sweep(argc - 2, argv + 2);
    return bad_usage("unknown command", cmd, usage_main);
}
