/* sweep_load: reads a sweep file (docs/sweeps.md) into a checked cs_sweep.
 *
 * As the scenario loader does, every check reports and carries on, so one run lists every problem.
 * A parameter's path must be one of the tables below (its kind says how values are written): a
 * scenario path, or a plan path ("plan." or "plan@K.", then the plan's own keys).  A plan path
 * must lead to a value of the base plan; its range ends and list values are then tried on the base
 * scenario, one at a time, through the scenario's and plan's own loaders (sweep_point.h), so that
 * a value they would refuse is reported at the sweep's line before anything runs.  (Combinations
 * are checked by cs_sweep_begin, point by point.) */
#include "sweep.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "sweep_point.h"
#include "yaml_tree.h"

typedef cs_yt_node node;

/* ---- what can be swept ------------------------------------------------------------------------- */

/* Paths with "types.*." for either member type and "shocks[]." for any shock. */
static const struct {
    const char *path;
    cs_sweep_kind kind;
} sweepable[] = {
    {"periods", CS_SWP_COUNT},
    {"market.population", CS_SWP_COUNT},
    {"market.founders", CS_SWP_COUNT},
    {"market.bv_share", CS_SWP_PERCENT},
    {"recruitment.dispersion", CS_SWP_REAL},
    {"recruitment.contacts.mean", CS_SWP_REAL},
    {"recruitment.contacts.dispersion", CS_SWP_REAL},
    {"recruitment.contacts.acceptance", CS_SWP_PERCENT},
    {"costs.signup_fee", CS_SWP_MONEY},
    {"types.*.share", CS_SWP_PERCENT},
    {"types.*.recruits", CS_SWP_REAL},
    {"types.*.order_probability", CS_SWP_PERCENT},
    {"types.*.pv.median", CS_SWP_REAL},
    {"types.*.pv.sigma", CS_SWP_REAL},
    {"types.*.retail_probability", CS_SWP_PERCENT},
    {"types.*.retail.median", CS_SWP_REAL},
    {"types.*.retail.sigma", CS_SWP_REAL},
    {"types.*.expenses.median", CS_SWP_REAL},
    {"types.*.expenses.sigma", CS_SWP_REAL},
    {"types.*.value_received", CS_SWP_PERCENT},
    {"types.*.attrition.early_periods", CS_SWP_COUNT},
    {"types.*.attrition.early", CS_SWP_PERCENT},
    {"types.*.attrition.later", CS_SWP_PERCENT},
    {"types.*.attrition.loss_factor", CS_SWP_REAL},
    {"shocks[].from", CS_SWP_COUNT},
    {"shocks[].recruitment", CS_SWP_REAL},
    {"shocks[].attrition", CS_SWP_REAL},
};
#define NSWEEPABLE (sizeof sweepable / sizeof *sweepable)

/* "types.builder.x" -> "types.*.x", "shocks[3].x" -> "shocks[].x"; 0 if it does not fit. */
static int normalise_path(const char *p, char *out, size_t size)
{
    const char *rest = p;
    char head[32] = "";
    if (!strncmp(p, "types.customer.", 15) || !strncmp(p, "types.builder.", 14)) {
        strcpy(head, "types.*.");
        rest = strchr(p + 6, '.') + 1;
    } else if (!strncmp(p, "shocks[", 7)) {
        size_t k = 7;
        while (p[k] >= '0' && p[k] <= '9') k++;
        if (k == 7 || k > 12 || p[k] != ']' || p[k + 1] != '.') return 0;
        strcpy(head, "shocks[].");
        rest = p + k + 2;
    }
    return snprintf(out, size, "%s%s", head, rest) < (int)size;
}

/* Plan parameters (docs/sweeps.md), after "plan." or "plan@K.": R a rank (its name, or [I] in
 * 'ranks'; in a table by rank, a rank name or 'unranked'), B a bonus (its name or [I]), L a
 * completion level, [I] a list item from 0. */
