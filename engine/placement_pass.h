/* placement_pass: bottom-up passes over a placement tree, for the binary and matrix bonuses.
 *
 * The same scheme as cs_tree_bottom_up (tree.h), on a snapshot's breadth-first order instead of
 * member indices: positions of ix->porder run from the end to the start, so every member is
 * settled after its whole placement downline, with no recursion and no walk up the tree (a chain
 * of 10^7 members is one serial range).  Depths with at least CS_TREE_PAR_MIN members are split
 * between the OpenMP threads; a member is computed from its placement children alone, so results
 * do not depend on the thread count. */
#ifndef COMPSIM_PLACEMENT_PASS_H
#define COMPSIM_PLACEMENT_PASS_H

#include "placement.h"
#include "tree.h"

/* Calls fn(ctx, lo, hi) on ranges of positions of ix->porder; fn processes positions hi-1 down to
 * lo.  Returns the OR of fn's results. */
int cs_place_bottom_up(const cs_placement_index *ix, cs_range_fn fn, void *ctx);

#endif
