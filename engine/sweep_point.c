/* sweep_point: a point's values applied to the base scenario and its plans; see sweep_point.h. */
#include "sweep_point.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "yaml_tree.h"

cs_scenario *cs_sweep_scenario(const cs_sweep *sw, const cs_scenario_override *ov, size_t n, cs_diags *d)
{
    cs_scenario_override *sov = malloc((n + 1) * sizeof *sov);
    cs_yt_override *pov = malloc((n + 1) * sizeof *pov);
    int *plan = malloc((n + 1) * sizeof *plan);
    const char **rest = malloc((n + 1) * sizeof *rest);
    cs_scenario *sc = NULL;
    if (!sov || !pov || !plan || !rest) {
        cs_error(d, sw->file, 0, 0, "out of memory");
        goto done;
    }
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        plan[i] = cs_sweep_path_plan(ov[i].path, &rest[i]);
        if (plan[i] == 0) sov[ns++] = ov[i];
    }
    sc = cs_scenario_load_overrides(sw->scenario_text, sw->scenario_len, sw->scenario_file, sw->scenario_dir, sov, ns, d);
    for (size_t k = 0; sc && k < sc->nplans; k++) {
        size_t np = 0;
        for (size_t i = 0; i < n; i++)
            if (plan[i] == (int)k + 1)
                pov[np++] = (cs_yt_override){rest[i], ov[i].value, ov[i].path, ov[i].file, ov[i].pos, ov[i].src};
        if (!np) continue;
        /* the plan again from its file, this time with the point's values in its tree.  (The
         * point's scratch results folder records the plan file's text as written: the report's
         * reader takes only rank names and the period from it, which no sweepable value changes.) */
        size_t len = 0;
        errno = 0;
        char *text = cs_yt_read_file(sc->plan_files[k], &len);
        cs_plan *p = NULL;
        if (!text) cs_error(d, sc->plan_files[k], 0, 0, "cannot read: %s", strerror(errno ? errno : EIO));
        else p = cs_plan_load_overrides(text, len, sc->plan_files[k], pov, np, d);
        free(text);
        if (!p) {
            cs_scenario_free(sc);
            sc = NULL;
            break;
        }
        cs_plan_free(sc->plans[k]);
        sc->plans[k] = p;
    }
    for (size_t i = 0; sc && i < n; i++) /* cs_sweep_load_file checks this; a caller of this alone may not */
        if (plan[i] < 0 || (size_t)plan[i] > sc->nplans) {
            cs_error(d, ov[i].file, ov[i].pos.line, ov[i].pos.col, "'%s': the scenario has no such plan", ov[i].path);
            cs_scenario_free(sc);
            sc = NULL;
        }
done:
    free(sov), free(pov), free(plan), free(rest);
    return sc;
}
