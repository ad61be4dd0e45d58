#define _GNU_SOURCE /* strndup */
#include "report_data.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csv.h"
#include "money.h"
#include "strtab.h"
#include "yaml_tree.h"

/* ---- small helpers --------------------------------------------------------------------------- */

static char *path_join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p) snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* The whole file, NUL-terminated; NULL with an error in d. */
static char *read_all(const char *path, size_t *len, cs_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        cs_error(d, path, 0, 0, "cannot read: %s", strerror(errno));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) break;
            buf = nb, cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (!buf || err) {
        cs_error(d, path, 0, 0, buf ? "cannot read: input/output error" : "out of memory");
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

int64_t cs_rd_purchase_cost(int64_t purchases, int32_t value_ppm)
{
    return (int64_t)(((__int128)purchases * (CS_PPM_ONE - value_ppm) + CS_PPM_ONE / 2) / CS_PPM_ONE);
}

const char *cs_rd_param_value(const cs_rd *rd, const char *key)
{
    for (size_t i = 0; i < rd->nparams; i++)
        if (!strcmp(rd->params[i].key, key)) return rd->params[i].value;
    return NULL;
}

/* ---- manifest.json --------------------------------------------------------------------------- */

static const cs_yt_node *mkey(cs_yt_ctx *c, const cs_yt_node *m, const char *key, cs_yt_kind kind)
{
    const cs_yt_node *v = m && m->kind == CS_YT_MAP ? cs_yt_find_key(m, key) : NULL;
    if (!v) {
        cs_yt_err(c, m, "missing key '%s'", key);
        return NULL;
    }
    if (v->kind != kind) {
        cs_yt_err(c, v, "'%s' should be %s", key, kind == CS_YT_MAP ? "an object" : kind == CS_YT_LIST ? "a list" : "a value");
        return NULL;
    }
    return v;
}

static char *mtext(cs_yt_ctx *c, const cs_yt_node *m, const char *key)
{
    const cs_yt_node *v = mkey(c, m, key, CS_YT_SCALAR);
    if (!v) return NULL;
    char *s = cs_yt_is_null(v) ? strdup("") : strndup(v->text, v->len);
    if (!s) cs_yt_err(c, v, "out of memory");
    return s;
}

static int mint(cs_yt_ctx *c, const cs_yt_node *m, const char *key, int64_t lo, int64_t hi, int64_t *out)
{
    const cs_yt_node *v = mkey(c, m, key, CS_YT_SCALAR);
    if (!v) return 0;
    char *end;
    errno = 0;
    long long x = strtoll(v->text, &end, 10);
    if (errno || end == v->text || *end || x < lo || x > hi) {
        cs_yt_err(c, v, "'%s' should be a whole number from %lld to %lld", key, (long long)lo, (long long)hi);
        return 0;
    }
    *out = x;
    return 1;
}

static int mnum(cs_yt_ctx *c, const cs_yt_node *m, const char *key, double *out)
{
    const cs_yt_node *v = mkey(c, m, key, CS_YT_SCALAR);
    if (!v) return 0;
    char *end;
    double x = strtod(v->text, &end);
    if (end == v->text || *end) {
        cs_yt_err(c, v, "'%s' should be a number", key);
        return 0;
    }
    *out = x;
    return 1;
}

/* Flattens the parameters object into key paths and values, for the methods section. */
static int flatten(cs_rd *rd, const cs_yt_node *n, char *prefix, size_t plen)
{
    if (n->kind == CS_YT_SCALAR || (n->kind == CS_YT_LIST && n->nkids == 0)) {
        cs_rd_param *np = realloc(rd->params, (rd->nparams + 1) * sizeof *np);
        if (!np) return -1;
        rd->params = np;
        np[rd->nparams].key = strdup(prefix);
        np[rd->nparams].value = n->kind == CS_YT_LIST ? strdup("[]") : strndup(n->text, n->len);
        if (!np[rd->nparams].key || !np[rd->nparams].value) {
            free(np[rd->nparams].key), free(np[rd->nparams].value);
            return -1;
        }
        rd->nparams++;
        return 0;
    }
    if (n->kind == CS_YT_LIST) return 0; /* shocks: read on their own */
    for (size_t i = 0; i + 1 < n->nkids; i += 2) {
        const char *k = n->kids[i]->text ? n->kids[i]->text : "";
        size_t kl = strlen(k);
        if (plen + kl + 2 > 256) continue;
        size_t at = plen;
        if (plen) prefix[at++] = '.';
        memcpy(prefix + at, k, kl + 1);
        if (flatten(rd, n->kids[i + 1], prefix, at + kl)) return -1;
        prefix[plen] = '\0';
    }
    return 0;
}

/* Rank names from a plan, or NULL when the text does not load (then ranks are taken as met). */
static void load_plan(cs_rd_plan *p, const char *text, size_t len, cs_diags *d)
{
    cs_diags pd;
    cs_diags_init(&pd);
    p->plan = cs_plan_load_string(text, len, p->file, &pd);
    if (!p->plan && cs_diags_oom(&pd)) { /* not a plan this compsim cannot read: no memory to read it */
        cs_error(d, p->file, 0, 0, "out of memory");
    } else if (!p->plan) {
        cs_diag_add(d, CS_SEV_WARNING, p->file, 0, 0, NULL,
                    "the plan in the manifest does not load with this compsim: ranks are listed as found");
    } else {
        for (size_t r = 0; r < p->plan->nranks && r < CS_RD_MAX_RANKS; r++)
            if (!(p->rank[p->nranks++] = strdup(p->plan->ranks[r].name))) {
                cs_error(d, p->file, 0, 0, "out of memory");
                break;
            }
    }
    cs_diags_free(&pd);
}

static int read_manifest(cs_rd *rd, const char *path, cs_diags *d)
{
    size_t len;
    char *text = read_all(path, &len, d);
    if (!text) return -1;
    size_t errs = d->nerrors;
    cs_yt_ctx c;
    cs_yt_init(&c, d, path, "manifest", text, len);
    cs_yt_node *root = cs_yt_load(&c);
    int64_t x;
    if (!root || root->kind != CS_YT_MAP) {
        if (root) cs_yt_err(&c, root, "expected a json object");
        else if (d->nerrors == errs) cs_error(d, path, 0, 0, "empty manifest");
        goto done;
    }
    rd->version = mtext(&c, root, "compsim_version");
    const cs_yt_node *sc = mkey(&c, root, "scenario", CS_YT_MAP);
    if (sc) {
        rd->scenario_file = mtext(&c, sc, "file");
        rd->scenario_name = mtext(&c, sc, "name");
        rd->scenario_text = mtext(&c, sc, "text");
    }
    rd->generator = mtext(&c, root, "generator");
    if (mint(&c, root, "seed", 0, INT64_MAX, &x)) rd->seed = (uint64_t)x;
    if (mint(&c, root, "replicas", 1, 1000000, &x)) rd->replicas = x;
    if (mint(&c, root, "member_replicas", 0, 1000000, &x)) rd->member_replicas = x;
    const cs_yt_node *pl = mkey(&c, root, "plans", CS_YT_LIST);
    if (pl && (pl->nkids == 0 || pl->nkids > 64)) cs_yt_err(&c, pl, "expected 1 to 64 plans");
    else if (pl) {
        rd->plans = calloc(pl->nkids, sizeof *rd->plans);
        if (!rd->plans) goto oom;
        rd->nplans = pl->nkids;
        for (size_t k = 0; k < pl->nkids; k++) {
            const cs_yt_node *p = pl->kids[k];
            rd->plans[k].file = mtext(&c, p, "file");
            rd->plans[k].name = mtext(&c, p, "name");
            const cs_yt_node *t = p->kind == CS_YT_MAP ? cs_yt_find_key(p, "text") : NULL;
            if (rd->plans[k].file && t && t->kind == CS_YT_SCALAR && !cs_yt_is_null(t))
                load_plan(&rd->plans[k], t->text, t->len, d);
        }
    }
    const cs_yt_node *par = mkey(&c, root, "parameters", CS_YT_MAP);
    if (par) {
        char prefix[256] = "";
        if (flatten(rd, par, prefix, 0)) goto oom;
        if (mint(&c, par, "periods", 1, 10000, &x)) rd->periods = (int32_t)x;
        if (mint(&c, par, "population", 0, INT64_MAX, &x)) rd->population = x;
        const cs_yt_node *types = mkey(&c, par, "types", CS_YT_MAP);
        static const char *const tn[2] = {"customer", "builder"};
        for (int t = 0; t < 2 && types; t++) {
            const cs_yt_node *tp = mkey(&c, types, tn[t], CS_YT_MAP);
            if (tp && mint(&c, tp, "value_received_ppm", 0, CS_PPM_ONE, &x)) rd->value_ppm[t] = (int32_t)x;
        }
        const cs_yt_node *sh = mkey(&c, par, "shocks", CS_YT_LIST);
        if (sh && sh->nkids) {
            rd->shocks = calloc(sh->nkids, sizeof *rd->shocks);
            if (!rd->shocks) goto oom;
            for (size_t i = 0; i < sh->nkids; i++) {
                cs_rd_shock *s = &rd->shocks[rd->nshocks++];
                if (mint(&c, sh->kids[i], "from", 1, 10000, &x)) s->from = (int32_t)x;
                mnum(&c, sh->kids[i], "recruitment", &s->recruitment);
                mnum(&c, sh->kids[i], "attrition", &s->attrition);
            }
        }
    }
    rd->periods_per_year = rd->nplans && rd->plans[0].plan && rd->plans[0].plan->period == CS_PERIOD_WEEK ? 52 : 12;
    goto done;
oom:
    cs_error(d, path, 0, 0, "out of memory");
done:
    cs_yt_free(root);
    free(text);
    return d->nerrors == errs ? 0 : -1;
}

/* ---- CSV fields ------------------------------------------------------------------------------ */

typedef struct {
    const char *file;
    cs_diags *d;
    long line;
} rowctx;

static int col_index(const cs_csv *r, const char *name)
{
    for (size_t i = 0; i < r->nfields; i++)
        if (r->field[i].len == strlen(name) && !memcmp(r->field[i].p, name, r->field[i].len)) return (int)i;
    return -1;
}

/* Finds the named columns in the header; reports every missing one. */
static int find_columns(const cs_csv *r, const char *const *names, int *idx, size_t n, rowctx *x)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        idx[i] = col_index(r, names[i]);
        if (idx[i] < 0) {
            cs_error(x->d, x->file, x->line, 0, "missing column '%s'", names[i]);
            ok = 0;
        }
    }
    return ok;
}

