/* Sweeps: overrides go through the scenario's checks (and their messages point at the sweep),
 * values are written as the scenario writes them, and the designs put points where
 * docs/sweeps.md says (grid order worked out by hand; Sobol's first points are the known
 * van der Corput values 1/2, 3/4, 1/4 in the first dimension). */
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
#include "plan.h"
#include "sweep.h"
#include "yaml_tree.h"

static const char base[] = "name: t\nplans: " COMPSIM_SOURCE_DIR "/plans/unilevel-doterra.yaml\nperiods: 6\n"
                           "types:\n  builder: {share: 27%}\nshocks:\n  - {from: 3, recruitment: 0.5}\n";

static cs_scenario *with(const char *path, const char *value, cs_diags *d)
{
    cs_scenario_override ov = {path, value, "sweep.yaml", {4, 9}, "a\nb\nc\n  x: {min: 1, max: 2}\n"};
    return cs_scenario_load_overrides(base, strlen(base), "base.yaml", ".", &ov, 1, d);
}

static void test_overrides(void **state)
{
    (void)state;
    cs_diags d;
    cs_diags_init(&d);
    cs_scenario *s = with("types.builder.recruits", "1.25", &d); /* into an existing mapping */
    assert_non_null(s);
    assert_true(s->type[CS_MEMBER_BUILDER].recruits == 1.25);
    assert_int_equal(s->type[CS_MEMBER_BUILDER].share_ppm, 270000); /* the rest kept */
    cs_scenario_free(s);
    s = with("types.customer.attrition.later", "2.5%", &d); /* mappings created on the way */
    assert_non_null(s);
    assert_int_equal(s->type[CS_MEMBER_CUSTOMER].quit_later_ppm, 25000);
    cs_scenario_free(s);
    s = with("shocks[0].recruitment", "0.25", &d);
    assert_non_null(s);
    assert_true(s->shocks[0].recruitment == 0.25 && s->shocks[0].from == 3);
    cs_scenario_free(s);
    assert_int_equal(d.nerrors, 0);

    /* a value out of range: the scenario's message, at the sweep's position and line */
    s = with("types.builder.recruits", "1500", &d);
    assert_null(s);
    assert_int_equal(d.nerrors, 1);
    assert_string_equal(d.items[0].file, "sweep.yaml");
    assert_int_equal(d.items[0].line, 4);
    assert_int_equal(d.items[0].col, 9);
    assert_string_equal(d.items[0].msg, "'recruits' must be between 0 and 1000, found '1500'");
    assert_string_equal(d.items[0].snippet, "  x: {min: 1, max: 2}");
    /* a check elsewhere that the value makes fail: shares no longer adding up */
    s = with("types.builder.share", "30%", &d);
    assert_null(s);
    assert_int_equal(d.nerrors, 2);
    assert_non_null(strstr(d.items[1].msg, "add up to 103%"));
    /* a list item that does not exist */
    s = with("shocks[1].recruitment", "1", &d);
    assert_null(s);
    assert_int_equal(d.nerrors, 3);
    assert_string_equal(d.items[2].file, "sweep.yaml");
    cs_diags_free(&d);
}

