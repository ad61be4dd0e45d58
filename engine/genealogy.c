/* genealogy: reads a genealogy CSV file (docs/plan-format.md, "The genealogy file") into the store
 * of genealogy.h.
 *
 * Loading runs in stages over flat arrays, with no allocation per member or per row:
 *
 *   read     (genealogy_read.c) the header; then the rest is cut into parts at line ends, and each
 *            part is parsed into a buffer of rows: fields located, volumes converted, ids hashed.
 *   resolve  the parts' rows, in file order, give each id its member, numbered by rank (the order
 *            of the member's first row), through hash tables that hold short ids in their slots
 *            (idtab.h).  The ids are split in two halves by a bit of their hash, one table and one
 *            cpu each, so that both cpus look ids up at once (the lookups, random reads of a large
 *            table, are most of a large load).  An id seen as a sponsor before any row of its own
 *            is "pending" until its first row.  Each member gets one 64-byte record; rows that are
 *            not their member's first are checked against it afterwards (finish_resolve), and
 *            kept in a list of their own when their values count (files with periods).
 *            Reading and resolving overlap: the two cpus parse the parts ahead of the resolvers.
 *   periods  labels are sorted, as integers or as text, and join_period values are placed.
 *   tree     breadth-first order through a CSR list of recruits (sponsor -> recruits in rank
 *            order).  Members it does not reach are below an unknown sponsor, or in or below a cycle.
 *   rows     each kept row's cell is checked (a cell filled twice is a duplicate; without a period
 *            column, a member's second row already is, found by finish_resolve) and per-period totals
 *            are summed with an overflow check; then the store is filled in breadth-first order by
 *            both threads, from the member records.
 *
 * Large inputs are bound by memory, not by parsing.  The hash slots are read at random, so rows
 * prefetch them a few rows ahead.  Fresh memory costs most (each page is cleared by the kernel on
 * first touch; huge pages, xalloc.h, cut the count but not the clearing), so the tree arrays reuse
 * the id table's memory, and page faults are taken ahead of time by a thread that would otherwise
 * wait: the member records' by the parsing thread, the store's during the (serial) tree stage.
 * A regular file is mapped (MAP_POPULATE) rather than read into fresh memory, which would be
 * cleared and then copied into.
 *
 * Errors are collected with their lines and passed to the caller sorted by line, so that the
 * messages read in file order whichever stage found them; neither the errors nor the result depend
 * on the number of threads or on how the input was cut into parts. */
#define _DEFAULT_SOURCE /* MADV_POPULATE_WRITE */
#include "genealogy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "genealogy_int.h"
#include "idtab.h"
#include "xalloc.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif


#define PEND(p) (-2 - (int32_t)(p)) /* sponsor of a first row: an id with no row yet */
#define AHEAD 16 /* loops that read at random prefetch this many iterations ahead */
#define LOOKAHEAD 24 /* rows between the prefetch of a row's hash slots and their use */

typedef struct {
    union {
        const char *p; /* the id, in its first row */
        uint64_t off;  /* once the store is filled: where it is in id_buf */
    } id;
    int32_t sp;     /* sponsor in the first row: its rank, -1 for none, PEND(p) if it had no row then */
    uint32_t line;  /* of the first row */
    int32_t join;   /* join_period label (in `joins`) of the first row, -1 for none */
    uint32_t idlen;
    uint32_t label; /* period label (in `periods`) of the first row */
    uint32_t slot;  /* order of the first row among the rows with an id */
    int32_t first;  /* first period with a row (INT32_MAX: none), for a member without join_period */
    uint32_t kept;  /* the first row's values count (it has no error) */
    int64_t pv, bv, retail; /* of the first row */
} member; /* 64 bytes: the store is filled from one cache line per member */

/* A row kept that is not its member's first (files with periods). */
typedef struct {
    uint32_t rank, label, line, slot;
    int64_t pv, bv, retail;
} later_row;

/* A row that is not its member's first, as resolving finds it (checked in finish_resolve). */
typedef struct {
    uint32_t slot, first; /* of this row; of the member's first row */
    uint32_t line;
    int32_t join;
    uint32_t label, keep;
    const char *sp; /* the sponsor field, NULL if empty */
    uint32_t splen;
    int64_t pv, bv, retail;
} dup_row;

/* The ids of one half (stage 2). */
typedef struct {
    cs_idtab ids;  /* a = first row's slot (GL_NONE before it), b = pending number (GL_NONE if none) */
    size_t slots;  /* rows with an id so far (of either half) */
    size_t nfirst; /* members of this half */
    uint32_t *list; /* the rows of a part whose ids, then whose sponsors, are in this half */
    dup_row *dup;  /* in file order */
    size_t ndup, dup_cap;
    uint32_t *pend_first; /* pending id -> its first row's slot, once it has a row */
    const char **pend_id;
    uint32_t *pend_len;
    size_t npend, pend_cap;
} half;

typedef struct {
    const char *name;
    gl_errlist err;
    gl_input in;
    size_t records; /* read, good or bad, up to the first part that could not be read to its end */
    int structural; /* some record could not be read, so the tree checks would mislead */

    half h[2];      /* stage 2: the ids, in two halves */
    void *id_block; /* the block the two halves' tables were cut from */
    size_t id_block_size;
    uint32_t *spref; /* slot -> the row's sponsor (stage 2) */
    uint32_t *rank;  /* slot -> rank of a first row; NULL when every row is its member's first */
    member *m;       /* by slot during stage 2, by rank after it */
    size_t n;        /* members */
    size_t nslots;   /* rows with an id */
    later_row *later;
    size_t nlater, later_cap;
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
    int32_t *up;     /* rank -> sponsor's rank, -1 root, -2 sponsor not a member */
    size_t unknown;  /* members whose sponsor is not a member */
    uint32_t *order; /* breadth-first position -> rank */
    int32_t *par;    /* breadth-first position -> the sponsor's position, -1 for a root */
    uint32_t *pos;   /* rank -> breadth-first position, GL_NONE if not reached (when needed) */
    size_t nreached;
} loader;

/* Has the pages of p[0 .. bytes) mapped by this thread, without changing what they hold: the
 * page faults of fresh memory (the kernel clearing each page) cost more than anything else here,
 * and this takes them off a thread that has more to do. */
static void populate(void *p, size_t bytes)
{
#ifdef MADV_POPULATE_WRITE
    uintptr_t a = (uintptr_t)p & ~(uintptr_t)4095, e = ((uintptr_t)p + bytes + 4095) & ~(uintptr_t)4095;
    madvise((void *)a, e - a, MADV_POPULATE_WRITE);
#else
    (void)p, (void)bytes;
#endif
}

static void oom(loader *L) { gl_err_add(&L->err, 0, ST_PARSE, "out of memory"); }

