/* Binary and matrix plans in the growth simulator (engine/sim_place.c) against a naive model
 * written from docs/plan-format.md ("The placement tree", "binary", "matrix") and
 * docs/scenario-format.md (joiners placed each period in join order, under their sponsor):
 *
 *   - placement: each period's joiners are placed one by one in index order, by walking the tree
 *     from the sponsor (outer edges by following left or right children; spillover by a
 *     breadth-first search of the sponsor's subtree; weaker leg by counting the members placed in
 *     each leg before the period, or by the legs' volume before pairing in the previous period as
 *     the test's own binary payout found it), in O(n) per member with no code shared with the
 *     engine;
 *   - payouts: each period, every member's matrix line (rate of level k x the BV at depth k of
 *     their placement subtree, found by walking it) and binary line (rate x the weaker leg,
 *     carry-over kept by the test), rounded half up once, against the simulator's lines.
 * The volumes are the simulator's own draws (cs_sim_plan.bv): what is checked is that the trees
 * and the payouts built on them follow the rules, not the draws. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "sim.h"

static char dir[64];

static const char plan_matrix[] = "name: M\nactive: {min_pv: 0}\nplacement: {type: matrix, width: 3, depth: 3}\n"
                                  "ranks:\n  - name: Member\n"
                                  "bonuses:\n  - {name: mx, type: matrix, levels: [10%, 5%, 2%]}\n";
static const char plan_alt[] = "name: B\nactive: {min_pv: 0}\nplacement: {type: binary, rule: alternating}\n"
                               "ranks:\n  - name: Member\nbonuses:\n  - {name: bin, type: binary, rate: 10%}\n";
static const char plan_count[] = "name: C\nactive: {min_pv: 0}\nplacement: {type: binary, rule: weaker_leg, weaker_leg_by: count}\n"
                                 "ranks:\n  - name: Member\nbonuses:\n  - {name: bin, type: binary, rate: 10%}\n";
static const char plan_volume[] = "name: V\nactive: {min_pv: 0}\nplacement: {type: binary, rule: weaker_leg, weaker_leg_by: volume}\n"
                                  "ranks:\n  - name: Member\nbonuses:\n  - {name: bin, type: binary, rate: 10%}\n";
static const char *const files[] = {"m.yaml", "b.yaml", "c.yaml", "v.yaml"};

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_sim_place.XXXXXX");
    if (!mkdtemp(dir)) return -1;
    write_file(files[0], plan_matrix);
    write_file(files[1], plan_alt);
    write_file(files[2], plan_count);
    write_file(files[3], plan_volume);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    for (int k = 0; k < 4; k++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[k]);
        unlink(path);
    }
    rmdir(dir);
    return 0;
}

static cs_scenario *load(const char *plans)
{
    char yaml[512];
    /* small and quick: a few hundred to a few thousand members */
    snprintf(yaml, sizeof yaml,
             "name: t\nplans: %s\nperiods: 10\nmarket: {population: 3000, founders: 10}\n"
             "types:\n  customer: {share: 40%%}\n  builder: {share: 60%%, recruits: 1.0, attrition: {loss_factor: 1}}\n",
             plans);
    cs_diags d;
    cs_diags_init(&d);
    cs_scenario *s = cs_scenario_load_string(yaml, strlen(yaml), "t.yaml", dir, &d);
    for (size_t i = 0; i < d.n; i++) print_error("unexpected: %s\n", d.items[i].msg);
    assert_non_null(s);
    cs_diags_free(&d);
    return s;
}

/* ---- the naive placement tree ---------------------------------------------------------------- */

enum { ALT, COUNT, VOLUME, SPILL };

typedef struct {
    int w, rule;
    size_t n;
    int32_t *ppar, *child; /* child[i * w + s] */
    uint8_t *pos;
    int *autos; /* alternating: automatically placed recruits so far */
    int64_t *measure; /* weaker leg by volume: each leg's volume before pairing in the last period (the caller's) */
} naive;

