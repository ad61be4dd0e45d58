/* bench_payout: how fast one period is paid, and how fast a genealogy CSV is read.
 *
 * usage: bench_payout [options] [PLAN.yaml ...]        (--help lists the options; results and
 *                                                       their analysis are in docs/performance.md)
 *
 * For each size and tree shape, in a child process of its own (so that the peak RSS reported is
 * that configuration's), the program
 *   - draws a synthetic genealogy of one period (cs_synth_genealogy: members in join order);
 *   - times cs_tree_init, then cs_payout_new and cs_payout_period for every plan, and a BASELINE
 *     pass over the same arrays (acc[i] += pv[i] + bv[i]; acc[parent[i]] += acc[i], from n-1
 *     down to 0).  Each payout run is paired with a baseline run just before it and the ratio
 *     reported is the median of the pairs' ratios: absolute times on a shared machine move with
 *     its load, ratios much less;
 *   - does the same on the genealogy renumbered in breadth-first order (shape "random-bfs"), the
 *     order in which genealogy files are loaded (a chain is in that order already);
 *   - writes the genealogy to a temporary CSV file (cs_genealogy_write_csv) and, in another child,
 *     times cs_genealogy_load_file against two baselines, reading the file into fresh memory
 *     (as a loader must) and reading it through one small buffer, each counting lines; then pays
 *     the genealogy as loaded (shape "random-loaded"), which checks that it is the same.
 * Each measurement is repeated R times; the first is a warm-up (it also takes the page faults of
 * first use) and is left out of the median, min and max.  The memory-bandwidth rows (mem_*) give
 * the speed of a plain sequential read and copy in the same run, for the floors.
 *
 * Output: a table on stdout; with --csv FILE, one row per measurement:
 *   what,shape,plan,n,median_s,min_s,max_s,per_second,baseline_ratio,mb_per_s,bytes_per_member,reps
 * (per_second is members per second; empty fields do not apply to the row). */
#include <errno.h>
#include <fcntl.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "bigmem.h"
#include "compsim.h"
#include "synth.h"

#define MAX_SIZES 16
#define MAX_PLANS 32

typedef struct {
    size_t sizes[MAX_SIZES];
    size_t nsizes;
    int shape_random, shape_bfs, shape_chain; /* which shapes' payouts to time */
    int reps;
    uint64_t seed;
    const char *tmpdir;
    const char *csv_path;
    int csv_load;  /* measure CSV writing and loading */
    int fork_jobs; /* one child process per configuration */
    const char *plan_path[MAX_PLANS];
    const char *plan_name[MAX_PLANS];
    cs_plan *plan[MAX_PLANS];
    size_t nplans;
} options;

typedef struct {
    double median, min, max;
    int count; /* timed repetitions (warm-up excluded) */
} stats;

static volatile int64_t sink; /* keeps the baseline passes from being optimised away */

/* ---- timing ---------------------------------------------------------------------------------- */

/* Statistics of t[1 .. r) (t[0] is the warm-up); with r == 1, of t[0] alone. */
static stats summarise(double *t, int r)
{
    stats s;
    double *u = r > 1 ? t + 1 : t;
    int m = r > 1 ? r - 1 : 1;
    s.median = bench_median(u, m); /* sorts u */
    s.min = u[0];
    s.max = u[m - 1];
    s.count = m;
    return s;
}

static long peak_rss_kb(void)
{
    struct rusage ru;
    return getrusage(RUSAGE_SELF, &ru) ? -1 : ru.ru_maxrss;
}

/* ---- reporting ------------------------------------------------------------------------------- */

static const options *g_opt;

static void print_table_header(void)
{
    printf("%-15s %-13s %-24s %9s %10s %10s %10s %13s %8s %9s\n", "what", "shape", "plan", "n", "median_s",
           "min_s", "max_s", "members/s", "ratio", "MB/s");
}

/* One measurement: a table line and, with --csv, a CSV row.  Negative values are "not
 * applicable" and left empty in the CSV. */