static void loader_free(loader *L)
{
    gl_input_free(&L->in);
    for (int hb = 0; hb < 2; hb++) {
        half *H = &L->h[hb];
        cs_idtab_free(&H->ids);
        free(H->dup);
        cs_xfree(H->list);
        free(H->pend_first);
        free(H->pend_id);
        free(H->pend_len);
    }
    cs_xfree(L->id_block);
    cs_xfree(L->spref);
    free(L->rank);
    cs_xfree(L->m);
    free(L->later);
    free(L->pend_rank);
    free(L->pend_id);
    free(L->pend_len);
    for (size_t i = 0; i < L->nowned; i++) free(L->owned[i]);
    free(L->owned);
    cs_strtab_free(&L->periods);
    cs_strtab_free(&L->joins);
    free(L->period_line);
    gl_periods_free(&L->per);
    if (!L->scratch_given) cs_xfree(L->scratch);
}

/* n * size bytes of the scratch block (a cache line apart), or NULL. */
static void *carve(loader *L, size_t n, size_t size)
{
    size_t at = (L->scratch_used + 63) & ~(size_t)63;
    if (n > (L->scratch_size - at) / size || at > L->scratch_size) return NULL;
    L->scratch_used = at + n * size;
    return L->scratch + at;
}

static const char *show_rank(const loader *L, uint32_t rank, char out[SHOW_CAP])
{
    return gl_show(out, L->m[rank].id.p, L->m[rank].idlen);
}

/* A sponsor as member records hold it (see `member`). */
static const char *show_sponsor(const loader *L, int32_t sp, char out[SHOW_CAP])
{
    if (sp == -1) return "";
    if (sp >= 0) return show_rank(L, (uint32_t)sp, out);
    size_t p = (size_t)(-2 - sp);
    return gl_show(out, L->pend_id[p], L->pend_len[p]);
}

static const char *show_label(const cs_strtab *t, int64_t i, char out[SHOW_CAP])
{
    return i < 0 ? "" : gl_show(out, cs_strtab_str(t, (size_t)i), cs_strtab_len(t, (size_t)i));
}

/* ---- stage 2: resolving ids ----
 *
 * The ids are split in two halves by one bit of their hash, each half with its own table, and each
 * of the two cpus resolves one half: part by part in file order, it looks up the ids of its half,
 * then the sponsor ids of its half.  The lookups are random reads of a table too large for any
 * cache, so two cpus issue twice as many at a time.  Since every row of an id, and every mention
 * of it as a sponsor, falls in the same half, a half sees in file order all that decides who a
 * member is: which row is its first.  A sponsor id becomes its first row's slot, or "pending" if it
 * has had no row yet (in the end both mean the same member).
 *
 * A half cannot number members (their rank is their first row's place among the members of both
 * halves), so during this stage members are known by their first row's slot (its place among the
 * rows with an id): m[slot] holds the member record, spref[slot] the row's sponsor as a slot or a
 * pending id.  finish_resolve then numbers the members, checks the rows that are not their
 * member's first, and turns sponsors into ranks.  The result does not depend on the number of
 * threads: with one, the same thread resolves both halves, one after the other. */

#define SP_NONE UINT32_MAX            /* spref: no sponsor */
#define SP_PEND UINT32_C(0x80000000)  /* spref: SP_PEND | pending number << 1 | half */
#define PEND_MAX ((UINT32_C(1) << 30) - 2)

/* Numbers the labels of part q in the file's order of first appearance: map[i] for label i. */
static int merge_labels(loader *L, const cs_strtab *t, const uint32_t *line, cs_strtab *to, uint32_t *map)
{
    for (size_t k = 0; k < t->n; k++) {
        int added;
        int64_t g = cs_strtab_intern(to, cs_strtab_str(t, k), cs_strtab_len(t, k), &added);
        if (g < 0) return -1;
        if (added && line) {
            if (cs_grow((void **)&L->period_line, &L->period_line_cap, (size_t)g + 1, sizeof *L->period_line)) return -1;
            L->period_line[g] = line[k];
        }
        map[k] = (uint32_t)g;
    }
    return 0;
}

/* Writes a member record around the cache: the records are written once, in order, and read
 * again only when the store is filled, so loading their lines first would only waste time. */
static void store_member(member *to, const member *m)
{
#ifdef __SSE2__
    __m128i a, b, c, d;
    memcpy(&a, (const char *)m, 16);
    memcpy(&b, (const char *)m + 16, 16);
    memcpy(&c, (const char *)m + 32, 16);
    memcpy(&d, (const char *)m + 48, 16);
    _mm_stream_si128((__m128i *)to, a);
    _mm_stream_si128((__m128i *)to + 1, b);
    _mm_stream_si128((__m128i *)to + 2, c);
    _mm_stream_si128((__m128i *)to + 3, d);
#else
    *to = *m;
#endif
}

/* A new pending id of half H: seen as a sponsor before any row of its own. */
static int64_t new_pending(half *H, const gl_row *w)
{
    size_t p = H->npend, cap = H->pend_cap;
    if (p >= PEND_MAX || cs_grow((void **)&H->pend_first, &cap, p + 1, sizeof *H->pend_first)) return -1;
    cap = H->pend_cap;
    if (cs_grow((void **)&H->pend_id, &cap, p + 1, sizeof *H->pend_id)) return -1;
    cap = H->pend_cap;
    if (cs_grow((void **)&H->pend_len, &cap, p + 1, sizeof *H->pend_len)) return -1;
    H->pend_cap = cap;
    H->pend_first[p] = GL_NONE;
    H->pend_id[p] = w->sp;
    H->pend_len[p] = w->splen;
    return (int64_t)H->npend++;
}

static int owns(uint64_t hash, int hb) { return (int)(hash & 1) == hb; }

/* The id of row w (in slot `slot`), in half hb: a new member at its first row; a later row is
 * kept for finish_resolve. */
static int resolve_id(loader *L, half *H, const gl_row *w, uint32_t slot, const uint32_t *label_map,
                      const uint32_t *join_map)
{
    int added;
    if (cs_idtab_reserve(&H->ids, 1)) return -1;
    cs_idslot *s = cs_idtab_get(&H->ids, w->id, w->idlen, w->hid, &added);
    if (added) s->a = s->b = GL_NONE;
    int32_t join = w->join >= 0 ? (int32_t)join_map[w->join] : -1;
    uint32_t label = w->label >= 0 ? label_map[w->label] : 0;
    uint32_t keep = !(w->flags & (ROW_BAD_VOLUME | ROW_NO_PERIOD));
    if (!w->sp) L->spref[slot] = SP_NONE;
    if (s->a == GL_NONE) {
        s->a = slot;
        if (s->b != GL_NONE) H->pend_first[s->b] = slot;
        H->nfirst++;
        member m = {.id.p = w->id, .line = w->line, .join = join, .idlen = w->idlen, .label = label,
                    .slot = slot, .first = INT32_MAX, .kept = keep, .pv = w->pv, .bv = w->bv, .retail = w->retail};
        store_member(&L->m[slot], &m);
        return 0;
    }
    if (cs_grow((void **)&H->dup, &H->dup_cap, H->ndup + 1, sizeof *H->dup)) return -1;
    H->dup[H->ndup++] = (dup_row){.slot = slot, .first = s->a, .line = w->line, .join = join, .label = label,
                                  .keep = keep, .sp = w->sp, .splen = w->splen, .pv = w->pv, .bv = w->bv,
                                  .retail = w->retail};
    return 0;
}

