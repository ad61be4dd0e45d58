/* The memory estimate of a simulation (memest.h; docs/scenario-format.md, "Memory").
 *
 *   - The members bound, worked out by hand from the documented formula on scenarios small
 *     enough to follow period by period.
 *   - The estimate against the peak resident memory getrusage measures on a real run that
 *     reaches its population: an upper bound, and within the documented factor (2.5).  Skipped
 *     under AddressSanitizer, whose redzones and quarantine change what a run holds.
 *   - Refusal: a scenario that would grow to 2 * 10^9 members, against a given amount of memory
 *     and against the machine's, with the message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "memest.h"
#include "scenario.h"
#include "sim.h"

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif

static char dir[64];

static cs_scenario *load(const char *yaml)
{
    cs_diags d;
    cs_diags_init(&d);
    cs_scenario *s = cs_scenario_load_string(yaml, strlen(yaml), "t.yaml", COMPSIM_SOURCE_DIR, &d);
    for (size_t i = 0; i < d.n; i++) print_error("unexpected: %ld:%ld: %s\n", d.items[i].line, d.items[i].col, d.items[i].msg);
    assert_non_null(s);
    cs_diags_free(&d);
    return s;
}

/* Builders only, recruiting 1 each per period, without propensity spread. */
#define SIMPLE "name: t\nplans: plans/unilevel-doterra.yaml\nperiods: 3\nrecruitment: {propensity: none}\n"
#define BUILDERS(att) \
    "types:\n  builder: {share: 100%, recruits: 1, attrition: {early: " att ", later: " att "}}\n" \
    "  customer: {share: 0%}\n"

static void test_members_bound(void **state)
{
    (void)state;
    int growth = -1;
    /* No quits: 100 founders double each period, 100 -> 200 -> 400 -> 800 reached; the spread
     * factor is 1 + 10 x E[lambda^2] / sqrt(100) = 1 + 10 x 1 / 10 = 2. */
    cs_scenario *s = load(SIMPLE "market: {population: unlimited, founders: 100}\n" BUILDERS("0%"));
    assert_true(fabs(cs_memest_expected_reached(s) - 800) < 1e-9);
    assert_int_equal(cs_memest_members(s, &growth), 1600);
    assert_int_equal(growth, 1);
    cs_scenario_free(s);
    /* Half quit at the end of every period: 100 alive recruit 100, 200 alive, 100 stay; so each
     * period adds 100: 400 reached, bound 800. */
    s = load(SIMPLE "market: {population: unlimited, founders: 100}\n" BUILDERS("50%"));
    assert_true(fabs(cs_memest_expected_reached(s) - 400) < 1e-9);
    assert_int_equal(cs_memest_members(s, &growth), 800);
    cs_scenario_free(s);
    /* The population is the lower bound: 1000 < 1600. */
    s = load(SIMPLE "market: {population: 1000, founders: 100}\n" BUILDERS("0%"));
    assert_int_equal(cs_memest_members(s, &growth), 1000);
    assert_int_equal(growth, 0);
    cs_scenario_free(s);
    /* A recruitment shock of 0 from period 2: only period 1's 100 joins, 200 reached.  Gamma
     * propensity of shape 0.25: E[lambda^2] = 1 + 1/0.25 = 5, factor 1 + 10 x 5 / 10 = 6. */
    s = load("name: t\nplans: plans/unilevel-doterra.yaml\nperiods: 3\nrecruitment: {propensity: gamma, dispersion: 0.25}\n"
             "market: {population: unlimited, founders: 100}\n" BUILDERS("0%") "shocks:\n  - {from: 2, recruitment: 0}\n");
    assert_true(fabs(cs_memest_expected_reached(s) - 200) < 1e-9);
    assert_int_equal(cs_memest_members(s, &growth), 1200);
    cs_scenario_free(s);
    /* Unlimited and fast: capped at the most members a replica may have. */
    s = load("name: t\nplans: plans/unilevel-doterra.yaml\nperiods: 100\nmarket: {population: unlimited}\n"
             "types:\n  builder: {recruits: 3}\n");
    assert_int_equal(cs_memest_members(s, &growth), CS_SCENARIO_MAX_MEMBERS);
    assert_int_equal(growth, 0);
    cs_scenario_free(s);
}

/* The per-replica part counts once per replica in memory at once, min(threads, replicas). */
static void test_replicas_at_once(void **state)
{
    (void)state;
    cs_scenario *s = load(SIMPLE "replicas: 4\nmarket: {population: 50000}\n" BUILDERS("0%"));
    cs_memest one, two, many, single;
    cs_memest_simulation(&one, s, 0, 1);
    cs_memest_simulation(&two, s, 0, 2);
    cs_memest_simulation(&many, s, 0, 64);
    cs_memest_simulation(&single, s, 1, 2);
    assert_int_equal(one.at_once, 1);
    assert_int_equal(two.at_once, 2);
    assert_int_equal(many.at_once, 4);
    assert_int_equal(single.at_once, 1);
    assert_true(fabs((two.total - two.fixed) - 2 * (one.total - one.fixed)) < 1);
    assert_true(fabs((many.total - many.fixed) - 4 * (one.total - one.fixed)) < 1);
    /* every member has at least its sponsor, join and quit periods and one payout amount */
    assert_true(one.per_replica > 50000.0 * 16);
    cs_scenario_free(s);
}

