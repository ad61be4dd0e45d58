/* yaml_tree on its own: the tree and positions built from a text, what it refuses (aliases,
 * a second document, deep nesting), the keys of a mapping and the messages of the getters.
 * Positions and messages are worked out by hand from the texts (lines and columns 1-based). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_tree.h"

/* One text loaded, with its diagnostics. */
typedef struct {
    cs_diags d;
    cs_yt_ctx c;
    cs_yt_node *root;
} fixture;

static void load(fixture *f, const char *text, const char *kind)
{
    cs_diags_init(&f->d);
    cs_yt_init(&f->c, &f->d, "t.yaml", kind, text, strlen(text));
    f->root = cs_yt_load(&f->c);
}

static void done(fixture *f)
{
    cs_yt_free(f->root);
    cs_diags_free(&f->d);
}

static void assert_pos(const cs_yt_node *n, long line, long col)
{
    assert_non_null(n);
    assert_int_equal(n->pos.line, line);
    assert_int_equal(n->pos.col, col);
}

static void assert_diag(const fixture *f, size_t i, long line, long col, const char *msg)
{
    assert_true(i < f->d.n);
    assert_int_equal(f->d.items[i].sev, CS_SEV_ERROR);
    assert_string_equal(f->d.items[i].file, "t.yaml");
    assert_string_equal(f->d.items[i].msg, msg);
    assert_int_equal(f->d.items[i].line, line);
    assert_int_equal(f->d.items[i].col, col);
}

/* The value of mapping key `key` of the root, which must be there. */
static const cs_yt_node *val(const fixture *f, const char *key)
{
    const cs_yt_node *v = cs_yt_find_key(f->root, key);
    assert_non_null(v);
    return v;
}

/* ------------------------------------------------------------------------------------------ */

static void test_mapping_with_positions(void **state)
{
    (void)state;
    fixture f;
    /*        col 1234567 */
    load(&f, "a: 1\n"       /* line 1 */
             "b:\n"         /* line 2 */
             "  - x\n"      /* line 3: the list starts at its first '-' */
             "  - 'y z'\n", /* line 4 */
         "plan");
    assert_int_equal(f.d.n, 0);
    cs_yt_node *m = f.root;
    assert_non_null(m);
    assert_int_equal(m->kind, CS_YT_MAP);
    assert_pos(m, 1, 1);
    assert_int_equal(m->nkids, 4); /* a, 1, b, [x, 'y z'] */

    assert_int_equal(m->kids[0]->kind, CS_YT_SCALAR);
    assert_string_equal(m->kids[0]->text, "a");
    assert_pos(m->kids[0], 1, 1);
    assert_string_equal(m->kids[1]->text, "1");
    assert_int_equal(m->kids[1]->len, 1);
    assert_true(m->kids[1]->plain);
    assert_pos(m->kids[1], 1, 4);
    assert_string_equal(m->kids[2]->text, "b");
    assert_pos(m->kids[2], 2, 1);

    const cs_yt_node *l = m->kids[3];
    assert_ptr_equal(cs_yt_find_key(m, "b"), l);
    assert_null(cs_yt_find_key(m, "c"));
    assert_int_equal(l->kind, CS_YT_LIST);
    assert_null(l->text);
    assert_pos(l, 3, 3);
    assert_int_equal(l->nkids, 2);
    assert_string_equal(l->kids[0]->text, "x");
    assert_true(l->kids[0]->plain);
    assert_pos(l->kids[0], 3, 5);
    assert_string_equal(l->kids[1]->text, "y z"); /* quotes are not part of the value */
    assert_int_equal(l->kids[1]->len, 3);
    assert_false(l->kids[1]->plain);
    assert_pos(l->kids[1], 4, 5);
    done(&f);
}

/* Empty text holds no document: NULL without a message.  "---" alone is a null scalar. */
static void test_empty(void **state)
{
    (void)state;
    fixture f;
    load(&f, "", "plan");
    assert_null(f.root);
    assert_int_equal(f.d.nerrors, 0);
    done(&f);
    load(&f, "---\n", "plan");
    assert_non_null(f.root);
    assert_int_equal(f.root->kind, CS_YT_SCALAR);
    assert_true(cs_yt_is_null(f.root));
    assert_int_equal(f.d.nerrors, 0);
    done(&f);
}

