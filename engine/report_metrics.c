#include "report_metrics.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"

/* What the simulator's results do not hold (reported to the lead with the fields they need). */
/* The first NO_YEARS items are missing only from folders without member_years.csv. */
#define NO_YEARS 2
static const cs_rm_missing missing_items[] = {
    {"income disclosure table and positive net income for a chosen year",
     "this results folder has no member_years.csv (written by compsim simulate since it was added); members.csv "
     "holds each member's totals over the whole run, so the tables here cover each member's whole membership"},
    {"rank paid-as in a year",
     "without member_years.csv only the title at the end of the run (the highest rank reached) is known, which "
     "the whole-membership disclosure table uses"},
    {"share of commissions resting on retail sales (FTC-Herbalife order)",
     "the simulator computes every commission on members' own orders (BV = own PV x bv_share); retail "
     "sales earn only retail profit, so this share is 0 by construction, not measured"},
    {"per-participant test (FTC-Vemma order)",
     "needs each member's and downline's purchases and retail sales per period"},
    {"purchases landing exactly on the qualification minimum (pay-to-play)",
     "needs each member's order per period"},
    {"persistence at the top (the same members in the top 1% year after year)",
     "needs per-year income (member_years.csv holds it in folders of this version; not computed yet)"},
};

/* ---- building blocks -------------------------------------------------------------------------- */

static cs_rm_scalar *add_scalar(cs_rm *m, const char *id, const char *label, cs_rm_unit unit, int from_members,
                                int market)
{
    if (m->nscalars == m->scap) {
        size_t nc = m->scap ? 2 * m->scap : 64;
        cs_rm_scalar *ns = realloc(m->scalar, nc * sizeof *ns);
        if (!ns) return NULL;
        m->scalar = ns, m->scap = nc;
    }
    size_t nrep = from_members ? (size_t)m->rd->member_replicas : (size_t)m->rd->replicas, np = m->rd->nplans;
    cs_rm_scalar *s = &m->scalar[m->nscalars];
    memset(s, 0, sizeof *s);
    s->id = strdup(id);
    s->label = strdup(label);
    s->unit = unit, s->from_members = from_members, s->market = market, s->nrep = nrep;
    s->v = malloc((np * nrep + 1) * sizeof *s->v);
    s->iv = calloc(np, sizeof *s->iv);
    if (!s->id || !s->label || !s->v || !s->iv) {
        free(s->id), free(s->label), free(s->v), free(s->iv);
        return NULL;
    }
    for (size_t i = 0; i < np * nrep; i++) s->v[i] = NAN;
    m->nscalars++;
    return s;
}

static int add_row(cs_rm_table *t, int plan, const char *key, const char *key2, const char *measure, cs_interval iv)
{
    if (t->n == t->cap) {
        size_t nc = t->cap ? 2 * t->cap : 256;
        cs_rm_row *nr = realloc(t->row, nc * sizeof *nr);
        if (!nr) return -1;
        t->row = nr, t->cap = nc;
    }
    cs_rm_row *r = &t->row[t->n++];
    r->plan = plan;
    snprintf(r->key, sizeof r->key, "%s", key);
    snprintf(r->key2, sizeof r->key2, "%s", key2 ? key2 : "");
    snprintf(r->measure, sizeof r->measure, "%s", measure);
    r->iv = iv;
    return 0;
}

/* Summarises x[0..n) (reordering it) into a row. */
static int summarise(cs_rm_table *t, int plan, const char *key, const char *key2, const char *measure, double *x,
                     size_t n)
{
    return add_row(t, plan, key, key2, measure, cs_stats_interval(x, n));
}

const cs_rm_scalar *cs_rm_find(const cs_rm *m, const char *id)
{
    for (size_t i = 0; i < m->nscalars; i++)
        if (!strcmp(m->scalar[i].id, id)) return &m->scalar[i];
    return NULL;
}

const cs_rm_row *cs_rm_lookup(const cs_rm *m, int t, int plan, const char *key, const char *key2, const char *measure)
{
    const cs_rm_table *tb = &m->table[t];
    for (size_t i = 0; i < tb->n; i++) {
        const cs_rm_row *r = &tb->row[i];
        if (r->plan == plan && !strcmp(r->key, key) && (!key2 || !strcmp(r->key2, key2)) && !strcmp(r->measure, measure))
            return r;
    }
    return NULL;
}

int32_t cs_rm_tenure(const cs_rd_member *m, int32_t periods)
{
    return (m->quit ? m->quit : periods) - m->join + 1;
}

static double cur(int64_t cents) { return (double)cents / 100.0; }

/* ---- one group of members ------------------------------------------------------------------- */

static double share(size_t k, size_t n) { return n ? (double)k / (double)n : NAN; }

