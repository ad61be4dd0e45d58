/* matrix: the forced-matrix bonus, paid on the levels of a W-wide placement tree
 * (docs/plan-format.md, "matrix").
 *
 * One bottom-up pass over the placement tree per period (placement_pass.h), the unilevel's level
 * sweep without compression: vec[i*K + k] = BV of the members placed k+1 levels below i, the sum
 * of i's children's tables shifted down one level.  For the completion bonus, full[i] = how many
 * levels below i are full (level k holds W^k members): 0 when i has a free slot, else one more
 * than the fewest of its children's, since level k below i is full exactly when every child is
 * there and has k-1 full levels.  Bits in po->completed remember the amounts already paid. */
#ifndef COMPSIM_MATRIX_H
#define COMPSIM_MATRIX_H

#include "payout.h"

/* Pays matrix bonus b into out[n], using po->vec, and updates po->completed.  Needs po->active
 * and po->rank of this period.  Returns 0, or -1 when an amount does not fit. */
int cs_matrix_pay(cs_payout *po, const cs_bonus *b, const cs_period_input *in, int64_t *out);

#endif
