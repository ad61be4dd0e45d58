#include "strtab.h"
#include "xalloc.h"

#include <stdlib.h>
#include <string.h>

#define REC_HDR 4 /* the index in front of each string */
#define REC_BITS 40
#define REC_MASK ((UINT64_C(1) << REC_BITS) - 1)

int cs_strtab_init(cs_strtab *t, size_t n)
{
    memset(t, 0, sizeof *t);
    size_t slots = 16;
    while (slots < 2 * n) slots *= 2;
    t->slot = calloc(slots, sizeof *t->slot);
    t->off = malloc((n + 1) * sizeof *t->off);
    t->arena = malloc(16 * n + 16);
    if (!t->slot || !t->off || !t->arena) return -1;
    t->mask = slots - 1;
    t->ocap = n + 1;
    t->acap = 16 * n + 16;
    t->off[0] = REC_HDR;
    return 0;
}

void cs_strtab_free(cs_strtab *t)
{
    free(t->slot);
    free(t->off);
    free(t->arena);
    memset(t, 0, sizeof *t);
}

static void slot_put(uint64_t *slot, size_t mask, uint64_t h, size_t rec)
{
    size_t i = (size_t)h & mask;
    while (slot[i]) i = (i + 1) & mask;
    slot[i] = (h >> REC_BITS << REC_BITS) | (uint64_t)(rec + 1);
}

static int rehash(cs_strtab *t)
{
    size_t nslots = 2 * (t->mask + 1);
    uint64_t *slot = calloc(nslots, sizeof *slot);
    if (!slot) return -1;
    for (size_t i = 0; i < t->n; i++)
        slot_put(slot, nslots - 1, cs_hash_bytes(cs_strtab_str(t, i), cs_strtab_len(t, i)), t->off[i] - REC_HDR);
    free(t->slot);
    t->slot = slot;
    t->mask = nslots - 1;
    return 0;
}

static int64_t add(cs_strtab *t, const char *s, size_t len, uint64_t h)
{
    size_t rec = t->alen, need = rec + REC_HDR + len + 1;
    if (need > REC_MASK - 1 || t->n >= UINT32_MAX) return -1;
    if (cs_grow((void **)&t->off, &t->ocap, t->n + 2, sizeof *t->off)) return -1;
    if (cs_grow((void **)&t->arena, &t->acap, need, 1)) return -1;
    uint32_t index = (uint32_t)t->n;
    memcpy(t->arena + rec, &index, REC_HDR);
    memcpy(t->arena + rec + REC_HDR, s, len);
    t->arena[need - 1] = '\0';
    t->alen = need;
    t->off[++t->n] = need + REC_HDR;
    slot_put(t->slot, t->mask, h, rec);
    if (2 * t->n > t->mask + 1 && rehash(t)) return -1;
    return index;
}

int64_t cs_strtab_intern(cs_strtab *t, const char *s, size_t len, int *added)
{
    uint64_t h = cs_hash_bytes(s, len), fp = h >> REC_BITS;
    for (size_t i = (size_t)h & t->mask;; i = (i + 1) & t->mask) {
        uint64_t v = t->slot[i];
        if (!v) break;
        if (v >> REC_BITS != fp) continue;
        size_t rec = (size_t)(v & REC_MASK) - 1;
        const char *str = t->arena + rec + REC_HDR;
        /* str[len] is read only inside the arena; a shorter str has its NUL within s's length */
        if (rec + REC_HDR + len < t->alen && str[len] == '\0' && !memcmp(str, s, len)) {
            uint32_t index;
            memcpy(&index, t->arena + rec, REC_HDR);
            *added = 0;
            return index;
        }
    }
    *added = 1;
    return add(t, s, len, h);
}