/* The anchor is reported where it is written (the start of the anchored scalar, 1:4), the alias
 * where it is used (2:4); the alias node is kept as a `bad` empty scalar that later checks skip
 * quietly.  The line is echoed under each message. */
static void test_alias_rejected(void **state)
{
    (void)state;
    fixture f;
    load(&f, "a: &x 1\nb: *x\n", "plan");
    assert_non_null(f.root);
    assert_int_equal(f.d.nerrors, 2);
    assert_diag(&f, 0, 1, 4, "anchors and aliases are not supported");
    assert_string_equal(f.d.items[0].snippet, "a: &x 1");
    assert_diag(&f, 1, 2, 4, "anchors and aliases are not supported");
    assert_string_equal(f.d.items[1].snippet, "b: *x");

    const cs_yt_node *a = val(&f, "a"), *b = val(&f, "b");
    assert_string_equal(a->text, "1"); /* the anchored value itself is kept */
    assert_false(a->bad);
    assert_int_equal(b->kind, CS_YT_SCALAR);
    assert_true(b->bad);
    assert_string_equal(b->text, "");
    int64_t n = -1;
    assert_false(cs_yt_want_scalar(&f.c, b, "a value"));
    assert_false(cs_yt_get_count(&f.c, b, "b", 10, &n));
    assert_int_equal(n, -1);
    assert_int_equal(f.d.nerrors, 2); /* no third message */
    done(&f);
}

/* 65 nested lists: the 65th '[' (column 65) is one level too deep. */
static void test_nesting_limit(void **state)
{
    (void)state;
    char text[2 * 65 + 2];
    memset(text, '[', 65);
    memset(text + 65, ']', 65);
    text[130] = '\n';
    text[131] = '\0';
    fixture f;
    load(&f, text, "plan");
    assert_non_null(f.root);
    assert_int_equal(f.d.nerrors, 1);
    assert_diag(&f, 0, 1, 65, "nesting deeper than 64 levels");
    const cs_yt_node *n = f.root;
    for (int depth = 1; depth < 65; depth++) {
        assert_int_equal(n->kind, CS_YT_LIST);
        assert_false(n->bad);
        assert_int_equal(n->nkids, 1);
        n = n->kids[0];
    }
    assert_pos(n, 1, 65);
    assert_true(n->bad);
    assert_int_equal(n->nkids, 0);
    assert_false(cs_yt_want_list(&f.c, n, "a list"));
    assert_int_equal(f.d.nerrors, 1);
    done(&f);
}

/* The kind of file names itself in the message; the tree of the first document is kept. */
static void test_second_document(void **state)
{
    (void)state;
    fixture f;
    load(&f, "a: 1\n---\nb: 2\n", "scenario");
    assert_non_null(f.root);
    assert_int_equal(f.d.nerrors, 1);
    assert_diag(&f, 0, 2, 1, "a scenario file holds one yaml document, and this is a second one");
    assert_non_null(cs_yt_find_key(f.root, "a"));
    assert_null(cs_yt_find_key(f.root, "b"));
    done(&f);
    load(&f, "a: 1\n---\nb: 2\n", NULL);
    assert_diag(&f, 0, 2, 1, "a yaml file holds one yaml document, and this is a second one");
    done(&f);
}

/* libyaml stops at the first syntax error: no tree, one message. */
static void test_syntax_error(void **state)
{
    (void)state;
    fixture f;
    load(&f, "a: [1, 2\n", "plan");
    assert_null(f.root);
    assert_int_equal(f.d.nerrors, 1);
    assert_int_equal(strncmp(f.d.items[0].msg, "yaml syntax error: ", 19), 0);
    done(&f);
}

static const char *const keys3[] = {"name", "count", "rate"};

/* "nmae" is two substitutions from "name" (at most 2 for a word of 4 letters): suggested, and
 * its bit returned so that the missing 'name' is not reported again.  'rate' is known but not
 * allowed here.  'count' is given twice. */