int cs_rm_group_compute(const cs_rd_member *m, size_t n, int32_t periods, int periods_per_year, double wage,
                        double hours_per_period, cs_rm_group *out)
{
    memset(out, 0, sizeof *out);
    double *gross = malloc((n + 1) * sizeof *gross), *net = malloc((n + 1) * sizeof *net);
    if (!gross || !net) {
        free(gross), free(net);
        return -1;
    }
    size_t pos = 0, pos_b = 0, pos_c = 0, stay = 0, pos_stay = 0, neg = 0, wage_all = 0, wage_b = 0, zero = 0,
           nosp = 0, eligible = 0, dropped = 0;
    for (size_t i = 0; i < n; i++) {
        const cs_rd_member *x = &m[i];
        gross[i] = cur(x->gross);
        net[i] = cur(x->net);
        int b = x->builder;
        out->builders += (size_t)b;
        if (x->net > 0) pos++, pos_b += (size_t)b, pos_c += (size_t)!b;
        if (x->net < 0) neg++;
        if (!x->quit) stay++, pos_stay += x->net > 0;
        /* above the wage for the stated hours over every period of membership */
        if (net[i] > wage * hours_per_period * cs_rm_tenure(x, periods)) wage_all++, wage_b += (size_t)b;
        if (x->gross == 0) zero++;
        if (x->recruits == 0) nosp++;
        if (x->join + periods_per_year - 1 <= periods) {
            eligible++;
            if (x->quit && x->quit <= x->join + periods_per_year - 1) dropped++;
        }
    }
    out->n = n;
    out->share_net_positive = share(pos, n);
    out->share_net_positive_builders = share(pos_b, out->builders);
    out->share_net_positive_customers = share(pos_c, n - out->builders);
    out->share_net_positive_stayers = share(pos_stay, stay);
    out->share_net_negative = share(neg, n);
    out->share_above_wage = share(wage_all, n);
    out->share_above_wage_builders = share(wage_b, out->builders);
    out->share_gross_zero = share(zero, n);
    out->share_never_sponsored = share(nosp, n);
    out->first_year_dropout = share(dropped, eligible);
    out->gross_mean = cs_stats_mean(gross, n);
    out->net_mean = cs_stats_mean(net, n);
    cs_stats_sort(gross, n);
    cs_stats_sort(net, n);
    out->gross_median = cs_stats_quantile_sorted(gross, n, 0.5);
    out->gross_p90 = cs_stats_quantile_sorted(gross, n, 0.9);
    out->net_median = cs_stats_quantile_sorted(net, n, 0.5);
    out->gini = cs_stats_gini_sorted(gross, n);
    out->top1 = cs_stats_top_share_sorted(gross, n, 0.01);
    out->top10 = cs_stats_top_share_sorted(gross, n, 0.10);
    free(gross), free(net);
    return 0;
}

/* ---- blocks of members: a rank's row of the disclosure table, a cohort ---------------------- */

enum { B_MEMBERS, B_SHARE, B_GROSS_MEAN, B_GROSS_MEDIAN, B_GROSS_P90, B_GROSS_ZERO, B_RETAIL, B_PURCHASE, B_FEE,
       B_EXPENSES, B_NET_MEAN, B_NET_MEDIAN, B_NET_POS, B_NET_PER_PERIOD, B_N };
static const char *const block_measure[B_N] = {
    "members",         "share_of_members", "gross_mean",    "gross_median", "gross_p90",
    "share_gross_zero", "retail_profit_mean", "purchase_cost_mean", "signup_fee_mean", "expenses_mean",
    "net_mean",        "net_median",       "share_net_positive", "net_per_period_mean"};

/* Figures of the members m[idx[0..n)] of a group of `total`; scratch holds 2n doubles. */
static void block(const cs_rd_member *m, const size_t *idx, size_t n, size_t total, int32_t periods, double *scratch,
                  double out[B_N])
{
    for (int b = 0; b < B_N; b++) out[b] = NAN;
    out[B_MEMBERS] = (double)n;
    out[B_SHARE] = share(n, total);
    if (n == 0) return;
    double *g = scratch, *nt = scratch + n;
    int64_t sg = 0, sr = 0, sp = 0, sf = 0, se = 0, sn = 0;
    size_t zero = 0, pos = 0;
    double per = 0;
    for (size_t j = 0; j < n; j++) {
        const cs_rd_member *x = &m[idx[j]];
        g[j] = cur(x->gross), nt[j] = cur(x->net);
        sg += x->gross, sr += x->retail_profit, sp += x->purchase_cost, sf += x->signup_fee, se += x->expenses,
            sn += x->net;
        zero += x->gross == 0, pos += x->net > 0;
        per += cur(x->net) / cs_rm_tenure(x, periods);
    }
    /* means from exact cent sums, so the net mean equals its parts' means to rounding */
    double dn = (double)n;
    out[B_GROSS_MEAN] = cur(sg) / dn, out[B_RETAIL] = cur(sr) / dn, out[B_PURCHASE] = cur(sp) / dn;
    out[B_FEE] = cur(sf) / dn, out[B_EXPENSES] = cur(se) / dn, out[B_NET_MEAN] = cur(sn) / dn;
    out[B_GROSS_ZERO] = share(zero, n), out[B_NET_POS] = share(pos, n), out[B_NET_PER_PERIOD] = per / dn;
    cs_stats_sort(g, n);
    cs_stats_sort(nt, n);
    out[B_GROSS_MEDIAN] = cs_stats_quantile_sorted(g, n, 0.5);
    out[B_GROSS_P90] = cs_stats_quantile_sorted(g, n, 0.9);
    out[B_NET_MEDIAN] = cs_stats_quantile_sorted(nt, n, 0.5);
}

