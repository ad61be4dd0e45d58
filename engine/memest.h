/* memest: how much memory a simulation will need at its peak, estimated before it starts, and
 * whether the machine has that much (docs/scenario-format.md, "Memory").
 *
 * A replica's memory is per member: the simulator's arrays (sim.h), each plan's payout object
 * (payout.h), the sponsor tree rebuilt every period (tree.h), each placement tree and its
 * snapshot (placement.h), the scratch of a period, and the replica's rows of members.csv, which
 * are formatted in memory before they are written.  The estimate multiplies those sizes, taken
 * with sizeof from the structures themselves and the plan's tables (bonuses, levels, ranks,
 * placement width), by a bound on the members of a replica and by the replicas in memory at once
 * (one per thread).  It is meant as an upper bound of the peak resident memory; the tests check
 * it against getrusage on real runs (tests/unit/test_memest.c). */
#ifndef COMPSIM_MEMEST_H
#define COMPSIM_MEMEST_H

#include <stdint.h>

#include "diag.h"
#include "scenario.h"

typedef struct {
    int64_t members;      /* bound on one replica's members */
    int from_growth;      /* 1: the growth bound gave `members`, not the population */
    int64_t at_once;      /* replicas in memory at once: min(threads, replicas) */
    double member_bytes;  /* bytes per member of one replica, all plans (rounding to huge pages
                             and the period's scratch included) */
    double per_replica;   /* bytes of one replica at its peak */
    double fixed;         /* the program, its libraries, threads and buffers */
    double total;         /* fixed + at_once * per_replica */
} cs_memest;

/* The bytes counted for the program itself, whatever the scenario. */
#define CS_MEMEST_FIXED ((double)(16 << 20))

/* The expected number of people one replica reaches (founders and everyone who joins, quitters
 * included) if nobody ran out of people to recruit (no saturation, no contact running out) and
 * everyone quit at the lowest rate their type can have (the lower of the early and later rates,
 * times the loss factor if it is below 1, times each period's attrition shock): alive members
 * of each type recruit recruits x the period's recruitment shock each, joiners split by share,
 * founders are builders.  A bound on the mean, not on every replica. */
double cs_memest_expected_reached(const cs_scenario *sc);

/* Chance growth: a replica can reach many times the mean, the more so with few founders and a
 * heavy-tailed propensity.  The members bound is the mean times 1 + CS_MEMEST_SPREAD x
 * E[lambda^2] / sqrt(founders) (docs/scenario-format.md, "Memory", gives the runs it was set
 * from). */
#define CS_MEMEST_SPREAD 10.0

/* A bound on one replica's members: the population (0 = unlimited: CS_SCENARIO_MAX_MEMBERS), or
 * the growth bound above if it is lower; *from_growth (if not NULL) says which. */
int64_t cs_memest_members(const cs_scenario *sc, int *from_growth);

/* The estimate for `replicas` replicas (0: the scenario's) on `threads` threads (>= 1). */
void cs_memest_simulation(cs_memest *e, const cs_scenario *sc, int64_t replicas, int threads);

/* Bytes of memory the process can still use: the least of /proc/meminfo's MemAvailable (or
 * sysconf's available pages where there is no /proc), the cgroup's limit minus its usage other
 * than the page cache (cgroup v2 or v1, at /sys/fs/cgroup), and RLIMIT_AS and RLIMIT_DATA.  0 when
 * none of them is known. */
double cs_memest_available(void);

/* Does estimate e fit in `available` bytes (0 = unknown: yes)?  Returns 0, or -1 with an error
 * for the scenario's file:
 *   FILE: error: this simulation needs about X GB of memory (...), but only Y GB are available;
 *   lower market.population or --threads */
int cs_memest_fits(const cs_memest *e, double available, const cs_scenario *sc, cs_diags *d);

/* cs_memest_simulation, then cs_memest_fits against cs_memest_available. */
int cs_memest_check(const cs_scenario *sc, int64_t replicas, int threads, cs_diags *d);

#endif
