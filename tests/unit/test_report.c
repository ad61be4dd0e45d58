/* report: the figures of one group of members worked out by hand (docs/metrics.md, "Worked
 * example"), the cost part of purchases, and a whole results folder of two replicas and two plans
 * written here by hand, whose metrics, tables and paired differences are worked out in the
 * comments; bad results folders give FILE:LINE messages and leave no report behind. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report.h"
#include "report_data.h"
#include "report_metrics.h"

#define EPS 1e-9
#define assert_near(a, b, eps) \
    do { \
        double a_ = (a), b_ = (b); \
        if (!(fabs(a_ - b_) <= (eps))) fail_msg("%s = %.15g, expected %.15g", #a, a_, b_); \
    } while (0)

/* ---- one group, by hand --------------------------------------------------------------------- */

/* The worked example of docs/metrics.md: five members over a run of 24 monthly periods.
 *        type      join quit gross    retail  purchases cost    expenses fee   net      recruits
 *   m1   builder   1    -    1000.00  0       1320.00   660.00  600.00   50    -310.00  2
 *   m2   builder   2    -    2400.00  100.00  1210.00   605.00  300.00   50    1545.00  1
 *   m3   customer  2    4    0        0       180.00    0       0        50    -50.00   0
 *   m4   customer  3    -    0        0       600.00    0       0        50    -50.00   0
 *   m5   builder   5    6    20.00    0       220.00    110.00  150.00   50    -290.00  0   */
static const cs_rd_member example[5] = {
    {.join = 1, .quit = 0, .builder = 1, .gross = 100000, .purchases = 132000, .purchase_cost = 66000, .expenses = 60000,
     .signup_fee = 5000, .net = -31000, .recruits = 2},
    {.join = 2, .quit = 0, .builder = 1, .gross = 240000, .retail_profit = 10000, .purchases = 121000,
     .purchase_cost = 60500, .expenses = 30000, .signup_fee = 5000, .net = 154500, .recruits = 1},
    {.join = 2, .quit = 4, .builder = 0, .purchases = 18000, .signup_fee = 5000, .net = -5000},
    {.join = 3, .quit = 0, .builder = 0, .purchases = 60000, .signup_fee = 5000, .net = -5000},
    {.join = 5, .quit = 6, .builder = 1, .gross = 2000, .purchases = 22000, .purchase_cost = 11000, .expenses = 15000,
     .signup_fee = 5000, .net = -29000},
};

static void test_group_by_hand(void **state)
{
    (void)state;
    cs_rm_group g;
    /* wage 2.00 for 10 hours a period: 20.00 a period; m2 was in 23 periods: 460.00 < 1545.00 */
    assert_int_equal(cs_rm_group_compute(example, 5, 24, 12, 2.0, 10.0, &g), 0);
    assert_int_equal(g.n, 5);
    assert_int_equal(g.builders, 3);
    assert_near(g.share_net_positive, 1.0 / 5, EPS);          /* m2 */
    assert_near(g.share_net_positive_builders, 1.0 / 3, EPS); /* m2 of m1, m2, m5 */
    assert_near(g.share_net_positive_customers, 0.0, EPS);
    assert_near(g.share_net_positive_stayers, 1.0 / 3, EPS); /* m2 of m1, m2, m4 */
    assert_near(g.share_net_negative, 4.0 / 5, EPS);
    assert_near(g.share_above_wage, 1.0 / 5, EPS);
    assert_near(g.share_above_wage_builders, 1.0 / 3, EPS);
    assert_near(g.share_gross_zero, 2.0 / 5, EPS);    /* m3, m4 */
    assert_near(g.share_never_sponsored, 3.0 / 5, EPS); /* m3, m4, m5 */
    assert_near(g.first_year_dropout, 2.0 / 5, EPS);  /* m3 (quit 4 <= 13), m5 (6 <= 16) */
    /* gross sorted 0, 0, 20, 1000, 2400: mean 3420/5; median 20; p90 at h = 3.6: 1000 + .6 x 1400 */
    assert_near(g.gross_mean, 684.0, EPS);
    assert_near(g.gross_median, 20.0, EPS);
    assert_near(g.gross_p90, 1840.0, EPS);
    /* net sorted -310, -290, -50, -50, 1545: mean 845/5 */
    assert_near(g.net_mean, 169.0, EPS);
    assert_near(g.net_median, -50.0, EPS);
    /* Gini: (2 x 1000 + 4 x 2400) / (5 x 3420) */
    assert_near(g.gini, 11600.0 / 17100.0, EPS);
    /* top 1% = .05 of the richest member: 120/3420; top 10% = .5 of it: 1200/3420 */
    assert_near(g.top1, 120.0 / 3420.0, EPS);
    assert_near(g.top10, 1200.0 / 3420.0, EPS);

    /* 15.00 for 10 hours: 150.00 a period, 23 x 150 = 3450.00 > 1545.00: nobody */
    assert_int_equal(cs_rm_group_compute(example, 5, 24, 12, 15.0, 10.0, &g), 0);
    assert_near(g.share_above_wage, 0.0, EPS);
    /* a run of 12 periods: only m1 (join 1) has a full year observed, and stayed */
    assert_int_equal(cs_rm_group_compute(example, 5, 12, 12, 2.0, 10.0, &g), 0);
    assert_near(g.first_year_dropout, 0.0, EPS);
    assert_int_equal(cs_rm_tenure(&example[1], 24), 23);
    assert_int_equal(cs_rm_tenure(&example[4], 24), 2);
}