static void naive_init(naive *t, int w, int rule, size_t cap)
{
    t->w = w, t->rule = rule, t->n = 0;
    t->ppar = malloc(cap * sizeof *t->ppar);
    t->child = malloc(cap * (size_t)w * sizeof *t->child);
    t->pos = malloc(cap);
    t->autos = calloc(cap, sizeof *t->autos);
    t->measure = calloc(2 * cap, sizeof *t->measure);
    for (size_t i = 0; i < cap * (size_t)w; i++) t->child[i] = -1;
}

static void naive_free(naive *t)
{
    free(t->ppar), free(t->child), free(t->pos), free(t->autos), free(t->measure);
}

static void put(naive *t, int32_t m, int32_t p, int s)
{
    t->ppar[m] = p;
    t->pos[m] = (uint8_t)s;
    if (p >= 0) t->child[(size_t)p * (size_t)t->w + (size_t)s] = m;
}

static int32_t outer(const naive *t, int32_t x, int s)
{
    while (t->child[(size_t)x * 2 + (size_t)s] >= 0) x = t->child[(size_t)x * 2 + (size_t)s];
    return x;
}

/* members of x's subtree (x included), by an explicit stack */
static size_t subtree_size(const naive *t, int32_t x, int32_t *stack)
{
    size_t top = 0, count = 0;
    stack[top++] = x;
    while (top) {
        int32_t y = stack[--top];
        count++;
        for (int s = 0; s < t->w; s++)
            if (t->child[(size_t)y * (size_t)t->w + (size_t)s] >= 0) stack[top++] = t->child[(size_t)y * (size_t)t->w + (size_t)s];
    }
    return count;
}

/* Places members t->n .. n-1 (this period's joiners) in index order. */
static void naive_place(naive *t, const int32_t *sponsor, size_t n, int32_t *scratch)
{
    const size_t n0 = t->n;
    /* weaker leg by count: each leg's members at the end of the previous period, before anyone new */
    int64_t *legs = NULL;
    if (t->rule == COUNT) {
        legs = calloc(2 * n0 + 2, sizeof *legs);
        for (size_t x = 0; x < n0; x++)
            for (int s = 0; s < 2; s++) {
                int32_t c = t->child[x * 2 + (size_t)s];
                legs[2 * x + (size_t)s] = c >= 0 ? (int64_t)subtree_size(t, c, scratch) : 0;
            }
    }
    for (size_t m = n0; m < n; m++) {
        int32_t S = sponsor[m];
        if (S < 0) {
            put(t, (int32_t)m, -1, 0);
            continue;
        }
        if (t->rule == ALT) {
            int s = t->autos[S]++ % 2;
            put(t, (int32_t)m, outer(t, S, s), s);
        } else if (t->rule == COUNT || t->rule == VOLUME) {
            /* a sponsor who joined this period has no measure yet: 0 on both sides, so left */
            const int64_t *ms = t->rule == COUNT ? legs : t->measure;
            int s = (size_t)S < n0 && ms[2 * (size_t)S + 1] < ms[2 * (size_t)S];
            put(t, (int32_t)m, outer(t, S, s), s);
        } else { /* breadth-first from S: the first member with a free position, its lowest one */
            size_t head = 0, tail = 0;
            scratch[tail++] = S;
            for (;;) {
                int32_t y = scratch[head++];
                int s = 0;
                while (s < t->w && t->child[(size_t)y * (size_t)t->w + (size_t)s] >= 0) s++;
                if (s < t->w) {
                    put(t, (int32_t)m, y, s);
                    break;
                }
                for (s = 0; s < t->w; s++) scratch[tail++] = t->child[(size_t)y * (size_t)t->w + (size_t)s];
            }
        }
    }
    t->n = n;
    free(legs);
}

