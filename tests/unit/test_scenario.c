/* Scenario loading: the defaults docs/scenario-format.md lists, values as written (units converted
 * as the doc says), and the message and position of each kind of bad input.  The exact text of
 * whole files of errors is pinned in tests/bad/scenarios/. */
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

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_scenario.XXXXXX");
    if (!mkdtemp(dir)) return -1;
    char path[128];
    snprintf(path, sizeof path, "%s/p.yaml", dir);
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fputs("name: P\nenrolment_fee: 35\nranks:\n  - name: M\nbonuses:\n  - {name: u, type: unilevel, levels: [5%]}\n", f);
    fclose(f);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/p.yaml", dir);
    unlink(path);
    rmdir(dir);
    return 0;
}

static cs_scenario *load(const char *yaml, cs_diags *d)
{
    cs_diags_init(d);
    return cs_scenario_load_string(yaml, strlen(yaml), "s.yaml", dir, d);
}

static cs_scenario *load_ok(const char *yaml)
{
    cs_diags d;
    cs_scenario *s = load(yaml, &d);
    for (size_t i = 0; i < d.n; i++) print_error("unexpected: %ld:%ld: %s\n", d.items[i].line, d.items[i].col, d.items[i].msg);
    assert_non_null(s);
    assert_int_equal(d.nerrors, 0);
    cs_diags_free(&d);
    return s;
}

static void expect_error(const char *yaml, long line, long col, const char *msg)
{
    cs_diags d;
    cs_scenario *s = load(yaml, &d);
    assert_null(s);
    for (size_t i = 0; i < d.n; i++) print_message("got %ld:%ld: %s\n", d.items[i].line, d.items[i].col, d.items[i].msg);
    assert_int_equal(d.nerrors, 1);
    assert_string_equal(d.items[0].file, "s.yaml");
    assert_string_equal(d.items[0].msg, msg);
    assert_int_equal(d.items[0].line, line);
    assert_int_equal(d.items[0].col, col);
    cs_diags_free(&d);
}

static void test_defaults(void **state)
{
    (void)state;
    cs_scenario *s = load_ok("name: d\nplans: p.yaml\n");
    assert_string_equal(s->name, "d");
    assert_int_equal(s->nplans, 1);
    assert_string_equal(s->plans[0]->name, "P");
    assert_int_equal(s->periods, 36);
    assert_int_equal(s->replicas, 100);
    assert_int_equal(s->seed, 1);
    assert_int_equal(s->member_replicas, 10);
    assert_int_equal(s->population, 1000000);
    assert_int_equal(s->founders, 10);
    assert_int_equal(s->saturation, CS_SAT_LINEAR);
    assert_int_equal(s->propensity, CS_PROP_GAMMA);
    assert_true(s->dispersion == 0.3);
    /* recruitment from the whole population unless 'contacts' is given; its defaults then */
    assert_false(s->contacts.on);
    assert_true(s->contacts.mean == 150 && s->contacts.dispersion == 1);
    assert_int_equal(s->contacts.acceptance_ppm, 50000);
    assert_int_equal(s->bv_ppm, 1000000);
    assert_int_equal(s->signup_fee, 5000);
    const cs_member_params *c = &s->type[CS_MEMBER_CUSTOMER], *b = &s->type[CS_MEMBER_BUILDER];
    assert_int_equal(c->share_ppm, 730000);
    assert_int_equal(b->share_ppm, 270000);
    assert_true(c->recruits == 0 && b->recruits == 0.8);
    assert_false(c->autoship);
    assert_true(b->autoship);
    assert_int_equal(c->order_ppm, 700000);
    assert_true(c->pv.median == 60 && c->pv.sigma == 0.5 && b->pv.median == 110 && b->pv.sigma == 0.4);
    assert_int_equal(b->retail_ppm, 300000);
    assert_true(b->expenses.median == 100 && b->expenses.sigma == 0.8 && c->expenses.median == 0);
    assert_int_equal(c->value_ppm, 1000000);
    assert_int_equal(b->value_ppm, 500000);
    assert_int_equal(c->early_periods, 3);
    assert_int_equal(c->quit_early_ppm, 80000);
    assert_int_equal(c->quit_later_ppm, 50000);
    assert_int_equal(b->quit_early_ppm, 60000);
    assert_int_equal(b->quit_later_ppm, 35000);
    assert_true(c->loss_factor == 1.0 && b->loss_factor == 1.5);
    assert_int_equal(s->nshocks, 0);
    /* the plan's enrolment fee wins over the scenario's sign-up fee */
    assert_int_equal(cs_scenario_fee(s, 0), 3500);
    cs_scenario_free(s);
}