static void test_purchase_cost(void **state)
{
    (void)state;
    assert_int_equal(cs_rd_purchase_cost(12345, 500000), 6173); /* 61.725 rounds half up */
    assert_int_equal(cs_rd_purchase_cost(12344, 500000), 6172);
    assert_int_equal(cs_rd_purchase_cost(100, 333333), 67);     /* 66.6667 cents */
    assert_int_equal(cs_rd_purchase_cost(99999, 1000000), 0);   /* all value received */
    assert_int_equal(cs_rd_purchase_cost(99999, 0), 99999);
}

/* ---- a whole results folder, by hand ---------------------------------------------------------- */

static char dir[64];

#define PLAN(n) "name: " n "\\nranks:\\n  - name: Member\\nbonuses:\\n  - {name: u, type: unilevel, levels: [10%]}\\n"
static const char manifest[] =
    "{\n  \"compsim_version\": \"0.1.0\",\n"
    "  \"scenario\": {\"file\": \"tiny.yaml\", \"name\": \"tiny\", \"text\": \"name: tiny\\n\"},\n"
    "  \"plans\": [\n"
    "    {\"plan\": 1, \"file\": \"a.yaml\", \"name\": \"A\", \"text\": \"" PLAN("A") "\"},\n"
    "    {\"plan\": 2, \"file\": \"b.yaml\", \"name\": \"B\", \"text\": \"" PLAN("B") "\"}\n  ],\n"
    "  \"seed\": 7,\n  \"replicas\": 2,\n  \"threads\": 1,\n  \"generator\": \"test\",\n"
    "  \"member_replicas\": 2,\n  \"genealogy_replica\": null,\n  \"wall_seconds\": 0.001,\n"
    "  \"parameters\": {\n    \"periods\": 2,\n    \"population\": 100,\n    \"types\": {\n"
    "      \"customer\": {\"value_received_ppm\": 1000000},\n      \"builder\": {\"value_received_ppm\": 500000}\n    },\n"
    "    \"shocks\": [{\"from\": 2, \"recruitment\": 0, \"attrition\": 2}]\n  }\n}\n";

/* Replica 0: m1 (founder, builder) buys 100 in each period and sells 50 at retail in period 1
 * (25% margin: 12.50); m2 (customer, m1's recruit) buys 100 in period 1 and quits at the end of
 * period 2; m3 (builder, m1's recruit) joins in period 2 and buys 150.  Plan A pays m1 10 + 30;
 * plan B pays m1 30 + 60 and m3 200.  Replica 1: m1 and three recruits who buy 100 each in period
 * 1 and quit at its end; m1 buys 100 again in period 2.  A pays m1 20; B pays m1 20 + 10. */
static const char periods[] =
    "replica,period,plan,members,joins,quits,reached,recruiters,active,pv,bv,retail,retail_profit,unilevel,"
    "company_paid,paid_members,payout_ratio\n"
    "0,1,1,2,2,0,2,1,2,200.00,200.00,50.00,12.50,10.00,10.00,1,0.050000\n"
    "0,1,2,2,2,0,2,1,2,200.00,200.00,50.00,12.50,30.00,30.00,1,0.150000\n"
    "0,2,1,3,1,1,3,2,2,250.00,250.00,0.00,0.00,30.00,30.00,1,0.120000\n"
    "0,2,2,3,1,1,3,2,2,250.00,250.00,0.00,0.00,260.00,260.00,2,1.040000\n"
    "1,1,1,4,4,3,4,1,4,400.00,400.00,100.00,25.00,20.00,20.00,1,0.050000\n"
    "1,1,2,4,4,3,4,1,4,400.00,400.00,100.00,25.00,20.00,20.00,1,0.050000\n"
    "1,2,1,1,0,0,4,1,1,100.00,100.00,0.00,0.00,0.00,0.00,0,0.000000\n"
    "1,2,2,1,0,0,4,1,1,100.00,100.00,0.00,0.00,10.00,10.00,1,0.100000\n";