static int get_count(const cs_csv *r, int col, const char *name, int64_t max, int64_t *out, rowctx *x)
{
    const cs_csv_field *f = &r->field[col];
    cs_num_status st = cs_parse_count(f->p, f->len, max, out);
    if (st == CS_NUM_OK) return 1;
    cs_error(x->d, x->file, x->line, 0, "column '%s': expected a whole number up to %lld, found '%.*s'", name,
             (long long)max, (int)(f->len > 40 ? 40 : f->len), f->p);
    return 0;
}

/* Money with an optional minus sign, in cents. */
static int get_money(const cs_csv *r, int col, const char *name, int64_t *out, rowctx *x)
{
    const cs_csv_field *f = &r->field[col];
    const char *p = f->p;
    size_t len = f->len;
    int neg = len > 0 && *p == '-';
    if (neg) p++, len--;
    cs_num_status st = len && *p != '-' && *p != '+' ? cs_parse_hundredths(p, len, out) : CS_NUM_SYNTAX;
    if (st == CS_NUM_OK) {
        if (neg) *out = -*out;
        return 1;
    }
    cs_error(x->d, x->file, x->line, 0, "column '%s': expected an amount such as '12.34', found '%.*s'", name,
             (int)(f->len > 40 ? 40 : f->len), f->p);
    return 0;
}

