/*
 * locklab compare: a bundle against itself shows nothing; one lock's figures
 * doubled flag exactly that lock's rows; settings, one-sided cells, N x CPUs
 * alignment and a schema 1 bundle are reported; bad input is one line and
 * writes nothing; and two short real runs compare.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/bundle_fixture.h"
#include "tests/run_locklab.h"

static struct run_output run;

TestSuite(compare, .fini = fixture_remove_made);

/* A folder for compare's output next to the bundles: the path of a name that
 * does not exist yet inside a new temporary folder. */
static void out_path(char *out, size_t size)
{
	char base[] = "/tmp/locklab-compare-out-XXXXXX";
	cr_assert_not_null(mkdtemp(base));
	fixture_made(base);
	snprintf(out, size, "%s/cmp", base);
}

/* Multiplies a runs.csv column by factor on every row of one lock. */
static void scale_lock(const char *dir, const char *lock, const char *column, double factor)
{
	char *text = fixture_read(dir, "runs.csv");
	char *out = calloc(strlen(text) * 2 + 64, 1), *save = NULL;
	int target = -1, changed = 0;

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *fields[64], *cursor = line, scaled[64];
		int n = 0;
		while (n < 64 && (fields[n] = strsep(&cursor, ",")) != NULL)
			n++;
		if (target < 0) {
			for (int f = 0; f < n; f++)
				if (strcmp(fields[f], column) == 0)
					target = f;
			cr_assert_geq(target, 0, "no column %s", column);
		} else if (strcmp(fields[1], lock) == 0 && fields[target][0] != '\0') {
			snprintf(scaled, sizeof scaled, "%.6g", atof(fields[target]) * factor);
			fields[target] = scaled;
			changed++;
		}
		for (int f = 0; f < n; f++) {
			strcat(out, fields[f]);
			strcat(out, f + 1 < n ? "," : "\n");
		}
	}
	cr_assert_gt(changed, 0);
	fixture_write(dir, "runs.csv", out);
	free(out);
	free(text);
}

/* Gives every cell of a bundle three more reps: each runs.csv row again as rep
 * + 3, its throughput and latencies 1 % higher (six reps a side, as make bench
 * measures). */
static void six_reps(const char *dir)
{
	char *text = fixture_read(dir, "runs.csv");
	char *out = calloc(strlen(text) * 3 + 64, 1), *save = NULL;
	int rep = -1, scaled_columns[3] = { -1, -1, -1 };
	static const char *const scaled_names[3] = { "throughput_ops_s", "lat_p99_ns",
						     "handoff_p50_ns" };

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *fields[64], *cursor = line, numbers[4][64];
		int n = 0;

		strcat(out, line);
		strcat(out, "\n");
		while (n < 64 && (fields[n] = strsep(&cursor, ",")) != NULL)
			n++;
		if (rep < 0) {
			for (int f = 0; f < n; f++) {
				if (strcmp(fields[f], "rep") == 0)
					rep = f;
				for (int k = 0; k < 3; k++)
					if (strcmp(fields[f], scaled_names[k]) == 0)
						scaled_columns[k] = f;
			}
			cr_assert_geq(rep, 0);
			continue;
		}
		snprintf(numbers[3], sizeof numbers[3], "%d", atoi(fields[rep]) + 3);
		fields[rep] = numbers[3];
		for (int k = 0; k < 3; k++) {
			int f = scaled_columns[k];
			if (f < 0 || fields[f][0] == '\0')
				continue;
			snprintf(numbers[k], sizeof numbers[k], "%.6g", atof(fields[f]) * 1.01);
			fields[f] = numbers[k];
		}
		for (int f = 0; f < n; f++) {
			strcat(out, fields[f]);
			strcat(out, f + 1 < n ? "," : "\n");
		}
	}
	fixture_write(dir, "runs.csv", out);
	free(out);
	free(text);
}