/* net = gross + retail_profit - fee - expenses - cost part of purchases (builders: 50%) */
static const char members[] =
    "replica,plan,id,sponsor,type,join_period,quit_period,highest_rank,gross,retail_profit,purchases,expenses,"
    "signup_fee,net\n"
    "0,1,m1,,builder,1,,Member,40.00,12.50,200.00,30.00,50.00,-127.50\n"
    "0,1,m2,m1,customer,1,2,,0.00,0.00,100.00,0.00,50.00,-50.00\n"
    "0,1,m3,m1,builder,2,,,0.00,0.00,150.00,10.00,50.00,-135.00\n"
    "0,2,m1,,builder,1,,Member,90.00,12.50,200.00,30.00,50.00,-77.50\n"
    "0,2,m2,m1,customer,1,2,,0.00,0.00,100.00,0.00,50.00,-50.00\n"
    "0,2,m3,m1,builder,2,,,200.00,0.00,150.00,10.00,50.00,65.00\n"
    "1,1,m1,,builder,1,,Member,20.00,25.00,200.00,20.00,50.00,-125.00\n"
    "1,1,m2,m1,customer,1,1,,0.00,0.00,100.00,0.00,50.00,-50.00\n"
    "1,1,m3,m1,customer,1,1,,0.00,0.00,100.00,0.00,50.00,-50.00\n"
    "1,1,m4,m1,builder,1,1,,0.00,0.00,100.00,0.00,50.00,-100.00\n"
    "1,2,m1,,builder,1,,Member,30.00,25.00,200.00,20.00,50.00,-115.00\n"
    "1,2,m2,m1,customer,1,1,,0.00,0.00,100.00,0.00,50.00,-50.00\n"
    "1,2,m3,m1,customer,1,1,,0.00,0.00,100.00,0.00,50.00,-50.00\n"
    "1,2,m4,m1,builder,1,1,,0.00,0.00,100.00,0.00,50.00,-100.00\n";

static void put(const char *name, const char *text)
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
    snprintf(dir, sizeof dir, "/tmp/test_report.XXXXXX");
    if (!mkdtemp(dir)) return -1;
    put("manifest.json", manifest);
    put("periods.csv", periods);
    put("members.csv", members);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    cs_report_remove(dir);
    static const char *const files[] = {"manifest.json", "periods.csv", "members.csv"};
    char path[128];
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i]);
        unlink(path);
    }
    return rmdir(dir);
}

static void print_diags(const cs_diags *d)
{
    for (size_t i = 0; i < d->n; i++)
        print_error("%s:%ld:%ld: %s\n", d->items[i].file ? d->items[i].file : "", d->items[i].line, d->items[i].col,
                    d->items[i].msg);
}

static cs_rd *load_ok(void)
{
    cs_diags d;
    cs_diags_init(&d);
    cs_rd *rd = cs_rd_load(dir, &d);
    print_diags(&d);
    assert_non_null(rd);
    assert_int_equal(d.nerrors, 0);
    cs_diags_free(&d);
    return rd;
}

static void test_load(void **state)
{
    (void)state;
    cs_rd *rd = load_ok();
    assert_int_equal(rd->replicas, 2);
    assert_int_equal(rd->member_replicas, 2);
    assert_int_equal(rd->periods, 2);
    assert_int_equal(rd->periods_per_year, 12);
    assert_int_equal(rd->nplans, 2);
    assert_string_equal(rd->plans[1].name, "B");
    assert_int_equal(rd->plans[0].nranks, 1);
    assert_int_equal(rd->nbonus, 2); /* retail_profit, unilevel */
    assert_string_equal(rd->bonus_name[1], "unilevel");
    assert_int_equal(rd->nshocks, 1);
    assert_int_equal(rd->shocks[0].from, 2);
    assert_int_equal(cs_rd_row(rd, 1, 1, 2)->company_paid, 1000);
    assert_int_equal(cs_rd_bonus(rd, 0, 1, 2)[1], 26000);
    /* groups (replica, plan): 3, 3, 4, 4 members; m1 of replica 1 recruited 3 */
    assert_int_equal(rd->first[1] - rd->first[0], 3);
    assert_int_equal(rd->first[4] - rd->first[3], 4);
    assert_int_equal(rd->member[rd->first[2]].recruits, 3);
    assert_int_equal(rd->member[rd->first[2]].purchase_cost, 10000);
    assert_string_equal(cs_rd_param_value(rd, "types.builder.value_received_ppm"), "500000");
    cs_rd_free(rd);
}

