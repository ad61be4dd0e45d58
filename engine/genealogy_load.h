/* genealogy_load: the loader's state, shared by its stages (genealogy.c: tree and store;
 * genealogy_resolve.c: resolving ids).  Not an API: the entry points are in genealogy.h. */
#ifndef COMPSIM_GENEALOGY_LOAD_H
#define COMPSIM_GENEALOGY_LOAD_H

#include <stdint.h>
#include <string.h>

#include "genealogy_int.h"
#include "idtab.h"
#include "numid.h"

#define PEND(p) (-2 - (int32_t)(p)) /* sponsor of a first row: an id with no row yet */
#define AHEAD 16 /* loops that read at random prefetch this many iterations ahead */
#define LOOKAHEAD 24 /* rows between the prefetch of a row's hash slots and their use */

typedef struct {
    union {
        const char *p; /* the id, in its first row */
        uint64_t off;  /* once the ids are placed (place_ids): where it is in id_buf */
    } id;
    uint32_t pv, bv, retail; /* of the first row, in cents; pv == VOL_BIG: not all three fit (big_row) */
    uint32_t line;  /* of the first row */
    int32_t join;   /* join_period label (in `joins`) of the first row; without one, JOIN_NONE(p) where
                     * p is the first period with a row (member_first) */
    uint32_t idlen : 31;
    uint32_t kept : 1; /* the first row's values count (it has no error) */
} member; /* 32 bytes: the largest array of a load (one per row), so every byte of it is fresh memory
            * to fault in (on this VM, 1.2-2.4 cpu-seconds per GB when the host must back it: see
            * docs/performance.md); the sponsor, the first row's slot and period label are kept
            * beside it, and volumes of $42,949,672.95 or more aside (gl_volumes) */

/* A row with a volume that does not fit the 32 bits of its member record or dup_row (a volume is
 * at most 10^18 cents): kept in its half's list, in slot order. */
#define VOL_BIG UINT32_MAX
typedef struct {
    uint32_t slot;
    int64_t pv, bv, retail;
} big_row;

/* A member without join_period: its field holds the first period with a row (INT32_MAX: none yet). */
#define JOIN_NONE(p) (-1 - (int32_t)(p))
static inline int32_t member_join(const member *m) { return m->join >= 0 ? m->join : -1; }
static inline int32_t member_first(const member *m) { return -1 - m->join; }

/* A row that is not its member's first, as resolving finds it (checked in finish_resolve; with
 * `keep`, its values go into the store: files with periods). */
typedef struct {
    uint32_t slot, first; /* of this row; of the member's first row */
    uint32_t line;
    int32_t join;
    uint32_t label : 31;
    uint32_t keep : 1;
    uint32_t pv, bv, retail; /* in cents; pv == VOL_BIG: not all three fit (big_row) */
} dup_row; /* 32 bytes, one per row of a later period: a file with 12 periods has 11 for each member,
            * the largest block of its load (it was 48 bytes, with the volumes in 64 bits); its
            * sponsor is in spref, by slot */
_Static_assert(sizeof(dup_row) == 32, "a dup_row is 32 bytes");

/* The ids of one half (stage 2). */
typedef struct {
    cs_idtab ids;  /* a = first row's slot (GL_NONE before it), b = pending number (GL_NONE if none) */
    size_t slots;  /* rows with an id so far (of either half) */
    size_t nfirst; /* members of this half */
    size_t id_bytes; /* their ids' bytes, a NUL each included */
    uint32_t *part_first; /* per part: its rows that are this half's new members */
    size_t *part_bytes;   /* per part: their ids' bytes, as id_bytes */
    uint32_t *list; /* the rows of a part whose ids, then whose sponsors, are in this half */
    dup_row *dup;  /* in file order */
    size_t ndup, dup_cap;
    big_row *big;  /* in slot order */
    size_t nbig, big_cap;
    uint32_t *pend_first; /* pending id -> its first row's slot, once it has a row */
    const char **pend_id;
    uint32_t *pend_len;
    size_t npend, pend_cap;
} half;

