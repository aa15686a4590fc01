#include "report/report_sections.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/stats.h"

#define NOISY_CV 0.05
#define LONG_FACT 100
#define EXTRA_ROWS_SHOWN 100
#define TIES_LISTED 6 /* more ties than this, and most locks tie: name those that do not */

struct report_context {
	const struct report_model *model;
	struct report_doc *doc;
	const struct plot_env *env;
	struct plot_made *made;
	size_t *made_count;
};

void report_number(double value, char *out, size_t size)
{
	if (!isfinite(value)) {
		snprintf(out, size, "n/a");
		return;
	}
	double magnitude = fabs(value);
	int decimals = magnitude == 0 ? 0 : 2 - (int)floor(log10(magnitude));

	if (decimals < 0)
		decimals = 0;
	/* 9.996 rounds to "10.00": one decimal too many for three digits. */
	char probe[64];
	snprintf(probe, sizeof probe, "%.*f", decimals, value);
	if (decimals > 0 && fabs(strtod(probe, NULL)) >= pow(10, 3 - decimals))
		decimals--;
	snprintf(out, size, "%.*f", decimals, value);
}

void report_rate(double value, char *out, size_t size)
{
	static const char *const prefixes[] = { "", " k", " M", " G", " T" };
	size_t p = 0;

	while (isfinite(value) && fabs(value) >= 999.5 && p + 1 < sizeof prefixes / sizeof prefixes[0]) {
		value /= 1000;
		p++;
	}
	report_number(value, out, size);
	if (isfinite(value))
		snprintf(out + strlen(out), size - strlen(out), "%s", prefixes[p]);
}

/* Bytes and counts: whole numbers as they are. */
void report_ratio(double ratio, char *out, size_t size)
{
	if (ratio > 0 && ratio < 0.01) {
		double inverse = 1 / ratio, unit = pow(10, floor(log10(inverse)) - 2);

		snprintf(out, size, "1/%.0fx", round(inverse / unit) * unit);
	} else {
		snprintf(out, size, "%.3gx", ratio);
	}
}

static void whole_number(double value, char *out, size_t size)
{
	if (isfinite(value) && value == floor(value) && fabs(value) < 1e15)
		snprintf(out, size, "%.0f", value);
	else
		report_number(value, out, size);
}

static void interval(const struct bundle_summary *row, double scale, char *out, size_t size)
{
	char low[32], high[32];

	if (row == NULL || !bundle_has_interval(row)) {
		snprintf(out, size, "n/a");
		return;
	}
	report_number(row->ci_low / scale, low, sizeof low);
	report_number(row->ci_high / scale, high, sizeof high);
	snprintf(out, size, "%s–%s", low, high);
}

/* Runs one figure function's result: a made figure goes into the document. */
static int figure(struct report_context *ctx, int status, struct plot_made *made)
{
	char path[1400], relative[200];

	if (status == REPORT_PLOT_EMPTY)
		return 0;
	if (status != 0)
		return status;
	if (*ctx->made_count == REPORT_MAX_FIGURES) {
		snprintf(ctx->env->error, ctx->env->error_size, "more than %d figures",
			 REPORT_MAX_FIGURES);
		return 3;
	}
	ctx->made[(*ctx->made_count)++] = *made;
	snprintf(path, sizeof path, "%s/%s", ctx->env->out, made->name);
	snprintf(relative, sizeof relative, "plots/%s", made->name);
	if (doc_figure(ctx->doc, path, relative, made->caption) != 0) {
		snprintf(ctx->env->error, ctx->env->error_size, "%s: gnuplot wrote no SVG", path);
		return 3;
	}
	return 0;
}

static const char *meta_string(const struct report_model *model, const char *key)
{
	const json_t *value = json_object_get(model->bundle->meta.json, key);

	return json_is_string(value) ? json_string_value(value) : "unknown";
}

static const char *fact(const struct report_model *model, const char *name)
{
	for (size_t i = 0; i < model->bundle->meta.fact_count; i++)
		if (strcmp(model->bundle->meta.facts[i].name, name) == 0)
			return model->bundle->meta.facts[i].value;
	return "unknown";
}

static void section_run(struct report_context *ctx)
{
	const struct report_model *model = ctx->model;
	const json_t *command = json_object_get(model->bundle->meta.json, "command_line");
	char line[1024] = "locklab", phases[512] = "";
	size_t i;
	json_t *word;

	json_array_foreach(command, i, word)
		if (json_is_string(word))
			snprintf(line + strlen(line), sizeof line - strlen(line), " %s",
				 json_string_value(word));
	doc_text(ctx->doc, "Bundle %s: `%s`, %s to %s, commit %s, %u CPUs.", model->bundle->dir,
		 line, meta_string(model, "started_utc"), meta_string(model, "ended_utc"),
		 fact(model, "git_commit"), model->bundle->meta.cpus);
	for (size_t p = 0; p < model->phase_count; p++)
		if (model->phases[p].reps > 0)
			snprintf(phases + strlen(phases), sizeof phases - strlen(phases),
				 "%s%s: %ld reps", phases[0] ? ", " : "",
				 model->phases[p].name[0] ? model->phases[p].name : "all",
				 model->phases[p].reps);
	if (model->main_phase == NULL) {
		doc_text(ctx->doc, "No cell has a finished rep: there are no figures to show.");
		return;
	}
	doc_text(ctx->doc,
		 "Every figure and table is from the run's main phase, `%s`, the phase with the "
		 "most usable reps (%s); phases are never mixed in one figure.",
		 report_phase_label(model), phases);
	if (model->left_out_cells)
		doc_text(ctx->doc, "Left out, measured only outside the main phase: %zu cells.",
			 model->left_out_cells);
}

