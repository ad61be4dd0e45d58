/* The id table (idtab.h): the inline key of every length, read by loads that stay inside the id,
 * against a plain copy into a zeroed buffer; and lookups of ids that differ only past a key's end
 * or in one byte. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "idtab.h"
#include "strtab.h"

static void test_inline_keys(void **state)
{
    (void)state;
    /* each id sits at the very end of a buffer (so a read past it would leave the buffer: ASan
     * says so) and at every alignment; bytes are random, zeros and 0xff included */
    unsigned seed = 3;
    for (uint32_t len = 1; len <= CS_ID_INLINE; len++)
        for (int round = 0; round < 200; round++) {
            char *buf = malloc(len), want[24] = {0};
            assert_non_null(buf);
            for (uint32_t i = 0; i < len; i++) {
                int byte = round == 0 ? 0 : round == 1 ? 0xff : round == 2 ? 'a' + (int)i : rand_r(&seed) & 0xff;
                buf[i] = (char)byte;
            }
            memcpy(want, buf, len);
            uint64_t k0, k1;
            uint32_t k2;
            cs_idkey(buf, len, &k0, &k1, &k2);
            char got[24] = {0};
            memcpy(got, &k0, 8);
            memcpy(got + 8, &k1, 8);
            memcpy(got + 16, &k2, 4);
            assert_memory_equal(got, want, 24);
            free(buf);
        }
}

static void test_lookups(void **state)
{
    (void)state;
    /* ids of every length up to 30 (inline and long) over "abc...": each a prefix of the next, so
     * any key that read past its id's end would make two of them equal or differ from itself */
    const char *text = "abcdefghijklmnopqrstuvwxyz0123";
    cs_idtab t;
    assert_int_equal(cs_idtab_init(&t, 8), 0);
    for (int pass = 0; pass < 2; pass++)
        for (uint32_t len = 1; len <= 30; len++) {
            int added;
            assert_int_equal(cs_idtab_reserve(&t, 1), 0);
            cs_idslot *s = cs_idtab_get(&t, text, len, cs_hash_bytes(text, len), &added);
            assert_int_equal(added, pass == 0);
            if (pass == 0) s->a = len;
            assert_int_equal(s->a, len);
        }
    assert_int_equal(t.n, 30);
    /* one byte changed, at each place: a new id */
    char id[20];
    memcpy(id, text, 20);
    for (int at = 0; at < 20; at++) {
        id[at] = '#';
        int added;
        assert_int_equal(cs_idtab_reserve(&t, 1), 0);
        cs_idtab_get(&t, id, 20, cs_hash_bytes(id, 20), &added);
        assert_true(added);
        id[at] = text[at];
    }
    assert_int_equal(t.n, 50);
    cs_idtab_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_inline_keys), cmocka_unit_test(test_lookups)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
