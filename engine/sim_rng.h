/* sim_rng: fast draws from a replica's generator (sim_rng.c), for the simulator's per-member loops.
 *
 * The generator stays the replica's gsl_rng (xoshiro256** as a gsl_rng_type): these functions read
 * and advance the same state as gsl_rng_uniform and the gsl_ran_* distributions, so every draw,
 * whichever way it is made, comes from the one stream of (seed, replica).  They only skip GSL's
 * call through a function pointer, which costs more than the generator itself. */
#ifndef COMPSIM_SIM_RNG_H
#define COMPSIM_SIM_RNG_H

#include <gsl/gsl_rng.h>
#include <stdint.h>

typedef struct {
    uint64_t s[4];
} cs_xoshiro_state;

static inline uint64_t cs_rng_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

/* The next 64 bits of r, which must be of type cs_rng_xoshiro256ss. */
static inline uint64_t cs_rng_next(const gsl_rng *r)
{
    uint64_t *s = ((cs_xoshiro_state *)r->state)->s;
    const uint64_t result = cs_rng_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = cs_rng_rotl(s[3], 45);
    return result;
}

/* Uniform on [0, 1) with 53 random bits: the same value gsl_rng_uniform(r) would return. */
static inline double cs_rng_u01(const gsl_rng *r) { return (double)(cs_rng_next(r) >> 11) * 0x1.0p-53; }

/* Bernoulli(p) given as a threshold on the top 53 bits: u < p exactly as cs_rng_u01(r) < p. */
static inline int cs_rng_below(const gsl_rng *r, double p) { return cs_rng_u01(r) < p; }

#endif
