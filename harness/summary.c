#include "harness/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/stats.h"

/* host_slow, against the fastest window busy speed among the cell's finished reps
 * (the kernels' timed stretches carry the same stamp overhead in every rep of a
 * cell, so a cell compares with itself, not with the calibration). */
static void flag_host_slow(struct run_row *rows, size_t row_count)
{
	for (size_t r = 0; r < row_count; r++) {
		double best = 0.0;

		rows[r].flags &= ~(unsigned)FLAG_HOST_SLOW;
		if (rows[r].status != CELL_OK || !(rows[r].busy_window > 0.0))
			continue;
		for (size_t o = 0; o < row_count; o++)
			if (rows[o].cell == rows[r].cell && rows[o].status == CELL_OK &&
			    rows[o].busy_window > best)
				best = rows[o].busy_window;
		if (rows[r].busy_window < SUMMARY_HOST_SLOW * best)
			rows[r].flags |= FLAG_HOST_SLOW;
	}
}

struct phase_fit summary_phases(struct run_row *rows, size_t row_count)
{
	double *probes = calloc(2 * row_count + 1, sizeof *probes);
	struct phase_fit fit;
	size_t n = 0;

	for (size_t r = 0; r < row_count && probes != NULL; r++) {
		if (rows[r].status != CELL_OK)
			continue;
		probes[n++] = rows[r].value[METRIC_round_trip_before_ns];
		probes[n++] = rows[r].value[METRIC_round_trip_after_ns];
	}
	phase_fit(probes, n, &fit);
	free(probes);
	flag_host_slow(rows, row_count);
	for (size_t r = 0; r < row_count; r++) {
		bool shift = false;

		rows[r].flags &= ~(unsigned)FLAG_PHASE_SHIFT;
		rows[r].phase = (int)phase_of_rep(&fit, rows[r].value[METRIC_round_trip_before_ns],
						  rows[r].value[METRIC_round_trip_after_ns], &shift);
		if (shift)
			rows[r].flags |= FLAG_PHASE_SHIFT;
	}
	return fit;
}

static bool usable(const struct run_row *row)
{
	return row->status == CELL_OK && !(row->flags & (FLAG_PHASE_SHIFT | FLAG_HOST_SLOW)) &&
	       row->phase >= 0;
}

/* A timed rep counts for every metric but the run-length ones; the instrumented
 * rep for those only. */
static bool counts_for(const struct run_row *row, enum metric metric)
{
	return usable(row) &&
	       ((row->flags & FLAG_INSTRUMENTED) != 0) == metrics_from_instrumented(metric);
}

enum phase summary_main_phase(const struct run_row *rows, size_t row_count)
{
	size_t count[SUMMARY_MAX_PHASES] = { 0 };
	enum phase main = PHASE_ONE;

	for (size_t r = 0; r < row_count; r++)
		if (counts_for(&rows[r], METRIC_throughput_ops_s) &&
		    rows[r].phase < SUMMARY_MAX_PHASES)
			count[rows[r].phase]++;
	for (int p = 0; p < SUMMARY_MAX_PHASES; p++)
		if (count[p] > count[main])
			main = (enum phase)p;
	return main;
}

static void summarise_metric(const double *values, size_t n, struct summary_row *out)
{
	struct stats_spread spread;

	out->n = (unsigned)n;
	stats_describe(values, n, SUMMARY_CONFIDENCE, &spread); /* all NaN on failure */
	out->median = spread.median;
	out->cv = spread.cv;
	out->ci_low = spread.ci_low;
	out->ci_high = spread.ci_high;
	out->ci_level = spread.ci_level;
}

const struct summary_row *summary_find(const struct summary_row *rows, size_t count,
				       const struct cell *cell, enum metric metric, enum phase phase)
{
	for (size_t i = 0; i < count; i++)
		if (rows[i].cell == cell && rows[i].metric == metric && rows[i].phase == (int)phase)
			return &rows[i];
	return NULL;
}

double summary_median(const struct summary_row *rows, size_t count, const struct cell *cell,
		      enum metric metric, enum phase phase)
{
	const struct summary_row *row = summary_find(rows, count, cell, metric, phase);

	return row != NULL ? row->median : NAN;
}

/* The cell's rows for one metric, and which of its phases has the most reps. */
static const struct summary_row *main_row(const struct summary_row *rows, size_t count,
					  const struct cell *cell, enum metric metric)
{
	const struct summary_row *best = NULL;

	for (size_t i = 0; i < count; i++)
		if (rows[i].cell == cell && rows[i].metric == metric &&
		    (best == NULL || rows[i].n > best->n))
			best = &rows[i];
	return best;
}

