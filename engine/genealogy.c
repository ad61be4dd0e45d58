/* genealogy: reads a genealogy CSV file (docs/plan-format.md, "The genealogy file") into the store
 * of genealogy.h.
 *
 * Loading runs in stages over flat arrays, with no allocation per member or per row:
 *
 *   read     (genealogy_read.c) the header; then the rest is cut into parts at line ends, and each
 *            part is parsed into a buffer of rows: fields located, volumes converted, ids hashed.
 *   resolve  (genealogy_resolve.c) the parts' rows, in file order, give each id its member,
 *            numbered by rank (the order of the member's first row), through hash tables that
 *            hold short ids in their slots (idtab.h).  The ids are split in two halves by a bit
 *            of their hash, one table and one cpu each, so that both cpus look ids up at once (the
 *            lookups, random reads of a large table, are most of a large load).  An id seen as a
 *            sponsor before any row of its own is "pending" until its first row.  Each member
 *            gets one 32-byte record; rows that are not their member's first are listed by their
 *            half, checked against it afterwards (finish_resolve, both halves at once), and read
 *            from those lists by the rows stage when their values count (files with periods).
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
#define _DEFAULT_SOURCE /* MAP_POPULATE */
#include "genealogy.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "genealogy_load.h"
#include "xalloc.h"

#ifdef GL_TRACE
double gl_trace_last;
#endif

static void oom(loader *L) { gl_err_add(&L->err, 0, ST_PARSE, "out of memory"); }

