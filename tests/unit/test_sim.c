/* The growth simulator against what its model implies (docs/scenario-format.md, "The model").
 *
 * Statistical checks use fixed seeds, and every tolerance is 4 standard errors where the standard
 * error comes from the model, never from the program's output:
 *
 *   - Branching expectation.  Saturation off, every joiner a builder, recruits r, quit probability
 *     h every period, no loss factor.  A member in the network at the start of a period recruits
 *     K ~ Poisson(r lambda) (lambda its propensity, E lambda = 1, E lambda^2 = 1 + 1/k for gamma,
 *     1 without heterogeneity); then it and its recruits each stay with probability p = 1 - h.
 *     Let Z_t(lambda) be the number in the network after t periods descending from (and including)
 *     one member of propensity lambda.  Conditioning on the first period,
 *         Z_t = B0 Y + sum_{j<=K} B_j W_j,  Y ~ Z_{t-1}(lambda), W_j ~ Z_{t-1}(fresh lambda_j),
 *     so M_t(lambda) = E Z_t = p M_{t-1}(lambda) + r lambda p Mbar_{t-1}, and
 *         S_t(lambda) = E Z_t^2 = p S_{t-1}(lambda) + 2 p^2 r lambda M_{t-1}(lambda) Mbar_{t-1}
 *                                 + r lambda p Sbar_{t-1} + r^2 lambda^2 p^2 Mbar_{t-1}^2
 *     (Mbar, Sbar: averages over a fresh lambda).  M is linear and S quadratic in lambda, so three
 *     plus two coefficients carry the recursion exactly (branching_moments below).  With N0
 *     founders, E A_T = N0 Mbar_T = N0 (p (1 + r))^T and Var A_T = N0 (Sbar_T - Mbar_T^2); the
 *     mean over R replicas is within 4 sqrt(Var / R) of E A_T.
 *   - Counts of events that are, given the history, Bernoulli(q) or Poisson(mu): the count minus
 *     its expected sum is a martingale, with variance the sum of q (1 - q) or of mu; so
 *     |count - sum| <= 4 sqrt(variance).  Used for quits by type and tenure, recruits, and the
 *     share of customers among joiners. */
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
#include "sim_gauss.h"

static char dir[64];

static const char plan_a[] =
    "name: A\nactive: {min_pv: 0}\nranks:\n  - name: Member\nbonuses:\n"
    "  - {name: unilevel, type: unilevel, levels: [10%, 5%]}\n  - {name: retail, type: retail_profit, margin: {unranked: 25%}}\n";
static const char plan_b[] =
    "name: B\nactive: {min_pv: 100}\nenrolment_fee: 30\nranks:\n  - name: Member\n  - name: Leader\n    gv: 500\n"
    "bonuses:\n  - {name: uni, type: unilevel, levels: [5%, 5%, 5%]}\n  - {name: fast, type: fast_start, levels: [20%]}\n";

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
    snprintf(dir, sizeof dir, "/tmp/test_sim.XXXXXX");
    if (!mkdtemp(dir)) return -1;
    write_file("a.yaml", plan_a);
    write_file("b.yaml", plan_b);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/a.yaml", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/b.yaml", dir);
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
    int rc = cs_sim_run(s, NULL, &d);
    for (size_t i = 0; i < d.n; i++) print_error("unexpected: %s\n", d.items[i].msg);
    assert_int_equal(rc, 0);
    cs_diags_free(&d);
    return s;
}

/* In the network at the end of the last period. */
static int64_t alive_at_end(const cs_sim *s)
{
    int64_t a = 0;
    for (size_t i = 0; i < s->n; i++) a += s->quit[i] == 0;
    return a;
}

/* ---- branching-process expectation ----------------------------------------------------------- */

