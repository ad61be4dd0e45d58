/* memest: see memest.h; the formula is in docs/scenario-format.md ("Memory"). */
#define _GNU_SOURCE /* _SC_AVPHYS_PAGES */
#include "memest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "money.h"
#include "payout.h"
#include "placement.h"
#include "sim.h"
#include "tree.h"

/* Bytes of one element of a structure's array field, from the structure itself (unevaluated). */
#define ELEM(type, field) ((double)sizeof(*((type *)0)->field))

#define HUGE_PAGE ((double)(2 << 20))
/* A money field of members.csv: up to "-9999999999.99" (ten billion), and its comma. */
#define MONEY_CHARS 15.0
/* A row of periods.csv: 30 fields, none longer than 20 characters and a comma. */
#define PERIOD_ROW 630.0

/* bigmem.c puts every block of 2 MiB or more on its own huge pages (madvise): its resident size
 * can reach the next multiple of 2 MiB.  The simulator's payout and tree round a block of 1 MiB
 * or more up to a huge page too (payout_mem.c, tree.c: arr). */
static double block(double count, double size)
{
    double b = count * size;
    return b >= HUGE_PAGE / 2 ? ceil(b / HUGE_PAGE) * HUGE_PAGE : b;
}

static double digits(double x)
{
    double k = 1;
    while (x >= 10) x /= 10, k++;
    return k;
}

/* E[lambda^2] of the recruiting propensity (mean 1): gamma of shape k 1 + 1/k, lognormal of sigma s
 * e^(s^2), none 1. */
static double propensity_m2(const cs_scenario *sc)
{
    switch (sc->propensity) {
    case CS_PROP_GAMMA: return 1 + 1 / sc->dispersion;
    case CS_PROP_LOGNORMAL: return exp(sc->dispersion * sc->dispersion);
    case CS_PROP_NONE: break;
    }
    return 1;
}

double cs_memest_expected_reached(const cs_scenario *sc)
{
    double alive[CS_MEMBER_NTYPES] = {0}, q[CS_MEMBER_NTYPES];
    alive[CS_MEMBER_BUILDER] = (double)sc->founders;
    double reached = (double)sc->founders;
    for (int k = 0; k < CS_MEMBER_NTYPES; k++) {
        const cs_member_params *m = &sc->type[k];
        int32_t ppm = m->quit_early_ppm < m->quit_later_ppm ? m->quit_early_ppm : m->quit_later_ppm;
        q[k] = (double)ppm / 1e6 * (m->loss_factor < 1 ? m->loss_factor : 1);
    }
    for (int32_t t = 1; t <= sc->periods && reached < 1e15; t++) {
        const cs_shock *sh = cs_scenario_shock(sc, t);
        double joins = 0;
        for (int k = 0; k < CS_MEMBER_NTYPES; k++) joins += alive[k] * sc->type[k].recruits * (sh ? sh->recruitment : 1.0);
        reached += joins;
        for (int k = 0; k < CS_MEMBER_NTYPES; k++) {
            double h = q[k] * (sh ? sh->attrition : 1.0);
            alive[k] = (alive[k] + joins * (double)sc->type[k].share_ppm / 1e6) * (h < 1 ? 1 - h : 0);
        }
    }
    return reached;
}

int64_t cs_memest_members(const cs_scenario *sc, int *from_growth)
{
    const double limit = (double)(sc->population > 0 ? sc->population : CS_SCENARIO_MAX_MEMBERS);
    const double spread = 1 + CS_MEMEST_SPREAD * propensity_m2(sc) / sqrt((double)sc->founders);
    const double g = ceil(spread * cs_memest_expected_reached(sc));
    if (from_growth) *from_growth = g < limit;
    return (int64_t)(g < limit ? g : limit);
}

/* Capacity of the simulator's member arrays for n members: sim.c's grow() doubles from 1024 and
 * stops at the population. */
static double sim_capacity(const cs_scenario *sc, double n)
{
    double cap = 1024;
    while (cap < n) cap *= 2;
    if (sc->population > 0 && cap > (double)sc->population) cap = (double)sc->population;
    return cap < n ? n : cap;
}


/* The layout of payout_split.c's cs_share (a largest-remainder entry of the cap and the pool). */
typedef struct {
    __int128 rem;
    uint64_t key;
    size_t slot;
} share_like;

/* One plan's payout object for cap members (payout_mem.c's arrays: those every plan may have, and
 * those of its placement kind), plus the transient scratch of its period. */
