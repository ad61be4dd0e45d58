/* sim_place: see sim_place.h. */
#include "sim_place.h"

#include <stdlib.h>

int cs_sim_place(cs_sim_plan *sp, const cs_plan *p, const int32_t *sponsor, size_t n, cs_diags *d)
{
    if (p->placement.kind == CS_PTREE_NONE) return 0;
    if (!sp->place && !(sp->place = cs_placement_new(0, p->placement.width, p->placement.rule))) goto oom;
    const size_t n0 = sp->place->n; /* everyone before is placed: see below */
    if (n0 == n && sp->pix.nmembers == n) return 0; /* nobody joined: the snapshot stands */
    /* the payout object first: the weaker-leg measure is read from it, sized for the sponsors */
    if (cs_payout_resize(sp->po, p, n) || cs_placement_reserve(sp->place, n)) goto oom;
    if (n > n0) {
        int32_t *order = malloc((n - n0) * sizeof *order);
        if (!order) goto oom;
        for (size_t j = 0; j < n - n0; j++) order[j] = (int32_t)(n0 + j);
        const int weaker = p->placement.rule == CS_PLACE_WEAKER_LEG;
        cs_place_input in = {
            .sponsor = sponsor,
            .order = order,
            .norder = n - n0,
            .expl = NULL,
            .leg = weaker ? cs_place_leg_array : NULL,
            .leg_ctx = weaker ? sp->po->leg_measure : NULL,
        };
        cs_place_errors errs = {0};
        int rc = cs_placement_place(sp->place, &in, &errs);
        free(order);
        /* cannot happen (automatic placement under a sponsor placed earlier always finds a
         * slot), but a silent failure would pay on a wrong tree */
        if (rc) {
            cs_error(d, NULL, 0, 0, "plan '%s': member m%d could not be placed: %s", p->name,
                     errs.n ? errs.items[0].member + 1 : 0,
                     errs.n ? cs_place_code_text(errs.items[0].code) : "the rule needs leg measures");
            return -1;
        }
    }
    cs_placement_index_free(&sp->pix);
    if (cs_placement_index_init(&sp->pix, sp->place)) goto oom;
    return 0;
oom:
    cs_error(d, NULL, 0, 0, "out of memory");
    return -1;
}