/* Replica 0's `reached` in the last period of plan 1 (periods.csv, 7th column). */
static long long last_reached(const char *out)
{
    char path[160], line[1024];
    snprintf(path, sizeof path, "%s/periods.csv", out);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    long long reached = -1;
    while (fgets(line, sizeof line, f)) {
        long long rep, per, plan, members, joins, quits, r;
        if (sscanf(line, "%lld,%lld,%lld,%lld,%lld,%lld,%lld", &rep, &per, &plan, &members, &joins, &quits, &r) == 7 &&
            rep == 0 && plan == 1)
            reached = r;
    }
    fclose(f);
    return reached;
}

static void remove_results(const char *out)
{
    static const char *const names[] = {"manifest.json", "periods.csv", "members.csv"};
    char path[160];
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", out, names[i]);
        unlink(path);
    }
    rmdir(out);
}

/* A run that reaches its population (saturation off, builders recruiting 2 each: 10 x 3^9 >
 * 120000 by period 9) with a sponsor-tree plan and a binary plan, both replicas in memory at once
 * with their members.csv rows.  First in the file, so that the process's peak is this run's. */
static void test_estimate_bounds_measured_peak(void **state)
{
    (void)state;
#ifdef UNDER_ASAN
    skip();
#endif
    cs_scenario *s = load("name: rss\nplans: [plans/unilevel-doterra.yaml, plans/binary-weaker-leg.yaml]\nperiods: 12\n"
                          "replicas: 2\nmember_replicas: 2\nmarket: {population: 120000, founders: 10, saturation: none}\n"
                          "types:\n  builder: {share: 100%, recruits: 2}\n  customer: {share: 0%}\n");
    cs_memest e;
    cs_memest_simulation(&e, s, 0, 2);
    assert_int_equal(e.members, 120000);
    char out[128];
    snprintf(out, sizeof out, "%s/out", dir);
    cs_sim_options o = {.out_dir = out, .threads = 2, .export_replica = -1};
    cs_diags d;
    cs_diags_init(&d);
    int rc = cs_sim_write_results(s, &o, &d);
    for (size_t i = 0; i < d.n; i++) print_error("unexpected: %s\n", d.items[i].msg);
    assert_int_equal(rc, 0);
    cs_diags_free(&d);
    struct rusage ru;
    assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
    const double peak = (double)ru.ru_maxrss * 1024;
    print_message("estimate %.1f MB, measured peak %.1f MB, ratio %.2f\n", e.total / 1e6, peak / 1e6, e.total / peak);
    assert_int_equal(last_reached(out), 120000); /* the premise: the population was reached */
    assert_true(peak <= e.total);
    assert_true(e.total <= 2.5 * peak);
    remove_results(out);
    cs_scenario_free(s);
}

#define FAST "name: t\nplans: plans/unilevel-doterra.yaml\nmarket: {population: 2000000000}\ntypes:\n  builder: {recruits: 3}\n"

static void test_refusal(void **state)
{
    (void)state;
    cs_scenario *s = load(FAST);
    cs_memest e;
    cs_memest_simulation(&e, s, 0, 2);
    assert_int_equal(e.members, 2000000000);
    assert_int_equal(e.at_once, 2);
    cs_diags d;
    cs_diags_init(&d);
    assert_int_equal(cs_memest_fits(&e, 8e9, s, &d), -1);
    assert_int_equal(d.nerrors, 1);
    assert_string_equal(d.items[0].file, "t.yaml");
    char want[300];
    snprintf(want, sizeof want,
             "this simulation needs about %.1f GB of memory (2 replicas at once, up to 2000000000 members each), but only "
             "8.0 GB are available; lower market.population or --threads",
             e.total / 1e9);
    assert_string_equal(d.items[0].msg, want);
    cs_diags_free(&d);
    /* exactly enough, or not known: no refusal */
    cs_diags_init(&d);
    assert_int_equal(cs_memest_fits(&e, e.total, s, &d), 0);
    assert_int_equal(cs_memest_fits(&e, 0, s, &d), 0);
    assert_int_equal(d.nerrors, 0);
    /* on this machine: 2 x 10^9 members at well over 100 bytes each do not fit, and the refusal
     * comes before any work (timed: well under a second) */
    assert_true(cs_memest_available() > 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char out[128];
    snprintf(out, sizeof out, "%s/never", dir);
    cs_sim_options o = {.out_dir = out, .export_replica = -1};
    assert_int_equal(cs_sim_write_results(s, &o, &d), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true((double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec) < 1.0);
    assert_int_equal(d.nerrors, 1);
    assert_non_null(strstr(d.items[0].msg, "this simulation needs about"));
    assert_int_equal(access(out, F_OK), -1);
    cs_diags_free(&d);
    cs_scenario_free(s);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_memest.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    rmdir(dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_estimate_bounds_measured_peak),
        cmocka_unit_test(test_members_bound),
        cmocka_unit_test(test_replicas_at_once),
        cmocka_unit_test(test_refusal),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
