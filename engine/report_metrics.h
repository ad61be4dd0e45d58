/* report_metrics: computes the report's metrics from a results folder read by report_data.
 *
 * Every metric is computed replica by replica, then summarised across replicas as a mean and a
 * 90% interval (stats.h).  Metrics about members come from members.csv, which holds only the
 * first member_replicas replicas; metrics about periods come from periods.csv (every replica).
 * docs/metrics.md defines each metric, with worked examples that tests/unit/test_report.c checks.
 *
 * Results are of two kinds:
 *   - scalars: one number per replica and plan, kept per replica so that plans can be compared
 *     replica by replica (paired differences: the replicas of all plans share their market);
 *   - tables: tidy rows (plan, key, key2, measure, mean, p05, p95, replicas), already summarised.
 * A value that a replica cannot define (a rank nobody reached, a ratio over nothing) is NAN there
 * and is left out of that row's summary; `replicas` says how many replicas the row rests on. */
#ifndef COMPSIM_REPORT_METRICS_H
#define COMPSIM_REPORT_METRICS_H

#include <stddef.h>

#include "diag.h"
#include "report_data.h"
#include "stats.h"

typedef enum { CS_RU_SHARE, CS_RU_MONEY, CS_RU_RATIO, CS_RU_COUNT, CS_RU_PERIOD } cs_rm_unit;

typedef struct {
    char *id;           /* e.g. "share_net_positive" */
    char *label;        /* what it is, for tables */
    cs_rm_unit unit;
    int from_members;   /* rests on members.csv (member replicas) rather than periods.csv */
    int market;         /* the same for every plan (a property of the market, not of a plan) */
    size_t nrep;
    double *v;          /* nplans * nrep: value of plan k in replica r at v[k * nrep + r] */
    cs_interval *iv;    /* nplans summaries */
} cs_rm_scalar;

typedef struct {
    int plan;           /* 1-based; 0 for rows about the market */
    char key[64], key2[16];
    char measure[48];
    cs_interval iv;
} cs_rm_row;

typedef struct {
    const char *name;       /* file name without .csv */
    const char *key_name;   /* header of the key column */
    const char *key2_name;  /* NULL: no second key */
    cs_rm_row *row;
    size_t n, cap;
} cs_rm_table;

/* CS_RT_DISCLOSURE_YEAR and CS_RT_YEARS rest on member_years.csv and stay empty without it. */
enum { CS_RT_DISCLOSURE, CS_RT_QUANTILES, CS_RT_LORENZ, CS_RT_PERIODS, CS_RT_COHORTS, CS_RT_SURVIVAL,
       CS_RT_COMPARISON, CS_RT_DISCLOSURE_YEAR, CS_RT_YEARS, CS_RT_N };

/* An item of the issue that the results folder does not allow computing, and why. */
typedef struct {
    const char *what, *why;
} cs_rm_missing;

typedef struct {
    double wage;            /* hourly wage, currency units */
    double hours_per_week;  /* hours worked a week */
} cs_rm_options;

typedef struct {
    const cs_rd *rd;
    cs_rm_options opt;
    double hours_per_period;
    int32_t year;           /* year of CS_RT_DISCLOSURE_YEAR; 0 when there is no member_years.csv */
    int year_full;          /* that year is a whole year */
    cs_rm_scalar *scalar;
    size_t nscalars, scap;
    cs_rm_table table[CS_RT_N];
    const cs_rm_missing *missing;
    size_t nmissing;
} cs_rm;

/* Computes every metric, the one-year disclosure table for the last whole year.  Returns NULL
 * (out of memory) with an error in d. */
cs_rm *cs_rm_compute(const cs_rd *rd, const cs_rm_options *opt, cs_diags *d);
/* The same with the one-year disclosure table for `year` (0: the last whole year).  Returns NULL
 * with an error in d: out of memory, or a year the results do not hold (or any year given for a
 * folder without member_years.csv). */
cs_rm *cs_rm_compute_year(const cs_rd *rd, const cs_rm_options *opt, int32_t year, cs_diags *d);
void cs_rm_free(cs_rm *m);

/* The scalar called id, or NULL. */
const cs_rm_scalar *cs_rm_find(const cs_rm *m, const char *id);
/* The row of table t with these keys (key2 NULL: any), or NULL. */
const cs_rm_row *cs_rm_lookup(const cs_rm *m, int t, int plan, const char *key, const char *key2, const char *measure);

/* ---- the pieces, exposed for the unit tests ------------------------------------------------- */

/* Figures of one group of members (a replica under one plan), money in currency units. */
typedef struct {
    size_t n, builders;
    double share_net_positive, share_net_positive_builders, share_net_positive_customers, share_net_positive_stayers;
    double share_net_negative, share_above_wage, share_above_wage_builders, share_gross_zero;
    double gross_mean, gross_median, gross_p90, net_mean, net_median;
    double gini, top1, top10, share_never_sponsored, first_year_dropout;
} cs_rm_group;

/* Computes the group's figures over members m[0..n) of a run of `periods` periods, with the
 * wage threshold wage x hours_per_period per period in the network and years of
 * `periods_per_year` periods.  Returns -1 when out of memory. */
int cs_rm_group_compute(const cs_rd_member *m, size_t n, int32_t periods, int periods_per_year, double wage,
                        double hours_per_period, cs_rm_group *out);

/* Periods member m spent in the network in a run of `periods` periods. */
int32_t cs_rm_tenure(const cs_rd_member *m, int32_t periods);

#endif
