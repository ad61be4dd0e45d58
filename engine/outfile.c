#define _GNU_SOURCE /* fopencookie */
#include "outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

/* The stream writes through here, so the first failing write(2) is remembered with its errno:
 * after stdio has failed, errno may hold anything by the time the caller commits. */
struct cs_outfile_sink {
    int fd;
    int err;
};

static ssize_t sink_write(void *cookie, const char *buf, size_t size)
{
    struct cs_outfile_sink *s = cookie;
    size_t done = 0;
    while (done < size && !s->err) {
        ssize_t k = write(s->fd, buf + done, size - done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) s->err = k < 0 ? errno : EIO;
        else done += (size_t)k;
    }
    return (ssize_t)done; /* short: stdio sets the stream's error flag */
}

int cs_outfile_open(cs_outfile *o, const char *path, cs_diags *d)
{
    memset(o, 0, sizeof *o);
    struct stat st;
    /* a symbolic link: replace the file it points to, not the link (NULL if it dangles) */
    char *target = lstat(path, &st) == 0 && S_ISLNK(st.st_mode) ? realpath(path, NULL) : NULL;
    o->path = target ? target : strdup(path);
    o->sink = malloc(sizeof *o->sink);
    if (!o->path || !o->sink) {
        cs_error(d, path, 0, 0, "out of memory");
        cs_outfile_abort(o);
        return -1;
    }
    o->sink->fd = -1;
    o->sink->err = 0;
    int direct = 0;
    if (stat(o->path, &st) == 0) {
        if (S_ISDIR(st.st_mode)) {
            cs_error(d, path, 0, 0, "cannot write output file: it is a folder");
            cs_outfile_abort(o);
            return -1;
        }
        direct = !S_ISREG(st.st_mode); /* a device or a FIFO: never renamed over */
    }
    int fd;
    if (direct) {
        fd = open(o->path, O_WRONLY | O_TRUNC);
    } else {
        size_t len = strlen(o->path) + 16;
        if (!(o->tmp = malloc(len))) {
            cs_error(d, path, 0, 0, "out of memory");
            cs_outfile_abort(o);
            return -1;
        }
        snprintf(o->tmp, len, "%s.tmp.XXXXXX", o->path);
        fd = mkstemp(o->tmp);
        if (fd < 0) {
            free(o->tmp); /* nothing to remove */
            o->tmp = NULL;
        }
    }
    if (fd < 0) {
        cs_error(d, path, 0, 0, "cannot create output file: %s", strerror(errno));
        cs_outfile_abort(o);
        return -1;
    }
    o->sink->fd = fd;
    if (!direct) { /* mkstemp makes the file 0600; outputs are ordinary files */
        mode_t um = umask(0);
        umask(um);
        fchmod(fd, 0666 & ~um);
    }
    /* no close function: commit closes the descriptor itself, after fsync, and checks close */
    o->f = fopencookie(o->sink, "w", (cookie_io_functions_t){.write = sink_write});
    if (!o->f) {
        cs_error(d, path, 0, 0, "cannot write output file: %s", strerror(errno));
        cs_outfile_abort(o);
        return -1;
    }
    return 0;
}

int cs_outfile_commit(cs_outfile *o, cs_diags *d)
{
    return cs_outfile_finish(o, d) ? -1 : cs_outfile_install(o, d);
}

int cs_outfile_finish(cs_outfile *o, cs_diags *d)
{
    int err = 0;
    if (fflush(o->f) != 0 || ferror(o->f)) err = o->sink->err ? o->sink->err : EIO;
    fclose(o->f); /* flushed already; the descriptor stays open */
    o->f = NULL;
    /* EINVAL: a device or FIFO that cannot be synced, which is not a failure */
    if (!err && fsync(o->sink->fd) != 0 && errno != EINVAL) err = errno;
    if (close(o->sink->fd) != 0 && !err) err = errno;
    o->sink->fd = -1;
    if (err) {
        cs_error(d, o->path, 0, 0, "cannot write output file: %s", strerror(err));
        cs_outfile_abort(o);
        return -1;
    }
    return 0;
}

int cs_outfile_install(cs_outfile *o, cs_diags *d)
{
    if (o->tmp && rename(o->tmp, o->path) != 0) {
        cs_error(d, o->path, 0, 0, "cannot write output file: %s", strerror(errno));
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
    if (o->sink && o->sink->fd >= 0) close(o->sink->fd);
    if (o->tmp) unlink(o->tmp);
    free(o->sink);
    free(o->tmp);
    free(o->path);
    memset(o, 0, sizeof *o);
}
