/* replay_place: a genealogy's members placed in a plan's placement tree, period by period.
 *
 * Binary and matrix plans pay on a placement tree (engine/placement.h).  When a genealogy is
 * replayed, each period's joiners are placed before that period's payout, in join order: join
 * period, then file order, except that a member whose placement parent (or, when placed
 * automatically, sponsor) joins in the same period but later in the file waits for it and is
 * placed right after it.  So a file may list members in any order within a period, and the tree
 * is the one a company placing members as they enrol would have built.  Errors (a parent or
 * sponsor who joins later, a slot taken twice, a full matrix position, a cycle) are reported as
 * FILE:LINE: error: at the member's first row.  docs/plan-format.md ("The placement tree", "Placement columns") is
 * the contract. */
#ifndef COMPSIM_REPLAY_PLACE_H
#define COMPSIM_REPLAY_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "genealogy.h"
#include "placement.h"
#include "plan.h"

typedef struct {
    cs_placement *pl;
    cs_placement_index ix; /* a snapshot after the last period placed */
    /* private */
    cs_place_explicit *expl; /* n, or NULL when the file has no placement or leg column */
    int32_t *seq;            /* n: members by (join period, file order) */
    size_t *seq_off;         /* nperiods + 1: each period's range of seq */
    int32_t *order;          /* n: the period's placement order */
    int32_t *wait_head, *wait_next; /* members waiting for a member of the same period */
    uint8_t *state;
} cs_replay_place;

/* Prepares to place g's members under plan p (whose placement kind is not CS_PTREE_NONE).
 * Returns 0, or -1 with an error in d when out of memory. */
int cs_replay_place_init(cs_replay_place *rp, const cs_plan *p, const cs_genealogy *g, cs_diags *d);
/* Places the members who join in period `per` (call for each period in order) and rebuilds rp->ix.
 * `leg` is the weaker-leg measure left by the previous period's payout (2 per member).  Returns 0,
 * or -1 with every placement error of the period in d. */
int cs_replay_place_period(cs_replay_place *rp, const cs_genealogy *g, size_t per, const int64_t *leg, cs_diags *d);
void cs_replay_place_free(cs_replay_place *rp);

#endif
