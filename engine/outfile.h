/* outfile: output files that are either complete or absent.
 *
 * Writes go to a temporary file beside the target (same folder, so rename is atomic); commit
 * checks every write, flushes, syncs and renames; abort removes the temporary file.  A full disk
 * or an unwritable folder is an error at open or at commit, never a truncated file under the
 * final name.  The error is the one the first failed write(2) returned (ENOSPC, EFBIG, EIO...),
 * kept by the stream itself, not whatever errno holds when commit runs.
 *
 * A target that exists and is not a regular file (/dev/null, /dev/stdout, a FIFO) is written
 * directly: renaming over a device would replace it with a plain file (as root, /dev/full would
 * become one).  Its write errors are still reported at commit (`-o /dev/full` fails with "no
 * space left on device").  A symbolic link is followed: the file it points to is replaced, the
 * link stays.  A folder is refused. */
#ifndef COMPSIM_OUTFILE_H
#define COMPSIM_OUTFILE_H

#include <stdio.h>

#include "diag.h"

typedef struct {
    FILE *f;       /* write here */
    char *path;    /* final name (a symbolic link's target) */
    char *tmp;     /* temporary name; NULL when writing to a device or FIFO directly */
    struct cs_outfile_sink *sink; /* private: f's descriptor and its first write error (on the heap,
                                     so that a cs_outfile may be moved while open) */
} cs_outfile;

/* Returns 0, or -1 with an error in d. */
int cs_outfile_open(cs_outfile *o, const char *path, cs_diags *d);
/* Makes the file appear under its final name.  Returns 0, or -1 (and removes the temporary). */
int cs_outfile_commit(cs_outfile *o, cs_diags *d);
/* cs_outfile_commit in two steps, for outputs that go together: finish writes out, syncs and closes
 * (every error a full disk can give shows here), install renames.  Finishing every file before
 * installing any leaves only the renames to fail after one file is in place.  Each returns 0, or
 * -1 (and removes the temporary). */
int cs_outfile_finish(cs_outfile *o, cs_diags *d);
int cs_outfile_install(cs_outfile *o, cs_diags *d);
/* Removes the temporary file; safe to call on a closed or never-opened outfile. */
void cs_outfile_abort(cs_outfile *o);

#endif
