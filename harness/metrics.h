/*
 * The figures of one (cell, rep), in runs.csv's column order. Each is a double so
 * the summary treats them alike; NaN means "does not apply" and is written as an
 * empty field (a handoff latency outside the handoff workload, steal time on a
 * kernel without /proc/stat). Schema 1's figures come first; schema 2 appended its
 * own after the thread_cpus column (columns are appended, never renamed).
 */
#ifndef LOCKLAB_METRICS_H
#define LOCKLAB_METRICS_H

#include <stdbool.h>

#include "common/bundle_schema.h"
#include "harness/cell.h"

#define METRICS_V1(X) BUNDLE_METRICS_V1(X)
#define METRICS_V2(X) BUNDLE_METRICS_V2(X)
#define METRICS(X) METRICS_V1(X) METRICS_V2(X)

#define METRIC_ENUM(name) METRIC_##name,
enum metric { METRICS(METRIC_ENUM) METRIC_COUNT };
#undef METRIC_ENUM
/* The first metric schema 2 appended, after thread_cpus. */
#define METRIC_FIRST_APPENDED METRIC_drain_s

extern const char *const metric_names[METRIC_COUNT];

/* Row flags: what a reader must know before trusting the figures. */
enum row_flag {
	FLAG_BELOW_RESOLUTION = 1 << 0, /* median sampled latency < 2x timer overhead */
	FLAG_STARVATION = 1 << 1,       /* a thread got < 1 % of its fair share */
	FLAG_COLLAPSE = 1 << 2,         /* throughput < 1 % of the lock's 1-thread figure */
	FLAG_NOISY = 1 << 3,            /* the cell's throughput CV over reps > 5 % */
	FLAG_STEAL = 1 << 4,            /* the host stole > 1 % of the used CPUs' time */
	FLAG_SKEWED = 1 << 5,           /* timer deltas left out as negative or implausible */
	FLAG_PHASE_SHIFT = 1 << 6,      /* the rep's two probes straddle the phase threshold */
	FLAG_FEW_REPS = 1 << 7,         /* fewer than 6 reps: the median's CI is below 95 % */
	FLAG_TIMEOUT = 1 << 8,          /* a rep timed out or crashed (summary only) */
	FLAG_INSTRUMENTED = 1 << 9,     /* the run-length rep: only its run_length and
					 * handoffs figures count, nothing else */
	FLAG_HOST_SLOW = 1 << 10,       /* the busy loop ran slower in the window than in
					 * the cell's best rep: the host slowed its CPUs */
};

struct run_row {
	const struct cell *cell;
	unsigned rep;
	enum cell_status status;
	double value[METRIC_COUNT];
	unsigned flags;
	uint64_t reads;
	uint64_t samples; /* acquire latencies behind the lat_ columns */
	char thread_cpus[256]; /* "0;1;0;1": thread i ran on CPU n; "-" not pinned */
	int phase;        /* enum phase, decided with the whole run; -1 not yet */
	int lock_node;    /* the lock page's NUMA node, -1 unknown */
	char ran_on[256]; /* "0;1;0>1": each thread's CPU before the window and, when it
			   * moved, at its end; "?" unreadable */
	double migrations; /* the threads' migrations over the window; NaN unknown */
	double busy_window; /* busy_window_iterations_per_ns (cell.h); NaN unknown */
};

/* steal_cpus: how many CPUs the cell's threads ran on (steal is counted over those);
 * instrumented: the run-length rep. */
void metrics_compute(const struct cell *cell, unsigned rep, const struct cell_result *result,
		     double timer_overhead_ns, unsigned steal_cpus, bool instrumented,
		     struct run_row *row);

/* The metrics an instrumented rep is summarised for (and the only ones). */
bool metrics_from_instrumented(enum metric metric);

/* "below_resolution;starvation", or "" for none, into buffer; and back. */
void metrics_flags_text(unsigned flags, char *buffer, size_t size);
unsigned metrics_flags_parse(const char *text);

#endif
