/* locklab report: the hand-written bundle's tables figure by figure, every plot
 * from a small real run, and that a corrupt bundle or a missing gnuplot writes
 * nothing. */
#include <criterion/criterion.h>
#include <ftw.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/report_sections.h"
#include "tests/bundle_fixture.h"
#include "tests/run_locklab.h"


static struct run_output run;

TestSuite(report, .fini = fixture_remove_made);

/* The report of the bundle in dir, which must succeed: its report.md (malloc'd). */
static char *report_md(const char *dir)
{
	run_locklab(&run, "report", dir, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	return fixture_read(dir, "report.md");
}

Test(report, number_format)
{
	static const struct { double value; const char *text; } cases[] = {
		{ 4.0, "4.00" },   { 10.6, "10.6" },     { 188.679, "189" }, { 0.25, "0.250" },
		{ 9.996, "10.0" }, { 1234.5, "1234" },   { -5.4, "-5.40" },  { 0.00154, "0.00154" },
		{ 0, "0" },        { NAN, "n/a" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[64];
		report_number(cases[i].value, text, sizeof text);
		cr_expect_str_eq(text, cases[i].text, "%g", cases[i].value);
	}
}

Test(report, known_bundle_tables, .timeout = 30)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	run_locklab(&run, "report", dir, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	cr_expect(strstr(run.out, "/report.html") != NULL, "%s", run.out);
	char *md = fixture_read(dir, "report.md");

	/* Best lock: ck_mcs at 4.00 with ck_ticket's interval overlapping (a tie),
	 * pthread_mutex's not; alone at 4 threads with both others flagged; all three
	 * tie in handoff. */
	cr_expect(strstr(md, "|contended cs=50ns ncs=200ns | 2 | ck_mcs | 4.00 M | 3.80 M–4.20 M | "
			     "ck_ticket |  |\n") != NULL,
		  "%s", md);
	cr_expect(strstr(md, "|contended cs=50ns ncs=200ns | 4 (2x CPUs) | pthread_mutex | 2.60 M "
			     "| 2.50 M–2.70 M | none | collapse: ck_mcs; starvation: ck_ticket |\n") !=
		  NULL);
	cr_expect(strstr(md, "|handoff cs=0ns ncs=0ns | 2 | ck_mcs | 510 k | 500 k–520 k | "
			     "ck_ticket, pthread_mutex |  |\n") != NULL);
	cr_expect(strstr(md, "|uncontended cs=0ns ncs=0ns | 1 | ck_mcs | 185 M | 182 M–189 M | none "
			     "|  |\n") != NULL);
	/* Uncontended ns/op and bytes per primitive. */
	cr_expect(strstr(md, "|ck_mcs | 5.40 | 5.30–5.50 | 8 | 16 | 0 |\n") != NULL);
	cr_expect(strstr(md, "|ck_ticket | 10.6 | 10.5–10.8 | 8 | 0 | 0 |\n") != NULL);
	cr_expect(strstr(md, "|pthread_mutex | 9.20 | 9.10–9.40 | 40 | 0 | 0 |\n") != NULL);
	/* Locks to avoid: collapse and starvation counted per lock. */
	cr_expect(strstr(md, "|ck_mcs | 4 | 1 | 0 | 0 |\n") != NULL);
	cr_expect(strstr(md, "|ck_ticket | 4 | 0 | 1 | 0 |\n") != NULL);
	cr_expect_eq(fixture_count(md, "|pthread_mutex | 4 |"), 0);
	/* Fairness and CPU per operation: (0.24 + 0.002) s x 1e9 / 480000 ops = 504. */
	cr_expect(strstr(md, "|ck_mcs | 0.970 | 0.450 | 0.550 | 504 |\n") != NULL);
	/* The run's noise from meta.json. */
	cr_expect(strstr(md, "|timer overhead (ns) | 20.5 |\n") != NULL);
	cr_expect(strstr(md, "|null lock floor (ns/op) | 0.250 |\n") != NULL);
	cr_expect(strstr(md, "|cross-CPU round trip at end (ns, median) | 81.0 |\n") != NULL);
	/* 12 figures with a CV, 7 under 5 %; ck_mcs at 4 threads (CV 20 %) collapsed. */
	cr_expect(strstr(md, "|cells under 5 % CV (%) | 58.3 (7 of 12) |\n") != NULL, "%s", md);
	cr_expect(strstr(md, "|cells not flagged collapse under 5 % CV (%) | 63.6 (7 of 11) |\n") !=
		  NULL);
	cr_expect(strstr(md, "|cpu_model | Test CPU 9000 |\n") != NULL);
	/* No optional file, no optional section. */
	cr_expect_eq(fixture_count(md, "VM runs"), 0);
	cr_expect_eq(fixture_count(md, "Claims"), 0);

	char *html = fixture_read(dir, "report.html");
	size_t figures = fixture_count(md, "](plots/");
	cr_expect_eq(figures, 9);
	cr_expect_eq(fixture_count(html, "<svg"), figures, "every figure inline");
	cr_expect_eq(fixture_count(html, "</svg>"), figures);
	cr_expect_eq(fixture_count(html, "<?xml"), 0);
	cr_expect_eq(fixture_count(html, "src=\"http"), 0);
	cr_expect_eq(fixture_count(html, "<script"), 0);
	cr_expect(strstr(html, "name=\"viewport\"") != NULL);
	cr_expect(strstr(html, "overflow-x:auto") != NULL);
	cr_expect(strstr(html, "<td class=\"n\">5.40</td>") != NULL);
	/* Each figure's ids are its own: the second figure's point shapes are f2-. */
	cr_expect(strstr(html, "id='f2-gpPt0'") != NULL);
	cr_expect(strstr(html, "href='#f2-gpPt") != NULL);
	cr_expect_eq(fixture_count(html, "id='gpPt0'"), 0);
	cr_expect_eq(fixture_count(html, "<title>Gnuplot</title>"), 0);
	free(md);
	free(html);
}

Test(report, corrupt_runs_csv_writes_nothing, .timeout = 30)
{
	char dir[256], expected[512];
	fixture_copy(dir, sizeof dir);
	fixture_replace(dir, "runs.csv", ",132000,", ",132x00,");
	run_locklab(&run, "report", dir, NULL);
	cr_expect_eq(run.status, 2);
	snprintf(expected, sizeof expected,
		 "locklab: report: %s/runs.csv: row 25: field 'ops' is not a number: '132x00'\n", dir);
	cr_expect_str_eq(run.err, expected);
	fixture_expect_untouched(dir, NULL);
}

Test(report, corrupt_histogram_writes_nothing, .timeout = 30)
{
	char dir[256], expected[512];
	fixture_copy(dir, sizeof dir);
	/* Read only once figures are being drawn: the staged ones must go too. */
	fixture_replace(dir, HIST_FILE, "200,201,3", "200,201,three");
	run_locklab(&run, "report", dir, NULL);
	cr_expect_eq(run.status, 2, "exit %d: %s", run.status, run.err);
	snprintf(expected, sizeof expected,
		 "locklab: report: %s/" HIST_FILE ": row 3: field 'count' is not a number: 'three'\n",
		 dir);
	cr_expect_str_eq(run.err, expected);
	fixture_expect_untouched(dir, NULL);
}

Test(report, missing_bundle_and_usage, .timeout = 30)
{
	run_locklab(&run, "report", "/nonexistent/bundle", NULL);
	cr_expect_eq(run.status, 2);
	cr_expect_str_eq(run.err, "locklab: report: /nonexistent/bundle/meta.json: cannot open: No "
				  "such file or directory\n");
	run_locklab(&run, "report", NULL);
	cr_expect_eq(run.status, 2);
	cr_expect_eq(count_lines(run.err), 1);
	run_locklab(&run, "report", "--help", NULL);
	cr_expect_eq(run.status, 0);
	cr_expect(strncmp(run.out, "usage: locklab report BUNDLE\n", 29) == 0, "%s", run.out);
	run_locklab(&run, "--help", NULL);
	cr_expect(strstr(run.out, "  report ") != NULL, "%s", run.out);
}

Test(report, missing_gnuplot_is_an_environment_error, .timeout = 30)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	setenv("PATH", "/nonexistent", 1);
	run_locklab(&run, "report", dir, NULL);
	cr_expect_eq(run.status, 3);
	cr_expect_eq(count_lines(run.err), 1);
	cr_expect(strstr(run.err, "apt-get install") != NULL, "%s", run.err);
	fixture_expect_untouched(dir, NULL);
}

Test(report, missing_scripts_are_an_environment_error, .timeout = 30)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	setenv("LOCKLAB_PLOTS", "/nonexistent/plots", 1);
	run_locklab(&run, "report", dir, NULL);
	cr_expect_eq(run.status, 3);
	cr_expect_str_eq(run.err, "locklab: report: /nonexistent/plots/throughput.gp: not found: run "
				  "from the source tree or set LOCKLAB_PLOTS to its plots/ folder\n");
	fixture_expect_untouched(dir, NULL);
}

