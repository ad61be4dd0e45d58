/* diag: diagnostics that library code appends to and only the program prints.
 *
 * Library functions never print and never exit: they add a message with its position to a
 * cs_diags list passed in by the caller and return a status.  Messages follow GCC's form,
 * `FILE:LINE:COLUMN: error: message`, one lowercase line; lines and columns are 1-based and
 * 0 means "not known" (then that part is left out). */
#ifndef COMPSIM_DIAG_H
#define COMPSIM_DIAG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

typedef struct {
    long line, col; /* 1-based position in a source file; 0 = not known */
} cs_pos;

typedef enum { CS_SEV_ERROR, CS_SEV_WARNING, CS_SEV_NOTE } cs_severity;

typedef struct {
    cs_severity sev;
    char *file;    /* owned */
    long line;     /* 1-based; 0 = unknown */
    long col;      /* 1-based; 0 = unknown */
    char *msg;     /* owned */
    char *snippet; /* owned copy of the source line, or NULL */
} cs_diag;

/* Keeps at most CS_DIAGS_MAX messages so that a file of garbage cannot exhaust memory; the rest
 * are only counted. */
#define CS_DIAGS_MAX 100

typedef struct {
    cs_diag *items;
    size_t n, cap;
    size_t nerrors;  /* all errors, including those past CS_DIAGS_MAX */
    size_t ndropped; /* messages not kept */
    size_t nlost;    /* of those, lost for want of memory (printed as "out of memory") */
    int oom;         /* out of memory: an "out of memory" error was added, or a message was lost */
} cs_diags;

void cs_diags_init(cs_diags *d);
void cs_diags_free(cs_diags *d);

/* Appends a message.  `src` is the whole source text (NUL-terminated) or NULL; when given, the
 * line `line` of it is kept and printed under the message with a caret at `col`. */
void cs_diag_add(cs_diags *d, cs_severity sev, const char *file, long line, long col, const char *src,
                 const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void cs_diag_vadd(cs_diags *d, cs_severity sev, const char *file, long line, long col, const char *src,
                  const char *fmt, va_list ap);

/* Shorthand for an error without source text. */
void cs_error(cs_diags *d, const char *file, long line, long col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Prints every kept message, in the order added, then a count of the ones not kept. */
void cs_diags_print(const cs_diags *d, FILE *out);
/* Whether running out of memory was reported (cs_diags.oom): a caller that tolerates a failure
 * (a warning, a fallback) must not tolerate this one, or the output would differ silently. */
int cs_diags_oom(const cs_diags *d);

/* The edit distance used for "did you mean" suggestions. */
size_t cs_edit_distance(const char *a, const char *b);

/* The candidate closest to `word` (NULL if none is close enough to be a plausible typo). */
const char *cs_suggest(const char *word, const char *const *candidates, size_t n);

#endif