/* Ids looked up by their number (numid.h), when every id of the file has the first id's shape.
 * entry[number - lo] plays a hash slot's part: 0 while the id is unknown, its first row's slot
 * plus one once it has a row, else NUM_PEND | its pending number (a slot's a and b, in one word:
 * b is not needed once a is set). */
#define NUM_PEND UINT32_C(0x80000000)
typedef struct {
    int on;            /* in use for this attempt */
    cs_numid shape;
    uint64_t lo, size; /* numbers lo .. lo + size - 1 have an entry */
    uint32_t *entry;
    int miss;          /* atomic: a string with no entry was met; the load starts again with the table */
} gl_numbered;

typedef struct {
    const char *name;
    gl_errlist err;
    gl_input in;
    size_t records; /* read, good or bad, up to the first part that could not be read to its end */
    int structural; /* some record could not be read, so the tree checks would mislead */

    half h[2];      /* stage 2: the ids, in two halves */
    int table_only; /* this attempt looks every id up in the halves' tables */
    gl_numbered num;
    void *id_block; /* the block the two halves' tables were cut from */
    size_t id_block_size;
    uint32_t *spref; /* slot -> the row's sponsor (stage 2) */
    uint32_t *rank;  /* slot -> rank of a first row; NULL when every row is its member's first */
    uint32_t *slot_of; /* rank -> its first row's slot; NULL when every row is its member's first */
    member *m;       /* by slot during stage 2, by rank after it */
    uint32_t *label; /* the first row's period label (in `periods`), as m; NULL without a period
                      * column (every label is then 0) */
    size_t n;        /* members */
    size_t nslots;   /* rows with an id */
    size_t nlater;   /* rows kept that are not their member's first (dup_row.keep) */
    uint32_t *pend_rank; /* pending id -> rank, once it has a row (both halves' pending ids) */
    const char **pend_id;
    uint32_t *pend_len;
    size_t npend;
    char **owned; /* the parts' unescaped fields, which ids may point to */
    size_t nowned, owned_cap;

    cs_strtab periods, joins; /* labels in order of first appearance in the file */
    uint32_t *period_line;    /* first line of each period label */
    size_t period_line_cap;

    gl_periods per; /* the periods in order, and where join_period values fall */

    /* tree: in the id table's memory, which is no longer needed then */
    char *scratch;
    size_t scratch_size, scratch_used;
    int scratch_given; /* the store's volumes live at its start, so the store owns it now */
    const char *ids_placed; /* the store's id_buf, once member records hold offsets into it */
    size_t id_parts;      /* parts resolved */
    size_t *id_rank0;     /* per part (and one past): rank of its first new member */
    size_t *id_base;      /* per part (and one past): where its new members' ids go in id_buf */
    size_t id_next;       /* atomic: the next part whose ids are to be copied (place_ids) */
    int32_t *up;     /* rank -> sponsor's rank, -1 root, -2 sponsor not a member */
    size_t unknown;  /* members whose sponsor is not a member */
    uint32_t *order; /* breadth-first position -> rank */
    int32_t *par;    /* breadth-first position -> the sponsor's position, -1 for a root */
    uint32_t *pos;   /* rank -> breadth-first position, GL_NONE if not reached (when needed) */
    size_t nreached;
} loader;