static const cs_rm_scalar *scalar(const cs_rm *m, const char *id)
{
    const cs_rm_scalar *s = cs_rm_find(m, id);
    if (!s) fail_msg("no metric %s", id);
    return s;
}

static const cs_rm_row *trow(const cs_rm *m, int t, int plan, const char *key, const char *measure)
{
    const cs_rm_row *r = cs_rm_lookup(m, t, plan, key, NULL, measure);
    if (!r) fail_msg("no row %d/%s/%s", plan, key, measure);
    return r;
}

/* mean and 90% interval of two replicas a and b (a <= b) */
static void assert_two(cs_interval iv, double a, double b)
{
    assert_int_equal(iv.n, 2);
    assert_near(iv.mean, (a + b) / 2, EPS);
    assert_near(iv.lo, a + 0.05 * (b - a), EPS);
    assert_near(iv.hi, a + 0.95 * (b - a), EPS);
}

static void test_metrics(void **state)
{
    (void)state;
    cs_rd *rd = load_ok();
    cs_diags d;
    cs_diags_init(&d);
    cs_rm_options o = {7.25, 10};
    cs_rm *m = cs_rm_compute(rd, &o, &d);
    assert_non_null(m);

    /* payout ratio over the run: A 40/450 and 20/500; B 290/450 and 30/500 */
    assert_two(scalar(m, "payout_ratio")->iv[0], 20.0 / 500, 40.0 / 450);
    assert_two(scalar(m, "payout_ratio")->iv[1], 30.0 / 500, 290.0 / 450);
    /* paired differences B - A: 250/450 in replica 0, 10/500 in replica 1 */
    assert_two(trow(m, CS_RT_COMPARISON, 2, "payout_ratio", "difference")->iv, 10.0 / 500, 250.0 / 450);
    /* retail 50 of 450 + 50, 100 of 500 + 100 */
    assert_two(scalar(m, "end_user_share")->iv[0], 0.1, 1.0 / 6);
    /* member-periods paid nothing under A: 1 - 2/5 and 1 - 1/5 */
    assert_two(scalar(m, "share_unpaid_period")->iv[0], 0.6, 0.8);
    /* membership 2, 3 and 4, 1: peaks in periods 2 and 1; growth stopped only in replica 1 */
    assert_two(scalar(m, "peak_period")->iv[0], 1, 2);
    assert_two(scalar(m, "growth_stopped")->iv[0], 0, 1);
    assert_two(scalar(m, "penetration_end")->iv[0], 0.03, 0.04);
    assert_int_equal(scalar(m, "period_half_reached")->iv[0].n, 0); /* never: not available, not 0 */
    /* the shock from period 2: members 2 -> 3 and 4 -> 1 */
    assert_two(scalar(m, "shock1_members_change")->iv[0], -0.75, 0.5);
    assert_two(scalar(m, "commission_share_unilevel")->iv[0], 1, 1);
    assert_null(cs_rm_find(m, "commission_share_retail_profit")); /* paid by customers */

    /* members: nobody nets a gain under A; m3 of replica 0 does under B (65.00) */
    assert_two(scalar(m, "share_net_positive")->iv[0], 0, 0);
    assert_two(scalar(m, "share_net_positive")->iv[1], 0, 1.0 / 3);
    assert_two(trow(m, CS_RT_COMPARISON, 2, "share_net_positive", "difference")->iv, 0, 1.0 / 3);
    assert_two(scalar(m, "share_never_sponsored")->iv[0], 2.0 / 3, 3.0 / 4);
    assert_null(cs_rm_lookup(m, CS_RT_COMPARISON, 2, "share_never_sponsored", NULL, "difference")); /* market */
    assert_int_equal(scalar(m, "first_year_dropout")->iv[0].n, 0); /* no full year in 2 periods */

    /* the disclosure table under A: all members gross 40/3 and 20/4 */
    assert_two(trow(m, CS_RT_DISCLOSURE, 1, "all members", "gross_mean")->iv, 5, 40.0 / 3);
    /* net mean equals its parts: (40 + 12.5 - 175 - 40)/3 - 50 = -312.5/3; (20 + 25 - 150 - 20)/4 - 50 */
    assert_two(trow(m, CS_RT_DISCLOSURE, 1, "all members", "net_mean")->iv, -312.5 / 3, -325.0 / 4);
    assert_two(trow(m, CS_RT_DISCLOSURE, 1, "all members", "purchase_cost_mean")->iv, 150.0 / 4, 175.0 / 3);
    assert_two(trow(m, CS_RT_DISCLOSURE, 1, "Member", "gross_mean")->iv, 20, 40);
    assert_two(trow(m, CS_RT_DISCLOSURE, 1, "Member", "share_of_members")->iv, 0.25, 1.0 / 3);
    /* no rank: (-50 - 135)/2 and (-50 - 50 - 100)/3 */
    assert_two(trow(m, CS_RT_DISCLOSURE, 1, "no rank", "net_mean")->iv, -92.5, -200.0 / 3);
    assert_two(trow(m, CS_RT_DISCLOSURE, 1, "no rank", "share_gross_zero")->iv, 1, 1);
    /* cohorts: period 2's joiners are m3 of replica 0 alone; replica 1 had none (not a 0) */
    const cs_rm_row *c2 = trow(m, CS_RT_COHORTS, 1, "2", "net_mean");
    assert_int_equal(c2->iv.n, 1);
    assert_near(c2->iv.mean, -135, EPS);
    assert_two(trow(m, CS_RT_COHORTS, 1, "2", "members")->iv, 0, 1);
    /* per-period table: members 2 and 4 in period 1; A's paid share in period 2: 1/3 and 0 */
    assert_two(trow(m, CS_RT_PERIODS, 0, "1", "members")->iv, 2, 4);
    assert_two(trow(m, CS_RT_PERIODS, 1, "2", "paid_share")->iv, 0, 1.0 / 3);
    assert_two(trow(m, CS_RT_PERIODS, 2, "2", "payout_ratio_unilevel")->iv, 0.1, 260.0 / 250);
    /* quantiles of gross under A, replica 0: 0, 0, 40 -> median 0, max 40; replica 1 max 20 */
    assert_two(trow(m, CS_RT_QUANTILES, 1, "max", "gross")->iv, 20, 40);
    /* Lorenz at 2/3 under A, replica 0: the two poorest hold 0 */
    const cs_rm_row *l = trow(m, CS_RT_LORENZ, 1, "0.50", "income_share");
    assert_two(l->iv, 0, 0);
    cs_rm_free(m);
    cs_rd_free(rd);
    cs_diags_free(&d);
}

