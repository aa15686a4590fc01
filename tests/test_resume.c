/*
 * Crash-safe runs: a `locklab run` killed (SIGKILL, no clean-up) or out of space at
 * any moment leaves a bundle `locklab run --resume` finishes with exactly the
 * plan's rows, no rep measured twice and histograms that add up to the rows; a
 * bundle that cannot be finished says why in one line.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/random.h"
#include "harness/bundle.h"
#include "harness/matrix.h"
#include "harness/run_options.h"
#include "harness/run_state.h"
#include "tests/bundle_fixture.h"
#include "tests/run_locklab.h"

static struct run_output run;

TestSuite(resume, .fini = fixture_remove_made);

static bool exists(const char *dir, const char *name)
{
	char path[1200];
	struct stat st;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	return stat(path, &st) == 0;
}

/* The run in a child of its own process group (so a kill of the group takes its
 * cells too), stdout and stderr to files under dir's parent, with an optional
 * file-size limit (writes past it fail with EFBIG, SIGXFSZ ignored) and crash
 * point (LOCKLAB_CRASH_AT). Returns its pid. */
struct launch {
	rlim_t file_limit; /* 0: none */
	const char *crash_at;
};

static pid_t launch(const char *dir, const struct launch *how, char **args)
{
	char out_path[1200], err_path[1200];
	const char *argv[40];
	size_t argc = 0;

	snprintf(out_path, sizeof out_path, "%s.out", dir);
	snprintf(err_path, sizeof err_path, "%s.err", dir);
	argv[argc++] = getenv("LOCKLAB") ? getenv("LOCKLAB") : "build/locklab";
	for (; args[argc - 1] != NULL && argc < 39; argc++)
		argv[argc] = args[argc - 1];
	argv[argc] = NULL;
	fflush(NULL);
	pid_t child = fork();
	cr_assert(child >= 0);
	if (child == 0) {
		setpgid(0, 0);
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		dup2(out, 1);
		dup2(err, 2);
		if (how != NULL && how->file_limit > 0) {
			struct rlimit limit = { how->file_limit, how->file_limit };
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &limit);
		}
		if (how != NULL && how->crash_at != NULL)
			setenv("LOCKLAB_CRASH_AT", how->crash_at, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	setpgid(child, child); /* both sides, so a kill right away finds the group */
	return child;
}

/* Waits for the run; its exit status, or 128 + the signal, and its stderr in run. */
static int reap(pid_t child, const char *dir)
{
	char name[1200];
	int status;

	cr_assert_eq(waitpid(child, &status, 0), child);
	run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	snprintf(name, sizeof name, "%s.err", dir);
	FILE *f = fopen(name, "r");
	size_t got = f ? fread(run.err, 1, sizeof run.err - 1, f) : 0;
	run.err[got] = '\0';
	if (f)
		fclose(f);
	snprintf(name, sizeof name, "%s.out", dir);
	f = fopen(name, "r");
	got = f ? fread(run.out, 1, sizeof run.out - 1, f) : 0;
	run.out[got] = '\0';
	if (f)
		fclose(f);
	return run.status;
}

static int run_to_end(const char *dir, const struct launch *how, char **args)
{
	return reap(launch(dir, how, args), dir);
}

/* The tiny plan most tests run: 2 cells x reps, a few ms each. */
#define TINY_PLAN(dir, reps)                                                                   \
	(char *[]){ "run", "--lock", "ck_mcs", "--workload", "contended,uncontended", "--threads", \
		    "2", "--reps", reps, "--duration", "0.01", "--warmup", "0", "--no-preflight",  \
		    "--out", (char *)(dir), NULL }
#define RESUME(dir) ((char *[]){ "run", "--resume", (char *)(dir), NULL })

/* A finished bundle's check: runs.csv holds each of cells x reps once (keys
 * "cell_id,rep"), every ok row of a cell adds up to its lat histogram, and no
 * resume state is left. */
static void expect_finished(const char *dir, const char *const *cells, size_t cell_count,
			    unsigned reps)
{
	char *runs = fixture_read_if_there(dir, "runs.csv");
	cr_assert_not_null(runs, "%s has no runs.csv", dir);
	char *cursor = runs, *line;
	unsigned seen[4][128] = { { 0 } };
	unsigned long long samples[4] = { 0 };
	size_t rows = 0;

	strsep(&cursor, "\n");
	while ((line = strsep(&cursor, "\n")) != NULL && *line) {
		char *fields[64];
		cr_assert_eq(fixture_split(line, fields, 64), 57, "a torn row: %s", line);
		size_t c = 0;
		while (c < cell_count && strcmp(cells[c], fields[0]) != 0)
			c++;
		cr_assert_lt(c, cell_count, "a cell the plan does not have: %s", fields[0]);
		unsigned rep = (unsigned)atoi(fields[7]);
		cr_assert_lt(rep, reps);
		cr_assert_lt(rep, 128);
		cr_expect_eq(++seen[c][rep], 1, "%s rep %u twice", cells[c], rep);
		if (strcmp(fields[8], "ok") == 0)
			samples[c] += strtoull(fields[35], NULL, 10);
		rows++;
	}
	cr_expect_eq(rows, cell_count * reps, "every (cell, rep) once:\n%s", runs);
	for (size_t c = 0; c < cell_count; c++) {
		char name[256];
		snprintf(name, sizeof name, "hist/%s.lat.csv", cells[c]);
		char *hist = fixture_read_if_there(dir, name), *at = hist, *row;
		unsigned long long total = 0;
		/* A busy host can hold a short rep's threads off: no sample, no file. */
		if (hist == NULL && samples[c] == 0)
			continue;
		cr_assert_not_null(hist, "%s missing", name);
		strsep(&at, "\n");
		while ((row = strsep(&at, "\n")) != NULL && *row) {
			char *fields[3];
			cr_assert_eq(fixture_split(row, fields, 3), 3);
			total += strtoull(fields[2], NULL, 10);
		}
		cr_expect_eq(total, samples[c], "%s: histogram %llu, rows' samples %llu", cells[c],
			     total, samples[c]);
		free(hist);
	}
	free(runs);
	cr_expect_not(exists(dir, ".runs.partial.csv"), "the partial rows are removed");
	cr_expect_not(exists(dir, ".partial"), "the saved histograms are removed");
	char meta_path[1200];
	json_error_t error;
	snprintf(meta_path, sizeof meta_path, "%s/meta.json", dir);
	json_t *meta = json_load_file(meta_path, 0, &error);
	cr_assert_not_null(meta, "%s", error.text);
	cr_expect(json_is_true(json_object_get(meta, "complete")));
	json_decref(meta);
}

static const char *const tiny_cells[] = { "contended.ck_mcs.t2.cs50.ncs200.r0",
					  "uncontended.ck_mcs.t1.cs0.ncs0.r0" };

/* Issue 1: finishing is ordered and idempotent. The run is stopped at each step
 * of its finishing in turn (runs.csv, summary.csv, each histogram, topology.xml,
 * meta.json, the removal of the partial state): each stop leaves a bundle the
 * next --resume takes up, and the last finishes it. */
Test(resume, a_kill_at_every_step_of_finishing_is_resumed, .timeout = 120)
{
	char dir[256], step[32];
	const struct launch first = { .crash_at = "finish:1" };

	fixture_fresh_dir(dir, sizeof dir);
	cr_assert_eq(run_to_end(dir, &first, TINY_PLAN(dir, "2")), 128 + SIGKILL, "%s", run.err);
	cr_expect(exists(dir, "runs.csv"), "runs.csv is the first final file");
	int steps = 1, status = 128 + SIGKILL;
	while (status == 128 + SIGKILL && steps < 20) {
		cr_expect(exists(dir, ".runs.partial.csv"), "step %d: the partial rows are there",
			  steps);
		snprintf(step, sizeof step, "finish:%d", ++steps);
		struct launch next = { .crash_at = step };
		status = run_to_end(dir, &next, RESUME(dir));
	}
	cr_expect_eq(status, 0, "%s%s", run.out, run.err);
	/* runs.csv, summary.csv, the histograms (3, or fewer when a rep got no
	 * sample), topology.xml, meta.json, .partial/, then a resume that completes */
	cr_expect_geq(steps, 7, "finishing has its steps: %d", steps);
	expect_finished(dir, tiny_cells, 2, 2);
	run_to_end(dir, NULL, RESUME(dir));
	expect_usage_error(&run, "complete");
}

/* A bundle with every rep measured and nothing final: killed at finishing's first step. */
static void measured_bundle(char *dir, size_t size)
{
	const struct launch stop = { .crash_at = "finish:1" };
	fixture_fresh_dir(dir, size);
	cr_assert_eq(run_to_end(dir, &stop, TINY_PLAN(dir, "2")), 128 + SIGKILL, "%s", run.err);
}

/* Issue 2: a measured rep's histograms lost or damaged: never silently measured
 * again; the resume refuses, naming the file, and changes nothing. */
Test(resume, lost_or_damaged_histograms_are_refused_by_name, .timeout = 60)
{
	char dir[256], path[1400];

	measured_bundle(dir, sizeof dir);
	char *rows = fixture_read_if_there(dir, ".runs.partial.csv");
	const char *hist = ".partial/uncontended.ck_mcs.t1.cs0.ncs0.r0.1.hist";
	snprintf(path, sizeof path, "%s/%s", dir, hist);
	char *saved = fixture_read_if_there(dir, hist);
	cr_assert_not_null(saved);
	/* Its first bucket line taken out (every section still there, but the
	 * buckets no longer add up to the total), then cut inside its first line. */
	char *second = strchr(saved, '\n') + 1;
	memmove(second, strchr(second, '\n') + 1, strlen(strchr(second, '\n') + 1) + 1);
	FILE *damaged = fopen(path, "w");
	fputs(saved, damaged);
	fclose(damaged);
	free(saved);
	for (int i = 0; i < 2; i++) {
		if (i == 1)
			cr_assert_eq(truncate(path, 20), 0);
		run_to_end(dir, NULL, RESUME(dir));
		expect_usage_error(&run, hist);
		cr_expect(strstr(run.err, "torn or damaged") != NULL, "%s", run.err);
	}

	cr_assert_eq(unlink(path), 0);
	run_to_end(dir, NULL, RESUME(dir));
	expect_usage_error(&run, hist);
	cr_expect(strstr(run.err, "missing") != NULL, "%s", run.err);

	char *after = fixture_read_if_there(dir, ".runs.partial.csv");
	cr_expect_str_eq(after, rows, "the measured rows are left as they were");
	free(rows);
	free(after);

	snprintf(path, sizeof path, "%s/.runs.partial.csv", dir);
	cr_assert_eq(unlink(path), 0);
	run_to_end(dir, NULL, RESUME(dir));
	expect_usage_error(&run, ".runs.partial.csv");
	cr_expect(strstr(run.err, "lost") != NULL, "%s", run.err);
}

/* Issue 3: killed before its first row (here in the pre-flight, which runs after
 * the bundle's first meta.json): --out says to resume, --resume finishes it and
 * does the pre-flight again. A directory holding only what a run writes before
 * meta.json measured nothing: --resume says to start again, --out uses it. */
Test(resume, killed_before_the_first_row, .timeout = 90)
{
	char dir[256], path[1400];
	struct stat st;
	char *plan[] = { "run", "--lock", "ck_mcs,ck_ticket,ck_fas,ck_clh", "--workload",
			 "uncontended", "--threads", "1", "--reps", "1", "--duration", "0.01",
			 "--warmup", "0", "--out", dir, NULL };

	fixture_fresh_dir(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/meta.json", dir);
	pid_t child = launch(dir, NULL, plan);
	for (int waited = 0; waited < 5000 && stat(path, &st) != 0; waited++)
		usleep(1000);
	cr_assert_eq(kill(-child, SIGKILL), 0);
	cr_assert_eq(reap(child, dir), 128 + SIGKILL);
	char *rows = fixture_read_if_there(dir, ".runs.partial.csv");
	cr_assert_not_null(rows);
	cr_expect_eq(count_lines(rows), 1, "killed before the first row:\n%s", rows);
	free(rows);

	run_to_end(dir, NULL, plan);
	expect_usage_error(&run, dir);
	cr_expect(strstr(run.err, "--resume") != NULL, "says to resume: %s", run.err);

	cr_assert_eq(run_to_end(dir, NULL, RESUME(dir)), 0, "%s%s", run.out, run.err);
	const char *const cells[] = { "uncontended.ck_mcs.t1.cs0.ncs0.r0",
				      "uncontended.ck_ticket.t1.cs0.ncs0.r0",
				      "uncontended.ck_fas.t1.cs0.ncs0.r0",
				      "uncontended.ck_clh.t1.cs0.ncs0.r0" };
	expect_finished(dir, cells, 4, 1);
	json_error_t error;
	json_t *meta = json_load_file(path, 0, &error);
	cr_expect(json_is_array(json_object_get(meta, "preflight_failures")),
		  "the resume did the pre-flight the kill stopped");
	json_decref(meta);

	/* Stopped between the rows file and meta.json: nothing measured. */
	char unstarted[256];
	fixture_fresh_dir(unstarted, sizeof unstarted);
	cr_assert_eq(mkdir(unstarted, 0777), 0);
	snprintf(path, sizeof path, "%s/.runs.partial.csv", unstarted);
	FILE *f = fopen(path, "w");
	bundle_runs_header(f);
	fclose(f);
	run_to_end(unstarted, NULL, RESUME(unstarted));
	expect_usage_error(&run, unstarted);
	cr_expect(strstr(run.err, "nothing was measured") != NULL && strstr(run.err, "--out"),
		  "%s", run.err);
	cr_assert_eq(run_to_end(unstarted, NULL, TINY_PLAN(unstarted, "1")), 0, "%s%s", run.out,
		     run.err);
	expect_finished(unstarted, tiny_cells, 2, 1);
}

/* The cells of `run --workload contended --threads 2` with ck_mcs, for the tests
 * that read and write rows in this process. */
static void tiny_matrix(struct matrix *m)
{
	char *argv[] = { "run", "--workload", "contended,uncontended", "--threads", "2" };
	struct run_options o;
	const struct ll_info *lock = ll_find("ck_mcs");

	run_options_defaults(&o, 1);
	cr_assert_eq(run_options_parse(5, argv, &o), -1);
	cr_assert(run_options_custom_blocks(&o));
	cr_assert_eq(matrix_expand(m, o.custom_blocks, o.custom_block_count, &lock, 1, 2), 0);
	cr_assert_eq(m->cell_count, 2);
}

/* A row with figures a 6-digit reprint would change: fractions, a large
 * non-integer, an integer, an empty one. */
static void sample_row(struct run_row *row, const struct cell *cell, unsigned rep)
{
	memset(row, 0, sizeof *row);
	row->cell = cell;
	row->rep = rep;
	row->status = CELL_OK;
	for (int k = 0; k < METRIC_COUNT; k++)
		row->value[k] = (k + 1) * 1234567.891234 / (rep + 3);
	row->value[0] = 0.020198467;
	row->value[1] = 77702;
	row->value[3] = NAN;
	row->reads = 5;
	row->samples = 1207 + rep;
	snprintf(row->thread_cpus, sizeof row->thread_cpus, "0;1;0;1");
	row->phase = -1;
}

static void partial_with_rows(const char *dir, struct bundle *bundle, const struct matrix *m,
			      struct run_row *rows, unsigned count)
{
	cr_assert_eq(mkdir(dir, 0777), 0);
	cr_assert_eq(bundle_adopt(bundle, dir), 0);
	cr_assert_eq(bundle_start_partial(bundle), 0);
	for (unsigned i = 0; i < count; i++) {
		sample_row(&rows[i], &m->cells[i % 2], i / 2);
		cr_assert_eq(bundle_append_partial(bundle, &rows[i]), 0);
	}
	bundle_close(bundle);
}

/* Issue 4: a row is whole only with its newline and every field; a last row cut
 * anywhere (inside thread_cpus, or just before its newline) is dropped, and its
 * rep measured again. A whole row that does not parse is refused by name. */
Test(resume, a_torn_last_row_is_dropped_never_kept)
{
	char dir[256], path[1400], why[1400];
	struct matrix m;
	struct bundle bundle;
	struct run_row rows[3], loaded[4];
	bool done[4];
	size_t torn;

	tiny_matrix(&m);
	fixture_fresh_dir(dir, sizeof dir);
	partial_with_rows(dir, &bundle, &m, rows, 3);
	char *text = fixture_read_if_there(dir, ".runs.partial.csv");
	size_t whole = strlen(text);
	char *last = text + whole - 1;
	while (last[-1] != '\n')
		last--;
	size_t cuts[] = { (size_t)(strstr(last, "0;1;0;1") - text) + 4, whole - 1 };
	snprintf(path, sizeof path, "%s/.runs.partial.csv", dir);

	for (size_t i = 0; i < 2; i++) {
		cr_assert_eq(truncate(path, (off_t)cuts[i]), 0);
		memset(loaded, 0, sizeof loaded);
		memset(done, 0, sizeof done);
		cr_expect_eq(run_state_load_rows(dir, &m, 2, loaded, done, &torn, why, sizeof why), 2,
			     "%s", why);
		cr_expect_eq(torn, 1);
		cr_expect_not(done[0 * 2 + 1], "the torn row's rep is not done");
		cr_expect(done[0] && done[1 * 2 + 0]);
		FILE *f = fopen(path, "a");
		fputs(text + cuts[i], f);
		fclose(f);
	}

	/* A last row with its newline but a field short: written whole, so not torn
	 * but damaged, and refused. */
	char *broken = strdup(text);
	char *comma = strstr(broken + (last - text), "0;1;0;1") - 1;
	memmove(comma, comma + 1, strlen(comma));
	FILE *f = fopen(path, "w");
	fputs(broken, f);
	fclose(f);
	memset(loaded, 0, sizeof loaded);
	cr_expect_eq(run_state_load_rows(dir, &m, 2, loaded, done, &torn, why, sizeof why), -1);
	cr_expect(strstr(why, "row 4 does not fit") != NULL, "%s", why);
	free(broken);
	free(text);
	matrix_free(&m);
}

/* Issue 6: a row read back from the partial file prints byte for byte as the
 * row measured. */
Test(resume, resumed_rows_print_exactly_as_fresh_ones)
{
	char dir[256], why[1400];
	struct matrix m;
	struct bundle bundle;
	struct run_row rows[3], loaded[4];
	bool done[4] = { false };
	size_t torn;

	tiny_matrix(&m);
	fixture_fresh_dir(dir, sizeof dir);
	partial_with_rows(dir, &bundle, &m, rows, 3);
	memset(loaded, 0, sizeof loaded);
	cr_assert_eq(run_state_load_rows(dir, &m, 2, loaded, done, &torn, why, sizeof why), 3,
		     "%s", why);
	for (unsigned i = 0; i < 3; i++) {
		char *fresh = NULL, *resumed = NULL;
		size_t fresh_size, resumed_size;
		FILE *a = open_memstream(&fresh, &fresh_size);
		FILE *b = open_memstream(&resumed, &resumed_size);
		bundle_runs_row(a, &rows[i]);
		bundle_runs_row(b, &loaded[(i % 2) * 2 + i / 2]);
		fclose(a);
		fclose(b);
		cr_expect_str_eq(resumed, fresh);
		free(fresh);
		free(resumed);
	}
	matrix_free(&m);
}

/* Issue 5 and the full disk: a write that fails stops the run at once with one
 * line naming the file (RLIMIT_FSIZE stands in for a full disk: writes past it
 * fail with EFBIG), and what was measured before it is intact and resumable. */
Test(resume, a_full_disk_stops_the_run_naming_the_file, .timeout = 120)
{
	char dir[256];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	/* Above meta.json (4.3 KB on 2 CPUs, more with more CPUs), below summary.csv
	 * (3.8 KB per cell). */
	rlim_t limit = 12000 + 64 * (rlim_t)(cpus > 0 ? cpus : 1);

	/* meta.json past the limit: named, before any rep is measured. */
	fixture_fresh_dir(dir, sizeof dir);
	struct launch tiny = { .file_limit = 2000 };
	cr_assert_eq(run_to_end(dir, &tiny, TINY_PLAN(dir, "1")), 3, "%s", run.err);
	cr_expect_eq(count_lines(run.err), 1, "%s", run.err);
	cr_expect(strstr(run.err, "/meta.json: File too large") != NULL, "%s", run.err);
	char *rows = fixture_read_if_there(dir, ".runs.partial.csv");
	cr_expect_eq(count_lines(rows), 1, "no rep measured:\n%s", rows);
	free(rows);

	/* The partial rows past it, mid-run. */
	char reps[16];
	snprintf(reps, sizeof reps, "%u", (unsigned)(limit / 300)); /* rows are 500-600 B */
	char *many[] = { "run", "--lock", "ck_mcs", "--workload", "uncontended", "--threads", "1",
			 "--reps", reps, "--duration", "0.002", "--warmup", "0", "--no-preflight",
			 "--out", dir, NULL };
	struct launch full = { .file_limit = limit };
	fixture_fresh_dir(dir, sizeof dir);
	cr_assert_eq(run_to_end(dir, &full, many), 3, "%s", run.err);
	cr_expect_eq(count_lines(run.err), 1, "%s", run.err);
	cr_expect(strstr(run.err, "/.runs.partial.csv: File too large") != NULL, "%s", run.err);
	rows = fixture_read_if_there(dir, ".runs.partial.csv");
	size_t kept = count_lines(rows) - 1;
	cr_expect_eq(rows[strlen(rows) - 1], '\n', "the failed row is taken back off");
	free(rows);
	cr_expect_gt(kept, 5);
	cr_assert_eq(run_to_end(dir, NULL, RESUME(dir)), 0, "%s%s", run.out, run.err);
	char expected[64];
	snprintf(expected, sizeof expected, "%zu of %s reps already measured", kept, reps);
	cr_expect(strstr(run.out, expected) != NULL, "%s", run.out);
	const char *const cell[] = { "uncontended.ck_mcs.t1.cs0.ncs0.r0" };
	expect_finished(dir, cell, 1, (unsigned)atoi(reps));

	/* summary.csv past it, while finishing: named; the partial state stays. */
	char cs[256] = "10";
	for (unsigned c = 1; c < limit / 3000 + 1; c++)
		snprintf(cs + strlen(cs), sizeof cs - strlen(cs), ",%u", 10 + c);
	char *wide[] = { "run", "--lock", "ck_mcs", "--workload", "contended", "--threads", "2",
			 "--cs", cs, "--reps", "1", "--duration", "0.005", "--warmup", "0",
			 "--no-preflight", "--out", dir, NULL };
	fixture_fresh_dir(dir, sizeof dir);
	cr_assert_eq(run_to_end(dir, &full, wide), 3, "%s", run.err);
	cr_expect_eq(count_lines(run.err), 1, "%s", run.err);
	cr_expect(strstr(run.err, "/summary.csv: File too large") != NULL, "%s", run.err);
	cr_expect(exists(dir, ".runs.partial.csv") && exists(dir, ".partial"));
	cr_assert_eq(run_to_end(dir, NULL, RESUME(dir)), 0, "%s%s", run.out, run.err);
	cr_expect(exists(dir, "summary.csv") && !exists(dir, ".runs.partial.csv"));
}

/* The per-rep invariant at a stop: each ok row of .runs.partial.csv has its
 * saved histograms, whose lat total is the row's samples. Not once meta.json
 * says the run is complete: its resume state is then being removed, histograms
 * first and the rows file last, and --resume only finishes removing it. */
static void expect_rows_match_saved_histograms(const char *dir)
{
	char *meta = fixture_read_if_there(dir, "meta.json");
	bool complete = meta != NULL && strstr(meta, "\"complete\": true") != NULL;

	free(meta);
	if (complete)
		return;
	char *rows = fixture_read_if_there(dir, ".runs.partial.csv"), *cursor = rows, *line;

	if (rows == NULL)
		return; /* stopped before the bundle had its rows file */
	strsep(&cursor, "\n");
	while ((line = strsep(&cursor, "\n")) != NULL && *line) {
		char *fields[64], name[300];
		if (cursor == NULL)
			break; /* a last row without its newline: dropped on resume */
		cr_assert_eq(fixture_split(line, fields, 64), 57, "%s", line);
		if (strcmp(fields[8], "ok") != 0)
			continue;
		snprintf(name, sizeof name, ".partial/%s.%s.hist", fields[0], fields[7]);
		char *hist = fixture_read_if_there(dir, name);
		unsigned long long total = 0;
		cr_assert_not_null(hist, "%s has a row but no histograms", name);
		cr_expect_eq(sscanf(hist, "lat %llu", &total), 1);
		cr_expect_eq(total, strtoull(fields[35], NULL, 10), "%s", name);
		free(hist);
	}
	free(rows);
}

/* Lines of dir's .runs.partial.csv (its header counts); 0 when there is none. */
static size_t partial_lines(const char *dir)
{
	char *rows = fixture_read_if_there(dir, ".runs.partial.csv");
	size_t lines = rows ? count_lines(rows) : 0;
	free(rows);
	return lines;
}

/* Waits (up to 10 s) until the partial file has at least lines lines, or the
 * run has exited (then reaps it and returns false). */
static bool wait_for_lines(const char *dir, pid_t child, size_t lines, int *status)
{
	for (int waited = 0; waited < 5000; waited++) {
		if (partial_lines(dir) >= lines)
			return true;
		if (waitpid(child, status, WNOHANG) == child)
			return false;
		usleep(2000);
	}
	return true;
}

/* The test: SIGKILL to the run's process group at seeded random moments,
 * a --resume after each, and the finished bundle holds exactly the plan: each
 * (cell, rep) once, every rep's saved histograms adding up to its row at every
 * stop, the final histograms to the rows. The first kill falls anywhere in the
 * first 1.2 s (mostly start-up: the floors take about a second here); the next
 * three a few ms to 80 ms after the resumed run's next row (inside a rep, or the
 * write of a row); the last up to 40 ms after the last row (finishing, which
 * takes some tens of ms here, or just after it). */
Test(resume, killed_at_random_moments_the_run_still_finishes_exactly, .timeout = 120)
{
	char dir[256], meta[1400];
	const size_t plan_lines = 1 + 2 * 6;
	uint64_t seed = 20261203;
	struct stat st;
	int kills = 0, status = -1;

	fixture_fresh_dir(dir, sizeof dir);
	snprintf(meta, sizeof meta, "%s/meta.json", dir);
	for (int attempt = 0; attempt < 5; attempt++) {
		size_t before = partial_lines(dir);
		pid_t child = launch(dir, NULL, stat(meta, &st) == 0 ? RESUME(dir)
								      : TINY_PLAN(dir, "6"));
		bool alive = true;
		long delay_us = 50000 + (long)(random_next(&seed) % 1150000);

		if (attempt > 0 && attempt < 4) {
			alive = wait_for_lines(dir, child, before + 1, &status);
			delay_us = (long)(random_next(&seed) % 80000);
		} else if (attempt == 4) {
			alive = wait_for_lines(dir, child, plan_lines, &status);
			delay_us = (long)(random_next(&seed) % 40000);
		}
		if (alive) {
			usleep((useconds_t)delay_us);
			kill(-child, SIGKILL);
			status = reap(child, dir);
		} else {
			status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		}
		if (status == 0)
			break; /* finished before the kill */
		cr_assert_eq(status, 128 + SIGKILL, "%s", run.err);
		kills++;
		expect_rows_match_saved_histograms(dir);
	}
	/* The last kill may land after the run had finished its bundle (while it
	 * printed the ranking): complete, nothing left over, nothing to resume. */
	char *final_meta = fixture_read_if_there(dir, "meta.json");
	bool finished = final_meta != NULL && strstr(final_meta, "\"complete\": true") != NULL &&
			!exists(dir, ".runs.partial.csv") && !exists(dir, ".partial");
	free(final_meta);
	if (status != 0 && !finished)
		status = run_to_end(dir, NULL, stat(meta, &st) == 0 ? RESUME(dir)
								: TINY_PLAN(dir, "6"));
	cr_assert(status == 0 || finished, "%s%s", run.out, run.err);
	cr_expect_geq(kills, 4, "the seeded moments fall inside a run");
	expect_finished(dir, tiny_cells, 2, 6);
}

/* The pid of a child of parent (from /proc), or -1. */
static pid_t child_of(pid_t parent)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;
	pid_t found = -1;

	while (proc != NULL && found < 0 && (entry = readdir(proc)) != NULL) {
		char path[300], text[512];
		pid_t pid = (pid_t)atoi(entry->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", pid);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		size_t got = fread(text, 1, sizeof text - 1, f);
		fclose(f);
		text[got] = '\0';
		char *close_paren = strrchr(text, ')');
		int ppid;
		if (close_paren != NULL && sscanf(close_paren + 2, "%*c %d", &ppid) == 1 &&
		    ppid == parent)
			found = pid;
	}
	if (proc != NULL)
		closedir(proc);
	return found;
}

/* Gone, or a zombie waiting for whoever adopted it. */
static bool dead(pid_t pid)
{
	char path[64], text[512];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return true;
	size_t got = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[got] = '\0';
	char *close_paren = strrchr(text, ')');
	return close_paren == NULL || close_paren[2] == 'Z' || close_paren[2] == 'X';
}

/* A cell's child dies with its parent: kill -9 of `locklab run` alone (not its
 * group) while a stuck lock's cell spins, and the cell is gone within a second
 * instead of spinning on into the next run. */
Test(resume, a_cell_child_dies_with_its_parent, .timeout = 60)
{
	char dir[256];
	char *plan[] = { "run", "--lock", "stuck", "--workload", "contended", "--threads", "2",
			 "--reps", "1", "--duration", "0.05", "--warmup", "0", "--no-preflight",
			 "--out", dir, NULL };

	fixture_fresh_dir(dir, sizeof dir);
	pid_t parent = launch(dir, NULL, plan), cell = -1;
	for (int waited = 0; waited < 1000 && cell < 0; waited++) {
		usleep(10000);
		cell = child_of(parent);
	}
	cr_assert_gt(cell, 0, "no cell child appeared");
	usleep(100000); /* well inside the stuck cell's 5 s watchdog */
	cr_assert_eq(kill(parent, SIGKILL), 0);
	reap(parent, dir);
	bool gone = false;
	for (int waited = 0; waited < 100 && !gone; waited++) {
		gone = dead(cell);
		if (!gone)
			usleep(10000);
	}
	if (!gone)
		kill(cell, SIGKILL);
	cr_expect(gone, "the cell child %d outlived its parent by a second", cell);
}
