/* failalloc: a test-only LD_PRELOAD library that makes one allocation fail (issue 6), to show
 * that compsim survives running out of memory at any allocation.  tests/faults_alloc.sh drives it.
 *
 * Intercepted: malloc, calloc, realloc, posix_memalign, aligned_alloc, memalign, strdup, strndup
 * (AddressSanitizer allocates those two itself, past malloc) and mmap.  Each call is "counted" when
 * it is made for compsim: by compsim's own code, libc, libyaml or GSL, but not by libgomp or the
 * dynamic loader.  libgomp treats an allocation failure as fatal by design (gomp_fatal: "Out of
 * memory allocating N bytes", then exit), as does thread creation; that is OpenMP's choice, not
 * compsim's, so those are never failed.  A call made by libc is attributed to the first caller
 * outside libc (found by unwinding), so that libgomp's calls through libc are left alone too.
 *
 * Environment:
 *   FAILALLOC_AT=N      fail the Nth counted call (1-based) with ENOMEM
 *   FAILALLOC_AFTER=1   ... and every counted call after it (memory that stays exhausted)
 *   FAILALLOC_SYNC=1    make fsync and fdatasync real: by default they do nothing and succeed, since
 *                       they are most of a small run's time (outputs are synced before the rename)
 *                       and what they do is not what is tested here (tests/faults_io.sh fails them)
 *   FAILALLOC_LOG=FILE  at exit, append "calls T injected I" (T counted calls, I failed) and, with
 *                       FAILALLOC_SITES=1, one line "site K" per call that is the first from its
 *                       call site (K its index): the driver fails each site's first call.
 *   FAILALLOC_GOMP=1    fail libgomp's calls too (to see what it does: it exits, status 1)
 *   FAILALLOC_BACKTRACE=1  also append the stack of the failed call to the log (addresses; resolve
 *                       them with addr2line in a build with -g)
 * A call site is the return address into the first non-libc caller plus, for a call from libc,
 * libc's own return address (so strdup from two places are two sites).
 *
 * The shim's own work allocates nothing that is counted: dlsym's allocations are served from a
 * static buffer, and calls made while the shim is busy (unwinding, backtrace) pass through. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <link.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <unwind.h>

/* ---- the real functions -------------------------------------------------------------------- */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_mmap)(void *, size_t, int, int, int, off_t);
static int (*real_fsync)(int), (*real_fdatasync)(int);

/* dlsym may allocate (its error buffer) before the real functions are known */
static char boot[16384] __attribute__((aligned(64)));
static size_t boot_used;
static int in_boot(const void *p) { return (const char *)p >= boot && (const char *)p < boot + sizeof boot; }
static void *boot_alloc(size_t n)
{
    n = (n + 63) & ~(size_t)63;
    if (boot_used + n > sizeof boot) return NULL;
    void *p = boot + boot_used;
    boot_used += n;
    return p;
}

static int resolving;
static void resolve(void)
{
    if (real_free || resolving) return;
    resolving = 1;
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    real_memalign = dlsym(RTLD_NEXT, "memalign");
    real_mmap = dlsym(RTLD_NEXT, "mmap");
    real_fsync = dlsym(RTLD_NEXT, "fsync");
    real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
    real_free = dlsym(RTLD_NEXT, "free");
    resolving = 0;
}

/* ---- who is calling ------------------------------------------------------------------------ */

/* Address ranges of loaded objects by kind: calls from "skip" objects are attributed further up
 * the stack, calls from "spare" objects are never failed. */
enum { OBJ_OTHER, OBJ_SKIP, OBJ_SPARE };
#define MAX_RANGES 64
static struct {
    uintptr_t lo, hi;
    int kind;
} ranges[MAX_RANGES];
static int nranges;
static atomic_int ranges_ready;

static int kind_of_name(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    if (!strncmp(base, "libgomp", 7) && getenv("FAILALLOC_GOMP")) return OBJ_OTHER;
    if (!strncmp(base, "libgomp", 7) || !strncmp(base, "ld-linux", 8) || !strncmp(base, "libgcc_s", 8))
        return OBJ_SPARE;
    if (!strncmp(base, "libc.so", 7) || !strncmp(base, "libasan", 7) || !strncmp(base, "libubsan", 8) ||
        strstr(base, "failalloc"))
        return OBJ_SKIP;
    return OBJ_OTHER;
}