/* ---- member metrics --------------------------------------------------------------------------- */

#define NQ 9
static const double qp[NQ] = {0.10, 0.25, 0.50, 0.75, 0.90, 0.95, 0.99, 0.999, 1.0};
static const char *const qname[NQ] = {"p10", "p25", "p50", "p75", "p90", "p95", "p99", "p99.9", "max"};
#define NLORENZ 101

typedef struct {
    const char *id, *label;
    cs_rm_unit unit;
    int market;
    size_t off; /* in cs_rm_group */
} group_field;

#define GF(f, lbl, u, mk) {#f, lbl, u, mk, offsetof(cs_rm_group, f)}
static const group_field group_fields[] = {
    GF(share_net_positive, "share of members with positive net income over their membership", CS_RU_SHARE, 0),
    GF(share_net_positive_builders, "share of builders with positive net income", CS_RU_SHARE, 0),
    GF(share_net_positive_customers, "share of customers with positive net income", CS_RU_SHARE, 0),
    GF(share_net_positive_stayers, "share with positive net income among members still in at the end", CS_RU_SHARE, 0),
    GF(share_net_negative, "share of members with negative net income", CS_RU_SHARE, 0),
    GF(share_above_wage, "share of members whose net income beats the stated wage for the stated hours", CS_RU_SHARE, 0),
    GF(share_above_wage_builders, "share of builders whose net income beats the stated wage", CS_RU_SHARE, 0),
    GF(share_gross_zero, "share of members paid nothing by the company over their membership", CS_RU_SHARE, 0),
    GF(gross_mean, "mean gross compensation over membership", CS_RU_MONEY, 0),
    GF(gross_median, "median gross compensation over membership", CS_RU_MONEY, 0),
    GF(gross_p90, "90th percentile of gross compensation over membership", CS_RU_MONEY, 0),
    GF(net_mean, "mean net income over membership", CS_RU_MONEY, 0),
    GF(net_median, "median net income over membership", CS_RU_MONEY, 0),
    GF(gini, "Gini coefficient of gross compensation", CS_RU_RATIO, 0),
    GF(top1, "share of all commissions paid to the top 1% of members", CS_RU_SHARE, 0),
    GF(top10, "share of all commissions paid to the top 10% of members", CS_RU_SHARE, 0),
    GF(share_never_sponsored, "share of members who never sponsored anyone", CS_RU_SHARE, 1),
    GF(first_year_dropout, "share of members who left within a year of joining (joiners with a full year observed)",
       CS_RU_SHARE, 1),
};
#define NGF (sizeof group_fields / sizeof *group_fields)