/* Plan paths: which are sweepable and of what kind, which plan they address (docs/sweeps.md). */
static void test_plan_paths(void **state)
{
    (void)state;
    const char *rest;
    assert_int_equal(cs_sweep_path_plan("market.population", &rest), 0);
    assert_int_equal(cs_sweep_path_plan("plan.payout_cap", &rest), 1), assert_string_equal(rest, "payout_cap");
    assert_int_equal(cs_sweep_path_plan("plan@3.ranks.Gold.gv", &rest), 3), assert_string_equal(rest, "ranks.Gold.gv");
    assert_int_equal(cs_sweep_path_plan("plan@x.payout_cap", NULL), -1);
    assert_int_equal(cs_sweep_path_plan("plan@0.payout_cap", NULL), -1);
    assert_int_equal(cs_sweep_path_plan("planet.x", NULL), 0); /* not a plan path: the scenario's to refuse */
    assert_int_equal(cs_sweep_path_kind("plan.bonuses.unilevel.levels[3]"), CS_SWP_PERCENT);
    assert_int_equal(cs_sweep_path_kind("plan@2.bonuses[0].levels[0]"), CS_SWP_PERCENT);
    assert_int_equal(cs_sweep_path_kind("plan.bonuses.unilevel.depth.Silver"), CS_SWP_COUNT);
    assert_int_equal(cs_sweep_path_kind("plan.bonuses.x.rates_by_rank.Gold[1]"), CS_SWP_PERCENT);
    assert_int_equal(cs_sweep_path_kind("plan.ranks.Silver Elite.gv"), CS_SWP_VOLUME); /* a name with a space */
    assert_int_equal(cs_sweep_path_kind("plan.ranks[2].legs[0].count"), CS_SWP_COUNT);
    assert_int_equal(cs_sweep_path_kind("plan.active.min_pv"), CS_SWP_VOLUME);
    assert_int_equal(cs_sweep_path_kind("plan.enrolment_fee"), CS_SWP_MONEY);
    assert_int_equal(cs_sweep_path_kind("plan.bonuses.b.cycle.amount.Gold"), CS_SWP_MONEY);
    assert_int_equal(cs_sweep_path_kind("plan.bonuses.m.completion.3"), CS_SWP_MONEY);
    assert_int_equal(cs_sweep_path_kind("plan.bonuses.u.levels"), -1);      /* a list, not a value */
    assert_int_equal(cs_sweep_path_kind("plan.bonuses.u.levels[x]"), -1);
    assert_int_equal(cs_sweep_path_kind("plan.bonuses.u.margin[0]"), -1);
    assert_int_equal(cs_sweep_path_kind("plan.ranks.a,b.gv"), -1);          /* a CSV header cannot hold it */
    assert_int_equal(cs_sweep_path_kind("plan.ranks..gv"), -1);
    assert_int_equal(cs_sweep_path_kind("plan.name"), -1);
    char b[16];
    cs_sweep_format(CS_SWP_VOLUME, cs_sweep_round(CS_SWP_VOLUME, 1000.004), b, sizeof b), assert_string_equal(b, "1000");
    cs_sweep_format(CS_SWP_VOLUME, 37.5, b, sizeof b), assert_string_equal(b, "37.5");
}

/* A plan's tree changed before its loader checks it: named items, list items, keys added; bad
 * paths and refused values reported at the override's position. */
static void test_plan_overrides(void **state)
{
    (void)state;
    static const char plan[] = "name: p\nranks:\n  - {name: A, gv: 100}\n  - {name: B, gv: 200}\n"
                               "bonuses:\n  - {name: u, type: unilevel, levels: [5%, 3%], depth: {A: 1, B: 2}}\n";
    const char *src = "one\ntwo\n  p: [1]\n";
    cs_yt_override ov[4] = {{"ranks.B.gv", "250.5", "plan.ranks.B.gv", "s.yaml", {3, 7}, src},
                            {"bonuses.u.levels[1]", "4%", NULL, "s.yaml", {3, 7}, src},
                            {"bonuses[0].depth.A", "2", NULL, "s.yaml", {3, 7}, src},
                            {"payout_cap", "40%", NULL, "s.yaml", {3, 7}, src}};
    cs_diags d;
    cs_diags_init(&d);
    cs_plan *p = cs_plan_load_overrides(plan, strlen(plan), "p.yaml", ov, 4, &d);
    assert_non_null(p);
    assert_int_equal(p->ranks[1].gv, 25050);
    assert_int_equal(p->ranks[0].gv, 10000);
    assert_int_equal(p->bonuses[0].levels.ppm[2 * 2 + 1], 40000); /* rank B's row, level 2 */
    assert_int_equal(p->bonuses[0].levels.ppm[1 * 2 + 1], 40000); /* A now paid 2 levels */
    assert_int_equal(p->payout_cap_ppm, 400000);                  /* a key the plan did not have */
    cs_plan_free(p);
    assert_int_equal(d.nerrors, 0);

    cs_yt_override bad[3] = {{"ranks.Gold.gv", "1", "plan.ranks.Gold.gv", "s.yaml", {3, 7}, src},
                             {"bonuses.u.levels[2]", "1%", NULL, "s.yaml", {3, 8}, src},
                             {"bonuses.u.depth.A", "3", NULL, "s.yaml", {3, 9}, src}};
    for (size_t i = 0; i < 3; i++) assert_null(cs_plan_load_overrides(plan, strlen(plan), "p.yaml", &bad[i], 1, &d));
    assert_int_equal(d.nerrors, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_string_equal(d.items[i].file, "s.yaml");
        assert_int_equal(d.items[i].line, 3);
        assert_int_equal(d.items[i].col, 7 + (long)i);
        assert_string_equal(d.items[i].snippet, "  p: [1]");
    }
    assert_string_equal(d.items[0].msg, "'plan.ranks.Gold.gv' is not in the base plan: no item of 'ranks' is named 'Gold'");
    assert_string_equal(d.items[1].msg, "'bonuses.u.levels[2]' is not in the base plan: 'bonuses.u.levels' has 2 items, "
                                        "numbered from 0 (items can be changed, not added)");
    assert_string_equal(d.items[2].msg, "depth 3 is more than the 2 levels given in 'levels'");
    cs_diags_free(&d);
}

