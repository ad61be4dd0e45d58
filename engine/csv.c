/* csv: the reader declared in csv.h.
 *
 * Grammar (RFC 4180, with LF allowed for CRLF and a bare CR taken as data):
 *
 *     file   = [BOM] record *(eol record) [eol] *blank-eol
 *     record = field *("," field)
 *     field  = quoted / plain
 *     quoted = DQUOTE *(any byte but DQUOTE / DQUOTE DQUOTE) DQUOTE
 *     plain  = *(any byte but "," DQUOTE LF, and CR only when not before LF or the end)
 *     eol    = [CR] LF
 *
 * Speed comes from three things: the encoding is checked once over the whole buffer, eight bytes
 * at a time while they are ASCII; a record of plain fields (nearly all of them) is split 16 bytes
 * at a time (read_plain_record; other records go through the byte table of scan_plain), and its
 * fields are never copied; and the field array and scratch buffer are reused from record to
 * record. */
#include "csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Bytes that end a plain field (or make it malformed). */
static const unsigned char stop_byte[256] = {['\n'] = 1, ['\r'] = 1, [','] = 1, ['"'] = 1};

#define HIGH_BITS UINT64_C(0x8080808080808080)
#define LOW_BITS UINT64_C(0x0101010101010101)

static uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* True when the eight bytes are ASCII and none is NUL. */
static int plain_ascii8(uint64_t v)
{
    return !(v & HIGH_BITS) && !((v - LOW_BITS) & ~v & HIGH_BITS);
}

static int is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* Length of the valid UTF-8 sequence of two or more bytes at s, or 0 (Unicode table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF). */
static size_t utf8_seq(const unsigned char *s, size_t left)
{
    unsigned c = s[0];
    if (c >= 0xC2 && c <= 0xDF) return left >= 2 && is_cont(s[1]) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return left >= 3 && s[1] >= lo && s[1] <= hi && is_cont(s[2]) ? 3 : 0;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return left >= 4 && s[1] >= lo && s[1] <= hi && is_cont(s[2]) && is_cont(s[3]) ? 4 : 0;
    }
    return 0;
}

size_t cs_utf8_check(const char *str, size_t len, int *nul)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    *nul = 0;
    while (i < len) {
        if (len - i >= 16 && plain_ascii8(load64(s + i)) && plain_ascii8(load64(s + i + 8))) {
            i += 16;
            continue;
        }
        if (s[i] == 0) {
            *nul = 1;
            return i;
        }
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(s + i, len - i);
        if (!k) return i;
        i += k;
    }
    return len;
}

#ifdef __SSE2__
/* Scans 64 bytes: 1 if they are ASCII without NUL (then the line feeds are added to the byte
 * counters *lf, and quotes to *quote), else 0. */
static int scan64(const unsigned char *s, __m128i *lf, __m128i *quote)
{
    __m128i a = _mm_loadu_si128((const __m128i *)s), b = _mm_loadu_si128((const __m128i *)(s + 16)),
            c = _mm_loadu_si128((const __m128i *)(s + 32)), d = _mm_loadu_si128((const __m128i *)(s + 48));
    const __m128i zero = _mm_setzero_si128(), nl = _mm_set1_epi8('\n'), dq = _mm_set1_epi8('"');
    __m128i any = _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d));
    __m128i nul = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(a, zero), _mm_cmpeq_epi8(b, zero)),
                               _mm_or_si128(_mm_cmpeq_epi8(c, zero), _mm_cmpeq_epi8(d, zero)));
    if (_mm_movemask_epi8(_mm_or_si128(any, nul))) return 0;
    /* a match is -1 in its byte: subtracting counts it */
    *lf = _mm_sub_epi8(*lf, _mm_add_epi8(_mm_add_epi8(_mm_cmpeq_epi8(a, nl), _mm_cmpeq_epi8(b, nl)),
                                         _mm_add_epi8(_mm_cmpeq_epi8(c, nl), _mm_cmpeq_epi8(d, nl))));
    *quote = _mm_or_si128(*quote, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(a, dq), _mm_cmpeq_epi8(b, dq)),
                                               _mm_or_si128(_mm_cmpeq_epi8(c, dq), _mm_cmpeq_epi8(d, dq))));
    return 1;
}

/* Sum of the 16 byte counters. */
static size_t sum_bytes(__m128i v)
{
    __m128i s = _mm_sad_epu8(v, _mm_setzero_si128());
    return (size_t)_mm_cvtsi128_si32(s) + (size_t)_mm_cvtsi128_si32(_mm_unpackhi_epi64(s, s));
}
#endif