static int member_metrics(cs_rm *m)
{
    const cs_rd *rd = m->rd;
    size_t R = (size_t)rd->member_replicas, np = rd->nplans;
    int32_t T = rd->periods;
    int Y = rd->periods_per_year;
    size_t nyears = (size_t)((T + Y - 1) / Y);
    cs_rm_scalar *sc[NGF], *nmem = add_scalar(m, "members_joined", "members who ever joined (member replicas)",
                                               CS_RU_COUNT, 1, 1);
    if (!nmem) return -1;
    for (size_t f = 0; f < NGF; f++)
        if (!(sc[f] = add_scalar(m, group_fields[f].id, group_fields[f].label, group_fields[f].unit, 1,
                                 group_fields[f].market)))
            return -1;
    size_t maxn = 0;
    for (size_t g = 0; g < R * np; g++)
        if (rd->first[g + 1] - rd->first[g] > maxn) maxn = rd->first[g + 1] - rd->first[g];
    size_t maxrows = CS_RD_MAX_RANKS + 2;
    double *dv = malloc((maxrows * B_N * R + 1) * sizeof *dv);       /* disclosure values */
    double *cv = malloc(((size_t)T * B_N * R + 1) * sizeof *cv);     /* cohort values */
    double *qv = malloc((2 * NQ * R + NLORENZ * R + 1) * sizeof *qv); /* quantiles, Lorenz */
    double *sv = malloc((nyears * (size_t)T * R + 1) * sizeof *sv);   /* survival */
    double *scratch = malloc((2 * maxn + 1) * sizeof *scratch), *sorted = malloc((2 * maxn + 1) * sizeof *sorted);
    size_t *idx = malloc((maxn + 1) * sizeof *idx);
    int rc = -1;
    if (!dv || !cv || !qv || !sv || !scratch || !sorted || !idx) goto done;
    char key[64], key2[16];
    for (size_t k = 0; k < np; k++) {
        const cs_rd_plan *pl = &rd->plans[k];
        size_t nrows = pl->nranks + 2; /* "all", "no rank", ranks */
        for (size_t i = 0; i < maxrows * B_N * R; i++) dv[i] = NAN;
        for (size_t i = 0; i < (size_t)T * B_N * R; i++) cv[i] = NAN;
        for (size_t i = 0; i < nyears * (size_t)T * R; i++) sv[i] = NAN;
        for (size_t r = 0; r < R; r++) {
            const cs_rd_member *g = &rd->member[rd->first[r * np + k]];
            size_t n = rd->first[r * np + k + 1] - rd->first[r * np + k];
            cs_rm_group gr;
            if (cs_rm_group_compute(g, n, T, Y, m->opt.wage, m->hours_per_period, &gr)) goto done;
            nmem->v[k * R + r] = (double)n;
            for (size_t f = 0; f < NGF; f++) sc[f]->v[k * R + r] = *(const double *)((const char *)&gr + group_fields[f].off);
            /* disclosure rows: all members, then by rank */
            for (size_t row = 0; row < nrows; row++) {
                size_t c = 0;
                for (size_t i = 0; i < n; i++)
                    if (row == 0 || g[i].rank == (int32_t)row - 2) idx[c++] = i;
                double out[B_N];
                block(g, idx, c, n, T, scratch, out);
                for (int b = 0; b < B_N; b++) dv[(row * B_N + (size_t)b) * R + r] = out[b];
            }
            /* cohorts by join period */
            for (int32_t t = 1; t <= T; t++) {
                size_t c = 0;
                for (size_t i = 0; i < n; i++)
                    if (g[i].join == t) idx[c++] = i;
                double out[B_N];
                block(g, idx, c, n, T, scratch, out);
                for (int b = 0; b < B_N; b++) cv[((size_t)(t - 1) * B_N + (size_t)b) * R + r] = out[b];
            }
            /* survival by the year of joining: in the network d periods after joining */
            for (size_t y = 0; y < nyears; y++) {
                int32_t j0 = (int32_t)y * Y + 1, j1 = j0 + Y - 1 < T ? j0 + Y - 1 : T;
                size_t c = 0;
                for (size_t i = 0; i < n; i++)
                    if (g[i].join >= j0 && g[i].join <= j1) idx[c++] = i;
                for (int32_t dd = 0; dd <= T - j1 && c; dd++) {
                    size_t in = 0;
                    for (size_t j = 0; j < c; j++) in += !g[idx[j]].quit || g[idx[j]].quit >= g[idx[j]].join + dd;
                    sv[(y * (size_t)T + (size_t)dd) * R + r] = share(in, c);
                }
            }
            /* quantiles of gross and net; the Lorenz curve of gross */
            for (size_t i = 0; i < n; i++) sorted[i] = cur(g[i].gross), sorted[maxn + i] = cur(g[i].net);
            cs_stats_sort(sorted, n);
            cs_stats_sort(sorted + maxn, n);
            for (int q = 0; q < NQ; q++) {
                qv[(size_t)q * R + r] = cs_stats_quantile_sorted(sorted, n, qp[q]);
                qv[(size_t)(NQ + q) * R + r] = cs_stats_quantile_sorted(sorted + maxn, n, qp[q]);
            }
            for (int p = 0; p < NLORENZ; p++) qv[(size_t)(2 * NQ + p) * R + r] = cs_stats_lorenz_sorted(sorted, n, p / 100.0);
        }
        int plan = (int)k + 1;
        for (size_t row = 0; row < nrows; row++) {
            const char *name = row == 0 ? "all members" : row == 1 ? "no rank" : pl->rank[row - 2];
            for (int b = 0; b < B_N; b++)
                if (summarise(&m->table[CS_RT_DISCLOSURE], plan, name, NULL, block_measure[b], &dv[(row * B_N + (size_t)b) * R], R))
                    goto done;
        }
        for (int32_t t = 1; t <= T; t++) {
            snprintf(key, sizeof key, "%d", t);
            for (int b = 0; b < B_N; b++)
                if (b != B_SHARE && summarise(&m->table[CS_RT_COHORTS], plan, key, NULL, block_measure[b],
                                              &cv[((size_t)(t - 1) * B_N + (size_t)b) * R], R))
                    goto done;
        }
        for (int q = 0; q < NQ; q++)
            if (summarise(&m->table[CS_RT_QUANTILES], plan, qname[q], NULL, "gross", &qv[(size_t)q * R], R) ||
                summarise(&m->table[CS_RT_QUANTILES], plan, qname[q], NULL, "net", &qv[(size_t)(NQ + q) * R], R))
                goto done;
        for (int p = 0; p < NLORENZ; p++) {
            snprintf(key, sizeof key, "%.2f", p / 100.0);
            if (summarise(&m->table[CS_RT_LORENZ], plan, key, NULL, "income_share", &qv[(size_t)(2 * NQ + p) * R], R))
                goto done;
        }
        if (k == 0) /* survival is a property of the market: the same members under every plan */
            for (size_t y = 0; y < nyears; y++)
                for (int32_t dd = 0; dd < T; dd++) {
                    double *x = &sv[(y * (size_t)T + (size_t)dd) * R];
                    int any = 0;
                    for (size_t r = 0; r < R; r++) any |= !isnan(x[r]);
                    if (!any) continue;
                    snprintf(key, sizeof key, "%zu", y + 1);
                    snprintf(key2, sizeof key2, "%d", dd);
                    if (summarise(&m->table[CS_RT_SURVIVAL], 0, key, key2, "still_in", x, R)) goto done;
                }
    }
    rc = 0;
done:
    free(dv), free(cv), free(qv), free(sv), free(scratch), free(sorted), free(idx);
    return rc;
}

