/* genealogy_read: the reading stage of the genealogy loader (genealogy.c says what follows), and
 * the loader's error list.
 *
 * After the header, the input is cut into parts at line ends, parsed one part at a time by
 * whichever thread is free.  A record is one line unless a quoted field holds a line break, so the
 * cut is safe when there is no '"' in the data: a first pass over each part, by both threads
 * (cs_csv_scan, which also checks the encoding and counts the line feeds, so that each part knows
 * its first line), tells whether there is one; if so, the data is read as one part.  Parsing a
 * part gives its rows (fields located, volumes converted, ids hashed, period and join labels
 * numbered within the part) and its errors, in line order; the resolving stage takes the parts in
 * order, so nothing depends on how the input was cut or on the number of threads.
 *
 * A part that reaches an error after which the rest cannot be read (invalid UTF-8, an
 * unterminated quote) ends the reading: the parts after it are ignored, as a single reader would
 * never have reached them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "genealogy_int.h"
#include "money.h"
#include "xalloc.h"

const char *const gl_col_name[NCOLS] = {"id", "sponsor", "pv", "bv", "retail", "period", "join_period"};

/* Bytes in a part: small enough that its rows are still in the cache when they are resolved
 * (by the other cpu, most often), large enough that handing parts over costs little. */
#define PART_BYTES ((size_t)256 << 10)

/* ---- errors ---- */