static void threads_text(const struct report_config *config, size_t t, char *out, size_t size)
{
	if (config->threads_per_cpu[t])
		snprintf(out, size, "%u (%ux CPUs)", config->threads[t], config->threads_per_cpu[t]);
	else
		snprintf(out, size, "%u", config->threads[t]);
}

/* A figure without an interval (one rep) cannot be told apart from any other. */
static bool overlaps(const struct bundle_summary *a, const struct bundle_summary *b)
{
	if (!bundle_has_interval(a) || !bundle_has_interval(b))
		return true;
	return a->ci_high >= b->ci_low && a->ci_low <= b->ci_high;
}

/* Whether row is a better candidate for the best lock than best: a figure with
 * an interval before one without, then the higher median. */
static bool better(const struct bundle_summary *row, const struct bundle_summary *best)
{
	if (best == NULL)
		return true;
	if (bundle_has_interval(row) != bundle_has_interval(best))
		return bundle_has_interval(row);
	return row->median > best->median;
}

static void list_add(char *list, size_t size, const char *text)
{
	size_t used = strlen(list);

	snprintf(list + used, size - used, "%s%s", used ? ", " : "", text);
}

static void section_best(struct report_context *ctx)
{
	const struct report_model *model = ctx->model;
	static const char *const headers[] = { "workload", "threads", "best lock", "median (ops/s)",
					       "CI (ops/s)", "ties (CI overlaps)",
					       "collapse / starvation" };

	doc_heading(ctx->doc, 2, "Best lock for each workload and thread count");
	doc_text(ctx->doc,
		 "The fastest lock by median throughput; every lock whose confidence interval "
		 "overlaps the fastest one's is a tie (the data cannot order them; when most "
		 "do, the few that do not are named). A figure from a single usable rep has no "
		 "interval: it ties with every lock, and is named best only when no lock has "
		 "an interval. The last column names locks flagged in that cell.");
	doc_table_begin(ctx->doc, 7, headers);
	doc_table_wrap(ctx->doc, 0);
	for (size_t k = 0; k < model->config_count; k++) {
		const struct report_config *c = &model->configs[k];

		for (size_t t = 0; t < c->thread_count; t++) {
			const struct bundle_summary *best = NULL;
			size_t best_lock = 0;
			char ties[2048] = "", others_out[2048] = "", collapsed[2048] = "",
			     starved[2048] = "", flagged[4200] = "", threads[48], median[32], ci[96];
			size_t others = 0, tied = 0;

			for (size_t l = 0; l < model->lock_count; l++) {
				long cell = report_cell(model, k, l, c->threads[t]);
				const struct bundle_summary *row =
					cell < 0 ? NULL
						 : report_figure(model, (size_t)cell,
								 BUNDLE_METRIC_throughput_ops_s);

				if (row != NULL && isfinite(row->median) && better(row, best)) {
					best = row;
					best_lock = l;
				}
			}
			if (best == NULL)
				continue;
			for (size_t l = 0; l < model->lock_count; l++) {
				long cell = report_cell(model, k, l, c->threads[t]);
				const struct bundle_summary *row =
					cell < 0 ? NULL
						 : report_figure(model, (size_t)cell,
								 BUNDLE_METRIC_throughput_ops_s);
				unsigned flags = cell < 0 ? 0 : report_cell_flags(model, (size_t)cell);

				if (l != best_lock && row != NULL && isfinite(row->median)) {
					others++;
					if (overlaps(row, best)) {
						tied++;
						list_add(ties, sizeof ties, model->locks[l]);
					} else {
						list_add(others_out, sizeof others_out, model->locks[l]);
					}
				}
				if (flags & BUNDLE_FLAG(collapse))
					list_add(collapsed, sizeof collapsed, model->locks[l]);
				if (flags & BUNDLE_FLAG(starvation))
					list_add(starved, sizeof starved, model->locks[l]);
			}
			/* When most locks tie, the few that do not are the shorter list. */
			if (tied == others && tied > TIES_LISTED)
				snprintf(ties, sizeof ties, "all %zu others", tied);
			else if (tied > TIES_LISTED && tied > others / 2)
				snprintf(ties, sizeof ties, "%zu of %zu, all but %.*s", tied, others,
					 (int)sizeof ties / 2, others_out);
			if (collapsed[0])
				snprintf(flagged, sizeof flagged, "collapse: %s", collapsed);
			if (starved[0])
				snprintf(flagged + strlen(flagged), sizeof flagged - strlen(flagged),
					 "%sstarvation: %s", flagged[0] ? "; " : "", starved);
			threads_text(c, t, threads, sizeof threads);
			report_rate(best->median, median, sizeof median);
			if (bundle_has_interval(best)) {
				char low[32], high[32];

				report_rate(best->ci_low, low, sizeof low);
				report_rate(best->ci_high, high, sizeof high);
				snprintf(ci, sizeof ci, "%s–%s", low, high);
			} else {
				snprintf(ci, sizeof ci, "n/a");
			}
			const char *cells[] = { c->label, threads, model->locks[best_lock], median, ci,
						ties[0] ? ties : "none", flagged };
			doc_table_row(ctx->doc, cells);
		}
	}
	doc_table_end(ctx->doc);
}