/* The sponsor of row w (in slot `slot`), in half hb: the slot of the sponsor's first row if it
 * has had one, else a pending id.  Which one does not matter in the end (finish_resolve gives
 * both the sponsor's rank), so a part's sponsors can be looked up after all of its ids. */
static int resolve_sp(loader *L, half *H, int hb, const gl_row *w, uint32_t slot)
{
    int added;
    if (cs_idtab_reserve(&H->ids, 1)) return -1;
    cs_idslot *t = cs_idtab_get(&H->ids, w->sp, w->splen, w->hsp, &added);
    if (added) {
        int64_t p = new_pending(H, w);
        if (p < 0) return -1;
        t->a = GL_NONE;
        t->b = (uint32_t)p;
    }
    L->spref[slot] = t->a != GL_NONE ? t->a : SP_PEND | t->b << 1 | (uint32_t)hb;
    return 0;
}

/* Resolves half hb of the rows of part i, parsed into `row`: first the ids of the half, in file
 * order, then the sponsors of the half.  The rows of each are listed first, without branches: a
 * test of the hash bit per row would be mispredicted half of the time. */
static int resolve_part(loader *L, size_t i, int hb, const gl_row *row, const uint32_t *map)
{
    const gl_part *q = &L->in.part[i];
    const uint32_t *label_map = map, *join_map = map + q->labels.n;
    half *H = &L->h[hb];
    size_t n = q->nrows, ni = 0, ns = 0;
    uint32_t slot0 = (uint32_t)H->slots, *li = H->list, *ls = H->list + L->in.rows_max;
    for (size_t k = 0; k < n; k++) {
        li[ni] = ls[ns] = (uint32_t)k;
        ni += owns(row[k].hid, hb);
        ns += row[k].sp != NULL && owns(row[k].hsp, hb);
    }
    for (size_t k = 0; k < ni && k < LOOKAHEAD; k++) cs_idtab_prefetch(&H->ids, row[li[k]].hid);
    for (size_t k = 0; k < ni; k++) {
        if (k + LOOKAHEAD < ni) cs_idtab_prefetch(&H->ids, row[li[k + LOOKAHEAD]].hid);
        if (resolve_id(L, H, &row[li[k]], slot0 + li[k], label_map, join_map)) return -1;
    }
    for (size_t k = 0; k < ns && k < LOOKAHEAD; k++) cs_idtab_prefetch(&H->ids, row[ls[k]].hsp);
    for (size_t k = 0; k < ns; k++) {
        if (k + LOOKAHEAD < ns) cs_idtab_prefetch(&H->ids, row[ls[k + LOOKAHEAD]].hsp);
        if (resolve_sp(L, H, hb, &row[ls[k]], slot0 + ls[k])) return -1;
    }
#ifdef __SSE2__
    _mm_sfence(); /* the records' streaming stores, before another thread reads them */
#endif
    H->slots += n;
    return 0;
}

/* Reading and resolving overlap: resolver t (one per half, or one for both with a single thread)
 * resolves the parts in file order as they are parsed, and any thread with nothing to resolve
 * parses a part not far ahead of the resolvers.  Parsed rows wait in a few buffers that go round. */
typedef struct {
    loader *L;
    gl_row **buf;
    size_t nbuf;
    uint8_t *parsed;   /* per part, atomic */
    uint32_t **map;    /* per part: its label map, then its join map */
    int *map_state;    /* per part, atomic: 0 not made, 1 being made, 2 made, 3 out of memory */
    size_t next_parse; /* atomic */
    size_t next[2];    /* atomic: the part each resolver resolves next */
    int done[2];       /* atomic: the resolver has finished */
    int resolvers;
    int failed;        /* atomic */
} pipeline;

/* The label and join maps of part i, made by the first resolver to get there.  Parts get theirs
 * in file order, since a resolver asks for part i + 1's only after it is done with part i. */
