/* Plan loading: parsed values, defaults and tables by rank filled forward as docs/plan-format.md
 * says (expected values worked out by hand from the doc), and the message and position of each
 * kind of bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* Two ranks and one unilevel bonus: the body most tests add one thing to. */
#define RANKS2 "ranks:\n  - name: Silver\n  - name: Gold\n"
#define UNI "  - {name: uni, type: unilevel, levels: [5%]}\n"

static cs_plan *load(const char *yaml, cs_diags *d)
{
    cs_diags_init(d);
    return cs_plan_load_string(yaml, strlen(yaml), "t.yaml", d);
}

/* Loads a plan that must be valid. */
static cs_plan *load_ok(const char *yaml)
{
    cs_diags d;
    cs_plan *p = load(yaml, &d);
    for (size_t i = 0; i < d.n; i++) print_error("unexpected: %ld:%ld: %s\n", d.items[i].line, d.items[i].col, d.items[i].msg);
    assert_non_null(p);
    assert_int_equal(d.nerrors, 0);
    cs_diags_free(&d);
    return p;
}

/* Loads a plan that must fail with exactly one error, `msg` at line:col. */
static void expect_error(const char *yaml, long line, long col, const char *msg)
{
    cs_diags d;
    cs_plan *p = load(yaml, &d);
    assert_null(p);
    for (size_t i = 0; i < d.n; i++) print_message("got %ld:%ld: %s\n", d.items[i].line, d.items[i].col, d.items[i].msg);
    assert_int_equal(d.nerrors, 1);
    assert_int_equal(d.items[0].sev, CS_SEV_ERROR);
    assert_string_equal(d.items[0].file, "t.yaml");
    assert_string_equal(d.items[0].msg, msg);
    assert_int_equal(d.items[0].line, line);
    assert_int_equal(d.items[0].col, col);
    cs_diags_free(&d);
}

/* Like expect_error, at the nth (1-based) occurrence of `token` in the text. */
static void expect_error_at(const char *yaml, const char *token, int nth, const char *msg)
{
    const char *at = yaml - 1;
    for (int k = 0; k < nth; k++) {
        at = strstr(at + 1, token);
        assert_non_null(at);
    }
    long line = 1, col = 1;
    for (const char *c = yaml; c < at; c++) {
        if (*c == '\n') line++, col = 1;
        else col++;
    }
    expect_error(yaml, line, col, msg);
}

static void assert_row(const cs_level_table *lt, size_t row, const int32_t *want)
{
    for (int k = 0; k < lt->nlevels; k++) assert_int_equal(lt->ppm[row * (size_t)lt->nlevels + (size_t)k], want[k]);
}

/* ------------------------------------------------------------------------------------------ */

static void test_defaults(void **state)
{
    (void)state;
    cs_plan *p = load_ok("name: Tiny\nranks:\n  - name: Member\nbonuses:\n" UNI);
    assert_string_equal(p->file, "t.yaml");
    assert_string_equal(p->name, "Tiny");
    assert_null(p->description);
    assert_string_equal(p->currency, "USD");
    assert_int_equal(p->period, CS_PERIOD_MONTH);
    assert_int_equal(p->active_pv, 0);
    assert_int_equal(p->enrolment_fee, 0);
    assert_int_equal(p->breakaway, CS_RANK_NONE);
    assert_int_equal(p->payout_cap_ppm, -1);
    assert_int_equal(p->nranks, 1);
    const cs_rank *r = &p->ranks[0];
    assert_string_equal(r->name, "Member");
    assert_int_equal(r->pos.line, 3);
    assert_int_equal(r->pos.col, 11);
    assert_int_equal(r->pv + r->gv + r->max_leg_ppm + r->active_frontline, 0);
    assert_int_equal(r->nlegs, 0);
    assert_int_equal(p->nbonuses, 1);
    const cs_bonus *b = &p->bonuses[0];
    assert_string_equal(b->name, "uni");
    assert_int_equal(b->pos.line, 5);
    assert_int_equal(b->type, CS_BONUS_UNILEVEL);
    assert_int_equal(b->compression, CS_COMPRESS_DYNAMIC);
    assert_int_equal(b->levels.nlevels, 1);
    assert_int_equal(b->levels.ppm[0], 50000); /* unranked row: all levels without depth */
    assert_int_equal(b->levels.ppm[1], 50000);
    cs_plan_free(p);
}

static void test_top_fields(void **state)
{
    (void)state;
    cs_plan *p = load_ok("name: Full\n"
                         "description: >\n  two\n  lines\n"
                         "currency: EUR\nperiod: week\nenrolment_fee: 35.5\n"
                         "active: {min_pv: 37.5}\nbreakaway: Gold\npayout_cap: 42.125%\n" RANKS2 "bonuses:\n" UNI);
    assert_string_equal(p->description, "two lines\n");
    assert_string_equal(p->currency, "EUR");
    assert_int_equal(p->period, CS_PERIOD_WEEK);
    assert_int_equal(p->enrolment_fee, 3550);
    assert_int_equal(p->active_pv, 3750);
    assert_int_equal(p->breakaway, 1);
    assert_int_equal(p->payout_cap_ppm, 421250);
    cs_plan_free(p);
}

static void test_rank_rules(void **state)
{
    (void)state;
    cs_plan *p = load_ok("name: R\nranks:\n"
                         "  - {name: Bronze, pv: 50}\n"
                         "  - name: Silver\n    pv: 100\n    gv: 1000.25\n    max_leg_share: 50%\n"
                         "    active_frontline: 2\n    legs:\n      - {rank: Bronze, count: 2}\n      - {rank: Silver, count: 1}\n"
                         "bonuses:\n" UNI);
    assert_int_equal(p->nranks, 2);
    assert_int_equal(p->ranks[0].pv, 5000);
    const cs_rank *r = &p->ranks[1];
    assert_int_equal(r->pv, 10000);
    assert_int_equal(r->gv, 100025);
    assert_int_equal(r->max_leg_ppm, 500000);
    assert_int_equal(r->active_frontline, 2);
    assert_int_equal(r->nlegs, 2);
    assert_int_equal(r->legs[0].rank, 0);
    assert_int_equal(r->legs[0].count, 2);
    assert_int_equal(r->legs[1].rank, 1);
    assert_int_equal(r->legs[1].count, 1);
    assert_int_equal(cs_plan_rank_index(p, "Silver"), 1);
    assert_int_equal(cs_plan_rank_index(p, "silver"), CS_RANK_NONE); /* case-sensitive */
    assert_int_equal(cs_plan_rank_index(p, "unranked"), CS_RANK_NONE);
    cs_plan_free(p);
}

/* levels without depth: every row, unranked included, gets every level. */
static void test_levels_without_depth(void **state)
{
    (void)state;
    cs_plan *p = load_ok("name: L\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levels: [5%, 4%, 2.5%, 0.0125%]}\n");
    const cs_level_table *lt = &p->bonuses[0].levels;
    assert_int_equal(lt->nlevels, 4);
    const int32_t all[] = {50000, 40000, 25000, 125};
    for (size_t row = 0; row < 3; row++) assert_row(lt, row, all);
    cs_plan_free(p);
}

