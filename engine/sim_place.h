/* sim_place: the simulator's placement trees, for plans with a placement section (binary,
 * forced matrix).
 *
 * Each such plan has a tree of its own in each replica: plans compared on common random numbers
 * see the same members, and each places them by its own rule.  Each period, before the plan's
 * payout, the members who joined are placed one after another in join order (their index order,
 * so a sponsor is always placed before their recruits), automatically under their sponsor by the
 * plan's rule; a founder starts a tree of its own.  weaker_leg judges the legs on the measure the
 * payout left after the previous period (cs_payout.leg_measure).  This is the order in which
 * `compsim payout` places the rows of the simulator's genealogy export (join period, then order of
 * first appearance in the file; the export lists each period's members in index order), so
 * replaying the export builds the same tree. */
#ifndef COMPSIM_SIM_PLACE_H
#define COMPSIM_SIM_PLACE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "sim.h"

/* Places members sp->place->n .. n-1 (sponsor[i] < i, or -1) in plan p's tree, creating the tree
 * on the first call, sizes the payout object sp->po for n members, and rebuilds the snapshot
 * sp->pix.  Does nothing for a plan without a placement section.  Returns 0, or -1 with an error
 * in d (out of memory). */
int cs_sim_place(cs_sim_plan *sp, const cs_plan *p, const int32_t *sponsor, size_t n, cs_diags *d);

#endif
