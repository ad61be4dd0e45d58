/* sweep_mpi: a sweep's points spread over MPI ranks (docs/sweeps.md, "MPI").  Built only with the
 * CMake option COMPSIM_MPI, which defines COMPSIM_MPI for the library's users.
 *
 * Rank 0 checks the sweep and its folder (cs_sweep_begin), hands out the indices of the points not
 * done yet one at a time to whichever worker asks, saves the metrics each worker sends back as the
 * point's file, and writes sweep.csv etc. (cs_sweep_finish): the same files as cs_sweep_run, since a
 * point's metrics depend only on its index and the files are assembled from the point files. */
#ifndef COMPSIM_SWEEP_MPI_H
#define COMPSIM_SWEEP_MPI_H

#include "sweep.h"

/* Starts MPI when the program was launched by an MPI launcher (mpirun, srun) and returns the
 * number of ranks; 1, without starting MPI, otherwise (the program then runs as without MPI). */
int cs_sweep_mpi_init(void);
/* This process's rank (0 when MPI is not running). */
int cs_sweep_mpi_rank(void);
/* Ends MPI if cs_sweep_mpi_init started it. */
void cs_sweep_mpi_finalize(void);

/* Runs the sweep over the ranks; every rank calls it, with its own load of the sweep file (NULL if
 * that failed).  Returns on rank 0 what cs_sweep_run would: 0 complete, 1 stopped (max_points,
 * *o->stop on any rank), -1 with errors (in the diags of the rank that found them); on a worker
 * 0, or -1 if it failed itself.  A worker drops its diags when rank 0 failed to load the same
 * sweep, so messages are not repeated once per rank. */
int cs_sweep_run_mpi(const cs_sweep *sw, const cs_sweep_options *o, cs_diags *d);

#endif
