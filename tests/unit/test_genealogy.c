/* The genealogy loader: breadth-first order, periods and join_period, defaults, and every error it
 * reports, with its line.  Expected values are worked out by hand from docs/plan-format.md ("The
 * genealogy file"); the comments show the working. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "genealogy.h"
#include "genealogy_int.h" /* cs_genealogy_load_parts */
#include <omp.h>

static char msgs[8192];

/* Loads csv; the messages go to msgs as "LINE: message\n" lines (file name checked here). */
static cs_genealogy *load_len(const char *csv, size_t len)
{
    cs_diags d;
    cs_diags_init(&d);
    cs_genealogy *g = cs_genealogy_load_buffer(csv, len, "g.csv", &d);
    msgs[0] = '\0';
    for (size_t i = 0; i < d.n; i++) {
        size_t n = strlen(msgs);
        assert_string_equal(d.items[i].file, "g.csv");
        assert_int_equal(d.items[i].col, 0);
        snprintf(msgs + n, sizeof msgs - n, "%ld: %s\n", d.items[i].line, d.items[i].msg);
    }
    assert_true((g == NULL) == (d.nerrors > 0));
    cs_diags_free(&d);
    return g;
}

static cs_genealogy *load(const char *csv) { return load_len(csv, strlen(csv)); }

/* Loading must fail with exactly these messages. */
static void expect_errors(const char *csv, const char *want)
{
    cs_genealogy *g = load(csv);
    assert_null(g);
    assert_string_equal(msgs, want);
}

static long find(const cs_genealogy *g, const char *id)
{
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(cs_genealogy_id(g, i), id)) return (long)i;
    fail_msg("no member '%s'", id);
    return -1;
}

/* ---- order ---- */

static void test_breadth_first(void **state)
{
    (void)state;
    /* First rows: D B E A F C G (ranks 0..6).  Roots by first appearance: A, G.  Then A's recruits
     * by first appearance: B (rank 1), E (2); G has none; B's: D (0), C (5); E's none; D's: F.
     * So the order is A G B E D C F. */
    cs_genealogy *g = load("id,sponsor,pv\n"
                           "D,B,4\n"  /* line 2 */
                           "B,A,2\n"  /* 3 */
                           "E,A,5\n"  /* 4 */
                           "A,,1\n"   /* 5 */
                           "F,D,6\n"  /* 6 */
                           "C,B,3\n"  /* 7 */
                           "G,,7\n"); /* 8 */
    assert_non_null(g);
    assert_string_equal(msgs, "");
    assert_int_equal(g->n, 7);
    const char *ids[] = {"A", "G", "B", "E", "D", "C", "F"};
    const int32_t parent[] = {-1, -1, 0, 0, 2, 2, 4};
    const uint32_t file_order[] = {3, 6, 1, 2, 0, 5, 4}, line[] = {5, 8, 3, 4, 2, 7, 6};
    const int64_t pv[] = {100, 700, 200, 500, 400, 300, 600};
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(cs_genealogy_id(g, i), ids[i]);
        assert_int_equal(g->parent[i], parent[i]);
        assert_int_equal(g->file_order[i], file_order[i]);
        assert_int_equal(g->line[i], line[i]);
        assert_int_equal(g->pv[i], pv[i]);
        assert_int_equal(g->bv[i], pv[i]); /* no bv column: bv = pv */
        assert_int_equal(g->retail[i], 0);
        assert_int_equal(g->join[i], 0);
        assert_int_equal(g->joined_in_file[i], 1);
    }
    assert_int_equal(g->nperiods, 1);
    assert_string_equal(g->period_label[0], "1");
    assert_int_equal(g->total_bv[0], 2800);
    assert_false(g->has_bv || g->has_retail || g->has_period || g->has_join);
    /* ids are back to back */
    assert_ptr_equal(cs_genealogy_id(g, 0), g->id_buf + g->id_off[0]);
    cs_genealogy_free(g);
}

/* A random forest written in shuffled order: the loaded order must put each sponsor first, roots
 * first, each member's recruits together in order of first appearance, and keep every sponsor. */
static void test_shuffled_forest(void **state)
{
    (void)state;
    enum { N = 600 };
    static int sponsor[N], perm[N];
    static char csv[N * 40];
    uint64_t x = 12345;
#define NEXT() (x = x * 6364136223846793005u + 1442695040888963407u, (int)(x >> 33))
    for (int i = 0; i < N; i++) {
        sponsor[i] = i < 3 ? -1 : NEXT() % i;
        perm[i] = i;
    }
    for (int i = N - 1; i > 0; i--) {
        int j = NEXT() % (i + 1), t = perm[i];
        perm[i] = perm[j], perm[j] = t;
    }
    char *p = csv + sprintf(csv, "pv,sponsor,note,id\n"); /* any column order, unknown columns ignored */
    for (int k = 0; k < N; k++) {
        int i = perm[k];
        p += sponsor[i] < 0 ? sprintf(p, "%d,,x,m%d\n", i, i) : sprintf(p, "%d,m%d,x,m%d\n", i, sponsor[i], i);
    }
    cs_genealogy *g = load(csv);
    assert_non_null(g);
    assert_int_equal(g->n, N);
    int roots = 1;
    for (size_t i = 0; i < N; i++) {
        int m = atoi(cs_genealogy_id(g, i) + 1);
        assert_int_equal(g->pv[i], 100 * m);
        assert_int_equal(g->line[i], 2 + g->file_order[i]); /* one row per member */
        if (sponsor[m] < 0) {
            assert_int_equal(g->parent[i], -1);
            assert_true(roots); /* all roots come first */
            continue;
        }
        roots = 0;
        assert_true(g->parent[i] >= 0 && (size_t)g->parent[i] < i);
        assert_int_equal(atoi(cs_genealogy_id(g, (size_t)g->parent[i]) + 1), sponsor[m]);
        if (i > 0 && g->parent[i - 1] >= 0) {
            /* parents never decrease (breadth-first); siblings are in order of first appearance */
            assert_true(g->parent[i - 1] <= g->parent[i]);
            if (g->parent[i - 1] == g->parent[i]) assert_true(g->file_order[i - 1] < g->file_order[i]);
        }
    }
    cs_genealogy_free(g);
#undef NEXT
}

