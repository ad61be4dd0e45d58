/* synth: synthetic genealogies for examples and benchmarks (not the growth simulator).
 *
 * Members join one after another; member i's sponsor is drawn from the members before it with
 * a bias toward early members (sponsor = floor(i * u^2), u uniform), which gives a few large
 * recruiters, most members with no recruits, and a depth that grows like log n.  Each period a
 * member who has joined buys nothing (probability 0.35), exactly the 100 PV autoship (0.45), or
 * 100 PV plus a lognormal extra; a fifth of members also sell at retail.  All draws come from one
 * GSL mt19937 stream seeded with `seed`, so the same arguments give the same genealogy. */
#ifndef COMPSIM_SYNTH_H
#define COMPSIM_SYNTH_H

#include <stdint.h>
#include <stdio.h>

#include "genealogy.h"

typedef enum { CS_SYNTH_RANDOM, CS_SYNTH_CHAIN } cs_synth_shape;

/* Returns a genealogy of n members over nperiods periods (members in join order, parent[i] < i),
 * or NULL if out of memory.  Members join evenly over the periods. */
cs_genealogy *cs_synth_genealogy(size_t n, size_t nperiods, cs_synth_shape shape, uint64_t seed);

/* Writes a genealogy in the CSV format `compsim payout` reads (id,sponsor,period,pv,bv,retail),
 * one row per member and period from the member's join.  Returns 0, or -1 on a write error. */
int cs_genealogy_write_csv(const cs_genealogy *g, FILE *f);

#endif
