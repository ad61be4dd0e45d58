/* replay: a plan applied to every period of a genealogy, as `compsim payout` does.
 *
 * Runs cs_payout_period on each period in order (titles carry over), writes the payout lines and
 * the member rows in the formats of docs/plan-format.md ("Outputs"), and keeps a summary per
 * period whose totals are the sums of the lines written. */
#ifndef COMPSIM_REPLAY_H
#define COMPSIM_REPLAY_H

#include <stdint.h>
#include <stdio.h>

#include "diag.h"
#include "genealogy.h"
#include "plan.h"

typedef struct {
    size_t members;       /* joined by this period */
    size_t active;
    size_t paid;          /* members with a company-paid total above zero */
    int64_t company_bv;   /* cents */
    int64_t company_paid; /* cents */
    int64_t *bonus_total; /* nbonuses, cents */
} cs_period_summary;

typedef struct {
    size_t nperiods, nbonuses;
    cs_period_summary *period;
} cs_replay_summary;

/* `payouts` and `members` may be NULL (not written).  Returns 0, or -1 with errors in d. */
int cs_replay(const cs_plan *p, const cs_genealogy *g, FILE *payouts, FILE *members, cs_replay_summary *sum,
              cs_diags *d);
void cs_replay_summary_free(cs_replay_summary *s);
void cs_replay_summary_print(const cs_replay_summary *s, const cs_plan *p, const cs_genealogy *g, FILE *out);

/* Writes a CSV field, quoting it when it holds a comma, quote, CR or LF. */
void cs_csv_put(FILE *f, const char *s);

#endif
