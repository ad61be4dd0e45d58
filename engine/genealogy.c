/* genealogy: reads a genealogy CSV file (docs/plan-format.md, "The genealogy file") into the store
 * of genealogy.h.
 *
 * Loading runs in stages over flat arrays, with no allocation per member or per row:
 *
 *   read     one pass over the CSV.  Every id, of a member or of a sponsor, is interned into a hash
 *            table whose entries index one arena of ids.  Each row is kept as a few numbers (entry,
 *            period, volumes, line).  A member's sponsor and join_period are checked against the
 *            member's first row as rows come.  "Rank" below is the order of a member's first row.
 *   periods  labels are sorted, as integers or as text, and join_period values are placed.
 *   tree     breadth-first order through a CSR list of recruits (sponsor -> recruits in rank
 *            order).  Members it does not reach are below an unknown sponsor, or in or below a cycle.
 *   rows     rows are scattered into the period-major arrays; a cell filled twice is a duplicate
 *            (without a period column, a member's second row already is, found while reading);
 *            per-period totals are summed with an overflow check.
 *
 * Large inputs are bound by memory, not by parsing: the hash slots and id records are read at
 * random, so rows are resolved in batches that prefetch them, the big arrays ask for huge pages,
 * and a file is mapped rather than copied (bigmem.h).
 *
 * Errors are collected with their lines and passed to the caller sorted by line, so that the
 * messages read in file order whichever stage found them. */
#include "genealogy.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "bigmem.h"
#include "csv.h"
#include "money.h"

#define NONE UINT32_MAX
#define ERRORS_KEPT 10000 /* errors sorted before reporting; more are only counted */

/* ---- string table ----
 *
 * Strings are interned into one arena as records [index: 4 bytes][bytes][NUL].  A slot holds the
 * top bits of the hash (a fingerprint) and the offset of the record, so a lookup reads two places
 * that may miss the cache, the slot and then the record, and both can be prefetched (rows are
 * resolved in batches for that).  off[i] is where string i starts, for lookups by index. */

#define REC_HDR 4                                 /* the index in front of each string */
#define REC_BITS 40                               /* record offset + 1 in the low bits of a slot */
#define REC_MASK ((UINT64_C(1) << REC_BITS) - 1)

typedef struct {
    uint64_t *slot; /* power-of-two size; 0 = empty, else fingerprint << REC_BITS | (record + 1) */
    size_t mask;
    size_t *off; /* string i is arena + off[i]; off[n] is where the next one would start */
    size_t n, ocap;
    char *arena;
    size_t alen, acap;
} strtab;

static uint64_t mix(uint64_t a, uint64_t b)
{
    __uint128_t r = (__uint128_t)a * b;
    return (uint64_t)(r >> 64) ^ (uint64_t)r;
}

/* A 64-bit hash in the manner of wyhash: eight bytes at a time, each folded in with a full
 * 64x64->128 multiply, which mixes well enough for linear probing on sequential ids. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    const uint64_t k0 = UINT64_C(0xa0761d6478bd642f), k1 = UINT64_C(0xe7037ed1a0b428db);
    uint64_t h = mix(len ^ k0, k1), w;
    for (; len >= 8; s += 8, len -= 8) {
        memcpy(&w, s, 8);
        h = mix(w ^ k0, h ^ k1);
    }
    w = 0;
    memcpy(&w, s, len);
    h = mix(w ^ k0 ^ len, h ^ k1);
    return mix(h, k0 ^ k1);
}

static size_t pow2_at_least(size_t x)
{
    size_t p = 16;
    while (p < x) p *= 2;
    return p;
}

/* Initial capacities: slots for `nslots` strings, `nstrings` strings, `arena` bytes; all grow when
 * needed. */
static int strtab_init(strtab *t, size_t nslots, size_t nstrings, size_t arena)
{
    memset(t, 0, sizeof *t);
    size_t n = pow2_at_least(2 * nslots);
    t->slot = cs_big_calloc(n, sizeof *t->slot);
    t->off = cs_big_malloc(nstrings + 1, sizeof *t->off);
    t->arena = cs_big_malloc(arena ? arena : 1, 1);
    if (!t->slot || !t->off || !t->arena) return -1;
    t->mask = n - 1;
    t->ocap = nstrings + 1;
    t->acap = arena ? arena : 1;
    t->off[0] = REC_HDR;
    return 0;
}

static void strtab_free(strtab *t)
{
    free(t->slot);
    free(t->off);
    free(t->arena);
    memset(t, 0, sizeof *t);
}

static const char *strtab_str(const strtab *t, size_t i) { return t->arena + t->off[i]; }
static size_t strtab_len(const strtab *t, size_t i) { return t->off[i + 1] - t->off[i] - 1 - REC_HDR; }

static void slot_put(uint64_t *slot, size_t mask, uint64_t h, size_t rec)
{
    size_t i = (size_t)h & mask;
    while (slot[i]) i = (i + 1) & mask;
    slot[i] = (h >> REC_BITS << REC_BITS) | (uint64_t)(rec + 1);
}

/* Doubles the slots and re-inserts every string (hashes are recomputed, not stored). */
static int strtab_rehash(strtab *t)
{
    size_t nslots = 2 * (t->mask + 1);
    uint64_t *slot = cs_big_calloc(nslots, sizeof *slot);
    if (!slot) return -1;
    for (size_t i = 0; i < t->n; i++)
        slot_put(slot, nslots - 1, hash_bytes(strtab_str(t, i), strtab_len(t, i)), t->off[i] - REC_HDR);
    free(t->slot);
    t->slot = slot;
    t->mask = nslots - 1;
    return 0;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 16;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * size);
    if (!q) return -1;
    *p = q;
    *cap = c;
    return 0;
}

