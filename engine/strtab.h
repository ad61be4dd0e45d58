/* strtab: a set of strings, each numbered in order of first appearance, with its own copy of
 * every string.  For the small sets of a genealogy file (column names, period labels); member ids
 * have idtab.h.
 *
 * Strings are kept in one arena as records [index: 4 bytes][bytes][NUL].  A hash slot holds the
 * top bits of the hash (a fingerprint) and the offset of the record. */
#ifndef COMPSIM_STRTAB_H
#define COMPSIM_STRTAB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint64_t *slot; /* power-of-two size; 0 = empty, else fingerprint << 40 | (record + 1) */
    size_t mask;
    size_t *off; /* string i is arena + off[i]; off[n] is where the next one would start */
    size_t n, ocap;
    char *arena;
    size_t alen, acap;
} cs_strtab;

static inline uint64_t cs_hash_mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)(r >> 64) ^ (uint64_t)r;
}

static inline uint64_t cs_hash_load8(const char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint64_t cs_hash_load4(const char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* A 64-bit hash in the manner of wyhash (the one idtab.h uses too).  Inline and without calls:
 * a large genealogy file hashes two ids per row.  A key of 4 to 16 bytes is read as two words
 * that overlap (its first and last 8 or 4 bytes), which together hold every byte of it, so keys
 * of one length map to distinct pairs; the length goes into the mix. */
static inline uint64_t cs_hash_bytes(const char *s, size_t len)
{
    const uint64_t k0 = UINT64_C(0xa0761d6478bd642f), k1 = UINT64_C(0xe7037ed1a0b428db),
                   k2 = UINT64_C(0x8ebc6af09c88c6e3);
    uint64_t a, b, h = k0 ^ len;
    if (len > 16) {
        size_t i = 0;
        for (; len - i > 16; i += 16) h = cs_hash_mix(cs_hash_load8(s + i) ^ k1, cs_hash_load8(s + i + 8) ^ h);
        a = cs_hash_load8(s + len - 16);
        b = cs_hash_load8(s + len - 8);
    } else if (len >= 8) {
        a = cs_hash_load8(s);
        b = cs_hash_load8(s + len - 8);
    } else if (len >= 4) {
        a = cs_hash_load4(s);
        b = cs_hash_load4(s + len - 4);
    } else if (len) {
        const unsigned char *u = (const unsigned char *)s;
        a = (uint64_t)u[0] << 16 | (uint64_t)u[len >> 1] << 8 | u[len - 1];
        b = 0;
    } else {
        a = b = 0;
    }
    return cs_hash_mix(cs_hash_mix(a ^ k1, b ^ h) ^ k2, len ^ k1);
}

/* Room for about `n` strings to start with; returns -1 when out of memory. */
int cs_strtab_init(cs_strtab *t, size_t n);
void cs_strtab_free(cs_strtab *t);

/* Index of s[0 .. len), added if new (then *added = 1); -1 when out of memory. */
int64_t cs_strtab_intern(cs_strtab *t, const char *s, size_t len, int *added);

/* String i (NUL-terminated) and its length. */
static inline const char *cs_strtab_str(const cs_strtab *t, size_t i) { return t->arena + t->off[i]; }
static inline size_t cs_strtab_len(const cs_strtab *t, size_t i) { return t->off[i + 1] - t->off[i] - 5; }

#endif
