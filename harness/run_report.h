/*
 * The parts of `locklab run` around the measuring loop: the run's own floors
 * (null lock, timer, cross-CPU round trip at start and end), meta.json, and the
 * end of a run: summary, final runs.csv, histograms and the ranking it prints.
 */
#ifndef LOCKLAB_RUN_REPORT_H
#define LOCKLAB_RUN_REPORT_H

#include <time.h>

#include "harness/bundle.h"
#include "harness/cell.h"
#include "harness/matrix.h"
#include "harness/phase.h"
#include "harness/run_placement.h"
#include "harness/vm_plan.h"

struct cell_hists {
	struct hist acquire;
	struct hist hold;
	struct hist handoff;
};

struct c2c_floor {
	bool measured;
	int cpu_a, cpu_b;
	double median_ns, min_ns;
	double skew_ns, skew_bound_ns; /* the two CPUs' counters; NaN on the clock source */
	char skipped[96];
};

struct run_context {
	int argc;
	char **argv;
	const struct matrix *matrix;
	const struct cell_environment *env;
	unsigned reps;
	uint64_t seed;
	const struct matrix_skip *preflight_failures;
	size_t preflight_failure_count;
	double null_ns_per_op;
	/* Sampling's own cost: one thread's contended throughput with latency
	 * sampling off and on, interleaved pairs; their median ratio. */
	double sampling_off_ops_s, sampling_on_ops_s, sampling_ratio;
	struct c2c_floor c2c_start, c2c_end;
	struct phase_fit phases;          /* fitted at the end, from every rep's probes */
	const struct vm_plan *vm;         /* the VM cells (--workload vm), or NULL */
	const struct run_placement *placement; /* the policies, for meta.json */
	struct timespec started, ended;
};

/* At the start (start true) the null-lock floor, sampling's cost and a c2c round
 * trip; at the end the c2c round trip again (every rep also probes its own). */
void run_measure_floors(struct run_context *ctx, bool start);

/* meta.json; complete false while the run is still going. */
int run_write_meta(const struct bundle *bundle, const struct run_context *ctx, bool complete);

/* The first meta.json, before the pre-flight: the command line alone (and no
 * preflight_failures), so a run killed before its first row can be resumed. */
int run_write_start_meta(const struct bundle *bundle, const struct run_context *ctx);

/* Summary, flags, then runs.csv, summary.csv (with the VM cells' rows), vm_runs.csv
 * and vm_sites.csv when there are VM cells, hist/, topology.xml and meta.json,
 * each written whole and synced, in that order (a kill between them leaves a
 * bundle --resume finishes again from its partial state, which this does not
 * touch), then the path and a ranking on stdout. Rows without a cell (never run)
 * are left out; the rest are compacted in place. Returns the command's exit
 * status; a file that cannot be written is named. */
int run_finish(struct bundle *bundle, struct run_context *ctx, struct run_row *rows,
	       size_t row_count, const struct cell_hists *hists);

#endif