/* ---- columns and values ---- */

static void test_columns_and_defaults(void **state)
{
    (void)state;
    cs_genealogy *g = load("retail,extra,bv,id,pv,sponsor\r\n" /* CRLF, any order, extra column */
                           "5.5,?,,A,10,\r\n"                   /* empty bv: pv; retail 5.50 */
                           ",?,3.25,B,1.5,A\r\n");              /* empty retail: 0 */
    assert_non_null(g);
    assert_true(g->has_bv && g->has_retail && !g->has_period && !g->has_join);
    long a = find(g, "A"), b = find(g, "B");
    assert_int_equal(g->pv[a], 1000), assert_int_equal(g->bv[a], 1000), assert_int_equal(g->retail[a], 550);
    assert_int_equal(g->pv[b], 150), assert_int_equal(g->bv[b], 325), assert_int_equal(g->retail[b], 0);
    assert_int_equal(g->total_bv[0], 1325);
    cs_genealogy_free(g);
}

static void test_quoted_ids(void **state)
{
    (void)state;
    /* the ids with "" escapes are unescaped into the reader's scratch buffer, and one is a sponsor
     * before its own row; the line break inside quotes moves the later lines down */
    cs_genealogy *g = load("id,sponsor,pv\n"
                           "\"x\"\"y\",\"The \"\"Boss\"\"\",1\n"   /* line 2 */
                           "\"Smith, J\",\"The \"\"Boss\"\"\",2\n" /* 3 */
                           "\"two\nlines\",x\"\"y,3\n"             /* 4-5: x""y unquoted is invalid, on line 5 */
                           "\"The \"\"Boss\"\"\",,4\n");           /* 6 */
    assert_null(g);
    assert_string_equal(msgs, "5: quote in the middle of an unquoted field\n");
    g = load("id,sponsor,pv\n"
             "\"x\"\"y\",\"The \"\"Boss\"\"\",1\n"
             "\"Smith, J\",\"The \"\"Boss\"\"\",2\n"
             "\"two\nlines\",\"x\"\"y\",3\n"
             "\"The \"\"Boss\"\"\",,4\n");
    assert_non_null(g);
    assert_int_equal(g->n, 4);
    assert_string_equal(cs_genealogy_id(g, 0), "The \"Boss\"");
    assert_string_equal(cs_genealogy_id(g, 1), "x\"y");
    assert_string_equal(cs_genealogy_id(g, 2), "Smith, J");
    assert_string_equal(cs_genealogy_id(g, 3), "two\nlines");
    assert_int_equal(g->parent[3], 1);
    assert_int_equal(g->line[0], 6);
    assert_int_equal(g->line[3], 4);
    cs_genealogy_free(g);
}

/* ---- periods ---- */

static void test_periods_numeric(void **state)
{
    (void)state;
    /* every label is an integer: ordered as numbers, -1 2 9 10; a missing row is zero volume */
    cs_genealogy *g = load("id,sponsor,pv,period\n"
                           "A,,1,10\n"
                           "A,,2,9\n"
                           "B,A,3,2\n"
                           "A,,4,-1\n"
                           "B,A,5,10\n");
    assert_non_null(g);
    assert_int_equal(g->nperiods, 4);
    const char *labels[] = {"-1", "2", "9", "10"};
    for (int p = 0; p < 4; p++) assert_string_equal(g->period_label[p], labels[p]);
    /* A = 0, B = 1; pv[p * n + i] */
    const int64_t pv[] = {400, 0, 0, 300, 200, 0, 100, 500};
    for (int c = 0; c < 8; c++) assert_int_equal(g->pv[c], pv[c]);
    const int64_t total[] = {400, 300, 200, 600};
    for (int p = 0; p < 4; p++) assert_int_equal(g->total_bv[p], total[p]);
    /* no join_period: the first period with a row; A's is -1 (index 0), B's is 2 (index 1) */
    assert_int_equal(g->join[0], 0), assert_int_equal(g->join[1], 1);
    assert_true(cs_genealogy_is_new(g, 0, 0) && cs_genealogy_is_new(g, 1, 1) && !cs_genealogy_is_new(g, 1, 3));
    cs_genealogy_free(g);
}

static void test_periods_text(void **state)
{
    (void)state;
    /* "2024-1" is not an integer, so all labels sort as bytes: 2024-09 < 2024-1 < 2024-10 */
    cs_genealogy *g = load("id,sponsor,pv,period\nA,,1,2024-10\nA,,2,2024-09\nA,,3,2024-1\n");
    assert_non_null(g);
    assert_string_equal(g->period_label[0], "2024-09");
    assert_string_equal(g->period_label[1], "2024-1");
    assert_string_equal(g->period_label[2], "2024-10");
    assert_int_equal(g->pv[0], 200), assert_int_equal(g->pv[1], 300), assert_int_equal(g->pv[2], 100);
    cs_genealogy_free(g);
    /* one label that is not an integer makes "10" sort before "9" */
    g = load("id,sponsor,pv,period\nA,,1,9\nA,,2,10\nA,,3,x\n");
    assert_non_null(g);
    assert_string_equal(g->period_label[0], "10");
    assert_string_equal(g->period_label[1], "9");
    assert_string_equal(g->period_label[2], "x");
    cs_genealogy_free(g);
    /* so does a join_period value that is not an integer: 1 < 10 < 2 as text */
    g = load("id,sponsor,pv,period,join_period\nA,,1,2,\nA,,1,10,\nB,A,1,1,0x\n");
    assert_non_null(g);
    assert_string_equal(g->period_label[0], "1");
    assert_string_equal(g->period_label[1], "10");
    assert_string_equal(g->period_label[2], "2");
    /* "0x" is before every label: B is counted from "1" but never new; A joins in its first period, "10" */
    long a = find(g, "A"), b = find(g, "B");
    assert_int_equal(g->join[a], 1), assert_int_equal(g->joined_in_file[a], 1);
    assert_int_equal(g->join[b], 0), assert_int_equal(g->joined_in_file[b], 0);
    cs_genealogy_free(g);
}

static void test_period_same_number(void **state)
{
    (void)state;
    expect_errors("id,sponsor,pv,period\nA,,1,7\nA,,1,8\nB,A,1,007\n",
                  "4: period '007' is the same number as period '7' (line 2)\n");
}

