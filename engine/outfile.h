/* outfile: output files that are either complete or absent.
 *
 * Writes go to a temporary file beside the target (same folder, so rename is atomic); commit
 * checks every write, flushes, syncs and renames; abort removes the temporary file.  A full disk
 * or an unwritable folder is an error at open or at commit, never a truncated file under the
 * final name. */
#ifndef COMPSIM_OUTFILE_H
#define COMPSIM_OUTFILE_H

#include <stdio.h>

#include "diag.h"

typedef struct {
    FILE *f;       /* write here */
    char *path;    /* final name */
    char *tmp;     /* temporary name */
} cs_outfile;

/* Returns 0, or -1 with an error in d. */
int cs_outfile_open(cs_outfile *o, const char *path, cs_diags *d);
/* Makes the file appear under its final name.  Returns 0, or -1 (and removes the temporary). */
int cs_outfile_commit(cs_outfile *o, cs_diags *d);
/* Removes the temporary file; safe to call on a closed or never-opened outfile. */
void cs_outfile_abort(cs_outfile *o);

#endif