struct avoid_row {
	size_t lock;
	unsigned cells, collapse, starvation, noisy;
};

static int compare_avoid(const void *a, const void *b)
{
	const struct avoid_row *x = a, *y = b;
	unsigned bad_x = x->collapse + x->starvation, bad_y = y->collapse + y->starvation;

	if (bad_x != bad_y)
		return bad_x < bad_y ? 1 : -1;
	if (x->noisy != y->noisy)
		return x->noisy < y->noisy ? 1 : -1;
	return x->lock < y->lock ? -1 : x->lock > y->lock;
}

static void section_avoid(struct report_context *ctx)
{
	const struct report_model *model = ctx->model;
	struct avoid_row *rows = calloc(model->lock_count + 1, sizeof *rows);
	static const char *const headers[] = { "lock", "cells", "collapse", "starvation", "noisy" };
	size_t shown = 0;

	if (rows == NULL)
		return;
	for (size_t l = 0; l < model->lock_count; l++)
		rows[l].lock = l;
	for (size_t c = 0; c < model->bundle->cell_count; c++) {
		struct avoid_row *row = &rows[model->cell_lock[c]];
		unsigned flags = report_cell_flags(model, c);

		if (model->flags_row[c] < 0)
			continue;
		row->cells++;
		row->collapse += !!(flags & BUNDLE_FLAG(collapse));
		row->starvation += !!(flags & BUNDLE_FLAG(starvation));
		row->noisy += !!(flags & BUNDLE_FLAG(noisy));
	}
	qsort(rows, model->lock_count, sizeof *rows, compare_avoid);
	doc_heading(ctx->doc, 2, "Locks to avoid");
	doc_text(ctx->doc,
		 "Cells flagged `collapse` (a multi-thread cell below 1 %% of the lock's "
		 "1-thread throughput with the same parameters, or none of its reps finished), "
		 "`starvation` (a thread got "
		 "under 1 %% of its fair share) or `noisy` (throughput CV over 5 %%: the figure is "
		 "uncertain, which may be the machine rather than the lock), per lock.");
	doc_table_begin(ctx->doc, 5, headers);
	for (size_t i = 0; i < model->lock_count; i++) {
		char counts[4][16];
		const struct avoid_row *row = &rows[i];

		if (row->collapse + row->starvation + row->noisy == 0)
			continue;
		snprintf(counts[0], sizeof counts[0], "%u", row->cells);
		snprintf(counts[1], sizeof counts[1], "%u", row->collapse);
		snprintf(counts[2], sizeof counts[2], "%u", row->starvation);
		snprintf(counts[3], sizeof counts[3], "%u", row->noisy);
		const char *cells[] = { model->locks[row->lock], counts[0], counts[1], counts[2],
					counts[3] };
		doc_table_row(ctx->doc, cells);
		shown++;
	}
	doc_table_end(ctx->doc);
	if (shown == 0)
		doc_text(ctx->doc, "No lock has a flagged cell.");
	free(rows);
}

static int section_throughput(struct report_context *ctx)
{
	const struct report_model *model = ctx->model;
	struct plot_made made;
	int status = 0;

	doc_heading(ctx->doc, 2, "Throughput");
	for (size_t k = 0; k < model->config_count && status == 0; k++)
		if (model->configs[k].thread_count >= 2)
			status = figure(ctx, plot_throughput(ctx->env, model, k, &made), &made);
	for (size_t k = 0; k < model->config_count && status == 0; k++) {
		const char *workload = model->configs[k].workload;
		bool first = true;

		for (size_t j = 0; j < k; j++)
			first &= strcmp(model->configs[j].workload, workload) != 0;
		if (first)
			status = figure(ctx, plot_by_lock(ctx->env, model, workload, &made), &made);
	}
	return status;
}

