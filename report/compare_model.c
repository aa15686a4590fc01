#include "report/compare_model.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The metrics compared, and which way is better. */
static const struct {
	enum bundle_metric metric;
	bool higher_is_better;
} compared[] = {
	{ BUNDLE_METRIC_throughput_ops_s, true },
	{ BUNDLE_METRIC_lat_p99_ns, false },
	{ BUNDLE_METRIC_handoff_p50_ns, false },
};

bool compare_meaning_changed(enum bundle_metric metric)
{
	/* README "Schema 1 to 2": these kept their names but now cover the measured
	 * window only (and steal the cell's CPUs, hold times without a second timer
	 * read, hand-offs without wrapped deltas). */
	switch (metric) {
	case BUNDLE_METRIC_duration_s:
	case BUNDLE_METRIC_ops:
	case BUNDLE_METRIC_throughput_ops_s:
	case BUNDLE_METRIC_ns_per_op:
	case BUNDLE_METRIC_jain:
	case BUNDLE_METRIC_min_share:
	case BUNDLE_METRIC_max_share:
	case BUNDLE_METRIC_cpu_user_s:
	case BUNDLE_METRIC_cpu_sys_s:
	case BUNDLE_METRIC_ctx_vol:
	case BUNDLE_METRIC_ctx_invol:
	case BUNDLE_METRIC_steal_s:
	case BUNDLE_METRIC_lat_p50_ns:
	case BUNDLE_METRIC_lat_p90_ns:
	case BUNDLE_METRIC_lat_p99_ns:
	case BUNDLE_METRIC_lat_p999_ns:
	case BUNDLE_METRIC_lat_max_ns:
	case BUNDLE_METRIC_hold_p50_ns:
	case BUNDLE_METRIC_hold_p99_ns:
	case BUNDLE_METRIC_handoff_p50_ns:
	case BUNDLE_METRIC_handoff_p99_ns:
		return true;
	default:
		return false;
	}
}

/* A placement text, with a bundle from before placement read as the defaults it
 * ran under (round-robin pinning, first-touch memory). */
static bool same_policy(const char *a, const char *b, const char *implied)
{
	return strcmp(a[0] ? a : implied, b[0] ? b : implied) == 0;
}

static bool same_configuration(const struct bundle_cell *a, const struct bundle_cell *b)
{
	if ((a->guest == NULL) != (b->guest == NULL))
		return false;
	/* VM cells: guest, workers and placement (unplaced workers are the OS's);
	 * harts are the threads. */
	if (a->guest != NULL)
		return strcmp(a->guest, b->guest) == 0 && strcmp(a->lock, b->lock) == 0 &&
		       a->workers == b->workers && same_policy(a->affinity, b->affinity, "none") &&
		       same_policy(a->mem_policy, b->mem_policy, "default");
	return strcmp(a->workload, b->workload) == 0 && strcmp(a->lock, b->lock) == 0 &&
	       a->cs_ns == b->cs_ns && a->ncs_ns == b->ncs_ns && a->read_pct == b->read_pct &&
	       a->cs_lines == b->cs_lines && same_policy(a->affinity, b->affinity, "round-robin") &&
	       same_policy(a->mem_policy, b->mem_policy, "default");
}

/* The TSC's ticks per ns when the bundle's timer is an invariant TSC, else NaN. */
static double tsc_ticks_per_ns(const struct bundle_meta *meta)
{
	const json_t *timer = json_object_get(meta->json, "timer");
	const json_t *source = json_object_get(timer, "source");
	const json_t *hz = json_object_get(timer, "tsc_hz");

	if (!json_is_string(source) || strcmp(json_string_value(source), "tsc") != 0 ||
	    !json_is_true(json_object_get(timer, "invariant")) || !json_is_number(hz) ||
	    !(json_number_value(hz) > 0))
		return NAN;
	return json_number_value(hz) / 1e9;
}

static int add_row(struct compare_result *result, const struct compare_row *row)
{
	struct compare_row *rows = realloc(result->rows, (result->row_count + 1) * sizeof *rows);

	if (rows == NULL)
		return -1;
	result->rows = rows;
	rows[result->row_count++] = *row;
	return 0;
}

static int add_only(struct compare_result *result, size_t side, size_t cell, size_t against)
{
	struct compare_only *only = realloc(result->only, (result->only_count + 1) * sizeof *only);

	if (only == NULL)
		return -1;
	result->only = only;
	only[result->only_count++] = (struct compare_only){ side, cell, against };
	return 0;
}

