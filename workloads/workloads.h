/*
 * The workload registry: every benchmark workload, listed once. A workload is a
 * kernel (workloads/k_<kernel>.c) plus how the matrix uses it: which parameters
 * mean something to it and which thread counts it runs at.
 */
#ifndef LOCKLAB_WORKLOADS_H
#define LOCKLAB_WORKLOADS_H

#include <stdbool.h>
#include <stddef.h>

enum workload_threads {
	WORKLOAD_THREADS_ONE,            /* always one thread */
	WORKLOAD_THREADS_GIVEN,          /* the --threads list */
	WORKLOAD_THREADS_OVERSUBSCRIBED, /* the list (default 2x, 4x, 8x online CPUs), plus 1
					  * as reference */
};

struct workload_info {
	const char *name;
	const char *kernel;
	const char *summary;
	enum workload_threads threads;
	unsigned min_threads;   /* handoff needs two */
	bool uses_cs;
	bool uses_ncs;
	bool uses_read_pct;
	bool needs_mutex;       /* single-writer locks cannot run it */
	unsigned default_lines; /* protected cache lines when --cs-lines is not given */
	/* --run-length measures its multi-thread cells once more with the runlength
	 * kernel (the contended kernel plus an owner word). */
	bool run_length;
	/* Time one operation in this many (a power of two). A sampled operation costs
	 * two ordered timer reads (20-60 ns on a VM), so the cheapest workload samples
	 * least. */
	unsigned sample_every;
};

extern const struct workload_info workload_registry[];
extern const size_t workload_registry_count;

const struct workload_info *workload_find(const char *name);

#endif
