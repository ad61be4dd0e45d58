/* sweep: parameter sweeps over a scenario (docs/sweeps.md).
 *
 *   sweep file --sweep_load--> cs_sweep (base scenario text, parameters, design, metrics)
 *              --sweep_design--> the value of every parameter at every point
 *              --sweep_run--> per point: scenario and plans with overrides (sweep_point.h, so
 *                 every value is checked as if written) -> replicas (sim.h) -> metrics
 *                 (report_metrics.h) -> DIR/points/NNNNNN.txt, then sweep.csv, report.html
 *                 (sweep_report.h), manifest.json (and sensitivity.h)
 *
 * A point's results depend only on the sweep and the point's index: its seed is
 * cs_sim_stream_seed(sweep seed, index) and replicas are merged in replica order, so neither the
 * thread count, nor the number of MPI ranks, nor the order in which points run changes them. */
#ifndef COMPSIM_SWEEP_H
#define COMPSIM_SWEEP_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"

/* How a parameter's values are written in the scenario, and rounded at a point. */
typedef enum {
    CS_SWP_REAL,    /* plain decimal, rounded to 1e-9 */
    CS_SWP_COUNT,   /* whole number, rounded to the nearest */
    CS_SWP_PERCENT, /* "5%": held in percent units, rounded to 1e-4 (a ppm) */
    CS_SWP_MONEY,   /* currency units, rounded to the cent */
    CS_SWP_VOLUME   /* PV or BV (a plan's volumes), rounded to the hundredth */
} cs_sweep_kind;

typedef enum { CS_DESIGN_GRID, CS_DESIGN_SOBOL, CS_DESIGN_SALTELLI } cs_sweep_design;

typedef struct {
    char *path;          /* as written: "types.builder.recruits", "plan@2.bonuses.unilevel.levels[0]" */
    cs_sweep_kind kind;
    int plan;            /* 0: a scenario parameter; K: a parameter of the scenario's plan K (1-based) */
    cs_pos pos;          /* of the path in the sweep file */
    double min, max;     /* a range, when values is NULL */
    double *values;      /* a list of values, or NULL */
    size_t nvalues;
} cs_sweep_param;

typedef struct {
    char *id;     /* a scalar metric of docs/metrics.md: "share_net_positive" */
    int plan;     /* 1-based plan of the scenario (plan 1, the reference, by default) */
    char *column; /* the CSV column stem: id, or id@plan for plans after the first */
    cs_pos pos;
} cs_sweep_metric;

#define CS_SWEEP_MAX_PARAMS 20       /* saltelli takes 2 Sobol dimensions per parameter; GSL has 40 */
#define CS_SWEEP_MAX_METRICS 64
#define CS_SWEEP_MAX_POINTS 10000000

typedef struct {
    char *file, *text;     /* the sweep file and its text */
    char *name;
    char *scenario_file;   /* as resolved (relative to the sweep file's folder) */
    char *scenario_text;
    size_t scenario_len;
    char *scenario_dir;    /* plan paths of the scenario are relative to it */
    cs_sweep_param *param;
    size_t nparams;
    cs_sweep_metric *metric;
    size_t nmetrics;
    cs_sweep_design design;
    size_t base_points;    /* sobol and saltelli: N */
    size_t levels;         /* grid: values taken from each range */
    size_t npoints;        /* points to run: grid product, N, or N (parameters + 2) */
    int64_t replicas;
    uint64_t seed;
    double *x;             /* npoints * nparams: parameter j at point i is x[i * nparams + j] */
} cs_sweep;

/* Loads and checks a sweep file and its base scenario, and computes the design.  Reports every
 * problem into d (FILE:LINE:COLUMN) and returns NULL on any error; free with cs_sweep_free. */
cs_sweep *cs_sweep_load_file(const char *path, cs_diags *d);
void cs_sweep_free(cs_sweep *sw);

/* The kind of a sweepable path, or -1 if the path is not one docs/sweeps.md lists. */
int cs_sweep_path_kind(const char *path);
/* Which plan a path addresses: 0 for a scenario path, K for "plan@K." (1 for "plan."), -1 for a
 * "plan@" without a whole number; *rest (if not NULL) gets the path inside the plan. */
