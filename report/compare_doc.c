#include "report/compare_doc.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report/report_sections.h"

#define ROW_COLUMNS 9

/* Per compared bundle: what its rows add up to. */
struct side_tally {
	size_t cells, tests, better, worse, only_base, only_side;
	double log_ratio_sum; /* over throughput ratios, for the geometric mean */
	size_t log_ratio_count;
};

static struct side_tally tally(const struct compare_result *result, size_t side)
{
	struct side_tally t = { 0 };

	for (size_t r = 0; r < result->row_count; r++) {
		const struct compare_row *row = &result->rows[r];

		if (row->side != side)
			continue;
		t.cells += row->metric == BUNDLE_METRIC_throughput_ops_s;
		t.tests += !isnan(row->ratio.p);
		if (row->significant) {
			bool up = row->ratio.ratio > 1.0;

			if (up == row->higher_is_better)
				t.better++;
			else
				t.worse++;
		}
		if (row->metric == BUNDLE_METRIC_throughput_ops_s && !row->vm && row->ratio.ratio > 0 &&
		    isfinite(row->ratio.ratio)) {
			t.log_ratio_sum += log(row->ratio.ratio);
			t.log_ratio_count++;
		}
	}
	for (size_t o = 0; o < result->only_count; o++) {
		const struct compare_only *only = &result->only[o];

		t.only_base += only->side == 0 && only->against == side;
		t.only_side += only->side == side;
	}
	return t;
}

static double geometric_mean(const struct side_tally *t)
{
	return t->log_ratio_count ? exp(t->log_ratio_sum / (double)t->log_ratio_count) : NAN;
}

static const char *metric_label(enum bundle_metric metric)
{
	switch (metric) {
	case BUNDLE_METRIC_throughput_ops_s:
		return "throughput (ops/s)";
	case BUNDLE_METRIC_lat_p99_ns:
		return "acquire p99";
	case BUNDLE_METRIC_handoff_p50_ns:
		return "hand-off p50";
	default:
		return bundle_metric_names[metric];
	}
}

/* A median as the table shows it: a rate with its SI prefix, or nanoseconds with
 * the TSC's ticks beside them when both bundles' TSCs are invariant. */
/* A median as the table shows it: a rate with its SI prefix, or nanoseconds with
 * the side's TSC ticks beside them when both bundles timed with an invariant TSC. */
static void value_text(const struct compare_result *result, const struct compare_row *row,
		       size_t side, double value, char *out, size_t size)
{
	bool ticks = isfinite(result->sides[0].tsc_ticks_per_ns) &&
		     isfinite(result->sides[row->side].tsc_ticks_per_ns);
	char number[24], tick_text[24];

	if (row->metric == BUNDLE_METRIC_throughput_ops_s) { /* or MIPS */
		report_rate(value, out, size);
		return;
	}
	report_number(value, number, sizeof number);
	if (isfinite(value) && ticks) {
		report_number(value * result->sides[side].tsc_ticks_per_ns, tick_text,
			      sizeof tick_text);
		snprintf(out, size, "%s ns (%s ticks)", number, tick_text);
	} else {
		snprintf(out, size, "%s ns", number);
	}
}

static const char *verdict(const struct compare_row *row)
{
	if (isnan(row->ratio.p))
		return "too few reps";
	if (!row->significant)
		return "no difference shown";
	return (row->ratio.ratio > 1.0) == row->higher_is_better ? "better" : "worse";
}

