/* genealogy_resolve: stage 2 of the genealogy loader (see genealogy.c): the rows' ids resolved
 * to members, by both cpus. */
#include <limits.h>
#include <math.h>
#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "genealogy_load.h"
#include "xalloc.h"
#ifdef __SSE2__
#include <emmintrin.h>
#endif

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
 * threads: with one, the same thread resolves both halves, one after the other.
 *
 * When every id of the file has the shape of its first id (numid.h), an id is looked up by its
 * number in one array shared by the halves (an id and its mentions are in one half, so no entry
 * is written by both): the array of a dense numbering is a tenth of the tables' size, and its
 * lookups cost less cpu on large files (docs/performance.md, "Session 8").  A string of another
 * shape, or out of the array's range, ends the attempt (GL_AGAIN), and the load starts again with
 * the tables: both ways give the same result, which tests/unit/test_genealogy_ids.c checks. */

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
    _Static_assert(sizeof(member) == 32, "a member record is two 16-byte stores");
    __m128i a, b;
    memcpy(&a, (const char *)m, 16);
    memcpy(&b, (const char *)m + 16, 16);
    _mm_stream_si128((__m128i *)to, a);
    _mm_stream_si128((__m128i *)to + 1, b);
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

static int fits(int64_t v) { return v >= 0 && v < VOL_BIG; }

/* The volumes of a row that do not fit in its member record or dup_row. */
static int keep_big(half *H, const gl_row *w, uint32_t slot)
{
    if (cs_grow((void **)&H->big, &H->big_cap, H->nbig + 1, sizeof *H->big)) return -1;
    H->big[H->nbig++] = (big_row){.slot = slot, .pv = w->pv, .bv = w->bv, .retail = w->retail};
    return 0;
}

static int owns(uint64_t hash, int hb) { return (int)(hash & 1) == hb; }

/* Row w (in slot `slot`), whose id had first row `first` (GL_NONE: none before this one, which is
 * then the member's first) and pending number `pend` (GL_NONE: none): a new member at its first
 * row; a later row is kept for finish_resolve. */
static int record_row(loader *L, half *H, const gl_row *w, uint32_t slot, uint32_t first, uint32_t pend,
                      const uint32_t *label_map, const uint32_t *join_map)
{
    int32_t join = w->join >= 0 ? (int32_t)join_map[w->join] : -1;
    uint32_t label = w->label >= 0 ? label_map[w->label] : 0;
    uint32_t keep = !(w->flags & (ROW_BAD_VOLUME | ROW_NO_PERIOD));
    int small = fits(w->pv) && fits(w->bv) && fits(w->retail);
    if (!w->sp) L->spref[slot] = SP_NONE;
    if (!small && keep_big(H, w, slot)) return -1;
    if (first == GL_NONE) {
        if (pend != GL_NONE) H->pend_first[pend] = slot;
        H->nfirst++;
        H->id_bytes += w->idlen + 1;
        member m = {.id.p = w->id, .pv = small ? (uint32_t)w->pv : VOL_BIG, .bv = (uint32_t)w->bv,
                    .retail = (uint32_t)w->retail, .line = w->line, .join = join >= 0 ? join : JOIN_NONE(INT32_MAX),
                    .idlen = w->idlen, .kept = keep};
        store_member(&L->m[slot], &m);
        if (L->label && label) L->label[slot] = label; /* zero already: see gl_read_rows */
        return 0;
    }
    if (cs_xgrow((void **)&H->dup, &H->dup_cap, H->ndup + 1, sizeof *H->dup)) return -1;
    H->dup[H->ndup++] = (dup_row){.slot = slot, .first = first, .line = w->line, .join = join, .label = label,
                                  .keep = keep, .pv = small ? (uint32_t)w->pv : VOL_BIG, .bv = (uint32_t)w->bv,
                                  .retail = (uint32_t)w->retail};
    return 0;
}

