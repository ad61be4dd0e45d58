/* The CSV reader: quoting, line ends, the byte-order mark, line numbers across quoted line breaks,
 * and every malformed input it reports.  Expected values are worked out from RFC 4180 by hand.
 *
 * Each input is read to the end and summarised as one line per call to cs_csv_next:
 *     "LINE: field|field|..."    a record starting on LINE (fields with '|' between them)
 *     "bad LINE: message"        CS_CSV_BAD
 *     "fatal LINE: message"      CS_CSV_FATAL
 * so a test states the whole behaviour on an input in one string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

static char out[4096];

static void put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void put(const char *fmt, ...)
{
    size_t n = strlen(out);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + n, sizeof out - n, fmt, ap);
    va_end(ap);
}

static const char *read_all_len(const char *buf, size_t len)
{
    cs_csv r;
    cs_csv_init(&r, buf, len);
    out[0] = '\0';
    cs_csv_status st;
    while ((st = cs_csv_next(&r)) != CS_CSV_EOF) {
        if (st == CS_CSV_RECORD) {
            put("%ld: ", r.line);
            for (size_t i = 0; i < r.nfields; i++) put("%s%.*s", i ? "|" : "", (int)r.field[i].len, r.field[i].p);
            put("\n");
        } else {
            put("%s %ld: %s\n", st == CS_CSV_BAD ? "bad" : "fatal", r.error_line, r.error);
        }
    }
    cs_csv_free(&r);
    return out;
}

static const char *read_all(const char *buf) { return read_all_len(buf, strlen(buf)); }

static void test_plain(void **state)
{
    (void)state;
    assert_string_equal(read_all("a,b,c\n1,2,3\n4,,6\n"), "1: a|b|c\n2: 1|2|3\n3: 4||6\n");
    assert_string_equal(read_all(",\n,\n"), "1: |\n2: |\n"); /* empty fields */
    assert_string_equal(read_all("a, b \n x ,y\n"), "1: a| b \n2:  x |y\n"); /* spaces are data */
}

static void test_quoting(void **state)
{
    (void)state;
    assert_string_equal(read_all("a,b,c\n\"x,y\",\"he said \"\"hi\"\"\",\"\"\n"),
                        "1: a|b|c\n2: x,y|he said \"hi\"|\n");
    assert_string_equal(read_all("a\n\"\"\"\"\n"), "1: a\n2: \"\n");       /* a field that is one quote */
    assert_string_equal(read_all("a,b\n\"1\",\"2\"\n"), "1: a|b\n2: 1|2\n"); /* quotes around plain text */
}

static void test_unescaped_flag(void **state)
{
    (void)state;
    const char *csv = "a,b\n\"x\",\"y\"\n\"x\"\"\",y\n";
    cs_csv r;
    cs_csv_init(&r, csv, strlen(csv));
    assert_int_equal(cs_csv_next(&r), CS_CSV_RECORD);
    assert_int_equal(cs_csv_next(&r), CS_CSV_RECORD);
    assert_int_equal(r.unescaped, 0); /* quotes but no "" escape: the fields point into the input */
    assert_ptr_equal(r.field[0].p, csv + 5);
    assert_int_equal(cs_csv_next(&r), CS_CSV_RECORD);
    assert_int_equal(r.unescaped, 1);
    assert_int_equal(r.field[0].len, 2);
    assert_memory_equal(r.field[0].p, "x\"", 2);
    assert_ptr_equal(r.field[1].p, csv + 18); /* plain fields still point into the input */
    cs_csv_free(&r);
}

