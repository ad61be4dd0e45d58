/* bench_sim: speed and memory of the growth simulator (issue 4, item 7).
 *
 *   bench_sim [--plan FILE] [--size N] [--periods T] [--replicas R] [--threads K]
 *
 * Grows R replicas of a market of N people (population N, fast recruitment so that most of it is
 * reached within T periods) under the plan (default plans/unilevel-doterra.yaml, a 7-level
 * unilevel with fast start and pool), replicas in parallel on K threads as `compsim simulate` runs
 * them (a thread's next replica reuses the memory of its last, cs_sim_restart; one replica: the
 * payouts of a large one share the K threads), writing nothing.  Prints one
 * line: member-periods simulated per second (members in the network during a period, summed over
 * periods and replicas: the measure), the same counting everyone ever reached ("in
 * arrays": quitters included), the process's CPU time (user + system: on a shared machine, wall
 * time also counts the time other programs held the cores), the final members per replica, the
 * largest working set of a replica (sim.h: members in the network, and those who left with someone
 * in it below) and the most of them with recruits (the payout's tables: tree.h), peak
 * resident memory and peak memory per member of one replica (run with --replicas 1 for that
 * figure).  Run each size in its own process: peak memory is the process's. */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_util.h"
#include "scenario.h"
#include "sim.h"

static long peak_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_sec +
           1e-6 * (double)ru.ru_stime.tv_usec;
}

int main(int argc, char **argv)
{
    const char *plan = "plans/unilevel-doterra.yaml";
    long long size = 100000, periods = 36, replicas = 1, threads = 1;
    for (int k = 1; k + 1 < argc; k += 2) {
        long long v = atoll(argv[k + 1]);
        if (!strcmp(argv[k], "--plan")) plan = argv[k + 1];
        else if (!strcmp(argv[k], "--size")) size = (long long)atof(argv[k + 1]);
        else if (!strcmp(argv[k], "--periods")) periods = v;
        else if (!strcmp(argv[k], "--replicas")) replicas = v;
        else if (!strcmp(argv[k], "--threads")) threads = v;
        else {
            fprintf(stderr, "bench_sim: unknown option %s\n", argv[k]);
            return 2;
        }
    }
    char yaml[1024];
    /* recruitment fast enough that a market of N is mostly reached: ~log(N/10)/log(1 + 0.27 r) periods */
    snprintf(yaml, sizeof yaml,
             "name: bench\nplans: %s\nperiods: %lld\nmarket: {population: %lld, founders: 10}\n"
             "types:\n  builder: {recruits: 2.5}\n",
             plan, periods, size);
    cs_diags d;
    cs_diags_init(&d);
    cs_scenario *sc = cs_scenario_load_string(yaml, strlen(yaml), "bench.yaml", ".", &d);
    if (!sc) {
        cs_diags_print(&d, stderr);
        return 1;
    }
    long base_kb = peak_kb();
    double alive = 0, arrays = 0, final_n = 0, ws_peak = 0, rows_peak = 0;
    int failed = 0;
    omp_set_num_threads((int)threads);
    omp_set_max_active_levels(1); /* as cs_sim_write_results: payout's own loops stay serial inside a replica */
    double t0 = bench_now(), c0 = cpu_seconds();
#pragma omp parallel reduction(+ : alive, arrays, final_n) reduction(| : failed) reduction(max : ws_peak, rows_peak) \
    if (replicas > 1)
    {
        cs_sim *held = NULL; /* as compsim simulate: a thread's next replica reuses the last one's memory */
#pragma omp for schedule(dynamic, 1)
        for (long long r = 0; r < replicas; r++) {
            cs_diags ld;
            cs_diags_init(&ld);
            cs_sim *s = held && !cs_sim_restart(held, 1, (uint64_t)r) ? held : NULL;
            if (!s) {
                cs_sim_free(held);
                s = cs_sim_new(sc, 1, (uint64_t)r);
            }
            held = NULL;
            int rc = s ? 0 : -1;
            while (!rc && s->periods_done < sc->periods) { /* cs_sim_run, watching the working set */
                rc = cs_sim_step(s, NULL, &ld);
                if ((double)s->nlive > ws_peak) ws_peak = (double)s->nlive;
                if ((double)s->tree.nrows > rows_peak) rows_peak = (double)s->tree.nrows;
            }
            if (rc) {
                failed = 1;
            } else {
                for (int t = 0; t < s->periods_done; t++) {
                    alive += (double)s->period[t].members;
                    arrays += (double)s->period[t].reached;
                }
                final_n += (double)s->n;
                held = s;
            }
            if (s != held) cs_sim_free(s);
            cs_diags_free(&ld);
        }
        cs_sim_free(held);
    }
    double secs = bench_now() - t0, cpu = cpu_seconds() - c0;
    if (failed) {
        fprintf(stderr, "bench_sim: a replica failed\n");
        return 1;
    }
    long kb = peak_kb();
    printf("size %lld periods %lld replicas %lld threads %lld: %.3f s, %.2f M member-periods/s (in network), "
           "%.2f M/s (in arrays), cpu %.3f s, %.0f members/replica, working set at most %.0f, with recruits at most %.0f, "
           "peak %ld MB, %.0f bytes/member\n",
           size, periods, replicas, threads, secs, alive / secs / 1e6, arrays / secs / 1e6, cpu, final_n / (double)replicas,
           ws_peak, rows_peak,
           kb / 1024, (double)(kb - base_kb) * 1024.0 / (final_n / (double)replicas) / (replicas > 1 ? (double)threads : 1.0));
    cs_scenario_free(sc);
    cs_diags_free(&d);
    return 0;
}
