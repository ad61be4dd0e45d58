/* failio: a test-only LD_PRELOAD library that fills the disk at a chosen moment (issue 6), to show
 * that compsim leaves either a complete output or none that looks complete.  tests/faults_io.sh
 * drives it.
 *
 * Counted, in the order made (one thread: the order is the same in every run), are the calls that
 * need space on the file system or report that it ran out: write(2) to a file other than stdin,
 * stdout and stderr, fsync, fdatasync, close of a file open for writing, rename, renameat,
 * renameat2, mkdir, mkdtemp, mkstemp, and open/openat with O_CREAT.  The Nth fails as it would on a
 * full disk: -1 with errno ENOSPC (a write writes nothing; close and fsync fail after doing their
 * work, as they do when the disk fills while delayed writes are flushed).
 *
 * Environment:
 *   FAILIO_AT=N      the Nth counted call fails (1-based); N,M,...: each of those calls
 *   FAILIO_AFTER=1   ... and every counted call after it: the disk stays full
 *   FAILIO_ERRNO=E   fail with errno E (a number) instead of ENOSPC, e.g. 5 for EIO
 *   FAILIO_SYNC=1    make fsync and fdatasync real: by default they succeed without syncing (they
 *                    are most of a small run's time, and the test is what compsim does when they fail)
 *   FAILIO_LOG=FILE  at exit, append "calls T injected I"; with FAILIO_TRACE=1 also one line per
 *                    counted call, "N name", to see which call each N is
 * Programs compsim starts (gnuplot) run without the shim. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static long fail_at[8];
static int nfail_at;
static int fail_after, fail_errno = ENOSPC, keep_sync, trace;
static const char *log_path;
static atomic_long calls, injected;

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

static void log_line(const char *s)
{
    if (!log_path) return;
    int fd = REAL(open)(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return;
    if (REAL(write)(fd, s, strlen(s)) < 0) {
    }
    REAL(close)(fd);
}

__attribute__((constructor)) static void init(void)
{
    const char *e;
    for (e = getenv("FAILIO_AT"); e && *e && nfail_at < 8; e = strchr(e, ',') ? strchr(e, ',') + 1 : "")
        fail_at[nfail_at++] = atol(e);
    fail_after = (e = getenv("FAILIO_AFTER")) && atoi(e);
    if ((e = getenv("FAILIO_ERRNO"))) fail_errno = atoi(e);
    keep_sync = (e = getenv("FAILIO_SYNC")) && atoi(e);
    trace = (e = getenv("FAILIO_TRACE")) && atoi(e);
    log_path = getenv("FAILIO_LOG");
    unsetenv("LD_PRELOAD");
}

__attribute__((destructor)) static void report(void)
{
    char line[80];
    snprintf(line, sizeof line, "calls %ld injected %ld\n", atomic_load(&calls), atomic_load(&injected));
    log_line(line);
}

/* Counts one call; whether it fails (errno set). */
static int full(const char *name)
{
    long n = atomic_fetch_add(&calls, 1) + 1;
    if (trace) {
        char line[80];
        snprintf(line, sizeof line, "%ld %s\n", n, name);
        log_line(line);
    }
    int hit = nfail_at && fail_after && n >= fail_at[0];
    for (int i = 0; i < nfail_at; i++) hit |= n == fail_at[i];
    if (hit) {
        atomic_fetch_add(&injected, 1);
        errno = fail_errno;
        return 1;
    }
    return 0;
}

/* A descriptor compsim writes an output through: not 0-2 (stdout may be a file in a test). */
static int output_fd(int fd, int for_close)
{
    if (fd <= 2) return 0;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || (fl & O_ACCMODE) == O_RDONLY) return 0;
    struct stat st;
    return !for_close || (fstat(fd, &st) == 0 && S_ISREG(st.st_mode));
}

ssize_t write(int fd, const void *buf, size_t n)
{
    static ssize_t (*real)(int, const void *, size_t);
    if (!real) real = REAL(write);
    if (output_fd(fd, 0) && full("write")) return -1;
    return real(fd, buf, n);
}

int fsync(int fd)
{
    static int (*real)(int);
    if (!real) real = REAL(fsync);
    if (full("fsync")) return -1;
    return keep_sync ? real(fd) : 0;
}

int fdatasync(int fd)
{
    static int (*real)(int);
    if (!real) real = REAL(fdatasync);
    if (full("fdatasync")) return -1;
    return keep_sync ? real(fd) : 0;
}

int close(int fd)
{
    static int (*real)(int);
    if (!real) real = REAL(close);
    int counted = output_fd(fd, 1);
    int rc = real(fd); /* closed either way, as close(2) does when it reports an error */
    if (counted && full("close")) return -1;
    return rc;
}

int rename(const char *from, const char *to)
{
    static int (*real)(const char *, const char *);
    if (!real) real = REAL(rename);
    if (full("rename")) return -1;
    return real(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to)
{
    static int (*real)(int, const char *, int, const char *);
    if (!real) real = REAL(renameat);
    if (full("renameat")) return -1;
    return real(fd1, from, fd2, to);
}

int renameat2(int fd1, const char *from, int fd2, const char *to, unsigned flags)
{
    static int (*real)(int, const char *, int, const char *, unsigned);
    if (!real) real = REAL(renameat2);
    if (full("renameat2")) return -1;
    return real(fd1, from, fd2, to, flags);
}

int mkdir(const char *path, mode_t mode)
{
    static int (*real)(const char *, mode_t);
    if (!real) real = REAL(mkdir);
    if (full("mkdir")) return -1;
    return real(path, mode);
}

char *mkdtemp(char *tmpl)
{
    static char *(*real)(char *);
    if (!real) real = REAL(mkdtemp);
    if (full("mkdtemp")) return NULL;
    return real(tmpl);
}

int mkstemp(char *tmpl)
{
    static int (*real)(char *);
    if (!real) real = REAL(mkstemp);
    if (full("mkstemp")) return -1;
    return real(tmpl);
}

int open(const char *path, int flags, ...)
{
    static int (*real)(const char *, int, ...);
    if (!real) real = REAL(open);
    mode_t mode = 0;
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) { /* O_TMPFILE includes O_DIRECTORY */
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
        if (full("open")) return -1;
    }
    return real(path, flags, mode);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    static int (*real)(int, const char *, int, ...);
    if (!real) real = REAL(openat);
    mode_t mode = 0;
    if ((flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE) { /* O_TMPFILE includes O_DIRECTORY */
        va_list ap;
        va_start(ap, flags);
        mode = va_arg(ap, mode_t);
        va_end(ap);
        if (full("openat")) return -1;
    }
    return real(dirfd, path, flags, mode);
}
