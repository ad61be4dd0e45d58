/* plan_describe: the readable summary of a plan that `compsim check` prints.
 *
 * Written for someone who knows the compensation plan, not the YAML: rules in words, amounts
 * with thousands separators and the currency, and one table of the levels each rank is paid
 * (rows: unranked and each rank; columns: each bonus paid by level). */
#include "plan.h"

#include <stdio.h>
#include <string.h>

#include "money.h"

#define WRAP 92     /* description lines are wrapped to this width */
#define CELL_MAX 1024 /* a cell of the levels table: up to 64 rates of a few characters */

/* ------------------------------------------------------------------------------------------ */
/* Numbers in words                                                                            */

/* Digits of v with a comma every three: 1234567 -> "1,234,567". */
static void fmt_thousands(char *buf, size_t size, uint64_t v)
{
    char digits[24];
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
}

/* A volume in hundredths, with only the decimals it needs: "1,000", "37.5", "0.25". */
static void fmt_volume(char *buf, size_t size, int64_t v)
{
    char whole[32];
    fmt_thousands(whole, sizeof whole, (uint64_t)(v < 0 ? -v : v) / 100);
    int frac = (int)((v < 0 ? -v : v) % 100);
    if (frac == 0) snprintf(buf, size, "%s", whole);
    else if (frac % 10 == 0) snprintf(buf, size, "%s.%d", whole, frac / 10);
    else snprintf(buf, size, "%s.%02d", whole, frac);
}

static void fmt_money(char *buf, size_t size, int64_t cents, const char *currency)
{
    char whole[32];
    fmt_thousands(whole, sizeof whole, (uint64_t)(cents < 0 ? -cents : cents) / 100);
    snprintf(buf, size, "%s.%02d %s", whole, (int)((cents < 0 ? -cents : cents) % 100), currency);
}

/* A rate in ppm as a percentage with only the decimals it needs: "2.5%", "0.0125%". */
static void fmt_percent(char *buf, size_t size, int32_t ppm)
{
    int whole = ppm / 10000, frac = ppm % 10000, nd = 4;
    while (nd > 0 && frac % 10 == 0) frac /= 10, nd--;
    if (nd == 0) snprintf(buf, size, "%d%%", whole);
    else snprintf(buf, size, "%d.%0*d%%", whole, nd, frac);
}

/* Characters on screen of a UTF-8 string (for aligning columns). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

static void pad(FILE *out, const char *s, size_t w)
{
    fputs(s, out);
    for (size_t k = width(s); k < w; k++) fputc(' ', out);
}

static const char *row_name(const cs_plan *p, size_t row) { return row ? p->ranks[row - 1].name : "unranked"; }

/* ------------------------------------------------------------------------------------------ */
/* The plan and its ranks                                                                      */

/* Prints text word-wrapped, each line indented. */
static void print_wrapped(FILE *out, const char *text, const char *indent)
{
    size_t col = 0;
    const char *s = text;
    while (*s) {
        if (*s == '\n') { /* keep the author's paragraphs: a blank line stays blank */
            if (col) fputc('\n', out);
            col = 0;
            s++;
            if (*s == '\n') fputc('\n', out);
            while (*s == '\n') s++;
            continue;
        }
        size_t n = strcspn(s, " \n");
        if (n == 0) {
            s++;
            continue;
        }
        if (col && col + 1 + n > WRAP) {
            fputc('\n', out);
            col = 0;
        }
        fprintf(out, "%s%.*s", col ? " " : indent, (int)n, s);
        col += (col ? 1 : strlen(indent)) + n;
        s += n;
    }
    if (col) fputc('\n', out);
}

/* Where members without a placement in the genealogy go, under each rule. */
static const char *rule_words(const cs_placement_spec *ps)
{
    switch (ps->rule) {
    case CS_PLACE_OUTER_LEFT: return "at the bottom of the sponsor's outer left edge";
    case CS_PLACE_OUTER_RIGHT: return "at the bottom of the sponsor's outer right edge";
    case CS_PLACE_ALTERNATING:
        return "at the bottom of the sponsor's outer left and outer right edges in turn, left first";
    case CS_PLACE_WEAKER_LEG:
        return ps->weaker_by_count ? "at the bottom of the outer edge of the sponsor's leg with fewer members at the end "
                                     "of the previous period (left on a tie)"
                                   : "at the bottom of the outer edge of the sponsor's leg with less volume in the "
                                     "previous period (left on a tie)";
    case CS_PLACE_SPILLOVER:
        return "in the first open position under the sponsor, level by level, left to right (spillover)";
    }
    return "?";
}

