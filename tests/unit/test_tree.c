/* The sponsor tree's layouts (tree.h), checked against their definition on hand-made and random
 * trees: in layouts 1 and 2, every member once at a breadth-first position (roots first, then
 * each position's recruits, in index order, as consecutive positions), depth ranges and the ring
 * of two depths; in layout 3, each member's recruits listed in index order, the blocks (no sponsor
 * inside, sponsors in order) and the table rows of members with recruits; cs_tree_update on a
 * growing parent array equal to a fresh build. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

#include "tree.h"

static size_t member_at(const cs_tree *t, size_t j) { return t->perm ? (size_t)t->perm[j] : j; }

/* Checks t against the definition, with a breadth-first walk of its own. */
static void check_tree(const cs_tree *t, size_t n, const int32_t *parent)
{
    assert_int_equal(t->n, n);
    if (t->child) { /* layout 3 */
        assert_null(t->perm);
        assert_int_equal(t->nlevels, 0);
        assert_int_equal(t->ring, n ? n : 1);
        size_t k = 0, roots = 0;
        for (size_t m = 0; m < n; m++) {
            assert_int_equal(t->child_off[m], k);
            for (size_t i = 0; i < n; i++)
                if (parent[i] == (int32_t)m) assert_int_equal(t->child[k++], (int32_t)i);
            roots += parent[m] < 0;
        }
        assert_int_equal(t->child_off[n], k);
        assert_int_equal(k + roots, n);
        /* blocks: consecutive, covering 0..n-1, none holding a member's sponsor; rows numbering
         * the members with recruits in order */
        assert_int_equal(t->block_off[0], 0);
        assert_int_equal(t->block_off[t->nblocks], n);
        for (size_t b = 0; b < t->nblocks; b++) {
            assert_true(t->block_off[b] < t->block_off[b + 1]);
            int32_t top = -1;
            for (size_t i = t->block_off[b]; i < t->block_off[b + 1]; i++) {
                assert_true(parent[i] < (int32_t)t->block_off[b]);
                if (parent[i] >= 0) assert_true(parent[i] >= top), top = parent[i];
            }
        }
        size_t rows = 0;
        for (size_t m = 0; m < n; m++) {
            int has = 0;
            for (size_t i = m + 1; i < n && !has; i++) has = parent[i] == (int32_t)m;
            assert_int_equal(t->row[m], has ? (int32_t)rows++ : -1);
        }
        assert_int_equal(t->nrows, rows);
        return;
    }
    int32_t *want = malloc((n ? n : 1) * sizeof *want);
    uint32_t *depth = malloc((n ? n : 1) * sizeof *depth);
    size_t tail = 0;
    for (size_t i = 0; i < n; i++)
        if (parent[i] < 0) want[tail++] = (int32_t)i;
    for (size_t h = 0; h < tail; h++) /* O(n^2): recruits of want[h] in index order */
        for (size_t i = 0; i < n; i++)
            if (parent[i] == want[h]) want[tail++] = (int32_t)i;
    assert_int_equal(tail, n);
    int identity = 1;
    for (size_t j = 0; j < n; j++) {
        assert_int_equal(member_at(t, j), want[j]);
        identity &= want[j] == (int32_t)j;
    }
    assert_int_equal(t->perm == NULL, identity); /* no permutation exactly when none is needed */
    /* recruits of position j: consecutive positions, the members whose sponsor is member_at(j) */
    assert_int_equal(t->child_off[n], n);
    for (size_t j = 0; j < n; j++) {
        assert_true(t->child_off[j] <= t->child_off[j + 1]);
        size_t deg = 0;
        for (size_t i = 0; i < n; i++) deg += parent[i] == (int32_t)member_at(t, j);
        assert_int_equal(t->child_off[j + 1] - t->child_off[j], deg);
        for (uint32_t c = t->child_off[j]; c < t->child_off[j + 1]; c++)
            assert_int_equal(parent[member_at(t, c)], (int32_t)member_at(t, j));
    }
    /* depths */
    size_t maxd = 0;
    for (size_t j = 0; j < n; j++) {
        int32_t p = parent[member_at(t, j)];
        size_t pj = 0;
        if (p >= 0)
            while (member_at(t, pj) != (size_t)p) pj++;
        depth[j] = p < 0 ? 0 : depth[pj] + 1;
        if (depth[j] > maxd) maxd = depth[j];
    }
    assert_int_equal(t->nlevels, n ? maxd + 1 : 0);
    assert_int_equal(t->level_off[0], 0);
    assert_int_equal(t->level_off[t->nlevels], n);
    size_t ring = 1;
    for (size_t d = 0; d < t->nlevels; d++) {
        for (size_t j = t->level_off[d]; j < t->level_off[d + 1]; j++) assert_int_equal(depth[j], d);
        size_t end = d + 2 <= t->nlevels ? t->level_off[d + 2] : n;
        if (end - t->level_off[d] > ring) ring = end - t->level_off[d];
    }
    assert_int_equal(t->ring, ring);
    free(want);
    free(depth);
}