static void test_format(void **state)
{
    (void)state;
    char b[64];
    cs_sweep_format(CS_SWP_REAL, 0.8, b, sizeof b), assert_string_equal(b, "0.8");
    cs_sweep_format(CS_SWP_REAL, 2, b, sizeof b), assert_string_equal(b, "2");
    cs_sweep_format(CS_SWP_PERCENT, 3.5, b, sizeof b), assert_string_equal(b, "3.5%");
    cs_sweep_format(CS_SWP_MONEY, 50, b, sizeof b), assert_string_equal(b, "50.00");
    cs_sweep_format(CS_SWP_COUNT, cs_sweep_round(CS_SWP_COUNT, 1234.5), b, sizeof b), assert_string_equal(b, "1235");
    assert_true(cs_sweep_round(CS_SWP_PERCENT, 3.123456) == 3.1235);
}

static char sweep_path[64];

static cs_sweep *load(const char *design_and_params)
{
    snprintf(sweep_path, sizeof sweep_path, "/tmp/test_sweep.XXXXXX");
    int fd = mkstemp(sweep_path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "name: t\nscenario: %s/scenarios/saturation.yaml\nreplicas: 2\nseed: 5\n%smetrics: [members_end]\n",
            COMPSIM_SOURCE_DIR, design_and_params);
    fclose(f);
    cs_diags d;
    cs_diags_init(&d);
    cs_sweep *sw = cs_sweep_load_file(sweep_path, &d);
    cs_diags_free(&d);
    unlink(sweep_path);
    return sw;
}

static void test_grid(void **state)
{
    (void)state;
    /* 3 levels of recruits (0.5, 1, 1.5) x a list of 2 populations, the first varying slowest */
    cs_sweep *sw = load("design: grid\nlevels: 3\nparameters:\n  types.builder.recruits: {min: 0.5, max: 1.5}\n"
                        "  market.population: [1000, 3000]\n");
    assert_non_null(sw);
    assert_int_equal(sw->npoints, 6);
    const double want[6][2] = {{0.5, 1000}, {0.5, 3000}, {1, 1000}, {1, 3000}, {1.5, 1000}, {1.5, 3000}};
    for (size_t i = 0; i < 6; i++) {
        assert_true(sw->x[2 * i] == want[i][0]);
        assert_true(sw->x[2 * i + 1] == want[i][1]);
        /* the point's seed depends on (sweep seed, point) only */
        assert_true(cs_sweep_point_seed(sw, i) == (cs_sim_stream_seed(5, i) & (uint64_t)INT64_MAX));
    }
    cs_sweep_free(sw);
}

static void test_sobol_and_saltelli(void **state)
{
    (void)state;
    cs_sweep *sw = load("design: sobol\npoints: 3\nparameters:\n  types.builder.recruits: {min: 0, max: 4}\n");
    assert_non_null(sw);
    assert_int_equal(sw->npoints, 3);
    assert_true(sw->x[0] == 2 && sw->x[1] == 3 && sw->x[2] == 1); /* 4 x (1/2, 3/4, 1/4) */
    cs_sweep_free(sw);
    /* saltelli: N (k + 2) points; row AB_i is A with column i from B */
    sw = load("design: saltelli\npoints: 4\nparameters:\n  types.builder.recruits: {min: 0, max: 1}\n"
              "  market.population: {min: 1000, max: 2000}\n");
    assert_non_null(sw);
    assert_int_equal(sw->npoints, 16);
    for (size_t j = 0; j < 4; j++) {
        const double *a = sw->x + (j * 4) * 2, *b = a + 2, *ab1 = a + 4, *ab2 = a + 6;
        assert_true(ab1[0] == b[0] && ab1[1] == a[1]);
        assert_true(ab2[0] == a[0] && ab2[1] == b[1]);
    }
    cs_sweep_free(sw);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_overrides),
        cmocka_unit_test(test_plan_paths),
        cmocka_unit_test(test_plan_overrides),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_grid),
        cmocka_unit_test(test_sobol_and_saltelli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