/* Reads every record of a CSV file, calling fn on each (the header is handed to `header`). */
static int each_record(const char *path, cs_diags *d, int (*header)(void *, cs_csv *, rowctx *),
                       int (*fn)(void *, cs_csv *, rowctx *), void *arg)
{
    size_t len;
    char *buf = read_all(path, &len, d);
    if (!buf) return -1;
    size_t errs = d->nerrors;
    cs_csv r;
    cs_csv_init(&r, buf, len);
    rowctx x = {path, d, 0};
    int st, have_header = 0;
    while ((st = cs_csv_next(&r)) != CS_CSV_EOF && d->nerrors - errs < 20) {
        if (st != CS_CSV_RECORD) {
            cs_error(d, path, r.error_line, 0, "%s", r.error);
            if (st == CS_CSV_FATAL) break;
            continue;
        }
        x.line = r.line;
        if (!have_header) {
            have_header = 1;
            if (header(arg, &r, &x)) break;
        } else if (fn(arg, &r, &x)) {
            break;
        }
    }
    if (!have_header && d->nerrors == errs) cs_error(d, path, 1, 0, "empty file: expected a header");
    cs_csv_free(&r);
    free(buf);
    return d->nerrors == errs ? 0 : -1;
}

/* ---- periods.csv ----------------------------------------------------------------------------- */

enum { P_REPLICA, P_PERIOD, P_PLAN, P_MEMBERS, P_JOINS, P_QUITS, P_REACHED, P_RECRUITERS, P_ACTIVE, P_PV, P_BV,
       P_RETAIL, P_PAID, P_PAIDM, P_N };
static const char *const pcols[P_N] = {"replica", "period", "plan", "members", "joins", "quits", "reached",
                                       "recruiters", "active", "pv", "bv", "retail", "company_paid", "paid_members"};