static const uint32_t *part_map(pipeline *P, size_t i)
{
    int st = 0;
    if (__atomic_compare_exchange_n(&P->map_state[i], &st, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
        loader *L = P->L;
        gl_part *q = &L->in.part[i];
        uint32_t *m = malloc((q->labels.n + q->joins.n + 1) * sizeof *m);
        int ok = m && !merge_labels(L, &q->labels, q->label_line, &L->periods, m) &&
                 !merge_labels(L, &q->joins, NULL, &L->joins, m + q->labels.n);
        P->map[i] = m;
        __atomic_store_n(&P->map_state[i], ok ? 2 : 3, __ATOMIC_RELEASE);
    }
    while ((st = __atomic_load_n(&P->map_state[i], __ATOMIC_ACQUIRE)) == 1) sched_yield();
    return st == 2 ? P->map[i] : NULL;
}

/* Resolver t's next part, if it has been parsed; returns 0 when there was nothing to do. */
static int resolve_next(pipeline *P, int t)
{
    loader *L = P->L;
    size_t i = __atomic_load_n(&P->next[t], __ATOMIC_ACQUIRE);
    if (__atomic_load_n(&P->done[t], __ATOMIC_ACQUIRE) || !__atomic_load_n(&P->parsed[i], __ATOMIC_ACQUIRE)) return 0;
    const uint32_t *map = part_map(P, i);
    int ok = map != NULL;
    for (int hb = 0; hb < 2 && ok; hb++)
        if (P->resolvers == 1 || hb == t) ok = !resolve_part(L, i, hb, P->buf[i % P->nbuf], map);
    if (!ok) __atomic_store_n(&P->failed, 1, __ATOMIC_RELEASE);
    __atomic_store_n(&P->next[t], i + 1, __ATOMIC_RELEASE);
    if (!ok || L->in.part[i].fatal || i + 1 == L->in.nparts) __atomic_store_n(&P->done[t], 1, __ATOMIC_RELEASE);
    return 1;
}

static void pipeline_run(pipeline *P)
{
    loader *L = P->L;
    int t = omp_get_thread_num();
    size_t np = L->in.nparts;
#pragma omp single
    P->resolvers = omp_get_num_threads() > 1 ? 2 : 1;
    for (;;) {
        if (__atomic_load_n(&P->failed, __ATOMIC_ACQUIRE)) break;
        if (t < P->resolvers && resolve_next(P, t)) continue;
        if (__atomic_load_n(&P->done[0], __ATOMIC_ACQUIRE) &&
            (P->resolvers == 1 || __atomic_load_n(&P->done[1], __ATOMIC_ACQUIRE)))
            break;
        size_t i = __atomic_load_n(&P->next_parse, __ATOMIC_ACQUIRE), low = __atomic_load_n(&P->next[0], __ATOMIC_ACQUIRE);
        if (P->resolvers > 1) {
            size_t other = __atomic_load_n(&P->next[1], __ATOMIC_ACQUIRE);
            if (other < low) low = other;
        }
        if (i < np && i < low + P->nbuf) { /* the buffer of part i - nbuf is free */
            if (__atomic_compare_exchange_n(&P->next_parse, &i, i + 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
                /* a member's first row is in the part's slots, so are its record and spref */
                const gl_part *q = &L->in.part[i];
                populate(L->m + q->slot0, (q->newlines + 1) * sizeof *L->m);
                populate(L->spref + q->slot0, (q->newlines + 1) * sizeof *L->spref);
                gl_parse_part(&L->in, i, P->buf[i % P->nbuf]);
                __atomic_store_n(&P->parsed[i], 1, __ATOMIC_RELEASE);
            }
            continue;
        }
        sched_yield(); /* the next part to resolve is being parsed or resolved */
    }
}

/* ---- finishing: members numbered, later rows checked ---- */

static int take_scratch(loader *L);

/* A member's rank from its first row's slot. */
static uint32_t rank_of(const loader *L, uint32_t slot) { return L->rank ? L->rank[slot] : slot; }

/* A spref value as member records hold sponsors (see `member`). */
static int32_t sp_code(const loader *L, uint32_t v)
{
    if (v == SP_NONE) return -1;
    if (!(v & SP_PEND)) return (int32_t)rank_of(L, v);
    size_t x = ((v & ~SP_PEND) >> 1) + ((v & 1) ? L->h[0].npend : 0);
    return L->pend_rank[x] != GL_NONE ? (int32_t)L->pend_rank[x] : PEND(x);
}

/* The parts' reading errors and the errors of `R` (in line order), merged as the rows come:
 * a row's reading errors before its resolving errors. */
static void merge_errors(loader *L, size_t parts, gl_errlist *R)
{
    size_t k = 0;
    for (size_t i = 0; i < parts; i++) {
        gl_part *q = &L->in.part[i];
        for (size_t e = 0; e < q->err.n; e++) {
            while (k < R->n && R->v[k].line < q->err.v[e].line) gl_err_push(&L->err, &R->v[k++]);
            gl_err_push(&L->err, &q->err.v[e]);
        }
        L->err.total += q->err.total - q->err.n; /* errors the part only counted: past those kept */
        L->err.nomem |= q->err.nomem;
        gl_err_free(&q->err);
    }
    while (k < R->n) gl_err_push(&L->err, &R->v[k++]);
    L->err.total += R->total - R->n;
    L->err.nomem |= R->nomem;
    gl_err_free(R);
}

/* The next row that is not its member's first, in file order, from either half; NULL at the end. */
static const dup_row *next_dup(const loader *L, size_t at[2])
{
    const half *a = &L->h[0], *b = &L->h[1];
    int ha = at[0] < a->ndup, hb = at[1] < b->ndup;
    if (!ha && !hb) return NULL;
    int pick = !ha || (hb && b->dup[at[1]].slot < a->dup[at[0]].slot);
    return pick ? &b->dup[at[1]++] : &a->dup[at[0]++];
}

/* Checks a row that is not its member's first against the first (as the rows come, in file order)
 * and keeps it if its values go into the store. */
static int check_dup(loader *L, const dup_row *d, gl_errlist *R)
{
    uint32_t r = rank_of(L, d->first);
    const member *m = &L->m[r];
    char a[SHOW_CAP], b[SHOW_CAP], c[SHOW_CAP];
    show_rank(L, r, a);
    if (L->in.col[COL_PERIOD] < 0) { /* one period: a second row is a duplicate (with periods, see check_all_rows) */
        gl_err_add(R, d->line, ST_RESOLVE, "duplicate row for member '%s' in period 1 (first at line %lu)", a,
                   (unsigned long)m->line);
        return 0;
    }
    if (m->sp != sp_code(L, L->spref[d->slot]))
        gl_err_add(R, d->line, ST_RESOLVE, "member '%s' has sponsor '%s' here but '%s' at line %lu", a,
                   d->sp ? gl_show(b, d->sp, d->splen) : "", show_sponsor(L, m->sp, c), (unsigned long)m->line);
    if (m->join != d->join)
        gl_err_add(R, d->line, ST_RESOLVE, "member '%s' has join_period '%s' here but '%s' at line %lu", a,
                   show_label(&L->joins, d->join, b), show_label(&L->joins, m->join, c), (unsigned long)m->line);
    if (!d->keep) return 0;
    if (cs_grow((void **)&L->later, &L->later_cap, L->nlater + 1, sizeof *L->later)) return -1;
    L->later[L->nlater++] = (later_row){.rank = r, .label = d->label, .line = d->line, .slot = d->slot, .pv = d->pv,
                                        .bv = d->bv, .retail = d->retail};
    return 0;
}

/* Numbers the members in the order of their first rows (moving their records down to their
 * ranks), gives each its sponsor's rank, checks the other rows, and takes the parts' results. */
static int finish_resolve(loader *L, size_t parts)
{
    for (size_t i = 0; i < parts; i++) {
        gl_part *q = &L->in.part[i];
        L->records += q->records;
        L->structural |= q->structural;
        if (q->nowned) { /* ids may point to them */
            if (cs_grow((void **)&L->owned, &L->owned_cap, L->nowned + q->nowned, sizeof *L->owned)) return -1;
            memcpy(L->owned + L->nowned, q->owned, q->nowned * sizeof *q->owned);
            L->nowned += q->nowned;
            q->nowned = 0;
        }
    }
    size_t slots = L->h[0].slots, n = L->h[0].nfirst + L->h[1].nfirst, at[2] = {0, 0};
    L->nslots = slots;
    L->n = n;
    if (n < slots) { /* some rows are not their member's first: ranks and slots differ */
        L->rank = malloc(slots * sizeof *L->rank);
        if (!L->rank) return -1;
        const dup_row *d = next_dup(L, at);
        uint32_t r = 0;
        for (uint32_t s = 0; s < slots; s++) {
            if (d && d->slot == s) {
                L->rank[s] = GL_NONE;
                d = next_dup(L, at);
                continue;
            }
            L->rank[s] = r;
            if (r != s) L->m[r] = L->m[s];
            r++;
        }
        at[0] = at[1] = 0;
    }
    size_t np = L->h[0].npend + L->h[1].npend;
    L->npend = np;
    L->pend_rank = malloc((np + 1) * sizeof *L->pend_rank);
    L->pend_id = malloc((np + 1) * sizeof *L->pend_id);
    L->pend_len = malloc((np + 1) * sizeof *L->pend_len);
    if (!L->pend_rank || !L->pend_id || !L->pend_len) return -1;
    for (size_t x = 0; x < np; x++) {
        const half *H = &L->h[x >= L->h[0].npend];
        size_t p = x - (x >= L->h[0].npend ? L->h[0].npend : 0);
        L->pend_rank[x] = H->pend_first[p] == GL_NONE ? GL_NONE : rank_of(L, H->pend_first[p]);
        L->pend_id[x] = H->pend_id[p];
        L->pend_len[x] = H->pend_len[p];
    }
    /* the id tables are no longer needed: their memory holds the tree stage's arrays, up[] first */
    if (take_scratch(L) || !(L->up = carve(L, n, sizeof *L->up))) return -1;
    long nn = (long)n, unknown = 0;
#pragma omp parallel for schedule(static) reduction(+ : unknown) if (nn >= 100000)
    for (long r = 0; r < nn; r++) {
        int32_t sp = sp_code(L, L->spref[L->m[r].slot]);
        L->m[r].sp = sp;
        L->up[r] = sp >= -1 ? sp : -2;
        unknown += sp < -1;
    }
    L->unknown = (size_t)unknown;
    gl_errlist R = {0};
    int ret = 0;
    for (const dup_row *d; !ret && (d = next_dup(L, at));) ret = check_dup(L, d, &R);
    merge_errors(L, parts, &R);
    return ret;
}

/* Reads the rows and resolves their ids.  Returns -1 when nothing more can be checked. */
static int read_rows(loader *L)
{
    gl_input *in = &L->in;
    /* about rows / periods ids, with room for members that have rows in only half the periods;
     * the table grows if that was too few */
    size_t labels = in->labels > 1 ? in->labels / 2 : 1, ids = in->rows_all / labels;
    if (cs_idtab_init(&L->h[0].ids, ids < in->rows_all ? ids : in->rows_all) || cs_strtab_init(&L->periods, 16) ||
        cs_strtab_init(&L->joins, 16))
        goto oom;
    L->id_block = cs_idtab_split(&L->h[0].ids, &L->h[1].ids);
    L->id_block_size = (L->h[0].ids.size + L->h[1].ids.size) * sizeof(cs_idslot);
    L->m = cs_xmalloc_n(in->rows_all, sizeof *L->m);
    L->spref = cs_xmalloc_n(in->rows_all, sizeof *L->spref);
    pipeline P = {.L = L, .nbuf = in->nparts < 12 ? in->nparts : 12};
    P.buf = calloc(P.nbuf + 1, sizeof *P.buf);
    P.parsed = calloc(in->nparts + 1, 1);
    P.map = calloc(in->nparts + 1, sizeof *P.map);
    P.map_state = calloc(in->nparts + 1, sizeof *P.map_state);
    L->h[0].list = cs_xmalloc_n(2 * in->rows_max, sizeof *L->h[0].list);
    L->h[1].list = cs_xmalloc_n(2 * in->rows_max, sizeof *L->h[1].list);
    int ok = L->m && L->spref && L->h[0].list && L->h[1].list && P.buf && P.parsed && P.map && P.map_state;
    for (size_t b = 0; ok && b < P.nbuf; b++) ok = (P.buf[b] = cs_xmalloc_n(in->rows_max, sizeof **P.buf)) != NULL;
    if (ok && in->nparts) {
#pragma omp parallel if (in->nparts > 1)
        pipeline_run(&P);
        ok = !P.failed;
    }
    for (size_t b = 0; P.buf && b < P.nbuf; b++) cs_xfree(P.buf[b]);
    for (size_t i = 0; P.map && i < in->nparts; i++) free(P.map[i]);
    free(P.buf);
    free(P.parsed);
    free(P.map);
    free(P.map_state);
    if (!ok || finish_resolve(L, P.next[0])) goto oom;
    if (!L->records) {
        gl_err_add(&L->err, 0, ST_PARSE, "no members");
        return -1;
    }
    return 0;
oom:
    gl_err_add(&L->err, 0, ST_PARSE, "out of memory");
    return -1;
}

/* ---- stage 3: periods (genealogy_periods.c) ---- */

/* ---- stage 4: the sponsor tree ---- */

/* Reports the sponsors with no row (up[rank] is -2 for them: finish_resolve filled up[]). */
static int link_sponsors(loader *L)
{
    for (size_t r = 0; L->unknown && r < L->n; r++) {
        if (L->up[r] != -2) continue;
        char a[SHOW_CAP], b[SHOW_CAP];
        gl_err_add(&L->err, L->m[r].line, ST_TREE, "unknown sponsor '%s' of member '%s'", show_sponsor(L, L->m[r].sp, b),
                   show_rank(L, (uint32_t)r, a));
    }
    return 0;
}

/* first[s] .. first[s + 1] index the recruits of s in kids, in rank order: a counting sort of the
 * members by sponsor, stable because members are placed in rank order. */
static void list_recruits(const int32_t *up, size_t n, uint32_t *first, uint32_t *kids)
{
    memset(first, 0, (n + 1) * sizeof *first);
    for (size_t r = 0; r < n; r++) {
        if (r + AHEAD < n && up[r + AHEAD] >= 0) __builtin_prefetch(&first[up[r + AHEAD] + 1], 1);
        if (up[r] >= 0) first[up[r] + 1]++;
    }
    for (size_t s = 0; s < n; s++) first[s + 1] += first[s];
    for (size_t r = 0; r < n; r++) { /* first[s] serves as the fill point of s, then is restored */
        if (r + AHEAD < n && up[r + AHEAD] >= 0) __builtin_prefetch(&first[up[r + AHEAD]], 1);
        if (up[r] >= 0) kids[first[up[r]]++] = (uint32_t)r;
    }
    memmove(first + 1, first, n * sizeof *first);
    first[0] = 0;
}

/* Breadth-first order: roots by rank, then the recruits of each member in turn, by rank.
 * order[] doubles as the queue; par[] gets each member's sponsor's position as it is queued. */
static int breadth_first(loader *L)
{
    size_t n = L->n, tail = 0;
    L->order = carve(L, n, sizeof *L->order);
    L->par = carve(L, n, sizeof *L->par);
    size_t mark = L->scratch_used;
    uint32_t *first = carve(L, n + 1, sizeof *first), *kids = carve(L, n, sizeof *kids);
    if (!first || !kids || !L->order || !L->par) return -1;
    list_recruits(L->up, n, first, kids);
    for (size_t r = 0; r < n; r++)
        if (L->up[r] == -1) L->par[tail] = -1, L->order[tail++] = (uint32_t)r;
    for (size_t head = 0; head < tail; head++) {
        if (head + 2 * AHEAD < tail) __builtin_prefetch(&first[L->order[head + 2 * AHEAD]]);
        if (head + AHEAD < tail) __builtin_prefetch(&kids[first[L->order[head + AHEAD]]]);
        uint32_t r = L->order[head];
        for (uint32_t c = first[r]; c < first[r + 1]; c++) L->par[tail] = (int32_t)head, L->order[tail++] = kids[c];
    }
    L->nreached = tail;
    L->scratch_used = mark; /* first and kids are free again */
    return 0;
}

/* pos[rank]: the member's breadth-first position, GL_NONE if not reached. */
static int find_positions(loader *L)
{
    L->pos = carve(L, L->n, sizeof *L->pos);
    if (!L->pos) return -1;
    if (L->nreached < L->n) memset(L->pos, 0xff, L->n * sizeof *L->pos);
    for (size_t i = 0; i < L->nreached; i++) L->pos[L->order[i]] = (uint32_t)i;
    return 0;
}

/* Members not reached are below an unknown sponsor or in or below a cycle.  Following sponsors from
 * each of them (each member has one sponsor, so paths cannot branch) finds the cycles; only members
 * on a cycle are reported, not the ones below it. */
static int report_cycles(loader *L)
{
    enum { NEW, ON_PATH, DONE, IN_CYCLE = 4 };
    uint8_t *st = calloc(L->n, 1);
    if (!st) return -1;
    for (size_t r0 = 0; r0 < L->n; r0++) {
        if (L->pos[r0] != GL_NONE || st[r0]) continue;
        int32_t x = (int32_t)r0;
        while (x >= 0 && st[x] == NEW) {
            st[x] = ON_PATH;
            x = L->up[x];
        }
        if (x >= 0 && (st[x] & 3) == ON_PATH) { /* came back to this path: x is on a new cycle */
            int32_t y = x;
            do {
                st[y] |= IN_CYCLE;
                y = L->up[y];
            } while (y != x);
        }
        for (x = (int32_t)r0; x >= 0 && (st[x] & 3) == ON_PATH; x = L->up[x])
            st[x] = (uint8_t)((st[x] & IN_CYCLE) | DONE);
    }
    for (size_t r = 0; r < L->n; r++) {
        if (!(st[r] & IN_CYCLE)) continue;
        char a[SHOW_CAP];
        gl_err_add(&L->err, L->m[r].line, ST_TREE, "member '%s' is in a sponsorship cycle", show_rank(L, (uint32_t)r, a));
    }
    free(st);
    return 0;
}

/* ---- stage 5: rows into the store ---- */

static void free_store(cs_genealogy *g)
{
    if (!g->vol_block) {
        cs_xfree(g->parent);
        cs_xfree(g->file_order);
        cs_xfree(g->line);
        cs_xfree(g->join);
    }
    cs_xfree(g->id_off);
    cs_xfree(g->joined_in_file);
    if (g->vol_block) {
        cs_xfree(g->vol_block);
    } else {
        cs_xfree(g->pv);
        cs_xfree(g->bv);
        cs_xfree(g->retail);
    }
    free(g->total_bv);
}

static void populate_store(cs_genealogy *g)
{
    size_t n = g->n, cells = n * g->nperiods;
    populate(g->id_off, n * sizeof *g->id_off);
    populate(g->joined_in_file, n);
    if (g->vol_block) return; /* parent, file_order, line, join and the volumes: in memory touched before */
    populate(g->parent, n * sizeof *g->parent);
    populate(g->file_order, n * sizeof *g->file_order);
    populate(g->line, n * sizeof *g->line);
    populate(g->join, n * sizeof *g->join);
    populate(g->pv, cells * sizeof *g->pv);
    populate(g->bv, cells * sizeof *g->bv);
    populate(g->retail, cells * sizeof *g->retail);
}

/* The store's arrays; the volumes are zeroed unless every cell is to be written (`filled`).
 * When they are, and they fit in the scratch block (the id table's memory) next to what the tree
 * stage needs, they go there: that memory has been touched already, and first touches of fresh
 * memory are the largest cost of a large load here. */
static int alloc_store(loader *L, cs_genealogy *g, size_t n, size_t np, int filled)
{
    size_t cells;
    if (__builtin_mul_overflow(n, np, &cells) || cells > SIZE_MAX / sizeof(int64_t)) return -1;
    g->id_off = cs_xmalloc_n(n, sizeof *g->id_off);
    g->joined_in_file = cs_xmalloc_n(n, 1);
    const size_t tree_needs = 4 * (n + 16) * sizeof(uint32_t) + 5 * 64; /* order, par, first, kids (up is there) */
    size_t room = L->scratch_size - L->scratch_used;
    if (filled && room > tree_needs + 3 * 64 && cells <= (room - tree_needs - 3 * 64) / (3 * sizeof(int64_t))) {
        g->pv = carve(L, cells, sizeof *g->pv);
        g->bv = carve(L, cells, sizeof *g->bv);
        g->retail = carve(L, cells, sizeof *g->retail);
        g->vol_block = L->scratch;
        L->scratch_given = 1;
        /* parent and file_order will be the tree stage's par and order, in the same block, and
         * line and join will take the room of its recruit lists (`tree_needs` keeps it) */
    } else {
        g->parent = cs_xmalloc_n(n, sizeof *g->parent);
        g->file_order = cs_xmalloc_n(n, sizeof *g->file_order);
        g->line = cs_xmalloc_n(n, sizeof *g->line);
        g->join = cs_xmalloc_n(n, sizeof *g->join);
        /* a member with no row in a period has zero volume then */
        void *(*alloc)(size_t, size_t) = filled ? cs_xmalloc_n : cs_xcalloc;
        g->pv = alloc(cells, sizeof *g->pv);
        g->bv = alloc(cells, sizeof *g->bv);
        g->retail = alloc(cells, sizeof *g->retail);
    }
    g->total_bv = calloc(np, sizeof *g->total_bv);
    g->n = n;
    g->nperiods = np;
    return (g->vol_block || (g->parent && g->file_order && g->line && g->join)) && g->id_off && g->joined_in_file &&
                   g->pv && g->bv && g->retail && g->total_bv
               ? 0
               : -1;
}

typedef struct {
    int64_t *total; /* per period */
    uint8_t *overflow;
    int fast;       /* every kept row is its member's first: the store takes values from the members */
} rows_state;

static size_t period_of(const loader *L, uint32_t label) { return L->per.n == 1 ? 0 : L->per.pos[label]; }

/* Checks a kept row of member r in period p (before the member joined? does the period's total
 * overflow?); 0 if its values count. */
static int check_row(loader *L, rows_state *S, uint32_t r, uint32_t line, size_t p, int64_t bv)
{
    member *m = &L->m[r];
    if (m->join >= 0 && (int32_t)p < L->per.join_period[m->join]) { /* a member cannot buy before joining */
        char a[SHOW_CAP], b[SHOW_CAP], c[SHOW_CAP];
        gl_err_add(&L->err, line, ST_ROWS, "member '%s' has a row in period %s, before its join_period %s",
                   show_rank(L, r, a), show_label(&L->periods, L->per.sorted[p], b), show_label(&L->joins, m->join, c));
        return -1;
    }
    if (!S->overflow[p] && __builtin_add_overflow(S->total[p], bv, &S->total[p])) {
        S->overflow[p] = 1;
        char b[SHOW_CAP];
        gl_err_add(&L->err, line, ST_ROWS, "total bv of period %s overflows", show_label(&L->periods, L->per.sorted[p], b));
    }
    if (m->join < 0 && m->first > (int32_t)p) m->first = (int32_t)p;
    return 0;
}

/* The kept rows when each member has at most one: in rank order, which is file order for them. */
static void check_first_rows(loader *L, rows_state *S)
{
    if (!L->joins.n && L->per.n == 1) { /* volumes are >= 0, so the total overflows iff the sum does */
        unsigned __int128 sum = 0;
        long n = (long)L->n;
#pragma omp parallel for schedule(static) reduction(+ : sum)
        for (long r = 0; r < n; r++) {
            member *m = &L->m[r];
            if (!m->kept) continue;
            sum += (uint64_t)m->bv;
            m->first = 0;
        }
        if (sum <= INT64_MAX) {
            S->total[0] = (int64_t)sum;
            return;
        }
    }
    for (size_t r = 0; r < L->n; r++) {
        const member *m = &L->m[r];
        if (m->kept) check_row(L, S, (uint32_t)r, m->line, period_of(L, m->label), m->bv);
    }
}

/* Every kept row in file order (first rows and later ones), finding rows repeated in a period;
 * with `g` (no error so far), puts the values into the store. */
static int check_all_rows(loader *L, rows_state *S, cs_genealogy *g)
{
    size_t n = L->n, cells = n * L->per.n; /* the caller checked n * nperiods */
    uint32_t *line_at = cs_xmalloc_n(cells, sizeof *line_at); /* the line of the row that filled each cell */
    if (!line_at) return -1;
    memset(line_at, 0xff, cells * sizeof *line_at);
    size_t r = 0, k = 0;
    for (;;) {
        while (r < n && !L->m[r].kept) r++;
        int from_member = r < n && (k == L->nlater || L->m[r].slot < L->later[k].slot);
        if (!from_member && k == L->nlater) break;
        const member *m = &L->m[r];
        const later_row *x = &L->later[k];
        uint32_t rank = from_member ? (uint32_t)r : x->rank, line = from_member ? m->line : x->line;
        size_t p = period_of(L, from_member ? m->label : x->label), c = p * n + rank;
        int64_t pv = from_member ? m->pv : x->pv, bv = from_member ? m->bv : x->bv, retail = from_member ? m->retail : x->retail;
        if (from_member)
            r++;
        else
            k++;
        if (line_at[c] != GL_NONE) {
            char a[SHOW_CAP], b[SHOW_CAP];
            gl_err_add(&L->err, line, ST_ROWS, "duplicate row for member '%s' in period %s (first at line %lu)",
                       show_rank(L, rank, a), show_label(&L->periods, L->per.sorted[p], b), (unsigned long)line_at[c]);
            continue;
        }
        line_at[c] = line;
        if (check_row(L, S, rank, line, p, bv) || !g) continue;
        size_t at = p * n + L->pos[rank];
        g->pv[at] = pv;
        g->bv[at] = bv;
        g->retail[at] = retail;
    }
    cs_xfree(line_at);
    return 0;
}

/* Copies the ids into id_buf, in rank order, by both threads; member records then hold the
 * offsets instead of the addresses. */
static int place_ids(loader *L, cs_genealogy *g)
{
    enum { PARTS = 64 };
    size_t n = L->n, base[PARTS + 1] = {0};
#pragma omp parallel for schedule(static)
    for (int t = 0; t < PARTS; t++) {
        size_t sum = 0;
        for (size_t r = n * (size_t)t / PARTS; r < n * (size_t)(t + 1) / PARTS; r++) sum += L->m[r].idlen + 1;
        base[t + 1] = sum;
    }
    for (int t = 0; t < PARTS; t++) base[t + 1] += base[t];
    g->id_buf = cs_xmalloc(base[PARTS]);
    if (!g->id_buf) return -1;
#pragma omp parallel for schedule(static)
    for (int t = 0; t < PARTS; t++) {
        size_t at = base[t];
        for (size_t r = n * (size_t)t / PARTS; r < n * (size_t)(t + 1) / PARTS; r++) {
            member *m = &L->m[r];
            memcpy(g->id_buf + at, m->id.p, m->idlen);
            g->id_buf[at + m->idlen] = '\0';
            m->id.off = at;
            at += m->idlen + 1;
        }
    }
    return 0;
}

/* Fills the per-member arrays (and, in the fast case, the values) in breadth-first order, by
 * both threads; hands over the period labels. */
static int fill_store(loader *L, const rows_state *S, cs_genealogy *g)
{
    if (place_ids(L, g)) return -1;
    long n = (long)L->n;
    int own = !g->vol_block; /* else the tree stage's arrays are the store's: the same values */
    if (!own) { /* after breadth_first: its recruit lists' room is free again */
        g->parent = L->par;
        g->file_order = L->order;
        g->line = carve(L, (size_t)n, sizeof *g->line);
        g->join = carve(L, (size_t)n, sizeof *g->join);
        if (!g->line || !g->join) return -1;
    }
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        if (i + AHEAD < n) __builtin_prefetch(&L->m[L->order[i + AHEAD]]);
        uint32_t r = L->order[i];
        const member *m = &L->m[r];
        if (own) {
            g->parent[i] = L->par[i];
            g->file_order[i] = r;
        }
        g->id_off[i] = m->id.off;
        g->line[i] = m->line;
        g->join[i] = m->join >= 0 ? L->per.join_period[m->join] : m->first == INT32_MAX ? (int32_t)L->per.n : m->first;
        g->joined_in_file[i] = m->join < 0 ? 1 : L->per.join_exact[m->join];
        if (!S->fast) continue;
        size_t at = period_of(L, m->label) * (size_t)n + (size_t)i;
        g->pv[at] = m->pv;
        g->bv[at] = m->bv;
        g->retail[at] = m->retail;
    }
    g->period_label = calloc(L->per.n, sizeof *g->period_label);
    if (!g->period_label) return -1;
    for (size_t p = 0; p < L->per.n; p++)
        if (!(g->period_label[p] = strdup(cs_strtab_str(&L->periods, L->per.sorted[p])))) return -1;
    return 0;
}

/* The id tables are no longer needed: the largest of their blocks (the one the halves were cut
 * from, or a table's own if it grew) becomes the scratch block of the tree stage, which needs
 * 6 arrays of n uint32 (and takes the store's volumes too if they fit). */
static int take_scratch(loader *L)
{
    void *blk[3] = {L->id_block, L->h[0].ids.own, L->h[1].ids.own};
    size_t size[3] = {L->id_block_size, L->h[0].ids.size * sizeof(cs_idslot), L->h[1].ids.size * sizeof(cs_idslot)};
    int best = 0;
    for (int k = 1; k < 3; k++)
        if (blk[k] && size[k] > size[best]) best = k;
    for (int k = 0; k < 3; k++)
        if (k != best) cs_xfree(blk[k]);
    L->scratch = blk[best];
    L->scratch_size = size[best];
    L->id_block = L->h[0].ids.own = L->h[1].ids.own = NULL;
    L->h[0].ids.slot = L->h[1].ids.slot = NULL;
    size_t need = 6 * (L->n + 16) * sizeof(uint32_t) + 8 * 64;
    if (L->scratch_size >= need) return 0;
    cs_xfree(L->scratch);
    L->scratch_size = need;
    return (L->scratch = cs_xmalloc(need)) ? 0 : -1;
}

/* Runs the stages after resolving; returns the store, or NULL with the errors in L->err. */
static cs_genealogy *build(loader *L)
{
    size_t cells;
    int added;
    if (L->in.col[COL_PERIOD] < 0 && cs_strtab_intern(&L->periods, "1", 1, &added) < 0) goto oom; /* one period */
    if (gl_order_periods(&L->per, &L->periods, L->period_line, &L->joins, &L->err) ||
        __builtin_mul_overflow(L->n, L->per.n, &cells))
        goto oom;
    rows_state S = {.fast = L->nlater == 0};
    cs_genealogy *g = calloc(1, sizeof *g);
    S.total = calloc(L->per.n, sizeof *S.total);
    S.overflow = calloc(L->per.n, 1);
    if (!g || !S.total || !S.overflow) goto fail;
    /* the tree checks need every row: a row that could not be read would show up as an unknown sponsor */
    int tree_ok = !L->structural, store = tree_ok && !L->err.total, err = 0;
    /* while one thread orders the tree, the other takes the page faults of the store */
    if (store && alloc_store(L, g, L->n, L->per.n, S.fast && L->per.n == 1)) goto fail;
#pragma omp parallel sections if (L->n >= 100000)
    {
#pragma omp section
        if (tree_ok) err = link_sponsors(L) || breadth_first(L);
#pragma omp section
        if (store) populate_store(g);
    }
    if (err || (tree_ok && L->nreached < L->n && (find_positions(L) || report_cycles(L)))) goto fail;
    tree_ok = tree_ok && L->nreached == L->n;
    store = tree_ok && !L->err.total;
    if (S.fast) {
        check_first_rows(L, &S);
    } else if ((store && !L->pos && find_positions(L)) || check_all_rows(L, &S, store ? g : NULL)) {
        goto fail;
    }
    g->n = L->n;
    g->nperiods = L->per.n;
    if (!store || L->err.total || fill_store(L, &S, g)) goto fail;
    memcpy(g->total_bv, S.total, L->per.n * sizeof *S.total);
    g->has_bv = L->in.col[COL_BV] >= 0;
    g->has_retail = L->in.col[COL_RETAIL] >= 0;
    g->has_period = L->in.col[COL_PERIOD] >= 0;
    g->has_join = L->in.col[COL_JOIN] >= 0;
    free(S.total);
    free(S.overflow);
    return g;
fail:
    if (!L->err.total) oom(L);
    free(S.total);
    free(S.overflow);
    cs_genealogy_free(g);
    return NULL;
oom:
    oom(L);
    return NULL;
}

/* ---- entry points ---- */

cs_genealogy *cs_genealogy_load_parts(const char *buf, size_t len, const char *name, cs_diags *d, size_t part_bytes)
{
    loader L;
    memset(&L, 0, sizeof L);
    L.name = name;
    cs_genealogy *g = NULL;
    if (gl_read_header(&L.in, buf, len, part_bytes, &L.err) == 0 && read_rows(&L) == 0 && L.n > 0)
        g = build(&L); /* n == 0: every row had an error */
    int place = g && !L.err.total ? gl_has_placement_columns(buf, len) : 0;
    if (place < 0)
        oom(&L);
    else if (place > 0)
        gl_read_placement(g, buf, len, &L.err); /* reports a lack of memory itself */
    if (g && !(g->name = strdup(name))) oom(&L);
    if (L.err.total) {
        cs_genealogy_free(g);
        g = NULL;
    }
    gl_err_flush(&L.err, d, name);
    loader_free(&L);
    return g;
}

cs_genealogy *cs_genealogy_load_buffer(const char *buf, size_t len, const char *name, cs_diags *d)
{
    return cs_genealogy_load_parts(buf, len, name, d, 0);
}

/* Reads a regular file of `size` bytes into buf, in pieces read by both threads (each takes the
 * page faults of its piece); returns the bytes read, which are fewer if the file shrank. */
static size_t read_pieces(int fd, char *buf, size_t size)
{
    enum { PIECES = 16 };
    size_t got[PIECES] = {0};
    int fail = 0;
#pragma omp parallel for schedule(dynamic, 1) if (size >= ((size_t)8 << 20))
    for (int k = 0; k < PIECES; k++) {
        size_t lo = size * (size_t)k / PIECES, hi = size * (size_t)(k + 1) / PIECES;
        while (lo + got[k] < hi) {
            ssize_t r = pread(fd, buf + lo + got[k], hi - lo - got[k], (off_t)(lo + got[k]));
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) {
                if (r < 0) fail = errno;
                break;
            }
            got[k] += (size_t)r;
        }
    }
    size_t n = 0;
    for (int k = 0; k < PIECES && !fail; k++) {
        n += got[k];
        if (got[k] < size * (size_t)(k + 1) / PIECES - size * (size_t)k / PIECES) break; /* the file shrank */
    }
    errno = fail;
    return fail ? SIZE_MAX : n;
}

