#include "locks/base/heap.h"

#include <ck_pr.h>
#include <errno.h>
#include <stdlib.h>

static uint64_t heap_live;
static uint64_t heap_peak;

void *ll_heap_alloc(size_t bytes, size_t align)
{
	size_t rounded = (bytes + align - 1) / align * align;
	void *ptr = aligned_alloc(align, rounded ? rounded : align);

	if (ptr == NULL)
		return NULL;
	/* Counters only: no ordering with the allocation is needed. */
	uint64_t live = ck_pr_faa_64(&heap_live, bytes) + bytes;
	uint64_t peak = ck_pr_load_64(&heap_peak);
	while (live > peak && !ck_pr_cas_64_value(&heap_peak, peak, live, &peak))
		;
	return ptr;
}

void ll_heap_free(void *ptr, size_t bytes)
{
	if (ptr == NULL)
		return;
	ck_pr_sub_64(&heap_live, bytes);
	free(ptr);
}

uint64_t ll_heap_live(void)
{
	return ck_pr_load_64(&heap_live);
}

uint64_t ll_heap_peak(void)
{
	return ck_pr_load_64(&heap_peak);
}

void ll_heap_peak_reset(void)
{
	ck_pr_store_64(&heap_peak, ck_pr_load_64(&heap_live));
}
