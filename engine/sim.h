/* sim: the Monte Carlo growth simulator (docs/scenario-format.md states the model).
 *
 * One replica (cs_sim) grows one synthetic market period by period: recruitment, purchases, the
 * payout of every plan of the scenario by the payout engine (the same code as `compsim payout`),
 * costs, attrition.  Members live in flat arrays in join order, so parent[i] < i and the payout
 * engine's bottom-up passes apply directly; nothing walks the tree per member.
 *
 * The working set: each period's work (recruitment, purchases, the payouts, costs, attrition)
 * runs over the members in the *working set* only, held in slots 0..nlive-1 in join order:
 * every member in the network, and every one who left but has someone in the network below
 * (whose place in the tree still matters to the payout).  A member whose whole subtree has left
 * is dropped from it at the end of the period: with no volume, no rank and no one below, such a
 * member is paid nothing and changes no one's pay, now or later (every bonus passes zero up
 * through it), so dropping it changes no result.  Plans with a placement tree keep everyone.
 *
 * Optional parts, each in its own file: recruitment through a contact network (sim_contacts.h:
 * a count of contacts not asked yet per member, no graph), and a placement tree per binary or
 * matrix plan, filled each period in join order (sim_place.h).
 *
 * Randomness: each replica draws from its own GSL generator seeded from (seed, replica) only, and
 * its work is single-threaded, so a replica's results never depend on the thread count or on the
 * other replicas.  Every draw is made in the market step, none depends on a plan's payout, so all
 * plans see the same members, purchases and recruitment draws (common random numbers); the only
 * feedback from income (attrition after a loss) follows the reference plan, plans[0].
 *
 * cs_sim_write_results runs the replicas in parallel (OpenMP) and writes the results folder. */
#ifndef COMPSIM_SIM_H
#define COMPSIM_SIM_H

#include <gsl/gsl_rng.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "payout.h"
#include "scenario.h"
#include "tree.h"

/* The generator every replica uses: xoshiro256** (Blackman & Vigna) as a gsl_rng_type, so the
 * gsl_ran_* distributions draw from it.  Its 256-bit state is filled by splitmix64 from a 64-bit
 * seed (GSL's own generators keep only 32 bits of a seed, too few to keep replicas apart). */
extern const gsl_rng_type *cs_rng_xoshiro256ss;

/* The 64-bit seed of a replica's generator: splitmix64(splitmix64(seed) + replica). */
uint64_t cs_sim_stream_seed(uint64_t seed, uint64_t replica);

/* Figures of one period that do not depend on the plan. */
typedef struct {
    int64_t members;    /* in the network during the period (joined, not quit before it) */
    int64_t joins;      /* joined in the period (founders: in period 1) */
    int64_t quits;      /* left at the end of the period */
    int64_t reached;    /* ever joined, by the end of the period */
    int64_t declined;   /* ever declined to join when asked, by the end of the period (contact recruitment) */
    int64_t recruiters; /* members who could recruit this period */
    double expected_recruits; /* sum of the means of this period's recruit draws (before the population cap;
                                 contact recruitment: given the number of contacts asked) */
} cs_sim_period;

/* Figures of one period under one plan. */
typedef struct {
    int64_t active;        /* active in the plan's sense */
    int64_t paid_members;  /* paid anything by the company */
    int64_t pv, bv, retail;
    int64_t company_paid;
    int64_t by_type[CS_BONUS_NTYPES]; /* each bonus type's total (retail profit is paid by customers) */
} cs_sim_plan_period;

/* One plan's view of the members. */
typedef struct {
    cs_payout *po;          /* by slot, sized for cap; po->n is set to nlive before each period */
    int64_t *gross;         /* cap: company-paid commissions, all periods, cents */
    int64_t *retail_profit; /* cap: the plan's retail-profit lines, cents */
    int64_t *purchases;     /* cap: own orders, cents (1 PV costs 1 currency unit) */
    int64_t *pv, *bv;       /* by slot: this period's volumes under this plan (scratch); bv is pv when BV = PV */
    int32_t *title;         /* cap: highest paid-as rank so far, CS_RANK_NONE if none (by member) */
    cs_sim_plan_period *period; /* periods */
    cs_placement *place;    /* binary and matrix plans: the placement tree (sim_place.h); else NULL */
    cs_placement_index pix; /* its snapshot after the period's placements */
    /* Per-year rows (cs_sim_track_years; else all NULL): the member's totals at the start of the
     * plan's current year, so a year's figures are differences and sum exactly to the totals. */
    int64_t *y_gross, *y_retail, *y_purchases, *y_expenses; /* cap */
    int32_t *y_rank;        /* cap: highest paid-as rank this year, CS_RANK_NONE if none */
} cs_sim_plan;

