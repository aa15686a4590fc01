#include "harness/run_report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"
#include "harness/fingerprint.h"
#include "harness/machine_probe.h"
#include "harness/summary.h"
#include "harness/topology.h"

#define FLOOR_NULL_SECONDS 0.1
#define FLOOR_C2C_ROUND_TRIPS 20000

static void measure_c2c(const struct cell_environment *env, struct c2c_floor *floor)
{
	memset(floor, 0, sizeof *floor);
	if (env->cpu_count < 2) {
		snprintf(floor->skipped, sizeof floor->skipped,
			 "needs 2 CPUs, this process may use %u", env->cpu_count);
		return;
	}
	floor->cpu_a = (int)env->cpus[0];
	floor->cpu_b = (int)env->cpus[1];
	if (probe_c2c_round_trip_ns(floor->cpu_a, floor->cpu_b, FLOOR_C2C_ROUND_TRIPS,
				    &floor->median_ns, &floor->min_ns) != 0) {
		snprintf(floor->skipped, sizeof floor->skipped, "probe failed: %s", strerror(errno));
		return;
	}
	floor->measured = true;
}

void run_measure_floors(struct run_context *ctx, bool start)
{
	if (!start) {
		measure_c2c(ctx->env, &ctx->c2c_end);
		return;
	}
	measure_c2c(ctx->env, &ctx->c2c_start);

	/* The null lock through the very kernel every lock runs: the loop's own cost. */
	struct cell floor_cell = { .lock = ll_find("null"), .workload = workload_find("uncontended"),
				   .threads = 1 };
	struct cell_environment env = *ctx->env;
	struct cell_result *result = malloc(sizeof *result);

	ctx->null_ns_per_op = NAN;
	env.duration_s = FLOOR_NULL_SECONDS;
	env.warmup_s = 0.01;
	cell_make_id(&floor_cell);
	if (result != NULL && cell_run(&floor_cell, &env, result) == 0 && result->ops > 0)
		ctx->null_ns_per_op = result->duration_s * 1e9 / (double)result->ops;
	free(result);
}

static json_t *number_or_null(double value)
{
	return isnan(value) ? json_null() : json_real(value);
}

static json_t *c2c_json(const struct c2c_floor *floor)
{
	if (!floor->measured)
		return json_pack("{s:s}", "skipped", floor->skipped);
	return json_pack("{s:[i,i],s:f,s:f}", "cpus", floor->cpu_a, floor->cpu_b, "median_ns",
			 floor->median_ns, "min_ns", floor->min_ns);
}

static json_t *utc_json(const struct timespec *when)
{
	char text[32];
	struct tm utc;

	if (when->tv_sec == 0)
		return json_null();
	gmtime_r(&when->tv_sec, &utc);
	strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
	return json_string(text);
}

static json_t *skips_json(const struct matrix_skip *skips, size_t count)
{
	json_t *array = json_array();

	for (size_t i = 0; i < count; i++)
		json_array_append_new(array, json_pack("{s:s,s:s}", "what", skips[i].what,
						       "reason", skips[i].reason));
	return array;
}

