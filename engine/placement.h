/* placement: the placement tree of binary and forced-matrix plans.
 *
 * Binary and matrix plans place every member a second time, in a tree of fixed width W (2 for a
 * binary plan: slot 0 = left, 1 = right; a matrix: slots 0..W-1) that sits beside the sponsor
 * tree.  Members are the sponsor tree's indices 0..n-1.  They are placed one after another in a
 * given order (the join order), each under someone placed before it, and never move afterwards.
 * docs/placement-design.md explains where the tree is used.
 *
 *          sponsor tree                    placement tree (binary, outer_left)
 *              0                                    0
 *            / | \                                /   \
 *           1  2  3         ──place──▶           1     .
 *                                              /
 *                                             2
 *                                           /
 *                                          3
 *
 * A cs_placement owns the tree and the scratch that keeps every placement cheap; it is filled by
 * one or more calls of cs_placement_place (one per period in a simulation: the weaker-leg rule
 * judges legs on totals the caller computed at the end of the previous period).  A
 * cs_placement_index is a snapshot for the payout passes: the breadth-first order of the tree and
 * an Euler-tour interval per member.  Nothing here walks from the root per member, and nothing
 * recurses: chains of 10^7 members are fine.
 *
 * Where a new member goes (its sponsor S, unless it has an explicit placement parent):
 *   outer_left, outer_right  the bottom of S's outer-left (right) edge: follow left (right) children
 *                            from S to the first member without one.  O(1) worst case: each member
 *                            points at the top of its line of left (right) children, which
 *                            points at the bottom.
 *   alternating              S's 1st, 3rd, ... automatically placed recruit outer-left, 2nd, 4th,
 *                            ... outer-right (explicitly placed recruits do not count).
 *   weaker_leg               the outer edge of S's side whose leg measure (from the caller) is
 *                            smaller; ties go left.
 *   spillover                the first open slot under S in breadth-first order of S's placement
 *                            subtree (S's own slots first, then level by level, left to right).
 *                            O(W log n) amortised; any W >= 2 (W = 2 is a "balanced" binary).
 * Explicit placements (cs_place_explicit) override the rule for one member:
 *   parent and slot          exactly there;
 *   parent only              the parent's first free slot (binary: left, then right);
 *   slot only                "sponsor's choice" of S's leg: under the binary rules, the outer edge
 *                            of that side of S; under spillover (any W), S's slot if it is free,
 *                            else the first open slot in breadth-first order of the subtree of
 *                            the member in that slot.
 * The binary rules need W = 2.  Nothing checks that an explicit parent is in the sponsor's
 * placement downline: that is a plan rule for the caller (cs_placement_in_subtree answers it).
 *
 * An explicit parent replaces the sponsor entirely (the sponsor is then not looked at).
 *
 * Errors are per member: the member is left unplaced (CS_PLACE_FAILED; a member already placed
 * stays where it is), the (member, code) pair is recorded in a cs_place_errors the caller turns
 * into messages (only it knows member ids and file lines), and placement goes on with the next
 * member, so one call reports every problem.  A member whose placement parent or sponsor failed
 * fails with CS_PLACE_E_UPLINE_FAILED, which a caller may choose not to print.
 *
 * Memory per member: 5 + 4W bytes for the tree (ppar, pos, pchild), plus 8 (binary rules; 9 for
 * alternating) or 1 (spillover) of scratch; a snapshot takes 16 more, and 9 while it is built. */
#ifndef COMPSIM_PLACEMENT_H
#define COMPSIM_PLACEMENT_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    CS_PLACE_OUTER_LEFT,
    CS_PLACE_OUTER_RIGHT,
    CS_PLACE_ALTERNATING,
    CS_PLACE_WEAKER_LEG,
    CS_PLACE_SPILLOVER,
} cs_place_rule;

#define CS_PLACE_LEFT 0
#define CS_PLACE_RIGHT 1
#define CS_PLACE_MAX_WIDTH 64