static const struct {
    const char *path;
    cs_sweep_kind kind;
} plan_sweepable[] = {
    {"enrolment_fee", CS_SWP_MONEY},
    {"active.min_pv", CS_SWP_VOLUME},
    {"payout_cap", CS_SWP_PERCENT},
    {"placement.width", CS_SWP_COUNT},
    {"placement.depth", CS_SWP_COUNT},
    {"ranks.R.pv", CS_SWP_VOLUME},
    {"ranks.R.gv", CS_SWP_VOLUME},
    {"ranks.R.max_leg_share", CS_SWP_PERCENT},
    {"ranks.R.active_frontline", CS_SWP_COUNT},
    {"ranks.R.legs[I].count", CS_SWP_COUNT},
    {"bonuses.B.levels[I]", CS_SWP_PERCENT},
    {"bonuses.B.depth.R", CS_SWP_COUNT},
    {"bonuses.B.rates_by_rank.R[I]", CS_SWP_PERCENT},
    {"bonuses.B.margin.R", CS_SWP_PERCENT},
    {"bonuses.B.rates.R", CS_SWP_PERCENT},
    {"bonuses.B.rate", CS_SWP_PERCENT},
    {"bonuses.B.rate.R", CS_SWP_PERCENT},
    {"bonuses.B.shares.R", CS_SWP_COUNT},
    {"bonuses.B.amounts.R", CS_SWP_MONEY},
    {"bonuses.B.cap", CS_SWP_MONEY},
    {"bonuses.B.carry_cap", CS_SWP_VOLUME},
    {"bonuses.B.flush_after", CS_SWP_COUNT},
    {"bonuses.B.cycle.weak", CS_SWP_VOLUME},
    {"bonuses.B.cycle.strong", CS_SWP_VOLUME},
    {"bonuses.B.cycle.amount", CS_SWP_MONEY},
    {"bonuses.B.cycle.amount.R", CS_SWP_MONEY},
    {"bonuses.B.qualify.sponsored_active_per_leg", CS_SWP_COUNT},
    {"bonuses.B.completion.L", CS_SWP_MONEY},
};
#define NPLAN_SWEEPABLE (sizeof plan_sweepable / sizeof *plan_sweepable)

int cs_sweep_path_plan(const char *path, const char **rest)
{
    if (rest) *rest = path;
    if (strncmp(path, "plan", 4) || (path[4] != '.' && path[4] != '@')) return 0;
    long k = 1;
    const char *p = path + 4;
    if (*p == '@') {
        char *end;
        errno = 0;
        k = strtol(p + 1, &end, 10);
        if (end == p + 1 || *end != '.' || errno || k < 1 || p[1] == '+') return -1;
        p = end;
    }
    if (rest) *rest = p + 1;
    return k > CS_SCENARIO_MAX_PLANS ? CS_SCENARIO_MAX_PLANS + 1 : (int)k;
}

/* The pattern of a path inside a plan: "bonuses.unilevel.levels[2]" -> "bonuses.B.levels[I]".  A
 * name may hold anything but '.', '[', ']' and what a CSV header cannot (',', '"'); 0 if the path
 * does not split into such names and items. */
static int normalise_plan_path(const char *p, char *out, size_t size)
{
    static const char *const tables[] = {"depth", "rates_by_rank", "margin", "rates", "rate", "shares", "amounts", "amount"};
    size_t o = 0, tok = 0;
    char prev[64] = "";
    out[0] = '\0';
    while (*p) {
        const char *piece;
        char buf[64];
        if (*p == '[') {
            size_t k = 1;
            while (p[k] >= '0' && p[k] <= '9') k++;
            if (k == 1 || k > 10 || p[k] != ']') return 0;
            piece = "[I]";
            p += k + 1;
            strcpy(prev, "[");
        } else {
            size_t n = strcspn(p, ".[]");
            if (n == 0 || n >= sizeof buf || memchr(p, ',', n) || memchr(p, '"', n)) return 0;
            memcpy(buf, p, n), buf[n] = '\0';
            piece = buf;
            if (tok == 1 && !strcmp(prev, "ranks")) piece = "R";
            else if (tok == 1 && !strcmp(prev, "bonuses")) piece = "B";
            else if (tok >= 3 && !strcmp(prev, "completion")) piece = "L";
            else
                for (size_t t = 0; tok >= 3 && t < sizeof tables / sizeof *tables; t++)
                    if (!strcmp(prev, tables[t])) piece = "R";
            memcpy(prev, buf, n + 1);
            p += n;
        }
        if (tok == 1 && !strcmp(piece, "[I]") && (!strcmp(out, "ranks") || !strcmp(out, "bonuses")))
            piece = !strcmp(out, "ranks") ? ".R" : ".B"; /* ranks[2]: the third rank */
        int w = snprintf(out + o, size - o, "%s%s", o && piece[0] != '[' && piece[0] != '.' ? "." : "", piece);
        if (w < 0 || (size_t)w >= size - o) return 0;
        o += (size_t)w;
        tok++;
        if (*p == '.') {
            p++;
            if (!*p || *p == '.' || *p == '[') return 0;
        } else if (*p && *p != '[') {
            return 0;
        }
    }
    return o > 0;
}

