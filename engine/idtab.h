/* idtab: the set of member ids of a genealogy file, for the loader.
 *
 * Open addressing with linear probing over 32-byte slots.  An id of up to 20 bytes is kept in its
 * slot, so that finding it reads the slots from its home on and nothing else (on average 2.2 slots,
 * 1.6 cache lines, when the table is 70% full, the most it gets; cs_idtab_prefetch fetches two): a
 * large file's ids are looked up at random, and each line a lookup reads is a cache miss, so it
 * matters that no other memory is read.  A longer id is kept as its address and hash,
 * and its bytes must outlive the table.  Ids never hold NUL bytes (the reader rejects them), so
 * zero padding cannot make two ids equal.
 *
 * Each slot carries two numbers for the caller, zero when the slot is new. */
#ifndef COMPSIM_IDTAB_H
#define COMPSIM_IDTAB_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define CS_ID_INLINE 20             /* longest id kept in its slot */
#define CS_ID_LONG UINT32_C(0x80000000) /* len flag: the key is an address and a hash */

typedef struct {
    uint64_t k0, k1; /* bytes 0-15 of an inline key; else address and hash */
    uint32_t k2;     /* bytes 16-19 */
    uint32_t len;    /* 0: empty slot */
    uint32_t a, b;   /* the caller's */
} cs_idslot;

typedef struct {
    cs_idslot *slot;
    size_t size, n, limit;
    void *own; /* the block to free with the table: NULL when the slots belong to another's block */
} cs_idtab;

/* The first slot to look at for hash h: any table size works (a multiply, not a mask). */
static inline size_t cs_idtab_home(const cs_idtab *t, uint64_t h)
{
    return (size_t)(((unsigned __int128)h * t->size) >> 64);
}

/* Room for `expect` ids before the table grows; -1 when out of memory. */
int cs_idtab_init(cs_idtab *t, size_t expect);
void cs_idtab_free(cs_idtab *t);
/* Cuts the slots of t, still empty, into two tables of half its size each (t and `second`), and
 * returns the block they share, which the caller frees (a table that grows leaves it). */
void *cs_idtab_split(cs_idtab *t, cs_idtab *second);
/* Makes room for `more` ids more than now; -1 when out of memory. */
int cs_idtab_grow(cs_idtab *t, size_t more);
/* Makes sure `more` ids can be added before slots move; -1 when out of memory. */
static inline int cs_idtab_reserve(cs_idtab *t, size_t more) { return t->n + more <= t->limit ? 0 : cs_idtab_grow(t, more); }

/* Prefetches the slots a lookup of hash h reads first: its home slot, and the next one, which is
 * in the next cache line when the home slot is the second of its line.  At the table's load factor
 * (0.7 when full) linear probing reads 1.6 lines a lookup on average, so without the second
 * prefetch a third of the lookups wait for a miss. */
static inline void cs_idtab_prefetch(const cs_idtab *t, uint64_t h)
{
    const cs_idslot *s = &t->slot[cs_idtab_home(t, h)];
    __builtin_prefetch(s);
    __builtin_prefetch(s + 1); /* at most one past the last slot: a valid address to form, and a prefetch never faults */
}

/* The inline key of s[0 .. len) (1 <= len <= CS_ID_INLINE): bytes 0-7, 8-15 and 16-19 of s as they
 * lie in memory, zero past len.  On little-endian machines the key is read with loads that stay
 * inside s, overlapping ones for the tail, rather than copied to a buffer on the stack and read back:
 * the wide loads from that buffer wait for its narrow stores, about a sixth of a lookup's time. */
static inline void cs_idkey(const char *s, uint32_t len, uint64_t *k0, uint64_t *k1, uint32_t *k2)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t a = 0, b = 0;
    uint32_t c = 0, x, y;
    if (len >= 8) {
        memcpy(&a, s, 8);
        if (len > 16) {
            memcpy(&b, s + 8, 8);
            memcpy(&c, s + len - 4, 4); /* bytes len-4 .. len-1; the ones before 16 shifted out */
            c >>= 8 * (20 - len);
        } else if (len > 8) {
            memcpy(&b, s + len - 8, 8); /* bytes len-8 .. len-1; the ones before 8 shifted out */
            b >>= 8 * (16 - len);
        }
    } else if (len >= 4) {
        memcpy(&x, s, 4);
        memcpy(&y, s + len - 4, 4); /* overlaps x where both hold the same bytes */
        a = (uint64_t)x | (uint64_t)y << 8 * (len - 4);
    } else {
        a = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[len / 2] << 8 * (len / 2) |
            (uint64_t)(unsigned char)s[len - 1] << 8 * (len - 1);
    }
    *k0 = a, *k1 = b, *k2 = c;
#else
    char k[24] = {0};
    memcpy(k, s, len);
    memcpy(k0, k, 8);
    memcpy(k1, k + 8, 8);
    memcpy(k2, k + 16, 4);
#endif
}

/* The slot of s[0 .. len) (1 <= len < 2^31), whose hash (cs_hash_bytes) is h; a new slot, with
 * *added set, if s is not in the table.  Room must have been reserved (cs_idtab_reserve).  The
 * slot stays where it is until the table grows. */
static inline cs_idslot *cs_idtab_get(cs_idtab *t, const char *s, uint32_t len, uint64_t h, int *added)
{
    uint64_t k0 = 0, k1 = 0;
    uint32_t k2 = 0, klen = len;
    if (len <= CS_ID_INLINE) {
        cs_idkey(s, len, &k0, &k1, &k2);
    } else {
        k0 = (uint64_t)(uintptr_t)s;
        k1 = h;
        klen = len | CS_ID_LONG;
    }
    for (size_t i = cs_idtab_home(t, h);; i = i + 1 == t->size ? 0 : i + 1) {
        cs_idslot *sl = &t->slot[i];
        if (!sl->len) {
            sl->k0 = k0, sl->k1 = k1, sl->k2 = k2, sl->len = klen;
            t->n++;
            *added = 1;
            return sl;
        }
        if (sl->len != klen) continue;
        if (len <= CS_ID_INLINE ? sl->k0 == k0 && sl->k1 == k1 && sl->k2 == k2
                                : sl->k1 == h && !memcmp((const char *)(uintptr_t)sl->k0, s, len)) {
            *added = 0;
            return sl;
        }
    }
}

#endif
