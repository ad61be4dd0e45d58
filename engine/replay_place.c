#include "replay_place.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { WAITING = 0, QUEUED = 1, FAILED = 2 };

static cs_place_rule rule_of(const cs_plan *p) { return p->placement.rule; }

int cs_replay_place_init(cs_replay_place *rp, const cs_plan *p, const cs_genealogy *g, cs_diags *d)
{
    const size_t n = g->n, np = g->nperiods;
    memset(rp, 0, sizeof *rp);
    rp->pl = cs_placement_new(n, p->placement.width, rule_of(p));
    rp->seq = malloc((n ? n : 1) * sizeof *rp->seq);
    rp->seq_off = calloc(np + 2, sizeof *rp->seq_off);
    rp->order = malloc((n ? n : 1) * sizeof *rp->order);
    rp->wait_head = malloc((n ? n : 1) * sizeof *rp->wait_head);
    rp->wait_next = malloc((n ? n : 1) * sizeof *rp->wait_next);
    rp->state = malloc(n ? n : 1);
    int32_t *by_file = malloc((n ? n : 1) * sizeof *by_file);
    if (g->pparent) rp->expl = malloc((n ? n : 1) * sizeof *rp->expl);
    if (!rp->pl || !rp->seq || !rp->seq_off || !rp->order || !rp->wait_head || !rp->wait_next || !rp->state ||
        !by_file || (g->pparent && !rp->expl)) {
        free(by_file);
        cs_replay_place_free(rp);
        cs_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    /* members by (join period, file order): a counting sort on the join period of the file order;
     * members who never join (join == nperiods) go last and are never placed */
    for (size_t i = 0; i < n; i++) {
        by_file[g->file_order[i]] = (int32_t)i;
        rp->seq_off[(size_t)g->join[i] + 1]++;
    }
    for (size_t k = 0; k <= np; k++) rp->seq_off[k + 1] += rp->seq_off[k];
    size_t *at = calloc(np + 1, sizeof *at);
    if (!at) {
        free(by_file);
        cs_replay_place_free(rp);
        cs_error(d, NULL, 0, 0, "out of memory");
        return -1;
    }
    memcpy(at, rp->seq_off, (np + 1) * sizeof *at);
    for (size_t k = 0; k < n; k++) {
        int32_t i = by_file[k];
        rp->seq[at[g->join[i]]++] = i;
    }
    free(at);
    free(by_file);
    for (size_t i = 0; i < n; i++) {
        rp->wait_head[i] = -1;
        rp->state[i] = WAITING;
        if (rp->expl) rp->expl[i] = (cs_place_explicit){.parent = g->pparent[i] >= 0 ? g->pparent[i] : CS_PLACE_AUTO,
                                                        .slot = g->pslot[i] >= 0 ? g->pslot[i] : CS_PLACE_AUTO};
    }
    return 0;
}

static const char *id_of(const cs_genealogy *g, int32_t i) { return cs_genealogy_id(g, (size_t)i); }

/* The member m must be placed after: its explicit placement parent, or else its sponsor. */
static int32_t depends_on(const cs_replay_place *rp, const cs_genealogy *g, int32_t m)
{
    if (rp->expl && rp->expl[m].parent != CS_PLACE_AUTO) return rp->expl[m].parent;
    return g->parent[m];
}

/* Queues m and, transitively, everyone waiting for it: each right after the member it waited
 * for, depth first, in the order they came (the waiting lists hold the last comer first, so
 * pushing them onto the stack as listed brings the first comer out first). */
static void queue(cs_replay_place *rp, int32_t m, size_t *norder)
{
    int32_t top = m;
    rp->wait_next[m] = -1;
    while (top >= 0) {
        int32_t x = top;
        top = rp->wait_next[x];
        rp->state[x] = QUEUED;
        rp->order[(*norder)++] = x;
        for (int32_t w = rp->wait_head[x], nx; w >= 0; w = nx) {
            nx = rp->wait_next[w];
            rp->wait_next[w] = top;
            top = w;
        }
        rp->wait_head[x] = -1;
    }
}

/* Marks m and everyone waiting for it as failed (they are not reported: their cause is). */
static void fail(cs_replay_place *rp, int32_t m)
{
    int32_t top = m;
    rp->wait_next[m] = -1;
    while (top >= 0) {
        int32_t x = top;
        top = rp->wait_next[x];
        rp->state[x] = FAILED;
        for (int32_t w = rp->wait_head[x], nx; w >= 0; w = nx) {
            nx = rp->wait_next[w];
            rp->wait_next[w] = top;
            top = w;
        }
        rp->wait_head[x] = -1;
    }
}

/* The message for a member the placement engine could not place, in the file's terms. */
static void report(const cs_replay_place *rp, const cs_genealogy *g, int32_t m, cs_place_code code, cs_diags *d)
{
    const cs_placement *pl = rp->pl;
    const int w = pl->width;
    const cs_place_explicit e = rp->expl ? rp->expl[m] : (cs_place_explicit){CS_PLACE_AUTO, CS_PLACE_AUTO};
    const char *file = g->name;
    const uint32_t line = g->line[m];
    if (code == CS_PLACE_E_SLOT_RANGE && w == 2) {
        cs_error(d, file, line, 0, "member '%s' has leg %d, but a binary tree has only L and R (or 1 and 2)",
                 id_of(g, m), e.slot + 1);
    } else if (code == CS_PLACE_E_SLOT_RANGE) {
        cs_error(d, file, line, 0, "member '%s' has leg %d, but the matrix is %d wide (positions 1 to %d)",
                 id_of(g, m), e.slot + 1, w, w);
    } else if (code == CS_PLACE_E_SLOT_TAKEN) {
        int32_t by = pl->pchild[(size_t)e.parent * (size_t)w + (size_t)e.slot];
        char leg[16];
        if (w == 2) snprintf(leg, sizeof leg, "%s", e.slot ? "R" : "L");
        else snprintf(leg, sizeof leg, "%d", e.slot + 1);
        cs_error(d, file, line, 0, "cannot place member '%s' in leg %s of '%s': '%s' is there already",
                 id_of(g, m), leg, id_of(g, e.parent), by >= 0 ? id_of(g, by) : "?");
    } else if (code == CS_PLACE_E_PARENT_FULL) {
        cs_error(d, file, line, 0, "cannot place member '%s' under '%s': its %d legs are taken", id_of(g, m),
                 id_of(g, e.parent), w);
    } else {
        cs_error(d, file, line, 0, "cannot place member '%s': %s", id_of(g, m), cs_place_code_text(code));
    }
}

int cs_replay_place_period(cs_replay_place *rp, const cs_genealogy *g, size_t per, const int64_t *leg, cs_diags *d)
{
    const size_t lo = rp->seq_off[per], hi = rp->seq_off[per + 1];
    const char *file = g->name;
    size_t norder = 0, errors = 0;
    for (size_t k = lo; k < hi; k++) {
        int32_t m = rp->seq[k];
        if (rp->state[m] != WAITING) continue; /* queued after a member it waited for, or failed */
        int32_t dep = depends_on(rp, g, m);
        int explicit_parent = rp->expl && rp->expl[m].parent != CS_PLACE_AUTO;
        if (dep < 0 || rp->state[dep] == QUEUED) {
            queue(rp, m, &norder);
        } else if (rp->state[dep] == FAILED) {
            fail(rp, m);
        } else if ((size_t)g->join[dep] > per) {
            cs_error(d, file, g->line[m], 0, "member '%s' joins before its %s '%s', so it cannot be placed under them",
                     id_of(g, m), explicit_parent ? "placement parent" : "sponsor", id_of(g, dep));
            errors++;
            fail(rp, m);
        } else { /* dep joins in this period, later in the file: wait for it */
            rp->wait_next[m] = rp->wait_head[dep];
            rp->wait_head[dep] = m;
        }
    }
    /* who still waits is in a cycle of placement parents, or waits for someone who is */
    for (size_t k = lo; k < hi; k++) {
        int32_t m = rp->seq[k];
        if (rp->state[m] != WAITING) continue;
        cs_error(d, file, g->line[m], 0, "member '%s' is in or below a placement cycle", id_of(g, m));
        errors++;
    }
    for (size_t k = lo; k < hi; k++)
        if (rp->state[rp->seq[k]] == WAITING) rp->state[rp->seq[k]] = FAILED;
    cs_place_input in = {
        .sponsor = g->parent,
        .order = rp->order,
        .norder = norder,
        .expl = rp->expl,
        .leg = cs_place_leg_array,
        .leg_ctx = (void *)(uintptr_t)leg,
    };
    cs_place_errors errs = {0};
    int rc = norder ? cs_placement_place(rp->pl, &in, &errs) : 0;
    if (rc < 0) {
        cs_error(d, file, 0, 0, "placement failed: the plan's rule needs leg measures");
        return -1;
    }
    for (size_t k = 0; k < errs.n; k++) {
        int32_t m = errs.items[k].member;
        rp->state[m] = FAILED;
        if (errs.items[k].code == CS_PLACE_E_UPLINE_FAILED) continue; /* its cause is reported */
        report(rp, g, m, errs.items[k].code, d);
        errors++;
    }
    if (errs.total > errs.n) errors++; /* more than could be kept: not all are listed */
    if (errors) return -1;
    if (norder || per == 0) {
        cs_placement_index_free(&rp->ix);
        if (cs_placement_index_init(&rp->ix, rp->pl)) {
            cs_error(d, NULL, 0, 0, "out of memory");
            return -1;
        }
    }
    return 0;
}

void cs_replay_place_free(cs_replay_place *rp)
{
    cs_placement_free(rp->pl);
    cs_placement_index_free(&rp->ix);
    free(rp->expl);
    free(rp->seq);
    free(rp->seq_off);
    free(rp->order);
    free(rp->wait_head);
    free(rp->wait_next);
    free(rp->state);
    memset(rp, 0, sizeof *rp);
}
