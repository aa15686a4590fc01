/* report/csv and report/bundle_read: the hand-written bundle in
 * tests/fixtures/bundle_known read back figure by figure, a schema 1 shape, and
 * the one-line errors for each way a bundle can be broken. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/bundle_read.h"
#include "report/csv.h"
#include "tests/bundle_fixture.h"

#define CELL_T2 "contended.ck_ticket.t2.cs50.ncs200.r0"
#define CELL_T4 "contended.ck_mcs.t4.cs50.ncs200.r0"
#define HIST_CELL "contended.ck_mcs.t2.cs50.ncs200.r0" /* the fixture's one histogram */

static const struct bundle_run *find_run(const struct bundle_contents *b, const char *cell,
					 unsigned rep)
{
	for (size_t i = 0; i < b->run_count; i++)
		if (strcmp(b->cells[b->runs[i].cell].id, cell) == 0 && b->runs[i].rep == rep)
			return &b->runs[i];
	cr_assert_fail("no run %s rep %u", cell, rep);
	return NULL;
}

static const struct bundle_summary *find_summary(const struct bundle_contents *b,
						 const char *cell, const char *metric)
{
	for (size_t i = 0; i < b->summary_count; i++)
		if (strcmp(b->cells[b->summaries[i].cell].id, cell) == 0 &&
		    strcmp(b->summaries[i].metric_name, metric) == 0)
			return &b->summaries[i];
	cr_assert_fail("no summary %s %s", cell, metric);
	return NULL;
}

static const char *fact(const struct bundle_contents *b, const char *name)
{
	for (size_t i = 0; i < b->meta.fact_count; i++)
		if (strcmp(b->meta.facts[i].name, name) == 0)
			return b->meta.facts[i].value;
	return NULL;
}

/* Loading dir must fail with exactly expected (one line, no newline). */
static void expect_error(const char *dir, const char *expected_after_dir)
{
	struct bundle_contents b;
	char error[2048], expected[2048];
	cr_assert_eq(bundle_read(dir, &b, error, sizeof error), -1, "%s loaded", dir);
	snprintf(expected, sizeof expected, "%s/%s", dir, expected_after_dir);
	cr_expect_str_eq(error, expected);
	cr_expect_null(strchr(error, '\n'));
	cr_expect_eq(b.run_count, 0);
	bundle_free(&b);
}

Test(csv, quoted_fields_escapes_and_crlf)
{
	char *text = strdup("a,b,c\r\n\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n1,,3");
	struct csv_table table;
	char error[256];
	cr_assert_eq(csv_parse(text, &table, error, sizeof error), 0, "%s", error);
	cr_assert_eq(table.columns, 3);
	cr_assert_eq(table.rows, 2);
	cr_expect_str_eq(csv_row(&table, 0)[0], "x,y");
	cr_expect_str_eq(csv_row(&table, 0)[1], "say \"hi\"");
	cr_expect_str_eq(csv_row(&table, 0)[2], "two\nlines");
	cr_expect_str_eq(csv_row(&table, 1)[0], "1");
	cr_expect_str_eq(csv_row(&table, 1)[1], "");
	cr_expect_str_eq(csv_row(&table, 1)[2], "3");
	cr_expect_eq(csv_column(&table, "c"), 2);
	cr_expect_eq(csv_column(&table, "d"), -1);
	csv_free(&table);
}

Test(csv, trailing_comma_is_an_empty_last_field)
{
	char *text = strdup("a,b\n1,");
	struct csv_table table;
	char error[256];
	cr_assert_eq(csv_parse(text, &table, error, sizeof error), 0, "%s", error);
	cr_assert_eq(table.rows, 1);
	cr_expect_str_eq(csv_row(&table, 0)[1], "");
	csv_free(&table);
}