static int64_t strtab_add(strtab *t, const char *s, size_t len, uint64_t h)
{
    size_t rec = t->alen, need = rec + REC_HDR + len + 1;
    if (need > REC_MASK - 1 || t->n >= UINT32_MAX) return -1;
    if (grow((void **)&t->off, &t->ocap, t->n + 2, sizeof *t->off)) return -1;
    if (grow((void **)&t->arena, &t->acap, need, 1)) return -1;
    uint32_t index = (uint32_t)t->n;
    memcpy(t->arena + rec, &index, REC_HDR);
    memcpy(t->arena + rec + REC_HDR, s, len);
    t->arena[need - 1] = '\0';
    t->alen = need;
    t->off[++t->n] = need + REC_HDR;
    slot_put(t->slot, t->mask, h, rec);
    if (2 * t->n > t->mask + 1 && strtab_rehash(t)) return -1;
    return index;
}

/* Index of s[0 .. len), whose hash is h, added if new (then *added = 1); -1 when out of memory. */
static int64_t strtab_intern_h(strtab *t, const char *s, size_t len, uint64_t h, int *added)
{
    uint64_t fp = h >> REC_BITS;
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
    return strtab_add(t, s, len, h);
}

static int64_t strtab_intern(strtab *t, const char *s, size_t len, int *added)
{
    return strtab_intern_h(t, s, len, hash_bytes(s, len), added);
}

/* Prefetches the first slot that a lookup of hash h reads. */
static void strtab_prefetch_slot(const strtab *t, uint64_t h) { __builtin_prefetch(&t->slot[h & t->mask]); }

/* Prefetches the record that a lookup of hash h compares first (the slot should be in cache). */
static void strtab_prefetch_record(const strtab *t, uint64_t h)
{
    uint64_t v = t->slot[h & t->mask];
    if (v && v >> REC_BITS == h >> REC_BITS) __builtin_prefetch(t->arena + (v & REC_MASK) - 1);
}

/* Removes the record headers, leaving the strings back to back, NUL-terminated; off[] follows. */
static void strtab_compact(strtab *t)
{
    size_t to = 0;
    for (size_t i = 0; i < t->n; i++) {
        size_t len = strtab_len(t, i) + 1;
        memmove(t->arena + to, t->arena + t->off[i], len);
        t->off[i] = to;
        to += len;
    }
    t->alen = to;
}

/* ---- errors, kept with their lines and sorted before they are reported ---- */

typedef struct {
    long line;
    size_t seq;
    char *msg;
} lerr;

typedef struct {
    lerr *v;
    size_t n, cap;
    size_t total; /* all errors, kept or not */
} errlist;

