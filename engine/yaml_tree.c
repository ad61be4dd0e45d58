/* yaml_tree: YAML text -> tree of positioned nodes, and the checks of its values.  See
 * yaml_tree.h for what it does and who frees what.  This and the loaders built on it
 * (plan_load.c) are the only files that know YAML; only this one knows libyaml. */
#include "yaml_tree.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "money.h"

void cs_yt_init(cs_yt_ctx *c, cs_diags *d, const char *file, const char *kind, const char *src, size_t len)
{
    memset(c, 0, sizeof *c);
    c->d = d;
    c->file = file;
    c->kind = kind;
    c->src = src;
    c->srclen = len;
}

/* ------------------------------------------------------------------------------------------ */
/* Messages and memory                                                                         */

void cs_yt_err_at(cs_yt_ctx *c, cs_pos pos, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_diag_vadd(c->d, CS_SEV_ERROR, c->file, pos.line, pos.col, c->src, fmt, ap);
    va_end(ap);
}

void cs_yt_err(cs_yt_ctx *c, const cs_yt_node *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    cs_diag_vadd(c->d, CS_SEV_ERROR, c->file, n->pos.line, n->pos.col, c->src, fmt, ap);
    va_end(ap);
}

static void oom(cs_yt_ctx *c)
{
    if (!c->oom) cs_yt_err_at(c, (cs_pos){0, 0}, "out of memory");
    c->oom = 1;
}

void *cs_yt_calloc(cs_yt_ctx *c, size_t n, size_t size)
{
    void *q = calloc(n ? n : 1, size);
    if (!q) oom(c);
    return q;
}

char *cs_yt_strdup(cs_yt_ctx *c, const char *s)
{
    size_t n = strlen(s) + 1;
    char *q = cs_yt_calloc(c, n, 1);
    if (q) memcpy(q, s, n);
    return q;
}

void cs_yt_sort_diags(cs_diags *d, size_t from)
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

const char *cs_yt_of_where(const char *where, char *buf, size_t size)
{
    if (strncmp(where, " in ", 4)) return where;
    snprintf(buf, size, " of %s", where + 4);
    return buf;
}

char *cs_yt_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n - 1, f);
        if (ferror(f) || feof(f)) break;
        if (cap >= CS_YT_MAX_FILE_BYTES) {
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

/* ------------------------------------------------------------------------------------------ */
/* The tree                                                                                    */

typedef cs_yt_node node;

static cs_pos mark_pos(yaml_mark_t m) { return (cs_pos){(long)m.line + 1, (long)m.column + 1}; }

void cs_yt_free(cs_yt_node *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->nkids; i++) cs_yt_free(n->kids[i]);
    free(n->kids);
    free(n->text);
    free(n);
}

static node *node_new(cs_yt_ctx *c, cs_yt_kind kind, yaml_mark_t m)
{
    node *n = cs_yt_calloc(c, 1, sizeof *n);
    if (!n) return NULL;
    n->kind = kind;
    n->pos = mark_pos(m);
    return n;
}