static int section_uncontended(struct report_context *ctx)
{
	const struct report_model *model = ctx->model;
	long config = report_config_of(model, "uncontended");
	static const char *const headers[] = { "lock", "uncontended ns/op", "CI (ns)", "lock bytes",
					       "context bytes", "heap bytes (peak)" };
	struct plot_made made;

	doc_heading(ctx->doc, 2, "Uncontended cost and memory per primitive");
	doc_text(ctx->doc, "One thread, lock and unlock: the cost of the uncontended path (median "
			   "ns per operation over reps), and the bytes each primitive needs. n/a: not "
			   "measured uncontended, or no rep in the main phase.");
	doc_table_begin(ctx->doc, 6, headers);
	for (size_t l = 0; l < model->lock_count; l++) {
		long cell = config < 0 ? -1 : report_cell(model, (size_t)config, l, 1);
		const struct bundle_summary *row =
			cell < 0 ? NULL : report_figure(model, (size_t)cell, BUNDLE_METRIC_ns_per_op);
		double lock_bytes, ctx_bytes, heap_bytes;
		char ns[32], ci[96], bytes[3][32];

		report_lock_memory(model, l, &lock_bytes, &ctx_bytes, &heap_bytes);
		report_number(row ? row->median : NAN, ns, sizeof ns);
		interval(row, 1, ci, sizeof ci);
		whole_number(lock_bytes, bytes[0], sizeof bytes[0]);
		whole_number(ctx_bytes, bytes[1], sizeof bytes[1]);
		whole_number(heap_bytes, bytes[2], sizeof bytes[2]);
		const char *cells[] = { model->locks[l], ns, ci, bytes[0], bytes[1], bytes[2] };
		doc_table_row(ctx->doc, cells);
	}
	doc_table_end(ctx->doc);
	return figure(ctx, plot_memory(ctx->env, model, &made), &made);
}

/* The configuration figures of one cell per lock come from: contended, else shared. */
static long focus_config(const struct report_model *model)
{
	long config = report_config_of(model, "contended");

	return config >= 0 ? config : report_config_of(model, "shared");
}

static int section_latency(struct report_context *ctx)
{
	const struct report_model *model = ctx->model;
	long config = focus_config(model);
	struct plot_made made;
	int status;

	if (config < 0)
		return 0;
	doc_heading(ctx->doc, 2, "Latency");
	status = figure(ctx, plot_latency(ctx->env, model, (size_t)config, &made), &made);
	if (status == 0)
		status = figure(ctx, plot_cdf(ctx->env, model, (size_t)config, &made), &made);
	return status;
}

static int section_fairness(struct report_context *ctx)
{
	const struct report_model *model = ctx->model;
	long config = focus_config(model);
	static const char *const headers[] = { "lock", "Jain index", "min share", "max share",
					       "CPU ns/op" };
	struct plot_made made;
	unsigned threads;
	int status;

	if (config < 0)
		return 0;
	threads = report_focus_threads(model, (size_t)config);
	doc_heading(ctx->doc, 2, "Fairness and CPU per operation");
	doc_text(ctx->doc,
		 "%s at %u threads. Jain's index is 1 when every thread did the same number of "
		 "operations; CPU per operation is (cpu_user_s + cpu_sys_s) x 1e9 / ops, so a lock "
		 "whose waiters spin burns CPU that a sleeping one leaves to others.",
		 model->configs[config].label, threads);
	doc_table_begin(ctx->doc, 5, headers);
	for (size_t l = 0; l < model->lock_count; l++) {
		long cell = report_cell(model, (size_t)config, l, threads);
		static const enum bundle_metric metrics[] = { BUNDLE_METRIC_jain, BUNDLE_METRIC_min_share,
							      BUNDLE_METRIC_max_share };
		char values[4][32];

		if (cell < 0)
			continue;
		for (int m = 0; m < 3; m++) {
			const struct bundle_summary *row = report_figure(model, (size_t)cell, metrics[m]);

			report_number(row ? row->median : NAN, values[m], sizeof values[m]);
		}
		report_number(report_cpu_ns_per_op(model, (size_t)cell), values[3], sizeof values[3]);
		const char *cells[] = { model->locks[l], values[0], values[1], values[2], values[3] };
		doc_table_row(ctx->doc, cells);
	}
	doc_table_end(ctx->doc);
	status = figure(ctx, plot_fairness(ctx->env, model, (size_t)config, &made), &made);
	if (status == 0)
		status = figure(ctx, plot_cpu(ctx->env, model, (size_t)config, &made), &made);
	return status;
}

static int section_handoff(struct report_context *ctx)
{
	const struct report_model *model = ctx->model;
	struct plot_made made;

	if (report_config_of(model, "handoff") < 0)
		return 0;
	doc_heading(ctx->doc, 2, "Hand-off latency");
	doc_text(ctx->doc,
		 "From one owner's release to the next owner holding the lock: the wake-up cost. "
		 "This bundle does not record each lock's waiting policy (spin, spin then park, "
		 "sleep), so the figures are by lock; `locklab list` shows the policies of a build.");
	return figure(ctx, plot_handoff(ctx->env, model, &made), &made);
}

#define PLACEMENT_COLUMNS_SHOWN 6

/* How many placements the cells of config at threads ran under. */
static size_t placements_measured(const struct report_model *model, size_t config,
				  unsigned threads)
{
	size_t count = 0;

	for (size_t p = 0; p < model->placement_count; p++) {
		bool found = false;

		for (size_t l = 0; l < model->lock_count && !found; l++)
			found = report_placed_cell(model, config, l, threads, p) >= 0;
		count += found;
	}
	return count;
}