static int add_object(struct dl_phdr_info *info, size_t size, void *data)
{
    (void)size, (void)data;
    int kind = kind_of_name(info->dlpi_name ? info->dlpi_name : "");
    for (int i = 0; i < info->dlpi_phnum && nranges < MAX_RANGES; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X)) continue;
        ranges[nranges].lo = info->dlpi_addr + ph->p_vaddr;
        ranges[nranges].hi = ranges[nranges].lo + ph->p_memsz;
        ranges[nranges].kind = kind;
        nranges++;
    }
    return 0;
}

static int kind_of(uintptr_t pc)
{
    for (int i = 0; i < nranges; i++)
        if (pc >= ranges[i].lo && pc < ranges[i].hi) return ranges[i].kind;
    return OBJ_OTHER;
}

typedef struct {
    uintptr_t caller; /* the first frame outside skip objects */
    int kind;
    int depth;
} walk;

static _Unwind_Reason_Code step(struct _Unwind_Context *ctx, void *arg)
{
    walk *w = arg;
    uintptr_t pc = _Unwind_GetIP(ctx);
    if (w->depth++ > 64 || !pc) return _URC_END_OF_STACK;
    int k = kind_of(pc);
    if (k == OBJ_SKIP) return _URC_NO_REASON;
    w->caller = pc;
    w->kind = k;
    return _URC_END_OF_STACK;
}

/* ---- counting and failing ------------------------------------------------------------------ */

static long fail_at = -1;
static int fail_after;
static const char *log_path;
static int log_sites, log_backtrace, keep_sync;
static atomic_long calls, injected;
static __thread int busy __attribute__((tls_model("initial-exec"))); /* inside the shim on this thread: pass through */

#define NSITES 8192
static uintptr_t site_key[NSITES];
static long site_first[NSITES];
static int nsites_dropped;
static atomic_flag site_lock = ATOMIC_FLAG_INIT;

static void note_site(uintptr_t key, long index)
{
    while (atomic_flag_test_and_set(&site_lock)) {
    }
    size_t h = (size_t)(key * 0x9E3779B97F4A7C15u) >> 51; /* 13 bits */
    for (size_t probe = 0; probe < NSITES; probe++, h = (h + 1) & (NSITES - 1)) {
        if (site_key[h] == key) break;
        if (!site_key[h]) {
            site_key[h] = key;
            site_first[h] = index;
            break;
        }
        if (probe == NSITES - 1) nsites_dropped = 1;
    }
    atomic_flag_clear(&site_lock);
}

__attribute__((constructor)) static void init(void)
{
    resolve();
    const char *at = getenv("FAILALLOC_AT");
    if (at) fail_at = atol(at);
    fail_after = getenv("FAILALLOC_AFTER") && atoi(getenv("FAILALLOC_AFTER"));
    log_path = getenv("FAILALLOC_LOG");
    log_sites = getenv("FAILALLOC_SITES") && atoi(getenv("FAILALLOC_SITES"));
    log_backtrace = getenv("FAILALLOC_BACKTRACE") && atoi(getenv("FAILALLOC_BACKTRACE"));
    keep_sync = getenv("FAILALLOC_SYNC") && atoi(getenv("FAILALLOC_SYNC"));
    /* programs compsim starts (gnuplot) run without the shim: only compsim's calls are failed */
    unsetenv("LD_PRELOAD");
    busy = 1;
    dl_iterate_phdr(add_object, NULL);
    busy = 0;
    atomic_store(&ranges_ready, 1);
}

/* For finding where a failure was injected: the stack, appended to the log (the first call of
 * backtrace loads libgcc_s, whose allocations pass through: busy). */
static void backtrace_to_log(void)
{
    busy = 1;
    void *pcs[32];
    int n = backtrace(pcs, 32);
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
        backtrace_symbols_fd(pcs, n, fd);
        close(fd);
    }
    busy = 0;
}