void gl_err_add(gl_errlist *e, long line, int stage, const char *fmt, ...)
{
    size_t seq = e->total++;
    if (e->n >= GL_ERRORS_KEPT) return;
    if (cs_grow((void **)&e->v, &e->cap, e->n + 1, sizeof *e->v)) {
        e->nomem = 1;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    char *msg = strdup(buf);
    if (!msg) {
        e->nomem = 1;
        return;
    }
    e->v[e->n++] = (gl_err){.line = line, .stage = (uint32_t)stage, .seq = seq, .msg = msg};
}

void gl_err_push(gl_errlist *to, gl_err *e)
{
    size_t seq = to->total++;
    if (to->n < GL_ERRORS_KEPT && !cs_grow((void **)&to->v, &to->cap, to->n + 1, sizeof *to->v)) {
        to->v[to->n] = *e;
        to->v[to->n++].seq = seq;
    } else {
        if (to->n < GL_ERRORS_KEPT) to->nomem = 1;
        free(e->msg);
    }
    e->msg = NULL;
}

void gl_err_free(gl_errlist *e)
{
    for (size_t i = 0; i < e->n; i++) free(e->v[i].msg);
    free(e->v);
    memset(e, 0, sizeof *e);
}

static int line_cmp(const void *a, const void *b)
{
    const gl_err *x = a, *y = b;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    if (x->stage != y->stage) return x->stage < y->stage ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void gl_err_flush(gl_errlist *e, cs_diags *d, const char *name)
{
    if (e->n) qsort(e->v, e->n, sizeof *e->v, line_cmp);
    for (size_t i = 0; i < e->n; i++) cs_error(d, name, e->v[i].line, 0, "%s", e->v[i].msg);
    /* a message that could not be kept for want of memory must not pass for one over the limit */
    if (e->nomem) cs_error(d, name, 0, 0, "out of memory");
    /* past GL_ERRORS_KEPT, `d` (which keeps CS_DIAGS_MAX < GL_ERRORS_KEPT) would only count them */
    d->nerrors += e->total - e->n;
    d->ndropped += e->total - e->n;
    gl_err_free(e);
}

const char *gl_show(char out[SHOW_CAP], const char *s, size_t len)
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

/* ---- the header ---- */

static int known_column(const char *s)
{
    for (int c = 0; c < NCOLS; c++)
        if (!strcmp(s, gl_col_name[c])) return 1;
    return 0;
}

/* A column that differs only in case ("ID"), else one with a typo. */
static const char *suggest_column(const char *name, const char *const *cand, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(name, cand[i])) return cand[i];
    return cs_suggest(name, cand, n);
}

static int read_header(gl_input *in, const cs_csv *r, gl_errlist *err)
{
    char a[SHOW_CAP];
    cs_strtab names;
    if (cs_strtab_init(&names, r->nfields)) {
        cs_strtab_free(&names);
        gl_err_add(err, 0, ST_PARSE, "out of memory");
        return -1;
    }
    for (int c = 0; c < NCOLS; c++) in->col[c] = -1;
    in->ncolumns = r->nfields;
    for (size_t i = 0; i < r->nfields; i++) {
        int added;
        int64_t k = cs_strtab_intern(&names, r->field[i].p, r->field[i].len, &added);
        if (k < 0) {
            gl_err_add(err, 0, ST_PARSE, "out of memory");
            break;
        }
        if (!added)
            gl_err_add(err, r->line, ST_PARSE, "duplicate column '%s'", gl_show(a, r->field[i].p, r->field[i].len));
        const char *name = cs_strtab_str(&names, (size_t)k);
        in->placement |= !strcmp(name, "placement") || !strcmp(name, "leg"); /* genealogy_place.c reads them */
        for (int c = 0; c < NCOLS; c++)
            if (added && r->field[i].len == strlen(gl_col_name[c]) &&
                !memcmp(r->field[i].p, gl_col_name[c], r->field[i].len))
                in->col[c] = (long)i;
    }
    /* suggestions come from the columns that mean nothing: "ID" for id, but not bv for pv */
    const char **cand = malloc((names.n + 1) * sizeof *cand);
    size_t ncand = 0;
    for (size_t i = 0; cand && i < names.n; i++)
        if (!known_column(cs_strtab_str(&names, i))) cand[ncand++] = cs_strtab_str(&names, i);
    for (int c = COL_ID; c <= COL_PV; c++) {
        if (in->col[c] >= 0) continue;
        const char *near = cand ? suggest_column(gl_col_name[c], cand, ncand) : NULL;
        if (near)
            gl_err_add(err, r->line, ST_PARSE, "missing required column '%s' (did you mean '%s'?)", gl_col_name[c],
                       gl_show(a, near, strlen(near)));
        else
            gl_err_add(err, r->line, ST_PARSE, "missing required column '%s'", gl_col_name[c]);
    }
    free(cand);
    cs_strtab_free(&names);
    return err->total ? -1 : 0;
}

/* ---- one part ---- */

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
static int read_volume(const gl_input *in, gl_part *p, const cs_csv *r, int col, const int64_t *dflt, int64_t *out)
{
    const cs_csv_field *f = &r->field[in->col[col]];
    if (!f->len && dflt) {
        *out = *dflt;
        return 0;
    }
    if (plain_hundredths(f->p, f->len, out)) return 0;
    cs_num_status st = cs_parse_hundredths(f->p, f->len, out);
    if (st == CS_NUM_OK) return 0;
    char a[SHOW_CAP];
    gl_err_add(&p->err, r->line, ST_PARSE, "invalid %s '%s': %s", gl_col_name[col], gl_show(a, f->p, f->len),
               cs_num_status_text(st));
    return -1;
}

static int read_volumes(const gl_input *in, gl_part *p, const cs_csv *r, gl_row *v)
{
    static const int64_t zero = 0;
    v->pv = 0;
    int bad = read_volume(in, p, r, COL_PV, NULL, &v->pv);
    v->bv = v->pv;
    v->retail = 0;
    if (in->col[COL_BV] >= 0) bad |= read_volume(in, p, r, COL_BV, bad ? &zero : &v->pv, &v->bv);
    if (in->col[COL_RETAIL] >= 0) bad |= read_volume(in, p, r, COL_RETAIL, &zero, &v->retail);
    return bad;
}

/* A copy of a field that lives in the reader's scratch, kept with the part; NULL when out of memory. */
static const char *own(gl_part *p, const cs_csv_field *f)
{
    char *s = malloc(f->len + 1);
    if (!s || cs_grow((void **)&p->owned, &p->owned_cap, p->nowned + 1, sizeof *p->owned)) {
        free(s);
        return NULL;
    }
    memcpy(s, f->p, f->len);
    s[f->len] = '\0';
    p->owned[p->nowned++] = s;
    return s;
}

/* memcmp(a, b, n) == 0 inline: labels are short, and a call to memcmp per row costs more. */
static int same_bytes(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != b[i]) return 0;
    return 1;
}

/* Number of a label within the part (rows tend to come period by period, so the last one is
 * tried first); with `line`, notes the line where a new label first appears.  -1 when out of
 * memory. */
static int32_t part_label(gl_part *p, cs_strtab *t, const cs_csv_field *f, int32_t *last, const long *line)
{
    if (*last >= 0 && cs_strtab_len(t, (size_t)*last) == f->len && same_bytes(cs_strtab_str(t, (size_t)*last), f->p, f->len))
        return *last;
    int added;
    int64_t i = cs_strtab_intern(t, f->p, f->len, &added);
    if (i < 0 || i > INT32_MAX) return -1;
    if (added && line) {
        if (cs_grow((void **)&p->label_line, &p->label_cap, (size_t)i + 1, sizeof *p->label_line)) return -1;
        p->label_line[i] = *line > (long)UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)*line;
    }
    return *last = (int32_t)i;
}