/* One configuration and thread count: a heatmap, then a table of throughput per
 * lock and placement with each ratio to placement 0. */
static int placement_table(struct report_context *ctx, size_t config, unsigned threads)
{
	const struct report_model *model = ctx->model;
	const char *headers[PLACEMENT_COLUMNS_SHOWN + 1] = { "lock" };
	size_t shown = model->placement_count < PLACEMENT_COLUMNS_SHOWN ? model->placement_count
									: PLACEMENT_COLUMNS_SHOWN;
	struct plot_made made;
	char heading[200];
	int status;

	snprintf(heading, sizeof heading, "%s, %u threads", model->configs[config].label, threads);
	doc_heading(ctx->doc, 3, heading);
	status = figure(ctx, plot_placement(ctx->env, model, config, threads, &made), &made);
	if (status != 0)
		return status;
	for (size_t p = 0; p < shown; p++)
		headers[p + 1] = model->placements[p].label;
	doc_table_begin(ctx->doc, shown + 1, headers);
	for (size_t l = 0; l < model->lock_count; l++) {
		char text[PLACEMENT_COLUMNS_SHOWN][96];
		const char *cells[PLACEMENT_COLUMNS_SHOWN + 1] = { model->locks[l] };
		const struct bundle_summary *first = NULL;
		bool any = false;

		for (size_t p = 0; p < shown; p++) {
			long cell = report_placed_cell(model, config, l, threads, p);
			const struct bundle_summary *row =
				cell < 0 ? NULL
					 : report_figure(model, (size_t)cell,
							 BUNDLE_METRIC_throughput_ops_s);
			char rate[32], ratio[32];

			cells[p + 1] = text[p];
			if (p == 0)
				first = row;
			if (row == NULL) {
				snprintf(text[p], sizeof text[p], "%s", cell < 0 ? "" : "no rep in phase");
				continue;
			}
			any = true;
			report_rate(row->median, rate, sizeof rate);
			if (p > 0 && first != NULL && first->median > 0) {
				report_ratio(row->median / first->median, ratio, sizeof ratio);
				snprintf(text[p], sizeof text[p], "%s%sops/s (%s)", rate,
					 strchr(rate, ' ') ? "" : " ", ratio);
			} else {
				snprintf(text[p], sizeof text[p], "%s%sops/s", rate,
					 strchr(rate, ' ') ? "" : " ");
			}
		}
		if (any)
			doc_table_row(ctx->doc, cells);
	}
	doc_table_end(ctx->doc);
	if (model->placement_count > shown)
		doc_text(ctx->doc, "%zu more placements in summary.csv.",
			 model->placement_count - shown);
	return 0;
}

/* When cells ran under several placements (--affinity, --mem-policy, or the
 * bench profile's placement slice): every configuration and thread count
 * measured under two or more of them, side by side. */
static int section_placement(struct report_context *ctx)
{
	const struct report_model *model = ctx->model;
	int status = 0;

	if (model->placement_count < 2)
		return 0;
	doc_heading(ctx->doc, 2, "Placement");
	doc_text(ctx->doc,
		 "Cells ran under %zu placements (thread affinity, memory policy of the lock). "
		 "Every other figure in this report shows the first, `%s`, only. Where a "
		 "thread actually ran and how often it migrated are recorded per rep (runs.csv "
		 "`ran_on`, `migrations`); where the lock's page landed, in `lock_node`. "
		 "Placements this machine cannot honour are skips listed in meta.json.",
		 model->placement_count, model->placements[0].label);
	for (size_t k = 0; k < model->config_count && status == 0; k++)
		for (size_t t = 0; t < model->configs[k].thread_count && status == 0; t++)
			if (placements_measured(model, k, model->configs[k].threads[t]) >= 2)
				status = placement_table(ctx, k, model->configs[k].threads[t]);
	return status;
}

static void section_machine(struct report_context *ctx)
{
	const struct bundle_meta *meta = &ctx->model->bundle->meta;
	static const char *const headers[] = { "fact", "value" };
	const json_t *timer = json_object_get(meta->json, "timer");
	const json_t *placement = json_object_get(meta->json, "thread_placement");
	const char *key;
	json_t *value;

	doc_heading(ctx->doc, 2, "Machine");
	doc_table_begin(ctx->doc, 2, headers);
	for (size_t i = 0; i < meta->fact_count; i++) {
		if (strlen(meta->facts[i].value) > LONG_FACT)
			continue;
		const char *cells[] = { meta->facts[i].name,
					strcmp(meta->facts[i].value, "null") == 0 ? "not readable"
										  : meta->facts[i].value };
		doc_table_row(ctx->doc, cells);
	}
	json_object_foreach((json_t *)timer, key, value) {
		char name[96], text[64];

		if (json_is_string(value))
			snprintf(text, sizeof text, "%s", json_string_value(value));
		else if (json_is_number(value))
			report_number(json_number_value(value), text, sizeof text);
		else
			continue;
		snprintf(name, sizeof name, "timer %s", key);
		const char *cells[] = { name, text };
		doc_table_row(ctx->doc, cells);
	}
	if (json_is_string(json_object_get(placement, "policy"))) {
		const char *cells[] = { "thread placement",
					json_string_value(json_object_get(placement, "policy")) };
		doc_table_row(ctx->doc, cells);
	}
	doc_table_end(ctx->doc);
	for (size_t i = 0; i < meta->fact_count; i++)
		if (strlen(meta->facts[i].value) > LONG_FACT)
			doc_text(ctx->doc, "%s: %s", meta->facts[i].name, meta->facts[i].value);
}

