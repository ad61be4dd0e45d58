/* plan_load: reads a plan file (YAML) into a checked, read-only cs_plan.
 *
 * Two stages, one direction:
 *
 *   text --libyaml events--> tree of nodes --schema checks--> cs_plan
 *
 * 1. The tree is built from libyaml's event stream rather than with yaml_parser_load so that
 *    anchors and aliases are refused where they are written (a walk over a loaded document
 *    follows shared nodes and would expand an alias bomb) and nesting stops at MAX_DEPTH.
 *    Each node keeps its position for messages.
 * 2. One function per part of the schema in docs/plan-format.md checks its nodes, reports every
 *    problem it finds and carries on, so one run lists all the problems of a file.  A node that
 *    has already been reported (an alias, a collection nested too deep) is marked `bad` and is
 *    skipped quietly from then on, so no problem is reported twice.
 *
 * Ownership: the tree belongs to the load call and is freed before it returns; the cs_plan is
 * handed to the caller only when no error was reported, otherwise it is freed here.
 * This is the only file that knows YAML. */
#include "plan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "money.h"

#define MAX_DEPTH 64                    /* nesting of lists and mappings; a plan needs 5 */
#define MAX_FILE_BYTES ((size_t)64 << 20) /* a plan is a few kilobytes; refuse to read a disk */
#define MAX_COUNT INT64_C(1000000000)    /* members, legs, shares: far beyond any real plan */
#define FOUND_MAX 40                    /* characters of a bad value quoted in a message */
#define SUGGEST_MAX 64                  /* names compared for a "did you mean" */

/* ------------------------------------------------------------------------------------------ */
/* The tree                                                                                    */

typedef enum { N_SCALAR, N_LIST, N_MAP } node_kind;

typedef struct node {
    node_kind kind;
    cs_pos pos;
    int plain;          /* scalar written without quotes: only those are numbers, booleans, null */
    int bad;            /* already reported (alias, too deep): skip without a further message */
    char *text;         /* scalar value, NUL-terminated */
    size_t len;
    struct node **kids; /* list items, or mapping keys and values alternately */
    size_t nkids, cap;
} node;

typedef struct {
    cs_diags *d;
    const char *file;
    const char *src; /* whole text, NUL-terminated, for the line echoed under a message */
    size_t srclen;
    cs_plan *p;
    int oom;
    /* a top-level value given but invalid (already reported): checks that depend on it are skipped */
    int fee_unknown, breakaway_unknown;
} loader;

static void err_pos(loader *L, cs_pos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err_pos(loader *L, cs_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_diag_vadd(L->d, CS_SEV_ERROR, L->file, pos.line, pos.col, L->src, fmt, ap);
    va_end(ap);
}

static void err(loader *L, const node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void err(loader *L, const node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_diag_vadd(L->d, CS_SEV_ERROR, L->file, n->pos.line, n->pos.col, L->src, fmt, ap);
    va_end(ap);
}

static void oom(loader *L)
{
    if (!L->oom) err_pos(L, (cs_pos){0, 0}, "out of memory");
    L->oom = 1;
}

/* calloc that reports running out of memory once; callers still check for NULL. */
static void *ld_calloc(loader *L, size_t n, size_t size)
{
    void *q = calloc(n ? n : 1, size);
    if (!q) oom(L);
    return q;
}

static char *ld_strdup(loader *L, const char *s)
{
    size_t n = strlen(s) + 1;
    char *c = ld_calloc(L, n, 1);
    if (c) memcpy(c, s, n);
    return c;
}

static cs_pos mark_pos(yaml_mark_t m) { return (cs_pos){(long)m.line + 1, (long)m.column + 1}; }

static void node_free(node *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nkids; i++) node_free(n->kids[i]);
    free(n->kids);
    free(n->text);
    free(n);
}

static node *node_new(loader *L, node_kind kind, yaml_mark_t m)
{
    node *n = ld_calloc(L, 1, sizeof *n);
    if (!n) return NULL;
    n->kind = kind;
    n->pos = mark_pos(m);
    return n;
}

static int node_add(loader *L, node *parent, node *kid)
{
    if (parent->nkids == parent->cap) {
        size_t cap = parent->cap ? 2 * parent->cap : 4;
        node **k = realloc(parent->kids, cap * sizeof *k);
        if (!k) {
            oom(L);
            return 0;
        }
        parent->kids = k;
        parent->cap = cap;
    }
    parent->kids[parent->nkids++] = kid;
    return 1;
}

/* State of the event loop that builds the tree. */
typedef struct {
    node *root;
    node *open[MAX_DEPTH]; /* collections being filled, outermost first */
    size_t depth;
    size_t skip; /* nesting inside a collection too deep to keep */
    int ndocs;
} builder;

static int attach(loader *L, builder *b, node *n)
{
    if (!n) return 0;
    if (b->depth == 0) {
        b->root = n;
        return 1;
    }
    if (node_add(L, b->open[b->depth - 1], n)) return 1;
    node_free(n);
    return 0;
}

/* Line and column of a byte offset (libyaml gives only an offset for encoding errors). */
static cs_pos offset_pos(const loader *L, size_t off)
{
    cs_pos pos = {1, 1};
    for (size_t i = 0; i < off && i < L->srclen; i++) {
        if (L->src[i] == '\n') pos.line++, pos.col = 1;
        else pos.col++;
    }
    return pos;
}

static void report_syntax(loader *L, const yaml_parser_t *ps)
{
    if (ps->error == YAML_MEMORY_ERROR) {
        oom(L);
        return;
    }
    const char *problem = ps->problem ? ps->problem : "unreadable text";
    if (ps->error == YAML_READER_ERROR) {
        cs_pos pos = offset_pos(L, ps->problem_offset);
        if (ps->problem_value != -1)
            err_pos(L, pos, "yaml syntax error: %s (byte 0x%02x)", problem, (unsigned)ps->problem_value & 0xffu);
        else
            err_pos(L, pos, "yaml syntax error: %s", problem);
        return;
    }
    cs_pos pos = mark_pos(ps->problem_mark);
    if (ps->context)
        err_pos(L, pos, "yaml syntax error: %s (%s at line %ld, column %ld)", problem, ps->context,
                (long)ps->context_mark.line + 1, (long)ps->context_mark.column + 1);
    else
        err_pos(L, pos, "yaml syntax error: %s", problem);
}

static int has_anchor(loader *L, const yaml_event_t *ev, const yaml_char_t *anchor)
{
    if (!anchor) return 0;
    err_pos(L, mark_pos(ev->start_mark), "anchors and aliases are not supported");
    return 1;
}

static int open_collection(loader *L, builder *b, const yaml_event_t *ev, node_kind kind, const yaml_char_t *anchor)
{
    if (b->skip) {
        b->skip++;
        return 1;
    }
    has_anchor(L, ev, anchor);
    node *n = node_new(L, kind, ev->start_mark);
    if (!n) return 0;
    if (b->depth == MAX_DEPTH) {
        err(L, n, "nesting deeper than %d levels", MAX_DEPTH);
        n->bad = 1;
        b->skip = 1;
        return attach(L, b, n);
    }
    if (!attach(L, b, n)) return 0;
    b->open[b->depth++] = n;
    return 1;
}

static void close_collection(builder *b)
{
    if (b->skip) b->skip--;
    else if (b->depth) b->depth--;
}

static int add_scalar(loader *L, builder *b, const yaml_event_t *ev)
{
    if (b->skip) return 1;
    has_anchor(L, ev, ev->data.scalar.anchor);
    node *n = node_new(L, N_SCALAR, ev->start_mark);
    if (!n) return 0;
    n->len = ev->data.scalar.length;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    n->text = ld_calloc(L, n->len + 1, 1);
    if (!n->text) {
        node_free(n);
        return 0;
    }
    memcpy(n->text, ev->data.scalar.value, n->len);
    return attach(L, b, n);
}

static int add_alias(loader *L, builder *b, const yaml_event_t *ev)
{
    if (b->skip) return 1;
    node *n = node_new(L, N_SCALAR, ev->start_mark);
    if (!n) return 0;
    err(L, n, "anchors and aliases are not supported");
    n->bad = 1;
    n->text = ld_strdup(L, "");
    return attach(L, b, n);
}

/* Handles one event; returns 0 to stop reading. */
static int on_event(loader *L, builder *b, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->ndocs == 1) return 1;
        err_pos(L, mark_pos(ev->start_mark), "a plan file holds one yaml document, and this is a second one");
        return 0;
    case YAML_SEQUENCE_START_EVENT:
        return open_collection(L, b, ev, N_LIST, ev->data.sequence_start.anchor);
    case YAML_MAPPING_START_EVENT:
        return open_collection(L, b, ev, N_MAP, ev->data.mapping_start.anchor);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        close_collection(b);
        return 1;
    case YAML_SCALAR_EVENT:
        return add_scalar(L, b, ev);
    case YAML_ALIAS_EVENT:
        return add_alias(L, b, ev);
    case YAML_STREAM_END_EVENT:
        return 0;
    default:
        return 1;
    }
}

