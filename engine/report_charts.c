#include "report_charts.h"

#include <errno.h>
#include <fcntl.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_histogram.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "outfile.h"
#include "replay.h" /* cs_csv_put */

/* ---- writing ---------------------------------------------------------------------------------- */

static int open_in(cs_outfile *o, const char *dir, const char *name, const char *ext, cs_diags *d)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/%s%s", dir, name, ext);
    return cs_outfile_open(o, path, d);
}

static void num(FILE *f, double x)
{
    if (!isnan(x)) fprintf(f, "%.10g", x);
}

/* A gnuplot string in single quotes ('' stands for a quote). */
static void gpstr(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'') fputc('\'', f);
        fputc(*s, f);
    }
    fputc('\'', f);
}

/* The script's head: data format, title, axes labels. */
static void gp_head(FILE *f, const char *name, const char *title, const char *xl, const char *yl)
{
    fprintf(f,
            "# compsim report chart '%s'.  Its data is %s.csv beside this script.\n"
            "# Redraw: gnuplot %s.gp (in this folder) writes %s.svg and %s.png.\n"
            "set datafile separator comma\nset datafile columnheaders\n"
            "set grid lc rgb '#dddddd'\nset key top left box opaque\nset border 3\nset tics nomirror\n"
            "set title ",
            name, name, name, name, name);
    gpstr(f, title);
    fputs("\nset xlabel ", f);
    gpstr(f, xl);
    fputs("\nset ylabel ", f);
    gpstr(f, yl);
    fputc('\n', f);
}

/* The script's tail: draws the plot given as `plot` into both files. */
static void gp_tail(FILE *f, const char *name, const char *plot)
{
    fprintf(f,
            "set terminal svg size 900,500 noenhanced font 'sans,13' background rgb 'white'\nset output '%s.svg'\n%s\n"
            "set terminal pngcairo size 900,500 noenhanced font 'sans,11' background rgb 'white'\nset output '%s.png'\nreplot\n"
            "unset output\n",
            name, plot, name);
}

static void plan_array(FILE *f, const cs_rd *rd)
{
    fprintf(f, "array plan[%zu]\n", rd->nplans);
    for (size_t k = 0; k < rd->nplans; k++) {
        fprintf(f, "plan[%zu] = ", k + 1);
        gpstr(f, rd->plans[k].name ? rd->plans[k].name : "?");
        fputc('\n', f);
    }
}

static const char *const colours = "set linetype 1 lc rgb '#1f77b4' lw 2\nset linetype 2 lc rgb '#d62728' lw 2\n"
                                   "set linetype 3 lc rgb '#2ca02c' lw 2\nset linetype 4 lc rgb '#9467bd' lw 2\n"
                                   "set linetype 5 lc rgb '#ff7f0e' lw 2\nset linetype 6 lc rgb '#8c564b' lw 2\n";

/* ---- running gnuplot --------------------------------------------------------------------------- */

/* Runs `prog name.gp` in dir; returns its exit status, 127 if it could not be started.  The
 * first line of its messages goes to msg. */
static int run_gnuplot(const char *prog, const char *dir, const char *name, char *msg, size_t msize)
{
    char log[8192], script[64];
    snprintf(log, sizeof log, "%s/.%s.log", dir, name);
    snprintf(script, sizeof script, "%s.gp", name);
    msg[0] = '\0';
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(msg, msize, "cannot start gnuplot: %s", strerror(errno));
        return 127;
    }
    if (pid == 0) {
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600), nul = open("/dev/null", O_RDONLY);
        if (fd < 0 || nul < 0 || chdir(dir) != 0) _exit(126);
        dup2(nul, 0), dup2(fd, 1), dup2(fd, 2);
        execlp(prog, prog, script, (char *)NULL);
        _exit(127);
    }
    int st = 0;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    FILE *f = fopen(log, "r");
    if (f) {
        char line[256] = "";
        while (fgets(line, sizeof line, f)) /* the first line that says something */
            if (strspn(line, " \t\r\n^") < strlen(line)) break;
        line[strcspn(line, "\r\n")] = '\0';
        snprintf(msg, msize, "%s", line);
        fclose(f);
    }
    unlink(log);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* ---- the charts --------------------------------------------------------------------------------- */

