/* The placement engine: every rule on small cases whose placements were worked out by hand (the
 * expected ppar/pos are written out below each case's story), then random trees against a naive
 * model written from the definitions in placement.h (outer edges by walking child links,
 * spillover by a breadth-first search per member, the same error rules), the snapshot's orders
 * and intervals against walks up the tree, chains of 10^6 members, and the error cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

#include "placement.h"

#define A CS_PLACE_AUTO
#define L CS_PLACE_LEFT
#define R CS_PLACE_RIGHT

static cs_placement *place_all(size_t n, int w, cs_place_rule rule, const int32_t *sponsor,
                               const cs_place_explicit *expl, cs_place_leg_fn leg, void *leg_ctx)
{
    cs_placement *pl = cs_placement_new(n, w, rule);
    assert_non_null(pl);
    cs_place_input in = {.sponsor = sponsor, .norder = n, .expl = expl, .leg = leg, .leg_ctx = leg_ctx};
    cs_place_errors errs = {0};
    assert_int_equal(cs_placement_place(pl, &in, &errs), 0);
    assert_int_equal(errs.total, 0);
    assert_int_equal(pl->nplaced, n);
    return pl;
}

static void check_tree(const cs_placement *pl, const int32_t *ppar, const uint8_t *pos, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(pl->ppar[i], ppar[i]);
        assert_int_equal(pl->pos[i], pos[i]);
        if (ppar[i] >= 0) assert_int_equal(pl->pchild[(size_t)ppar[i] * (size_t)pl->width + pos[i]], i);
    }
}

/* ---- hand-worked cases ----------------------------------------------------------------------- */

/* Sponsors: 1, 2, 5 by 0; 3 by 0 placed explicitly right of 0; 4 by 2; 6, 7 by 3; 8 by 1 with
 * "right" as the sponsor's choice; 9 by 1.  Outer left, in index order:
 *   1: 0 has no left child                 -> left of 0
 *   2: 0 -> 1                              -> left of 1
 *   3: explicit                            -> right of 0
 *   4: from 2, no left child               -> left of 2
 *   5: 0 -> 1 -> 2 -> 4                    -> left of 4
 *   6: from 3                              -> left of 3
 *   7: 3 -> 6                              -> left of 6
 *   8: sponsor's choice, 1 has no right    -> right of 1
 *   9: 1 -> 2 -> 4 -> 5                    -> left of 5
 * Outer right is the mirror image (explicit sides mirrored too). */
static const int32_t edge_sponsor[10] = {-1, 0, 0, 0, 2, 0, 3, 3, 1, 1};
static const int32_t edge_ppar[10] = {-1, 0, 1, 0, 2, 4, 3, 6, 1, 5};

static void test_outer_left(void **state)
{
    (void)state;
    cs_place_explicit e[10];
    for (int i = 0; i < 10; i++) e[i] = (cs_place_explicit){A, A};
    e[3] = (cs_place_explicit){0, R};
    e[8] = (cs_place_explicit){A, R};
    cs_placement *pl = place_all(10, 2, CS_PLACE_OUTER_LEFT, edge_sponsor, e, NULL, NULL);
    check_tree(pl, edge_ppar, (const uint8_t[]){0, 0, 0, 1, 0, 0, 0, 0, 1, 0}, 10);
    cs_placement_free(pl);
}

static void test_outer_right(void **state)
{
    (void)state;
    cs_place_explicit e[10];
    for (int i = 0; i < 10; i++) e[i] = (cs_place_explicit){A, A};
    e[3] = (cs_place_explicit){0, L};
    e[8] = (cs_place_explicit){A, L};
    cs_placement *pl = place_all(10, 2, CS_PLACE_OUTER_RIGHT, edge_sponsor, e, NULL, NULL);
    check_tree(pl, edge_ppar, (const uint8_t[]){0, 1, 1, 0, 1, 1, 1, 1, 0, 1}, 10);
    cs_placement_free(pl);
}

/* Alternating: 1..6 and 10 by 0, 7 and 8 by 1, 9 by 0 with "left" as the sponsor's choice (an
 * explicit side, so it does not count as 0's automatic recruit).
 *   1: 0's k=0, left    -> left of 0          6: 0's k=5, right: 0 -> 2 -> 4   -> right of 4
 *   2: 0's k=1, right   -> right of 0         7: 1's k=0, left: 1 -> 3 -> 5    -> left of 5
 *   3: 0's k=2, left    -> left of 1          8: 1's k=1, right                -> right of 1
 *   4: 0's k=3, right   -> right of 2         9: choice left: 0 -> 1 -> 3 -> 5 -> 7 -> left of 7
 *   5: 0's k=4, left    -> left of 3         10: 0's k=6, left: ... -> 7 -> 9  -> left of 9 */
static const int32_t alt_ppar[11] = {-1, 0, 0, 1, 2, 3, 4, 5, 1, 7, 9};
static const uint8_t alt_pos[11] = {0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0};

static cs_placement *alternating_case(size_t cap)
{
    static const int32_t sponsor[12] = {-1, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0};
    cs_place_explicit e[12];
    for (int i = 0; i < 12; i++) e[i] = (cs_place_explicit){A, A};
    e[9] = (cs_place_explicit){A, L};
    cs_placement *pl = cs_placement_new(cap, 2, CS_PLACE_ALTERNATING);
    assert_non_null(pl);
    cs_place_input in = {.sponsor = sponsor, .norder = 11, .expl = e};
    assert_int_equal(cs_placement_place(pl, &in, NULL), 0);
    return pl;
}

static void test_alternating(void **state)
{
    (void)state;
    cs_placement *pl = alternating_case(11);
    check_tree(pl, alt_ppar, alt_pos, 11);
    cs_placement_free(pl);
}

