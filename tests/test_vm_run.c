/*
 * locklab run --workload vm: the plan's VM reps land in vm_runs.csv and
 * vm_sites.csv with every column a reader needs filled, their medians in
 * summary.csv, and report and compare read them; a guest that fails is a row,
 * not a lost run; bad VM options are one line; a run killed between VM reps is
 * finished by --resume with exactly the plan's reps; every guest the run knows
 * is built.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/vm_cell.h"
#include "tests/bundle_fixture.h"
#include "tests/run_locklab.h"

static struct run_output run;

TestSuite(vm_run, .fini = fixture_remove_made);

/* The field of row (0 = the header) in column name of a CSV with no quotes. */
static void field(const char *text, size_t row, const char *name, char *out, size_t size)
{
	char *copy = strdup(text), *save = NULL, *line = strtok_r(copy, "\n", &save);
	int column = -1, c = 0;
	for (char *cursor = line, *item; (item = strsep(&cursor, ",")) != NULL; c++)
		if (strcmp(item, name) == 0)
			column = c;
	cr_assert_geq(column, 0, "no column %s", name);
	for (size_t r = 0; r < row; r++)
		line = strtok_r(NULL, "\n", &save);
	cr_assert_not_null(line, "no row %zu", row);
	c = 0;
	for (char *cursor = line, *item; (item = strsep(&cursor, ",")) != NULL; c++)
		if (c == column)
			snprintf(out, size, "%s", item);
	free(copy);
}

static size_t lines(const char *text)
{
	return fixture_count(text, "\n");
}

/*
 * This KVM host changes phase within seconds, and a VM rep whose probes
 * straddle the phases' threshold joins no median (empty phase), so a cell of 2
 * reps can have none in summary.csv or in the main phase: the expectations below
 * follow the rows. main_phase: the phase most of the first rows rows ran in (ties
 * to the name first in order), as report and compare choose it.
 */
static void main_phase(const char *runs, size_t rows, char main[16])
{
	char phase[rows][16];
	size_t best = 0;

	main[0] = '\0';
	for (size_t row = 1; row <= rows; row++)
		field(runs, row, "phase", phase[row - 1], sizeof phase[0]);
	for (size_t r = 0; r < rows; r++) {
		size_t count = 0;
		if (phase[r][0] == '\0')
			continue;
		for (size_t q = 0; q < rows; q++)
			count += strcmp(phase[q], phase[r]) == 0;
		if (count > best || (count == best && strcmp(phase[r], main) < 0)) {
			best = count;
			snprintf(main, 16, "%s", phase[r]);
		}
	}
}

/* Of the first rows rows, lock's at harts whose phase is phase (NULL: any). */
static size_t reps_in_phase(const char *runs, size_t rows, const char *lock, const char *harts,
			    const char *phase)
{
	char value[64];
	size_t n = 0;

	for (size_t row = 1; row <= rows; row++) {
		field(runs, row, "lock", value, sizeof value);
		bool ours = strcmp(value, lock) == 0;
		field(runs, row, "harts", value, sizeof value);
		ours = ours && strcmp(value, harts) == 0;
		field(runs, row, "phase", value, sizeof value);
		n += ours && value[0] != '\0' && (phase == NULL || strcmp(value, phase) == 0);
	}
	return n;
}

/* compare.md of the bundle against itself (into dir-compare), which must align
 * every one of its aligned cells with a partner. */
static char *compare_with_itself(const char *dir, unsigned aligned)
{
	char out[400], line[96];

	snprintf(out, sizeof out, "%s-compare", dir);
	run_locklab(&run, "compare", "--out", out, dir, dir, NULL);
	cr_assert_eq(run.status, 0, "compare: %s", run.err);
	snprintf(line, sizeof line, "%u cells aligned (0 only in the baseline, 0 only here)",
		 aligned);
	cr_expect(strstr(run.out, line) != NULL, "%s", run.out);
	return fixture_read(out, "compare.md");
}