static unsigned cell_flags(const struct summary_row *out, size_t filled, const struct cell *cells,
			   size_t cell_count, const struct cell *cell)
{
	const struct summary_row *throughput = main_row(out, filled, cell, METRIC_throughput_ops_s);
	unsigned flags = 0;

	if (throughput != NULL && throughput->n >= 2 && throughput->cv > SUMMARY_NOISY_CV)
		flags |= FLAG_NOISY;
	if (throughput == NULL || throughput->n < SUMMARY_FEW_REPS)
		flags |= FLAG_FEW_REPS;
	if (throughput != NULL && throughput->n_timeout > 0)
		flags |= FLAG_TIMEOUT;
	if (cell->threads == 1)
		return flags;
	/* Against the lock's 1-thread cell of the same kernel and parameters, where
	 * the run measured one: contended at 2x the CPUs is oversubscribed as much as
	 * the oversubscribed workload's own cells (the matrix measures them once). */
	const struct cell *reference = NULL;
	for (size_t r = 0; r < cell_count && reference == NULL; r++)
		if (cells[r].threads == 1 && cell_same_shape(&cells[r], cell))
			reference = &cells[r];
	if (reference == NULL && cell->workload->threads != WORKLOAD_THREADS_OVERSUBSCRIBED)
		return flags;
	if (throughput == NULL || throughput->n_ok == 0)
		return flags | FLAG_COLLAPSE; /* nothing finished */
	/* One thread's throughput does not cross CPUs, so where the reference has no
	 * usable rep in a phase its main phase stands in (a collapse is 100x, a
	 * phase 3-5x at most). */
	const struct summary_row *reference_main =
		reference ? main_row(out, filled, reference, METRIC_throughput_ops_s) : NULL;
	for (size_t i = 0; reference != NULL && i < filled; i++) {
		if (out[i].cell != cell || out[i].metric != METRIC_throughput_ops_s ||
		    out[i].phase < 0)
			continue;
		double median = summary_median(out, filled, reference, METRIC_throughput_ops_s,
					       (enum phase)out[i].phase);
		if (isnan(median) && reference_main != NULL)
			median = reference_main->median;
		if (out[i].median < SUMMARY_COLLAPSE_FRACTION * median)
			flags |= FLAG_COLLAPSE;
	}
	return flags;
}

size_t summary_compute(struct run_row *rows, size_t row_count, const struct cell *cells,
		       size_t cell_count, struct summary_row *out)
{
	double *values = malloc((row_count ? row_count : 1) * sizeof *values);
	size_t filled = 0;

	if (values == NULL)
		return 0;
	for (size_t c = 0; c < cell_count; c++) {
		unsigned n_ok = 0, n_timeout = 0, in_phase[SUMMARY_MAX_PHASES] = { 0 };

		for (size_t r = 0; r < row_count; r++) {
			if (rows[r].cell != &cells[c])
				continue;
			bool timed = !(rows[r].flags & FLAG_INSTRUMENTED);
			n_ok += timed && rows[r].status == CELL_OK;
			n_timeout += timed && (rows[r].status == CELL_TIMEOUT ||
					       rows[r].status == CELL_CRASHED);
			if (usable(&rows[r]) && rows[r].phase < SUMMARY_MAX_PHASES)
				in_phase[rows[r].phase]++;
		}
		bool any = false;
		for (int p = 0; p < SUMMARY_MAX_PHASES; p++)
			any |= in_phase[p] > 0;
		for (int p = any ? 0 : -1; p < (any ? SUMMARY_MAX_PHASES : 0); p++) {
			if (p >= 0 && in_phase[p] == 0)
				continue;
			for (int m = 0; m < METRIC_COUNT; m++) {
				size_t n = 0;

				for (size_t r = 0; p >= 0 && r < row_count; r++)
					if (rows[r].cell == &cells[c] && counts_for(&rows[r], m) &&
					    rows[r].phase == p && !isnan(rows[r].value[m]))
						values[n++] = rows[r].value[m];
				out[filled] = (struct summary_row){ .cell = &cells[c], .metric = m,
								    .phase = p, .n_ok = n_ok,
								    .n_timeout = n_timeout };
				summarise_metric(values, n, &out[filled]);
				filled++;
			}
		}
	}
	free(values);

	/* Flags that need the whole run: the cell's rows get them, and each
	 * summary row gets the cell's flags and every one of its rows' flags. */
	for (size_t c = 0; c < cell_count; c++) {
		const struct cell *cell = &cells[c];
		unsigned flags = cell_flags(out, filled, cells, cell_count, cell);
		unsigned any_row = 0;

		for (size_t r = 0; r < row_count; r++)
			if (rows[r].cell == cell) {
				rows[r].flags |= flags & ~(unsigned)FLAG_TIMEOUT;
				any_row |= rows[r].flags &
					   ~(unsigned)(FLAG_PHASE_SHIFT | FLAG_HOST_SLOW |
						       FLAG_INSTRUMENTED);
			}
		for (size_t i = 0; i < filled; i++)
			if (out[i].cell == cell) {
				out[i].flags = flags | any_row;
				if (out[i].n < SUMMARY_FEW_REPS)
					out[i].flags |= FLAG_FEW_REPS;
				else
					out[i].flags &= ~(unsigned)FLAG_FEW_REPS;
			}
	}
	return filled;
}

static void write_number(FILE *out, double value)
{
	if (isnan(value))
		fputc(',', out);
	else
		fprintf(out, ",%.6g", value);
}

int summary_write(const struct bundle *bundle, const struct summary_row *rows, size_t count,
		  void (*more)(FILE *out, const void *arg), const void *arg)
{
	FILE *out = bundle_open(bundle, BUNDLE_SUMMARY);
	char flags[160];

	if (out == NULL)
		return -1;
	/* Schema 1's columns, then schema 2's appended. */
	fputs(BUNDLE_SUMMARY_COLUMNS "\n", out);
	for (size_t i = 0; i < count; i++) {
		fprintf(out, "%s,%s", rows[i].cell->id, metric_names[rows[i].metric]);
		write_number(out, rows[i].median);
		write_number(out, rows[i].ci_low);
		write_number(out, rows[i].ci_high);
		write_number(out, rows[i].cv);
		metrics_flags_text(rows[i].flags, flags, sizeof flags);
		fprintf(out, ",%u,%s,%s", rows[i].n, flags,
			rows[i].phase >= 0 ? phase_name((enum phase)rows[i].phase) : "");
		write_number(out, rows[i].ci_level);
		fprintf(out, ",%u,%u\n", rows[i].n_ok, rows[i].n_timeout);
	}
	if (more != NULL)
		more(out, arg);
	return bundle_commit(bundle, BUNDLE_SUMMARY, out);
}
