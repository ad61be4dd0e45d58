/* scenario: reads a scenario file (YAML) into a checked, read-only cs_scenario.
 *
 *   text --yaml_tree--> tree of nodes --schema checks, defaults--> cs_scenario --plan_load--> plans
 *
 * The schema is docs/scenario-format.md; the defaults below are the ones it lists, with their
 * sources.  As in plan_load.c, every check reports what it finds and carries on, so one run lists
 * every problem of the file.  The plans are loaded last, after the scenario's own messages have
 * been put in file order, so a plan's messages (with the plan's file name) follow them. */
#include "scenario.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yaml_tree.h"

typedef cs_yt_node node;
typedef cs_yt_keyset keyset;

#define FOUND(v) cs_yt_found((v), fbuf, sizeof fbuf)
#define PPM(pct) ((int32_t)((pct) * 10000))

typedef struct {
    cs_yt_ctx y;
    cs_scenario *s;
    const char *dir; /* plan paths are relative to it */
} loader;

/* ---- defaults (docs/scenario-format.md lists each with its source) -------------------------- */

static const cs_member_params default_type[CS_MEMBER_NTYPES] = {
    [CS_MEMBER_CUSTOMER] = {
        .share_ppm = PPM(73), /* 73% join for the discount (Herbalife survey, domain.md) */
        .recruits = 0.0,
        .autoship = 0,
        .order_ppm = PPM(70),
        .pv = {60.0, 0.5},
        .retail_ppm = 0,
        .retail = {0.0, 0.0},
        .expenses = {0.0, 0.0},
        .value_ppm = PPM(100),
        .early_periods = 3,
        .quit_early_ppm = PPM(8), /* with 5% later: half gone within 12 months (domain.md) */
        .quit_later_ppm = PPM(5),
        .loss_factor = 1.0,
    },
    [CS_MEMBER_BUILDER] = {
        .share_ppm = PPM(27),
        .recruits = 0.8,
        .autoship = 1,
        .order_ppm = PPM(100),
        .pv = {110.0, 0.4},
        .retail_ppm = PPM(30),
        .retail = {80.0, 0.8},
        .expenses = {100.0, 0.8}, /* mean 100 e^0.32 = 137.71 a month, ~1,650 a year (domain.md: ~1,600) */
        .value_ppm = PPM(50),
        .early_periods = 3,
        .quit_early_ppm = PPM(6),
        .quit_later_ppm = PPM(3.5),
        .loss_factor = 1.5,
    },
};

static void set_defaults(cs_scenario *s)
{
    s->periods = 36;
    s->replicas = 100;
    s->seed = 1;
    s->member_replicas = 10;
    s->population = 1000000;
    s->founders = 10;
    s->saturation = CS_SAT_LINEAR;
    s->propensity = CS_PROP_GAMMA;
    s->dispersion = 0.3;
    /* used when recruitment.contacts is given: assumptions, see docs/scenario-format.md */
    s->contacts = (cs_contacts){.on = 0, .mean = 150, .dispersion = 1, .acceptance_ppm = PPM(5)};
    s->bv_ppm = PPM(100);
    s->signup_fee = 5000;
    memcpy(s->type, default_type, sizeof s->type);
}

/* ---- values ---------------------------------------------------------------------------------- */

/* A plain decimal number (digits, an optional point and digits; no sign, no exponent) in
 * [lo, hi].  These feed random draws, not amounts, so a double is what is wanted. */