/* Escaped fields that outgrow the scratch buffer (256 bytes at first) mid-record keep their text. */
static void test_scratch_growth(void **state)
{
    (void)state;
    char csv[4000], want[4000];
    strcpy(csv, "a,b,c\n");
    strcpy(want, "1: a|b|c\n2: ");
    for (int f = 0; f < 3; f++) {
        strcat(csv, f ? ",\"" : "\"");
        strcat(want, f ? "|" : "");
        for (int i = 0; i < 100; i++) {
            strcat(csv, "ab\"\"");
            strcat(want, "ab\"");
        }
        strcat(csv, "\"");
    }
    strcat(csv, "\n");
    strcat(want, "\n");
    assert_string_equal(read_all(csv), want);
}

static void test_line_ends(void **state)
{
    (void)state;
    assert_string_equal(read_all("a,b\r\n1,2\r\n3,4\r\n"), "1: a|b\n2: 1|2\n3: 3|4\n");
    assert_string_equal(read_all("a,b\r\n1,2\n3,4\r\n"), "1: a|b\n2: 1|2\n3: 3|4\n"); /* mixed */
    assert_string_equal(read_all("a\nx\ry\n"), "1: a\n2: x\ry\n");                    /* a bare CR is data */
    assert_string_equal(read_all("a,b\n1,2"), "1: a|b\n2: 1|2\n");                     /* no final line end */
    assert_string_equal(read_all("a,b\n1,2\r"), "1: a|b\n2: 1|2\n");                   /* a final CR ends it */
    assert_string_equal(read_all("a,b\n1,\"2\""), "1: a|b\n2: 1|2\n");
}

static void test_blank_lines(void **state)
{
    (void)state;
    assert_string_equal(read_all("a,b\n1,2\n\n\r\n\n"), "1: a|b\n2: 1|2\n"); /* at the end: ignored */
    assert_string_equal(read_all("a,b\n\n1,2\n"), "1: a|b\nbad 2: blank line\n3: 1|2\n");
    assert_string_equal(read_all("a,b\n\n\n\n1,2\n"), "1: a|b\nbad 2: blank line\nbad 3: blank line\nbad 4: blank line\n5: 1|2\n");
    assert_string_equal(read_all("a\n\nx\n"), "1: a\n2: \n3: x\n"); /* one column: an empty field */
    assert_string_equal(read_all(""), "");
    assert_string_equal(read_all("\n\n"), "");
}

static void test_bom(void **state)
{
    (void)state;
    assert_string_equal(read_all("\xEF\xBB\xBFid,x\n1,2\n"), "1: id|x\n2: 1|2\n");
    assert_string_equal(read_all("\xEF\xBB\xBF"), "");
    assert_string_equal(read_all("id,\xEF\xBB\xBFx\n"), "1: id|\xEF\xBB\xBFx\n"); /* only at the start */
}

static void test_line_numbers_in_quotes(void **state)
{
    (void)state;
    assert_string_equal(read_all("a,b\n\"line1\nline2\",x\n3,4\n"), "1: a|b\n2: line1\nline2|x\n4: 3|4\n");
    assert_string_equal(read_all("a,b\n\"x\r\ny\",\"\n\n\"\n5,6\nq\n"),
                        "1: a|b\n2: x\r\ny|\n\n\n6: 5|6\nbad 7: row has 1 field, but the header has 2\n");
}

static void test_ragged(void **state)
{
    (void)state;
    assert_string_equal(read_all("a,b,c\n1,2\n4,5,6,7\n8,9,10\n"),
                        "1: a|b|c\nbad 2: row has 2 fields, but the header has 3\n"
                        "bad 3: row has 4 fields, but the header has 3\n4: 8|9|10\n");
}

static void test_unterminated_quote(void **state)
{
    (void)state;
    /* reported at the line where the quote opens; nothing after it can be read */
    assert_string_equal(read_all("a,b\n1,\"abc\n\nxyz\n"), "1: a|b\nfatal 2: unterminated quoted field\n");
    assert_string_equal(read_all("a,b\n1,2\n\"x\"\"\n"), "1: a|b\n2: 1|2\nfatal 3: unterminated quoted field\n");
}