/* Weaker leg on fixed totals (from the end of the previous period): 0 (10, 10) ties -> left;
 * 1 (5, 3) -> right; 2 (0, 7) -> left.
 *   1 by 0: left of 0;  2 by 0: 0 -> 1, left of 1;  3 by 1: right of 1;  4 by 1: 1 -> 3, right of 3;
 *   5 by 2: left of 2;  6 by 0: 0 -> 1 -> 2 -> 5, left of 5 */
static void test_weaker_leg_array(void **state)
{
    (void)state;
    static const int32_t sponsor[7] = {-1, 0, 0, 1, 1, 2, 0};
    int64_t legs[14] = {10, 10, 5, 3, 0, 7, 9, 9, 9, 9, 9, 9, 9, 9};
    cs_placement *pl = place_all(7, 2, CS_PLACE_WEAKER_LEG, sponsor, NULL, cs_place_leg_array, legs);
    check_tree(pl, (const int32_t[]){-1, 0, 1, 1, 3, 2, 5}, (const uint8_t[]){0, 0, 0, 1, 1, 0, 0}, 7);
    cs_placement_free(pl);
}

/* A measure that changes as members are placed: the number of members in each leg now. */
typedef struct {
    cs_placement *pl;
    int calls;
} live_ctx;

static int64_t live_count(void *ctx, int32_t member, int side)
{
    live_ctx *c = ctx;
    c->calls++;
    const cs_placement *pl = c->pl;
    int32_t top = pl->pchild[(size_t)member * 2 + (size_t)side];
    int64_t count = 0;
    for (size_t i = 0; i < pl->n; i++) {
        if (!cs_placement_is_placed(pl, i)) continue;
        for (int32_t x = (int32_t)i; x >= 0; x = pl->ppar[x])
            if (x == top) count++;
    }
    return count;
}

/* Live counts, 1..5 by 0: (0,0) left -> left of 0; (1,0) right -> right of 0; (1,1) left -> left of
 * 1; (2,1) right -> right of 2; (2,2) left -> 0 -> 1 -> 3, left of 3. */
static void test_weaker_leg_callback(void **state)
{
    (void)state;
    static const int32_t sponsor[6] = {-1, 0, 0, 0, 0, 0};
    cs_placement *pl = cs_placement_new(6, 2, CS_PLACE_WEAKER_LEG);
    live_ctx ctx = {pl, 0};
    cs_place_input in = {.sponsor = sponsor, .norder = 6, .leg = live_count, .leg_ctx = &ctx};
    assert_int_equal(cs_placement_place(pl, &in, NULL), 0);
    check_tree(pl, (const int32_t[]){-1, 0, 0, 1, 2, 3}, (const uint8_t[]){0, 0, 1, 0, 1, 0}, 6);
    assert_int_equal(ctx.calls, 10); /* twice per automatic placement under a sponsor */
    cs_placement_free(pl);
}

/* Explicit parents without a slot, binary: 1 and 2 under 0 take left then right; 3 under 1 on the
 * right; 4 under 1 takes the free left. */
static void test_explicit_parent_binary(void **state)
{
    (void)state;
    static const int32_t sponsor[5] = {-1, 0, 0, 0, 0};
    const cs_place_explicit e[5] = {{A, A}, {0, A}, {0, A}, {1, R}, {1, A}};
    cs_placement *pl = place_all(5, 2, CS_PLACE_OUTER_LEFT, sponsor, e, NULL, NULL);
    check_tree(pl, (const int32_t[]){-1, 0, 0, 1, 1}, (const uint8_t[]){0, 0, 1, 1, 0}, 5);
    cs_placement_free(pl);
}

/* Matrix 3 wide, all sponsored by 0 unless stated:
 *   1, 2, 3            -> slots 0, 1, 2 of 0 (level 1)
 *   4..12              -> 4, 5, 6 under 1; 7, 8, 9 under 2; 10, 11, 12 under 3 (level 2 full)
 *   13..16 by 2        -> 2 is full, so its own subtree: 13, 14, 15 fill 7; 16 -> 8 slot 0
 *   17..25             -> level 3, left to right: 17-19 under 4, 20-22 under 5, 23-25 under 6
 *   26                 -> 7 is full (13-15), 8 has 16 in slot 0: 8 slot 1
 *   27                 -> 8 slot 2
 *   28                 -> 9 slot 0
 *   29 by 5            -> 5 is full (20-22): 20 slot 0
 *   30                 -> the first open slot of level 3 is now 9 slot 1 */
static void test_spillover_matrix(void **state)
{
    (void)state;
    int32_t sponsor[31];
    for (int i = 0; i < 31; i++) sponsor[i] = 0;
    sponsor[0] = -1;
    for (int i = 13; i <= 16; i++) sponsor[i] = 2;
    sponsor[29] = 5;
    const int32_t ppar[31] = {-1, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 7, 7, 7, 8,
                              4,  4, 4, 5, 5, 5, 6, 6, 6, 8, 8, 9, 20, 9};
    const uint8_t pos[31] = {0, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0,
                             0, 1, 2, 0, 1, 2, 0, 1, 2, 1, 2, 0, 0, 1};
    cs_placement *pl = place_all(31, 3, CS_PLACE_SPILLOVER, sponsor, NULL, NULL, NULL);
    check_tree(pl, ppar, pos, 31);
    /* depth of the first open slot below each member: 2 below 0 and 1 (level 3 under 1 is full),
     * 1 below 2 (under 9) and 3, 1 below 7 (full), 0 below 9 */
    const uint8_t open[] = {2, 2, 1, 1};
    for (int i = 0; i < 4; i++) assert_int_equal(pl->open[i], open[i]);
    assert_int_equal(pl->open[7], 1);
    assert_int_equal(pl->open[9], 0);
    cs_placement_free(pl);
}

/* Holes left by explicit placements, binary spillover: 1 explicitly right of 0, 2 explicitly left
 * of 1, then by 0:
 *   3 -> 0's free left slot
 *   4 -> 0 full; 3 (slot 0) and 1 (slot 1) both have room at depth 0: the lower slot, 3: left of 3
 *   5 -> right of 3
 *   6 -> 3 full; 1 has a free right slot: right of 1
 *   7 -> level 2 full: left of 4 */
