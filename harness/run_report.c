#include "harness/run_report.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/fingerprint.h"
#include "common/cpu_pair.h"
#include "harness/ranking.h"
#include "common/stats.h"
#include "harness/summary.h"
#include "harness/topology.h"
#include "locks/base/spin.h"
#include "locks/parking.h"
#include "vmcore/vm.h"
#include "locks/ttas_backoff.h"

#define FLOOR_NULL_SECONDS 0.1
#define FLOOR_C2C_ROUND_TRIPS 20000
#define SAMPLING_PAIRS 3
#define SAMPLING_SECONDS 0.05

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
	struct cpu_pair_sample sample;

	if (cpu_pair_probe(floor->cpu_a, floor->cpu_b, FLOOR_C2C_ROUND_TRIPS, env->timer,
			   &sample) != 0) {
		snprintf(floor->skipped, sizeof floor->skipped, "probe failed: %s", strerror(errno));
		return;
	}
	floor->median_ns = sample.round_trip_ns;
	floor->min_ns = sample.round_trip_min_ns;
	floor->skew_ns = sample.skew_ns;
	floor->skew_bound_ns = sample.skew_bound_ns;
	floor->measured = true;
}

/* Interleaved off/on pairs of the contended kernel on one thread (the null lock,
 * cs 50 ns, ncs 200 ns, the workload's own sampling rate): what sampling costs
 * a measured operation, apart from any lock. */
static void measure_sampling_cost(struct run_context *ctx)
{
	struct cell cell = { .lock = ll_find("null"), .workload = workload_find("contended"),
			     .threads = 1, .cs_ns = 50, .ncs_ns = 200 };
	struct cell_environment env = *ctx->env;
	struct cell_result *result = malloc(sizeof *result);
	double off[SAMPLING_PAIRS], on[SAMPLING_PAIRS], ratio[SAMPLING_PAIRS];
	size_t pairs = 0;

	ctx->sampling_off_ops_s = ctx->sampling_on_ops_s = ctx->sampling_ratio = NAN;
	env.duration_s = SAMPLING_SECONDS;
	env.warmup_s = 0.01;
	env.probe_round_trips = 0;
	cell_make_id(&cell);
	/* A pair whose thread did not run (a busy host can hold a new thread off
	 * for a whole short window) is tried again, up to twice as many times. */
	for (int i = 0; i < 2 * SAMPLING_PAIRS && pairs < SAMPLING_PAIRS && result != NULL; i++) {
		env.sampling_off = true;
		if (cell_run(&cell, &env, result) != 0 || result->ops == 0)
			continue;
		off[pairs] = (double)result->ops / result->duration_s;
		env.sampling_off = false;
		if (cell_run(&cell, &env, result) != 0 || result->ops == 0)
			continue;
		on[pairs] = (double)result->ops / result->duration_s;
		ratio[pairs] = off[pairs] / on[pairs];
		pairs++;
	}
	free(result);
	if (pairs == 0)
		return;
	ctx->sampling_off_ops_s = stats_median(off, pairs);
	ctx->sampling_on_ops_s = stats_median(on, pairs);
	ctx->sampling_ratio = stats_median(ratio, pairs);
}