static void report(const char *what, const char *shape, const char *plan, size_t n, const stats *s, double ratio,
                   double mb_per_s, double bytes_per_member)
{
    char ps[32] = "", rs[32] = "", ms[32] = "";
    double per_second = s && n && s->median > 0 ? (double)n / s->median : -1;
    if (per_second >= 0) snprintf(ps, sizeof ps, "%.4g", per_second);
    if (ratio >= 0) snprintf(rs, sizeof rs, "%.2f", ratio);
    if (mb_per_s >= 0) snprintf(ms, sizeof ms, "%.1f", mb_per_s);
    if (s)
        printf("%-15s %-13s %-24s %9zu %10.5f %10.5f %10.5f %13s %8s %9s\n", what, shape, plan, n, s->median,
               s->min, s->max, ps, rs, ms);
    else
        printf("%-15s %-13s %-24s %9zu %10s %10s %10s %13s %8s %9s  %.1f bytes/member (%.1f MB)\n", what, shape, plan, n,
               "", "", "", ps, rs, ms, bytes_per_member, bytes_per_member * (double)n / 1e6);
    fflush(stdout);
    if (!g_opt->csv_path) return;
    FILE *f = fopen(g_opt->csv_path, "a");
    if (!f) {
        fprintf(stderr, "bench_payout: cannot append to %s: %s\n", g_opt->csv_path, strerror(errno));
        return;
    }
    fprintf(f, "%s,%s,%s,%zu,", what, shape, plan, n);
    if (s)
        fprintf(f, "%.6f,%.6f,%.6f,", s->median, s->min, s->max);
    else
        fputs(",,,", f);
    fprintf(f, "%s,%s,%s,", ps, rs, ms);
    if (bytes_per_member >= 0) fprintf(f, "%.1f", bytes_per_member);
    fprintf(f, ",%d\n", s ? s->count : 0);
    fclose(f);
}

static void report_rss(const char *what, const char *shape, size_t n)
{
    long kb = peak_rss_kb();
    report(what, shape, "-", n, NULL, -1, -1, n ? (double)kb * 1024.0 / (double)n : -1);
}

/* ---- the baselines --------------------------------------------------------------------------- */

/* A trivial bottom-up pass over the arrays the payout reads: what any one pass over the tree
 * costs at the least (the parent access is as scattered as the tree's order makes it). */
static int64_t baseline_pass(const int32_t *parent, const int64_t *pv, const int64_t *bv, int64_t *acc, size_t n)
{
    memset(acc, 0, n * sizeof *acc);
    for (size_t i = n; i-- > 0;) {
        int64_t a = acc[i] + pv[i] + bv[i];
        acc[i] = a;
        if (parent[i] >= 0) acc[parent[i]] += a;
    }
    return n ? acc[0] : 0;
}

static double baseline_once(const cs_genealogy *g, int64_t *acc)
{
    double t0 = bench_now();
    sink = baseline_pass(g->parent, g->pv, g->bv, acc, g->n);
    return bench_now() - t0;
}

/* What reading a file costs at the least: read() into fresh memory and count the lines. */
static int read_file_count_lines(const char *path, size_t *lines)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    struct stat st;
    if (fstat(fd, &st)) {
        close(fd);
        return -1;
    }
    size_t len = (size_t)st.st_size, got = 0;
    char *buf = cs_big_malloc(len, 1); /* huge pages where offered, as the engine's arrays */
    if (!buf) {
        close(fd);
        return -1;
    }
    while (got < len) {
        ssize_t k = read(fd, buf + got, len - got);
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    size_t nl = 0;
    for (const char *p = buf, *e = buf + got; (p = memchr(p, '\n', (size_t)(e - p))); p++) nl++;
    free(buf);
    *lines = nl;
    return got == len ? 0 : -1;
}

/* Same, through one reused 1 MiB buffer: no fresh memory, so no page faults. */
static int stream_file_count_lines(const char *path, size_t *lines, size_t *bytes)
{
    static char buf[1 << 20];
    int fd = open(path, O_RDONLY);
    if (fd < 0) return -1;
    size_t nl = 0, total = 0;
    ssize_t k;
    while ((k = read(fd, buf, sizeof buf)) > 0) {
        total += (size_t)k;
        for (const char *p = buf, *e = buf + k; (p = memchr(p, '\n', (size_t)(e - p))); p++) nl++;
    }
    close(fd);
    *lines = nl;
    *bytes = total;
    return k < 0 ? -1 : 0;
}

/* Sequential read and copy of a large array, to check the memory bandwidth the floors assume:
 * with one thread (what the single-threaded engine can use) and with every cpu. */
static void measure_bandwidth(int reps, int threads)
{
    const size_t words = (size_t)64 << 20; /* 512 MiB */
    int64_t *a = malloc(words * sizeof *a), *b = malloc(words * sizeof *b);
    double *t = malloc((size_t)reps * sizeof *t), *u = malloc((size_t)reps * sizeof *u);
    if (!a || !b || !t || !u) {
        fputs("bench_payout: no memory for the bandwidth test, skipped\n", stderr);
        free(a), free(b), free(t), free(u);
        return;
    }
    const long W = (long)words, chunk = W / threads;
    double t0 = bench_now();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (long i = 0; i < W; i++) a[i] = i;
    stats sf = {bench_now() - t0, 0, 0, 1};
    sf.min = sf.max = sf.median;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (long i = 0; i < W; i++) b[i] = 0;
    for (int r = 0; r < reps; r++) {
        t0 = bench_now();
        int64_t s = 0;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(+ : s)
        for (long i = 0; i < W; i += 4) s += a[i] + a[i + 1] + a[i + 2] + a[i + 3];
        sink = s;
        t[r] = bench_now() - t0;
        t0 = bench_now();
#pragma omp parallel for num_threads(threads) schedule(static)
        for (int k = 0; k < threads; k++) {
            long lo = k * chunk, hi = k == threads - 1 ? W : lo + chunk;
            memcpy(b + lo, a + lo, (size_t)(hi - lo) * sizeof *a);
        }
        sink = b[words / 2];
        u[r] = bench_now() - t0;
    }
    stats sr = summarise(t, reps), sc = summarise(u, reps);
    double bytes = (double)(words * sizeof *a);
    char shape[32];
    snprintf(shape, sizeof shape, "%d-thread%s", threads, threads > 1 ? "s" : "");
    /* the first write to fresh memory: page faults (the kernel zeroes and maps each page) */
    report("mem_first_touch", shape, "-", 0, &sf, -1, bytes / sf.median / 1e6, -1);
    report("mem_read", shape, "-", 0, &sr, -1, bytes / sr.median / 1e6, -1);
    /* bytes read + bytes written (the write-allocate reads the CPU may add are not counted) */
    report("mem_copy", shape, "-", 0, &sc, -1, 2 * bytes / sc.median / 1e6, -1);
    free(a), free(b), free(t), free(u);
}

