#include "harness/ranking.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/stats.h"

/* One column of the table: a configuration (a cell with its lock left out) and
 * the figure read from it. */
struct ranking_column {
	const struct cell *config; /* any cell of the configuration */
	enum metric metric;
	double scale;
	bool lower_is_better;
	char unit[24];    /* "t8 Mops/s": threads and the figure's unit */
};

#define RANKING_MAX_COLUMNS 6
#define RANKING_MAX_THREADS 8

/* The cells of a lock flagged with one flag: their thread counts and, for a
 * placement other than the run's first, its indexes. */
struct flagged_threads {
	struct {
		unsigned threads, affinity, mem;
	} at[RANKING_MAX_THREADS];
	size_t count;
};

struct ranking_line {
	const struct ll_info *lock;
	double value[RANKING_MAX_COLUMNS + 1]; /* the columns, then the order column's jain */
	double order_low, order_high; /* the ordering column's CI */
	double sort_key; /* the ordering column's value, negated where higher is better */
	struct flagged_threads collapse, starvation, timeout;
	unsigned noisy_cells, cells;
};

static void note_threads(struct flagged_threads *f, const struct cell *cell)
{
	for (size_t i = 0; i < f->count; i++)
		if (f->at[i].threads == cell->threads && f->at[i].affinity == cell->affinity &&
		    f->at[i].mem == cell->mem)
			return;
	if (f->count < RANKING_MAX_THREADS) {
		f->at[f->count].threads = cell->threads;
		f->at[f->count].affinity = cell->affinity;
		f->at[f->count].mem = cell->mem;
		f->count++;
	}
}

/* "collapse t8,t16,t2 a1m0; starved t4; timeout t16; noisy 3/14 cells" (the parts
 * that apply; a1m0 a placement named by its indexes, as in the columns). */
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
		for (size_t i = 0; i < lists[k]->count && used < size; i++) {
			unsigned a = lists[k]->at[i].affinity, m = lists[k]->at[i].mem;

			used += (size_t)snprintf(out + used, size - used, "%st%u", i ? "," : " ",
						 lists[k]->at[i].threads);
			if ((a != 0 || m != 0) && used < size)
				used += (size_t)snprintf(out + used, size - used, " a%um%u", a, m);
		}
	}
	if (line->noisy_cells && used < size)
		snprintf(out + used, size - used, "%snoisy %u/%u cells", used ? "; " : "",
			 line->noisy_cells, line->cells);
}

/* 0: the figure with its interval, 1: the figure of one rep, 2: no figure. */
static int sort_tier(const struct ranking_line *line)
{
	if (isnan(line->sort_key))
		return 2;
	return isnan(line->order_low) || isnan(line->order_high) ? 1 : 0;
}

/* Best first by sort_key within a tier: lines that can be ranked, then those
 * with a figure but no interval, then those without the figure. */
static int by_sort_key(const void *a, const void *b)
{
	const struct ranking_line *p = a, *q = b;
	int tp = sort_tier(p), tq = sort_tier(q);

	if (tp != tq)
		return tp - tq;
	if (tp == 2)
		return 0;
	return (p->sort_key > q->sort_key) - (p->sort_key < q->sort_key);
}

void ranking_ties(const double *low, const double *high, size_t count, unsigned *rank)
{
	size_t leader = 0;
	bool led = false;

	for (size_t i = 0; i < count; i++) {
		if (isnan(low[i]) || isnan(high[i])) {
			rank[i] = 0;
			continue;
		}
		if (!led || low[i] > high[leader] || low[leader] > high[i])
			leader = i;
		led = true;
		rank[i] = (unsigned)leader + 1;
	}
}

static bool has_cv(const struct summary_row *row)
{
	return row->metric == METRIC_throughput_ops_s && row->n >= 2 && !isnan(row->cv);
}

/* Whether row is its cell's first throughput row and none of the cell's rows has a CV. */
static bool first_of_cell_without_cv(const struct summary_row *summary, size_t summary_count,
				     size_t row)
{
	for (size_t i = 0; i < summary_count; i++) {
		if (summary[i].cell != summary[row].cell || summary[i].metric != METRIC_throughput_ops_s)
			continue;
		if (i < row || has_cv(&summary[i]))
			return false;
	}
	return true;
}

void ranking_noise(const struct summary_row *summary, size_t summary_count,
		   struct ranking_noise *out)
{
	double *cvs = malloc((summary_count ? summary_count : 1) * sizeof *cvs);
	size_t quiet = 0, rankable_quiet = 0;