static void test_join(void **state)
{
    (void)state;
    cs_genealogy *g = load("id,sponsor,pv,period,join_period\n"
                           "A,,1,1,\n"   /* no value: first period with a row, 1 (index 0), new */
                           "A,,1,3,\n"
                           "B,A,1,3,\n"  /* no value: 3 (index 1), new then */
                           "C,A,1,3,1\n" /* joined in 1 (index 0) although its first row is in 3 */
                           "D,A,1,3,0\n" /* 0 is before the file: counted from 1, never new */
                           "F,A,1,4,2\n" /* 2 is not a period: counted from 3 (index 1), not new */
                           "F,A,1,3,2\n");
    assert_non_null(g);
    assert_string_equal(msgs, "");
    assert_int_equal(g->nperiods, 3); /* 1 3 4 */
    assert_true(g->has_join);
    const char *id[] = {"A", "B", "C", "D", "F"};
    const int32_t join[] = {0, 1, 0, 0, 1};
    const uint8_t joined[] = {1, 1, 1, 0, 0};
    for (int k = 0; k < 5; k++) {
        long i = find(g, id[k]);
        assert_int_equal(g->join[i], join[k]);
        assert_int_equal(g->joined_in_file[i], joined[k]);
    }
    assert_true(cs_genealogy_is_new(g, (size_t)find(g, "C"), 0));
    assert_false(cs_genealogy_is_new(g, (size_t)find(g, "D"), 0));
    cs_genealogy_free(g);
    /* a row before the join: 5 is after every period of the file, so E's row in 3 is too early */
    expect_errors("id,sponsor,pv,period,join_period\nA,,1,1,\nA,,1,3,\nE,A,1,3,5\n",
                  "4: member 'E' has a row in period 3, before its join_period 5\n");
}

/* ---- errors ---- */

static void test_empty_inputs(void **state)
{
    (void)state;
    expect_errors("", "0: empty file\n");
    expect_errors("\xEF\xBB\xBF", "0: empty file\n");
    expect_errors("id,sponsor,pv\n", "0: no members\n");
    expect_errors("id,sponsor,pv\n\n\n", "0: no members\n");
}

static void test_header_errors(void **state)
{
    (void)state;
    expect_errors("id,sponsor\nA,\n", "1: missing required column 'pv'\n");
    expect_errors("ID,sponsor,PV\nA,,1\n",
                  "1: missing required column 'id' (did you mean 'ID'?)\n"
                  "1: missing required column 'pv' (did you mean 'PV'?)\n");
    expect_errors("id,sponsr,pv\nA,,1\n", "1: missing required column 'sponsor' (did you mean 'sponsr'?)\n");
}

static void test_duplicate_columns(void **state)
{
    (void)state;
    expect_errors("id,sponsor,pv,pv\nA,,1,1\n", "1: duplicate column 'pv'\n");
    expect_errors("id,note,sponsor,pv,note\nA,,,1,\n", "1: duplicate column 'note'\n");
    /* a header with "bv" but no "pv": bv is not offered as a suggestion for pv */
    expect_errors("id,sponsor,bv\nA,,1\n", "1: missing required column 'pv'\n");
}

static void test_record_errors(void **state)
{
    (void)state;
    expect_errors("id,sponsor,pv\nA,,1\nB,A\n", "3: row has 2 fields, but the header has 3\n");
    expect_errors("id,sponsor,pv\nA,,1\n\"B,A,1\nC,A,1\n", "3: unterminated quoted field\n");
    expect_errors("id,sponsor,pv\nA,,1\nB\xff,A,1\n", "3: invalid utf-8\n");
    expect_errors("id,sponsor,pv\nA,,1\nB,A,1\"\n", "3: quote in the middle of an unquoted field\n");
    /* a row that could not be read may be someone's sponsor, so no sponsor checks follow */
    expect_errors("id,sponsor,pv\nA,,1\nB,A\nC,B,1\n", "3: row has 2 fields, but the header has 3\n");
}

static void test_empty_id_and_period(void **state)
{
    (void)state;
    expect_errors("id,sponsor,pv\nA,,1\n,A,1\n", "3: empty id\n");
    expect_errors("id,sponsor,pv,period\nA,,1,1\nB,A,1,\n", "3: empty period\n");
}

static void test_duplicates(void **state)
{
    (void)state;
    expect_errors("id,sponsor,pv\nA,,1\nB,A,1\nA,,2\n", "4: duplicate row for member 'A' in period 1 (first at line 2)\n");
    expect_errors("id,sponsor,pv,period\nA,,1,2024-01\nA,,1,2024-02\nA,,3,2024-01\n",
                  "4: duplicate row for member 'A' in period 2024-01 (first at line 2)\n");
    /* the same id in different periods is fine; in the same period twice more, two errors */
    expect_errors("id,sponsor,pv,period\nA,,1,1\nA,,1,2\nA,,1,1\nA,,1,1\n",
                  "4: duplicate row for member 'A' in period 1 (first at line 2)\n"
                  "5: duplicate row for member 'A' in period 1 (first at line 2)\n");
}

static void test_unknown_sponsor(void **state)
{
    (void)state;
    expect_errors("id,sponsor,pv\nA,,1\nB,A,1\nC,Q,1\nD,C,1\n", "4: unknown sponsor 'Q' of member 'C'\n");
}

static void test_changes_between_rows(void **state)
{
    (void)state;
    expect_errors("id,sponsor,pv,period\nA,,1,1\nB,,1,1\nC,A,1,1\nC,B,1,2\nC,,1,3\n",
                  "5: member 'C' has sponsor 'B' here but 'A' at line 4\n"
                  "6: member 'C' has sponsor '' here but 'A' at line 4\n");
    /* the sponsor named "here" is the id the field resolved to: one with no row at all (Q), a
     * quoted one, one whose first row comes later (P) */
    expect_errors("id,sponsor,pv,period\nA,,1,1\nC,A,1,1\nC,Q,1,2\n\"The \"\"Boss\"\"\",A,1,1\n"
                  "C,\"The \"\"Boss\"\"\",1,3\nD,A,1,1\nD,P,1,2\nP,A,1,2\n",
                  "4: member 'C' has sponsor 'Q' here but 'A' at line 3\n"
                  "6: member 'C' has sponsor 'The \"Boss\"' here but 'A' at line 3\n"
                  "8: member 'D' has sponsor 'P' here but 'A' at line 7\n");
    expect_errors("id,sponsor,pv,period,join_period\nA,,1,1,1\nA,,1,2,2\nA,,1,3,\n",
                  "3: member 'A' has join_period '2' here but '1' at line 2\n"
                  "4: member 'A' has join_period '' here but '1' at line 2\n");
}