/* E A_T and Var A_T for N0 founders (see the top of this file). */
static void branching_moments(double r, double p, double lambda2, int T, double N0, double *mean, double *var)
{
    double a = 1, b = 0, c0 = 1, c1 = 0, c2 = 0; /* M = a + b l, S = c0 + c1 l + c2 l^2 */
    for (int t = 0; t < T; t++) {
        double Mb = a + b, Sb = c0 + c1 + c2 * lambda2;
        double na = p * a, nb = p * b + r * p * Mb;
        double n0 = p * c0, n1 = p * c1 + 2 * p * p * r * Mb * a + r * p * Sb, n2 = p * c2 + 2 * p * p * r * Mb * b + r * r * p * p * Mb * Mb;
        a = na, b = nb, c0 = n0, c1 = n1, c2 = n2;
    }
    double Mb = a + b, Sb = c0 + c1 + c2 * lambda2;
    *mean = N0 * Mb;
    *var = N0 * (Sb - Mb * Mb);
}

#define BRANCHING(prop)                                                                                        \
    "name: t\nplans: a.yaml\nperiods: 12\nmarket: {population: unlimited, founders: 20, saturation: none}\n" \
    "recruitment: " prop "\n"                                                                                  \
    "types:\n  customer: {share: 0%}\n"                                                                       \
    "  builder: {share: 100%, recruits: 0.3, attrition: {early: 10%, later: 10%, loss_factor: 1}}\n"

static void check_branching(const char *yaml, double lambda2)
{
    cs_scenario *sc = load(yaml);
    const int R = 200;
    double sum = 0;
    for (int r = 0; r < R; r++) {
        cs_sim *s = run(sc, 7, (uint64_t)r);
        sum += (double)alive_at_end(s);
        cs_sim_free(s);
    }
    double mean, var;
    branching_moments(0.3, 0.9, lambda2, 12, 20, &mean, &var);
    /* the closed form of the mean, as a check on the recursion itself */
    assert_true(fabs(mean - 20 * pow(0.9 * 1.3, 12)) < 1e-9 * mean);
    double got = sum / R, tol = 4 * sqrt(var / R);
    print_message("mean members %.2f, expected %.2f +- %.2f\n", got, mean, tol);
    assert_true(fabs(got - mean) <= tol);
    cs_scenario_free(sc);
}

static void test_branching_poisson(void **state)
{
    (void)state;
    check_branching(BRANCHING("{propensity: none}"), 1.0);
}

static void test_branching_gamma(void **state)
{
    (void)state;
    check_branching(BRANCHING("{propensity: gamma, dispersion: 0.5}"), 1.0 + 1.0 / 0.5);
}

/* Contact recruitment where everyone knows everyone is the same process: about 10^6 contacts
 * each, asked Poisson(r lambda / q) a period and accepting with probability q, gives Poisson(r
 * lambda) recruits a period (thinning) for as long as contacts last, and 12 periods of asks
 * (mean 7.2 lambda) never exhaust 10^6; saturation none, so no contact is already reached. */
static void test_branching_contacts(void **state)
{
    (void)state;
    check_branching(BRANCHING("{propensity: gamma, dispersion: 0.5, contacts: {mean: 1000000, dispersion: 1000, acceptance: 50%}}"),
                    1.0 + 1.0 / 0.5);
}

/* ---- population bound, saturation and recruit counts ----------------------------------------- */

static void test_population_bound(void **state)
{
    (void)state;
    cs_scenario *sc = load("name: t\nplans: a.yaml\nperiods: 30\nmarket: {population: 300, founders: 5}\n"
                           "types:\n  builder: {recruits: 3}\n");
    for (int r = 0; r < 10; r++) {
        cs_sim *s = run(sc, 3, (uint64_t)r);
        assert_true(s->n <= 300);
        for (int t = 0; t < 30; t++) {
            assert_true(s->period[t].reached <= 300);
            assert_true(s->period[t].members <= s->period[t].reached);
        }
        cs_sim_free(s);
    }
    cs_scenario_free(sc);
}

