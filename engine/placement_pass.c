#include "placement_pass.h"

#include <omp.h>

static int split_range(cs_range_fn fn, void *ctx, size_t lo, size_t hi)
{
    int err = 0;
#pragma omp parallel reduction(| : err)
    {
        size_t nt = (size_t)omp_get_num_threads(), id = (size_t)omp_get_thread_num();
        err |= fn(ctx, lo + (hi - lo) * id / nt, lo + (hi - lo) * (id + 1) / nt);
    }
    return err;
}

int cs_place_bottom_up(const cs_placement_index *ix, cs_range_fn fn, void *ctx)
{
    if (ix->n == 0) return 0;
    if (omp_get_max_threads() == 1) return fn(ctx, 0, ix->n);
    int err = 0;
    /* runs of narrow depths go together, deepest first, in one serial call */
    size_t run_hi = ix->n;
    for (size_t d = ix->nlevels; d-- > 0;) {
        size_t lo = ix->level_off[d], hi = ix->level_off[d + 1];
        if (hi - lo < CS_TREE_PAR_MIN) continue;
        if (run_hi > hi) err |= fn(ctx, hi, run_hi);
        err |= split_range(fn, ctx, lo, hi);
        run_hi = lo;
    }
    if (run_hi > 0) err |= fn(ctx, 0, run_hi);
    return err;
}
