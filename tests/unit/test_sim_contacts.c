/* Contact-network recruitment (engine/sim_contacts.c; docs/scenario-format.md, "Contact
 * network") against what its model implies.  Fixed seeds; every tolerance is 4 standard errors
 * computed from the model's parameters, never from the program's output.
 *
 * The model, for degree mean m, negative binomial shape k and acceptance q:
 *   - a founder's contacts D ~ NB(k, m): mean m, variance m + m^2 / k;
 *   - a recruit's contacts besides its sponsor C ~ NB(k + 1, p) with the same p = k / (k + m):
 *     mean m' = m (k + 1) / k, variance m' + m'^2 / (k + 1);
 *   - a member who asks all its c contacts in an unreached market (saturation none) recruits
 *     Binomial(c, q): mean q E c, variance q (1 - q) E c + q^2 Var c.
 * Sums over N independent members are within 4 sqrt(N variance) of N mean.  Members are
 * independent given they exist: a member's contacts and answers are drawn when it joins and
 * asks, after (and apart from) whatever decided that it joined, so the sums are martingales. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "sim.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_sim_contacts.XXXXXX");
    if (!mkdtemp(dir)) return -1;
    char path[128];
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs("name: A\nactive: {min_pv: 0}\nranks:\n  - name: Member\nbonuses:\n"
          "  - {name: unilevel, type: unilevel, levels: [10%, 5%]}\n",
          f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    unlink(path);
    rmdir(dir);
    return 0;
}

static cs_scenario *load(const char *yaml)
{
    cs_diags d;
    cs_diags_init(&d);
    cs_scenario *s = cs_scenario_load_string(yaml, strlen(yaml), "t.yaml", dir, &d);
    for (size_t i = 0; i < d.n; i++) print_error("unexpected: %ld:%ld: %s\n", d.items[i].line, d.items[i].col, d.items[i].msg);
    assert_non_null(s);
    cs_diags_free(&d);
    return s;
}

static cs_sim *run(const cs_scenario *sc, uint64_t seed, uint64_t replica)
{
    cs_diags d;
    cs_diags_init(&d);
    cs_sim *s = cs_sim_new(sc, seed, replica);
    assert_non_null(s);
    assert_int_equal(cs_sim_run(s, NULL, &d), 0);
    cs_diags_free(&d);
    return s;
}

/* Recruits of each member, from the sponsor array. */
static int64_t *recruits_of(const cs_sim *s)
{
    int64_t *k = calloc(s->n ? s->n : 1, sizeof *k);
    for (size_t i = 0; i < s->n; i++)
        if (s->parent[i] >= 0) k[s->parent[i]]++;
    return k;
}

static void within(const char *what, double got, double n, double mean, double var)
{
    double tol = 4 * sqrt(n * var);
    print_message("%s: %.0f, expected %.1f +- %.1f (n %.0f)\n", what, got, n * mean, tol, n);
    assert_true(fabs(got - n * mean) <= tol);
}

/* Degrees and lifetime recruits.  m = 5, k = 1, q = 20%, an ask rate of r / q = 500 a period
 * (far above any member's contacts), no attrition: every member asks all its contacts in the
 * first period it recruits, so the members who joined before the last period have asked them
 * all.  Founders: E D = 5, Var D = 30; recruits: m' = 10, Var C = 60.  Lifetime recruits:
 * founders mean q m = 1, variance 0.16 x 5 + 0.04 x 30 = 2; recruits mean q m' = 2, variance
 * 0.16 x 10 + 0.04 x 60 = 4. */
static void test_degrees_and_recruits(void **state)
{
    (void)state;
    cs_scenario *sc = load("name: t\nplans: a.yaml\nperiods: 4\n"
                           "market: {population: unlimited, founders: 200, saturation: none}\n"
                           "recruitment: {propensity: none, contacts: {mean: 5, dispersion: 1, acceptance: 20%}}\n"
                           "types:\n  customer: {share: 0%}\n"
                           "  builder: {share: 100%, recruits: 100, attrition: {early: 0%, later: 0%}}\n");
    double fn = 0, fdeg = 0, frec = 0, rn = 0, rdeg = 0, rrn = 0, rrec = 0;
    for (int r = 0; r < 10; r++) {
        cs_sim *s = run(sc, 31, (uint64_t)r);
        int64_t *k = recruits_of(s);
        for (size_t i = 0; i < s->n; i++) {
            const int founder = s->parent[i] < 0;
            /* asked everyone: recruits never exceed the contacts (degree less the sponsor) */
            assert_true(k[i] + s->contacts[i] <= (int64_t)s->degree[i] - !founder);
            if (founder) {
                fn++, fdeg += s->degree[i], frec += (double)k[i];
                assert_int_equal(s->contacts[i], 0);
            } else {
                rn++, rdeg += s->degree[i] - 1;
                if (s->join[i] < 4) { /* joined before the last period: has asked everyone */
                    assert_int_equal(s->contacts[i], 0);
                    rrn++, rrec += (double)k[i];
                }
            }
        }
        free(k);
        cs_sim_free(s);
    }
    within("founders' degrees", fdeg, fn, 5, 30);
    within("recruits' contacts besides the sponsor", rdeg, rn, 10, 60);
    within("founders' recruits", frec, fn, 1, 2);
    within("recruits' recruits", rrec, rrn, 2, 4);
    cs_scenario_free(sc);
}