int cs_sweep_path_kind(const char *path)
{
    char n[160];
    const char *rest;
    int plan = cs_sweep_path_plan(path, &rest);
    if (plan < 0) return -1;
    if (plan > 0) {
        if (!normalise_plan_path(rest, n, sizeof n)) return -1;
        for (size_t i = 0; i < NPLAN_SWEEPABLE; i++)
            if (!strcmp(n, plan_sweepable[i].path)) return (int)plan_sweepable[i].kind;
        return -1;
    }
    if (!normalise_path(path, n, sizeof n)) return -1;
    for (size_t i = 0; i < NSWEEPABLE; i++)
        if (!strcmp(n, sweepable[i].path)) return (int)sweepable[i].kind;
    return -1;
}

/* Scalar metrics of docs/metrics.md; commission_share_TYPE, payout_ratio_TYPE and shockI_* are
 * patterns. */
static const char *const metric_names[] = {
    "members_joined", "share_net_positive", "share_net_positive_builders", "share_net_positive_customers",
    "share_net_positive_stayers", "share_net_negative", "share_above_wage", "share_above_wage_builders",
    "share_gross_zero", "gross_mean", "gross_median", "gross_p90", "net_mean", "net_median", "gini", "top1",
    "top10", "share_never_sponsored", "first_year_dropout", "payout_ratio", "end_user_share",
    "share_unpaid_period", "peak_period", "members_peak", "members_end", "growth_stopped", "penetration_end",
    "period_half_reached"};
#define NMETRICS (sizeof metric_names / sizeof *metric_names)

static int known_metric(const char *id)
{
    for (size_t i = 0; i < NMETRICS; i++)
        if (!strcmp(id, metric_names[i])) return 1;
    if (!strncmp(id, "commission_share_", 17) && id[17]) return 1;
    if (!strncmp(id, "shock", 5) && id[5] >= '1' && id[5] <= '9') {
        const char *p = id + 5;
        while (*p >= '0' && *p <= '9') p++;
        return *p == '_' && p[1];
    }
    return 0;
}

/* ---- the loader --------------------------------------------------------------------------------- */

/* A value to try on the base scenario once the sweep's own messages are out. */
typedef struct {
    size_t param;
    double x;
    cs_pos pos;
} trial;

typedef struct {
    cs_yt_ctx y;
    cs_sweep *sw;
    const char *dir; /* the sweep file's folder */
    trial *trial;
    size_t ntrials, tcap;
    size_t nplans; /* the base scenario's */
    char *plan_files[CS_SCENARIO_MAX_PLANS];
} loader;

#define FOUND(v) cs_yt_found((v), fbuf, sizeof fbuf)

/* A number as the kind writes it: "0.8" (a sign and an exponent allowed; the scenario has the last
 * word on ranges), "12", "5%", "50.00". */