static void errlist_add(errlist *e, long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void errlist_add(errlist *e, long line, const char *fmt, ...)
{
    e->total++;
    if (e->n >= ERRORS_KEPT || grow((void **)&e->v, &e->cap, e->n + 1, sizeof *e->v)) return;
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *msg = strdup(buf);
    if (!msg) return;
    e->v[e->n].line = line;
    e->v[e->n].seq = e->n;
    e->v[e->n].msg = msg;
    e->n++;
}

static int lerr_cmp(const void *a, const void *b)
{
    const lerr *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Hands the errors to `d` in line order and frees them. */
static void errlist_flush(errlist *e, cs_diags *d, const char *name)
{
    if (e->n) qsort(e->v, e->n, sizeof *e->v, lerr_cmp);
    for (size_t i = 0; i < e->n; i++) {
        cs_error(d, name, e->v[i].line, 0, "%s", e->v[i].msg);
        free(e->v[i].msg);
    }
    /* past ERRORS_KEPT, `d` (which keeps CS_DIAGS_MAX < ERRORS_KEPT) would only count them */
    d->nerrors += e->total - e->n;
    d->ndropped += e->total - e->n;
    free(e->v);
    memset(e, 0, sizeof *e);
}

/* Writes s[0 .. len) for a message: control characters escaped so the message stays on one line,
 * and cut (at a character boundary) after about 60 bytes. */
#define SHOW_CAP 80
static const char *show(char out[SHOW_CAP], const char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o >= 60 && (c & 0xC0) != 0x80) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(out + o, SHOW_CAP - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

/* ---- the loader ---- */

enum { COL_ID, COL_SPONSOR, COL_PV, COL_BV, COL_RETAIL, COL_PERIOD, COL_JOIN, NCOLS };
static const char *const col_name[NCOLS] = {"id", "sponsor", "pv", "bv", "retail", "period", "join_period"};

typedef struct {
    int32_t sponsor; /* entry of the sponsor in the first row, -1 for none */
    int32_t join;    /* join_period label (in `joins`) in the first row, -1 for none */
    uint32_t rank;   /* order of the member's first row; NONE for an id seen only as a sponsor */
    uint32_t line;   /* line of the first row */
} entry;

typedef struct {
    const char *name;
    errlist err;
    long col[NCOLS]; /* field index of each column, -1 if absent */
    int structural;  /* some record could not be read, so the tree checks would mislead */

    strtab ids;
    entry *ent;      /* per id */
    size_t ent_cap;
    uint32_t *by_rank; /* rank -> entry */
    size_t n;          /* members: ids with a row */

    strtab periods;       /* labels, in order of first appearance */
    uint32_t *period_line; /* first line of each label */
    size_t period_cap;
    int64_t last_period;  /* label of the last row, -1 before the first */
    strtab joins;         /* join_period values */

    /* rows that were read without error, in file order */
    size_t nrows; /* at most the number of lines, which the arrays are sized for */
    uint32_t *row_ent, *row_period, *row_line;
    int64_t *row_pv, *row_bv, *row_retail;

    /* from the periods stage */
    size_t nperiods;
    uint32_t *period_pos;  /* label (order of appearance) -> period index */
    uint32_t *sorted;      /* period index -> label */
    int32_t *join_period;  /* join label -> first period at or after it */
    uint8_t *join_exact;   /* join label -> that period is the join_period itself */

    /* from the tree stage */
    int32_t *up;       /* rank -> sponsor's rank, -1 root, -2 sponsor not a member */
    uint32_t *order;   /* breadth-first position -> rank */
    uint32_t *pos;     /* rank -> breadth-first position, NONE if not reached */
    size_t nreached;
} loader;

static void oom(loader *L) { errlist_add(&L->err, 0, "out of memory"); }

static void loader_free(loader *L)
{
    strtab_free(&L->ids);
    strtab_free(&L->periods);
    strtab_free(&L->joins);
    free(L->ent);
    free(L->by_rank);
    free(L->period_line);
    free(L->row_ent);
    free(L->row_period);
    free(L->row_line);
    free(L->row_pv);
    free(L->row_bv);
    free(L->row_retail);
    free(L->period_pos);
    free(L->sorted);
    free(L->join_period);
    free(L->join_exact);
    free(L->up);
    free(L->order);
    free(L->pos);
}

/* ---- stage 1: reading ---- */

static int known_column(const char *s)
{
    for (int c = 0; c < NCOLS; c++)
        if (!strcmp(s, col_name[c])) return 1;
    return 0;
}

/* A column that differs only in case ("ID"), else one with a typo. */
static const char *suggest_column(const char *name, const char *const *cand, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(name, cand[i])) return cand[i];
    return cs_suggest(name, cand, n);
}

static int read_header(loader *L, const cs_csv *r)
{
    char a[SHOW_CAP];
    strtab names;
    if (strtab_init(&names, r->nfields, r->nfields, 64)) {
        strtab_free(&names);
        oom(L);
        return -1;
    }
    for (int c = 0; c < NCOLS; c++) L->col[c] = -1;
    for (size_t i = 0; i < r->nfields; i++) {
        int added;
        if (strtab_intern(&names, r->field[i].p, r->field[i].len, &added) < 0) {
            oom(L);
            break;
        }
        if (!added) errlist_add(&L->err, r->line, "duplicate column '%s'", show(a, r->field[i].p, r->field[i].len));
        for (int c = 0; c < NCOLS; c++)
            if (added && r->field[i].len == strlen(col_name[c]) && !memcmp(r->field[i].p, col_name[c], r->field[i].len))
                L->col[c] = (long)i;
    }
    /* suggestions come from the columns that mean nothing: "ID" for id, but not bv for pv */
    const char **cand = malloc((names.n + 1) * sizeof *cand);
    size_t ncand = 0;
    for (size_t i = 0; cand && i < names.n; i++)
        if (!known_column(strtab_str(&names, i))) cand[ncand++] = strtab_str(&names, i);
    for (int c = COL_ID; c <= COL_PV; c++) {
        if (L->col[c] >= 0) continue;
        const char *near = cand ? suggest_column(col_name[c], cand, ncand) : NULL;
        if (near)
            errlist_add(&L->err, r->line, "missing required column '%s' (did you mean '%s'?)", col_name[c],
                        show(a, near, strlen(near)));
        else
            errlist_add(&L->err, r->line, "missing required column '%s'", col_name[c]);
    }
    free(cand);
    strtab_free(&names);
    return L->err.total ? -1 : 0;
}

/* Sizes the tables for the worst case the input allows, `lines` rows of distinct ids: pages that
 * are never written are never backed by memory, so this costs address space, not RAM, and spares
 * the copies of growing.  The hash slots are written at random, so they start smaller and grow. */
static int reserve(loader *L, size_t lines, size_t bytes)
{
    size_t ids = 2 * lines + 2;
    if (lines >= NONE) return -1; /* rows are numbered in uint32 */
    if (strtab_init(&L->ids, lines < (1u << 24) ? lines : (1u << 24), ids, bytes + ids * (REC_HDR + 1))) return -1;
    L->ent = cs_big_malloc(ids, sizeof *L->ent);
    L->ent_cap = ids;
    L->by_rank = cs_big_malloc(lines, sizeof *L->by_rank);
    L->row_ent = cs_big_malloc(lines, sizeof *L->row_ent);
    L->row_line = cs_big_malloc(lines, sizeof *L->row_line);
    L->row_pv = cs_big_malloc(lines, sizeof *L->row_pv);
    if (L->col[COL_PERIOD] >= 0) L->row_period = cs_big_malloc(lines, sizeof *L->row_period);
    if (L->col[COL_BV] >= 0) L->row_bv = cs_big_malloc(lines, sizeof *L->row_bv);
    if (L->col[COL_RETAIL] >= 0) L->row_retail = cs_big_malloc(lines, sizeof *L->row_retail);
    if (strtab_init(&L->periods, 16, 16, 256) || strtab_init(&L->joins, 16, 16, 256)) return -1;
    if (!L->ent || !L->by_rank || !L->row_ent || !L->row_line || !L->row_pv) return -1;
    if ((L->col[COL_PERIOD] >= 0 && !L->row_period) || (L->col[COL_BV] >= 0 && !L->row_bv) ||
        (L->col[COL_RETAIL] >= 0 && !L->row_retail))
        return -1;
    return 0;
}

/* A row between parsing and resolving its ids.  Rows are resolved in batches: parsing a batch
 * prefetches the hash slots of its ids, a first pass over it prefetches the records those slots
 * point to, and the second resolves the rows in file order.  The misses of a batch then overlap
 * instead of following one another, which is most of the time of reading a large file. */
#define BATCH 32

typedef struct {
    cs_csv_field id, sponsor, period, join; /* into the input, which outlives the batch */
    uint64_t hid, hsponsor;
    long line;
    int64_t v[3]; /* pv, bv, retail */
    int ok;       /* the volumes were read without error */
} pending;

/* The common volumes ("123", "123.4", "123.45", at most 15 digits before the point), read as
 * cs_parse_hundredths would read them but without its checks for other forms (nan, inf, signs,
 * spaces), which cost more than the rest of a row.  Returns 0 for anything else, which then goes
 * to cs_parse_hundredths. */
static int plain_hundredths(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int64_t v = 0;
    for (; i < len && i < 15 && s[i] >= '0' && s[i] <= '9'; i++) v = v * 10 + (s[i] - '0');
    if (i == 0) return 0;
    int frac = 0;
    if (i < len && s[i] == '.' && len - i <= 3) {
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, frac++) v = v * 10 + (s[i] - '0');
        if (frac == 0) return 0;
    }
    if (i != len) return 0;
    *out = frac == 2 ? v : frac == 1 ? v * 10 : v * 100;
    return 1;
}

/* A volume column of the row; `dflt` (or NULL: required) is used for an empty field. */
static int read_volume(loader *L, const cs_csv *r, int col, const int64_t *dflt, int64_t *out)
{
    const cs_csv_field *f = &r->field[L->col[col]];
    if (!f->len && dflt) {
        *out = *dflt;
        return 0;
    }
    if (plain_hundredths(f->p, f->len, out)) return 0;
    cs_num_status st = cs_parse_hundredths(f->p, f->len, out);
    if (st == CS_NUM_OK) return 0;
    char a[SHOW_CAP];
    errlist_add(&L->err, r->line, "invalid %s '%s': %s", col_name[col], show(a, f->p, f->len), cs_num_status_text(st));
    return -1;
}

static int read_volumes(loader *L, const cs_csv *r, int64_t v[3])
{
    static const int64_t zero = 0;
    v[0] = 0;
    int bad = read_volume(L, r, COL_PV, NULL, &v[0]);
    v[1] = v[0];
    v[2] = 0;
    if (L->col[COL_BV] >= 0) bad |= read_volume(L, r, COL_BV, bad ? &zero : &v[0], &v[1]);
    if (L->col[COL_RETAIL] >= 0) bad |= read_volume(L, r, COL_RETAIL, &zero, &v[2]);
    return bad;
}

static cs_csv_field field_or_empty(const loader *L, const cs_csv *r, int col)
{
    return L->col[col] >= 0 ? r->field[L->col[col]] : (cs_csv_field){"", 0};
}

/* Parses what needs no lookup and starts the lookups; returns 0 for a row with no id. */
static int queue_row(loader *L, const cs_csv *r, pending *q)
{
    q->id = r->field[L->col[COL_ID]];
    if (!q->id.len) {
        errlist_add(&L->err, r->line, "empty id");
        return 0;
    }
    q->sponsor = r->field[L->col[COL_SPONSOR]];
    q->period = field_or_empty(L, r, COL_PERIOD);
    q->join = field_or_empty(L, r, COL_JOIN);
    q->line = r->line;
    q->ok = !read_volumes(L, r, q->v);
    q->hid = hash_bytes(q->id.p, q->id.len);
    strtab_prefetch_slot(&L->ids, q->hid);
    if (q->sponsor.len) {
        q->hsponsor = hash_bytes(q->sponsor.p, q->sponsor.len);
        strtab_prefetch_slot(&L->ids, q->hsponsor);
    }
    return 1;
}

/* Interns an id and returns its entry, -1 when out of memory. */
static int64_t intern_id(loader *L, const cs_csv_field *f, uint64_t h)
{
    int added;
    int64_t e = strtab_intern_h(&L->ids, f->p, f->len, h, &added);
    if (e < 0 || !added) return e;
    if (e > INT32_MAX - 1 || grow((void **)&L->ent, &L->ent_cap, (size_t)e + 1, sizeof *L->ent)) return -1;
    L->ent[e] = (entry){.sponsor = -1, .join = -1, .rank = NONE, .line = 0};
    return e;
}

static uint32_t line32(long line) { return line > (long)UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)line; }