/* The example drawn in tree.h. */
static void test_example(void **state)
{
    (void)state;
    const int32_t parent[6] = {-1, 0, 0, 1, 2, 1};
    const int32_t perm[6] = {0, 1, 2, 3, 5, 4};
    const uint32_t off[7] = {1, 3, 5, 6, 6, 6, 6}, levels[4] = {0, 1, 3, 6};
    cs_tree t;
    assert_int_equal(cs_tree_init(&t, 6, parent), 0);
    assert_non_null(t.child); /* small: layout 3 */
    check_tree(&t, 6, parent);
    cs_tree_free(&t);
    memset(&t, 0, sizeof t);
    assert_int_equal(cs_tree_build(&t, 6, parent, CS_TREE_BFS), 0);
    assert_non_null(t.perm);
    assert_memory_equal(t.perm, perm, sizeof perm);
    assert_memory_equal(t.child_off, off, sizeof off);
    assert_int_equal(t.nlevels, 3);
    assert_memory_equal(t.level_off, levels, sizeof levels);
    assert_int_equal(t.ring, 5);
    check_tree(&t, 6, parent);
    cs_tree_free(&t);
}

/* Breadth-first input (as loaded from a file), a chain, a forest, and nothing at all. */
static void test_orders_kept(void **state)
{
    (void)state;
    const int32_t bfs[7] = {-1, -1, 0, 0, 1, 2, 2}, chain[5] = {-1, 0, 1, 2, 3};
    cs_tree t;
    assert_int_equal(cs_tree_init(&t, 7, bfs), 0);
    assert_null(t.perm);
    check_tree(&t, 7, bfs);
    cs_tree_free(&t);
    assert_int_equal(cs_tree_init(&t, 5, chain), 0);
    assert_null(t.perm);
    assert_int_equal(t.nlevels, 5);
    assert_int_equal(t.ring, 2);
    check_tree(&t, 5, chain);
    cs_tree_free(&t);
    assert_int_equal(cs_tree_init(&t, 0, chain), 0);
    assert_int_equal(t.nlevels, 0);
    cs_tree_free(&t);
    /* a root after a recruit is not breadth-first */
    const int32_t late_root[4] = {-1, 0, -1, 1};
    memset(&t, 0, sizeof t);
    assert_int_equal(cs_tree_build(&t, 4, late_root, CS_TREE_BFS), 0);
    assert_non_null(t.perm);
    check_tree(&t, 4, late_root);
    cs_tree_free(&t);
    /* breadth-first input keeps layout 1 whatever is asked */
    for (int o = CS_TREE_AUTO; o <= CS_TREE_MEMBER; o++) {
        assert_int_equal(cs_tree_build(&t, 7, bfs, (cs_tree_order)o), 0);
        assert_null(t.perm);
        assert_null(t.child);
        check_tree(&t, 7, bfs);
        cs_tree_free(&t);
    }
}

static void test_bad_order(void **state)
{
    (void)state;
    const int32_t self[2] = {-1, 1}, later[3] = {-1, 2, 0};
    cs_tree t;
    assert_int_equal(cs_tree_init(&t, 2, self), -1);
    assert_int_equal(cs_tree_init(&t, 3, later), -1);
    cs_tree_free(&t); /* harmless on the emptied tree */
}

/* Random trees, and the same parent array growing member by member through cs_tree_update. */
static void test_random_and_growing(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 99);
    enum { N = 300 };
    int32_t parent[N];
    for (int trial = 0; trial < 60; trial++) {
        const size_t n = 1 + gsl_rng_uniform_int(r, N);
        for (size_t i = 0; i < n; i++) {
            double u = gsl_rng_uniform(r);
            parent[i] = i == 0 || u < 0.03 ? -1 : u < 0.3 ? (int32_t)(i - 1) : (int32_t)gsl_rng_uniform_int(r, i);
        }
        cs_tree t;
        assert_int_equal(cs_tree_init(&t, n, parent), 0);
        check_tree(&t, n, parent);
        cs_tree_free(&t);
        /* grown in steps, reusing the arrays, switching layouts on the way */
        cs_tree g;
        memset(&g, 0, sizeof g);
        for (size_t m = 1; m <= n; m += 1 + gsl_rng_uniform_int(r, 40)) {
            assert_int_equal(cs_tree_build(&g, m, parent, (cs_tree_order)gsl_rng_uniform_int(r, 3)), 0);
            check_tree(&g, m, parent);
            assert_true(g.cap >= m);
        }
        cs_tree_free(&g);
    }
    gsl_rng_free(r);
}

/* CS_TREE_AUTO renumbers members who joined one by one anywhere in the tree, and keeps the order
 * of a simulation, whose joiners come period by period in their sponsors' order. */
static void test_auto_choice(void **state)
{
    (void)state;
    const size_t n = 4 * CS_TREE_RENUMBER_MIN;
    int32_t *parent = malloc(n * sizeof *parent);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 5);
    parent[0] = -1;
    for (size_t i = 1; i < n; i++) parent[i] = (int32_t)gsl_rng_uniform_int(r, i);
    cs_tree t;
    assert_int_equal(cs_tree_init(&t, n, parent), 0);
    assert_non_null(t.perm);
    cs_tree_free(&t);
    size_t m = 1; /* periods: each member so far recruits 0-2 */
    while (m < n) {
        const size_t m0 = m;
        for (size_t i = 0; i < m0 && m < n; i++)
            for (unsigned k = (unsigned)gsl_rng_uniform_int(r, 3); k > 0 && m < n; k--) parent[m++] = (int32_t)i;
    }
    assert_int_equal(cs_tree_init(&t, n, parent), 0);
    assert_null(t.perm);
    assert_non_null(t.child);
    cs_tree_free(&t);
    free(parent);
    gsl_rng_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_example),
        cmocka_unit_test(test_orders_kept),
        cmocka_unit_test(test_bad_order),
        cmocka_unit_test(test_random_and_growing),
        cmocka_unit_test(test_auto_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