static int get_value(loader *L, const node *v, cs_sweep_kind kind, double *out)
{
    char fbuf[CS_YT_FOUND_SIZE];
    int64_t k;
    int32_t ppm;
    switch (kind) {
    case CS_SWP_COUNT:
        if (!cs_yt_get_count(&L->y, v, "value", INT64_MAX, &k)) return 0;
        *out = (double)k;
        return 1;
    case CS_SWP_PERCENT:
        if (!cs_yt_get_percent(&L->y, v, "value", &ppm)) return 0;
        *out = ppm / 10000.0;
        return 1;
    case CS_SWP_MONEY:
    case CS_SWP_VOLUME:
        if (!cs_yt_get_hundredths(&L->y, v, "value", kind == CS_SWP_MONEY ? CS_YT_MONEY : CS_YT_VOLUME, &k)) return 0;
        *out = (double)k / 100.0;
        return 1;
    case CS_SWP_REAL:
    default: {
        if (!cs_yt_want_plain(&L->y, v, "a number such as '0.4'")) return 0;
        char *end;
        errno = 0;
        double x = strtod(v->text, &end);
        if (end == v->text || *end || errno || !isfinite(x)) {
            cs_yt_err(&L->y, v, "expected a number such as '0.4', found %s", FOUND(v));
            return 0;
        }
        *out = x;
        return 1;
    }
    }
}

static void add_trial(loader *L, double x, const node *v)
{
    if (L->ntrials == L->tcap) {
        size_t nc = L->tcap ? 2 * L->tcap : 16;
        trial *t = realloc(L->trial, nc * sizeof *t);
        if (!t) {
            cs_yt_err_at(&L->y, (cs_pos){0, 0}, "out of memory");
            return;
        }
        L->trial = t, L->tcap = nc;
    }
    L->trial[L->ntrials++] = (trial){L->sw->nparams, x, v->pos};
}

/* Tries each value alone on the base scenario through its loader.  Messages about the value are
 * put at the sweep's line; a check it makes fail elsewhere in the scenario (founders above the
 * population) keeps the scenario's line and gets a note pointing back at the sweep's. */
static void run_trials(loader *L)
{
    cs_sweep *sw = L->sw;
    for (size_t t = 0; t < L->ntrials; t++) {
        const cs_sweep_param *p = &sw->param[L->trial[t].param];
        char text[64];
        cs_sweep_format(p->kind, cs_sweep_round(p->kind, L->trial[t].x), text, sizeof text);
        cs_scenario_override ov = {p->path, text, L->y.file, L->trial[t].pos, L->y.src};
        size_t n0 = L->y.d->n;
        cs_scenario_free(cs_sweep_scenario(sw, &ov, 1, L->y.d));
        int elsewhere = 0;
        for (size_t j = n0; j < L->y.d->n; j++)
            elsewhere |= !L->y.d->items[j].file || strcmp(L->y.d->items[j].file, L->y.file);
        if (elsewhere)
            cs_diag_add(L->y.d, CS_SEV_NOTE, L->y.file, L->trial[t].pos.line, L->trial[t].pos.col, L->y.src,
                        "with '%s' = %s", p->path, text);
    }
}

/* Does a plan path lead to a value of the base plan?  Said once, at the path, rather than once per
 * value by the trials.  The plan's own loader then checks each value (run_trials). */
static int check_plan_path(loader *L, const node *key, int plan, const char *rest)
{
    const char *file = L->plan_files[plan - 1];
    size_t len = 0;
    char *text = file ? cs_yt_read_file(file, &len) : NULL;
    if (!text) return 1; /* unreadable now: the trials say so */
    cs_diags pd; /* the plan loaded fine with the scenario: only the walk can add messages here */
    cs_diags_init(&pd);
    cs_yt_ctx c;
    cs_yt_init(&c, &pd, file, "plan", text, len);
    node *root = cs_yt_load(&c);
    cs_yt_override ov = {rest, "0", key->text, L->y.file, key->pos, L->y.src};
    int ok = !root || root->kind != CS_YT_MAP || cs_yt_apply_override(&c, &root, &ov, 0, "plan") == 0;
    cs_yt_relocate_overrides(&pd, 0, file, &ov, 1);
    for (size_t j = 0; j < pd.n; j++) {
        const cs_diag *g = &pd.items[j];
        cs_diag_add(L->y.d, g->sev, g->file, g->line, g->col, L->y.src, "%s", g->msg);
    }
    cs_diags_free(&pd);
    cs_yt_free(root);
    free(text);
    return ok;
}