/* A valid SVG as far as a test without an XML parser can tell: one <svg ...>
 * element closed at the end, and the labels the script sets. */
static void expect_svg(const char *dir, const char *name, const char *label)
{
	char path[300];
	snprintf(path, sizeof path, "plots/%s", name);
	char *svg = fixture_read(dir, path);
	char *end = strstr(svg, "</svg>");
	cr_expect_eq(fixture_count(svg, "<svg"), 1, "%s", name);
	cr_expect_not_null(end, "%s not closed", name);
	if (end != NULL)
		cr_expect_eq(strspn(end + 6, " \n"), strlen(end + 6), "%s: text after </svg>", name);
	cr_expect(strstr(svg, label) != NULL, "%s lacks '%s'", name, label);
	free(svg);
}

/* The locks whose uncontended throughput the by-lock plot must draw, worked out
 * from summary.csv as a reader would: the main phase is the one with the most
 * throughput reps (ties to the name first in order). A real run on this host can
 * see its cross-CPU round trip flip, so which locks are in it is read, not assumed. */
static size_t main_phase_locks(const char *dir, const char *workload, char locks[][32],
			       size_t lock_limit)
{
	struct phase_reps {
		char name[32];
		long reps;
	} phases[8] = { 0 };
	size_t phase_count = 0, lock_count = 0;
	char *text = fixture_read(dir, "summary.csv");
	const char *main = NULL;

	for (int pass = 0; pass < 2; pass++) {
		char *copy = strdup(text), *save = NULL;
		strtok_r(copy, "\n", &save); /* the header */
		for (char *line = strtok_r(NULL, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save)) {
			char *field[12] = { 0 }, *cursor = line;
			for (size_t f = 0; f < 12 && cursor != NULL; f++)
				field[f] = strsep(&cursor, ",");
			if (field[8] == NULL || strcmp(field[1], "throughput_ops_s") != 0)
				continue;
			if (pass == 0) {
				size_t p = 0;
				while (p < phase_count && strcmp(phases[p].name, field[8]) != 0)
					p++;
				cr_assert_lt(p, 8);
				if (p == phase_count)
					snprintf(phases[phase_count++].name, 32, "%s", field[8]);
				phases[p].reps += atol(field[6]);
				continue;
			}
			size_t prefix = strlen(workload);
			if (strcmp(field[8], main) != 0 || strncmp(field[0], workload, prefix) != 0 ||
			    field[0][prefix] != '.' || atof(field[2]) <= 0)
				continue;
			char *lock = field[0] + prefix + 1;
			*strchr(lock, '.') = '\0';
			cr_assert_lt(lock_count, lock_limit);
			snprintf(locks[lock_count++], 32, "%s", lock);
		}
		free(copy);
		long best = 0;
		for (size_t p = 0; p < phase_count; p++)
			if (phases[p].reps > best ||
			    (phases[p].reps == best && best > 0 && strcmp(phases[p].name, main) < 0)) {
				best = phases[p].reps;
				main = phases[p].name;
			}
		cr_assert_not_null(main, "no phase with reps in %s/summary.csv", dir);
	}
	free(text);
	return lock_count;
}

