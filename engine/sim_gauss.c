/* sim_gauss: the tables of cs_gauss (sim_gauss.h), read off GSL's ziggurat.
 *
 * A generator type whose first word is scripted (then a real xoshiro256** stream, so that any
 * rejection loop ends) shows, for each strip i, which j GSL accepts from that word alone (it asks
 * for no second one): those below kn[i], found by bisection; and with j = 1, sigma = 1 and the
 * sign bit set, the draw is 1 * (1 * w[i]) = w[i] exactly.  The tables are then checked on 2^12
 * draws of a real stream against GSL's own; on any difference they are not used. */
#include "sim_gauss.h"

#include <stdatomic.h>
#include <string.h>

#include "sim.h"

typedef struct {
    gsl_rng *real;          /* the words after the first */
    unsigned long first;    /* the first word */
    int calls;              /* words and uniforms asked for */
} probe;

static unsigned long probe_get(void *v)
{
    probe *p = v;
    return p->calls++ ? gsl_rng_get(p->real) : p->first;
}

static double probe_double(void *v)
{
    probe *p = v;
    p->calls++;
    return gsl_rng_uniform(p->real);
}

static const gsl_rng_type probe_type = {"cs_gauss probe", 0xffffffffUL, 0, sizeof(probe), NULL, probe_get, probe_double};

/* GSL's draw (sigma 1) from the word (j << 8) | i: its value, and whether that word alone made it. */
static double draw_from(probe *p, uint32_t i, uint32_t j, int *alone)
{
    gsl_rng r = {&probe_type, p};
    p->first = ((unsigned long)j << 8) | i;
    p->calls = 0;
    const double x = gsl_ran_gaussian_ziggurat(&r, 1.0);
    *alone = p->calls == 1;
    return x;
}

static int find(cs_gauss_tab *z)
{
    probe p = {gsl_rng_alloc(cs_rng_xoshiro256ss), 0, 0};
    if (!p.real) return -1;
    gsl_rng_set(p.real, 1);
    int alone;
    for (uint32_t i = 0; i < 128; i++) {
        uint32_t lo = 0, hi = 1u << 24; /* the first j not taken alone is in [lo, hi] */
        while (lo < hi) {
            const uint32_t mid = lo + (hi - lo) / 2;
            draw_from(&p, i | 0x80, mid, &alone);
            if (alone) lo = mid + 1;
            else hi = mid;
        }
        z->kn[i] = lo >= 2 ? lo : 0; /* below 2, j = 1 cannot give w[i]: leave the strip to GSL */
        z->w[i] = lo >= 2 ? draw_from(&p, i | 0x80, 1, &alone) : 0;
    }
    gsl_rng_free(p.real);
    /* the check: the same draws, and the same state after them, from two copies of one stream */
    gsl_rng *a = gsl_rng_alloc(cs_rng_xoshiro256ss), *b = gsl_rng_alloc(cs_rng_xoshiro256ss);
    int bad = !a || !b;
    if (!bad) {
        gsl_rng_set(a, 12345), gsl_rng_set(b, 12345);
        for (int k = 0; k < 1 << 12 && !bad; k++) {
            const double sigma = 0.25 + (k & 7);
            const double x = cs_gauss(a, sigma, z), y = gsl_ran_gaussian_ziggurat(b, sigma);
            bad = memcmp(&x, &y, sizeof x) != 0;
        }
        bad = bad || gsl_rng_get(a) != gsl_rng_get(b);
    }
    gsl_rng_free(a), gsl_rng_free(b);
    return bad ? -1 : 0;
}

static cs_gauss_tab tab;
static atomic_int ready;

const cs_gauss_tab *cs_gauss_tables(void)
{
    if (atomic_load_explicit(&ready, memory_order_acquire)) return &tab;
#pragma omp critical(cs_gauss_tables)
    if (!atomic_load_explicit(&ready, memory_order_relaxed)) {
        cs_gauss_tab z;
        memset(&z, 0, sizeof z);
        if (find(&z)) memset(&z, 0, sizeof z); /* every draw GSL's */
        tab = z;
        atomic_store_explicit(&ready, 1, memory_order_release);
    }
    return &tab;
}
