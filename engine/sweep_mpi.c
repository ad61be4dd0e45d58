/* sweep_mpi: the MPI driver of a sweep (sweep_mpi.h).  Compiled only with COMPSIM_MPI.
 *
 * Protocol (MPI_COMM_WORLD, all messages small):
 *   worker -> 0, TAG_RESULT: doubles {index or -1, status, then mean, lo, hi, n of each metric}
 *            (status 0: metrics of point `index` follow; 1: stopped by a signal; -1: failed, the
 *            worker has the messages).  The first message of a worker is a request: index -1.
 *   0 -> worker, TAG_POINT: one int, the next point to evaluate, or -1: no more, leave.
 * Rank 0 only dispatches and writes (it evaluates nothing), so the sweep's folder needs to exist
 * only where rank 0 runs; workers simulate into a private scratch folder under $TMPDIR (or /tmp).
 * Metrics travel as MPI_DOUBLE, bit for bit, and are saved by the same cs_sweep_save: the files
 * are the single-machine run's.  Waiting ranks poll with short sleeps instead of blocking in MPI,
 * which spins: an idle dispatcher or worker must not take a core from the OpenMP threads. */
#include "sweep_mpi.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { TAG_RESULT = 1, TAG_POINT = 2 };

static int mpi_started;

int cs_sweep_mpi_init(void)
{
    /* Open MPI, PMIx (srun) and MPICH's hydra set these in the ranks they launch.  Without them,
     * no MPI_Init: a singleton start would try to reach a runtime the plain command does not need. */
    static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"};
    int launched = 0;
    for (size_t k = 0; k < sizeof vars / sizeof vars[0]; k++) launched |= getenv(vars[k]) != NULL;
    if (!launched) return 1;
    int provided = 0, size = 1;
    /* MPI is called from the main thread only; OpenMP threads run inside a point */
    if (MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS) return 1;
    mpi_started = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    return size;
}

int cs_sweep_mpi_rank(void)
{
    int rank = 0;
    if (mpi_started) MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    return rank;
}

void cs_sweep_mpi_finalize(void)
{
    if (mpi_started) MPI_Finalize();
    mpi_started = 0;
}

/* COMPSIM_SWEEP_TIMING set: each rank adds a note with where its time went (tools/bench-sweep.sh
 * reads them to measure the MPI overhead per point). */
static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int timing(void)
{
    const char *e = getenv("COMPSIM_SWEEP_TIMING");
    return e && *e && strcmp(e, "0");
}

static void nap(void)
{
    struct timespec ts = {0, 200000}; /* 0.2 ms: negligible against a point's seconds */
    nanosleep(&ts, NULL);
}

/* MPI_Wait without spinning. */
static void wait_polling(MPI_Request *rq)
{
    for (;;) {
        int done = 0;
        MPI_Test(rq, &done, MPI_STATUS_IGNORE);
        if (done) return;
        nap();
    }
}

/* ---- workers -------------------------------------------------------------------------------- */

static int worker(const cs_sweep *sw, const cs_sweep_options *o, int rank, cs_diags *d)
{
    size_t nm = sw ? sw->nmetrics : 0, len = 2 + 4 * nm;
    double *msg = calloc(len, sizeof *msg);
    cs_sweep_value *v = calloc(nm + 1, sizeof *v);
    cs_sweep_state *st = NULL;
    char dir[4096] = "";
    int status = 0;
    if (!msg || !v) {
        cs_error(d, NULL, 0, 0, "out of memory");
        status = -1, len = 2;
    }
    if (!sw) status = -1;
    if (status == 0) {
        const char *tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/compsim-sweep-r%d-XXXXXX", tmp && *tmp ? tmp : "/tmp", rank);
        if (!mkdtemp(dir)) {
            cs_error(d, dir, 0, 0, "cannot create the worker's scratch folder");
            dir[0] = '\0', status = -1;
        } else {
            cs_sweep_options wo = *o;
            wo.progress = NULL;
            if (!(st = cs_sweep_begin_worker(sw, &wo, dir, d))) status = -1;
        }
    }
    double head[2] = {-1, status};
    double *out = msg ? msg : head;
    out[0] = -1, out[1] = status;
    double t_wait = 0, t_eval = 0, t0 = now();
    size_t points = 0;
    for (;;) {
        if (out[1] == 0 && o->stop && atomic_load(o->stop)) out[1] = 1;
        double t1 = now();
        MPI_Send(out, out[0] >= 0 ? (int)len : 2, MPI_DOUBLE, 0, TAG_RESULT, MPI_COMM_WORLD);
        int next = -1;
        MPI_Request rq;
        MPI_Irecv(&next, 1, MPI_INT, 0, TAG_POINT, MPI_COMM_WORLD, &rq);
        wait_polling(&rq);
        double t2 = now();
        if (next < 0 || out[1] != 0) break;
        t_wait += t2 - t1; /* the round trip: what MPI adds to each point on a worker */
        int rc = cs_sweep_eval(st, (size_t)next, 0, v, d);
        t_eval += now() - t2, points++;
        out[0] = next, out[1] = rc;
        if (rc != 0) out[0] = -1; /* no metrics follow */
        for (size_t m = 0; rc == 0 && m < nm; m++) {
            out[2 + 4 * m] = v[m].mean, out[3 + 4 * m] = v[m].lo, out[4 + 4 * m] = v[m].hi;
            out[5 + 4 * m] = (double)v[m].n;
        }
    }
    if (out[1] < 0) status = -1;
    if (timing())
        cs_diag_add(d, CS_SEV_NOTE, NULL, 0, 0, NULL,
                    "timing: rank %d: %zu points in %.3f s: evaluating %.3f s, round trips to rank 0 %.3f s (%.3f ms a point)",
                    rank, points, now() - t0, t_eval, t_wait, points ? 1e3 * t_wait / (double)points : 0.0);
    cs_sweep_end(st);
    if (dir[0]) rmdir(dir);
    free(msg), free(v);
    return status;
}