/* Values of ppar[i] other than a parent's index. */
#define CS_PLACE_ROOT (-1)     /* placed, as a root of the placement tree */
#define CS_PLACE_UNPLACED (-2) /* not placed yet */
#define CS_PLACE_FAILED (-3)   /* its placement failed (see the errors of that call) */

/* An explicit placement for one member; CS_PLACE_AUTO in a field leaves that part to the rule. */
#define CS_PLACE_AUTO (-1)
typedef struct {
    int32_t parent; /* placement parent's index, or CS_PLACE_AUTO */
    int32_t slot;   /* 0..W-1 (binary: CS_PLACE_LEFT, CS_PLACE_RIGHT), or CS_PLACE_AUTO */
} cs_place_explicit;

typedef enum {
    CS_PLACE_E_ALREADY_PLACED = 1, /* the member was placed before (twice in the order?) */
    CS_PLACE_E_SPONSOR_RANGE,      /* sponsor index not -1 and not in 0..n-1 */
    CS_PLACE_E_SPONSOR_LATER,      /* automatic placement, but the sponsor is not placed yet */
    CS_PLACE_E_NO_SPONSOR,         /* a slot without a parent, for a member without a sponsor */
    CS_PLACE_E_PARENT_RANGE,       /* explicit parent not in 0..n-1 */
    CS_PLACE_E_PARENT_SELF,        /* explicit parent is the member itself */
    CS_PLACE_E_PARENT_LATER,       /* explicit parent is not placed yet (placed later in the order) */
    CS_PLACE_E_SLOT_RANGE,         /* explicit slot not in 0..W-1 */
    CS_PLACE_E_SLOT_TAKEN,         /* explicit parent and slot, and the slot is taken */
    CS_PLACE_E_PARENT_FULL,        /* explicit parent without a slot, and every slot is taken */
    CS_PLACE_E_UPLINE_FAILED,      /* the explicit parent's or the sponsor's own placement failed */
} cs_place_code;

/* The text for a code, one lowercase phrase, e.g. "placement slot is already taken". */
const char *cs_place_code_text(cs_place_code code);

/* Errors of one call, in the order members were placed.  Filled by cs_placement_place; the caller
 * owns it (it allocates nothing, so it can live on the stack) and sets n = total = 0 first, or
 * passes the same list on to collect the errors of several calls. */
#define CS_PLACE_ERRORS_MAX 100
typedef struct {
    size_t n;     /* errors kept: the first CS_PLACE_ERRORS_MAX */
    size_t total; /* all errors, including those not kept */
    struct {
        int32_t member;
        cs_place_code code;
    } items[CS_PLACE_ERRORS_MAX];
} cs_place_errors;

/* The weaker-leg rule's measure of a sponsor's side (CS_PLACE_LEFT or CS_PLACE_RIGHT): leg volume,
 * leg member count, ...  Called twice per automatic placement under weaker_leg. */
typedef int64_t (*cs_place_leg_fn)(void *ctx, int32_t member, int side);
/* A ready-made measure: ctx is an array `const int64_t legs[2 * n]`, legs[2 * i + side]. */
int64_t cs_place_leg_array(void *ctx, int32_t member, int side);

typedef struct {
    const int32_t *sponsor;            /* n entries: sponsor of each member, -1 for a root (borrowed) */
    const int32_t *order;              /* norder members to place, in this order; NULL = 0..norder-1 */
    size_t norder;
    const cs_place_explicit *expl;     /* n entries indexed by member, or NULL: all automatic */
    cs_place_leg_fn leg;               /* weaker_leg only */
    void *leg_ctx;
} cs_place_input;

/* The placement tree.  Read the fields; change them only through the functions below. */
typedef struct {
    size_t n;            /* members (capacity): indices 0..n-1 */
    size_t nplaced;
    int width;           /* W */
    cs_place_rule rule;
    int32_t *ppar;       /* n: placement parent, or CS_PLACE_ROOT / _UNPLACED / _FAILED */
    uint8_t *pos;        /* n: slot under the parent (0..W-1); 0 for roots and unplaced members */
    int32_t *pchild;     /* n * W: pchild[i * W + s] = member in slot s under i, or -1 */
    /* scratch that makes placement cheap (private) */
    int32_t *edge[2];    /* binary rules, per side: top of x's line of side-s children, or ~its bottom */
    uint8_t *open;       /* spillover: depth below x of the shallowest open slot in x's subtree */
    uint8_t *alt;        /* alternating: parity of the member's automatically placed recruits */
} cs_placement;

