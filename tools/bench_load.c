/* bench_load: times cs_genealogy_load_file on one CSV file, each load in a fresh child process
 * (so every load pays for its memory as a one-off `compsim payout` does), and prints each time,
 * the median and MB/s.  The load average is printed too: on a shared machine, compare runs made
 * under a similar load.
 * Usage: bench_load FILE.csv [REPS]   (gen_genealogy N 1 42 FILE.csv makes a test file) */
#define _DEFAULT_SOURCE /* getloadavg */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "genealogy.h"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_load FILE.csv [REPS]\n");
        return 2;
    }
    int reps = argc > 2 ? atoi(argv[2]) : 5;
    if (reps < 1 || reps > 1000) reps = 5;
    struct stat sb;
    if (stat(argv[1], &sb) != 0) return perror(argv[1]), 1;
    double *t = malloc((size_t)reps * sizeof *t), la[3] = {0};
    if (!t) return 1;
    if (getloadavg(la, 3) > 0) printf("load average %.2f %.2f %.2f\n", la[0], la[1], la[2]);
    for (int r = 0; r < reps; r++) {
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
            if (write(fd[1], &s, sizeof s) != sizeof s) _exit(1);
            _exit(0);
        }
        close(fd[1]);
        if (read(fd[0], &t[r], sizeof t[r]) != sizeof t[r] || t[r] < 0) return fprintf(stderr, "load failed\n"), 1;
        close(fd[0]);
        waitpid(pid, NULL, 0);
        printf("load %d: %.3f s (%.0f MB/s)\n", r + 1, t[r], (double)sb.st_size / 1e6 / t[r]);
    }
    qsort(t, (size_t)reps, sizeof *t, cmp);
    double med = reps % 2 ? t[reps / 2] : (t[reps / 2 - 1] + t[reps / 2]) / 2;
    printf("median %.3f s, %.0f MB/s (best %.0f MB/s) over %d loads of %.1f MB\n", med, (double)sb.st_size / 1e6 / med,
           (double)sb.st_size / 1e6 / t[0], reps, (double)sb.st_size / 1e6);
    free(t);
    return 0;
}