int run_write_meta(const struct bundle *bundle, const struct run_context *ctx, bool complete)
{
	const struct cell_environment *env = ctx->env;
	const struct timer_calibration *t = env->timer;
	json_t *command = json_array(), *cpus = json_array();

	for (int i = 0; i < ctx->argc; i++)
		json_array_append_new(command, json_string(ctx->argv[i]));
	for (unsigned i = 0; i < env->cpu_count; i++)
		json_array_append_new(cpus, json_integer(env->cpus[i]));

	json_t *meta = json_pack(
		"{s:i,s:b,s:o,s:o,s:o,s:{s:s,s:o,s:f,s:b},s:f,s:{s:o,s:f,s:o,s:o},"
		"s:{s:f,s:f,s:i,s:i,s:I,s:b,s:i},s:{s:s,s:o},s:o,s:o,s:o,s:o,s:I}",
		"schema_version", BUNDLE_SCHEMA_VERSION, "complete", complete,
		"fingerprint", fingerprint_collect(), "build", fingerprint_build(),
		"command_line", command,
		"timer", "source", t->source, "tsc_hz",
		t->kind == TIMER_KIND_CLOCK ? json_null() : json_real(t->ticks_per_ns * 1e9),
		"overhead_ns", t->overhead_ns, "invariant", t->invariant,
		"busy_iterations_per_ns", env->busy_iterations_per_ns,
		"floors", "null_ns_per_op", number_or_null(ctx->null_ns_per_op),
		"timer_overhead_ns", t->overhead_ns, "c2c_start", c2c_json(&ctx->c2c_start),
		"c2c_end", complete ? c2c_json(&ctx->c2c_end) : json_null(),
		"options", "duration_s", env->duration_s, "warmup_s", env->warmup_s, "reps",
		(int)ctx->reps, "sample_every", (int)env->sample_every, "seed",
		(json_int_t)ctx->seed, "pin", env->pin, "numa_nodes", (int)env->numa_nodes,
		"thread_placement", "policy",
		env->pin ? "thread i pinned to cpus[i % len(cpus)]" : "not pinned (--no-pin)",
		"cpus", cpus,
		"started_utc", utc_json(&ctx->started), "ended_utc", utc_json(&ctx->ended),
		"skipped", skips_json(ctx->matrix->skips, ctx->matrix->skip_count),
		"preflight_failures", skips_json(ctx->preflight_failures, ctx->preflight_failure_count),
		"cells", (json_int_t)ctx->matrix->cell_count);
	if (meta == NULL)
		return -1;
	int rc = bundle_write_json(bundle, "meta.json", meta);
	json_decref(meta);
	return rc;
}

/* One line per lock: the figures a reader looks at first. */
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

#define RANKING_MAX_THREADS 8

/* The thread counts at which a lock's cells were flagged, for one flag. */
struct flagged_threads {
	unsigned threads[RANKING_MAX_THREADS];
	size_t count;
};

