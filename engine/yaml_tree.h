/* yaml_tree: reads a YAML text into a tree of positioned nodes, and checks its values with
 * GCC-style messages.  The generic half of a loader: plan_load.c (and the scenario loader) walk
 * the tree with their own schema and use the getters below for every value.
 *
 * What it does:
 *   - builds the tree from libyaml's event stream, not with yaml_parser_load, so that anchors and
 *     aliases are refused where they are written (a walk over a loaded document follows shared
 *     nodes and would expand an alias bomb) and nesting stops at CS_YT_MAX_DEPTH;
 *   - reports a syntax error (libyaml stops at the first) with its position, and a second
 *     document in the text;
 *   - checks values: "expected X, found Y" messages, numbers with money.h's exact parsers, keys
 *     of a mapping against a list of names with "did you mean" for a misspelt one.
 * Every check reports what it finds and returns a failure; the caller carries on, so one run can
 * list all the problems of a file.  A node that has already been reported (an alias, a
 * collection nested too deep) is marked `bad`, and every check below fails on it quietly, so no
 * problem is reported twice.
 *
 * Messages go to the cs_diags of a cs_yt_ctx, with the file name, the position of the node and
 * the source line echoed under it.  Running out of memory is reported once per context, as
 * "out of memory" without a position; functions that allocate still return NULL or 0 then.
 *
 * Ownership:
 *   - the context only points: the diags, the file name and the source text belong to the caller
 *     and must outlive the context and every node loaded with it;
 *   - cs_yt_load returns a tree the caller frees with cs_yt_free; nodes own their text and kids,
 *     nothing in a tree points into the source text;
 *   - cs_yt_get_text, cs_yt_strdup, cs_yt_calloc and cs_yt_read_file return memory the caller
 *     frees with free();
 *   - everything else returns pointers into the tree (freed with it) or into the caller's buffers.
 *
 * Typical use:
 *     cs_yt_ctx c;
 *     cs_yt_init(&c, diags, "scenario.yaml", "scenario", text, len);  // text[len] == '\0'
 *     size_t n0 = diags->n;
 *     cs_yt_node *root = cs_yt_load(&c);       // NULL: syntax error, or no document at all
 *     ... cs_yt_map_keys(&c, root, &keys, vals, knodes); cs_yt_get_count(&c, vals[0], ...) ...
 *     cs_yt_free(root);
 *     cs_yt_sort_diags(diags, n0);             // messages in file order
 */
#ifndef COMPSIM_YAML_TREE_H
#define COMPSIM_YAML_TREE_H

#include <stddef.h>
#include <stdint.h>

#include "diag.h"

#define CS_YT_MAX_DEPTH 64                      /* nesting of lists and mappings */
#define CS_YT_FOUND_MAX 40                      /* characters of a bad value quoted in a message */
#define CS_YT_FOUND_SIZE (CS_YT_FOUND_MAX + 8)  /* a buffer for cs_yt_found */
#define CS_YT_MAX_FILE_BYTES ((size_t)64 << 20) /* cs_yt_read_file refuses larger files */
#define CS_YT_MAX_KEYS 32                       /* names in a cs_yt_keyset (one bit each) */


typedef enum { CS_YT_SCALAR, CS_YT_LIST, CS_YT_MAP } cs_yt_kind;

typedef struct cs_yt_node {
    cs_yt_kind kind;
    cs_pos pos;   /* where the node starts */
    int plain;       /* scalar written without quotes: only those are numbers, booleans, null */
    int bad;         /* already reported (alias, too deep): skip without a further message */
    char *text;      /* scalar value, NUL-terminated ("" for an alias); NULL for a collection */
    size_t len;      /* bytes of text (a scalar may hold a NUL: then strlen(text) < len) */
    struct cs_yt_node **kids; /* list items, or mapping keys and values alternately */
    size_t nkids, cap;        /* a mapping has an even nkids; cap is kids' allocated size */
} cs_yt_node;

/* Where messages go and what they quote.  Fill it with cs_yt_init. */
typedef struct {
    cs_diags *d;
    const char *file; /* the name messages start with */
    const char *src;  /* the whole text, NUL-terminated, for the line echoed under a message */
    size_t srclen;
    const char *kind; /* what the file is, for "a KIND file holds one yaml document" */
    int oom;          /* "out of memory" has been reported */
} cs_yt_ctx;