/* Parses the text into a tree.  Returns NULL on a syntax error (libyaml stops at the first), or
 * when the text holds no document; other problems are reported and the tree is still returned. */
static node *build_tree(loader *L)
{
    yaml_parser_t ps;
    if (!yaml_parser_initialize(&ps)) {
        oom(L);
        return NULL;
    }
    yaml_parser_set_input_string(&ps, (const unsigned char *)L->src, L->srclen);
    builder b;
    memset(&b, 0, sizeof b);
    int ok = 1;
    for (int more = 1; more;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&ps, &ev)) {
            report_syntax(L, &ps);
            ok = 0;
            break;
        }
        more = on_event(L, &b, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&ps);
    if (!ok || L->oom) {
        node_free(b.root);
        return NULL;
    }
    return b.root;
}

/* ------------------------------------------------------------------------------------------ */
/* Values                                                                                      */

static int is_null(const node *v)
{
    if (v->kind != N_SCALAR || !v->plain) return 0;
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        if (!strcmp(v->text, nulls[i])) return 1;
    return 0;
}

/* How a value that was not what we wanted is shown: "a list", "nothing", "'5'". */
static const char *found(const node *v, char *buf, size_t size)
{
    if (v->kind == N_LIST) return "a list";
    if (v->kind == N_MAP) return "a mapping";
    if (is_null(v)) return "nothing";
    size_t n = strcspn(v->text, "\r\n");
    int cut = n > FOUND_MAX;
    snprintf(buf, size, "'%.*s%s'", (int)(cut ? FOUND_MAX - 3 : n), v->text, cut || n < v->len ? "..." : "");
    return buf;
}

#define FOUND(v) found((v), fbuf, sizeof fbuf)

/* A scalar that is not null; else reports "expected EXPECT, found ...". */
static int want_scalar(loader *L, const node *v, const char *expect)
{
    char fbuf[FOUND_MAX + 8];
    if (v->bad) return 0;
    if (v->kind == N_SCALAR && !is_null(v)) return 1;
    err(L, v, "expected %s, found %s", expect, FOUND(v));
    return 0;
}

/* A plain (unquoted) scalar: numbers and booleans are not strings. */
static int want_plain(loader *L, const node *v, const char *expect)
{
    char fbuf[FOUND_MAX + 8];
    if (!want_scalar(L, v, expect)) return 0;
    if (v->plain) return 1;
    err(L, v, "expected %s, found the text %s (write it without quotes)", expect, FOUND(v));
    return 0;
}

/* A text value: returns a copy the caller owns, or NULL after reporting. */
static char *get_text(loader *L, const node *v, const char *expect)
{
    return want_scalar(L, v, expect) ? ld_strdup(L, v->text) : NULL;
}

static int has_exponent(const node *v)
{
    return strpbrk(v->text, "eE") && strpbrk(v->text, "0123456789");
}

typedef enum { U_VOLUME, U_MONEY, U_COUNT } num_unit;

static const char *const unit_expect[] = {
    [U_VOLUME] = "a number such as '100' or '37.5'",
    [U_MONEY] = "an amount such as '49.00'",
    [U_COUNT] = "a whole number such as '2'",
};

static void num_error(loader *L, const node *v, const char *what, num_unit u, cs_num_status st, int64_t max)
{
    char fbuf[FOUND_MAX + 8];
    const char *f = FOUND(v);
    switch (st) {
    case CS_NUM_NEGATIVE: err(L, v, "'%s' cannot be negative, found %s", what, f); break;
    case CS_NUM_NAN: err(L, v, "'%s' must be a finite number, found %s", what, f); break;
    case CS_NUM_PRECISION:
        if (u == U_COUNT) err(L, v, "expected %s, found %s", unit_expect[u], f);
        else err(L, v, "'%s' has more than two decimals, found %s", what, f);
        break;
    case CS_NUM_RANGE:
        if (u == U_COUNT) err(L, v, "'%s' is too large, found %s (at most %lld)", what, f, (long long)max);
        else err(L, v, "'%s' is too large, found %s", what, f);
        break;
    default:
        if (has_exponent(v)) err(L, v, "expected a plain decimal number, found %s (exponents are not allowed)", f);
        else err(L, v, "expected %s, found %s", unit_expect[u], f);
        break;
    }
}

/* A volume or an amount of money, in hundredths. */
static int get_hundredths(loader *L, const node *v, const char *what, num_unit u, int64_t *out)
{
    if (!want_plain(L, v, unit_expect[u])) return 0;
    cs_num_status st = cs_parse_hundredths(v->text, v->len, out);
    if (st == CS_NUM_OK) return 1;
    num_error(L, v, what, u, st, 0);
    return 0;
}

static int get_count(loader *L, const node *v, const char *what, int64_t max, int64_t *out)
{
    if (!want_plain(L, v, unit_expect[U_COUNT])) return 0;
    cs_num_status st = cs_parse_count(v->text, v->len, max, out);
    if (st == CS_NUM_OK) return 1;
    num_error(L, v, what, U_COUNT, st, max);
    return 0;
}