typedef struct {
    const cs_rm *m;
    const char *dir;
    cs_charts *out;
    cs_diags *d;
    cs_outfile csv, gp;
} ctx;

static cs_chart *begin(ctx *c, const char *name, const char *title, const char *caption)
{
    if (c->out->n == CS_MAX_CHARTS) return NULL;
    cs_chart *ch = &c->out->chart[c->out->n];
    memset(ch, 0, sizeof *ch);
    snprintf(ch->name, sizeof ch->name, "%s", name);
    snprintf(ch->title, sizeof ch->title, "%s", title);
    snprintf(ch->caption, sizeof ch->caption, "%s", caption);
    if (open_in(&c->csv, c->dir, name, ".csv", c->d)) return NULL;
    if (open_in(&c->gp, c->dir, name, ".gp", c->d)) {
        cs_outfile_abort(&c->csv);
        return NULL;
    }
    return ch;
}

static int finish(ctx *c)
{
    int rc = cs_outfile_commit(&c->csv, c->d);
    rc |= rc ? (cs_outfile_abort(&c->gp), -1) : cs_outfile_commit(&c->gp, c->d);
    if (rc == 0) c->out->n++;
    return rc;
}

static const cs_rm_row *row(const cs_rm *m, int t, int plan, const char *key, const char *key2, const char *measure)
{
    return cs_rm_lookup(m, t, plan, key, key2, measure);
}

static int chart_membership(ctx *c)
{
    const cs_rd *rd = c->m->rd;
    if (!begin(c, "membership", "Members in the network per period",
               "Members in the network in each period: mean across replicas (line) and 90% interval (band)."))
        return -1;
    FILE *f = c->csv.f;
    fputs("period,members_mean,members_p05,members_p95\n", f);
    char key[16];
    for (int32_t t = 1; t <= rd->periods; t++) {
        snprintf(key, sizeof key, "%d", t);
        const cs_rm_row *r = row(c->m, CS_RT_PERIODS, 0, key, NULL, "members");
        fprintf(f, "%d,", t);
        num(f, r ? r->iv.mean : NAN), fputc(',', f), num(f, r ? r->iv.lo : NAN), fputc(',', f), num(f, r ? r->iv.hi : NAN);
        fputc('\n', f);
    }
    gp_head(c->gp.f, "membership", "Members in the network", "period", "members");
    fputs(colours, c->gp.f);
    fputs("set yrange [0:*]\n", c->gp.f);
    for (size_t i = 0; i < rd->nshocks; i++) /* where each shock starts */
        fprintf(c->gp.f,
                "set arrow from %d, graph 0 to %d, graph 1 nohead dt 2 lc rgb '#d62728'\n"
                "set label 'shock %zu' at %d, graph 0.95 offset 0.5, 0 tc rgb '#d62728'\n",
                rd->shocks[i].from, rd->shocks[i].from, i + 1, rd->shocks[i].from);
    gp_tail(c->gp.f, "membership",
            "plot 'membership.csv' using 1:3:4 with filledcurves fc rgb '#9ecae1' fs transparent solid 0.6 title "
            "'90% interval across replicas', \\\n     '' using 1:2 with lines lt 1 title 'mean'");
    return finish(c);
}