/* depth {unranked: 1, B: 3, D: 4} over ranks A..D: A takes unranked's 1, C takes B's 3. */
static void test_levels_with_depth(void **state)
{
    (void)state;
    cs_plan *p = load_ok("name: L\nranks: [{name: A}, {name: B}, {name: C}, {name: D}]\nbonuses:\n"
                         "  - name: u\n    type: unilevel\n    levels: [2%, 3%, 5%, 5%]\n    depth: {unranked: 1, B: 3, D: 4}\n"
                         "  - {name: v, type: unilevel, levels: [2%, 3%], depth: {B: 2}}\n");
    const cs_level_table *lt = &p->bonuses[0].levels;
    assert_int_equal(lt->nlevels, 4);
    const int32_t d1[] = {20000, 0, 0, 0}, d3[] = {20000, 30000, 50000, 0}, d4[] = {20000, 30000, 50000, 50000};
    assert_row(lt, 0, d1);
    assert_row(lt, CS_ROW(0), d1);
    assert_row(lt, CS_ROW(1), d3);
    assert_row(lt, CS_ROW(2), d3);
    assert_row(lt, CS_ROW(3), d4);
    /* below every listed key, and unranked not listed: 0 levels */
    lt = &p->bonuses[1].levels;
    const int32_t none[] = {0, 0}, two[] = {20000, 30000};
    assert_row(lt, 0, none);
    assert_row(lt, CS_ROW(0), none);
    assert_row(lt, CS_ROW(1), two);
    assert_row(lt, CS_ROW(3), two);
    cs_plan_free(p);
}

/* rates_by_rank: whole lists fill forward; nlevels is the longest; short lists end in zeros. */
static void test_rates_by_rank(void **state)
{
    (void)state;
    cs_plan *p = load_ok("name: M\nranks: [{name: Bronze}, {name: Silver}, {name: Gold}, {name: Platinum}]\nbonuses:\n"
                         "  - name: u\n    type: unilevel\n    rates_by_rank:\n      Bronze: [7%]\n      Silver: [10%, 3%]\n"
                         "      Platinum: [12%, 5%, 1%]\n");
    const cs_level_table *lt = &p->bonuses[0].levels;
    assert_int_equal(lt->nlevels, 3);
    const int32_t none[] = {0, 0, 0}, bronze[] = {70000, 0, 0}, silver[] = {100000, 30000, 0}, plat[] = {120000, 50000, 10000};
    assert_row(lt, 0, none);
    assert_row(lt, CS_ROW(0), bronze);
    assert_row(lt, CS_ROW(1), silver);
    assert_row(lt, CS_ROW(2), silver);
    assert_row(lt, CS_ROW(3), plat);
    cs_plan_free(p);
}

static void test_rate_tables(void **state)
{
    (void)state;
    cs_plan *p = load_ok("name: T\nranks: [{name: A}, {name: B}, {name: C}]\nbonuses:\n"
                         "  - {name: r1, type: retail_profit, margin: {unranked: 25%, B: 35%}}\n"
                         "  - {name: r2, type: retail_profit, margin: {B: 35%}}\n"
                         "  - {name: s, type: stairstep, rates: {unranked: 25%, A: 25%, C: 50%}, include_own: true}\n"
                         "  - {name: s2, type: stairstep, rates: {B: 10%}}\n");
    const int32_t m1[] = {250000, 250000, 350000, 350000}, m2[] = {0, 0, 350000, 350000};
    const int32_t s1[] = {250000, 250000, 250000, 500000}, s2[] = {0, 0, 100000, 100000};
    for (size_t row = 0; row < 4; row++) {
        assert_int_equal(p->bonuses[0].rate_by_row[row], m1[row]);
        assert_int_equal(p->bonuses[1].rate_by_row[row], m2[row]);
        assert_int_equal(p->bonuses[2].rate_by_row[row], s1[row]);
        assert_int_equal(p->bonuses[3].rate_by_row[row], s2[row]);
    }
    assert_int_equal(p->bonuses[0].type, CS_BONUS_RETAIL);
    assert_int_equal(p->bonuses[2].include_own, 1);
    assert_int_equal(p->bonuses[3].include_own, 0);
    cs_plan_free(p);
}

static void test_bonus_types_and_defaults(void **state)
{
    (void)state;
    cs_plan *p = load_ok("name: B\nenrolment_fee: 20\nbreakaway: Gold\n" RANKS2 "bonuses:\n"
                         "  - {name: u, type: unilevel, compression: none, levels: [5%]}\n"
                         "  - {name: f, type: fast_start, levels: [20%]}\n"
                         "  - {name: e, type: enrolment, levels: [30%, 10%]}\n"
                         "  - {name: m, type: matching, matches: [u, f], levels: [10%]}\n"
                         "  - {name: m2, type: matching, matches: [m], compression: none, levels: [1%]}\n"
                         "  - {name: g, type: generation, levels: [5%, 4%], depth: {Gold: 2}}\n"
                         "  - {name: adv, type: rank_advancement, amounts: {Gold: 500.5}}\n"
                         "  - {name: pool, type: leadership_pool, rate: 2%, shares: {unranked: 1, Gold: 5}}\n");
    const cs_bonus *b = p->bonuses;
    assert_int_equal(p->nbonuses, 8);
    assert_int_equal(b[0].compression, CS_COMPRESS_NONE);
    assert_int_equal(b[1].type, CS_BONUS_FAST_START);
    assert_int_equal(b[1].compression, CS_COMPRESS_NONE);
    assert_int_equal(b[2].type, CS_BONUS_ENROLMENT);
    assert_int_equal(b[2].compression, CS_COMPRESS_NONE);
    assert_int_equal(b[3].type, CS_BONUS_MATCHING);
    assert_int_equal(b[3].compression, CS_COMPRESS_DYNAMIC);
    assert_int_equal(b[3].nmatched, 2);
    assert_int_equal(b[3].matched[0], 0);
    assert_int_equal(b[3].matched[1], 1);
    assert_int_equal(b[4].nmatched, 1);
    assert_int_equal(b[4].matched[0], 3);
    assert_int_equal(b[4].compression, CS_COMPRESS_NONE);
    assert_int_equal(b[5].type, CS_BONUS_GENERATION);
    const int32_t g0[] = {0, 0}, g2[] = {50000, 40000};
    assert_row(&b[5].levels, 0, g0);
    assert_row(&b[5].levels, CS_ROW(0), g0);
    assert_row(&b[5].levels, CS_ROW(1), g2);
    /* rank advancement is not filled forward: only the ranks listed */
    assert_int_equal(b[6].type, CS_BONUS_RANK_ADVANCE);
    assert_int_equal(b[6].cents_by_row[0], 0);
    assert_int_equal(b[6].cents_by_row[CS_ROW(0)], 0);
    assert_int_equal(b[6].cents_by_row[CS_ROW(1)], 50050);
    assert_int_equal(b[7].type, CS_BONUS_POOL);
    assert_int_equal(b[7].pool_ppm, 20000);
    assert_int_equal(b[7].shares_by_row[0], 1);
    assert_int_equal(b[7].shares_by_row[CS_ROW(0)], 1);
    assert_int_equal(b[7].shares_by_row[CS_ROW(1)], 5);
    cs_plan_free(p);
}