/* locklab report on dir; its report.md, which the caller frees. */
static char *report_of(const char *dir)
{
	run_locklab(&run, "report", dir, NULL);
	cr_assert_eq(run.status, 0, "report: %s", run.err);
	return fixture_read(dir, "report.md");
}

Test(vm_run, rows_summary_report_and_compare, .timeout = 120)
{
	char dir[300], value[64];
	fixture_fresh_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--workload", "vm", "--lock", "ck_mcs,pthread_mutex", "--guest",
		    "atomics", "--harts", "1,2", "--reps", "2", "--site-profile", "--no-preflight",
		    "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	cr_expect(strstr(run.out, "; 4 VM cells x 2 reps, 0 skipped;") != NULL, "%s", run.out);
	cr_expect(strstr(run.out, "VM: median MIPS") != NULL);
	cr_expect(strstr(run.out, "atomics: ok") == NULL, "the guest's console stays out of it");

	char *runs = fixture_read(dir, "vm_runs.csv");
	cr_assert_eq(lines(runs), 1 + 8, "%s", runs);
	static const char *const filled[] = { "cell_id", "lock", "guest", "harts", "workers",
					      "rep", "status", "wall_s", "insns", "mips",
					      "mips_per_hart", "cpu_user_s", "cpu_sys_s", "ctx_vol",
					      "ctx_invol", "rss_peak_bytes", "lock_bytes_total",
					      "acquisitions", "contended", "wait_ns_total",
					      "guest_outcome", "guest_code" };
	for (size_t row = 1; row <= 8; row++) {
		for (size_t f = 0; f < sizeof filled / sizeof filled[0]; f++) {
			field(runs, row, filled[f], value, sizeof value);
			cr_expect(value[0] != '\0', "row %zu: %s empty", row, filled[f]);
		}
		field(runs, row, "status", value, sizeof value);
		cr_expect_str_eq(value, "ok");
		field(runs, row, "rss_peak_bytes", value, sizeof value);
		cr_expect_gt(atof(value), 1e6, "the VM's peak RSS");
		field(runs, row, "acquisitions", value, sizeof value);
		cr_expect_gt(atof(value), 10000, "atomics takes amo.stripe locks");
		field(runs, row, "lock_bytes_total", value, sizeof value);
		cr_expect_gt(atof(value), 64 * 40 - 1, "64 stripes at least");
	}
	char main[16];
	main_phase(runs, 8, main);
	size_t mcs_reps = main[0] ? reps_in_phase(runs, 8, "ck_mcs", "2", main) : 0;
	bool mcs_summary = reps_in_phase(runs, 8, "ck_mcs", "2", NULL) > 0;
	bool mutex_summary = reps_in_phase(runs, 8, "pthread_mutex", "1", NULL) > 0;
	free(runs);

	char *sites = fixture_read(dir, "vm_sites.csv");
	cr_expect(strstr(sites, ",amo.stripe,64,") != NULL, "%s", sites);
	field(sites, 1, "wait_total_ns", value, sizeof value);
	cr_expect(value[0] != '\0', "--site-profile fills the times");
	free(sites);

	char *summary = fixture_read(dir, "summary.csv");
	cr_expect_eq(strstr(summary, "vm.atomics.ck_mcs.h2.w2,mips,") != NULL, mcs_summary, "%s",
		     summary);
	cr_expect_eq(strstr(summary, "vm.atomics.pthread_mutex.h1.w1,lock_bytes_total,") != NULL,
		     mutex_summary, "%s", summary);
	free(summary);

	char *md = report_of(dir);
	cr_expect(strstr(md, "## The VM under each lock") != NULL, "%s", md);
	cr_expect(strstr(md, "](plots/vm_atomics.svg)") != NULL);
	cr_expect(strstr(md, "|atomics | 2 | 2 | ck_mcs | ") != NULL);
	cr_expect(strstr(md, "### Where the VM waits") != NULL);
	free(md);

	char *compare = compare_with_itself(dir, 4);
	const char *expected = mcs_reps == 0 ? "| ck_mcs | MIPS | n/a (reps 0 / 0) | too few reps |"
			       : mcs_reps == 1 ? "| ck_mcs | MIPS | 1.00 (reps 1 / 1) | too few reps |"
					       : "| ck_mcs | MIPS | 1.00 (";
	char row[200];
	snprintf(row, sizeof row, "|vm guest=atomics workers=2 | 2 %s", expected);
	cr_expect(strstr(compare, row) != NULL, "%zu reps in the main phase: %s", mcs_reps,
		  compare);
	free(compare);
}

