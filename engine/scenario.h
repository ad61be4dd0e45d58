/* scenario: the checked, read-only description of a simulated market (docs/scenario-format.md).
 *
 * scenario.c reads a scenario YAML file through yaml_tree (as plan_load.c reads plans), fills every
 * parameter left out with its documented default, checks ranges, and loads the plan files the
 * scenario names (a plan that does not load gives the plan's own messages).  After loading, the
 * scenario and its plans are never changed, so replicas running on several threads share them.
 *
 * Units: money in cents and volumes in hundredths (money.h); probabilities and shares in ppm;
 * expected counts, dispersions, spreads (sigma) and multipliers as doubles (they feed random
 * draws, never an amount directly).  Periods are numbered 1..periods. */
#ifndef COMPSIM_SCENARIO_H
#define COMPSIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "plan.h"

typedef enum { CS_MEMBER_CUSTOMER, CS_MEMBER_BUILDER, CS_MEMBER_NTYPES } cs_member_type;

/* A lognormal amount given by its median (exp(mu)) and sigma (the sd of its logarithm).  A median
 * of 0 means "always 0". */
typedef struct {
    double median; /* in currency units or PV */
    double sigma;
} cs_lognormal;

typedef struct {
    int32_t share_ppm;       /* share among joiners (the shares of all types add up to 100%) */
    double recruits;         /* expected recruits per period of a member of average propensity */
    int autoship;            /* orders every period, at least the plan's active min_pv */
    int32_t order_ppm;       /* without autoship: probability of ordering in a period */
    cs_lognormal pv;         /* PV of an order */
    int32_t retail_ppm;      /* probability of retail sales in a period */
    cs_lognormal retail;     /* retail sales, currency units */
    cs_lognormal expenses;   /* business expenses per period, currency units */
    int32_t value_ppm;       /* share of own purchases counted as value received (not a cost) */
    int32_t early_periods;   /* the first periods of membership, with their own quit rate */
    int32_t quit_early_ppm;  /* probability of quitting at the end of a period, tenure < early_periods */
    int32_t quit_later_ppm;  /* the same afterwards */
    double loss_factor;      /* quit probability multiplier after a period of negative net income */
} cs_member_params;

typedef struct {
    cs_pos pos;
    int32_t from;        /* the first period the shock applies to */
    double recruitment;  /* multiplies every expected recruit count */
    double attrition;    /* multiplies every quit probability (capped at 1) */
} cs_shock;

typedef enum { CS_SAT_NONE, CS_SAT_LINEAR } cs_saturation;
typedef enum { CS_PROP_NONE, CS_PROP_GAMMA, CS_PROP_LOGNORMAL } cs_propensity;

/* Recruitment through a synthetic contact network (docs/scenario-format.md, "Contact network"):
 * each person knows a negative-binomial number of others, and a member recruits only among their
 * own contacts not asked yet. */
typedef struct {
    int on;                 /* 0: recruitment from the whole population */
    double mean;            /* mean number of contacts of a person (degree), people */
    double dispersion;      /* negative binomial shape k: variance mean + mean^2 / k */
    int32_t acceptance_ppm; /* probability that an asked contact not reached before joins */
} cs_contacts;

#define CS_CONTACTS_MAX 1000000000 /* a person's contacts are capped at 10^9 (they are counted in uint32) */

typedef struct {
    char *file;          /* as given */
    char *text;          /* the file's text as read (for the manifest) */
    size_t textlen;
    char *name;
    char *description;   /* NULL if none */

    char **plan_files;   /* nplans paths, relative to the scenario's folder resolved */
    cs_plan **plans;     /* nplans loaded plans; plans[0] is the reference plan */
    size_t nplans;

    int32_t periods;
    int64_t replicas;
    uint64_t seed;
    int64_t member_replicas; /* replicas whose members are written to members.csv */

    int64_t population;  /* addressable people, founders included; 0 = unlimited */
    int64_t founders;
    cs_saturation saturation;
    cs_propensity propensity;
    double dispersion;   /* gamma: shape k (mean 1, variance 1/k); lognormal: sigma (mean 1) */
    cs_contacts contacts;
    int32_t bv_ppm;      /* BV of an order as a share of its PV */
    int64_t signup_fee;  /* cents, for plans without an enrolment fee */

    cs_member_params type[CS_MEMBER_NTYPES];
    cs_shock *shocks;    /* sorted by `from`, strictly increasing */
    size_t nshocks;
} cs_scenario;

#define CS_SCENARIO_MAX_PERIODS 10000
#define CS_SCENARIO_MAX_PLANS 16
#define CS_SCENARIO_MAX_MEMBERS INT64_C(2000000000) /* member indices are int32 */

/* Loads and checks a scenario and its plans.  Reports every problem into `d` and returns NULL if
 * there was any error; the caller frees the result with cs_scenario_free. */
cs_scenario *cs_scenario_load_file(const char *path, cs_diags *d);
/* Same from text; `name` is used in messages and plan paths are relative to `dir` (NULL: "."). */
cs_scenario *cs_scenario_load_string(const char *text, size_t len, const char *name, const char *dir, cs_diags *d);
void cs_scenario_free(cs_scenario *s);

/* A value put in place of the base scenario's before the scenario is checked: what a parameter
 * sweep varies (docs/sweeps.md).  Going through the loader means an overridden value gets every
 * check a written one gets.  `path` names a key as in the docs' tables: "market.population",
 * "types.builder.attrition.later", "shocks[0].recruitment"; mappings on the way are created when
 * absent, list items must exist.  `value` is the scalar as it would be written ("0.8", "5%").
 * Messages about the value (or a check it makes fail) point at file:pos, with src's line echoed. */
typedef struct {
    const char *path;
    const char *value;
    const char *file; /* where the value was written, e.g. the sweep file */
    cs_pos pos;
    const char *src;  /* that file's text (NUL-terminated), or NULL */
} cs_scenario_override;

#define CS_SCENARIO_MAX_OVERRIDES 100000

/* cs_scenario_load_string with overrides ov[0..n) applied to the text's tree, in order. */
cs_scenario *cs_scenario_load_overrides(const char *text, size_t len, const char *name, const char *dir,
                                        const cs_scenario_override *ov, size_t n, cs_diags *d);

const char *cs_member_type_name(cs_member_type t);

/* The shock in force in period t (the last one with from <= t), or NULL. */
const cs_shock *cs_scenario_shock(const cs_scenario *s, int32_t t);

/* The sign-up fee a joiner pays under plan k: the plan's enrolment fee if it has one, else the
 * scenario's signup_fee. */
int64_t cs_scenario_fee(const cs_scenario *s, size_t k);

#endif