static int node_add(cs_yt_ctx *c, node *parent, node *kid)
{
    if (parent->nkids == parent->cap) {
        size_t cap = parent->cap ? 2 * parent->cap : 4;
        node **k = realloc(parent->kids, cap * sizeof *k);
        if (!k) {
            oom(c);
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
    node *open[CS_YT_MAX_DEPTH]; /* collections being filled, outermost first */
    size_t depth;
    size_t skip; /* nesting inside a collection too deep to keep */
    int ndocs;
} builder;

static int attach(cs_yt_ctx *c, builder *b, node *n)
{
    if (!n) return 0;
    if (b->depth == 0) {
        b->root = n;
        return 1;
    }
    if (node_add(c, b->open[b->depth - 1], n)) return 1;
    cs_yt_free(n);
    return 0;
}

/* Line and column of a byte offset (libyaml gives only an offset for encoding errors). */
static cs_pos offset_pos(const cs_yt_ctx *c, size_t off)
{
    cs_pos pos = {1, 1};
    for (size_t i = 0; i < off && i < c->srclen; i++) {
        if (c->src[i] == '\n') pos.line++, pos.col = 1;
        else pos.col++;
    }
    return pos;
}

static void report_syntax(cs_yt_ctx *c, const yaml_parser_t *ps)
{
    if (ps->error == YAML_MEMORY_ERROR) {
        oom(c);
        return;
    }
    const char *problem = ps->problem ? ps->problem : "unreadable text";
    if (ps->error == YAML_READER_ERROR) {
        cs_pos pos = offset_pos(c, ps->problem_offset);
        if (ps->problem_value != -1)
            cs_yt_err_at(c, pos, "yaml syntax error: %s (byte 0x%02x)", problem, (unsigned)ps->problem_value & 0xffu);
        else
            cs_yt_err_at(c, pos, "yaml syntax error: %s", problem);
        return;
    }
    cs_pos pos = mark_pos(ps->problem_mark);
    if (ps->context)
        cs_yt_err_at(c, pos, "yaml syntax error: %s (%s at line %ld, column %ld)", problem, ps->context,
                     (long)ps->context_mark.line + 1, (long)ps->context_mark.column + 1);
    else
        cs_yt_err_at(c, pos, "yaml syntax error: %s", problem);
}

static int has_anchor(cs_yt_ctx *c, const yaml_event_t *ev, const yaml_char_t *anchor)
{
    if (!anchor) return 0;
    cs_yt_err_at(c, mark_pos(ev->start_mark), "anchors and aliases are not supported");
    return 1;
}

static int open_collection(cs_yt_ctx *c, builder *b, const yaml_event_t *ev, cs_yt_kind kind, const yaml_char_t *anchor)
{
    if (b->skip) {
        b->skip++;
        return 1;
    }
    has_anchor(c, ev, anchor);
    node *n = node_new(c, kind, ev->start_mark);
    if (!n) return 0;
    if (b->depth == CS_YT_MAX_DEPTH) {
        cs_yt_err(c, n, "nesting deeper than %d levels", CS_YT_MAX_DEPTH);
        n->bad = 1;
        b->skip = 1;
        return attach(c, b, n);
    }
    if (!attach(c, b, n)) return 0;
    b->open[b->depth++] = n;
    return 1;
}

static void close_collection(builder *b)
{
    if (b->skip) b->skip--;
    else if (b->depth) b->depth--;
}

static int add_scalar(cs_yt_ctx *c, builder *b, const yaml_event_t *ev)
{
    if (b->skip) return 1;
    has_anchor(c, ev, ev->data.scalar.anchor);
    node *n = node_new(c, CS_YT_SCALAR, ev->start_mark);
    if (!n) return 0;
    n->len = ev->data.scalar.length;
    n->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    n->text = cs_yt_calloc(c, n->len + 1, 1);
    if (!n->text) {
        cs_yt_free(n);
        return 0;
    }
    memcpy(n->text, ev->data.scalar.value, n->len);
    return attach(c, b, n);
}

static int add_alias(cs_yt_ctx *c, builder *b, const yaml_event_t *ev)
{
    if (b->skip) return 1;
    node *n = node_new(c, CS_YT_SCALAR, ev->start_mark);
    if (!n) return 0;
    cs_yt_err(c, n, "anchors and aliases are not supported");
    n->bad = 1;
    n->text = cs_yt_strdup(c, "");
    return attach(c, b, n);
}

/* Handles one event; returns 0 to stop reading. */
static int on_event(cs_yt_ctx *c, builder *b, const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->ndocs == 1) return 1;
        cs_yt_err_at(c, mark_pos(ev->start_mark), "a %s file holds one yaml document, and this is a second one",
                     c->kind ? c->kind : "yaml");
        return 0;
    case YAML_SEQUENCE_START_EVENT:
        return open_collection(c, b, ev, CS_YT_LIST, ev->data.sequence_start.anchor);
    case YAML_MAPPING_START_EVENT:
        return open_collection(c, b, ev, CS_YT_MAP, ev->data.mapping_start.anchor);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        close_collection(b);
        return 1;
    case YAML_SCALAR_EVENT:
        return add_scalar(c, b, ev);
    case YAML_ALIAS_EVENT:
        return add_alias(c, b, ev);
    case YAML_STREAM_END_EVENT:
        return 0;
    default:
        return 1;
    }
}

cs_yt_node *cs_yt_load(cs_yt_ctx *c)
{
    yaml_parser_t ps;
    if (!yaml_parser_initialize(&ps)) {
        oom(c);
        return NULL;
    }
    yaml_parser_set_input_string(&ps, (const unsigned char *)c->src, c->srclen);
    builder b;
    memset(&b, 0, sizeof b);
    int ok = 1;
    for (int more = 1; more;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&ps, &ev)) {
            report_syntax(c, &ps);
            ok = 0;
            break;
        }
        more = on_event(c, &b, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&ps);
    if (!ok || c->oom) {
        cs_yt_free(b.root);
        return NULL;
    }
    return b.root;
}

