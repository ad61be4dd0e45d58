/* genealogy: the member store read from a genealogy CSV file.
 *
 * Members are kept in flat arrays in breadth-first order of the sponsor tree (roots in the order
 * they first appear in the file, each member's recruits in the order they first appear), so that
 * parent[i] < i for every member: a sponsor precedes its recruits, and a pass from n-1 down to 0
 * settles every downline before its upline without recursion.  Breadth-first (rather than any
 * topological) order also keeps siblings adjacent, so passes read memory in order.
 *
 * Per-period values are stored period-major: pv[p * n + i].  Volumes are in hundredths.
 * The optional `placement` and `leg` columns (binary and matrix plans) give, per member, an
 * explicit placement parent and slot; the replay builds the placement tree from them.
 * The file format is in docs/plan-format.md ("The genealogy file"). */
#ifndef COMPSIM_GENEALOGY_H
#define COMPSIM_GENEALOGY_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

typedef struct cs_genealogy {
    char *name;           /* the file's name as given, for messages */
    size_t n;             /* members */
    size_t nperiods;      /* >= 1 */
    char **period_label;  /* nperiods labels, in period order; "1" when the file has no period column */
    int32_t *parent;      /* n: sponsor's index (< i), or -1 for a root */
    char *id_buf;         /* all ids, NUL-terminated, back to back */
    size_t *id_off;       /* n: offset of member i's id in id_buf */
    uint32_t *file_order; /* n: rank of the member's first row in the file (0 = first); a permutation */
    uint32_t *line;       /* n: line of the member's first row, for messages */
    int32_t *join;        /* n: index of the first period the member is counted in (nperiods: never) */
    uint8_t *joined_in_file; /* n: 1 if the member is new in period join[i] (joined then, not before) */
    int64_t *pv, *bv, *retail; /* nperiods * n, hundredths; bv == pv values when there is no bv column */
    int64_t *total_bv;    /* nperiods: sum of bv, checked not to overflow */
    int has_bv, has_retail, has_period, has_join;
    void *vol_block;      /* private: when not NULL, pv, bv, retail, parent, file_order, line and join are
                             inside this block, freed with it */
    /* The `placement` and `leg` columns; both arrays are NULL when the file has neither column. */
    int32_t *pparent;     /* n: explicit placement parent's index, or -1 (automatic) */
    int8_t *pslot;        /* n: explicit slot (L = 0, R = 1, position k = k - 1), or -1 (automatic) */
    int has_placement, has_leg;
    int ids_by_number;    /* how the load looked the ids up: 1 by their number (every id had the first
                             one's shape: docs/performance.md), 0 in hash tables; nothing else in the
                             store depends on it */
} cs_genealogy;

#define CS_GENEALOGY_MAX_SLOTS 64 /* highest position a `leg` value may name */

/* Reads and checks a genealogy file.  Reports every problem found (up to the diagnostics limit)
 * into `d` as FILE:LINE errors and returns NULL on any error.  The caller frees the result. */
cs_genealogy *cs_genealogy_load_file(const char *path, cs_diags *d);
/* Same, from a buffer; `name` is used in messages. */
cs_genealogy *cs_genealogy_load_buffer(const char *buf, size_t len, const char *name, cs_diags *d);
void cs_genealogy_free(cs_genealogy *g);

static inline const char *cs_genealogy_id(const cs_genealogy *g, size_t i) { return g->id_buf + g->id_off[i]; }

/* Is member i new (joined) in period p? */
static inline int cs_genealogy_is_new(const cs_genealogy *g, size_t i, size_t p)
{
    return g->joined_in_file[i] && (size_t)g->join[i] == p;
}

#endif