static void test_spillover_holes(void **state)
{
    (void)state;
    static const int32_t sponsor[8] = {-1, 0, 0, 0, 0, 0, 0, 0};
    cs_place_explicit e[8];
    for (int i = 0; i < 8; i++) e[i] = (cs_place_explicit){A, A};
    e[1] = (cs_place_explicit){0, R};
    e[2] = (cs_place_explicit){1, L};
    cs_placement *pl = place_all(8, 2, CS_PLACE_SPILLOVER, sponsor, e, NULL, NULL);
    check_tree(pl, (const int32_t[]){-1, 0, 1, 0, 3, 3, 1, 4}, (const uint8_t[]){0, 1, 0, 0, 0, 1, 1, 0}, 8);
    cs_placement_free(pl);
}

/* Sponsor's choice under spillover is a leg to spill into, also when W = 2 (under the binary rules
 * it is an outer edge).  All by 0:
 *   1, 2 -> left and right of 0
 *   3 chooses right: 2 has room          -> left of 2   (the outer edge would be right of 2)
 *   4 chooses right                      -> right of 2
 *   5 chooses right: 2 is full, its leg breadth-first: 3 first -> left of 3
 *   6 automatic: 0's subtree breadth-first, level 2: 1 first  -> left of 1 */
static void test_spillover_binary_choice(void **state)
{
    (void)state;
    static const int32_t sponsor[7] = {-1, 0, 0, 0, 0, 0, 0};
    const cs_place_explicit e[7] = {{A, A}, {A, A}, {A, A}, {A, R}, {A, R}, {A, R}, {A, A}};
    cs_placement *pl = place_all(7, 2, CS_PLACE_SPILLOVER, sponsor, e, NULL, NULL);
    check_tree(pl, (const int32_t[]){-1, 0, 0, 2, 2, 3, 1}, (const uint8_t[]){0, 0, 1, 0, 1, 0, 0}, 7);
    assert_null(pl->edge[0]); /* no outer edges kept for spillover */
    cs_placement_free(pl);
}

/* Matrix 3 wide, explicit parents and slots: 1 in 0's slot 1; 2 and 3 under 0 without a slot take
 * slots 0 and 2; 4 by 0 spills to the member in the lowest slot, 2 (not 1, who joined first);
 * sponsor's choice of slot 1 for 5: 1 has room, slot 0 of 1; 6 chooses slot 2 and 3 is free: slot 0
 * of 3.  Then 7 and 8 choose slot 1 and fill 1's slots 1 and 2; 9 and 10 choose slot 1 again, and
 * 1 is full: 1's subtree breadth-first, slots 0 and 1 of 5 (1's slot 0). */
static void test_matrix_explicit(void **state)
{
    (void)state;
    static const int32_t sponsor[11] = {-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const cs_place_explicit e[11] = {{A, A}, {0, 1}, {0, A}, {0, A}, {A, A}, {A, 1},
                                     {A, 2}, {A, 1}, {A, 1}, {A, 1}, {A, 1}};
    cs_placement *pl = place_all(11, 3, CS_PLACE_SPILLOVER, sponsor, e, NULL, NULL);
    check_tree(pl, (const int32_t[]){-1, 0, 0, 0, 2, 1, 3, 1, 1, 5, 5},
               (const uint8_t[]){0, 1, 0, 2, 0, 0, 0, 1, 2, 0, 1}, 11);
    cs_placement_free(pl);
}

/* The snapshot of the alternating case (plus an unplaced member 11):
 *   0: left 1, right 2;  1: left 3, right 8;  2: right 4;  3: left 5;  4: right 6;  5: left 7;
 *   7: left 9;  9: left 10.
 * Breadth-first: 0 | 1 2 | 3 8 4 | 5 6 | 7 | 9 | 10.  Preorder: 0 1 3 5 7 9 10 8 2 4 6, so
 * tin = position there and tout = tin + subtree size. */
static void test_index(void **state)
{
    (void)state;
    cs_placement *pl = alternating_case(12);
    cs_placement_index ix;
    assert_int_equal(cs_placement_index_init(&ix, pl), 0);
    assert_int_equal(ix.n, 11);
    assert_int_equal(ix.nmembers, 12);
    const int32_t porder[11] = {0, 1, 2, 3, 8, 4, 5, 6, 7, 9, 10};
    for (int j = 0; j < 11; j++) {
        assert_int_equal(ix.porder[j], porder[j]);
        assert_int_equal(ix.prank[porder[j]], j);
    }
    assert_int_equal(ix.prank[11], -1);
    const uint32_t level_off[8] = {0, 1, 3, 6, 8, 9, 10, 11};
    assert_int_equal(ix.nlevels, 7);
    for (int d = 0; d <= 7; d++) assert_int_equal(ix.level_off[d], level_off[d]);
    const uint32_t tin[11] = {0, 1, 8, 2, 9, 3, 10, 4, 7, 5, 6};
    const uint32_t tout[11] = {11, 8, 11, 7, 11, 7, 11, 7, 8, 7, 7};
    for (int i = 0; i < 11; i++) {
        assert_int_equal(ix.iv[i].tin, tin[i]);
        assert_int_equal(ix.iv[i].tout, tout[i]);
    }
    assert_true(cs_placement_in_leg(pl, &ix, 0, L, 10));
    assert_false(cs_placement_in_leg(pl, &ix, 0, R, 10));
    assert_true(cs_placement_in_leg(pl, &ix, 0, R, 6));
    assert_true(cs_placement_in_leg(pl, &ix, 1, R, 8));
    assert_false(cs_placement_in_leg(pl, &ix, 1, L, 8));
    assert_false(cs_placement_in_leg(pl, &ix, 2, L, 4)); /* 2 has no left child */
    assert_false(cs_placement_in_leg(pl, &ix, 1, R, 1)); /* not in its own leg */
    assert_true(cs_placement_in_subtree(&ix, 3, 3));
    assert_false(cs_placement_in_subtree(&ix, 0, 11)); /* unplaced */
    assert_false(cs_placement_in_subtree(&ix, 11, 0));
    assert_false(cs_placement_in_subtree(&ix, 11, 11));
    cs_placement_index_free(&ix);
    cs_placement_free(pl);
}

/* Two roots: 0 and 2 have no sponsor; 1 by 0, 3 by 2.  Roots first, in index order. */
static void test_index_forest(void **state)
{
    (void)state;
    static const int32_t sponsor[4] = {-1, 0, -1, 2};
    cs_placement *pl = place_all(4, 3, CS_PLACE_SPILLOVER, sponsor, NULL, NULL, NULL);
    cs_placement_index ix;
    assert_int_equal(cs_placement_index_init(&ix, pl), 0);
    const int32_t porder[4] = {0, 2, 1, 3};
    const uint32_t tin[4] = {0, 1, 2, 3}, tout[4] = {2, 2, 4, 4};
    for (int j = 0; j < 4; j++) assert_int_equal(ix.porder[j], porder[j]);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(ix.iv[i].tin, tin[i]);
        assert_int_equal(ix.iv[i].tout, tout[i]);
    }
    assert_int_equal(ix.nlevels, 2);
    assert_int_equal(ix.level_off[1], 2);
    assert_int_equal(ix.level_off[2], 4);
    assert_false(cs_placement_in_subtree(&ix, 0, 3));
    cs_placement_index_free(&ix);
    cs_placement_free(pl);
}