static int get_real(loader *L, const node *v, const char *what, double lo, double hi, double *out)
{
    char fbuf[CS_YT_FOUND_SIZE];
    if (!cs_yt_want_plain(&L->y, v, "a number such as '0.4'")) return 0;
    const char *t = v->text;
    size_t i = 0, digits = 0;
    int neg = t[0] == '-';
    if (t[0] == '-' || t[0] == '+') i++;
    while (t[i] >= '0' && t[i] <= '9') i++, digits++;
    if (t[i] == '.') {
        i++;
        while (t[i] >= '0' && t[i] <= '9') i++, digits++;
    }
    if (!digits || i != v->len) {
        if (strpbrk(t, "eE") && strpbrk(t, "0123456789"))
            cs_yt_err(&L->y, v, "expected a plain decimal number, found %s (exponents are not allowed)", FOUND(v));
        else
            cs_yt_err(&L->y, v, "expected a number such as '0.4', found %s", FOUND(v));
        return 0;
    }
    double x = strtod(t, NULL);
    if (neg && x != 0) {
        cs_yt_err(&L->y, v, "'%s' cannot be negative, found %s", what, FOUND(v));
        return 0;
    }
    if (x < lo || x > hi) {
        cs_yt_err(&L->y, v, "'%s' must be between %g and %g, found %s", what, lo, hi, FOUND(v));
        return 0;
    }
    *out = x;
    return 1;
}

/* {median: M, sigma: S} */
static void get_lognormal(loader *L, const node *v, const char *what, const char *where, cs_lognormal *out)
{
    static const char *const names[] = {"median", "sigma"};
    char w[160], fw[200];
    snprintf(fw, sizeof fw, "a mapping such as '{median: 100, sigma: 0.5}' for '%s'", what);
    if (!cs_yt_want_map(&L->y, v, fw)) return;
    snprintf(w, sizeof w, " in '%s'%s", what, where);
    const node *val[2] = {0}, *key[2] = {0};
    keyset ks = {names, 2, 3u, "", w};
    cs_yt_map_keys(&L->y, v, &ks, val, key);
    if (val[0]) get_real(L, val[0], "median", 0, 1e9, &out->median);
    if (val[1]) get_real(L, val[1], "sigma", 0, 5, &out->sigma);
}

static void get_percent(loader *L, const node *v, const char *what, int32_t *out)
{
    cs_yt_get_percent(&L->y, v, what, out);
}

/* ---- member types ---------------------------------------------------------------------------- */

static const char *const type_names[] = {"customer", "builder"};

const char *cs_member_type_name(cs_member_type t) { return t < CS_MEMBER_NTYPES ? type_names[t] : "?"; }

static void load_attrition(loader *L, const node *v, cs_member_params *m, const char *where)
{
    static const char *const names[] = {"early_periods", "early", "later", "loss_factor"};
    char w[160];
    if (!cs_yt_want_map(&L->y, v, "a mapping such as '{early: 8%, later: 5%}' for 'attrition'")) return;
    snprintf(w, sizeof w, " in 'attrition'%s", where);
    const node *val[4] = {0}, *key[4] = {0};
    keyset ks = {names, 4, 15u, "", w};
    cs_yt_map_keys(&L->y, v, &ks, val, key);
    int64_t k;
    if (val[0] && cs_yt_get_count(&L->y, val[0], "early_periods", CS_SCENARIO_MAX_PERIODS, &k)) m->early_periods = (int32_t)k;
    if (val[1]) get_percent(L, val[1], "early", &m->quit_early_ppm);
    if (val[2]) get_percent(L, val[2], "later", &m->quit_later_ppm);
    if (val[3]) get_real(L, val[3], "loss_factor", 0, 100, &m->loss_factor);
}

static const char *const type_keys[] = {"share",  "recruits",           "autoship", "order_probability",
                                        "pv",     "retail_probability", "retail",   "expenses",
                                        "value_received", "attrition"};
enum { YK_SHARE, YK_RECRUITS, YK_AUTOSHIP, YK_ORDER, YK_PV, YK_RETAILP, YK_RETAIL, YK_EXPENSES, YK_VALUE, YK_ATTRITION, YK_N };