static double payout_bytes(const cs_plan *p, double n, double cap, double *transient)
{
    const double nb = p->nbonuses ? (double)p->nbonuses : 1;
    double b = block(cap * nb, ELEM(cs_payout, amount));
    b += block(cap, ELEM(cs_payout, active)) + block(cap, ELEM(cs_payout, rank)) + block(cap, ELEM(cs_payout, gv));
    b += block(cap, ELEM(cs_payout, title)) + block(cap, ELEM(cs_payout, submax)) + block(cap, ELEM(cs_payout, src));
    /* the copies by tree position: the simulator's tree is in join order, so they are always there */
    b += block(cap, ELEM(cs_payout, wgv)) + block(cap, ELEM(cs_payout, wbv)) + block(cap, ELEM(cs_payout, wrank));
    b += block(cap, ELEM(cs_payout, wactive)) + block(cap, ELEM(cs_payout, wnew));
    /* vec: the tree's ring of rows (at most every member), every member for the matrix bonus */
    b += block(cap * (double)cs_payout_vec_width(p), ELEM(cs_payout, vec));
    double carried = ELEM(cs_payout, title);
    if (p->placement.kind == CS_PTREE_BINARY) {
        b += block(2 * cap, ELEM(cs_payout, leg_measure)) + block(2 * cap, ELEM(cs_payout, carry));
        b += block(cap, ELEM(cs_payout, idle)) + block(cap, ELEM(cs_payout, psub)) + block(cap, ELEM(cs_payout, psize));
        b += block(2 * cap, ELEM(cs_payout, qual));
        carried = 2 * ELEM(cs_payout, carry);
    } else if (p->placement.kind == CS_PTREE_MATRIX) {
        b += block(cap, ELEM(cs_payout, completed)) + block(cap, ELEM(cs_payout, pfull));
        carried = ELEM(cs_payout, completed);
    }
    /* Transient, one at a time: the old copy of a carried array while cs_payout_resize grows it;
     * the largest-remainder entries of the payout cap (one per company-paid line) or of a pool
     * (one per share holder). */
    double cap_lines = 0, holders = 0, t = n * carried;
    for (size_t k = 0; k < p->nbonuses; k++) {
        if (p->payout_cap_ppm >= 0 && cs_bonus_company_paid(p->bonuses[k].type)) cap_lines += n;
        if (p->bonuses[k].type == CS_BONUS_POOL) holders = n;
    }
    const double shares = (cap_lines > holders ? cap_lines : holders) * (double)sizeof(share_like);
    if (shares > t) t = shares;
    if (t > *transient) *transient = t;
    return b;
}

/* A placement tree of n members and its snapshot (placement.h). */
static double placement_bytes(const cs_plan *p, double n, double *transient)
{
    if (p->placement.kind == CS_PTREE_NONE) return 0;
    const double w = (double)p->placement.width;
    double b = block(n, ELEM(cs_placement, ppar)) + block(n, ELEM(cs_placement, pos)) +
               block(n * w, ELEM(cs_placement, pchild));
    /* the rules' scratch: edges (binary rules), open (spillover), alt (alternating) */
    b += 2 * block(n, sizeof(int32_t)) + block(n, ELEM(cs_placement, open)) + block(n, ELEM(cs_placement, alt));
    b += block(n, ELEM(cs_placement_index, porder)) + block(n, ELEM(cs_placement_index, prank)) +
         block(n, ELEM(cs_placement_index, iv));
    /* while the snapshot is built: children counts (1 byte), subtree sizes and preorder numbers
     * (4 each), by position; and the period's order of placement (sim_place.c, 4 bytes) */
    double t = block(n, 1) + 2 * block(n, 4) + block(n, sizeof(int32_t));
    if (t > *transient) *transient = t;
    return b;
}

/* One replica of n members at its peak. */
static double replica_bytes(const cs_scenario *sc, double n)
{
    const double cs = sim_capacity(sc, n), cp = ceil(1.25 * n); /* payout_mem.c grows by a quarter */
    double b = 0, transient = 0;
    b += block(cs, ELEM(cs_sim, parent)) + block(cs, ELEM(cs_sim, type)) + block(cs, ELEM(cs_sim, join));
    b += block(cs, ELEM(cs_sim, quit)) + block(cs, ELEM(cs_sim, propensity));
    b += block(cs, ELEM(cs_sim, is_new)) + block(cs, ELEM(cs_sim, retail));
    b += block(cs, ELEM(cs_sim, live)) + block(cs, ELEM(cs_sim, lparent)); /* the working set's slots */
    b += block(cs, ELEM(cs_sim, expenses));
    if (sc->contacts.on) b += block(cs, ELEM(cs_sim, contacts)) + block(cs, ELEM(cs_sim, degree));
    /* the sponsor tree, rebuilt for n members every period (layout 3: child_off, child, row and
     * the blocks; counted as the most any layout holds: child_off, perm, the counting sort's
     * scratch (2n + 1), at most n + 1 depths, and the rows) */
    b += block(n + 1, ELEM(cs_tree, child_off)) + block(n, ELEM(cs_tree, perm)) +
         block(2 * n + 1, ELEM(cs_tree, scratch)) + block(n + 1, ELEM(cs_tree, level_off)) + block(n, ELEM(cs_tree, row));
    double rank_name = 0;
    for (size_t k = 0; k < sc->nplans; k++) {
        const cs_plan *p = sc->plans[k];
        b += block(cs, ELEM(cs_sim_plan, gross)) + block(cs, ELEM(cs_sim_plan, retail_profit)) +
             block(cs, ELEM(cs_sim_plan, purchases)) + block(cs, ELEM(cs_sim_plan, pv)) + block(cs, ELEM(cs_sim_plan, title));
        if (sc->bv_ppm != CS_PPM_ONE) b += block(cs, ELEM(cs_sim_plan, bv)); /* else BV is the PV array */
        b += payout_bytes(p, n, cp, &transient);
        b += placement_bytes(p, n, &transient);
        for (size_t r = 0; r < p->nranks; r++)
            if ((double)strlen(p->ranks[r].name) > rank_name) rank_name = (double)strlen(p->ranks[r].name);
    }
    b += transient;
    /* The replica's rows, formatted in memory while the replica is alive, in chunks of 1 MiB
     * (simout.c).  members.csv: replica, plan, id and sponsor ("m" and the join number), type, join
     * and quit periods, the rank quoted with every quote doubled, six money fields, commas and
     * newline. */
    const double np = (double)sc->nplans, chunk = (double)(1 << 20);
    if (sc->member_replicas > 0) {
        double row = digits((double)sc->replicas) + digits(np) + 2 * (1 + digits(n)) + 8 + 2 * digits(sc->periods) +
                     2 + 2 * rank_name + 6 * MONEY_CHARS + 8;
        b += n * np * row + chunk;
    }
    b += (double)sc->periods * np * PERIOD_ROW + chunk;
    return b;
}