/* ------------------------------------------------------------------------------------------ */
/* Values                                                                                      */

int cs_yt_is_null(const cs_yt_node *v)
{
    if (v->kind != CS_YT_SCALAR || !v->plain) return 0;
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL"};
    for (size_t i = 0; i < sizeof nulls / sizeof *nulls; i++)
        if (!strcmp(v->text, nulls[i])) return 1;
    return 0;
}

const char *cs_yt_found(const cs_yt_node *v, char *buf, size_t size)
{
    if (v->kind == CS_YT_LIST) return "a list";
    if (v->kind == CS_YT_MAP) return "a mapping";
    if (cs_yt_is_null(v)) return "nothing";
    size_t n = strcspn(v->text, "\r\n");
    int cut = n > CS_YT_FOUND_MAX;
    snprintf(buf, size, "'%.*s%s'", (int)(cut ? CS_YT_FOUND_MAX - 3 : n), v->text, cut || n < v->len ? "..." : "");
    return buf;
}

#define FOUND(v) cs_yt_found((v), fbuf, sizeof fbuf)

int cs_yt_want_scalar(cs_yt_ctx *c, const cs_yt_node *v, const char *expect)
{
    char fbuf[CS_YT_FOUND_SIZE];
    if (v->bad) return 0;
    if (v->kind == CS_YT_SCALAR && !cs_yt_is_null(v)) return 1;
    cs_yt_err(c, v, "expected %s, found %s", expect, FOUND(v));
    return 0;
}

/* Numbers and booleans are not strings: they are written without quotes. */
int cs_yt_want_plain(cs_yt_ctx *c, const cs_yt_node *v, const char *expect)
{
    char fbuf[CS_YT_FOUND_SIZE];
    if (!cs_yt_want_scalar(c, v, expect)) return 0;
    if (v->plain) return 1;
    cs_yt_err(c, v, "expected %s, found the text %s (write it without quotes)", expect, FOUND(v));
    return 0;
}

int cs_yt_want_map(cs_yt_ctx *c, const cs_yt_node *v, const char *expect)
{
    char fbuf[CS_YT_FOUND_SIZE];
    if (v->bad) return 0;
    if (v->kind == CS_YT_MAP) return 1;
    cs_yt_err(c, v, "expected %s, found %s", expect, FOUND(v));
    return 0;
}

int cs_yt_want_list(cs_yt_ctx *c, const cs_yt_node *v, const char *expect)
{
    char fbuf[CS_YT_FOUND_SIZE];
    if (v->bad) return 0;
    if (v->kind == CS_YT_LIST) return 1;
    cs_yt_err(c, v, "expected %s, found %s", expect, FOUND(v));
    return 0;
}

char *cs_yt_get_text(cs_yt_ctx *c, const cs_yt_node *v, const char *expect)
{
    return cs_yt_want_scalar(c, v, expect) ? cs_yt_strdup(c, v->text) : NULL;
}

static int has_exponent(const node *v)
{
    return strpbrk(v->text, "eE") && strpbrk(v->text, "0123456789");
}

static const char *const unit_expect[] = {
    [CS_YT_VOLUME] = "a number such as '100' or '37.5'",
    [CS_YT_MONEY] = "an amount such as '49.00'",
    [CS_YT_COUNT] = "a whole number such as '2'",
};

static void num_error(cs_yt_ctx *c, const node *v, const char *what, cs_yt_unit u, cs_num_status st, int64_t max)
{
    char fbuf[CS_YT_FOUND_SIZE];
    const char *f = FOUND(v);
    switch (st) {
    case CS_NUM_NEGATIVE: cs_yt_err(c, v, "'%s' cannot be negative, found %s", what, f); break;
    case CS_NUM_NAN: cs_yt_err(c, v, "'%s' must be a finite number, found %s", what, f); break;
    case CS_NUM_PRECISION:
        if (u == CS_YT_COUNT) cs_yt_err(c, v, "expected %s, found %s", unit_expect[u], f);
        else cs_yt_err(c, v, "'%s' has more than two decimals, found %s", what, f);
        break;
    case CS_NUM_RANGE:
        if (u == CS_YT_COUNT) cs_yt_err(c, v, "'%s' is too large, found %s (at most %lld)", what, f, (long long)max);
        else cs_yt_err(c, v, "'%s' is too large, found %s", what, f);
        break;
    default:
        if (has_exponent(v)) cs_yt_err(c, v, "expected a plain decimal number, found %s (exponents are not allowed)", f);
        else cs_yt_err(c, v, "expected %s, found %s", unit_expect[u], f);
        break;
    }
}