/* Line feeds in the eight ASCII bytes (exactly: no carries between bytes). */
static unsigned lf8(uint64_t v)
{
    uint64_t t = v ^ UINT64_C(0x0a0a0a0a0a0a0a0a); /* zero where a byte is '\n' */
    uint64_t z = (((t | HIGH_BITS) - LOW_BITS) ^ HIGH_BITS) & HIGH_BITS; /* high bit set where t is zero */
    return (unsigned)((z >> 7) * LOW_BITS >> 56);
}

static int has_quote8(uint64_t v)
{
    uint64_t t = v ^ UINT64_C(0x2222222222222222);
    return ((t - LOW_BITS) & ~t & HIGH_BITS) != 0;
}

size_t cs_csv_scan(const char *str, size_t len, int *nul, size_t *newlines, int *quote)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0, lf = 0;
    int q = 0;
    *nul = 0;
    while (i < len) {
#ifdef __SSE2__
        if (len - i >= 64) {
            __m128i cnt = _mm_setzero_si128(), qv = _mm_setzero_si128();
            int rounds = 0; /* each byte counter takes at most 4 a round: 63 rounds fit in a byte */
            while (rounds < 63 && len - i >= 64 && scan64(s + i, &cnt, &qv)) i += 64, rounds++;
            lf += sum_bytes(cnt);
            q |= _mm_movemask_epi8(qv) != 0;
            if (rounds) continue;
        }
#endif
        if (len - i >= 8 && plain_ascii8(load64(s + i))) {
            uint64_t v = load64(s + i);
            lf += lf8(v);
            q |= has_quote8(v);
            i += 8;
            continue;
        }
        if (s[i] == 0) {
            *nul = 1;
            break;
        }
        if (s[i] < 0x80) {
            lf += s[i] == '\n';
            q |= s[i] == '"';
            i++;
            continue;
        }
        size_t k = utf8_seq(s + i, len - i);
        if (!k) break;
        i += k;
    }
    *newlines = lf;
    *quote = q;
    return i;
}

static long count_lines(const char *p, const char *end)
{
    long n = 0;
    while ((p = memchr(p, '\n', (size_t)(end - p)))) n++, p++;
    return n;
}

void cs_csv_init(cs_csv *r, const char *buf, size_t len)
{
    memset(r, 0, sizeof *r);
    if (len >= 3 && !memcmp(buf, "\xEF\xBB\xBF", 3)) buf += 3, len -= 3;
    r->start = r->pos = r->blank_until = buf;
    r->end = buf + len;
    r->first_line = r->cur_line = 1;
    int nul;
    size_t bad = cs_utf8_check(buf, len, &nul);
    if (bad < len) {
        r->bad = buf + bad;
        r->bad_what = nul ? "nul byte in the file" : "invalid utf-8";
    }
}

const char *cs_csv_tail(const char *buf, size_t len)
{
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r')) len--;
    return buf + len;
}

void cs_csv_init_part(cs_csv *r, const char *buf, size_t len, long line, size_t ncolumns, const char *tail,
                      const char *bad, int nul)
{
    memset(r, 0, sizeof *r);
    r->start = r->pos = buf;
    r->end = buf + len;
    r->blank_until = tail < r->end ? tail : r->end; /* see only_blank_lines_left */
    r->first_line = r->cur_line = line;
    r->ncolumns = ncolumns;
    if (bad) {
        r->bad = bad;
        r->bad_what = nul ? "nul byte in the file" : "invalid utf-8";
    }
}

void cs_csv_free(cs_csv *r)
{
    free(r->field);
    free(r->scratch_off);
    free(r->scratch);
    r->field = NULL;
    r->scratch_off = NULL;
    r->scratch = NULL;
}

static cs_csv_status fail(cs_csv *r, cs_csv_status st, long line, const char *msg)
{
    r->error = msg;
    r->error_line = line;
    if (st == CS_CSV_FATAL) r->done = 1;
    return st;
}

/* Skips the rest of a malformed record's line so that reading can go on at the next one. */
static void skip_line(cs_csv *r, const char *p)
{
    const char *nl = memchr(p, '\n', (size_t)(r->end - p));
    r->pos = nl ? nl + 1 : r->end;
    if (nl) r->cur_line++;
}

