/* libFuzzer target: a plan and a genealogy together, paid period by period.  The input is the
 * plan's YAML, a line "%%\n", then the genealogy CSV.  Whatever loads must be paid without a crash
 * or undefined behaviour; a failure must come with a message (money overflow, for instance). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "genealogy.h"
#include "plan.h"
#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data, *sep = NULL;
    for (size_t i = 0; i + 3 <= size; i++)
        if (!memcmp(s + i, "%%\n", 3) && (i == 0 || s[i - 1] == '\n')) {
            sep = s + i;
            break;
        }
    if (!sep) return 0;
    cs_diags d;
    cs_diags_init(&d);
    cs_plan *p = cs_plan_load_string(s, (size_t)(sep - s), "fuzz.yaml", &d);
    cs_genealogy *g = p ? cs_genealogy_load_buffer(sep + 3, size - (size_t)(sep - s) - 3, "fuzz.csv", &d) : NULL;
    if (p && g) {
        cs_replay_summary sum;
        size_t before = d.nerrors;
        if (cs_replay(p, g, NULL, NULL, &sum, &d) != 0 && d.nerrors == before) abort();
        cs_replay_summary_free(&sum);
    }
    cs_genealogy_free(g);
    cs_plan_free(p);
    cs_diags_free(&d);
    return 0;
}