/* Joins against sum over periods of recruiters x r x (1 - reached before / population) x shock,
 * computed here from the per-period counts (propensity none: every recruiter has lambda = 1). */
static void test_recruits_match_rate(void **state)
{
    (void)state;
    cs_scenario *sc = load("name: t\nplans: a.yaml\nperiods: 20\nmarket: {population: 20000, founders: 20}\n"
                           "recruitment: {propensity: none}\nshocks: [{from: 15, recruitment: 0.5}]\n"
                           "types:\n  customer: {share: 40%}\n  builder: {share: 60%, recruits: 0.5}\n");
    double expected = 0, joins = 0, customers = 0, joiners = 0;
    for (int r = 0; r < 20; r++) {
        cs_sim *s = run(sc, 11, (uint64_t)r);
        int64_t before = 20;
        for (int t = 1; t <= 20; t++) {
            const cs_sim_period *p = &s->period[t - 1];
            expected += (double)p->recruiters * 0.5 * (1.0 - (double)before / 20000.0) * (t >= 15 ? 0.5 : 1.0);
            joins += (double)(p->joins - (t == 1 ? 20 : 0));
            before = p->reached;
        }
        assert_true(s->period[19].reached < 20000); /* the population cap never cut a draw */
        for (size_t i = 20; i < s->n; i++) customers += s->type[i] == CS_MEMBER_CUSTOMER, joiners++;
        cs_sim_free(s);
    }
    print_message("joins %.0f, expected %.1f; customers %.0f of %.0f\n", joins, expected, customers, joiners);
    assert_true(expected > 1000);
    assert_true(fabs(joins - expected) <= 4 * sqrt(expected));
    assert_true(fabs(customers - 0.4 * joiners) <= 4 * sqrt(joiners * 0.4 * 0.6));
    cs_scenario_free(sc);
}

static void test_no_joins_after_shock(void **state)
{
    (void)state;
    cs_scenario *sc = load("name: t\nplans: a.yaml\nperiods: 24\nshocks: [{from: 10, recruitment: 0}]\n"
                           "types:\n  builder: {recruits: 1.5}\n");
    for (int r = 0; r < 5; r++) {
        cs_sim *s = run(sc, 5, (uint64_t)r);
        assert_true(s->period[8].joins > 0);
        for (int t = 10; t <= 24; t++) {
            assert_int_equal(s->period[t - 1].joins, 0);
            assert_int_equal(s->period[t - 1].reached, s->period[8].reached);
        }
        for (size_t i = 0; i < s->n; i++) assert_true(s->join[i] < 10);
        cs_sim_free(s);
    }
    cs_scenario_free(sc);
}

/* ---- attrition -------------------------------------------------------------------------------- */

/* Customers: 20% in their first 2 periods, 5% after, never a loss (no expenses, all purchases are
 * value received).  Builders: 6% then 3%, always a loss (expenses of 1,000 a period), loss_factor
 * 2, so 12% then 6%.  Exposures and quits by (type, tenure class) from the member records. */
static void test_quit_rates(void **state)
{
    (void)state;
    cs_scenario *sc = load("name: t\nplans: a.yaml\nperiods: 24\nmarket: {population: unlimited, founders: 30, saturation: none}\n"
                           "recruitment: {propensity: none}\n"
                           "types:\n"
                           "  customer: {share: 50%, attrition: {early_periods: 2, early: 20%, later: 5%, loss_factor: 3}}\n"
                           "  builder: {share: 50%, recruits: 0.3, expenses: {median: 1000, sigma: 0},\n"
                           "            attrition: {early_periods: 2, early: 6%, later: 3%, loss_factor: 2}}\n");
    const double h[2][2] = {{0.20, 0.05}, {0.12, 0.06}};
    double exposed[2][2] = {{0}}, quits[2][2] = {{0}};
    for (int r = 0; r < 10; r++) {
        cs_sim *s = run(sc, 9, (uint64_t)r);
        for (size_t i = 0; i < s->n; i++) {
            int last = s->quit[i] ? s->quit[i] : 24;
            for (int t = s->join[i]; t <= last; t++) {
                int late = t - s->join[i] >= 2;
                exposed[s->type[i]][late]++;
                quits[s->type[i]][late] += s->quit[i] == t;
            }
        }
        cs_sim_free(s);
    }
    for (int ty = 0; ty < 2; ty++)
        for (int l = 0; l < 2; l++) {
            double e = exposed[ty][l], q = quits[ty][l], hh = h[ty][l];
            print_message("type %d %s: %.0f quits in %.0f, expected rate %.2f\n", ty, l ? "later" : "early", q, e, hh);
            assert_true(e > 500);
            assert_true(fabs(q - hh * e) <= 4 * sqrt(e * hh * (1 - hh)));
        }
    cs_scenario_free(sc);
}