static void test_advancement_not_filled(void **state)
{
    (void)state;
    cs_plan *p = load_ok("name: A\nranks: [{name: Bronze}, {name: Silver}, {name: Gold}]\nbonuses:\n"
                         "  - {name: adv, type: rank_advancement, amounts: {Silver: 100}}\n");
    const int64_t want[] = {0, 0, 10000, 0};
    for (size_t row = 0; row < 4; row++) assert_int_equal(p->bonuses[0].cents_by_row[row], want[row]);
    cs_plan_free(p);
}

static void test_numbers(void **state)
{
    (void)state;
    /* integers and decimals; extra zero decimals are exact; a whole-number rate */
    cs_plan *p = load_ok("name: N\nenrolment_fee: 0.5\nactive: {min_pv: 100.000}\n"
                         "ranks: [{name: A, pv: 0.25, gv: 10000000}]\nbonuses:\n  - {name: u, type: unilevel, levels: [100%, 0%]}\n");
    assert_int_equal(p->enrolment_fee, 50);
    assert_int_equal(p->active_pv, 10000);
    assert_int_equal(p->ranks[0].pv, 25);
    assert_int_equal(p->ranks[0].gv, 1000000000);
    assert_int_equal(p->bonuses[0].levels.ppm[0], 1000000);
    assert_int_equal(p->bonuses[0].levels.ppm[1], 0);
    cs_plan_free(p);
}

static void test_load_string_length(void **state)
{
    (void)state;
    /* only `len` bytes are read: what follows is not part of the plan */
    const char text[] = "name: S\nranks: [{name: A}]\nbonuses: [{name: u, type: unilevel, levels: [1%]}]\nGARBAGE: [";
    cs_diags d;
    cs_diags_init(&d);
    cs_plan *p = cs_plan_load_string(text, strlen(text) - strlen("GARBAGE: ["), "s.yaml", &d);
    assert_non_null(p);
    assert_int_equal(d.nerrors, 0);
    cs_plan_free(p);
    cs_diags_free(&d);
}

static void test_type_names(void **state)
{
    (void)state;
    assert_string_equal(cs_bonus_type_name(CS_BONUS_RETAIL), "retail_profit");
    assert_string_equal(cs_bonus_type_name(CS_BONUS_RANK_ADVANCE), "rank_advancement");
    assert_string_equal(cs_bonus_type_name(CS_BONUS_POOL), "leadership_pool");
    assert_string_equal(cs_bonus_type_name(CS_BONUS_ENROLMENT), "enrolment");
    assert_string_equal(cs_bonus_type_name(CS_BONUS_BINARY), "binary");
    assert_string_equal(cs_bonus_type_name(CS_BONUS_MATRIX), "matrix");
    assert_string_equal(cs_bonus_type_name(CS_BONUS_NTYPES), "unknown");
    assert_true(cs_bonus_company_paid(CS_BONUS_MATCHING));
    assert_false(cs_bonus_company_paid(CS_BONUS_RETAIL));
}

/* Placement trees and their bonuses (docs/plan-format.md, "The placement tree", "binary", "matrix"). */
static void test_placement_binary(void **state)
{
    (void)state;
    cs_plan *p = load_ok("name: B\nplacement: {type: binary, rule: weaker_leg, weaker_leg_by: count}\n" RANKS2 "bonuses:\n" UNI
                         "  - name: bin\n    type: binary\n    rate: {unranked: 0%, Silver: 10%, Gold: 12.5%}\n"
                         "    cap: 2500\n    carry_cap: 5000.5\n    flush_after: 4\n    qualify: {sponsored_active_per_leg: 2}\n"
                         "  - {name: m, type: matching, matches: [bin], levels: [10%]}\n");
    const cs_placement_spec *ps = &p->placement;
    assert_int_equal(ps->kind, CS_PTREE_BINARY);
    assert_int_equal(ps->width, 2);
    assert_int_equal(ps->depth, 0);
    assert_int_equal(ps->rule, CS_PLACE_WEAKER_LEG);
    assert_int_equal(ps->weaker_by_count, 1);
    assert_int_equal(ps->pos.line, 2);
    const cs_bonus *b = &p->bonuses[1];
    assert_ptr_equal(cs_plan_placement_bonus(p), b);
    assert_int_equal(b->type, CS_BONUS_BINARY);
    assert_true(cs_bonus_on_placement(b->type));
    assert_int_equal(b->rate_by_row[0], 0);
    assert_int_equal(b->rate_by_row[CS_ROW(0)], 100000);
    assert_int_equal(b->rate_by_row[CS_ROW(1)], 125000);
    assert_int_equal(b->binary.weak, 0); /* paid as a rate */
    assert_int_equal(b->binary.cap, 250000);
    assert_int_equal(b->binary.carry_cap, 500050);
    assert_int_equal(b->binary.flush_after, 4);
    assert_int_equal(b->binary.sponsored_per_leg, 2);
    assert_int_equal(p->bonuses[2].matched[0], 1);
    cs_plan_free(p);

    /* a cycle, amounts by rank; defaults: no cap, no carry limit, no flush, no qualification */
    p = load_ok("name: C\nplacement: {type: binary, rule: outer_right}\n" RANKS2 "bonuses:\n"
                "  - {name: bin, type: binary, cycle: {weak: 300, strong: 600, amount: {unranked: 14, Gold: 18.5}}}\n");
    b = &p->bonuses[0];
    assert_int_equal(p->placement.rule, CS_PLACE_OUTER_RIGHT);
    assert_int_equal(p->placement.weaker_by_count, 0);
    assert_int_equal(b->binary.weak, 30000);
    assert_int_equal(b->binary.strong, 60000);
    const int64_t amounts[] = {1400, 1400, 1850};
    for (size_t row = 0; row < 3; row++) assert_int_equal(b->cents_by_row[row], amounts[row]);
    assert_int_equal(b->binary.cap, -1);
    assert_int_equal(b->binary.carry_cap, -1);
    assert_int_equal(b->binary.flush_after, 0);
    assert_int_equal(b->binary.sponsored_per_leg, 0);
    cs_plan_free(p);

    static const char *const rules[] = {"outer_left", "outer_right", "alternating", "weaker_leg", "spillover"};
    for (int r = 0; r < 5; r++) {
        char yaml[300];
        snprintf(yaml, sizeof yaml, "name: R\nplacement: {type: binary, rule: %s}\n" RANKS2 "bonuses:\n"
                 "  - {name: bin, type: binary, rate: 5%%}\n", rules[r]);
        p = load_ok(yaml);
        assert_int_equal(p->placement.rule, (cs_place_rule)r);
        cs_plan_free(p);
    }
    /* no placement section */
    p = load_ok("name: N\n" RANKS2 "bonuses:\n" UNI);
    assert_int_equal(p->placement.kind, CS_PTREE_NONE);
    assert_null(cs_plan_placement_bonus(p));
    cs_plan_free(p);
}