int cs_sweep_path_plan(const char *path, const char **rest);

/* ---- the design (sweep_design.c) ------------------------------------------------------------ */

/* Fills sw->x and sw->npoints from the parameters and design.  Returns 0, or -1 with an error. */
int cs_sweep_make_design(cs_sweep *sw, cs_diags *d);

/* The Sobol points of a saltelli design in [0,1)^k, before mapping to parameters:
 * u[(j * (k + 2) + r) * k + c] for block j < n, row r (0: A, 1: B, 2 + i: A with column i from B).
 * Starts at the sequence's second point (the first, all 1/2, has A = B).  Returns 0, or -1 (k > 20). */
int cs_sweep_saltelli_unit(size_t n, size_t k, double *u);

/* Rounds x as the kind is written, and writes it as the scenario would ("0.8", "5%", "50.00"). */
double cs_sweep_round(cs_sweep_kind kind, double x);
void cs_sweep_format(cs_sweep_kind kind, double x, char *buf, size_t size);

/* The seed of point i: cs_sim_stream_seed(seed, i) without its top bit (a scenario seed is
 * at most 2^63 - 1). */
uint64_t cs_sweep_point_seed(const cs_sweep *sw, size_t i);

/* ---- running (sweep_run.c) -------------------------------------------------------------------- */

/* A metric at a point: mean and 90% interval across the point's replicas (stats.h). */
typedef struct {
    double mean, lo, hi;
    size_t n;
} cs_sweep_value;

typedef struct {
    const char *out_dir;    /* NULL: results/<sweep name> */
    int threads;            /* OpenMP threads inside a point; 0: OpenMP's default */
    int64_t max_points;     /* run at most this many points not already done, then stop (0: all) */
    const atomic_int *stop; /* NULL, or a flag a signal handler sets: stop after the current point */
    const char *gnuplot;    /* NULL: $COMPSIM_GNUPLOT, else "gnuplot" */
    int charts;             /* draw the tornado charts */
    void (*progress)(void *ctx, size_t done, size_t total);
    void *progress_ctx;
} cs_sweep_options;

/* Runs the points not yet done in the output folder and, once all are done, writes sweep.csv,
 * manifest.json and (saltelli) sensitivity.csv with the tornado charts.  Returns 0 when the
 * sweep is complete, 1 (no message) when it stopped early (max_points, *stop), -1 with errors. */
int cs_sweep_run(const cs_sweep *sw, const cs_sweep_options *o, cs_diags *d);

/* The pieces of cs_sweep_run, shared with the MPI driver (sweep_mpi.c). */
typedef struct cs_sweep_state cs_sweep_state;
/* Checks every point's scenario, prepares the folder, finds the points already done. */
cs_sweep_state *cs_sweep_begin(const cs_sweep *sw, const cs_sweep_options *o, cs_diags *d);
/* A state that only evaluates points (an MPI worker, sweep_mpi.c): scratch folders go under
 * dir/.work, created here; nothing is checked, read or written in the sweep's folder.
 * cs_sweep_end removes dir/.work (not dir). */
cs_sweep_state *cs_sweep_begin_worker(const cs_sweep *sw, const cs_sweep_options *o, const char *dir, cs_diags *d);
/* Point i is done already. */
int cs_sweep_done(const cs_sweep_state *st, size_t i);
/* Simulates point i in a scratch folder named by `worker` and computes its metrics into
 * v[0..nmetrics).  Returns 0, 1 when stopped, -1 with errors. */
int cs_sweep_eval(const cs_sweep_state *st, size_t i, int worker, cs_sweep_value *v, cs_diags *d);
/* Writes point i's file (atomically). */
int cs_sweep_save(cs_sweep_state *st, size_t i, const cs_sweep_value *v, cs_diags *d);
/* With every point done: writes sweep.csv, manifest.json and the sensitivity files.  ranks is
 * recorded in the manifest. */
int cs_sweep_finish(cs_sweep_state *st, int ranks, cs_diags *d);
void cs_sweep_end(cs_sweep_state *st);

#endif
