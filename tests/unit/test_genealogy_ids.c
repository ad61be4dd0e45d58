/* Ids are only names: loading a genealogy text T and the text T' in which every id and every
 * non-empty sponsor has "x" appended must give the same result, apart from that suffix.
 *
 * Why: the loader may look ids of one numeric shape ("M" and 8 digits, 7 bare digits, ...) up by
 * their number in an array, falling back to its hash table (and restarting the load) when an id
 * or sponsor does not fit.  The suffix keeps T' off that path, so every case compares the fast
 * path (or its fallback) with the general one.  Same result: both loads succeed or both fail;
 * on success every array of the store is equal and the ids are equal once the "x" of T' is
 * stripped; on failure the diagnostics are equal once "x'" in the messages of T' is read as "'"
 * (ids are quoted in messages).
 * Both texts are written from one description (rows below), so they differ only in the suffix.
 * Each case that loads also says which way T's load must have taken (cs_genealogy.ids_by_number,
 * worked out from the rule in numid.h: the first row's id sets the shape, and every id and sponsor
 * must have it with a number within the array's range), so a loader that always fell back, or
 * took numbers it should not, fails here and not only in a benchmark.  T' never has numbers.
 * Some cases also check members against the generator's own rows, so the test is not only
 * relative, and the failing ones check that the expected error is among the messages. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genealogy.h"

typedef struct {
    char id[16], sponsor[16]; /* sponsor "" = a root */
    int64_t pv, bv, retail;   /* cents */
    int period;               /* written when the file has periods */
    int join;                 /* join_period, written when the file has the column; -1: empty field */
    unsigned quote;           /* 1: the id is quoted, 2: the sponsor */
} row;

typedef struct {
    row *r;
    size_t n, cap;
    int periods, join, crlf; /* columns bv, retail and period; column join_period; CRLF line ends */
} desc;

static uint64_t rnd(uint64_t *s) /* xorshift64: deterministic for a seed on every platform */
{
    *s ^= *s << 13, *s ^= *s >> 7, *s ^= *s << 17;
    return *s;
}

static row *add(desc *D, const char *id, const char *sponsor, int64_t pv)
{
    if (D->n == D->cap) {
        D->cap = D->cap ? 2 * D->cap : 64;
        D->r = realloc(D->r, D->cap * sizeof *D->r);
        assert_non_null(D->r);
    }
    assert_true(strlen(id) < sizeof D->r->id && strlen(sponsor) < sizeof D->r->sponsor);
    row *r = &D->r[D->n++];
    memset(r, 0, sizeof *r);
    strcpy(r->id, id), strcpy(r->sponsor, sponsor);
    r->pv = r->bv = pv, r->period = 1, r->join = -1;
    return r;
}

/* Appends n members, member i numbered first + i * stride (plus a random offset below stride with
 * `jitter`) and written with fmt; the first `roots` are roots, every other one is sponsored by a
 * random earlier member, so the tree has no cycle.  pv is random, with cents. */
static void gen_forest(desc *D, size_t n, const char *fmt, long first, long stride, int jitter, size_t roots,
                       uint64_t *s)
{
    size_t base = D->n;
    for (size_t i = 0; i < n; i++) {
        char id[16], sp[16] = "";
        long num = first + (long)i * stride + (jitter ? (long)(rnd(s) % (uint64_t)stride) : 0);
        snprintf(id, sizeof id, fmt, num);
        if (i >= roots) strcpy(sp, D->r[base + rnd(s) % i].id);
        add(D, id, sp, (int64_t)(rnd(s) % 10000000));
    }
}

static void shuffle(desc *D, uint64_t *s)
{
    for (size_t i = D->n; i > 1; i--) {
        size_t j = rnd(s) % i;
        row t = D->r[i - 1];
        D->r[i - 1] = D->r[j], D->r[j] = t;
    }
}

/* Renames row k's member, and the sponsor fields naming it. */
static void rename_member(desc *D, size_t k, const char *id)
{
    char old[16];
    strcpy(old, D->r[k].id);
    for (size_t i = 0; i < D->n; i++)
        if (!strcmp(D->r[i].sponsor, old)) strcpy(D->r[i].sponsor, id);
    strcpy(D->r[k].id, id);
}