/* The id of row w (in slot `slot`), looked up in half H's table. */
static int resolve_id(loader *L, half *H, const gl_row *w, uint32_t slot, const uint32_t *label_map,
                      const uint32_t *join_map)
{
    int added;
    if (cs_idtab_reserve(&H->ids, 1)) return -1;
    cs_idslot *s = cs_idtab_get(&H->ids, w->id, w->idlen, w->hid, &added);
    if (added) s->a = s->b = GL_NONE;
    uint32_t first = s->a;
    if (first == GL_NONE) s->a = slot;
    return record_row(L, H, w, slot, first, s->b, label_map, join_map);
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

/* ---- the same with ids looked up by number (numid.h) ---- */

#define NUM_MISS (-2) /* resolve_*: a string with no entry; the load starts again with the table */

/* The entry of s[0 .. len), or NULL if it has none. */
static uint32_t *num_entry(const gl_numbered *N, const char *s, uint32_t len)
{
    uint64_t v;
    if (cs_numid_number(&N->shape, s, len, &v) || v - N->lo >= N->size) return NULL;
    return &N->entry[v - N->lo];
}

/* num_entry, prefetched: the loops look each entry up once, LOOKAHEAD rows before its use, and
 * keep it in a ring of NUM_RING until then */
#define NUM_RING 32
_Static_assert(LOOKAHEAD < NUM_RING, "the ring holds the entries of a lookahead");
static uint32_t *num_fetch(const gl_numbered *N, const char *s, uint32_t len)
{
    uint32_t *e = num_entry(N, s, len);
    if (e) __builtin_prefetch(e);
    return e;
}

/* The id of row w (in slot `slot`), whose entry is e (NULL: none). */
static int resolve_id_num(loader *L, half *H, const gl_row *w, uint32_t slot, uint32_t *e, const uint32_t *label_map,
                          const uint32_t *join_map)
{
    if (!e) return NUM_MISS;
    uint32_t first = *e && !(*e & NUM_PEND) ? *e - 1 : GL_NONE, pend = *e & NUM_PEND ? *e & ~NUM_PEND : GL_NONE;
    if (first == GL_NONE) *e = slot + 1; /* rows_all < 2^31: never NUM_PEND */
    return record_row(L, H, w, slot, first, pend, label_map, join_map);
}

/* The sponsor of row w (in slot `slot`), whose entry is e (NULL: none). */
static int resolve_sp_num(loader *L, half *H, int hb, const gl_row *w, uint32_t slot, uint32_t *e)
{
    if (!e) return NUM_MISS;
    if (!*e) {
        int64_t p = new_pending(H, w);
        if (p < 0) return -1;
        *e = NUM_PEND | (uint32_t)p;
    }
    L->spref[slot] = *e & NUM_PEND ? SP_PEND | (*e & ~NUM_PEND) << 1 | (uint32_t)hb : *e - 1;
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
    size_t n = q->nrows, ni = 0, ns = 0, first0 = H->nfirst, bytes0 = H->id_bytes;
    uint32_t slot0 = (uint32_t)H->slots, *li = H->list, *ls = H->list + L->in.rows_max;
    for (size_t k = 0; k < n; k++) {
        li[ni] = ls[ns] = (uint32_t)k;
        ni += owns(row[k].hid, hb);
        ns += row[k].sp != NULL && owns(row[k].hsp, hb);
    }
    /* two copies of the same steps, by number or in the tables: one loop that chose the way per
     * row made loads through the tables take a quarter more user cpu (two alternated batches) */
    int r = 0;
    if (L->num.on) {
        const gl_numbered *N = &L->num;
        uint32_t *ring[NUM_RING];
        for (size_t k = 0; k < ni && k < LOOKAHEAD; k++) ring[k] = num_fetch(N, row[li[k]].id, row[li[k]].idlen);
        for (size_t k = 0; k < ni && !r; k++) {
            size_t a = k + LOOKAHEAD;
            if (a < ni) ring[a % NUM_RING] = num_fetch(N, row[li[a]].id, row[li[a]].idlen);
            r = resolve_id_num(L, H, &row[li[k]], slot0 + li[k], ring[k % NUM_RING], label_map, join_map);
        }
        H->part_first[i] = (uint32_t)(H->nfirst - first0);
        H->part_bytes[i] = H->id_bytes - bytes0;
        for (size_t k = 0; k < ns && k < LOOKAHEAD; k++) ring[k] = num_fetch(N, row[ls[k]].sp, row[ls[k]].splen);
        for (size_t k = 0; k < ns && !r; k++) {
            size_t a = k + LOOKAHEAD;
            if (a < ns) ring[a % NUM_RING] = num_fetch(N, row[ls[a]].sp, row[ls[a]].splen);
            r = resolve_sp_num(L, H, hb, &row[ls[k]], slot0 + ls[k], ring[k % NUM_RING]);
        }
        if (r == NUM_MISS) __atomic_store_n(&L->num.miss, 1, __ATOMIC_RELEASE);
        if (r) return -1;
    } else {
        for (size_t k = 0; k < ni && k < LOOKAHEAD; k++) cs_idtab_prefetch(&H->ids, row[li[k]].hid);
        for (size_t k = 0; k < ni; k++) {
            if (k + LOOKAHEAD < ni) cs_idtab_prefetch(&H->ids, row[li[k + LOOKAHEAD]].hid);
            if (resolve_id(L, H, &row[li[k]], slot0 + li[k], label_map, join_map)) return -1;
        }
        H->part_first[i] = (uint32_t)(H->nfirst - first0);
        H->part_bytes[i] = H->id_bytes - bytes0;
        for (size_t k = 0; k < ns && k < LOOKAHEAD; k++) cs_idtab_prefetch(&H->ids, row[ls[k]].hsp);
        for (size_t k = 0; k < ns; k++) {
            if (k + LOOKAHEAD < ns) cs_idtab_prefetch(&H->ids, row[ls[k + LOOKAHEAD]].hsp);
            if (resolve_sp(L, H, hb, &row[ls[k]], slot0 + ls[k])) return -1;
        }
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

/* Looks ids up by number if the first id of the file has a shape (numid.h), in an array that
 * covers the numbers within rows_all of it and twice that above: a dense numbering fits, whether
 * the file starts with its lowest number or not.  Only the pages that numbers fall in are ever
 * touched.  Made with part 0's maps, before either resolver starts. */
static void num_setup(loader *L, const gl_row *row, size_t nrows)
{
    gl_numbered *N = &L->num;
    uint64_t v;
    if (L->table_only || !nrows || cs_numid_shape(&N->shape, row[0].id, row[0].idlen) ||
        cs_numid_number(&N->shape, row[0].id, row[0].idlen, &v))
        return;
    uint64_t r = (uint64_t)L->in.rows_all + 64;
    N->lo = v > r ? v - r : 0;
    N->size = v - N->lo + 2 * r;
    N->entry = N->size <= SIZE_MAX / sizeof *N->entry ? cs_big_zalloc((size_t)N->size, sizeof *N->entry) : NULL;
    N->on = N->entry != NULL; /* else the tables: the same result */
}

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
        if (i == 0) num_setup(L, P->buf[0], q->nrows);
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
                gl_parse_part(&L->in, i, P->buf[i % P->nbuf]);
                __atomic_store_n(&P->parsed[i], 1, __ATOMIC_RELEASE);
            }
            continue;
        }
        sched_yield(); /* the next part to resolve is being parsed or resolved */
    }
}