/* ---- purchases, money and plans --------------------------------------------------------------- */

/* Builders on autoship buy at least plan B's minimum (100 PV) in every period they are in; the
 * members' gross commissions add up to the company-paid totals of the periods. */
static void test_autoship_and_totals(void **state)
{
    (void)state;
    cs_scenario *sc = load("name: t\nplans: [a.yaml, b.yaml]\nperiods: 15\ntypes:\n  builder: {recruits: 1, pv: {median: 60, sigma: 0.5}}\n");
    cs_diags d;
    cs_diags_init(&d);
    cs_sim *s = cs_sim_new(sc, 1, 0);
    for (int t = 1; t <= 15; t++) {
        assert_int_equal(cs_sim_step(s, NULL, &d), 0);
        for (size_t i = 0; i < s->n; i++) {
            int in = s->quit[i] == 0 || s->quit[i] == t; /* quitting at the end of t: still in during t */
            /* the period's volumes are by slot of the working set (sim.h); a member who left it
             * bought nothing, and everyone in the network is in it */
            int64_t j = cs_sim_slot(s, i);
            if (s->quit[i] == 0) assert_true(j >= 0);
            if (j < 0) continue;
            if (s->type[i] == CS_MEMBER_BUILDER && in) assert_true(s->plan[1].pv[j] >= 10000);
            if (!in) assert_int_equal(s->plan[1].pv[j], 0);
            assert_true(s->plan[0].pv[j] <= s->plan[1].pv[j]); /* plan A has no minimum */
        }
    }
    for (size_t k = 0; k < 2; k++) {
        int64_t members = 0, periods = 0;
        for (size_t i = 0; i < s->n; i++) members += s->plan[k].gross[i];
        for (int t = 0; t < 15; t++) periods += s->plan[k].period[t].company_paid;
        assert_true(periods > 0);
        assert_int_equal(members, periods);
    }
    cs_sim_free(s);
    cs_diags_free(&d);
    cs_scenario_free(sc);
}

/* ---- per-year rows (member_years.csv) ---------------------------------------------------------- */

static int64_t cents(const char *p)
{
    double x = strtod(p, NULL);
    return (int64_t)llround(x * 100);
}

/* Per-year rows against the simulator's own whole-run totals, member by member and plan by plan:
 * every money column sums exactly to the total (net to cs_sim_net, the cost part to the rounded
 * cost share of the total purchases), the fee falls once, in the year of joining, the years are
 * 12 periods with a partial last one, and the highest rank over the years is the title (the
 * highest paid-as rank so far).  Tracking must not change the simulation. */