static void put_field(char **p, const char *sep, const char *v, const char *sfx, unsigned quote)
{
    *p += sprintf(*p, quote ? "%s\"%s%s\"" : "%s%s%s", sep, v, *v ? sfx : ""); /* an empty sponsor stays empty */
}

static void put_money(char **p, int64_t c) { *p += sprintf(*p, ",%lld.%02lld", (long long)(c / 100), (long long)(c % 100)); }

/* The CSV text of D with `sfx` after every id and non-empty sponsor. */
static char *write_csv(const desc *D, const char *sfx, size_t *len)
{
    size_t cap = 100 + D->n * 160; /* a row is at most about 130 bytes */
    char *s = malloc(cap), *p = s;
    assert_non_null(s);
    const char *eol = D->crlf ? "\r\n" : "\n";
    p += sprintf(p, "id,sponsor,pv%s%s%s", D->periods ? ",bv,retail,period" : "", D->join ? ",join_period" : "", eol);
    for (size_t k = 0; k < D->n; k++) {
        const row *r = &D->r[k];
        put_field(&p, "", r->id, sfx, r->quote & 1);
        put_field(&p, ",", r->sponsor, sfx, r->quote & 2);
        put_money(&p, r->pv);
        if (D->periods) put_money(&p, r->bv), put_money(&p, r->retail), p += sprintf(p, ",%d", r->period);
        if (D->join) p += r->join < 0 ? sprintf(p, ",") : sprintf(p, ",%d", r->join);
        p += sprintf(p, "%s", eol);
    }
    *len = (size_t)(p - s);
    assert_true(*len < cap);
    return s;
}

static cs_genealogy *load(const desc *D, const char *sfx, cs_diags *d)
{
    size_t len;
    char *csv = write_csv(D, sfx, &len);
    cs_diags_init(d);
    cs_genealogy *g = cs_genealogy_load_buffer(csv, len, "g.csv", d);
    free(csv); /* the store must not point into the text */
    assert_true((g == NULL) == (d->nerrors > 0));
    return g;
}

static void show(const cs_diags *d) /* for a case that fails unexpectedly */
{
    for (size_t i = 0; i < d->n && i < 5; i++) print_message("  %ld: %s\n", d->items[i].line, d->items[i].msg);
}

#define SAME(field, count) assert_memory_equal(g->field, gx->field, (count) * sizeof *g->field)

static void same_store(const cs_genealogy *g, const cs_genealogy *gx)
{
    size_t n = g->n, np = g->nperiods;
    assert_int_equal(n, gx->n);
    assert_int_equal(np, gx->nperiods);
    assert_int_equal(g->has_bv, gx->has_bv), assert_int_equal(g->has_retail, gx->has_retail);
    assert_int_equal(g->has_period, gx->has_period), assert_int_equal(g->has_join, gx->has_join);
    SAME(parent, n), SAME(file_order, n), SAME(line, n), SAME(join, n), SAME(joined_in_file, n);
    SAME(pv, np * n), SAME(bv, np * n), SAME(retail, np * n), SAME(total_bv, np);
    for (size_t p = 0; p < np; p++) assert_string_equal(g->period_label[p], gx->period_label[p]);
    for (size_t i = 0; i < n; i++) {
        const char *a = cs_genealogy_id(g, i), *b = cs_genealogy_id(gx, i);
        size_t la = strlen(a);
        assert_int_equal(strlen(b), la + 1);
        assert_memory_equal(a, b, la);
        assert_int_equal(b[la], 'x');
    }
}

/* Loads D with and without the suffix and compares.  want_ok: whether the loads must succeed;
 * want_msg: a text that one of the messages must contain, or NULL; want_num: whether T's ids must
 * have been looked up by number (when it loads).  Returns T's store (or NULL). */
