#include "outfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int cs_outfile_open(cs_outfile *o, const char *path, cs_diags *d)
{
    memset(o, 0, sizeof *o);
    size_t len = strlen(path);
    o->path = strdup(path);
    o->tmp = malloc(len + 16);
    if (!o->path || !o->tmp) {
        cs_error(d, path, 0, 0, "out of memory");
        cs_outfile_abort(o);
        return -1;
    }
    snprintf(o->tmp, len + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(o->tmp);
    if (fd < 0) {
        cs_error(d, path, 0, 0, "cannot create output file: %s", strerror(errno));
        free(o->tmp);
        o->tmp = NULL;
        cs_outfile_abort(o);
        return -1;
    }
    o->f = fdopen(fd, "w");
    if (!o->f) {
        cs_error(d, path, 0, 0, "cannot write output file: %s", strerror(errno));
        close(fd);
        cs_outfile_abort(o);
        return -1;
    }
    /* mkstemp makes the file 0600; outputs are ordinary files */
    mode_t um = umask(0);
    umask(um);
    fchmod(fd, 0666 & ~um);
    return 0;
}

int cs_outfile_commit(cs_outfile *o, cs_diags *d)
{
    int err = ferror(o->f) ? errno ? errno : EIO : 0;
    if (!err && fflush(o->f) != 0) err = errno;
    if (!err && fsync(fileno(o->f)) != 0 && errno != EINVAL) err = errno;
    if (fclose(o->f) != 0 && !err) err = errno;
    o->f = NULL;
    if (!err && rename(o->tmp, o->path) != 0) err = errno;
    if (err) {
        cs_error(d, o->path, 0, 0, "cannot write output file: %s", strerror(err));
        cs_outfile_abort(o);
        return -1;
    }
    free(o->tmp);
    o->tmp = NULL;
    cs_outfile_abort(o);
    return 0;
}

void cs_outfile_abort(cs_outfile *o)
{
    if (o->f) fclose(o->f);
    if (o->tmp) unlink(o->tmp);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}