/* A percentage (the % sign required), in ppm.  `what` names it in messages: "rate 120% ...". */
static int get_percent(loader *L, const node *v, const char *what, int32_t *out)
{
    static const char expect[] = "a percentage such as '5%'";
    char fbuf[FOUND_MAX + 8];
    if (!want_scalar(L, v, expect)) return 0;
    cs_num_status st = cs_parse_percent(v->text, v->len, out);
    switch (st) {
    case CS_NUM_OK: return 1;
    case CS_NUM_RANGE: err(L, v, "%s %.40s is above 100%%", what, v->text); break;
    case CS_NUM_NEGATIVE: err(L, v, "%s %.40s is below 0%%", what, v->text); break;
    case CS_NUM_PRECISION: err(L, v, "%s %.40s has more than four decimals", what, v->text); break;
    case CS_NUM_NAN: err(L, v, "%s must be a finite percentage, found %s", what, FOUND(v)); break;
    default: err(L, v, "expected %s, found %s", expect, FOUND(v)); break;
    }
    return 0;
}

static int get_bool(loader *L, const node *v, int *out)
{
    static const char expect[] = "true or false";
    char fbuf[FOUND_MAX + 8];
    if (!want_plain(L, v, expect)) return 0;
    if (!strcmp(v->text, "true") || !strcmp(v->text, "false")) {
        *out = v->text[0] == 't';
        return 1;
    }
    err(L, v, "expected %s, found %s", expect, FOUND(v));
    return 0;
}

/* One of `n` words; returns its index or -1 after reporting. */
static int get_word(loader *L, const node *v, const char *const *words, size_t n, const char *expect)
{
    char fbuf[FOUND_MAX + 8];
    if (!want_scalar(L, v, expect)) return -1;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v->text, words[i])) return (int)i;
    err(L, v, "expected %s, found %s", expect, FOUND(v));
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Mappings                                                                                    */

/* The keys a mapping may hold.  Keys outside `allowed` (a bit per name) are reported as not
 * applying to `type_label` (a bonus type); keys not in `names` at all are unknown. */
typedef struct {
    const char *const *names;
    size_t n;
    unsigned allowed;
    const char *type_label;
    const char *where; /* completes messages: " in rank 'Gold'", or "" at the top */
} keyset;

/* The value of the first key `key` of mapping m, or NULL. */
static const node *find_key(const node *m, const char *key)
{
    for (size_t i = 0; i + 1 < m->nkids; i += 2)
        if (m->kids[i]->kind == N_SCALAR && !strcmp(m->kids[i]->text, key)) return m->kids[i + 1];
    return NULL;
}

/* Reports an unknown key; returns the bit of the name suggested for it, or 0. */
static unsigned unknown_key(loader *L, const node *k, const keyset *ks)
{
    const char *cand[32];
    size_t nc = 0;
    for (size_t i = 0; i < ks->n && nc < 32; i++)
        if (ks->allowed & (1u << i)) cand[nc++] = ks->names[i];
    const char *s = cs_suggest(k->text, cand, nc);
    if (!s) {
        err(L, k, "unknown key '%s'%s", k->text, ks->where);
        return 0;
    }
    err(L, k, "unknown key '%s'%s (did you mean '%s'?)", k->text, ks->where, s);
    size_t j = 0;
    while (strcmp(ks->names[j], s)) j++;
    return 1u << j;
}

/* Sorts the keys of mapping m: vals[i] and keys[i] are the value and key nodes of names[i] (or
 * NULL).  Reports unknown, misplaced and duplicated keys.  Returns the bits of the names that
 * unknown keys were taken as misspellings of: once "did you mean 'name'?" is said, "missing
 * required key 'name'" would only repeat it. */
static unsigned map_keys(loader *L, const node *m, const keyset *ks, const node **vals, const node **keys)
{
    unsigned typos = 0;
    char fbuf[FOUND_MAX + 8];
    for (size_t i = 0; i + 1 < m->nkids; i += 2) {
        const node *k = m->kids[i];
        if (k->bad) continue;
        if (k->kind != N_SCALAR) {
            err(L, k, "expected a key name, found %s", FOUND(k));
            continue;
        }
        size_t j = 0;
        while (j < ks->n && strcmp(k->text, ks->names[j])) j++;
        if (j == ks->n) typos |= unknown_key(L, k, ks);
        else if (!(ks->allowed & (1u << j))) err(L, k, "key '%s' does not apply to %s", k->text, ks->type_label);
        else if (vals[j]) err(L, k, "duplicate key '%s'%s (first given at line %ld)", k->text, ks->where, keys[j]->pos.line);
        else {
            vals[j] = m->kids[i + 1];
            keys[j] = k;
        }
    }
    return typos;
}

static int want_map(loader *L, const node *v, const char *expect)
{
    char fbuf[FOUND_MAX + 8];
    if (v->bad) return 0;
    if (v->kind == N_MAP) return 1;
    err(L, v, "expected %s, found %s", expect, FOUND(v));
    return 0;
}

static int want_list(loader *L, const node *v, const char *expect)
{
    char fbuf[FOUND_MAX + 8];
    if (v->bad) return 0;
    if (v->kind == N_LIST) return 1;
    err(L, v, "expected %s, found %s", expect, FOUND(v));
    return 0;
}

/* Reports a required key that is missing from mapping m, unless a misspelling of it (`typo`)
 * has been reported. */
static int require(loader *L, const node *m, const node *v, const char *key, const char *where, int typo)
{
    if (v) return 1;
    if (!typo) err(L, m, "missing required key '%s'%s", key, where);
    return 0;
}

/* " in bonus 'x'" -> " of bonus 'x'", to follow a key: "in 'margin' of bonus 'x'". */
static const char *of_where(const char *where, char *buf, size_t size)
{
    if (strncmp(where, " in ", 4)) return where;
    snprintf(buf, size, " of %s", where + 4);
    return buf;
}

/* ------------------------------------------------------------------------------------------ */
/* Ranks                                                                                       */

static const char unranked[] = "unranked";

static int32_t rank_lookup(const cs_plan *p, const char *name)
{
    for (size_t i = 0; i < p->nranks; i++)
        if (p->ranks[i].name && !strcmp(p->ranks[i].name, name)) return (int32_t)i;
    return CS_RANK_NONE;
}

/* Reports "PRE 'NAME'POST (did you mean 'X'?)" for a name that is no rank. */
static void unknown_rank(loader *L, const node *v, const char *pre, const char *post, int with_unranked)
{
    const char *cand[CS_MAX_RANKS + 1];
    size_t nc = 0;
    for (size_t i = 0; i < L->p->nranks; i++)
        if (L->p->ranks[i].name) cand[nc++] = L->p->ranks[i].name;
    if (with_unranked) cand[nc++] = unranked;
    const char *s = cs_suggest(v->text, cand, nc);
    if (s) err(L, v, "%s '%s'%s (did you mean '%s'?)", pre, v->text, post, s);
    else err(L, v, "%s '%s'%s", pre, v->text, post);
}

/* A reference to a rank (not 'unranked'); returns its index or CS_RANK_NONE after reporting. */
static int32_t get_rank_ref(loader *L, const node *v, const char *pre, const char *post)
{
    if (!want_scalar(L, v, "a rank name")) return CS_RANK_NONE;
    int32_t r = rank_lookup(L->p, v->text);
    if (r != CS_RANK_NONE) return r;
    if (!strcmp(v->text, unranked)) err(L, v, "'unranked' is not a rank here: name one of the plan's ranks");
    else unknown_rank(L, v, pre, post, 0);
    return CS_RANK_NONE;
}