Test(csv, malformed_rows_name_their_row)
{
	static const struct { const char *text, *error; } cases[] = {
		{ "a,b\n1,2\n3\n", "row 3: 1 fields, the header has 2" },
		{ "a,b\n1,2,3\n", "row 2: 3 fields, the header has 2" },
		{ "a,b\n1,\"2\n", "row 2: unterminated quoted field" },
		{ "a,b\n1,2\n\"x\"y,2\n", "row 3: field 1: text after its closing quote" },
		{ "a,b\n1,x\"y\n", "row 2: field 2: quote inside an unquoted field" },
		{ "", "row 1: empty file, no header" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct csv_table table;
		char error[256];
		cr_expect_eq(csv_parse(strdup(cases[i].text), &table, error, sizeof error), -1,
			     "case %zu parsed", i);
		cr_expect_str_eq(error, cases[i].error);
		cr_expect_null(table.fields);
	}
}

TestSuite(bundle_read, .fini = fixture_remove_made);

Test(bundle_read, known_bundle_exact_figures)
{
	struct bundle_contents b;
	char error[2048];
	cr_assert_eq(bundle_read(FIXTURE, &b, error, sizeof error), 0, "%s", error);
	cr_expect_eq(b.meta.schema_version, 2);
	cr_expect_eq(b.meta.cpus, 2);
	cr_expect_float_eq(b.meta.timer_overhead_ns, 20.5, 1e-12);
	cr_expect_float_eq(b.meta.null_ns_per_op, 0.25, 1e-12);
	cr_expect_float_eq(b.meta.c2c_start_ns, 70.5, 1e-12);
	cr_expect_float_eq(b.meta.c2c_end_ns, 81, 1e-12);
	cr_expect_str_eq(fact(&b, "cpu_model"), "Test CPU 9000");
	cr_expect_str_eq(fact(&b, "governor"), "null");
	cr_expect_str_eq(fact(&b, "cores"), "2");
	cr_expect_str_eq(fact(&b, "compiler"), "gcc 12.2.0");
	cr_expect_eq(b.cell_count, 12);
	cr_expect_eq(b.run_count, 37);
	cr_expect_eq(b.summary_count, 387);

	const struct bundle_run *run = find_run(&b, "uncontended.ck_ticket.t1.cs0.ncs0.r0", 2);
	cr_expect_eq(run->status, BUNDLE_STATUS_OK);
	cr_expect_float_eq(run->metric[BUNDLE_METRIC_ns_per_op], 10.8, 1e-9);
	cr_expect_float_eq(run->metric[BUNDLE_METRIC_lock_bytes], 8, 0);
	cr_expect(isnan(run->metric[BUNDLE_METRIC_handoff_p50_ns]));
	cr_expect_eq(run->flags, BUNDLE_FLAG(few_reps));
	cr_expect_str_eq(run->phase, "one");
	cr_expect_eq(run->row, 7);

	run = find_run(&b, CELL_T4, 3);
	cr_expect_eq(run->status, BUNDLE_STATUS_TIMEOUT);
	cr_expect(isnan(run->metric[BUNDLE_METRIC_throughput_ops_s]));
	cr_expect_float_eq(run->metric[BUNDLE_METRIC_ctx_bytes], 16, 0);
	cr_expect_eq(run->flags, BUNDLE_FLAG(timeout));
	cr_expect_str_eq(run->phase, "");
	const struct bundle_cell *cell = &b.cells[run->cell];
	cr_expect_str_eq(cell->lock, "ck_mcs");
	cr_expect_str_eq(cell->workload, "contended");
	cr_expect_eq(cell->threads, 4);
	cr_expect_eq(cell->cs_ns, 50);
	cr_expect_eq(cell->ncs_ns, 200);
	cr_expect_eq(cell->threads_per_cpu, 2);
	cr_expect_eq(b.cells[find_run(&b, CELL_T2, 0)->cell].threads_per_cpu, 0);

	const struct bundle_summary *s = find_summary(&b, CELL_T2, "throughput_ops_s");
	cr_expect_eq(s->metric, BUNDLE_METRIC_throughput_ops_s);
	cr_expect_float_eq(s->median, 3.9e6, 1e-3);
	cr_expect_float_eq(s->ci_low, 3.7e6, 1e-3);
	cr_expect_float_eq(s->ci_high, 4.1e6, 1e-3);
	cr_expect_float_eq(s->ci_level, 0.75, 1e-12);
	cr_expect_eq(s->n, 3);
	cr_expect_eq(s->n_ok, 3);
	cr_expect_eq(s->n_timeout, 0);
	cr_expect_str_eq(s->phase, "one");
	s = find_summary(&b, CELL_T4, "throughput_ops_s");
	cr_expect_eq(s->flags, BUNDLE_FLAG(collapse) | BUNDLE_FLAG(few_reps) | BUNDLE_FLAG(timeout));
	cr_expect_eq(s->n_timeout, 1);
	cr_expect_float_eq(s->median, 25000, 1e-9);
	bundle_free(&b);
	cr_expect_null(b.runs);
}

Test(bundle_read, histogram_on_demand)
{
	struct bundle_contents b;
	struct bundle_hist hist;
	char error[2048];
	cr_assert_eq(bundle_read(FIXTURE, &b, error, sizeof error), 0, "%s", error);
	cr_assert_eq(bundle_read_hist(&b, HIST_CELL, "lat", &hist, error, sizeof error), 0, "%s",
		     error);
	cr_expect_eq(hist.count, 3);
	cr_expect_eq(hist.total, 10);
	cr_expect_float_eq(hist.buckets[2].low_ns, 1024, 0);
	cr_expect_float_eq(hist.buckets[2].high_ns, 1032, 0);
	cr_expect_eq(hist.buckets[2].count, 2);
	bundle_hist_free(&hist);
	cr_expect_eq(bundle_read_hist(&b, CELL_T2, "handoff", &hist, error, sizeof error), 1);
	cr_expect_eq(hist.count, 0);
	bundle_free(&b);
}

Test(bundle_read, corrupt_histogram_names_file_and_row)
{
	char dir[256], expected[600];
	struct bundle_contents b;
	struct bundle_hist hist;
	char error[2048];
	fixture_copy(dir, sizeof dir);
	fixture_replace(dir, "hist/" HIST_CELL ".lat.csv", "200,201,3", "200,201,three");
	cr_assert_eq(bundle_read(dir, &b, error, sizeof error), 0, "%s", error);
	cr_expect_eq(bundle_read_hist(&b, HIST_CELL, "lat", &hist, error, sizeof error), -1);
	snprintf(expected, sizeof expected,
		 "%s/hist/" HIST_CELL ".lat.csv: row 3: field 'count' is not a number: 'three'", dir);
	cr_expect_str_eq(error, expected);
	bundle_free(&b);
}

Test(bundle_read, schema_1_shape_loads)
{
	char dir[256], error[2048];
	struct bundle_contents b;
	fixture_copy(dir, sizeof dir);
	fixture_cut_columns(dir, "runs.csv", 37); /* up to thread_cpus: schema 1's last column */
	fixture_cut_columns(dir, "summary.csv", 8); /* up to flags */
	fixture_replace(dir, "meta.json", "\"schema_version\": 2", "\"schema_version\": 1");

	cr_assert_eq(bundle_read(dir, &b, error, sizeof error), 0, "%s", error);
	cr_expect_eq(b.meta.schema_version, 1);
	cr_expect_eq(b.run_count, 37);
	const struct bundle_run *run = find_run(&b, CELL_T2, 1);
	cr_expect_float_eq(run->metric[BUNDLE_METRIC_throughput_ops_s], 3.9e6, 1e-3);
	cr_expect(isnan(run->metric[BUNDLE_METRIC_drain_s]));
	cr_expect(isnan(run->metric[BUNDLE_METRIC_busy_iterations_per_ns]));
	cr_expect_str_eq(run->phase, "");
	cr_expect_eq(b.cells[find_run(&b, CELL_T4, 0)->cell].threads_per_cpu, 0);
	const struct bundle_summary *s = find_summary(&b, CELL_T2, "throughput_ops_s");
	cr_expect_float_eq(s->median, 3.9e6, 1e-3);
	cr_expect(isnan(s->ci_level));
	cr_expect_eq(s->n_ok, -1);
	cr_expect_str_eq(s->phase, "");
	bundle_free(&b);
}

Test(bundle_read, without_threads_per_cpu_column_loads)
{
	char dir[256], error[2048];
	struct bundle_contents b;
	fixture_copy(dir, sizeof dir);
	fixture_cut_columns(dir, "runs.csv", 49);
	cr_assert_eq(bundle_read(dir, &b, error, sizeof error), 0, "%s", error);
	cr_expect_str_eq(find_run(&b, CELL_T2, 0)->phase, "one");
	cr_expect_eq(b.cells[find_run(&b, CELL_T4, 0)->cell].threads_per_cpu, 0);
	bundle_free(&b);
}

Test(bundle_read, truncated_row)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	char *text = fixture_read(dir, "runs.csv");
	/* Cut the file in the middle of its last row, as a crash mid-write would. */
	size_t length = strlen(text);
	text[length - 30] = '\0';
	fixture_write(dir, "runs.csv", text);
	expect_error(dir, "runs.csv: row 38: 39 fields, the header has 50");
	free(text);
}

