/* bench_touch: what the first touch of fresh memory costs on this machine, the cost that decides
 * how long a large load or simulation takes here (docs/performance.md, "Why loads swing").
 *
 * For each of four ways of getting memory (small or huge pages; faulted in by the first write, or
 * by MADV_POPULATE_WRITE first), it maps MB megabytes, times getting every page written once, then
 * a second write of every page (the cost once the memory is ours), and gives the memory back.
 * The four ways take turns, REPS rounds (best a multiple of 4: the order is balanced over 4
 * rounds), and the medians are printed.  The order matters on a VM whose host takes freed memory
 * back (free page reporting): a way that comes right after another may get pages the other just
 * gave back, still backed by the host, and then looks cheaper than it is.
 * Usage: bench_touch [MB [REPS]]   (default 512 MB, 8 rounds) */
#define _DEFAULT_SOURCE /* MADV_HUGEPAGE, MADV_POPULATE_WRITE, getloadavg */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "bench_util.h"

#define HUGE ((size_t)2 << 20)

/* One way: first and second touch of `bytes` of fresh memory, in seconds; -1 if it cannot map. */
static int touch(size_t bytes, int huge, int populate, double *first, double *second)
{
    /* a huge-page-aligned block inside a larger mapping, so that all of it can be huge pages */
    char *raw = mmap(NULL, bytes + HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return -1;
    char *p = (char *)(((size_t)raw + HUGE - 1) & ~(HUGE - 1));
    madvise(p, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    double a = bench_now();
#ifdef MADV_POPULATE_WRITE
    if (populate) madvise(p, bytes, MADV_POPULATE_WRITE);
#else
    (void)populate;
#endif
    for (size_t i = 0; i < bytes; i += 4096) p[i] = 1;
    double b = bench_now();
    for (size_t i = 0; i < bytes; i += 4096) p[i] += 1;
    double c = bench_now();
    *first = b - a;
    *second = c - b;
    munmap(raw, bytes + HUGE);
    return 0;
}

int main(int argc, char **argv)
{
    long mb = argc > 1 ? atol(argv[1]) : 512;
    int reps = argc > 2 ? atoi(argv[2]) : 8;
    if (mb < 1 || mb > (1L << 20) || reps < 1 || reps > 1000) {
        fprintf(stderr, "usage: bench_touch [MB [REPS]]\n");
        return 2;
    }
    size_t bytes = (size_t)mb << 20, pages = bytes / 4096;
    static const char *name[4] = {"small pages, faulted by writes", "small pages, MADV_POPULATE_WRITE",
                                  "huge pages, faulted by writes", "huge pages, MADV_POPULATE_WRITE"};
    double *t1 = malloc(4 * (size_t)reps * sizeof *t1), *t2 = malloc(4 * (size_t)reps * sizeof *t2), la[3] = {0};
    if (!t1 || !t2) return 1;
    if (getloadavg(la, 3) > 0) printf("load average %.2f %.2f %.2f\n", la[0], la[1], la[2]);
    /* a Williams square: over 4 rounds each way comes first once and right after each other way once
     * (a way that comes right after another may get the pages the other just gave back) */
    static const int order[4][4] = {{0, 1, 3, 2}, {1, 2, 0, 3}, {2, 3, 1, 0}, {3, 0, 2, 1}};
    for (int r = 0; r < reps; r++)
        for (int k = 0; k < 4; k++) {
            int w = order[r % 4][k];
            double *a = &t1[w * reps + r], *b = &t2[w * reps + r];
            if (touch(bytes, w >= 2, w & 1, a, b)) return perror("mmap"), 1;
            printf("round %d, %-34s first touch %.3f s (%.2f us per 4 KiB page), again %.3f s\n", r + 1, name[w], *a,
                   1e6 * *a / (double)pages, *b);
        }
    printf("medians over %d rounds of %ld MB:\n", reps, mb);
    for (int w = 0; w < 4; w++) {
        double a = bench_median(&t1[w * reps], reps), b = bench_median(&t2[w * reps], reps);
        printf("  %-34s first touch %.3f s (%.2f us per 4 KiB page, %.0f MB/s), again %.3f s\n", name[w], a,
               1e6 * a / (double)pages, (double)mb / a, b);
    }
    free(t1);
    free(t2);
    return 0;
}