static void test_cycles(void **state)
{
    (void)state;
    /* A -> C -> B -> A is a cycle; D hangs below it and is not reported; E sponsors itself */
    expect_errors("id,sponsor,pv\nR,,1\nA,C,1\nB,A,1\nC,B,1\nD,C,1\nE,E,1\n",
                  "3: member 'A' is in a sponsorship cycle\n"
                  "4: member 'B' is in a sponsorship cycle\n"
                  "5: member 'C' is in a sponsorship cycle\n"
                  "7: member 'E' is in a sponsorship cycle\n");
    /* a member below an unknown sponsor is not in a cycle */
    expect_errors("id,sponsor,pv\nA,Z,1\nB,A,1\n", "2: unknown sponsor 'Z' of member 'A'\n");
}

static void test_bad_volumes(void **state)
{
    (void)state;
    expect_errors("id,sponsor,pv,bv,retail\n"
                  "A,,-5,1,1\n"
                  "B,A,nan,1,1\n"
                  "C,A,1e5,1,1\n"
                  "D,A,1.234,1,1\n"
                  "E,A,1000000000000000000000000000000,1,1\n"
                  "F,A,,1,1\n"
                  "G,A,1,x,1\n"
                  "H,A,1,1,-0.01\n"
                  "I,A,inf,,\n",
                  "2: invalid pv '-5': negative\n"
                  "3: invalid pv 'nan': not a finite number\n"
                  "4: invalid pv '1e5': not a decimal number\n"
                  "5: invalid pv '1.234': too many decimals\n"
                  "6: invalid pv '1000000000000000000000000000000': out of range\n"
                  "7: invalid pv '': not a decimal number\n"
                  "8: invalid bv 'x': not a decimal number\n"
                  "9: invalid retail '-0.01': negative\n"
                  "10: invalid pv 'inf': not a finite number\n");
}

/* A volume of `digits` digits (leading zeros too), then, when frac >= 0, a point and `frac` digits,
 * into out; returns its hundredths by the rule of docs/plan-format.md, worked out here digit by
 * digit: the whole part times 100, plus the fraction in hundredths ("1.5" is 150, "1." 100). */
static int64_t spell_volume(char *out, unsigned *seed, int digits, int frac)
{
    int64_t whole = 0, part = 0;
    int o = 0;
    for (int k = 0; k < digits; k++) {
        int d = rand_r(seed) % 10;
        out[o++] = (char)('0' + d);
        whole = whole * 10 + d;
    }
    if (frac >= 0) out[o++] = '.';
    for (int k = 0; k < frac; k++) {
        int d = rand_r(seed) % 10;
        out[o++] = (char)('0' + d);
        part = part * 10 + d;
    }
    out[o] = '\0';
    return whole * 100 + (frac == 1 ? part * 10 : part);
}

/* Volumes of 1 to 15 bytes, with and without a point, leading zeros too, read whole and in parts
 * of 64 and 1000 bytes (fields of every kind at a part's end). */
static void test_volume_forms(void **state)
{
    (void)state;
    enum { N = 4000 };
    static int64_t want[N][3];
    size_t cap = (size_t)N * 80, len = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    unsigned seed = 7;
    len += (size_t)sprintf(csv, "id,sponsor,pv,bv,retail\n");
    for (int i = 0; i < N; i++) {
        char sp[16] = "";
        if (i) sprintf(sp, "m%d", (i - 1) / 3);
        len += (size_t)sprintf(csv + len, "m%d,%s", i, sp);
        for (int c = 0; c < 3; c++) {
            int frac = rand_r(&seed) % 4 - 1; /* none, "1.", one or two decimals */
            int digits = frac > 0 ? rand_r(&seed) % 13 : 1 + rand_r(&seed) % 12;
            char v[32];
            want[i][c] = spell_volume(v, &seed, digits, frac);
            len += (size_t)sprintf(csv + len, ",%s", v);
        }
        csv[len++] = '\n';
    }
    size_t part_bytes[] = {0, 64, 1000};
    for (int k = 0; k < 3; k++) {
        cs_diags d;
        cs_diags_init(&d);
        cs_genealogy *g = cs_genealogy_load_parts(csv, len, "g.csv", &d, part_bytes[k]);
        assert_int_equal(d.nerrors, 0);
        assert_non_null(g);
        assert_int_equal(g->n, N);
        for (size_t at = 0; at < g->n; at++) {
            size_t row = g->file_order[at]; /* one row a member: its rank is its row */
            assert_int_equal(g->pv[at], want[row][0]);
            assert_int_equal(g->bv[at], want[row][1]);
            assert_int_equal(g->retail[at], want[row][2]);
        }
        cs_genealogy_free(g);
        cs_diags_free(&d);
    }
    free(csv);
}

/* Spellings that are not volumes, each a byte away from a good one: the bytes next to '0'-'9' in
 * ASCII ('/' and ':'), ';' and '?', a letter and a second point, at every place of "1234.56",
 * "12345678" and "7.25"; every row must be an error. */
static void test_volume_near_misses(void **state)
{
    (void)state;
    const char *good[] = {"1234.56", "12345678", "7.25"}, bad[] = {'/', ':', ';', '?', 'a', '.'};
    char csv[16384];
    size_t len = (size_t)sprintf(csv, "id,sponsor,pv\nr,,1\n");
    int rows = 0;
    for (size_t g = 0; g < sizeof good / sizeof *good; g++)
        for (size_t at = 0; at < strlen(good[g]); at++)
            for (size_t b = 0; b < sizeof bad; b++) {
                char v[16];
                strcpy(v, good[g]);
                if (bad[b] == '.' && (!strchr(v, '.') || v[at] == '.')) continue; /* "12345.78" is a volume */
                v[at] = bad[b];
                len += (size_t)sprintf(csv + len, "x%d,r,%s\n", rows++, v);
            }
    for (int part = 0; part <= 64; part += 64) {
        cs_diags d;
        cs_diags_init(&d);
        cs_genealogy *g = cs_genealogy_load_parts(csv, len, "g.csv", &d, (size_t)part);
        assert_null(g);
        assert_int_equal(d.nerrors, rows);
        for (size_t i = 0; i < d.n; i++) assert_non_null(strstr(d.items[i].msg, "invalid pv"));
        cs_diags_free(&d);
    }
}