Test(report, every_plot_from_a_real_run, .timeout = 60)
{
	char base[] = "/tmp/locklab-report-run-XXXXXX", dir[300];
	cr_assert_not_null(mkdtemp(base));
	fixture_made(base);
	snprintf(dir, sizeof dir, "%s/bundle", base);
	run_locklab(&run, "run", "--lock", "ck_mcs,ck_ticket,pthread_mutex", "--workload",
		    "uncontended,contended,handoff", "--threads", "1,2,4", "--duration", "0.02",
		    "--warmup", "0.005", "--reps", "3", "--no-preflight", "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "run: exit %d: %s", run.status, run.err);
	run_locklab(&run, "report", dir, NULL);
	cr_assert_eq(run.status, 0, "report: exit %d: %s", run.status, run.err);
	expect_svg(dir, "throughput_contended_cs50_ncs200.svg", "throughput (operations/s, log scale)");
	expect_svg(dir, "throughput_contended_cs50_ncs200.svg", ">threads<");
	expect_svg(dir, "throughput_contended_cs50_ncs200.svg", "threads > CPUs");
	expect_svg(dir, "throughput_handoff_cs50_ncs0.svg", ">threads<");
	/* The by-lock plot draws the main phase's uncontended medians: none when
	 * every uncontended rep ran in the other phase or was slowed by the host
	 * (then the report rightly leaves the plot out). */
	char locks[3][32];
	size_t lock_count = main_phase_locks(dir, "uncontended", locks, 3);
	for (size_t i = 0; i < lock_count; i++)
		expect_svg(dir, "throughput_uncontended_by_lock.svg", locks[i]);
	expect_svg(dir, "latency.svg", "acquire latency (ns, log scale)");
	expect_svg(dir, "latency_cdf.svg", "fraction of operations at or below");
	expect_svg(dir, "memory.svg", "context per thread");
	expect_svg(dir, "fairness.svg", "index or share of operations");
	expect_svg(dir, "cpu_per_op.svg", "CPU ns per operation (log scale)");
	expect_svg(dir, "handoff.svg", "hand-off latency (ns, log scale)");
	char *md = fixture_read(dir, "report.md");
	cr_expect_eq(fixture_count(md, "](plots/"), lock_count > 0 ? 9 : 8, "%s", md);
	cr_expect_eq(fixture_count(md, "](plots/throughput_uncontended_by_lock.svg)"),
		     lock_count > 0, "%s", md);
	free(md);
}

Test(report, schema_1_bundle, .timeout = 30)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	fixture_cut_columns(dir, "runs.csv", 37);   /* up to thread_cpus */
	fixture_cut_columns(dir, "summary.csv", 8); /* up to flags */
	fixture_replace(dir, "meta.json", "\"schema_version\": 2", "\"schema_version\": 1");
	char *md = report_md(dir);
	/* No phases: every rep counts, and the same best rows come out (without the
	 * xCPU note schema 1 could not record). */
	cr_expect(strstr(md, "main phase, `all (no phases in this bundle)`") != NULL, "%s", md);
	cr_expect(strstr(md, "|contended cs=50ns ncs=200ns | 2 | ck_mcs | 4.00 M | 3.80 M–4.20 M | "
			     "ck_ticket |  |\n") != NULL);
	cr_expect(strstr(md, "|contended cs=50ns ncs=200ns | 4 | pthread_mutex | 2.60 M ") != NULL);
	cr_expect(strstr(md, "|ck_mcs | 5.40 | 5.30–5.50 | 8 | 16 | 0 |\n") != NULL);
	free(md);
}