static void load_type(loader *L, const node *v, cs_member_params *m, const char *tname)
{
    char where[64], expect[96];
    snprintf(where, sizeof where, " of type '%s'", tname);
    snprintf(expect, sizeof expect, "a mapping of the parameters of type '%s'", tname);
    if (!cs_yt_want_map(&L->y, v, expect)) return;
    const node *val[YK_N] = {0}, *key[YK_N] = {0};
    keyset ks = {type_keys, YK_N, (1u << YK_N) - 1, "", where};
    cs_yt_map_keys(&L->y, v, &ks, val, key);
    if (val[YK_SHARE]) get_percent(L, val[YK_SHARE], "share", &m->share_ppm);
    if (val[YK_RECRUITS]) get_real(L, val[YK_RECRUITS], "recruits", 0, 1000, &m->recruits);
    if (val[YK_AUTOSHIP]) cs_yt_get_bool(&L->y, val[YK_AUTOSHIP], &m->autoship);
    if (val[YK_ORDER]) get_percent(L, val[YK_ORDER], "order_probability", &m->order_ppm);
    if (val[YK_PV]) get_lognormal(L, val[YK_PV], "pv", where, &m->pv);
    if (val[YK_RETAILP]) get_percent(L, val[YK_RETAILP], "retail_probability", &m->retail_ppm);
    if (val[YK_RETAIL]) get_lognormal(L, val[YK_RETAIL], "retail", where, &m->retail);
    if (val[YK_EXPENSES]) get_lognormal(L, val[YK_EXPENSES], "expenses", where, &m->expenses);
    if (val[YK_VALUE]) get_percent(L, val[YK_VALUE], "value_received", &m->value_ppm);
    if (val[YK_ATTRITION]) load_attrition(L, val[YK_ATTRITION], m, where);
}

static void load_types(loader *L, const node *v)
{
    if (!cs_yt_want_map(&L->y, v, "a mapping such as '{customer: {...}, builder: {...}}' for 'types'")) return;
    const node *val[CS_MEMBER_NTYPES] = {0}, *key[CS_MEMBER_NTYPES] = {0};
    keyset ks = {type_names, CS_MEMBER_NTYPES, (1u << CS_MEMBER_NTYPES) - 1, "", " in 'types'"};
    cs_yt_map_keys(&L->y, v, &ks, val, key);
    for (int t = 0; t < CS_MEMBER_NTYPES; t++)
        if (val[t]) load_type(L, val[t], &L->s->type[t], type_names[t]);
    int64_t sum = 0;
    for (int t = 0; t < CS_MEMBER_NTYPES; t++) sum += L->s->type[t].share_ppm;
    if (sum != 1000000)
        cs_yt_err(&L->y, v, "the shares of the member types add up to %g%%, not 100%% (unlisted types keep their defaults: customer 73%%, builder 27%%)",
                  (double)sum / 10000.0);
}

/* ---- market, recruitment, costs, shocks ------------------------------------------------------ */

static void load_market(loader *L, const node *v)
{
    static const char *const names[] = {"population", "founders", "saturation", "bv_share"};
    char fbuf[CS_YT_FOUND_SIZE];
    if (!cs_yt_want_map(&L->y, v, "a mapping such as '{population: 1000000, founders: 10}' for 'market'")) return;
    const node *val[4] = {0}, *key[4] = {0};
    keyset ks = {names, 4, 15u, "", " in 'market'"};
    cs_yt_map_keys(&L->y, v, &ks, val, key);
    cs_scenario *s = L->s;
    if (val[0]) {
        if (val[0]->kind == CS_YT_SCALAR && val[0]->plain && !strcmp(val[0]->text, "unlimited"))
            s->population = 0;
        else if (cs_yt_get_count(&L->y, val[0], "population", CS_SCENARIO_MAX_MEMBERS, &s->population) && s->population == 0)
            cs_yt_err(&L->y, val[0], "'population' must be at least 1 (or 'unlimited'), found %s", FOUND(val[0]));
    }
    if (val[1] && cs_yt_get_count(&L->y, val[1], "founders", CS_SCENARIO_MAX_MEMBERS, &s->founders)) {
        if (s->founders == 0) cs_yt_err(&L->y, val[1], "'founders' must be at least 1");
        else if (s->population > 0 && s->founders > s->population)
            cs_yt_err(&L->y, val[1], "'founders' (%lld) exceeds the population (%lld)", (long long)s->founders,
                      (long long)s->population);
    }
    if (val[2]) {
        static const char *const words[] = {"none", "linear"};
        int k = cs_yt_get_word(&L->y, val[2], words, 2, "'linear' or 'none'");
        if (k >= 0) s->saturation = k ? CS_SAT_LINEAR : CS_SAT_NONE;
    }
    if (val[3]) get_percent(L, val[3], "bv_share", &s->bv_ppm);
}