/* "63.6 (7 of 11)": a share in percent with its counts. */
static void share_text(size_t part, size_t whole, char *out, size_t size)
{
	size_t used;

	report_number(whole ? 100.0 * (double)part / (double)whole : NAN, out, size);
	used = strlen(out);
	snprintf(out + used, size - used, " (%zu of %zu)", part, whole);
}

static void section_noise(struct report_context *ctx)
{
	const struct report_model *model = ctx->model;
	const struct bundle_meta *meta = &model->bundle->meta;
	const json_t *phases = json_object_get(meta->json, "phases");
	static const char *const headers[] = { "measure", "value" };
	double *cvs = calloc(model->bundle->cell_count + 1, sizeof *cvs);
	size_t n = 0, quiet = 0, rankable = 0, rankable_quiet = 0;
	char text[8][64];

	for (size_t c = 0; cvs != NULL && c < model->bundle->cell_count; c++) {
		const struct bundle_summary *row = report_figure(model, c, BUNDLE_METRIC_throughput_ops_s);

		if (row != NULL && isfinite(row->cv)) {
			cvs[n++] = row->cv;
			quiet += row->cv < NOISY_CV;
			/* A collapsed lock changes hands at the scheduler's tick: its
			 * spread is the kernel's, and no ranking rests on it. */
			if (!(report_cell_flags(model, c) & BUNDLE_FLAG(collapse))) {
				rankable++;
				rankable_quiet += row->cv < NOISY_CV;
			}
		}
	}
	doc_heading(ctx->doc, 2, "The run's own noise");
	report_number(meta->timer_overhead_ns, text[0], sizeof text[0]);
	report_number(meta->null_ns_per_op, text[1], sizeof text[1]);
	report_number(n ? stats_median(cvs, n) * 100 : NAN, text[2], sizeof text[2]);
	share_text(quiet, n, text[3], sizeof text[3]);
	share_text(rankable_quiet, rankable, text[4], sizeof text[4]);
	report_number(meta->c2c_start_ns, text[5], sizeof text[5]);
	report_number(meta->c2c_end_ns, text[6], sizeof text[6]);
	doc_table_begin(ctx->doc, 2, headers);
	const char *rows[][2] = {
		{ "timer overhead (ns)", text[0] },
		{ "null lock floor (ns/op)", text[1] },
		{ "median throughput CV, main phase (%)", text[2] },
		{ "cells under 5 % CV (%)", text[3] },
		{ "cells not flagged collapse under 5 % CV (%)", text[4] },
		{ "cross-CPU round trip at start (ns, median)", text[5] },
		{ "cross-CPU round trip at end (ns, median)", text[6] },
	};
	for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++)
		doc_table_row(ctx->doc, rows[r]);
	static const char *const phase_keys[] = { "fast_ns", "slow_ns", "threshold_ns" };
	for (size_t k = 0; k < sizeof phase_keys / sizeof phase_keys[0]; k++) {
		const json_t *value = json_object_get(phases, phase_keys[k]);
		char name[64], number[32];

		if (!json_is_number(value))
			continue;
		snprintf(name, sizeof name, "phase round trip %s", phase_keys[k]);
		report_number(json_number_value(value), number, sizeof number);
		const char *cells[] = { name, number };
		doc_table_row(ctx->doc, cells);
	}
	for (size_t p = 0; p < model->phase_count; p++) {
		char name[64], reps[32];

		if (model->phases[p].reps == 0)
			continue;
		snprintf(name, sizeof name, "reps in phase %s",
			 model->phases[p].name[0] ? model->phases[p].name : "all");
		snprintf(reps, sizeof reps, "%ld", model->phases[p].reps);
		const char *cells[] = { name, reps };
		doc_table_row(ctx->doc, cells);
	}
	doc_table_end(ctx->doc);
	free(cvs);
}

/* An optional bundle file, shown as it is when the run wrote it. */
/* The vm_sites.csv rows summed per (cell, site) over reps, the longest total
 * wait first: which lock in the VM costs what. Only a --site-profile run has the
 * times; without them nothing is shown. */