Test(report, optional_files_get_their_section, .timeout = 30)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	fixture_write(dir, "c2c.csv", "cpu_a,cpu_b,round_trip_ns\n0,1,70.5\n");
	char *md = report_md(dir);
	cr_expect(strstr(md, "## Core-to-core round trips\n\n|cpu_a | cpu_b | round_trip_ns |\n"
			     "|---|---|---|\n|0 | 1 | 70.5 |\n") != NULL,
		  "%s", md);
	cr_expect_eq(fixture_count(md, "## Claims"), 0);
	free(md);
}

Test(report, core_to_core_heatmap, .timeout = 30)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	/* Two phases: the matrix draws the one with more pairs (slow: 2 of 3 rows). */
	fixture_write(dir, "c2c.csv",
		      "cpu_a,cpu_b,relation,phase,samples,round_trip_median_ns,round_trip_p99_ns,"
		      "round_trip_min_ns\n0,1,L3,slow,11,451.5,480,440\n1,0,L3,slow,11,448.25,470,"
		      "441\n0,1,L3,fast,11,74.1,82.5,72.3\n");
	run_locklab(&run, "report", dir, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	expect_svg(dir, "c2c.svg", "Core-to-core round trip (phase slow)");
	expect_svg(dir, "c2c.svg", "cpu_a (starts)");
	expect_svg(dir, "c2c.svg", ">452<");
	expect_svg(dir, "c2c.svg", ">448<");
	char *svg = fixture_read(dir, "plots/c2c.svg");
	cr_expect_null(strstr(svg, ">74<"), "the other phase's pair is not in the matrix");
	free(svg);
	char *md = fixture_read(dir, "report.md");
	cr_expect(strstr(md, "## Core-to-core round trips\n\n![Median round trip between each "
			     "ordered pair of CPUs, phase slow (the table below has the other "
			     "phases too)](plots/c2c.svg)") != NULL,
		  "%s", md);
	free(md);
}

