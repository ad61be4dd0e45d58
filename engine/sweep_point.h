/* sweep_point: the scenario of one point of a sweep (docs/sweeps.md, "Parameters").
 *
 * A point's values are applied to the YAML trees of the base scenario and of its plans *before*
 * their loaders check them, so a swept value gets every check a written one gets, and a value
 * that fails is reported at the sweep file's line:
 *   - a scenario path ("market.population") goes to cs_scenario_load_overrides;
 *   - a plan path ("plan.bonuses.unilevel.levels[2]", "plan@2.ranks.Silver.gv") is applied to that
 *     plan's tree by cs_plan_load_overrides, and the plan so loaded replaces the one the scenario
 *     loaded from the same file. */
#ifndef COMPSIM_SWEEP_POINT_H
#define COMPSIM_SWEEP_POINT_H

#include "scenario.h"
#include "sweep.h"

/* The base scenario of sw with the values ov[0..n) (paths as in a sweep file, scenario or plan).
 * Returns NULL after reporting into d. */
cs_scenario *cs_sweep_scenario(const cs_sweep *sw, const cs_scenario_override *ov, size_t n, cs_diags *d);

#endif
