#include "harness/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/stats.h"

#define SUMMARY_RESAMPLES 2000

static void summarise_metric(const double *values, size_t n, uint64_t seed,
			     struct summary_row *out)
{
	out->n = (unsigned)n;
	out->median = out->ci_low = out->ci_high = out->cv = NAN;
	if (n == 0)
		return;
	out->median = stats_median(values, n);
	out->cv = stats_cv(values, n);
	if (stats_bootstrap_median_ci(values, n, 0.95, SUMMARY_RESAMPLES, seed, &out->ci_low,
				      &out->ci_high) != 0)
		out->ci_low = out->ci_high = NAN;
}

static bool same_shape(const struct cell *a, const struct cell *b)
{
	return a->lock == b->lock && a->workload == b->workload && a->cs_ns == b->cs_ns &&
	       a->ncs_ns == b->ncs_ns && a->read_pct == b->read_pct;
}

double summary_median(const struct summary_row *rows, size_t count, const struct cell *cell,
		      enum metric metric)
{
	for (size_t i = 0; i < count; i++)
		if (rows[i].cell == cell && rows[i].metric == metric)
			return rows[i].median;
	return NAN;
}

size_t summary_compute(struct run_row *rows, size_t row_count, const struct cell *cells,
		       size_t cell_count, uint64_t seed, struct summary_row *out)
{
	double *values = malloc((row_count ? row_count : 1) * sizeof *values);
	size_t filled = 0;

	if (values == NULL)
		return 0;
	for (size_t c = 0; c < cell_count; c++) {
		for (int m = 0; m < METRIC_COUNT; m++) {
			size_t n = 0;

			for (size_t r = 0; r < row_count; r++)
				if (rows[r].cell == &cells[c] && rows[r].status == CELL_OK &&
				    !isnan(rows[r].value[m]))
					values[n++] = rows[r].value[m];
			out[filled] = (struct summary_row){ .cell = &cells[c], .metric = m };
			summarise_metric(values, n, seed + c * METRIC_COUNT + (uint64_t)m,
					 &out[filled]);
			filled++;
		}
	}
	free(values);

	/* Flags that need the whole run. */
	for (size_t c = 0; c < cell_count; c++) {
		const struct cell *cell = &cells[c];
		unsigned flags = 0;
		double throughput = summary_median(out, filled, cell, METRIC_throughput_ops_s);
		double cv = 0;

		for (size_t i = 0; i < filled; i++)
			if (out[i].cell == cell && out[i].metric == METRIC_throughput_ops_s)
				cv = out[i].cv;
		if (cv > SUMMARY_NOISY_CV)
			flags |= FLAG_NOISY;
		if (cell->workload->threads == WORKLOAD_THREADS_OVERSUBSCRIBED && cell->threads > 1) {
			for (size_t r = 0; r < cell_count; r++) {
				if (cells[r].threads != 1 || !same_shape(&cells[r], cell))
					continue;
				double reference = summary_median(out, filled, &cells[r],
								  METRIC_throughput_ops_s);
				if (!(throughput >= SUMMARY_COLLAPSE_FRACTION * reference))
					flags |= FLAG_COLLAPSE; /* also when nothing finished */
			}
		}
		/* Rows get the cell's flags; the cell's summary gets every row's too. */
		unsigned any_row = 0;
		for (size_t r = 0; r < row_count; r++)
			if (rows[r].cell == cell) {
				rows[r].flags |= flags;
				any_row |= rows[r].flags;
			}
		for (size_t i = 0; i < filled; i++)
			if (out[i].cell == cell)
				out[i].flags = flags | any_row;
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

int summary_write(const struct bundle *bundle, const struct summary_row *rows, size_t count)
{
	FILE *out = bundle_open(bundle, "summary.csv");
	char flags[128];

	if (out == NULL)
		return -1;
	fputs("cell_id,metric,median,ci_low,ci_high,cv,n,flags\n", out);
	for (size_t i = 0; i < count; i++) {
		fprintf(out, "%s,%s", rows[i].cell->id, metric_names[rows[i].metric]);
		write_number(out, rows[i].median);
		write_number(out, rows[i].ci_low);
		write_number(out, rows[i].ci_high);
		write_number(out, rows[i].cv);
		metrics_flags_text(rows[i].flags, flags, sizeof flags);
		fprintf(out, ",%u,%s\n", rows[i].n, flags);
	}
	return bundle_commit(bundle, "summary.csv", out);
}