Test(vm_run, a_failing_guest_is_a_row, .timeout = 60)
{
	char dir[300], value[64];
	fixture_fresh_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--workload", "vm", "--lock", "ck_mcs", "--elf",
		    test_guest("fail32.elf"), "--harts", "1", "--reps", "2", "--no-preflight",
		    "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	char *runs = fixture_read(dir, "vm_runs.csv");
	cr_assert_eq(lines(runs), 3, "%s", runs);
	field(runs, 1, "status", value, sizeof value);
	cr_expect_str_eq(value, "guest_fail");
	field(runs, 1, "guest_outcome", value, sizeof value);
	cr_expect_str_eq(value, "fail");
	field(runs, 1, "guest_code", value, sizeof value);
	cr_expect_neq(atol(value), 0, "the guest's failure code is kept");
	field(runs, 1, "cell_id", value, sizeof value);
	cr_expect_str_eq(value, "vm.fail32.ck_mcs.h1.w1");
	free(runs);
	/* No rep finished: the cell's summary row says so. */
	char *summary = fixture_read(dir, "summary.csv");
	cr_expect(strstr(summary, "vm.fail32.ck_mcs.h1.w1,mips,,,,,0,") != NULL, "%s", summary);
	free(summary);
}

/* --affinity and --mem-policy place VM cells as they place every cell: each
 * worker pinned to its policy's CPU, guest RAM and the lock objects bound, and
 * the row says where each really was; what one node cannot give is a skip. */
Test(vm_run, placed_cells_pin_workers_and_bind_memory, .timeout = 60)
{
	char dir[300], value[64];
	fixture_fresh_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--workload", "vm", "--lock", "pthread_mutex", "--guest",
		    "atomics", "--harts", "2", "--workers", "2", "--reps", "1", "--no-preflight",
		    "--affinity", "list:1", "--affinity", "list:0", "--mem-policy", "node:0",
		    "--mem-policy", "remote", "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	cr_expect(strstr(run.out, "# skipped vm.atomics.pthread_mutex.h2.w2.aff0.mem1: remote "
				  "needs a second NUMA node") != NULL,
		  "%s", run.out);
	char *runs = fixture_read(dir, "vm_runs.csv");
	cr_assert_eq(lines(runs), 3, "%s", runs);
	static const char *const ids[] = { "vm.atomics.pthread_mutex.h2.w2.aff0.mem0",
					   "vm.atomics.pthread_mutex.h2.w2.aff1.mem0" };
	static const char *const affinity[] = { "\"list:1\"", "\"list:0\"" };
	static const char *const ran_on[] = { "1;1", "0;0" };
	for (size_t row = 1; row <= 2; row++) {
		field(runs, row, "cell_id", value, sizeof value);
		size_t at = strcmp(value, ids[0]) == 0 ? 0 : 1;
		cr_expect_str_eq(value, ids[at]);
		field(runs, row, "status", value, sizeof value);
		cr_expect_str_eq(value, "ok");
		field(runs, row, "affinity", value, sizeof value);
		cr_expect_str_eq(value, affinity[at]);
		field(runs, row, "ran_on", value, sizeof value);
		cr_expect_str_eq(value, ran_on[at], "both workers on the policy's one CPU");
		field(runs, row, "mem_policy", value, sizeof value);
		cr_expect_str_eq(value, "\"node:0\"");
		field(runs, row, "ram_node", value, sizeof value);
		cr_expect_str_eq(value, "0", "guest RAM's node, asked of the kernel");
		field(runs, row, "lock_node", value, sizeof value);
		cr_expect_str_eq(value, "0");
	}
	free(runs);
	char *meta = fixture_read(dir, "meta.json");
	cr_expect_eq(fixture_count(meta, "needs a second NUMA node"), 2, "%s", meta);
	free(meta);

	/* Report and compare tell the two cells apart by their placement. */
	char *md = report_of(dir);
	cr_expect(strstr(md, "| list:1, memory node:0 |") != NULL, "%s", md);
	cr_expect(strstr(md, "| list:0, memory node:0 |") != NULL);
	free(md);
	char *compare = compare_with_itself(dir, 2);
	cr_expect(strstr(compare, "|vm guest=atomics workers=2 affinity=list:1 memory=node:0 | ") !=
		  NULL, "%s", compare);
	free(compare);
}