static void where_rank(const loader *L, size_t i, char *buf, size_t size)
{
    if (L->p->ranks[i].name) snprintf(buf, size, " in rank '%s'", L->p->ranks[i].name);
    else snprintf(buf, size, " in rank %zu", i + 1);
}

/* First pass: the names, so that rules and tables may refer to any rank. */
static void load_rank_name(loader *L, size_t i, const node *m)
{
    char fbuf[FOUND_MAX + 8];
    cs_rank *r = &L->p->ranks[i];
    r->pos = m->pos;
    const node *v = find_key(m, "name");
    if (!v || !want_scalar(L, v, "a rank name")) return; /* missing: reported with the rules */
    r->pos = v->pos;
    if (!v->len) err(L, v, "a rank name cannot be empty");
    else if (!strcmp(v->text, unranked)) err(L, v, "the rank name 'unranked' is reserved for members without a rank");
    else if (strpbrk(v->text, "\r\n")) err(L, v, "a rank name must be one line, found %s", FOUND(v));
    else {
        int32_t first = rank_lookup(L->p, v->text);
        if (first != CS_RANK_NONE)
            err(L, v, "duplicate rank name '%s' (first defined at line %ld)", v->text, L->p->ranks[first].pos.line);
        else r->name = ld_strdup(L, v->text);
    }
}

static const char *const leg_keys[] = {"rank", "count"};

static void load_leg(loader *L, size_t i, const node *m, cs_leg_rule *leg, const char *where)
{
    const node *val[2] = {0}, *key[2] = {0};
    keyset ks = {leg_keys, 2, 3u, "", where};
    unsigned typos = map_keys(L, m, &ks, val, key);
    if (require(L, m, val[0], "rank", where, typos & 1u)) {
        char pre[200];
        if (L->p->ranks[i].name) snprintf(pre, sizeof pre, "rank '%s' requires unknown rank", L->p->ranks[i].name);
        else snprintf(pre, sizeof pre, "rank %zu requires unknown rank", i + 1);
        leg->rank = get_rank_ref(L, val[0], pre, "");
    }
    int64_t c;
    if (require(L, m, val[1], "count", where, typos & 2u) && get_count(L, val[1], "count", MAX_COUNT, &c)) {
        if (c == 0) err(L, val[1], "'count' must be at least 1");
        leg->count = (int32_t)c;
    }
}

static void load_legs(loader *L, size_t i, const node *v, const char *where)
{
    cs_rank *r = &L->p->ranks[i];
    if (!want_list(L, v, "a list of leg rules such as '[{rank: Bronze, count: 2}]'")) return;
    size_t n = v->nkids;
    if (n > CS_MAX_RANKS) {
        err(L, v->kids[CS_MAX_RANKS], "a rank has at most %d leg rules", CS_MAX_RANKS);
        n = CS_MAX_RANKS;
    }
    r->legs = ld_calloc(L, n, sizeof *r->legs);
    if (!r->legs) return;
    r->nlegs = n;
    char w[256], ofw[240];
    snprintf(w, sizeof w, " in a leg rule%s", of_where(where, ofw, sizeof ofw));
    for (size_t k = 0; k < n; k++) {
        r->legs[k].rank = CS_RANK_NONE;
        if (want_map(L, v->kids[k], "a leg rule such as '{rank: Bronze, count: 2}'")) load_leg(L, i, v->kids[k], &r->legs[k], w);
    }
}

static const char *const rank_keys[] = {"name", "pv", "gv", "max_leg_share", "active_frontline", "legs"};
enum { RK_NAME, RK_PV, RK_GV, RK_SHARE, RK_FRONTLINE, RK_LEGS, RK_N };

/* Second pass: the rules of rank i. */
static void load_rank_rules(loader *L, size_t i, const node *m)
{
    cs_rank *r = &L->p->ranks[i];
    char where[220];
    where_rank(L, i, where, sizeof where);
    const node *val[RK_N] = {0}, *key[RK_N] = {0};
    keyset ks = {rank_keys, RK_N, (1u << RK_N) - 1, "", where};
    unsigned typos = map_keys(L, m, &ks, val, key);
    require(L, m, val[RK_NAME], "name", where, typos & 1u);
    if (val[RK_PV]) get_hundredths(L, val[RK_PV], "pv", U_VOLUME, &r->pv);
    if (val[RK_GV]) get_hundredths(L, val[RK_GV], "gv", U_VOLUME, &r->gv);
    if (val[RK_SHARE]) {
        if (!val[RK_GV]) err(L, key[RK_SHARE], "'max_leg_share' needs 'gv'%s", where);
        if (get_percent(L, val[RK_SHARE], "max_leg_share", &r->max_leg_ppm) && r->max_leg_ppm == 0)
            err(L, val[RK_SHARE], "max_leg_share must be above 0%%");
    }
    int64_t c;
    if (val[RK_FRONTLINE] && get_count(L, val[RK_FRONTLINE], "active_frontline", MAX_COUNT, &c)) r->active_frontline = (int32_t)c;
    if (val[RK_LEGS]) load_legs(L, i, val[RK_LEGS], where);
}

static void load_ranks(loader *L, const node *top, const node *v, int typo)
{
    if (!require(L, top, v, "ranks", "", typo)) return;
    if (!want_list(L, v, "a list of ranks")) return;
    size_t n = v->nkids;
    if (n == 0) {
        err(L, v, "the plan has no ranks");
        return;
    }
    if (n > CS_MAX_RANKS) {
        err(L, v->kids[CS_MAX_RANKS], "a plan has at most %d ranks", CS_MAX_RANKS);
        n = CS_MAX_RANKS;
    }
    L->p->ranks = ld_calloc(L, n, sizeof *L->p->ranks);
    if (!L->p->ranks) return;
    L->p->nranks = n;
    static const char expect[] = "a rank such as '{name: Silver, pv: 100}'";
    for (size_t i = 0; i < n; i++)
        if (want_map(L, v->kids[i], expect)) load_rank_name(L, i, v->kids[i]);
    for (size_t i = 0; i < n; i++)
        if (v->kids[i]->kind == N_MAP && !v->kids[i]->bad) load_rank_rules(L, i, v->kids[i]);
}

/* ------------------------------------------------------------------------------------------ */
/* Tables by rank                                                                              */

/* The entries of a table by rank, by row (CS_ROW(rank); row 0 is 'unranked'). */
typedef struct {
    const node *val[CS_MAX_RANKS + 1];
    const node *key[CS_MAX_RANKS + 1];
} rank_table;

/* Resolves the keys of table m to rows; `what` is its key, for messages.  Returns 0 if m is not
 * a mapping. */