/* ---- payout ---------------------------------------------------------------------------------- */

static void die(const char *what)
{
    fprintf(stderr, "bench_payout: %s\n", what);
    exit(1);
}

/* Bytes per member of the cs_payout arrays (payout.h) that this plan has, those of join order
 * (the copies by tree position) included once they exist; `line` gets the breakdown. */
static double payout_bytes_per_member(const cs_payout *po, char *line, size_t size)
{
    struct {
        const void *a;
        const char *name;
        size_t bytes;
    } f[] = {
        {po->amount, "amount", po->nbonuses * sizeof *po->amount},
        {po->active, "active", 1},
        {po->rank, "rank", 4},
        {po->gv, "gv", 8},
        {po->title, "title", 4},
        {po->submax, "submax", 4},
        {po->src, "src", 8},
        {po->wgv, "wgv", 8},
        {po->wbv, "wbv", 8},
        {po->wrank, "wrank", 4},
        {po->wactive, "wactive", 1},
        {po->wnew, "wnew", 1},
        {po->leg_measure, "leg_measure", 16},
        {po->carry, "carry", 16},
        {po->idle, "idle", 4},
        {po->completed, "completed", 8},
        {po->psub, "psub", 8},
        {po->psize, "psize", 4},
        {po->qual, "qual", 8},
        {po->pfull, "pfull", 1},
    };
    size_t total = 0, len = 0;
    line[0] = 0;
    for (size_t k = 0; k < sizeof f / sizeof *f; k++) {
        if (!f[k].a) continue;
        total += f[k].bytes;
        if (len < size) len += (size_t)snprintf(line + len, size - len, "%s%s %zu", len ? " + " : "", f[k].name, f[k].bytes);
    }
    /* arrays are sized for po->cap members; the level tables for vec_rows of them (payout.h) */
    const double m = (double)(po->n ? po->n : 1), vec = (double)(po->vec_rows * po->vec_width * sizeof *po->vec);
    if (po->vec && len < size)
        snprintf(line + len, size - len, " + vec %.1f (%zu x 8 for %zu rows)", vec / m, po->vec_width, po->vec_rows);
    return ((double)total * (double)po->cap + vec) / m;
}