/* recruitment.contacts: {mean, dispersion, acceptance}; an empty mapping keeps every default. */
static void load_contacts(loader *L, const node *v)
{
    static const char *const names[] = {"mean", "dispersion", "acceptance"};
    cs_contacts *c = &L->s->contacts;
    if (cs_yt_is_null(v)) { /* 'contacts:' alone */
        c->on = 1;
        return;
    }
    if (!cs_yt_want_map(&L->y, v, "a mapping such as '{mean: 150, dispersion: 1, acceptance: 5%}' for 'contacts'")) return;
    c->on = 1;
    const node *val[3] = {0}, *key[3] = {0};
    keyset ks = {names, 3, 7u, "", " in 'contacts'"};
    cs_yt_map_keys(&L->y, v, &ks, val, key);
    if (val[0] && get_real(L, val[0], "mean", 0, 1e6, &c->mean) && c->mean == 0)
        cs_yt_err(&L->y, val[0], "'mean' (contacts per person) must be above 0");
    if (val[1] && get_real(L, val[1], "dispersion", 0, 1000, &c->dispersion) && c->dispersion == 0)
        cs_yt_err(&L->y, val[1], "'dispersion' is the negative binomial shape k and must be above 0");
    if (val[2] && cs_yt_get_percent(&L->y, val[2], "acceptance", &c->acceptance_ppm) && c->acceptance_ppm == 0)
        cs_yt_err(&L->y, val[2], "'acceptance' must be above 0%% (nobody would ever join)");
}

static void load_recruitment(loader *L, const node *v)
{
    static const char *const names[] = {"propensity", "dispersion", "contacts"};
    if (!cs_yt_want_map(&L->y, v, "a mapping such as '{propensity: gamma, dispersion: 0.3}' for 'recruitment'")) return;
    const node *val[3] = {0}, *key[3] = {0};
    keyset ks = {names, 3, 7u, "", " in 'recruitment'"};
    cs_yt_map_keys(&L->y, v, &ks, val, key);
    if (val[2]) load_contacts(L, val[2]);
    if (val[0]) {
        static const char *const words[] = {"none", "gamma", "lognormal"};
        int k = cs_yt_get_word(&L->y, val[0], words, 3, "'gamma', 'lognormal' or 'none'");
        if (k >= 0) L->s->propensity = (cs_propensity)k;
    }
    if (val[1] && get_real(L, val[1], "dispersion", 0, 100, &L->s->dispersion) && L->s->propensity == CS_PROP_GAMMA &&
        L->s->dispersion == 0)
        cs_yt_err(&L->y, val[1], "'dispersion' is the gamma shape k and must be above 0");
}

static void load_costs(loader *L, const node *v)
{
    static const char *const names[] = {"signup_fee"};
    if (!cs_yt_want_map(&L->y, v, "a mapping such as '{signup_fee: 50.00}' for 'costs'")) return;
    const node *val[1] = {0}, *key[1] = {0};
    keyset ks = {names, 1, 1u, "", " in 'costs'"};
    cs_yt_map_keys(&L->y, v, &ks, val, key);
    if (val[0]) cs_yt_get_hundredths(&L->y, val[0], "signup_fee", CS_YT_MONEY, &L->s->signup_fee);
}

