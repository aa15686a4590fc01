#include "harness/ranking.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/stats.h"

struct ranking_column {
	const char *label;
	const char *workload;
	unsigned cs_ns;
	unsigned read_pct;
	bool threads_per_cpu; /* threads == online CPUs, else the workload's smallest */
	enum metric metric;
	double scale;
};

static const struct ranking_column ranking_columns[] = {
	{ "uncont ns/op", "uncontended", 0, 0, false, METRIC_ns_per_op, 1 },
	{ "contended Mops/s", "contended", 50, 0, true, METRIC_throughput_ops_s, 1e-6 },
	{ "rw90 Mops/s", "rwmix", 100, 90, true, METRIC_throughput_ops_s, 1e-6 },
	{ "handoff p50 ns", "handoff", 200000, 0, false, METRIC_handoff_p50_ns, 1 },
	{ "jain", "contended", 50, 0, true, METRIC_jain, 1 },
};
#define RANKING_COLUMNS (sizeof ranking_columns / sizeof ranking_columns[0])
#define RANKING_ORDER_COLUMN 1 /* contended throughput */
#define RANKING_MAX_THREADS 8

/* The thread counts at which a lock's cells were flagged, for one flag. */
struct flagged_threads {
	unsigned threads[RANKING_MAX_THREADS];
	size_t count;
};

struct ranking_line {
	const struct ll_info *lock;
	double value[RANKING_COLUMNS];
	double order_low, order_high; /* the ordering column's CI */
	struct flagged_threads collapse, starvation, timeout;
	unsigned noisy_cells, cells;
};

static void note_threads(struct flagged_threads *f, unsigned threads)
{
	for (size_t i = 0; i < f->count; i++)
		if (f->threads[i] == threads)
			return;
	if (f->count < RANKING_MAX_THREADS)
		f->threads[f->count++] = threads;
}

/* "collapse t8,t16; starved t4; timeout t16; noisy 3/14 cells" (the parts that apply). */
static void ranking_flags(const struct ranking_line *line, char *out, size_t size)
{
	const struct flagged_threads *lists[3] = { &line->collapse, &line->starvation,
						   &line->timeout };
	const char *names[3] = { "collapse", "starved", "timeout" };
	size_t used = 0;

	out[0] = '\0';
	for (int k = 0; k < 3; k++) {
		if (lists[k]->count == 0)
			continue;
		used += (size_t)snprintf(out + used, size - used, "%s%s", used ? "; " : "", names[k]);
		for (size_t i = 0; i < lists[k]->count && used < size; i++)
			used += (size_t)snprintf(out + used, size - used, "%st%u", i ? "," : " ",
						 lists[k]->threads[i]);
	}
	if (line->noisy_cells && used < size)
		snprintf(out + used, size - used, "%snoisy %u/%u cells", used ? "; " : "",
			 line->noisy_cells, line->cells);
}

static int by_order_column(const void *a, const void *b)
{
	double x = ((const struct ranking_line *)a)->value[RANKING_ORDER_COLUMN];
	double y = ((const struct ranking_line *)b)->value[RANKING_ORDER_COLUMN];
	if (isnan(x) != isnan(y))
		return isnan(x) ? 1 : -1;
	return (x < y) - (x > y);
}

void ranking_ties(const double *low, const double *high, size_t count, unsigned *rank)
{
	size_t leader = 0;

	for (size_t i = 0; i < count; i++) {
		bool tied = i > 0 && !isnan(low[i]) && !isnan(low[leader]) &&
			    low[i] <= high[leader] && low[leader] <= high[i];
		if (!tied)
			leader = i;
		rank[i] = (unsigned)leader + 1;
	}
}

size_t ranking_noise(const struct summary_row *summary, size_t summary_count, double *median_cv,
		     double *share_quiet)
{
	double *cvs = malloc((summary_count ? summary_count : 1) * sizeof *cvs);
	size_t n = 0, quiet = 0;

	*median_cv = NAN;
	*share_quiet = 0;
	if (cvs == NULL)
		return 0;
	for (size_t i = 0; i < summary_count; i++)
		if (summary[i].metric == METRIC_throughput_ops_s && summary[i].n >= 2 &&
		    !isnan(summary[i].cv)) {
			cvs[n++] = summary[i].cv;
			quiet += summary[i].cv < SUMMARY_NOISY_CV;
		}
	if (n > 0) {
		*median_cv = stats_median(cvs, n);
		*share_quiet = (double)quiet / (double)n;
	}
	free(cvs);
	return n;
}

static void fill_line(struct ranking_line *line, const struct cell *cell,
		      const struct summary_row *summary, size_t summary_count, enum phase phase,
		      unsigned cpus)
{
	unsigned flags = 0;

	for (size_t i = 0; i < summary_count; i++)
		if (summary[i].cell == cell)
			flags |= summary[i].flags;
	line->cells++;
	line->noisy_cells += (flags & FLAG_NOISY) != 0;
	if (flags & FLAG_COLLAPSE)
		note_threads(&line->collapse, cell->threads);
	if (flags & FLAG_STARVATION)
		note_threads(&line->starvation, cell->threads);
	if (flags & FLAG_TIMEOUT)
		note_threads(&line->timeout, cell->threads);
	for (size_t k = 0; k < RANKING_COLUMNS; k++) {
		const struct ranking_column *col = &ranking_columns[k];
		if (strcmp(cell->workload->name, col->workload) != 0 || cell->cs_ns != col->cs_ns ||
		    cell->read_pct != col->read_pct || cell->cs_lines != 0 || !isnan(line->value[k]))
			continue;
		if (col->threads_per_cpu && cell->threads != cpus)
			continue;
		const struct summary_row *row = summary_find(summary, summary_count, cell,
							     col->metric, phase);
		if (row == NULL)
			continue;
		line->value[k] = row->median * col->scale;
		if (k == RANKING_ORDER_COLUMN) {
			line->order_low = row->ci_low;
			line->order_high = row->ci_high;
		}
	}
}