static void load_param(loader *L, const node *key, const node *v)
{
    char fbuf[CS_YT_FOUND_SIZE];
    cs_sweep *sw = L->sw;
    cs_sweep_param *p = &sw->param[sw->nparams];
    memset(p, 0, sizeof *p);
    p->pos = key->pos;
    const char *rest;
    int plan = cs_sweep_path_plan(key->text, &rest);
    if (plan < 0 || (size_t)plan > L->nplans) {
        cs_yt_err(&L->y, key, "'%s': the plan after 'plan@' must be a number from 1 to %zu (the scenario's plans)", key->text,
                  L->nplans);
        return;
    }
    int kind = cs_sweep_path_kind(key->text);
    if (kind < 0) {
        char n[160];
        const char *names[NSWEEPABLE + NPLAN_SWEEPABLE];
        size_t nn = plan ? NPLAN_SWEEPABLE : NSWEEPABLE;
        for (size_t i = 0; i < nn; i++) names[i] = plan ? plan_sweepable[i].path : sweepable[i].path;
        int ok = plan ? normalise_plan_path(rest, n, sizeof n) : normalise_path(key->text, n, sizeof n);
        const char *s = ok ? cs_suggest(n, names, nn) : NULL;
        cs_yt_err(&L->y, key, "'%s' is not a parameter a sweep can vary%s%.*s%s%s (docs/sweeps.md lists them)", key->text,
                  s ? " (did you mean '" : "", s ? (int)(rest - key->text) : 0, key->text, s ? s : "", s ? "'?)" : "");
        return;
    }
    if (plan && !check_plan_path(L, key, plan, rest)) return;
    p->kind = (cs_sweep_kind)kind;
    p->plan = plan;
    if (!(p->path = cs_yt_strdup(&L->y, key->text))) return;
    int ok = 1;
    const node *first = NULL, *last = NULL;
    if (v->kind == CS_YT_LIST) {
        if (!v->nkids) {
            cs_yt_err(&L->y, v, "'%s' lists no value", p->path);
            ok = 0;
        } else if (!(p->values = cs_yt_calloc(&L->y, v->nkids, sizeof *p->values))) {
            ok = 0;
        } else {
            for (size_t i = 0; i < v->nkids; i++) {
                if (!get_value(L, v->kids[i], p->kind, &p->values[i])) ok = 0;
                else p->values[i] = cs_sweep_round(p->kind, p->values[i]);
            }
            p->nvalues = v->nkids;
        }
    } else if (v->kind == CS_YT_MAP) {
        static const char *const names[] = {"min", "max"};
        char where[200];
        snprintf(where, sizeof where, " in parameter '%.150s'", p->path);
        const node *val[2] = {0}, *kn[2] = {0};
        cs_yt_keyset ks = {names, 2, 3u, "", where};
        unsigned typos = cs_yt_map_keys(&L->y, v, &ks, val, kn);
        ok = cs_yt_require(&L->y, v, val[0], "min", where, typos & 1u) & cs_yt_require(&L->y, v, val[1], "max", where, typos & 2u);
        if (ok) ok = get_value(L, val[0], p->kind, &p->min) & get_value(L, val[1], p->kind, &p->max);
        if (ok && !(p->min < p->max)) {
            cs_yt_err(&L->y, val[1], "'max' must be above 'min' in parameter '%s' (for a single value, change the scenario)", p->path);
            ok = 0;
        }
        first = val[0], last = val[1];
    } else {
        cs_yt_err(&L->y, v, "expected a range such as '{min: 0.5, max: 1.5}' or a list of values for '%s', found %s", p->path,
                  FOUND(v));
        ok = 0;
    }
    for (size_t i = 0; i < sw->nparams; i++)
        if (!strcmp(sw->param[i].path, p->path)) {
            cs_yt_err(&L->y, key, "parameter '%s' is listed twice", p->path);
            ok = 0;
        }
    if (!ok) {
        free(p->path), free(p->values);
        return;
    }
    if (p->values)
        for (size_t i = 0; i < p->nvalues; i++) add_trial(L, p->values[i], v->kids[i]);
    else
        add_trial(L, p->min, first), add_trial(L, p->max, last);
    sw->nparams++;
}

