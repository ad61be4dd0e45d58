/* sim_gauss: gsl_ran_gaussian_ziggurat's draws, the common case inline.
 *
 * The simulator makes one or two Gaussian draws per member and period, and GSL's ziggurat costs
 * mostly its calls (itself, then the generator through a function pointer).  Most of its
 * draws (97%) take one 32-bit word k from the generator: with i = k & 0x7f and
 * j = (k >> 8) & 0xffffff, the draw is +-sigma * (j * w[i]) when j < kn[i] (the sign from bit 7).
 * cs_gauss does that much inline, reading k before it moves the generator; otherwise it leaves the
 * generator alone and calls GSL, which takes the same word and goes on as it always would: every
 * draw, and the generator's state after it, is GSL's.
 *
 * The tables w and kn are GSL's own, read off the linked library by probing it with scripted words
 * (sim_gauss.c), then checked against it on draws from a real stream; should a GSL behave in any
 * other way, kn is left all zero and every draw is GSL's call. */
#ifndef COMPSIM_SIM_GAUSS_H
#define COMPSIM_SIM_GAUSS_H

#include <gsl/gsl_randist.h>

#include "sim_rng.h"

typedef struct cs_gauss_tab {
    uint32_t kn[128]; /* a word with j < kn[i] is a draw of its own; 0: always GSL's call */
    double w[128];
} cs_gauss_tab;

/* The tables, found on the first call (thread-safe). */
const cs_gauss_tab *cs_gauss_tables(void);

/* gsl_ran_gaussian_ziggurat(r, sigma), r of type cs_rng_xoshiro256ss. */
static inline double cs_gauss(const gsl_rng *r, double sigma, const cs_gauss_tab *z)
{
    /* the word GSL would take (xo_get: the top half of the next output, which depends on s[1]
     * alone), read before the generator moves */
    const uint64_t s1 = ((const cs_xoshiro_state *)r->state)->s[1];
    const uint64_t k = (cs_rng_rotl(s1 * 5, 7) * 9) >> 32;
    const uint32_t i = (uint32_t)k & 0x7f, j = (uint32_t)(k >> 8) & 0xffffff;
    if (j >= z->kn[i]) return gsl_ran_gaussian_ziggurat(r, sigma);
    cs_rng_next(r);
    /* GSL's sign * sigma * x, the sign +-1 from bit 7 by arithmetic: a branch on it, taken half
     * the time at random, cost more than the call this saves */
    const double sign = (double)((int)((k >> 6) & 2) - 1);
    return sign * sigma * ((double)j * z->w[i]);
}

#endif
