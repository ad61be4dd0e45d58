/* payout: what a plan pays each member in one period.
 *
 * A pure function of (plan, sponsor tree, the period's volumes, titles carried from earlier
 * periods): cs_payout_period fills one rounded line per member and bonus.  The order of work is
 * the one docs/plan-format.md states ("Order of evaluation"): activity; group volume, paid-as rank
 * and breakaway bottom-up; bonuses in plan order; the global cap; titles.  Every pass is a loop
 * over the member arrays from the bottom of the tree up (or a plain loop), so the cost is linear
 * in members times the widest per-member table (levels, ranks or generations).
 *
 * Plans with a placement tree (binary, forced matrix) also take the period's placement tree and
 * keep state across periods: the binary carry-over, the matrix completion bonuses already paid,
 * and the legs' measure that the weaker-leg rule places the next period's members by.  The passes
 * on that tree are in binary.c and matrix.c. */
#ifndef COMPSIM_PAYOUT_H
#define COMPSIM_PAYOUT_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "placement.h"
#include "plan.h"
#include "tree.h"

typedef struct {
    const int64_t *pv;      /* n, hundredths */
    const int64_t *bv;      /* n, hundredths (= cents) */
    const int64_t *retail;  /* n, cents; NULL = no retail sales */
    const uint8_t *is_new;  /* n, 1 if the member joined this period; NULL = nobody */
    const uint32_t *order;  /* n, tie-break rank for remainders (file order); NULL = index order */
    /* The placement tree with every member joined up to this period placed, and its snapshot
     * (built after the last placement), both over members 0..n-1; NULL when the plan has no
     * placement section.  Members not placed have no position and are in nobody's legs. */
    const cs_placement *pl;
    const cs_placement_index *pix;
} cs_period_input;

typedef struct {
    size_t n, nbonuses;
    size_t cap;           /* members the arrays have room for (cs_payout_resize) */
    int reserved;         /* cs_payout_reserve was called: the period's arrays in one block (huge pages) */
    void *block;          /* with reserved: the block holding amount (or paid, other) .. pfull; else NULL */
    /* NULL (cs_payout_new), or a flag (set from a signal handler) that cs_payout_period reads
     * between its passes and every CS_PAYOUT_STOP_EVERY members within one: once it is set the
     * period is abandoned (see cs_payout_period) */
    const atomic_int *stop;
    /* results of the last period */
    int64_t *amount;      /* nbonuses * n: amount[b * n + i], cents; NULL with sums */
    int sums;             /* cs_payout_sum_lines: each member's lines added up instead of kept */
    int64_t *paid;        /* n, with sums: the member's company-paid lines added up, cents; else NULL */
    int64_t *other;       /* n, with sums: its other lines (retail profit) added up, cents; else NULL */
    int64_t *bonus_total; /* nbonuses: sum of each bonus's lines */
    int64_t company_bv;   /* sum of bv */
    int64_t company_paid; /* sum of the company-paid lines */
    uint8_t *active;      /* n */
    int32_t *rank;        /* n: paid-as rank or CS_RANK_NONE */
    int64_t rank_active[CS_MAX_RANKS + 1]; /* active members by rank row (CS_ROW), counted as ranks are settled */
    int64_t *gv;          /* n: group volume, hundredths */
    /* carried across periods */
    int32_t *title;       /* n: highest paid-as rank so far, CS_RANK_NONE at first */
    /* Binary placement: after each period, the weaker-leg rule's measure of member i's left (2i)
     * and right (2i+1) leg, for cs_place_leg_array when the next period's members are placed: by
     * volume, the leg's volume of the period before pairing (carry-over in + the BV of the leg's
     * members); by count, the members placed in the leg.  0 before the first period and for
     * members not placed.  NULL unless the plan's placement is binary. */
    int64_t *leg_measure; /* 2n */
    int64_t *carry;       /* 2n, binary bonus: volume carried over in each leg, hundredths */
    uint32_t *idle;       /* n, binary bonus with flush_after: periods in a row without a pairing */
    uint64_t *completed;  /* n, matrix completion: bit k set once level k+1's amount has been paid */
    /* scratch, reused between periods; by tree position (tree.h), not member index */
    int32_t *submax;      /* n: highest rank in the member's subtree; NULL unless a rank has leg rules */
    int64_t *vec;         /* vec_rows * vec_width: per-member tables of the bottom-up passes, in the
                           * tree's ring of slots (tree.h); by member index for the matrix bonus */
    size_t vec_width, vec_rows;
    int64_t *src;         /* n: matching: amounts matched; generations: group BV; NULL for other plans */
    /* Copies by position of what the passes read, when the tree's positions are not member indices
     * (t->perm set: join order); allocated at the first such period.  Otherwise the passes read the
     * inputs and results above directly. */
    int64_t *wgv;         /* n: PV, then group volume */
    int64_t *wbv;         /* n: BV */
    int32_t *wrank;       /* n: paid-as rank */
    uint8_t *wactive;     /* n */
    uint8_t *wnew;        /* n: joined this period; NULL unless a bonus pays on new members */
    size_t wcap;          /* members the copies have room for */
    /* scratch of the placement passes, by member index */
    int64_t *psub;        /* n, binary: BV of the member's placement subtree, the member included */
    int32_t *psize;       /* n, binary by count: members in the member's placement subtree */
    int32_t *qual;        /* 2n, binary qualification: active personally sponsored members in each leg */
    uint8_t *pfull;       /* n, matrix completion: full placement levels below the member */
} cs_payout;

