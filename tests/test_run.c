/* locklab run: the cell runner, matrix, summary and the bundle it writes. */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/cell.h"
#include "harness/matrix.h"
#include "harness/run_options.h"
#include "harness/summary.h"
#include "tests/bundle_fixture.h"
#include "tests/run_locklab.h"

static struct run_output run;

TestSuite(run_cli, .fini = fixture_remove_made);

static const char *runs_header =
	"cell_id,lock,workload,threads,cs_ns,ncs_ns,read_pct,rep,status,duration_s,ops,"
	"throughput_ops_s,ns_per_op,lat_p50_ns,lat_p90_ns,lat_p99_ns,lat_p999_ns,lat_max_ns,"
	"hold_p50_ns,hold_p99_ns,handoff_p50_ns,handoff_p99_ns,jain,min_share,max_share,"
	"cpu_user_s,cpu_sys_s,ctx_vol,ctx_invol,steal_s,lock_bytes,ctx_bytes,heap_bytes,flags,"
	"reads,samples,thread_cpus,drain_s,skewed,round_trip_before_ns,round_trip_after_ns,"
	"tsc_skew_ns,tsc_skew_bound_ns,busy_iterations_per_ns,run_length_mean,run_length_p99,"
	"handoffs_s,phase,cs_lines,threads_per_cpu,affinity,mem_policy,lock_node,ran_on,migrations,"
	"busy_after_iterations_per_ns,busy_window_iterations_per_ns";

Test(run_cli, rejects_negative_duration)
{
	run_locklab(&run, "run", "--duration", "-1", NULL);
	expect_usage_error(&run, "-1");
}

Test(run_cli, rejects_read_pct_above_100)
{
	run_locklab(&run, "run", "--read-pct", "120", NULL);
	expect_usage_error(&run, "120");
}

Test(run_cli, rejects_a_bad_thread_list)
{
	run_locklab(&run, "run", "--threads", "1,x", NULL);
	expect_usage_error(&run, "x");
}

Test(run_cli, rejects_an_unknown_workload)
{
	run_locklab(&run, "run", "--workload", "nosuch", NULL);
	expect_usage_error(&run, "nosuch");
}

Test(run_cli, rejects_an_empty_out_path)
{
	run_locklab(&run, "run", "--out", "", NULL);
	expect_usage_error(&run, "--out");
}

Test(run_cli, refuses_the_broken_lock)
{
	run_locklab(&run, "run", "--lock", "broken", NULL);
	expect_usage_error(&run, "broken");
}

Test(run_cli, refuses_a_plan_over_max_time)
{
	run_locklab(&run, "run", "--profile", "bench", "--max-time", "5", NULL);
	expect_usage_error(&run, "5");
	cr_expect(strstr(run.out, "# plan:") != NULL, "the estimate is printed: %s", run.out);
}

Test(run_cli, refuses_an_existing_out_dir_and_leaves_it_alone)
{
	char dir[256], marker[300];

	fixture_fresh_dir(dir, sizeof dir);
	cr_assert_eq(mkdir(dir, 0777), 0);
	snprintf(marker, sizeof marker, "%s/runs.csv", dir);
	FILE *f = fopen(marker, "w");
	fputs("earlier run\n", f);
	fclose(f);
	run_locklab(&run, "run", "--lock", "ck_fas", "--workload", "uncontended", "--reps", "1",
		    "--duration", "0.01", "--out", dir, NULL);
	expect_usage_error(&run, dir);
	char *kept = fixture_read(dir, "runs.csv");
	cr_expect_str_eq(kept, "earlier run\n");
	free(kept);
}

Test(run_cli, stuck_lock_is_recorded_as_timeout_and_the_run_goes_on, .timeout = 60)
{
	char dir[256];

	fixture_fresh_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--lock", "stuck,ck_fas", "--workload", "contended", "--threads",
		    "2", "--reps", "1", "--duration", "0.05", "--warmup", "0", "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	char *runs = fixture_read(dir, "runs.csv");
	cr_expect(strstr(runs, "contended.stuck.t2.cs50.ncs200.r0,stuck,contended,2,50,200,0,0,"
			       "timeout,") != NULL,
		  "%s", runs);
	cr_expect(strstr(runs, ",ck_fas,contended,2,50,200,0,0,ok,") != NULL, "%s", runs);
	free(runs);
}

