/* bench_load: times cs_genealogy_load_file on one CSV file, each load in a fresh child process
 * (so every load pays for its memory as a one-off `compsim payout` does), and prints each time,
 * the median and MB/s.  The load average is printed too: on a shared machine, compare runs made
 * under a similar load.
 *
 * With --parse, times the reading stage alone, in this process: the header and the scan of the
 * parts (both threads), then the parsing of every part on one thread into a buffer of rows that is
 * reused (fields split, volumes converted, ids hashed), nothing resolved and no fresh memory.  It
 * measures the parser's CPU cost per row, which does not swing with the machine's memory the way a
 * whole load does.
 *
 * Each load's line gives its user and system CPU time too: system time is mostly the first touch
 * of fresh memory, which on this VM costs 0.2 to 4 s for the same load (docs/performance.md, "Why
 * loads swing"), so it tells a load slowed by the host from one slowed by the loader.  The peak
 * resident memory is printed too (the mapped file's pages included).
 *
 * With --pause S, each load waits S seconds first.  This VM's guest hands memory that has been
 * free for about 2 s back to the host, and the next first touch of such memory costs 1.2-2.4
 * cpu-seconds per GB, so with --pause 4 every load pays that, as a `compsim payout` run after a
 * quiet moment does; without a pause, a load can get the memory the previous one freed while the
 * host still backs it.
 * Usage: bench_load [--parse] [--pause S] FILE.csv [REPS]   (gen_genealogy N 1 42 FILE.csv makes a
 * test file) */
#define _DEFAULT_SOURCE /* getloadavg */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcntl.h>
#include <sys/mman.h>

#include "bench_util.h"
#include "genealogy.h"
#include "genealogy_int.h"

/* --parse: the reading stage alone (see above). */
static int parse_only(const char *path, int reps)
{
    int fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size <= 0) return perror(path), 1;
    size_t len = (size_t)sb.st_size;
    const char *buf = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (buf == MAP_FAILED) return perror("mmap"), 1;
    double *ts = malloc((size_t)reps * sizeof *ts), *tp = malloc((size_t)reps * sizeof *tp);
    size_t rows = 0;
    for (int r = 0; r < reps && ts && tp; r++) {
        gl_input in;
        gl_errlist err = {0};
        double a = bench_now();
        if (gl_read_header(&in, buf, len, 0, &err)) return fprintf(stderr, "%s: bad header\n", path), 1;
        double b = bench_now();
        gl_row *row = malloc((in.rows_max ? in.rows_max : 1) * sizeof *row);
        if (!row) return 1;
        rows = 0;
        double c = bench_now();
        for (size_t i = 0; i < in.nparts; i++) {
            gl_parse_part(&in, i, row);
            rows += in.part[i].nrows;
        }
        double d = bench_now();
        ts[r] = b - a;
        tp[r] = d - c;
        printf("pass %d: header and scan %.3f s, parsing %.3f s (%.1f ns/row, %zu errors)\n", r + 1, ts[r], tp[r],
               1e9 * tp[r] / (double)(rows ? rows : 1), err.total);
        free(row);
        gl_input_free(&in);
        gl_err_free(&err);
    }
    if (!ts || !tp) return 1;
    double ms = bench_median(ts, reps), mp = bench_median(tp, reps);
    printf("median: header and scan %.3f s, parsing %.3f s on one thread = %.1f ns/row, %.0f MB/s (best %.1f ns/row) over "
           "%d passes of %zu rows\n",
           ms, mp, 1e9 * mp / (double)(rows ? rows : 1), (double)len / 1e6 / mp, 1e9 * tp[0] / (double)(rows ? rows : 1),
           reps, rows);
    free(ts);
    free(tp);
    munmap((void *)buf, len);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "--parse")) {
        int reps = argc > 3 ? atoi(argv[3]) : 5;
        return parse_only(argv[2], reps >= 1 && reps <= 1000 ? reps : 5);
    }
    unsigned pause = 0;
    if (argc > 3 && !strcmp(argv[1], "--pause")) {
        pause = (unsigned)atoi(argv[2]);
        argc -= 2, argv += 2;
    }
    if (argc < 2) {
        fprintf(stderr, "usage: bench_load [--parse] [--pause S] FILE.csv [REPS]\n");
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (reps < 1 || reps > 1000) reps = 5;
    struct stat sb;
    if (stat(argv[1], &sb) != 0) return perror(argv[1]), 1;
    double *t = malloc((size_t)reps * sizeof *t), *us = malloc((size_t)reps * sizeof *us),
           *sy = malloc((size_t)reps * sizeof *sy), la[3] = {0};
    if (!t || !us || !sy) return 1;
    if (getloadavg(la, 3) > 0) printf("load average %.2f %.2f %.2f\n", la[0], la[1], la[2]);
    for (int r = 0; r < reps; r++) {
        if (pause) sleep(pause);
        int fd[2];
        if (pipe(fd)) return perror("pipe"), 1;
        pid_t pid = fork();
        if (pid == 0) {
            struct timespec a, b;
            clock_gettime(CLOCK_MONOTONIC, &a);
            cs_diags d;
            cs_diags_init(&d);
            cs_genealogy *g = cs_genealogy_load_file(argv[1], &d);
            clock_gettime(CLOCK_MONOTONIC, &b);
            double s = (double)(b.tv_sec - a.tv_sec) + 1e-9 * (double)(b.tv_nsec - a.tv_nsec);
            if (!g) cs_diags_print(&d, stderr), s = -1;
            int by_number = g && g->ids_by_number;
            if (write(fd[1], &s, sizeof s) != sizeof s || write(fd[1], &by_number, sizeof by_number) != sizeof by_number)
                _exit(1);
            _exit(0);
        }
        close(fd[1]);
        int by_number = 0;
        if (read(fd[0], &t[r], sizeof t[r]) != sizeof t[r] || t[r] < 0 ||
            read(fd[0], &by_number, sizeof by_number) != sizeof by_number)
            return fprintf(stderr, "load failed\n"), 1;
        close(fd[0]);
        struct rusage ru;
        if (wait4(pid, NULL, 0, &ru) != pid) return perror("wait4"), 1;
        us[r] = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec;
        sy[r] = (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
        printf("load %d: %.3f s (%.0f MB/s), cpu user %.2f s, system %.2f s, peak %ld MB, ids %s\n", r + 1, t[r],
               (double)sb.st_size / 1e6 / t[r], us[r], sy[r], ru.ru_maxrss / 1024, by_number ? "by number" : "in tables");
    }
    double med = bench_median(t, reps), mu = bench_median(us, reps), msy = bench_median(sy, reps);
    printf("median %.3f s, %.0f MB/s (best %.0f MB/s) over %d loads of %.1f MB; median cpu user %.2f s, system %.2f s\n",
           med, (double)sb.st_size / 1e6 / med, (double)sb.st_size / 1e6 / t[0], reps, (double)sb.st_size / 1e6, mu, msy);
    free(t);
    free(us);
    free(sy);
    return 0;
}