/* The period of the row (its label's order of appearance), -1 after an error, -2 out of memory. */
static int64_t resolve_period(loader *L, const pending *q)
{
    if (L->col[COL_PERIOD] < 0) return 0;
    if (!q->period.len) {
        errlist_add(&L->err, q->line, "empty period");
        return -1;
    }
    int64_t p = L->last_period; /* rows tend to come period by period */
    if (p >= 0 && strtab_len(&L->periods, (size_t)p) == q->period.len &&
        !memcmp(strtab_str(&L->periods, (size_t)p), q->period.p, q->period.len))
        return p;
    int added;
    p = strtab_intern(&L->periods, q->period.p, q->period.len, &added);
    if (p < 0) return -2;
    if (added) {
        if (grow((void **)&L->period_line, &L->period_cap, (size_t)p + 1, sizeof *L->period_line)) return -2;
        L->period_line[p] = line32(q->line);
    }
    return L->last_period = p;
}

static const char *show_entry(const strtab *t, int64_t i, char out[SHOW_CAP])
{
    return i < 0 ? "" : show(out, strtab_str(t, (size_t)i), strtab_len(t, (size_t)i));
}

/* Records a member's first row, or checks a later row against it.  Returns 0 for a row to keep. */
static int check_member(loader *L, const pending *q, int64_t e, int64_t sponsor, int64_t join)
{
    entry *m = &L->ent[e];
    if (m->rank == NONE) {
        L->by_rank[L->n] = (uint32_t)e;
        m->rank = (uint32_t)L->n++;
        m->line = line32(q->line);
        m->sponsor = (int32_t)sponsor;
        m->join = (int32_t)join;
        return 0;
    }
    char a[SHOW_CAP], b[SHOW_CAP], c[SHOW_CAP];
    const char *id = show_entry(&L->ids, e, a);
    if (L->col[COL_PERIOD] < 0) { /* one period: a second row is a duplicate (with periods, see scatter_rows) */
        errlist_add(&L->err, q->line, "duplicate row for member '%s' in period 1 (first at line %lu)", id,
                    (unsigned long)m->line);
        return -1;
    }
    if (m->sponsor != sponsor)
        errlist_add(&L->err, q->line, "member '%s' has sponsor '%s' here but '%s' at line %lu", id,
                    show_entry(&L->ids, sponsor, b), show_entry(&L->ids, m->sponsor, c), (unsigned long)m->line);
    if (m->join != join)
        errlist_add(&L->err, q->line, "member '%s' has join_period '%s' here but '%s' at line %lu", id,
                    show_entry(&L->joins, join, b), show_entry(&L->joins, m->join, c), (unsigned long)m->line);
    return 0;
}