/* Whether the call made from `ret` fails (errno is set to ENOMEM if so). */
static int should_fail(void *ret)
{
    if (busy || !atomic_load_explicit(&ranges_ready, memory_order_acquire)) return 0;
    uintptr_t pc = (uintptr_t)ret;
    int k = kind_of(pc);
    if (k == OBJ_SPARE) return 0;
    uintptr_t key = pc;
    if (k == OBJ_SKIP) {
        busy = 1;
        walk w = {0, OBJ_OTHER, 0};
        _Unwind_Backtrace(step, &w);
        busy = 0;
        if (w.kind == OBJ_SPARE || !w.caller) return 0;
        key = w.caller * 31 + pc;
    }
    long n = atomic_fetch_add(&calls, 1) + 1;
    if (log_sites) note_site(key, n);
    if (fail_at > 0 && (n == fail_at || (fail_after && n > fail_at))) {
        atomic_fetch_add(&injected, 1);
        if (log_backtrace && log_path) backtrace_to_log();
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

/* Appends the counts (and sites) to FAILALLOC_LOG, with write(2) and a stack buffer. */
__attribute__((destructor)) static void report(void)
{
    if (!log_path) return;
    busy = 1;
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0) return;
    char line[96];
    int len = snprintf(line, sizeof line, "calls %ld injected %ld%s\n", atomic_load(&calls), atomic_load(&injected),
                       nsites_dropped ? " sites-dropped" : "");
    if (write(fd, line, (size_t)len) < 0) {
    }
    for (size_t i = 0; log_sites && i < NSITES; i++) {
        if (!site_key[i]) continue;
        len = snprintf(line, sizeof line, "site %ld\n", site_first[i]);
        if (write(fd, line, (size_t)len) < 0) {
        }
    }
    close(fd);
}

/* ---- the interposed functions -------------------------------------------------------------- */

void *malloc(size_t n)
{
    if (!real_malloc) {
        resolve();
        if (!real_malloc) return boot_alloc(n);
    }
    if (should_fail(__builtin_return_address(0))) return NULL;
    return real_malloc(n);
}

void *calloc(size_t n, size_t size)
{
    if (!real_calloc) {
        resolve();
        if (!real_calloc) return boot_alloc(n * size); /* static: zero already */
    }
    if (should_fail(__builtin_return_address(0))) return NULL;
    return real_calloc(n, size);
}

void *realloc(void *p, size_t n)
{
    if (in_boot(p)) { /* dlsym's buffer, never grown in practice: copy what it may hold */
        void *q = malloc(n);
        size_t have = sizeof boot - (size_t)((char *)p - boot);
        if (q) memcpy(q, p, n < have ? n : have);
        return q;
    }
    if (!real_realloc) resolve();
    if (should_fail(__builtin_return_address(0))) return NULL;
    return real_realloc(p, n);
}

void free(void *p)
{
    if (!p || in_boot(p)) return;
    if (!real_free) resolve();
    real_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (!real_posix_memalign) resolve();
    if (should_fail(__builtin_return_address(0))) return ENOMEM;
    return real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    if (!real_aligned_alloc) resolve();
    if (should_fail(__builtin_return_address(0))) return NULL;
    return real_aligned_alloc(align, n);
}

void *memalign(size_t align, size_t n)
{
    if (!real_memalign) resolve();
    if (should_fail(__builtin_return_address(0))) return NULL;
    return real_memalign(align, n);
}

char *strdup(const char *s)
{
    if (should_fail(__builtin_return_address(0))) return NULL;
    size_t n = strlen(s) + 1;
    busy = 1; /* this malloc is the same call, already counted */
    char *p = malloc(n);
    busy = 0;
    if (p) memcpy(p, s, n);
    return p;
}

char *strndup(const char *s, size_t max)
{
    if (should_fail(__builtin_return_address(0))) return NULL;
    size_t n = strnlen(s, max);
    busy = 1;
    char *p = malloc(n + 1);
    busy = 0;
    if (p) {
        memcpy(p, s, n);
        p[n] = '\0';
    }
    return p;
}

/* mmap made by compsim itself (the genealogy reader maps its input file); libc's own mmaps (the
 * allocator's large blocks, thread stacks) are reached through the functions above, or spared. */
void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    if (!real_mmap) resolve();
    if (!busy && kind_of((uintptr_t)__builtin_return_address(0)) == OBJ_OTHER &&
        should_fail(__builtin_return_address(0)))
        return MAP_FAILED;
    return real_mmap(addr, len, prot, flags, fd, off);
}

int fsync(int fd)
{
    if (!real_fsync) resolve();
    return keep_sync ? real_fsync(fd) : 0;
}

int fdatasync(int fd)
{
    if (!real_fdatasync) resolve();
    return keep_sync ? real_fdatasync(fd) : 0;
}