static void load_shocks(loader *L, const node *v)
{
    static const char *const names[] = {"from", "recruitment", "attrition"};
    if (!cs_yt_want_list(&L->y, v, "a list of shocks such as '[{from: 24, recruitment: 0}]'")) return;
    cs_scenario *s = L->s;
    if (!v->nkids) return;
    s->shocks = cs_yt_calloc(&L->y, v->nkids, sizeof *s->shocks);
    if (!s->shocks) return;
    int32_t last = 0;
    for (size_t i = 0; i < v->nkids; i++) {
        const node *m = v->kids[i];
        cs_shock *sh = &s->shocks[s->nshocks];
        *sh = (cs_shock){m->pos, 0, 1.0, 1.0};
        if (!cs_yt_want_map(&L->y, m, "a mapping such as '{from: 24, recruitment: 0}' for a shock")) continue;
        char where[64];
        snprintf(where, sizeof where, " in shock %zu", i + 1);
        const node *val[3] = {0}, *key[3] = {0};
        keyset ks = {names, 3, 7u, "", where};
        unsigned typos = cs_yt_map_keys(&L->y, m, &ks, val, key);
        int64_t from = 0;
        int ok = cs_yt_require(&L->y, m, val[0], "from", where, typos & 1u) &&
                 cs_yt_get_count(&L->y, val[0], "from", CS_SCENARIO_MAX_PERIODS, &from);
        if (ok && from < 1) {
            cs_yt_err(&L->y, val[0], "'from' must be a period, 1 or later");
            ok = 0;
        } else if (ok && from <= last) {
            cs_yt_err(&L->y, val[0], "shocks must be listed by increasing 'from' (period %lld follows period %d)",
                      (long long)from, last);
            ok = 0;
        }
        if (ok && from > s->periods) { /* 'periods' is read before the shocks */
            cs_yt_err(&L->y, val[0], "shock %zu starts in period %lld, after the last period (%d)", i + 1, (long long)from,
                      s->periods);
            ok = 0;
        }
        if (val[1]) get_real(L, val[1], "recruitment", 0, 1000, &sh->recruitment);
        if (val[2]) get_real(L, val[2], "attrition", 0, 1000, &sh->attrition);
        if (!ok) continue;
        sh->from = (int32_t)from;
        last = sh->from;
        s->nshocks++;
    }
}

/* ---- plans ----------------------------------------------------------------------------------- */

static char *join_path(loader *L, const char *rel)
{
    if (rel[0] == '/' || !L->dir || !*L->dir || !strcmp(L->dir, ".")) return cs_yt_strdup(&L->y, rel);
    size_t a = strlen(L->dir), b = strlen(rel);
    char *p = cs_yt_calloc(&L->y, a + b + 2, 1);
    if (p) {
        memcpy(p, L->dir, a);
        p[a] = '/';
        memcpy(p + a + 1, rel, b);
    }
    return p;
}

/* Names and paths now (so an unreadable file is reported in file order); loading comes last. */
static void load_plan_names(loader *L, const node *v)
{
    char fbuf[CS_YT_FOUND_SIZE];
    cs_scenario *s = L->s;
    const node *one[1] = {v};
    const node *const *items = one;
    size_t n = 1;
    if (v->kind == CS_YT_LIST) {
        items = (const node *const *)v->kids;
        n = v->nkids;
        if (n == 0) {
            cs_yt_err(&L->y, v, "'plans' lists no plan");
            return;
        }
        if (n > CS_SCENARIO_MAX_PLANS) {
            cs_yt_err(&L->y, v->kids[CS_SCENARIO_MAX_PLANS], "a scenario compares at most %d plans", CS_SCENARIO_MAX_PLANS);
            n = CS_SCENARIO_MAX_PLANS;
        }
    }
    s->plan_files = cs_yt_calloc(&L->y, n, sizeof *s->plan_files);
    if (!s->plan_files) return;
    for (size_t i = 0; i < n; i++) {
        const node *it = items[i];
        if (!cs_yt_want_scalar(&L->y, it, "a plan file name such as '../plans/unilevel-doterra.yaml'")) continue;
        if (!it->len) {
            cs_yt_err(&L->y, it, "expected a plan file name, found %s", FOUND(it));
            continue;
        }
        char *path = join_path(L, it->text);
        if (!path) return;
        FILE *f = fopen(path, "rb");
        if (!f) {
            cs_yt_err(&L->y, it, "cannot read plan file '%s': %s", path, strerror(errno ? errno : EIO));
            free(path);
            continue;
        }
        fclose(f);
        s->plan_files[s->nplans++] = path;
    }
}

static void load_plans(loader *L)
{
    cs_scenario *s = L->s;
    if (!s->nplans) return;
    s->plans = cs_yt_calloc(&L->y, s->nplans, sizeof *s->plans);
    if (!s->plans) return;
    for (size_t i = 0; i < s->nplans; i++) s->plans[i] = cs_plan_load_file(s->plan_files[i], L->y.d);
}