static void test_placement_matrix(void **state)
{
    (void)state;
    cs_plan *p = load_ok("name: M\nplacement: {type: matrix, width: 3, depth: 7}\n" RANKS2 "bonuses:\n"
                         "  - name: mx\n    type: matrix\n    levels: [5%, 5%, 4%]\n    depth: {unranked: 1, Gold: 3}\n"
                         "    completion: {3: 100, 1: 10.50}\n");
    const cs_placement_spec *ps = &p->placement;
    assert_int_equal(ps->kind, CS_PTREE_MATRIX);
    assert_int_equal(ps->width, 3);
    assert_int_equal(ps->depth, 7);
    assert_int_equal(ps->rule, CS_PLACE_SPILLOVER);
    const cs_bonus *b = &p->bonuses[0];
    assert_int_equal(b->type, CS_BONUS_MATRIX);
    assert_int_equal(b->compression, CS_COMPRESS_NONE);
    const int32_t one[] = {50000, 0, 0}, three[] = {50000, 50000, 40000};
    assert_row(&b->levels, CS_ROW(0), one);
    assert_row(&b->levels, CS_ROW(1), three);
    assert_int_equal(b->ncompletion, 3);
    assert_int_equal(b->completion[0], 1050);
    assert_int_equal(b->completion[1], 0);
    assert_int_equal(b->completion[2], 10000);
    cs_plan_free(p);
    /* the largest matrix, and rule spillover written out */
    p = load_ok("name: M\nplacement: {type: matrix, width: 64, depth: 64, rule: spillover}\n" RANKS2 "bonuses:\n"
                "  - {name: mx, type: matrix, rates_by_rank: {Gold: [1%]}, completion: {64: 1}}\n");
    assert_int_equal(p->placement.width, CS_PLACE_MAX_WIDTH);
    assert_int_equal(p->bonuses[0].ncompletion, 64);
    cs_plan_free(p);
}

static void test_errors_placement(void **state)
{
    (void)state;
#define BIN "  - {name: bin, type: binary, rate: 10%}\n"
    expect_error_at("name: K\nplacement: [binary]\n" RANKS2 "bonuses:\n" BIN, "[binary]", 1,
                    "expected a mapping such as '{type: binary, rule: weaker_leg}' for 'placement', found a list");
    expect_error_at("name: K\nplacement: {rule: outer_left}\n" RANKS2 "bonuses:\n" BIN, "{rule", 1,
                    "missing required key 'type' in 'placement'");
    expect_error_at("name: K\nplacement: {type: binary}\n" RANKS2 "bonuses:\n" BIN, "{type", 1,
                    "missing required key 'rule' in 'placement'");
    expect_error_at("name: K\nplacement: {type: binary, rule: weakest}\n" RANKS2 "bonuses:\n" BIN, "weakest", 1,
                    "expected 'outer_left', 'outer_right', 'alternating', 'weaker_leg' or 'spillover', found 'weakest'");
    expect_error_at("name: K\nplacement: {type: binary, rule: weaker_leg, weaker_leg_by: bv}\n" RANKS2 "bonuses:\n" BIN, "bv", 1,
                    "expected 'volume' or 'count', found 'bv'");
    expect_error_at("name: K\nplacement: {type: binary, rule: alternating, weaker_leg_by: count}\n" RANKS2 "bonuses:\n" BIN,
                    "weaker_leg_by", 1, "'weaker_leg_by' goes with 'rule: weaker_leg'");
    expect_error_at("name: K\nplacement: {type: binary, rule: outer_left, depth: 3}\n" RANKS2 "bonuses:\n" BIN, "depth", 1,
                    "key 'depth' does not apply to a binary placement");
    expect_error_at("name: K\nplacement: {type: matrix, width: 1, depth: 3}\n" RANKS2 "bonuses:\n"
                    "  - {name: mx, type: matrix, levels: [1%]}\n", "1,", 1, "'width' must be at least 2");
    expect_error_at("name: K\nplacement: {type: matrix, width: 3, depth: 65}\n" RANKS2 "bonuses:\n"
                    "  - {name: mx, type: matrix, levels: [1%]}\n", "65", 1, "'depth' is too large, found '65' (at most 64)");
    expect_error_at("name: K\nplacement: {type: matrix, width: 3, depth: 3, rule: outer_left}\n" RANKS2 "bonuses:\n"
                    "  - {name: mx, type: matrix, levels: [1%]}\n", "outer_left", 1,
                    "expected 'spillover' (a matrix places by spillover only), found 'outer_left'");
    expect_error_at("name: K\nplacement: {type: matrix, width: 3, depth: 3}\n" RANKS2 "bonuses:\n" BIN, "binary,", 1,
                    "a binary bonus needs a binary placement, and the plan's 'placement' is a matrix");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: mx, type: matrix, levels: [1%]}\n", "matrix,", 1,
                    "a matrix bonus needs the plan's 'placement' section with 'type: matrix'");
    expect_error_at("name: K\nplacement: {type: matrix, width: 3, depth: 3}\n" RANKS2 "bonuses:\n" UNI, "placement", 1,
                    "'placement' is not used: the plan has no matrix bonus");
    expect_error_at("name: K\nplacement: {type: binary, rule: outer_left}\n" RANKS2 "bonuses:\n" BIN
                    "  - {name: mx, type: matrix, levels: [1%]}\n", "matrix,", 1,
                    "a plan has at most one binary or matrix bonus, and 'bin' (line 7) is one already");
    /* binary keys */
#define BPL "name: K\nplacement: {type: binary, rule: outer_left}\n" RANKS2 "bonuses:\n"
    expect_error_at(BPL "  - {name: bin, type: binary}\n", "{name: bin", 1, "missing required key 'rate' or 'cycle' in bonus 'bin'");
    expect_error_at(BPL "  - {name: bin, type: binary, rate: 10%, cycle: {weak: 1, strong: 1, amount: 1}}\n", "cycle", 1,
                    "give either 'rate' or 'cycle' in bonus 'bin', not both");
    expect_error_at(BPL "  - {name: bin, type: binary, rate: {Gold: 120%}}\n", "120%", 1, "rate 120% is above 100%");
    expect_error_at(BPL "  - {name: bin, type: binary, rate: ~}\n", "~", 1,
                    "expected a rate such as '10%' or a table by rank such as '{Silver: 10%}' for 'rate', found nothing");
    expect_error_at(BPL "  - {name: bin, type: binary, cycle: [300, 600]}\n", "[300", 1,
                    "expected a mapping such as '{weak: 300, strong: 600, amount: 54.00}' for 'cycle', found a list");
    expect_error_at(BPL "  - {name: bin, type: binary, cycle: {weak: 300, amount: 5}}\n", "{weak", 1,
                    "missing required key 'strong' in 'cycle' of bonus 'bin'");
    expect_error_at(BPL "  - {name: bin, type: binary, cycle: {weak: 300, strong: 600}}\n", "{weak", 1,
                    "missing required key 'amount' in 'cycle' of bonus 'bin'");
    expect_error_at(BPL "  - {name: bin, type: binary, cycle: {weak: 300, strong: 0, amount: 5}}\n", "0, amount", 1,
                    "'strong' must be above 0");
    expect_error_at(BPL "  - {name: bin, type: binary, cycle: {weak: 300, strong: 600, amount: [5]}}\n", "[5]", 1,
                    "expected an amount such as '54.00' or a table by rank such as '{Silver: 54.00}' for 'amount', found a list");
    expect_error_at(BPL "  - {name: bin, type: binary, rate: 1%, qualify: [1]}\n", "[1]", 1,
                    "expected a mapping such as '{sponsored_active_per_leg: 1}' for 'qualify', found a list");
    expect_error_at(BPL "  - {name: bin, type: binary, rate: 1%, qualify: {sponsored_active_per_leg: -1}}\n", "-1", 1,
                    "'sponsored_active_per_leg' cannot be negative, found '-1'");
    expect_error_at(BPL "  - {name: bin, type: binary, rate: 1%, levels: [1%]}\n", "levels", 1,
                    "key 'levels' does not apply to a binary bonus");
    /* matrix keys */