typedef struct {
    cs_rd *rd;
    int col[P_N];
    int bonus0;  /* first bonus column */
    uint8_t *seen;
} pstate;

static int periods_header(void *arg, cs_csv *r, rowctx *x)
{
    pstate *s = arg;
    if (!find_columns(r, pcols, s->col, P_N, x)) return -1;
    s->bonus0 = s->col[P_RETAIL] + 1;
    int nb = s->col[P_PAID] - s->bonus0;
    if (nb < 0) {
        cs_error(x->d, x->file, x->line, 0, "the bonus columns should stand between 'retail' and 'company_paid'");
        return -1;
    }
    cs_rd *rd = s->rd;
    rd->nbonus = (size_t)nb;
    rd->bonus_name = calloc(rd->nbonus + 1, sizeof *rd->bonus_name);
    size_t rows = (size_t)rd->replicas * rd->nplans * (size_t)rd->periods;
    rd->period = calloc(rows, sizeof *rd->period);
    rd->bonus = calloc(rows * rd->nbonus + 1, sizeof *rd->bonus);
    s->seen = calloc(rows, 1);
    if (!rd->bonus_name || !rd->period || !rd->bonus || !s->seen) {
        cs_error(x->d, x->file, 0, 0, "out of memory");
        return -1;
    }
    for (size_t b = 0; b < rd->nbonus; b++) {
        const cs_csv_field *f = &r->field[s->bonus0 + (int)b];
        if (!(rd->bonus_name[b] = strndup(f->p, f->len))) return cs_error(x->d, x->file, 0, 0, "out of memory"), -1;
    }
    return 0;
}

static int periods_row(void *arg, cs_csv *r, rowctx *x)
{
    pstate *s = arg;
    cs_rd *rd = s->rd;
    int64_t v[P_N] = {0}, rep, per, plan;
    if (!get_count(r, s->col[P_REPLICA], "replica", rd->replicas - 1, &rep, x) ||
        !get_count(r, s->col[P_PERIOD], "period", rd->periods, &per, x) ||
        !get_count(r, s->col[P_PLAN], "plan", (int64_t)rd->nplans, &plan, x))
        return 0;
    if (per < 1 || plan < 1) {
        cs_error(x->d, x->file, x->line, 0, "period and plan are numbered from 1");
        return 0;
    }
    size_t idx = ((size_t)rep * rd->nplans + (size_t)(plan - 1)) * (size_t)rd->periods + (size_t)(per - 1);
    if (s->seen[idx]) {
        cs_error(x->d, x->file, x->line, 0, "a second row for replica %lld, period %lld, plan %lld", (long long)rep,
                 (long long)per, (long long)plan);
        return 0;
    }
    s->seen[idx] = 1;
    int ok = 1;
    for (int c = P_MEMBERS; c < P_N; c++) {
        if (c == P_PV || c == P_BV || c == P_RETAIL || c == P_PAID) ok &= get_money(r, s->col[c], pcols[c], &v[c], x);
        else ok &= get_count(r, s->col[c], pcols[c], INT64_MAX, &v[c], x);
    }
    int64_t *b = &rd->bonus[idx * rd->nbonus];
    for (size_t k = 0; k < rd->nbonus; k++) ok &= get_money(r, s->bonus0 + (int)k, rd->bonus_name[k], &b[k], x);
    if (!ok) return 0;
    rd->period[idx] = (cs_rd_period){v[P_MEMBERS], v[P_JOINS],  v[P_QUITS], v[P_REACHED], v[P_RECRUITERS],
                                     v[P_ACTIVE],  v[P_PAIDM],  v[P_PV],    v[P_BV],      v[P_RETAIL],
                                     v[P_PAID]};
    return 0;
}

static int read_periods(cs_rd *rd, const char *path, cs_diags *d)
{
    pstate s = {.rd = rd};
    int rc = each_record(path, d, periods_header, periods_row, &s);
    if (rc == 0) {
        size_t rows = (size_t)rd->replicas * rd->nplans * (size_t)rd->periods;
        for (size_t i = 0; i < rows; i++)
            if (!s.seen[i]) {
                size_t t = i % (size_t)rd->periods, k = i / (size_t)rd->periods % rd->nplans,
                       r = i / (size_t)rd->periods / rd->nplans;
                cs_error(d, path, 0, 0, "no row for replica %zu, period %zu, plan %zu (the manifest says %lld replicas of %d periods)",
                         r, t + 1, k + 1, (long long)rd->replicas, rd->periods);
                rc = -1;
                break;
            }
    }
    free(s.seen);
    return rc;
}

/* ---- members.csv ----------------------------------------------------------------------------- */