static int push_field(cs_csv *r, const char *p, size_t len, size_t scratch_off)
{
    if (r->nfields == r->field_cap) {
        size_t cap = r->field_cap ? 2 * r->field_cap : 16;
        cs_csv_field *f = realloc(r->field, cap * sizeof *f);
        if (!f) return -1;
        r->field = f;
        size_t *o = realloc(r->scratch_off, cap * sizeof *o);
        if (!o) return -1;
        r->scratch_off = o;
        r->field_cap = cap;
    }
    r->field[r->nfields].p = p;
    r->field[r->nfields].len = len;
    r->scratch_off[r->nfields] = scratch_off;
    r->nfields++;
    return 0;
}

static int scratch_add(cs_csv *r, const char *p, size_t len)
{
    if (r->scratch_cap - r->scratch_len < len) {
        size_t cap = r->scratch_cap ? r->scratch_cap : 256;
        while (cap - r->scratch_len < len) cap *= 2;
        char *s = realloc(r->scratch, cap);
        if (!s) return -1;
        r->scratch = s;
        r->scratch_cap = cap;
    }
    memcpy(r->scratch + r->scratch_len, p, len);
    r->scratch_len += len;
    return 0;
}

/* Can a field end at p (a comma, a line end or the end of the input)? */
static int at_field_end(const cs_csv *r, const char *p)
{
    if (p == r->end || *p == ',' || *p == '\n') return 1;
    return *p == '\r' && (p + 1 == r->end || p[1] == '\n');
}

/* Reads the quoted field starting at *pp (on its opening quote).  A field with `""` escapes is
 * unescaped into scratch; its pointer is set when the record is complete, since scratch may move. */
static cs_csv_status read_quoted(cs_csv *r, const char **pp)
{
    long open_line = r->cur_line;
    const char *p = *pp + 1, *seg = p;
    size_t off = SIZE_MAX; /* offset in scratch, once an escape is seen */
    for (;;) {
        const char *q = memchr(p, '"', (size_t)(r->end - p));
        if (!q) {
            r->pos = r->end; /* the field runs to the end: an encoding error in it comes first */
            return fail(r, CS_CSV_FATAL, open_line, "unterminated quoted field");
        }
        r->cur_line += count_lines(p, q);
        if (q + 1 < r->end && q[1] == '"') {
            if (off == SIZE_MAX) off = r->scratch_len;
            if (scratch_add(r, seg, (size_t)(q + 1 - seg))) return fail(r, CS_CSV_FATAL, open_line, "out of memory");
            p = seg = q + 2;
            continue;
        }
        if (off != SIZE_MAX && scratch_add(r, seg, (size_t)(q - seg)))
            return fail(r, CS_CSV_FATAL, open_line, "out of memory");
        int err = off == SIZE_MAX ? push_field(r, seg, (size_t)(q - seg), SIZE_MAX)
                                  : push_field(r, NULL, r->scratch_len - off, off);
        if (err) return fail(r, CS_CSV_FATAL, open_line, "out of memory");
        if (off != SIZE_MAX) r->unescaped = 1;
        *pp = q + 1;
        if (at_field_end(r, q + 1)) return CS_CSV_RECORD;
        long line = r->cur_line;
        skip_line(r, q + 1);
        return fail(r, CS_CSV_BAD, line, "text after the closing quote of a field");
    }
}

/* Scans a plain field from p; returns its end, or NULL (after skipping the line) on a quote. */
static const char *scan_plain(cs_csv *r, const char *p)
{
    const unsigned char *u = (const unsigned char *)p, *end = (const unsigned char *)r->end;
    for (;;) {
        while (end - u >= 4 && !stop_byte[u[0]] && !stop_byte[u[1]] && !stop_byte[u[2]] && !stop_byte[u[3]]) u += 4;
        while (u < end && !stop_byte[*u]) u++;
        if (u < end && *u == '\r' && !at_field_end(r, (const char *)u)) {
            u++; /* a bare CR is data */
            continue;
        }
        break;
    }
    if (u < end && *u == '"') {
        long line = r->cur_line;
        skip_line(r, (const char *)u);
        fail(r, CS_CSV_BAD, line, "quote in the middle of an unquoted field");
        return NULL;
    }
    return (const char *)u;
}

/* Moves past the line end (or the end of input) at p, which ends a record. */
static const char *end_record(cs_csv *r, const char *p)
{
    if (p < r->end && *p == '\r') p++;
    if (p < r->end) {
        p++; /* the LF */
        r->cur_line++;
    }
    return p;
}