Test(bundle_read, non_number)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	/* Row 25: contended.ck_ticket.t4 rep 1, whose ops are 132000. */
	fixture_replace(dir, "runs.csv", ",132000,", ",132x00,");
	expect_error(dir, "runs.csv: row 25: field 'ops' is not a number: '132x00'");
}

Test(bundle_read, non_number_in_summary)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	fixture_replace(dir, "summary.csv", CELL_T2 ",throughput_ops_s,3900000,",
			CELL_T2 ",throughput_ops_s,fast,");
	expect_error(dir, "summary.csv: row 126: field 'median' is not a number: 'fast'");
}

Test(bundle_read, unknown_flag)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	fixture_replace(dir, "runs.csv", "starvation;few_reps", "starvation;few_repz");
	expect_error(dir, "runs.csv: row 24: field 'flags' has an unknown flag: 'few_repz'");
}

Test(bundle_read, missing_files)
{
	char dir[256], path[600];
	fixture_copy(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/summary.csv", dir);
	cr_assert_eq(unlink(path), 0);
	expect_error(dir, "summary.csv: cannot open: No such file or directory");
	snprintf(path, sizeof path, "%s/meta.json", dir);
	cr_assert_eq(unlink(path), 0);
	expect_error(dir, "meta.json: cannot open: No such file or directory");
}

Test(bundle_read, unfinished_run)
{
	char dir[256], path[600], expected[1200];
	fixture_copy(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/runs.csv", dir);
	char partial[600];
	snprintf(partial, sizeof partial, "%s/.runs.partial.csv", dir);
	cr_assert_eq(rename(path, partial), 0);
	snprintf(expected, sizeof expected,
		 "runs.csv: missing: the run is unfinished (finish it with 'locklab run --resume %s')",
		 dir);
	expect_error(dir, expected);
}

Test(bundle_read, schema_versions_refused)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	fixture_replace(dir, "meta.json", "\"schema_version\": 2", "\"schema_version\": 3");
	expect_error(dir, "meta.json: schema_version 3 is newer than this locklab reads (up to 2)");
	fixture_replace(dir, "meta.json", "\"schema_version\": 3", "\"schema\": 2");
	expect_error(dir, "meta.json: no schema_version: not a locklab bundle");
}

Test(bundle_read, summary_cell_not_in_runs)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	fixture_replace(dir, "summary.csv", CELL_T2 ",throughput_ops_s,",
			"contended.ck_ghost.t2.cs50.ncs200.r0,throughput_ops_s,");
	expect_error(dir, "summary.csv: row 126: cell 'contended.ck_ghost.t2.cs50.ncs200.r0' is "
			  "not in runs.csv or vm_runs.csv");
}