/* Times tree_init, and for each plan payout_new and payout_period, on genealogy g. */
static void bench_payouts(const options *o, const cs_genealogy *g, const char *shape)
{
    const size_t n = g->n;
    const int R = o->reps;
    double *t = malloc((size_t)R * sizeof *t);
    uint8_t *is_new = malloc(n ? n : 1);
    if (!t || !is_new) die("out of memory");
    for (size_t i = 0; i < n; i++) is_new[i] = (uint8_t)cs_genealogy_is_new(g, i, 0);
    cs_period_input in = {
        .pv = g->pv,
        .bv = g->bv,
        .retail = g->has_retail ? g->retail : NULL,
        .is_new = is_new,
        .order = g->file_order,
    };

    double *b = malloc((size_t)R * sizeof *b), *ratio = malloc((size_t)R * sizeof *ratio);
    int64_t *acc = cs_big_malloc(n, sizeof *acc);
    if (!b || !ratio || !acc) die("out of memory");
    for (int r = 0; r < R; r++) b[r] = baseline_once(g, acc);
    stats base = summarise(b, R);
    report("baseline", shape, "-", n, &base, 1.0, -1, -1);

    cs_tree tree;
    for (int r = 0; r < R; r++) {
        double t0 = bench_now();
        if (cs_tree_init(&tree, n, g->parent)) die("cs_tree_init failed");
        t[r] = bench_now() - t0;
        if (r + 1 < R) cs_tree_free(&tree);
    }
    stats st = summarise(t, R);
    report("tree_init", shape, "-", n, &st, st.median / base.median, -1, tree.perm || tree.child ? 8.0 : 4.0);

    for (size_t k = 0; k < o->nplans; k++) {
        const cs_plan *p = o->plan[k];
        cs_payout *po = NULL;
        /* binary and matrix plans: every member placed automatically, in index order (each
         * sponsor before its recruits), then the snapshot the payout passes read */
        cs_placement *pl = NULL;
        cs_placement_index pix = {0};
        int64_t *legs = NULL;
        in.pl = NULL;
        in.pix = NULL;
        if (p->placement.kind != CS_PTREE_NONE) {
            legs = cs_big_calloc(2 * n, sizeof *legs); /* weaker_leg: all legs equal, as in a first period */
            if (!legs) die("out of memory");
            cs_place_input pin = {.sponsor = g->parent, .norder = n, .leg = cs_place_leg_array, .leg_ctx = legs};
            for (int r = 0; r < R; r++) {
                double t0 = bench_now();
                pl = cs_placement_new(n, p->placement.width, p->placement.rule);
                if (!pl || cs_placement_place(pl, &pin, NULL) != 0) die("placement failed");
                t[r] = bench_now() - t0;
                if (r + 1 < R) cs_placement_free(pl);
            }
            stats sp = summarise(t, R);
            report("place", shape, o->plan_name[k], n, &sp, sp.median / base.median, -1, -1);
            for (int r = 0; r < R; r++) {
                double t0 = bench_now();
                if (cs_placement_index_init(&pix, pl)) die("cs_placement_index_init: out of memory");
                t[r] = bench_now() - t0;
                if (r + 1 < R) cs_placement_index_free(&pix);
            }
            sp = summarise(t, R);
            report("place_index", shape, o->plan_name[k], n, &sp, sp.median / base.median, -1, -1);
            in.pl = pl;
            in.pix = &pix;
        }
        for (int r = 0; r < R; r++) {
            double t0 = bench_now();
            po = cs_payout_new(p, n);
            t[r] = bench_now() - t0;
            if (!po) die("cs_payout_new: out of memory");
            if (r + 1 < R) cs_payout_free(po);
        }
        stats sn = summarise(t, R);
        char mem[512];
        report("payout_new", shape, o->plan_name[k], n, &sn, sn.median / base.median, -1,
               payout_bytes_per_member(po, mem, sizeof mem));

        /* each run is paired with a baseline run just before it, so that both see the same load
         * of the machine; the ratio reported is the median of the pairs' ratios */
        int64_t paid0 = 0;
        for (int r = 0; r < R; r++) {
            cs_diags d;
            cs_diags_init(&d);
            b[r] = baseline_once(g, acc);
            double t0 = bench_now();
            int rc = cs_payout_period(po, p, &tree, &in, &d);
            t[r] = bench_now() - t0;
            ratio[r] = t[r] / b[r];
            if (rc) {
                cs_diags_print(&d, stderr);
                die("cs_payout_period failed");
            }
            cs_diags_free(&d);
            if (r == 0) paid0 = po->company_paid;
            else if (po->company_paid != paid0 && !pl) /* placement plans carry state from period to period */
                fprintf(stderr, "bench_payout: warning: results differ between repetitions\n");
        }
        /* the warm-up alone: the first period on fresh scratch, page faults included, which is
         * what a one-period `compsim payout` pays */
        stats s0 = {t[0], t[0], t[0], 1};
        stats sp = summarise(t, R), sr = summarise(ratio, R);
        report("payout_first", shape, o->plan_name[k], n, &s0, -1, -1, -1);
        report("payout_period", shape, o->plan_name[k], n, &sp, sr.median, -1, -1);
        char cbv[24], cpaid[24];
        cs_format_cents(cbv, po->company_bv);
        cs_format_cents(cpaid, po->company_paid);
        printf("  check: %s on %s: company BV %s, company-paid %s\n", o->plan_name[k], shape, cbv, cpaid);
        printf("  memory: cs_payout %.0f B/member = %s; tree layout %d (tree.h), %d B/member (child_off 4%s)\n",
               payout_bytes_per_member(po, mem, sizeof mem), mem, tree.perm ? 2 : tree.child ? 3 : 1,
               tree.perm || tree.child ? 8 : 4, tree.perm ? " + perm 4" : tree.child ? " + child 4" : "");
        if (pl)
            printf("  memory: placement tree %.0f B/member (ppar 4, pos 1, children %d x 4, rule scratch) + snapshot 16"
                   " B/member\n", 5.0 + 4.0 * p->placement.width + (p->placement.rule == CS_PLACE_SPILLOVER ? 1 : 8),
                   p->placement.width);
        cs_payout_free(po);
        cs_placement_index_free(&pix);
        cs_placement_free(pl);
        free(legs);
    }
    cs_tree_free(&tree);
    free(is_new);
    free(acc);
    free(ratio);
    free(b);
    free(t);
}

