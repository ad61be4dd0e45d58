/* tree: the sponsor tree as the payout passes read it.
 *
 * Members are indices 0..n-1 in any order where a sponsor precedes its recruits (parent[i] < i):
 * breadth-first order for genealogy files, join order in the simulator.  The passes run over
 * *positions* 0..n-1 from the end, so that every member is settled after its whole downline, with
 * no recursion and no walk up the tree.  The tree is laid out in one of three ways:
 *
 *   1. members in breadth-first order (roots first in index order, then the recruits of member 0,
 *      of member 1, ..., each member's recruits in index order: what cs_genealogy_load_file
 *      produces): positions are member indices, and the recruits of position j are the
 *      consecutive positions child_off[j] .. child_off[j+1]-1 (child and perm are NULL);
 *   2. any other order in which recruits are scattered (members who joined one by one anywhere
 *      in the tree): the tree is renumbered in that breadth-first order, perm[j] being the member
 *      at position j, and recruits are again consecutive positions (child is NULL).  The payout
 *      reads its inputs through perm once and writes its results back by member;
 *   3. other orders whose recruits come in streams (a simulation's join order, where each period's
 *      joiners are appended in their sponsors' order): positions are member indices and the
 *      recruits of j are child[child_off[j] .. child_off[j+1]) (perm is NULL).  Renumbering would
 *      cost more than the passes lose by reading recruits through child[].
 * In layouts 1 and 2, the members at depth d are positions [level_off[d], level_off[d+1]), which
 * depend only on deeper members, so one depth can be shared between threads; in layout 3
 * (nlevels = 0) the passes run on one thread.
 *
 * Layout 3 also cuts the positions into *blocks*, consecutive ranges [block_off[b],
 * block_off[b+1]) with no sponsor inside their own block and sponsors that never decrease within
 * it (roots aside); greedily: a block ends where a member's sponsor is in it or below the one
 * before.  In a simulation, a block is the members who joined in one period.  A pass can then push
 * each member's table to its sponsor block by block from the last: every member is complete when
 * its block comes, the members of a block are read in order, and their sponsors' tables are
 * written in increasing order, where pulling the recruits through child[] reads one scattered
 * stream per block; and a block cut where the sponsor changes gives each thread sponsors of its
 * own.  Only members with recruits need a table: row[j] numbers them (-1 for the others).
 *
 *   member (join order)   0   1   2   3   4   5            0         depth 0: position 0
 *   parent               -1   0   0   1   2   1          /   \       depth 1: positions 1 2
 *   position (layout 2)   0   1   2   3   5   4         1     2     depth 2: positions 3 4 5
 *   perm = [0 1 2 3 5 4], child_off = [1 3 5 6 6 6 6]  / \     \
 *                                                     3   5   4   (5 joined after 4, under 1) */
#ifndef COMPSIM_TREE_H
#define COMPSIM_TREE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t n;
    const int32_t *parent; /* borrowed: n entries, parent[i] < i, -1 for a root; member indices */
    uint32_t *child_off;   /* owned: n+1 entries; recruits of position j: see above */
    int32_t *child;        /* owned: n entries in layout 3, else NULL */
    int32_t *perm;         /* owned: n entries in layout 2 (position -> member), else NULL */
    size_t nlevels;        /* depths in layouts 1 and 2 (0 when n = 0); 0 in layout 3 */
    uint32_t *level_off;   /* owned: nlevels+1 entries, depth d is positions [level_off[d], level_off[d+1]);
                            * NULL in layout 3 */
    size_t ring;           /* layouts 1 and 2: the most positions in two consecutive depths (at least 1):
                            * a bottom-up pass whose per-member tables are needed only by the sponsor
                            * can keep them in `ring` slots, position j in slot j % ring (live tables
                            * never share one).  Layout 3: n (one slot per member) */
    size_t nblocks;        /* layout 3: blocks (see above), else 0 */
    uint32_t *block_off;   /* owned: layout 3: nblocks+1 entries (block_cap allocated), else NULL */
    size_t block_cap;
    int32_t *row;          /* owned: layout 3: n entries, the table row of a member with recruits or -1, else NULL */
    size_t nrows;          /* layout 3: members with recruits */
    size_t cap;            /* members the arrays have room for (cs_tree_update) */
    int reserved;          /* cs_tree_reserve was called: arrays of 1 MiB or more on whole huge pages */
    uint32_t *scratch;     /* layout 2 after cs_tree_update: cap+1 entries kept for the next rebuild, else NULL */
} cs_tree;

typedef enum {
    CS_TREE_AUTO,   /* layout 1 if the members are in breadth-first order, else 2 or 3, whichever pays */
    CS_TREE_BFS,    /* layout 1 or 2: renumber whenever the order is not breadth-first */
    CS_TREE_MEMBER, /* layout 1 or 3: never renumber */
} cs_tree_order;

/* Below this many members the arrays stay in cache and layout 3 is always chosen by CS_TREE_AUTO. */
#define CS_TREE_RENUMBER_MIN 65536

/* Builds the tree for `parent` (which must outlive the tree, or until the next cs_tree_update).
 * Returns 0, or -1 if out of memory or if parent[i] >= i for some i (which would break the
 * bottom-up passes). */
int cs_tree_init(cs_tree *t, size_t n, const int32_t *parent);

/* Rebuilds t (from cs_tree_init or a zeroed cs_tree) for a parent array that may have grown:
 * the same result as cs_tree_free + cs_tree_init, but the arrays are kept and reused while they
 * are large enough, and grow by a quarter at least (a simulation that rebuilds its tree every
 * period then allocates, and takes page faults, only now and then).  Building layout 2 needs
 * 8 bytes per member more for a moment, 4 of which are kept in t->scratch for the next rebuild.
 * Returns 0, or -1 as cs_tree_init (t is then empty, and still to be freed). */
int cs_tree_update(cs_tree *t, size_t n, const int32_t *parent);

/* Makes room for `cap` members in a tree (from cs_tree_init or a zeroed cs_tree) that will grow
 * (the simulator's), so that its rebuilds up to that size never reallocate: the arrays are
 * allocated ahead on huge pages and only the part in use becomes resident.  Keeps nothing of the
 * tree (rebuild it before use).  Returns 0, or -1 if out of memory (t is then empty). */
int cs_tree_reserve(cs_tree *t, size_t cap);

/* cs_tree_update with the layout chosen by `order` (tests and benchmarks compare the layouts). */
int cs_tree_build(cs_tree *t, size_t n, const int32_t *parent, cs_tree_order order);

void cs_tree_free(cs_tree *t);

/* Processes positions hi-1 down to lo; returns 0, or non-zero to report a failure. */
typedef int (*cs_range_fn)(void *ctx, size_t lo, size_t hi);

/* Calls fn on ranges of positions so that every member is processed after all of its downline.
 * Depths with at least CS_TREE_PAR_MIN members are split between the OpenMP threads; each member
 * is still computed from its recruits alone, so the result does not depend on the thread count.
 * Returns the OR of fn's results (a failing range does not stop the others at its depth). */
int cs_tree_bottom_up(const cs_tree *t, cs_range_fn fn, void *ctx);

#define CS_TREE_PAR_MIN 16384

#endif