static int chart_lorenz(ctx *c)
{
    const cs_rd *rd = c->m->rd;
    if (rd->member_replicas == 0) return 0;
    if (!begin(c, "lorenz", "Lorenz curves of gross compensation",
               "Share of all company-paid commissions received by the poorest share of members (everyone who "
               "joined), mean across member replicas. The diagonal is perfect equality."))
        return -1;
    FILE *f = c->csv.f;
    fputs("plan,population_share,income_share_mean,income_share_p05,income_share_p95\n", f);
    for (size_t k = 0; k < rd->nplans; k++)
        for (int p = 0; p <= 100; p++) {
            char key[16];
            snprintf(key, sizeof key, "%.2f", p / 100.0);
            const cs_rm_row *r = row(c->m, CS_RT_LORENZ, (int)k + 1, key, NULL, "income_share");
            fprintf(f, "%zu,%s,", k + 1, key);
            num(f, r ? r->iv.mean : NAN), fputc(',', f), num(f, r ? r->iv.lo : NAN), fputc(',', f), num(f, r ? r->iv.hi : NAN);
            fputc('\n', f);
        }
    gp_head(c->gp.f, "lorenz", "Lorenz curves of gross compensation", "share of members, poorest first",
            "share of all commissions");
    fputs(colours, c->gp.f);
    plan_array(c->gp.f, rd);
    fputs("set size ratio -1\nset xrange [0:1]\nset yrange [0:1]\n", c->gp.f);
    char plot[512];
    snprintf(plot, sizeof plot,
             "plot x with lines dt 2 lc rgb '#888888' title 'equality', \\\n"
             "     for [k=1:%zu] 'lorenz.csv' using 2:($1==k ? $3 : NaN) with lines lt k title plan[k]",
             rd->nplans);
    gp_tail(c->gp.f, "lorenz", plot);
    return finish(c);
}

/* Members by gross compensation on logarithmic bins (gsl_histogram), pooled over member replicas
 * and divided by their number: members per replica in each bin. */
static int chart_income(ctx *c)
{
    const cs_rd *rd = c->m->rd;
    size_t R = (size_t)rd->member_replicas, np = rd->nplans;
    if (R == 0) return 0;
    int64_t maxg = 0;
    for (size_t i = 0; i < rd->nmembers; i++)
        if (rd->member[i].gross > maxg) maxg = rd->member[i].gross;
    size_t nb = 1; /* bins: [0.01, 1), then a quarter decade each */
    while (pow(10, nb / 4.0) <= (double)maxg / 100.0) nb++;
    double *edges = malloc((nb + 2) * sizeof *edges);
    gsl_histogram *h = gsl_histogram_alloc(nb + 1);
    if (!edges || !h || !begin(c, "income_distribution", "Distribution of gross compensation",
                               "Members per replica by gross compensation over their membership, on a logarithmic "
                               "axis (quarter-decade bins). Members paid nothing cannot be shown on a log axis: "
                               "their share is in the key.")) {
        if (!edges || !h) cs_error(c->d, NULL, 0, 0, "out of memory");
        free(edges);
        if (h) gsl_histogram_free(h);
        return -1;
    }
    edges[0] = 0.01;
    for (size_t b = 1; b <= nb + 1; b++) edges[b] = pow(10, (b - 1) / 4.0);
    gsl_histogram_set_ranges(h, edges, nb + 2);
    FILE *f = c->csv.f;
    fputs("plan,bin_low,bin_high,members_per_replica,share_paid_nothing\n", f);
    for (size_t k = 0; k < np; k++) {
        gsl_histogram_reset(h);
        size_t zero = 0, all = 0;
        for (size_t r = 0; r < R; r++)
            for (size_t i = rd->first[r * np + k]; i < rd->first[r * np + k + 1]; i++) {
                all++;
                if (rd->member[i].gross == 0) zero++;
                else gsl_histogram_increment(h, (double)rd->member[i].gross / 100.0);
            }
        for (size_t b = 0; b <= nb; b++) {
            double lo, hi;
            gsl_histogram_get_range(h, b, &lo, &hi);
            fprintf(f, "%zu,%.10g,%.10g,%.10g,%.10g\n", k + 1, lo, hi, gsl_histogram_get(h, b) / (double)R,
                    all ? (double)zero / (double)all : NAN);
        }
    }
    gsl_histogram_free(h);
    free(edges);
    gp_head(c->gp.f, "income_distribution", "Distribution of gross compensation over membership",
            "gross compensation (currency units, log scale)", "members per replica");
    fputs(colours, c->gp.f);
    plan_array(c->gp.f, c->m->rd);
    fputs("set logscale x\nset key top right\nset style fill transparent solid 0.35\n"
          "array zero[|plan|]\nstats 'income_distribution.csv' using 1:5 nooutput\n", c->gp.f);
    char plot[600];
    /* zero shares read back from the data for the key */
    snprintf(plot, sizeof plot,
             "do for [k=1:%zu] { stats 'income_distribution.csv' using ($1==k ? $5 : NaN) nooutput; zero[k] = STATS_max }\n"
             "plot for [k=1:%zu] 'income_distribution.csv' using (sqrt($2*$3)):($1==k ? $4 : NaN):"
             "(($1==k ? $3-$2 : NaN)) with boxes lt k title sprintf('%%s (%%.0f%%%% paid nothing)', plan[k], 100*zero[k])",
             np, np);
    gp_tail(c->gp.f, "income_distribution", plot);
    return finish(c);
}