static void compare_tree(const naive *t, const cs_placement *pl)
{
    assert_int_equal(pl->n, t->n);
    assert_int_equal(pl->nplaced, t->n);
    for (size_t i = 0; i < t->n; i++) {
        assert_int_equal(pl->ppar[i], t->ppar[i]);
        if (t->ppar[i] >= 0) assert_int_equal(pl->pos[i], t->pos[i]);
    }
}

/* Sum of bv over x's subtree (x included), by an explicit stack. */
static int64_t subtree_bv(const naive *t, int32_t x, const int64_t *bv, int32_t *stack)
{
    size_t top = 0;
    int64_t sum = 0;
    stack[top++] = x;
    while (top) {
        int32_t y = stack[--top];
        sum += bv[y];
        for (int s = 0; s < t->w; s++)
            if (t->child[(size_t)y * (size_t)t->w + (size_t)s] >= 0) stack[top++] = t->child[(size_t)y * (size_t)t->w + (size_t)s];
    }
    return sum;
}

/* ---- tests ------------------------------------------------------------------------------------- */

/* A 3-wide matrix by spillover, levels 10%, 5%, 2%: member i's line is, when i bought anything
 * (active: min_pv 0), sum over k of rate_k x the BV at depth k below i, rounded half up once. */
static void test_matrix(void **state)
{
    (void)state;
    cs_scenario *sc = load("m.yaml");
    const int64_t rate[3] = {100000, 50000, 20000};
    cs_diags d;
    cs_diags_init(&d);
    for (uint64_t r = 0; r < 2; r++) {
        cs_sim *s = cs_sim_new(sc, 21, r);
        naive t;
        naive_init(&t, 3, SPILL, 3000);
        int32_t *q = malloc(3000 * 4 * sizeof *q), *next = malloc(3000 * 4 * sizeof *next);
        int64_t paid = 0;
        for (int per = 1; per <= 10; per++) {
            assert_int_equal(cs_sim_step(s, NULL, &d), 0);
            naive_place(&t, s->parent, s->n, q);
            compare_tree(&t, s->plan[0].place);
            const cs_payout *po = s->plan[0].po;
            const int64_t *bv = s->plan[0].bv;
            for (size_t i = 0; i < s->n; i++) {
                int64_t want = 0;
                if (s->plan[0].pv[i] > 0) {
                    __int128 x = 0;
                    size_t nq = 0;
                    q[nq++] = (int32_t)i;
                    for (int k = 0; k < 3; k++) { /* the members at depth k + 1 */
                        size_t nn = 0;
                        for (size_t j = 0; j < nq; j++)
                            for (int sl = 0; sl < 3; sl++)
                                if (t.child[(size_t)q[j] * 3 + (size_t)sl] >= 0) next[nn++] = t.child[(size_t)q[j] * 3 + (size_t)sl];
                        for (size_t j = 0; j < nn; j++) x += (__int128)rate[k] * bv[next[j]];
                        memcpy(q, next, nn * sizeof *q);
                        nq = nn;
                    }
                    want = (int64_t)((x + 500000) / 1000000);
                }
                assert_int_equal(po->amount[i], want);
                paid += want;
            }
        }
        print_message("replica %llu: %zu members, matrix paid %lld cents\n", (unsigned long long)r, s->n, (long long)paid);
        assert_true(s->n > 50 && paid > 0); /* not a trivial case */
        free(q), free(next);
        naive_free(&t);
        cs_sim_free(s);
    }
    cs_diags_free(&d);
    cs_scenario_free(sc);
}

/* A binary plan, 10% of the weaker leg, alternating placement: legs = carry + the BV of each
 * side's subtree; an active member (bought anything) is paid round(10% x w), w = the weaker leg,
 * taken off both legs, the rest carried over without limit; an inactive member loses both legs. */