typedef struct {
    const cs_scenario *sc;
    uint64_t seed, replica;
    gsl_rng *rng;
    size_t n, cap;          /* members so far; allocated */
    void *arena;            /* one block holding every per-member array below and the plans' (but the y_*) */
    int32_t *parent;        /* n: sponsor (< i) or -1 for a founder */
    uint8_t *type;          /* n: cs_member_type */
    uint16_t *join;         /* n: period joined (founders: 1) */
    uint16_t *quit;         /* n: last period in the network, 0 while still in */
    float *propensity;      /* n: recruiting propensity, mean 1 */
    /* the working set (see the top of this file), by slot */
    size_t nlive;           /* slots in use */
    int32_t *live;          /* nlive: the member in each slot, increasing */
    int32_t *lparent;       /* nlive: the slot of the member's sponsor, or -1 (the payout's tree) */
    int keep_all;           /* a plan has a placement tree: nobody leaves the working set */
    uint8_t *is_new;        /* nlive: joined this period (scratch) */
    int64_t *retail;        /* nlive: this period's retail sales, cents (scratch) */
    int64_t *expenses;      /* n: business expenses, all periods, cents */
    uint32_t *contacts;     /* n: contacts not asked yet (contact recruitment; else NULL) */
    uint32_t *degree;       /* n: contacts in all, the sponsor included (contact recruitment; else NULL) */
    int64_t declined;       /* people who declined to join (contact recruitment) */
    int32_t periods_done;
    cs_sim_period *period;  /* periods */
    cs_sim_plan *plan;      /* sc->nplans */
    cs_tree tree;           /* the sponsor tree as the payout reads it, updated as it grows */
    const atomic_int *stop; /* NULL, or a flag (set from a signal handler) that cs_sim_run reads
                               between periods and the payout between its passes; cs_sim_new leaves it NULL */
    double log_median[CS_MEMBER_NTYPES][3]; /* log of each type's pv, retail, expenses median (drawn often) */
    const struct cs_gauss_tab *gauss;       /* GSL's ziggurat tables (sim_gauss.h), for those draws */
    FILE *years;            /* NULL, or where member_years.csv rows go as each year closes */
} cs_sim;

/* A replica's state with its founders; NULL if out of memory.  Free with cs_sim_free. */
cs_sim *cs_sim_new(const cs_scenario *sc, uint64_t seed, uint64_t replica);
void cs_sim_free(cs_sim *s);

/* Makes s replica `replica` of the same scenario from seed `seed`, as cs_sim_new would, but keeping
 * its memory: a thread that runs replica after replica then touches fresh pages only for the
 * first (the first touch of a page is a large part of a replica's time on a VM).  The results are
 * those of cs_sim_new.  Not for scenarios with a placement plan (whose trees are kept apart):
 * returns -1 for those, with s unchanged; else 0.  s->stop is kept; years are no longer tracked. */
int cs_sim_restart(cs_sim *s, uint64_t seed, uint64_t replica);

/* Simulates the next period.  When `genealogy` is not NULL, appends the period's rows in the
 * format `compsim payout` reads (the reference plan's volumes; the header with period 1).
 * Returns 0, -1 with an error in d (money overflow, out of memory, too many members), or 1 (no
 * message) when *s->stop was found set between the period's stages: the period is then half
 * done and the replica must be abandoned. */
int cs_sim_step(cs_sim *s, FILE *genealogy, cs_diags *d);
/* All periods of the scenario.  Returns 0, -1 as cs_sim_step, or 1 (no message) when *s->stop
 * was found set before a period or between its stages. */
int cs_sim_run(cs_sim *s, FILE *genealogy, cs_diags *d);

/* Periods in a year of plan k: 12 (monthly plans) or 52 (weekly). */
int cs_sim_periods_per_year(const cs_sim *s, size_t k);

/* Makes the replica write its member_years.csv rows (without the header) to f as each year of
 * each plan closes: for every plan, the year's members in join order.  Allocates the per-year
 * snapshots (5 arrays per plan: only the member replicas pay for them).  Call before the first
 * period.  Returns 0, or -1 when out of memory. */
int cs_sim_track_years(cs_sim *s, FILE *f);
extern const char cs_sim_years_header[];

/* The slot of member i in the working set, or -1 when it has left it (a linear search: for tests
 * and checks). */
int64_t cs_sim_slot(const cs_sim *s, size_t i);

/* Member i's id in outputs and genealogy exports: "m" and its join-order number from 1. */
void cs_sim_member_id(char *buf, size_t size, size_t i);

/* Net income of member i under plan k: gross + retail profit - sign-up fee - expenses - the
 * share of purchases not counted as value received (rounded half up to the cent). */
int64_t cs_sim_net(const cs_sim *s, size_t k, size_t i);

/* ---- the results folder ---------------------------------------------------------------------- */

typedef struct {
    const char *out_dir;    /* NULL: results/<scenario name> */
    int64_t replicas;       /* 0: the scenario's */
    int seed_given;
    uint64_t seed;          /* used when seed_given */
    int threads;            /* 0: OpenMP's default */
    int64_t export_replica; /* -1: none; else genealogy-R.csv for replica R */
    void (*progress)(void *ctx, int64_t done, int64_t total); /* called in replica order; may be NULL */
    void *progress_ctx;
    int force;              /* replace an existing results folder (one holding a manifest.json) */
    const atomic_int *stop; /* NULL, or a flag a signal handler sets: once it is non-zero the
                               replicas stop at their next period and nothing is written */
} cs_sim_options;

/* Runs every replica and writes the results folder (manifest.json, periods.csv, members.csv, member_years.csv and
 * the genealogy export), all into a temporary folder that is renamed into place when complete.
 * First, before anything is created: the destination must be absent, or a results folder (one
 * holding a manifest.json) and o->force set; and the simulation's estimated peak memory
 * (memest.h) must fit in the memory available.  Returns 0; -1 with errors in d; or 1, with no
 * message, when *o->stop was set before the folder was complete (the temporary folder is then
 * removed and the destination left as it was). */
int cs_sim_write_results(const cs_scenario *sc, const cs_sim_options *o, cs_diags *d);

#endif