/* ---- per-year metrics (member_years.csv) ------------------------------------------------------ */

/* The members of group (r, k) in year y (those in the network during it) as cs_rd_member rows that
 * block() reads: tenure = periods in the network that year (join 1, quit periods_in). */
static size_t year_group(const cs_rd *rd, size_t r, size_t k, int32_t y, cs_rd_member *out)
{
    size_t g = (r * rd->nplans + k) * (size_t)rd->nyears + (size_t)(y - 1), c = 0;
    for (size_t i = rd->yfirst[g]; i < rd->yfirst[g + 1]; i++) {
        const cs_rd_year *x = &rd->year[i];
        if (x->periods_in == 0) continue; /* left in an earlier year: not a member in this one */
        out[c++] = (cs_rd_member){.replica = x->replica, .plan = x->plan, .join = 1, .quit = x->periods_in,
                                  .rank = x->rank, .gross = x->gross, .retail_profit = x->retail_profit,
                                  .purchases = x->purchases, .expenses = x->expenses, .signup_fee = x->signup_fee,
                                  .net = x->net, .purchase_cost = x->purchase_cost};
    }
    return c;
}

static int year_metrics(cs_rm *m)
{
    const cs_rd *rd = m->rd;
    size_t R = (size_t)rd->member_replicas, np = rd->nplans, Y = (size_t)rd->nyears, maxn = 0;
    for (size_t g = 0; g < R * np * Y; g++)
        if (rd->yfirst[g + 1] - rd->yfirst[g] > maxn) maxn = rd->yfirst[g + 1] - rd->yfirst[g];
    size_t maxrows = CS_RD_MAX_RANKS + 2;
    cs_rd_member *mem = malloc((maxn + 1) * sizeof *mem);
    size_t *idx = malloc((maxn + 1) * sizeof *idx);
    double *scratch = malloc((2 * maxn + 1) * sizeof *scratch), *dv = malloc((maxrows * B_N * R + 1) * sizeof *dv);
    double *yv = malloc((Y * B_N * R + 1) * sizeof *yv);
    char key[64], label[128];
    snprintf(label, sizeof label, "share of members with positive net income in year %d", m->year);
    cs_rm_scalar *sy = add_scalar(m, "share_net_positive_year", label, CS_RU_SHARE, 1, 0);
    int rc = -1;
    if (!mem || !idx || !scratch || !dv || !yv || !sy) goto done;
    for (size_t k = 0; k < np; k++) {
        const cs_rd_plan *pl = &rd->plans[k];
        size_t nrows = pl->nranks + 2;
        for (size_t i = 0; i < maxrows * B_N * R; i++) dv[i] = NAN;
        for (size_t i = 0; i < Y * B_N * R; i++) yv[i] = NAN;
        for (size_t r = 0; r < R; r++)
            for (int32_t y = 1; y <= (int32_t)Y; y++) {
                size_t n = year_group(rd, r, k, y, mem);
                double out[B_N];
                for (size_t i = 0; i < n; i++) idx[i] = i;
                block(mem, idx, n, n, 1, scratch, out);
                for (int b = 0; b < B_N; b++) yv[((size_t)(y - 1) * B_N + (size_t)b) * R + r] = out[b];
                if (y != m->year) continue;
                sy->v[k * R + r] = out[B_NET_POS];
                /* the chosen year's disclosure rows: all members, then by the highest rank held that year */
                for (size_t row = 0; row < nrows; row++) {
                    size_t c = 0;
                    for (size_t i = 0; i < n; i++)
                        if (row == 0 || mem[i].rank == (int32_t)row - 2) idx[c++] = i;
                    block(mem, idx, c, n, 1, scratch, out);
                    for (int b = 0; b < B_N; b++) dv[(row * B_N + (size_t)b) * R + r] = out[b];
                }
            }
        int plan = (int)k + 1;
        for (size_t row = 0; row < nrows; row++) {
            const char *name = row == 0 ? "all members" : row == 1 ? "no rank" : pl->rank[row - 2];
            for (int b = 0; b < B_N; b++)
                if (summarise(&m->table[CS_RT_DISCLOSURE_YEAR], plan, name, NULL, block_measure[b],
                              &dv[(row * B_N + (size_t)b) * R], R))
                    goto done;
        }
        for (size_t y = 1; y <= Y; y++) {
            snprintf(key, sizeof key, "%zu", y);
            const char *whole = rd->year_full[k * Y + y - 1] ? "full" : "partial";
            for (int b = 0; b < B_N; b++)
                if (b != B_SHARE && summarise(&m->table[CS_RT_YEARS], plan, key, whole, block_measure[b],
                                              &yv[((y - 1) * B_N + (size_t)b) * R], R))
                    goto done;
        }
    }
    rc = 0;
done:
    free(mem), free(idx), free(scratch), free(dv), free(yv);
    return rc;
}