static void loader_free(loader *L)
{
    gl_input_free(&L->in);
    for (int hb = 0; hb < 2; hb++) {
        half *H = &L->h[hb];
        cs_idtab_free(&H->ids);
        free(H->dup);
        free(H->big);
        cs_xfree(H->list);
        free(H->pend_first);
        free(H->pend_id);
        free(H->pend_len);
        free(H->part_first);
        free(H->part_bytes);
    }
    free(L->id_rank0);
    free(L->id_base);
    cs_xfree(L->id_block);
    cs_xfree(L->num.entry);
    cs_xfree(L->spref);
    cs_xfree(L->rank);
    cs_xfree(L->slot_of);
    cs_xfree(L->m);
    free(L->label);
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

/* ---- stage 2: resolving ids (genealogy_resolve.c) ---- */

/* ---- stage 3: periods (genealogy_periods.c) ---- */

/* ---- stage 4: the sponsor tree ---- */

/* Reports the sponsors with no row (up[rank] is -2 for them: finish_resolve filled up[]). */
static int link_sponsors(loader *L)
{
    for (size_t r = 0; L->unknown && r < L->n; r++) {
        if (L->up[r] != -2) continue;
        char a[SHOW_CAP], b[SHOW_CAP];
        gl_err_add(&L->err, L->m[r].line, ST_TREE, "unknown sponsor '%s' of member '%s'", gl_show_sponsor(L, gl_sponsor(L, (uint32_t)r), b),
                   gl_show_rank(L, (uint32_t)r, a));
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
    L->order = gl_carve(L, n, sizeof *L->order);
    L->par = gl_carve(L, n, sizeof *L->par);
    size_t mark = L->scratch_used;
    uint32_t *first = gl_carve(L, n + 1, sizeof *first), *kids = gl_carve(L, n, sizeof *kids);
    if (!first || !kids || !L->order || !L->par) return -1;
    list_recruits(L->up, n, first, kids);
    gl_trace(" tree: recruits");
    for (size_t r = 0; r < n; r++)
        if (L->up[r] == -1) L->par[tail] = -1, L->order[tail++] = (uint32_t)r;
    for (size_t head = 0; head < tail; head++) {
        if (head + 2 * AHEAD < tail) __builtin_prefetch(&first[L->order[head + 2 * AHEAD]]);
        if (head + AHEAD < tail) __builtin_prefetch(&kids[first[L->order[head + AHEAD]]]);
        uint32_t r = L->order[head];
        for (uint32_t c = first[r]; c < first[r + 1]; c++) L->par[tail] = (int32_t)head, L->order[tail++] = kids[c];
    }
    L->nreached = tail;
    gl_trace(" tree: bfs");
    L->scratch_used = mark; /* first and kids are free again */
    return 0;
}

/* pos[rank]: the member's breadth-first position, GL_NONE if not reached. */
static int find_positions(loader *L)
{
    L->pos = gl_carve(L, L->n, sizeof *L->pos);
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
        gl_err_add(&L->err, L->m[r].line, ST_TREE, "member '%s' is in a sponsorship cycle", gl_show_rank(L, (uint32_t)r, a));
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

static void populate_store(const loader *L, cs_genealogy *g)
{
    size_t n = g->n, cells = n * g->nperiods;
    cs_big_populate_here(g->id_off, n * sizeof *g->id_off);
    cs_big_populate_here(g->joined_in_file, n);
    cs_big_populate_here(g->id_buf, L->id_base[L->id_parts]);
    if (g->vol_block) return; /* parent, file_order, line, join and the volumes: in memory touched before */
    cs_big_populate_here(g->parent, n * sizeof *g->parent);
    cs_big_populate_here(g->file_order, n * sizeof *g->file_order);
    cs_big_populate_here(g->line, n * sizeof *g->line);
    cs_big_populate_here(g->join, n * sizeof *g->join);
    cs_big_populate_here(g->pv, cells * sizeof *g->pv);
    cs_big_populate_here(g->bv, cells * sizeof *g->bv);
    cs_big_populate_here(g->retail, cells * sizeof *g->retail);
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
    if (L->id_rank0[L->id_parts] != n) return -1; /* every member's first row is in a resolved part */
    g->id_buf = cs_xmalloc(L->id_base[L->id_parts]);
    const size_t tree_needs = 4 * (n + 16) * sizeof(uint32_t) + 5 * 64; /* order, par, first, kids (up is there) */
    size_t room = L->scratch_size - L->scratch_used;
    if (filled && room > tree_needs + 3 * 64 && cells <= (room - tree_needs - 3 * 64) / (3 * sizeof(int64_t))) {
        g->pv = gl_carve(L, cells, sizeof *g->pv);
        g->bv = gl_carve(L, cells, sizeof *g->bv);
        g->retail = gl_carve(L, cells, sizeof *g->retail);
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
    return (g->vol_block || (g->parent && g->file_order && g->line && g->join)) && g->id_off && g->joined_in_file && g->id_buf &&
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
/* The period of member r's first row (its label is read only when there are several periods: the
 * members come in breadth-first order in fill_store, so that read is a random one). */
static size_t first_period(const loader *L, uint32_t r) { return L->per.n == 1 ? 0 : L->per.pos[gl_label(L, r)]; }

/* Checks a kept row of member r in period p (before the member joined? does the period's total
 * overflow?); 0 if its values count. */
static int check_row(loader *L, rows_state *S, uint32_t r, uint32_t line, size_t p, int64_t bv)
{
    member *m = &L->m[r];
    if (m->join >= 0 && (int32_t)p < L->per.join_period[m->join]) { /* a member cannot buy before joining */
        char a[SHOW_CAP], b[SHOW_CAP], c[SHOW_CAP];
        gl_err_add(&L->err, line, ST_ROWS, "member '%s' has a row in period %s, before its join_period %s",
                   gl_show_rank(L, r, a), gl_show_label(&L->periods, L->per.sorted[p], b), gl_show_label(&L->joins, m->join, c));
        return -1;
    }
    if (!S->overflow[p] && __builtin_add_overflow(S->total[p], bv, &S->total[p])) {
        S->overflow[p] = 1;
        char b[SHOW_CAP];
        gl_err_add(&L->err, line, ST_ROWS, "total bv of period %s overflows", gl_show_label(&L->periods, L->per.sorted[p], b));
    }
    if (m->join < 0 && member_first(m) > (int32_t)p) m->join = JOIN_NONE(p);
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
            int64_t v[3];
            gl_volumes(L, (uint32_t)r, v);
            sum += (uint64_t)v[1];
            if (m->join < 0) m->join = JOIN_NONE(0);
        }
        if (sum <= INT64_MAX) {
            S->total[0] = (int64_t)sum;
            return;
        }
    }
    for (size_t r = 0; r < L->n; r++) {
        const member *m = &L->m[r];
        if (!m->kept) continue;
        int64_t v[3];
        gl_volumes(L, (uint32_t)r, v);
        check_row(L, S, (uint32_t)r, m->line, first_period(L, (uint32_t)r), v[1]);
    }
}

/* The values of every kept row into the store, once check_all_rows has found no error: then each
 * cell is written by one row, so the rows can be taken in any order, by both threads.  The writes
 * fall at random (breadth-first positions) and were a third of a file with periods' stage "rows"
 * when the checks made them one at a time (docs/performance.md, "Session 10"). */
static void store_rows(const loader *L, cs_genealogy *g)
{
    const long n = (long)L->n;
#pragma omp parallel if (n >= 100000)
    {
#pragma omp for schedule(static) nowait
        for (long r = 0; r < n; r++) {
            if (!L->m[r].kept) continue;
            int64_t v[3];
            gl_volumes(L, (uint32_t)r, v);
            size_t at = first_period(L, (uint32_t)r) * (size_t)n + L->pos[r];
            g->pv[at] = v[0], g->bv[at] = v[1], g->retail[at] = v[2];
        }
        for (int hb = 0; hb < 2; hb++) {
            const half *H = &L->h[hb];
#pragma omp for schedule(static) nowait
            for (long k = 0; k < (long)H->ndup; k++) {
                const dup_row *x = &H->dup[k];
                if (!x->keep) continue;
                int64_t v[3];
                gl_dup_volumes(L, x, v);
                size_t at = period_of(L, x->label) * (size_t)n + L->pos[gl_rank_of(L, x->first)];
                g->pv[at] = v[0], g->bv[at] = v[1], g->retail[at] = v[2];
            }
        }
    }
}

/* Every kept row in file order (first rows and later ones), finding rows repeated in a period;
 * with `g` (no error so far), puts the values into the store if no row has an error. */
static int check_all_rows(loader *L, rows_state *S, cs_genealogy *g)
{
    size_t n = L->n, cells = n * L->per.n; /* the caller checked n * nperiods */
    uint32_t *line_at = cs_xmalloc_n(cells, sizeof *line_at); /* the line of the row that filled each cell */
    if (!line_at) return -1;
    cs_big_populate_here(line_at, cells * sizeof *line_at);
    memset(line_at, 0xff, cells * sizeof *line_at);
    size_t r = 0, next[2] = {0, 0};
    const dup_row *x = gl_next_dup(L, next);
    for (;;) {
        while (r < n && !L->m[r].kept) r++;
        while (x && !x->keep) x = gl_next_dup(L, next);
        int from_member = r < n && (!x || gl_first_slot(L, (uint32_t)r) < x->slot);
        if (!from_member && !x) break;
        const member *m = &L->m[r];
        uint32_t rank = from_member ? (uint32_t)r : gl_rank_of(L, x->first), line = from_member ? m->line : x->line;
        size_t p = from_member ? first_period(L, rank) : period_of(L, x->label), c = p * n + rank;
        int64_t v[3];
        if (from_member) {
            gl_volumes(L, rank, v);
            r++;
        } else {
            gl_dup_volumes(L, x, v);
            x = gl_next_dup(L, next);
        }
        if (line_at[c] != GL_NONE) {
            char a[SHOW_CAP], b[SHOW_CAP];
            gl_err_add(&L->err, line, ST_ROWS, "duplicate row for member '%s' in period %s (first at line %lu)",
                       gl_show_rank(L, rank, a), gl_show_label(&L->periods, L->per.sorted[p], b), (unsigned long)line_at[c]);
            continue;
        }
        line_at[c] = line;
        check_row(L, S, rank, line, p, v[1]);
    }
    cs_xfree(line_at);
    if (g && !L->err.total) store_rows(L, g);
    return 0;
}

/* Copies the ids of the parts' new members into id_buf (allocated: id_base[id_parts] bytes), in
 * rank order; member records then hold offsets instead of addresses.  Each caller takes the next
 * part not yet taken, so that any number of threads can share the work as each comes free. */
static void place_ids(loader *L, cs_genealogy *g)
{
    for (size_t i; (i = __atomic_fetch_add(&L->id_next, 1, __ATOMIC_RELAXED)) < L->id_parts;) {
        size_t at = L->id_base[i];
        for (size_t r = L->id_rank0[i]; r < L->id_rank0[i + 1]; r++) {
            member *m = &L->m[r];
            memcpy(g->id_buf + at, m->id.p, m->idlen);
            g->id_buf[at + m->idlen] = '\0';
            m->id.off = at;
            at += m->idlen + 1;
        }
    }
}

/* Fills the per-member arrays (and, in the fast case, the values) in breadth-first order, by
 * both threads; hands over the period labels.  The ids are in id_buf already: a store is filled
 * only when nothing failed, and then the tree stage copied them (unknown sponsors are errors). */
static int fill_store(loader *L, const rows_state *S, cs_genealogy *g)
{
    long n = (long)L->n;
    int own = !g->vol_block; /* else the tree stage's arrays are the store's: the same values */
    if (!own) { /* after breadth_first: its recruit lists' room is free again */
        g->parent = L->par;
        g->file_order = L->order;
        g->line = gl_carve(L, (size_t)n, sizeof *g->line);
        g->join = gl_carve(L, (size_t)n, sizeof *g->join);
        if (!g->line || !g->join) return -1;
    }
#pragma omp parallel for schedule(static)
    for (long i = 0; i < n; i++) {
        if (i + AHEAD < n) __builtin_prefetch(&L->m[L->order[i + AHEAD]]); /* one cache line: 32 bytes, aligned */
        uint32_t r = L->order[i];
        const member *m = &L->m[r];
        if (own) {
            g->parent[i] = L->par[i];
            g->file_order[i] = r;
        }
        g->id_off[i] = m->id.off;
        g->line[i] = m->line;
        g->join[i] = m->join >= 0 ? L->per.join_period[m->join] : member_first(m) == INT32_MAX ? (int32_t)L->per.n : member_first(m);
        g->joined_in_file[i] = m->join < 0 ? 1 : L->per.join_exact[m->join];
        if (!S->fast) continue;
        int64_t v[3];
        gl_volumes(L, r, v);
        size_t at = first_period(L, r) * (size_t)n + (size_t)i;
        g->pv[at] = v[0];
        g->bv[at] = v[1];
        g->retail[at] = v[2];
    }
    g->period_label = calloc(L->per.n, sizeof *g->period_label);
    if (!g->period_label) return -1;
    for (size_t p = 0; p < L->per.n; p++)
        if (!(g->period_label[p] = strdup(cs_strtab_str(&L->periods, L->per.sorted[p])))) return -1;
    return 0;
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
    gl_trace("periods");
    rows_state S = {.fast = L->nlater == 0};
    cs_genealogy *g = calloc(1, sizeof *g);
    if (g) g->ids_by_number = L->num.on;
    S.total = calloc(L->per.n, sizeof *S.total);
    S.overflow = calloc(L->per.n, 1);
    if (!g || !S.total || !S.overflow) goto fail;
    /* the tree checks need every row: a row that could not be read would show up as an unknown sponsor */
    int tree_ok = !L->structural, store = tree_ok && !L->err.total, err = 0;
    if (store && alloc_store(L, g, L->n, L->per.n, S.fast && L->per.n == 1)) goto fail;
    /* the ids' copy needs no tree: while one thread orders the tree, the other takes the page faults
     * of the store and then copies ids, and the first joins in when the tree is done.  Not when the
     * tree stage may name members (unknown sponsors) while their ids move. */
    int copy = store && !L->unknown;
#pragma omp parallel sections if (L->n >= 100000)
    {
#pragma omp section
        {
            if (tree_ok) err = link_sponsors(L) || breadth_first(L);
            if (copy) place_ids(L, g);
        }
#pragma omp section
        if (store) {
            populate_store(L, g);
            if (copy) place_ids(L, g);
        }
    }
    if (copy) L->ids_placed = g->id_buf;
    gl_trace("tree");
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
    gl_trace("rows");
    if (!store || L->err.total || fill_store(L, &S, g)) goto fail;
    gl_trace("store");
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
    cs_genealogy *g = NULL;
    int rows = 0;
    /* first with ids looked up by number if they all have one (numid.h); if one has not, again
     * with the hash tables: both ways give the same result */
    for (int table_only = 0; table_only < 2; table_only++) {
        memset(&L, 0, sizeof L);
        L.name = name;
        L.table_only = table_only;
        gl_trace(NULL);
        if (gl_read_header(&L.in, buf, len, part_bytes, &L.err)) break;
        gl_trace("header, scan");
        if ((rows = gl_read_rows(&L)) != GL_AGAIN) break;
        gl_err_free(&L.err); /* nothing is reported from an attempt given up */
        loader_free(&L);
    }
    if (rows == 0 && L.n > 0) g = build(&L); /* n == 0: every row had an error */
    if (g && !L.err.total && L.in.placement)
        gl_read_placement(g, buf, len, &L.err); /* reports a lack of memory itself */
    if (g && !(g->name = strdup(name))) oom(&L);
    if (L.err.total) {
        cs_genealogy_free(g);
        g = NULL;
    }
    gl_err_flush(&L.err, d, name);
    loader_free(&L);
    gl_trace("placement, free");
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