/* `src` must hold `len` bytes followed by a NUL (src[len] == '\0'); `kind` names the kind of
 * file in messages ("plan"), NULL for "yaml". */
void cs_yt_init(cs_yt_ctx *c, cs_diags *d, const char *file, const char *kind, const char *src, size_t len);

/* ---- The tree ----------------------------------------------------------------------------- */

/* Parses the context's text into a tree.  Returns NULL after reporting a syntax error (or running
 * out of memory), and NULL without a message when the text holds no document; other problems
 * (an alias, nesting too deep, a second document) are reported and the tree is still returned.
 * A document of only "---" or "~" gives a null scalar: see cs_yt_is_null. */
cs_yt_node *cs_yt_load(cs_yt_ctx *c);

/* Frees a tree from cs_yt_load; NULL is fine. */
void cs_yt_free(cs_yt_node *root);

/* Reads a whole file.  Returns a NUL-terminated buffer the caller frees and sets *len to its
 * length without the NUL, or returns NULL with errno set (EFBIG past CS_YT_MAX_FILE_BYTES). */
char *cs_yt_read_file(const char *path, size_t *len);

/* ---- Messages ------------------------------------------------------------------------------ */

/* An error at node n / at a position ({0, 0}: the file as a whole). */
void cs_yt_err(cs_yt_ctx *c, const cs_yt_node *n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cs_yt_err_at(cs_yt_ctx *c, cs_pos pos, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* calloc and a string copy that report running out of memory (once); callers still check for
 * NULL.  cs_yt_calloc never asks for 0 bytes, so NULL always means out of memory. */
void *cs_yt_calloc(cs_yt_ctx *c, size_t n, size_t size);
char *cs_yt_strdup(cs_yt_ctx *c, const char *s);

/* Puts the messages d->items[from..] in file order (line, then column), keeping the order of
 * messages at the same place: checks run by part of a schema, a reader reads top to bottom. */
void cs_yt_sort_diags(cs_diags *d, size_t from);

/* " in bonus 'x'" -> " of bonus 'x'", to follow a key: "in 'margin' of bonus 'x'".  Returns
 * `where` itself when it does not start with " in ", else buf. */
const char *cs_yt_of_where(const char *where, char *buf, size_t size);

/* ---- Values -------------------------------------------------------------------------------- */

/* A plain scalar "", "~", "null", "Null" or "NULL". */
int cs_yt_is_null(const cs_yt_node *v);

/* How a value that was not what was wanted is shown in a message: "a list", "a mapping",
 * "nothing", or the text quoted ("'5'"), cut to CS_YT_FOUND_MAX characters and at a line break
 * ("..." marks the cut).  buf (CS_YT_FOUND_SIZE bytes) holds the quoted text. */
const char *cs_yt_found(const cs_yt_node *v, char *buf, size_t size);

/* Each returns 1 if v is what is wanted, else reports "expected EXPECT, found ..." (unless v is
 * bad) and returns 0. */
int cs_yt_want_scalar(cs_yt_ctx *c, const cs_yt_node *v, const char *expect); /* not null */
int cs_yt_want_plain(cs_yt_ctx *c, const cs_yt_node *v, const char *expect);  /* and unquoted */
int cs_yt_want_map(cs_yt_ctx *c, const cs_yt_node *v, const char *expect);
int cs_yt_want_list(cs_yt_ctx *c, const cs_yt_node *v, const char *expect);

/* A text value: returns a copy the caller frees, or NULL after reporting. */
char *cs_yt_get_text(cs_yt_ctx *c, const cs_yt_node *v, const char *expect);

/* What a number is, for "expected a number such as '100' or '37.5'" and the like. */
typedef enum { CS_YT_VOLUME, CS_YT_MONEY, CS_YT_COUNT } cs_yt_unit;

/* The getters return 1 and set *out, or report and return 0 leaving *out alone.  `what` names the
 * value in messages ("'pv' cannot be negative, found '-5'"). */

/* A volume (CS_YT_VOLUME) or an amount of money (CS_YT_MONEY), unquoted, in hundredths. */
int cs_yt_get_hundredths(cs_yt_ctx *c, const cs_yt_node *v, const char *what, cs_yt_unit u, int64_t *out);
/* A whole number in [0, max], unquoted. */
int cs_yt_get_count(cs_yt_ctx *c, const cs_yt_node *v, const char *what, int64_t max, int64_t *out);
/* A percentage in [0%, 100%] (the % sign required, quotes allowed), in ppm:
 * "rate 120% is above 100%" for what = "rate". */
int cs_yt_get_percent(cs_yt_ctx *c, const cs_yt_node *v, const char *what, int32_t *out);
/* true or false, unquoted; *out is 1 or 0. */
int cs_yt_get_bool(cs_yt_ctx *c, const cs_yt_node *v, int *out);
/* One of the `n` words; returns its index, or -1 after reporting "expected EXPECT, found ...". */
int cs_yt_get_word(cs_yt_ctx *c, const cs_yt_node *v, const char *const *words, size_t n, const char *expect);

/* ---- Mappings ------------------------------------------------------------------------------ */

/* The keys a mapping may hold: names[0..n), n <= CS_YT_MAX_KEYS.  Keys whose bit (1u << i) is
 * not in `allowed` are reported as not applying to `type_label` ("a stairstep bonus"); keys not
 * in `names` at all are unknown, with a suggestion among the allowed ones. */
typedef struct {
    const char *const *names;
    size_t n;
    unsigned allowed;
    const char *type_label;
    const char *where; /* completes messages: " in rank 'Gold'", or "" at the top */
} cs_yt_keyset;

/* The value of the first scalar key `key` of mapping m, or NULL (without a message). */
const cs_yt_node *cs_yt_find_key(const cs_yt_node *m, const char *key);

/* Sorts the keys of mapping m: vals[i] and keys[i] (arrays of ks->n, zeroed by the caller) get
 * the value and key nodes of names[i], or stay NULL.  Reports keys that are not scalars,
 * unknown, not allowed or duplicated.  Returns the bits of the names that unknown keys were taken
 * as misspellings of: once "did you mean 'name'?" is said, "missing required key 'name'" would
 * only repeat it (pass the bit to cs_yt_require). */
unsigned cs_yt_map_keys(cs_yt_ctx *c, const cs_yt_node *m, const cs_yt_keyset *ks, const cs_yt_node **vals,
                        const cs_yt_node **keys);

/* Returns 1 if v (the value of `key` in mapping m) is given; else reports "missing required key
 * 'KEY'WHERE" at m, unless `typo` (a misspelling of it has been reported), and returns 0. */
int cs_yt_require(cs_yt_ctx *c, const cs_yt_node *m, const cs_yt_node *v, const char *key, const char *where, int typo);

/* ---- Overrides: values put in place before a loader checks the tree ------------------------ */

/* A value that replaces (or adds) one scalar of a tree before its loader walks it: what a
 * parameter sweep varies (docs/sweeps.md).  Going through the loader gives the value every check
 * a written one gets.  `path` steps through the tree from the root:
 *     NAME      a key of a mapping (created, with mappings on the way, when absent), or, on a list
 *               of mappings, the item whose 'name:' is NAME ("ranks.Silver.gv");
 *     [I]       item I (from 0) of a list, which must exist ("levels[2]").
 * `value` is the scalar as it would be written ("5%").  Messages about the value, or about a check
 * it makes fail, are put at file:pos with src's line echoed (cs_yt_relocate_overrides). */
typedef struct cs_yt_override {
    const char *path;
    const char *value;
    const char *shown; /* the path as the user wrote it, for messages ("plan.ranks.Silver.gv"); NULL: path */
    const char *file;  /* where the value was written, e.g. the sweep file */
    cs_pos pos;
    const char *src;   /* that file's text (NUL-terminated), or NULL */
} cs_yt_override;

/* Nodes made for override i sit at line CS_YT_OVERRIDE_LINE + i, past any real line. */
#define CS_YT_OVERRIDE_LINE 1000000000L

/* Applies override i to the tree at *root (a mapping).  `what` names the file in messages ("plan":
 * "'...' is not in the base plan").  Reports and returns -1 when the path does not lead to a
 * scalar that can be set. */
int cs_yt_apply_override(cs_yt_ctx *c, cs_yt_node **root, const cs_yt_override *ov, size_t i, const char *what);

/* Moves message g to file:pos (an override's place), echoing that line of src (NULL: none). */
void cs_yt_move_diag(cs_diag *g, const char *file, cs_pos pos, const char *src);
/* Moves the messages d->items[from..] of file `name` at override lines to where each override of
 * ov[0..n) was written. */
void cs_yt_relocate_overrides(cs_diags *d, size_t from, const char *name, const cs_yt_override *ov, size_t n);

#endif