static void load_params(loader *L, const node *v)
{
    if (!cs_yt_want_map(&L->y, v, "a mapping such as '{types.builder.recruits: {min: 0.5, max: 1.5}}' for 'parameters'")) return;
    size_t n = v->nkids / 2;
    if (!n) {
        cs_yt_err(&L->y, v, "'parameters' lists no parameter");
        return;
    }
    if (n > CS_SWEEP_MAX_PARAMS) {
        cs_yt_err(&L->y, v->kids[2 * CS_SWEEP_MAX_PARAMS], "a sweep varies at most %d parameters", CS_SWEEP_MAX_PARAMS);
        n = CS_SWEEP_MAX_PARAMS;
    }
    if (!(L->sw->param = cs_yt_calloc(&L->y, n, sizeof *L->sw->param))) return;
    for (size_t i = 0; i < n; i++)
        if (cs_yt_want_scalar(&L->y, v->kids[2 * i], "a parameter path such as 'market.population'"))
            load_param(L, v->kids[2 * i], v->kids[2 * i + 1]);
}

static void load_metrics(loader *L, const node *v, size_t nplans)
{
    char fbuf[CS_YT_FOUND_SIZE];
    cs_sweep *sw = L->sw;
    if (!cs_yt_want_list(&L->y, v, "a list of metrics such as '[share_net_positive, payout_ratio]'")) return;
    if (!v->nkids) {
        cs_yt_err(&L->y, v, "'metrics' lists no metric");
        return;
    }
    size_t n = v->nkids < CS_SWEEP_MAX_METRICS ? v->nkids : CS_SWEEP_MAX_METRICS;
    if (v->nkids > CS_SWEEP_MAX_METRICS)
        cs_yt_err(&L->y, v->kids[CS_SWEEP_MAX_METRICS], "a sweep collects at most %d metrics", CS_SWEEP_MAX_METRICS);
    if (!(sw->metric = cs_yt_calloc(&L->y, n, sizeof *sw->metric))) return;
    for (size_t i = 0; i < n; i++) {
        const node *m = v->kids[i];
        if (!cs_yt_want_scalar(&L->y, m, "a metric name such as 'share_net_positive'")) continue;
        char id[96];
        long plan = 1;
        const char *at = strchr(m->text, '@');
        size_t len = at ? (size_t)(at - m->text) : strlen(m->text);
        if (len >= sizeof id) len = sizeof id - 1;
        memcpy(id, m->text, len), id[len] = '\0';
        if (at) {
            char *end;
            plan = strtol(at + 1, &end, 10);
            if (end == at + 1 || *end || plan < 1 || (size_t)plan > nplans) {
                cs_yt_err(&L->y, m, "'%s': the plan after '@' must be a number from 1 to %zu (the scenario's plans)", m->text,
                          nplans);
                continue;
            }
        }
        if (!known_metric(id)) {
            const char *s = cs_suggest(id, metric_names, NMETRICS);
            cs_yt_err(&L->y, m, "unknown metric %s%s%s%s (docs/metrics.md lists them)", FOUND(m), s ? " (did you mean '" : "",
                      s ? s : "", s ? "'?)" : "");
            continue;
        }
        cs_sweep_metric *mt = &sw->metric[sw->nmetrics];
        char col[112];
        snprintf(col, sizeof col, plan > 1 ? "%s@%ld" : "%s", id, plan);
        mt->id = cs_yt_strdup(&L->y, id);
        mt->column = cs_yt_strdup(&L->y, col);
        mt->plan = (int)plan;
        mt->pos = m->pos;
        int dup = 0;
        for (size_t j = 0; j < sw->nmetrics && mt->column; j++)
            if (!strcmp(sw->metric[j].column, mt->column)) dup = 1;
        if (dup) cs_yt_err(&L->y, m, "metric '%s' is listed twice", col);
        if (!mt->id || !mt->column || dup) {
            free(mt->id), free(mt->column);
            continue;
        }
        sw->nmetrics++;
    }
}

