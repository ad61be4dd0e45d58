/* libFuzzer target: the plan loader (YAML text -> checked plan, or messages).  Loading must
 * either succeed or report at least one error, and never crash, leak or hang. */
#include <stdint.h>
#include <stdlib.h>

#include "plan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_diags d;
    cs_diags_init(&d);
    cs_plan *p = cs_plan_load_string((const char *)data, size, "fuzz.yaml", &d);
    if (!p && d.nerrors == 0) abort(); /* a refusal must say why */
    if (p) {
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            cs_plan_describe(p, null);
            fclose(null);
        }
    }
    cs_plan_free(p);
    cs_diags_free(&d);
    return 0;
}
