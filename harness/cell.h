/*
 * One cell of the matrix (lock x workload x parameters x threads), run once: the
 * threads are created first, pinned, released together by a start barrier, warm
 * up, then run for the measured duration. cell_run_isolated does it in a forked
 * child under a watchdog, so a lock that collapses, livelocks or crashes costs one
 * row (status timeout or crashed), not the run.
 */
#ifndef LOCKLAB_CELL_H
#define LOCKLAB_CELL_H

#include <stdbool.h>
#include <stdint.h>

#include "common/histogram.h"
#include "common/timer.h"
#include "locks/registry.h"
#include "workloads/workloads.h"

#define CELL_MAX_THREADS 1024

struct cell {
	const struct ll_info *lock;
	const struct workload_info *workload;
	unsigned threads;
	unsigned cs_ns;
	unsigned ncs_ns;
	unsigned read_pct;
	char id[128]; /* <workload>.<lock>.t<threads>.cs<cs>.ncs<ncs>.r<read_pct> */
};

struct cell_environment {
	const struct timer_calibration *timer;
	double busy_iterations_per_ns;
	double duration_s;
	double warmup_s;
	unsigned sample_every;     /* a power of two: time one operation in this many;
				    * 0: the workload's own default */
	bool pin;                  /* pin thread i to cpus[i % cpu_count] */
	const unsigned *cpus;
	unsigned cpu_count;
	unsigned numa_nodes;
	double watchdog_s;         /* 0: 5x (warm-up + duration) + 5 s */
};

enum cell_status { CELL_OK, CELL_TIMEOUT, CELL_CRASHED, CELL_ERROR };

struct cell_result {
	enum cell_status status;
	int crash_signal;
	double duration_s;         /* measured phase: release of the barrier to last join */
	uint64_t ops;
	uint64_t reads;
	double cpu_user_s;
	double cpu_sys_s;
	long ctx_voluntary;
	long ctx_involuntary;
	double steal_s;            /* host steal time during the measured phase; NaN unknown */
	uint64_t heap_bytes;       /* peak heap the primitive allocated while measured */
	uint64_t thread_ops[CELL_MAX_THREADS];
	int thread_cpu[CELL_MAX_THREADS]; /* -1 when not pinned */
	struct hist acquire;
	struct hist hold;
	struct hist handoff;
};

void cell_make_id(struct cell *cell);
const char *cell_status_name(enum cell_status status);
/* The status a name stands for; -1 for none. */
int cell_status_parse(const char *name);

/* In this process. Returns -1 with errno when it cannot be set up (result->status
 * is CELL_ERROR then). */
int cell_run(const struct cell *cell, const struct cell_environment *env,
	     struct cell_result *result);

/* In a forked child under the watchdog; returns -1 only when no child could run. */
int cell_run_isolated(const struct cell *cell, const struct cell_environment *env,
		      struct cell_result *result);

/* Busy-loop iterations per nanosecond of this CPU, measured over about 50 ms. */
double cell_calibrate_busy(const struct timer_calibration *timer);

#endif