	*out = (struct ranking_noise){ .median_cv = NAN };
	if (cvs == NULL)
		return;
	for (size_t i = 0; i < summary_count; i++) {
		if (has_cv(&summary[i])) {
			bool below = summary[i].cv < SUMMARY_NOISY_CV;

			cvs[out->rows++] = summary[i].cv;
			quiet += below;
			if (!(summary[i].flags & FLAG_COLLAPSE)) {
				out->rankable_rows++;
				rankable_quiet += below;
			}
		} else if (summary[i].metric == METRIC_throughput_ops_s &&
			   first_of_cell_without_cv(summary, summary_count, i)) {
			out->cells_without_cv++;
		}
	}
	if (out->rows > 0) {
		out->median_cv = stats_median(cvs, out->rows);
		out->share_quiet = (double)quiet / (double)out->rows;
	}
	if (out->rankable_rows > 0)
		out->rankable_share_quiet = (double)rankable_quiet / (double)out->rankable_rows;
	free(cvs);
}

static bool same_config(const struct cell *a, const struct cell *b)
{
	return a->workload == b->workload && a->threads == b->threads && a->cs_ns == b->cs_ns &&
	       a->ncs_ns == b->ncs_ns && a->read_pct == b->read_pct && a->cs_lines == b->cs_lines &&
	       a->affinity == b->affinity && a->mem == b->mem;
}

/* The figure a reader looks at first for a workload: time per operation alone,
 * the hand-off's own latency, and throughput for everything that contends. */
static void column_metric(struct ranking_column *col)
{
	const char *w = col->config->workload->name;

	const char *unit = "Mops/s";

	col->metric = METRIC_throughput_ops_s;
	col->scale = 1e-6;
	col->lower_is_better = false;
	if (strcmp(w, "uncontended") == 0) {
		col->metric = METRIC_ns_per_op;
		unit = "ns/op";
	} else if (strcmp(w, "handoff") == 0) {
		col->metric = METRIC_handoff_p50_ns;
		unit = "p50 ns";
	}
	if (col->metric != METRIC_throughput_ops_s) {
		col->scale = 1;
		col->lower_is_better = true;
	}
	/* A placement other than the run's first is named by its indexes (in meta.json
	 * and the configuration lines below). */
	if (col->config->affinity != 0 || col->config->mem != 0)
		snprintf(col->unit, sizeof col->unit, "t%u a%um%u %s", col->config->threads,
			 col->config->affinity, col->config->mem, unit);
	else
		snprintf(col->unit, sizeof col->unit, "t%u %s", col->config->threads, unit);
}

/* The configurations a profile's readers know, preferred when they were measured:
 * alone, contended and read-mostly at one thread per CPU, and the slow hand-off. */
static bool preferred(const struct cell *c, unsigned cpus, int rank)
{
	const char *w = c->workload->name;

	if (c->cs_lines != 0 || c->affinity != 0 || c->mem != 0)
		return false;
	switch (rank) {
	case 0: return strcmp(w, "uncontended") == 0 && c->cs_ns == 0;
	case 1: return strcmp(w, "contended") == 0 && c->threads == cpus && c->cs_ns == 50;
	case 2: return strcmp(w, "rwmix") == 0 && c->threads == cpus && c->read_pct == 90;
	case 3: return strcmp(w, "handoff") == 0 && c->cs_ns == 200000;
	default: return false;
	}
}

/* Chooses up to RANKING_MAX_COLUMNS configurations among those measured: the
 * preferred ones first, then the rest in the plan's order. Returns how many, and
 * in *total how many configurations there were. */
static size_t choose_columns(const struct matrix *m, unsigned cpus, struct ranking_column *cols,
			     size_t *total)
{
	size_t n = 0;

	*total = 0;
	for (size_t c = 0; c < m->cell_count; c++) {
		bool seen = false;
		for (size_t k = 0; k < c && !seen; k++)
			seen = same_config(&m->cells[k], &m->cells[c]);
		*total += !seen;
	}
	for (int rank = 0; rank <= 4; rank++)
		for (size_t c = 0; c < m->cell_count && n < RANKING_MAX_COLUMNS; c++) {
			const struct cell *cell = &m->cells[c];
			bool taken = false;

			if (rank < 4 && !preferred(cell, cpus, rank))
				continue;
			for (size_t k = 0; k < n && !taken; k++)
				taken = same_config(cols[k].config, cell);
			if (taken)
				continue;
			cols[n].config = cell;
			column_metric(&cols[n++]);
			if (rank < 4)
				break; /* one column per preferred configuration */
		}
	return n;
}

/* The column locks are ranked by: contended throughput at one thread per CPU when
 * measured, else the first contending column with the most threads, else the first. */