static int table_rows(loader *L, const node *m, const char *what, const char *where, int with_unranked, rank_table *t)
{
    char fbuf[FOUND_MAX + 8], ex[120], ofw[240];
    memset(t, 0, sizeof *t);
    snprintf(ex, sizeof ex, "a table by rank such as '{Silver: ..., Gold: ...}' for '%s'", what);
    if (!want_map(L, m, ex)) return 0;
    for (size_t i = 0; i + 1 < m->nkids; i += 2) {
        const node *k = m->kids[i];
        if (k->bad) continue;
        if (k->kind != N_SCALAR) {
            err(L, k, "expected a rank name, found %s", FOUND(k));
            continue;
        }
        size_t row;
        if (!strcmp(k->text, unranked)) {
            if (!with_unranked) {
                err(L, k, "'%s' lists ranks only: 'unranked' is not a rank", what);
                continue;
            }
            row = 0;
        } else {
            int32_t r = rank_lookup(L->p, k->text);
            if (r == CS_RANK_NONE) {
                char post[260];
                snprintf(post, sizeof post, " in '%s'%s", what, of_where(where, ofw, sizeof ofw));
                unknown_rank(L, k, "unknown rank", post, with_unranked);
                continue;
            }
            row = CS_ROW(r);
        }
        if (t->val[row]) {
            err(L, k, "duplicate key '%s' in '%s'%s (first given at line %ld)", k->text, what, of_where(where, ofw, sizeof ofw),
                t->key[row]->pos.line);
            continue;
        }
        t->val[row] = m->kids[i + 1];
        t->key[row] = k;
    }
    return 1;
}

/* A table of rates, filled forward; returns nranks+1 rows or NULL. */
static int32_t *table_rates(loader *L, const node *m, const char *what, const char *where, rank_table *t)
{
    if (!table_rows(L, m, what, where, 1, t)) return NULL;
    size_t nrows = L->p->nranks + 1;
    int32_t *out = ld_calloc(L, nrows, sizeof *out);
    if (!out) return NULL;
    int32_t prev = 0;
    for (size_t row = 0; row < nrows; row++) {
        int32_t x;
        if (t->val[row] && get_percent(L, t->val[row], "rate", &x)) prev = x;
        out[row] = prev;
    }
    return out;
}

/* A table of whole numbers, filled forward, into out[nranks+1]. */
static int table_counts(loader *L, const node *m, const char *what, const char *where, int64_t max, int64_t *out, rank_table *t)
{
    if (!table_rows(L, m, what, where, 1, t)) return 0;
    int64_t prev = 0;
    for (size_t row = 0; row <= L->p->nranks; row++) {
        int64_t x;
        if (t->val[row] && get_count(L, t->val[row], what, max, &x)) prev = x;
        out[row] = prev;
    }
    return 1;
}

static const char *row_name(const cs_plan *p, size_t row)
{
    if (row == 0) return unranked;
    return p->ranks[row - 1].name ? p->ranks[row - 1].name : "?";
}

/* ------------------------------------------------------------------------------------------ */
/* Level tables                                                                                */

/* A list of at most CS_MAX_LEVELS rates.  Returns the number read, or -1. */
static int rate_list(loader *L, const node *v, int32_t *out)
{
    if (!want_list(L, v, "a list of rates such as '[5%, 3%]'")) return -1;
    size_t n = v->nkids;
    int ok = 1;
    if (n > CS_MAX_LEVELS) {
        err(L, v->kids[CS_MAX_LEVELS], "at most %d levels are allowed", CS_MAX_LEVELS);
        n = CS_MAX_LEVELS;
        ok = 0;
    }
    for (size_t k = 0; k < n; k++) {
        out[k] = 0;
        if (!get_percent(L, v->kids[k], "rate", &out[k])) ok = 0;
    }
    return ok ? (int)n : -1;
}

static int alloc_levels(loader *L, cs_level_table *lt, int nlevels)
{
    lt->ppm = ld_calloc(L, (L->p->nranks + 1) * (size_t)nlevels, sizeof *lt->ppm);
    if (!lt->ppm) return 0;
    lt->nlevels = nlevels;
    return 1;
}

/* `levels` with an optional `depth` table. */
static void levels_with_depth(loader *L, cs_level_table *lt, const node *levels, const node *depth, const char *where)
{
    int32_t rates[CS_MAX_LEVELS];
    int n = rate_list(L, levels, rates);
    if (n == 0) err(L, levels, "'levels' is empty: give the rate of level 1 at least");
    if (n <= 0) return;
    size_t nrows = L->p->nranks + 1;
    int64_t d[CS_MAX_RANKS + 1];
    rank_table t;
    for (size_t row = 0; row < nrows; row++) d[row] = n;
    if (depth && !table_counts(L, depth, "depth", where, MAX_COUNT, d, &t)) return;
    for (size_t row = 0; depth && row < nrows; row++)
        if (t.val[row] && d[row] > n) {
            err(L, t.val[row], "depth %lld is more than the %d levels given in 'levels'", (long long)d[row], n);
            return;
        }
    if (!alloc_levels(L, lt, n)) return;
    for (size_t row = 0; row < nrows; row++)
        for (int k = 0; k < d[row]; k++) lt->ppm[row * (size_t)n + (size_t)k] = rates[k];
}

/* `rates_by_rank`: whole lists filled forward, padded with 0 to the longest. */
static void levels_by_rank(loader *L, cs_level_table *lt, const node *v, const char *where)
{
    rank_table t;
    if (!table_rows(L, v, "rates_by_rank", where, 1, &t)) return;
    size_t nrows = L->p->nranks + 1;
    int32_t(*rates)[CS_MAX_LEVELS] = ld_calloc(L, nrows, sizeof *rates);
    int len[CS_MAX_RANKS + 1];
    if (!rates) return;
    int longest = 0, ok = 1;
    for (size_t row = 0; row < nrows; row++) {
        len[row] = row ? len[row - 1] : 0;
        if (row) memcpy(rates[row], rates[row - 1], sizeof rates[row]);
        if (!t.val[row]) continue;
        memset(rates[row], 0, sizeof rates[row]);
        len[row] = rate_list(L, t.val[row], rates[row]);
        if (len[row] < 0) ok = 0, len[row] = 0;
        if (len[row] > longest) longest = len[row];
    }
    if (ok && longest == 0) err(L, v, "'rates_by_rank' gives no rates");
    if (ok && longest > 0 && alloc_levels(L, lt, longest))
        for (size_t row = 0; row < nrows; row++)
            memcpy(lt->ppm + row * (size_t)longest, rates[row], (size_t)longest * sizeof **rates);
    free(rates);
}

/* ------------------------------------------------------------------------------------------ */
/* Bonuses                                                                                     */

static const char *const type_names[CS_BONUS_NTYPES] = {
    [CS_BONUS_RETAIL] = "retail_profit",      [CS_BONUS_UNILEVEL] = "unilevel",
    [CS_BONUS_STAIRSTEP] = "stairstep",       [CS_BONUS_GENERATION] = "generation",
    [CS_BONUS_FAST_START] = "fast_start",     [CS_BONUS_MATCHING] = "matching",
    [CS_BONUS_RANK_ADVANCE] = "rank_advancement", [CS_BONUS_POOL] = "leadership_pool",
    [CS_BONUS_ENROLMENT] = "enrolment",
};

const char *cs_bonus_type_name(cs_bonus_type t)
{
    return (unsigned)t < CS_BONUS_NTYPES ? type_names[t] : "unknown";
}

static const char *const bonus_keys[] = {"name",  "type",    "compression", "levels", "depth",
                                         "rates_by_rank", "margin", "rates", "include_own",
                                         "matches", "amounts", "rate", "shares"};