/* ---- errors ---------------------------------------------------------------------------------- */

static void test_errors(void **state)
{
    (void)state;
    /* binary, outer left, index order then 4 again:
     *   0 root                     7 sponsor 5 failed   -> upline failed
     *   1 parent 5: not yet placed 8 sponsor 9 later    -> sponsor later
     *   2 parent 2: itself         9 no sponsor, slot   -> no sponsor
     *   3 slot 2 of 0              10 parent 99         -> parent range
     *   4 left of 0: fine          11 sponsor 42        -> sponsor range
     *   5 left of 0: taken         12 parent 0, no slot -> right of 0
     *   6 parent 1 (failed)        13 parent 0, no slot -> full */
    static const int32_t sponsor[14] = {-1, 0, 0, 0, 0, 0, 0, 5, 9, -1, 0, 42, 0, 0};
    cs_place_explicit e[14] = {{A, A},  {5, A}, {2, A}, {0, 2}, {0, L}, {0, L}, {1, A},
                               {A, A},  {A, A}, {A, R}, {99, A}, {A, A}, {0, A}, {0, A}};
    const int32_t order[15] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 4};
    cs_placement *pl = cs_placement_new(14, 2, CS_PLACE_OUTER_LEFT);
    cs_place_input in = {.sponsor = sponsor, .order = order, .norder = 15, .expl = e};
    cs_place_errors errs = {0};
    assert_int_equal(cs_placement_place(pl, &in, &errs), 1);
    const struct {
        int32_t member;
        cs_place_code code;
    } want[] = {
        {1, CS_PLACE_E_PARENT_LATER},   {2, CS_PLACE_E_PARENT_SELF},   {3, CS_PLACE_E_SLOT_RANGE},
        {5, CS_PLACE_E_SLOT_TAKEN},     {6, CS_PLACE_E_UPLINE_FAILED}, {7, CS_PLACE_E_UPLINE_FAILED},
        {8, CS_PLACE_E_SPONSOR_LATER},  {9, CS_PLACE_E_NO_SPONSOR},    {10, CS_PLACE_E_PARENT_RANGE},
        {11, CS_PLACE_E_SPONSOR_RANGE}, {13, CS_PLACE_E_PARENT_FULL},  {4, CS_PLACE_E_ALREADY_PLACED},
    };
    const size_t nwant = sizeof want / sizeof want[0];
    assert_int_equal(errs.n, nwant);
    assert_int_equal(errs.total, nwant);
    for (size_t k = 0; k < nwant; k++) {
        assert_int_equal(errs.items[k].member, want[k].member);
        assert_int_equal(errs.items[k].code, want[k].code);
    }
    assert_int_equal(pl->nplaced, 3);
    assert_int_equal(pl->ppar[4], 0); /* still where it was */
    assert_int_equal(pl->ppar[12], 0);
    assert_int_equal(pl->pos[12], R);
    for (int i = 1; i <= 11; i++)
        if (i != 4) assert_int_equal(pl->ppar[i], CS_PLACE_FAILED);
    assert_int_equal(pl->ppar[13], CS_PLACE_FAILED);

    /* a failed member can be placed in a later call: 3 corrected to the right of 4; then 1 under 3 */
    e[3] = (cs_place_explicit){4, R};
    e[1] = (cs_place_explicit){3, A};
    const int32_t again[2] = {3, 1};
    cs_place_input in2 = {.sponsor = sponsor, .order = again, .norder = 2, .expl = e};
    memset(&errs, 0, sizeof errs);
    assert_int_equal(cs_placement_place(pl, &in2, &errs), 0);
    assert_int_equal(errs.total, 0);
    assert_int_equal(pl->ppar[3], 4);
    assert_int_equal(pl->pos[3], R);
    assert_int_equal(pl->ppar[1], 3);
    assert_int_equal(pl->pos[1], L);
    cs_placement_free(pl);
}