int cs_yt_get_hundredths(cs_yt_ctx *c, const cs_yt_node *v, const char *what, cs_yt_unit u, int64_t *out)
{
    if (!cs_yt_want_plain(c, v, unit_expect[u])) return 0;
    cs_num_status st = cs_parse_hundredths(v->text, v->len, out);
    if (st == CS_NUM_OK) return 1;
    num_error(c, v, what, u, st, 0);
    return 0;
}

int cs_yt_get_count(cs_yt_ctx *c, const cs_yt_node *v, const char *what, int64_t max, int64_t *out)
{
    if (!cs_yt_want_plain(c, v, unit_expect[CS_YT_COUNT])) return 0;
    cs_num_status st = cs_parse_count(v->text, v->len, max, out);
    if (st == CS_NUM_OK) return 1;
    num_error(c, v, what, CS_YT_COUNT, st, max);
    return 0;
}

int cs_yt_get_percent(cs_yt_ctx *c, const cs_yt_node *v, const char *what, int32_t *out)
{
    static const char expect[] = "a percentage such as '5%'";
    char fbuf[CS_YT_FOUND_SIZE];
    if (!cs_yt_want_scalar(c, v, expect)) return 0;
    cs_num_status st = cs_parse_percent(v->text, v->len, out);
    switch (st) {
    case CS_NUM_OK: return 1;
    case CS_NUM_RANGE: cs_yt_err(c, v, "%s %.40s is above 100%%", what, v->text); break;
    case CS_NUM_NEGATIVE: cs_yt_err(c, v, "%s %.40s is below 0%%", what, v->text); break;
    case CS_NUM_PRECISION: cs_yt_err(c, v, "%s %.40s has more than four decimals", what, v->text); break;
    case CS_NUM_NAN: cs_yt_err(c, v, "%s must be a finite percentage, found %s", what, FOUND(v)); break;
    default: cs_yt_err(c, v, "expected %s, found %s", expect, FOUND(v)); break;
    }
    return 0;
}

int cs_yt_get_bool(cs_yt_ctx *c, const cs_yt_node *v, int *out)
{
    static const char expect[] = "true or false";
    char fbuf[CS_YT_FOUND_SIZE];
    if (!cs_yt_want_plain(c, v, expect)) return 0;
    if (!strcmp(v->text, "true") || !strcmp(v->text, "false")) {
        *out = v->text[0] == 't';
        return 1;
    }
    cs_yt_err(c, v, "expected %s, found %s", expect, FOUND(v));
    return 0;
}

int cs_yt_get_word(cs_yt_ctx *c, const cs_yt_node *v, const char *const *words, size_t n, const char *expect)
{
    char fbuf[CS_YT_FOUND_SIZE];
    if (!cs_yt_want_scalar(c, v, expect)) return -1;
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v->text, words[i])) return (int)i;
    cs_yt_err(c, v, "expected %s, found %s", expect, FOUND(v));
    return -1;
}

/* ------------------------------------------------------------------------------------------ */
/* Mappings                                                                                    */

const cs_yt_node *cs_yt_find_key(const cs_yt_node *m, const char *key)
{
    for (size_t i = 0; i + 1 < m->nkids; i += 2)
        if (m->kids[i]->kind == CS_YT_SCALAR && !strcmp(m->kids[i]->text, key)) return m->kids[i + 1];
    return NULL;
}

/* Reports an unknown key; returns the bit of the name suggested for it, or 0. */
static unsigned unknown_key(cs_yt_ctx *c, const node *k, const cs_yt_keyset *ks)
{
    const char *cand[CS_YT_MAX_KEYS];
    size_t nc = 0;
    for (size_t i = 0; i < ks->n && nc < CS_YT_MAX_KEYS; i++)
        if (ks->allowed & (1u << i)) cand[nc++] = ks->names[i];
    const char *s = cs_suggest(k->text, cand, nc);
    if (!s) {
        cs_yt_err(c, k, "unknown key '%s'%s", k->text, ks->where);
        return 0;
    }
    cs_yt_err(c, k, "unknown key '%s'%s (did you mean '%s'?)", k->text, ks->where, s);
    size_t j = 0;
    while (strcmp(ks->names[j], s)) j++;
    return 1u << j;
}

