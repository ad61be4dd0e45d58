/* numid: ids that are all numbers of one shape, for the loader's fast path.
 *
 * Company exports usually number their members: "M00012345", or "1012345".  When every id of a
 * file has the shape of its first id (the same length, the same prefix of non-digits, then only
 * digits), two ids are equal exactly when their numbers are, so an id can be looked up by its
 * number in an array instead of in the hash table (idtab.h).  The array of a dense range of
 * numbers is a tenth of the table's size and mostly stays in the cache; the table's lookups are
 * the loader's largest cost (docs/performance.md, "Session 8").  A string of another shape gets
 * no number, and the loader then starts again with the table, so the result never depends on
 * which way was taken. */
#ifndef COMPSIM_NUMID_H
#define COMPSIM_NUMID_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CS_NUMID_PREFIX 8  /* longest prefix of non-digits */
#define CS_NUMID_DIGITS 18 /* most digits: any such number fits in 63 bits */

typedef struct {
    uint32_t len;  /* of every id */
    uint32_t plen; /* of the prefix */
    char prefix[CS_NUMID_PREFIX];
} cs_numid;

static inline int cs_numid_is_digit(char c) { return c >= '0' && c <= '9'; }

/* The shape of `id` (len bytes) in *s; -1 if it has none: a prefix longer than CS_NUMID_PREFIX,
 * no digits or too many, or a non-digit after the first digit. */
static inline int cs_numid_shape(cs_numid *s, const char *id, uint32_t len)
{
    uint32_t p = 0;
    while (p < len && !cs_numid_is_digit(id[p])) p++;
    if (p > CS_NUMID_PREFIX || p == len || len - p > CS_NUMID_DIGITS) return -1;
    for (uint32_t k = p; k < len; k++)
        if (!cs_numid_is_digit(id[k])) return -1;
    memset(s, 0, sizeof *s);
    s->len = len;
    s->plen = p;
    memcpy(s->prefix, id, p);
    return 0;
}

/* The number of `str` (len bytes) if it has shape s: 0, with *v set; else -1. */
static inline int cs_numid_number(const cs_numid *s, const char *str, uint32_t len, uint64_t *v)
{
    if (len != s->len || memcmp(str, s->prefix, s->plen)) return -1;
    uint64_t n = 0;
    for (uint32_t k = s->plen; k < len; k++) {
        unsigned d = (unsigned)(unsigned char)str[k] - '0';
        if (d > 9) return -1;
        n = n * 10 + d;
    }
    *v = n;
    return 0;
}

#endif