/* ---- rank 0 --------------------------------------------------------------------------------- */

static int dispatcher(const cs_sweep *sw, const cs_sweep_options *o, int size, cs_diags *d)
{
    cs_sweep_state *st = sw ? cs_sweep_begin(sw, o, d) : NULL;
    size_t nm = sw ? sw->nmetrics : 0, total = st ? sw->npoints : 0, next = 0, done = 0, handed = 0;
    int failed = st == NULL, stopped = 0, active = size - 1;
    cs_sweep_value *v = calloc(nm + 1, sizeof *v);
    if (!v) {
        cs_error(d, NULL, 0, 0, "out of memory");
        failed = 1;
    }
    for (size_t i = 0; st && i < total; i++) done += cs_sweep_done(st, i);
    double t_busy = 0, t_save = 0, t0 = now();
    size_t saved = 0;
    while (active > 0) {
        MPI_Status ms;
        int flag = 0, count = 0;
        long save = -1; /* the point whose metrics came with this message */
        while (MPI_Iprobe(MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &flag, &ms), !flag) nap();
        double t1 = now();
        MPI_Get_count(&ms, MPI_DOUBLE, &count);
        double *msg = malloc(((size_t)(count > 2 ? count : 2)) * sizeof *msg);
        if (!msg) { /* a message cannot be left unreceived, and a few bytes are not to be had */
            fprintf(stderr, "compsim: error: out of memory\n");
            MPI_Abort(MPI_COMM_WORLD, 1);
            return -1;
        }
        MPI_Recv(msg, count, MPI_DOUBLE, ms.MPI_SOURCE, TAG_RESULT, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        long idx = count >= 2 ? (long)msg[0] : -1;
        int status = count >= 2 ? (int)msg[1] : -1;
        if (status < 0) failed = 1;
        else if (status > 0) stopped = 1;
        else if (idx >= 0 && st && (size_t)idx < total && (size_t)count == 2 + 4 * nm) {
            for (size_t m = 0; m < nm; m++)
                v[m] = (cs_sweep_value){msg[2 + 4 * m], msg[3 + 4 * m], msg[4 + 4 * m], (size_t)msg[5 + 4 * m]};
            save = failed ? -1 : idx;
        } else if (idx >= 0) { /* the worker read other files than rank 0 did */
            cs_error(d, sw ? sw->file : NULL, 0, 0,
                     "rank %d sent point %ld with %d values, not %zu: do all nodes read the same files?", ms.MPI_SOURCE,
                     idx, count - 2, 4 * nm);
            failed = 1;
        }
        free(msg);
        if (o->stop && atomic_load(o->stop)) stopped = 1;
        /* the next point not done and not handed out yet; points are handed in index order (a
         * point being saved below is past `next` already) */
        while (next < total && cs_sweep_done(st, next)) next++;
        int reply = -1;
        if (!failed && !stopped && next < total && !(o->max_points > 0 && handed >= (size_t)o->max_points))
            reply = (int)next++, handed++;
        /* reply first: the worker starts its next point while this one is written */
        MPI_Send(&reply, 1, MPI_INT, ms.MPI_SOURCE, TAG_POINT, MPI_COMM_WORLD);
        if (reply < 0) active--;
        double t2 = now();
        if (save >= 0) {
            if (cs_sweep_save(st, (size_t)save, v, d) != 0) failed = 1;
            else if (o->progress) o->progress(o->progress_ctx, ++done, total);
            saved++;
        }
        t_save += now() - t2, t_busy += now() - t1;
    }
    if (timing())
        cs_diag_add(d, CS_SEV_NOTE, NULL, 0, 0, NULL,
                    "timing: rank 0: %zu points saved in %.3f s: busy %.3f s (%.3f ms a point, of which writing the point file %.3f ms)",
                    saved, now() - t0, t_busy, saved ? 1e3 * t_busy / (double)saved : 0.0,
                    saved ? 1e3 * t_save / (double)saved : 0.0);
    int rc = failed ? -1 : 0;
    if (rc == 0) {
        size_t missing = 0;
        for (size_t i = 0; i < total; i++) missing += !cs_sweep_done(st, i);
        rc = missing ? 1 : cs_sweep_finish(st, size, d);
    }
    cs_sweep_end(st);
    free(v);
    return rc;
}

int cs_sweep_run_mpi(const cs_sweep *sw, const cs_sweep_options *o, cs_diags *d)
{
    int rank = 0, size = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    /* rank 0's load decides: if it failed, it reports the messages and the workers, which read the
     * same files, stay quiet */
    int loaded = sw != NULL;
    MPI_Bcast(&loaded, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank != 0 && !loaded) {
        cs_diags_free(d);
        cs_diags_init(d);
        sw = NULL;
    }
    int rc = rank == 0 ? dispatcher(sw, o, size, d) : worker(sw, o, rank, d);
    /* the workers learn the outcome; rank 0 waits here until every worker has left its loop */
    int rc0 = rc;
    MPI_Request rq;
    MPI_Ibcast(&rc0, 1, MPI_INT, 0, MPI_COMM_WORLD, &rq);
    wait_polling(&rq);
    /* a worker returns 0 unless it failed itself, so mpirun's exit status (the first non-zero
     * one) is rank 0's: the single-machine run's */
    return rank == 0 ? rc : rc < 0 ? -1 : 0;
}