/* Reads the row of record r into w; returns -1 when out of memory. */
static int read_row(const gl_input *in, gl_part *p, const cs_csv *r, gl_row *w, int32_t *last_label, int32_t *last_join)
{
    const cs_csv_field *id = &r->field[in->col[COL_ID]], *sp = &r->field[in->col[COL_SPONSOR]];
    if (id->len > INT32_MAX || sp->len > INT32_MAX) return -1;
    w->id = r->unescaped ? own(p, id) : id->p;
    w->sp = !sp->len ? NULL : r->unescaped ? own(p, sp) : sp->p;
    if (!w->id || (sp->len && !w->sp)) return -1;
    w->idlen = (uint32_t)id->len;
    w->splen = (uint32_t)sp->len;
    w->hid = cs_hash_bytes(w->id, w->idlen);
    w->hsp = sp->len ? cs_hash_bytes(w->sp, w->splen) : 0;
    w->line = r->line > (long)UINT32_MAX - 1 ? UINT32_MAX - 1 : (uint32_t)r->line;
    w->flags = read_volumes(in, p, r, w) ? ROW_BAD_VOLUME : 0;
    w->label = w->join = -1;
    if (in->col[COL_PERIOD] >= 0) {
        const cs_csv_field *f = &r->field[in->col[COL_PERIOD]];
        if (!f->len) {
            gl_err_add(&p->err, r->line, ST_PARSE, "empty period");
            w->flags |= ROW_NO_PERIOD;
        } else if ((w->label = part_label(p, &p->labels, f, last_label, &r->line)) < 0) {
            return -1;
        }
    }
    if (in->col[COL_JOIN] >= 0 && r->field[in->col[COL_JOIN]].len &&
        (w->join = part_label(p, &p->joins, &r->field[in->col[COL_JOIN]], last_join, NULL)) < 0)
        return -1;
    return 0;
}

void gl_parse_part(const gl_input *in, size_t i, gl_row *row)
{
    gl_part *p = &in->part[i];
    cs_csv r;
    cs_csv_init_part(&r, p->start, p->len, p->line, in->ncolumns, in->tail, p->bad, p->nul);
    if (cs_strtab_init(&p->labels, 16) || cs_strtab_init(&p->joins, 16)) {
        gl_err_add(&p->err, 0, ST_PARSE, "out of memory");
        p->fatal = 1;
        return;
    }
    size_t k = 0, end = p->newlines + 1;
    int32_t last_label = -1, last_join = -1;
    cs_csv_status st;
    while ((st = cs_csv_next(&r)) != CS_CSV_EOF) {
        p->records++;
        if (st == CS_CSV_RECORD) {
            if (!r.field[in->col[COL_ID]].len) {
                gl_err_add(&p->err, r.line, ST_PARSE, "empty id");
            } else if (k == end || read_row(in, p, &r, &row[k++], &last_label, &last_join)) {
                gl_err_add(&p->err, 0, ST_PARSE, "out of memory"); /* k == end cannot happen */
                p->fatal = 1;
                break;
            }
            continue;
        }
        gl_err_add(&p->err, r.error_line, ST_PARSE, "%s", r.error);
        p->structural = 1;
        if (st == CS_CSV_FATAL) {
            p->fatal = 1;
            break;
        }
    }
    p->nrows = k;
    cs_csv_free(&r);
}

/* ---- the whole input ---- */

static void free_part(gl_part *p)
{
    gl_err_free(&p->err);
    cs_strtab_free(&p->labels);
    cs_strtab_free(&p->joins);
    free(p->label_line);
    for (size_t i = 0; i < p->nowned; i++) free(p->owned[i]);
    free(p->owned);
}

void gl_input_free(gl_input *in)
{
    for (size_t i = 0; i < in->nparts; i++) free_part(&in->part[i]);
    free(in->part);
    memset(in, 0, sizeof *in);
}

/* Cuts data[0 .. len) into parts of about `size` bytes that end at line ends. */
static int plan_parts(gl_input *in, const char *data, size_t len, size_t size)
{
    size_t cap = len / size + 2;
    in->part = calloc(cap, sizeof *in->part);
    if (!in->part) return -1;
    const char *p = data, *end = data + len;
    while (p < end) {
        gl_part *q = &in->part[in->nparts++];
        const char *nl = (size_t)(end - p) > size ? memchr(p + size - 1, '\n', (size_t)(end - p - (ptrdiff_t)size + 1)) : NULL;
        const char *e = nl ? nl + 1 : end;
        q->start = p;
        q->len = (size_t)(e - p);
        p = e;
    }
    return 0;
}