static int chart_disclosure(ctx *c)
{
    const cs_rd *rd = c->m->rd;
    if (rd->member_replicas == 0) return 0;
    const cs_rd_plan *pl = &rd->plans[0];
    char title[200];
    snprintf(title, sizeof title, "Mean gross and net income by highest rank: %s", pl->name ? pl->name : "plan 1");
    if (!begin(c, "disclosure", title,
               "The income disclosure table as bars: mean gross compensation (what company statements show) "
               "beside mean net income after qualifying purchases, fees and expenses, over each member's "
               "membership, reference plan. Ranks with no members in any member replica are left out."))
        return -1;
    FILE *f = c->csv.f;
    fputs("rank,members_mean,gross_mean,net_mean\n", f);
    for (size_t ri = 0; ri < pl->nranks + 2; ri++) {
        const char *name = ri == 0 ? "all members" : ri == 1 ? "no rank" : pl->rank[ri - 2];
        const cs_rm_row *mm = row(c->m, CS_RT_DISCLOSURE, 1, name, NULL, "members");
        const cs_rm_row *gr = row(c->m, CS_RT_DISCLOSURE, 1, name, NULL, "gross_mean");
        const cs_rm_row *nt = row(c->m, CS_RT_DISCLOSURE, 1, name, NULL, "net_mean");
        if (!mm || !(mm->iv.mean > 0)) continue;
        cs_csv_put(f, name);
        fputc(',', f);
        num(f, mm->iv.mean), fputc(',', f), num(f, gr ? gr->iv.mean : NAN), fputc(',', f), num(f, nt ? nt->iv.mean : NAN);
        fputc('\n', f);
    }
    gp_head(c->gp.f, "disclosure", title, "highest rank reached", "mean over membership (currency units)");
    fputs("set style data histograms\nset style histogram clustered gap 1\nset style fill solid 0.85 border -1\n"
          "set xtics rotate by -30\nset key top left\nset xzeroaxis lt -1\n",
          c->gp.f);
    gp_tail(c->gp.f, "disclosure",
            "plot 'disclosure.csv' using 3:xtic(1) lc rgb '#1f77b4' title 'gross compensation', \\\n"
            "     '' using 4 lc rgb '#d62728' title 'net income'");
    return finish(c);
}

static void ivcols(FILE *f, const cs_rm_row *r)
{
    num(f, r ? r->iv.mean : NAN), fputc(',', f), num(f, r ? r->iv.lo : NAN), fputc(',', f), num(f, r ? r->iv.hi : NAN);
}