enum {
    BK_NAME, BK_TYPE, BK_COMPRESSION, BK_LEVELS, BK_DEPTH, BK_RATES_BY_RANK, BK_MARGIN, BK_RATES,
    BK_INCLUDE_OWN, BK_MATCHES, BK_AMOUNTS, BK_RATE, BK_SHARES, BK_N
};
#define BIT(k) (1u << (k))
#define LEVEL_KEYS (BIT(BK_LEVELS) | BIT(BK_DEPTH) | BIT(BK_RATES_BY_RANK))

/* The keys each type takes besides name and type. */
static const unsigned type_keys[CS_BONUS_NTYPES] = {
    [CS_BONUS_RETAIL] = BIT(BK_MARGIN),
    [CS_BONUS_UNILEVEL] = BIT(BK_COMPRESSION) | LEVEL_KEYS,
    [CS_BONUS_STAIRSTEP] = BIT(BK_RATES) | BIT(BK_INCLUDE_OWN),
    [CS_BONUS_GENERATION] = LEVEL_KEYS,
    [CS_BONUS_FAST_START] = BIT(BK_COMPRESSION) | LEVEL_KEYS,
    [CS_BONUS_MATCHING] = BIT(BK_MATCHES) | BIT(BK_COMPRESSION) | LEVEL_KEYS,
    [CS_BONUS_RANK_ADVANCE] = BIT(BK_AMOUNTS),
    [CS_BONUS_POOL] = BIT(BK_RATE) | BIT(BK_SHARES),
    [CS_BONUS_ENROLMENT] = BIT(BK_COMPRESSION) | LEVEL_KEYS,
};

/* Where no compression is written: none for rewards on newcomers, dynamic otherwise. */
static cs_compression default_compression(cs_bonus_type t)
{
    return t == CS_BONUS_FAST_START || t == CS_BONUS_ENROLMENT ? CS_COMPRESS_NONE : CS_COMPRESS_DYNAMIC;
}

/* The values of one bonus's keys while it is loaded. */
typedef struct {
    size_t i; /* its index in the plan */
    const node *m;
    const node *val[BK_N], *key[BK_N];
    unsigned typos;  /* from map_keys */
    char where[220]; /* " in bonus 'x'" */
} bonus_src;

static int valid_bonus_name(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') && !(*s >= '0' && *s <= '9') && *s != '_' && *s != '-')
            return 0;
    return 1;
}

static int32_t bonus_lookup(const cs_plan *p, const char *name)
{
    for (size_t i = 0; i < p->nbonuses; i++)
        if (p->bonuses[i].name && !strcmp(p->bonuses[i].name, name)) return (int32_t)i;
    return -1;
}

/* First pass: the names, so that `matches` can tell a later bonus from an unknown one. */
static void load_bonus_name(loader *L, size_t i, const node *m)
{
    cs_bonus *b = &L->p->bonuses[i];
    b->pos = m->pos;
    const node *v = find_key(m, "name");
    if (!v || !want_scalar(L, v, "a bonus name")) return; /* missing: reported with the other keys */
    b->pos = v->pos;
    if (!valid_bonus_name(v->text)) {
        err(L, v, "a bonus name may only hold letters, digits, '_' and '-'");
        return;
    }
    int32_t first = bonus_lookup(L->p, v->text);
    if (first >= 0) err(L, v, "duplicate bonus name '%s' (first defined at line %ld)", v->text, L->p->bonuses[first].pos.line);
    else b->name = ld_strdup(L, v->text);
}

static void load_matches(loader *L, cs_bonus *b, const bonus_src *s)
{
    const node *v = s->val[BK_MATCHES];
    if (!want_list(L, v, "a list of bonus names such as '[unilevel]'")) return;
    if (v->nkids == 0) {
        err(L, v, "'matches' is empty: name the bonuses to match");
        return;
    }
    b->matched = ld_calloc(L, v->nkids, sizeof *b->matched);
    if (!b->matched) return;
    const char *self = b->name ? b->name : "?";
    for (size_t k = 0; k < v->nkids; k++) {
        const node *e = v->kids[k];
        if (!want_scalar(L, e, "a bonus name")) continue;
        int32_t j = bonus_lookup(L->p, e->text);
        if (j < 0) {
            const char *cand[SUGGEST_MAX];
            size_t nc = 0;
            for (size_t q = 0; q < L->p->nbonuses && nc < SUGGEST_MAX; q++)
                if (q != s->i && L->p->bonuses[q].name) cand[nc++] = L->p->bonuses[q].name;
            const char *sug = cs_suggest(e->text, cand, nc);
            if (sug) err(L, e, "bonus '%s' matches unknown bonus '%s' (did you mean '%s'?)", self, e->text, sug);
            else err(L, e, "bonus '%s' matches unknown bonus '%s'", self, e->text);
        } else if ((size_t)j == s->i) {
            err(L, e, "bonus '%s' cannot match itself", self);
        } else if ((size_t)j > s->i) {
            err(L, e, "bonus '%s' matches '%s', which comes later in the plan (a matched bonus must be listed earlier)", self, e->text);
        } else if (!cs_bonus_company_paid(L->p->bonuses[j].type)) {
            err(L, e, "bonus '%s' cannot match '%s': retail profit is paid by customers, not by the company", self, e->text);
        } else {
            size_t q = 0;
            while (q < b->nmatched && b->matched[q] != (size_t)j) q++;
            if (q < b->nmatched) err(L, e, "'%s' is listed twice in 'matches'", e->text);
            else b->matched[b->nmatched++] = (size_t)j;
        }
    }
}

/* Unilevel, generation, fast start, matching, enrolment. */
static void load_level_bonus(loader *L, cs_bonus *b, const bonus_src *s)
{
    const node *lv = s->val[BK_LEVELS], *rbr = s->val[BK_RATES_BY_RANK], *depth = s->val[BK_DEPTH];
    if (s->val[BK_COMPRESSION]) {
        static const char *const words[] = {"none", "dynamic"};
        int c = get_word(L, s->val[BK_COMPRESSION], words, 2, "'none' or 'dynamic'");
        if (c >= 0) b->compression = c ? CS_COMPRESS_DYNAMIC : CS_COMPRESS_NONE;
    }
    if (depth && !lv) err(L, s->key[BK_DEPTH], "'depth' goes with 'levels', not with 'rates_by_rank'");
    if (lv && rbr) err(L, s->key[BK_RATES_BY_RANK], "give either 'levels' or 'rates_by_rank'%s, not both", s->where);
    else if (lv) levels_with_depth(L, &b->levels, lv, depth, s->where);
    else if (rbr) levels_by_rank(L, &b->levels, rbr, s->where);
    else if (!(s->typos & (BIT(BK_LEVELS) | BIT(BK_RATES_BY_RANK))))
        err(L, s->m, "missing required key 'levels' or 'rates_by_rank'%s", s->where);
}

/* Stairstep rates must not fall from a row to the next (a lower rank never out-earns a higher). */
static void check_stairstep(loader *L, const int32_t *rate, const rank_table *t)
{
    for (size_t row = 1; row <= L->p->nranks; row++)
        if (rate[row] < rate[row - 1] && t->val[row]) {
            char a[16], c[16];
            snprintf(a, sizeof a, "%g%%", rate[row] / 1e4);
            snprintf(c, sizeof c, "%g%%", rate[row - 1] / 1e4);
            err(L, t->val[row], "stairstep rate %s of '%s' is below the %s of '%s' (rates must not decrease from rank to rank)", a,
                row_name(L->p, row), c, row_name(L->p, row - 1));
        }
}