static void test_unknown_key_suggested(void **state)
{
    (void)state;
    fixture f;
    /*        col 1234567890 */
    load(&f, "nmae: x\n"  /* line 1 */
             "count: 2\n" /* line 2 */
             "rate: 5%\n" /* line 3 */
             "count: 3\n" /* line 4 */
             "zzz: 1\n",  /* line 5 */
         "plan");
    assert_int_equal(f.d.n, 0);
    const cs_yt_node *vals[3] = {0}, *keys[3] = {0};
    cs_yt_keyset ks = {keys3, 3, 3u /* name, count */, "a pool", " in 'x'"};
    unsigned typos = cs_yt_map_keys(&f.c, f.root, &ks, vals, keys);
    assert_int_equal(typos, 1u);
    assert_int_equal(f.d.nerrors, 4);
    assert_diag(&f, 0, 1, 1, "unknown key 'nmae' in 'x' (did you mean 'name'?)");
    assert_diag(&f, 1, 3, 1, "key 'rate' does not apply to a pool");
    assert_diag(&f, 2, 4, 1, "duplicate key 'count' in 'x' (first given at line 2)");
    assert_diag(&f, 3, 5, 1, "unknown key 'zzz' in 'x'");
    assert_null(vals[0]);
    assert_non_null(vals[1]);
    assert_string_equal(vals[1]->text, "2"); /* the first one given */
    assert_pos(keys[1], 2, 1);
    assert_pos(vals[1], 2, 8);
    assert_null(vals[2]);

    assert_false(cs_yt_require(&f.c, f.root, vals[0], "name", " in 'x'", typos & 1u));
    assert_int_equal(f.d.nerrors, 4); /* said already: "did you mean 'name'?" */
    assert_false(cs_yt_require(&f.c, f.root, vals[0], "name", " in 'x'", 0));
    assert_diag(&f, 4, 1, 1, "missing required key 'name' in 'x'");
    assert_true(cs_yt_require(&f.c, f.root, vals[1], "count", " in 'x'", 0));
    assert_int_equal(f.d.nerrors, 5);
    done(&f);
}

/* Every getter fails on the value of key k: one message each, at the value (column 4 or 5). */
static void test_getter_messages(void **state)
{
    (void)state;
    fixture f;
    load(&f, "p1: 120%\n"
             "p2: -0.5%\n"
             "p3: 1.23456%\n"
             "p4: 5\n"
             "p5: '3%'\n"
             "h1: -5\n"
             "h2: 1.234\n"
             "h3: '5'\n"
             "h4: 1e3\n"
             "h5: ten\n"
             "c1: 2.5\n"
             "c2: 12\n"
             "b1: yes\n"
             "b2: xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n"
             "w1: fortnight\n"
             "n1:\n",
         "plan");
    assert_int_equal(f.d.n, 0);
    int32_t ppm = -1;
    int64_t h = -1;
    int b = -1;
    size_t i = 0;
    static const char *const words[] = {"month", "week"};

    assert_false(cs_yt_get_percent(&f.c, val(&f, "p1"), "rate", &ppm));
    assert_diag(&f, i++, 1, 5, "rate 120% is above 100%");
    assert_false(cs_yt_get_percent(&f.c, val(&f, "p2"), "rate", &ppm));
    assert_diag(&f, i++, 2, 5, "rate -0.5% is below 0%");
    assert_false(cs_yt_get_percent(&f.c, val(&f, "p3"), "rate", &ppm));
    assert_diag(&f, i++, 3, 5, "rate 1.23456% has more than four decimals");
    assert_false(cs_yt_get_percent(&f.c, val(&f, "p4"), "rate", &ppm));
    assert_diag(&f, i++, 4, 5, "expected a percentage such as '5%', found '5'");
    assert_int_equal(ppm, -1);
    assert_true(cs_yt_get_percent(&f.c, val(&f, "p5"), "rate", &ppm)); /* quotes are fine for a percentage */
    assert_int_equal(ppm, 30000);

    assert_false(cs_yt_get_hundredths(&f.c, val(&f, "h1"), "pv", CS_YT_VOLUME, &h));
    assert_diag(&f, i++, 6, 5, "'pv' cannot be negative, found '-5'");
    assert_false(cs_yt_get_hundredths(&f.c, val(&f, "h2"), "fee", CS_YT_MONEY, &h));
    assert_diag(&f, i++, 7, 5, "'fee' has more than two decimals, found '1.234'");
    assert_false(cs_yt_get_hundredths(&f.c, val(&f, "h3"), "pv", CS_YT_VOLUME, &h));
    assert_diag(&f, i++, 8, 5, "expected a number such as '100' or '37.5', found the text '5' (write it without quotes)");
    assert_false(cs_yt_get_hundredths(&f.c, val(&f, "h4"), "pv", CS_YT_VOLUME, &h));
    assert_diag(&f, i++, 9, 5, "expected a plain decimal number, found '1e3' (exponents are not allowed)");
    assert_false(cs_yt_get_hundredths(&f.c, val(&f, "h5"), "fee", CS_YT_MONEY, &h));
    assert_diag(&f, i++, 10, 5, "expected an amount such as '49.00', found 'ten'");
    assert_int_equal(h, -1);

    assert_false(cs_yt_get_count(&f.c, val(&f, "c1"), "count", 10, &h));
    assert_diag(&f, i++, 11, 5, "expected a whole number such as '2', found '2.5'");
    assert_false(cs_yt_get_count(&f.c, val(&f, "c2"), "count", 10, &h));
    assert_diag(&f, i++, 12, 5, "'count' is too large, found '12' (at most 10)");
    assert_int_equal(h, -1);
    assert_true(cs_yt_get_count(&f.c, val(&f, "c2"), "count", 12, &h));
    assert_int_equal(h, 12);

    assert_false(cs_yt_get_bool(&f.c, val(&f, "b1"), &b));
    assert_diag(&f, i++, 13, 5, "expected true or false, found 'yes'");
    /* 50 characters: cut to 37 and "..." (CS_YT_FOUND_MAX = 40 with the dots) */
    assert_false(cs_yt_get_bool(&f.c, val(&f, "b2"), &b));
    assert_diag(&f, i++, 14, 5, "expected true or false, found 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...'");
    assert_int_equal(b, -1);

    assert_int_equal(cs_yt_get_word(&f.c, val(&f, "w1"), words, 2, "'month' or 'week'"), -1);
    assert_diag(&f, i++, 15, 5, "expected 'month' or 'week', found 'fortnight'");
    /* "n1:" with nothing after it: a null scalar placed at the end of its line (after the ':') */
    const cs_yt_node *n1 = val(&f, "n1");
    assert_true(cs_yt_is_null(n1));
    assert_null(cs_yt_get_text(&f.c, n1, "a name"));
    assert_diag(&f, i++, 16, 4, "expected a name, found nothing");
    assert_false(cs_yt_want_map(&f.c, f.root->kids[1], "a mapping of rates"));
    assert_diag(&f, i++, 1, 5, "expected a mapping of rates, found '120%'");
    assert_false(cs_yt_want_list(&f.c, f.root, "a list of ranks"));
    assert_diag(&f, i++, 1, 1, "expected a list of ranks, found a mapping");
    assert_int_equal(f.d.nerrors, i);
    done(&f);
}