static void describe_placement(const cs_plan *p, FILE *out)
{
    const cs_placement_spec *ps = &p->placement;
    if (ps->kind == CS_PTREE_NONE) return;
    if (ps->kind == CS_PTREE_BINARY)
        fprintf(out, "Placement tree:  binary (a left and a right leg under every member)\n");
    else
        fprintf(out, "Placement tree:  %d x %d forced matrix (%d positions under every member, paid %d level%s deep)\n",
                ps->width, ps->depth, ps->width, ps->depth, ps->depth == 1 ? "" : "s");
    char text[320];
    snprintf(text, sizeof text, "members without a placement in the genealogy are placed %s", rule_words(ps));
    print_wrapped(out, text, "                 ");
}

static void describe_header(const cs_plan *p, FILE *out)
{
    char buf[64];
    fprintf(out, "Plan: %s\n", p->name);
    if (p->description) print_wrapped(out, p->description, "  ");
    fprintf(out, "\nPeriod:          %s\n", p->period == CS_PERIOD_WEEK ? "week" : "month");
    fprintf(out, "Currency:        %s\n", p->currency);
    if (p->enrolment_fee) fmt_money(buf, sizeof buf, p->enrolment_fee, p->currency);
    fprintf(out, "Enrolment fee:   %s\n", p->enrolment_fee ? buf : "none");
    fmt_volume(buf, sizeof buf, p->active_pv);
    if (p->active_pv) fprintf(out, "Active members:  members with PV >= %s in the period\n", buf);
    else fprintf(out, "Active members:  every member (no minimum PV)\n");
    if (p->breakaway != CS_RANK_NONE)
        fprintf(out, "Breakaway rank:  %s (a member at this rank or higher breaks away from the upline's group)\n",
                p->ranks[p->breakaway].name);
    else fprintf(out, "Breakaway rank:  none\n");
    if (p->payout_cap_ppm >= 0) {
        fmt_percent(buf, sizeof buf, p->payout_cap_ppm);
        fprintf(out, "Payout cap:      company-paid bonuses at most %s of company BV\n", buf);
    } else {
        fprintf(out, "Payout cap:      none\n");
    }
    describe_placement(p, out);
}

/* Prints ", " before every rule but the first. */
static void sep(FILE *out, int *first)
{
    if (!*first) fputs(", ", out);
    *first = 0;
}

static void describe_rank(const cs_plan *p, const cs_rank *r, FILE *out)
{
    char buf[64];
    int first = 1;
    fprintf(out, "  %s: ", r->name);
    if (r->pv) {
        fmt_volume(buf, sizeof buf, r->pv);
        sep(out, &first);
        fprintf(out, "PV >= %s", buf);
    }
    if (r->gv) {
        fmt_volume(buf, sizeof buf, r->gv);
        sep(out, &first);
        fprintf(out, "GV >= %s", buf);
        if (r->max_leg_ppm) {
            fmt_percent(buf, sizeof buf, r->max_leg_ppm);
            fprintf(out, " (at most %s from one leg)", buf);
        }
    }
    if (r->active_frontline) {
        sep(out, &first);
        fprintf(out, "%d active frontline member%s", r->active_frontline, r->active_frontline == 1 ? "" : "s");
    }
    for (size_t k = 0; k < r->nlegs; k++) {
        sep(out, &first);
        fprintf(out, "%d leg%s each holding rank %s or higher", r->legs[k].count, r->legs[k].count == 1 ? "" : "s",
                p->ranks[r->legs[k].rank].name);
    }
    if (first) fputs("no rule beyond being active", out);
    fputc('\n', out);
}

static void describe_ranks(const cs_plan *p, FILE *out)
{
    fprintf(out, "\nRanks, lowest first (an active member holds the highest rank whose rules they all meet;\n"
                 "PV = personal volume, GV = group volume):\n");
    for (size_t i = 0; i < p->nranks; i++) describe_rank(p, &p->ranks[i], out);
}

/* ------------------------------------------------------------------------------------------ */
/* Bonuses                                                                                     */

static int is_level_bonus(cs_bonus_type t)
{
    return t == CS_BONUS_UNILEVEL || t == CS_BONUS_GENERATION || t == CS_BONUS_FAST_START || t == CS_BONUS_MATCHING ||
           t == CS_BONUS_ENROLMENT || t == CS_BONUS_MATRIX;
}