/* Checks the encoding of each part, counts its line feeds and looks for quotes. */
static void scan_parts(gl_input *in)
{
    long n = (long)in->nparts;
#pragma omp parallel for schedule(dynamic, 1) if (n > 1)
    for (long i = 0; i < n; i++) {
        gl_part *q = &in->part[i];
        size_t ok = cs_csv_scan(q->start, q->len, &q->nul, &q->newlines, &q->quote);
        q->bad = ok < q->len ? q->start + ok : NULL;
    }
}

/* Joins the parts into one: the data holds a quote, so it cannot be cut at any line end. */
static void join_parts(gl_input *in)
{
    gl_part *a = &in->part[0], *z = &in->part[in->nparts - 1];
    size_t newlines = 0;
    const char *bad = NULL;
    int nul = 0;
    for (size_t i = 0; i < in->nparts; i++) {
        newlines += in->part[i].newlines;
        if (!bad && in->part[i].bad) bad = in->part[i].bad, nul = in->part[i].nul;
    }
    a->len = (size_t)(z->start + z->len - a->start);
    a->bad = bad;
    a->nul = nul;
    a->newlines = newlines;
    in->nparts = 1;
}

/* Period labels in a sample of the lines, to size the id table: about rows / labels ids.  Only an
 * estimate (a quoted field may fool it). */
static size_t sample_labels(const gl_input *in, const char *data, size_t len)
{
    if (in->col[COL_PERIOD] < 0 || !len) return 1;
    enum { SAMPLES = 256 };
    cs_strtab seen;
    if (cs_strtab_init(&seen, 16)) {
        cs_strtab_free(&seen);
        return 1;
    }
    const char *end = data + len;
    for (size_t s = 0; s < SAMPLES; s++) {
        const char *p = data + len / SAMPLES * s;
        if (s) {
            p = memchr(p, '\n', (size_t)(end - p));
            if (!p) break;
            p++;
        }
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e) e = end;
        for (long c = 0; c < in->col[COL_PERIOD] && p < e; c++) {
            p = memchr(p, ',', (size_t)(e - p));
            p = p ? p + 1 : e;
        }
        const char *f = memchr(p, ',', (size_t)(e - p));
        int added;
        if (p < e) cs_strtab_intern(&seen, p, (size_t)((f ? f : e) - p), &added);
    }
    size_t n = seen.n ? seen.n : 1;
    cs_strtab_free(&seen);
    return n;
}

int gl_read_header(gl_input *in, const char *buf, size_t len, size_t part_bytes, gl_errlist *err)
{
    memset(in, 0, sizeof *in);
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) buf += 3, len -= 3;
    cs_csv r;
    in->tail = cs_csv_tail(buf, len);
    cs_csv_init_part(&r, buf, len, 1, 0, in->tail, NULL, 0);
    cs_csv_status st = cs_csv_next(&r);
    int ret = -1, nul;
    size_t hlen = (size_t)(r.pos - buf), bad = st == CS_CSV_EOF ? hlen : cs_utf8_check(buf, hlen, &nul);
    if (st == CS_CSV_EOF) {
        gl_err_add(err, 0, ST_PARSE, "empty file");
    } else if (bad < hlen) { /* an encoding error in the header outranks what its syntax says */
        long line = 1;
        for (size_t i = 0; i < bad; i++) line += buf[i] == '\n';
        gl_err_add(err, line, ST_PARSE, "%s", nul ? "nul byte in the file" : "invalid utf-8");
    } else if (st != CS_CSV_RECORD) {
        gl_err_add(err, r.error_line, ST_PARSE, "%s", r.error);
    } else if (!read_header(in, &r, err)) {
        ret = 0;
    }
    long line = r.cur_line;
    cs_csv_free(&r);
    if (ret) return ret;

    size_t dlen = len - hlen;
    size_t size = part_bytes ? part_bytes : PART_BYTES;
    if (plan_parts(in, buf + hlen, dlen, size)) goto oom;
    scan_parts(in);
    int quote = 0;
    for (size_t i = 0; i < in->nparts && !quote; i++) {
        quote = in->part[i].quote;
        if (in->part[i].bad) break; /* reading stops at the record that holds it */
    }
    if (quote && in->nparts > 1) join_parts(in);
    for (size_t i = 0; i < in->nparts; i++) {
        gl_part *q = &in->part[i];
        q->line = line;
        line += (long)q->newlines; /* wrong after a bad byte, but no part after one is read */
        if (q->newlines + 1 > in->rows_max) in->rows_max = q->newlines + 1;
        q->slot0 = in->rows_all;
        in->rows_all += q->newlines + 1;
    }
    if (in->rows_all >= (UINT32_C(1) << 31)) goto oom; /* rows are numbered in 31 bits (genealogy.c: spref) */
    in->labels = sample_labels(in, buf + hlen, dlen);
    return 0;
oom:
    gl_err_add(err, 0, ST_PARSE, "out of memory");
    return -1;
}
