/* sweep_charts: tornado charts of sensitivity indices; see sweep_charts.h. */
#include "sweep_charts.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "outfile.h"

/* Runs `prog script` in dir, its output thrown away; returns its exit status (127: not run). */
static int run_in(const char *prog, const char *dir, const char *script)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return 127;
    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        if (nul < 0 || chdir(dir) != 0) _exit(126);
        dup2(nul, 0), dup2(nul, 1), dup2(nul, 2);
        execlp(prog, prog, script, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void num(FILE *f, double x)
{
    if (!isnan(x)) fprintf(f, "%.6f", x);
}

int cs_sweep_tornado(const char *dir, const char *column, const char *const *params, const cs_sobol_index *ix, size_t k,
                     const char *gnuplot, int draw, cs_diags *d)
{
    char path[4400], name[200];
    snprintf(name, sizeof name, "tornado-%s", column);
    /* largest total index first (undefined last); insertion sort keeps ties in parameter order */
    size_t order[64];
    for (size_t i = 0; i < k; i++) {
        size_t j = i;
        double t = isnan(ix[i].st) ? -INFINITY : ix[i].st;
        while (j > 0 && (isnan(ix[order[j - 1]].st) ? -INFINITY : ix[order[j - 1]].st) < t) order[j] = order[j - 1], j--;
        order[j] = i;
    }
    cs_outfile of;
    snprintf(path, sizeof path, "%s/%s.csv", dir, name);
    if (cs_outfile_open(&of, path, d) != 0) return -1;
    fputs("parameter,first_order,total,position\n", of.f);
    for (size_t r = 0; r < k; r++) { /* position: the bar's height on the chart, the largest on top */
        fprintf(of.f, "%s,", params[order[r]]);
        num(of.f, ix[order[r]].s1), fputc(',', of.f), num(of.f, ix[order[r]].st);
        fprintf(of.f, ",%zu\n", k - r);
    }
    if (cs_outfile_commit(&of, d) != 0) return -1;
    snprintf(path, sizeof path, "%s/%s.gp", dir, name);
    if (cs_outfile_open(&of, path, d) != 0) return -1;
    fprintf(of.f,
            "# compsim sweep: tornado chart of the sensitivity of '%s'.  Data: %s.csv beside this script.\n"
            "# Redraw: gnuplot %s.gp (in this folder) writes %s.svg and %s.png.\n"
            "set datafile separator comma\nset datafile columnheaders\n"
            "set title 'Sensitivity of %s: Sobol indices (total, first order inside)'\n"
            "set xlabel 'share of the variance across the sweep'\nset xrange [0:*]\nset yrange [0.4:%zu.6]\n"
            "set grid xtics lc rgb '#dddddd'\nset key bottom right box opaque\nset border 3\nset tics nomirror\n"
            "set style fill solid 0.8 noborder\n"
            "p = \"plot '%s.csv' using (column('total')/2):'position':(column('total')/2):(0.38):ytic(1) with boxxy lc rgb '#9ecae1' title 'total (Jansen)', "
            "'' using ((column('first_order') > 0 ? column('first_order') : 0)/2):'position':((column('first_order') > 0 ? column('first_order') : 0)/2):(0.2) with boxxy lc rgb '#08519c' title 'first order (Saltelli)'\"\n"
            "set terminal svg size 900,%d noenhanced font 'sans,13' background rgb 'white'\nset output '%s.svg'\n@p\n"
            "set terminal pngcairo size 900,%d noenhanced font 'sans,11' background rgb 'white'\nset output '%s.png'\nreplot\nunset output\n",
            column, name, name, name, name, column, k, name, 160 + 50 * (int)k, name, 160 + 50 * (int)k, name);
    if (cs_outfile_commit(&of, d) != 0) return -1;
    if (!draw) return 0;
    const char *prog = gnuplot ? gnuplot : getenv("COMPSIM_GNUPLOT") ? getenv("COMPSIM_GNUPLOT") : "gnuplot";
    snprintf(path, sizeof path, "%s.gp", name);
    int st = run_in(prog, dir, path);
    char svg[4400];
    snprintf(svg, sizeof svg, "%s/%s.svg", dir, name);
    struct stat s;
    if (st != 0 || stat(svg, &s) != 0 || s.st_size == 0)
        cs_diag_add(d, CS_SEV_WARNING, NULL, 0, 0, NULL, "chart '%s' was not drawn: '%s' %s", name, prog,
                    st == 127 ? "could not be run (install gnuplot-nox)" : "failed");
    return 0;
}