/* "unranked 25%, Silver 25%, Gold 35%" */
static void rates_by_row(const cs_plan *p, const int32_t *rate, FILE *out)
{
    char buf[32];
    for (size_t row = 0; row <= p->nranks; row++) {
        fmt_percent(buf, sizeof buf, rate[row]);
        fprintf(out, "%s%s %s", row ? ", " : "", row_name(p, row), buf);
    }
    fputc('\n', out);
}

static const char *compression_words(const cs_bonus *b)
{
    return b->compression == CS_COMPRESS_DYNAMIC ? "dynamic compression: inactive members are skipped when counting levels"
                                                 : "no compression: every member counts as a level, active or not";
}

static void describe_matching(const cs_plan *p, const cs_bonus *b, FILE *out)
{
    fputs("     a rate of what each downline member earned this period from ", out);
    for (size_t k = 0; k < b->nmatched; k++)
        fprintf(out, "%s'%s'", k == 0 ? "" : k + 1 == b->nmatched ? " and " : ", ", p->bonuses[b->matched[k]].name);
    fputs(", by level\n", out);
}

static void describe_advancement(const cs_plan *p, const cs_bonus *b, FILE *out)
{
    char buf[48];
    int any = 0;
    fputs("     a one-off amount the first time a member is paid as this rank or higher:", out);
    for (size_t row = 1; row <= p->nranks; row++) {
        if (!b->cents_by_row[row]) continue;
        fmt_money(buf, sizeof buf, b->cents_by_row[row], p->currency);
        fprintf(out, "%s %s %s", any ? "," : "", row_name(p, row), buf);
        any = 1;
    }
    fputs(any ? "\n" : " none\n", out);
}

static void describe_pool(const cs_plan *p, const cs_bonus *b, FILE *out)
{
    char buf[32];
    fmt_percent(buf, sizeof buf, b->pool_ppm);
    fprintf(out, "     %s of company BV, split among active members in proportion to their shares\n     shares: ", buf);
    for (size_t row = 0; row <= p->nranks; row++)
        fprintf(out, "%s%s %lld", row ? ", " : "", row_name(p, row), (long long)b->shares_by_row[row]);
    fputc('\n', out);
}

/* "10%" when every row has the same rate, else "unranked 0%, Silver 10%, ..." */
static void rate_rows(const cs_plan *p, const int32_t *rate, FILE *out)
{
    char buf[32];
    size_t row = 1;
    while (row <= p->nranks && rate[row] == rate[0]) row++;
    if (row > p->nranks) {
        fmt_percent(buf, sizeof buf, rate[0]);
        fprintf(out, "%s\n", buf);
    } else {
        rates_by_row(p, rate, out);
    }
}

static void money_rows(const cs_plan *p, const int64_t *cents, FILE *out)
{
    char buf[48];
    size_t row = 1;
    while (row <= p->nranks && cents[row] == cents[0]) row++;
    const int uniform = row > p->nranks;
    for (size_t r = 0; r <= (uniform ? 0 : p->nranks); r++) {
        fmt_money(buf, sizeof buf, cents[r], p->currency);
        if (uniform) fputs(buf, out);
        else fprintf(out, "%s%s %s", r ? ", " : "", row_name(p, r), buf);
    }
    fputc('\n', out);
}

static void describe_binary(const cs_plan *p, const cs_bonus *b, FILE *out)
{
    const cs_binary_spec *bs = &b->binary;
    char v1[32], v2[32], m[48];
    fputs("     pairs each member's left and right leg volume in the placement tree (this period's BV of the\n"
          "     members placed in the leg, plus the leg's carry-over)\n",
          out);
    if (!bs->weak) {
        fputs("     pays a rate of the weaker leg's volume: ", out);
        rate_rows(p, b->rate_by_row, out);
    } else {
        fmt_volume(v1, sizeof v1, bs->weak);
        fmt_volume(v2, sizeof v2, bs->strong);
        fprintf(out, "     pays per cycle of %s volume on the weaker leg and %s on the stronger: ", v1, v2);
        money_rows(p, b->cents_by_row, out);
    }
    if (bs->cap >= 0) {
        fmt_money(m, sizeof m, bs->cap, p->currency);
        fprintf(out, "     at most %s per member per period (volume paired beyond that is used up all the same)\n", m);
    }
    char text[320];
    size_t o;
    fmt_volume(v1, sizeof v1, bs->carry_cap);
    if (bs->carry_cap == 0) o = (size_t)snprintf(text, sizeof text, "unpaired volume does not carry over");
    else if (bs->carry_cap > 0) o = (size_t)snprintf(text, sizeof text, "unpaired volume carries over, at most %s in each leg", v1);
    else o = (size_t)snprintf(text, sizeof text, "unpaired volume carries over without limit");
    if (bs->carry_cap != 0 && bs->flush_after)
        o += (size_t)snprintf(text + o, sizeof text - o, ", and is lost after %d period%s in a row without a pairing",
                              bs->flush_after, bs->flush_after == 1 ? "" : "s");
    if (bs->carry_cap != 0) snprintf(text + o, sizeof text - o, "; an inactive member loses it and the period's leg volume");
    print_wrapped(out, text, "     ");
    if (bs->sponsored_per_leg)
        fprintf(out, "     qualification: at least %d active personally sponsored member%s placed in each leg\n",
                bs->sponsored_per_leg, bs->sponsored_per_leg == 1 ? "" : "s");
}

