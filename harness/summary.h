/*
 * Statistics over the reps of each cell: median, a 95 % percentile-bootstrap
 * confidence interval of the median, coefficient of variation, n. Only reps with
 * status ok count. Also decides the flags that need more than one row: noisy
 * (throughput CV > 5 %) and collapse (an oversubscribed cell below 1 % of the
 * same lock's 1-thread throughput, or one that timed out).
 */
#ifndef LOCKLAB_SUMMARY_H
#define LOCKLAB_SUMMARY_H

#include "harness/bundle.h"
#include "harness/metrics.h"

#define SUMMARY_NOISY_CV 0.05
#define SUMMARY_COLLAPSE_FRACTION 0.01

struct summary_row {
	const struct cell *cell;
	enum metric metric;
	double median;
	double ci_low;
	double ci_high;
	double cv;
	unsigned n;
	unsigned flags; /* the cell's flags, over all its reps */
};

/* out has room for cell_count * METRIC_COUNT rows; returns how many it filled.
 * Sets FLAG_NOISY and FLAG_COLLAPSE on the rows of the cells concerned. */
size_t summary_compute(struct run_row *rows, size_t row_count, const struct cell *cells,
		       size_t cell_count, uint64_t seed, struct summary_row *out);

int summary_write(const struct bundle *bundle, const struct summary_row *rows, size_t count);

/* The median of metric over the ok reps of cell; NaN when none. */
double summary_median(const struct summary_row *rows, size_t count, const struct cell *cell,
		      enum metric metric);

#endif