static void test_error_cap(void **state)
{
    (void)state;
    enum { N = 150 };
    int32_t sponsor[N];
    for (int i = 0; i < N; i++) sponsor[i] = N - 1; /* everyone before 149 comes too early */
    sponsor[N - 1] = -1;
    cs_placement *pl = cs_placement_new(N, 4, CS_PLACE_SPILLOVER);
    cs_place_input in = {.sponsor = sponsor, .norder = N};
    cs_place_errors errs = {0};
    assert_int_equal(cs_placement_place(pl, &in, &errs), 1);
    assert_int_equal(errs.n, CS_PLACE_ERRORS_MAX);
    assert_int_equal(errs.total, N - 1);
    assert_int_equal(errs.items[CS_PLACE_ERRORS_MAX - 1].member, CS_PLACE_ERRORS_MAX - 1);
    assert_int_equal(errs.items[0].code, CS_PLACE_E_SPONSOR_LATER);
    assert_int_equal(pl->nplaced, 1);
    cs_placement_free(pl);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    assert_null(cs_placement_new(10, 3, CS_PLACE_OUTER_LEFT));
    assert_null(cs_placement_new(10, 1, CS_PLACE_SPILLOVER));
    assert_null(cs_placement_new(10, CS_PLACE_MAX_WIDTH + 1, CS_PLACE_SPILLOVER));
    assert_null(cs_placement_new(10, 2, (cs_place_rule)99));
    static const int32_t sponsor[3] = {-1, 0, 0};
    cs_placement *pl = cs_placement_new(3, 2, CS_PLACE_WEAKER_LEG);
    cs_place_input in = {.sponsor = sponsor, .norder = 3}; /* no leg measure */
    assert_int_equal(cs_placement_place(pl, &in, NULL), -1);
    cs_placement_free(pl);
    pl = cs_placement_new(3, 2, CS_PLACE_OUTER_LEFT);
    const int32_t order[3] = {0, 1, 3};
    in = (cs_place_input){.sponsor = sponsor, .order = order, .norder = 3};
    assert_int_equal(cs_placement_place(pl, &in, NULL), -1);
    assert_int_equal(pl->nplaced, 0); /* nothing placed */
    in = (cs_place_input){.sponsor = sponsor, .norder = 4};
    assert_int_equal(cs_placement_place(pl, &in, NULL), -1);
    in = (cs_place_input){.sponsor = NULL, .norder = 3};
    assert_int_equal(cs_placement_place(pl, &in, NULL), -1);
    cs_placement_free(pl);
    /* an empty tree is fine */
    pl = cs_placement_new(0, 2, CS_PLACE_OUTER_LEFT);
    assert_non_null(pl);
    in = (cs_place_input){.sponsor = sponsor, .norder = 0};
    assert_int_equal(cs_placement_place(pl, &in, NULL), 0);
    cs_placement_index ix;
    assert_int_equal(cs_placement_index_init(&ix, pl), 0);
    assert_int_equal(ix.n, 0);
    assert_int_equal(ix.nlevels, 0);
    cs_placement_index_free(&ix);
    cs_placement_free(pl);
}

static void test_code_texts(void **state)
{
    (void)state;
    for (int c = CS_PLACE_E_ALREADY_PLACED; c <= CS_PLACE_E_UPLINE_FAILED; c++) {
        const char *t = cs_place_code_text((cs_place_code)c);
        assert_true(strlen(t) > 0);
        assert_string_not_equal(t, "unknown placement error");
        for (int d = CS_PLACE_E_ALREADY_PLACED; d < c; d++)
            assert_string_not_equal(t, cs_place_code_text((cs_place_code)d));
    }
    assert_string_equal(cs_place_code_text(CS_PLACE_E_PARENT_LATER), "placement parent placed later");
    assert_string_equal(cs_place_code_text((cs_place_code)0), "unknown placement error");
}

/* ---- the naive model ------------------------------------------------------------------------- */

typedef struct {
    int32_t n, w;
    cs_place_rule rule;
    int32_t *ppar, *child, *queue;
    uint8_t *pos, *alt;
    cs_place_errors errs;
} naive;

static naive *naive_new(int32_t n, int w, cs_place_rule rule)
{
    naive *nv = calloc(1, sizeof *nv);
    nv->n = n;
    nv->w = w;
    nv->rule = rule;
    nv->ppar = malloc((size_t)n * sizeof *nv->ppar);
    nv->child = malloc((size_t)n * (size_t)w * sizeof *nv->child);
    nv->queue = malloc((size_t)n * sizeof *nv->queue);
    nv->pos = calloc((size_t)n, 1);
    nv->alt = calloc((size_t)n, 1);
    for (int32_t i = 0; i < n; i++) nv->ppar[i] = CS_PLACE_UNPLACED;
    for (size_t k = 0; k < (size_t)n * (size_t)w; k++) nv->child[k] = -1;
    return nv;
}

static void naive_free(naive *nv)
{
    free(nv->ppar);
    free(nv->child);
    free(nv->queue);
    free(nv->pos);
    free(nv->alt);
    free(nv);
}

static int32_t *nchild(naive *nv, int32_t p, int s) { return &nv->child[(size_t)p * (size_t)nv->w + (size_t)s]; }

static void naive_put(naive *nv, int32_t p, int s, int32_t m)
{
    nv->ppar[m] = p;
    nv->pos[m] = (uint8_t)(p < 0 ? 0 : s);
    if (p >= 0) *nchild(nv, p, s) = m;
}

/* follow side `s` from x to the bottom */
static void naive_outer(naive *nv, int32_t x, int s, int32_t m)
{
    while (*nchild(nv, x, s) >= 0) x = *nchild(nv, x, s);
    naive_put(nv, x, s, m);
}

/* breadth-first search of x's subtree for the first free slot */
static void naive_bfs(naive *nv, int32_t x, int32_t m)
{
    size_t head = 0, tail = 0;
    nv->queue[tail++] = x;
    while (head < tail) {
        int32_t u = nv->queue[head++];
        for (int s = 0; s < nv->w; s++)
            if (*nchild(nv, u, s) < 0) {
                naive_put(nv, u, s, m);
                return;
            }
        for (int s = 0; s < nv->w; s++) nv->queue[tail++] = *nchild(nv, u, s);
    }
    fail_msg("no open slot");
}