/* Sum of column `column` over the rows of runs.csv whose first field is cell_id. */
static unsigned long long column_sum(const char *runs, const char *cell_id, size_t column)
{
	char *text = strdup(runs), *lines = text, *line;
	unsigned long long sum = 0;

	while ((line = strsep(&lines, "\n")) != NULL) {
		char *fields[64];
		if (fixture_split(line, fields, 64) > column && strcmp(fields[0], cell_id) == 0)
			sum += strtoull(fields[column], NULL, 10);
	}
	free(text);
	return sum;
}

static unsigned long long hist_total(const char *dir, const char *name)
{
	char *text = fixture_read(dir, name), *lines = text, *line;
	unsigned long long total = 0;

	strsep(&lines, "\n"); /* header */
	while ((line = strsep(&lines, "\n")) != NULL && *line) {
		char *fields[3];
		cr_assert_eq(fixture_split(line, fields, 3), 3);
		total += strtoull(fields[2], NULL, 10);
	}
	free(text);
	return total;
}

Test(run_cli, interrupted_run_resumes_to_the_same_bundle, .timeout = 120)
{
	char dir[256], partial[300];
	struct stat st;
	int status;

	fixture_fresh_dir(dir, sizeof dir);
	snprintf(partial, sizeof partial, "%s/.runs.partial.csv", dir);
	pid_t child = spawn_locklab("run", "--lock", "ck_mcs,parking", "--workload",
				    "contended,uncontended", "--threads", "2", "--reps", "4",
				    "--duration", "0.1", "--warmup", "0", "--no-preflight", "--out",
				    dir, NULL);
	/* Interrupt once at least three reps are in (header + 3 lines). */
	for (int waited = 0; waited < 600; waited++) {
		FILE *f = fopen(partial, "r");
		int lines = 0, c;
		while (f != NULL && (c = fgetc(f)) != EOF)
			lines += c == '\n';
		if (f != NULL)
			fclose(f);
		if (lines >= 4)
			break;
		usleep(50000);
	}
	kill(child, SIGINT);
	cr_assert_eq(waitpid(child, &status, 0), child);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 130, "status %d", status);
	cr_expect_eq(stat(partial, &st), 0, "the partial rows are kept");
	snprintf(partial, sizeof partial, "%s/runs.csv", dir);
	cr_expect_neq(stat(partial, &st), 0, "no final runs.csv before the run is finished");

	run_locklab(&run, "run", "--resume", dir, NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	cr_expect(strstr(run.out, "# resuming") != NULL, "%s", run.out);
	char *runs = fixture_read(dir, "runs.csv");
	cr_expect_eq(count_lines(runs), 1 + 4 * 4, "every cell x rep once:\n%s", runs);
	/* Histograms merged exactly across the interruption: the lat histogram holds
	 * every sample the rows report (column 35, samples). */
	const char *cell = "contended.ck_mcs.t2.cs50.ncs200.r0";
	cr_expect_eq(hist_total(dir, "hist/contended.ck_mcs.t2.cs50.ncs200.r0.lat.csv"),
		     column_sum(runs, cell, 35));
	free(runs);
	snprintf(partial, sizeof partial, "%s/.partial", dir);
	cr_expect_neq(stat(partial, &st), 0, "the resume state is removed when done");
	run_locklab(&run, "run", "--resume", dir, NULL);
	expect_usage_error(&run, dir);
}