static void resolve_row(loader *L, const pending *q)
{
    int64_t e = intern_id(L, &q->id, q->hid);
    int64_t s = q->sponsor.len ? intern_id(L, &q->sponsor, q->hsponsor) : -1;
    int64_t j = -1;
    if (q->join.len) {
        int added;
        j = strtab_intern(&L->joins, q->join.p, q->join.len, &added);
    }
    int64_t p = e < 0 || (q->sponsor.len && s < 0) || (q->join.len && j < 0) ? -2 : resolve_period(L, q);
    if (p == -2) {
        oom(L);
        return;
    }
    if (check_member(L, q, e, s, j) || p < 0 || !q->ok) return;
    size_t k = L->nrows++;
    L->row_ent[k] = (uint32_t)e;
    L->row_line[k] = line32(q->line);
    L->row_pv[k] = q->v[0];
    if (L->row_period) L->row_period[k] = (uint32_t)p;
    if (L->row_bv) L->row_bv[k] = q->v[1];
    if (L->row_retail) L->row_retail[k] = q->v[2];
}

static void resolve_batch(loader *L, const pending *q, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        strtab_prefetch_record(&L->ids, q[i].hid);
        if (q[i].sponsor.len) strtab_prefetch_record(&L->ids, q[i].hsponsor);
    }
    for (size_t i = 0; i < n; i++) resolve_row(L, &q[i]);
}

static size_t count_lines(const char *buf, size_t len)
{
    size_t n = 1;
    for (size_t i = 0; i < len; i++) n += buf[i] == '\n';
    return n;
}

/* Reads the rows after the header; returns the number of records, good or bad. */
static size_t read_rows(loader *L, cs_csv *r)
{
    pending q[BATCH];
    size_t nq = 0, records = 0;
    cs_csv_status st;
    while ((st = cs_csv_next(r)) != CS_CSV_EOF) {
        records++;
        if (st == CS_CSV_RECORD) {
            nq += (size_t)queue_row(L, r, &q[nq]);
            /* an unescaped field lives in the reader's scratch only until the next record */
            if (nq == BATCH || r->unescaped) resolve_batch(L, q, nq), nq = 0;
            continue;
        }
        errlist_add(&L->err, r->error_line, "%s", r->error);
        L->structural = 1;
        if (st == CS_CSV_FATAL) break;
    }
    resolve_batch(L, q, nq);
    return records;
}

/* Reads the header and every row.  Returns -1 when nothing more can be checked. */
static int read_file(loader *L, const char *buf, size_t len)
{
    cs_csv r;
    cs_csv_init(&r, buf, len);
    int ret = -1;
    cs_csv_status st = cs_csv_next(&r);
    if (st == CS_CSV_EOF) {
        errlist_add(&L->err, 0, "empty file");
    } else if (st != CS_CSV_RECORD) {
        errlist_add(&L->err, r.error_line, "%s", r.error);
    } else if (!read_header(L, &r)) {
        if (reserve(L, count_lines(buf, len), len)) {
            oom(L);
        } else if (!read_rows(L, &r)) {
            errlist_add(&L->err, 0, "no members");
        } else {
            ret = 0;
        }
    }
    cs_csv_free(&r);
    return ret;
}

/* ---- stage 2: periods ---- */

/* Parses a label that is an integer: an optional '-' and digits, within int64. */
static int int_label(const char *s, size_t len, int64_t *out)
{
    size_t i = len && s[0] == '-';
    if (i == len) return 0;
    uint64_t v = 0, lim = i ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned dgt = (unsigned)(s[i] - '0');
        if (v > (lim - dgt) / 10) return 0;
        v = v * 10 + dgt;
    }
    *out = s[0] == '-' ? (int64_t)(0 - v) : (int64_t)v; /* two's complement, so -2^63 converts too */
    return 1;
}

typedef struct {
    const char *s;
    int64_t v;
    uint32_t label; /* order of appearance */
} label_key;

static int key_cmp_int(const void *a, const void *b)
{
    const label_key *x = a, *y = b;
    if (x->v != y->v) return x->v < y->v ? -1 : 1;
    return x->label < y->label ? -1 : x->label > y->label;
}

static int key_cmp_text(const void *a, const void *b)
{
    return strcmp(((const label_key *)a)->s, ((const label_key *)b)->s);
}

static int all_int(const strtab *t)
{
    int64_t v;
    for (size_t i = 0; i < t->n; i++)
        if (!int_label(strtab_str(t, i), strtab_len(t, i), &v)) return 0;
    return 1;
}

/* Index of the first period whose label is >= key; *exact if it is equal. */
static size_t lower_bound(const label_key *k, size_t n, const label_key *key, int numeric, int *exact)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = numeric ? (k[mid].v > key->v) - (k[mid].v < key->v) : strcmp(k[mid].s, key->s);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    *exact = lo < n && (numeric ? k[lo].v == key->v : !strcmp(k[lo].s, key->s));
    return lo;
}

