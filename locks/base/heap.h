/*
 * Counted heap for lock primitives. Every byte a primitive allocates, at init or
 * while waiting, goes through here, so the registry and the harness report memory
 * that was counted, not guessed. Counters are process-wide and updated atomically;
 * they are read before and after an operation, never inside a measured loop.
 */
#ifndef LL_HEAP_H
#define LL_HEAP_H

#include <stddef.h>
#include <stdint.h>

/* Aligned to LL_PAD-friendly boundaries; NULL with errno set on failure. */
void *ll_heap_alloc(size_t bytes, size_t align);
void ll_heap_free(void *ptr, size_t bytes);

/* Bytes currently allocated through ll_heap_alloc, and the high-water mark. */
uint64_t ll_heap_live(void);
uint64_t ll_heap_peak(void);
/* Restart the high-water mark from the live count (before a measured phase). */
void ll_heap_peak_reset(void);

#endif
