#include "workloads/workloads.h"

#include <string.h>

const struct workload_info workload_registry[] = {
	{ .name = "uncontended", .kernel = "uncontended", .threads = WORKLOAD_THREADS_ONE,
	  .min_threads = 1, .needs_mutex = true, .sample_every = 1024,
	  .summary = "one thread, lock + unlock: the cost of an uncontended acquire/release" },
	{ .name = "contended", .kernel = "contended", .threads = WORKLOAD_THREADS_GIVEN,
	  .min_threads = 1, .uses_cs = true, .uses_ncs = true, .needs_mutex = true,
	  .sample_every = 64, .run_length = true,
	  .summary = "N threads, critical section --cs ns, non-critical work --ncs ns" },
	{ .name = "rwmix", .kernel = "rwmix", .threads = WORKLOAD_THREADS_GIVEN,
	  .min_threads = 1, .uses_cs = true, .uses_ncs = true, .uses_read_pct = true, .sample_every = 64,
	  .summary = "--read-pct reads, the rest writes; mutexes take a read as a lock" },
	{ .name = "handoff", .kernel = "handoff", .threads = WORKLOAD_THREADS_GIVEN,
	  .min_threads = 2, .uses_cs = true, .needs_mutex = true, .sample_every = 1,
	  .summary = "ownership passes in turn: unlock to next acquire (wake-up cost)" },
	{ .name = "shared", .kernel = "contended", .threads = WORKLOAD_THREADS_GIVEN,
	  .min_threads = 1, .uses_cs = true, .uses_ncs = true, .needs_mutex = true,
	  .default_lines = 8, .sample_every = 64,
	  .summary = "contended, with --cs-lines lines of protected data (default 8) moving "
		     "with the lock" },
	{ .name = "oversubscribed", .kernel = "contended",
	  .threads = WORKLOAD_THREADS_OVERSUBSCRIBED, .min_threads = 1, .uses_cs = true,
	  .uses_ncs = true, .needs_mutex = true, .sample_every = 64,
	  .summary = "contended at 2x, 4x, 8x online CPUs; flags collapse and starvation" },
};
const size_t workload_registry_count = sizeof workload_registry / sizeof workload_registry[0];

const struct workload_info *workload_find(const char *name)
{
	for (size_t i = 0; i < workload_registry_count; i++)
		if (strcmp(workload_registry[i].name, name) == 0)
			return &workload_registry[i];
	return NULL;
}