Test(cell, watchdog_kills_a_cell_whose_lock_never_unlocks, .timeout = 30)
{
	struct timer_calibration timer;
	unsigned cpus[2] = { 0, 1 };
	cr_assert_eq(timer_calibrate(&timer), 0);
	struct cell cell = { .lock = ll_find("stuck"), .workload = workload_find("contended"),
			     .threads = 2 };
	struct cell_environment env = { .timer = &timer, .duration_s = 0.05, .warmup_s = 0, .pin = false,
					.cpus = cpus, .cpu_count = 1, .numa_nodes = 1,
					.watchdog_s = 1.0 };
	struct cell_result *result = malloc(sizeof *result);

	cell_make_id(&cell);
	cr_assert_eq(cell_run_isolated(&cell, &env, result), 0);
	cr_expect_eq(result->status, CELL_TIMEOUT, "status %s", cell_status_name(result->status));
	free(result);
}

Test(run_cli, a_short_run_fills_every_column_for_every_lock, .timeout = 120)
{
	char dir[256];

	fixture_fresh_dir(dir, sizeof dir);
	/* Two reps of 50 ms: every figure comes from the window alone now, and a
	 * busy host can hold one of two threads off for a whole short window (seen:
	 * 3 hand-offs in 50 ms, then a 0.34 s drain), leaving a handoff row empty. */
	run_locklab(&run, "run", "--lock", "all", "--workload", "uncontended,handoff,rwmix",
		    "--threads", "1xCPU", "--cs", "50", "--reps", "2", "--duration", "0.05",
		    "--warmup", "0.01", "--no-preflight", "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);

	char *runs = fixture_read(dir, "runs.csv"), *cursor = runs;
	char *header = strsep(&cursor, "\n");
	cr_assert_str_eq(header, runs_header, "runs.csv columns are appended, never renamed");
	char *names[64];
	size_t columns = fixture_split(header, names, 64);

	/* For each lock, which columns some row of it filled. */
	for (size_t l = 0; l < ll_registry_count; l++) {
		const struct ll_info *info = &ll_registry[l];
		bool filled[64] = { false };
		size_t rows = 0;

		if (info->control)
			continue;
		char *text = strdup(cursor), *line, *lines = text;
		while ((line = strsep(&lines, "\n")) != NULL && *line) {
			char *fields[64];
			size_t n = fixture_split(line, fields, 64);
			cr_assert_eq(n, columns, "row with %zu of %zu fields", n, columns);
			if (strcmp(fields[1], info->name) != 0)
				continue;
			rows++;
			cr_expect_str_eq(fields[8], "ok", "%s %s", fields[0], fields[8]);
			for (size_t c = 0; c < n; c++)
				filled[c] |= fields[c][0] != '\0';
		}
		free(text);
		cr_expect_gt(rows, 0, "%s has no row", info->name);
		for (size_t c = 0; c < columns; c++) {
			/* No flag is a valid outcome; a single-writer lock never runs the
			 * handoff workload, which needs a mutex. */
			/* Run lengths fill only the --run-length rep (its own test).
			 * busy_after_iterations_per_ns is no longer measured: kept,
			 * empty, so the columns keep their places. */
			if (strcmp(names[c], "flags") == 0 ||
			    strcmp(names[c], "busy_after_iterations_per_ns") == 0 ||
			    strncmp(names[c], "run_length_", 11) == 0 ||
			    strcmp(names[c], "handoffs_s") == 0 ||
			    (info->single_writer && strncmp(names[c], "handoff_", 8) == 0))
				continue;
			cr_expect(filled[c], "%s: column %s always empty", info->name, names[c]);
		}
	}
	free(runs);

	char *summary = fixture_read(dir, "summary.csv");
	cr_expect(strncmp(summary, "cell_id,metric,median,ci_low,ci_high,cv,n", 41) == 0);
	free(summary);
	char *hist = fixture_read(dir, "hist/handoff.ck_mcs.t2.cs50.ncs0.r0.handoff.csv");
	cr_expect(strncmp(hist, "bucket_low_ns,bucket_high_ns,count\n", 35) == 0);
	free(hist);

	char path[512];
	json_error_t error;
	snprintf(path, sizeof path, "%s/meta.json", dir);
	json_t *meta = json_load_file(path, 0, &error);
	cr_assert_not_null(meta, "meta.json: %s", error.text);
	cr_expect_eq(json_integer_value(json_object_get(meta, "schema_version")), 2);
	cr_expect(json_is_true(json_object_get(meta, "complete")));
	json_t *fingerprint = json_object_get(meta, "fingerprint");
	cr_expect(json_integer_value(json_object_get(fingerprint, "pus")) >= 1);
	json_t *floors = json_object_get(meta, "floors");
	cr_expect(json_real_value(json_object_get(floors, "null_ns_per_op")) > 0);
	cr_expect(json_is_object(json_object_get(floors, "c2c_start")));
	json_t *sampling = json_object_get(floors, "sampling");
	cr_expect(json_real_value(json_object_get(sampling, "off_over_on")) > 0.5,
		  "sampling's cost is measured");
	cr_expect(json_is_boolean(json_object_get(json_object_get(meta, "phases"), "two_phases")));
	json_t *spin = json_object_get(meta, "spin");
	cr_expect(json_real_value(json_object_get(spin, "ns_per_stall")) > 0,
		  "the pause's calibrated cost is recorded");
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(spin, "budgets_ns"),
							"parking_spin")),
		     50000);


	cr_expect(json_is_object(json_object_get(floors, "c2c_end")));
	cr_expect(json_is_string(json_object_get(json_object_get(meta, "timer"), "source")));
	json_decref(meta);
	char *xml = fixture_read(dir, "topology.xml");
	cr_expect(strstr(xml, "<topology") != NULL);
	free(xml);
	struct stat st;
	snprintf(path, sizeof path, "%s/.runs.partial.csv", dir);
	cr_expect_neq(stat(path, &st), 0, "the partial file is gone once runs.csv is final");
}