/* Rewrites one file with `text`, loads, and expects an error at file:line containing `msg`. */
static void expect_error(const char *file, const char *text, long line, const char *msg)
{
    put(file, text);
    cs_diags d;
    cs_diags_init(&d);
    cs_rd *rd = cs_rd_load(dir, &d);
    assert_null(rd);
    assert_true(d.nerrors > 0);
    int found = 0;
    for (size_t i = 0; i < d.n; i++)
        if (d.items[i].file && strstr(d.items[i].file, file) && d.items[i].line == line && strstr(d.items[i].msg, msg))
            found = 1;
    if (!found) {
        print_diags(&d);
        fail_msg("expected %s:%ld: ...%s...", file, line, msg);
    }
    cs_diags_free(&d);
    put("manifest.json", manifest);
    put("periods.csv", periods);
    put("members.csv", members);
}

static void test_bad_folders(void **state)
{
    (void)state;
    char buf[4096];
    /* a net that does not reconcile: m2 of replica 0 shown as -40.00 */
    snprintf(buf, sizeof buf, "%s", members);
    char *p = strstr(buf, "50.00,-50.00");
    memcpy(p, "50.00,-40.00", 12);
    expect_error("members.csv", buf, 3, "net -40.00 does not equal");
    /* garbage in a count */
    snprintf(buf, sizeof buf, "%s", periods);
    p = strstr(buf, "0,1,2,2,2");
    memcpy(p, "0,1,2,x,2", 9);
    expect_error("periods.csv", buf, 3, "column 'members'");
    /* a missing row */
    snprintf(buf, sizeof buf, "%s", periods);
    *strstr(buf, "1,2,2,1,0") = '\0';
    expect_error("periods.csv", buf, 0, "no row for replica 1, period 2, plan 2");
    /* a replica beyond the manifest's */
    snprintf(buf, sizeof buf, "%s9,1,1,2,2,0,2,1,2,200.00,200.00,50.00,12.50,10.00,10.00,1,\n", periods);
    expect_error("periods.csv", buf, 10, "column 'replica'");
    /* an unknown rank */
    snprintf(buf, sizeof buf, "%s", members);
    p = strstr(buf, "Member");
    memcpy(p, "Membex", 6);
    expect_error("members.csv", buf, 2, "rank 'Membex' is not a rank of plan 'A'");
    /* a sponsor who is not a member */
    snprintf(buf, sizeof buf, "%s", members);
    p = strstr(buf, "0,1,m3,m1");
    memcpy(p, "0,1,m3,m9", 9);
    expect_error("members.csv", buf, 0, "sponsor 'm9' of member 'm3'");
    /* the manifest without a seed: the position of the object that lacks it */
    snprintf(buf, sizeof buf, "%s", manifest);
    p = strstr(buf, "\"seed\"");
    memcpy(p, "\"sead\"", 6);
    expect_error("manifest.json", buf, 1, "missing key 'seed'");
    /* a missing column */
    expect_error("members.csv", "replica,plan,id\n0,1,m1\n", 1, "missing column 'sponsor'");
}