static void test_values(void **state)
{
    (void)state;
    cs_scenario *s = load_ok("name: v\nplans: [p.yaml, p.yaml]\nperiods: 60\nreplicas: 8\nseed: 12345678901\n"
                             "member_replicas: 0\n"
                             "market: {population: unlimited, founders: 3, saturation: none, bv_share: 80%}\n"
                             "recruitment: {propensity: lognormal, dispersion: 1.25, contacts: {mean: 80.5, acceptance: 12.5%}}\n"
                             "costs: {signup_fee: 19.99}\n"
                             "types:\n  customer: {share: 60%, retail_probability: 10%, retail: {median: 40}}\n"
                             "  builder: {share: 40%, recruits: 2.5, autoship: false, order_probability: 90%,\n"
                             "            value_received: 25%, attrition: {early_periods: 6, early: 12.5%, later: 2%, loss_factor: 3}}\n"
                             "shocks:\n  - {from: 24, recruitment: 0.5}\n  - {from: 36, recruitment: 0, attrition: 2}\n");
    assert_int_equal(s->nplans, 2);
    assert_int_equal(s->periods, 60);
    assert_int_equal(s->replicas, 8);
    assert_int_equal(s->seed, 12345678901ULL);
    assert_int_equal(s->member_replicas, 0);
    assert_int_equal(s->population, 0);
    assert_int_equal(s->founders, 3);
    assert_int_equal(s->saturation, CS_SAT_NONE);
    assert_int_equal(s->propensity, CS_PROP_LOGNORMAL);
    assert_true(s->dispersion == 1.25);
    assert_true(s->contacts.on && s->contacts.mean == 80.5 && s->contacts.dispersion == 1);
    assert_int_equal(s->contacts.acceptance_ppm, 125000);
    assert_int_equal(s->bv_ppm, 800000);
    assert_int_equal(s->signup_fee, 1999);
    const cs_member_params *c = &s->type[CS_MEMBER_CUSTOMER], *b = &s->type[CS_MEMBER_BUILDER];
    assert_int_equal(c->share_ppm, 600000);
    assert_int_equal(c->retail_ppm, 100000);
    assert_true(c->retail.median == 40 && c->retail.sigma == 0); /* sigma left out: the type's default */
    assert_true(b->recruits == 2.5);
    assert_false(b->autoship);
    assert_int_equal(b->order_ppm, 900000);
    assert_int_equal(b->value_ppm, 250000);
    assert_int_equal(b->early_periods, 6);
    assert_int_equal(b->quit_early_ppm, 125000);
    assert_int_equal(b->quit_later_ppm, 20000);
    assert_true(b->loss_factor == 3);
    assert_int_equal(s->nshocks, 2);
    assert_null(cs_scenario_shock(s, 23));
    assert_true(cs_scenario_shock(s, 24)->recruitment == 0.5 && cs_scenario_shock(s, 35)->attrition == 1.0);
    assert_true(cs_scenario_shock(s, 36)->recruitment == 0 && cs_scenario_shock(s, 60)->attrition == 2.0);
    cs_scenario_free(s);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("name: e\nplans: p.yaml\nreplica: 3\n", 3, 1, "unknown key 'replica' (did you mean 'replicas'?)");
    expect_error("name: e\nplans: p.yaml\nperiods: 0\n", 3, 10, "'periods' must be at least 1");
    expect_error("name: e\nplans: p.yaml\nperiods: 10001\n", 3, 10, "'periods' is too large, found '10001' (at most 10000)");
    expect_error("name: e\nplans: p.yaml\nmarket: {founders: 0}\n", 3, 20, "'founders' must be at least 1");
    expect_error("name: e\nplans: p.yaml\nmarket: {population: 0}\n", 3, 22,
                 "'population' must be at least 1 (or 'unlimited'), found '0'");
    expect_error("name: e\nplans: p.yaml\nrecruitment: {dispersion: 0}\n", 3, 27,
                 "'dispersion' is the gamma shape k and must be above 0");
    expect_error("name: e\nplans: p.yaml\ntypes: {builder: {recruits: 1001}}\n", 3, 29,
                 "'recruits' must be between 0 and 1000, found '1001'");
    expect_error("name: e\nplans: p.yaml\ntypes: {builder: {recruits: '1'}}\n", 3, 29,
                 "expected a number such as '0.4', found the text '1' (write it without quotes)");
    expect_error("name: e\nplans: p.yaml\ntypes: {worker: {}}\n", 3, 9, "unknown key 'worker' in 'types'");
    expect_error("name: e\nplans: p.yaml\ntypes: {builder: {share: 30%}}\n", 3, 8,
                 "the shares of the member types add up to 103%, not 100% (unlisted types keep their defaults: customer 73%, builder 27%)");
    expect_error("name: e\nplans: []\n", 2, 8, "'plans' lists no plan");
    expect_error("name: ../x\nplans: p.yaml\n", 1, 7,
                 "a scenario name may only hold letters, digits, '_', '-' and '.', and not start with '.' (it names the results folder)");
    expect_error("name: e\nplans: p.yaml\nshocks: [{from: 0}]\n", 3, 17, "'from' must be a period, 1 or later");
    expect_error("name: e\nplans: p.yaml\nrecruitment: {contacts: {mean: 0}}\n", 3, 32,
                 "'mean' (contacts per person) must be above 0");
    expect_error("name: e\nplans: p.yaml\nrecruitment: {contacts: {dispersion: 0}}\n", 3, 38,
                 "'dispersion' is the negative binomial shape k and must be above 0");
    expect_error("name: e\nplans: p.yaml\nrecruitment: {contacts: {acceptance: 0%}}\n", 3, 38,
                 "'acceptance' must be above 0% (nobody would ever join)");
    expect_error("name: e\nplans: p.yaml\nrecruitment: {contacts: {degree: 5}}\n", 3, 26,
                 "unknown key 'degree' in 'contacts'");
    expect_error("name: e\nplans: p.yaml\nrecruitment: {contacts: 150}\n", 3, 25,
                 "expected a mapping such as '{mean: 150, dispersion: 1, acceptance: 5%}' for 'contacts', found '150'");
}

/* A plan that does not load: the plan's own messages, with the plan's file name. */
static void test_plan_errors(void **state)
{
    (void)state;
    cs_diags d;
    cs_scenario *s = load("name: e\nplans: missing.yaml\n", &d);
    assert_null(s);
    assert_int_equal(d.nerrors, 1);
    assert_int_equal(d.items[0].line, 2);
    assert_int_equal(d.items[0].col, 8);
    assert_non_null(strstr(d.items[0].msg, "cannot read plan file"));
    cs_diags_free(&d);
    /* a plan that is not one: messages in the plan file, none in the scenario */
    s = load("name: e\nplans: ../\n", &d);
    assert_null(s);
    assert_true(d.nerrors >= 1);
    cs_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_plan_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
