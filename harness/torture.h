/*
 * Correctness stress for one lock, in the manner of Linux locktorture: a
 * non-atomic shared counter and an owner word checked inside every critical
 * section, trylock checks, and for rw locks readers checked against writers.
 * Run it in a child process (torture_isolated) so a lock that deadlocks or
 * crashes is reported, not inherited.
 */
#ifndef LOCKLAB_TORTURE_H
#define LOCKLAB_TORTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "locks/registry.h"

/* The injector's default for `locklab torture`: see torture_config.inject_one_in. */
#define TORTURE_INJECT_DEFAULT 256

struct torture_config {
	unsigned threads;
	double seconds;
	uint64_t seed;
	unsigned numa_nodes; /* contexts get node = thread % numa_nodes */
	double watchdog_seconds; /* 0: 3x seconds + 10 s, room for slow FIFO drains */
	/* 0: off. K: each stress thread yields its CPU at 1 in K injection points
	 * (locks/base/inject.h): one inside every critical section, one in each
	 * negative control's race window. Seeded from seed and the thread index. */
	unsigned inject_one_in;
	unsigned cpus;          /* 0: any CPU; N: torture_isolated's child runs on the
				 * first N CPUs the caller may use */
	/* --affinity: stress thread i is pinned to pus[i % pu_count] (the plan of
	 * harness/placement.h); pu_count 0: not pinned. */
	const unsigned *pus;
	unsigned pu_count;
	bool stop_on_violation; /* end the stress at the first violation seen */
};

struct torture_result {
	uint64_t acquisitions;      /* exclusive critical sections entered */
	uint64_t reads;             /* shared critical sections entered */
	uint64_t trylock_failures;  /* trylocks that found the lock busy */
	uint64_t exclusion_violations; /* two holders seen at once */
	uint64_t lost_updates;      /* counter increments lost to a concurrent holder */
	uint64_t rw_violations;     /* reader beside a writer, or torn data */
	uint64_t semantic_failures; /* deterministic trylock / reader-sharing checks */
	unsigned max_readers;       /* most readers seen inside at once */
	uint64_t yields;            /* injection points that yielded */
	/* The CPUs the stress threads were on when they ended: bit c for CPU c < 64;
	 * ran_on_high when one was on a CPU past 63. */
	uint64_t ran_on_mask;
	bool ran_on_high;
	double caught_after_s;      /* stress time until a violation was first seen,
				     * checked each millisecond after the first; 0: none */
	bool timed_out;             /* the child did not finish: deadlock or livelock */
	int crash_signal;           /* nonzero: the child died of this signal */
	char first_failure[160];    /* what the first failed deterministic check was */
};

bool torture_failed(const struct torture_result *result);

/* Runs in this process; returns -1 if the lock could not be set up (errno). */
int torture_run(const struct ll_info *info, const struct torture_config *config,
		struct torture_result *result);

/* Runs torture_run in a forked child under a watchdog of a few times the run's
 * length. Returns -1 only if the child could not be started or reported nothing. */
int torture_isolated(const struct ll_info *info, const struct torture_config *config,
		     struct torture_result *result);

#endif