/* ---- the top level --------------------------------------------------------------------------- */

static const char *const top_keys[] = {"name",   "description", "plans",       "periods", "replicas", "seed",
                                       "member_replicas", "market", "recruitment", "costs", "types", "shocks"};
enum { TK_NAME, TK_DESC, TK_PLANS, TK_PERIODS, TK_REPLICAS, TK_SEED, TK_MEMBERS, TK_MARKET, TK_RECRUIT, TK_COSTS,
       TK_TYPES, TK_SHOCKS, TK_N };

static int valid_name(const char *s)
{
    if (!*s || *s == '.') return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
              *s == '-' || *s == '.'))
            return 0;
    return 1;
}

static void load_top(loader *L, const node *top)
{
    char fbuf[CS_YT_FOUND_SIZE];
    cs_scenario *s = L->s;
    if (top->kind != CS_YT_MAP) {
        cs_yt_err(&L->y, top, "expected the scenario to be a mapping of keys such as 'name:' and 'plans:', found %s",
                  FOUND(top));
        return;
    }
    const node *val[TK_N] = {0}, *key[TK_N] = {0};
    keyset ks = {top_keys, TK_N, (1u << TK_N) - 1, "", ""};
    unsigned typos = cs_yt_map_keys(&L->y, top, &ks, val, key);
    if (cs_yt_require(&L->y, top, val[TK_NAME], "name", "", typos & (1u << TK_NAME))) {
        s->name = cs_yt_get_text(&L->y, val[TK_NAME], "the scenario's name");
        if (s->name && !valid_name(s->name))
            cs_yt_err(&L->y, val[TK_NAME],
                      "a scenario name may only hold letters, digits, '_', '-' and '.', and not start with '.' (it names the results folder)");
    }
    if (val[TK_DESC] && !cs_yt_is_null(val[TK_DESC])) s->description = cs_yt_get_text(&L->y, val[TK_DESC], "a description");
    if (cs_yt_require(&L->y, top, val[TK_PLANS], "plans", "", typos & (1u << TK_PLANS))) load_plan_names(L, val[TK_PLANS]);
    int64_t k;
    if (val[TK_PERIODS] && cs_yt_get_count(&L->y, val[TK_PERIODS], "periods", CS_SCENARIO_MAX_PERIODS, &k)) {
        if (k == 0) cs_yt_err(&L->y, val[TK_PERIODS], "'periods' must be at least 1");
        s->periods = (int32_t)k;
    }
    if (val[TK_REPLICAS] && cs_yt_get_count(&L->y, val[TK_REPLICAS], "replicas", 1000000, &s->replicas) && s->replicas == 0)
        cs_yt_err(&L->y, val[TK_REPLICAS], "'replicas' must be at least 1");
    if (val[TK_SEED] && cs_yt_get_count(&L->y, val[TK_SEED], "seed", INT64_MAX, &k)) s->seed = (uint64_t)k;
    if (val[TK_MEMBERS]) cs_yt_get_count(&L->y, val[TK_MEMBERS], "member_replicas", 1000000, &s->member_replicas);
    if (val[TK_MARKET]) load_market(L, val[TK_MARKET]);
    if (val[TK_RECRUIT]) load_recruitment(L, val[TK_RECRUIT]);
    if (val[TK_COSTS]) load_costs(L, val[TK_COSTS]);
    if (val[TK_TYPES]) load_types(L, val[TK_TYPES]);
    if (val[TK_SHOCKS]) load_shocks(L, val[TK_SHOCKS]);
}

/* ---- overrides (a sweep's point) ------------------------------------------------------------ */

/* Nodes made for override i sit at line OVR_LINE + i of the scenario, past any real line; once the
 * checks have run, messages there are moved to where the override was written. */
#define OVR_LINE 1000000000L

