/* bigmem: allocation of the large per-member arrays.
 *
 * On this kind of machine (a VM), the first touch of each 4 KiB page costs several microseconds,
 * so filling 1 GB of fresh memory costs seconds; huge pages (Linux transparent huge pages, in
 * "madvise" mode) cut that by more than an order of magnitude, and also cut TLB misses on random
 * reads.  A block of 2 MiB or more is aligned to 2 MiB and marked for huge pages, so that all of it
 * can be huge pages, not only the whole huge pages that happen to fall inside it.  Elsewhere these
 * are plain allocations.  Free the result with free(). */
#ifndef COMPSIM_BIGMEM_H
#define COMPSIM_BIGMEM_H

#include <stddef.h>

/* n * size bytes (at least 1), or NULL on overflow or out of memory. */
void *cs_big_malloc(size_t n, size_t size);
/* Same, zeroed now (by both threads when it is large): the page faults are taken here, in
 * parallel, rather than by whichever pass touches the memory first. */
void *cs_big_calloc(size_t n, size_t size);
/* Zeroed, on huge pages when large, but each page is faulted in (and cleared by the kernel) only
 * when first touched: for a large array of which a part may be used.  cs_big_calloc is this, with
 * the pages faulted in at once. */
void *cs_big_zalloc(size_t n, size_t size);
/* Has the pages of p[0 .. bytes) faulted in now, by both threads (a 2 MiB slice at a time), without
 * changing what they hold: for an array that is about to be written all over. */
void cs_big_populate(void *p, size_t bytes);
/* The same by the calling thread alone: for a thread that takes the page faults off another with
 * more to do. */
void cs_big_populate_here(void *p, size_t bytes);

#endif
