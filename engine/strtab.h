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

typedef struct {
    uint64_t *slot; /* power-of-two size; 0 = empty, else fingerprint << 40 | (record + 1) */
    size_t mask;
    size_t *off; /* string i is arena + off[i]; off[n] is where the next one would start */
    size_t n, ocap;
    char *arena;
    size_t alen, acap;
} cs_strtab;

/* A 64-bit hash in the manner of wyhash (the one idtab.h uses too). */
uint64_t cs_hash_bytes(const char *s, size_t len);

/* Room for about `n` strings to start with; returns -1 when out of memory. */
int cs_strtab_init(cs_strtab *t, size_t n);
void cs_strtab_free(cs_strtab *t);

/* Index of s[0 .. len), added if new (then *added = 1); -1 when out of memory. */
int64_t cs_strtab_intern(cs_strtab *t, const char *s, size_t len, int *added);

/* String i (NUL-terminated) and its length. */
static inline const char *cs_strtab_str(const cs_strtab *t, size_t i) { return t->arena + t->off[i]; }
static inline size_t cs_strtab_len(const cs_strtab *t, size_t i) { return t->off[i + 1] - t->off[i] - 5; }

#endif
