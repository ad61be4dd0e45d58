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
} cs_tree;

/* Builds the recruit index for `parent` (which must outlive the tree).  Returns 0, or -1 if out of
 * memory or if parent[i] >= i for some i (which would break the bottom-up passes). */
int cs_tree_init(cs_tree *t, size_t n, const int32_t *parent);
void cs_tree_free(cs_tree *t);

#endif