/* ---- finishing: members numbered, later rows checked ---- */

int gl_take_scratch(loader *L);

/* A spref value as gl_sponsor gives sponsors. */
static int32_t sp_code(const loader *L, uint32_t v)
{
    if (v == SP_NONE) return -1;
    if (!(v & SP_PEND)) return (int32_t)gl_rank_of(L, v);
    size_t x = ((v & ~SP_PEND) >> 1) + ((v & 1) ? L->h[0].npend : 0);
    return L->pend_rank[x] != GL_NONE ? (int32_t)L->pend_rank[x] : PEND(x);
}

static int by_slot(const void *key, const void *entry)
{
    uint32_t a = *(const uint32_t *)key, b = ((const big_row *)entry)->slot;
    return (a > b) - (a < b);
}

void gl_big_volumes(const loader *L, uint32_t slot, int64_t v[3])
{
    for (int hb = 0; hb < 2; hb++) { /* the slot is in one of the two lists */
        const big_row *x = L->h[hb].nbig ? bsearch(&slot, L->h[hb].big, L->h[hb].nbig, sizeof *x, by_slot) : NULL;
        if (x) {
            v[0] = x->pv, v[1] = x->bv, v[2] = x->retail;
            return;
        }
    }
    v[0] = v[1] = v[2] = 0; /* not reached: a record holds VOL_BIG only when its row is listed */
}

