/* json: the one JSON string writer of the results files (manifests, summary.json). */
#ifndef COMPSIM_JSON_H
#define COMPSIM_JSON_H

#include <stddef.h>
#include <stdio.h>

/* Writes s[0 .. len) as a JSON string: quotes, backslashes and control characters escaped. */
void cs_json_str(FILE *f, const char *s, size_t len);
/* Same for a NUL-terminated string; NULL is written as "". */
void cs_json_cstr(FILE *f, const char *s);

#endif
