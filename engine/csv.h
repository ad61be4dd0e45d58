/* csv: an RFC 4180 reader over a buffer in memory.
 *
 * The first record is the header: every later record must have as many fields.  Fields are
 * separated by commas and may be quoted with `"`, with `""` for a quote inside; a quoted field may
 * hold commas and line breaks.  Lines end in LF or CRLF (a CR not followed by LF is data); the last
 * line needs no line end, and blank lines at the very end are ignored.  A UTF-8 byte-order mark is
 * skipped.  The whole buffer must be UTF-8 without NUL bytes.
 *
 * Nothing is allocated per field: a field is a (pointer, length) pair into the caller's buffer, or,
 * for a quoted field with `""` escapes, into a scratch buffer that the reader reuses.  Fields are
 * not NUL-terminated.  Fields into the buffer stay valid as long as the buffer; when `unescaped` is
 * set, some field of the record is in scratch and is valid only until the next cs_csv_next.
 *
 * Lines are physical lines (1-based), counting the line breaks inside quoted fields, so they match
 * what an editor shows.
 *
 *     cs_csv r;
 *     cs_csv_init(&r, buf, len);
 *     while ((st = cs_csv_next(&r)) != CS_CSV_EOF) {
 *         if (st == CS_CSV_RECORD) use r.field[0 .. r.nfields) of the record at r.line;
 *         else { report r.error at r.error_line; if (st == CS_CSV_FATAL) break; }
 *     }
 *     cs_csv_free(&r);
 */
#ifndef COMPSIM_CSV_H
#define COMPSIM_CSV_H

#include <stddef.h>

typedef struct {
    const char *p; /* not NUL-terminated */
    size_t len;
} cs_csv_field;

typedef enum {
    CS_CSV_EOF = 0,    /* no more records */
    CS_CSV_RECORD = 1, /* field[0 .. nfields) hold the next record */
    CS_CSV_BAD = -1,   /* a malformed record was skipped (error says why); reading may go on */
    CS_CSV_FATAL = -2, /* the rest cannot be read (unterminated quote, invalid utf-8, no memory) */
} cs_csv_status;

typedef struct {
    /* The current record, valid until the next call. */
    cs_csv_field *field;
    size_t nfields;
    long line;       /* line on which the current record starts */
    size_t ncolumns; /* fields of the header (the first record read); 0 before it */
    int unescaped;   /* some field of the record is in scratch (see above) */
    /* After CS_CSV_BAD or CS_CSV_FATAL: a lowercase message and the line it is about. */
    const char *error;
    long error_line;

    /* private */
    const char *pos, *end;   /* unread input */
    const char *blank_until; /* blank lines before this point are not at the end of the input */
    const char *bad;         /* first byte that is not valid UTF-8 (or NUL), or NULL */
    const char *bad_what;    /* message for it */
    const char *start;       /* the buffer, after any byte-order mark */
    long first_line;         /* line of start */
    long cur_line;           /* line of pos */
    size_t field_cap;
    size_t *scratch_off; /* per field: offset in scratch, for fields unescaped there */
    char *scratch;
    size_t scratch_len, scratch_cap;
    int done;       /* EOF or a fatal error was returned */
    int bytewise;   /* set by tests only: every record takes the byte-by-byte path, the reference
                     * that the 16-byte path (read_plain_record) must agree with */
    char errbuf[96];
} cs_csv;

/* Prepares to read buf[0 .. len); the buffer must outlive the reader.  Checks the encoding of the
 * whole buffer at once (an invalid byte is reported when the record holding it is reached). */
void cs_csv_init(cs_csv *r, const char *buf, size_t len);

/* Prepares to read part of a larger input: buf[0 .. len), which starts a record on line `line`.
 * `ncolumns` is the header's field count (0 if the part starts with the header).  `tail` is where
 * the input's last run of CR and LF bytes starts (cs_csv_tail): the blank lines from there on end
 * the input, and those before it are records.  The encoding is not checked here: `bad` is the
 * first byte of the part that is not valid UTF-8 or is NUL (`nul` says which), or NULL, as
 * cs_csv_scan finds them. */
void cs_csv_init_part(cs_csv *r, const char *buf, size_t len, long line, size_t ncolumns, const char *tail,
                      const char *bad, int nul);

/* Where the run of CR and LF bytes that ends buf[0 .. len) starts. */
const char *cs_csv_tail(const char *buf, size_t len);

/* Reads the next record. */
cs_csv_status cs_csv_next(cs_csv *r);

/* Frees the reader's buffers (not the input). */
void cs_csv_free(cs_csv *r);

/* Offset of the first byte of s[0 .. len) that is not valid UTF-8 or is NUL, or len if none;
 * *nul says which of the two it is. */
size_t cs_utf8_check(const char *s, size_t len, int *nul);

/* cs_utf8_check, and in the same pass over s[0 .. the offset it returns): the number of line
 * feeds, and whether there is a '"' (without one, every line feed ends a record, so the input
 * can be split at any of them). */
size_t cs_csv_scan(const char *s, size_t len, int *nul, size_t *newlines, int *quote);

#endif