Test(matrix, skips_are_recorded_with_reasons)
{
	const struct ll_info *locks[] = { ll_find("ck_swlock"), ll_find("ck_mcs") };
	struct matrix_block blocks[] = {
		{ .workload = "handoff", .threads = { { 1, false }, { 2, false } }, .thread_count = 2,
		  .cs_ns = { 100 }, .cs_count = 1 },
		{ .workload = "rwmix", .threads = { { 1, true } }, .thread_count = 1,
		  .cs_ns = { 10 }, .cs_count = 1, .ncs_ns = { 0 }, .ncs_count = 1,
		  .read_pct = { 50, 90 }, .read_count = 2 },
	};
	struct matrix m;

	cr_assert_eq(matrix_expand(&m, blocks, 2, locks, 2, 4), 0);
	/* handoff: swlock skipped, mcs at 1 thread skipped, mcs at 2 kept; rwmix: both
	 * locks at 4 threads (1 x 4 CPUs) and two read ratios. */
	cr_expect_eq(m.cell_count, 1 + 4);
	cr_expect_eq(m.skip_count, 2);
	cr_expect(strstr(m.skips[0].reason, "single-writer") != NULL, "%s", m.skips[0].reason);
	cr_expect(strstr(m.skips[1].reason, "fewer threads") != NULL, "%s", m.skips[1].reason);
	cr_expect_str_eq(m.cells[1].id, "rwmix.ck_swlock.t4.cs10.ncs0.r50");
	matrix_free(&m);
}

Test(matrix, shuffle_is_a_seeded_permutation)
{
	size_t a[100], b[100], c[100];
	bool seen[100] = { false };

	matrix_shuffle(a, 100, 7);
	matrix_shuffle(b, 100, 7);
	matrix_shuffle(c, 100, 8);
	cr_expect_arr_eq(a, b, sizeof a);
	cr_expect_neq(memcmp(a, c, sizeof a), 0);
	for (int i = 0; i < 100; i++) {
		cr_assert_lt(a[i], 100);
		cr_expect_not(seen[a[i]]);
		seen[a[i]] = true;
	}
}

/* The cells a command line plans on a 2-CPU machine. */
static void plan_of(char **argv, int argc, struct matrix *m)
{
	struct run_options o;
	const struct ll_info *lock = ll_find("ck_mcs");

	run_options_defaults(&o, 1);
	cr_assert_eq(run_options_parse(argc, argv, &o), -1);
	cr_assert(run_options_custom_blocks(&o));
	cr_assert_eq(matrix_expand(m, o.custom_blocks, o.custom_block_count, &lock, 1, 2), 0);
}

