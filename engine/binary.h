/* binary: the binary bonus, paid on the two legs of a binary placement tree (docs/plan-format.md,
 * "binary").
 *
 * One bottom-up pass over the placement tree per period (placement_pass.h): a member's subtree BV
 * is its own BV plus its two children's, and its leg volume on a side is the subtree BV of the
 * child on that side plus what it carried over.  Nothing above a member depends on its pairing,
 * so the pairing, the cap, the carry-over and its flush are settled for the member on the spot.
 * Qualification (active personally sponsored members in each leg) is counted first, in one pass
 * over the sponsor tree: an O(1) Euler-interval test tells in which leg of its sponsor, if any, a
 * recruit is placed (a recruit may be placed outside its sponsor's placement subtree).
 *
 *        S   leg volume L = carry[2S]   + BV of every member placed under S's left child
 *       / \             R = carry[2S+1] + BV of every member placed under S's right child
 *      a   b     paired: min(L, R) (rate), or whole cycles (weak, strong); the rest carries over
 *
 * Both functions fill po->leg_measure.  They return 0, or -1 when an amount does not fit (the
 * caller reports it). */
#ifndef COMPSIM_BINARY_H
#define COMPSIM_BINARY_H

#include "payout.h"

/* Pays binary bonus b into out[n] and updates po->carry, po->idle and po->leg_measure.  Needs
 * po->active and po->rank of this period. */
int cs_binary_pay(cs_payout *po, const cs_plan *p, const cs_bonus *b, const cs_tree *t, const cs_period_input *in,
                  int64_t *out);

/* Only the legs' measures, for a binary placement without a binary bonus (no carry-over). */
int cs_binary_measure(cs_payout *po, const cs_plan *p, const cs_period_input *in);

#endif