enum { M_REPLICA, M_PLAN, M_ID, M_SPONSOR, M_TYPE, M_JOIN, M_QUIT, M_RANK, M_GROSS, M_RETAILP, M_PURCH, M_EXP, M_FEE,
       M_NET, M_N };
static const char *const mcols[M_N] = {"replica", "plan", "id", "sponsor", "type", "join_period", "quit_period",
                                       "highest_rank", "gross", "retail_profit", "purchases", "expenses",
                                       "signup_fee", "net"};

typedef struct {
    cs_rd *rd;
    int col[M_N];
    size_t cap;
    char **id, **sponsor; /* per member row, for counting recruits */
} mstate;

static int members_header(void *arg, cs_csv *r, rowctx *x)
{
    mstate *s = arg;
    return find_columns(r, mcols, s->col, M_N, x) ? 0 : -1;
}

static int rank_of(cs_rd_plan *p, const char *name, size_t len, rowctx *x)
{
    if (len == 0) return -1;
    for (size_t i = 0; i < p->nranks; i++)
        if (strlen(p->rank[i]) == len && !memcmp(p->rank[i], name, len)) return (int)i;
    if (p->plan || p->nranks >= CS_RD_MAX_RANKS) {
        cs_error(x->d, x->file, x->line, 0, "rank '%.*s' is not a rank of plan '%s'", (int)(len > 40 ? 40 : len), name,
                 p->name ? p->name : "?");
        return -2;
    }
    p->rank[p->nranks] = strndup(name, len);
    return p->rank[p->nranks] ? (int)p->nranks++ : -2;
}

static int members_row(void *arg, cs_csv *r, rowctx *x)
{
    mstate *s = arg;
    cs_rd *rd = s->rd;
    int64_t rep, plan, join, quit = 0;
    cs_rd_member m = {0};
    if (!get_count(r, s->col[M_REPLICA], "replica", rd->member_replicas - 1, &rep, x) ||
        !get_count(r, s->col[M_PLAN], "plan", (int64_t)rd->nplans, &plan, x) ||
        !get_count(r, s->col[M_JOIN], "join_period", rd->periods, &join, x))
        return 0;
    if (plan < 1 || join < 1) {
        cs_error(x->d, x->file, x->line, 0, "plan and join_period are numbered from 1");
        return 0;
    }
    if (r->field[s->col[M_QUIT]].len) {
        if (!get_count(r, s->col[M_QUIT], "quit_period", rd->periods, &quit, x)) return 0;
        if (quit < join) {
            cs_error(x->d, x->file, x->line, 0, "quit_period %lld is before join_period %lld", (long long)quit, (long long)join);
            return 0;
        }
    }
    const cs_csv_field *ty = &r->field[s->col[M_TYPE]];
    if (ty->len == 7 && !memcmp(ty->p, "builder", 7)) m.builder = 1;
    else if (!(ty->len == 8 && !memcmp(ty->p, "customer", 8))) {
        cs_error(x->d, x->file, x->line, 0, "column 'type': expected 'customer' or 'builder', found '%.*s'",
                 (int)(ty->len > 40 ? 40 : ty->len), ty->p);
        return 0;
    }
    int ok = get_money(r, s->col[M_GROSS], "gross", &m.gross, x) &
             get_money(r, s->col[M_RETAILP], "retail_profit", &m.retail_profit, x) &
             get_money(r, s->col[M_PURCH], "purchases", &m.purchases, x) &
             get_money(r, s->col[M_EXP], "expenses", &m.expenses, x) &
             get_money(r, s->col[M_FEE], "signup_fee", &m.signup_fee, x) & get_money(r, s->col[M_NET], "net", &m.net, x);
    if (!ok) return 0;
    const cs_csv_field *rk = &r->field[s->col[M_RANK]];
    m.rank = rank_of(&rd->plans[plan - 1], rk->p, rk->len, x);
    if (m.rank == -2) return 0;
    m.replica = (int32_t)rep, m.plan = (int32_t)(plan - 1), m.join = (int32_t)join, m.quit = (int32_t)quit;
    m.purchase_cost = cs_rd_purchase_cost(m.purchases, rd->value_ppm[m.builder]);
    /* the simulator's own net must equal its parts: the report's costs are then the simulator's */
    int64_t parts = m.gross + m.retail_profit - m.signup_fee - m.expenses - m.purchase_cost;
    if (parts != m.net) {
        cs_error(x->d, x->file, x->line, 0,
                 "net %.2f does not equal gross + retail_profit - signup_fee - expenses - the cost share of purchases = %.2f",
                 (double)m.net / 100, (double)parts / 100);
        return 0;
    }
    if (rd->nmembers == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 4096;
        cs_rd_member *nm = realloc(rd->member, nc * sizeof *nm);
        char **ni = nm ? realloc(s->id, nc * sizeof *ni) : NULL;
        if (ni) s->id = ni;
        char **ns = ni ? realloc(s->sponsor, nc * sizeof *ns) : NULL;
        if (nm) rd->member = nm;
        if (!ns) return cs_error(x->d, x->file, 0, 0, "out of memory"), -1;
        s->sponsor = ns;
        s->cap = nc;
    }
    const cs_csv_field *id = &r->field[s->col[M_ID]], *sp = &r->field[s->col[M_SPONSOR]];
    s->id[rd->nmembers] = strndup(id->p, id->len);
    s->sponsor[rd->nmembers] = sp->len ? strndup(sp->p, sp->len) : NULL;
    rd->member[rd->nmembers++] = m;
    if (!s->id[rd->nmembers - 1] || (sp->len && !s->sponsor[rd->nmembers - 1]))
        return cs_error(x->d, x->file, 0, 0, "out of memory"), -1;
    return 0;
}