void cs_memest_simulation(cs_memest *e, const cs_scenario *sc, int64_t replicas, int threads)
{
    memset(e, 0, sizeof *e);
    const int64_t R = replicas > 0 ? replicas : sc->replicas;
    e->members = cs_memest_members(sc, &e->from_growth);
    e->at_once = threads < 1 ? 1 : threads < R ? threads : R;
    e->per_replica = replica_bytes(sc, (double)e->members);
    e->member_bytes = e->members > 0 ? e->per_replica / (double)e->members : 0;
    e->fixed = CS_MEMEST_FIXED;
    e->total = e->fixed + (double)e->at_once * e->per_replica;
}

/* ---- what the machine has -------------------------------------------------------------------- */

/* The number after `key` at the start of a line of the file, or -1. */
static double file_value(const char *path, const char *key)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[256];
    double v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, key, kl)) continue;
        char *end;
        double x = strtod(line + kl, &end);
        if (end != line + kl) v = x;
        break;
    }
    fclose(f);
    return v;
}

static void lower(double *best, double x)
{
    if (x >= 0 && (*best <= 0 || x < *best)) *best = x;
}

/* A cgroup's limit minus its usage; the page cache (`cache_key` in memory.stat) is counted as
 * free, since the kernel drops it before it refuses memory.  Limits of 2^60 or more mean none. */
static double cgroup_room(const char *limit_file, const char *usage_file, const char *stat_file, const char *cache_key)
{
    double lim = file_value(limit_file, ""), use = file_value(usage_file, "");
    if (lim < 0 || use < 0 || lim >= 0x1p60) return -1; /* "max", absent or no limit */
    double cache = file_value(stat_file, cache_key);
    if (cache > 0) use -= cache;
    return lim > use ? lim - use : 0;
}

double cs_memest_available(void)
{
    double best = 0;
    double kb = file_value("/proc/meminfo", "MemAvailable:");
    if (kb >= 0) {
        lower(&best, kb * 1024);
    } else {
        long pages = sysconf(_SC_AVPHYS_PAGES), size = sysconf(_SC_PAGESIZE);
        if (pages > 0 && size > 0) lower(&best, (double)pages * (double)size);
    }
    lower(&best, cgroup_room("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current", "/sys/fs/cgroup/memory.stat",
                             "file "));
    lower(&best, cgroup_room("/sys/fs/cgroup/memory/memory.limit_in_bytes", "/sys/fs/cgroup/memory/memory.usage_in_bytes",
                             "/sys/fs/cgroup/memory/memory.stat", "total_cache "));
    static const int limits[] = {RLIMIT_AS, RLIMIT_DATA};
    for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
        struct rlimit rl;
        if (getrlimit(limits[i], &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) lower(&best, (double)rl.rlim_cur);
    }
    return best;
}

static void human(char *buf, size_t size, double bytes)
{
    if (bytes >= 1e9) snprintf(buf, size, "%.1f GB", bytes / 1e9);
    else snprintf(buf, size, "%.0f MB", ceil(bytes / 1e6));
}

int cs_memest_fits(const cs_memest *e, double available, const cs_scenario *sc, cs_diags *d)
{
    if (available <= 0 || e->total <= available) return 0;
    char need[32], have[32];
    human(need, sizeof need, e->total);
    human(have, sizeof have, available);
    cs_error(d, sc->file, 0, 0,
             "this simulation needs about %s of memory (%lld replica%s at once, up to %lld members each), but only %s "
             "are available; lower market.population%s",
             need, (long long)e->at_once, e->at_once == 1 ? "" : "s", (long long)e->members, have,
             e->at_once > 1 ? " or --threads" : "");
    return -1;
}

int cs_memest_check(const cs_scenario *sc, int64_t replicas, int threads, cs_diags *d)
{
    cs_memest e;
    cs_memest_simulation(&e, sc, replicas, threads);
    return cs_memest_fits(&e, cs_memest_available(), sc, d);
}