unsigned cs_yt_map_keys(cs_yt_ctx *c, const cs_yt_node *m, const cs_yt_keyset *ks, const cs_yt_node **vals,
                        const cs_yt_node **keys)
{
    unsigned typos = 0;
    char fbuf[CS_YT_FOUND_SIZE];
    for (size_t i = 0; i + 1 < m->nkids; i += 2) {
        const node *k = m->kids[i];
        if (k->bad) continue;
        if (k->kind != CS_YT_SCALAR) {
            cs_yt_err(c, k, "expected a key name, found %s", FOUND(k));
            continue;
        }
        size_t j = 0;
        while (j < ks->n && strcmp(k->text, ks->names[j])) j++;
        if (j == ks->n) typos |= unknown_key(c, k, ks);
        else if (!(ks->allowed & (1u << j))) cs_yt_err(c, k, "key '%s' does not apply to %s", k->text, ks->type_label);
        else if (vals[j])
            cs_yt_err(c, k, "duplicate key '%s'%s (first given at line %ld)", k->text, ks->where, keys[j]->pos.line);
        else {
            vals[j] = m->kids[i + 1];
            keys[j] = k;
        }
    }
    return typos;
}

int cs_yt_require(cs_yt_ctx *c, const cs_yt_node *m, const cs_yt_node *v, const char *key, const char *where, int typo)
{
    if (v) return 1;
    if (!typo) cs_yt_err(c, m, "missing required key '%s'%s", key, where);
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Overrides                                                                                   */

static node *ovr_node(cs_yt_ctx *c, cs_yt_kind kind, size_t i, const char *text)
{
    node *n = cs_yt_calloc(c, 1, sizeof *n);
    if (!n) return NULL;
    n->kind = kind;
    n->pos = (cs_pos){CS_YT_OVERRIDE_LINE + (long)i, 1};
    if (text) {
        n->plain = 1;
        n->len = strlen(text);
        if (!(n->text = cs_yt_strdup(c, text))) {
            free(n);
            return NULL;
        }
    }
    return n;
}

/* Appends key `name` with a null value to mapping m; returns the value's slot. */
static node **ovr_map_add(cs_yt_ctx *c, node *m, const char *name, size_t i)
{
    if (m->nkids + 2 > m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 4;
        node **nk = realloc(m->kids, nc * sizeof *nk);
        if (!nk) {
            oom(c);
            return NULL;
        }
        m->kids = nk, m->cap = nc;
    }
    node *k = ovr_node(c, CS_YT_SCALAR, i, name), *v = ovr_node(c, CS_YT_SCALAR, i, "");
    if (!k || !v) {
        cs_yt_free(k), cs_yt_free(v);
        return NULL;
    }
    m->kids[m->nkids++] = k;
    m->kids[m->nkids++] = v;
    return &m->kids[m->nkids - 1];
}

/* The item of list l whose 'name:' is `name`, or NULL; *names gets the names seen, for a
 * suggestion. */
static node **named_item(node *l, const char *name, const char **names, size_t *nnames, size_t max)
{
    node **found = NULL;
    *nnames = 0;
    for (size_t k = 0; k < l->nkids; k++) {
        const node *nm = l->kids[k]->kind == CS_YT_MAP ? cs_yt_find_key(l->kids[k], "name") : NULL;
        if (!nm || nm->kind != CS_YT_SCALAR) continue;
        if (!found && !strcmp(nm->text, name)) found = &l->kids[k];
        if (*nnames < max) names[(*nnames)++] = nm->text;
    }
    return found;
}

int cs_yt_apply_override(cs_yt_ctx *c, cs_yt_node **root, const cs_yt_override *ov, size_t i, const char *what)
{
    cs_pos at = {CS_YT_OVERRIDE_LINE + (long)i, 1};
    const char *shown = ov->shown ? ov->shown : ov->path;
    node **slot = root;
    const char *p = ov->path, *prev = "";
    size_t prevlen = 0;
    while (*p) {
        if (*p == '[') { /* a list item, which must exist: a sweep changes items, it does not add them */
            char *end;
            errno = 0;
            unsigned long long k = strtoull(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || errno || p[1] == '-' || p[1] == '+') {
                cs_yt_err_at(c, at, "'%s' is not a path such as 'bonuses.unilevel.levels[2]'", shown);
                return -1;
            }
            if ((*slot)->kind != CS_YT_LIST) {
                cs_yt_err_at(c, at, "'%s': '%.*s' is not a list in the base %s", shown, (int)prevlen, prev, what);
                return -1;
            }
            if (k >= (*slot)->nkids) {
                cs_yt_err_at(c, at, "'%s' is not in the base %s: '%.*s' has %zu item%s, numbered from 0 (items can be changed, not added)",
                             shown, what, (int)prevlen, prev, (*slot)->nkids, (*slot)->nkids == 1 ? "" : "s");
                return -1;
            }
            slot = &(*slot)->kids[k];
            prev = ov->path, prevlen = (size_t)(end + 1 - ov->path);
            p = end + 1;
            if (*p == '.') p++;
            continue;
        }
        size_t n = strcspn(p, ".[");
        char name[128];
        if (n == 0 || n >= sizeof name) {
            cs_yt_err_at(c, at, "'%s' is not a path such as 'bonuses.unilevel.levels[2]'", shown);
            return -1;
        }
        memcpy(name, p, n), name[n] = '\0';
        if ((*slot)->kind == CS_YT_LIST) { /* ranks.Silver: the rank named Silver */
            const char *names[64];
            size_t nn;
            node **item = named_item(*slot, name, names, &nn, 64);
            if (!item) {
                const char *s = cs_suggest(name, names, nn);
                cs_yt_err_at(c, at, "'%s' is not in the base %s: no item of '%.*s' is named '%s'%s%s%s", shown, what,
                             (int)prevlen, prev, name, s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "");
                return -1;
            }
            slot = item;
        } else {
            if (cs_yt_is_null(*slot)) { /* 'active:' with nothing under it, or a mapping made just now */
                node *m = ovr_node(c, CS_YT_MAP, i, NULL);
                if (!m) return -1;
                cs_yt_free(*slot);
                *slot = m;
            }
            if ((*slot)->kind != CS_YT_MAP) {
                cs_yt_err_at(c, at, "'%s': the base %s has no mapping where '%s' would go", shown, what, name);
                return -1;
            }
            node *m = *slot, **next = NULL;
            for (size_t j = 0; j + 1 < m->nkids; j += 2)
                if (m->kids[j]->kind == CS_YT_SCALAR && !strcmp(m->kids[j]->text, name)) next = &m->kids[j + 1];
            if (!next && p[n] == '[') {
                cs_yt_err_at(c, at, "'%s' is not in the base %s (list items can be changed, not added)", shown, what);
                return -1;
            }
            if (!next && !(next = ovr_map_add(c, m, name, i))) return -1;
            slot = next;
        }
        p += n;
        prev = ov->path, prevlen = (size_t)(p - ov->path);
        if (*p == '.') p++;
    }
    if ((*slot)->kind != CS_YT_SCALAR) {
        cs_yt_err_at(c, at, "'%s' names a %s in the base %s, not a single value", shown,
                     (*slot)->kind == CS_YT_LIST ? "list" : "mapping", what);
        return -1;
    }
    node *v = ovr_node(c, CS_YT_SCALAR, i, ov->value);
    if (!v) return -1;
    cs_yt_free(*slot);
    *slot = v;
    return 0;
}

void cs_yt_move_diag(cs_diag *g, const char *file, cs_pos pos, const char *src)
{
    char *f = strdup(file ? file : "override"), *snip = NULL;
    if (src && pos.line > 0) { /* the override's line, as diag.c echoes a line */
        const char *q = src;
        for (long l = 1; l < pos.line && *q; q++)
            if (*q == '\n') l++;
        size_t w = strcspn(q, "\r\n");
        if ((snip = malloc(w + 1))) memcpy(snip, q, w), snip[w] = '\0';
    }
    if (!f) { /* the message stays where it was */
        free(snip);
        return;
    }
    free(g->file), free(g->snippet);
    g->file = f, g->snippet = snip, g->line = pos.line, g->col = pos.col;
}

void cs_yt_relocate_overrides(cs_diags *d, size_t from, const char *name, const cs_yt_override *ov, size_t n)
{
    for (size_t j = from; j < d->n; j++) {
        cs_diag *g = &d->items[j];
        if (g->line < CS_YT_OVERRIDE_LINE || (size_t)(g->line - CS_YT_OVERRIDE_LINE) >= n || !g->file || strcmp(g->file, name))
            continue;
        const cs_yt_override *o = &ov[g->line - CS_YT_OVERRIDE_LINE];
        cs_yt_move_diag(g, o->file, o->pos, o->src);
    }
}