static int naive_placed(const naive *nv, int32_t i) { return nv->ppar[i] >= -1; }

static cs_place_code naive_upline(const naive *nv, int32_t p, cs_place_code later)
{
    return nv->ppar[p] == CS_PLACE_FAILED ? CS_PLACE_E_UPLINE_FAILED : !naive_placed(nv, p) ? later : 0;
}

static cs_place_code naive_place_one(naive *nv, int32_t m, int32_t sp, cs_place_explicit e, const int64_t *legs)
{
    if (naive_placed(nv, m)) return CS_PLACE_E_ALREADY_PLACED;
    if (e.slot != A && (e.slot < 0 || e.slot >= nv->w)) return CS_PLACE_E_SLOT_RANGE;
    cs_place_code c;
    if (e.parent != A) {
        if (e.parent < 0 || e.parent >= nv->n) return CS_PLACE_E_PARENT_RANGE;
        if (e.parent == m) return CS_PLACE_E_PARENT_SELF;
        if ((c = naive_upline(nv, e.parent, CS_PLACE_E_PARENT_LATER))) return c;
        int s = e.slot;
        if (s == A) {
            for (s = 0; s < nv->w && *nchild(nv, e.parent, s) >= 0; s++) {
            }
            if (s == nv->w) return CS_PLACE_E_PARENT_FULL;
        } else if (*nchild(nv, e.parent, s) >= 0) {
            return CS_PLACE_E_SLOT_TAKEN;
        }
        naive_put(nv, e.parent, s, m);
        return 0;
    }
    if (sp < -1 || sp >= nv->n) return CS_PLACE_E_SPONSOR_RANGE;
    if (sp < 0) {
        if (e.slot != A) return CS_PLACE_E_NO_SPONSOR;
        naive_put(nv, -1, 0, m);
        return 0;
    }
    if ((c = naive_upline(nv, sp, CS_PLACE_E_SPONSOR_LATER))) return c;
    if (e.slot != A) {
        if (nv->rule != CS_PLACE_SPILLOVER) naive_outer(nv, sp, e.slot, m);
        else if (*nchild(nv, sp, e.slot) < 0) naive_put(nv, sp, e.slot, m);
        else naive_bfs(nv, *nchild(nv, sp, e.slot), m);
        return 0;
    }
    switch (nv->rule) {
    case CS_PLACE_OUTER_LEFT: naive_outer(nv, sp, L, m); break;
    case CS_PLACE_OUTER_RIGHT: naive_outer(nv, sp, R, m); break;
    case CS_PLACE_ALTERNATING: naive_outer(nv, sp, nv->alt[sp]++ % 2, m); break;
    case CS_PLACE_WEAKER_LEG: naive_outer(nv, sp, legs[2 * sp] <= legs[2 * sp + 1] ? L : R, m); break;
    case CS_PLACE_SPILLOVER: naive_bfs(nv, sp, m); break;
    }
    return 0;
}

static void naive_place(naive *nv, int32_t m, int32_t sp, cs_place_explicit e, const int64_t *legs)
{
    cs_place_code c = naive_place_one(nv, m, sp, e, legs);
    if (!c) return;
    if (c != CS_PLACE_E_ALREADY_PLACED) nv->ppar[m] = CS_PLACE_FAILED;
    if (nv->errs.n < CS_PLACE_ERRORS_MAX) {
        nv->errs.items[nv->errs.n].member = m;
        nv->errs.items[nv->errs.n].code = c;
        nv->errs.n++;
    }
    nv->errs.total++;
}

/* ---- random comparisons ---------------------------------------------------------------------- */

/* One random case: a random join order, random sponsors from earlier joiners (uniform, biased to
 * the first, or to the last: bushes and long lines), some explicit placements (mostly sensible,
 * some wrong) when `expl_rate` > 0, placed in a few batches; then every field against the model. */