/* Allocates results and scratch for n members under plan p; titles start unranked.  NULL if out
 * of memory.  Free with cs_payout_free. */
cs_payout *cs_payout_new(const cs_plan *p, size_t n);
void cs_payout_free(cs_payout *po);

/* The widest per-member table of the plan's bottom-up passes (level count, or ranks + 1 for a
 * stairstep): what sizes the level tables, for memory estimates. */
size_t cs_payout_vec_width(const cs_plan *p);

/* For a membership that grows (the simulator): sets the number of members to n >= po->n.  Members
 * po->n .. n-1 are new: unranked, nothing carried.  When n exceeds the capacity the arrays are
 * reallocated (to at least twice the capacity) and what is carried across periods is kept
 * (titles, binary carry-over, idle counts and leg measures, matrix completions); the last
 * period's results are not.  Returns 0, or -1 if n < po->n (po unchanged) or out of memory (po
 * keeps its members and what it carries; the last results are lost). */
int cs_payout_resize(cs_payout *po, const cs_plan *p, size_t n);

/* Makes room for `cap` members without changing po->n, as cs_payout_resize does when it grows
 * (the last period's results are not kept): for a caller that knows how far it will grow (the
 * simulator, whose population caps its own arrays), so that the payout's arrays are not twice the
 * members it will ever hold.  Returns 0, or -1 if out of memory (po keeps its size, what it
 * carries, and scratch if memory allows; the last results are lost). */
int cs_payout_reserve(cs_payout *po, const cs_plan *p, size_t cap);

/* For a membership whose working set shrinks (the simulator drops the members whose whole subtree
 * has left the network, who are paid nothing and change nothing, ever again): keeps the members
 * j < po->n with keep[j] != 0, in their order, as members 0..m-1, moving what they carry across
 * periods (titles) with them, and sets po->n = m.  The last period's results are not kept.  Not
 * for plans with a placement section, whose placement tree refers to members by index: returns
 * -1 for those (po unchanged), else 0. */
int cs_payout_compact(cs_payout *po, const cs_plan *p, const uint8_t *keep);

/* Empties po (n = 0) for a new membership of the same plan that will grow again (the simulator's
 * next replica), keeping its arrays: members arriving with cs_payout_resize start afresh, as in a
 * new object. */
void cs_payout_restart(cs_payout *po);

/* Makes po keep, instead of one line per member and bonus, each member's sum of its company-paid
 * lines (po->paid) and of its other lines (po->other): what a caller that needs only the sums
 * (the simulator) then reads is 2 arrays, not one per bonus, and the passes write no more.
 * bonus_total and company_paid are as before.  Only for plans that never read the lines again: no
 * placement section, no payout cap, no matching bonus; for others returns 1 and keeps the lines.
 * Call it before the first period (the last results are not kept).  Returns 0, or -1 if out of
 * memory (po keeps its lines if memory allows). */
int cs_payout_sum_lines(cs_payout *po, const cs_plan *p);

/* Computes one period.  Returns 0, or -1 with an error in `d` when an amount does not fit
 * (money overflow) or memory runs out, or 1 (no message) when po->stop was found set: the
 * period is then half computed (results, totals and what is carried across periods may be
 * partly updated, titles are not), and po is good only to be freed. */
int cs_payout_period(cs_payout *po, const cs_plan *p, const cs_tree *t, const cs_period_input *in, cs_diags *d);

/* How often a pass over the members looks at po->stop: 10^7 members take 1-4 s for a whole
 * period, so one look per 2^16 members costs nothing and answers within milliseconds. */
#define CS_PAYOUT_STOP_EVERY 65536

#endif