static void check_binary(const char *file, int rule)
{
    cs_scenario *sc = load(file);
    cs_diags d;
    cs_diags_init(&d);
    for (uint64_t r = 0; r < 2; r++) {
        cs_sim *s = cs_sim_new(sc, 22, r);
        naive t;
        naive_init(&t, 2, rule, 3000);
        int32_t *stack = malloc(3000 * sizeof *stack);
        int64_t *carry = calloc(2 * 3000, sizeof *carry), paid = 0;
        for (int per = 1; per <= 10; per++) {
            assert_int_equal(cs_sim_step(s, NULL, &d), 0);
            naive_place(&t, s->parent, s->n, stack);
            compare_tree(&t, s->plan[0].place);
            const int64_t *bv = s->plan[0].bv;
            for (size_t i = 0; i < s->n; i++) {
                int64_t leg[2];
                for (int sd = 0; sd < 2; sd++) {
                    int32_t c = t.child[i * 2 + (size_t)sd];
                    leg[sd] = carry[2 * i + (size_t)sd] + (c >= 0 ? subtree_bv(&t, c, bv, stack) : 0);
                    t.measure[2 * i + (size_t)sd] = leg[sd]; /* before pairing, active or not */
                }
                int64_t want = 0;
                if (s->plan[0].pv[i] > 0) {
                    int64_t w = leg[0] < leg[1] ? leg[0] : leg[1];
                    want = (w * 100000 + 500000) / 1000000;
                    carry[2 * i] = leg[0] - w;
                    carry[2 * i + 1] = leg[1] - w;
                } else {
                    carry[2 * i] = carry[2 * i + 1] = 0;
                }
                assert_int_equal(s->plan[0].po->amount[i], want);
                paid += want;
            }
        }
        print_message("replica %llu: %zu members, binary paid %lld cents\n", (unsigned long long)r, s->n, (long long)paid);
        assert_true(s->n > 50 && paid > 0); /* not a trivial case */
        assert_int_equal(cs_sim_restart(s, 22, r), -1); /* its placement tree is not reused */
        free(stack), free(carry);
        naive_free(&t);
        cs_sim_free(s);
    }
    cs_diags_free(&d);
    cs_scenario_free(sc);
}

static void test_binary_alternating(void **state)
{
    (void)state;
    check_binary("b.yaml", ALT);
}

static void test_binary_weaker_leg(void **state)
{
    (void)state;
    check_binary("c.yaml", COUNT);
    check_binary("v.yaml", VOLUME);
}

/* Plans compared on common random numbers each get their own tree: with three placement plans
 * the market and each plan's tree and payouts are those of the plan simulated alone (no loss
 * factor, so the market does not depend on which plan is the reference). */
static void test_own_trees(void **state)
{
    (void)state;
    cs_scenario *all = load("[m.yaml, b.yaml, c.yaml]");
    cs_diags d;
    cs_diags_init(&d);
    cs_sim *s = cs_sim_new(all, 5, 1);
    assert_int_equal(cs_sim_run(s, NULL, &d), 0);
    assert_int_equal(s->plan[1].place->width, 2);
    assert_int_equal(s->plan[0].place->width, 3);
    for (size_t k = 0; k < 3; k++) {
        cs_scenario *one = load(files[k]);
        cs_sim *o = cs_sim_new(one, 5, 1);
        assert_int_equal(cs_sim_run(o, NULL, &d), 0);
        assert_int_equal(o->n, s->n);
        assert_memory_equal(o->parent, s->parent, s->n * sizeof *s->parent);
        assert_memory_equal(o->plan[0].place->ppar, s->plan[k].place->ppar, s->n * sizeof(int32_t));
        assert_memory_equal(o->plan[0].gross, s->plan[k].gross, s->n * sizeof(int64_t));
        cs_sim_free(o);
        cs_scenario_free(one);
    }
    /* the two binary rules do build different trees on this market */
    assert_true(memcmp(s->plan[1].place->ppar, s->plan[2].place->ppar, s->n * sizeof(int32_t)) != 0);
    cs_sim_free(s);
    cs_diags_free(&d);
    cs_scenario_free(all);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matrix),
        cmocka_unit_test(test_binary_alternating),
        cmocka_unit_test(test_binary_weaker_leg),
        cmocka_unit_test(test_own_trees),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