/* Drops every line of name that contains what. */
static void drop_lines(const char *dir, const char *name, const char *what)
{
	char *text = fixture_read(dir, name), *out = calloc(strlen(text) + 1, 1), *save = NULL;
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (strstr(line, what) == NULL) {
			strcat(out, line);
			strcat(out, "\n");
		}
	fixture_write(dir, name, out);
	free(out);
	free(text);
}

/* The rows of the "every aligned cell" table whose lock is lock (NULL: all). */
static size_t table_rows(const char *md, const char *lock, const char *verdict)
{
	const char *table = strstr(md, ": every aligned cell");
	size_t n = 0;
	cr_assert_not_null(table, "%s", md);
	const char *end = strstr(table, "\n## ");
	for (const char *line = strstr(table, "\n|"); line != NULL && (end == NULL || line < end);
	     line = strstr(line + 1, "\n|")) {
		const char *eol = strchr(line + 1, '\n');
		char row[512];
		snprintf(row, sizeof row, "%.*s", (int)(eol - line - 1), line + 1);
		if (strncmp(row, "|configuration", 14) == 0 || strncmp(row, "|---", 4) == 0)
			continue;
		char lock_cell[64];
		snprintf(lock_cell, sizeof lock_cell, " | %s | ", lock ? lock : "");
		if ((lock == NULL || strstr(row, lock_cell) != NULL) &&
		    (verdict == NULL || strstr(row, verdict) != NULL))
			n++;
	}
	return n;
}