Test(report, corrupt_optional_file_writes_nothing, .timeout = 30)
{
	char dir[256], expected[512];
	fixture_copy(dir, sizeof dir);
	fixture_write(dir, "claims.csv", "claim,holds\nfifo\n");
	run_locklab(&run, "report", dir, NULL);
	cr_expect_eq(run.status, 2);
	snprintf(expected, sizeof expected,
		 "locklab: report: %s/claims.csv: row 2: 1 fields, the header has 2\n", dir);
	cr_expect_str_eq(run.err, expected);
	fixture_expect_untouched(dir, "claims.csv");
}

Test(report, only_the_main_phase, .timeout = 30)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	/* ck_ticket at 2 threads measured only in another phase: it cannot tie with
	 * ck_mcs there, whose figures are from the main phase. */
	fixture_replace_in_lines(dir, "summary.csv", "contended.ck_ticket.t2.", ",one,", ",slow,");
	char *md = report_md(dir);
	cr_expect(strstr(md, "main phase, `one`, the phase with the most usable reps (one: 33 reps, "
			     "slow: 3 reps)") != NULL,
		  "%s", md);
	cr_expect(strstr(md, "Left out, measured only outside the main phase: 1 cells.") != NULL);
	cr_expect(strstr(md, "|contended cs=50ns ncs=200ns | 2 | ck_mcs | 4.00 M | 3.80 M–4.20 M | "
			     "none |  |\n") != NULL);
	free(md);
}

/* Every line of name that mentions lock is copied once per clone, the lock's name
 * replaced by the clone's ("<lock>_c<i>"), as if that many more locks were measured
 * with the same figures. */
static void clone_lock(const char *dir, const char *name, const char *lock, int clones)
{
	char *text = fixture_read(dir, name), *save = NULL, needle[64];
	char *out = calloc(strlen(text) * (size_t)(clones + 1) + 1, 1);
	snprintf(needle, sizeof needle, "%s", lock);
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		strcat(out, line);
		strcat(out, "\n");
		if (strstr(line, needle) == NULL)
			continue;
		for (int c = 0; c < clones; c++) {
			char clone[64];
			snprintf(clone, sizeof clone, "%s_c%d", lock, c);
			for (const char *at = line; *at;) {
				const char *hit = strstr(at, needle);
				if (hit == NULL) {
					strcat(out, at);
					break;
				}
				strncat(out, at, (size_t)(hit - at));
				strcat(out, clone);
				at = hit + strlen(needle);
			}
			strcat(out, "\n");
		}
	}
	fixture_write(dir, name, out);
	free(out);
	free(text);
}

Test(report, many_ties_name_the_locks_that_do_not_tie, .timeout = 30)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	/* Eight more locks measured as ck_ticket was: at 2 threads ck_mcs is fastest
	 * and nine of the ten others tie with it; pthread_mutex does not. */
	clone_lock(dir, "runs.csv", "ck_ticket", 8);
	clone_lock(dir, "summary.csv", "ck_ticket", 8);
	char *md = report_md(dir);
	cr_expect(strstr(md, "|contended cs=50ns ncs=200ns | 2 | ck_mcs | 4.00 M | 3.80 M–4.20 M | "
			     "9 of 10, all but pthread_mutex |  |\n") != NULL,
		  "%s", md);
	/* Hand-off: all three of the fixture tie, and so do the clones. */
	cr_expect(strstr(md, "| all 10 others |") != NULL, "%s", md);
	/* At 4 threads the clones starve as ck_ticket does: one list per flag. */
	cr_expect(strstr(md, "collapse: ck_mcs; starvation: ck_ticket, ck_ticket_c0, ck_ticket_c1, "
			     "ck_ticket_c2") != NULL);
	free(md);
}