/* The rows of one aligned pair of cells, one per metric both sides measured. */
static int compare_cells(struct compare_result *result, size_t side, size_t base_cell,
			 size_t cell, bool by_cpus)
{
	const struct compare_side *base = &result->sides[0], *other = &result->sides[side];
	bool schemas_differ = base->bundle.meta.schema_version != other->bundle.meta.schema_version;
	double base_values[REPORT_MAX_REPS], values[REPORT_MAX_REPS];

	bool vm = base->bundle.cells[base_cell].guest != NULL;

	for (size_t m = 0; m < (vm ? 1 : sizeof compared / sizeof compared[0]); m++) {
		struct compare_row row = { .side = side, .base_cell = base_cell, .cell = cell,
					   .metric = compared[m].metric, .vm = vm,
					   .higher_is_better = compared[m].higher_is_better,
					   .by_cpus = by_cpus, .p_adjusted = NAN };

		/* A VM cell compares its MIPS (higher is better, as throughput). */
		row.base_n = vm ? report_vm_rep_mips(&base->model, base_cell, base_values)
				: report_rep_values(&base->model, base_cell, row.metric, base_values);
		row.n = vm ? report_vm_rep_mips(&other->model, cell, values)
			   : report_rep_values(&other->model, cell, row.metric, values);
		/* Throughput is a row for every cell; the latencies only where measured. */
		if (row.metric != BUNDLE_METRIC_throughput_ops_s && (row.base_n == 0 || row.n == 0))
			continue;
		row.meaning_changed = schemas_differ && compare_meaning_changed(row.metric);
		row.base_median = stats_median(base_values, row.base_n);
		row.median = stats_median(values, row.n);
		row.ratio = (struct stats_ratio){ NAN, NAN, NAN, NAN };
		if (row.base_n >= COMPARE_MIN_REPS && row.n >= COMPARE_MIN_REPS &&
		    row.base_median > 0) {
			if (stats_ratio_ci(base_values, row.base_n, values, row.n, COMPARE_CONFIDENCE,
					   COMPARE_RESAMPLES, COMPARE_SEED, &row.ratio) != 0)
				return -1;
			/* The test is a rank-sum permutation test, not the bootstrap's p,
			 * which with a handful of reps a side calls twice its level
			 * different (stats::permutation_p_holds_its_level_with_few_reps). */
			if (stats_permutation_p(base_values, row.base_n, values, row.n,
						COMPARE_RESAMPLES, COMPARE_SEED, &row.ratio.p) != 0)
				return -1;
		} else if (row.base_median > 0) {
			row.ratio.ratio = row.median / row.base_median;
		}
		if (add_row(result, &row) != 0)
			return -1;
	}
	return 0;
}

/* Aligns side against the baseline: first on threads_per_cpu where both cells
 * have it, then the rest on thread counts. */
static int align(struct compare_result *result, size_t side)
{
	const struct bundle_contents *base = &result->sides[0].bundle;
	const struct bundle_contents *other = &result->sides[side].bundle;
	long *partner = malloc((base->cell_count + 1) * sizeof *partner);
	bool *taken = calloc(other->cell_count + 1, sizeof *taken);
	int status = -1;

	if (partner == NULL || taken == NULL)
		goto out;
	for (int pass = 0; pass < 2; pass++)
		for (size_t a = 0; a < base->cell_count; a++) {
			const struct bundle_cell *cell = &base->cells[a];

			if (pass == 0)
				partner[a] = -1;
			for (size_t b = 0; b < other->cell_count && partner[a] < 0; b++) {
				const struct bundle_cell *candidate = &other->cells[b];
				bool both_per_cpu = cell->threads_per_cpu && candidate->threads_per_cpu;

				if (taken[b] || !same_configuration(cell, candidate))
					continue;
				if (pass == 0 ? both_per_cpu &&
							cell->threads_per_cpu == candidate->threads_per_cpu
					      : !both_per_cpu && cell->threads == candidate->threads) {
					partner[a] = (long)b;
					taken[b] = true;
				}
			}
		}
	for (size_t a = 0; a < base->cell_count; a++) {
		if (partner[a] < 0 ? add_only(result, 0, a, side) != 0
				   : compare_cells(result, side, a, (size_t)partner[a],
						   base->cells[a].threads_per_cpu &&
							   other->cells[partner[a]].threads_per_cpu) != 0)
			goto out;
	}
	for (size_t b = 0; b < other->cell_count; b++)
		if (!taken[b] && add_only(result, side, b, 0) != 0)
			goto out;
	status = 0;
out:
	free(partner);
	free(taken);
	return status;
}

/* Benjamini-Hochberg over every test of every bundle. */
static int correct(struct compare_result *result)
{
	double *p = malloc((result->row_count + 1) * sizeof *p);

	if (p == NULL)
		return -1;
	for (size_t r = 0; r < result->row_count; r++) {
		p[r] = result->rows[r].ratio.p;
		result->tests += !isnan(p[r]);
	}
	if (stats_bh_adjust(p, result->row_count, p) != 0) {
		free(p);
		return -1;
	}
	for (size_t r = 0; r < result->row_count; r++) {
		result->rows[r].p_adjusted = p[r];
		result->rows[r].significant = !isnan(p[r]) && p[r] <= COMPARE_FDR;
	}
	free(p);
	return 0;
}

/* The setting called name, added (with no values yet) when new; NULL: no memory. */
static struct compare_setting *setting_named(struct compare_result *result, const char *name)
{
	size_t count = result->setting_count;

	for (size_t s = 0; s < count; s++)
		if (strcmp(result->settings[s].name, name) == 0)
			return &result->settings[s];
	struct compare_setting *settings = realloc(result->settings, (count + 1) * sizeof *settings);
	if (settings == NULL)
		return NULL;
	result->settings = settings;
	memset(&settings[count], 0, sizeof settings[count]);
	snprintf(settings[count].name, sizeof settings[count].name, "%s", name);
	result->setting_count++;
	return &settings[count];
}