static void describe_matrix(const cs_plan *p, const cs_bonus *b, FILE *out)
{
    char m[48], np[32], text[CELL_MAX * 4];
    fprintf(out, "     a rate of the BV at each level of the member's %d x %d matrix (placement tree, no compression)\n",
            p->placement.width, p->placement.depth);
    size_t o = 0;
    for (int32_t k = 0; k < b->ncompletion && o < sizeof text; k++) {
        if (!b->completion[k]) continue;
        fmt_money(m, sizeof m, b->completion[k], p->currency);
        if (!o) o = (size_t)snprintf(text, sizeof text, "completion bonus, paid once when a level of the matrix is full:");
        /* W^(k+1) positions, when that is a number worth printing */
        uint64_t pos = 1;
        for (int32_t e = 0; e <= k && pos < UINT64_C(1) << 50; e++) pos *= (uint64_t)p->placement.width;
        fmt_thousands(np, sizeof np, pos);
        if (pos < UINT64_C(1) << 50)
            o += (size_t)snprintf(text + o, sizeof text - o, " level %d (%s positions) %s,", k + 1, np, m);
        else
            o += (size_t)snprintf(text + o, sizeof text - o, " level %d %s,", k + 1, m);
    }
    if (o && o < sizeof text) {
        text[o - 1] = '\0'; /* the last comma */
        print_wrapped(out, text, "     ");
    }
}

static void describe_bonus_body(const cs_plan *p, const cs_bonus *b, FILE *out)
{
    char fee[48];
    switch (b->type) {
    case CS_BONUS_RETAIL:
        fputs("     paid by customers, not by the company: a margin on the member's own retail sales\n     margin: ", out);
        rates_by_row(p, b->rate_by_row, out);
        break;
    case CS_BONUS_UNILEVEL:
        fputs("     a rate of the BV at each level of the downline\n", out);
        fprintf(out, "     %s\n", compression_words(b));
        break;
    case CS_BONUS_STAIRSTEP:
        fprintf(out, "     the member's rate minus the highest rate of the people in between, on the group's BV%s\n",
                b->include_own ? " and on the member's own BV" : "");
        fputs("     rates: ", out);
        rates_by_row(p, b->rate_by_row, out);
        break;
    case CS_BONUS_GENERATION:
        fprintf(out, "     a rate of the group BV of each broken-away member below (%s or higher), by generation\n",
                p->ranks[p->breakaway].name);
        break;
    case CS_BONUS_FAST_START:
        fputs("     a rate of the BV of members who joined this period, by level\n", out);
        fprintf(out, "     %s\n", compression_words(b));
        break;
    case CS_BONUS_ENROLMENT:
        fmt_money(fee, sizeof fee, p->enrolment_fee, p->currency);
        fprintf(out, "     a share of the %s enrolment fee of each member who joined this period, by level\n", fee);
        fprintf(out, "     %s\n", compression_words(b));
        break;
    case CS_BONUS_MATCHING:
        describe_matching(p, b, out);
        fprintf(out, "     %s\n", compression_words(b));
        break;
    case CS_BONUS_RANK_ADVANCE: describe_advancement(p, b, out); break;
    case CS_BONUS_POOL: describe_pool(p, b, out); break;
    case CS_BONUS_BINARY: describe_binary(p, b, out); break;
    case CS_BONUS_MATRIX: describe_matrix(p, b, out); break;
    default: break;
    }
}