/* Sorting rows by (replica, plan) keeps the file's order inside a group. */
typedef struct {
    cs_rd_member m;
    char *id, *sponsor;
    size_t line;
} mrow;

static int cmp_mrow(const void *a, const void *b)
{
    const mrow *x = a, *y = b;
    if (x->m.replica != y->m.replica) return x->m.replica < y->m.replica ? -1 : 1;
    if (x->m.plan != y->m.plan) return x->m.plan < y->m.plan ? -1 : 1;
    return x->line < y->line ? -1 : x->line > y->line;
}

/* Counts each member's recruits within its (replica, plan) group, through a hash of ids. */
static int count_recruits(cs_rd *rd, mrow *rows, const char *path, cs_diags *d)
{
    size_t ng = (size_t)rd->member_replicas * rd->nplans;
    for (size_t g = 0; g < ng; g++) {
        size_t a = rd->first[g], b = rd->first[g + 1], n = b - a, size = 1;
        while (size < 2 * n + 1) size *= 2;
        size_t *slot = malloc(size * sizeof *slot);
        if (!slot) return cs_error(d, path, 0, 0, "out of memory"), -1;
        for (size_t i = 0; i < size; i++) slot[i] = SIZE_MAX;
        for (size_t i = a; i < b; i++) {
            size_t h = cs_hash_bytes(rows[i].id, strlen(rows[i].id)) & (size - 1);
            while (slot[h] != SIZE_MAX && strcmp(rows[slot[h]].id, rows[i].id)) h = (h + 1) & (size - 1);
            if (slot[h] != SIZE_MAX) {
                cs_error(d, path, 0, 0, "member '%s' appears twice in replica %d, plan %d", rows[i].id,
                         rows[i].m.replica, rows[i].m.plan + 1);
                free(slot);
                return -1;
            }
            slot[h] = i;
        }
        for (size_t i = a; i < b; i++) {
            if (!rows[i].sponsor) continue;
            size_t h = cs_hash_bytes(rows[i].sponsor, strlen(rows[i].sponsor)) & (size - 1);
            while (slot[h] != SIZE_MAX && strcmp(rows[slot[h]].id, rows[i].sponsor)) h = (h + 1) & (size - 1);
            if (slot[h] == SIZE_MAX) {
                cs_error(d, path, 0, 0, "sponsor '%s' of member '%s' is not a member of replica %d", rows[i].sponsor,
                         rows[i].id, rows[i].m.replica);
                free(slot);
                return -1;
            }
            rd->member[slot[h]].recruits++;
        }
        free(slot);
    }
    return 0;
}

static int read_members(cs_rd *rd, const char *path, cs_diags *d)
{
    mstate s = {.rd = rd};
    int rc = each_record(path, d, members_header, members_row, &s);
    mrow *rows = rc == 0 && rd->nmembers ? malloc(rd->nmembers * sizeof *rows) : NULL;
    size_t ng = (size_t)rd->member_replicas * rd->nplans;
    rd->first = calloc(ng + 1, sizeof *rd->first);
    if (rc == 0 && (!rd->first || (rd->nmembers && !rows))) rc = -1, cs_error(d, path, 0, 0, "out of memory");
    if (rc == 0) {
        for (size_t i = 0; i < rd->nmembers; i++) rows[i] = (mrow){rd->member[i], s.id[i], s.sponsor[i], i};
        if (rd->nmembers) qsort(rows, rd->nmembers, sizeof *rows, cmp_mrow);
        for (size_t i = 0; i < rd->nmembers; i++) {
            rd->member[i] = rows[i].m;
            rd->first[(size_t)rows[i].m.replica * rd->nplans + (size_t)rows[i].m.plan + 1]++;
        }
        for (size_t g = 0; g < ng; g++) rd->first[g + 1] += rd->first[g];
        for (size_t g = 0; g < ng && rc == 0; g++)
            if (rd->first[g + 1] == rd->first[g]) {
                cs_error(d, path, 0, 0, "no members for replica %zu, plan %zu (the manifest says member_replicas %lld)",
                         g / rd->nplans, g % rd->nplans + 1, (long long)rd->member_replicas);
                rc = -1;
            }
        if (rc == 0) rc = count_recruits(rd, rows, path, d);
    }
    for (size_t i = 0; i < rd->nmembers; i++) free(s.id[i]), free(s.sponsor[i]);
    free(s.id);
    free(s.sponsor);
    free(rows);
    return rc;
}