/* Stage times on stderr, in a build with -DGL_TRACE (for docs/performance.md); nothing otherwise. */
#ifdef GL_TRACE
#include <stdio.h>
#include <time.h>
extern double gl_trace_last;
static inline void gl_trace(const char *stage)
{
    double last = gl_trace_last;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    double now = (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
    if (stage) fprintf(stderr, "  %-16s %.3f s\n", stage, now - last);
    gl_trace_last = now;
}
#else
#define gl_trace(stage) ((void)0)
#endif

/* n * size bytes of the scratch block (a cache line apart), or NULL. */
static inline void *gl_carve(loader *L, size_t n, size_t size)
{
    size_t at = (L->scratch_used + 63) & ~(size_t)63;
    if (n > (L->scratch_size - at) / size || at > L->scratch_size) return NULL;
    L->scratch_used = at + n * size;
    return L->scratch + at;
}

static inline const char *gl_show_rank(const loader *L, uint32_t rank, char out[SHOW_CAP])
{
    const member *m = &L->m[rank];
    return gl_show(out, L->ids_placed ? L->ids_placed + m->id.off : m->id.p, m->idlen);
}

/* A member's rank from its first row's slot. */
static inline uint32_t gl_rank_of(const loader *L, uint32_t slot) { return L->rank ? L->rank[slot] : slot; }

/* The next row that is not its member's first, in file order, from either half; NULL at the end. */
static inline const dup_row *gl_next_dup(const loader *L, size_t at[2])
{
    const half *a = &L->h[0], *b = &L->h[1];
    int ha = at[0] < a->ndup, hb = at[1] < b->ndup;
    if (!ha && !hb) return NULL;
    int pick = !ha || (hb && b->dup[at[1]].slot < a->dup[at[0]].slot);
    return pick ? &b->dup[at[1]++] : &a->dup[at[0]++];
}

/* The slot of a member's first row (the same number as its rank when every row is its member's first). */
static inline uint32_t gl_first_slot(const loader *L, uint32_t rank) { return L->slot_of ? L->slot_of[rank] : rank; }

/* The volumes of the row in `slot`, whose member record or dup_row holds VOL_BIG. */
void gl_big_volumes(const loader *L, uint32_t slot, int64_t v[3]);
/* The first row's volumes of member `rank`: v[0] pv, v[1] bv, v[2] retail. */
static inline void gl_volumes(const loader *L, uint32_t rank, int64_t v[3])
{
    const member *m = &L->m[rank];
    if (m->pv == VOL_BIG) {
        gl_big_volumes(L, gl_first_slot(L, rank), v);
        return;
    }
    v[0] = m->pv, v[1] = m->bv, v[2] = m->retail;
}

/* The volumes of a row that is not its member's first, as gl_volumes. */
static inline void gl_dup_volumes(const loader *L, const dup_row *x, int64_t v[3])
{
    if (x->pv == VOL_BIG) {
        gl_big_volumes(L, x->slot, v);
        return;
    }
    v[0] = x->pv, v[1] = x->bv, v[2] = x->retail;
}

/* The period label of a member's first row. */
static inline uint32_t gl_label(const loader *L, uint32_t rank) { return L->label ? L->label[rank] : 0; }

/* A member's sponsor: its rank, -1 for none, PEND(p) if it had no row when the member's first row
 * named it and has none still (pending id p). */
int32_t gl_sponsor(const loader *L, uint32_t rank);

/* A sponsor as gl_sponsor gives it. */
static inline const char *gl_show_sponsor(const loader *L, int32_t sp, char out[SHOW_CAP])
{
    if (sp == -1) return "";
    if (sp >= 0) return gl_show_rank(L, (uint32_t)sp, out);
    size_t p = (size_t)(-2 - sp);
    return gl_show(out, L->pend_id[p], L->pend_len[p]);
}

static inline const char *gl_show_label(const cs_strtab *t, int64_t i, char out[SHOW_CAP])
{
    return i < 0 ? "" : gl_show(out, cs_strtab_str(t, (size_t)i), cs_strtab_len(t, (size_t)i));
}

/* Stage 2 (genealogy_resolve.c): reads the rows and resolves their ids, numbers the members and
 * checks their other rows.  Returns -1 when nothing more can be checked, GL_AGAIN when its ids
 * were looked up by number and one id or sponsor has none (then load again, with table_only). */
int gl_read_rows(loader *L);
#define GL_AGAIN (-2) /* gl_read_rows: an id had no number; load again with table_only set */
/* After stage 2: the id tables' memory becomes the scratch block of the later stages. */
int gl_take_scratch(loader *L);

#endif