/* ---- period metrics --------------------------------------------------------------------------- */

static double ratio(int64_t a, int64_t b) { return b ? (double)a / (double)b : NAN; }

/* Is bonus column b ever non-zero? Columns of bonus types no plan uses are left out. */
static int bonus_used(const cs_rd *rd, size_t b)
{
    size_t rows = (size_t)rd->replicas * rd->nplans * (size_t)rd->periods;
    for (size_t i = 0; i < rows; i++)
        if (rd->bonus[i * rd->nbonus + b]) return 1;
    return 0;
}

static int period_metrics(cs_rm *m)
{
    const cs_rd *rd = m->rd;
    size_t R = (size_t)rd->replicas, np = rd->nplans, nb = rd->nbonus;
    int32_t T = rd->periods;
    int rc = -1;
    char key[64], id[96], label[160];
    double *x = malloc((R + 1) * sizeof *x);
    uint8_t *used = calloc(nb + 1, 1);
    char **ratio_name = calloc(nb + 1, sizeof *ratio_name);
    if (!x || !used || !ratio_name) goto done;
    for (size_t b = 0; b < nb; b++) {
        /* retail profit is paid by customers, not by the company: no part of a payout ratio */
        used[b] = strcmp(rd->bonus_name[b], "retail_profit") && bonus_used(rd, b);
        snprintf(id, sizeof id, "payout_ratio_%s", rd->bonus_name[b]);
        if (!(ratio_name[b] = strdup(id))) goto done;
    }
    /* the periods table */
    static const char *const pm[] = {"members", "joins", "quits", "reached", "active", "paid_share", "company_paid",
                                     "payout_ratio"};
    for (size_t k = 0; k < np; k++)
        for (int32_t t = 1; t <= T; t++) {
            snprintf(key, sizeof key, "%d", t);
            for (size_t j = 0; j < sizeof pm / sizeof *pm; j++) {
                if (k > 0 && j < 4) continue; /* market figures: once, under plan 1 */
                for (size_t r = 0; r < R; r++) {
                    const cs_rd_period *p = cs_rd_row(rd, (int64_t)r, k, t);
                    double v[] = {(double)p->members, (double)p->joins, (double)p->quits, (double)p->reached,
                                  (double)p->active, ratio(p->paid_members, p->members), cur(p->company_paid),
                                  ratio(p->company_paid, p->bv)};
                    x[r] = v[j];
                }
                if (summarise(&m->table[CS_RT_PERIODS], j < 4 ? 0 : (int)k + 1, key, NULL, pm[j], x, R)) goto done;
            }
            for (size_t b = 0; b < nb; b++) {
                if (!used[b]) continue;
                for (size_t r = 0; r < R; r++)
                    x[r] = ratio(cs_rd_bonus(rd, (int64_t)r, k, t)[b], cs_rd_row(rd, (int64_t)r, k, t)->bv);
                if (summarise(&m->table[CS_RT_PERIODS], (int)k + 1, key, NULL, ratio_name[b], x, R)) goto done;
            }
        }
    /* run totals, sustainability */
    cs_rm_scalar *pr = add_scalar(m, "payout_ratio", "company-paid commissions as a share of BV, whole run", CS_RU_RATIO, 0, 0);
    cs_rm_scalar *eu = add_scalar(m, "end_user_share",
                                  "share of product volume sold to non-members at retail (the rest: members' own orders)",
                                  CS_RU_SHARE, 0, 0);
    cs_rm_scalar *up = add_scalar(m, "share_unpaid_period", "share of member-periods in which the member was paid nothing",
                                  CS_RU_SHARE, 0, 0);
    cs_rm_scalar *pk = add_scalar(m, "peak_period", "period of peak membership", CS_RU_PERIOD, 0, 1);
    cs_rm_scalar *pkm = add_scalar(m, "members_peak", "members at the peak", CS_RU_COUNT, 0, 1);
    cs_rm_scalar *end = add_scalar(m, "members_end", "members in the last period", CS_RU_COUNT, 0, 1);
    cs_rm_scalar *stop = add_scalar(m, "growth_stopped", "share of replicas whose membership peaked before the last period",
                                    CS_RU_SHARE, 0, 1);
    cs_rm_scalar *pen = add_scalar(m, "penetration_end", "people ever reached as a share of the population, at the end",
                                   CS_RU_SHARE, 0, 1);
    cs_rm_scalar *half = add_scalar(m, "period_half_reached", "first period by which half the population had joined",
                                    CS_RU_PERIOD, 0, 1);
    if (!pr || !eu || !up || !pk || !pkm || !end || !stop || !pen || !half) goto done;
    cs_rm_scalar **bs = calloc(nb + 1, sizeof *bs);
    if (!bs) goto done;
    for (size_t b = 0; b < nb; b++) {
        if (!used[b]) continue;
        snprintf(id, sizeof id, "commission_share_%s", rd->bonus_name[b]);
        snprintf(label, sizeof label, "%s as a share of company-paid commissions", rd->bonus_name[b]);
        if (!(bs[b] = add_scalar(m, id, label, CS_RU_SHARE, 0, 0))) {
            free(bs);
            goto done;
        }
    }
    for (size_t k = 0; k < np; k++)
        for (size_t r = 0; r < R; r++) {
            int64_t paid = 0, bv = 0, pv = 0, retail = 0, mp = 0, paidm = 0, peak = -1;
            int32_t peak_t = 0, half_t = 0;
            for (int32_t t = 1; t <= T; t++) {
                const cs_rd_period *p = cs_rd_row(rd, (int64_t)r, k, t);
                paid += p->company_paid, bv += p->bv, pv += p->pv, retail += p->retail;
                mp += p->members, paidm += p->paid_members;
                if (p->members > peak) peak = p->members, peak_t = t;
                if (!half_t && rd->population && 2 * p->reached >= rd->population) half_t = t;
            }
            size_t at = k * R + r;
            pr->v[at] = ratio(paid, bv);
            eu->v[at] = ratio(retail, pv + retail);
            up->v[at] = mp ? 1 - (double)paidm / (double)mp : NAN;
            pk->v[at] = peak_t, pkm->v[at] = (double)peak;
            end->v[at] = (double)cs_rd_row(rd, (int64_t)r, k, T)->members;
            stop->v[at] = peak_t < T;
            pen->v[at] = rd->population ? (double)cs_rd_row(rd, (int64_t)r, k, T)->reached / (double)rd->population : NAN;
            half->v[at] = half_t ? half_t : NAN;
            for (size_t b = 0; b < nb; b++) {
                if (!bs[b]) continue;
                int64_t s = 0;
                for (int32_t t = 1; t <= T; t++) s += cs_rd_bonus(rd, (int64_t)r, k, t)[b];
                bs[b]->v[at] = ratio(s, paid);
            }
        }
    free(bs);
    /* shocks: the period before each shock against the last period */
    for (size_t i = 0; i < rd->nshocks; i++) {
        int32_t s = rd->shocks[i].from;
        static const char *const what[] = {"members", "company_paid", "paid_share"};
        static const char *const wl[] = {"members", "company-paid commissions in the period",
                                         "share of members paid anything"};
        for (int w = 0; w < 3; w++) {
            cs_rm_scalar *sb, *se, *sc;
            snprintf(id, sizeof id, "shock%zu_%s_before", i + 1, what[w]);
            snprintf(label, sizeof label, "%s in period %d, before shock %zu", wl[w], s - 1, i + 1);
            sb = add_scalar(m, id, label, w == 2 ? CS_RU_SHARE : w == 1 ? CS_RU_MONEY : CS_RU_COUNT, 0, w == 0);
            snprintf(id, sizeof id, "shock%zu_%s_end", i + 1, what[w]);
            snprintf(label, sizeof label, "%s in the last period, after shock %zu", wl[w], i + 1);
            se = sb ? add_scalar(m, id, label, w == 2 ? CS_RU_SHARE : w == 1 ? CS_RU_MONEY : CS_RU_COUNT, 0, w == 0) : NULL;
            snprintf(id, sizeof id, "shock%zu_%s_change", i + 1, what[w]);
            snprintf(label, sizeof label, "relative change of %s from period %d to the last", wl[w], s - 1);
            sc = se ? add_scalar(m, id, label, CS_RU_RATIO, 0, w == 0) : NULL;
            if (!sc) goto done;
            for (size_t k = 0; k < np; k++)
                for (size_t r = 0; r < R; r++) {
                    double v[2] = {NAN, NAN};
                    for (int e = 0; e < 2; e++) {
                        int32_t t = e ? T : s - 1;
                        if (t < 1) continue;
                        const cs_rd_period *p = cs_rd_row(rd, (int64_t)r, k, t);
                        v[e] = w == 0 ? (double)p->members : w == 1 ? cur(p->company_paid) : ratio(p->paid_members, p->members);
                    }
                    sb->v[k * R + r] = v[0], se->v[k * R + r] = v[1];
                    sc->v[k * R + r] = v[0] > 0 ? v[1] / v[0] - 1 : NAN;
                }
        }
    }
    rc = 0;
done:
    for (size_t b = 0; b < nb && ratio_name; b++) free(ratio_name[b]);
    free(ratio_name), free(used), free(x);
    return rc;
}