static void random_case(gsl_rng *r, int32_t n, int w, cs_place_rule rule, double expl_rate)
{
    int32_t *order = malloc((size_t)n * sizeof *order), *sponsor = malloc((size_t)n * sizeof *sponsor);
    cs_place_explicit *e = malloc((size_t)n * sizeof *e);
    int64_t *legs = malloc(2 * (size_t)n * sizeof *legs);
    for (int32_t i = 0; i < n; i++) order[i] = i;
    for (int32_t i = n - 1; i > 0; i--) {
        int32_t j = (int32_t)gsl_rng_uniform_int(r, (unsigned long)i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    const int shape = (int)gsl_rng_uniform_int(r, 3);
    for (int32_t k = 0; k < n; k++) {
        int32_t m = order[k];
        if (k == 0 || gsl_rng_uniform(r) < 0.002) {
            sponsor[m] = -1;
        } else {
            double u = gsl_rng_uniform(r);
            int32_t j = shape == 0   ? (int32_t)(u * k)
                        : shape == 1 ? (int32_t)(u * u * u * k)
                                     : k - 1 - (int32_t)(u * u * u * (k < 20 ? k : 20));
            sponsor[m] = order[j];
        }
        legs[2 * m] = (int64_t)gsl_rng_uniform_int(r, 4);
        legs[2 * m + 1] = (int64_t)gsl_rng_uniform_int(r, 4);
    }
    /* the model runs first and chooses explicit placements as it goes, looking at its own tree */
    naive *nv = naive_new(n, w, rule);
    for (int32_t k = 0; k < n; k++) {
        int32_t m = order[k];
        cs_place_explicit x = {A, A};
        if (k > 0 && gsl_rng_uniform(r) < expl_rate && !(k < n / 2 && sponsor[m] < 0)) {
            int32_t earlier = order[gsl_rng_uniform_int(r, (unsigned long)k)];
            int free_slot = -1;
            for (int s = w - 1; s >= 0; s--)
                if (*nchild(nv, earlier, s) < 0) free_slot = s;
            /* wrong placements only in the second half, so that few members fail with their upline */
            double u = k < n / 2 ? 0.85 * gsl_rng_uniform(r) : gsl_rng_uniform(r);
            if (u < 0.55 && free_slot < 0) u = 0.6;
            if (u < 0.35) { /* parent and a free slot */
                x.parent = earlier;
                x.slot = free_slot + (int32_t)gsl_rng_uniform_int(r, (unsigned long)(w - free_slot));
                while (*nchild(nv, earlier, x.slot) >= 0) x.slot--;
            } else if (u < 0.55) { /* parent only */
                x.parent = earlier;
            } else if (u < 0.85) { /* the sponsor's choice */
                x.slot = (int32_t)gsl_rng_uniform_int(r, (unsigned long)w);
            } else if (u < 0.9) { /* a parent who joins later */
                x.parent = order[k + (int32_t)gsl_rng_uniform_int(r, (unsigned long)(n - k))];
            } else if (u < 0.95) { /* a slot out of range */
                x.parent = gsl_rng_uniform(r) < 0.5 ? earlier : A;
                x.slot = w;
            } else { /* any slot, free or not */
                x.parent = earlier;
                x.slot = (int32_t)gsl_rng_uniform_int(r, (unsigned long)w);
            }
        }
        e[m] = x;
        naive_place(nv, m, sponsor[m], x, legs);
    }

    cs_placement *pl = cs_placement_new((size_t)n, w, rule);
    assert_non_null(pl);
    cs_place_errors errs = {0};
    size_t done = 0;
    while (done < (size_t)n) { /* batches of random size */
        size_t len = 1 + gsl_rng_uniform_int(r, (unsigned long)n / 2);
        if (len > (size_t)n - done) len = (size_t)n - done;
        cs_place_input in = {.sponsor = sponsor, .order = order + done, .norder = len, .expl = e,
                             .leg = cs_place_leg_array, .leg_ctx = legs};
        assert_true(cs_placement_place(pl, &in, &errs) >= 0);
        done += len;
    }
    size_t nplaced = 0;
    for (int32_t i = 0; i < n; i++) {
        assert_int_equal(pl->ppar[i], nv->ppar[i]);
        assert_int_equal(pl->pos[i], nv->pos[i]);
        nplaced += naive_placed(nv, i);
        for (int s = 0; s < w; s++) assert_int_equal(pl->pchild[(size_t)i * (size_t)w + (size_t)s], *nchild(nv, i, s));
    }
    assert_int_equal(pl->nplaced, nplaced);
    assert_int_equal(errs.n, nv->errs.n);
    assert_int_equal(errs.total, nv->errs.total);
    for (size_t k = 0; k < errs.n; k++) {
        assert_int_equal(errs.items[k].member, nv->errs.items[k].member);
        assert_int_equal(errs.items[k].code, nv->errs.items[k].code);
    }
    if (expl_rate > 0) { /* the case exercised placement and errors */
        assert_true(nplaced > (size_t)n * 3 / 4);
        assert_true(errs.total > 0);
    }

    /* the snapshot: breadth-first order against a plain queue, intervals against walks up */
    cs_placement_index ix;
    assert_int_equal(cs_placement_index_init(&ix, pl), 0);
    assert_int_equal(ix.n, nplaced);
    size_t tail = 0;
    for (int32_t i = 0; i < n; i++)
        if (nv->ppar[i] == CS_PLACE_ROOT) nv->queue[tail++] = i;
    for (size_t head = 0; head < tail; head++)
        for (int s = 0; s < w; s++)
            if (*nchild(nv, nv->queue[head], s) >= 0) nv->queue[tail++] = *nchild(nv, nv->queue[head], s);
    assert_int_equal(tail, nplaced);
    for (size_t j = 0; j < tail; j++) {
        assert_int_equal(ix.porder[j], nv->queue[j]);
        assert_int_equal(ix.prank[nv->queue[j]], j);
        int32_t depth = 0;
        for (int32_t x = nv->queue[j]; nv->ppar[x] >= 0; x = nv->ppar[x]) depth++;
        assert_true(ix.level_off[depth] <= j && j < ix.level_off[depth + 1]);
    }
    assert_int_equal(ix.level_off[ix.nlevels], nplaced);
    for (int k = 0; k < 20000; k++) {
        int32_t u = (int32_t)gsl_rng_uniform_int(r, (unsigned long)n);
        int32_t v = (int32_t)gsl_rng_uniform_int(r, (unsigned long)n);
        if (k % 4 == 0 && naive_placed(nv, v)) /* often an ancestor of v */
            for (int32_t x = v; x >= 0 && gsl_rng_uniform(r) < 0.8; x = nv->ppar[x]) u = x;
        int anc = 0;
        if (naive_placed(nv, u))
            for (int32_t x = v; x >= 0; x = nv->ppar[x])
                if (x == u) anc = 1;
        assert_int_equal(cs_placement_in_subtree(&ix, u, v), anc);
        int s = (int)gsl_rng_uniform_int(r, (unsigned long)w);
        int32_t c = naive_placed(nv, u) ? *nchild(nv, u, s) : -1;
        int in_leg = 0;
        if (c >= 0)
            for (int32_t x = v; x >= 0; x = nv->ppar[x])
                if (x == c) in_leg = 1;
        if (naive_placed(nv, u)) assert_int_equal(cs_placement_in_leg(pl, &ix, u, s, v), in_leg);
    }
    cs_placement_index_free(&ix);
    cs_placement_free(pl);
    naive_free(nv);
    free(order);
    free(sponsor);
    free(e);
    free(legs);
}

static void test_spillover_against_naive(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 7);
    for (int rep = 0; rep < 24; rep++) {
        int w = 2 + rep % 3;
        int32_t n = 1000 + (int32_t)gsl_rng_uniform_int(r, 4000);
        random_case(r, n, w, CS_PLACE_SPILLOVER, rep % 2 ? 0.15 : 0.0);
    }
    gsl_rng_free(r);
}

static void test_binary_rules_against_naive(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 11);
    const cs_place_rule rules[4] = {CS_PLACE_OUTER_LEFT, CS_PLACE_OUTER_RIGHT, CS_PLACE_ALTERNATING,
                                    CS_PLACE_WEAKER_LEG};
    for (int rep = 0; rep < 24; rep++) {
        int32_t n = 1000 + (int32_t)gsl_rng_uniform_int(r, 3000);
        random_case(r, n, 2, rules[rep % 4], rep % 8 < 4 ? 0.0 : 0.15);
    }
    gsl_rng_free(r);
}