/* --site with two overrides holds a comma: the row quotes it, and report reads
 * the bundle back (it refused it, "28 fields, the header has 27", before). */
Test(vm_run, site_overrides_read_back, .timeout = 60)
{
	char dir[300];
	fixture_fresh_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--workload", "vm", "--lock", "pthread_mutex", "--guest",
		    "atomics", "--harts", "1", "--reps", "1", "--no-preflight", "--site",
		    "bcache=ck_rwlock,amo.stripe=ck_fas", "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	char *runs = fixture_read(dir, "vm_runs.csv");
	cr_expect(strstr(runs, ",\"bcache=ck_rwlock,amo.stripe=ck_fas\",") != NULL, "%s", runs);
	free(runs);
	run_locklab(&run, "report", dir, NULL);
	cr_expect_eq(run.status, 0, "report: %s", run.err);
}

/* A VM guest with no MIPS figure in the run's VM phase (its reps straddled two
 * machine phases, seen in CI): the report leaves its plot out, where gnuplot
 * used to fail on an empty x range and the report with it. */
Test(vm_run, a_guest_without_a_figure_gets_no_plot, .timeout = 60)
{
	char dir[300];
	fixture_fresh_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--workload", "vm", "--lock", "pthread_mutex", "--guest",
		    "atomics", "--harts", "1", "--reps", "1", "--no-preflight", "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	char *summary = fixture_read(dir, "summary.csv"), *kept = calloc(strlen(summary) + 1, 1);
	cr_assert_not_null(kept);
	for (char *line = summary, *end; *line; line = end) {
		end = strchr(line, '\n');
		end = end ? end + 1 : line + strlen(line);
		if (memmem(line, (size_t)(end - line), ",mips,", 6) == NULL)
			strncat(kept, line, (size_t)(end - line));
	}
	cr_assert(strlen(kept) < strlen(summary), "no mips row to drop: %s", summary);
	fixture_write(dir, "summary.csv", kept);
	free(summary);
	free(kept);
	char *md = report_of(dir);
	cr_expect(strstr(md, "plots/vm_atomics.svg") == NULL, "%s", md);
	free(md);
}

Test(vm_run, bad_vm_options_are_one_line, .timeout = 60)
{
	char dir[300];
	fixture_fresh_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--workload", "vm", "--guest", "nope", "--out", dir, NULL);
	expect_usage_error(&run, "nope");
	run_locklab(&run, "run", "--workload", "contended", "--guest", "atomics", "--out", dir, NULL);
	expect_usage_error(&run, "need --workload vm");
	run_locklab(&run, "run", "--guest", "atomics", "--out", dir, NULL);
	expect_usage_error(&run, "need --workload vm");
	run_locklab(&run, "run", "--workload", "vm", "--harts", "0", "--out", dir, NULL);
	expect_usage_error(&run, "--harts");
	run_locklab(&run, "run", "--workload", "vm", "--elf", "/nonexistent/x.elf", "--out", dir,
		    NULL);
	expect_usage_error(&run, "No such file or directory");
	run_locklab(&run, "run", "--workload", "vm", "--site", "bcache=nope", "--out", dir, NULL);
	expect_usage_error(&run, "--site bcache=nope: unknown lock");
	struct stat st;
	cr_expect_neq(stat(dir, &st), 0, "nothing written");
}