static cs_genealogy *check_same(const desc *D, int want_ok, const char *want_msg, int want_num)
{
    cs_diags d, dx;
    cs_genealogy *g = load(D, "", &d), *gx = load(D, "x", &dx);
    if ((g != NULL) != want_ok) show(&d);
    assert_int_equal(g != NULL, want_ok);
    assert_int_equal(gx != NULL, want_ok);
    assert_int_equal(d.n, dx.n);
    assert_int_equal(d.nerrors, dx.nerrors);
    int found = want_msg == NULL;
    for (size_t i = 0; i < d.n; i++) {
        const cs_diag *a = &d.items[i], *b = &dx.items[i];
        assert_int_equal(a->sev, b->sev);
        assert_string_equal(a->file, b->file);
        assert_int_equal(a->line, b->line);
        assert_int_equal(a->col, b->col);
        char *m = malloc(strlen(b->msg) + 1), *q = m; /* b's message with every "x'" read as "'" */
        assert_non_null(m);
        for (const char *c = b->msg; *c; c++)
            if (!(c[0] == 'x' && c[1] == '\'')) *q++ = *c;
        *q = '\0';
        assert_string_equal(a->msg, m);
        free(m);
        found |= want_msg && strstr(a->msg, want_msg) != NULL;
    }
    if (!found) show(&d);
    assert_true(found);
    if (g) {
        same_store(g, gx);
        assert_int_equal(g->ids_by_number, want_num);
        assert_int_equal(gx->ids_by_number, 0);
    }
    cs_genealogy_free(gx);
    cs_diags_free(&d), cs_diags_free(&dx);
    return g;
}

static size_t find(const cs_genealogy *g, const char *id)
{
    for (size_t i = 0; i < g->n; i++)
        if (!strcmp(cs_genealogy_id(g, i), id)) return i;
    fail_msg("no member '%s'", id);
    return 0;
}

/* Independent of the other load: r's member has r's sponsor and r's pv in period index p. */
static void check_row(const cs_genealogy *g, const row *r, size_t p)
{
    size_t i = find(g, r->id);
    if (!r->sponsor[0]) {
        assert_int_equal(g->parent[i], -1);
    } else {
        assert_true(g->parent[i] >= 0);
        assert_string_equal(cs_genealogy_id(g, (size_t)g->parent[i]), r->sponsor);
    }
    assert_int_equal(g->pv[p * g->n + i], r->pv);
}

/* Loads D (which must load, its ids by number if want_num) and checks every `step`-th row
 * directly; frees D. */
static void check_ok(desc *D, size_t step, int want_num)
{
    cs_genealogy *g = check_same(D, 1, NULL, want_num);
    for (size_t k = 0; k < D->n; k += step) check_row(g, &D->r[k], D->periods ? (size_t)D->r[k].period - 1 : 0);
    cs_genealogy_free(g);
    free(D->r);
}

static void check_fails(desc *D, const char *want_msg)
{
    assert_null(check_same(D, 0, want_msg, 0));
    free(D->r);
}

/* 1: 2,000 members M001000.. in shuffled rows, one period. */
static void test_dense(void **state)
{
    (void)state;
    desc D = {0};
    uint64_t s = 1;
    gen_forest(&D, 2000, "M%06ld", 1000, 1, 0, 3, &s);
    shuffle(&D, &s);
    /* the case is about pending sponsors: some sponsor's row must come after a recruit's */
    static size_t pos[2000];
    for (size_t k = 0; k < D.n; k++) pos[atoi(D.r[k].id + 1) - 1000] = k;
    size_t pending = 0;
    for (size_t k = 0; k < D.n; k++) pending += D.r[k].sponsor[0] && pos[atoi(D.r[k].sponsor + 1) - 1000] > k;
    assert_true(pending > 100);
    check_ok(&D, 97, 1);
}

/* 2: three periods, members with rows in some of them, join_period on some (in every row of the
 * member, at or before its first row: 0 is before the file, which is allowed). */
static void test_periods(void **state)
{
    (void)state;
    desc F = {0}, D = {.periods = 1, .join = 1};
    uint64_t s = 2;
    gen_forest(&F, 2000, "M%06ld", 1000, 1, 0, 2, &s);
    for (size_t i = 0; i < F.n; i++) {
        unsigned mask = 1 + (unsigned)(rnd(&s) % 7);
        int first = mask & 1 ? 1 : mask & 2 ? 2 : 3;
        int join = rnd(&s) % 3 ? -1 : (int)(rnd(&s) % (uint64_t)(first + 1));
        for (int p = 1; p <= 3; p++) {
            if (!(mask >> (p - 1) & 1)) continue;
            row *r = add(&D, F.r[i].id, F.r[i].sponsor, (int64_t)(rnd(&s) % 1000000));
            r->bv = (int64_t)(rnd(&s) % 1000000), r->retail = (int64_t)(rnd(&s) % 100000);
            r->period = p, r->join = join;
        }
    }
    free(F.r);
    shuffle(&D, &s);
    check_ok(&D, 101, 1); /* labels 1 2 3 are periods 0 1 2 */

    /* join_period errors: a row before the join, and a join_period that differs between rows */
    desc E = {.periods = 1, .join = 1};
    add(&E, "M000002", "M000001", 100)->join = 2;
    add(&E, "M000001", "", 100);
    add(&E, "M000001", "", 100)->period = 2;
    add(&E, "M000003", "M000001", 100)->join = 1;
    row *r = add(&E, "M000003", "M000001", 100);
    r->period = 2, r->join = 2;
    check_fails(&E, "member 'M000002' has a row in period 1, before its join_period 2");
}