static size_t order_column(const struct ranking_column *cols, size_t n, unsigned cpus)
{
	size_t best = 0;
	bool found = false;

	for (size_t k = 0; k < n; k++)
		if (preferred(cols[k].config, cpus, 1))
			return k;
	for (size_t k = 0; k < n; k++)
		if (!cols[k].lower_is_better &&
		    (!found || cols[k].config->threads > cols[best].config->threads)) {
			best = k;
			found = true;
		}
	return best;
}

static void fill_line(struct ranking_line *line, const struct cell *cell,
		      const struct summary_row *summary, size_t summary_count, enum phase phase,
		      const struct ranking_column *cols, size_t col_count, size_t order)
{
	unsigned flags = 0;

	for (size_t i = 0; i < summary_count; i++)
		if (summary[i].cell == cell)
			flags |= summary[i].flags;
	line->cells++;
	line->noisy_cells += (flags & FLAG_NOISY) != 0;
	if (flags & FLAG_COLLAPSE)
		note_threads(&line->collapse, cell);
	if (flags & FLAG_STARVATION)
		note_threads(&line->starvation, cell);
	if (flags & FLAG_TIMEOUT)
		note_threads(&line->timeout, cell);
	for (size_t k = 0; k < col_count; k++) {
		if (!same_config(cell, cols[k].config))
			continue;
		const struct summary_row *row = summary_find(summary, summary_count, cell,
							     cols[k].metric, phase);
		if (row == NULL)
			continue;
		line->value[k] = row->median * cols[k].scale;
		if (k == order) {
			line->order_low = row->ci_low;
			line->order_high = row->ci_high;
			line->value[col_count] =
				summary_median(summary, summary_count, cell, METRIC_jain, phase);
		}
	}
}

static void print_phases(FILE *out, const struct run_row *rows, size_t row_count, const struct phase_fit *fit,
			 enum phase main)
{
	size_t count[3] = { 0 }, shifted = 0, host_slow = 0, failed = 0;

	for (size_t r = 0; r < row_count; r++) {
		if (rows[r].flags & FLAG_INSTRUMENTED)
			continue; /* counted apart: its figures are only run lengths */
		if (rows[r].status != CELL_OK) {
			failed++;
			continue;
		}
		if (rows[r].flags & FLAG_PHASE_SHIFT)
			shifted++;
		else if (rows[r].flags & FLAG_HOST_SLOW)
			host_slow++;
		else if (rows[r].phase >= 0 && rows[r].phase < 3)
			count[rows[r].phase]++;
	}
	if (fit->two_phases)
		fprintf(out, "machine phases (cross-CPU round trip, threshold %.0f ns): fast ~%.0f ns %zu "
		       "reps, slow ~%.0f ns %zu reps, %zu reps straddled both (left out); figures "
		       "above from the %s phase\n",
		       fit->threshold_ns, fit->fast_ns, count[PHASE_FAST], fit->slow_ns,
		       count[PHASE_SLOW], shifted, phase_name(main));
	else
		fprintf(out, "machine phases: one (cross-CPU round trip ~%.0f ns), %zu reps\n", fit->fast_ns,
		       count[PHASE_ONE]);
	if (host_slow > 0)
		fprintf(out, "host speed: %zu reps ran their busy work below %.0f %% of the speed of "
			"their cell's fastest rep (the host slowed the CPUs; left out)\n",
			host_slow, 100 * SUMMARY_HOST_SLOW);
	if (failed > 0)
		fprintf(out, "%zu reps timed out or crashed (status in runs.csv, n_timeout in summary.csv)\n",
		       failed);
}

/* "contended t2: cs 50 ns, ncs 200 ns" */
static void describe_config(FILE *out, const struct cell *c)
{
	const char *sep = ":";

	fprintf(out, "%s t%u", c->workload->name, c->threads);
	if (c->workload->uses_cs) {
		fprintf(out, "%s cs %u ns", sep, c->cs_ns);
		sep = ",";
	}
	if (c->workload->uses_ncs) {
		fprintf(out, "%s ncs %u ns", sep, c->ncs_ns);
		sep = ",";
	}
	if (c->workload->uses_read_pct) {
		fprintf(out, "%s %u %% reads", sep, c->read_pct);
		sep = ",";
	}
	if (c->cs_lines)
		fprintf(out, "%s %u lines", sep, c->cs_lines);
	if (c->placed)
		fprintf(out, "; affinity %s, memory %s", c->affinity_text, c->mem_text);
}