#define MPL "name: K\nplacement: {type: matrix, width: 2, depth: 3}\n" RANKS2 "bonuses:\n"
    expect_error_at(MPL "  - {name: mx, type: matrix, levels: [1%, 1%, 1%, 1%]}\n", "1%]", 1, "a 3-deep matrix has no level 4");
    expect_error_at(MPL "  - {name: mx, type: matrix, rates_by_rank: {Gold: [1%, 1%, 1%, 1%]}}\n", "1%]", 1,
                    "a 3-deep matrix has no level 4");
    expect_error_at(MPL "  - {name: mx, type: matrix, completion: {1: 5}}\n", "{name: mx", 1,
                    "missing required key 'levels' or 'rates_by_rank' in bonus 'mx'");
    expect_error_at(MPL "  - {name: mx, type: matrix, levels: [1%], completion: [5]}\n", "[5]", 1,
                    "expected a mapping from levels to amounts such as '{3: 100.00}' for 'completion', found a list");
    expect_error_at(MPL "  - {name: mx, type: matrix, levels: [1%], completion: {4: 5}}\n", "4:", 1, "a 3-deep matrix has no level 4");
    expect_error_at(MPL "  - {name: mx, type: matrix, levels: [1%], completion: {0: 5}}\n", "0:", 1, "completion levels start at 1");
    expect_error_at(MPL "  - {name: mx, type: matrix, levels: [1%], completion: {[1]: 5}}\n", "[1]", 1,
                    "expected a level such as '3', found a list");
    expect_error_at(MPL "  - {name: mx, type: matrix, levels: [1%], completion: {1: 5, 01: 6}}\n", "01", 1,
                    "duplicate level 1 in 'completion' of bonus 'mx' (first given at line 7)");
    expect_error_at(MPL "  - {name: mx, type: matrix, compression: none, levels: [1%]}\n", "compression", 1,
                    "key 'compression' does not apply to a matrix bonus");
#undef BIN
#undef BPL
#undef MPL
}

static void test_describe_placement(void **state)
{
    (void)state;
    static const char *const plans[2] = {
        "name: B\nperiod: week\nplacement: {type: binary, rule: weaker_leg}\n" RANKS2 "bonuses:\n"
        "  - {name: bin, type: binary, rate: {unranked: 0%, Silver: 10%}, cap: 2500, carry_cap: 5000, flush_after: 4,\n"
        "     qualify: {sponsored_active_per_leg: 1}}\n"
        "  - {name: b2, type: unilevel, levels: [1%]}\n",
        "name: M\nplacement: {type: matrix, width: 3, depth: 7}\n" RANKS2 "bonuses:\n"
        "  - {name: mx, type: matrix, levels: [5%, 5%], completion: {1: 10, 7: 5000}}\n",
    };
    static const char *const want[2][8] = {
        {"Placement tree:  binary (a left and a right leg under every member)\n",
         "                 the outer edge of the sponsor's leg with less volume in the previous period\n",
         "  1. bin (binary)\n", "pays a rate of the weaker leg's volume: unranked 0%, Silver 10%, Gold 10%\n",
         "at most 2,500.00 USD per member per period", "unpaired volume carries over, at most 5,000 in each leg, and is lost after 4",
         "qualification: at least 1 active personally sponsored member placed in each leg\n", NULL},
        {"Placement tree:  3 x 7 forced matrix (3 positions under every member, paid 7 levels deep)\n",
         "left to right (spillover)\n", "  1. mx (forced matrix)\n",
         "level 1 (3 positions)\n     10.00 USD, level 7 (2,187 positions) 5,000.00 USD\n", "  unranked  2 levels: 5% 5%\n",
         NULL},
    };
    for (int k = 0; k < 2; k++) {
        cs_plan *p = load_ok(plans[k]);
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        cs_plan_describe(p, f);
        fclose(f);
        for (size_t i = 0; want[k][i]; i++) {
            if (!strstr(buf, want[k][i])) print_error("missing: %s\nin:\n%s", want[k][i], buf);
            assert_non_null(strstr(buf, want[k][i]));
        }
        free(buf);
        cs_plan_free(p);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Bad input: one message, at the offending node.                                              */

static void test_errors_keys(void **state)
{
    (void)state;
    expect_error_at("name: K\nbonusses: []\nranks: [{name: A}]\nbonuses: [{name: u, type: unilevel, levels: [1%]}]\n", "bonusses", 1,
                    "unknown key 'bonusses' (did you mean 'bonuses'?)");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levels: [5%], levles: [1%]}\n", "levles", 1,
                    "unknown key 'levles' in bonus 'u' (did you mean 'levels'?)");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levels: [5%], margin: {Gold: 5%}}\n", "margin", 1,
                    "key 'margin' does not apply to a unilevel bonus");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levels: [5%], levels: [1%]}\n", "levels", 2,
                    "duplicate key 'levels' in bonus 'u' (first given at line 6)");
    expect_error_at("name: K\nname: L\n" RANKS2 "bonuses:\n" UNI, "name: L", 1, "duplicate key 'name' (first given at line 1)");
    expect_error_at("ranks: [{name: A}]\nbonuses:\n" UNI, "ranks", 1, "missing required key 'name'");
    expect_error_at("name: K\nbonuses:\n" UNI, "name", 1, "missing required key 'ranks'");
    expect_error_at("name: K\n" RANKS2, "name", 1, "missing required key 'bonuses'");
    expect_error_at("name: K\n" RANKS2 "bonuses: []\n", "[]", 1, "the plan has no bonuses");
    expect_error_at("name: K\nranks: []\nbonuses:\n" UNI, "[]", 1, "the plan has no ranks");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilvel, levels: [5%]}\n", "unilvel", 1,
                    "unknown bonus type 'unilvel' (did you mean 'unilevel'?)");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, levels: [5%]}\n", "{name: u", 1, "missing required key 'type' in bonus 'u'");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: retail_profit}\n", "{name: u", 1,
                    "missing required key 'margin' in bonus 'u'");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel}\n", "{name: u", 1,
                    "missing required key 'levels' or 'rates_by_rank' in bonus 'u'");
    expect_error_at("name: K\nactive: {min_pv: 1, max_pv: 2}\n" RANKS2 "bonuses:\n" UNI, "max_pv", 1,
                    "unknown key 'max_pv' in 'active' (did you mean 'min_pv'?)");
    expect_error_at("name: K\nranks: [{name: A, gv: 5, legs: [{rank: A}]}]\nbonuses:\n" UNI, "{rank: A}", 1,
                    "missing required key 'count' in a leg rule of rank 'A'");
    /* a misspelt required key is reported once, as a misspelling, not also as missing */
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, tpye: unilevel, levels: [5%]}\n", "tpye", 1,
                    "unknown key 'tpye' in bonus 'u' (did you mean 'type'?)");
    expect_error_at("name: K\nranks: [{nmae: A}]\nbonuses:\n" UNI, "nmae", 1, "unknown key 'nmae' in rank 1 (did you mean 'name'?)");
    expect_error_at("nme: K\n" RANKS2 "bonuses:\n" UNI, "nme", 1, "unknown key 'nme' (did you mean 'name'?)");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levles: [5%]}\n", "levles", 1,
                    "unknown key 'levles' in bonus 'u' (did you mean 'levels'?)");
}