static void test_total_overflow(void **state)
{
    (void)state;
    /* 10^16 units = 10^18 hundredths, the largest volume; nine of them fit in int64 (max about
     * 9.22 * 10^18), the tenth does not */
    char csv[1024];
    char *p = csv + sprintf(csv, "id,sponsor,pv\n");
    for (int i = 0; i < 10; i++) p += sprintf(p, "m%d,,10000000000000000\n", i);
    expect_errors(csv, "11: total bv of period 1 overflows\n");
    csv[strlen(csv) - strlen("m9,,10000000000000000\n")] = '\0';
    cs_genealogy *g = load(csv);
    assert_non_null(g);
    assert_int_equal(g->total_bv[0], INT64_C(9000000000000000000));
    cs_genealogy_free(g);
}

/* The volume of member i in period p (1 or 2) of column c (0 pv, 1 bv, 2 retail), in cents: some
 * just below 2^32 - 1 cents (42,949,672.94), some at or above it, one the largest volume (10^18),
 * and small ones.  Whatever the loader does with volumes that large, they come back exact. */
static int64_t big_cents(int i, int p, int c)
{
    switch ((i + p + c) % 5) {
    case 0: return INT64_C(4294967294);           /* the largest kept in a member record */
    case 1: return INT64_C(4294967295) + i;       /* the smallest kept aside, and above */
    case 2: return i < 5 ? INT64_C(1000000000000000000) : INT64_C(5000000000000); /* 10^16 units (once a period
                                                                                     * and column: totals fit) */
    case 3: return (int64_t)i * 101;
    default: return 0;
    }
}

/* Loads members m0..m(n-1) (m(i)'s sponsor m((i-1)/2)) and checks every volume.  rows: 1, one row
 * each and no period column; 2, rows in periods 1 and 2; 3, one row each, in period 1 or 2. */
static void check_big_volumes(int n, int rows, size_t part_bytes)
{
    size_t cap = (size_t)n * 2 * 96 + 64, len = 0;
    char *csv = malloc(cap);
    assert_non_null(csv);
    len += (size_t)sprintf(csv, rows == 1 ? "id,sponsor,pv,bv,retail\n" : "id,sponsor,period,pv,bv,retail\n");
    for (int p = 1; p <= (rows == 2 ? 2 : 1); p++)
        for (int i = 0; i < n; i++) {
            int per = rows == 3 ? 1 + i % 2 : p;
            char sp[16] = "";
            if (i) sprintf(sp, "m%d", (i - 1) / 2);
            len += (size_t)sprintf(csv + len, "m%d,%s", i, sp);
            if (rows != 1) len += (size_t)sprintf(csv + len, ",%d", per);
            for (int c = 0; c < 3; c++) {
                int64_t v = big_cents(i, per, c);
                len += (size_t)sprintf(csv + len, ",%lld.%02lld", (long long)(v / 100), (long long)(v % 100));
            }
            csv[len++] = '\n';
        }
    cs_diags d;
    cs_diags_init(&d);
    cs_genealogy *g = cs_genealogy_load_parts(csv, len, "g.csv", &d, part_bytes);
    assert_int_equal(d.nerrors, 0);
    assert_non_null(g);
    assert_int_equal(g->n, n);
    assert_int_equal(g->nperiods, rows == 1 ? 1 : 2);
    for (int i = 0; i < n; i++) {
        char id[16];
        sprintf(id, "m%d", i);
        size_t at = (size_t)find(g, id);
        for (int p = 1; p <= (int)g->nperiods; p++) {
            int has = rows != 3 || p == 1 + i % 2;
            size_t cell = (size_t)(p - 1) * g->n + at;
            assert_int_equal(g->pv[cell], has ? big_cents(i, p, 0) : 0);
            assert_int_equal(g->bv[cell], has ? big_cents(i, p, 1) : 0);
            assert_int_equal(g->retail[cell], has ? big_cents(i, p, 2) : 0);
        }
    }
    cs_genealogy_free(g);
    cs_diags_free(&d);
    free(csv);
}

static void test_big_volumes(void **state)
{
    (void)state;
    for (int rows = 1; rows <= 3; rows++) {
        check_big_volumes(7, rows, 0);
        check_big_volumes(3000, rows, 0);
        check_big_volumes(3000, rows, 512); /* many parts: both threads, both halves of the ids */
    }
}

static void test_errors_in_line_order(void **state)
{
    (void)state;
    /* found by different stages (reading, tree, rows) but reported by line */
    expect_errors("id,sponsor,pv\n"
                  "A,Q,1\n"  /* 2: unknown sponsor (tree) */
                  "B,,x\n"   /* 3: bad pv (reading) */
                  "C,C,1\n"  /* 4: cycle (tree) */
                  "B,,1\n",  /* 5: duplicate (reading) */
                  "2: unknown sponsor 'Q' of member 'A'\n"
                  "3: invalid pv 'x': not a decimal number\n"
                  "4: member 'C' is in a sponsorship cycle\n"
                  "5: duplicate row for member 'B' in period 1 (first at line 3)\n");
}

static void test_ids_in_messages(void **state)
{
    (void)state;
    /* control characters are escaped so a message stays on one line; long ids are cut */
    expect_errors("id,sponsor,pv\n\"a\tb\",,1\n\"a\tb\",,1\n", "3: duplicate row for member 'a\\x09b' in period 1 (first at line 2)\n");
    char csv[512], want[512];
    char id[101];
    memset(id, 'x', 100);
    id[100] = '\0';
    snprintf(csv, sizeof csv, "id,sponsor,pv\nA,%s,1\n", id);
    snprintf(want, sizeof want, "2: unknown sponsor '%.60s...' of member 'A'\n", id);
    expect_errors(csv, want);
}