void ranking_print(FILE *out, const struct matrix *m, const struct run_row *rows,
		   size_t row_count, const struct summary_row *summary, size_t summary_count,
		   const struct phase_fit *fit, unsigned cpus)
{
	struct ranking_line *lines = calloc(m->cell_count ? m->cell_count : 1, sizeof *lines);
	enum phase main = summary_main_phase(rows, row_count);
	struct ranking_column cols[RANKING_MAX_COLUMNS];
	size_t line_count = 0, configs, col_count = choose_columns(m, cpus, cols, &configs);
	size_t order = order_column(cols, col_count, cpus);
	/* Fairness only means something where threads compete. */
	bool show_jain = col_count > 0 && cols[order].config->threads > 1;

	if (lines == NULL || col_count == 0) {
		free(lines);
		return;
	}
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
			for (size_t k = 0; k <= RANKING_MAX_COLUMNS; k++)
				line->value[k] = NAN;
		}
		fill_line(line, cell, summary, summary_count, main, cols, col_count, order);
	}
	for (size_t i = 0; i < line_count; i++)
		lines[i].sort_key = cols[order].lower_is_better ? lines[i].value[order]
								 : -lines[i].value[order];
	qsort(lines, line_count, sizeof lines[0], by_sort_key);

	double low[line_count], high[line_count];
	unsigned rank[line_count];
	for (size_t i = 0; i < line_count; i++) {
		low[i] = lines[i].order_low;
		high[i] = lines[i].order_high;
	}
	ranking_ties(low, high, line_count, rank);

	fprintf(out, "\n%5s %-24s", "rank", "lock");
	for (size_t k = 0; k < col_count; k++)
		fprintf(out, " %15.15s", cols[k].config->workload->name);
	if (show_jain)
		fprintf(out, " %8s", "");
	fprintf(out, "  flagged\n%30s", "");
	for (size_t k = 0; k < col_count; k++)
		fprintf(out, " %15s", cols[k].unit);
	if (show_jain)
		fprintf(out, " %8s", "jain");
	fputc('\n', out);
	for (size_t i = 0; i < line_count; i++) {
		char flags[256], place[16] = "-";
		bool tied = (i > 0 && rank[i - 1] == rank[i]) ||
			    (i + 1 < line_count && rank[i + 1] == rank[i]);

		if (rank[i] > 0)
			snprintf(place, sizeof place, "%s%u", tied ? "=" : "", rank[i]);
		else if (!isnan(lines[i].value[order]))
			snprintf(place, sizeof place, "?");
		fprintf(out, "%5s %-24s", place, lines[i].lock->name);
		for (size_t k = 0; k < col_count + show_jain; k++) {
			double v = lines[i].value[k < col_count ? k : col_count];
			int width = k < col_count ? 15 : 8;
			if (isnan(v))
				fprintf(out, " %*s", width, "-");
			else
				fprintf(out, " %*.3g", width, v);
		}
		ranking_flags(&lines[i], flags, sizeof flags);
		fprintf(out, "  %s\n", flags);
	}
	fprintf(out, "(medians over reps of one phase; ranked by %s %s, \"=\" where confidence "
		     "intervals overlap; \"?\" one rep, no interval: not ranked; \"-\" no rep "
		     "in this phase%s)\n",
		cols[order].config->workload->name, cols[order].unit,
		show_jain ? "; jain: fairness in that column" : "");
	for (size_t k = 0; k < col_count; k++) {
		fputs("  ", out);
		describe_config(out, cols[k].config);
		fputc('\n', out);
	}
	if (configs > col_count)
		fprintf(out, "  (%zu more configurations in summary.csv)\n", configs - col_count);
	print_phases(out, rows, row_count, fit, main);
	struct ranking_noise noise;
	ranking_noise(summary, summary_count, &noise);
	if (noise.rows > 0)
		fprintf(out, "noise: throughput CV within a phase, median %.1f %%; %.0f %% of %zu "
			     "cell-phases under %.0f %%",
			100 * noise.median_cv, 100 * noise.share_quiet, noise.rows,
			100 * SUMMARY_NOISY_CV);
	/* A collapsed lock changes hands at the scheduler's tick (249.5 ops/s for two
	 * threads on one CPU at CONFIG_HZ=250): its spread is the kernel's. */
	if (noise.rankable_rows < noise.rows)
		fprintf(out, ", %.0f %% of the %zu not flagged collapse",
			100 * noise.rankable_share_quiet, noise.rankable_rows);
	if (noise.cells_without_cv > 0)
		fprintf(out, "%s%zu cells have no CV (under 2 reps in every phase)",
			noise.rows > 0 ? "; " : "noise: ", noise.cells_without_cv);
	if (noise.rows > 0 || noise.cells_without_cv > 0)
		fputc('\n', out);
	free(lines);
}
