/* libFuzzer target: the scenario loader.  Plan paths are resolved against the repository's
 * scenarios/ folder, so the bundled plans can be named; loading must succeed or say why. */
#include <stdint.h>
#include <stdlib.h>

#include "scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    cs_diags d;
    cs_diags_init(&d);
    cs_scenario *sc = cs_scenario_load_string((const char *)data, size, "fuzz.yaml", COMPSIM_SOURCE_DIR "/scenarios", &d);
    if (!sc && d.nerrors == 0) abort();
    cs_scenario_free(sc);
    cs_diags_free(&d);
    return 0;
}