/* ---- breadth-first renumbering ----------------------------------------------------------------
 *
 * The synthetic genealogy is in join order: a sponsor's recruits are scattered over the later
 * indices.  A genealogy file is loaded in breadth-first order (genealogy.h): roots in index order,
 * each member's recruits in index order, which for a synthetic genealogy written to CSV is the
 * loader's order exactly.  This copy gives that order without the file. */

static cs_genealogy *bfs_copy(const cs_genealogy *g)
{
    const size_t n = g->n, np = g->nperiods, m = n ? n : 1;
    cs_tree t = {0};
    if (cs_tree_build(&t, n, g->parent, CS_TREE_BFS)) return NULL; /* layout 2 at any size: perm is the order */
    uint32_t *order = malloc(m * sizeof *order), *pos = malloc(m * sizeof *pos);
    cs_genealogy *h = calloc(1, sizeof *h);
    if (!order || !pos || !h) goto fail;
    /* the tree's positions are that order (tree.h; perm is NULL when the members are in it already) */
    for (size_t k = 0; k < n; k++) order[k] = t.perm ? (uint32_t)t.perm[k] : (uint32_t)k;
    for (size_t k = 0; k < n; k++) pos[order[k]] = (uint32_t)k;

    h->n = n;
    h->nperiods = np;
    h->has_bv = g->has_bv, h->has_retail = g->has_retail, h->has_period = g->has_period, h->has_join = g->has_join;
    h->period_label = calloc(np, sizeof *h->period_label);
    h->parent = cs_big_malloc(m, sizeof *h->parent);
    h->id_off = cs_big_malloc(m, sizeof *h->id_off);
    h->file_order = cs_big_malloc(m, sizeof *h->file_order);
    h->line = cs_big_malloc(m, sizeof *h->line);
    h->join = cs_big_malloc(m, sizeof *h->join);
    h->joined_in_file = cs_big_malloc(m, 1);
    h->pv = cs_big_malloc(m * np, sizeof *h->pv);
    h->bv = cs_big_malloc(m * np, sizeof *h->bv);
    h->retail = cs_big_malloc(m * np, sizeof *h->retail);
    h->total_bv = malloc(np * sizeof *h->total_bv);
    size_t idlen = n ? g->id_off[n - 1] + strlen(cs_genealogy_id(g, n - 1)) + 1 : 1;
    for (size_t i = 0; i < n; i++) /* ids need not be stored in index order */
        if (g->id_off[i] + strlen(cs_genealogy_id(g, i)) + 1 > idlen) idlen = g->id_off[i] + strlen(cs_genealogy_id(g, i)) + 1;
    h->id_buf = cs_big_malloc(idlen, 1);
    if (!h->period_label || !h->parent || !h->id_off || !h->file_order || !h->line || !h->join ||
        !h->joined_in_file || !h->pv || !h->bv || !h->retail || !h->total_bv || !h->id_buf)
        goto fail;
    for (size_t p = 0; p < np; p++)
        if (!(h->period_label[p] = strdup(g->period_label[p]))) goto fail;
    memcpy(h->id_buf, g->id_buf, idlen);
    memcpy(h->total_bv, g->total_bv, np * sizeof *h->total_bv);
    for (size_t k = 0; k < n; k++) {
        size_t i = order[k];
        h->parent[k] = g->parent[i] < 0 ? -1 : (int32_t)pos[g->parent[i]];
        h->id_off[k] = g->id_off[i];
        h->file_order[k] = g->file_order[i];
        h->line[k] = g->line[i];
        h->join[k] = g->join[i];
        h->joined_in_file[k] = g->joined_in_file[i];
        for (size_t p = 0; p < np; p++) {
            h->pv[p * n + k] = g->pv[p * n + i];
            h->bv[p * n + k] = g->bv[p * n + i];
            h->retail[p * n + k] = g->retail[p * n + i];
        }
    }
    free(order);
    free(pos);
    cs_tree_free(&t);
    return h;
fail:
    free(order);
    free(pos);
    cs_tree_free(&t);
    cs_genealogy_free(h);
    return NULL;
}

/* ---- jobs ------------------------------------------------------------------------------------ */

static const char *shape_name(cs_synth_shape s) { return s == CS_SYNTH_CHAIN ? "chain" : "random"; }

/* Job 1: synthetic genealogy, payouts (in join order and in breadth-first order); then writes
 * the CSV file if csv_path is set. */