static void load_amounts(loader *L, cs_bonus *b, const bonus_src *s)
{
    rank_table t;
    if (!table_rows(L, s->val[BK_AMOUNTS], "amounts", s->where, 0, &t)) return;
    b->cents_by_row = ld_calloc(L, L->p->nranks + 1, sizeof *b->cents_by_row);
    if (!b->cents_by_row) return;
    for (size_t row = 1; row <= L->p->nranks; row++)
        if (t.val[row]) get_hundredths(L, t.val[row], "amounts", U_MONEY, &b->cents_by_row[row]);
}

static void load_pool(loader *L, cs_bonus *b, const bonus_src *s)
{
    if (require(L, s->m, s->val[BK_RATE], "rate", s->where, s->typos & BIT(BK_RATE)))
        get_percent(L, s->val[BK_RATE], "rate", &b->pool_ppm);
    if (!require(L, s->m, s->val[BK_SHARES], "shares", s->where, s->typos & BIT(BK_SHARES))) return;
    b->shares_by_row = ld_calloc(L, L->p->nranks + 1, sizeof *b->shares_by_row);
    rank_table t;
    if (b->shares_by_row) table_counts(L, s->val[BK_SHARES], "shares", s->where, MAX_COUNT, b->shares_by_row, &t);
}

/* The keys particular to each type. */
static void load_bonus_body(loader *L, cs_bonus *b, const bonus_src *s)
{
    rank_table t;
    const node *type_node = find_key(s->m, "type");
    switch (b->type) {
    case CS_BONUS_RETAIL:
        if (require(L, s->m, s->val[BK_MARGIN], "margin", s->where, s->typos & BIT(BK_MARGIN)))
            b->rate_by_row = table_rates(L, s->val[BK_MARGIN], "margin", s->where, &t);
        break;
    case CS_BONUS_STAIRSTEP:
        if (require(L, s->m, s->val[BK_RATES], "rates", s->where, s->typos & BIT(BK_RATES))) {
            b->rate_by_row = table_rates(L, s->val[BK_RATES], "rates", s->where, &t);
            if (b->rate_by_row) check_stairstep(L, b->rate_by_row, &t);
        }
        if (s->val[BK_INCLUDE_OWN]) get_bool(L, s->val[BK_INCLUDE_OWN], &b->include_own);
        break;
    case CS_BONUS_RANK_ADVANCE:
        if (require(L, s->m, s->val[BK_AMOUNTS], "amounts", s->where, s->typos & BIT(BK_AMOUNTS))) load_amounts(L, b, s);
        break;
    case CS_BONUS_POOL:
        load_pool(L, b, s);
        break;
    case CS_BONUS_GENERATION:
        if (L->p->breakaway == CS_RANK_NONE && !L->breakaway_unknown)
            err(L, type_node, "a generation bonus needs the plan's 'breakaway' rank");
        load_level_bonus(L, b, s);
        break;
    case CS_BONUS_ENROLMENT:
        if (L->p->enrolment_fee == 0 && !L->fee_unknown)
            err(L, type_node, "an enrolment bonus needs the plan's 'enrolment_fee' (above 0)");
        load_level_bonus(L, b, s);
        break;
    case CS_BONUS_MATCHING:
        if (require(L, s->m, s->val[BK_MATCHES], "matches", s->where, s->typos & BIT(BK_MATCHES))) load_matches(L, b, s);
        load_level_bonus(L, b, s);
        break;
    default:
        load_level_bonus(L, b, s);
        break;
    }
}

/* The type of bonus i, or CS_BONUS_NTYPES when it is missing or unknown (after reporting). */
static cs_bonus_type type_of(const node *v)
{
    int t = 0;
    while (t < CS_BONUS_NTYPES && !(v && v->kind == N_SCALAR && !strcmp(v->text, type_names[t]))) t++;
    return (cs_bonus_type)t;
}

static cs_bonus_type load_bonus_type(loader *L, const bonus_src *s)
{
    const node *v = s->val[BK_TYPE];
    if (!require(L, s->m, v, "type", s->where, s->typos & BIT(BK_TYPE))) return CS_BONUS_NTYPES;
    if (!want_scalar(L, v, "a bonus type such as 'unilevel'")) return CS_BONUS_NTYPES;
    if (type_of(v) != CS_BONUS_NTYPES) return type_of(v);
    const char *sug = cs_suggest(v->text, type_names, CS_BONUS_NTYPES);
    if (sug) err(L, v, "unknown bonus type '%s' (did you mean '%s'?)", v->text, sug);
    else err(L, v, "unknown bonus type '%s'", v->text);
    return CS_BONUS_NTYPES;
}

static void load_bonus(loader *L, size_t i, const node *m)
{
    cs_bonus *b = &L->p->bonuses[i];
    bonus_src s;
    memset(&s, 0, sizeof s);
    s.i = i;
    s.m = m;
    if (b->name) snprintf(s.where, sizeof s.where, " in bonus '%s'", b->name);
    else snprintf(s.where, sizeof s.where, " in bonus %zu", i + 1);
    /* the type decides which keys belong; without a known type, any bonus key may */
    cs_bonus_type t = type_of(find_key(m, "type"));
    char label[64] = "";
    keyset ks = {bonus_keys, BK_N, (1u << BK_N) - 1, label, s.where};
    if (t != CS_BONUS_NTYPES) {
        ks.allowed = BIT(BK_NAME) | BIT(BK_TYPE) | type_keys[t];
        snprintf(label, sizeof label, "%s %s bonus", t == CS_BONUS_ENROLMENT ? "an" : "a", type_names[t]);
    }
    s.typos = map_keys(L, m, &ks, s.val, s.key);
    require(L, m, s.val[BK_NAME], "name", s.where, s.typos & BIT(BK_NAME));
    b->type = load_bonus_type(L, &s);
    if (b->type == CS_BONUS_NTYPES) return;
    b->compression = default_compression(b->type);
    load_bonus_body(L, b, &s);
}

static void load_bonuses(loader *L, const node *top, const node *v, int typo)
{
    if (!require(L, top, v, "bonuses", "", typo)) return;
    if (!want_list(L, v, "a list of bonuses")) return;
    size_t n = v->nkids;
    if (n == 0) {
        err(L, v, "the plan has no bonuses");
        return;
    }
    L->p->bonuses = ld_calloc(L, n, sizeof *L->p->bonuses);
    if (!L->p->bonuses) return;
    L->p->nbonuses = n;
    for (size_t i = 0; i < n; i++) L->p->bonuses[i].type = CS_BONUS_NTYPES;
    static const char expect[] = "a bonus such as '{name: unilevel, type: unilevel, levels: [5%]}'";
    for (size_t i = 0; i < n; i++)
        if (want_map(L, v->kids[i], expect)) load_bonus_name(L, i, v->kids[i]);
    for (size_t i = 0; i < n; i++)
        if (v->kids[i]->kind == N_MAP && !v->kids[i]->bad) load_bonus(L, i, v->kids[i]);
}