/* ---- summaries and the comparison of plans ---------------------------------------------------- */

static int summarise_scalars(cs_rm *m)
{
    size_t np = m->rd->nplans;
    size_t maxr = (size_t)(m->rd->replicas > m->rd->member_replicas ? m->rd->replicas : m->rd->member_replicas);
    double *x = malloc((maxr + 1) * sizeof *x);
    if (!x) return -1;
    int rc = 0;
    for (size_t i = 0; i < m->nscalars; i++) {
        cs_rm_scalar *s = &m->scalar[i];
        for (size_t k = 0; k < np; k++) {
            memcpy(x, &s->v[k * s->nrep], s->nrep * sizeof *x);
            s->iv[k] = cs_stats_interval(x, s->nrep);
        }
        /* paired differences: plan k minus the reference plan, replica by replica */
        for (size_t k = 1; k < np && !s->market; k++) {
            for (size_t r = 0; r < s->nrep; r++) x[r] = s->v[k * s->nrep + r] - s->v[r];
            if (summarise(&m->table[CS_RT_COMPARISON], (int)k + 1, s->id, NULL, "difference", x, s->nrep)) rc = -1;
        }
    }
    free(x);
    return rc;
}

cs_rm *cs_rm_compute(const cs_rd *rd, const cs_rm_options *opt, cs_diags *d) { return cs_rm_compute_year(rd, opt, 0, d); }