static void test_diag_limit(void **state)
{
    (void)state;
    char *csv = malloc(20 + 300 * 4);
    char *p = csv + sprintf(csv, "id,sponsor,pv\n");
    for (int i = 0; i < 300; i++) p += sprintf(p, ",,1\n");
    cs_diags d;
    cs_diags_init(&d);
    assert_null(cs_genealogy_load_buffer(csv, strlen(csv), "g.csv", &d));
    assert_int_equal(d.nerrors, 300);
    assert_int_equal(d.n, CS_DIAGS_MAX);
    assert_int_equal(d.ndropped, 300 - CS_DIAGS_MAX);
    assert_int_equal(d.items[0].line, 2);
    assert_int_equal(d.items[CS_DIAGS_MAX - 1].line, CS_DIAGS_MAX + 1);
    cs_diags_free(&d);
    free(csv);
}

static void test_load_file(void **state)
{
    (void)state;
    char path[] = "/tmp/test_genealogy_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *csv = "id,sponsor,pv\nB,A,2\nA,,1\n";
    assert_int_equal(write(fd, csv, strlen(csv)), (ssize_t)strlen(csv));
    close(fd);
    cs_diags d;
    cs_diags_init(&d);
    cs_genealogy *g = cs_genealogy_load_file(path, &d);
    assert_non_null(g);
    assert_int_equal(g->n, 2);
    assert_string_equal(cs_genealogy_id(g, 0), "A");
    cs_genealogy_free(g);
    fd = open(path, O_WRONLY | O_TRUNC);
    close(fd);
    assert_null(cs_genealogy_load_file(path, &d)); /* an empty file is not mapped */
    assert_int_equal(d.n, 1);
    assert_string_equal(d.items[0].msg, "empty file");
    unlink(path);
    assert_null(cs_genealogy_load_file(path, &d));
    assert_int_equal(d.n, 2);
    assert_int_equal(d.items[1].line, 0);
    assert_string_equal(d.items[1].msg, "cannot open: No such file or directory");
    cs_diags_free(&d);
}

/* ---- inputs read in parts (genealogy_int.h): the result must not depend on the cut ---- */

/* The messages (and error counts) of loading buf with parts of about part_bytes (0: the default
 * size), and a digest of the store, in out. */
static void load_parts_digest(const char *buf, size_t len, size_t part_bytes, char *out, size_t cap)
{
    cs_diags d;
    cs_diags_init(&d);
    cs_genealogy *g = cs_genealogy_load_parts(buf, len, "g.csv", &d, part_bytes);
    size_t o = 0;
    for (size_t i = 0; i < d.n && o < cap; i++) o += (size_t)snprintf(out + o, cap - o, "%ld: %s\n", d.items[i].line, d.items[i].msg);
    if (o < cap) o += (size_t)snprintf(out + o, cap - o, "errors %zu dropped %zu\n", d.nerrors, d.ndropped);
    assert_true(o < cap);
    if (g) {
        uint64_t h = 1469598103934665603u;
#define MIX(p, bytes)                                                                                                  \
    for (size_t k_ = 0; k_ < (size_t)(bytes); k_++) h = (h ^ ((const unsigned char *)(p))[k_]) * 1099511628211u
        size_t cells = g->n * g->nperiods;
        for (size_t i = 0; i < g->n; i++) MIX(cs_genealogy_id(g, i), strlen(cs_genealogy_id(g, i)) + 1);
        for (size_t p = 0; p < g->nperiods; p++) MIX(g->period_label[p], strlen(g->period_label[p]) + 1);
        MIX(g->parent, g->n * sizeof *g->parent);
        MIX(g->file_order, g->n * sizeof *g->file_order);
        MIX(g->line, g->n * sizeof *g->line);
        MIX(g->join, g->n * sizeof *g->join);
        MIX(g->joined_in_file, g->n);
        MIX(g->pv, cells * sizeof *g->pv);
        MIX(g->bv, cells * sizeof *g->bv);
        MIX(g->retail, cells * sizeof *g->retail);
        MIX(g->total_bv, g->nperiods * sizeof *g->total_bv);
#undef MIX
        snprintf(out + o, cap - o, "n %zu periods %zu digest %016llx\n", g->n, g->nperiods, (unsigned long long)h);
    }
    assert_true((g == NULL) == (d.nerrors > 0));
    cs_genealogy_free(g);
    cs_diags_free(&d);
}

/* A file of `members` members in `periods` periods (rows period by period), with a problem of some
 * kind every `every` rows (none if 0); `quote` quotes the first id, which changes nothing but makes
 * the loader read the file as one part. */
static char *make_file(int members, int periods, int every, int quote, size_t *len)
{
    size_t cap = (size_t)members * (size_t)periods * 64 + 4096, o = 0;
    char *s = malloc(cap);
    assert_non_null(s);
    o += (size_t)snprintf(s + o, cap - o, "id,sponsor,period,pv,bv,retail,join_period\n");
    int row = 0;
    for (int p = 1; p <= periods; p++)
        for (int i = 0; i < members; i++, row++) {
            uint64_t x = (uint64_t)i * 6364136223846793005u + 1442695040888963407u; /* the same in every period */
            int sp = i == 0 ? -1 : (int)((x >> 33) % (uint64_t)i);
            char id[32], spid[32] = "";
            snprintf(id, sizeof id, i == 0 && quote ? "\"M%d\"" : "M%d", i);
            if (sp >= 0) snprintf(spid, sizeof spid, "M%d", sp);
            const char *pv = "12.50", *join = "";
            if (every && row % every == every - 1) {
                switch ((row / every) % 8) {
                case 0: pv = "x"; break;                                      /* bad volume */
                case 1: snprintf(spid, sizeof spid, "Q%d", row); break;       /* unknown sponsor (or a change) */
                case 2: o += (size_t)snprintf(s + o, cap - o, "\n"); break;  /* blank line */
                case 3: o += (size_t)snprintf(s + o, cap - o, "M%d,,%d,1,1,1,\n", i, p); break; /* duplicate */
                case 4: o += (size_t)snprintf(s + o, cap - o, ",M1,%d,1,1,1,\n", p); break;    /* empty id */
                case 5: o += (size_t)snprintf(s + o, cap - o, "a,b\n"); break;                  /* ragged */
                case 6: join = "99"; break;                                   /* a join_period that changes */
                default: pv = "-1"; break;
                }
            }
            o += (size_t)snprintf(s + o, cap - o, "%s,%s,%d,%s,%d.25,0.5,%s\n", id, spid, p, pv, i % 50, join);
            assert_true(o < cap);
        }
    *len = o;
    return s;
}