/* Local saturation: with m = 1, k = 1, q = 25% each recruit has m' = 2 contacts besides its
 * sponsor and recruits q m' = 0.5 on average, so the network stops growing although the
 * market is unlimited and r = 100.  Total members per founder, T = 1 + sum over its recruits of
 * their total progeny: founders' recruits mean q m = 0.25, variance 0.1875 x 1 + 0.0625 x 2 =
 * 0.3125; recruits' offspring mean mu = 0.5, variance s2 = 0.1875 x 2 + 0.0625 x 4 = 0.625, so a
 * recruit's total progeny has mean 1 / (1 - mu) = 2 and variance s2 / (1 - mu)^3 = 5 (Galton-
 * Watson).  E T = 1 + 0.25 x 2 = 1.5, Var T = 0.25 x 5 + 0.3125 x 2^2 = 2.5.  30 periods: one
 * generation a period, and P(a line lasts 30 generations) <= 0.5^29 per founder's recruit. */
static void test_local_saturation(void **state)
{
    (void)state;
    cs_scenario *sc = load("name: t\nplans: a.yaml\nperiods: 30\n"
                           "market: {population: unlimited, founders: 100, saturation: none}\n"
                           "recruitment: {propensity: none, contacts: {mean: 1, dispersion: 1, acceptance: 25%}}\n"
                           "types:\n  customer: {share: 0%}\n"
                           "  builder: {share: 100%, recruits: 100, attrition: {early: 0%, later: 0%}}\n");
    double total = 0;
    for (int r = 0; r < 20; r++) {
        cs_sim *s = run(sc, 32, (uint64_t)r);
        total += (double)s->n;
        assert_int_equal(s->period[29].joins, 0); /* growth stopped */
        cs_sim_free(s);
    }
    within("members", total, 2000, 1.5, 2.5);
    cs_scenario_free(sc);
}

/* Bounds, and joins against their model means.  A small population: nobody beyond it is ever
 * reached (members + decliners <= population), and a member never recruits more than its
 * contacts.  A larger one the cap never cuts: given the contacts a member asks, A, its joins
 * are Binomial(A, q s) with s the share of the population not reached (joined or declined) at
 * the start of the period, so the period's joins are within 4 sqrt(sum of A q s) of that sum
 * (the variance sum A q s (1 - q s) is at most the mean sum). */
static void test_bounds_and_rate(void **state)
{
    (void)state;
    cs_scenario *small = load("name: t\nplans: a.yaml\nperiods: 30\nmarket: {population: 300, founders: 5}\n"
                              "recruitment: {contacts: {mean: 50, dispersion: 0.5, acceptance: 30%}}\n"
                              "types:\n  builder: {recruits: 3}\n");
    for (int r = 0; r < 10; r++) {
        cs_sim *s = run(small, 33, (uint64_t)r);
        int64_t *k = recruits_of(s);
        for (int t = 0; t < 30; t++) {
            assert_true(s->period[t].reached + s->period[t].declined <= 300);
            assert_true(s->period[t].members <= s->period[t].reached);
        }
        assert_true(s->period[29].declined > 0);
        for (size_t i = 0; i < s->n; i++) assert_true(k[i] + s->contacts[i] <= (int64_t)s->degree[i] - (s->parent[i] >= 0));
        free(k);
        cs_sim_free(s);
    }
    cs_scenario_free(small);

    cs_scenario *sc = load("name: t\nplans: a.yaml\nperiods: 20\nmarket: {population: 50000, founders: 20}\n"
                           "recruitment: {contacts: {mean: 30, dispersion: 1, acceptance: 10%}}\n"
                           "types:\n  customer: {share: 50%}\n  builder: {share: 50%, recruits: 0.8}\n");
    double expected = 0, joins = 0;
    for (int r = 0; r < 10; r++) {
        cs_sim *s = run(sc, 34, (uint64_t)r);
        for (int t = 0; t < 20; t++) {
            expected += s->period[t].expected_recruits;
            joins += (double)(s->period[t].joins - (t == 0 ? 20 : 0));
        }
        assert_true(s->period[19].reached + s->period[19].declined < 50000); /* the cap never cut a draw */
        assert_true(s->period[19].declined > s->period[19].reached);        /* q = 10%: most who are asked decline */
        cs_sim_free(s);
    }
    print_message("joins %.0f, expected %.1f\n", joins, expected);
    assert_true(expected > 1000);
    assert_true(fabs(joins - expected) <= 4 * sqrt(expected));
    cs_scenario_free(sc);
}

/* Reproducible: the same (seed, replica) gives the same network, contacts included. */
static void test_reproducible(void **state)
{
    (void)state;
    cs_scenario *sc = load("name: t\nplans: a.yaml\nperiods: 12\nrecruitment: {contacts: {}}\n"
                           "types:\n  builder: {recruits: 1}\n");
    assert_true(sc->contacts.on && sc->contacts.mean == 150 && sc->contacts.dispersion == 1 &&
                sc->contacts.acceptance_ppm == 50000);
    cs_sim *a = run(sc, 8, 2), *b = run(sc, 8, 2);
    assert_int_equal(a->n, b->n);
    assert_memory_equal(a->parent, b->parent, a->n * sizeof *a->parent);
    assert_memory_equal(a->contacts, b->contacts, a->n * sizeof *a->contacts);
    assert_memory_equal(a->plan[0].gross, b->plan[0].gross, a->n * sizeof *a->plan[0].gross);
    cs_sim_free(a);
    cs_sim_free(b);
    cs_scenario_free(sc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_degrees_and_recruits),
        cmocka_unit_test(test_local_saturation),
        cmocka_unit_test(test_bounds_and_rate),
        cmocka_unit_test(test_reproducible),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
