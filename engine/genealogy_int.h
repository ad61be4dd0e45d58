/* genealogy_int: what the files of the genealogy loader share (genealogy.c, genealogy_read.c).
 * Not an API: the loader's entry points are in genealogy.h. */
#ifndef COMPSIM_GENEALOGY_INT_H
#define COMPSIM_GENEALOGY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "genealogy.h"
#include "strtab.h"

#define GL_NONE UINT32_MAX
#define GL_ERRORS_KEPT 10000 /* errors sorted before reporting; more are only counted */

enum { COL_ID, COL_SPONSOR, COL_PV, COL_BV, COL_RETAIL, COL_PERIOD, COL_JOIN, NCOLS };
extern const char *const gl_col_name[NCOLS];

/* ---- errors, kept with their lines and reported in line order ----
 *
 * Within a line, errors keep the order of the stages that find them, and within a stage the
 * order in which they were found.  A list keeps the first GL_ERRORS_KEPT errors added and counts
 * the rest; the loader adds those it finds when reading in line order, then those of the later
 * stages, so which are kept does not depend on how the input was cut into parts. */

enum { ST_PARSE, ST_RESOLVE, ST_PERIODS, ST_TREE, ST_ROWS };

typedef struct {
    long line;
    uint32_t stage;
    size_t seq;
    char *msg;
} gl_err;

typedef struct {
    gl_err *v;
    size_t n, cap;
    size_t total; /* all errors, kept or not */
    int nomem;    /* an error could not be kept for want of memory */
} gl_errlist;

void gl_err_add(gl_errlist *e, long line, int stage, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Moves an error (of another list) to the end of `to`. */
void gl_err_push(gl_errlist *to, gl_err *e);
/* Hands the errors to `d` in line order, and frees them. */
void gl_err_flush(gl_errlist *e, cs_diags *d, const char *name);
void gl_err_free(gl_errlist *e);

/* s[0 .. len) for a message: control characters escaped, cut after about 60 bytes. */
#define SHOW_CAP 80
const char *gl_show(char out[SHOW_CAP], const char *s, size_t len);

/* ---- reading: the rows as parsed ---- */

/* A record with an id, as read.  A part's rows are parsed into a buffer of these, which the
 * resolving stage (genealogy.c) consumes and hands back. */
typedef struct {
    const char *id, *sp; /* sp: NULL when the sponsor field is empty */
    uint64_t hid, hsp;   /* hashes of id and sponsor */
    uint32_t idlen, splen;
    uint32_t line;
    int32_t label;  /* period label, numbered in the part; -1: no period column, or empty */
    int32_t join;   /* join_period label, numbered in the part; -1: none */
    uint32_t flags; /* ROW_* */
    int64_t pv, bv, retail;
} gl_row;

enum { ROW_BAD_VOLUME = 1, ROW_NO_PERIOD = 2 };

/* A part of the input, parsed by one thread; parts end at line ends. */
typedef struct {
    const char *start; /* at a record start */
    size_t len;
    long line;       /* line of start */
    const char *bad; /* first byte that is not valid UTF-8 or is NUL, or NULL */
    int nul;
    int quote;       /* holds a '"' */
    size_t newlines;
    size_t slot0; /* rows before the part's, at most */
    /* results */
    size_t nrows, records; /* rows with an id; records, good or bad */
    int fatal, structural;
    gl_errlist err;          /* in line order */
    cs_strtab labels, joins; /* in order of first appearance in the part */
    uint32_t *label_line;    /* line of the first row of each label */
    size_t label_cap;
    char **owned; /* unescaped fields the rows point to */
    size_t nowned, owned_cap;
} gl_part;

typedef struct {
    long col[NCOLS]; /* field index of each column, -1 if absent */
    size_t ncolumns;
    gl_part *part;
    size_t nparts;
    size_t rows_max;  /* rows a part can have, at most */
    size_t rows_all;  /* rows the whole input can have, at most */
    size_t labels;    /* period labels seen in a sample of the lines (at least 1) */
    const char *tail; /* the input's last run of line ends starts here */
    int placement;    /* the header names a `placement` or `leg` column (genealogy_place.c reads them) */
} gl_input;

/* Reads the header of buf[0 .. len) and cuts the rest into parts of about `part_bytes` (0: a size
 * that suits the input), with errors into `err`.  Returns -1 when nothing more can be checked. */
int gl_read_header(gl_input *in, const char *buf, size_t len, size_t part_bytes, gl_errlist *err);
/* Parses part i into row[0 .. in->rows_max). */
void gl_parse_part(const gl_input *in, size_t i, gl_row *row);
void gl_input_free(gl_input *in);

/* ---- periods (genealogy_periods.c) ---- */

typedef struct {
    size_t n;             /* periods */
    uint32_t *pos;        /* label -> period index */
    uint32_t *sorted;     /* period index -> label */
    int32_t *join_period; /* join_period value -> first period at or after it */
    uint8_t *join_exact;  /* join_period value -> that period is the join_period itself */
} gl_periods;

/* Orders the period labels (`label_line`: where each first appears, for messages) and places the
 * join_period values among them; a label that is the same number as another is an error.
 * Returns -1 when out of memory. */
int gl_order_periods(gl_periods *P, const cs_strtab *labels, const uint32_t *label_line, const cs_strtab *joins,
                     gl_errlist *err);
void gl_periods_free(gl_periods *P);

/* ---- the placement and leg columns (genealogy_place.c) ---- */

/* Fills g->pparent and g->pslot from the file g was loaded from, with errors into `err`.
 * Returns -1 when out of memory. */
int gl_read_placement(cs_genealogy *g, const char *buf, size_t len, gl_errlist *err);

/* Loads with the parts about `part_bytes` long (for tests: the result must not depend on it). */
cs_genealogy *cs_genealogy_load_parts(const char *buf, size_t len, const char *name, cs_diags *d, size_t part_bytes);

#endif
