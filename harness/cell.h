/*
 * One cell of the matrix (lock x workload x parameters x threads), run once (a
 * rep): the threads are created first, pinned, released together by a barrier,
 * and run without a break through warm-up, the measured window and the drain.
 * The window is bounded by two samples of every thread's published operation
 * count, clock and getrusage; the drain (stop flag to the last join) is timed on
 * its own. A cross-CPU probe before and after the rep tells which phase the
 * machine was in. cell_run_isolated does it in a forked child under a watchdog,
 * so a lock that collapses, livelocks or crashes costs one row (status timeout or
 * crashed), not the run.
 */
#ifndef LOCKLAB_CELL_H
#define LOCKLAB_CELL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common/histogram.h"
#include "common/timer.h"
#include "harness/mem_policy.h"
#include "locks/registry.h"
#include "workloads/kernel.h"
#include "workloads/workloads.h"

#define CELL_MAX_THREADS 1024

struct cell {
	const struct ll_info *lock;
	const struct workload_info *workload;
	unsigned threads;
	unsigned threads_per_cpu; /* N: threads = N x the online CPUs ("NxCPU"); 0: a count */
	unsigned cs_ns;
	unsigned ncs_ns;
	unsigned read_pct;
	unsigned cs_lines;    /* protected cache lines walked in every critical section */
	/* Placement: indexes into the run's --affinity and --mem-policy lists, and
	 * their texts (owned by the run); placed: the id says them (.aff<i>.mem<j>),
	 * as the run was given the options. */
	unsigned affinity, mem;
	const char *affinity_text, *mem_text;
	bool placed;
	char id[160]; /* <workload>.<lock>.t<threads>.cs<cs>.ncs<ncs>.r<read_pct>[.l<cs_lines>] */
};

struct cell_environment {
	const struct timer_calibration *timer;
	/* The fastest busy-loop rate seen so far on cpus[i] (iterations per ns), and
	 * over all of them for unpinned threads; NULL: only this rep's own. */
	const double *busy_per_cpu;
	double busy_iterations_per_ns;
	double duration_s;
	double warmup_s;
	unsigned sample_every;     /* a power of two: time one operation in this many;
				    * 0: the workload's own default */
	bool sampling_off;         /* time no operation (the sampling-cost reference) */
	bool pin;                  /* pin thread i to cpus[i % cpu_count] */
	const unsigned *cpus;
	unsigned cpu_count;
	unsigned numa_nodes;
	double watchdog_s;         /* 0: 5x (warm-up + duration) + 5 s */
	uint64_t seed;             /* this rep's: kernel generators, the lines' walk */
	unsigned probe_round_trips; /* probe_cpus[0] <-> [1] before and after; 0: none */
	const unsigned *probe_cpus; /* the run's pair, whatever the cell's placement;
				     * NULL: cpus[0] and cpus[1] */
	unsigned probe_cpu_count;
	kernel_fn kernel;          /* NULL: the compiled (workload, lock) kernel */
	bool run_length;           /* the instrumented rep: the runlength kernel instead */
	/* The lock's memory (harness/mem_policy.h); NULL: the kernel's first touch. */
	const struct mem_policy *mem_policy;
	int mem_target;            /* mem_policy_target's node, -1 none */
	unsigned machine_nodes;    /* NUMA nodes of the machine (interleave spans them) */
};

enum cell_status { CELL_OK, CELL_TIMEOUT, CELL_CRASHED, CELL_ERROR };

struct cell_result {
	enum cell_status status;
	int crash_signal;
	double duration_s;         /* the measured window */
	double drain_s;            /* the stop flag to the last thread joined */
	uint64_t ops;
	uint64_t reads;
	double cpu_user_s;
	double cpu_sys_s;
	long ctx_voluntary;
	long ctx_involuntary;
	double steal_s;            /* host steal time during the measured phase; NaN unknown */
	uint64_t heap_bytes;       /* peak heap the primitive allocated while measured */
	double busy_iterations_per_ns; /* this rep's busy-loop speed, median over its CPUs */
	double busy_per_cpu[CELL_MAX_THREADS]; /* and on each CPU it used, like env's */
	uint64_t skewed;           /* timer deltas left out: negative or implausible */
	/* Cross-CPU probes (common/cpu_pair.h) before and after; NaN when none. */
	double round_trip_before_ns, round_trip_after_ns;
	double skew_ns, skew_bound_ns;
	uint64_t thread_ops[CELL_MAX_THREADS];
	int thread_cpu[CELL_MAX_THREADS]; /* -1 when not pinned */
	/* What the threads really did, read from /proc/self/task/<tid>/ just before the
	 * window and at its end: the CPU each was on (stat's processor field) and the
	 * kernel's migrations (sched's nr_migrations) in between, all threads. */
	int ran_on_start[CELL_MAX_THREADS], ran_on_end[CELL_MAX_THREADS];
	double migrations;         /* NaN when unreadable */
	int lock_node;             /* the node of the lock's page (move_pages), -1 unknown */
	/* The busy loop's speed inside the window, from the busy work the kernels
	 * timed on sampled operations (kernel_time_busy, or kernel_probe_host where a
	 * cell has none), all threads together: what the host gave the rep while it
	 * ran. NaN: nothing was timed. */
	double busy_window_iterations_per_ns;
	struct hist acquire;
	struct hist hold;
	struct hist handoff;
	struct hist run_length;    /* instrumented rep: consecutive acquisitions per run */
	uint64_t handoffs;         /* instrumented rep: acquisitions taken from another thread */
};

/* Where a rep's window speed (busy_window_iterations_per_ns) comes from: the
 * busy work its kernel does outside the lock (contended and rwmix ncs work,
 * handoff's holds of CELL_HANDOFF_TIMED_CS_NS or more with no protected lines),
 * or, where there is none to time, short probes of the busy loop its kernel
 * runs after some unlocks (workloads/kernel.h, kernel_probe_host). */
enum cell_speed_source { CELL_SPEED_FROM_WORK, CELL_SPEED_FROM_PROBES };
enum cell_speed_source cell_speed_source(const struct cell *cell);

void cell_make_id(struct cell *cell);
/* Whether a and b run the same kernel with the same lock and parameters (cs, ncs,
 * read ratio, protected lines), whatever their workload's name, thread count and
 * placement: oversubscribed is contended's kernel past the CPUs, so contended's
 * 1-thread cell is its reference and their cells at one thread count are one
 * measurement. */
bool cell_same_shape(const struct cell *a, const struct cell *b);
const char *cell_status_name(enum cell_status status);
/* The status a name stands for; -1 for none. */
int cell_status_parse(const char *name);

/* How many distinct CPUs the cell's threads are pinned to (all of env's CPUs
 * when not pinned): the CPUs whose steal time and capacity the cell uses. */
unsigned cell_cpus_used(const struct cell *cell, const struct cell_environment *env);

/* In this process. Returns -1 with errno when it cannot be set up (result->status
 * is CELL_ERROR then). */
int cell_run(const struct cell *cell, const struct cell_environment *env,
	     struct cell_result *result);

/* In a forked child under the watchdog; returns -1 only when no child could run. */
int cell_run_isolated(const struct cell *cell, const struct cell_environment *env,
		      struct cell_result *result);

/* busy_calibrate (common/busy.h) by a thread pinned to each of cpus[0..count),
 * all at once, into per_cpu[]; returns their median. */
double cell_calibrate_busy_cpus(const struct timer_calibration *timer, const unsigned *cpus,
				unsigned count, double batch_ns, unsigned batches, double *per_cpu);

#endif
