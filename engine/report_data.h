/* report_data: reads a results folder of `compsim simulate` (manifest.json, periods.csv,
 * members.csv; docs/scenario-format.md, "Results") into flat arrays for the report.
 *
 * Columns are found by name in each header, so added columns do no harm; the bonus columns of
 * periods.csv are the ones between `retail` and `company_paid`.  Every row is checked: a field
 * that is not a number, a replica, plan or period out of range, a duplicate or missing row, a
 * member whose net does not reconcile with its parts: each is an error at FILE:LINE.  The
 * manifest (JSON, a subset of YAML) is read with yaml_tree, so its errors carry LINE:COLUMN.
 * Each plan's text in the manifest is loaded again with the plan loader, for its rank ladder and
 * period length. */
#ifndef COMPSIM_REPORT_DATA_H
#define COMPSIM_REPORT_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "plan.h"

#define CS_RD_MAX_RANKS (CS_MAX_RANKS + 1)

typedef struct {
    char *name, *file;
    cs_plan *plan;        /* the plan's text loaded again; NULL if the manifest has none or it fails */
    size_t nranks;        /* rank names in ladder order, lowest first (from the plan, or as met) */
    char *rank[CS_RD_MAX_RANKS];
} cs_rd_plan;

typedef struct {
    char *key;   /* path in the manifest's parameters, e.g. "types.builder.recruits" */
    char *value; /* as written */
} cs_rd_param;

typedef struct {
    int32_t from;
    double recruitment, attrition;
} cs_rd_shock;

/* One row of periods.csv. */
typedef struct {
    int64_t members, joins, quits, reached, recruiters, active, paid_members;
    int64_t pv, bv, retail, company_paid; /* cents */
} cs_rd_period;

/* One row of members.csv, with what the report adds. */
typedef struct {
    int32_t replica, plan;   /* plan: 0-based */
    int32_t join, quit;      /* quit 0: still in at the end */
    int32_t rank;            /* index into the plan's rank[], -1: no rank */
    int32_t recruits;        /* members whose sponsor this member is */
    uint8_t builder;         /* type builder (else customer) */
    int64_t gross, retail_profit, purchases, expenses, signup_fee, net; /* cents */
    int64_t purchase_cost;   /* the share of purchases counted as a cost, cents */
} cs_rd_member;

/* One row of member_years.csv: a member's figures in one year of a plan. */
typedef struct {
    int32_t replica, plan, year; /* plan 0-based, year from 1 */
    int32_t periods_in;          /* periods of the year the member was in the network */
    int32_t rank;                /* highest paid-as rank held in the year, -1: none */
    uint8_t full;                /* a whole year (else the run's partial last year) */
    int64_t gross, retail_profit, purchases, purchase_cost, expenses, signup_fee, net; /* cents */
} cs_rd_year;

typedef struct {
    /* manifest */
    char *version, *scenario_name, *scenario_file, *scenario_text, *generator;
    uint64_t seed;
    int64_t replicas, member_replicas; /* replicas 0..member_replicas-1 have members */
    int32_t periods;
    int periods_per_year;              /* 12 (months) or 52 (weeks), from the reference plan */
    int64_t population;                /* 0: unlimited */
    int32_t value_ppm[2];              /* value received, customer and builder */
    cs_rd_param *params;
    size_t nparams;
    cs_rd_shock *shocks;
    size_t nshocks;
    cs_rd_plan *plans;
    size_t nplans;

    /* periods.csv: row (r, k, t) at index (r * nplans + k) * periods + t - 1 */
    size_t nbonus;
    char **bonus_name;     /* nbonus column names */
    cs_rd_period *period;
    int64_t *bonus;        /* nbonus per row, same index order */

    /* members.csv, sorted by replica then plan then join order; group (r, k) is
     * member[first[r * nplans + k] .. first[r * nplans + k + 1]) */
    cs_rd_member *member;
    size_t nmembers;
    size_t *first;

    /* member_years.csv (absent in folders of older versions: has_years 0, nothing else set);
     * sorted by replica, plan, year; group (r, k, y) is year[yfirst[(r * nplans + k) * nyears + y - 1]
     * .. the next).  year_full[k * nyears + y - 1]: year y of plan k is whole. */
    int has_years;
    int32_t nyears;
    cs_rd_year *year;
    size_t nyear_rows;
    size_t *yfirst;
    uint8_t *year_full;
} cs_rd;

/* Reads the results folder `dir`.  Returns NULL with errors in d. */
cs_rd *cs_rd_load(const char *dir, cs_diags *d);
void cs_rd_free(cs_rd *rd);

static inline const cs_rd_period *cs_rd_row(const cs_rd *rd, int64_t r, size_t k, int32_t t)
{
    return &rd->period[((size_t)r * rd->nplans + k) * (size_t)rd->periods + (size_t)(t - 1)];
}
static inline const int64_t *cs_rd_bonus(const cs_rd *rd, int64_t r, size_t k, int32_t t)
{
    return &rd->bonus[(((size_t)r * rd->nplans + k) * (size_t)rd->periods + (size_t)(t - 1)) * rd->nbonus];
}

/* The cost part of purchases: (1 - value received) x purchases, rounded half up to the cent. */
int64_t cs_rd_purchase_cost(int64_t purchases, int32_t value_ppm);

/* The value of a manifest parameter by its path, or NULL. */
const char *cs_rd_param_value(const cs_rd *rd, const char *key);

#endif
