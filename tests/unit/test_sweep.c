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
#include "sweep.h"

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
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_grid),
        cmocka_unit_test(test_sobol_and_saltelli),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