/* A new, empty placement tree for members 0..n-1 (n < 2^31 - 1).  Returns NULL if out of memory or
 * if the width does not suit the rule (binary rules: W = 2; spillover: 2 <= W <= CS_PLACE_MAX_WIDTH).
 * The caller owns the result: free it with cs_placement_free. */
cs_placement *cs_placement_new(size_t n, int width, cs_place_rule rule);
void cs_placement_free(cs_placement *pl);

/* Grows the tree to n members (new members unplaced), for a simulation whose membership grows.
 * Returns 0, or -1 if out of memory (the tree is then unchanged). */
int cs_placement_reserve(cs_placement *pl, size_t n);

/* Places in->order[0..norder) one after another.  Every member needs its placement parent (its
 * sponsor, for an automatic placement) placed earlier, in this call or an earlier one.  Returns 0
 * when every member was placed; 1 when some were not, with one entry per such member in `errs`
 * (which may be NULL to only count them: the return value says if any failed); -1 if the input is
 * unusable (an order entry out of 0..n-1, weaker_leg without a measure), before anything is placed. */
int cs_placement_place(cs_placement *pl, const cs_place_input *in, cs_place_errors *errs);

/* Is member i placed? */
static inline int cs_placement_is_placed(const cs_placement *pl, size_t i) { return pl->ppar[i] >= CS_PLACE_ROOT; }

/* A snapshot of a placement tree for the payout passes (rebuild it after placing more members).
 *
 * porder lists the placed members breadth-first: roots in index order, then each member's children
 * by slot, so a parent comes before its children and the members at depth d are the range
 * [level_off[d], level_off[d+1]).  A loop over porder from the end settles every member after its
 * placement downline.  iv[i] is member i's Euler-tour interval: members are numbered in preorder
 * (children by slot, roots in index order), tin is i's number and tout = tin + the size of i's
 * subtree, so the placement subtree of u is exactly the members r with
 * iv[u].tin <= iv[r].tin < iv[u].tout. */
typedef struct {
    uint32_t tin, tout; /* UINT32_MAX, UINT32_MAX for a member not placed */
} cs_place_interval;

typedef struct {
    size_t n;             /* members in the tree (placed) */
    size_t nmembers;      /* size of the per-member arrays (the tree's capacity) */
    int32_t *porder;      /* n: members breadth-first */
    int32_t *prank;       /* nmembers: position in porder, or -1 if not placed */
    cs_place_interval *iv; /* nmembers */
    size_t nlevels;
    uint32_t *level_off;  /* nlevels + 1 */
} cs_placement_index;

/* Builds the snapshot in O(n W) time and O(n) scratch, without recursion.  Returns 0, or -1 if out of memory (then
 * *ix is empty).  Free with cs_placement_index_free. */
int cs_placement_index_init(cs_placement_index *ix, const cs_placement *pl);
void cs_placement_index_free(cs_placement_index *ix);

/* Is r in the placement subtree of u (u itself included)?  False when either is not placed. */
static inline int cs_placement_in_subtree(const cs_placement_index *ix, int32_t u, int32_t r)
{
    const cs_place_interval a = ix->iv[u];
    const uint32_t t = ix->iv[r].tin;
    return a.tin <= t && t < a.tout;
}

/* Is r in u's leg `slot` (the subtree of the member in that slot under u; binary: CS_PLACE_LEFT
 * for the left leg)?  O(1). */
static inline int cs_placement_in_leg(const cs_placement *pl, const cs_placement_index *ix, int32_t u, int slot,
                                      int32_t r)
{
    int32_t c = pl->pchild[(size_t)u * (size_t)pl->width + (size_t)slot];
    return c >= 0 && cs_placement_in_subtree(ix, c, r);
}

#endif
