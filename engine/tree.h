/* tree: the sponsor tree as the payout passes read it.
 *
 * Members are indices 0..n-1 in any order where a sponsor precedes its recruits (parent[i] < i):
 * breadth-first order for genealogy files, join order in the simulator.  The passes run from n-1
 * down to 0, so every member is settled after all of its downline, with no recursion and no walk
 * up the tree.  Recruits are reached through a CSR index (child_off, child). */
#ifndef COMPSIM_TREE_H
#define COMPSIM_TREE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t n;
    const int32_t *parent; /* borrowed: n entries, parent[i] < i, -1 for a root */
    uint32_t *child_off;   /* owned: n+1 entries; recruits of i are child[child_off[i] .. child_off[i+1]) */
    int32_t *child;        /* owned: n entries */
    /* When members are in breadth-first order, the members at depth d are the range
     * [level_off[d], level_off[d+1]): they depend only on deeper members, so one depth can be
     * shared between threads.  nlevels = 0 when the order is not breadth-first. */
    size_t nlevels;
    uint32_t *level_off;   /* owned: nlevels+1 entries, or NULL */
} cs_tree;

/* Builds the recruit index for `parent` (which must outlive the tree).  Returns 0, or -1 if out of
 * memory or if parent[i] >= i for some i (which would break the bottom-up passes). */
int cs_tree_init(cs_tree *t, size_t n, const int32_t *parent);
void cs_tree_free(cs_tree *t);

/* Processes members hi-1 down to lo; returns 0, or non-zero to report a failure. */
typedef int (*cs_range_fn)(void *ctx, size_t lo, size_t hi);

/* Calls fn on ranges of members so that every member is processed after all of its downline.
 * Depths with at least CS_TREE_PAR_MIN members are split between the OpenMP threads; each member
 * is still computed from its recruits alone, so the result does not depend on the thread count.
 * Returns the OR of fn's results (a failing range does not stop the others at its depth). */
int cs_tree_bottom_up(const cs_tree *t, cs_range_fn fn, void *ctx);

#define CS_TREE_PAR_MIN 16384

#endif