static int job_synth(const options *o, size_t n, cs_synth_shape shape, const char *csv_path)
{
    const char *sn = shape_name(shape);
    double t0 = bench_now();
    cs_genealogy *g = cs_synth_genealogy(n, 1, shape, o->seed);
    stats s1 = {bench_now() - t0, 0, 0, 1};
    s1.min = s1.max = s1.median;
    if (!g) die("cs_synth_genealogy failed (out of memory?)");
    report("synth", sn, "-", n, &s1, -1, -1, -1);
    if (shape == CS_SYNTH_CHAIN || o->shape_random) {
        bench_payouts(o, g, sn);
        report_rss("peak_rss", sn, n);
    }
    if (shape == CS_SYNTH_RANDOM && o->shape_bfs) {
        /* the same members in breadth-first order (a chain is in that order already) */
        t0 = bench_now();
        cs_genealogy *h = bfs_copy(g);
        stats sb = {bench_now() - t0, 0, 0, 1};
        sb.min = sb.max = sb.median;
        if (!h) die("breadth-first copy: out of memory");
        char name[32];
        snprintf(name, sizeof name, "%s-bfs", sn);
        report("bfs_renumber", name, "-", n, &sb, -1, -1, -1);
        bench_payouts(o, h, name);
        cs_genealogy_free(h);
    }
    if (csv_path) {
        FILE *f = fopen(csv_path, "w");
        if (!f) {
            fprintf(stderr, "bench_payout: cannot write %s: %s\n", csv_path, strerror(errno));
            cs_genealogy_free(g);
            return 1;
        }
        static char buf[1 << 20];
        setvbuf(f, buf, _IOFBF, sizeof buf);
        t0 = bench_now();
        int rc = cs_genealogy_write_csv(g, f);
        rc |= fclose(f);
        stats sw = {bench_now() - t0, 0, 0, 1};
        sw.min = sw.max = sw.median;
        struct stat st;
        if (rc || stat(csv_path, &st)) {
            cs_genealogy_free(g);
            die("writing the CSV file failed");
        }
        report("csv_write", sn, "-", n, &sw, -1, (double)st.st_size / sw.median / 1e6, -1);
    }
    cs_genealogy_free(g);
    return 0;
}

/* Job 2: CSV loading, then payouts on the genealogy as loaded (breadth-first order). */
static int job_load(const options *o, size_t n, cs_synth_shape shape, const char *csv_path, int pay_loaded)
{
    const char *sn = shape_name(shape);
    const int R = o->reps;
    struct stat st;
    if (stat(csv_path, &st)) die("the CSV file is gone");
    double mb = (double)st.st_size / 1e6;
    double *t = malloc((size_t)R * sizeof *t);
    if (!t) die("out of memory");

    for (int r = 0; r < R; r++) {
        size_t lines = 0;
        double t0 = bench_now();
        if (read_file_count_lines(csv_path, &lines)) die("cannot read the CSV file");
        t[r] = bench_now() - t0;
        if (lines != n + 1) fprintf(stderr, "bench_payout: warning: %zu lines for %zu members\n", lines, n);
    }
    stats sr = summarise(t, R);
    report("csv_read_base", sn, "-", n, &sr, 1.0, mb / sr.median, (double)st.st_size / (double)(n ? n : 1));
    for (int r = 0; r < R; r++) {
        size_t lines = 0, bytes = 0;
        double t0 = bench_now();
        if (stream_file_count_lines(csv_path, &lines, &bytes)) die("cannot read the CSV file");
        t[r] = bench_now() - t0;
    }
    stats ss = summarise(t, R);
    report("csv_read_strm", sn, "-", n, &ss, ss.median / sr.median, mb / ss.median, -1);

    cs_genealogy *g = NULL;
    for (int r = 0; r < R; r++) {
        cs_genealogy_free(g);
        cs_diags d;
        cs_diags_init(&d);
        double t0 = bench_now();
        g = cs_genealogy_load_file(csv_path, &d);
        t[r] = bench_now() - t0;
        if (!g) {
            cs_diags_print(&d, stderr);
            cs_diags_free(&d);
            fputs("bench_payout: cs_genealogy_load_file failed; CSV loading not measured\n", stderr);
            free(t);
            return 1;
        }
        cs_diags_free(&d);
        if (g->n != n) fprintf(stderr, "bench_payout: warning: loaded %zu members, expected %zu\n", g->n, n);
    }
    stats sl = summarise(t, R);
    report("csv_load", sn, "-", n, &sl, sl.median / sr.median, mb / sl.median, -1);
    report_rss("peak_rss_load", sn, n);
    free(t);

    if (pay_loaded) {
        char name[32];
        snprintf(name, sizeof name, "%s-loaded", sn);
        bench_payouts(o, g, name);
        report_rss("peak_rss", name, n);
    }
    cs_genealogy_free(g);
    return 0;
}

/* The 1-minute load average: other jobs on a shared machine take the CPUs the engine's threads
 * want, which is the first thing to check when two runs disagree. */
static double load_average(void)
{
    double l = -1;
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf", &l) != 1) l = -1;
        fclose(f);
    }
    return l;
}

