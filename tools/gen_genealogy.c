/* gen_genealogy: writes a synthetic genealogy CSV (engine/synth.h says how it is drawn).
 * usage: gen_genealogy MEMBERS PERIODS SEED [--chain] OUT.csv */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compsim.h"
#include "synth.h"

int main(int argc, char **argv)
{
    if (argc < 5) {
        fputs("usage: gen_genealogy MEMBERS PERIODS SEED [--chain] OUT.csv\n", stderr);
        return 2;
    }
    int chain = argc > 5 && !strcmp(argv[4], "--chain");
    const char *out_path = argv[argc - 1];
    cs_genealogy *g = cs_synth_genealogy(strtoull(argv[1], NULL, 10), strtoull(argv[2], NULL, 10),
                                         chain ? CS_SYNTH_CHAIN : CS_SYNTH_RANDOM, strtoull(argv[3], NULL, 10));
    if (!g) {
        fputs("gen_genealogy: error: bad size or out of memory\n", stderr);
        return 1;
    }
    cs_diags d;
    cs_diags_init(&d);
    cs_outfile o;
    int rc = cs_outfile_open(&o, out_path, &d) || cs_genealogy_write_csv(g, o.f) || cs_outfile_commit(&o, &d);
    if (rc) cs_outfile_abort(&o);
    cs_diags_print(&d, stderr);
    cs_diags_free(&d);
    cs_genealogy_free(g);
    return rc ? 1 : 0;
}