static int place_joins(loader *L, const label_key *k, int numeric)
{
    L->join_period = malloc((L->joins.n + 1) * sizeof *L->join_period);
    L->join_exact = malloc(L->joins.n + 1);
    if (!L->join_period || !L->join_exact) return -1;
    for (size_t j = 0; j < L->joins.n; j++) {
        label_key key = {.s = strtab_str(&L->joins, j)};
        if (numeric) int_label(key.s, strtab_len(&L->joins, j), &key.v);
        int exact;
        L->join_period[j] = (int32_t)lower_bound(k, L->nperiods, &key, numeric, &exact);
        L->join_exact[j] = (uint8_t)exact;
    }
    return 0;
}

/* Orders the period labels and places the join_period values among them. */
static int order_periods(loader *L)
{
    if (L->col[COL_PERIOD] < 0) { /* one period, labelled "1" */
        int added;
        if (strtab_intern(&L->periods, "1", 1, &added) < 0) return -1;
    }
    size_t np = L->periods.n;
    L->nperiods = np;
    int numeric = all_int(&L->periods) && all_int(&L->joins);
    label_key *k = malloc(np * sizeof *k);
    L->period_pos = malloc(np * sizeof *L->period_pos);
    L->sorted = malloc(np * sizeof *L->sorted);
    if (!k || !L->period_pos || !L->sorted) {
        free(k);
        return -1;
    }
    for (size_t i = 0; i < np; i++) {
        k[i] = (label_key){.s = strtab_str(&L->periods, i), .label = (uint32_t)i};
        if (numeric) int_label(k[i].s, strtab_len(&L->periods, i), &k[i].v);
    }
    qsort(k, np, sizeof *k, numeric ? key_cmp_int : key_cmp_text);
    for (size_t i = 0; i < np; i++) {
        L->period_pos[k[i].label] = (uint32_t)i;
        L->sorted[i] = k[i].label;
        /* sorted by value then by appearance, so k[i] is the later spelling of the same number */
        if (numeric && i && k[i].v == k[i - 1].v) {
            char a[SHOW_CAP], b[SHOW_CAP];
            errlist_add(&L->err, L->period_line[k[i].label], "period '%s' is the same number as period '%s' (line %lu)",
                        show(a, k[i].s, strlen(k[i].s)), show(b, k[i - 1].s, strlen(k[i - 1].s)),
                        (unsigned long)L->period_line[k[i - 1].label]);
        }
    }
    int ret = place_joins(L, k, numeric);
    free(k);
    return ret;
}

/* ---- stage 3: the sponsor tree ---- */

/* Loops that read an array at random indices prefetch the entry they will need this many
 * iterations ahead: the indices come from arrays read in order, so they are known early. */
#define AHEAD 16

static const char *id_of(const loader *L, uint32_t rank, char out[SHOW_CAP])
{
    return show_entry(&L->ids, L->by_rank[rank], out);
}

