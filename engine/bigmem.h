/* bigmem: allocation of the large per-member arrays.
 *
 * On this kind of machine (a VM), the first touch of each 4 KiB page costs several microseconds,
 * so filling 1 GB of fresh memory costs seconds; huge pages (Linux transparent huge pages, in
 * "madvise" mode) cut that by two orders of magnitude, and also cut TLB misses on random reads.
 * These wrappers ask for huge pages where the system offers them, and are plain malloc/calloc
 * elsewhere.  Free the result with free(). */
#ifndef COMPSIM_BIGMEM_H
#define COMPSIM_BIGMEM_H

#include <stddef.h>

/* n * size bytes (at least 1), or NULL on overflow or out of memory. */
void *cs_big_malloc(size_t n, size_t size);
/* Same, zeroed. */
void *cs_big_calloc(size_t n, size_t size);

#endif