/* 3: one member's row twice in a one-period file. */
static void test_duplicate_row(void **state)
{
    (void)state;
    desc D = {0};
    uint64_t s = 3;
    gen_forest(&D, 300, "M%06ld", 1000, 1, 0, 1, &s);
    shuffle(&D, &s);
    row dup = D.r[57];
    dup.pv += 1;
    *add(&D, "", "", 0) = dup;
    row t = D.r[150]; /* the duplicate goes in the middle */
    D.r[150] = D.r[D.n - 1], D.r[D.n - 1] = t;
    char want[64];
    snprintf(want, sizeof want, "duplicate row for member '%s' in period 1", dup.id);
    check_fails(&D, want);
}

/* 4: a sponsor with no row: far out, one below and one past the range of the ids, and a hole. */
static void test_unknown_sponsor(void **state)
{
    (void)state;
    const char *missing[] = {"M999999", "M000999", "M003000"}; /* ids are M001000..M002999 */
    for (int v = 0; v < 4; v++) {
        desc D = {0};
        uint64_t s = 4;
        gen_forest(&D, 2000, "M%06ld", 1000, 1, 0, 1, &s);
        char want[64];
        if (v < 3) {
            strcpy(D.r[1234].sponsor, missing[v]);
            snprintf(want, sizeof want, "unknown sponsor '%s' of member '%s'", missing[v], D.r[1234].id);
        } else {
            /* a hole in the numbers: drop the row of row 1234's sponsor (row k is number 1000 + k) */
            size_t j = (size_t)atoi(D.r[1234].sponsor + 1) - 1000;
            snprintf(want, sizeof want, "unknown sponsor '%s'", D.r[j].id);
            D.r[j] = D.r[--D.n];
        }
        shuffle(&D, &s);
        check_fails(&D, want);
    }
}

/* 5: seven-digit ids with no prefix. */
static void test_bare_digits(void **state)
{
    (void)state;
    desc D = {0};
    uint64_t s = 5;
    gen_forest(&D, 500, "%07ld", 1000001, 1, 0, 2, &s);
    shuffle(&D, &s);
    check_ok(&D, 23, 1); /* no leading zero: digits of any width, none starting with 0 */
}

/* 6: every id of one shape but the last row's id, or the last row's sponsor: "Mabcdef". */
static void test_misfit_last(void **state)
{
    (void)state;
    for (int v = 0; v < 3; v++) {
        desc D = {0};
        uint64_t s = 6;
        gen_forest(&D, 400, "M%06ld", 1000, 1, 0, 1, &s);
        shuffle(&D, &s);
        if (v == 0) {
            add(&D, "Mabcdef", D.r[10].id, 4200);
            check_ok(&D, 1, 0); /* started by number, then again with the tables */
        } else if (v == 1) {
            strcpy(D.r[D.n - 1].sponsor, "Mabcdef");
            check_fails(&D, "unknown sponsor 'Mabcdef'");
        } else { /* the misfit is also a member, in the first row */
            add(&D, "Mabcdef", "", 4200);
            row t = D.r[0];
            D.r[0] = D.r[D.n - 1], D.r[D.n - 1] = t;
            strcpy(D.r[D.n - 1].sponsor, "Mabcdef");
            check_ok(&D, 1, 0); /* the first id has no shape: the tables from the start */
        }
    }
}

/* 7: 100 ids spread over M000000..M999999, both ends included. */
static void test_sparse(void **state)
{
    (void)state;
    desc D = {0};
    uint64_t s = 7;
    gen_forest(&D, 100, "M%06ld", 0, 10000, 1, 2, &s); /* member i in [10000 i, 10000 i + 9999] */
    rename_member(&D, 0, "M000000");
    rename_member(&D, 99, "M999999");
    shuffle(&D, &s);
    check_ok(&D, 1, 0); /* the array covers 164 numbers below the first id and 328 above: too few */
}