static node *ovr_node(loader *L, cs_yt_kind kind, size_t i, const char *text)
{
    node *n = cs_yt_calloc(&L->y, 1, sizeof *n);
    if (!n) return NULL;
    n->kind = kind;
    n->pos = (cs_pos){OVR_LINE + (long)i, 1};
    if (text) {
        n->plain = 1;
        n->len = strlen(text);
        if (!(n->text = cs_yt_strdup(&L->y, text))) {
            free(n);
            return NULL;
        }
    }
    return n;
}

/* Appends key `name` with a null value to mapping m; returns the value's slot. */
static node **map_add(loader *L, node *m, const char *name, size_t i)
{
    if (m->nkids + 2 > m->cap) {
        size_t nc = m->cap ? 2 * m->cap : 4;
        node **nk = realloc(m->kids, nc * sizeof *nk);
        if (!nk) {
            cs_yt_err_at(&L->y, (cs_pos){0, 0}, "out of memory");
            return NULL;
        }
        m->kids = nk, m->cap = nc;
    }
    node *k = ovr_node(L, CS_YT_SCALAR, i, name), *v = ovr_node(L, CS_YT_SCALAR, i, "");
    if (!k || !v) {
        cs_yt_free(k), cs_yt_free(v);
        return NULL;
    }
    m->kids[m->nkids++] = k;
    m->kids[m->nkids++] = v;
    return &m->kids[m->nkids - 1];
}

static void apply_override(loader *L, node **root, const cs_scenario_override *ov, size_t i)
{
    cs_pos at = {OVR_LINE + (long)i, 1};
    node **slot = root;
    const char *p = ov->path;
    while (*p) {
        if (*p == '[') { /* a list item, which must exist: a sweep changes shocks, it does not add them */
            char *end;
            errno = 0;
            unsigned long long k = strtoull(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || errno || (*slot)->kind != CS_YT_LIST || k >= (*slot)->nkids) {
                cs_yt_err_at(&L->y, at, "'%s' is not in the base scenario (list items can be changed, not added)", ov->path);
                return;
            }
            slot = &(*slot)->kids[k];
            p = end + 1;
            if (*p == '.') p++;
        } else {
            size_t n = strcspn(p, ".[");
            char name[64];
            if (n == 0 || n >= sizeof name) {
                cs_yt_err_at(&L->y, at, "'%s' is not a parameter path such as 'market.population'", ov->path);
                return;
            }
            memcpy(name, p, n), name[n] = '\0';
            if (cs_yt_is_null(*slot)) { /* 'types:' with nothing under it, or a mapping made just now */
                node *m = ovr_node(L, CS_YT_MAP, i, NULL);
                if (!m) return;
                cs_yt_free(*slot);
                *slot = m;
            }
            if ((*slot)->kind != CS_YT_MAP) {
                cs_yt_err_at(&L->y, at, "'%s': the base scenario has no mapping where '%s' would go", ov->path, name);
                return;
            }
            node *m = *slot, **next = NULL;
            for (size_t j = 0; j + 1 < m->nkids; j += 2)
                if (m->kids[j]->kind == CS_YT_SCALAR && !strcmp(m->kids[j]->text, name)) next = &m->kids[j + 1];
            if (!next && p[n] == '[') {
                cs_yt_err_at(&L->y, at, "'%s' is not in the base scenario (list items can be changed, not added)", ov->path);
                return;
            }
            if (!next && !(next = map_add(L, m, name, i))) return;
            slot = next;
            p += n;
            if (*p == '.') p++;
        }
    }
    node *v = ovr_node(L, CS_YT_SCALAR, i, ov->value);
    if (!v) return;
    cs_yt_free(*slot);
    *slot = v;
}

/* Moves messages at override lines to where each override was written. */
static void relocate_override_diags(cs_diags *d, size_t from, const char *name, const cs_scenario_override *ov, size_t n)
{
    for (size_t j = from; j < d->n; j++) {
        cs_diag *g = &d->items[j];
        if (g->line < OVR_LINE || (size_t)(g->line - OVR_LINE) >= n || !g->file || strcmp(g->file, name)) continue;
        const cs_scenario_override *o = &ov[g->line - OVR_LINE];
        cs_yt_move_diag(g, o->file, o->pos, o->src);
    }
}