/* up[rank]: the sponsor's rank, -1 for a root, -2 (and an error) for a sponsor with no row. */
static int link_sponsors(loader *L)
{
    L->up = cs_big_malloc(L->n, sizeof *L->up);
    if (!L->up) return -1;
    for (size_t r = 0; r < L->n; r++) {
        if (r + AHEAD < L->n) {
            int32_t s = L->ent[L->by_rank[r + AHEAD]].sponsor;
            if (s >= 0) __builtin_prefetch(&L->ent[s]);
        }
        const entry *m = &L->ent[L->by_rank[r]];
        if (m->sponsor < 0) {
            L->up[r] = -1;
        } else if (L->ent[m->sponsor].rank != NONE) {
            L->up[r] = (int32_t)L->ent[m->sponsor].rank;
        } else {
            L->up[r] = -2;
            char a[SHOW_CAP], b[SHOW_CAP];
            errlist_add(&L->err, m->line, "unknown sponsor '%s' of member '%s'", show_entry(&L->ids, m->sponsor, b),
                        id_of(L, (uint32_t)r, a));
        }
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
 * order[] doubles as the queue. */
static int breadth_first(loader *L)
{
    size_t n = L->n, tail = 0;
    uint32_t *first = cs_big_malloc(n + 1, sizeof *first), *kids = cs_big_malloc(n, sizeof *kids);
    L->order = cs_big_malloc(n, sizeof *L->order);
    L->pos = cs_big_malloc(n, sizeof *L->pos);
    if (!first || !kids || !L->order || !L->pos) {
        free(first);
        free(kids);
        return -1;
    }
    list_recruits(L->up, n, first, kids);
    for (size_t r = 0; r < n; r++) {
        L->pos[r] = NONE;
        if (L->up[r] == -1) L->order[tail++] = (uint32_t)r;
    }
    for (size_t head = 0; head < tail; head++) {
        if (head + AHEAD < tail) {
            __builtin_prefetch(&first[L->order[head + AHEAD]]);
            __builtin_prefetch(&L->pos[L->order[head + AHEAD]], 1);
        }
        uint32_t r = L->order[head];
        L->pos[r] = (uint32_t)head;
        for (uint32_t c = first[r]; c < first[r + 1]; c++) L->order[tail++] = kids[c];
    }
    L->nreached = tail;
    free(first);
    free(kids);
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
        if (L->pos[r0] != NONE || st[r0]) continue;
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
        errlist_add(&L->err, L->ent[L->by_rank[r]].line, "member '%s' is in a sponsorship cycle",
                    id_of(L, (uint32_t)r, a));
    }
    free(st);
    return 0;
}

/* ---- stage 4: rows into the store ---- */

static void free_store(cs_genealogy *g)
{
    free(g->parent);
    free(g->id_off);
    free(g->file_order);
    free(g->line);
    free(g->join);
    free(g->joined_in_file);
    free(g->pv);
    free(g->bv);
    free(g->retail);
    free(g->total_bv);
}

static int alloc_store(cs_genealogy *g, size_t n, size_t np)
{
    size_t cells;
    if (__builtin_mul_overflow(n, np, &cells) || cells > SIZE_MAX / sizeof(int64_t)) return -1;
    g->parent = cs_big_malloc(n, sizeof *g->parent);
    g->id_off = cs_big_malloc(n, sizeof *g->id_off);
    g->file_order = cs_big_malloc(n, sizeof *g->file_order);
    g->line = cs_big_malloc(n, sizeof *g->line);
    g->join = cs_big_malloc(n, sizeof *g->join);
    g->joined_in_file = cs_big_malloc(n, 1);
    g->pv = cs_big_calloc(cells, sizeof *g->pv); /* a member with no row in a period has zero volume then */
    g->bv = cs_big_calloc(cells, sizeof *g->bv);
    g->retail = cs_big_calloc(cells, sizeof *g->retail);
    g->total_bv = calloc(np, sizeof *g->total_bv);
    return g->parent && g->id_off && g->file_order && g->line && g->join && g->joined_in_file && g->pv && g->bv &&
                   g->retail && g->total_bv
               ? 0
               : -1;
}

/* join[] and joined[] by rank, from the join_period values; members without one get nperiods
 * here and their first period with a row in scatter_rows. */
static void join_from_labels(const loader *L, int32_t *join, uint8_t *joined)
{
    for (size_t r = 0; r < L->n; r++) {
        int32_t j = L->ent[L->by_rank[r]].join;
        join[r] = j < 0 ? (int32_t)L->nperiods : L->join_period[j];
        joined[r] = j < 0 ? 1 : L->join_exact[j];
    }
}

/* The store cell of row k (the tree must be complete). */
static size_t cell_of(const loader *L, size_t k)
{
    size_t p = L->row_period ? L->period_pos[L->row_period[k]] : 0;
    return p * L->n + L->pos[L->ent[L->row_ent[k]].rank];
}

static void report_duplicate(loader *L, size_t k, size_t p, uint32_t first_row)
{
    char a[SHOW_CAP], b[SHOW_CAP];
    errlist_add(&L->err, L->row_line[k], "duplicate row for member '%s' in period %s (first at line %lu)",
                id_of(L, L->ent[L->row_ent[k]].rank, a), show_entry(&L->periods, L->sorted[p], b),
                (unsigned long)L->row_line[first_row]);
}

/* Scatters the rows into the store (when `g` is given: no error so far), finding rows repeated in a
 * period (with one period they were found while reading) and totals that overflow.  join[] gets,
 * for members without a join_period, the first period with a row. */
static int scatter_rows(loader *L, cs_genealogy *g, int32_t *join)
{
    size_t n = L->n, np = L->nperiods, cells = n * np; /* alloc_store or the caller checked n * np */
    uint32_t *row_at = L->row_period ? cs_big_malloc(cells, sizeof *row_at) : NULL; /* the row that filled each cell */
    int64_t *total = calloc(np, sizeof *total);
    uint8_t *overflow = calloc(np, 1);
    if ((L->row_period && !row_at) || !total || !overflow) {
        free(row_at), free(total), free(overflow);
        return -1;
    }
    if (row_at) memset(row_at, 0xff, cells * sizeof *row_at);
    for (size_t k = 0; k < L->nrows; k++) {
        size_t r = L->ent[L->row_ent[k]].rank, p = L->row_period ? L->period_pos[L->row_period[k]] : 0;
        if (row_at && row_at[p * n + r] != NONE) {
            report_duplicate(L, k, p, row_at[p * n + r]);
            continue;
        }
        if (row_at) row_at[p * n + r] = (uint32_t)k;
        int32_t jl = L->ent[L->row_ent[k]].join;
        if (jl >= 0 && (int32_t)p < join[r]) { /* a member cannot buy before joining */
            char a[SHOW_CAP], b[SHOW_CAP], c[SHOW_CAP];
            errlist_add(&L->err, L->row_line[k], "member '%s' has a row in period %s, before its join_period %s",
                        id_of(L, (uint32_t)r, a), show_entry(&L->periods, L->sorted[p], b), show_entry(&L->joins, jl, c));
            continue;
        }
        int64_t bv = L->row_bv ? L->row_bv[k] : L->row_pv[k];
        if (!overflow[p] && __builtin_add_overflow(total[p], bv, &total[p])) {
            overflow[p] = 1;
            char b[SHOW_CAP];
            errlist_add(&L->err, L->row_line[k], "total bv of period %s overflows",
                        show_entry(&L->periods, L->sorted[p], b));
        }
        if ((size_t)join[r] > p && L->ent[L->row_ent[k]].join < 0) join[r] = (int32_t)p;
        if (!g) continue;
        if (k + AHEAD < L->nrows) __builtin_prefetch(&g->pv[cell_of(L, k + AHEAD)], 1);
        size_t at = p * n + L->pos[r];
        g->pv[at] = L->row_pv[k];
        g->bv[at] = bv;
        if (L->row_retail) g->retail[at] = L->row_retail[k];
    }
    if (g) memcpy(g->total_bv, total, np * sizeof *total);
    free(row_at);
    free(total);
    free(overflow);
    return 0;
}

/* Fills the per-member arrays in breadth-first order and hands over the ids and period labels. */
static int finish_store(loader *L, cs_genealogy *g, const int32_t *join, const uint8_t *joined)
{
    strtab_compact(&L->ids);
    for (size_t r = 0; r < L->n; r++) { /* in rank order: the reads are in order, the writes scatter */
        if (r + AHEAD < L->n && L->up[r + AHEAD] >= 0) __builtin_prefetch(&L->pos[L->up[r + AHEAD]]);
        size_t i = L->pos[r];
        g->parent[i] = L->up[r] < 0 ? -1 : (int32_t)L->pos[L->up[r]];
        g->id_off[i] = L->ids.off[L->by_rank[r]];
        g->file_order[i] = (uint32_t)r;
        g->line[i] = L->ent[L->by_rank[r]].line;
        g->join[i] = join[r];
        g->joined_in_file[i] = joined[r];
    }
    g->period_label = calloc(L->nperiods, sizeof *g->period_label);
    if (!g->period_label) return -1;
    for (size_t p = 0; p < L->nperiods; p++)
        if (!(g->period_label[p] = strdup(strtab_str(&L->periods, L->sorted[p])))) return -1;
    char *ids = realloc(L->ids.arena, L->ids.alen ? L->ids.alen : 1); /* give back the unused reserve */
    g->id_buf = ids ? ids : L->ids.arena;
    L->ids.arena = NULL;
    return 0;
}

/* Runs the stages after reading; returns the store, or NULL with the errors in L->err. */
static cs_genealogy *build(loader *L)
{
    size_t cells;
    if (order_periods(L) || __builtin_mul_overflow(L->n, L->nperiods, &cells)) goto oom;
    /* the tree checks need every row: a row that could not be read would show up as an unknown sponsor */
    int tree_ok = !L->structural;
    if (tree_ok) {
        if (link_sponsors(L) || breadth_first(L)) goto oom;
        if (L->nreached < L->n && report_cycles(L)) goto oom;
        tree_ok = L->nreached == L->n;
    }
    cs_genealogy *g = calloc(1, sizeof *g);
    int32_t *join = cs_big_malloc(L->n, sizeof *join);
    uint8_t *joined = cs_big_malloc(L->n, 1);
    if (!g || !join || !joined) goto fail;
    int store = tree_ok && !L->err.total;
    if (store && alloc_store(g, L->n, L->nperiods)) goto fail;
    join_from_labels(L, join, joined);
    if (scatter_rows(L, store ? g : NULL, join)) goto fail;
    g->n = L->n;
    g->nperiods = L->nperiods;
    if (!store || L->err.total || finish_store(L, g, join, joined)) goto fail;
    g->has_bv = L->col[COL_BV] >= 0;
    g->has_retail = L->col[COL_RETAIL] >= 0;
    g->has_period = L->col[COL_PERIOD] >= 0;
    g->has_join = L->col[COL_JOIN] >= 0;
    free(join);
    free(joined);
    return g;
fail:
    if (!L->err.total) oom(L);
    free(join);
    free(joined);
    cs_genealogy_free(g);
    return NULL;
oom:
    oom(L);
    return NULL;
}

/* ---- entry points ---- */

/* The input: a buffer of the caller's, or a file read into memory or mapped. */
typedef struct {
    const char *buf;
    size_t len;
    char *heap;        /* to free, or NULL */
    void *map;         /* to unmap, or NULL */
} input;

static void input_release(input *in)
{
    free(in->heap);
    if (in->map) munmap(in->map, in->len);
    in->heap = NULL;
    in->map = NULL;
}

/* Loads from `in` and releases it as soon as it is no longer needed (after reading). */
static cs_genealogy *load(input *in, const char *name, cs_diags *d)
{
    loader L;
    memset(&L, 0, sizeof L);
    L.name = name;
    L.last_period = -1;
    int ok = read_file(&L, in->buf, in->len) == 0 && L.n > 0; /* n == 0: every row had an error */
    input_release(in);
    free(L.ids.slot); /* the hash slots are needed only while reading */
    L.ids.slot = NULL;
    cs_genealogy *g = ok ? build(&L) : NULL;
    if (L.err.total) {
        cs_genealogy_free(g);
        g = NULL;
    }
    errlist_flush(&L.err, d, name);
    loader_free(&L);
    return g;
}

cs_genealogy *cs_genealogy_load_buffer(const char *buf, size_t len, const char *name, cs_diags *d)
{
    input in = {.buf = buf, .len = len};
    return load(&in, name, d);
}

/* Reads what is left of f into one buffer (for pipes and the like, which cannot be mapped). */
static char *read_all(FILE *f, size_t *len)
{
    size_t cap = 65536, n = 0, got;
    char *buf = malloc(cap);
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n < cap) continue;
        char *b = realloc(buf, 2 * cap);
        if (!b) free(buf);
        buf = b;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    *len = n;
    return buf;
}