#ifdef __SSE2__
/* The bytes of p[0 .. 16) that stop a plain field (stop_byte), as bits. */
static unsigned stops16(const char *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    __m128i a = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(',')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    __m128i b = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')), _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
    return (unsigned)_mm_movemask_epi8(_mm_or_si128(a, b));
}

/* The common record, read 16 bytes at a time: plain fields, no more of them than the field array
 * holds, and a line end that is not in the input's last 16 bytes.  Returns 0 for anything else
 * (a quote, say), having changed nothing the general reader depends on, and it reads the record
 * again. */
static int read_plain_record(cs_csv *r)
{
    const char *f = r->pos, *end = r->end;
    size_t nf = 0, cap = r->field_cap;
    cs_csv_field *fld = r->field;
    for (const char *b = f; end - b >= 16; b += 16) {
        for (unsigned m = stops16(b); m; m &= m - 1) {
            const char *d = b + __builtin_ctz(m);
            if (*d == '"' || nf == cap) return 0;
            if (*d == '\r' && d + 1 < end && d[1] != '\n') continue; /* a bare CR is data */
            fld[nf++] = (cs_csv_field){.p = f, .len = (size_t)(d - f)};
            f = d + 1;
            if (*d == ',') continue;
            r->nfields = nf;
            r->pos = end_record(r, d);
            return 1;
        }
    }
    return 0;
}
#endif

static cs_csv_status read_fields(cs_csv *r)
{
#ifdef __SSE2__
    if (!r->bytewise && read_plain_record(r)) return CS_CSV_RECORD;
#endif
    const char *p = r->pos;
    for (;;) {
        if (p < r->end && *p == '"') {
            cs_csv_status st = read_quoted(r, &p);
            if (st != CS_CSV_RECORD) return st;
        } else {
            const char *e = scan_plain(r, p);
            if (!e) return CS_CSV_BAD;
            if (push_field(r, p, (size_t)(e - p), SIZE_MAX)) return fail(r, CS_CSV_FATAL, r->line, "out of memory");
            p = e;
        }
        if (p < r->end && *p == ',') {
            p++;
            continue;
        }
        r->pos = end_record(r, p);
        return CS_CSV_RECORD;
    }
}

/* Is the line at p empty, and is everything after it blank lines too? */
static int only_blank_lines_left(cs_csv *r, const char *p)
{
    if (p < r->blank_until) return 0;
    while (p < r->end && (*p == '\n' || *p == '\r')) p++;
    if (p == r->end) return 1;
    r->blank_until = p; /* so that a run of blank lines is scanned once, not once per line */
    return 0;
}

static int at_blank_line(const cs_csv *r, const char *p)
{
    return *p == '\n' || (*p == '\r' && (p + 1 == r->end || p[1] == '\n'));
}

cs_csv_status cs_csv_next(cs_csv *r)
{
    if (r->done) return CS_CSV_EOF;
    r->nfields = 0;
    r->scratch_len = 0;
    r->unescaped = 0;
    r->error = NULL;
    r->line = r->cur_line;
    const char *p = r->pos;
    int blank = p < r->end && at_blank_line(r, p);
    if (p == r->end || (blank && only_blank_lines_left(r, p))) {
        r->done = 1;
        return CS_CSV_EOF;
    }
    cs_csv_status st = read_fields(r);
    /* An encoding error inside the record outranks whatever the record's syntax says. */
    if (r->bad && r->bad < r->pos) {
        r->error_line = r->first_line + count_lines(r->start, r->bad);
        return fail(r, CS_CSV_FATAL, r->error_line, r->bad_what);
    }
    if (st != CS_CSV_RECORD) return st;
    if (r->unescaped)
        for (size_t i = 0; i < r->nfields; i++)
            if (r->scratch_off[i] != SIZE_MAX) r->field[i].p = r->scratch + r->scratch_off[i];
    if (!r->ncolumns) {
        r->ncolumns = r->nfields;
    } else if (r->nfields != r->ncolumns) {
        if (blank) return fail(r, CS_CSV_BAD, r->line, "blank line");
        snprintf(r->errbuf, sizeof r->errbuf, "row has %zu field%s, but the header has %zu", r->nfields,
                 r->nfields == 1 ? "" : "s", r->ncolumns);
        return fail(r, CS_CSV_BAD, r->line, r->errbuf);
    }
    return CS_CSV_RECORD;
}
