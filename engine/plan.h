/* plan: the checked, read-only compensation plan.
 *
 * plan_load.c builds it from YAML (through yaml_tree, the only modules that know YAML); everything after
 * reads it and never changes it, so threads may share one plan.  Every field that came from the
 * file remembers its position for messages.  docs/plan-format.md states what each field means.
 *
 * Ranks are numbered 0..nranks-1 from lowest to highest.  A member with no paid-as rank has rank
 * CS_RANK_NONE (-1).  Tables "by rank" have nranks+1 rows: row 0 for members without a rank, row
 * r+1 for rank r (CS_ROW(r) maps a rank to its row). */
#ifndef COMPSIM_PLAN_H
#define COMPSIM_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "placement.h"

#define CS_RANK_NONE (-1)
#define CS_ROW(rank) ((size_t)((rank) + 1))
#define CS_MAX_LEVELS 64
#define CS_MAX_RANKS 64

typedef enum { CS_PERIOD_MONTH, CS_PERIOD_WEEK } cs_period_kind;

typedef struct {
    int32_t rank;  /* a leg counts if it holds a member of paid-as rank >= rank */
    int32_t count; /* number of distinct frontline legs needed */
} cs_leg_rule;

/* All rules are combined with AND; a rule whose value is 0 (or nlegs == 0) is absent. */
typedef struct {
    char *name;
    cs_pos pos;
    int64_t pv;               /* minimum personal volume, hundredths */
    int64_t gv;               /* minimum group volume, hundredths */
    int32_t max_leg_ppm;      /* with gv: one leg counts for at most this share of gv; 0 = no cap */
    int32_t active_frontline; /* minimum number of active personally sponsored members */
    cs_leg_rule *legs;
    size_t nlegs;
} cs_rank;

typedef enum {
    CS_BONUS_RETAIL,      /* retail profit: margin by rank on the member's own retail sales */
    CS_BONUS_UNILEVEL,    /* rates per sponsor-tree level on downline BV */
    CS_BONUS_STAIRSTEP,   /* rank-rate differential on group BV */
    CS_BONUS_GENERATION,  /* overrides on broken-away groups, by generation */
    CS_BONUS_FAST_START,  /* rates per level on newly joined members' BV */
    CS_BONUS_MATCHING,    /* rates per level on named bonuses earned by the downline */
    CS_BONUS_RANK_ADVANCE,/* one-off amounts on first reaching a rank */
    CS_BONUS_POOL,        /* share of company BV split by rank shares */
    CS_BONUS_ENROLMENT,   /* rates per level on new members' enrolment fees */
    CS_BONUS_BINARY,      /* pairs the two legs of the binary placement tree */
    CS_BONUS_MATRIX,      /* rates per placement level of a forced matrix, completion amounts */
    CS_BONUS_NTYPES
} cs_bonus_type;

typedef enum { CS_COMPRESS_NONE, CS_COMPRESS_DYNAMIC } cs_compression;

/* Per-level rates by rank: ppm[row * nlevels + k] is the rate of level k+1 for that row;
 * 0 beyond the depth a rank is paid. */
typedef struct {
    int32_t nlevels;
    int32_t *ppm; /* (nranks+1) * nlevels */
} cs_level_table;

/* The binary bonus (docs/plan-format.md, "binary"): how the legs are paired and what carries over.
 * The rate (rate_by_row) or the amount per cycle (cents_by_row) is by rank, in cs_bonus. */
typedef struct {
    int64_t weak, strong;       /* volume of one cycle on the weaker / stronger leg, hundredths;
                                   0 = paid as a rate of the weaker leg */
    int64_t cap;                /* most a member is paid per period, cents; -1 = no cap */
    int64_t carry_cap;          /* most volume carried over in each leg, hundredths; -1 = no limit */
    int32_t flush_after;        /* carry-over lost after this many periods without a pairing; 0 = never */
    int32_t sponsored_per_leg;  /* qualification: active personally sponsored members in each leg; 0 = none */
} cs_binary_spec;