/* Reads the base scenario: its own messages if it does not load. */
static size_t load_base(loader *L, const node *v)
{
    cs_sweep *sw = L->sw;
    char *rel = cs_yt_get_text(&L->y, v, "the base scenario's file name");
    if (!rel) return 0;
    size_t a = strlen(L->dir), b = strlen(rel);
    int abs = rel[0] == '/' || !strcmp(L->dir, ".");
    sw->scenario_file = cs_yt_calloc(&L->y, a + b + 2, 1);
    if (sw->scenario_file) snprintf(sw->scenario_file, a + b + 2, abs ? "%s" : "%s/%s", abs ? rel : L->dir, rel);
    free(rel);
    if (!sw->scenario_file) return 0;
    errno = 0;
    if (!(sw->scenario_text = cs_yt_read_file(sw->scenario_file, &sw->scenario_len))) {
        cs_yt_err(&L->y, v, "cannot read scenario file '%s': %s", sw->scenario_file, strerror(errno ? errno : EIO));
        return 0;
    }
    sw->scenario_dir = cs_yt_strdup(&L->y, sw->scenario_file);
    if (!sw->scenario_dir) return 0;
    char *slash = strrchr(sw->scenario_dir, '/');
    if (slash) *(slash == sw->scenario_dir ? slash + 1 : slash) = '\0';
    else strcpy(sw->scenario_dir, ".");
    size_t before = L->y.d->nerrors;
    cs_scenario *sc = cs_scenario_load_overrides(sw->scenario_text, sw->scenario_len, sw->scenario_file, sw->scenario_dir,
                                                 NULL, 0, L->y.d);
    size_t nplans = sc ? sc->nplans : 0;
    for (size_t k = 0; k < nplans; k++) L->plan_files[k] = cs_yt_strdup(&L->y, sc->plan_files[k]);
    cs_scenario_free(sc);
    return L->y.d->nerrors == before ? nplans : 0;
}

static const char *const top_keys[] = {"name",     "description", "scenario", "design",     "points",
                                       "levels",   "replicas",    "seed",     "parameters", "metrics"};
enum { K_NAME, K_DESC, K_SCENARIO, K_DESIGN, K_POINTS, K_LEVELS, K_REPLICAS, K_SEED, K_PARAMS, K_METRICS, K_N };