static void test_errors_types(void **state)
{
    (void)state;
    expect_error("- a\n- b\n", 1, 1, "expected the plan to be a mapping of keys such as 'name:' and 'ranks:', found a list");
    expect_error("just text\n", 1, 1, "expected the plan to be a mapping of keys such as 'name:' and 'ranks:', found 'just text'");
    expect_error_at("name: K\nactive: [100]\n" RANKS2 "bonuses:\n" UNI, "[100]", 1,
                    "expected a mapping such as '{min_pv: 100}' for 'active', found a list");
    expect_error_at("name: K\nranks: {name: A}\nbonuses:\n" UNI, "{name: A}", 1, "expected a list of ranks, found a mapping");
    expect_error_at("name: K\nranks: [Gold]\nbonuses:\n" UNI, "Gold", 1, "expected a rank such as '{name: Silver, pv: 100}', found 'Gold'");
    expect_error_at("name: [K]\n" RANKS2 "bonuses:\n" UNI, "[K]", 1, "expected the plan's name, found a list");
    expect_error("name:\n" RANKS2 "bonuses:\n" UNI, 1, 6, "expected the plan's name, found nothing");
    expect_error_at("name: K\nperiod: monthly\n" RANKS2 "bonuses:\n" UNI, "monthly", 1, "expected 'month' or 'week', found 'monthly'");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: s, type: stairstep, rates: {Gold: 5%}, include_own: yes}\n", "yes", 1,
                    "expected true or false, found 'yes'");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, compression: full, levels: [5%]}\n", "full", 1,
                    "expected 'none' or 'dynamic', found 'full'");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levels: 5%}\n", "5%", 1,
                    "expected a list of rates such as '[5%, 3%]', found '5%'");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: retail_profit, margin: [5%]}\n", "[5%]", 1,
                    "expected a table by rank such as '{Silver: ..., Gold: ...}' for 'margin', found a list");
    expect_error_at("name: K\nranks: [{name: A, pv: \"100\"}]\nbonuses:\n" UNI, "\"100\"", 1,
                    "expected a number such as '100' or '37.5', found the text '100' (write it without quotes)");
}

static void test_errors_numbers(void **state)
{
    (void)state;
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levels: [5]}\n", "5]", 1,
                    "expected a percentage such as '5%', found '5'");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levels: [120%]}\n", "120%", 1, "rate 120% is above 100%");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levels: [-1%]}\n", "-1%", 1, "rate -1% is below 0%");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levels: [1.00001%]}\n", "1.00001%", 1,
                    "rate 1.00001% has more than four decimals");
    expect_error_at("name: K\npayout_cap: .nan\n" RANKS2 "bonuses:\n" UNI, ".nan", 1, "payout_cap must be a finite percentage, found '.nan'");
    expect_error_at("name: K\nranks: [{name: A, pv: -5}]\nbonuses:\n" UNI, "-5", 1, "'pv' cannot be negative, found '-5'");
    expect_error_at("name: K\nranks: [{name: A, pv: 1e309}]\nbonuses:\n" UNI, "1e309", 1,
                    "expected a plain decimal number, found '1e309' (exponents are not allowed)");
    expect_error_at("name: K\nranks: [{name: A, gv: 99999999999999999999}]\nbonuses:\n" UNI, "999", 1,
                    "'gv' is too large, found '99999999999999999999'");
    expect_error_at("name: K\nranks: [{name: A, gv: .inf}]\nbonuses:\n" UNI, ".inf", 1, "'gv' must be a finite number, found '.inf'");
    expect_error_at("name: K\nranks: [{name: A, gv: NaN}]\nbonuses:\n" UNI, "NaN", 1, "'gv' must be a finite number, found 'NaN'");
    expect_error_at("name: K\nranks: [{name: A, pv: 1.005}]\nbonuses:\n" UNI, "1.005", 1, "'pv' has more than two decimals, found '1.005'");
    expect_error_at("name: K\nranks: [{name: A, pv: lots}]\nbonuses:\n" UNI, "lots", 1,
                    "expected a number such as '100' or '37.5', found 'lots'");
    expect_error_at("name: K\nenrolment_fee: 1,000\n" RANKS2 "bonuses:\n" UNI, "1,000", 1,
                    "expected an amount such as '49.00', found '1,000'");
    expect_error_at("name: K\nranks: [{name: A, active_frontline: 2.5}]\nbonuses:\n" UNI, "2.5", 1,
                    "expected a whole number such as '2', found '2.5'");
    expect_error_at("name: K\nranks: [{name: A, active_frontline: 9999999999}]\nbonuses:\n" UNI, "999", 1,
                    "'active_frontline' is too large, found '9999999999' (at most 1000000000)");
}

