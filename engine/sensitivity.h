/* sensitivity: variance-based (Sobol') sensitivity indices from a saltelli design
 * (docs/sweeps.md, "Sensitivity").
 *
 * For k inputs and n blocks of k + 2 model outputs laid out as sweep_design.c makes them,
 * f[j (k + 2) + r] with r = 0: A_j, 1: B_j, 2 + i: AB_j^i (A_j with input i from B_j):
 *
 *     V    = variance of the 2n outputs f(A_j), f(B_j)                    (gsl_stats_variance)
 *     S_i  = (1/n) sum_j f(B_j) (f(AB_j^i) - f(A_j)) / V                   Saltelli et al. 2010, (b)
 *     ST_i = (1/2n) sum_j (f(A_j) - f(AB_j^i))^2 / V                       Jansen 1999, (f)
 *
 * S_i is the share of the output's variance that input i explains alone, ST_i the share it takes
 * part in (alone or with others).  The standard errors are sd(terms) / (sqrt(n) V): exact as n
 * grows for independent random A, B; for Sobol points, whose errors shrink faster, an upper
 * guide.  Blocks with an undefined output (NAN) are left out. */
#ifndef COMPSIM_SENSITIVITY_H
#define COMPSIM_SENSITIVITY_H

#include <stddef.h>

typedef struct {
    double s1, s1_se; /* first-order index and its standard error */
    double st, st_se; /* total index and its standard error */
} cs_sobol_index;

/* Fills out[0..k).  Returns the number of blocks used; *variance gets V.  With fewer than 2
 * blocks or V = 0 the indices are NAN.  Returns SIZE_MAX when out of memory. */
size_t cs_sensitivity_saltelli(const double *f, size_t n, size_t k, cs_sobol_index *out, double *variance);

#endif