struct ranking_line {
	const struct ll_info *lock;
	double value[RANKING_COLUMNS];
	struct flagged_threads collapse, starvation;
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

/* "collapse t8,t16; starved t4; noisy 3/14 cells" (only the parts that apply). */
static void ranking_flags(const struct ranking_line *line, char *out, size_t size)
{
	const struct flagged_threads *lists[2] = { &line->collapse, &line->starvation };
	const char *names[2] = { "collapse", "starved" };
	size_t used = 0;

	out[0] = '\0';
	for (int k = 0; k < 2; k++) {
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

static int by_contended_throughput(const void *a, const void *b)
{
	double x = ((const struct ranking_line *)a)->value[1];
	double y = ((const struct ranking_line *)b)->value[1];
	if (isnan(x) != isnan(y))
		return isnan(x) ? 1 : -1;
	return (x < y) - (x > y);
}

static void print_ranking(const struct matrix *m, const struct summary_row *summary,
			  size_t summary_count, unsigned cpus)
{
	struct ranking_line lines[ll_registry_count];
	size_t line_count = 0;

	for (size_t c = 0; c < m->cell_count; c++) {
		const struct cell *cell = &m->cells[c];
		struct ranking_line *line = NULL;

		for (size_t i = 0; i < line_count; i++)
			if (lines[i].lock == cell->lock)
				line = &lines[i];
		if (line == NULL) {
			line = &lines[line_count++];
			memset(line, 0, sizeof *line);
			line->lock = cell->lock;
			for (size_t k = 0; k < RANKING_COLUMNS; k++)
				line->value[k] = NAN;
		}
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
		for (size_t k = 0; k < RANKING_COLUMNS; k++) {
			const struct ranking_column *col = &ranking_columns[k];
			if (strcmp(cell->workload->name, col->workload) != 0 ||
			    cell->cs_ns != col->cs_ns || cell->read_pct != col->read_pct ||
			    !isnan(line->value[k]))
				continue;
			if (col->threads_per_cpu && cell->threads != cpus)
				continue;
			line->value[k] = summary_median(summary, summary_count, cell, col->metric) *
					 col->scale;
		}
	}
	qsort(lines, line_count, sizeof lines[0], by_contended_throughput);
	printf("\n%-24s", "lock");
	for (size_t k = 0; k < RANKING_COLUMNS; k++)
		printf(" %16s", ranking_columns[k].label);
	printf("  flagged\n");
	for (size_t i = 0; i < line_count; i++) {
		char flags[256];

		printf("%-24s", lines[i].lock->name);
		for (size_t k = 0; k < RANKING_COLUMNS; k++) {
			if (isnan(lines[i].value[k]))
				printf(" %16s", "-");
			else
				printf(" %16.3g", lines[i].value[k]);
		}
		ranking_flags(&lines[i], flags, sizeof flags);
		printf("  %s\n", flags);
	}
	printf("(medians over reps; contended: cs 50 ns, rw90: 90 %% reads, cs 100 ns, both at "
	       "%u threads = online CPUs; handoff: 2 threads, cs 200 us; sorted by contended "
	       "throughput)\n",
	       cpus);
}

int run_finish(struct bundle *bundle, struct run_context *ctx, struct run_row *rows,
	       size_t row_count, const struct cell_hists *hists)
{
	const struct matrix *m = ctx->matrix;
	struct summary_row *summary = malloc(m->cell_count * METRIC_COUNT * sizeof *summary);
	char topology_path[1200];
	int failed = 0;

	if (summary == NULL)
		return EXIT_ENVIRONMENT;
	/* Reps never run (their lock failed the pre-flight) have no row. */
	size_t kept = 0;
	for (size_t i = 0; i < row_count; i++)
		if (rows[i].cell != NULL)
			rows[kept++] = rows[i];
	row_count = kept;
	size_t summary_count = summary_compute(rows, row_count, m->cells, m->cell_count,
					       ctx->seed, summary);
	failed |= bundle_finish_runs(bundle, rows, row_count);
	failed |= summary_write(bundle, summary, summary_count);
	for (size_t c = 0; c < m->cell_count; c++) {
		const char *id = m->cells[c].id;
		if (hist_count(&hists[c].acquire))
			failed |= bundle_write_hist(bundle, id, "lat", &hists[c].acquire);
		if (hist_count(&hists[c].hold))
			failed |= bundle_write_hist(bundle, id, "hold", &hists[c].hold);
		if (hist_count(&hists[c].handoff))
			failed |= bundle_write_hist(bundle, id, "handoff", &hists[c].handoff);
	}
	/* hwloc writes the file itself, so it gets the temp-and-rename by hand. */
	snprintf(topology_path, sizeof topology_path, "%s/.topology.xml.tmp", bundle->dir);
	if (topology_export_xml(topology_path) == 0) {
		char final[1200];
		snprintf(final, sizeof final, "%s/topology.xml", bundle->dir);
		failed |= rename(topology_path, final);
	} else {
		failed = 1;
	}
	failed |= run_write_meta(bundle, ctx, true);
	if (failed) {
		cli_error("run", bundle->dir, "could not write every file of the bundle: %s",
			  strerror(errno));
		free(summary);
		return EXIT_ENVIRONMENT;
	}
	print_ranking(m, summary, summary_count, ctx->env->cpu_count);
	printf("\nnull-lock floor %.2f ns/op, timer overhead %.1f ns", ctx->null_ns_per_op,
	       ctx->env->timer->overhead_ns);
	if (ctx->c2c_start.measured && ctx->c2c_end.measured)
		printf(", cross-CPU round trip %.0f ns at start, %.0f ns at end",
		       ctx->c2c_start.median_ns, ctx->c2c_end.median_ns);
	printf("\nbundle: %s\n", bundle->dir);
	free(summary);
	return 0;
}