/* ---- member_years.csv ------------------------------------------------------------------------ */

enum { Y_REPLICA, Y_PLAN, Y_YEAR, Y_FULL, Y_IN, Y_RANK, Y_GROSS, Y_RETAILP, Y_PURCH, Y_COST, Y_EXP, Y_FEE, Y_NET,
       Y_N };
static const char *const ycols[Y_N] = {"replica", "plan", "year", "full_year", "periods_in", "highest_rank", "gross",
                                       "retail_profit", "purchases", "purchase_cost", "expenses", "signup_fee", "net"};

typedef struct {
    cs_rd *rd;
    int col[Y_N];
    size_t cap;
} ystate;

static int years_header(void *arg, cs_csv *r, rowctx *x)
{
    ystate *s = arg;
    return find_columns(r, ycols, s->col, Y_N, x) ? 0 : -1;
}

static int years_row(void *arg, cs_csv *r, rowctx *x)
{
    ystate *s = arg;
    cs_rd *rd = s->rd;
    int64_t rep, plan, year, full, in;
    cs_rd_year y = {0};
    if (!get_count(r, s->col[Y_REPLICA], "replica", rd->member_replicas - 1, &rep, x) ||
        !get_count(r, s->col[Y_PLAN], "plan", (int64_t)rd->nplans, &plan, x) ||
        !get_count(r, s->col[Y_YEAR], "year", rd->periods, &year, x) ||
        !get_count(r, s->col[Y_FULL], "full_year", 1, &full, x) ||
        !get_count(r, s->col[Y_IN], "periods_in", 52, &in, x))
        return 0;
    if (plan < 1 || year < 1) {
        cs_error(x->d, x->file, x->line, 0, "plan and year are numbered from 1");
        return 0;
    }
    int ok = get_money(r, s->col[Y_GROSS], "gross", &y.gross, x) &
             get_money(r, s->col[Y_RETAILP], "retail_profit", &y.retail_profit, x) &
             get_money(r, s->col[Y_PURCH], "purchases", &y.purchases, x) &
             get_money(r, s->col[Y_COST], "purchase_cost", &y.purchase_cost, x) &
             get_money(r, s->col[Y_EXP], "expenses", &y.expenses, x) &
             get_money(r, s->col[Y_FEE], "signup_fee", &y.signup_fee, x) & get_money(r, s->col[Y_NET], "net", &y.net, x);
    if (!ok) return 0;
    const cs_csv_field *rk = &r->field[s->col[Y_RANK]];
    y.rank = rank_of(&rd->plans[plan - 1], rk->p, rk->len, x);
    if (y.rank == -2) return 0;
    int64_t parts = y.gross + y.retail_profit - y.signup_fee - y.expenses - y.purchase_cost;
    if (parts != y.net) {
        cs_error(x->d, x->file, x->line, 0,
                 "net %.2f does not equal gross + retail_profit - signup_fee - expenses - purchase_cost = %.2f",
                 (double)y.net / 100, (double)parts / 100);
        return 0;
    }
    y.replica = (int32_t)rep, y.plan = (int32_t)(plan - 1), y.year = (int32_t)year, y.periods_in = (int32_t)in;
    y.full = (uint8_t)full;
    if (rd->nyear_rows == s->cap) {
        size_t nc = s->cap ? 2 * s->cap : 4096;
        cs_rd_year *ny = realloc(rd->year, nc * sizeof *ny);
        if (!ny) return cs_error(x->d, x->file, 0, 0, "out of memory"), -1;
        rd->year = ny, s->cap = nc;
    }
    rd->year[rd->nyear_rows++] = y;
    if (y.year > rd->nyears) rd->nyears = y.year;
    return 0;
}

