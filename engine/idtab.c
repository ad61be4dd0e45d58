#include "idtab.h"

#include <stdlib.h>

#include "strtab.h"
#include "xalloc.h"

/* Slots for `ids` ids, at most 70% full. */
static int alloc_slots(cs_idtab *t, size_t ids)
{
    size_t count = ids / 7 * 10 + 64;
    t->slot = cs_xcalloc(count, sizeof *t->slot);
    if (!t->slot) return -1;
    t->own = t->slot;
    t->size = count;
    t->limit = count / 10 * 7;
    return 0;
}

int cs_idtab_init(cs_idtab *t, size_t expect)
{
    memset(t, 0, sizeof *t);
    return alloc_slots(t, expect);
}

void cs_idtab_free(cs_idtab *t)
{
    cs_xfree(t->own);
    memset(t, 0, sizeof *t);
}

static uint64_t slot_hash(const cs_idslot *sl)
{
    if (sl->len & CS_ID_LONG) return sl->k1;
    char k[24];
    memcpy(k, &sl->k0, 8);
    memcpy(k + 8, &sl->k1, 8);
    memcpy(k + 16, &sl->k2, 4);
    return cs_hash_bytes(k, sl->len);
}

int cs_idtab_grow(cs_idtab *t, size_t more)
{
    cs_idtab old = *t;
    size_t ids = old.limit;
    while (ids < t->n + more) ids *= 2;
    if (alloc_slots(t, ids)) {
        *t = old;
        return -1;
    }
    for (size_t i = 0; i < old.size; i++) {
        if (!old.slot[i].len) continue;
        size_t j = cs_idtab_home(t, slot_hash(&old.slot[i]));
        while (t->slot[j].len) j = j + 1 == t->size ? 0 : j + 1;
        t->slot[j] = old.slot[i];
    }
    cs_xfree(old.own);
    return 0;
}

void *cs_idtab_split(cs_idtab *t, cs_idtab *second)
{
    void *block = t->own;
    size_t half = t->size / 2;
    *second = (cs_idtab){.slot = t->slot + half, .size = t->size - half, .limit = (t->size - half) / 10 * 7};
    t->size = half;
    t->limit = half / 10 * 7;
    t->own = NULL;
    return block;
}