/* Messages sorted by line, then column; equal places keep their order. */
static void test_sort_diags(void **state)
{
    (void)state;
    cs_diags d;
    cs_diags_init(&d);
    cs_error(&d, "f", 0, 0, "before"); /* not sorted: from index 1 */
    cs_error(&d, "f", 3, 1, "c");
    cs_error(&d, "f", 1, 5, "b");
    cs_error(&d, "f", 1, 2, "a1");
    cs_error(&d, "f", 1, 2, "a2");
    cs_yt_sort_diags(&d, 1);
    static const char *const want[] = {"before", "a1", "a2", "b", "c"};
    assert_int_equal(d.n, 5);
    for (size_t i = 0; i < 5; i++) assert_string_equal(d.items[i].msg, want[i]);
    cs_diags_free(&d);
}

static void test_of_where_and_read_file(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(cs_yt_of_where(" in bonus 'x'", buf, sizeof buf), " of bonus 'x'");
    assert_string_equal(cs_yt_of_where("", buf, sizeof buf), "");
    size_t len = 99;
    errno = 0;
    assert_null(cs_yt_read_file("/nonexistent/dir/t.yaml", &len));
    assert_int_equal(errno, ENOENT);
    assert_int_equal(len, 99);
    /* an endless file (a device) stops at the size limit instead of filling memory */
    errno = 0;
    assert_null(cs_yt_read_file("/dev/zero", &len));
    assert_int_equal(errno, EFBIG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mapping_with_positions),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_alias_rejected),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_second_document),
        cmocka_unit_test(test_syntax_error),
        cmocka_unit_test(test_unknown_key_suggested),
        cmocka_unit_test(test_getter_messages),
        cmocka_unit_test(test_sort_diags),
        cmocka_unit_test(test_of_where_and_read_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
