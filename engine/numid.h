/* numid: ids that are all numbers of one shape, for the loader's fast path.
 *
 * Company exports usually number their members: "M00012345", "1012345" or "12345".  When every
 * id of a file has the shape of its first id, two ids are equal exactly when their numbers are,
 * so an id can be looked up by its number in an array instead of in the hash table (idtab.h).
 * A shape is a prefix of non-digits, then digits: as many as the first id has, if its digits
 * start with a zero ("M00012345": every id has 8); else any number of digits that do not start
 * with a zero ("12345", "7", but not "0123").  Either way no number is written two ways.  The array of a dense range of
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
    uint32_t len;  /* of every id, when `fixed` */
    uint32_t plen; /* of the prefix */
    int fixed;     /* 1: len digits, leading zeros allowed; 0: no leading zero, any length */
    char prefix[CS_NUMID_PREFIX];
} cs_numid;

static inline int cs_numid_is_digit(char c) { return c >= '0' && c <= '9'; }

/* The shape of `id` (len bytes) in *s; -1 if it has none: a prefix longer than CS_NUMID_PREFIX,
 * no digits or too many, or a non-digit after the first digit.  Fixed-width when its digits start
 * with a zero (and are more than "0"). */
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
    s->fixed = id[p] == '0' && len - p > 1;
    memcpy(s->prefix, id, p);
    return 0;
}

/* The number of `str` (len bytes) if it has shape s: 0, with *v set; else -1. */
static inline int cs_numid_number(const cs_numid *s, const char *str, uint32_t len, uint64_t *v)
{
    if (s->fixed ? len != s->len : len <= s->plen || len - s->plen > CS_NUMID_DIGITS)
        return -1;
    if (memcmp(str, s->prefix, s->plen) || (!s->fixed && str[s->plen] == '0' && len - s->plen > 1))
        return -1; /* another prefix, or a leading zero where the shape has none */
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
