/* compsim: the public interface of the compsim engine.
 *
 * The data flow, one module per step:
 *   plan file --plan_load--> cs_plan (read-only)      genealogy CSV --csv, genealogy--> cs_genealogy
 *                         \                          /
 *                          payout (one period, cs_payout_period, on a cs_tree)
 *                                        |
 *                          replay (all periods of a genealogy, output lines and summaries)
 *   scenario file --scenario--> cs_scenario (+ its plans) --sim--> replicas --> results folder
 * Library functions report problems into a cs_diags list and return a status; they never print
 * or exit.  Money and volumes are int64 hundredths (money.h). */
#ifndef COMPSIM_H
#define COMPSIM_H

#include "diag.h"
#include "genealogy.h"
#include "money.h"
#include "outfile.h"
#include "payout.h"
#include "plan.h"
#include "replay.h"
#include "scenario.h"
#include "sim.h"
#include "tree.h"

/* The library's version, e.g. "0.1.0". */
const char *cs_version(void);

#endif