int32_t gl_sponsor(const loader *L, uint32_t rank)
{
    return sp_code(L, L->spref[gl_first_slot(L, rank)]);
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

/* Checks a row that is not its member's first against the first, and clears its `keep` unless its
 * values go into the store (files with periods; check_all_rows takes them).  Reads the loader
 * only, so the two halves' rows are checked at once. */
static void check_dup(const loader *L, dup_row *d, gl_errlist *R)
{
    uint32_t r = gl_rank_of(L, d->first);
    const member *m = &L->m[r];
    char a[SHOW_CAP], b[SHOW_CAP], c[SHOW_CAP];
    if (L->in.col[COL_PERIOD] < 0) { /* one period: a second row is a duplicate (with periods, see check_all_rows) */
        gl_err_add(R, d->line, ST_RESOLVE, "duplicate row for member '%s' in period 1 (first at line %lu)",
                   gl_show_rank(L, r, a), (unsigned long)m->line);
        d->keep = 0;
        return;
    }
    int32_t sp = gl_sponsor(L, r), here = sp_code(L, L->spref[d->slot]);
    if (sp != here) /* `here` names the member or pending id that this row's sponsor field resolved to */
        gl_err_add(R, d->line, ST_RESOLVE, "member '%s' has sponsor '%s' here but '%s' at line %lu", gl_show_rank(L, r, a),
                   gl_show_sponsor(L, here, b), gl_show_sponsor(L, sp, c), (unsigned long)m->line);
    if (member_join(m) != d->join)
        gl_err_add(R, d->line, ST_RESOLVE, "member '%s' has join_period '%s' here but '%s' at line %lu", gl_show_rank(L, r, a),
                   gl_show_label(&L->joins, d->join, b), gl_show_label(&L->joins, member_join(m), c), (unsigned long)m->line);
}

/* The rows that are not their member's first, each half's on its own thread; their errors, in
 * line order, in R (a row's errors are all in its half's list, and in the order they were found). */
static void check_dups(loader *L, gl_errlist *R)
{
    gl_errlist E[2] = {{0}};
    size_t kept[2] = {0, 0};
#pragma omp parallel for schedule(static, 1) num_threads(2) if (L->h[0].ndup + L->h[1].ndup >= 100000)
    for (int hb = 0; hb < 2; hb++) {
        half *H = &L->h[hb];
        for (size_t k = 0; k < H->ndup; k++) {
            check_dup(L, &H->dup[k], &E[hb]);
            kept[hb] += H->dup[k].keep;
        }
    }
    L->nlater = kept[0] + kept[1];
    size_t i = 0, j = 0;
    while (i < E[0].n || j < E[1].n) {
        int second = i == E[0].n || (j < E[1].n && E[1].v[j].line < E[0].v[i].line);
        gl_err_push(R, second ? &E[1].v[j++] : &E[0].v[i++]);
    }
    for (int hb = 0; hb < 2; hb++) { /* errors a half only counted come after those it kept */
        R->total += E[hb].total - E[hb].n;
        R->nomem |= E[hb].nomem;
        gl_err_free(&E[hb]);
    }
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
    /* where each part's new members begin, by rank and in the store's id_buf (place_ids) */
    L->id_parts = parts;
    if (!(L->id_rank0 = malloc((parts + 1) * sizeof *L->id_rank0)) ||
        !(L->id_base = malloc((parts + 1) * sizeof *L->id_base)))
        return -1;
    L->id_rank0[0] = 0;
    L->id_base[0] = 0;
    for (size_t i = 0; i < parts; i++) {
        L->id_rank0[i + 1] = L->id_rank0[i] + L->h[0].part_first[i] + L->h[1].part_first[i];
        L->id_base[i + 1] = L->id_base[i] + L->h[0].part_bytes[i] + L->h[1].part_bytes[i];
    }
    if (n < slots) { /* some rows are not their member's first: ranks and slots differ */
        L->rank = cs_xmalloc_n(slots, sizeof *L->rank);
        L->slot_of = cs_xmalloc_n(n, sizeof *L->slot_of);
        if (!L->rank || !L->slot_of) return -1;
        cs_big_populate_here(L->rank, slots * sizeof *L->rank);
        cs_big_populate_here(L->slot_of, n * sizeof *L->slot_of);
        const dup_row *d = gl_next_dup(L, at);
        uint32_t r = 0;
        for (uint32_t s = 0; s < slots; s++) {
            if (d && d->slot == s) {
                L->rank[s] = GL_NONE;
                d = gl_next_dup(L, at);
                continue;
            }
            L->rank[s] = r;
            L->slot_of[r] = s;
            if (r != s) {
                L->m[r] = L->m[s];
                if (L->label && L->label[r] != L->label[s]) L->label[r] = L->label[s];
            }
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
        L->pend_rank[x] = H->pend_first[p] == GL_NONE ? GL_NONE : gl_rank_of(L, H->pend_first[p]);
        L->pend_id[x] = H->pend_id[p];
        L->pend_len[x] = H->pend_len[p];
    }
    /* the id tables are no longer needed: their memory holds the tree stage's arrays, up[] first */
    if (gl_take_scratch(L) || !(L->up = gl_carve(L, n, sizeof *L->up))) return -1;
    long nn = (long)n, unknown = 0;
#pragma omp parallel for schedule(static) reduction(+ : unknown) if (nn >= 100000)
    for (long r = 0; r < nn; r++) {
        int32_t sp = gl_sponsor(L, (uint32_t)r);
        L->up[r] = sp >= -1 ? sp : -2;
        unknown += sp < -1;
    }
    L->unknown = (size_t)unknown;
    gl_errlist R = {0};
    check_dups(L, &R);
    merge_errors(L, parts, &R);
    return 0;
}

/* Reads the rows and resolves their ids.  Returns -1 when nothing more can be checked, GL_AGAIN
 * when the ids were looked up by number and one of them (or a sponsor) has none: the caller then
 * starts again with table_only set. */
int gl_read_rows(loader *L)
{
    gl_input *in = &L->in;
    /* about rows / periods ids, with room for members that have rows in only half the periods;
     * the table grows if that was too few */
    size_t labels = in->labels > 1 ? in->labels / 2 : 1, ids = in->rows_all / labels;
    if (ids > in->rows_all) ids = in->rows_all;
    /* each half gets its share of the ids by a bit of their hash: about ids / 2, give or take a
     * standard deviation of sqrt(ids) / 2, so a margin of 8 sqrt(ids) keeps a half from growing
     * (a copy of its table) for want of a few slots */
    ids += 8 * (size_t)sqrt((double)ids) + 64;
    if (cs_idtab_init(&L->h[0].ids, ids) || cs_strtab_init(&L->periods, 16) ||
        cs_strtab_init(&L->joins, 16))
        goto oom;
    L->id_block = cs_idtab_split(&L->h[0].ids, &L->h[1].ids);
    L->id_block_size = (L->h[0].ids.size + L->h[1].ids.size) * sizeof(cs_idslot);
    gl_trace("id tables");
    L->m = cs_xmalloc_n(in->rows_all, sizeof *L->m);
    L->spref = cs_xmalloc_n(in->rows_all, sizeof *L->spref);
    /* zeroed lazily (calloc of fresh pages): only labels other than the file's first are written,
     * so a file with one period touches none of it */
    if (in->col[COL_PERIOD] >= 0) L->label = calloc(in->rows_all, sizeof *L->label);
    pipeline P = {.L = L, .nbuf = in->nparts < 12 ? in->nparts : 12};
    P.buf = calloc(P.nbuf + 1, sizeof *P.buf);
    P.parsed = calloc(in->nparts + 1, 1);
    P.map = calloc(in->nparts + 1, sizeof *P.map);
    P.map_state = calloc(in->nparts + 1, sizeof *P.map_state);
    int ok = L->m && L->spref && (L->label || in->col[COL_PERIOD] < 0) && P.buf && P.parsed && P.map && P.map_state;
    /* every row's spref is written, and with one period every row's record: their pages are faulted
     * in now, by both cpus.  Faulting each part's slice in as it was parsed took 0.3-0.6 s more
     * system time a load (docs/performance.md, "Session 9").  With several periods most rows are
     * not their member's first, and the records of later periods' parts are never written, so the
     * records are left to be faulted in as written. */
    if (ok) {
        if (in->labels <= 1) cs_big_populate(L->m, in->rows_all * sizeof *L->m);
        cs_big_populate(L->spref, in->rows_all * sizeof *L->spref);
    }
    for (int hb = 0; hb < 2; hb++) {
        half *H = &L->h[hb];
        H->list = cs_xmalloc_n(2 * in->rows_max, sizeof *H->list);
        H->part_first = calloc(in->nparts + 1, sizeof *H->part_first);
        H->part_bytes = calloc(in->nparts + 1, sizeof *H->part_bytes);
        ok = ok && H->list && H->part_first && H->part_bytes;
    }
    /* the row buffers in one block of huge pages, faulted in at once: small pages, or huge ones
     * faulted in by the first writes, cost 10-50 times more here (tools/bench_touch.c) */
    gl_row *rows = ok ? cs_xmalloc_n(P.nbuf * in->rows_max, sizeof *rows) : NULL;
    ok = rows != NULL;
    if (ok) cs_big_populate_here(rows, P.nbuf * in->rows_max * sizeof *rows);
    for (size_t b = 0; ok && b < P.nbuf; b++) P.buf[b] = rows + b * in->rows_max;
    if (ok && in->nparts) {
#pragma omp parallel if (in->nparts > 1)
        pipeline_run(&P);
        ok = !P.failed;
    }
    cs_xfree(rows);
    for (size_t i = 0; P.map && i < in->nparts; i++) free(P.map[i]);
    free(P.buf);
    free(P.parsed);
    free(P.map);
    free(P.map_state);
    gl_trace(L->num.on ? "parse, resolve (ids by number)" : "parse, resolve");
    cs_xfree(L->num.entry);
    L->num.entry = NULL;
    if (__atomic_load_n(&L->num.miss, __ATOMIC_ACQUIRE)) return GL_AGAIN;
    if (!ok || finish_resolve(L, P.next[0])) goto oom;
    gl_trace("number, sponsors");
    if (!L->records) {
        gl_err_add(&L->err, 0, ST_PARSE, "no members");
        return -1;
    }
    return 0;
oom:
    gl_err_add(&L->err, 0, ST_PARSE, "out of memory");
    return -1;
}

/* The id tables are no longer needed: the largest of their blocks (the one the halves were cut
 * from, or a table's own if it grew) becomes the scratch block of the tree stage, which needs
 * 6 arrays of n uint32 (and takes the store's volumes too if they fit). */
int gl_take_scratch(loader *L)
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