static int exists(const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    return stat(path, &st) == 0;
}

static void test_write_whole_or_absent(void **state)
{
    (void)state;
    cs_report_options o;
    cs_report_options_init(&o);
    o.charts = 0; /* data and scripts only: gnuplot is tested end to end */
    cs_diags d;
    cs_diags_init(&d);
    assert_int_equal(cs_report_write(dir, &o, &d), 0);
    print_diags(&d);
    assert_int_equal(d.nerrors, 0);
    static const char *const files[] = {"report/report.html", "report/summary.json", "report/summary.csv",
                                        "report/disclosure.csv", "report/comparison.csv", "report/charts/lorenz.gp",
                                        "report/charts/lorenz.csv", "report/charts/comparison_differences.csv"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++)
        if (!exists(files[i])) fail_msg("missing %s", files[i]);
    assert_false(exists("report/charts/lorenz.svg"));
    /* a second run replaces the report */
    assert_int_equal(cs_report_write(dir, &o, &d), 0);
    assert_true(exists("report/summary.json"));
    /* a run that fails leaves the previous report as it was and no temporary folder */
    char bad[4096];
    snprintf(bad, sizeof bad, "%s", members);
    memcpy(strstr(bad, "50.00,-50.00"), "50.00,-40.00", 12);
    put("members.csv", bad);
    assert_int_equal(cs_report_write(dir, &o, &d), -1);
    put("members.csv", members);
    assert_true(exists("report/summary.json"));
    char cmd[160];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q tmp", dir);
    assert_int_not_equal(system(cmd), 0);
    /* a folder named report that is not a report is never replaced */
    assert_int_equal(cs_report_remove(dir), 0);
    assert_false(exists("report"));
    char mine[128];
    snprintf(mine, sizeof mine, "%s/report", dir);
    assert_int_equal(mkdir(mine, 0755), 0);
    assert_int_equal(cs_report_write(dir, &o, &d), -1);
    assert_int_equal(cs_report_remove(dir), -1);
    assert_int_equal(rmdir(mine), 0);
    cs_diags_free(&d);
}

/* ---- per-year figures (member_years.csv) --------------------------------------------------------
 *
 * One plan, 14 monthly periods: year 1 is whole (periods 1-12), year 2 partial (13-14).  Builders
 * count 50% of purchases as a cost, customers none.  By hand (net = gross + retail - fee - expenses
 * - cost part):
 *   replica 0  m1 builder, founder    year 1: 40 + 10 - 50 - 12 - 50 = -62 (Member)
 *                                     year 2: 100 - 5 - 10 = 85 (Member), 2 periods
 *              m2 customer, joins 3, quits 13: year 1: -50 (10 periods); year 2: +5 (1 period)
 *              m3 builder, joins 13   year 2: -50 - 1 - 5 = -56, 2 periods
 *   replica 1  m1 builder, founder    year 1: 10 - 50 = -40 (Member); year 2: -2 (no rank), 2 periods
 *              m2 builder, joins 2, quits 5: year 1: 70 - 50 - 10 = 10 (Member), 4 periods
 * members.csv holds the sums (m1 of replica 0: 140 + 10 - 50 - 17 - 60 = 23). */
static char ydir[64];

static const char ymanifest[] =
    "{\n  \"compsim_version\": \"0.1.0\",\n"
    "  \"scenario\": {\"file\": \"y.yaml\", \"name\": \"y\", \"text\": \"name: y\\n\"},\n"
    "  \"plans\": [\n    {\"plan\": 1, \"file\": \"a.yaml\", \"name\": \"A\", \"text\": \"" PLAN("A") "\"}\n  ],\n"
    "  \"seed\": 7,\n  \"replicas\": 2,\n  \"threads\": 1,\n  \"generator\": \"test\",\n"
    "  \"member_replicas\": 2,\n  \"genealogy_replica\": null,\n  \"wall_seconds\": 0.001,\n"
    "  \"parameters\": {\n    \"periods\": 14,\n    \"population\": 100,\n    \"types\": {\n"
    "      \"customer\": {\"value_received_ppm\": 1000000},\n      \"builder\": {\"value_received_ppm\": 500000}\n    },\n"
    "    \"shocks\": []\n  }\n}\n";