/* Reads the file into one buffer on huge pages: a regular file that could not be mapped, or a
 * pipe. */
static char *read_all(int fd, size_t *len)
{
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
        char *buf = cs_xmalloc((size_t)sb.st_size);
        size_t n = buf ? read_pieces(fd, buf, (size_t)sb.st_size) : SIZE_MAX;
        if (n == SIZE_MAX) {
            cs_xfree(buf);
            return NULL;
        }
        *len = n;
        return buf;
    }
    size_t cap = 65536, n = 0;
    char *buf = cs_xmalloc(cap);
    while (buf) {
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            cs_xfree(buf);
            return NULL;
        }
        if (got == 0) break;
        n += (size_t)got;
        if (n < cap) continue;
        char *b = cs_xmalloc(2 * cap);
        if (b) memcpy(b, buf, n);
        cs_xfree(buf);
        buf = b;
        cap *= 2;
    }
    *len = n;
    return buf;
}

cs_genealogy *cs_genealogy_load_file(const char *path, cs_diags *d)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        cs_error(d, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    /* A regular file is mapped: its pages are the page cache's, so nothing is cleared or copied
     * (reading it into fresh memory cost 0.5-0.8 s per 400 MB here, the mapping 0.15 s).  Other
     * files (pipes) are read. */
    struct stat sb;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0 && (uint64_t)sb.st_size <= SIZE_MAX) {
        size_t len = (size_t)sb.st_size;
        void *map = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (map != MAP_FAILED) {
            close(fd);
            cs_genealogy *g = cs_genealogy_load_buffer(map, len, path, d);
            munmap(map, len);
            return g;
        }
    }
    size_t len = 0;
    errno = 0;
    char *buf = read_all(fd, &len);
    int err = errno ? errno : ENOMEM;
    close(fd);
    if (!buf) {
        cs_error(d, path, 0, 0, "cannot read: %s", strerror(err));
        return NULL;
    }
    cs_genealogy *g = cs_genealogy_load_buffer(buf, len, path, d);
    cs_xfree(buf);
    return g;
}

void cs_genealogy_free(cs_genealogy *g)
{
    if (!g) return;
    if (g->period_label)
        for (size_t p = 0; p < g->nperiods; p++) free(g->period_label[p]);
    free(g->period_label);
    cs_xfree(g->id_buf);
    free(g->name);
    free(g->pparent);
    free(g->pslot);
    free_store(g);
    free(g);
}
