/* genealogy_place: the optional `placement` and `leg` columns of a genealogy file.
 *
 * Read in a second pass over the file, after the member store is built, and only when the header
 * has one of the two columns: files without them (most, and all large benchmark files) pay
 * nothing, and the fast loader does not grow a second id per row.  Each row's placement id is
 * looked up among the members' ids; a member's placement and leg must be the same in every row,
 * as its sponsor must.  What the values mean for a plan (which slots exist, where automatic
 * placement puts a member) is the replay's business, since only the plan knows the tree's width. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "genealogy_int.h"
#include "idtab.h"

/* Values of the per-member state while reading. */
#define UNSEEN (-3) /* no row read yet */

static int find_column(const cs_csv *r, const char *name)
{
    size_t len = strlen(name);
    for (size_t i = 0; i < r->nfields; i++)
        if (r->field[i].len == len && !memcmp(r->field[i].p, name, len)) return (int)i;
    return -1;
}

/* A leg value: 0 (L, left) or 1 (R, right), k-1 for a position k in 1..CS_GENEALOGY_MAX_SLOTS;
 * -1 for an empty field; -2 when invalid. */
static int parse_leg(const cs_csv_field *f)
{
    if (!f->len) return -1;
    if ((f->len == 1 && (*f->p == 'L' || *f->p == 'l')) || (f->len == 4 && !strncasecmp(f->p, "left", 4))) return 0;
    if ((f->len == 1 && (*f->p == 'R' || *f->p == 'r')) || (f->len == 5 && !strncasecmp(f->p, "right", 5))) return 1;
    if (f->len > 2 || *f->p == '0') return -2;
    int v = 0;
    for (size_t k = 0; k < f->len; k++) {
        if (f->p[k] < '0' || f->p[k] > '9') return -2;
        v = v * 10 + (f->p[k] - '0');
    }
    return v >= 1 && v <= CS_GENEALOGY_MAX_SLOTS ? v - 1 : -2;
}

/* gl_show of a member's id. */
static const char *show_id(const cs_genealogy *g, int32_t i, char out[SHOW_CAP])
{
    const char *id = cs_genealogy_id(g, (size_t)i);
    return gl_show(out, id, strlen(id));
}

/* Looks an id up; -1 when it is not a member. */
static int32_t lookup(cs_idtab *ids, const char *s, size_t len)
{
    if (!len || len > INT32_MAX) return -1;
    int added;
    cs_idslot *sl = cs_idtab_get(ids, s, (uint32_t)len, cs_hash_bytes(s, len), &added);
    if (added) { /* not a member: take the probe back out so the table stays the members' */
        sl->len = 0;
        ids->n--;
        return -1;
    }
    return (int32_t)sl->a;
}

int gl_read_placement(cs_genealogy *g, const char *buf, size_t len, gl_errlist *err)
{
    const size_t n = g->n;
    cs_idtab ids = {0};
    cs_csv r;
    cs_csv_init(&r, buf, len);
    uint32_t *first = malloc((n ? n : 1) * sizeof *first); /* line of the row that set the values */
    g->pparent = malloc((n ? n : 1) * sizeof *g->pparent);
    g->pslot = malloc(n ? n : 1);
    int rc = -1;
    if (!first || !g->pparent || !g->pslot || cs_idtab_init(&ids, n) || cs_idtab_reserve(&ids, n + 1)) goto done;
    for (size_t i = 0; i < n; i++) {
        int added;
        const char *id = cs_genealogy_id(g, i);
        size_t l = strlen(id);
        cs_idtab_get(&ids, id, (uint32_t)l, cs_hash_bytes(id, l), &added)->a = (uint32_t)i;
        g->pparent[i] = UNSEEN;
        g->pslot[i] = -1;
    }
    if (cs_csv_next(&r) != CS_CSV_RECORD) goto done; /* the loader read this header already */
    int cid = find_column(&r, "id"), cpl = find_column(&r, "placement"), cleg = find_column(&r, "leg");
    g->has_placement = cpl >= 0;
    g->has_leg = cleg >= 0;
    cs_csv_status st;
    while ((st = cs_csv_next(&r)) != CS_CSV_EOF) {
        if (st != CS_CSV_RECORD) goto done; /* cannot happen: the loader accepted every record */
        char a[SHOW_CAP], b[SHOW_CAP], c[SHOW_CAP];
        const cs_csv_field *fid = &r.field[cid];
        int32_t i = lookup(&ids, fid->p, fid->len);
        if (i < 0) continue; /* an empty id: reported by the loader */
        int32_t par = -1;
        const cs_csv_field *fpl = cpl >= 0 ? &r.field[cpl] : NULL;
        if (fpl && fpl->len && (par = lookup(&ids, fpl->p, fpl->len)) < 0) {
            gl_err_add(err, r.line, ST_ROWS, "unknown placement parent '%s' of member '%s'", gl_show(a, fpl->p, fpl->len),
                       gl_show(b, fid->p, fid->len));
            continue;
        }
        if (par == i) {
            gl_err_add(err, r.line, ST_ROWS, "member '%s' is its own placement parent", gl_show(a, fid->p, fid->len));
            continue;
        }
        int leg = cleg >= 0 ? parse_leg(&r.field[cleg]) : -1;
        if (leg == -2) {
            gl_err_add(err, r.line, ST_ROWS, "invalid leg '%s': L, R or a position from 1 to %d",
                       gl_show(a, r.field[cleg].p, r.field[cleg].len), CS_GENEALOGY_MAX_SLOTS);
            continue;
        }
        if (g->pparent[i] == UNSEEN) {
            g->pparent[i] = par;
            g->pslot[i] = (int8_t)leg;
            first[i] = (uint32_t)r.line;
            continue;
        }
        if (g->pparent[i] != par)
            gl_err_add(err, r.line, ST_ROWS, "member '%s' has placement parent '%s' here but '%s' at line %lu",
                       gl_show(a, fid->p, fid->len), par < 0 ? "" : show_id(g, par, b), g->pparent[i] < 0 ? "" : show_id(g, g->pparent[i], c),
                       (unsigned long)first[i]);
        if (g->pslot[i] != leg)
            gl_err_add(err, r.line, ST_ROWS, "member '%s' has leg '%s' here but another leg at line %lu",
                       gl_show(a, fid->p, fid->len), gl_show(b, r.field[cleg].p, r.field[cleg].len),
                       (unsigned long)first[i]);
    }
    rc = 0;
done:
    if (rc) gl_err_add(err, 0, ST_ROWS, "out of memory");
    cs_csv_free(&r);
    cs_idtab_free(&ids);
    free(first);
    return rc;
}