static const char *const type_words[CS_BONUS_NTYPES] = {
    [CS_BONUS_RETAIL] = "retail profit",     [CS_BONUS_UNILEVEL] = "unilevel",
    [CS_BONUS_STAIRSTEP] = "stairstep",      [CS_BONUS_GENERATION] = "generation",
    [CS_BONUS_FAST_START] = "fast start",    [CS_BONUS_MATCHING] = "matching",
    [CS_BONUS_RANK_ADVANCE] = "rank advancement", [CS_BONUS_POOL] = "leadership pool",
    [CS_BONUS_ENROLMENT] = "enrolment",      [CS_BONUS_BINARY] = "binary",
    [CS_BONUS_MATRIX] = "forced matrix",
};

static void describe_bonuses(const cs_plan *p, FILE *out)
{
    fprintf(out, "\nBonuses, in the order they are computed (all but retail profit are paid only to active members;\n"
                 "rates of bonuses paid by level are in the table at the end):\n");
    for (size_t i = 0; i < p->nbonuses; i++) {
        const cs_bonus *b = &p->bonuses[i];
        fprintf(out, "  %zu. %s (%s)\n", i + 1, b->name, type_words[b->type]);
        describe_bonus_body(p, b, out);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Levels paid by rank                                                                         */

/* "3 levels: 5% 4% 3%", or "none"; the depth is the last level with a rate above 0. */
static void level_cell(const cs_bonus *b, size_t row, char *buf, size_t size)
{
    const int32_t *r = b->levels.ppm + row * (size_t)b->levels.nlevels;
    int depth = b->levels.nlevels;
    while (depth > 0 && r[depth - 1] == 0) depth--;
    if (depth == 0) {
        snprintf(buf, size, "none");
        return;
    }
    size_t o = (size_t)snprintf(buf, size, "%d level%s:", depth, depth == 1 ? "" : "s");
    for (int k = 0; k < depth && o < size; k++) {
        char pc[24];
        fmt_percent(pc, sizeof pc, r[k]);
        o += (size_t)snprintf(buf + o, size - o, " %s", pc);
    }
}

static void describe_levels(const cs_plan *p, FILE *out)
{
    char cell[CELL_MAX];
    size_t namew = width("unranked"), colw[256] = {0}, ncols = 0;
    for (size_t row = 1; row <= p->nranks; row++)
        if (width(row_name(p, row)) > namew) namew = width(row_name(p, row));
    for (size_t i = 0; i < p->nbonuses; i++) {
        const cs_bonus *b = &p->bonuses[i];
        if (!is_level_bonus(b->type) || !b->levels.ppm) continue;
        size_t w = width(b->name);
        for (size_t row = 0; row <= p->nranks; row++) {
            level_cell(b, row, cell, sizeof cell);
            if (width(cell) > w) w = width(cell);
        }
        if (ncols < 256) colw[ncols++] = w;
    }
    if (!ncols) return;
    fprintf(out, "\nLevels paid by rank (how many levels down each rank is paid, and the rate of level 1, 2, ...;\n"
                 "a generation bonus counts generations of broken-away members instead of levels, a matrix bonus\n"
                 "levels of the placement tree):\n  ");
    pad(out, "", namew);
    for (size_t i = 0, c = 0; i < p->nbonuses && c < ncols; i++) {
        if (!is_level_bonus(p->bonuses[i].type) || !p->bonuses[i].levels.ppm) continue;
        fputs("  ", out);
        pad(out, p->bonuses[i].name, c + 1 < ncols ? colw[c] : 0); /* no trailing blanks */
        c++;
    }
    for (size_t row = 0; row <= p->nranks; row++) {
        fputs("\n  ", out);
        pad(out, row_name(p, row), namew);
        for (size_t i = 0, c = 0; i < p->nbonuses && c < ncols; i++) {
            const cs_bonus *b = &p->bonuses[i];
            if (!is_level_bonus(b->type) || !b->levels.ppm) continue;
            level_cell(b, row, cell, sizeof cell);
            fputs("  ", out);
            if (c + 1 < ncols) pad(out, cell, colw[c]);
            else fputs(cell, out);
            c++;
        }
    }
    fputc('\n', out);
}

void cs_plan_describe(const cs_plan *p, FILE *out)
{
    describe_header(p, out);
    describe_ranks(p, out);
    describe_bonuses(p, out);
    describe_levels(p, out);
}