Test(matrix, oversubscribed_defaults_to_2x_4x_and_8x_the_cpus)
{
	char *defaults[] = { "run", "--workload", "oversubscribed", "--lock", "ck_mcs" };
	char *given[] = { "run", "--workload", "oversubscribed,contended", "--threads", "3" };
	struct matrix m;

	plan_of(defaults, 5, &m);
	cr_assert_eq(m.cell_count, 4, "the 1-thread reference and 4, 8, 16 threads");
	cr_expect_eq(m.cells[0].threads, 1);
	cr_expect_eq(m.cells[1].threads, 4);
	cr_expect_eq(m.cells[2].threads, 8);
	cr_expect_eq(m.cells[3].threads, 16);
	cr_expect_eq(m.cells[0].threads_per_cpu, 0, "the reference is one thread on any machine");
	cr_expect_eq(m.cells[1].threads_per_cpu, 2);
	cr_expect_eq(m.cells[3].threads_per_cpu, 8);
	matrix_free(&m);

	plan_of(given, 5, &m);
	cr_assert_eq(m.cell_count, 2, "--threads overrides: reference, 3; contended 3 is the "
				      "same measurement as oversubscribed 3, made once");
	cr_expect_eq(m.cells[1].threads, 3);
	cr_expect_str_eq(m.cells[1].workload->name, "oversubscribed", "the first named keeps it");
	cr_expect_eq(m.cells[1].threads_per_cpu, 0, "an absolute count has no per-CPU form");
	matrix_free(&m);
}

/* bench names contended at 1 thread and 2x the CPUs and oversubscribed's reference
 * and 2x: the same kernel and parameters, measured once each; every other cell
 * stays, and a cell that only differs in its parameters is not taken for another. */
Test(matrix, bench_measures_each_experiment_once)
{
	const struct matrix_profile *bench = matrix_find_profile("bench");
	const struct ll_info *locks[] = { ll_find("ck_mcs"), ll_find("pthread_mutex") };
	struct matrix m;

	cr_assert_not_null(bench);
	cr_assert_eq(matrix_expand(&m, bench->blocks, bench->block_count, locks, 2, 2), 0);
	for (size_t i = 0; i < m.cell_count; i++)
		for (size_t j = i + 1; j < m.cell_count; j++)
			cr_expect_not(cell_same_shape(&m.cells[i], &m.cells[j]) &&
					      m.cells[i].threads == m.cells[j].threads,
				      "%s and %s are one measurement", m.cells[i].id, m.cells[j].id);
	size_t contended = 0, over = 0;
	for (size_t i = 0; i < m.cell_count; i++) {
		const struct cell *c = &m.cells[i];
		if (c->lock != locks[0] || c->cs_ns != 50 || c->ncs_ns != 200 || c->cs_lines != 0)
			continue;
		if (strcmp(c->workload->name, "contended") == 0)
			contended |= 1u << c->threads;
		else if (strcmp(c->workload->name, "oversubscribed") == 0)
			over |= 1u << c->threads;
	}
	cr_expect_eq(contended, (1u << 1) | (1u << 2) | (1u << 4), "contended t1, t2, t4");
	cr_expect_eq(over, (1u << 8) | (1u << 16), "oversubscribed t8, t16 (t1, t4 are contended's)");
	/* Per lock: uncontended 1, contended 3 + 2, shared 1, rwmix 2, handoff 2,
	 * oversubscribed 2. */
	cr_expect_eq(m.cell_count, 2 * 13);
	matrix_free(&m);
}