static int chart_cohorts(ctx *c)
{
    const cs_rd *rd = c->m->rd;
    if (rd->member_replicas == 0) return 0;
    if (!begin(c, "cohort_net", "Net income by join period",
               "Mean net income over membership of the members who joined in each period (band: 90% interval "
               "across member replicas, reference plan). Late joiners have had less time, so the mean net "
               "income per period of membership is in cohorts.csv too."))
        return -1;
    FILE *f = c->csv.f;
    fputs("plan,join_period,net_mean,net_p05,net_p95,members_mean\n", f);
    char key[16];
    for (size_t k = 0; k < rd->nplans; k++)
        for (int32_t t = 1; t <= rd->periods; t++) {
            snprintf(key, sizeof key, "%d", t);
            fprintf(f, "%zu,%d,", k + 1, t);
            ivcols(f, row(c->m, CS_RT_COHORTS, (int)k + 1, key, NULL, "net_mean"));
            fputc(',', f);
            const cs_rm_row *mm = row(c->m, CS_RT_COHORTS, (int)k + 1, key, NULL, "members");
            num(f, mm ? mm->iv.mean : NAN);
            fputc('\n', f);
        }
    gp_head(c->gp.f, "cohort_net", "Net income over membership by join period", "period of joining",
            "net income (currency units)");
    fputs(colours, c->gp.f);
    plan_array(c->gp.f, rd);
    fputs("set xzeroaxis lt -1\nset key bottom right\n", c->gp.f);
    char plot[600];
    snprintf(plot, sizeof plot,
             "plot 'cohort_net.csv' using 2:($1==1 ? $4 : NaN):($1==1 ? $5 : NaN) with filledcurves fc rgb '#9ecae1' "
             "fs transparent solid 0.6 title sprintf('%%s: 90%%%% interval', plan[1]), \\\n"
             "     for [k=1:%zu] 'cohort_net.csv' using 2:($1==k ? $3 : NaN) with linespoints pt 7 ps 0.5 lt k title plan[k]",
             rd->nplans);
    gp_tail(c->gp.f, "cohort_net", plot);
    return finish(c);
}

static int chart_payout_ratio(ctx *c)
{
    const cs_rd *rd = c->m->rd;
    if (!begin(c, "payout_ratio", "Payout ratio per period, by bonus type",
               "Company-paid commissions as a share of the period's BV, reference plan: total with its 90% "
               "interval across replicas, and the mean of each bonus type the plan pays."))
        return -1;
    FILE *f = c->csv.f;
    fputs("period,total_mean,total_p05,total_p95", f);
    size_t used[64], nu = 0;
    char id[96], key[16];
    for (size_t b = 0; b < rd->nbonus && nu < 64; b++) {
        if (!strcmp(rd->bonus_name[b], "retail_profit")) continue; /* paid by customers */
        snprintf(id, sizeof id, "payout_ratio_%s", rd->bonus_name[b]);
        if (!row(c->m, CS_RT_PERIODS, 1, "1", NULL, id)) continue;
        used[nu++] = b;
        fprintf(f, ",%s", rd->bonus_name[b]);
    }
    fputc('\n', f);
    for (int32_t t = 1; t <= rd->periods; t++) {
        snprintf(key, sizeof key, "%d", t);
        fprintf(f, "%d,", t);
        ivcols(f, row(c->m, CS_RT_PERIODS, 1, key, NULL, "payout_ratio"));
        for (size_t j = 0; j < nu; j++) {
            snprintf(id, sizeof id, "payout_ratio_%s", rd->bonus_name[used[j]]);
            const cs_rm_row *r = row(c->m, CS_RT_PERIODS, 1, key, NULL, id);
            fputc(',', f);
            num(f, r ? r->iv.mean : NAN);
        }
        fputc('\n', f);
    }
    char title[200];
    snprintf(title, sizeof title, "Payout ratio per period: %s", rd->plans[0].name ? rd->plans[0].name : "plan 1");
    gp_head(c->gp.f, "payout_ratio", title, "period", "commissions / BV");
    fputs(colours, c->gp.f);
    fputs("set yrange [0:*]\nset key top right\n", c->gp.f);
    char plot[600];
    snprintf(plot, sizeof plot,
             "plot 'payout_ratio.csv' using 1:3:4 with filledcurves fc rgb '#cccccc' fs transparent solid 0.6 title "
             "'total: 90%% interval', \\\n     '' using 1:2 with lines lc rgb '#000000' lw 2 title 'total (mean)'%s",
             nu ? ", \\\n     for [c=5:" : "");
    if (nu) {
        size_t l = strlen(plot);
        snprintf(plot + l, sizeof plot - l, "%zu] '' using 1:c with lines lt (c-4) title columnheader(c)", 4 + nu);
    }
    gp_tail(c->gp.f, "payout_ratio", plot);
    return finish(c);
}