static void test_stray_quotes(void **state)
{
    (void)state;
    assert_string_equal(read_all("a,b\n1,ab\"c\n3,4\n"), "1: a|b\nbad 2: quote in the middle of an unquoted field\n3: 3|4\n");
    assert_string_equal(read_all("a,b\n1,2\"\n3,4\n"), "1: a|b\nbad 2: quote in the middle of an unquoted field\n3: 3|4\n");
    assert_string_equal(read_all("a,b\n\"x\"y,2\n3,4\n"), "1: a|b\nbad 2: text after the closing quote of a field\n3: 3|4\n");
    assert_string_equal(read_all("a,b\n\"x\" ,2\n"), "1: a|b\nbad 2: text after the closing quote of a field\n");
    /* after a line break inside the quotes, the line is the one the stray text is on */
    assert_string_equal(read_all("a,b\n\"x\ny\"z,2\n3,4\n"), "1: a|b\nbad 3: text after the closing quote of a field\n4: 3|4\n");
}

static void test_invalid_utf8(void **state)
{
    (void)state;
    /* records before the bad byte are read; the one holding it and everything after are not */
    assert_string_equal(read_all("a,b\n1,2\n3,\xff\n5,6\n"), "1: a|b\n2: 1|2\nfatal 3: invalid utf-8\n");
    assert_string_equal(read_all("a\n\"x\ny\xc3\"\n"), "1: a\nfatal 3: invalid utf-8\n");
    assert_string_equal(read_all("\xc3\x28,b\n"), "fatal 1: invalid utf-8\n");
    /* inside a quote that never closes, the encoding is the first thing wrong */
    assert_string_equal(read_all("a,b\n\"x\n\xff\n"), "1: a|b\nfatal 3: invalid utf-8\n");
    assert_string_equal(read_all_len("a\nx\0y\n", 6), "1: a\nfatal 2: nul byte in the file\n");
    /* valid multi-byte text passes through */
    assert_string_equal(read_all("name\n\xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\n"), "1: name\n2: \xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e\n");
}

static size_t check(const char *s, size_t len, int *nul) { return cs_utf8_check(s, len, nul); }

static void test_utf8_check(void **state)
{
    (void)state;
    int nul;
    assert_int_equal(check("plain ascii", 11, &nul), 11);
    assert_int_equal(check("\xc3\xa9", 2, &nul), 2);                 /* U+00E9 */
    assert_int_equal(check("\xef\xbf\xbf", 3, &nul), 3);             /* U+FFFF */
    assert_int_equal(check("\xf4\x8f\xbf\xbf", 4, &nul), 4);         /* U+10FFFF, the last */
    assert_int_equal(check("ab\xc0\xaf", 4, &nul), 2);               /* overlong '/' */
    assert_int_equal(check("\xe0\x80\xaf", 3, &nul), 0);             /* overlong, three bytes */
    assert_int_equal(check("\xf0\x80\x80\xaf", 4, &nul), 0);         /* overlong, four bytes */
    assert_int_equal(check("x\xed\xa0\x80", 4, &nul), 1);            /* a surrogate */
    assert_int_equal(check("\xf4\x90\x80\x80", 4, &nul), 0);         /* above U+10FFFF */
    assert_int_equal(check("\xf5\x80\x80\x80", 4, &nul), 0);
    assert_int_equal(check("abc\xe2\x82", 5, &nul), 3);              /* cut short at the end */
    assert_int_equal(check("\x80", 1, &nul), 0);                     /* a lone continuation byte */
    assert_int_equal(check("\xc3\xa9\xc3", 3, &nul), 2);
    assert_int_equal(nul, 0);
    assert_int_equal(check("ab\0", 3, &nul), 2);
    assert_int_equal(nul, 1);
    /* the eight-bytes-at-a-time path must still find a bad byte at any offset of a long text */
    char buf[80];
    for (size_t at = 0; at < 64; at++) {
        memset(buf, 'x', sizeof buf);
        buf[at] = (char)0xff;
        assert_int_equal(check(buf, sizeof buf, &nul), at);
        buf[at] = '\0';
        assert_int_equal(check(buf, sizeof buf, &nul), at);
        assert_int_equal(nul, 1);
    }
}

