#include "replay.h"

#include <stdlib.h>
#include <string.h>

#include "money.h"
#include "payout.h"
#include "replay_place.h"
#include "tree.h"

void cs_csv_put(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"') fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void put_cents(FILE *f, int64_t c)
{
    char buf[24];
    cs_format_cents(buf, c);
    fputs(buf, f);
}

static void write_lines(FILE *f, const cs_plan *p, const cs_genealogy *g, const cs_payout *po, const uint32_t *by_file,
                        size_t period)
{
    for (size_t k = 0; k < g->n; k++) {
        size_t i = by_file[k];
        for (size_t b = 0; b < p->nbonuses; b++) {
            int64_t a = po->amount[b * g->n + i];
            if (!a) continue;
            cs_csv_put(f, g->period_label[period]);
            fputc(',', f);
            cs_csv_put(f, cs_genealogy_id(g, i));
            fprintf(f, ",%s,%s,", p->bonuses[b].name, cs_bonus_type_name(p->bonuses[b].type));
            put_cents(f, a);
            fputc('\n', f);
        }
    }
}

static int64_t company_paid_of(const cs_plan *p, const cs_payout *po, size_t i)
{
    int64_t s = 0;
    for (size_t b = 0; b < p->nbonuses; b++)
        if (cs_bonus_company_paid(p->bonuses[b].type)) s += po->amount[b * po->n + i];
    return s; /* cannot overflow: the company total of the period fits */
}

static void write_members(FILE *f, const cs_plan *p, const cs_genealogy *g, const cs_payout *po,
                          const uint32_t *by_file, size_t period)
{
    const size_t n = g->n;
    for (size_t k = 0; k < n; k++) {
        size_t i = by_file[k];
        if ((size_t)g->join[i] > period) continue;
        cs_csv_put(f, g->period_label[period]);
        fputc(',', f);
        cs_csv_put(f, cs_genealogy_id(g, i));
        fprintf(f, ",%d,", po->active[i]);
        if (po->rank[i] != CS_RANK_NONE) cs_csv_put(f, p->ranks[po->rank[i]].name);
        fputc(',', f);
        if (po->title[i] != CS_RANK_NONE) cs_csv_put(f, p->ranks[po->title[i]].name);
        fputc(',', f);
        put_cents(f, g->pv[period * n + i]);
        fputc(',', f);
        put_cents(f, po->gv[i]);
        fputc(',', f);
        put_cents(f, g->bv[period * n + i]);
        fputc(',', f);
        put_cents(f, company_paid_of(p, po, i));
        fputc('\n', f);
    }
}

static void summarise(cs_period_summary *s, const cs_plan *p, const cs_genealogy *g, const cs_payout *po,
                      size_t period)
{
    for (size_t i = 0; i < g->n; i++) {
        if ((size_t)g->join[i] > period) continue;
        s->members++;
        s->active += po->active[i];
        s->paid += company_paid_of(p, po, i) > 0;
    }
    s->company_bv = po->company_bv;
    s->company_paid = po->company_paid;
    memcpy(s->bonus_total, po->bonus_total, p->nbonuses * sizeof *s->bonus_total);
}

int cs_replay(const cs_plan *p, const cs_genealogy *g, FILE *payouts, FILE *members, cs_replay_summary *sum,
              cs_diags *d)
{
    const size_t n = g->n;
    memset(sum, 0, sizeof *sum);
    cs_tree t;
    cs_payout *po = NULL;
    uint32_t *by_file = malloc((n ? n : 1) * sizeof *by_file);
    uint8_t *is_new = malloc(n ? n : 1);
    cs_replay_place rp;
    const int placed = p->placement.kind != CS_PTREE_NONE;
    int rc = -1;
    memset(&rp, 0, sizeof rp);
    if (cs_tree_init(&t, n, g->parent)) {
        cs_error(d, NULL, 0, 0, "out of memory");
        free(by_file);
        free(is_new);
        return -1;
    }
    po = cs_payout_new(p, n);
    sum->nperiods = g->nperiods;
    sum->nbonuses = p->nbonuses;
    sum->period = calloc(g->nperiods, sizeof *sum->period);
    if (!po || !by_file || !is_new || !sum->period) goto oom;
    if (placed && cs_replay_place_init(&rp, p, g, d)) goto done;
    for (size_t k = 0; k < g->nperiods; k++)
        if (!(sum->period[k].bonus_total = calloc(p->nbonuses ? p->nbonuses : 1, sizeof(int64_t)))) goto oom;
    for (size_t i = 0; i < n; i++) by_file[g->file_order[i]] = (uint32_t)i;
    if (payouts) fputs("period,id,bonus,type,amount\n", payouts);
    if (members) fputs("period,id,active,rank,title,pv,gv,bv,paid\n", members);
    for (size_t per = 0; per < g->nperiods; per++) {
        for (size_t i = 0; i < n; i++) is_new[i] = (uint8_t)cs_genealogy_is_new(g, i, per);
        cs_period_input in = {
            .pv = g->pv + per * n,
            .bv = g->bv + per * n,
            .retail = g->has_retail ? g->retail + per * n : NULL,
            .is_new = is_new,
            .order = g->file_order,
        };
        if (placed) { /* this period's joiners, placed before it is paid */
            if (cs_replay_place_period(&rp, g, per, po->leg_measure, d)) goto done;
            in.pl = rp.pl;
            in.pix = &rp.ix;
        }
        if (cs_payout_period(po, p, &t, &in, d)) goto done;
        if (payouts) write_lines(payouts, p, g, po, by_file, per);
        if (members) write_members(members, p, g, po, by_file, per);
        summarise(&sum->period[per], p, g, po, per);
    }
    rc = 0;
    goto done;
oom:
    cs_error(d, NULL, 0, 0, "out of memory");
done:
    cs_replay_place_free(&rp);
    cs_payout_free(po);
    cs_tree_free(&t);
    free(by_file);
    free(is_new);
    return rc;
}

void cs_replay_summary_free(cs_replay_summary *s)
{
    for (size_t k = 0; s->period && k < s->nperiods; k++) free(s->period[k].bonus_total);
    free(s->period);
    memset(s, 0, sizeof *s);
}

static void print_money(FILE *out, const char *label, int64_t c)
{
    char buf[24];
    cs_format_cents(buf, c);
    fprintf(out, "  %-46s %16s\n", label, buf);
}

static void print_period(FILE *out, const char *title, const cs_period_summary *s, const cs_plan *p)
{
    char buf[24];
    cs_format_cents(buf, s->company_bv);
    fprintf(out, "%s: %zu members, %zu active, company BV %s\n", title, s->members, s->active, buf);
    for (size_t b = 0; b < p->nbonuses; b++) {
        char label[96];
        snprintf(label, sizeof label, "%s (%s%s)", p->bonuses[b].name, cs_bonus_type_name(p->bonuses[b].type),
                 cs_bonus_company_paid(p->bonuses[b].type) ? "" : ", paid by customers");
        print_money(out, label, s->bonus_total[b]);
    }
    print_money(out, "company-paid total", s->company_paid);
    if (s->company_bv > 0)
        fprintf(out, "  %-46s %15.2f%%\n", "payout ratio (paid / BV)", 100.0 * (double)s->company_paid / (double)s->company_bv);
    else
        fprintf(out, "  %-46s %16s\n", "payout ratio (paid / BV)", "n/a");
    fprintf(out, "  %-46s %9zu of %zu (%.1f%%)\n", "members paid by the company", s->paid, s->members,
            s->members ? 100.0 * (double)s->paid / (double)s->members : 0.0);
}

void cs_replay_summary_print(const cs_replay_summary *s, const cs_plan *p, const cs_genealogy *g, FILE *out)
{
    fprintf(out, "plan %s: %zu members over %zu period(s)\n", p->name, g->n, g->nperiods);
    for (size_t k = 0; k < s->nperiods; k++) {
        char title[96];
        snprintf(title, sizeof title, "period %s", g->period_label[k]);
        print_period(out, title, &s->period[k], p);
    }
}
