#include "matrix.h"

#include <omp.h>

#include "money.h"
#include "placement_pass.h"

typedef __int128 i128;

typedef struct {
    cs_payout *po;
    const cs_bonus *b;
    const cs_placement *pl;
    const int32_t *porder;
    const int64_t *bv;
    int64_t *out;
} mat_pass;

static int matrix_range(void *vp, size_t lo, size_t hi)
{
    const mat_pass *mp = vp;
    cs_payout *po = mp->po;
    const cs_bonus *b = mp->b;
    const size_t K = (size_t)b->levels.nlevels, W = (size_t)mp->pl->width;
    int64_t *vec = po->vec;
    for (size_t j = hi; j-- > lo;) {
        const size_t i = (size_t)mp->porder[j];
        const int32_t *kids = mp->pl->pchild + i * W;
        int64_t *v = vec + i * K;
        unsigned fewest = UINT8_MAX; /* the fewest full levels below any child */
        int open = 0;
        for (size_t l = 0; l < K; l++) v[l] = 0;
        for (size_t s = 0; s < W; s++) {
            const int32_t c = kids[s];
            if (c < 0) {
                open = 1;
                continue;
            }
            const int64_t *vc = vec + (size_t)c * K;
            if (K) v[0] += mp->bv[c]; /* every sum is at most the company BV: fits */
            for (size_t l = 1; l < K; l++) v[l] += vc[l - 1];
            if (po->pfull && po->pfull[c] < fewest) fewest = po->pfull[c];
        }
        /* fewest < log_W(n) < 31, so this stays far below 255 */
        if (po->pfull) po->pfull[i] = open ? 0 : (uint8_t)(fewest + 1);
        mp->out[i] = 0;
        if (!po->active[i]) continue;
        const int32_t *rate = b->levels.ppm + CS_ROW(po->rank[i]) * K;
        i128 x = 0;
        for (size_t l = 0; l < K; l++) x += (i128)rate[l] * v[l];
        if (po->pfull)
            for (int32_t k = 0; k < b->ncompletion && k < po->pfull[i]; k++)
                if (b->completion[k] && !(po->completed[i] >> k & 1)) {
                    x += (i128)b->completion[k] * CS_PPM_ONE; /* paid once, in the first period active and full */
                    po->completed[i] |= UINT64_C(1) << k;
                }
        if (x && (mp->out[i] = cs_round_micro(x)) < 0) return -1;
    }
    return 0;
}

int cs_matrix_pay(cs_payout *po, const cs_bonus *b, const cs_period_input *in, int64_t *out)
{
    const size_t n = po->n;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = 0; /* members not placed are paid nothing */
    mat_pass mp = {.po = po, .b = b, .pl = in->pl, .porder = in->pix->porder, .bv = in->bv, .out = out};
    return cs_place_bottom_up(in->pix, matrix_range, &mp);
}