static void load_top(loader *L, const node *top)
{
    char fbuf[CS_YT_FOUND_SIZE];
    cs_sweep *sw = L->sw;
    if (top->kind != CS_YT_MAP) {
        cs_yt_err(&L->y, top, "expected the sweep to be a mapping of keys such as 'scenario:' and 'parameters:', found %s",
                  FOUND(top));
        return;
    }
    const node *val[K_N] = {0}, *key[K_N] = {0};
    cs_yt_keyset ks = {top_keys, K_N, (1u << K_N) - 1, "", ""};
    unsigned typos = cs_yt_map_keys(&L->y, top, &ks, val, key);
    if (cs_yt_require(&L->y, top, val[K_NAME], "name", "", typos & (1u << K_NAME))) {
        sw->name = cs_yt_get_text(&L->y, val[K_NAME], "the sweep's name");
        const char *s = sw->name;
        int ok = s && *s && *s != '.';
        for (; ok && *s; s++)
            ok = (*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || strchr("_-.", *s);
        if (sw->name && !ok)
            cs_yt_err(&L->y, val[K_NAME],
                      "a sweep name may only hold letters, digits, '_', '-' and '.', and not start with '.' (it names the results folder)");
    }
    if (val[K_DESC] && !cs_yt_is_null(val[K_DESC])) free(cs_yt_get_text(&L->y, val[K_DESC], "a description"));
    int64_t k;
    if (val[K_DESIGN]) {
        static const char *const words[] = {"grid", "sobol", "saltelli"};
        int w = cs_yt_get_word(&L->y, val[K_DESIGN], words, 3, "'grid', 'sobol' or 'saltelli'");
        if (w >= 0) sw->design = (cs_sweep_design)w;
    }
    if (val[K_POINTS] && cs_yt_get_count(&L->y, val[K_POINTS], "points", 1000000, &k)) {
        if (k == 0) cs_yt_err(&L->y, val[K_POINTS], "'points' must be at least 1");
        if (sw->design == CS_DESIGN_GRID) cs_yt_err(&L->y, key[K_POINTS], "'points' is for the sobol and saltelli designs; a grid takes 'levels'");
        sw->base_points = (size_t)k;
    } else if (!val[K_POINTS] && sw->design != CS_DESIGN_GRID) {
        cs_yt_require(&L->y, top, NULL, "points", " (the sobol and saltelli designs need it)", typos & (1u << K_POINTS));
    }
    if (val[K_LEVELS] && cs_yt_get_count(&L->y, val[K_LEVELS], "levels", 1000, &k)) {
        if (k < 2) cs_yt_err(&L->y, val[K_LEVELS], "'levels' must be at least 2 (a range's min and max)");
        if (sw->design != CS_DESIGN_GRID) cs_yt_err(&L->y, key[K_LEVELS], "'levels' is for the grid design; sobol and saltelli take 'points'");
        sw->levels = (size_t)k;
    }
    if (val[K_REPLICAS] && cs_yt_get_count(&L->y, val[K_REPLICAS], "replicas", 1000000, &sw->replicas) && sw->replicas == 0)
        cs_yt_err(&L->y, val[K_REPLICAS], "'replicas' must be at least 1");
    if (val[K_SEED] && cs_yt_get_count(&L->y, val[K_SEED], "seed", INT64_MAX, &k)) sw->seed = (uint64_t)k;
    size_t nplans = 0;
    if (cs_yt_require(&L->y, top, val[K_SCENARIO], "scenario", "", typos & (1u << K_SCENARIO))) nplans = load_base(L, val[K_SCENARIO]);
    L->nplans = nplans;
    if (cs_yt_require(&L->y, top, val[K_PARAMS], "parameters", "", typos & (1u << K_PARAMS)) && nplans)
        load_params(L, val[K_PARAMS]);
    if (cs_yt_require(&L->y, top, val[K_METRICS], "metrics", "", typos & (1u << K_METRICS)) && nplans)
        load_metrics(L, val[K_METRICS], nplans);
}

cs_sweep *cs_sweep_load_file(const char *path, cs_diags *d)
{
    size_t len = 0;
    errno = 0;
    char *text = cs_yt_read_file(path, &len);
    if (!text) {
        cs_error(d, path, 0, 0, "cannot read: %s", strerror(errno ? errno : EIO));
        return NULL;
    }
    loader L;
    memset(&L, 0, sizeof L);
    size_t nerr0 = d->nerrors, n0 = d->n;
    char *dir = strdup(path);
    cs_sweep *sw = calloc(1, sizeof *sw);
    if (!dir || !sw) {
        free(text), free(dir), free(sw);
        cs_error(d, path, 0, 0, "out of memory");
        return NULL;
    }
    char *slash = strrchr(dir, '/');
    if (slash) *(slash == dir ? slash + 1 : slash) = '\0';
    L.dir = slash ? dir : ".";
    L.sw = sw;
    sw->text = text;
    sw->file = strdup(path);
    sw->replicas = 10;
    sw->seed = 1;
    sw->levels = 3;
    cs_yt_init(&L.y, d, sw->file ? sw->file : path, "sweep", text, len);
    node *root = cs_yt_load(&L.y);
    if ((root && cs_yt_is_null(root)) || (!root && d->nerrors == nerr0))
        cs_yt_err_at(&L.y, (cs_pos){0, 0}, "the sweep is empty");
    else if (root)
        load_top(&L, root);
    cs_yt_free(root);
    cs_yt_sort_diags(d, n0);
    run_trials(&L);
    free(L.trial);
    for (size_t k = 0; k < CS_SCENARIO_MAX_PLANS; k++) free(L.plan_files[k]);
    free(dir);
    if (d->nerrors == nerr0 && (!sw->file || cs_sweep_make_design(sw, d) != 0 || !sw->file)) {
        if (!sw->file) cs_error(d, path, 0, 0, "out of memory");
    }
    if (d->nerrors != nerr0) {
        cs_sweep_free(sw);
        return NULL;
    }
    return sw;
}

void cs_sweep_free(cs_sweep *sw)
{
    if (!sw) return;
    for (size_t i = 0; i < sw->nparams; i++) free(sw->param[i].path), free(sw->param[i].values);
    for (size_t i = 0; i < sw->nmetrics; i++) free(sw->metric[i].id), free(sw->metric[i].column);
    free(sw->param), free(sw->metric), free(sw->x);
    free(sw->file), free(sw->text), free(sw->name);
    free(sw->scenario_file), free(sw->scenario_text), free(sw->scenario_dir);
    free(sw);
}