Test(matrix, threads_given_per_cpu_keep_their_factor)
{
	char *argv[] = { "run", "--workload", "contended", "--threads", "3xCPU,5" };
	struct matrix m;

	plan_of(argv, 5, &m);
	cr_assert_eq(m.cell_count, 2);
	cr_expect_eq(m.cells[0].threads, 6, "3 x 2 CPUs");
	cr_expect_eq(m.cells[0].threads_per_cpu, 3);
	cr_expect_eq(m.cells[1].threads, 5);
	cr_expect_eq(m.cells[1].threads_per_cpu, 0);
	matrix_free(&m);
}

Test(matrix, cs_lines_and_the_shared_workload)
{
	char *shared[] = { "run", "--workload", "shared,contended" };
	char *lines[] = { "run", "--workload", "contended", "--cs-lines", "0,4" };
	struct matrix m;

	plan_of(shared, 3, &m);
	cr_assert_eq(m.cell_count, 2);
	cr_expect_eq(m.cells[0].cs_lines, 8, "shared defaults to 8 lines");
	cr_expect_str_eq(m.cells[0].id, "shared.ck_mcs.t2.cs50.ncs200.r0.l8");
	cr_expect_eq(m.cells[1].cs_lines, 0, "other workloads default to none");
	cr_expect_str_eq(m.cells[1].id, "contended.ck_mcs.t2.cs50.ncs200.r0",
			 "no suffix without lines: ids stay comparable with schema 1");
	matrix_free(&m);

	plan_of(lines, 5, &m);
	cr_assert_eq(m.cell_count, 2);
	cr_expect_eq(m.cells[1].cs_lines, 4);
	matrix_free(&m);
}

Test(run_cli, run_length_is_one_more_rep_and_joins_no_timed_figure, .timeout = 120)
{
	char dir[256];

	fixture_fresh_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--lock", "ck_mcs", "--workload", "contended", "--threads",
		    "1,2", "--reps", "2", "--duration", "0.05", "--warmup", "0.01", "--run-length",
		    "--no-preflight", "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "%s%s", run.out, run.err);
	cr_expect(strstr(run.out, "1 run-length reps") != NULL, "%s", run.out);

	char *runs = fixture_read(dir, "runs.csv"), *cursor = runs, *line;
	char *names[64], *fields[64];
	size_t columns = fixture_split(strsep(&cursor, "\n"), names, 64), mean_column = 0, rows = 0;
	size_t instrumented = 0;
	for (size_t c = 0; c < columns; c++)
		if (strcmp(names[c], "run_length_mean") == 0)
			mean_column = c;
	cr_assert_gt(mean_column, 0);
	while ((line = strsep(&cursor, "\n")) != NULL && *line) {
		cr_assert_eq(fixture_split(line, fields, 64), columns);
		rows++;
		bool flagged = strstr(fields[33], "instrumented") != NULL;
		instrumented += flagged;
		cr_expect_eq(flagged, strcmp(fields[7], "2") == 0, "rep %s flags %s", fields[7],
			     fields[33]);
		cr_expect_eq(fields[mean_column][0] != '\0', flagged,
			     "run lengths only in the instrumented rep");
		if (flagged)
			cr_expect_str_eq(fields[3], "2", "a 1-thread cell has no hand-off to count");
	}
	cr_expect_eq(rows, 5, "2 cells x 2 reps and one run-length rep");
	cr_expect_eq(instrumented, 1);
	free(runs);

	char *summary = fixture_read(dir, "summary.csv");
	cr_expect(strstr(summary, "contended.ck_mcs.t2.cs50.ncs200.r0,throughput_ops_s,") != NULL);
	for (char *at = strstr(summary, "contended.ck_mcs.t2.cs50.ncs200.r0,throughput_ops_s,");
	     at != NULL; at = strstr(at + 1, "contended.ck_mcs.t2.cs50.ncs200.r0,throughput_ops_s,")) {
		char row[256];
		snprintf(row, sizeof row, "%.*s", (int)strcspn(at, "\n"), at);
		cr_expect(strstr(row, "instrumented") == NULL, "%s", row);
		fixture_split(row, fields, 64);
		cr_expect_leq(atoi(fields[6]), 2, "the instrumented rep joined the timed ones: %s",
			      row);
	}
	free(summary);
}