static int chart_survival(ctx *c)
{
    const cs_rd *rd = c->m->rd;
    const cs_rm_table *t = &c->m->table[CS_RT_SURVIVAL];
    if (t->n == 0) return 0;
    if (!begin(c, "survival", "Survival by year of joining",
               "Share of the members who joined in each year still in the network a given number of periods "
               "after joining (mean and 90% interval across member replicas)."))
        return -1;
    FILE *f = c->csv.f;
    fputs("join_year,tenure,still_in_mean,still_in_p05,still_in_p95\n", f);
    int years = 0;
    for (size_t i = 0; i < t->n; i++) {
        fprintf(f, "%s,%s,", t->row[i].key, t->row[i].key2);
        ivcols(f, &t->row[i]);
        fputc('\n', f);
        int y = atoi(t->row[i].key);
        if (y > years) years = y;
    }
    gp_head(c->gp.f, "survival", "Survival by year of joining", "periods since joining", "share still in the network");
    fputs(colours, c->gp.f);
    fputs("set yrange [0:1.02]\nset key top right\n", c->gp.f);
    char plot[400];
    snprintf(plot, sizeof plot,
             "plot for [y=1:%d] 'survival.csv' using 2:($1==y ? $3 : NaN) with lines lt y title sprintf('joined in year %%d', y)",
             years);
    gp_tail(c->gp.f, "survival", plot);
    (void)rd;
    return finish(c);
}

/* Overlays of every plan: a per-period measure of the periods table. */
static int chart_compare(ctx *c, const char *name, const char *measure, const char *title, const char *ylabel,
                         const char *caption)
{
    const cs_rd *rd = c->m->rd;
    if (rd->nplans < 2) return 0;
    if (!begin(c, name, title, caption)) return -1;
    FILE *f = c->csv.f;
    fprintf(f, "plan,period,%s_mean,%s_p05,%s_p95\n", measure, measure, measure);
    char key[16];
    for (size_t k = 0; k < rd->nplans; k++)
        for (int32_t t = 1; t <= rd->periods; t++) {
            snprintf(key, sizeof key, "%d", t);
            fprintf(f, "%zu,%d,", k + 1, t);
            ivcols(f, row(c->m, CS_RT_PERIODS, (int)k + 1, key, NULL, measure));
            fputc('\n', f);
        }
    gp_head(c->gp.f, name, title, "period", ylabel);
    fputs(colours, c->gp.f);
    plan_array(c->gp.f, rd);
    fputs("set yrange [0:*]\nset key top right\n", c->gp.f);
    char plot[600];
    snprintf(plot, sizeof plot,
             "plot for [k=1:%zu] '%s.csv' using 2:($1==k ? $4 : NaN):($1==k ? $5 : NaN) with filledcurves lt k "
             "fs transparent solid 0.2 notitle, \\\n"
             "     for [k=1:%zu] '%s.csv' using 2:($1==k ? $3 : NaN) with lines lt k title plan[k]",
             rd->nplans, name, rd->nplans, name);
    gp_tail(c->gp.f, name, plot);
    return finish(c);
}