cs_rm *cs_rm_compute_year(const cs_rd *rd, const cs_rm_options *opt, int32_t year, cs_diags *d)
{
    cs_rm *m = calloc(1, sizeof *m);
    if (!m) return cs_error(d, NULL, 0, 0, "out of memory"), NULL;
    m->rd = rd;
    m->opt = *opt;
    m->hours_per_period = opt->hours_per_week * 52.0 / rd->periods_per_year;
    static const char *const names[CS_RT_N] = {"disclosure", "quantiles", "lorenz", "periods", "cohorts", "survival",
                                               "comparison", "disclosure_year", "years"};
    static const char *const keys[CS_RT_N] = {"rank", "quantile", "population_share", "period", "join_period",
                                              "join_year", "metric", "rank", "year"};
    for (int t = 0; t < CS_RT_N; t++) m->table[t].name = names[t], m->table[t].key_name = keys[t];
    m->table[CS_RT_SURVIVAL].key2_name = "tenure";
    m->table[CS_RT_YEARS].key2_name = "whole";
    m->missing = missing_items;
    m->nmissing = sizeof missing_items / sizeof *missing_items;
    int years = rd->has_years && rd->member_replicas > 0 && rd->nyears > 0;
    if (year != 0 && (!years || year < 1 || year > rd->nyears)) {
        if (years) cs_error(d, NULL, 0, 0, "year %d: the results hold years 1 to %d", year, rd->nyears);
        else cs_error(d, NULL, 0, 0, "year %d: this results folder has no member_years.csv (per-year figures)", year);
        cs_rm_free(m);
        return NULL;
    }
    if (years) {
        m->missing += NO_YEARS, m->nmissing -= NO_YEARS;
        /* default: the last whole year of the reference plan, else (a run shorter than a year) year 1 */
        m->year = year;
        for (int32_t y = rd->nyears; !m->year && y >= 1; y--)
            if (rd->year_full[y - 1]) m->year = y;
        if (!m->year) m->year = 1;
        m->year_full = rd->year_full[m->year - 1];
    }
    if ((rd->member_replicas > 0 && member_metrics(m)) || (years && year_metrics(m)) || period_metrics(m) || summarise_scalars(m)) {
        cs_error(d, NULL, 0, 0, "out of memory");
        cs_rm_free(m);
        return NULL;
    }
    return m;
}

void cs_rm_free(cs_rm *m)
{
    if (!m) return;
    for (size_t i = 0; i < m->nscalars; i++) free(m->scalar[i].id), free(m->scalar[i].label), free(m->scalar[i].v), free(m->scalar[i].iv);
    free(m->scalar);
    for (int t = 0; t < CS_RT_N; t++) free(m->table[t].row);
    free(m);
}