static void test_year_rows_reconcile(void **state)
{
    (void)state;
    cs_scenario *sc = load("name: t\nplans: [a.yaml, b.yaml]\nperiods: 30\ntypes:\n  builder: {recruits: 0.6, "
                           "pv: {median: 60, sigma: 0.5}, value_received: 33%, expenses: {median: 20, sigma: 1}}\n");
    cs_diags d;
    cs_diags_init(&d);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    cs_sim *s = cs_sim_new(sc, 5, 1), *plain = run(sc, 5, 1);
    assert_non_null(s);
    assert_int_equal(cs_sim_track_years(s, f), 0);
    assert_int_equal(cs_sim_run(s, NULL, &d), 0);
    fclose(f);
    assert_int_equal(s->n, plain->n);
    assert_true(s->n > 20);
    for (size_t k = 0; k < 2; k++) assert_memory_equal(s->plan[k].gross, plain->plan[k].gross, s->n * sizeof *s->plan[k].gross);
    enum { G, RP, PU, CO, EX, FE, NE, NM };
    size_t n = s->n;
    int64_t *sum = calloc(2 * n * NM, sizeof *sum);
    int32_t *top = malloc(2 * n * sizeof *top), *fees = calloc(2 * n, sizeof *fees);
    assert_true(sum && top && fees);
    for (size_t i = 0; i < 2 * n; i++) top[i] = CS_RANK_NONE;
    size_t rows = 0, partial = 0;
    for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
        char *fld[16] = {0};
        int nf = 0;
        for (char *p = line; nf < 16; p++) { /* empty fields too (the rank): no strtok here */
            fld[nf++] = p;
            p = strchr(p, ',');
            if (!p) break;
            *p = '\0';
        }
        assert_int_equal(nf, 16);
        size_t k = strtoul(fld[1], NULL, 10) - 1, i = strtoul(fld[2] + 1, NULL, 10) - 1;
        int y = atoi(fld[3]), a = atoi(fld[4]), b = atoi(fld[5]), full = atoi(fld[6]), in = atoi(fld[7]);
        assert_int_equal(strtoul(fld[0], NULL, 10), 1);
        assert_true(k < 2 && i < n && y >= 1 && y <= 3);
        assert_int_equal(a, 12 * (y - 1) + 1);
        assert_int_equal(b, y < 3 ? 12 * y : 30);
        assert_int_equal(full, y < 3);
        partial += !full;
        /* periods in the network within [a, b] */
        int from = s->join[i] > a ? s->join[i] : a, to = s->quit[i] && s->quit[i] < b ? s->quit[i] : b;
        assert_int_equal(in, to >= from ? to - from + 1 : 0);
        if (fld[8][0]) {
            const cs_plan *p = sc->plans[k];
            int32_t r = -1;
            for (size_t j = 0; j < p->nranks; j++)
                if (!strcmp(p->ranks[j].name, fld[8])) r = (int32_t)j;
            assert_true(r >= 0);
            if (r > top[k * n + i]) top[k * n + i] = r;
        }
        int64_t *x = &sum[(k * n + i) * NM];
        for (int c = 0; c < NM; c++) x[c] += cents(fld[9 + c]);
        int64_t fee = cents(fld[9 + FE]);
        if (fee) {
            fees[k * n + i]++;
            assert_true(s->join[i] >= a && s->join[i] <= b);
            assert_int_equal(fee, cs_scenario_fee(sc, k));
        }
        /* the row's net is its parts */
        assert_int_equal(cents(fld[9 + NE]), cents(fld[9 + G]) + cents(fld[9 + RP]) - fee - cents(fld[9 + EX]) - cents(fld[9 + CO]));
        rows++;
    }
    assert_true(rows >= 2 * n);
    assert_true(partial > 0);
    for (size_t k = 0; k < 2; k++)
        for (size_t i = 0; i < n; i++) {
            const cs_sim_plan *pl = &s->plan[k];
            const int64_t *x = &sum[(k * n + i) * NM];
            int32_t v = sc->type[s->type[i]].value_ppm;
            /* (1 - v) x purchases, rounded half up to the cent, computed here in integers */
            int64_t cost = (pl->purchases[i] * (1000000 - v) + 500000) / 1000000;
            assert_int_equal(x[G], pl->gross[i]);
            assert_int_equal(x[RP], pl->retail_profit[i]);
            assert_int_equal(x[PU], pl->purchases[i]);
            assert_int_equal(x[CO], cost);
            assert_int_equal(x[EX], s->expenses[i]);
            assert_int_equal(x[FE], cs_scenario_fee(sc, k));
            assert_int_equal(fees[k * n + i], cs_scenario_fee(sc, k) ? 1 : 0);
            assert_int_equal(x[NE], cs_sim_net(s, k, i));
            assert_int_equal(top[k * n + i], pl->title[i]);
        }
    free(sum), free(top), free(fees), free(buf);
    cs_sim_free(s);
    cs_sim_free(plain);
    cs_diags_free(&d);
    cs_scenario_free(sc);
}