static int section_vm_sites(struct report_context *ctx)
{
	static const char *const headers[] = { "cell", "site", "lock (mode)", "acquisitions",
					       "contended", "wait total (ms)", "wait p99 (ns, worst rep)" };
	const char *dir = ctx->model->bundle->dir;
	char path[1200], why[256];
	struct csv_table table;
	int id, site, lock, mode, acquisitions, contended, wait, p99;

	snprintf(path, sizeof path, "%s/" BUNDLE_VM_SITES, dir);
	if (access(path, F_OK) != 0)
		return 0;
	if (csv_read(path, &table, why, sizeof why) != 0) {
		snprintf(ctx->env->error, ctx->env->error_size, "%s: %s", path, why);
		return 2;
	}
	id = csv_column(&table, "cell_id");
	site = csv_column(&table, "site");
	lock = csv_column(&table, "site_lock");
	mode = csv_column(&table, "mode");
	acquisitions = csv_column(&table, "acquisitions");
	contended = csv_column(&table, "contended");
	wait = csv_column(&table, "wait_total_ns");
	p99 = csv_column(&table, "wait_p99_ns");
	if (id < 0 || site < 0 || lock < 0 || mode < 0 || acquisitions < 0 || contended < 0 ||
	    wait < 0 || p99 < 0 || table.rows == 0 || csv_row(&table, 0)[wait][0] == '\0') {
		csv_free(&table);
		return 0;
	}
	struct site_total {
		size_t first; /* its first row */
		double acquisitions, contended, wait, p99;
	} *totals = calloc(table.rows, sizeof *totals);
	size_t count = 0;
	if (totals == NULL) {
		csv_free(&table);
		snprintf(ctx->env->error, ctx->env->error_size, "out of memory");
		return 3;
	}
	for (size_t r = 0; r < table.rows; r++) {
		char *const *row = csv_row(&table, r);
		size_t t = 0;

		while (t < count && !(strcmp(csv_row(&table, totals[t].first)[id], row[id]) == 0 &&
				      strcmp(csv_row(&table, totals[t].first)[site], row[site]) == 0))
			t++;
		if (t == count)
			totals[count++].first = r;
		totals[t].acquisitions += strtod(row[acquisitions], NULL);
		totals[t].contended += strtod(row[contended], NULL);
		totals[t].wait += strtod(row[wait], NULL);
		if (strtod(row[p99], NULL) > totals[t].p99)
			totals[t].p99 = strtod(row[p99], NULL);
	}
	doc_heading(ctx->doc, 3, "Where the VM waits: lock sites by total wait");
	doc_text(ctx->doc, "Summed over each cell's reps (`--site-profile`); contended: a wait "
			   "above twice the primitive's uncontended p99. All %zu (cell, site) pairs "
			   "are in " BUNDLE_VM_SITES "; the ten longest here.",
		 count);
	doc_table_begin(ctx->doc, 7, headers);
	for (size_t shown = 0; shown < 10 && shown < count; shown++) {
		size_t longest = shown;
		for (size_t t = shown + 1; t < count; t++)
			if (totals[t].wait > totals[longest].wait)
				longest = t;
		struct site_total swap = totals[shown];
		totals[shown] = totals[longest];
		totals[longest] = swap;
		char *const *row = csv_row(&table, totals[shown].first);
		char lock_text[128], numbers[4][32];
		snprintf(lock_text, sizeof lock_text, "%s (%s)", row[lock], row[mode]);
		snprintf(numbers[0], 32, "%.0f", totals[shown].acquisitions);
		snprintf(numbers[1], 32, "%.0f", totals[shown].contended);
		report_number(totals[shown].wait / 1e6, numbers[2], 32);
		snprintf(numbers[3], 32, "%.0f", totals[shown].p99);
		const char *cells[] = { row[id], row[site], lock_text, numbers[0], numbers[1],
					numbers[2], numbers[3] };
		doc_table_row(ctx->doc, cells);
	}
	doc_table_end(ctx->doc);
	free(totals);
	csv_free(&table);
	return 0;
}

/* The VM as a workload: MIPS against harts per guest, a table per cell with its
 * lock memory and acquisitions, and the site profile when there is one. */