static void write_row(struct report_doc *doc, const struct compare_result *result,
		      const struct compare_row *row)
{
	const struct compare_side *base = &result->sides[0], *other = &result->sides[row->side];
	const struct bundle_cell *cell = &base->bundle.cells[row->base_cell];
	const struct bundle_cell *other_cell = &other->bundle.cells[row->cell];
	size_t config_index = base->model.cell_config[row->base_cell];
	char label[384];

	if (config_index == REPORT_NO_CONFIG && (cell->affinity[0] || cell->mem_policy[0]))
		snprintf(label, sizeof label, "vm guest=%s workers=%u affinity=%s memory=%s",
			 cell->guest, cell->workers, cell->affinity, cell->mem_policy);
	else if (config_index == REPORT_NO_CONFIG)
		snprintf(label, sizeof label, "vm guest=%s workers=%u", cell->guest, cell->workers);
	else if (base->model.placement_count > 1) /* the placement tells the cells apart */
		snprintf(label, sizeof label, "%s affinity=%s memory=%s",
			 base->model.configs[config_index].label, cell->affinity, cell->mem_policy);
	else
		snprintf(label, sizeof label, "%s", base->model.configs[config_index].label);
	char threads[64], base_value[96], value[96], ratio[96], low[32], high[32], p[64],
		adjusted[32], verdict_text[96];

	if (row->by_cpus && cell->threads != other_cell->threads)
		snprintf(threads, sizeof threads, "%ux CPUs (%u / %u)", cell->threads_per_cpu,
			 cell->threads, other_cell->threads);
	else if (row->by_cpus)
		snprintf(threads, sizeof threads, "%u (%ux CPUs)", cell->threads,
			 cell->threads_per_cpu);
	else
		snprintf(threads, sizeof threads, "%u", cell->threads);
	value_text(result, row, 0, row->base_median, base_value, sizeof base_value);
	value_text(result, row, row->side, row->median, value, sizeof value);
	report_number(row->ratio.ratio, ratio, sizeof ratio);
	report_number(row->ratio.low, low, sizeof low);
	report_number(row->ratio.high, high, sizeof high);
	if (isnan(row->ratio.low))
		snprintf(ratio + strlen(ratio), sizeof ratio - strlen(ratio), " (reps %zu / %zu)",
			 row->base_n, row->n);
	else
		snprintf(ratio + strlen(ratio), sizeof ratio - strlen(ratio), " (%s–%s)", low, high);
	report_number(row->ratio.p, p, sizeof p);
	report_number(row->p_adjusted, adjusted, sizeof adjusted);
	snprintf(p + strlen(p), sizeof p - strlen(p), " (%s)", adjusted);
	snprintf(verdict_text, sizeof verdict_text, "%s%s", verdict(row),
		 row->meaning_changed ? "; meaning changed v1→v2" : "");
	/* The verdict next to the ratio, so that a narrow screen shows both. */
	const char *cells[ROW_COLUMNS] = { label, threads, cell->lock,
					   row->vm ? "MIPS" : metric_label(row->metric), ratio,
					   verdict_text,
					   base_value, value, p };
	doc_table_row(doc, cells);
}

/* Rows of the significant table: the largest differences first. */
static const struct compare_row *sort_rows;

static int by_effect(const void *left, const void *right)
{
	double a = fabs(log(sort_rows[*(const size_t *)left].ratio.ratio));
	double b = fabs(log(sort_rows[*(const size_t *)right].ratio.ratio));

	return (a < b) - (a > b);
}

static void rows_table(struct report_doc *doc, const struct compare_result *result, size_t side,
		       bool significant_only)
{
	static const char *const headers[ROW_COLUMNS] = {
		"configuration", "threads", "lock", "metric", "ratio (95 % CI)", "verdict",
		"baseline", "this bundle", "p (BH-adjusted)"
	};
	size_t *order = malloc((result->row_count + 1) * sizeof *order), shown = 0;

	if (order == NULL) {
		doc_text(doc, "(out of memory)");
		return;
	}
	for (size_t r = 0; r < result->row_count; r++)
		if (result->rows[r].side == side && (!significant_only || result->rows[r].significant))
			order[shown++] = r;
	if (significant_only) {
		sort_rows = result->rows;
		qsort(order, shown, sizeof *order, by_effect);
	}
	if (shown > 0) {
		doc_table_begin(doc, ROW_COLUMNS, headers);
		doc_table_wrap(doc, 0);
		for (size_t i = 0; i < shown; i++)
			write_row(doc, result, &result->rows[order[i]]);
		doc_table_end(doc);
	} else {
		doc_text(doc, significant_only ? "No significant difference." : "No aligned cell.");
	}
	free(order);
}