static void test_parts_clean(void **state)
{
    (void)state;
    /* about 3 MB: a dozen parts of the default size; the store must be the same as from one part,
     * from parts of 1000 bytes, and with one thread or two */
    static char a[16384], b[16384], c[16384], e[16384];
    size_t la, lb;
    char *fa = make_file(30000, 2, 0, 0, &la), *fb = make_file(30000, 2, 0, 1, &lb);
    load_parts_digest(fa, la, 0, a, sizeof a);
    load_parts_digest(fb, lb, 0, b, sizeof b);
    load_parts_digest(fa, la, 1000, c, sizeof c);
    assert_non_null(strstr(a, "n 30000 periods 2"));
    assert_string_equal(a, b);
    assert_string_equal(a, c);
    int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    load_parts_digest(fa, la, 0, e, sizeof e);
    omp_set_num_threads(threads);
    assert_string_equal(a, e);
    free(fa);
    free(fb);
}

static void test_parts_errors(void **state)
{
    (void)state;
    /* problems all over the file, so in every part: the same messages, in the same order, as when the
     * file is read as one part, whatever the parts and the threads */
    static char a[16384], b[16384], c[16384], e[16384];
    size_t la, lb;
    char *fa = make_file(20000, 3, 997, 0, &la), *fb = make_file(20000, 3, 997, 1, &lb);
    load_parts_digest(fa, la, 0, a, sizeof a);
    load_parts_digest(fb, lb, 0, b, sizeof b);
    load_parts_digest(fa, la, 4000, c, sizeof c);
    assert_non_null(strstr(a, "invalid pv 'x'"));
    assert_non_null(strstr(a, "blank line"));
    assert_string_equal(a, b);
    assert_string_equal(a, c);
    int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    load_parts_digest(fa, la, 0, e, sizeof e);
    omp_set_num_threads(threads);
    assert_string_equal(a, e);
    /* an error every 7 rows: more than the 10000 errors kept, and the same ones kept */
    free(fa);
    free(fb);
    fa = make_file(25000, 4, 7, 0, &la);
    fb = make_file(25000, 4, 7, 1, &lb);
    load_parts_digest(fa, la, 0, a, sizeof a);
    load_parts_digest(fb, lb, 0, b, sizeof b);
    assert_string_equal(a, b);
    free(fa);
    free(fb);
}

static void test_parts_fatal(void **state)
{
    (void)state;
    /* invalid UTF-8 in a later part ends the reading there: nothing after it is reported */
    static char a[16384], b[16384];
    size_t la, lb;
    char *fa = make_file(30000, 1, 1009, 0, &la), *fb = make_file(30000, 1, 1009, 1, &lb);
    fa[la * 2 / 3] = (char)0xff;
    fb[lb * 2 / 3] = (char)0xff;
    load_parts_digest(fa, la, 0, a, sizeof a);
    load_parts_digest(fb, lb, 0, b, sizeof b);
    assert_non_null(strstr(a, "invalid utf-8"));
    assert_string_equal(a, b);
    free(fa);
    free(fb);
}

/* Loads csv with parts of every size, down to one line a part: all must give `want`. */
static void expect_any_cut(const char *csv, const char *want)
{
    static char got[8192];
    size_t len = strlen(csv);
    load_parts_digest(csv, len, 0, got, sizeof got);
    assert_string_equal(got, want);
    for (size_t part = 1; part <= len; part++) {
        load_parts_digest(csv, len, part, got, sizeof got);
        assert_string_equal(got, want);
    }
}

static void test_parts_every_cut(void **state)
{
    (void)state;
    /* errors of each stage, two on one line; a blank line in the middle is an error that stops the
     * tree checks, blank lines at the end (CRLF or not) are not records */
    expect_any_cut("id,sponsor,pv,period,join_period\n"
                   "A,,1,1,\n"
                   "B,A,x,1,\n"   /* 3 */
                   "C,Z,1,1,2\n"  /* 4: unknown sponsor (tree), then a row before its join_period (rows) */
                   "A,,1,2,\n"
                   "B,C,1,2,\n"   /* 6 */
                   "D,D,1,2,\n"   /* 7 */
                   "A,,1,2,\n"    /* 8 */
                   "E,A,1,007,\n"
                   "E,A,1,7,1\n", /* 10: found when resolving, then when ordering the periods */
                   "3: invalid pv 'x': not a decimal number\n"
                   "4: unknown sponsor 'Z' of member 'C'\n"
                   "4: member 'C' has a row in period 1, before its join_period 2\n"
                   "6: member 'B' has sponsor 'C' here but 'A' at line 3\n"
                   "7: member 'D' is in a sponsorship cycle\n"
                   "8: duplicate row for member 'A' in period 2 (first at line 5)\n"
                   "10: member 'E' has join_period '1' here but '' at line 9\n"
                   "10: period '7' is the same number as period '007' (line 9)\n"
                   "errors 8 dropped 0\n");
    expect_any_cut("\xEF\xBB\xBFid,sponsor,pv,period,join_period\r\n"
                   "A,,1,1,\r\n"
                   "B,A,x,1,\r\n"
                   "C,Z,1,1,2\r\n"
                   "\r\n"
                   "A,,1,2,\r\n"
                   "B,C,1,2,\r\n"
                   "D,D,1,2,\r\n"
                   "A,,1,2,\r\n"
                   "E,A,1,007,\r\n"
                   "E,A,1,7,1\r\n"
                   "\r\n\n\r\n",
                   "3: invalid pv 'x': not a decimal number\n"
                   "4: member 'C' has a row in period 1, before its join_period 2\n"
                   "5: blank line\n"
                   "7: member 'B' has sponsor 'C' here but 'A' at line 3\n"
                   "9: duplicate row for member 'A' in period 2 (first at line 6)\n"
                   "11: member 'E' has join_period '1' here but '' at line 10\n"
                   "11: period '7' is the same number as period '007' (line 10)\n"
                   "errors 7 dropped 0\n");
    /* only blank lines after the header, in several parts: no members */
    expect_any_cut("id,sponsor,pv\n\n\r\n\n", "0: no members\nerrors 1 dropped 0\n");
    /* without errors: the store too */
    static char want[8192];
    const char *csv = "id,sponsor,pv,period\nB,A,2,1\nA,,1,1\nC,B,3,2\nB,A,4,2\n\n";
    load_parts_digest(csv, strlen(csv), 0, want, sizeof want);
    assert_non_null(strstr(want, "n 3 periods 2"));
    expect_any_cut(csv, want);
}

