/* libFuzzer target: the genealogy CSV reader.  The first byte chooses how the input is cut into
 * parts (the loader's result and messages must not depend on it: checked against one part), the
 * rest is the file. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genealogy.h"
#include "genealogy_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int same(const cs_genealogy *a, const cs_genealogy *b)
{
    if (!a || !b) return a == b;
    if (a->n != b->n || a->nperiods != b->nperiods) return 0;
    for (size_t i = 0; i < a->n; i++)
        if (a->parent[i] != b->parent[i] || strcmp(cs_genealogy_id(a, i), cs_genealogy_id(b, i))) return 0;
    for (size_t c = 0; c < a->n * a->nperiods; c++)
        if (a->pv[c] != b->pv[c] || a->bv[c] != b->bv[c] || a->retail[c] != b->retail[c]) return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    size_t part = 16 + (size_t)data[0] * 4;
    const char *csv = (const char *)data + 1;
    size_t len = size - 1;
    cs_diags d1, d2;
    cs_diags_init(&d1);
    cs_diags_init(&d2);
    cs_genealogy *whole = cs_genealogy_load_parts(csv, len, "fuzz.csv", &d1, SIZE_MAX / 2);
    cs_genealogy *cut = cs_genealogy_load_parts(csv, len, "fuzz.csv", &d2, part);
    if (!whole && d1.nerrors == 0) abort(); /* a refusal must say why */
    if (!same(whole, cut) || d1.n != d2.n) abort();
    for (size_t k = 0; k < d1.n; k++)
        if (d1.items[k].line != d2.items[k].line || strcmp(d1.items[k].msg, d2.items[k].msg)) abort();
    cs_genealogy_free(whole);
    cs_genealogy_free(cut);
    cs_diags_free(&d1);
    cs_diags_free(&d2);
    return 0;
}
