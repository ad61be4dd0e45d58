#include "diag.h"

#include <stdlib.h>
#include <string.h>

void cs_diags_init(cs_diags *d) { memset(d, 0, sizeof *d); }

void cs_diags_free(cs_diags *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].file);
        free(d->items[i].msg);
        free(d->items[i].snippet);
    }
    free(d->items);
    memset(d, 0, sizeof *d);
}

static char *dup_line(const char *src, long line)
{
    if (!src || line < 1) return NULL;
    const char *p = src;
    for (long l = 1; l < line && *p; p++)
        if (*p == '\n') l++;
    const char *e = p;
    while (*e && *e != '\n' && *e != '\r') e++;
    if (e - p > 200) e = p + 200; /* a line of megabytes is not worth echoing */
    char *s = malloc((size_t)(e - p) + 1);
    if (!s) return NULL;
    memcpy(s, p, (size_t)(e - p));
    s[e - p] = '\0';
    return s;
}

void cs_diag_vadd(cs_diags *d, cs_severity sev, const char *file, long line, long col, const char *src,
                  const char *fmt, va_list ap)
{
    if (sev == CS_SEV_ERROR) d->nerrors++;
    if (!strcmp(fmt, "out of memory")) d->oom = 1;
    if (d->n >= CS_DIAGS_MAX) {
        d->ndropped++;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 8;
        cs_diag *items = realloc(d->items, cap * sizeof *items);
        if (!items) {
            d->ndropped++;
            d->nlost++;
            d->oom = 1;
            return;
        }
        d->items = items;
        d->cap = cap;
    }
    va_list ap2;
    va_copy(ap2, ap);
    int len = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    char *msg = malloc(len > 0 ? (size_t)len + 1 : 1);
    if (!msg) {
        d->ndropped++;
        d->nlost++;
        d->oom = 1;
        return;
    }
    vsnprintf(msg, (size_t)len + 1, fmt, ap);
    cs_diag *g = &d->items[d->n++];
    g->sev = sev;
    g->file = file ? strdup(file) : NULL;
    g->line = line;
    g->col = col;
    g->msg = msg;
    g->snippet = dup_line(src, line);
}

void cs_diag_add(cs_diags *d, cs_severity sev, const char *file, long line, long col, const char *src,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_diag_vadd(d, sev, file, line, col, src, fmt, ap);
    va_end(ap);
}

void cs_error(cs_diags *d, const char *file, long line, long col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_diag_vadd(d, CS_SEV_ERROR, file, line, col, NULL, fmt, ap);
    va_end(ap);
}

void cs_diags_print(const cs_diags *d, FILE *out)
{
    static const char *const sev_name[] = {"error", "warning", "note"};
    for (size_t i = 0; i < d->n; i++) {
        const cs_diag *g = &d->items[i];
        if (g->file) fprintf(out, "%s:", g->file);
        if (g->file && g->line > 0) fprintf(out, "%ld:", g->line);
        if (g->file && g->line > 0 && g->col > 0) fprintf(out, "%ld:", g->col);
        fprintf(out, "%s%s: %s\n", g->file ? " " : "", sev_name[g->sev], g->msg);
        if (g->snippet) {
            fprintf(out, "  %s\n", g->snippet);
            if (g->col > 0 && (size_t)g->col <= strlen(g->snippet) + 1) {
                fputs("  ", out);
                for (long c = 1; c < g->col; c++) fputc(g->snippet[c - 1] == '\t' ? '\t' : ' ', out);
                fputs("^\n", out);
            }
        }
    }
    /* no memory left even for the message: say so, without allocating */
    if (d->nlost) fprintf(out, "compsim: error: out of memory (%zu message(s) lost)\n", d->nlost);
    if (d->ndropped > d->nlost) fprintf(out, "compsim: %zu more message(s) not shown\n", d->ndropped - d->nlost);
}

int cs_diags_oom(const cs_diags *d) { return d->oom; }

size_t cs_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64) return (size_t)-1;
    size_t prev[65], cur[65];
    for (size_t j = 0; j <= lb; j++) prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
        memcpy(prev, cur, (lb + 1) * sizeof *prev);
    }
    return prev[lb];
}

const char *cs_suggest(const char *word, const char *const *candidates, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    for (size_t i = 0; i < n; i++) {
        size_t dd = cs_edit_distance(word, candidates[i]);
        if (dd < best_d) {
            best_d = dd;
            best = candidates[i];
        }
    }
    /* a typo changes a few characters, not most of the word */
    size_t len = strlen(word);
    size_t limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
    return best_d <= limit ? best : NULL;
}