static cs_scenario *load_text(char *text, size_t len, const char *name, const char *dir,
                              const cs_scenario_override *ov, size_t nov, cs_diags *d)
{
    loader L;
    memset(&L, 0, sizeof L);
    L.dir = dir;
    cs_yt_init(&L.y, d, name, "scenario", text, len);
    size_t nerr0 = d->nerrors, n0 = d->n;
    L.s = cs_yt_calloc(&L.y, 1, sizeof *L.s);
    if (!L.s) {
        free(text);
        return NULL;
    }
    cs_scenario *s = L.s;
    set_defaults(s);
    s->file = cs_yt_strdup(&L.y, name);
    s->text = text;
    s->textlen = len;
    node *root = cs_yt_load(&L.y);
    if ((root && cs_yt_is_null(root)) || (!root && d->nerrors == nerr0))
        cs_yt_err_at(&L.y, (cs_pos){0, 0}, "the scenario is empty");
    else if (root) {
        if (root->kind == CS_YT_MAP) /* else load_top says what is wrong */
            for (size_t i = 0; i < nov; i++) apply_override(&L, &root, &ov[i], i);
        load_top(&L, root);
    }
    cs_yt_free(root);
    cs_yt_sort_diags(d, n0);
    if (nov) relocate_override_diags(d, n0, name, ov, nov);
    if (d->nerrors == nerr0) load_plans(&L);
    if (d->nerrors != nerr0) {
        cs_scenario_free(s);
        return NULL;
    }
    return s;
}

cs_scenario *cs_scenario_load_string(const char *text, size_t len, const char *name, const char *dir, cs_diags *d)
{
    char *copy = malloc(len + 1);
    if (!copy) {
        cs_error(d, name, 0, 0, "out of memory");
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    return load_text(copy, len, name, dir, NULL, 0, d);
}

cs_scenario *cs_scenario_load_overrides(const char *text, size_t len, const char *name, const char *dir,
                                        const cs_scenario_override *ov, size_t n, cs_diags *d)
{
    if (n > CS_SCENARIO_MAX_OVERRIDES) {
        cs_error(d, name, 0, 0, "too many overrides (%zu, at most %d)", n, CS_SCENARIO_MAX_OVERRIDES);
        return NULL;
    }
    char *copy = malloc(len + 1);
    if (!copy) {
        cs_error(d, name, 0, 0, "out of memory");
        return NULL;
    }
    memcpy(copy, text, len);
    copy[len] = '\0';
    return load_text(copy, len, name, dir, ov, n, d);
}

cs_scenario *cs_scenario_load_file(const char *path, cs_diags *d)
{
    size_t len = 0;
    errno = 0;
    char *text = cs_yt_read_file(path, &len);
    if (!text) {
        cs_error(d, path, 0, 0, "cannot read: %s", strerror(errno ? errno : EIO));
        return NULL;
    }
    char *dir = strdup(path);
    if (!dir) {
        free(text);
        cs_error(d, path, 0, 0, "out of memory");
        return NULL;
    }
    char *slash = strrchr(dir, '/');
    if (slash) *(slash == dir ? slash + 1 : slash) = '\0';
    cs_scenario *s = load_text(text, len, path, slash ? dir : ".", NULL, 0, d);
    free(dir);
    return s;
}

void cs_scenario_free(cs_scenario *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nplans; i++) {
        free(s->plan_files[i]);
        if (s->plans) cs_plan_free(s->plans[i]);
    }
    free(s->plan_files);
    free(s->plans);
    free(s->file);
    free(s->text);
    free(s->name);
    free(s->description);
    free(s->shocks);
    free(s);
}

const cs_shock *cs_scenario_shock(const cs_scenario *s, int32_t t)
{
    const cs_shock *in_force = NULL;
    for (size_t i = 0; i < s->nshocks && s->shocks[i].from <= t; i++) in_force = &s->shocks[i];
    return in_force;
}

int64_t cs_scenario_fee(const cs_scenario *s, size_t k)
{
    return s->plans[k]->enrolment_fee > 0 ? s->plans[k]->enrolment_fee : s->signup_fee;
}