/* Common random numbers: adding a second plan changes nothing in the market or in the first
 * plan's payouts (the first plan is the reference for attrition after a loss). */
static void test_common_random_numbers(void **state)
{
    (void)state;
    cs_scenario *one = load("name: t\nplans: a.yaml\nperiods: 12\ntypes:\n  builder: {recruits: 1}\n");
    cs_scenario *two = load("name: t\nplans: [a.yaml, b.yaml]\nperiods: 12\ntypes:\n  builder: {recruits: 1}\n");
    for (int r = 0; r < 3; r++) {
        cs_sim *s1 = run(one, 2, (uint64_t)r), *s2 = run(two, 2, (uint64_t)r);
        assert_int_equal(s1->n, s2->n);
        assert_memory_equal(s1->parent, s2->parent, s1->n * sizeof *s1->parent);
        assert_memory_equal(s1->quit, s2->quit, s1->n * sizeof *s1->quit);
        assert_memory_equal(s1->period, s2->period, 12 * sizeof *s1->period);
        assert_memory_equal(s1->plan[0].period, s2->plan[0].period, 12 * sizeof *s1->plan[0].period);
        assert_memory_equal(s1->plan[0].gross, s2->plan[0].gross, s1->n * sizeof *s1->plan[0].gross);
        cs_sim_free(s1);
        cs_sim_free(s2);
    }
    cs_scenario_free(one);
    cs_scenario_free(two);
}

/* Streams: a replica depends on (seed, replica) only. */
static void test_streams(void **state)
{
    (void)state;
    cs_scenario *sc = load("name: t\nplans: a.yaml\nperiods: 10\ntypes:\n  builder: {recruits: 1}\n");
    cs_sim *a = run(sc, 4, 3), *b = run(sc, 4, 3), *c = run(sc, 4, 2), *e = run(sc, 5, 3);
    assert_int_equal(a->n, b->n);
    assert_memory_equal(a->plan[0].gross, b->plan[0].gross, a->n * sizeof *a->plan[0].gross);
    assert_true(a->n != c->n || memcmp(a->plan[0].gross, c->plan[0].gross, a->n * sizeof(int64_t)));
    assert_true(a->n != e->n || memcmp(a->plan[0].gross, e->plan[0].gross, a->n * sizeof(int64_t)));
    assert_true(cs_sim_stream_seed(1, 2) != cs_sim_stream_seed(2, 1));
    cs_sim_free(a);
    cs_sim_free(b);
    cs_sim_free(c);
    cs_sim_free(e);
    cs_scenario_free(sc);
}

/* cs_sim_restart: a replica grown in the memory of an earlier one (larger, so that the arrays hold
 * its members' old values) is the replica cs_sim_new gives, member by member and period by period;
 * a scenario with a placement plan is refused. */