static void test_header_count_after_bad_header(void **state)
{
    (void)state;
    /* the header is the first record read; a bad first record is skipped and the next one is it */
    assert_string_equal(read_all("a\"b,c\nx,y\n1,2\n"), "bad 1: quote in the middle of an unquoted field\n2: x|y\n3: 1|2\n");
}

/* cs_csv_scan against a byte-at-a-time count, on random buffers of mostly ASCII text (long runs,
 * for the 64-byte steps) with line feeds, quotes, and now and then a multi-byte character, an
 * invalid byte or a NUL. */
static void test_scan(void **state)
{
    (void)state;
    static char buf[5000];
    uint64_t x = 1;
    for (int round = 0; round < 400; round++) {
        size_t len = (size_t)(round * 37 % 4999) + 1;
        for (size_t i = 0; i < len; i++) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            unsigned r = (unsigned)(x >> 40) % 1000;
            buf[i] = r < 30 ? '\n' : r < 31 && round % 3 == 0 ? '"' : (char)('a' + r % 26);
            if (r == 999 && round % 5 == 1 && i + 1 < len) buf[i] = (char)0xC3, buf[++i] = (char)0xA9; /* é */
        }
        if (round % 7 == 2) buf[len * (size_t)(round % 5) / 5] = (char)(round % 2 ? 0xff : 0);
        int nul, quote, ref_nul;
        size_t lf, ok = cs_csv_scan(buf, len, &nul, &lf, &quote), ref_ok = cs_utf8_check(buf, len, &ref_nul);
        assert_int_equal(ok, ref_ok);
        assert_int_equal(nul, ref_nul);
        size_t ref_lf = 0;
        int ref_quote = 0;
        for (size_t i = 0; i < ok; i++) ref_lf += buf[i] == '\n', ref_quote |= buf[i] == '"';
        assert_int_equal(lf, ref_lf);
        assert_int_equal(quote, ref_quote);
    }
}

/* Reads a part of an input, as the genealogy loader does: lines from `line`, the header's count of
 * fields, and blank lines ending the input only from the input's tail on. */
static const char *read_part(const char *buf, size_t from, size_t to, long line, size_t ncolumns)
{
    cs_csv r;
    cs_csv_init_part(&r, buf + from, to - from, line, ncolumns, cs_csv_tail(buf, strlen(buf)), NULL, 0);
    out[0] = '\0';
    cs_csv_status st;
    while ((st = cs_csv_next(&r)) != CS_CSV_EOF) {
        if (st == CS_CSV_RECORD) {
            put("%ld: ", r.line);
            for (size_t i = 0; i < r.nfields; i++) put("%s%.*s", i ? "|" : "", (int)r.field[i].len, r.field[i].p);
            put("\n");
        } else {
            put("%s %ld: %s\n", st == CS_CSV_BAD ? "bad" : "fatal", r.error_line, r.error);
        }
    }
    cs_csv_free(&r);
    return out;
}

static void test_parts(void **state)
{
    (void)state;
    const char *csv = "a,b\n1,2\n\n3,4\n\r\n\n";
    const char *blank = "\n\r";
    assert_ptr_equal(cs_csv_tail(csv, strlen(csv)), csv + 12); /* the line end of "3,4" on */
    assert_ptr_equal(cs_csv_tail(blank, 2), blank);
    /* the blank line at 4 is before the tail: a record (an error); those from 6 on end the input */
    assert_string_equal(read_part(csv, 4, 9, 2, 2), "2: 1|2\nbad 3: blank line\n");
    assert_string_equal(read_part(csv, 9, strlen(csv), 4, 2), "4: 3|4\n");
    assert_string_equal(read_part(csv, 13, strlen(csv), 5, 2), "");
    /* an encoding error is reported at its line, counted from the part's first */
    cs_csv r;
    const char *bad = "x,y\nz,\xff\n";
    cs_csv_init_part(&r, bad, strlen(bad), 7, 2, bad + strlen(bad), bad + 6, 0);
    assert_int_equal(cs_csv_next(&r), CS_CSV_RECORD);
    assert_int_equal(r.line, 7);
    assert_int_equal(cs_csv_next(&r), CS_CSV_FATAL);
    assert_int_equal(r.error_line, 8);
    assert_string_equal(r.error, "invalid utf-8");
    cs_csv_free(&r);
}