/* A regular file is mapped rather than read: its pages are already in the page cache, and copying
 * them would cost a fresh buffer as large as the file. */
static int open_input(FILE *f, input *in)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISREG(sb.st_mode)) {
        if (sb.st_size == 0) return 0;
        void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fileno(f), 0);
        if (m != MAP_FAILED) {
            posix_madvise(m, (size_t)sb.st_size, POSIX_MADV_SEQUENTIAL);
            in->buf = in->map = m;
            in->len = (size_t)sb.st_size;
            return 0;
        }
    }
    errno = 0;
    in->buf = in->heap = read_all(f, &in->len);
    return in->heap ? 0 : errno ? errno : ENOMEM;
}

cs_genealogy *cs_genealogy_load_file(const char *path, cs_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cs_error(d, path, 0, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    input in = {.buf = "", .len = 0};
    int err = open_input(f, &in);
    fclose(f); /* a mapping outlives its descriptor */
    if (err) {
        cs_error(d, path, 0, 0, "cannot read: %s", strerror(err));
        return NULL;
    }
    return load(&in, path, d);
}

void cs_genealogy_free(cs_genealogy *g)
{
    if (!g) return;
    if (g->period_label)
        for (size_t p = 0; p < g->nperiods; p++) free(g->period_label[p]);
    free(g->period_label);
    free(g->id_buf);
    free_store(g);
    free(g);
}
