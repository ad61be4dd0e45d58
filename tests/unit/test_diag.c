/* Diagnostics: GCC-style message lines, the caret under the column, suggestions, the cap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static char *print_to_string(const cs_diags *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cs_diags_print(d, f);
    fclose(f);
    return buf;
}

static void test_format(void **state)
{
    (void)state;
    cs_diags d;
    cs_diags_init(&d);
    const char *src = "name: x\nranks:\n  - name: Gold\n";
    cs_diag_add(&d, CS_SEV_ERROR, "p.yaml", 3, 11, src, "rank '%s' is odd", "Gold");
    cs_error(&d, "g.csv", 4, 0, "unknown sponsor");
    cs_error(&d, "g.csv", 0, 0, "cannot read");
    char *out = print_to_string(&d);
    assert_string_equal(out, "p.yaml:3:11: error: rank 'Gold' is odd\n"
                             "    - name: Gold\n"
                             "            ^\n"
                             "g.csv:4: error: unknown sponsor\n"
                             "g.csv: error: cannot read\n");
    assert_int_equal(d.nerrors, 3);
    free(out);
    cs_diags_free(&d);
}

static void test_cap(void **state)
{
    (void)state;
    cs_diags d;
    cs_diags_init(&d);
    for (int k = 0; k < CS_DIAGS_MAX + 5; k++) cs_error(&d, "f", k + 1, 0, "bad");
    assert_int_equal(d.n, CS_DIAGS_MAX);
    assert_int_equal(d.nerrors, CS_DIAGS_MAX + 5);
    assert_int_equal(d.ndropped, 5);
    cs_diags_free(&d);
}

static void test_suggest(void **state)
{
    (void)state;
    const char *const keys[] = {"levels", "depth", "compression", "rates_by_rank"};
    assert_int_equal(cs_edit_distance("levles", "levels"), 2);
    assert_int_equal(cs_edit_distance("", "abc"), 3);
    assert_string_equal(cs_suggest("levles", keys, 4), "levels");
    assert_string_equal(cs_suggest("compresion", keys, 4), "compression");
    assert_null(cs_suggest("xyzzy", keys, 4));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_format), cmocka_unit_test(test_cap),
                                       cmocka_unit_test(test_suggest)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
