/*
 * Placement as a dimension of `locklab run`: the run's --affinity and
 * --mem-policy lists parsed, each affinity planned on this machine's hwloc
 * topology once, the cells the machine cannot place left out with a reason, and
 * each cell's environment (its threads' CPUs, the busy loop's rates on them, its
 * lock's memory policy) set from its placement indexes.
 */
#ifndef LOCKLAB_RUN_PLACEMENT_H
#define LOCKLAB_RUN_PLACEMENT_H

#include <stdbool.h>
#include <stddef.h>

#include "harness/cell.h"
#include "harness/mem_policy.h"
#include "harness/placement.h"
#include "harness/run_options.h"

#define RUN_PLACEMENT_MAX 8

struct run_placement {
	struct placement_policy affinity[RUN_PLACEMENT_MAX];
	const char *affinity_text[RUN_PLACEMENT_MAX];
	size_t affinity_count;
	unsigned *pus[RUN_PLACEMENT_MAX]; /* the plan; NULL when it cannot be placed */
	long pu_count[RUN_PLACEMENT_MAX]; /* 0: none (the OS places) */
	char skip[RUN_PLACEMENT_MAX][96]; /* why an affinity cannot be placed here */
	struct mem_policy mem[RUN_PLACEMENT_MAX];
	const char *mem_text[RUN_PLACEMENT_MAX];
	size_t mem_count;
	bool placed;            /* the run was given --affinity or --mem-policy */
	unsigned nodes;         /* this machine's NUMA nodes */
	const unsigned *cpus;   /* the CPUs this process may use, ascending */
	unsigned cpu_count;
};

/* Parses and plans. Returns 0, or the exit status after one line (2: a malformed
 * policy, --no-pin beside --affinity; 3: the topology cannot be read). */
int run_placement_setup(struct run_placement *placement, const struct run_options *o,
			unsigned nodes, const unsigned *cpus, unsigned cpu_count);
void run_placement_free(struct run_placement *placement);

/* Why this machine cannot run affinity affinity with memory policy mem (a
 * static buffer, or the plan's own reason), or NULL. */
const char *run_placement_why_not(const struct run_placement *placement, unsigned affinity,
				  unsigned mem);
/* The first CPU of an affinity's plan, -1 when the OS places threads. */
int run_placement_first_cpu(const struct run_placement *placement, unsigned affinity);

/* For matrix_drop: why this machine cannot run the cell's placement, or NULL. */
const char *run_placement_skip(const struct cell *cell, void *placement);

/* The cell's environment: env copied, then its CPUs (into cpus), the busy loop's
 * known rates on them (into busy, from the run's rates per position of
 * placement->cpus) and its memory policy. */
void run_placement_env(const struct run_placement *placement, const struct cell *cell,
		       const struct cell_environment *run_env, const double *run_busy,
		       struct cell_environment *env, unsigned *cpus, double *busy);

/* The position of CPU cpu in placement->cpus, or -1. */
long run_placement_position(const struct run_placement *placement, unsigned cpu);

#endif