/* Paired differences of the share metrics, each plan against the reference, with 90% intervals. */
static int chart_differences(ctx *c)
{
    const cs_rm *m = c->m;
    const cs_rd *rd = m->rd;
    if (rd->nplans < 2 || rd->member_replicas == 0) return 0;
    static const char *const ids[] = {"share_net_positive", "share_net_positive_builders", "share_gross_zero",
                                      "share_above_wage", "top10", "gini"};
    char title[200];
    snprintf(title, sizeof title, "Each plan minus %s, replica by replica", rd->plans[0].name ? rd->plans[0].name : "plan 1");
    if (!begin(c, "comparison_differences", title,
               "Paired differences (plan minus reference plan, computed in each replica on the same market) in "
               "percentage points, mean and 90% interval across member replicas."))
        return -1;
    FILE *f = c->csv.f;
    fputs("plan,metric,index,difference_mean,difference_p05,difference_p95\n", f);
    for (size_t k = 1; k < rd->nplans; k++)
        for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) {
            const cs_rm_row *r = row(m, CS_RT_COMPARISON, (int)k + 1, ids[i], NULL, "difference");
            fprintf(f, "%zu,%s,%zu,", k + 1, ids[i], i);
            num(f, r ? 100 * r->iv.mean : NAN), fputc(',', f), num(f, r ? 100 * r->iv.lo : NAN), fputc(',', f);
            num(f, r ? 100 * r->iv.hi : NAN);
            fputc('\n', f);
        }
    gp_head(c->gp.f, "comparison_differences", title, "", "difference (percentage points; Gini x 100)");
    fputs(colours, c->gp.f);
    plan_array(c->gp.f, rd);
    fputs("set xzeroaxis lt -1\nset key top right\nset offsets 0.5,0.5,0.5,0.5\nset bmargin 7\n"
          "set xtics rotate by -25 scale 0 (", c->gp.f);
    for (size_t i = 0; i < sizeof ids / sizeof *ids; i++) fprintf(c->gp.f, "%s'%s' %zu", i ? ", " : "", ids[i], i);
    fputs(")\n", c->gp.f);
    char plot[600];
    snprintf(plot, sizeof plot,
             "plot for [k=2:%zu] 'comparison_differences.csv' using ($3 + (k-1.5-(%zu-2)/2.0)*0.2):($1==k ? $4 : NaN):5:6 "
             "with yerrorbars lt k pt 7 ps 1.2 title plan[k]",
             rd->nplans, rd->nplans);
    gp_tail(c->gp.f, "comparison_differences", plot);
    return finish(c);
}

int cs_report_charts(const cs_rm *m, const char *dir, const char *gnuplot, int draw, cs_charts *out, cs_diags *d)
{
    memset(out, 0, sizeof *out);
    ctx c = {.m = m, .dir = dir, .out = out, .d = d};
    gsl_set_error_handler_off();
    if (chart_membership(&c) || chart_income(&c) || chart_lorenz(&c) || chart_disclosure(&c) || chart_cohorts(&c) ||
        chart_payout_ratio(&c) || chart_survival(&c) ||
        chart_compare(&c, "comparison_payout_ratio", "payout_ratio", "Payout ratio per period, every plan",
                      "commissions / BV",
                      "Company-paid commissions as a share of BV in each period under each plan, on the same "
                      "markets (mean and 90% band across replicas).") ||
        chart_compare(&c, "comparison_paid_share", "paid_share", "Share of members paid anything, every plan",
                      "share of members paid",
                      "Share of the members in the network paid anything by the company in each period, under "
                      "each plan (mean and 90% band across replicas).") ||
        chart_differences(&c))
        return -1;
    if (!draw) {
        snprintf(out->note, sizeof out->note, "charts were not drawn (--no-charts): their data and gnuplot scripts are written");
        return 0;
    }
    for (size_t i = 0; i < out->n; i++) {
        char msg[256];
        int st = run_gnuplot(gnuplot, dir, out->chart[i].name, msg, sizeof msg);
        if (st == 127 && i == 0) {
            out->gnuplot_missing = 1;
            snprintf(out->note, sizeof out->note,
                     "charts skipped: '%s' could not be run (install gnuplot-nox); their data and scripts are written",
                     gnuplot);
            cs_diag_add(d, CS_SEV_WARNING, NULL, 0, 0, NULL, "%s", out->note);
            return 0;
        }
        char svg[8192], png[8192];
        struct stat s1, s2;
        snprintf(svg, sizeof svg, "%s/%s.svg", dir, out->chart[i].name);
        snprintf(png, sizeof png, "%s/%s.png", dir, out->chart[i].name);
        out->chart[i].drawn = st == 0 && stat(svg, &s1) == 0 && s1.st_size > 0 && stat(png, &s2) == 0 && s2.st_size > 0;
        if (!out->chart[i].drawn) {
            cs_diag_add(d, CS_SEV_WARNING, NULL, 0, 0, NULL, "chart '%s' was not drawn: gnuplot: %s", out->chart[i].name,
                        msg[0] ? msg : "no output");
            snprintf(out->note, sizeof out->note, "some charts could not be drawn: see the warnings");
        }
    }
    return 0;
}
