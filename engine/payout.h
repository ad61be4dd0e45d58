/* payout: what a plan pays each member in one period.
 *
 * A pure function of (plan, sponsor tree, the period's volumes, titles carried from earlier
 * periods): cs_payout_period fills one rounded line per member and bonus.  The order of work is
 * the one docs/plan-format.md states ("Order of evaluation"): activity; group volume, paid-as rank
 * and breakaway bottom-up; bonuses in plan order; the global cap; titles.  Every pass is a loop
 * over the member arrays from the bottom of the tree up (or a plain loop), so the cost is linear
 * in members times the widest per-member table (levels, ranks or generations). */
#ifndef COMPSIM_PAYOUT_H
#define COMPSIM_PAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "plan.h"
#include "tree.h"

typedef struct {
    const int64_t *pv;      /* n, hundredths */
    const int64_t *bv;      /* n, hundredths (= cents) */
    const int64_t *retail;  /* n, cents; NULL = no retail sales */
    const uint8_t *is_new;  /* n, 1 if the member joined this period; NULL = nobody */
    const uint32_t *order;  /* n, tie-break rank for remainders (file order); NULL = index order */
} cs_period_input;

typedef struct {
    size_t n, nbonuses;
    /* results of the last period */
    int64_t *amount;      /* nbonuses * n: amount[b * n + i], cents */
    int64_t *bonus_total; /* nbonuses: sum of each bonus's lines */
    int64_t company_bv;   /* sum of bv */
    int64_t company_paid; /* sum of the company-paid lines */
    uint8_t *active;      /* n */
    int32_t *rank;        /* n: paid-as rank or CS_RANK_NONE */
    int64_t *gv;          /* n: group volume, hundredths */
    /* carried across periods */
    int32_t *title;       /* n: highest paid-as rank so far, CS_RANK_NONE at first */
    /* scratch, reused between periods */
    int32_t *submax;      /* n: highest rank in the member's subtree */
    uint8_t *broken;      /* n: broke away this period */
    int64_t *vec;         /* n * width: per-member tables of the bottom-up passes */
    size_t vec_width;
    int64_t *src;         /* n: the amount each member is a source of, for level bonuses */
    uint8_t *takes;       /* n: takes a level (compression) */
} cs_payout;

/* Allocates results and scratch for n members under plan p; titles start unranked.  NULL if out
 * of memory.  Free with cs_payout_free. */
cs_payout *cs_payout_new(const cs_plan *p, size_t n);
void cs_payout_free(cs_payout *po);

/* Computes one period.  Returns 0, or -1 with an error in `d` when an amount does not fit
 * (money overflow) or memory runs out. */
int cs_payout_period(cs_payout *po, const cs_plan *p, const cs_tree *t, const cs_period_input *in, cs_diags *d);

#endif