typedef struct {
    char *name;
    cs_pos pos;
    cs_bonus_type type;
    cs_compression compression; /* unilevel, fast_start, matching, enrolment */
    cs_level_table levels;      /* unilevel, fast_start, matching, generation, enrolment, matrix */
    int32_t *rate_by_row;       /* (nranks+1): retail margin, stairstep rate, binary rate */
    int64_t *cents_by_row;      /* (nranks+1): rank_advancement amount (row 0 unused), binary amount per cycle */
    int64_t *shares_by_row;     /* (nranks+1): pool shares */
    int32_t pool_ppm;           /* pool: share of company BV */
    int include_own;            /* stairstep: also pay the rate on the member's own BV */
    size_t *matched;            /* matching: indices of the bonuses matched (all earlier) */
    size_t nmatched;
    cs_binary_spec binary;      /* binary */
    int64_t *completion;        /* matrix: ncompletion amounts, cents: [k] is paid once when level k+1 is
                                   full; 0 = none; NULL when ncompletion == 0 */
    int32_t ncompletion;
} cs_bonus;

/* The placement tree of binary and forced-matrix plans (docs/plan-format.md, "placement"). */
typedef enum { CS_PTREE_NONE, CS_PTREE_BINARY, CS_PTREE_MATRIX } cs_ptree_kind;
typedef struct {
    cs_ptree_kind kind;   /* NONE when the plan has no `placement:` section */
    cs_pos pos;
    int width;            /* 2 for binary; W for a matrix */
    int depth;            /* matrix: D levels; binary: 0 */
    cs_place_rule rule;   /* automatic placement (engine/placement.h) */
    int weaker_by_count;  /* weaker_leg: 1 = by member count, 0 = by volume */
} cs_placement_spec;

typedef struct cs_plan {
    char *file; /* path as given */
    char *name;
    char *description;
    char *currency;
    cs_period_kind period;
    int64_t active_pv;     /* a member is active in a period when pv >= active_pv */
    int64_t enrolment_fee; /* cents paid by each new member (0 = none) */
    int32_t breakaway;     /* rank index, or CS_RANK_NONE */
    int32_t payout_cap_ppm;/* cap on company-paid bonuses as a share of company BV; -1 = none */
    cs_placement_spec placement;
    cs_rank *ranks;
    size_t nranks;
    cs_bonus *bonuses;
    size_t nbonuses;
} cs_plan;

/* Loads and checks a plan.  Reports every problem found into `d` (not just the first) and returns
 * NULL if there was any error; the caller owns the result and frees it with cs_plan_free. */
cs_plan *cs_plan_load_file(const char *path, cs_diags *d);
/* Same, from text in memory; `name` is used in messages. */
cs_plan *cs_plan_load_string(const char *text, size_t len, const char *name, cs_diags *d);
/* Same, with values put in place of the text's before it is checked (a parameter sweep's plan
 * parameters, docs/sweeps.md): see cs_yt_override in yaml_tree.h. */
struct cs_yt_override;
cs_plan *cs_plan_load_overrides(const char *text, size_t len, const char *name, const struct cs_yt_override *ov, size_t n,
                                cs_diags *d);
void cs_plan_free(cs_plan *p);

/* Index of the rank called `name`, or CS_RANK_NONE. */
int32_t cs_plan_rank_index(const cs_plan *p, const char *name);

/* Writes the readable summary printed by `compsim check`. */
void cs_plan_describe(const cs_plan *p, FILE *out);

const char *cs_bonus_type_name(cs_bonus_type t);

/* True for the bonuses paid on the placement tree. */
static inline int cs_bonus_on_placement(cs_bonus_type t) { return t == CS_BONUS_BINARY || t == CS_BONUS_MATRIX; }

/* The plan's placement-tree bonus (at most one), or NULL. */
const cs_bonus *cs_plan_placement_bonus(const cs_plan *p);

/* True for bonuses the company pays (all but retail profit, which customers pay). */
static inline int cs_bonus_company_paid(cs_bonus_type t) { return t != CS_BONUS_RETAIL; }

#endif