/* 8: M1, M01, M001, M0001 are four members (a chain, each row before its sponsor's), and a
 * sponsor M00001 that has no row. */
static void test_widths(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        desc D = {0};
        if (v) add(&D, "M0002", "M00001", 500);
        add(&D, "M0001", "M001", 400), add(&D, "M001", "M01", 300), add(&D, "M01", "M1", 200), add(&D, "M1", "", 100);
        if (v) check_fails(&D, "unknown sponsor 'M00001' of member 'M0002'");
        else check_ok(&D, 1, 0); /* M0001 sets 4 digits: M001 has another width */
    }
}

/* 9: ids M0001..M0050 and a sponsor M01: unknown, then a member of its own. */
static void test_other_width_sponsor(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        desc D = {0};
        uint64_t s = 9;
        gen_forest(&D, 50, "M%04ld", 1, 1, 0, 1, &s);
        strcpy(D.r[30].sponsor, "M01");
        if (v) add(&D, "M01", "M0002", 100);
        shuffle(&D, &s);
        if (v) check_ok(&D, 1, 0); /* M01 has 2 digits, the shape 4 */
        else check_fails(&D, "unknown sponsor 'M01'");
    }
}

/* 10: some ids and sponsors quoted, CRLF line ends. */
static void test_quoted_crlf(void **state)
{
    (void)state;
    desc D = {.crlf = 1};
    uint64_t s = 10;
    gen_forest(&D, 300, "M%06ld", 1000, 1, 0, 2, &s);
    shuffle(&D, &s);
    for (size_t k = 0; k < D.n; k++) D.r[k].quote = (unsigned)(rnd(&s) % 4);
    check_ok(&D, 7, 1);
}

/* 11: 300,000 members M00000001.. in shuffled rows: about 8 MB, many parts for two threads. */
static void test_large(void **state)
{
    (void)state;
    desc D = {0};
    uint64_t s = 11;
    gen_forest(&D, 300000, "M%08ld", 1, 1, 0, 5, &s);
    shuffle(&D, &s);
    check_ok(&D, 29999, 1);
}

/* 12: M0..M9 and M10 (widths differ), a chain in which every sponsor's row comes later; the same
 * with bare numbers. */
static void test_zero(void **state)
{
    (void)state;
    for (int v = 0; v < 2; v++) {
        desc D = {0};
        for (int i = 0; i <= 10; i++) {
            char id[8], sp[8] = "";
            snprintf(id, sizeof id, v ? "%d" : "M%d", i);
            if (i < 10) snprintf(sp, sizeof sp, v ? "%d" : "M%d", i + 1);
            add(&D, id, sp, 100 * i + 1);
        }
        check_ok(&D, 1, 1); /* "0" is a number with no leading zero, so M0 sets no width */
    }
}

/* 13: numbers with no leading zeros, of every width (1..3000), bare and with a prefix, in shuffled
 * rows; then with a member "M0123" (a leading zero: not of the shape) beside the member "M123",
 * and a recruit of its own. */
static void test_unpadded(void **state)
{
    (void)state;
    for (int v = 0; v < 3; v++) {
        desc D = {0};
        uint64_t s = 13;
        gen_forest(&D, 3000, v == 0 ? "%ld" : "M%ld", 1, 1, 0, 3, &s);
        shuffle(&D, &s);
        if (v == 2) add(&D, "M0123", "M1", 700), add(&D, "M5000", "M0123", 800); /* M1 is a root */
        check_ok(&D, 31, v < 2); /* M0123 has a leading zero, which the shape of "M" 1..3000 has not */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense),           cmocka_unit_test(test_periods),
        cmocka_unit_test(test_duplicate_row),   cmocka_unit_test(test_unknown_sponsor),
        cmocka_unit_test(test_bare_digits),     cmocka_unit_test(test_misfit_last),
        cmocka_unit_test(test_sparse),          cmocka_unit_test(test_widths),
        cmocka_unit_test(test_other_width_sponsor), cmocka_unit_test(test_quoted_crlf),
        cmocka_unit_test(test_large),           cmocka_unit_test(test_zero),
        cmocka_unit_test(test_unpadded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
