/*
 * The figures of one (cell, rep), in runs.csv's column order. Each is a double so
 * the summary treats them alike; NaN means "does not apply" and is written as an
 * empty field (a handoff latency outside the handoff workload, steal time on a
 * kernel without /proc/stat).
 */
#ifndef LOCKLAB_METRICS_H
#define LOCKLAB_METRICS_H

#include <stdbool.h>

#include "harness/cell.h"

#define METRICS(X)                                                                        \
	X(duration_s) X(ops) X(throughput_ops_s) X(ns_per_op) X(lat_p50_ns) X(lat_p90_ns) \
	X(lat_p99_ns) X(lat_p999_ns) X(lat_max_ns) X(hold_p50_ns) X(hold_p99_ns)          \
	X(handoff_p50_ns) X(handoff_p99_ns) X(jain) X(min_share) X(max_share)             \
	X(cpu_user_s) X(cpu_sys_s) X(ctx_vol) X(ctx_invol) X(steal_s) X(lock_bytes)       \
	X(ctx_bytes) X(heap_bytes)

#define METRIC_ENUM(name) METRIC_##name,
enum metric { METRICS(METRIC_ENUM) METRIC_COUNT };
#undef METRIC_ENUM

extern const char *const metric_names[METRIC_COUNT];

/* Row flags: what a reader must know before trusting the figures. */
enum row_flag {
	FLAG_BELOW_RESOLUTION = 1 << 0, /* median sampled latency < 2x timer overhead */
	FLAG_STARVATION = 1 << 1,       /* a thread got < 1 % of its fair share */
	FLAG_COLLAPSE = 1 << 2,         /* throughput < 1 % of the lock's 1-thread figure */
	FLAG_NOISY = 1 << 3,            /* the cell's throughput CV over reps > 5 % */
	FLAG_STEAL = 1 << 4,            /* the host stole > 1 % of the cell's CPU time */
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
};

void metrics_compute(const struct cell *cell, unsigned rep, const struct cell_result *result,
		     double timer_overhead_ns, struct run_row *row);

/* "below_resolution;starvation", or "" for none, into buffer; and back. */
void metrics_flags_text(unsigned flags, char *buffer, size_t size);
unsigned metrics_flags_parse(const char *text);

#endif