static void test_errors_references(void **state)
{
    (void)state;
    expect_error_at("name: K\nranks:\n  - name: Silver\n  - {name: Gold, legs: [{rank: Silvr, count: 2}]}\nbonuses:\n" UNI, "Silvr", 1,
                    "rank 'Gold' requires unknown rank 'Silvr' (did you mean 'Silver'?)");
    expect_error_at("name: K\nbreakaway: Gld\n" RANKS2 "bonuses:\n" UNI, "Gld", 1, "unknown rank 'Gld' for 'breakaway' (did you mean 'Gold'?)");
    expect_error_at("name: K\nbreakaway: unranked\n" RANKS2 "bonuses:\n" UNI, "unranked", 1,
                    "'unranked' is not a rank here: name one of the plan's ranks");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: r, type: retail_profit, margin: {Silvr: 5%}}\n", "Silvr", 1,
                    "unknown rank 'Silvr' in 'margin' of bonus 'r' (did you mean 'Silver'?)");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: r, type: retail_profit, margin: {Gold: 5%, Gold: 6%}}\n", "Gold: 6%", 1,
                    "duplicate key 'Gold' in 'margin' of bonus 'r' (first given at line 6)");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: a, type: rank_advancement, amounts: {unranked: 5}}\n", "unranked", 1,
                    "'amounts' lists ranks only: 'unranked' is not a rank");
    expect_error_at("name: K\nranks:\n  - name: Gold\n  - name: Gold\nbonuses:\n" UNI, "Gold", 2,
                    "duplicate rank name 'Gold' (first defined at line 3)");
    expect_error_at("name: K\nranks:\n  - name: unranked\nbonuses:\n" UNI, "unranked", 1,
                    "the rank name 'unranked' is reserved for members without a rank");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n" UNI UNI, "uni,", 2, "duplicate bonus name 'uni' (first defined at line 6)");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: my bonus, type: unilevel, levels: [5%]}\n", "my bonus", 1,
                    "a bonus name may only hold letters, digits, '_' and '-'");
}

static void test_errors_matching(void **state)
{
    (void)state;
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: m, type: matching, matches: [uni], levels: [5%]}\n" UNI, "uni]", 1,
                    "bonus 'm' matches 'uni', which comes later in the plan (a matched bonus must be listed earlier)");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n" UNI "  - {name: m, type: matching, matches: [unni], levels: [5%]}\n", "unni", 1,
                    "bonus 'm' matches unknown bonus 'unni' (did you mean 'uni'?)");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: m, type: matching, matches: [m], levels: [5%]}\n", "m]", 1,
                    "bonus 'm' cannot match itself");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: r, type: retail_profit, margin: {Gold: 5%}}\n"
                    "  - {name: m, type: matching, matches: [r], levels: [5%]}\n",
                    "r]", 1, "bonus 'm' cannot match 'r': retail profit is paid by customers, not by the company");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n" UNI "  - {name: m, type: matching, matches: [uni, uni], levels: [5%]}\n", "uni]", 1,
                    "'uni' is listed twice in 'matches'");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n" UNI "  - {name: m, type: matching, matches: [], levels: [5%]}\n", "[]", 1,
                    "'matches' is empty: name the bonuses to match");
}

static void test_errors_rules(void **state)
{
    (void)state;
    /* stairstep: from the unranked row to the first rank, and across a rank filled forward */
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: s, type: stairstep, rates: {unranked: 30%, Silver: 20%}}\n", "20%", 1,
                    "stairstep rate 20% of 'Silver' is below the 30% of 'unranked' (rates must not decrease from rank to rank)");
    expect_error_at("name: K\nranks: [{name: A}, {name: B}, {name: C}]\nbonuses:\n"
                    "  - {name: s, type: stairstep, rates: {A: 30%, C: 20%}}\n",
                    "20%", 1, "stairstep rate 20% of 'C' is below the 30% of 'B' (rates must not decrease from rank to rank)");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: g, type: generation, levels: [5%]}\n", "generation", 1,
                    "a generation bonus needs the plan's 'breakaway' rank");
    expect_error_at("name: K\nenrolment_fee: 0\n" RANKS2 "bonuses:\n  - {name: e, type: enrolment, levels: [5%]}\n", "enrolment,", 1,
                    "an enrolment bonus needs the plan's 'enrolment_fee' (above 0)");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levels: [5%, 3%], depth: {Gold: 3}}\n", "3}", 1,
                    "depth 3 is more than the 2 levels given in 'levels'");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levels: []}\n", "[]", 1,
                    "'levels' is empty: give the rate of level 1 at least");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, rates_by_rank: {Gold: [5%]}, depth: {Gold: 1}}\n", "depth",
                    1, "'depth' goes with 'levels', not with 'rates_by_rank'");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, levels: [5%], rates_by_rank: {Gold: [5%]}}\n",
                    "rates_by_rank", 1, "give either 'levels' or 'rates_by_rank' in bonus 'u', not both");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n  - {name: u, type: unilevel, rates_by_rank: {Gold: []}}\n", "{Gold", 1,
                    "'rates_by_rank' gives no rates");
    expect_error_at("name: K\nranks: [{name: A, max_leg_share: 50%}]\nbonuses:\n" UNI, "max_leg_share", 1,
                    "'max_leg_share' needs 'gv' in rank 'A'");
    expect_error_at("name: K\nranks: [{name: A, gv: 1, max_leg_share: 0%}]\nbonuses:\n" UNI, "0%", 1, "max_leg_share must be above 0%");
    expect_error_at("name: K\nranks: [{name: A, legs: [{rank: A, count: 0}]}]\nbonuses:\n" UNI, "0}", 1, "'count' must be at least 1");
}

/* Builds "ranks: [{name: R0}, ..., {name: R<n-1>}]" plus a unilevel with `nlevels` levels. */
static char *big_plan(int nranks, int nlevels)
{
    char *buf = malloc(16384);
    size_t o = (size_t)sprintf(buf, "name: Big\nranks: [");
    for (int i = 0; i < nranks; i++) o += (size_t)sprintf(buf + o, "%s{name: R%d}", i ? ", " : "", i);
    o += (size_t)sprintf(buf + o, "]\nbonuses:\n  - {name: u, type: unilevel, levels: [");
    for (int k = 0; k < nlevels; k++) o += (size_t)sprintf(buf + o, "%s1%%", k ? ", " : "");
    sprintf(buf + o, "]}\n");
    return buf;
}

static void test_limits(void **state)
{
    (void)state;
    char *ok = big_plan(CS_MAX_RANKS, CS_MAX_LEVELS);
    cs_plan *p = load_ok(ok);
    assert_int_equal(p->nranks, CS_MAX_RANKS);
    assert_int_equal(p->bonuses[0].levels.nlevels, CS_MAX_LEVELS);
    cs_plan_free(p);
    free(ok);

    char *many = big_plan(CS_MAX_RANKS + 1, 1);
    expect_error_at(many, "{name: R64}", 1, "a plan has at most 64 ranks");
    free(many);

    char *deep = big_plan(1, CS_MAX_LEVELS + 1);
    expect_error_at(deep, "1%", CS_MAX_LEVELS + 1, "at most 64 levels are allowed");
    free(deep);
}

static void test_errors_yaml(void **state)
{
    (void)state;
    expect_error("", 0, 0, "the plan is empty");
    expect_error("# only a comment\n", 0, 0, "the plan is empty");
    expect_error("---\n", 0, 0, "the plan is empty");
    expect_error("name: K\nranks: [{name: A}\n", 3, 1,
                 "yaml syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 8)");
    expect_error("name: K\n@ranks: []\n", 2, 1, "yaml syntax error: found character that cannot start any token (while "
                                               "scanning for the next token at line 2, column 1)");
    expect_error_at("name: K\n" RANKS2 "bonuses:\n" UNI "---\nname: L\n", "---", 1,
                    "a plan file holds one yaml document, and this is a second one");
    expect_error_at("name: &n K\n" RANKS2 "bonuses:\n" UNI, "&n", 1, "anchors and aliases are not supported");
}