/* Reads buf[0 .. len) as read_all_len does, bytewise or not, into o. */
static void summary(const char *buf, size_t len, int bytewise, char *o, size_t cap)
{
    cs_csv r;
    cs_csv_init(&r, buf, len);
    r.bytewise = bytewise;
    size_t n = 0;
    o[0] = '\0';
    cs_csv_status st;
    while ((st = cs_csv_next(&r)) != CS_CSV_EOF && n < cap) {
        if (st == CS_CSV_RECORD) {
            n += (size_t)snprintf(o + n, cap - n, "%ld:", r.line);
            for (size_t i = 0; i < r.nfields && n < cap; i++)
                n += (size_t)snprintf(o + n, cap - n, "[%.*s]", (int)r.field[i].len, r.field[i].p);
            if (n < cap) n += (size_t)snprintf(o + n, cap - n, "\n");
        } else {
            n += (size_t)snprintf(o + n, cap - n, "%d %ld: %s\n", (int)st, r.error_line, r.error);
        }
    }
    cs_csv_free(&r);
}

/* Records of plain fields are split 16 bytes at a time; every other input goes byte by byte.  The
 * two must agree on every input: random ones over the bytes that matter (separators, CR, LF,
 * quotes, a two-byte character and an invalid byte), long enough to cross 16-byte blocks. */
static void test_fast_path_agrees(void **state)
{
    (void)state;
    static const char *const atoms[] = {"a", "b", "7", ",", ",", "\n", "\n", "\r\n", "\r", "\"", "\xc3\xa9", "\xff", "\0"};
    static char a[8192], b[8192];
    char buf[400];
    uint64_t x = 12345;
    for (int t = 0; t < 30000; t++) {
        size_t len = 0, target = (size_t)(t % 97) * 3;
        while (len < target) {
            x = x * 6364136223846793005u + 1442695040888963407u;
            unsigned k = (unsigned)(x >> 33) % 64;
            /* mostly letters and commas (records that take the fast path), now and then the rest;
             * the invalid bytes only in a few inputs, since they end the reading */
            const char *s = k < 40 ? atoms[k % 4] : k < 58 ? atoms[4 + k % 5] : k < 62 ? atoms[9 + k % 2]
                          : t % 10 == 0 ? atoms[11 + k % 2] : "c";
            size_t l = s[0] ? strlen(s) : 1;
            memcpy(buf + len, s, l);
            len += l;
        }
        summary(buf, len, 0, a, sizeof a);
        summary(buf, len, 1, b, sizeof b);
        if (strcmp(a, b)) fail_msg("input %d differs:\n%s\n--- bytewise:\n%s", t, a, b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain),          cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_unescaped_flag), cmocka_unit_test(test_scratch_growth),
        cmocka_unit_test(test_line_ends),      cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_bom),            cmocka_unit_test(test_line_numbers_in_quotes),
        cmocka_unit_test(test_ragged),         cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_stray_quotes),   cmocka_unit_test(test_invalid_utf8),
        cmocka_unit_test(test_utf8_check),     cmocka_unit_test(test_header_count_after_bad_header),
        cmocka_unit_test(test_scan),           cmocka_unit_test(test_parts),
        cmocka_unit_test(test_fast_path_agrees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