static void write_settings(struct report_doc *doc, const struct compare_result *result)
{
	const char *headers[COMPARE_MAX_BUNDLES + 1] = { "setting" };
	const char *cells[COMPARE_MAX_BUNDLES + 1];

	doc_heading(doc, 2, "Settings that differ");
	if (result->setting_count == 0) {
		doc_text(doc, "None: the %zu settings recorded in meta.json are equal.",
			 result->equal_settings);
		return;
	}
	for (size_t side = 0; side < result->side_count; side++)
		headers[side + 1] = result->sides[side].name;
	doc_table_begin(doc, result->side_count + 1, headers);
	for (size_t s = 0; s < result->setting_count; s++) {
		cells[0] = result->settings[s].name;
		for (size_t side = 0; side < result->side_count; side++)
			cells[side + 1] = result->settings[s].values[side];
		doc_table_row(doc, cells);
	}
	doc_table_end(doc);
	doc_text(doc, "The other %zu settings recorded in meta.json are equal.",
		 result->equal_settings);
	for (size_t side = 1; side < result->side_count; side++)
		if (result->sides[side].bundle.meta.schema_version !=
		    result->sides[0].bundle.meta.schema_version) {
			doc_text(doc, "Schema %d beside schema %d: rows marked \"meaning changed "
				      "v1→v2\" compare a metric whose definition changed (schema 1 "
				      "counted the drain after the stop flag and mixed machine phases; "
				      "see the README, \"Schema 1 to 2\"). Their ratios are not like "
				      "for like.",
				 result->sides[0].bundle.meta.schema_version,
				 result->sides[side].bundle.meta.schema_version);
			break;
		}
}

static void write_summary(struct report_doc *doc, const struct compare_result *result)
{
	static const char *const headers[] = { "bundle", "aligned cells", "tests", "better",
					       "worse", "throughput ratio, geometric mean",
					       "only in baseline", "only in this bundle" };
	char numbers[7][32];
	const char *cells[8];

	doc_heading(doc, 2, "Summary");
	doc_table_begin(doc, 8, headers);
	for (size_t side = 1; side < result->side_count; side++) {
		struct side_tally t = tally(result, side);

		snprintf(numbers[0], 32, "%zu", t.cells);
		snprintf(numbers[1], 32, "%zu", t.tests);
		snprintf(numbers[2], 32, "%zu", t.better);
		snprintf(numbers[3], 32, "%zu", t.worse);
		report_number(geometric_mean(&t), numbers[4], 32);
		snprintf(numbers[5], 32, "%zu", t.only_base);
		snprintf(numbers[6], 32, "%zu", t.only_side);
		cells[0] = result->sides[side].name;
		for (size_t i = 0; i < 7; i++)
			cells[i + 1] = numbers[i];
		doc_table_row(doc, cells);
	}
	doc_table_end(doc);
}

static void write_only(struct report_doc *doc, const struct compare_result *result)
{
	static const char *const headers[] = { "cell", "measured in", "missing from" };

	doc_heading(doc, 2, "Cells on one side only");
	if (result->only_count == 0) {
		doc_text(doc, "None: every cell of every bundle has a partner in the baseline.");
		return;
	}
	doc_table_begin(doc, 3, headers);
	for (size_t o = 0; o < result->only_count; o++) {
		const struct compare_only *only = &result->only[o];
		const char *cells[3] = { result->sides[only->side].bundle.cells[only->cell].id,
					 result->sides[only->side].name,
					 result->sides[only->side == 0 ? only->against : 0].name };
		doc_table_row(doc, cells);
	}
	doc_table_end(doc);
}

