/* plan_load: reads a plan file (YAML) into a checked, read-only cs_plan.
 *
 * Two stages, one direction:
 *
 *   text --yaml_tree--> tree of nodes --schema checks--> cs_plan
 *
 * 1. yaml_tree.c builds the tree (anchors and aliases refused, nesting limited, every node with
 *    its position) and provides the checks of single values and of the keys of a mapping.
 * 2. One function per part of the schema in docs/plan-format.md checks its nodes, reports every
 *    problem it finds and carries on, so one run lists all the problems of a file.  A node that
 *    has already been reported (an alias, a collection nested too deep) is marked `bad` and is
 *    skipped quietly from then on, so no problem is reported twice.
 *
 * Ownership: the tree belongs to the load call and is freed before it returns; the cs_plan is
 * handed to the caller only when no error was reported, otherwise it is freed here. */
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "yaml_tree.h"

#define MAX_COUNT INT64_C(1000000000) /* members, legs, shares: far beyond any real plan */
#define SUGGEST_MAX 64                /* names compared for a "did you mean" */

typedef cs_yt_node node;
typedef cs_yt_keyset keyset;

typedef struct {
    cs_yt_ctx y; /* diags, file name and source text for messages */
    cs_plan *p;
    /* a top-level value given but invalid (already reported): checks that depend on it are skipped */
    int fee_unknown, breakaway_unknown, placement_unknown;
    const node *placement_key; /* the top-level 'placement' key, for "not used" */
    const cs_bonus *ptree_bonus; /* the first binary or matrix bonus loaded */
} loader;

/* How a value that was not what we wanted is shown: "a list", "nothing", "'5'" (needs a local
 * `char fbuf[CS_YT_FOUND_SIZE]`). */
#define FOUND(v) cs_yt_found((v), fbuf, sizeof fbuf)


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
    if (s) cs_yt_err(&L->y, v, "%s '%s'%s (did you mean '%s'?)", pre, v->text, post, s);
    else cs_yt_err(&L->y, v, "%s '%s'%s", pre, v->text, post);
}

/* A reference to a rank (not 'unranked'); returns its index or CS_RANK_NONE after reporting. */
static int32_t get_rank_ref(loader *L, const node *v, const char *pre, const char *post)
{
    if (!cs_yt_want_scalar(&L->y, v, "a rank name")) return CS_RANK_NONE;
    int32_t r = rank_lookup(L->p, v->text);
    if (r != CS_RANK_NONE) return r;
    if (!strcmp(v->text, unranked)) cs_yt_err(&L->y, v, "'unranked' is not a rank here: name one of the plan's ranks");
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
    char fbuf[CS_YT_FOUND_SIZE];
    cs_rank *r = &L->p->ranks[i];
    r->pos = m->pos;
    const node *v = cs_yt_find_key(m, "name");
    if (!v || !cs_yt_want_scalar(&L->y, v, "a rank name")) return; /* missing: reported with the rules */
    r->pos = v->pos;
    if (!v->len) cs_yt_err(&L->y, v, "a rank name cannot be empty");
    else if (!strcmp(v->text, unranked)) cs_yt_err(&L->y, v, "the rank name 'unranked' is reserved for members without a rank");
    else if (strpbrk(v->text, "\r\n")) cs_yt_err(&L->y, v, "a rank name must be one line, found %s", FOUND(v));
    else {
        int32_t first = rank_lookup(L->p, v->text);
        if (first != CS_RANK_NONE)
            cs_yt_err(&L->y, v, "duplicate rank name '%s' (first defined at line %ld)", v->text, L->p->ranks[first].pos.line);
        else r->name = cs_yt_strdup(&L->y, v->text);
    }
}

static const char *const leg_keys[] = {"rank", "count"};

static void load_leg(loader *L, size_t i, const node *m, cs_leg_rule *leg, const char *where)
{
    const node *val[2] = {0}, *key[2] = {0};
    keyset ks = {leg_keys, 2, 3u, "", where};
    unsigned typos = cs_yt_map_keys(&L->y, m, &ks, val, key);
    if (cs_yt_require(&L->y, m, val[0], "rank", where, typos & 1u)) {
        char pre[200];
        if (L->p->ranks[i].name) snprintf(pre, sizeof pre, "rank '%s' requires unknown rank", L->p->ranks[i].name);
        else snprintf(pre, sizeof pre, "rank %zu requires unknown rank", i + 1);
        leg->rank = get_rank_ref(L, val[0], pre, "");
    }
    int64_t c;
    if (cs_yt_require(&L->y, m, val[1], "count", where, typos & 2u) && cs_yt_get_count(&L->y, val[1], "count", MAX_COUNT, &c)) {
        if (c == 0) cs_yt_err(&L->y, val[1], "'count' must be at least 1");
        leg->count = (int32_t)c;
    }
}

