#include "synth.h"

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

#include "bigmem.h"
#include "money.h"
#include "replay.h"

static int alloc_store(cs_genealogy *g, size_t n, size_t np)
{
    size_t m = n ? n : 1;
    g->n = n;
    g->nperiods = np;
    g->period_label = calloc(np, sizeof *g->period_label);
    g->parent = cs_big_malloc(m, sizeof *g->parent);
    g->id_buf = malloc(m * 12);
    g->id_off = malloc(m * sizeof *g->id_off);
    g->file_order = malloc(m * sizeof *g->file_order);
    g->line = calloc(m, sizeof *g->line);
    g->join = malloc(m * sizeof *g->join);
    g->joined_in_file = malloc(m);
    g->pv = cs_big_calloc(m * np, sizeof *g->pv);
    g->bv = cs_big_calloc(m * np, sizeof *g->bv);
    g->retail = cs_big_calloc(m * np, sizeof *g->retail);
    g->total_bv = calloc(np, sizeof *g->total_bv);
    if (!g->period_label || !g->parent || !g->id_buf || !g->id_off || !g->file_order || !g->line || !g->join ||
        !g->joined_in_file || !g->pv || !g->bv || !g->retail || !g->total_bv)
        return -1;
    for (size_t p = 0; p < np; p++) {
        g->period_label[p] = malloc(24);
        if (!g->period_label[p]) return -1;
        snprintf(g->period_label[p], 24, "%zu", p + 1);
    }
    return 0;
}

cs_genealogy *cs_synth_genealogy(size_t n, size_t np, cs_synth_shape shape, uint64_t seed)
{
    if (np == 0 || n >= 100000000) return NULL; /* ids are M + 8 digits */
    cs_genealogy *g = calloc(1, sizeof *g);
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!g || !r || alloc_store(g, n, np)) {
        gsl_rng_free(r);
        cs_genealogy_free(g);
        return NULL;
    }
    gsl_rng_set(r, (unsigned long)seed);
    g->has_bv = g->has_retail = g->has_period = 1;
    for (size_t i = 0; i < n; i++) {
        double u = gsl_rng_uniform(r);
        g->parent[i] = i == 0 ? -1 : shape == CS_SYNTH_CHAIN ? (int32_t)(i - 1) : (int32_t)((double)i * u * u);
        g->id_off[i] = i * 12;
        snprintf(g->id_buf + i * 12, 12, "M%08zu", i);
        g->file_order[i] = (uint32_t)i;
        g->join[i] = (int32_t)(i * np / (n ? n : 1));
        g->joined_in_file[i] = 1;
    }
    for (size_t p = 0; p < np; p++)
        for (size_t i = 0; i < n; i++) {
            if ((size_t)g->join[i] > p) continue;
            double x = gsl_rng_uniform(r);
            int64_t pv = x < 0.35 ? 0 : x < 0.80 ? 10000 : 10000 + (int64_t)(gsl_ran_lognormal(r, 3.5, 1.0) * 100);
            if (pv > 100000000) pv = 100000000; /* 1,000,000 PV: keeps totals far from overflow */
            g->pv[p * n + i] = pv;
            g->bv[p * n + i] = pv * 9 / 10 / 100 * 100; /* BV a whole 90% of PV */
            g->retail[p * n + i] = gsl_rng_uniform(r) < 0.2 ? (int64_t)(gsl_ran_lognormal(r, 4.0, 0.8) * 100) : 0;
            g->total_bv[p] += g->bv[p * n + i];
        }
    gsl_rng_free(r);
    return g;
}

int cs_genealogy_write_csv(const cs_genealogy *g, FILE *f)
{
    const size_t n = g->n;
    char a[24], b[24], c[24];
    fputs("id,sponsor,period,pv,bv,retail\n", f);
    for (size_t p = 0; p < g->nperiods; p++)
        for (size_t i = 0; i < n; i++) {
            if ((size_t)g->join[i] > p) continue;
            cs_csv_put(f, cs_genealogy_id(g, i));
            fputc(',', f);
            if (g->parent[i] >= 0) cs_csv_put(f, cs_genealogy_id(g, (size_t)g->parent[i]));
            fputc(',', f);
            cs_csv_put(f, g->period_label[p]);
            cs_format_cents(a, g->pv[p * n + i]);
            cs_format_cents(b, g->bv[p * n + i]);
            cs_format_cents(c, g->retail[p * n + i]);
            fprintf(f, ",%s,%s,%s\n", a, b, c);
        }
    return ferror(f) ? -1 : 0;
}
