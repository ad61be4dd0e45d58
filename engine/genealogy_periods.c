/* genealogy_periods: the periods stage of the genealogy loader (genealogy.c): period labels are
 * ordered as integers when every label (and every join_period value) is one, else as text, and
 * each join_period value is placed among them. */
#include <stdlib.h>
#include <string.h>

#include "genealogy_int.h"

/* Parses a label that is an integer: an optional '-' and digits, within int64. */
static int int_label(const char *s, size_t len, int64_t *out)
{
    size_t i = len && s[0] == '-';
    if (i == len) return 0;
    uint64_t v = 0, lim = i ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned dgt = (unsigned)(s[i] - '0');
        if (v > (lim - dgt) / 10) return 0;
        v = v * 10 + dgt;
    }
    *out = s[0] == '-' ? (int64_t)(0 - v) : (int64_t)v; /* two's complement, so -2^63 converts too */
    return 1;
}

typedef struct {
    const char *s;
    int64_t v;
    uint32_t label; /* order of appearance */
} label_key;

static int key_cmp_int(const void *a, const void *b)
{
    const label_key *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return x->label < y->label ? -1 : x->label > y->label;
}

static int key_cmp_text(const void *a, const void *b)
{
    return strcmp(((const label_key *)a)->s, ((const label_key *)b)->s);
}

static int all_int(const cs_strtab *t)
{
    int64_t v;
    for (size_t i = 0; i < t->n; i++)
        if (!int_label(cs_strtab_str(t, i), cs_strtab_len(t, i), &v)) return 0;
    return 1;
}

/* Index of the first period whose label is >= key; *exact if it is equal. */
static size_t lower_bound(const label_key *k, size_t n, const label_key *key, int numeric, int *exact)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = numeric ? (k[mid].v > key->v) - (k[mid].v < key->v) : strcmp(k[mid].s, key->s);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *exact = lo < n && (numeric ? k[lo].v == key->v : !strcmp(k[lo].s, key->s));
    return lo;
}

static int place_joins(gl_periods *P, const cs_strtab *joins, const label_key *k, int numeric)
{
    P->join_period = malloc((joins->n + 1) * sizeof *P->join_period);
    P->join_exact = malloc(joins->n + 1);
    if (!P->join_period || !P->join_exact) return -1;
    for (size_t j = 0; j < joins->n; j++) {
        label_key key = {.s = cs_strtab_str(joins, j)};
        if (numeric) int_label(key.s, cs_strtab_len(joins, j), &key.v);
        int exact;
        P->join_period[j] = (int32_t)lower_bound(k, P->n, &key, numeric, &exact);
        P->join_exact[j] = (uint8_t)exact;
    }
    return 0;
}

int gl_order_periods(gl_periods *P, const cs_strtab *labels, const uint32_t *label_line, const cs_strtab *joins,
                     gl_errlist *err)
{
    size_t np = labels->n;
    P->n = np;
    int numeric = all_int(labels) && all_int(joins);
    label_key *k = malloc((np + 1) * sizeof *k);
    P->pos = malloc((np + 1) * sizeof *P->pos);
    P->sorted = malloc((np + 1) * sizeof *P->sorted);
    if (!k || !P->pos || !P->sorted) {
        free(k);
        return -1;
    }
    for (size_t i = 0; i < np; i++) {
        k[i] = (label_key){.s = cs_strtab_str(labels, i), .label = (uint32_t)i};
        if (numeric) int_label(k[i].s, cs_strtab_len(labels, i), &k[i].v);
    }
    qsort(k, np, sizeof *k, numeric ? key_cmp_int : key_cmp_text);
    for (size_t i = 0; i < np; i++) {
        P->pos[k[i].label] = (uint32_t)i;
        P->sorted[i] = k[i].label;
        /* sorted by value then by appearance, so k[i] is the later spelling of the same number */
        if (numeric && i && k[i].v == k[i - 1].v) {
            char a[SHOW_CAP], b[SHOW_CAP];
            gl_err_add(err, label_line[k[i].label], ST_PERIODS, "period '%s' is the same number as period '%s' (line %lu)",
                       gl_show(a, k[i].s, strlen(k[i].s)), gl_show(b, k[i - 1].s, strlen(k[i - 1].s)),
                       (unsigned long)label_line[k[i - 1].label]);
        }
    }
    int ret = place_joins(P, joins, k, numeric);
    free(k);
    return ret;
}

void gl_periods_free(gl_periods *P)
{
    free(P->pos);
    free(P->sorted);
    free(P->join_period);
    free(P->join_exact);
    memset(P, 0, sizeof *P);
}