/* Runs fn in a child process (or here, without --fork). */
static int run_job(const options *o, int (*fn)(const options *, size_t, cs_synth_shape, const char *, int), size_t n,
                   cs_synth_shape shape, const char *path, int flag)
{
    if (n) printf("  (load average %.2f at the start of this job)\n", load_average());
    fflush(stdout);
    fflush(stderr);
    if (!o->fork_jobs) return fn(o, n, shape, path, flag);
    pid_t pid = fork();
    if (pid < 0) return fn(o, n, shape, path, flag);
    if (pid == 0) exit(fn(o, n, shape, path, flag));
    int status;
    if (waitpid(pid, &status, 0) < 0) return 1;
    if (WIFSIGNALED(status)) {
        fprintf(stderr, "bench_payout: job for n=%zu %s killed by signal %d\n", n, shape_name(shape), WTERMSIG(status));
        return 1;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int job_bandwidth(const options *o, size_t n, cs_synth_shape shape, const char *path, int threads)
{
    (void)n, (void)shape, (void)path;
    measure_bandwidth(o->reps, threads);
    return 0;
}

static int job_synth_adapter(const options *o, size_t n, cs_synth_shape shape, const char *path, int flag)
{
    (void)flag;
    return job_synth(o, n, shape, path);
}

/* ---- options --------------------------------------------------------------------------------- */

static void usage(FILE *f)
{
    fputs("usage: bench_payout [options] [PLAN.yaml ...]\n"
          "Times cs_payout_period (and tree building, scratch allocation, CSV loading) on synthetic\n"
          "genealogies, each against a trivial baseline pass timed in the same run.\n"
          "  --sizes LIST   member counts, comma-separated (default 1e5,1e6,1e7)\n"
          "  --shapes LIST  of random (join order), random-bfs (the same genealogy in breadth-first\n"
          "                order, as files are loaded) and chain (default all three)\n"
          "  --reps R       repetitions of each measurement, the first a warm-up (default 5, >= 2)\n"
          "  --seed S       seed of the synthetic genealogies (default 42)\n"
          "  --tmpdir DIR   folder for the temporary CSV file (default $TMPDIR or /tmp)\n"
          "  --csv FILE     also write the measurements as CSV (one row each)\n"
          "  --no-csv-load  do not measure CSV writing and loading\n"
          "  --no-fork      run every configuration in this process (peak RSS is then cumulative)\n"
          "  --no-bandwidth skip the memory-bandwidth check\n"
          "Default plan: plans/unilevel-doterra.yaml.\n",
          f);
}

static int parse_sizes(options *o, const char *s)
{
    o->nsizes = 0;
    char *copy = strdup(s), *save = NULL;
    if (!copy) return -1;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        double v = strtod(tok, &end);
        if (*end || v < 1 || v >= 1e8 || o->nsizes == MAX_SIZES) {
            free(copy);
            return -1;
        }
        o->sizes[o->nsizes++] = (size_t)(v + 0.5);
    }
    free(copy);
    return o->nsizes ? 0 : -1;
}

static int parse_shapes(options *o, const char *s)
{
    o->shape_random = o->shape_bfs = o->shape_chain = 0;
    char *copy = strdup(s), *save = NULL;
    if (!copy) return -1;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!strcmp(tok, "random")) o->shape_random = 1;
        else if (!strcmp(tok, "random-bfs")) o->shape_bfs = 1;
        else if (!strcmp(tok, "chain")) o->shape_chain = 1;
        else o->shape_random = o->shape_bfs = o->shape_chain = -1;
    }
    free(copy);
    if (o->shape_random < 0) return -1;
    return o->shape_random || o->shape_bfs || o->shape_chain ? 0 : -1;
}

/* plans/unilevel-doterra.yaml from the working folder, else from the source tree. */
static const char *default_plan(void)
{
    static char path[4096];
    const char *rel = "plans/unilevel-doterra.yaml";
    if (!access(rel, R_OK)) return rel;
    const char *src = __FILE__; /* .../tools/bench_payout.c */
    const char *slash = strrchr(src, '/');
    if (slash) {
        size_t len = (size_t)(slash - src);
        while (len > 0 && src[len - 1] != '/') len--; /* drop "tools" */
        snprintf(path, sizeof path, "%.*s%s", (int)len, src, rel);
        if (!access(path, R_OK)) return path;
    }
    return rel;
}

static const char *plan_short_name(const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t len = strlen(b);
    if (len > 5 && !strcmp(b + len - 5, ".yaml")) len -= 5;
    char *s = malloc(len + 1);
    if (!s) die("out of memory");
    memcpy(s, b, len);
    s[len] = 0;
    return s;
}