static void load_legs(loader *L, size_t i, const node *v, const char *where)
{
    cs_rank *r = &L->p->ranks[i];
    if (!cs_yt_want_list(&L->y, v, "a list of leg rules such as '[{rank: Bronze, count: 2}]'")) return;
    size_t n = v->nkids;
    if (n > CS_MAX_RANKS) {
        cs_yt_err(&L->y, v->kids[CS_MAX_RANKS], "a rank has at most %d leg rules", CS_MAX_RANKS);
        n = CS_MAX_RANKS;
    }
    r->legs = cs_yt_calloc(&L->y, n, sizeof *r->legs);
    if (!r->legs) return;
    r->nlegs = n;
    char w[256], ofw[240];
    snprintf(w, sizeof w, " in a leg rule%s", cs_yt_of_where(where, ofw, sizeof ofw));
    for (size_t k = 0; k < n; k++) {
        r->legs[k].rank = CS_RANK_NONE;
        if (cs_yt_want_map(&L->y, v->kids[k], "a leg rule such as '{rank: Bronze, count: 2}'"))
            load_leg(L, i, v->kids[k], &r->legs[k], w);
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
    unsigned typos = cs_yt_map_keys(&L->y, m, &ks, val, key);
    cs_yt_require(&L->y, m, val[RK_NAME], "name", where, typos & 1u);
    if (val[RK_PV]) cs_yt_get_hundredths(&L->y, val[RK_PV], "pv", CS_YT_VOLUME, &r->pv);
    if (val[RK_GV]) cs_yt_get_hundredths(&L->y, val[RK_GV], "gv", CS_YT_VOLUME, &r->gv);
    if (val[RK_SHARE]) {
        if (!val[RK_GV]) cs_yt_err(&L->y, key[RK_SHARE], "'max_leg_share' needs 'gv'%s", where);
        if (cs_yt_get_percent(&L->y, val[RK_SHARE], "max_leg_share", &r->max_leg_ppm) && r->max_leg_ppm == 0)
            cs_yt_err(&L->y, val[RK_SHARE], "max_leg_share must be above 0%%");
    }
    int64_t c;
    if (val[RK_FRONTLINE] && cs_yt_get_count(&L->y, val[RK_FRONTLINE], "active_frontline", MAX_COUNT, &c))
        r->active_frontline = (int32_t)c;
    if (val[RK_LEGS]) load_legs(L, i, val[RK_LEGS], where);
}

static void load_ranks(loader *L, const node *top, const node *v, int typo)
{
    if (!cs_yt_require(&L->y, top, v, "ranks", "", typo)) return;
    if (!cs_yt_want_list(&L->y, v, "a list of ranks")) return;
    size_t n = v->nkids;
    if (n == 0) {
        cs_yt_err(&L->y, v, "the plan has no ranks");
        return;
    }
    if (n > CS_MAX_RANKS) {
        cs_yt_err(&L->y, v->kids[CS_MAX_RANKS], "a plan has at most %d ranks", CS_MAX_RANKS);
        n = CS_MAX_RANKS;
    }
    L->p->ranks = cs_yt_calloc(&L->y, n, sizeof *L->p->ranks);
    if (!L->p->ranks) return;
    L->p->nranks = n;
    static const char expect[] = "a rank such as '{name: Silver, pv: 100}'";
    for (size_t i = 0; i < n; i++)
        if (cs_yt_want_map(&L->y, v->kids[i], expect)) load_rank_name(L, i, v->kids[i]);
    for (size_t i = 0; i < n; i++)
        if (v->kids[i]->kind == CS_YT_MAP && !v->kids[i]->bad) load_rank_rules(L, i, v->kids[i]);
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
    char fbuf[CS_YT_FOUND_SIZE], ex[120], ofw[240];
    memset(t, 0, sizeof *t);
    snprintf(ex, sizeof ex, "a table by rank such as '{Silver: ..., Gold: ...}' for '%s'", what);
    if (!cs_yt_want_map(&L->y, m, ex)) return 0;
    for (size_t i = 0; i + 1 < m->nkids; i += 2) {
        const node *k = m->kids[i];
        if (k->bad) continue;
        if (k->kind != CS_YT_SCALAR) {
            cs_yt_err(&L->y, k, "expected a rank name, found %s", FOUND(k));
            continue;
        }
        size_t row;
        if (!strcmp(k->text, unranked)) {
            if (!with_unranked) {
                cs_yt_err(&L->y, k, "'%s' lists ranks only: 'unranked' is not a rank", what);
                continue;
            }
            row = 0;
        } else {
            int32_t r = rank_lookup(L->p, k->text);
            if (r == CS_RANK_NONE) {
                char post[260];
                snprintf(post, sizeof post, " in '%s'%s", what, cs_yt_of_where(where, ofw, sizeof ofw));
                unknown_rank(L, k, "unknown rank", post, with_unranked);
                continue;
            }
            row = CS_ROW(r);
        }
        if (t->val[row]) {
            cs_yt_err(&L->y, k, "duplicate key '%s' in '%s'%s (first given at line %ld)", k->text, what,
                      cs_yt_of_where(where, ofw, sizeof ofw), t->key[row]->pos.line);
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
    int32_t *out = cs_yt_calloc(&L->y, nrows, sizeof *out);
    if (!out) return NULL;
    int32_t prev = 0;
    for (size_t row = 0; row < nrows; row++) {
        int32_t x;
        if (t->val[row] && cs_yt_get_percent(&L->y, t->val[row], "rate", &x)) prev = x;
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
        if (t->val[row] && cs_yt_get_count(&L->y, t->val[row], what, max, &x)) prev = x;
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
    if (!cs_yt_want_list(&L->y, v, "a list of rates such as '[5%, 3%]'")) return -1;
    size_t n = v->nkids;
    int ok = 1;
    if (n > CS_MAX_LEVELS) {
        cs_yt_err(&L->y, v->kids[CS_MAX_LEVELS], "at most %d levels are allowed", CS_MAX_LEVELS);
        n = CS_MAX_LEVELS;
        ok = 0;
    }
    for (size_t k = 0; k < n; k++) {
        out[k] = 0;
        if (!cs_yt_get_percent(&L->y, v->kids[k], "rate", &out[k])) ok = 0;
    }
    return ok ? (int)n : -1;
}

static int alloc_levels(loader *L, cs_level_table *lt, int nlevels)
{
    lt->ppm = cs_yt_calloc(&L->y, (L->p->nranks + 1) * (size_t)nlevels, sizeof *lt->ppm);
    if (!lt->ppm) return 0;
    lt->nlevels = nlevels;
    return 1;
}

/* `levels` with an optional `depth` table. */
static void levels_with_depth(loader *L, cs_level_table *lt, const node *levels, const node *depth, const char *where)
{
    int32_t rates[CS_MAX_LEVELS];
    int n = rate_list(L, levels, rates);
    if (n == 0) cs_yt_err(&L->y, levels, "'levels' is empty: give the rate of level 1 at least");
    if (n <= 0) return;
    size_t nrows = L->p->nranks + 1;
    int64_t d[CS_MAX_RANKS + 1];
    rank_table t;
    for (size_t row = 0; row < nrows; row++) d[row] = n;
    if (depth && !table_counts(L, depth, "depth", where, MAX_COUNT, d, &t)) return;
    for (size_t row = 0; depth && row < nrows; row++)
        if (t.val[row] && d[row] > n) {
            cs_yt_err(&L->y, t.val[row], "depth %lld is more than the %d levels given in 'levels'", (long long)d[row], n);
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
    int32_t(*rates)[CS_MAX_LEVELS] = cs_yt_calloc(&L->y, nrows, sizeof *rates);
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
    if (ok && longest == 0) cs_yt_err(&L->y, v, "'rates_by_rank' gives no rates");
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
    [CS_BONUS_ENROLMENT] = "enrolment",       [CS_BONUS_BINARY] = "binary",
    [CS_BONUS_MATRIX] = "matrix",
};

const char *cs_bonus_type_name(cs_bonus_type t)
{
    return (unsigned)t < CS_BONUS_NTYPES ? type_names[t] : "unknown";
}

static const char *const bonus_keys[] = {"name",  "type",    "compression", "levels", "depth",
                                         "rates_by_rank", "margin", "rates", "include_own",
                                         "matches", "amounts", "rate", "shares", "cycle", "cap",
                                         "carry_cap", "flush_after", "qualify", "completion"};
enum {
    BK_NAME, BK_TYPE, BK_COMPRESSION, BK_LEVELS, BK_DEPTH, BK_RATES_BY_RANK, BK_MARGIN, BK_RATES,
    BK_INCLUDE_OWN, BK_MATCHES, BK_AMOUNTS, BK_RATE, BK_SHARES, BK_CYCLE, BK_CAP, BK_CARRY_CAP,
    BK_FLUSH_AFTER, BK_QUALIFY, BK_COMPLETION, BK_N
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
    [CS_BONUS_BINARY] = BIT(BK_RATE) | BIT(BK_CYCLE) | BIT(BK_CAP) | BIT(BK_CARRY_CAP) | BIT(BK_FLUSH_AFTER) |
                        BIT(BK_QUALIFY),
    [CS_BONUS_MATRIX] = LEVEL_KEYS | BIT(BK_COMPLETION),
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
    const node *v = cs_yt_find_key(m, "name");
    if (!v || !cs_yt_want_scalar(&L->y, v, "a bonus name")) return; /* missing: reported with the other keys */
    b->pos = v->pos;
    if (!valid_bonus_name(v->text)) {
        cs_yt_err(&L->y, v, "a bonus name may only hold letters, digits, '_' and '-'");
        return;
    }
    int32_t first = bonus_lookup(L->p, v->text);
    if (first >= 0)
        cs_yt_err(&L->y, v, "duplicate bonus name '%s' (first defined at line %ld)", v->text, L->p->bonuses[first].pos.line);
    else b->name = cs_yt_strdup(&L->y, v->text);
}

static void load_matches(loader *L, cs_bonus *b, const bonus_src *s)
{
    const node *v = s->val[BK_MATCHES];
    if (!cs_yt_want_list(&L->y, v, "a list of bonus names such as '[unilevel]'")) return;
    if (v->nkids == 0) {
        cs_yt_err(&L->y, v, "'matches' is empty: name the bonuses to match");
        return;
    }
    b->matched = cs_yt_calloc(&L->y, v->nkids, sizeof *b->matched);
    if (!b->matched) return;
    const char *self = b->name ? b->name : "?";
    for (size_t k = 0; k < v->nkids; k++) {
        const node *e = v->kids[k];
        if (!cs_yt_want_scalar(&L->y, e, "a bonus name")) continue;
        int32_t j = bonus_lookup(L->p, e->text);
        if (j < 0) {
            const char *cand[SUGGEST_MAX];
            size_t nc = 0;
            for (size_t q = 0; q < L->p->nbonuses && nc < SUGGEST_MAX; q++)
                if (q != s->i && L->p->bonuses[q].name) cand[nc++] = L->p->bonuses[q].name;
            const char *sug = cs_suggest(e->text, cand, nc);
            if (sug) cs_yt_err(&L->y, e, "bonus '%s' matches unknown bonus '%s' (did you mean '%s'?)", self, e->text, sug);
            else cs_yt_err(&L->y, e, "bonus '%s' matches unknown bonus '%s'", self, e->text);
        } else if ((size_t)j == s->i) {
            cs_yt_err(&L->y, e, "bonus '%s' cannot match itself", self);
        } else if ((size_t)j > s->i) {
            cs_yt_err(&L->y, e,
                      "bonus '%s' matches '%s', which comes later in the plan (a matched bonus must be listed earlier)", self,
                      e->text);
        } else if (!cs_bonus_company_paid(L->p->bonuses[j].type)) {
            cs_yt_err(&L->y, e, "bonus '%s' cannot match '%s': retail profit is paid by customers, not by the company", self,
                      e->text);
        } else {
            size_t q = 0;
            while (q < b->nmatched && b->matched[q] != (size_t)j) q++;
            if (q < b->nmatched) cs_yt_err(&L->y, e, "'%s' is listed twice in 'matches'", e->text);
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
        int c = cs_yt_get_word(&L->y, s->val[BK_COMPRESSION], words, 2, "'none' or 'dynamic'");
        if (c >= 0) b->compression = c ? CS_COMPRESS_DYNAMIC : CS_COMPRESS_NONE;
    }
    if (depth && !lv) cs_yt_err(&L->y, s->key[BK_DEPTH], "'depth' goes with 'levels', not with 'rates_by_rank'");
    if (lv && rbr) cs_yt_err(&L->y, s->key[BK_RATES_BY_RANK], "give either 'levels' or 'rates_by_rank'%s, not both", s->where);
    else if (lv) levels_with_depth(L, &b->levels, lv, depth, s->where);
    else if (rbr) levels_by_rank(L, &b->levels, rbr, s->where);
    else if (!(s->typos & (BIT(BK_LEVELS) | BIT(BK_RATES_BY_RANK))))
        cs_yt_err(&L->y, s->m, "missing required key 'levels' or 'rates_by_rank'%s", s->where);
}

/* Stairstep rates must not fall from a row to the next (a lower rank never out-earns a higher). */
static void check_stairstep(loader *L, const int32_t *rate, const rank_table *t)
{
    for (size_t row = 1; row <= L->p->nranks; row++)
        if (rate[row] < rate[row - 1] && t->val[row]) {
            char a[16], c[16];
            snprintf(a, sizeof a, "%g%%", rate[row] / 1e4);
            snprintf(c, sizeof c, "%g%%", rate[row - 1] / 1e4);
            cs_yt_err(&L->y, t->val[row],
                      "stairstep rate %s of '%s' is below the %s of '%s' (rates must not decrease from rank to rank)", a,
                      row_name(L->p, row), c, row_name(L->p, row - 1));
        }
}

static void load_amounts(loader *L, cs_bonus *b, const bonus_src *s)
{
    rank_table t;
    if (!table_rows(L, s->val[BK_AMOUNTS], "amounts", s->where, 0, &t)) return;
    b->cents_by_row = cs_yt_calloc(&L->y, L->p->nranks + 1, sizeof *b->cents_by_row);
    if (!b->cents_by_row) return;
    for (size_t row = 1; row <= L->p->nranks; row++)
        if (t.val[row]) cs_yt_get_hundredths(&L->y, t.val[row], "amounts", CS_YT_MONEY, &b->cents_by_row[row]);
}

static void load_pool(loader *L, cs_bonus *b, const bonus_src *s)
{
    if (cs_yt_require(&L->y, s->m, s->val[BK_RATE], "rate", s->where, s->typos & BIT(BK_RATE)))
        cs_yt_get_percent(&L->y, s->val[BK_RATE], "rate", &b->pool_ppm);
    if (!cs_yt_require(&L->y, s->m, s->val[BK_SHARES], "shares", s->where, s->typos & BIT(BK_SHARES))) return;
    b->shares_by_row = cs_yt_calloc(&L->y, L->p->nranks + 1, sizeof *b->shares_by_row);
    rank_table t;
    if (b->shares_by_row) table_counts(L, s->val[BK_SHARES], "shares", s->where, MAX_COUNT, b->shares_by_row, &t);
}

/* ---- placement-tree bonuses (binary, matrix) ---- */

/* Keys that take one value for every rank or a table by rank: is v one of the two (a scalar or a
 * mapping)?  A list or nothing is reported with `expect`, which describes both forms. */
static int value_or_table(loader *L, const node *v, const char *expect)
{
    char fbuf[CS_YT_FOUND_SIZE];
    if (v->bad) return 0;
    if (v->kind == CS_YT_LIST || cs_yt_is_null(v)) {
        cs_yt_err(&L->y, v, "expected %s, found %s", expect, FOUND(v));
        return 0;
    }
    return 1;
}

/* A rate for every row: "10%" or "{Silver: 10%, Gold: 12%}".  nranks+1 rows, or NULL. */
static int32_t *rate_each_row(loader *L, const node *v, const char *what, const char *where)
{
    char ex[160];
    snprintf(ex, sizeof ex, "a rate such as '10%%' or a table by rank such as '{Silver: 10%%}' for '%s'", what);
    if (!value_or_table(L, v, ex)) return NULL;
    rank_table t;
    if (v->kind == CS_YT_MAP) return table_rates(L, v, what, where, &t);
    int32_t x;
    if (!cs_yt_get_percent(&L->y, v, what, &x)) return NULL;
    int32_t *out = cs_yt_calloc(&L->y, L->p->nranks + 1, sizeof *out);
    for (size_t row = 0; out && row <= L->p->nranks; row++) out[row] = x;
    return out;
}

/* An amount of money for every row: "54.00" or "{unranked: 14, Gold: 18}", filled forward. */
static int64_t *money_each_row(loader *L, const node *v, const char *what, const char *where)
{
    char ex[160];
    snprintf(ex, sizeof ex, "an amount such as '54.00' or a table by rank such as '{Silver: 54.00}' for '%s'", what);
    if (!value_or_table(L, v, ex)) return NULL;
    const size_t nrows = L->p->nranks + 1;
    int64_t *out = cs_yt_calloc(&L->y, nrows, sizeof *out);
    if (!out) return NULL;
    if (v->kind != CS_YT_MAP) {
        int64_t x = 0;
        cs_yt_get_hundredths(&L->y, v, what, CS_YT_MONEY, &x);
        for (size_t row = 0; row < nrows; row++) out[row] = x;
        return out;
    }
    rank_table t;
    if (!table_rows(L, v, what, where, 1, &t)) return out;
    int64_t prev = 0;
    for (size_t row = 0; row < nrows; row++) {
        int64_t x;
        if (t.val[row] && cs_yt_get_hundredths(&L->y, t.val[row], what, CS_YT_MONEY, &x)) prev = x;
        out[row] = prev;
    }
    return out;
}

static const char *const cycle_keys[] = {"weak", "strong", "amount"};

/* cycle: {weak: X, strong: Y, amount: A}, X <= Y. */
static void load_cycle(loader *L, cs_bonus *b, const node *m, const char *where)
{
    char w[256], ofw[240];
    snprintf(w, sizeof w, " in 'cycle'%s", cs_yt_of_where(where, ofw, sizeof ofw));
    if (!cs_yt_want_map(&L->y, m, "a mapping such as '{weak: 300, strong: 600, amount: 54.00}' for 'cycle'")) return;
    const node *val[3] = {0}, *key[3] = {0};
    keyset ks = {cycle_keys, 3, 7u, "", w};
    unsigned typos = cs_yt_map_keys(&L->y, m, &ks, val, key);
    int64_t vol[2] = {0, 0};
    int ok = 1;
    for (int k = 0; k < 2; k++) {
        if (!cs_yt_require(&L->y, m, val[k], cycle_keys[k], w, typos & (1u << k)) ||
            !cs_yt_get_hundredths(&L->y, val[k], cycle_keys[k], CS_YT_VOLUME, &vol[k])) {
            ok = 0;
        } else if (vol[k] == 0) {
            cs_yt_err(&L->y, val[k], "'%s' must be above 0", cycle_keys[k]);
            ok = 0;
        }
    }
    if (ok && vol[0] > vol[1])
        cs_yt_err(&L->y, val[0], "'weak' %s is more than 'strong' %s: the weaker leg gives the smaller volume of a cycle",
                  val[0]->text, val[1]->text);
    b->binary.weak = vol[0], b->binary.strong = vol[1];
    if (cs_yt_require(&L->y, m, val[2], "amount", w, typos & 4u)) b->cents_by_row = money_each_row(L, val[2], "amount", w);
}

static const char *const qualify_keys[] = {"sponsored_active_per_leg"};

static void load_qualify(loader *L, cs_bonus *b, const node *m, const char *where)
{
    char w[256], ofw[240];
    snprintf(w, sizeof w, " in 'qualify'%s", cs_yt_of_where(where, ofw, sizeof ofw));
    if (!cs_yt_want_map(&L->y, m, "a mapping such as '{sponsored_active_per_leg: 1}' for 'qualify'")) return;
    const node *val[1] = {0}, *key[1] = {0};
    keyset ks = {qualify_keys, 1, 1u, "", w};
    cs_yt_map_keys(&L->y, m, &ks, val, key);
    int64_t c;
    if (val[0] && cs_yt_get_count(&L->y, val[0], qualify_keys[0], MAX_COUNT, &c)) b->binary.sponsored_per_leg = (int32_t)c;
}

/* The checks every placement-tree bonus shares: the plan's placement suits it, and it is the only one. */
static void check_ptree_bonus(loader *L, const cs_bonus *b, const node *type_node)
{
    const cs_ptree_kind want = b->type == CS_BONUS_BINARY ? CS_PTREE_BINARY : CS_PTREE_MATRIX;
    const char *tn = type_names[b->type], *other = want == CS_PTREE_BINARY ? "a matrix" : "binary";
    const cs_ptree_kind have = L->p->placement.kind;
    if (L->ptree_bonus) {
        const cs_bonus *f = L->ptree_bonus;
        cs_yt_err(&L->y, type_node, "a plan has at most one binary or matrix bonus, and '%s' (line %ld) is one already",
                  f->name ? f->name : "?", f->pos.line);
        return;
    }
    L->ptree_bonus = b;
    if (L->placement_unknown || have == want) return;
    if (have == CS_PTREE_NONE)
        cs_yt_err(&L->y, type_node, "a %s bonus needs the plan's 'placement' section with 'type: %s'", tn, tn);
    else
        cs_yt_err(&L->y, type_node, "a %s bonus needs a %s placement, and the plan's 'placement' is %s", tn, tn, other);
}

static void load_binary(loader *L, cs_bonus *b, const bonus_src *s)
{
    cs_binary_spec *bs = &b->binary;
    bs->cap = -1, bs->carry_cap = -1;
    const node *rate = s->val[BK_RATE], *cycle = s->val[BK_CYCLE];
    if (rate && cycle) cs_yt_err(&L->y, s->key[BK_CYCLE], "give either 'rate' or 'cycle'%s, not both", s->where);
    else if (rate) b->rate_by_row = rate_each_row(L, rate, "rate", s->where);
    else if (cycle) load_cycle(L, b, cycle, s->where);
    else if (!(s->typos & (BIT(BK_RATE) | BIT(BK_CYCLE))))
        cs_yt_err(&L->y, s->m, "missing required key 'rate' or 'cycle'%s", s->where);
    const node *v;
    if ((v = s->val[BK_CAP]) && cs_yt_get_hundredths(&L->y, v, "cap", CS_YT_MONEY, &bs->cap) && bs->cap == 0)
        cs_yt_err(&L->y, v, "'cap' must be above 0 (leave it out for no cap)");
    if ((v = s->val[BK_CARRY_CAP])) cs_yt_get_hundredths(&L->y, v, "carry_cap", CS_YT_VOLUME, &bs->carry_cap);
    int64_t c;
    if ((v = s->val[BK_FLUSH_AFTER]) && cs_yt_get_count(&L->y, v, "flush_after", MAX_COUNT, &c)) {
        if (c == 0) cs_yt_err(&L->y, v, "'flush_after' must be at least 1 (leave it out never to flush)");
        bs->flush_after = (int32_t)c;
    }
    if ((v = s->val[BK_QUALIFY])) load_qualify(L, b, v, s->where);
}

/* The first rate beyond level `depth` in `levels` or in a list of `rates_by_rank`, or NULL. */
static const node *level_beyond(const node *levels, const node *by_rank, int depth)
{
    if (levels && levels->kind == CS_YT_LIST && levels->nkids > (size_t)depth) return levels->kids[depth];
    for (size_t i = 1; by_rank && by_rank->kind == CS_YT_MAP && i < by_rank->nkids; i += 2) {
        const node *l = by_rank->kids[i];
        if (l->kind == CS_YT_LIST && l->nkids > (size_t)depth) return l->kids[depth];
    }
    return NULL;
}

/* completion: {LEVEL: AMOUNT, ...}, levels 1..depth. */
static void load_completion(loader *L, cs_bonus *b, const node *m, int depth, const char *where)
{
    char fbuf[CS_YT_FOUND_SIZE], ofw[240];
    if (!cs_yt_want_map(&L->y, m, "a mapping from levels to amounts such as '{3: 100.00}' for 'completion'")) return;
    int64_t *amt = cs_yt_calloc(&L->y, CS_MAX_LEVELS, sizeof *amt);
    const node *seen[CS_MAX_LEVELS + 1] = {0};
    if (!amt) return;
    int top = 0;
    for (size_t i = 0; i + 1 < m->nkids; i += 2) {
        const node *k = m->kids[i], *v = m->kids[i + 1];
        int64_t lv;
        if (k->bad) continue;
        if (k->kind != CS_YT_SCALAR || !cs_yt_get_count(&L->y, k, "a completion level", MAX_COUNT, &lv)) {
            if (k->kind != CS_YT_SCALAR) cs_yt_err(&L->y, k, "expected a level such as '3', found %s", FOUND(k));
            continue;
        }
        if (lv == 0) {
            cs_yt_err(&L->y, k, "completion levels start at 1");
            continue;
        }
        if (depth ? lv > depth : lv > CS_MAX_LEVELS) {
            if (depth) cs_yt_err(&L->y, k, "a %d-deep matrix has no level %lld", depth, (long long)lv);
            else cs_yt_err(&L->y, k, "at most %d levels are allowed", CS_MAX_LEVELS);
            continue;
        }
        if (seen[lv]) {
            cs_yt_err(&L->y, k, "duplicate level %lld in 'completion'%s (first given at line %ld)", (long long)lv,
                      cs_yt_of_where(where, ofw, sizeof ofw), seen[lv]->pos.line);
            continue;
        }
        seen[lv] = k;
        if (cs_yt_get_hundredths(&L->y, v, "completion", CS_YT_MONEY, &amt[lv - 1]) && lv > top) top = (int)lv;
    }
    b->completion = amt;
    b->ncompletion = top;
}

static void load_matrix(loader *L, cs_bonus *b, const bonus_src *s)
{
    b->compression = CS_COMPRESS_NONE; /* every placement level counts: a matrix has no compression */
    load_level_bonus(L, b, s);
    const int depth = L->p->placement.kind == CS_PTREE_MATRIX ? L->p->placement.depth : 0;
    const node *beyond = depth ? level_beyond(s->val[BK_LEVELS], s->val[BK_RATES_BY_RANK], depth) : NULL;
    if (beyond) cs_yt_err(&L->y, beyond, "a %d-deep matrix has no level %d", depth, depth + 1);
    if (s->val[BK_COMPLETION]) load_completion(L, b, s->val[BK_COMPLETION], depth, s->where);
}

/* The keys particular to each type. */
static void load_bonus_body(loader *L, cs_bonus *b, const bonus_src *s)
{
    rank_table t;
    const node *type_node = cs_yt_find_key(s->m, "type");
    switch (b->type) {
    case CS_BONUS_RETAIL:
        if (cs_yt_require(&L->y, s->m, s->val[BK_MARGIN], "margin", s->where, s->typos & BIT(BK_MARGIN)))
            b->rate_by_row = table_rates(L, s->val[BK_MARGIN], "margin", s->where, &t);
        break;
    case CS_BONUS_STAIRSTEP:
        if (cs_yt_require(&L->y, s->m, s->val[BK_RATES], "rates", s->where, s->typos & BIT(BK_RATES))) {
            b->rate_by_row = table_rates(L, s->val[BK_RATES], "rates", s->where, &t);
            if (b->rate_by_row) check_stairstep(L, b->rate_by_row, &t);
        }
        if (s->val[BK_INCLUDE_OWN]) cs_yt_get_bool(&L->y, s->val[BK_INCLUDE_OWN], &b->include_own);
        break;
    case CS_BONUS_RANK_ADVANCE:
        if (cs_yt_require(&L->y, s->m, s->val[BK_AMOUNTS], "amounts", s->where, s->typos & BIT(BK_AMOUNTS)))
            load_amounts(L, b, s);
        break;
    case CS_BONUS_POOL:
        load_pool(L, b, s);
        break;
    case CS_BONUS_GENERATION:
        if (L->p->breakaway == CS_RANK_NONE && !L->breakaway_unknown)
            cs_yt_err(&L->y, type_node, "a generation bonus needs the plan's 'breakaway' rank");
        load_level_bonus(L, b, s);
        break;
    case CS_BONUS_ENROLMENT:
        if (L->p->enrolment_fee == 0 && !L->fee_unknown)
            cs_yt_err(&L->y, type_node, "an enrolment bonus needs the plan's 'enrolment_fee' (above 0)");
        load_level_bonus(L, b, s);
        break;
    case CS_BONUS_MATCHING:
        if (cs_yt_require(&L->y, s->m, s->val[BK_MATCHES], "matches", s->where, s->typos & BIT(BK_MATCHES)))
            load_matches(L, b, s);
        load_level_bonus(L, b, s);
        break;
    case CS_BONUS_BINARY:
        check_ptree_bonus(L, b, type_node);
        load_binary(L, b, s);
        break;
    case CS_BONUS_MATRIX:
        check_ptree_bonus(L, b, type_node);
        load_matrix(L, b, s);
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
    while (t < CS_BONUS_NTYPES && !(v && v->kind == CS_YT_SCALAR && !strcmp(v->text, type_names[t]))) t++;
    return (cs_bonus_type)t;
}

static cs_bonus_type load_bonus_type(loader *L, const bonus_src *s)
{
    const node *v = s->val[BK_TYPE];
    if (!cs_yt_require(&L->y, s->m, v, "type", s->where, s->typos & BIT(BK_TYPE))) return CS_BONUS_NTYPES;
    if (!cs_yt_want_scalar(&L->y, v, "a bonus type such as 'unilevel'")) return CS_BONUS_NTYPES;
    if (type_of(v) != CS_BONUS_NTYPES) return type_of(v);
    const char *sug = cs_suggest(v->text, type_names, CS_BONUS_NTYPES);
    if (sug) cs_yt_err(&L->y, v, "unknown bonus type '%s' (did you mean '%s'?)", v->text, sug);
    else cs_yt_err(&L->y, v, "unknown bonus type '%s'", v->text);
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
    cs_bonus_type t = type_of(cs_yt_find_key(m, "type"));
    char label[64] = "";
    keyset ks = {bonus_keys, BK_N, (1u << BK_N) - 1, label, s.where};
    if (t != CS_BONUS_NTYPES) {
        ks.allowed = BIT(BK_NAME) | BIT(BK_TYPE) | type_keys[t];
        snprintf(label, sizeof label, "%s %s bonus", t == CS_BONUS_ENROLMENT ? "an" : "a", type_names[t]);
    }
    s.typos = cs_yt_map_keys(&L->y, m, &ks, s.val, s.key);
    cs_yt_require(&L->y, m, s.val[BK_NAME], "name", s.where, s.typos & BIT(BK_NAME));
    b->type = load_bonus_type(L, &s);
    if (b->type == CS_BONUS_NTYPES) return;
    b->compression = default_compression(b->type);
    load_bonus_body(L, b, &s);
}

static void load_bonuses(loader *L, const node *top, const node *v, int typo)
{
    if (!cs_yt_require(&L->y, top, v, "bonuses", "", typo)) return;
    if (!cs_yt_want_list(&L->y, v, "a list of bonuses")) return;
    size_t n = v->nkids;
    if (n == 0) {
        cs_yt_err(&L->y, v, "the plan has no bonuses");
        return;
    }
    L->p->bonuses = cs_yt_calloc(&L->y, n, sizeof *L->p->bonuses);
    if (!L->p->bonuses) return;
    L->p->nbonuses = n;
    for (size_t i = 0; i < n; i++) L->p->bonuses[i].type = CS_BONUS_NTYPES;
    static const char expect[] = "a bonus such as '{name: unilevel, type: unilevel, levels: [5%]}'";
    for (size_t i = 0; i < n; i++)
        if (cs_yt_want_map(&L->y, v->kids[i], expect)) load_bonus_name(L, i, v->kids[i]);
    for (size_t i = 0; i < n; i++)
        if (v->kids[i]->kind == CS_YT_MAP && !v->kids[i]->bad) load_bonus(L, i, v->kids[i]);
}

/* ------------------------------------------------------------------------------------------ */
/* The top level                                                                               */

static const char *const top_keys[] = {"name",   "description", "currency",   "period", "enrolment_fee", "active",
                                       "breakaway", "payout_cap", "placement", "ranks", "bonuses"};
enum {
    TK_NAME, TK_DESCRIPTION, TK_CURRENCY, TK_PERIOD, TK_FEE, TK_ACTIVE, TK_BREAKAWAY, TK_CAP, TK_PLACEMENT, TK_RANKS,
    TK_BONUSES, TK_N
};

static const char *const placement_keys[] = {"type", "rule", "weaker_leg_by", "width", "depth"};
enum { PK_TYPE, PK_RULE, PK_BY, PK_WIDTH, PK_DEPTH, PK_N };

/* Rule words in cs_place_rule order. */
static const char *const rule_names[] = {"outer_left", "outer_right", "alternating", "weaker_leg", "spillover"};

/* width or depth: a whole number in [lo, hi]; 0 after reporting. */
static int load_dimension(loader *L, const node *m, const node *v, const char *what, int typo, int64_t lo, int64_t hi)
{
    int64_t x;
    if (!cs_yt_require(&L->y, m, v, what, " in 'placement'", typo) || !cs_yt_get_count(&L->y, v, what, hi, &x)) return 0;
    if (x < lo) {
        cs_yt_err(&L->y, v, "'%s' must be at least %lld", what, (long long)lo);
        return 0;
    }
    return (int)x;
}

/* placement: {type: binary, rule: R[, weaker_leg_by: volume|count]} or {type: matrix, width: W, depth: D[, rule: spillover]} */
static void load_placement(loader *L, const node *key, const node *m)
{
    cs_placement_spec *ps = &L->p->placement;
    L->placement_key = key;
    L->placement_unknown = 1;
    if (!cs_yt_want_map(&L->y, m, "a mapping such as '{type: binary, rule: weaker_leg}' for 'placement'")) return;
    static const char *const kinds[] = {"binary", "matrix"};
    const node *tv = cs_yt_find_key(m, "type");
    int kind = -1;
    for (int k = 0; k < 2; k++)
        if (tv && tv->kind == CS_YT_SCALAR && !strcmp(tv->text, kinds[k])) kind = k;
    const node *val[PK_N] = {0}, *keys[PK_N] = {0};
    static const unsigned allowed[2] = {BIT(PK_TYPE) | BIT(PK_RULE) | BIT(PK_BY),
                                        BIT(PK_TYPE) | BIT(PK_RULE) | BIT(PK_WIDTH) | BIT(PK_DEPTH)};
    keyset ks = {placement_keys, PK_N, kind < 0 ? (1u << PK_N) - 1 : allowed[kind],
                 kind == 1 ? "a matrix placement" : "a binary placement", " in 'placement'"};
    unsigned typos = cs_yt_map_keys(&L->y, m, &ks, val, keys);
    if (!cs_yt_require(&L->y, m, val[PK_TYPE], "type", " in 'placement'", typos & BIT(PK_TYPE))) return;
    if (cs_yt_get_word(&L->y, val[PK_TYPE], kinds, 2, "'binary' or 'matrix'") < 0) return;
    ps->pos = key->pos;
    L->placement_unknown = 0;
    int rule = -1;
    if (kind == 0) {
        ps->kind = CS_PTREE_BINARY, ps->width = 2, ps->depth = 0;
        if (cs_yt_require(&L->y, m, val[PK_RULE], "rule", " in 'placement'", typos & BIT(PK_RULE)))
            rule = cs_yt_get_word(&L->y, val[PK_RULE], rule_names, 5,
                                  "'outer_left', 'outer_right', 'alternating', 'weaker_leg' or 'spillover'");
    } else {
        ps->kind = CS_PTREE_MATRIX;
        ps->width = load_dimension(L, m, val[PK_WIDTH], "width", typos & BIT(PK_WIDTH), 2, CS_PLACE_MAX_WIDTH);
        ps->depth = load_dimension(L, m, val[PK_DEPTH], "depth", typos & BIT(PK_DEPTH), 1, CS_MAX_LEVELS);
        rule = CS_PLACE_SPILLOVER;
        if (val[PK_RULE] && cs_yt_get_word(&L->y, val[PK_RULE], rule_names + CS_PLACE_SPILLOVER, 1,
                                           "'spillover' (a matrix places by spillover only)") < 0)
            rule = -1;
    }
    ps->rule = rule < 0 ? CS_PLACE_SPILLOVER : (cs_place_rule)rule;
    if (!val[PK_BY]) return;
    if (rule >= 0 && rule != CS_PLACE_WEAKER_LEG) {
        cs_yt_err(&L->y, keys[PK_BY], "'weaker_leg_by' goes with 'rule: weaker_leg'");
        return;
    }
    static const char *const by[] = {"volume", "count"};
    int k = cs_yt_get_word(&L->y, val[PK_BY], by, 2, "'volume' or 'count'");
    if (k >= 0) ps->weaker_by_count = k;
}

/* A placement section that no bonus uses is most likely a mistake: nothing else reads the tree. */
static void check_placement_used(loader *L)
{
    const cs_plan *p = L->p;
    if (p->placement.kind == CS_PTREE_NONE || L->ptree_bonus) return;
    for (size_t i = 0; i < p->nbonuses; i++)
        if (p->bonuses[i].type == CS_BONUS_NTYPES) return; /* a bonus of unknown type may have been meant */
    cs_yt_err(&L->y, L->placement_key, "'placement' is not used: the plan has no %s bonus",
              p->placement.kind == CS_PTREE_BINARY ? "binary" : "matrix");
}

static void load_active(loader *L, const node *v)
{
    static const char *const names[] = {"min_pv"};
    const node *val[1] = {0}, *key[1] = {0};
    if (!cs_yt_want_map(&L->y, v, "a mapping such as '{min_pv: 100}' for 'active'")) return;
    keyset ks = {names, 1, 1u, "", " in 'active'"};
    cs_yt_map_keys(&L->y, v, &ks, val, key);
    if (val[0]) cs_yt_get_hundredths(&L->y, val[0], "min_pv", CS_YT_VOLUME, &L->p->active_pv);
}

/* name, description, currency: texts. */
static void load_labels(loader *L, const node *top, const node *const *val, unsigned typos)
{
    cs_plan *p = L->p;
    if (cs_yt_require(&L->y, top, val[TK_NAME], "name", "", typos & (1u << TK_NAME))) {
        p->name = cs_yt_get_text(&L->y, val[TK_NAME], "the plan's name");
        if (p->name && !*p->name) cs_yt_err(&L->y, val[TK_NAME], "the plan's name is empty");
    }
    if (val[TK_DESCRIPTION] && !cs_yt_is_null(val[TK_DESCRIPTION]))
        p->description = cs_yt_get_text(&L->y, val[TK_DESCRIPTION], "a description");
    if (val[TK_CURRENCY]) {
        p->currency = cs_yt_get_text(&L->y, val[TK_CURRENCY], "a currency such as 'USD'");
        if (p->currency && !*p->currency) cs_yt_err(&L->y, val[TK_CURRENCY], "the currency is empty");
    } else {
        p->currency = cs_yt_strdup(&L->y, "USD");
    }
}

static void load_top(loader *L, const node *top)
{
    char fbuf[CS_YT_FOUND_SIZE];
    cs_plan *p = L->p;
    if (top->kind != CS_YT_MAP) {
        cs_yt_err(&L->y, top, "expected the plan to be a mapping of keys such as 'name:' and 'ranks:', found %s", FOUND(top));
        return;
    }
    const node *val[TK_N] = {0}, *key[TK_N] = {0};
    keyset ks = {top_keys, TK_N, (1u << TK_N) - 1, "", ""};
    unsigned typos = cs_yt_map_keys(&L->y, top, &ks, val, key);
    load_labels(L, top, val, typos);
    if (val[TK_PERIOD]) {
        static const char *const words[] = {"month", "week"};
        int k = cs_yt_get_word(&L->y, val[TK_PERIOD], words, 2, "'month' or 'week'");
        if (k >= 0) p->period = k ? CS_PERIOD_WEEK : CS_PERIOD_MONTH;
    }
    if (val[TK_FEE])
        L->fee_unknown = !cs_yt_get_hundredths(&L->y, val[TK_FEE], "enrolment_fee", CS_YT_MONEY, &p->enrolment_fee);
    if (val[TK_ACTIVE]) load_active(L, val[TK_ACTIVE]);
    if (val[TK_CAP]) cs_yt_get_percent(&L->y, val[TK_CAP], "payout_cap", &p->payout_cap_ppm);
    if (val[TK_PLACEMENT]) load_placement(L, key[TK_PLACEMENT], val[TK_PLACEMENT]);
    load_ranks(L, top, val[TK_RANKS], typos & (1u << TK_RANKS));
    if (val[TK_BREAKAWAY]) {
        p->breakaway = get_rank_ref(L, val[TK_BREAKAWAY], "unknown rank", " for 'breakaway'");
        L->breakaway_unknown = p->breakaway == CS_RANK_NONE;
    }
    load_bonuses(L, top, val[TK_BONUSES], typos & (1u << TK_BONUSES));
    check_placement_used(L);
}

/* Loads NUL-terminated text of `len` bytes, with the overrides ov[0..nov) applied to its tree. */
static cs_plan *load_text(const char *text, size_t len, const char *name, const cs_yt_override *ov, size_t nov,
                          cs_diags *d)
{
    loader L;
    memset(&L, 0, sizeof L);
    cs_yt_init(&L.y, d, name, "plan", text, len);
    size_t nerr0 = d->nerrors, n0 = d->n;
    L.p = cs_yt_calloc(&L.y, 1, sizeof *L.p);
    if (!L.p) return NULL;
    L.p->breakaway = CS_RANK_NONE;
    L.p->payout_cap_ppm = -1;
    L.p->file = cs_yt_strdup(&L.y, name);
    node *root = cs_yt_load(&L.y);
    /* an empty plan has no place to point at: a document of only "---" ends past its text */
    if ((root && cs_yt_is_null(root)) || (!root && d->nerrors == nerr0))
        cs_yt_err_at(&L.y, (cs_pos){0, 0}, "the plan is empty");
    else if (root) {
        if (root->kind == CS_YT_MAP) /* else load_top says what is wrong */
            for (size_t i = 0; i < nov; i++) cs_yt_apply_override(&L.y, &root, &ov[i], i, "plan");
        load_top(&L, root);
    }
    cs_yt_free(root);
    cs_yt_sort_diags(d, n0);
    if (nov) cs_yt_relocate_overrides(d, n0, name, ov, nov);
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
    cs_plan *p = load_text(copy, len, name, NULL, 0, d);
    free(copy);
    return p;
}

cs_plan *cs_plan_load_overrides(const char *text, size_t len, const char *name, const struct cs_yt_override *ov, size_t n,
                                cs_diags *d)
{
    char *copy = malloc(len + 1);
    if (!copy) {
        cs_error(d, name, 0, 0, "out of memory");
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    cs_plan *p = load_text(copy, len, name, ov, n, d);
    free(copy);
    return p;
}

cs_plan *cs_plan_load_file(const char *path, cs_diags *d)
{
    size_t len = 0;
    errno = 0;
    char *text = cs_yt_read_file(path, &len);
    if (!text) {
        cs_error(d, path, 0, 0, "cannot read: %s", strerror(errno ? errno : EIO));
        return NULL;
    }
    cs_plan *p = load_text(text, len, path, NULL, 0, d);
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
        free(b->completion);
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

const cs_bonus *cs_plan_placement_bonus(const cs_plan *p)
{
    for (size_t i = 0; i < p->nbonuses; i++)
        if (cs_bonus_on_placement(p->bonuses[i].type)) return &p->bonuses[i];
    return NULL;
}
