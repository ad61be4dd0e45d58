/* sim_rng: the replicas' random streams.
 *
 * xoshiro256** 1.0 (D. Blackman and S. Vigna, 2018) wrapped as a gsl_rng_type, so that the GSL
 * distributions (gsl_ran_poisson, gsl_ran_gamma, ...) draw from it.  Why not one of GSL's: their
 * seeding functions keep 32 bits of the seed, and 2^32 seeds are too few for (seed, replica)
 * pairs to stay apart; this one fills its 256-bit state from the full 64-bit seed by splitmix64. */
#include "sim.h"

#include <string.h>

#include "sim_rng.h"

typedef cs_xoshiro_state xoshiro_state; /* sim_rng.h's inline draws read the same state */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t next(xoshiro_state *st)
{
    uint64_t *s = st->s;
    const uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

static void xo_set(void *vstate, unsigned long seed)
{
    xoshiro_state *st = vstate;
    uint64_t x = (uint64_t)seed;
    for (int i = 0; i < 4; i++) st->s[i] = splitmix64(&x); /* never all zero: splitmix64 is a bijection of distinct inputs */
}

/* GSL's integer interface: the top 32 bits (the best ones of xoshiro256**). */
static unsigned long xo_get(void *vstate) { return (unsigned long)(next(vstate) >> 32); }

/* [0, 1) with 53 random bits. */
static double xo_get_double(void *vstate) { return (double)(next(vstate) >> 11) * 0x1.0p-53; }

static const gsl_rng_type xoshiro_type = {"xoshiro256**", 0xffffffffUL, 0, sizeof(xoshiro_state), xo_set, xo_get,
                                          xo_get_double};

const gsl_rng_type *cs_rng_xoshiro256ss = &xoshiro_type;

uint64_t cs_sim_stream_seed(uint64_t seed, uint64_t replica)
{
    uint64_t a = seed;
    uint64_t b = splitmix64(&a) + replica;
    return splitmix64(&b);
}