void run_measure_floors(struct run_context *ctx, bool start)
{
	if (!start) {
		measure_c2c(ctx->env, &ctx->c2c_end);
		return;
	}
	measure_c2c(ctx->env, &ctx->c2c_start);
	measure_sampling_cost(ctx);

	/* The null lock through the very kernel every lock runs: the loop's own cost. */
	struct cell floor_cell = { .lock = ll_find("null"), .workload = workload_find("uncontended"),
				   .threads = 1 };
	struct cell_environment env = *ctx->env;
	struct cell_result *result = malloc(sizeof *result);

	ctx->null_ns_per_op = NAN;
	env.duration_s = FLOOR_NULL_SECONDS;
	env.warmup_s = 0.01;
	env.probe_round_trips = 0;
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
	return json_pack("{s:[i,i],s:f,s:f,s:o,s:o}", "cpus", floor->cpu_a, floor->cpu_b,
			 "median_ns", floor->median_ns, "min_ns", floor->min_ns, "tsc_skew_ns",
			 number_or_null(floor->skew_ns), "tsc_skew_bound_ns",
			 number_or_null(floor->skew_bound_ns));
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

/* The spin budgets our locks keep in time, and what they are in pauses here. */
static json_t *spin_json(void)
{
	return json_pack("{s:f,s:{s:I,s:I,s:I,s:I},s:{s:I,s:I,s:I}}", "ns_per_stall",
			 ll_spin_ns_per_stall(), "budgets_ns", "parking_spin",
			 (json_int_t)LL_PARKING_SPIN_NS, "parking_fair", (json_int_t)LL_PARKING_FAIR_NS,
			 "ttas_backoff_min", (json_int_t)LL_TTAS_BACKOFF_MIN_NS, "ttas_backoff_max",
			 (json_int_t)LL_TTAS_BACKOFF_MAX_NS, "pauses", "parking_spin",
			 (json_int_t)ll_spin_pauses(LL_PARKING_SPIN_NS), "ttas_backoff_min",
			 (json_int_t)ll_spin_pauses(LL_TTAS_BACKOFF_MIN_NS), "ttas_backoff_max",
			 (json_int_t)ll_spin_pauses(LL_TTAS_BACKOFF_MAX_NS));
}

static json_t *phases_json(const struct phase_fit *fit, bool complete)
{
	if (!complete)
		return json_null();
	return json_pack("{s:b,s:o,s:o,s:o,s:I,s:I}", "two_phases", fit->two_phases,
			 "threshold_ns", number_or_null(fit->threshold_ns), "fast_ns",
			 number_or_null(fit->fast_ns), "slow_ns", number_or_null(fit->slow_ns),
			 "fast_probes", (json_int_t)fit->fast_count, "slow_probes",
			 (json_int_t)fit->slow_count);
}

/* The run's placement table: the cells' aff<i> and mem<j> index these lists;
 * plans are the PUs each affinity gives its threads here (null: none possible). */
static json_t *placement_json(const struct run_placement *p)
{
	json_t *affinity = json_array(), *mem = json_array(), *plans = json_array();

	for (size_t i = 0; i < p->affinity_count; i++) {
		json_array_append_new(affinity, json_string(p->affinity_text[i]));
		if (p->pus[i] == NULL) {
			json_array_append_new(plans, json_null());
			continue;
		}
		json_t *plan = json_array();
		for (long k = 0; k < p->pu_count[i]; k++)
			json_array_append_new(plan, json_integer(p->pus[i][k]));
		json_array_append_new(plans, plan);
	}
	for (size_t i = 0; i < p->mem_count; i++)
		json_array_append_new(mem, json_string(p->mem_text[i]));
	return json_pack("{s:o, s:o, s:o, s:b}", "affinity", affinity, "mem_policy", mem,
			 "affinity_plans", plans, "ids_carry_indexes", p->placed);
}

int run_write_meta(const struct bundle *bundle, const struct run_context *ctx, bool complete)
{
	const struct cell_environment *env = ctx->env;
	const struct timer_calibration *t = env->timer;
	json_t *command = json_array(), *cpus = json_array(), *busy = json_array();
	char clocksource[64];

	for (int i = 0; i < ctx->argc; i++)
		json_array_append_new(command, json_string(ctx->argv[i]));
	for (unsigned i = 0; i < env->cpu_count; i++) {
		json_array_append_new(cpus, json_integer(env->cpus[i]));
		json_array_append_new(busy, json_real(env->busy_per_cpu[i]));
	}

	json_t *meta = json_pack(
		"{s:i,s:b,s:o,s:o,s:o,s:{s:s,s:o,s:f,s:b,s:o},s:o,"
		"s:{s:o,s:f,s:o,s:o,s:{s:o,s:o,s:o}},s:o,s:o,"
		"s:{s:f,s:f,s:i,s:i,s:I,s:b,s:i,s:i},s:{s:s,s:o},s:o,s:o,s:o,s:o,s:I}",
		"schema_version", BUNDLE_SCHEMA_VERSION, "complete", complete,
		"fingerprint", fingerprint_collect(), "build", fingerprint_build(),
		"command_line", command,
		"timer", "source", t->source, "tsc_hz",
		t->kind == TIMER_KIND_CLOCK ? json_null() : json_real(t->ticks_per_ns * 1e9),
		"overhead_ns", t->overhead_ns, "invariant", t->invariant, "kernel_clocksource",
		timer_kernel_clocksource(clocksource, sizeof clocksource) == 0
			? json_string(clocksource)
			: json_null(),
		"busy_iterations_per_ns_by_cpu", busy,
		"floors", "null_ns_per_op", number_or_null(ctx->null_ns_per_op),
		"timer_overhead_ns", t->overhead_ns, "c2c_start", c2c_json(&ctx->c2c_start),
		"c2c_end", complete ? c2c_json(&ctx->c2c_end) : json_null(),
		"sampling", "off_ops_s", number_or_null(ctx->sampling_off_ops_s), "on_ops_s",
		number_or_null(ctx->sampling_on_ops_s), "off_over_on",
		number_or_null(ctx->sampling_ratio),
		"phases", phases_json(&ctx->phases, complete), "spin", spin_json(),
		"options", "duration_s", env->duration_s, "warmup_s", env->warmup_s, "reps",
		(int)ctx->reps, "sample_every", (int)env->sample_every, "seed",
		(json_int_t)ctx->seed, "pin", env->pin, "numa_nodes", (int)env->numa_nodes,
		"probe_round_trips", (int)env->probe_round_trips,
		"thread_placement", "policy",
		env->pin ? "thread i pinned to cpus[i % len(cpus)]" : "not pinned (--no-pin)",
		"cpus", cpus,
		"started_utc", utc_json(&ctx->started), "ended_utc", utc_json(&ctx->ended),
		"skipped", skips_json(ctx->matrix->skips, ctx->matrix->skip_count),
		"preflight_failures", skips_json(ctx->preflight_failures, ctx->preflight_failure_count),
		"cells", (json_int_t)ctx->matrix->cell_count);
	if (meta == NULL)
		return -1;
	/* VM cells' MIPS depend on it: compare lists it among the settings that differ. */
	json_object_set_new(json_object_get(meta, "options"), "vm_compiles_hot_blocks",
			    json_boolean(vm_compiles_hot_blocks()));
	/* The VM cells' own skips (a lock VM sites cannot use, a placement this
	 * machine cannot give), beside the other cells' in "skipped". */
	if (ctx->vm != NULL)
		json_object_set_new(meta, "vm_skipped",
				    skips_json(ctx->vm->skips, ctx->vm->skip_count));
	if (ctx->placement != NULL)
		json_object_set_new(meta, "placement", placement_json(ctx->placement));
	int rc = bundle_write_json(bundle, BUNDLE_META, meta);
	json_decref(meta);
	return rc;
}

int run_write_start_meta(const struct bundle *bundle, const struct run_context *ctx)
{
	json_t *command = json_array();

	for (int i = 0; i < ctx->argc; i++)
		json_array_append_new(command, json_string(ctx->argv[i]));
	json_t *meta = json_pack("{s:i,s:b,s:o,s:I}", "schema_version", BUNDLE_SCHEMA_VERSION,
				 "complete", false, "command_line", command, "cells",
				 (json_int_t)ctx->matrix->cell_count);
	if (meta == NULL)
		return -1;
	int rc = bundle_write_json(bundle, BUNDLE_META, meta);
	json_decref(meta);
	return rc;
}

/* hwloc writes the file itself, so it gets the temp, sync and rename by hand. */
static int write_topology(const struct bundle *bundle)
{
	char temporary[1200], final[1200];

	snprintf(temporary, sizeof temporary, "%s/.%s.tmp", bundle->dir, BUNDLE_TOPOLOGY);
	bundle_path(bundle, BUNDLE_TOPOLOGY, final, sizeof final);
	if (topology_export_xml(temporary) != 0) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	int fd = open(temporary, O_RDONLY | O_CLOEXEC);
	int rc = fd >= 0 && fsync(fd) == 0 ? 0 : -1;
	if (fd >= 0)
		close(fd);
	if (rc != 0 || rename(temporary, final) != 0) {
		int saved = errno;
		unlink(temporary);
		errno = saved;
		return -1;
	}
	return bundle_sync_dir(bundle->dir);
}

/* Stops finishing at the first file that cannot be written, naming it. */
static bool finish_failed(const struct bundle *bundle, const char *name)
{
	char path[1200];
	int saved = errno;

	bundle_path(bundle, name, path, sizeof path);
	cli_error("run", path, "%s (nothing measured is lost: once it can be written, finish "
			       "with: locklab run --resume %s)",
		  strerror(saved), bundle->dir);
	return true;
}

static void write_vm_summary(FILE *out, const void *arg)
{
	const struct run_context *ctx = arg;

	vm_plan_write_summary(out, ctx->vm, &ctx->phases);
}

int run_finish(struct bundle *bundle, struct run_context *ctx, struct run_row *rows,
	       size_t row_count, const struct cell_hists *hists)
{
	const struct matrix *m = ctx->matrix;
	struct summary_row *summary =
		malloc(m->cell_count * METRIC_COUNT * SUMMARY_MAX_PHASES * sizeof *summary);
	bool failed = false;

	if (summary == NULL)
		return EXIT_ENVIRONMENT;
	/* Reps never run (their lock failed the pre-flight) have no row. */
	size_t kept = 0;
	for (size_t i = 0; i < row_count; i++)
		if (rows[i].cell != NULL)
			rows[kept++] = rows[i];
	row_count = kept;
	ctx->phases = summary_phases(rows, row_count);
	/* The VM reps take the microbenchmarks' fit; a run of VM cells only fits
	 * its own from the VM reps' probes. */
	if (row_count == 0 && ctx->vm != NULL) {
		double *probes = malloc((2 * ctx->vm->total + 1) * sizeof *probes);
		if (probes == NULL) {
			free(summary);
			return EXIT_ENVIRONMENT;
		}
		phase_fit(probes, vm_plan_probes(ctx->vm, probes), &ctx->phases);
		free(probes);
	}
	size_t summary_count = summary_compute(rows, row_count, m->cells, m->cell_count, summary);
	char name[256];
	if (bundle_finish_runs(bundle, rows, row_count) != 0)
		failed = finish_failed(bundle, BUNDLE_RUNS);
	bundle_crash_point("finish");
	if (!failed && summary_write(bundle, summary, summary_count,
				     ctx->vm ? write_vm_summary : NULL, ctx) != 0)
		failed = finish_failed(bundle, BUNDLE_SUMMARY);
	bundle_crash_point("finish");
	if (!failed && ctx->vm != NULL && vm_plan_write_runs(ctx->vm, bundle, &ctx->phases) != 0)
		failed = finish_failed(bundle, BUNDLE_VM_RUNS);
	if (!failed && ctx->vm != NULL && vm_plan_write_sites(ctx->vm, bundle) != 0)
		failed = finish_failed(bundle, BUNDLE_VM_SITES);
	bundle_crash_point("finish");
	for (size_t c = 0; c < m->cell_count && !failed; c++) {
		const struct hist *cell_hists[3] = { &hists[c].acquire, &hists[c].hold,
						     &hists[c].handoff };
		const char *metrics[3] = { "lat", "hold", "handoff" };

		for (int k = 0; k < 3 && !failed; k++) {
			if (hist_count(cell_hists[k]) == 0)
				continue;
			bundle_hist_name(name, sizeof name, m->cells[c].id, metrics[k]);
			if (bundle_write_hist(bundle, m->cells[c].id, metrics[k], cell_hists[k]) != 0)
				failed = finish_failed(bundle, name);
			bundle_crash_point("finish");
		}
	}
	if (!failed && write_topology(bundle) != 0)
		failed = finish_failed(bundle, BUNDLE_TOPOLOGY);
	bundle_crash_point("finish");
	/* Last: "complete": true says every other final file is in place. */
	if (!failed && run_write_meta(bundle, ctx, true) != 0)
		failed = finish_failed(bundle, BUNDLE_META);
	bundle_crash_point("finish");
	if (failed) {
		free(summary);
		return EXIT_ENVIRONMENT;
	}
	if (row_count > 0)
		ranking_print(stdout, m, rows, row_count, summary, summary_count, &ctx->phases,
			      ctx->env->cpu_count);
	if (ctx->vm != NULL)
		vm_plan_print_ranking(stdout, ctx->vm);
	printf("\nnull-lock floor %.2f ns/op, timer overhead %.1f ns", ctx->null_ns_per_op,
	       ctx->env->timer->overhead_ns);
	if (!isnan(ctx->sampling_ratio))
		printf(", latency sampling costs %+.1f %% of 1-thread contended throughput",
		       100 * (ctx->sampling_ratio - 1));
	if (ctx->c2c_start.measured && ctx->c2c_end.measured)
		printf(", cross-CPU round trip %.0f ns at start, %.0f ns at end",
		       ctx->c2c_start.median_ns, ctx->c2c_end.median_ns);
	printf("\nbundle: %s\n", bundle->dir);
	free(summary);
	return 0;
}