static void test_restart_same_as_new(void **state)
{
    (void)state;
    cs_scenario *sc = load("name: t\nplans: [a.yaml, b.yaml]\nperiods: 12\ntypes:\n  builder: {recruits: 1}\n");
    cs_sim *fresh = run(sc, 6, 1), *big = NULL;
    for (uint64_t r = 2; r < 40 && !big; r++) { /* a replica that reached more members than replica 1 */
        cs_sim *s = run(sc, 6, r);
        if (s->n > fresh->n) big = s;
        else cs_sim_free(s);
    }
    assert_non_null(big);
    cs_diags d;
    cs_diags_init(&d);
    assert_int_equal(cs_sim_restart(big, 6, 1), 0);
    assert_int_equal(cs_sim_run(big, NULL, &d), 0);
    cs_diags_free(&d);
    const cs_sim *a = fresh, *b = big;
    assert_int_equal(a->n, b->n);
    assert_int_equal(a->nlive, b->nlive);
    assert_memory_equal(a->parent, b->parent, a->n * sizeof *a->parent);
    assert_memory_equal(a->quit, b->quit, a->n * sizeof *a->quit);
    assert_memory_equal(a->expenses, b->expenses, a->n * sizeof *a->expenses);
    assert_memory_equal(a->period, b->period, (size_t)sc->periods * sizeof *a->period);
    for (size_t k = 0; k < sc->nplans; k++) {
        const cs_sim_plan *pa = &a->plan[k], *pb = &b->plan[k];
        assert_memory_equal(pa->gross, pb->gross, a->n * sizeof *pa->gross);
        assert_memory_equal(pa->retail_profit, pb->retail_profit, a->n * sizeof *pa->retail_profit);
        assert_memory_equal(pa->purchases, pb->purchases, a->n * sizeof *pa->purchases);
        assert_memory_equal(pa->title, pb->title, a->n * sizeof *pa->title);
        assert_memory_equal(pa->period, pb->period, (size_t)sc->periods * sizeof *pa->period);
    }
    cs_sim_free(fresh);
    cs_sim_free(big);
    cs_scenario_free(sc);
}

/* cs_gauss (sim_gauss.h) against GSL's ziggurat on two copies of one stream: the same draws, bit
 * for bit, and the same state after them; and its tables are GSL's (most strips drawn inline). */
static void test_gauss_same_as_gsl(void **state)
{
    (void)state;
    const cs_gauss_tab *z = cs_gauss_tables();
    int inline_strips = 0;
    for (int i = 0; i < 128; i++) inline_strips += z->kn[i] > 0;
    assert_true(inline_strips >= 120);
    gsl_rng *a = gsl_rng_alloc(cs_rng_xoshiro256ss), *b = gsl_rng_alloc(cs_rng_xoshiro256ss);
    assert_non_null(a);
    assert_non_null(b);
    gsl_rng_set(a, 987), gsl_rng_set(b, 987);
    for (int k = 0; k < 2000000; k++) {
        const double sigma = k % 3 == 0 ? 1.0 : k % 3 == 1 ? 0.35 : 2.5;
        const double x = cs_gauss(a, sigma, z), y = gsl_ran_gaussian_ziggurat(b, sigma);
        if (memcmp(&x, &y, sizeof x)) fail_msg("draw %d: %.17g, GSL %.17g", k, x, y);
        if (k % 97 == 0) assert_true(cs_rng_u01(a) == gsl_rng_uniform(b)); /* interleaved with other draws */
    }
    assert_true(gsl_rng_get(a) == gsl_rng_get(b));
    gsl_rng_free(a);
    gsl_rng_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_branching_poisson),   cmocka_unit_test(test_branching_gamma),
        cmocka_unit_test(test_branching_contacts),
        cmocka_unit_test(test_population_bound),    cmocka_unit_test(test_recruits_match_rate),
        cmocka_unit_test(test_no_joins_after_shock), cmocka_unit_test(test_quit_rates),
        cmocka_unit_test(test_autoship_and_totals), cmocka_unit_test(test_common_random_numbers),
        cmocka_unit_test(test_streams),
        cmocka_unit_test(test_year_rows_reconcile),
        cmocka_unit_test(test_restart_same_as_new),
        cmocka_unit_test(test_gauss_same_as_gsl),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