static const char ymembers[] =
    "replica,plan,id,sponsor,type,join_period,quit_period,highest_rank,gross,retail_profit,purchases,expenses,"
    "signup_fee,net\n"
    "0,1,m1,,builder,1,,Member,140.00,10.00,120.00,17.00,50.00,23.00\n"
    "0,1,m2,m1,customer,3,13,,5.00,0.00,30.00,0.00,50.00,-45.00\n"
    "0,1,m3,m1,builder,13,,,0.00,0.00,10.00,1.00,50.00,-56.00\n"
    "1,1,m1,,builder,1,,Member,10.00,0.00,0.00,2.00,50.00,-42.00\n"
    "1,1,m2,m1,builder,2,5,Member,70.00,0.00,20.00,0.00,50.00,10.00\n";

static const char yyears[] =
    "replica,plan,id,year,year_start,year_end,full_year,periods_in,highest_rank,gross,retail_profit,purchases,"
    "purchase_cost,expenses,signup_fee,net\n"
    "0,1,m1,1,1,12,1,12,Member,40.00,10.00,100.00,50.00,12.00,50.00,-62.00\n"
    "0,1,m2,1,1,12,1,10,,0.00,0.00,30.00,0.00,0.00,50.00,-50.00\n"
    "0,1,m1,2,13,14,0,2,Member,100.00,0.00,20.00,10.00,5.00,0.00,85.00\n"
    "0,1,m2,2,13,14,0,1,,5.00,0.00,0.00,0.00,0.00,0.00,5.00\n"
    "0,1,m3,2,13,14,0,2,,0.00,0.00,10.00,5.00,1.00,50.00,-56.00\n"
    "1,1,m1,1,1,12,1,12,Member,10.00,0.00,0.00,0.00,0.00,50.00,-40.00\n"
    "1,1,m2,1,1,12,1,4,Member,70.00,0.00,20.00,10.00,0.00,50.00,10.00\n"
    "1,1,m1,2,13,14,0,2,,0.00,0.00,0.00,0.00,2.00,0.00,-2.00\n";