/* Members 0..n-1 in index order in three calls, the tree grown before each: the same tree as one
 * call on a tree of full size. */
static void test_reserve_in_batches(void **state)
{
    (void)state;
    enum { N = 3000 };
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 3);
    int32_t *sponsor = malloc(N * sizeof *sponsor);
    sponsor[0] = -1;
    for (int32_t i = 1; i < N; i++) sponsor[i] = (int32_t)gsl_rng_uniform_int(r, (unsigned long)i);
    for (int w = 2; w <= 4; w++) {
        cs_place_rule rule = w == 2 ? CS_PLACE_ALTERNATING : CS_PLACE_SPILLOVER;
        cs_placement *whole = place_all(N, w, rule, sponsor, NULL, NULL, NULL);
        cs_placement *grown = cs_placement_new(10, w, rule);
        const size_t cut[4] = {0, 10, 1000, N};
        for (int b = 0; b < 3; b++) {
            assert_int_equal(cs_placement_reserve(grown, cut[b + 1]), 0);
            assert_int_equal(grown->n, cut[b + 1]);
            int32_t order[N];
            for (size_t k = cut[b]; k < cut[b + 1]; k++) order[k - cut[b]] = (int32_t)k;
            cs_place_input in = {.sponsor = sponsor, .order = order, .norder = cut[b + 1] - cut[b]};
            assert_int_equal(cs_placement_place(grown, &in, NULL), 0);
        }
        assert_int_equal(cs_placement_reserve(grown, 5), 0); /* never shrinks */
        assert_int_equal(grown->n, N);
        for (int32_t i = 0; i < N; i++) {
            assert_int_equal(grown->ppar[i], whole->ppar[i]);
            assert_int_equal(grown->pos[i], whole->pos[i]);
        }
        cs_placement_free(whole);
        cs_placement_free(grown);
    }
    free(sponsor);
    gsl_rng_free(r);
}

/* ---- long chains ----------------------------------------------------------------------------- */

/* 10^6 members: each sponsored by the one before (the sponsor is always the bottom of its edge),
 * and all sponsored by member 0 (every placement starts at the top of a chain that grows by one).
 * Both give one outer-left line; the snapshot of it is built without recursion. */
static void test_chain_outer_left(void **state)
{
    (void)state;
    const size_t n = 1000000;
    int32_t *sponsor = malloc(n * sizeof *sponsor);
    for (int variant = 0; variant < 2; variant++) {
        for (size_t i = 0; i < n; i++) sponsor[i] = i == 0 ? -1 : variant == 0 ? (int32_t)i - 1 : 0;
        cs_placement *pl = place_all(n, 2, CS_PLACE_OUTER_LEFT, sponsor, NULL, NULL, NULL);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(pl->ppar[i], (int32_t)i - 1);
            assert_int_equal(pl->pos[i], L);
        }
        cs_placement_index ix;
        assert_int_equal(cs_placement_index_init(&ix, pl), 0);
        assert_int_equal(ix.nlevels, n);
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(ix.porder[i], i);
            assert_int_equal(ix.iv[i].tin, i);
            assert_int_equal(ix.iv[i].tout, n);
        }
        assert_true(cs_placement_in_leg(pl, &ix, 0, L, (int32_t)n - 1));
        cs_placement_index_free(&ix);
        cs_placement_free(pl);
    }
    free(sponsor);
}

/* Spillover over 10^6: a line (each under the one before) and a bush (all under 0, which fills a
 * complete binary tree, member i under (i-1)/2). */
static void test_chain_spillover(void **state)
{
    (void)state;
    const size_t n = 1000000;
    int32_t *sponsor = malloc(n * sizeof *sponsor);
    for (int variant = 0; variant < 2; variant++) {
        for (size_t i = 0; i < n; i++) sponsor[i] = i == 0 ? -1 : variant == 0 ? (int32_t)i - 1 : 0;
        cs_placement *pl = place_all(n, 2, CS_PLACE_SPILLOVER, sponsor, NULL, NULL, NULL);
        for (size_t i = 1; i < n; i++) {
            assert_int_equal(pl->ppar[i], variant == 0 ? (int32_t)i - 1 : (int32_t)(i - 1) / 2);
            assert_int_equal(pl->pos[i], variant == 0 ? 0 : (i - 1) % 2);
        }
        cs_placement_free(pl);
    }
    free(sponsor);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outer_left),
        cmocka_unit_test(test_outer_right),
        cmocka_unit_test(test_alternating),
        cmocka_unit_test(test_weaker_leg_array),
        cmocka_unit_test(test_weaker_leg_callback),
        cmocka_unit_test(test_explicit_parent_binary),
        cmocka_unit_test(test_spillover_matrix),
        cmocka_unit_test(test_spillover_holes),
        cmocka_unit_test(test_spillover_binary_choice),
        cmocka_unit_test(test_matrix_explicit),
        cmocka_unit_test(test_index),
        cmocka_unit_test(test_index_forest),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_error_cap),
        cmocka_unit_test(test_bad_arguments),
        cmocka_unit_test(test_code_texts),
        cmocka_unit_test(test_spillover_against_naive),
        cmocka_unit_test(test_binary_rules_against_naive),
        cmocka_unit_test(test_reserve_in_batches),
        cmocka_unit_test(test_chain_outer_left),
        cmocka_unit_test(test_chain_spillover),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