void compare_write(const struct compare_result *result, struct report_doc *doc)
{
	char heading[300];

	doc_begin(doc, "locklab compare");
	doc_text(doc, "Baseline `%s` (%s). Every ratio is the other bundle's median over the "
		      "baseline's: above 1 the other bundle is faster in throughput and slower "
		      "in latency.",
		 result->sides[0].name, result->sides[0].bundle.dir);
	for (size_t side = 1; side < result->side_count; side++)
		doc_text(doc, "Compared: `%s` (%s).", result->sides[side].name,
			 result->sides[side].bundle.dir);
	doc_text(doc, "Significant: the Benjamini-Hochberg adjusted p-value is at most %.2f (see "
		      "Method, at the end).",
		 COMPARE_FDR);
	write_settings(doc, result);
	write_summary(doc, result);
	for (size_t side = 1; side < result->side_count; side++) {
		snprintf(heading, sizeof heading, "%s against %s: significant differences",
			 result->sides[side].name, result->sides[0].name);
		doc_heading(doc, 2, heading);
		rows_table(doc, result, side, true);
		snprintf(heading, sizeof heading, "%s against %s: every aligned cell",
			 result->sides[side].name, result->sides[0].name);
		doc_heading(doc, 2, heading);
		rows_table(doc, result, side, false);
	}
	write_only(doc, result);
	doc_heading(doc, 2, "Method");
	doc_text(doc, "Cells align on lock, workload, critical and non-critical section, read "
		      "share, protected lines and threads; thread counts asked for as N x CPUs "
		      "align on N when both bundles recorded it. Each side contributes the reps "
		      "of its own main phase (finished, not the run-length rep). Per aligned "
		      "cell and metric: the ratio of medians with a %.0f %% percentile bootstrap "
		      "interval (%d resamples, seed %d), and the p-value of a Wilcoxon-Mann-"
		      "Whitney rank-sum test of the two sides' reps (exact over every split of "
		      "the pooled reps up to %d splits, else that many seeded ones); "
		      "significant when the Benjamini-Hochberg adjusted p-value "
		      "over all %zu tests is at most %.2f (false discovery rate %.0f %%). The "
		      "test holds its level with few reps (3 a side can never reach 5 %%: "
		      "p >= 0.1), where a bootstrap interval is narrower than it claims: read "
		      "small ratios with care. Reps of two runs differ by the host's state as "
		      "well as the build's; a difference found between runs on a shared host "
		      "may be the host. Latency in TSC ticks (reference "
		      "cycles, not core cycles) is shown beside ns only when both bundles timed "
		      "with an invariant TSC.",
		 COMPARE_CONFIDENCE * 100, COMPARE_RESAMPLES, COMPARE_SEED, COMPARE_RESAMPLES,
		 result->tests, COMPARE_FDR, COMPARE_FDR * 100);
	doc_end(doc);
}

void compare_print_summary(const struct compare_result *result, FILE *out)
{
	fprintf(out, "compare: baseline %s; %zu tests, Benjamini-Hochberg at FDR %.0f %%\n",
		result->sides[0].name, result->tests, COMPARE_FDR * 100);
	for (size_t side = 1; side < result->side_count; side++) {
		struct side_tally t = tally(result, side);
		char mean[32];

		report_number(geometric_mean(&t), mean, sizeof mean);
		fprintf(out,
			"compare: %s: %zu cells aligned (%zu only in the baseline, %zu only here); "
			"throughput ratio %s (geometric mean); significant: %zu better, %zu worse\n",
			result->sides[side].name, t.cells, t.only_base, t.only_side, mean, t.better,
			t.worse);
	}
	if (result->setting_count > 0) {
		fputs("compare: settings that differ:", out);
		for (size_t s = 0; s < result->setting_count; s++)
			fprintf(out, "%s %s", s ? "," : "", result->settings[s].name);
		fputc('\n', out);
	}
}