Test(report, placements_side_by_side, .timeout = 30)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	fixture_add_placement(dir);
	char *md = report_md(dir);
	/* The list:0 cell is a quarter of the round-robin one, shown beside it... */
	cr_expect(strstr(md, "## Placement") != NULL, "%s", md);
	cr_expect(strstr(md, "|lock | round-robin, memory default | list:0, memory default |\n") !=
		  NULL, "%s", md);
	cr_expect(strstr(md, "|ck_mcs | 4.00 Mops/s | 1.00 Mops/s (0.25x) |\n") != NULL, "%s", md);
	cr_expect(strstr(md, "![contended cs=50ns ncs=200ns at 2 threads under each placement") !=
		  NULL);
	/* ... and kept out of every other figure: the best lock at 2 threads is still
	 * ck_mcs at 4.00 M, tied with ck_ticket, as without it. */
	cr_expect(strstr(md, "|contended cs=50ns ncs=200ns | 2 | ck_mcs | 4.00 M | 3.80 M–4.20 M | "
			     "ck_ticket |  |\n") != NULL, "%s", md);
	char svg[512];
	snprintf(svg, sizeof svg, "%s/plots/placement_contended_cs50_ncs200_t2.svg", dir);
	cr_expect_eq(access(svg, R_OK), 0, "%s", svg);
	free(md);
}

Test(report, one_placement_has_no_placement_section, .timeout = 30)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	char *md = report_md(dir);
	cr_expect(strstr(md, "## Placement") == NULL);
	free(md);
}

Test(report, ratio_format)
{
	static const struct { double ratio; const char *text; } cases[] = {
		{ 0.25, "0.25x" }, { 2.12, "2.12x" }, { 1.0 / 14362, "1/14400x" }, { 0.011, "0.011x" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char text[64];
		report_ratio(cases[i].ratio, text, sizeof text);
		cr_expect_str_eq(text, cases[i].text, "%g", cases[i].ratio);
	}
}

/* A figure from one usable rep, as bundles before 2026-12-04 wrote it (its value
 * as its own interval, level 0, CV 0): it can be ordered against no lock, so it
 * is neither named best over figures with intervals nor counted as quiet. */
Test(report, a_figure_of_one_rep_is_not_ranked, .timeout = 30)
{
	char dir[256];
	fixture_copy(dir, sizeof dir);
	fixture_replace(dir, "summary.csv",
			"contended.pthread_mutex.t2.cs50.ncs200.r0,throughput_ops_s,2000000,1900000,"
			"2100000,0.05,3,few_reps,one,0.75,3,0",
			"contended.pthread_mutex.t2.cs50.ncs200.r0,throughput_ops_s,9000000,9000000,"
			"9000000,0,1,few_reps,one,0,3,0");
	char *md = report_md(dir);
	cr_expect(strstr(md, "|contended cs=50ns ncs=200ns | 2 | ck_mcs | 4.00 M | 3.80 M–4.20 M | "
			     "ck_ticket, pthread_mutex |  |\n") != NULL,
		  "%s", md);
	/* The fixture's 12 figures with a CV, 7 under 5 %, less this one. */
	cr_expect(strstr(md, "|cells under 5 % CV (%) | 63.6 (7 of 11) |\n") != NULL, "%s", md);
	free(md);
}

/* oversubscribed is contended's kernel past the CPUs: a bundle with contended at
 * 2 threads and oversubscribed at 4 draws one curve and one table row per thread
 * count under contended's name. */
Test(report, oversubscribed_continues_the_contended_curve, .timeout = 30)
{
	static const char *const locks[] = { "ck_mcs", "ck_ticket", "pthread_mutex" };
	char dir[256];
	fixture_copy(dir, sizeof dir);
	for (size_t l = 0; l < 3; l++) {
		char old_id[64], new_id[64];
		snprintf(old_id, sizeof old_id, "contended.%s.t4.", locks[l]);
		snprintf(new_id, sizeof new_id, "oversubscribed.%s.t4.", locks[l]);
		fixture_replace_in_lines(dir, "runs.csv", old_id, "contended.", "oversubscribed.");
		fixture_replace_in_lines(dir, "runs.csv", new_id, ",contended,", ",oversubscribed,");
		fixture_replace_in_lines(dir, "summary.csv", old_id, "contended.", "oversubscribed.");
	}
	char *md = report_md(dir);
	cr_expect(strstr(md, "|contended cs=50ns ncs=200ns | 2 | ck_mcs | 4.00 M |") != NULL, "%s", md);
	cr_expect(strstr(md, "|contended cs=50ns ncs=200ns | 4 (2x CPUs) | pthread_mutex | 2.60 M "
			     "| 2.50 M–2.70 M | none | collapse: ck_mcs; starvation: ck_ticket |\n") !=
		  NULL,
		  "%s", md);
	cr_expect_eq(fixture_count(md, "oversubscribed cs="), 0, "%s", md);
	cr_expect(strstr(md, "](plots/throughput_contended_cs50_ncs200.svg)") != NULL, "%s", md);
	free(md);
}
