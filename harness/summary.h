/*
 * Statistics over the reps of each cell, per machine phase: the run fits one
 * fast/slow threshold from every rep's cross-CPU probes (harness/phase.h), tags
 * each rep, and summarises each (cell, metric, phase) on its own, never across
 * phases. A rep whose two probes straddle the threshold (phase_shift) ran partly
 * in each and joins no median, nor does one that ran while the host slowed its
 * CPUs (host_slow: the busy work the kernel timed in the window ran below
 * SUMMARY_HOST_SLOW of the speed of the cell's fastest rep). Per row: the
 * median, its distribution-free confidence interval from order statistics with
 * the level it actually achieves (n = 5 gives 93.75 %, not a claimed 95 %), the
 * coefficient of variation and n.
 * Only reps with status ok count; n_ok and n_timeout say how many of the cell's
 * reps finished and how many timed out or crashed. Also decides the flags that
 * need more than one row: noisy (throughput CV > 5 % in the cell's main phase),
 * few_reps (n < 6), collapse (a multi-thread cell below 1 % of the same lock's
 * 1-thread throughput on the same kernel and parameters in the same phase (its
 * main phase where it has no usable rep in that one), or none
 * of its reps finished; oversubscribed cells always have that reference).
 */
#ifndef LOCKLAB_SUMMARY_H
#define LOCKLAB_SUMMARY_H

#include "harness/bundle.h"
#include "harness/metrics.h"
#include "harness/phase.h"

#define SUMMARY_NOISY_CV 0.05
#define SUMMARY_COLLAPSE_FRACTION 0.01
#define SUMMARY_CONFIDENCE 0.95
#define SUMMARY_FEW_REPS 6
/* Rows per cell and metric at most: one per phase, or one with no phase. */
#define SUMMARY_MAX_PHASES 3
/* A rep whose window busy speed is below this fraction of its cell's fastest rep
 * is flagged host_slow and joins no median: the host slows a CPU's busy loop to
 * about half speed in stretches of a few milliseconds, for up to seconds, and the
 * rep's figures follow it. */
#define SUMMARY_HOST_SLOW 0.95

struct summary_row {
	const struct cell *cell;
	enum metric metric;
	int phase;        /* enum phase; -1: the cell has no rep to summarise */
	double median;
	double ci_low;
	double ci_high;
	double ci_level;  /* the interval's achieved confidence */
	double cv;
	unsigned n;       /* reps behind the figures */
	unsigned n_ok;    /* the cell's reps that finished, any phase */
	unsigned n_timeout; /* the cell's reps that timed out or crashed */
	unsigned flags;
};

/* Fits the phases from every row's probes and tags each row (row->phase, and
 * FLAG_PHASE_SHIFT); returns the fit. */
struct phase_fit summary_phases(struct run_row *rows, size_t row_count);

/* The phase with the most usable reps in the run: the one a ranking reads. */
enum phase summary_main_phase(const struct run_row *rows, size_t row_count);

/* out has room for cell_count * METRIC_COUNT * SUMMARY_MAX_PHASES rows; returns
 * how many it filled. Rows must carry their phases (summary_phases). Sets
 * FLAG_NOISY, FLAG_FEW_REPS and FLAG_COLLAPSE on the rows of the cells concerned. */
size_t summary_compute(struct run_row *rows, size_t row_count, const struct cell *cells,
		       size_t cell_count, struct summary_row *out);

/* summary.csv: rows, then what more (may be NULL) writes after them (the VM
 * cells' rows, harness/vm_plan.h). */
int summary_write(const struct bundle *bundle, const struct summary_row *rows, size_t count,
		  void (*more)(FILE *out, const void *arg), const void *arg);

/* The summary row of (cell, metric, phase); NULL when there is none. */
const struct summary_row *summary_find(const struct summary_row *rows, size_t count,
				       const struct cell *cell, enum metric metric, enum phase phase);

/* Its median, or NaN. */
double summary_median(const struct summary_row *rows, size_t count, const struct cell *cell,
		      enum metric metric, enum phase phase);

#endif