static void print_machine(const options *o)
{
    char model[256] = "unknown";
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f))
            if (!strncmp(line, "model name", 10)) {
                char *c = strchr(line, ':');
                if (c) {
                    snprintf(model, sizeof model, "%s", c + 2);
                    model[strcspn(model, "\n")] = 0;
                }
                break;
            }
        fclose(f);
    }
    long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
    time_t tt = time(NULL);
    char date[64];
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", gmtime(&tt));
    printf("bench_payout %s: %s, %ld online cpus, %.1f GiB memory; OpenMP threads %d; reps %d (1 warm-up), "
           "seed %llu\n",
           date, model, sysconf(_SC_NPROCESSORS_ONLN), (double)pages * (double)psize / (1024.0 * 1024 * 1024),
           omp_get_max_threads(), o->reps, (unsigned long long)o->seed);
    for (size_t k = 0; k < o->nplans; k++)
        printf("plan %s: %s (%zu ranks, %zu bonuses)\n", o->plan_name[k], o->plan_path[k], o->plan[k]->nranks,
               o->plan[k]->nbonuses);
}

int main(int argc, char **argv)
{
    static options o;
    o.sizes[0] = 100000, o.sizes[1] = 1000000, o.sizes[2] = 10000000;
    o.nsizes = 3;
    o.shape_random = o.shape_bfs = o.shape_chain = 1;
    o.reps = 5;
    o.seed = 42;
    o.tmpdir = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    o.csv_load = 1;
    o.fork_jobs = 1;
    int bandwidth = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--sizes") && has) {
            if (parse_sizes(&o, argv[++i])) die("bad --sizes (member counts from 1 to 99999999, comma-separated)");
        } else if (!strcmp(a, "--shapes") && has) {
            if (parse_shapes(&o, argv[++i])) die("bad --shapes (random, chain)");
        } else if (!strcmp(a, "--reps") && has) {
            o.reps = atoi(argv[++i]);
            if (o.reps < 2 || o.reps > 1000) die("--reps must be from 2 to 1000");
        } else if (!strcmp(a, "--seed") && has) {
            o.seed = strtoull(argv[++i], NULL, 10);
        } else if (!strcmp(a, "--tmpdir") && has) {
            o.tmpdir = argv[++i];
        } else if (!strcmp(a, "--csv") && has) {
            o.csv_path = argv[++i];
        } else if (!strcmp(a, "--no-csv-load")) {
            o.csv_load = 0;
        } else if (!strcmp(a, "--no-fork")) {
            o.fork_jobs = 0;
        } else if (!strcmp(a, "--no-bandwidth")) {
            bandwidth = 0;
        } else if (a[0] == '-' && a[1]) {
            usage(stderr);
            return 2;
        } else {
            if (o.nplans == MAX_PLANS) die("too many plans");
            o.plan_path[o.nplans++] = a;
        }
    }
    if (!o.nplans) o.plan_path[o.nplans++] = default_plan();
    for (size_t k = 0; k < o.nplans; k++) {
        cs_diags d;
        cs_diags_init(&d);
        o.plan[k] = cs_plan_load_file(o.plan_path[k], &d);
        cs_diags_print(&d, stderr);
        cs_diags_free(&d);
        if (!o.plan[k]) return 1;
        o.plan_name[k] = plan_short_name(o.plan_path[k]);
    }
    g_opt = &o;
    if (o.csv_path) {
        FILE *f = fopen(o.csv_path, "w");
        if (!f) {
            fprintf(stderr, "bench_payout: cannot write %s: %s\n", o.csv_path, strerror(errno));
            return 1;
        }
        fputs("what,shape,plan,n,median_s,min_s,max_s,per_second,baseline_ratio,mb_per_s,bytes_per_member,reps\n", f);
        fclose(f);
    }

    print_machine(&o);
    print_table_header();
    if (bandwidth) {
        /* in child processes: OpenMP's threads must not exist when the later jobs fork */
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        run_job(&o, job_bandwidth, 0, CS_SYNTH_RANDOM, NULL, 1);
        if (ncpu > 1 && o.fork_jobs) run_job(&o, job_bandwidth, 0, CS_SYNTH_RANDOM, NULL, (int)ncpu);
    }
    int status = 0;
    for (size_t si = 0; si < o.nsizes; si++)
        for (int sh = 0; sh < 2; sh++) {
            cs_synth_shape shape = sh ? CS_SYNTH_CHAIN : CS_SYNTH_RANDOM;
            if (!(sh ? o.shape_chain : o.shape_random || o.shape_bfs)) continue;
            size_t n = o.sizes[si];
            char path[4096] = "";
            if (o.csv_load)
                snprintf(path, sizeof path, "%s/bench_payout-%ld-%zu-%s.csv", o.tmpdir, (long)getpid(), n,
                         shape_name(shape));
            int rc = run_job(&o, job_synth_adapter, n, shape, o.csv_load ? path : NULL, 0);
            /* breadth-first order of a chain is its join order: paying it again would repeat */
            if (!rc && o.csv_load) rc = run_job(&o, job_load, n, shape, path, shape == CS_SYNTH_RANDOM);
            if (o.csv_load) unlink(path);
            status |= rc;
        }
    for (size_t k = 0; k < o.nplans; k++) {
        cs_plan_free(o.plan[k]);
        free((char *)o.plan_name[k]);
    }
    return status ? 1 : 0;
}