/* Takes value (malloc'd; NULL means no memory). */
static int set_value(struct compare_result *result, const char *name, size_t side, char *value)
{
	struct compare_setting *setting = value ? setting_named(result, name) : NULL;

	if (setting == NULL) {
		free(value);
		return -1;
	}
	free(setting->values[side]);
	setting->values[side] = value;
	return 0;
}

/* Every scalar of fingerprint, build, timer and the run's options, the schema and
 * the main phase;
 * then only those that differ are kept, and the equal ones counted. */
static int collect_settings(struct compare_result *result)
{
	static const char *const groups[] = { "timer", "options" };
	size_t kept = 0;
	char text[64];

	for (size_t side = 0; side < result->side_count; side++) {
		const struct compare_side *s = &result->sides[side];
		const char *key;
		json_t *value;

		snprintf(text, sizeof text, "%d", s->bundle.meta.schema_version);
		if (set_value(result, "schema_version", side, strdup(text)) != 0)
			return -1;
		for (size_t f = 0; f < s->bundle.meta.fact_count; f++)
			if (set_value(result, s->bundle.meta.facts[f].name, side,
				      strdup(s->bundle.meta.facts[f].value)) != 0)
				return -1;
		for (size_t g = 0; g < sizeof groups / sizeof groups[0]; g++) {
			const json_t *group = json_object_get(s->bundle.meta.json, groups[g]);

			if (!json_is_object(group))
				continue;
			json_object_foreach((json_t *)group, key, value) {
				char name[64];
				char *scalar = bundle_json_scalar_text(value);

				snprintf(name, sizeof name, "%s.%s", groups[g], key);
				/* An object or array inside is not one setting. */
				if (scalar != NULL && set_value(result, name, side, scalar) != 0)
					return -1;
			}
		}
		if (set_value(result, "main phase", side, strdup(report_phase_label(&s->model))) != 0)
			return -1;
	}
	for (size_t s = 0; s < result->setting_count; s++)
		for (size_t side = 0; side < result->side_count; side++)
			if (result->settings[s].values[side] == NULL &&
			    (result->settings[s].values[side] = strdup("absent")) == NULL)
				return -1;
	/* Nothing fails from here: the equal settings are freed and counted. */
	for (size_t s = 0; s < result->setting_count; s++) {
		struct compare_setting setting = result->settings[s];
		bool differ = false;

		for (size_t side = 1; side < result->side_count; side++)
			differ |= strcmp(setting.values[side], setting.values[0]) != 0;
		if (differ) {
			result->settings[kept++] = setting;
			continue;
		}
		for (size_t side = 0; side < result->side_count; side++)
			free(setting.values[side]);
		result->equal_settings++;
	}
	result->setting_count = kept;
	return 0;
}

/* The folder's last component, for headings ("results/x-host/" gives "x-host"). */
static void side_name(const char *dir, char *out, size_t size)
{
	size_t length = strlen(dir);

	while (length > 1 && dir[length - 1] == '/')
		length--;
	size_t start = length;
	while (start > 0 && dir[start - 1] != '/')
		start--;
	snprintf(out, size, "%.*s", (int)(length - start), dir + start);
}

int compare_build(const char *const *dirs, size_t count, struct compare_result *result,
		  char *error, size_t error_size)
{
	memset(result, 0, sizeof *result);
	if (count < 2 || count > COMPARE_MAX_BUNDLES) {
		snprintf(error, error_size, "%zu bundles: compare takes 2 to %d", count,
			 COMPARE_MAX_BUNDLES);
		return 2;
	}
	for (size_t side = 0; side < count; side++) {
		struct compare_side *s = &result->sides[side];
		char reason[1024];

		if (bundle_read(dirs[side], &s->bundle, error, error_size) != 0)
			return 2;
		result->side_count++;
		if (report_model_build(&s->bundle, &s->model, reason, sizeof reason) != 0) {
			snprintf(error, error_size, "%s: %s", s->bundle.dir, reason);
			return 2;
		}
		side_name(dirs[side], s->name, sizeof s->name);
		s->tsc_ticks_per_ns = tsc_ticks_per_ns(&s->bundle.meta);
	}
	for (size_t side = 1; side < count; side++)
		if (align(result, side) != 0)
			goto no_memory;
	if (correct(result) != 0 || collect_settings(result) != 0)
		goto no_memory;
	return 0;
no_memory:
	snprintf(error, error_size, "out of memory");
	return 3;
}

void compare_free(struct compare_result *result)
{
	for (size_t s = 0; s < result->setting_count; s++)
		for (size_t side = 0; side < result->side_count; side++)
			free(result->settings[s].values[side]);
	free(result->settings);
	free(result->rows);
	free(result->only);
	for (size_t side = 0; side < result->side_count; side++) {
		report_model_free(&result->sides[side].model);
		bundle_free(&result->sides[side].bundle);
	}
	memset(result, 0, sizeof *result);
}