static void test_alias_bomb(void **state)
{
    (void)state;
    /* the billion laughs: refused where written, never expanded */
    const char *bomb = "a: &a [x, x, x, x, x, x, x, x, x]\n"
                       "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                       "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                       "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                       "e: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n";
    cs_diags d;
    assert_null(load(bomb, &d));
    size_t n = 0, first = d.n;
    for (size_t i = 0; i < d.n; i++)
        if (!strcmp(d.items[i].msg, "anchors and aliases are not supported")) n++, first = i < first ? i : first;
    assert_int_equal(n, 4 + 4 * 9); /* 4 anchors, 36 aliases; besides: unknown keys, missing keys */
    assert_int_equal(d.items[first].line, 1);
    assert_int_equal(d.items[first].col, 4);
    cs_diags_free(&d);
}

static void test_deep_nesting(void **state)
{
    (void)state;
    char yaml[300] = "name: K\nx: ";
    size_t o = strlen(yaml);
    for (int k = 0; k < 100; k++) yaml[o++] = '[';
    for (int k = 0; k < 100; k++) yaml[o++] = ']';
    yaml[o] = '\0';
    cs_diags d;
    assert_null(load(yaml, &d));
    /* the top mapping is level 1, so the 64th '[' (column 3 + 64) is level 65; nothing is reported
     * inside it; the unknown key x and the missing keys are still reported */
    int found = 0;
    for (size_t i = 0; i < d.n; i++)
        if (!strcmp(d.items[i].msg, "nesting deeper than 64 levels")) {
            assert_int_equal(d.items[i].line, 2);
            assert_int_equal(d.items[i].col, 67);
            found++;
        }
    assert_int_equal(found, 1);
    assert_int_equal(d.nerrors, 4); /* + unknown key 'x', missing 'ranks', missing 'bonuses' */
    cs_diags_free(&d);
}

/* Every problem is reported, in the order of the file, whatever order the checks run in. */
static void test_all_errors_in_file_order(void **state)
{
    (void)state;
    const char *yaml = "name: K\n"
                       "ranks:\n"
                       "  - {name: A, pv: -1}\n"
                       "bonuses:\n"
                       "  - {name: u, type: unilevel, levels: [5]}\n"
                       "payout_cap: 200%\n"
                       "breakaway: Zebra\n";
    cs_diags d;
    assert_null(load(yaml, &d));
    assert_int_equal(d.nerrors, 4);
    const long lines[] = {3, 5, 6, 7};
    for (size_t i = 0; i < 4; i++) assert_int_equal(d.items[i].line, lines[i]);
    assert_string_equal(d.items[2].msg, "payout_cap 200% is above 100%");
    assert_string_equal(d.items[3].msg, "unknown rank 'Zebra' for 'breakaway'");
    assert_string_equal(d.items[0].snippet, "  - {name: A, pv: -1}");
    cs_diags_free(&d);
}

static void test_unreadable_file(void **state)
{
    (void)state;
    cs_diags d;
    cs_diags_init(&d);
    assert_null(cs_plan_load_file("/nonexistent/plan.yaml", &d));
    assert_int_equal(d.nerrors, 1);
    assert_string_equal(d.items[0].file, "/nonexistent/plan.yaml");
    assert_int_equal(d.items[0].line, 0);
    assert_string_equal(d.items[0].msg, "cannot read: No such file or directory");
    cs_diags_free(&d);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_plan_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("name: F\nranks: [{name: A}]\nbonuses: [{name: u, type: unilevel, levels: [1%]}]\n", f);
    fclose(f);
    cs_diags d;
    cs_diags_init(&d);
    cs_plan *p = cs_plan_load_file(path, &d);
    assert_non_null(p);
    assert_string_equal(p->file, path);
    assert_string_equal(p->name, "F");
    cs_plan_free(p);
    cs_diags_free(&d);
    remove(path);
}

static void test_describe(void **state)
{
    (void)state;
    cs_plan *p = load_ok("name: Words\nenrolment_fee: 1234.5\nactive: {min_pv: 100}\nbreakaway: Gold\npayout_cap: 50%\n"
                         "ranks:\n  - {name: Bronze, pv: 50}\n"
                         "  - {name: Silver, pv: 100, gv: 1000, max_leg_share: 50%, active_frontline: 2, "
                         "legs: [{rank: Bronze, count: 2}]}\n  - {name: Gold}\n"
                         "bonuses:\n  - {name: uni, type: unilevel, levels: [5%, 2.5%], depth: {unranked: 1, Silver: 2}}\n"
                         "  - {name: s, type: stairstep, rates: {unranked: 10%, Gold: 20%}}\n");
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cs_plan_describe(p, f);
    fclose(f);
    const char *want[] = {
        "Plan: Words\n",
        "Enrolment fee:   1,234.50 USD\n",
        "members with PV >= 100 in the period",
        "Breakaway rank:  Gold",
        "at most 50% of company BV",
        "  Bronze: PV >= 50\n",
        ("  Silver: PV >= 100, GV >= 1,000 (at most 50% from one leg), 2 active frontline members, 2 legs each holding rank "
         "Bronze or higher\n"),
        "  Gold: no rule beyond being active\n",
        "rates: unranked 10%, Bronze 10%, Silver 10%, Gold 20%\n",
        "            uni\n",
        "  unranked  1 level: 5%\n",
        "  Bronze    1 level: 5%\n",
        "  Silver    2 levels: 5% 2.5%\n",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        if (!strstr(buf, want[i])) print_error("missing: %s\nin:\n%s", want[i], buf);
        assert_non_null(strstr(buf, want[i]));
    }
    free(buf);
    cs_plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_top_fields),
        cmocka_unit_test(test_rank_rules),
        cmocka_unit_test(test_levels_without_depth),
        cmocka_unit_test(test_levels_with_depth),
        cmocka_unit_test(test_rates_by_rank),
        cmocka_unit_test(test_rate_tables),
        cmocka_unit_test(test_bonus_types_and_defaults),
        cmocka_unit_test(test_advancement_not_filled),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_load_string_length),
        cmocka_unit_test(test_type_names),
        cmocka_unit_test(test_placement_binary),
        cmocka_unit_test(test_placement_matrix),
        cmocka_unit_test(test_errors_placement),
        cmocka_unit_test(test_describe_placement),
        cmocka_unit_test(test_errors_keys),
        cmocka_unit_test(test_errors_types),
        cmocka_unit_test(test_errors_numbers),
        cmocka_unit_test(test_errors_references),
        cmocka_unit_test(test_errors_matching),
        cmocka_unit_test(test_errors_rules),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_errors_yaml),
        cmocka_unit_test(test_alias_bomb),
        cmocka_unit_test(test_deep_nesting),
        cmocka_unit_test(test_all_errors_in_file_order),
        cmocka_unit_test(test_unreadable_file),
        cmocka_unit_test(test_load_file),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