static int cmp_year(const void *a, const void *b)
{
    const cs_rd_year *x = a, *y = b;
    if (x->replica != y->replica) return x->replica < y->replica ? -1 : 1;
    if (x->plan != y->plan) return x->plan < y->plan ? -1 : 1;
    return (x->year > y->year) - (x->year < y->year);
}

/* Reads member_years.csv and checks that each group's years sum to its members' totals in
 * members.csv (gross and net, exactly): the two files then tell one story. */
static int read_years(cs_rd *rd, const char *path, cs_diags *d)
{
    ystate s = {.rd = rd};
    if (each_record(path, d, years_header, years_row, &s)) return -1;
    size_t np = rd->nplans, ng = (size_t)rd->member_replicas * np, Y = (size_t)rd->nyears;
    rd->yfirst = calloc(ng * Y + 1, sizeof *rd->yfirst);
    rd->year_full = calloc(np * Y + 1, 1);
    if (!rd->yfirst || !rd->year_full) return cs_error(d, path, 0, 0, "out of memory"), -1;
    /* the order inside a group does not matter: every figure of a year is a count, sum or quantile */
    if (rd->nyear_rows) qsort(rd->year, rd->nyear_rows, sizeof *rd->year, cmp_year);
    for (size_t i = 0; i < rd->nyear_rows; i++) {
        const cs_rd_year *y = &rd->year[i];
        rd->yfirst[((size_t)y->replica * np + (size_t)y->plan) * Y + (size_t)y->year]++;
        if (y->full) rd->year_full[(size_t)y->plan * Y + (size_t)y->year - 1] = 1;
    }
    for (size_t g = 0; g < ng * Y; g++) rd->yfirst[g + 1] += rd->yfirst[g];
    for (size_t g = 0; g < ng; g++) {
        int64_t yg = 0, yn = 0, mg = 0, mn = 0;
        for (size_t i = rd->yfirst[g * Y]; i < rd->yfirst[(g + 1) * Y]; i++) yg += rd->year[i].gross, yn += rd->year[i].net;
        for (size_t i = rd->first[g]; i < rd->first[g + 1]; i++) mg += rd->member[i].gross, mn += rd->member[i].net;
        if (yg != mg || yn != mn) {
            cs_error(d, path, 0, 0, "replica %zu, plan %zu: the years' gross %.2f and net %.2f differ from members.csv's %.2f and %.2f",
                     g / np, g % np + 1, (double)yg / 100, (double)yn / 100, (double)mg / 100, (double)mn / 100);
            return -1;
        }
    }
    rd->has_years = 1;
    return 0;
}

/* ---- the folder ------------------------------------------------------------------------------ */

cs_rd *cs_rd_load(const char *dir, cs_diags *d)
{
    cs_rd *rd = calloc(1, sizeof *rd);
    char *man = path_join(dir, "manifest.json"), *per = path_join(dir, "periods.csv"),
         *mem = path_join(dir, "members.csv"), *yrs = path_join(dir, "member_years.csv");
    int rc = -1;
    if (!rd || !man || !per || !mem || !yrs) {
        cs_error(d, dir, 0, 0, "out of memory");
        goto done;
    }
    if (read_manifest(rd, man, d)) goto done;
    if (read_periods(rd, per, d)) goto done;
    if (read_members(rd, mem, d)) goto done;
    /* optional: folders written before it existed have none, and the report says what is missing */
    if (access(yrs, F_OK) == 0 && read_years(rd, yrs, d)) goto done;
    rc = 0;
done:
    free(man), free(per), free(mem), free(yrs);
    if (rc) {
        cs_rd_free(rd);
        return NULL;
    }
    return rd;
}

void cs_rd_free(cs_rd *rd)
{
    if (!rd) return;
    free(rd->version), free(rd->scenario_name), free(rd->scenario_file), free(rd->scenario_text), free(rd->generator);
    for (size_t i = 0; i < rd->nparams; i++) free(rd->params[i].key), free(rd->params[i].value);
    free(rd->params);
    free(rd->shocks);
    for (size_t k = 0; k < rd->nplans; k++) {
        cs_rd_plan *p = &rd->plans[k];
        free(p->name), free(p->file);
        cs_plan_free(p->plan);
        for (size_t r = 0; r < p->nranks; r++) free(p->rank[r]);
    }
    free(rd->plans);
    for (size_t b = 0; b < rd->nbonus && rd->bonus_name; b++) free(rd->bonus_name[b]);
    free(rd->bonus_name);
    free(rd->period);
    free(rd->bonus);
    free(rd->member);
    free(rd->first);
    free(rd->year);
    free(rd->yfirst);
    free(rd->year_full);
    free(rd);
}