static int section_vm(struct report_context *ctx)
{
	static const char *const headers[] = { "guest", "harts", "workers", "lock", "MIPS",
					       "CI", "reps ok", "lock bytes (all sites)",
					       "acquisitions", "placement" };
	const struct report_model *model = ctx->model;
	const struct bundle_contents *bundle = model->bundle;
	bool placed = false;

	if (bundle->vm_run_count == 0)
		return 0;
	for (size_t c = 0; c < bundle->cell_count; c++)
		placed |= bundle->cells[c].guest != NULL &&
			  (bundle->cells[c].affinity[0] || bundle->cells[c].mem_policy[0]);
	doc_heading(ctx->doc, 2, "The VM under each lock");
	doc_text(ctx->doc, "Each rep boots the guest and runs it to its own self-check; MIPS is "
			   "instructions retired by all harts over the wall time. Figures are "
			   "medians over the reps of the VM reps' main phase, `%s`.",
		 model->vm_phase ? model->vm_phase : "none");
	for (size_t c = 0; c < bundle->cell_count; c++) {
		const struct bundle_cell *cell = &bundle->cells[c];
		bool first = cell->guest != NULL;

		for (size_t e = 0; e < c && first; e++)
			first = !(bundle->cells[e].guest != NULL &&
				  strcmp(bundle->cells[e].guest, cell->guest) == 0);
		if (!first)
			continue;
		struct plot_made made;
		int status = figure(ctx, plot_vm(ctx->env, model, cell->guest, &made), &made);
		if (status != 0)
			return status;
	}
	/* A placed run's cells differ by placement only: a column says which. */
	doc_table_begin(ctx->doc, placed ? 10 : 9, headers);
	for (size_t c = 0; c < bundle->cell_count; c++) {
		const struct bundle_cell *cell = &bundle->cells[c];
		const struct bundle_summary *mips = report_vm_figure(model, c, "mips");
		const struct bundle_summary *bytes = report_vm_figure(model, c, "lock_bytes_total");
		const struct bundle_summary *acquisitions = report_vm_figure(model, c, "acquisitions");
		char harts[16], workers[16], median[32], ci[80], reps[32], byte_text[32], acq[32],
			where[160];
		size_t ok = 0, all = 0;

		if (cell->guest == NULL)
			continue;
		for (size_t r = 0; r < bundle->vm_run_count; r++)
			if (bundle->vm_runs[r].cell == c) {
				all++;
				ok += strcmp(bundle->vm_runs[r].status, "ok") == 0;
			}
		snprintf(harts, sizeof harts, "%u", cell->threads);
		snprintf(workers, sizeof workers, "%u", cell->workers);
		report_number(mips ? mips->median : NAN, median, sizeof median);
		interval(mips, 1, ci, sizeof ci);
		snprintf(reps, sizeof reps, "%zu of %zu", ok, all);
		whole_number(bytes ? bytes->median : NAN, byte_text, sizeof byte_text);
		whole_number(acquisitions ? acquisitions->median : NAN, acq, sizeof acq);
		snprintf(where, sizeof where, "%s, memory %s",
			 cell->affinity[0] ? cell->affinity : "none",
			 cell->mem_policy[0] ? cell->mem_policy : "default");
		const char *cells[] = { cell->guest, harts, workers, cell->lock, median, ci, reps,
					byte_text, acq, where };
		doc_table_row(ctx->doc, cells);
	}
	doc_table_end(ctx->doc);
	return section_vm_sites(ctx);
}

/* A section per optional bundle file: its table, after its figure for c2c.csv. */
static int section_extra(struct report_context *ctx, const char *file, const char *title)
{
	const char *dir = ctx->model->bundle->dir;
	char path[1200], why[256];
	struct csv_table table;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (access(path, F_OK) != 0)
		return 0;
	if (csv_read(path, &table, why, sizeof why) != 0) {
		snprintf(ctx->env->error, ctx->env->error_size, "%s: %s", path, why);
		return 2;
	}
	doc_heading(ctx->doc, 2, title);
	if (strcmp(file, "c2c.csv") == 0) {
		struct plot_made made;
		int status = figure(ctx, plot_c2c(ctx->env, &table, &made), &made);

		if (status != 0) {
			csv_free(&table);
			return status;
		}
	}
	doc_table_begin(ctx->doc, table.columns, (const char *const *)table.fields);
	for (size_t r = 0; r < table.rows && r < EXTRA_ROWS_SHOWN; r++)
		doc_table_row(ctx->doc, (const char *const *)csv_row(&table, r));
	doc_table_end(ctx->doc);
	if (table.rows > EXTRA_ROWS_SHOWN)
		doc_text(ctx->doc, "%zu more rows in %s.", table.rows - EXTRA_ROWS_SHOWN, file);
	csv_free(&table);
	return 0;
}

int report_write(const struct report_model *model, struct report_doc *doc,
		 const struct plot_env *env, struct plot_made *made, size_t *made_count)
{
	struct report_context ctx = { model, doc, env, made, made_count };
	char title[1200];
	const char *name = strrchr(model->bundle->dir, '/');
	int status = 0;

	*made_count = 0;
	snprintf(title, sizeof title, "locklab report: %s", name ? name + 1 : model->bundle->dir);
	doc_begin(doc, title);
	section_run(&ctx);
	if (model->main_phase != NULL) {
		section_best(&ctx);
		section_avoid(&ctx);
		status = section_throughput(&ctx);
		if (status == 0)
			status = section_uncontended(&ctx);
		if (status == 0)
			status = section_latency(&ctx);
		if (status == 0)
			status = section_fairness(&ctx);
		if (status == 0)
			status = section_handoff(&ctx);
		if (status == 0)
			status = section_placement(&ctx);
	}
	if (status == 0) {
		section_machine(&ctx);
		section_noise(&ctx);
		status = section_vm(&ctx);
	}
	if (status == 0)
		status = section_extra(&ctx, "c2c.csv", "Core-to-core round trips");
	if (status == 0)
		status = section_extra(&ctx, "claims.csv", "Claims");
	doc_end(doc);
	return status;
}