static char *compare_two(const char *a, const char *b, char *out, size_t size)
{
	out_path(out, size);
	run_locklab(&run, "compare", "--out", out, a, b, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	return fixture_read(out, "compare.md");
}

Test(compare, a_bundle_against_itself_shows_nothing, .timeout = 30)
{
	char a[256], b[256], out[300];
	fixture_copy(a, sizeof a);
	fixture_copy(b, sizeof b);
	char *md = compare_two(a, b, out, sizeof out);

	/* 12 cells: throughput each, acquire p99 each, hand-off p50 for the 3 hand-off cells. */
	cr_expect_eq(table_rows(md, NULL, NULL), 27, "%s", md);
	cr_expect_eq(table_rows(md, NULL, "| 1.00 ("), 27, "every ratio 1");
	cr_expect_eq(table_rows(md, NULL, "no difference shown"), 27);
	cr_expect_eq(table_rows(md, NULL, "| 4 (2x CPUs) |"), 6, "aligned on 2x CPUs");
	cr_expect(strstr(md, "None: the 17 settings recorded in meta.json are equal.") != NULL,
		  "%s", md);
	cr_expect(strstr(run.out, "12 cells aligned (0 only in the baseline, 0 only here); "
				  "throughput ratio 1.00 (geometric mean); significant: 0 better, "
				  "0 worse\n") != NULL,
		  "%s", run.out);
	cr_expect(strstr(run.out, "/compare.html\n") != NULL);
	/* The inputs are untouched. */
	fixture_expect_untouched(a, NULL);
	fixture_expect_untouched(b, NULL);
	free(md);
}

/* Three reps a side cannot show a difference at 5 %: of the 20 ways to split six
 * reps in two, the observed split and its mirror are always as far apart, so
 * p >= 0.1 however far apart the sides are. The bootstrap this replaced called
 * such rows significant, and with them 73 of 164 rows of two make bench runs 13
 * minutes apart whose commits measure alike. */
Test(compare, three_reps_a_side_show_no_difference, .timeout = 30)
{
	char a[256], b[256], out[300];
	fixture_copy(a, sizeof a);
	fixture_copy(b, sizeof b);
	scale_lock(b, "ck_ticket", "throughput_ops_s", 2.0);
	char *md = compare_two(a, b, out, sizeof out);

	cr_expect_eq(table_rows(md, "ck_ticket", "| 2.00 ("), 4, "%s", md);
	cr_expect(strstr(run.out, "significant: 0 better, 0 worse\n") != NULL, "%s", run.out);
	free(md);
}

Test(compare, one_lock_doubled_is_flagged_alone, .timeout = 30)
{
	char a[256], b[256], out[300];
	fixture_copy(a, sizeof a);
	fixture_copy(b, sizeof b);
	six_reps(a);
	six_reps(b);
	scale_lock(b, "ck_ticket", "throughput_ops_s", 2.0);
	scale_lock(b, "ck_ticket", "lat_p99_ns", 2.0);
	scale_lock(b, "ck_ticket", "handoff_p50_ns", 2.0);
	char *md = compare_two(a, b, out, sizeof out);

	/* ck_ticket: 4 throughput rows better, 4 acquire p99 and 1 hand-off worse;
	 * every other lock's 18 rows show nothing. */
	cr_expect_eq(table_rows(md, "ck_ticket", NULL), 9, "%s", md);
	cr_expect_eq(table_rows(md, "ck_ticket", "| 2.00 ("), 9);
	cr_expect_eq(table_rows(md, "ck_ticket", ") | better |"), 4);
	cr_expect_eq(table_rows(md, "ck_ticket", ") | worse |"), 5, "%s", md);
	cr_expect_eq(table_rows(md, NULL, "no difference shown"), 18);
	cr_expect(strstr(run.out, "significant: 4 better, 5 worse\n") != NULL, "%s", run.out);
	/* The significant table lists those nine only. */
	const char *significant = strstr(md, ": significant differences");
	const char *every = strstr(md, ": every aligned cell");
	cr_assert(significant != NULL && every != NULL && significant < every);
	size_t listed = 0;
	for (const char *at = strstr(significant, "| ck_ticket |"); at != NULL && at < every;
	     at = strstr(at + 1, "| ck_ticket |"))
		listed++;
	cr_expect_eq(listed, 9);
	free(md);
}

Test(compare, settings_that_differ_come_before_any_ratio, .timeout = 30)
{
	char a[256], b[256], out[300];
	fixture_copy(a, sizeof a);
	fixture_copy(b, sizeof b);
	fixture_replace(b, "meta.json", "Test CPU 9000", "Other CPU 7");
	fixture_replace(b, "meta.json", "6.1.0-test", "6.12.0-other");
	char *md = compare_two(a, b, out, sizeof out);

	const char *settings = strstr(md, "## Settings that differ");
	const char *summary = strstr(md, "## Summary");
	cr_assert(settings != NULL && summary != NULL && settings < summary, "%s", md);
	cr_expect(strstr(settings, "|cpu_model | Test CPU 9000 | Other CPU 7 |\n") != NULL, "%s", md);
	cr_expect(strstr(settings, "|kernel | 6.1.0-test | 6.12.0-other |\n") != NULL);
	cr_expect(strstr(settings, "The other 15 settings recorded in meta.json are equal.") != NULL);
	cr_expect(strstr(run.out, "compare: settings that differ: cpu_model, kernel\n") != NULL, "%s",
		  run.out);
	free(md);
}

Test(compare, cells_on_one_side_are_listed, .timeout = 30)
{
	char a[256], b[256], out[300];
	fixture_copy(a, sizeof a);
	fixture_copy(b, sizeof b);
	drop_lines(b, "runs.csv", ",pthread_mutex,");
	drop_lines(b, "summary.csv", ".pthread_mutex.");
	char *md = compare_two(a, b, out, sizeof out);

	cr_expect(strstr(run.out, "8 cells aligned (4 only in the baseline, 0 only here)") != NULL,
		  "%s", run.out);
	const char *only = strstr(md, "## Cells on one side only");
	cr_assert_not_null(only);
	cr_expect_eq(fixture_count(only, "pthread_mutex"), 4, "%s", only);
	char expected[256];
	snprintf(expected, sizeof expected, "|uncontended.pthread_mutex.t1.cs0.ncs0.r0 | %s | %s |",
		 strrchr(a, '/') + 1, strrchr(b, '/') + 1);
	cr_expect(strstr(only, expected) != NULL, "%s", only);
	free(md);
}

Test(compare, n_times_cpus_aligns_across_machine_sizes, .timeout = 30)
{
	char a[256], b[256], out[300];
	fixture_copy(a, sizeof a);
	fixture_copy(b, sizeof b);
	/* b was measured on 16 CPUs: its 2x CPUs cells ran 32 threads. */
	for (int f = 0; f < 2; f++) {
		const char *name = f ? "summary.csv" : "runs.csv";
		fixture_replace_in_lines(b, name, "contended.ck_mcs.t4.", ".t4.", ".t32.");
		fixture_replace_in_lines(b, name, "contended.ck_ticket.t4.", ".t4.", ".t32.");
		fixture_replace_in_lines(b, name, "contended.pthread_mutex.t4.", ".t4.", ".t32.");
	}
	fixture_replace_in_lines(b, "runs.csv", "contended.", ",contended,4,", ",contended,32,");
	char *md = compare_two(a, b, out, sizeof out);

	cr_expect_eq(table_rows(md, NULL, "| 2x CPUs (4 / 32) |"), 6, "%s", md);
	cr_expect(strstr(run.out, "12 cells aligned (0 only in the baseline, 0 only here)") != NULL,
		  "%s", run.out);
	free(md);
}

Test(compare, schema_1_beside_2_marks_what_changed, .timeout = 30)
{
	char a[256], b[256], out[300];
	fixture_copy(a, sizeof a);
	fixture_copy(b, sizeof b);
	fixture_cut_columns(a, "runs.csv", 37);   /* up to thread_cpus */
	fixture_cut_columns(a, "summary.csv", 8); /* up to flags */
	fixture_replace(a, "meta.json", "\"schema_version\": 2", "\"schema_version\": 1");
	char *md = compare_two(a, b, out, sizeof out);

	cr_expect_eq(table_rows(md, NULL, "; meaning changed v1→v2"), 27, "%s", md);
	cr_expect(strstr(md, "|schema_version | 1 | 2 |\n") != NULL);
	cr_expect(strstr(md, "Schema 1 beside schema 2: rows marked") != NULL);
	free(md);
}

Test(compare, bad_input_is_one_line_and_writes_nothing, .timeout = 30)
{
	char a[256], b[256], out[300], expected[600];
	struct stat st;
	fixture_copy(a, sizeof a);
	fixture_copy(b, sizeof b);
	out_path(out, sizeof out);

	fixture_replace(b, "meta.json", "\"schema_version\": 2", "\"schema_version\": 99");
	run_locklab(&run, "compare", "--out", out, a, b, NULL);
	cr_expect_eq(run.status, 2);
	cr_expect_eq(count_lines(run.err), 1, "%s", run.err);
	snprintf(expected, sizeof expected, "%s/meta.json", b);
	cr_expect(strstr(run.err, expected) != NULL && strstr(run.err, "99") != NULL, "%s", run.err);
	cr_expect_neq(stat(out, &st), 0, "nothing written");

	run_locklab(&run, "compare", "--out", out, a, "/nonexistent/bundle", NULL);
	cr_expect_eq(run.status, 2);
	cr_expect_str_eq(run.err, "locklab: compare: /nonexistent/bundle/meta.json: cannot open: "
				  "No such file or directory\n");
	cr_expect_neq(stat(out, &st), 0);

	run_locklab(&run, "compare", "--out", out, a, NULL);
	expect_usage_error(&run, "1 bundles");

	snprintf(expected, sizeof expected, "%s/cmp", a);
	run_locklab(&run, "compare", "--out", expected, a, a, NULL);
	expect_usage_error(&run, "inside the input bundle");
	fixture_expect_untouched(a, NULL);

	run_locklab(&run, "compare", "--out", a, a, a, NULL);
	expect_usage_error(&run, "exists");
	fixture_expect_untouched(a, NULL);

	run_locklab(&run, "compare", "--bogus", a, a, NULL);
	expect_usage_error(&run, "--bogus");
	run_locklab(&run, "compare", "--help", NULL);
	cr_expect_eq(run.status, 0);
	cr_expect(strncmp(run.out, "usage: locklab compare ", 23) == 0, "%s", run.out);
}

Test(compare, two_short_real_runs, .timeout = 90)
{
	char base[] = "/tmp/locklab-compare-run-XXXXXX", a[300], b[300], out[300];
	cr_assert_not_null(mkdtemp(base));
	fixture_made(base);
	snprintf(a, sizeof a, "%s/a", base);
	snprintf(b, sizeof b, "%s/b", base);
	run_locklab(&run, "run", "--lock", "ck_mcs,ck_ticket", "--workload", "uncontended,contended",
		    "--threads", "2", "--duration", "0.02", "--warmup", "0.005", "--reps", "3",
		    "--no-preflight", "--out", a, NULL);
	cr_assert_eq(run.status, 0, "run: exit %d: %s", run.status, run.err);
	run_locklab(&run, "run", "--lock", "ck_ticket,pthread_mutex", "--workload",
		    "uncontended,contended", "--threads", "2", "--duration", "0.02", "--warmup",
		    "0.005", "--reps", "3", "--no-preflight", "--out", b, NULL);
	cr_assert_eq(run.status, 0, "run: exit %d: %s", run.status, run.err);

	char *md = compare_two(a, b, out, sizeof out);
	/* ck_ticket aligns (uncontended and contended at 2); ck_mcs and pthread_mutex
	 * are one side's only. */
	cr_expect(strstr(run.out, "2 cells aligned (2 only in the baseline, 2 only here)") != NULL,
		  "%s", run.out);
	cr_expect_eq(table_rows(md, "ck_mcs", NULL), 0);
	cr_expect_gt(table_rows(md, "ck_ticket", NULL), 0);
	free(md);

	/* A real bundle against itself: every ratio 1, nothing significant. A cell
	 * whose 3 short reps all ran outside the run's main machine phase has no
	 * figure on either side (seen once in CI): n/a, never another ratio. */
	md = compare_two(a, a, out, sizeof out);
	size_t rows = table_rows(md, NULL, NULL);
	size_t ones = table_rows(md, NULL, "| 1.00 (");
	cr_expect_gt(ones, 0, "%s", md);
	cr_expect_eq(ones + table_rows(md, NULL, "| n/a (reps 0 / 0) |"), rows, "%s", md);
	cr_expect(strstr(run.out, "significant: 0 better, 0 worse\n") != NULL, "%s", run.out);
	free(md);
}

Test(compare, placements_align_with_their_own, .timeout = 30)
{
	char a[256], b[256], plain[256], out[300];
	fixture_copy(a, sizeof a);
	fixture_copy(b, sizeof b);
	fixture_copy(plain, sizeof plain);
	fixture_add_placement(a);
	fixture_add_placement(b);

	/* Placed against placed: the list:0 cell meets its own, every ratio 1, and
	 * the rows name the placement that tells the two ck_mcs cells apart. */
	char *md = compare_two(a, b, out, sizeof out);
	cr_expect(strstr(run.out, "13 cells aligned (0 only in the baseline, 0 only here)") != NULL,
		  "%s", run.out);
	cr_expect_eq(table_rows(md, NULL, "no difference shown"), 29, "%s", md);
	cr_expect_eq(table_rows(md, NULL, "affinity=list:0 memory=default"), 2, "%s", md);
	free(md);

	/* Placed against a bundle from before placement (no such columns): its cells
	 * ran round-robin with first-touch memory, so they meet the round-robin cells
	 * and the list:0 cell is on one side only. */
	md = compare_two(a, plain, out, sizeof out);
	cr_expect(strstr(run.out, "12 cells aligned (1 only in the baseline, 0 only here)") != NULL,
		  "%s", run.out);
	const char *only = strstr(md, "## Cells on one side only");
	cr_assert_not_null(only);
	cr_expect(strstr(only, FIXTURE_PLACED_CELL) != NULL, "%s", only);
	cr_expect_eq(table_rows(md, NULL, "no difference shown"), 27, "%s", md);
	free(md);
}