static void print_phases(const struct run_row *rows, size_t row_count, const struct phase_fit *fit,
			 enum phase main)
{
	size_t count[3] = { 0 }, shifted = 0, failed = 0;

	for (size_t r = 0; r < row_count; r++) {
		if (rows[r].flags & FLAG_INSTRUMENTED)
			continue; /* counted apart: its figures are only run lengths */
		if (rows[r].status != CELL_OK) {
			failed++;
			continue;
		}
		if (rows[r].flags & FLAG_PHASE_SHIFT)
			shifted++;
		else if (rows[r].phase >= 0 && rows[r].phase < 3)
			count[rows[r].phase]++;
	}
	if (fit->two_phases)
		printf("machine phases (cross-CPU round trip, threshold %.0f ns): fast ~%.0f ns %zu "
		       "reps, slow ~%.0f ns %zu reps, %zu reps straddled both (left out); figures "
		       "above from the %s phase\n",
		       fit->threshold_ns, fit->fast_ns, count[PHASE_FAST], fit->slow_ns,
		       count[PHASE_SLOW], shifted, phase_name(main));
	else
		printf("machine phases: one (cross-CPU round trip ~%.0f ns), %zu reps\n", fit->fast_ns,
		       count[PHASE_ONE]);
	if (failed > 0)
		printf("%zu reps timed out or crashed (status in runs.csv, n_timeout in summary.csv)\n",
		       failed);
}

void ranking_print(const struct matrix *m, const struct run_row *rows, size_t row_count,
		   const struct summary_row *summary, size_t summary_count,
		   const struct phase_fit *fit, unsigned cpus)
{
	struct ranking_line *lines = calloc(m->cell_count ? m->cell_count : 1, sizeof *lines);
	enum phase main = summary_main_phase(rows, row_count);
	size_t line_count = 0;

	if (lines == NULL)
		return;
	for (size_t c = 0; c < m->cell_count; c++) {
		const struct cell *cell = &m->cells[c];
		struct ranking_line *line = NULL;

		for (size_t i = 0; i < line_count; i++)
			if (lines[i].lock == cell->lock)
				line = &lines[i];
		if (line == NULL) {
			line = &lines[line_count++];
			line->lock = cell->lock;
			line->order_low = line->order_high = NAN;
			for (size_t k = 0; k < RANKING_COLUMNS; k++)
				line->value[k] = NAN;
		}
		fill_line(line, cell, summary, summary_count, main, cpus);
	}
	qsort(lines, line_count, sizeof lines[0], by_order_column);

	double low[line_count ? line_count : 1], high[line_count ? line_count : 1];
	unsigned rank[line_count ? line_count : 1];
	for (size_t i = 0; i < line_count; i++) {
		low[i] = lines[i].order_low;
		high[i] = lines[i].order_high;
	}
	ranking_ties(low, high, line_count, rank);

	printf("\n%5s %-24s", "rank", "lock");
	for (size_t k = 0; k < RANKING_COLUMNS; k++)
		printf(" %16s", ranking_columns[k].label);
	printf("  flagged\n");
	for (size_t i = 0; i < line_count; i++) {
		char flags[256], place[16] = "-";
		bool tied = (i > 0 && rank[i - 1] == rank[i]) ||
			    (i + 1 < line_count && rank[i + 1] == rank[i]);

		if (!isnan(lines[i].value[RANKING_ORDER_COLUMN]))
			snprintf(place, sizeof place, "%s%u", tied ? "=" : "", rank[i]);
		printf("%5s %-24s", place, lines[i].lock->name);
		for (size_t k = 0; k < RANKING_COLUMNS; k++) {
			if (isnan(lines[i].value[k]))
				printf(" %16s", "-");
			else
				printf(" %16.3g", lines[i].value[k]);
		}
		ranking_flags(&lines[i], flags, sizeof flags);
		printf("  %s\n", flags);
	}
	printf("(medians over reps of one phase; contended: cs 50 ns, rw90: 90 %% reads, cs 100 ns, "
	       "both at %u threads = online CPUs; handoff: 2 threads, cs 200 us; ranked by "
	       "contended throughput, \"=\" where confidence intervals overlap)\n",
	       cpus);
	print_phases(rows, row_count, fit, main);
	double median_cv, share_quiet;
	size_t noise_rows = ranking_noise(summary, summary_count, &median_cv, &share_quiet);
	if (noise_rows > 0)
		printf("noise: throughput CV within a phase, median %.1f %%; %.0f %% of %zu "
		       "cell-phases under %.0f %%\n",
		       100 * median_cv, 100 * share_quiet, noise_rows, 100 * SUMMARY_NOISY_CV);
	free(lines);
}