/* ------------------------------------------------------------------------------------------ */
/* The top level                                                                               */

static const char *const top_keys[] = {"name",   "description", "currency", "period", "enrolment_fee",
                                       "active", "breakaway",   "payout_cap", "ranks", "bonuses"};
enum { TK_NAME, TK_DESCRIPTION, TK_CURRENCY, TK_PERIOD, TK_FEE, TK_ACTIVE, TK_BREAKAWAY, TK_CAP, TK_RANKS, TK_BONUSES, TK_N };

static void load_active(loader *L, const node *v)
{
    static const char *const names[] = {"min_pv"};
    const node *val[1] = {0}, *key[1] = {0};
    if (!want_map(L, v, "a mapping such as '{min_pv: 100}' for 'active'")) return;
    keyset ks = {names, 1, 1u, "", " in 'active'"};
    map_keys(L, v, &ks, val, key);
    if (val[0]) get_hundredths(L, val[0], "min_pv", U_VOLUME, &L->p->active_pv);
}

/* name, description, currency: texts. */
static void load_labels(loader *L, const node *top, const node *const *val, unsigned typos)
{
    cs_plan *p = L->p;
    if (require(L, top, val[TK_NAME], "name", "", typos & (1u << TK_NAME))) {
        p->name = get_text(L, val[TK_NAME], "the plan's name");
        if (p->name && !*p->name) err(L, val[TK_NAME], "the plan's name is empty");
    }
    if (val[TK_DESCRIPTION] && !is_null(val[TK_DESCRIPTION])) p->description = get_text(L, val[TK_DESCRIPTION], "a description");
    if (val[TK_CURRENCY]) {
        p->currency = get_text(L, val[TK_CURRENCY], "a currency such as 'USD'");
        if (p->currency && !*p->currency) err(L, val[TK_CURRENCY], "the currency is empty");
    } else {
        p->currency = ld_strdup(L, "USD");
    }
}

static void load_top(loader *L, const node *top)
{
    char fbuf[FOUND_MAX + 8];
    cs_plan *p = L->p;
    if (top->kind != N_MAP) {
        err(L, top, "expected the plan to be a mapping of keys such as 'name:' and 'ranks:', found %s", FOUND(top));
        return;
    }
    const node *val[TK_N] = {0}, *key[TK_N] = {0};
    keyset ks = {top_keys, TK_N, (1u << TK_N) - 1, "", ""};
    unsigned typos = map_keys(L, top, &ks, val, key);
    load_labels(L, top, val, typos);
    if (val[TK_PERIOD]) {
        static const char *const words[] = {"month", "week"};
        int k = get_word(L, val[TK_PERIOD], words, 2, "'month' or 'week'");
        if (k >= 0) p->period = k ? CS_PERIOD_WEEK : CS_PERIOD_MONTH;
    }
    if (val[TK_FEE]) L->fee_unknown = !get_hundredths(L, val[TK_FEE], "enrolment_fee", U_MONEY, &p->enrolment_fee);
    if (val[TK_ACTIVE]) load_active(L, val[TK_ACTIVE]);
    if (val[TK_CAP]) get_percent(L, val[TK_CAP], "payout_cap", &p->payout_cap_ppm);
    load_ranks(L, top, val[TK_RANKS], typos & (1u << TK_RANKS));
    if (val[TK_BREAKAWAY]) {
        p->breakaway = get_rank_ref(L, val[TK_BREAKAWAY], "unknown rank", " for 'breakaway'");
        L->breakaway_unknown = p->breakaway == CS_RANK_NONE;
    }
    load_bonuses(L, top, val[TK_BONUSES], typos & (1u << TK_BONUSES));
}

/* Puts the messages of this load (from index `from`) in file order, keeping the order of
 * messages at the same place: the checks run by schema part, a reader reads top to bottom. */
static void sort_diags(cs_diags *d, size_t from)
{
    for (size_t i = from + 1; i < d->n; i++) {
        cs_diag g = d->items[i];
        size_t j = i;
        while (j > from && (d->items[j - 1].line > g.line || (d->items[j - 1].line == g.line && d->items[j - 1].col > g.col))) {
            d->items[j] = d->items[j - 1];
            j--;
        }
        d->items[j] = g;
    }
}

/* Loads NUL-terminated text of `len` bytes. */
static cs_plan *load_text(const char *text, size_t len, const char *name, cs_diags *d)
{
    loader L = {d, name, text, len, NULL, 0, 0, 0};
    size_t nerr0 = d->nerrors, n0 = d->n;
    L.p = ld_calloc(&L, 1, sizeof *L.p);
    if (!L.p) return NULL;
    L.p->breakaway = CS_RANK_NONE;
    L.p->payout_cap_ppm = -1;
    L.p->file = ld_strdup(&L, name);
    node *root = build_tree(&L);
    /* an empty plan has no place to point at: a document of only "---" ends past its text */
    if ((root && is_null(root)) || (!root && d->nerrors == nerr0)) err_pos(&L, (cs_pos){0, 0}, "the plan is empty");
    else if (root) load_top(&L, root);
    node_free(root);
    sort_diags(d, n0);
    if (d->nerrors != nerr0) {
        cs_plan_free(L.p);
        return NULL;
    }
    return L.p;
}

cs_plan *cs_plan_load_string(const char *text, size_t len, const char *name, cs_diags *d)
{
    char *copy = malloc(len + 1);
    if (!copy) {
        cs_error(d, name, 0, 0, "out of memory");
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    cs_plan *p = load_text(copy, len, name, d);
    free(copy);
    return p;
}

/* Reads a whole file; returns a NUL-terminated buffer the caller frees, or NULL with errno set. */
static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (ferror(f) || feof(f)) break;
        if (cap >= MAX_FILE_BYTES) {
            errno = EFBIG;
            break;
        }
        char *b = realloc(buf, 2 * cap);
        if (!b) break;
        buf = b;
        cap *= 2;
    }
    int e = errno, ok = buf && !ferror(f) && feof(f);
    fclose(f);
    if (!ok) {
        free(buf);
        errno = e ? e : EIO;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

cs_plan *cs_plan_load_file(const char *path, cs_diags *d)
{
    size_t len = 0;
    errno = 0;
    char *text = read_all(path, &len);
    if (!text) {
        cs_error(d, path, 0, 0, "cannot read: %s", strerror(errno ? errno : EIO));
        return NULL;
    }
    cs_plan *p = load_text(text, len, path, d);
    free(text);
    return p;
}

void cs_plan_free(cs_plan *p)
{
    if (!p) return;
    for (size_t i = 0; i < p->nranks; i++) {
        free(p->ranks[i].name);
        free(p->ranks[i].legs);
    }
    for (size_t i = 0; i < p->nbonuses; i++) {
        cs_bonus *b = &p->bonuses[i];
        free(b->name);
        free(b->levels.ppm);
        free(b->rate_by_row);
        free(b->cents_by_row);
        free(b->shares_by_row);
        free(b->matched);
    }
    free(p->ranks);
    free(p->bonuses);
    free(p->file);
    free(p->name);
    free(p->description);
    free(p->currency);
    free(p);
}

int32_t cs_plan_rank_index(const cs_plan *p, const char *name) { return rank_lookup(p, name); }