static void yput(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", ydir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static cs_rd *yload(cs_diags *d)
{
    snprintf(ydir, sizeof ydir, "/tmp/test_report_y.XXXXXX");
    assert_non_null(mkdtemp(ydir));
    yput("manifest.json", ymanifest);
    yput("members.csv", ymembers);
    yput("member_years.csv", yyears);
    /* periods.csv: the per-year figures do not read it; zeros for 2 replicas x 14 periods */
    char path[128];
    snprintf(path, sizeof path, "%s/periods.csv", ydir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("replica,period,plan,members,joins,quits,reached,recruiters,active,pv,bv,retail,unilevel,company_paid,paid_members\n", f);
    for (int r = 0; r < 2; r++)
        for (int t = 1; t <= 14; t++) fprintf(f, "%d,%d,1,1,0,0,1,0,0,0.00,0.00,0.00,0.00,0.00,0\n", r, t);
    fclose(f);
    cs_rd *rd = cs_rd_load(ydir, d);
    print_diags(d);
    return rd;
}

static void yclean(void)
{
    static const char *const files[] = {"manifest.json", "periods.csv", "members.csv", "member_years.csv"};
    char path[128];
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/%s", ydir, files[i]);
        unlink(path);
    }
    rmdir(ydir);
}

static void test_years_by_hand(void **state)
{
    (void)state;
    cs_diags d;
    cs_diags_init(&d);
    cs_rd *rd = yload(&d);
    assert_non_null(rd);
    assert_int_equal(rd->has_years, 1);
    assert_int_equal(rd->nyears, 2);
    assert_int_equal(rd->nyear_rows, 8);
    cs_rm_options o = {7.25, 10};
    cs_rm *m = cs_rm_compute(rd, &o, &d);
    assert_non_null(m);
    /* default: the last whole year, 1 (year 2 is partial) */
    assert_int_equal(m->year, 1);
    assert_int_equal(m->year_full, 1);
    for (size_t i = 0; i < m->nmissing; i++) assert_null(strstr(m->missing[i].what, "chosen year"));
    /* year 1: replica 0 has m1 (-62), m2 (-50); replica 1 m1 (-40), m2 (+10) */
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "all members", "members")->iv, 2, 2);
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "all members", "gross_mean")->iv, 20, 40);
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "all members", "net_mean")->iv, -56, -15);
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "all members", "share_net_positive")->iv, 0, 0.5);
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "all members", "share_gross_zero")->iv, 0, 0.5);
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "all members", "signup_fee_mean")->iv, 50, 50);
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "all members", "purchase_cost_mean")->iv, 5, 25);
    /* by the rank held in year 1: Member is m1 alone in replica 0 (gross 40), m1 and m2 in replica 1 (mean 40) */
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "Member", "members")->iv, 1, 2);
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "Member", "gross_mean")->iv, 40, 40);
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "Member", "share_of_members")->iv, 0.5, 1);
    /* no rank: m2 of replica 0 alone; replica 1 has nobody there (left out, not a 0) */
    const cs_rm_row *nr = trow(m, CS_RT_DISCLOSURE_YEAR, 1, "no rank", "net_mean");
    assert_int_equal(nr->iv.n, 1);
    assert_near(nr->iv.mean, -50, EPS);
    /* the years table: year 2 is partial; replica 0 has 85, 5, -56 (2/3 positive), replica 1 -2 */
    const cs_rm_row *y2 = trow(m, CS_RT_YEARS, 1, "2", "share_net_positive");
    assert_string_equal(y2->key2, "partial");
    assert_two(y2->iv, 0, 2.0 / 3);
    assert_string_equal(trow(m, CS_RT_YEARS, 1, "1", "members")->key2, "full");
    assert_two(trow(m, CS_RT_YEARS, 1, "2", "members")->iv, 1, 3);
    assert_two(trow(m, CS_RT_YEARS, 1, "1", "share_net_positive")->iv, 0, 0.5);
    /* per period in the network that year: (85/2 + 5/1 - 56/2) / 3 = 6.5; -2/2 = -1 */
    assert_two(trow(m, CS_RT_YEARS, 1, "2", "net_per_period_mean")->iv, -1, 6.5);
    const cs_rm_scalar *sy = scalar(m, "share_net_positive_year");
    assert_near(sy->v[0], 0, EPS);
    assert_near(sy->v[1], 0.5, EPS);
    cs_rm_free(m);
    /* a chosen year: 2 */
    m = cs_rm_compute_year(rd, &o, 2, &d);
    assert_non_null(m);
    assert_int_equal(m->year, 2);
    assert_int_equal(m->year_full, 0);
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "all members", "share_net_positive")->iv, 0, 2.0 / 3);
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "all members", "gross_mean")->iv, 0, 35);
    assert_two(trow(m, CS_RT_DISCLOSURE_YEAR, 1, "no rank", "members")->iv, 1, 2);
    cs_rm_free(m);
    /* a year the run does not have */
    assert_int_equal(d.nerrors, 0);
    assert_null(cs_rm_compute_year(rd, &o, 3, &d));
    assert_int_equal(d.nerrors, 1);
    assert_non_null(strstr(d.items[d.n - 1].msg, "years 1 to 2"));
    cs_rd_free(rd);
    /* years that do not sum to members.csv's totals are refused */
    char bad[2048];
    snprintf(bad, sizeof bad, "%s", yyears);
    memcpy(strstr(bad, "5.00,0.00,0.00,0.00,0.00,0.00,5.00"), "6.00,0.00,0.00,0.00,0.00,0.00,6.00", 34);
    yput("member_years.csv", bad);
    cs_diags_free(&d);
    cs_diags_init(&d);
    assert_null(cs_rd_load(ydir, &d));
    assert_true(d.nerrors > 0);
    assert_non_null(strstr(d.items[0].msg, "differ from members.csv"));
    yclean();
    cs_diags_free(&d);
}

/* A folder without member_years.csv (older versions): no per-year tables, said so, no year accepted. */
static void test_years_absent(void **state)
{
    (void)state;
    cs_rd *rd = load_ok();
    assert_int_equal(rd->has_years, 0);
    cs_diags d;
    cs_diags_init(&d);
    cs_rm_options o = {7.25, 10};
    cs_rm *m = cs_rm_compute(rd, &o, &d);
    assert_non_null(m);
    assert_int_equal(m->year, 0);
    assert_int_equal(m->table[CS_RT_DISCLOSURE_YEAR].n, 0);
    assert_non_null(strstr(m->missing[0].what, "chosen year"));
    assert_non_null(strstr(m->missing[0].why, "no member_years.csv"));
    cs_rm_free(m);
    assert_null(cs_rm_compute_year(rd, &o, 1, &d));
    assert_non_null(strstr(d.items[d.n - 1].msg, "no member_years.csv"));
    cs_rd_free(rd);
    cs_diags_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_group_by_hand), cmocka_unit_test(test_purchase_cost),
        cmocka_unit_test(test_load),          cmocka_unit_test(test_metrics),
        cmocka_unit_test(test_bad_folders),   cmocka_unit_test(test_write_whole_or_absent),
        cmocka_unit_test(test_years_by_hand), cmocka_unit_test(test_years_absent),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