/* ---- the placement and leg columns ---- */

static void test_placement_columns(void **state)
{
    (void)state;
    /* placement ids resolve to members (also to members whose row comes later); L/left = 0,
     * R/right = 1, a position k = k - 1; an empty field is automatic (-1); the same in every row */
    cs_genealogy *g = load("period,id,sponsor,pv,placement,leg\n"
                           "1,A,,1,,\n"
                           "1,B,A,1,C,left\n"
                           "1,C,A,1,A,R\n"
                           "1,D,A,1,,3\n"
                           "2,B,A,1,C,L\n"
                           "2,D,A,1,,3\n");
    assert_non_null(g);
    assert_true(g->has_placement && g->has_leg);
    long a = find(g, "A"), b = find(g, "B"), c = find(g, "C"), dd = find(g, "D");
    assert_int_equal(g->pparent[a], -1);
    assert_int_equal(g->pslot[a], -1);
    assert_int_equal(g->pparent[b], c);
    assert_int_equal(g->pslot[b], 0);
    assert_int_equal(g->pparent[c], a);
    assert_int_equal(g->pslot[c], 1);
    assert_int_equal(g->pparent[dd], -1);
    assert_int_equal(g->pslot[dd], 2);
    cs_genealogy_free(g);
    /* a file with neither column has no arrays; a leg column alone is enough to read them */
    g = load("id,sponsor,pv\nA,,1\n");
    assert_non_null(g);
    assert_null(g->pparent);
    assert_null(g->pslot);
    cs_genealogy_free(g);
    g = load("id,sponsor,pv,leg\nA,,1,\nB,A,1,2\n");
    assert_non_null(g);
    assert_false(g->has_placement);
    assert_int_equal(g->pslot[find(g, "B")], 1);
    assert_int_equal(g->pparent[find(g, "B")], -1);
    cs_genealogy_free(g);
}

static void test_placement_errors(void **state)
{
    (void)state;
    expect_errors("period,id,sponsor,pv,placement,leg\n"
                  "1,A,,1,,\n"
                  "1,B,A,1,Z,L\n"
                  "1,C,A,1,C,\n"
                  "1,D,A,1,,0\n"
                  "1,E,A,1,,65\n"
                  "1,F,A,1,A,x\n"
                  "1,G,A,1,A,R\n"
                  "2,G,A,1,B,R\n"
                  "2,A,,1,,L\n",
                  "3: unknown placement parent 'Z' of member 'B'\n"
                  "4: member 'C' is its own placement parent\n"
                  "5: invalid leg '0': L, R or a position from 1 to 64\n"
                  "6: invalid leg '65': L, R or a position from 1 to 64\n"
                  "7: invalid leg 'x': L, R or a position from 1 to 64\n"
                  "9: member 'G' has placement parent 'B' here but 'A' at line 8\n"
                  "10: member 'A' has leg 'L' here but another leg at line 2\n");
}

/* Ids longer than the 20 bytes kept inside a hash slot are kept by address: they must resolve,
 * as members and as sponsors, like short ones, also when two differ only after byte 20. */
static void test_long_ids(void **state)
{
    (void)state;
    char a[200], b[200], c[200], csv[2048];
    memset(a, 'x', 150), a[150] = '\0';
    memcpy(b, a, 151), b[149] = 'y';
    memcpy(c, a, 151), c[20] = 'z';
    snprintf(csv, sizeof csv, "id,sponsor,pv\n%s,,1\n%s,%s,2\n%s,%s,3\nshort,%s,4\n", a, b, a, c, b, c);
    cs_genealogy *g = load(csv);
    assert_non_null(g);
    assert_int_equal(g->n, 4);
    long ia = find(g, a), ib = find(g, b), ic = find(g, c), is = find(g, "short");
    assert_int_equal(g->parent[ia], -1);
    assert_int_equal(g->parent[ib], ia);
    assert_int_equal(g->parent[ic], ib);
    assert_int_equal(g->parent[is], ic);
    assert_int_equal(g->pv[is], 400);
    cs_genealogy_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_breadth_first),        cmocka_unit_test(test_shuffled_forest),
        cmocka_unit_test(test_columns_and_defaults), cmocka_unit_test(test_quoted_ids),
        cmocka_unit_test(test_periods_numeric),      cmocka_unit_test(test_periods_text),
        cmocka_unit_test(test_period_same_number),   cmocka_unit_test(test_join),
        cmocka_unit_test(test_empty_inputs),         cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_duplicate_columns),    cmocka_unit_test(test_record_errors),
        cmocka_unit_test(test_empty_id_and_period),  cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_unknown_sponsor),      cmocka_unit_test(test_changes_between_rows),
        cmocka_unit_test(test_cycles),               cmocka_unit_test(test_bad_volumes), cmocka_unit_test(test_volume_forms), cmocka_unit_test(test_volume_near_misses),
        cmocka_unit_test(test_total_overflow),       cmocka_unit_test(test_big_volumes),       cmocka_unit_test(test_errors_in_line_order),
        cmocka_unit_test(test_ids_in_messages),      cmocka_unit_test(test_diag_limit),
        cmocka_unit_test(test_load_file),           cmocka_unit_test(test_parts_clean),
        cmocka_unit_test(test_parts_errors),         cmocka_unit_test(test_parts_fatal),
        cmocka_unit_test(test_parts_every_cut),      cmocka_unit_test(test_placement_columns),
        cmocka_unit_test(test_placement_errors),     cmocka_unit_test(test_long_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