Test(vm_run, killed_between_vm_reps_resumes_exactly, .timeout = 120)
{
	char dir[300];
	fixture_fresh_dir(dir, sizeof dir);
	setenv("LOCKLAB_CRASH_AT", "vm_rep:3", 1);
	run_locklab(&run, "run", "--workload", "vm", "--lock", "ck_mcs,parking", "--guest",
		    "atomics", "--harts", "1,2", "--reps", "2", "--no-preflight", "--out", dir, NULL);
	unsetenv("LOCKLAB_CRASH_AT");
	cr_assert_eq(run.status, 128 + SIGKILL, "exit %d: %s", run.status, run.err);
	char *partial = fixture_read(dir, ".vm.partial.csv");
	cr_expect_eq(fixture_count(partial, "\nrun,") + (strncmp(partial, "run,", 4) == 0), 3,
		     "%s", partial);
	free(partial);

	run_locklab(&run, "run", "--resume", dir, NULL);
	cr_assert_eq(run.status, 0, "resume: exit %d: %s", run.status, run.err);
	char *runs = fixture_read(dir, "vm_runs.csv");
	cr_expect_eq(lines(runs), 1 + 8, "%s", runs);
	static const char *const cells[] = { "vm.atomics.ck_mcs.h1.w1", "vm.atomics.ck_mcs.h2.w2",
					     "vm.atomics.parking.h1.w1",
					     "vm.atomics.parking.h2.w2" };
	for (size_t c = 0; c < 4; c++)
		for (int rep = 0; rep < 2; rep++) {
			char key[128];
			snprintf(key, sizeof key, "%s,%s,atomics,", cells[c],
				 strstr(cells[c], "ck_mcs") ? "ck_mcs" : "parking");
			/* Each (cell, rep) exactly once. */
			size_t found = 0;
			for (const char *at = strstr(runs, key); at; at = strstr(at + 1, key)) {
				const char *rep_field = at + strlen(key);
				/* harts,workers,rep */
				for (int comma = 0; comma < 2; comma++)
					rep_field = strchr(rep_field, ',') + 1;
				found += atoi(rep_field) == rep;
			}
			cr_expect_eq(found, 1, "%s rep %d", cells[c], rep);
		}
	free(runs);
	struct stat st;
	char path[400];
	snprintf(path, sizeof path, "%s/.vm.partial.csv", dir);
	cr_expect_neq(stat(path, &st), 0, "the resume state is gone");
}

Test(vm_run, every_guest_the_run_knows_is_built)
{
	for (size_t g = 0; g < vm_guest_count; g++) {
		char name[80];
		snprintf(name, sizeof name, "%s.elf", vm_guest_names[g]);
		cr_expect_eq(access(test_guest(name), R_OK), 0, "%s", test_guest(name));
	}
}

/* The guests' instructions retired, at one hart, for a --guest-iters count. */
static double lockheavy_insns(const char *iters)
{
	char dir[300], value[64];
	fixture_fresh_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--workload", "vm", "--lock", "ck_mcs", "--guest", "lockheavy",
		    "--harts", "1", "--reps", "1", "--guest-iters", iters, "--no-preflight",
		    "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	char *runs = fixture_read(dir, "vm_runs.csv");
	field(runs, 1, "status", value, sizeof value);
	cr_expect_str_eq(value, "ok");
	field(runs, 1, "insns", value, sizeof value);
	free(runs);
	return atof(value);
}

Test(vm_run, guest_iters_reach_the_guest, .timeout = 60)
{
	double small = lockheavy_insns("500"), large = lockheavy_insns("2000");
	cr_expect_gt(large, 3 * small, "2000 iterations %g insns, 500 iterations %g", large, small);
}
