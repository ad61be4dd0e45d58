/* bench_random: how many random reads-and-writes of a large table this machine does per second, on
 * one thread and on two: the floor under resolving ids while loading a genealogy, whose lookups
 * are such updates (docs/performance.md, "Session 7").
 *
 * A table of MB megabytes of 32-byte slots (huge pages, written once before timing, so no first
 * touches are timed) gets 10^7 updates at random slots, each prefetched LOOKAHEAD updates ahead as
 * the loader prefetches its hash slots: on one thread, then on two, each thread taking half of the
 * updates, listed apart beforehand, and a half of the table of its own, as the loader's two
 * resolvers do.  The two ways take turns, REPS rounds, and the medians are printed as
 * nanoseconds per update: per thread, and for the whole (two threads that do not slow each other
 * would take half the time of one for the same updates).
 * Usage: bench_random [MB [REPS]]   (default 458 MB, the id table of a 10^7-row file; 7 rounds) */
#define _DEFAULT_SOURCE /* getloadavg */
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "xalloc.h"

#define UPDATES 10000000
#define LOOKAHEAD 24

typedef struct {
    uint64_t key, a, b, c;
} slot; /* 32 bytes, as an id table's slot */

static uint64_t next_hash(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

/* Seconds for the updates of hashes h[0 .. n) to a table of `size` slots, by one thread or by two
 * (h[0 .. n/2) by the first, h[n/2 .. n) by the second, each in its half of the table). */
static double run(slot *t, size_t size, const uint64_t *h, size_t n, int threads)
{
    double a = bench_now();
#pragma omp parallel num_threads(threads)
    {
        int me = omp_get_thread_num(), all = omp_get_num_threads();
        size_t part = size / (size_t)all, m = n / (size_t)all;
        slot *mine = t + part * (size_t)me;
        const uint64_t *hs = h + m * (size_t)me;
        for (size_t i = 0; i < m; i++) {
            if (i + LOOKAHEAD < m) __builtin_prefetch(&mine[(unsigned __int128)hs[i + LOOKAHEAD] * part >> 64]);
            slot *s = &mine[(unsigned __int128)hs[i] * part >> 64];
            s->key ^= hs[i];
            s->a++;
        }
    }
    return bench_now() - a;
}

int main(int argc, char **argv)
{
    size_t mb = argc > 1 ? strtoul(argv[1], NULL, 10) : 458;
    int reps = argc > 2 ? atoi(argv[2]) : 7;
    if (!mb || reps < 1) return fprintf(stderr, "usage: bench_random [MB [REPS]]\n"), 2;
    size_t size = (mb << 20) / sizeof(slot);
    slot *t = cs_xmalloc_n(size, sizeof *t);
    uint64_t *h = malloc(UPDATES * sizeof *h), x = UINT64_C(88172645463325252);
    double *one = malloc((size_t)reps * sizeof *one), *two = malloc((size_t)reps * sizeof *two);
    if (!t || !h || !one || !two) return fprintf(stderr, "out of memory\n"), 1;
    memset(t, 0, size * sizeof *t);
    for (size_t i = 0; i < UPDATES; i++) h[i] = next_hash(&x);
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) < 0) load[0] = load[1] = load[2] = 0;
    printf("load average %.2f %.2f %.2f; table %zu MB, %d updates a round\n", load[0], load[1], load[2], mb, UPDATES);
    for (int r = 0; r < reps; r++) {
        int first = r % 2 ? 2 : 1; /* alternate which way goes first */
        double a = run(t, size, h, UPDATES, first), b = run(t, size, h, UPDATES, 3 - first);
        one[r] = first == 1 ? a : b;
        two[r] = first == 1 ? b : a;
        printf("round %d: one thread %.1f ns an update; two threads %.1f ns an update each, %.1f ns for the whole\n", r + 1,
               one[r] / UPDATES * 1e9, two[r] / (UPDATES / 2) * 1e9, two[r] / UPDATES * 1e9);
    }
    double m1 = bench_median(one, reps), m2 = bench_median(two, reps);
    printf("median: one thread %.1f ns an update, two threads %.1f ns for the whole: two threads do the same updates "
           "in %.2f of one thread's time (0.50 if they did not slow each other)\n",
           m1 / UPDATES * 1e9, m2 / UPDATES * 1e9, m2 / m1);
    cs_xfree(t);
    free(h);
    free(one);
    free(two);
    return 0;
}
