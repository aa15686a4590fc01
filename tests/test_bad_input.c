/*
 * The README's bad-input table, row by row: every class of bad input gets one
 * stderr line "locklab: <what>: <value>: <why>" naming the value, the documented
 * exit status, and nothing written. Rows with a file or a directory build it
 * first; the table below is the README's, in the same order.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/run_locklab.h"

static struct run_output run;

struct bad_input {
	const char *args[10]; /* NULL-terminated after the subcommand's arguments */
	int status;
	const char *named;    /* what the one line must name */
	const char *why;      /* and say */
};

static const struct bad_input table[] = {
	/* unknown names */
	{ { "run", "--lock", "nope" }, 2, "nope", "unknown lock" },
	{ { "run", "--workload", "nope" }, 2, "nope", "unknown workload" },
	{ { "run", "--profile", "nope" }, 2, "nope", "unknown profile" },
	{ { "torture", "--lock", "nope" }, 2, "nope", "unknown lock" },
	{ { "vm", "--elf", "x.elf", "--lock", "nope" }, 2, "nope", "unknown lock" },
	{ { "frobnicate" }, 2, "frobnicate", "" },
	{ { "list", "--bogus" }, 2, "--bogus", "" },
	/* counts: zero, negative, non-numeric, absurd */
	{ { "run", "--threads", "0" }, 2, "0", "out of range" },
	{ { "run", "--threads", "-1" }, 2, "-1", "not a whole number" },
	{ { "run", "--threads", "x" }, 2, "x", "not a whole number" },
	{ { "run", "--threads", "100000" }, 2, "100000", "out of range" },
	{ { "run", "--reps", "0" }, 2, "0", "out of range" },
	{ { "run", "--read-pct", "101" }, 2, "101", "out of range" },
	{ { "run", "--cs-lines", "100000" }, 2, "100000", "out of range" },
	{ { "run", "--seed", "x" }, 2, "x", "not a whole number" },
	{ { "torture", "--inject", "x" }, 2, "x", "not a whole number" },
	{ { "vm", "--elf", "x.elf", "--harts", "65" }, 2, "65", "" },
	/* durations */
	{ { "run", "--duration", "0" }, 2, "0", "out of range" },
	{ { "run", "--duration", "-1" }, 2, "-1", "out of range" },
	{ { "run", "--duration", "abc" }, 2, "abc", "not a number" },
	{ { "run", "--duration", "1e9" }, 2, "1e9", "out of range" },
	{ { "run", "--max-time", "0" }, 2, "0", "out of range" },
	{ { "torture", "--seconds", "0" }, 2, "0", "out of range" },
	/* CPUs this machine does not have: well formed, so an environment error */
	{ { "torture", "--cpus", "0" }, 2, "0", "out of range" },
	{ { "torture", "--cpus", "4096" }, 3, "4096", "may use only" },
	{ { "torture", "--affinity", "list:4095" }, 3, "list:4095", "not among" },
	{ { "torture", "--affinity", "list:a" }, 2, "list:a", "not a CPU number" },
	{ { "torture", "--affinity", "none", "--cpus", "1" }, 2, "none", "not both" },
	/* guest files */
	{ { "vm", "--elf", "/nonexistent/guest.elf" }, 2, "/nonexistent/guest.elf",
	  "No such file or directory" },
	{ { "vm", "--elf", "/tmp" }, 2, "/tmp", "Is a directory" },
	{ { "vm", "--elf", "/bin/true" }, 2, "/bin/true", "not RISC-V" },
	/* bundles */
	{ { "run", "--out", "/tmp" }, 2, "/tmp", "never overwritten" },
	{ { "run", "--resume", "/nonexistent" }, 2, "/nonexistent", "meta.json" },
	{ { "run", "--resume", "/tmp" }, 2, "/tmp", "meta.json" },
};

Test(bad_input, every_row_of_the_table_is_one_line_and_its_exit_status, .timeout = 60)
{
	for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
		const struct bad_input *row = &table[i];
		const char *a[10] = { 0 };

		memcpy(a, row->args, sizeof a);
		run_locklab(&run, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], NULL);
		cr_expect_eq(run.status, row->status, "%s %s %s: exit %d, want %d; stderr: %s",
			     a[0], a[1] ? a[1] : "", a[2] ? a[2] : "", run.status, row->status,
			     run.err);
		cr_expect_eq(count_lines(run.err), 1, "%s %s: stderr: %s", a[0], a[1] ? a[1] : "",
			     run.err);
		cr_expect(strncmp(run.err, "locklab: ", 9) == 0, "stderr: %s", run.err);
		cr_expect(strstr(run.err, row->named) != NULL, "'%s' not named in: %s", row->named,
			  run.err);
		cr_expect(strstr(run.err, row->why) != NULL, "'%s' not said in: %s", row->why,
			  run.err);
	}
}

/* An --out whose parent cannot be created (missing parents are created, as by
 * mkdir -p; /proc takes no new directory, even from root): an environment
 * error, and nothing created. */
Test(bad_input, out_under_an_uncreatable_parent_creates_nothing)
{
	struct stat st;

	run_locklab(&run, "run", "--lock", "ck_fas", "--workload", "uncontended", "--out",
		    "/proc/locklab-out/bundle", NULL);
	cr_expect_eq(run.status, 3, "stderr: %s", run.err);
	cr_expect_eq(count_lines(run.err), 1, "stderr: %s", run.err);
	cr_expect(strstr(run.err, "/proc/locklab-out/bundle") != NULL, "%s", run.err);
	cr_expect_neq(stat("/proc/locklab-out", &st), 0);
}

/* `make deps` as a user who cannot install, on a Debian without sudo: the exact
 * command through su, exit 3. The shims stand in for id and pkg-config; sudo is
 * absent from the PATH. */
Test(bad_input, deps_without_sudo_says_su)
{
	char dir[] = "/tmp/locklab-deps-XXXXXX", command[1024];
	FILE *out;

	cr_assert_not_null(mkdtemp(dir));
	const char *shims[][2] = {
		{ "id", "#!/bin/sh\necho 1000\n" },
		{ "pkg-config", "#!/bin/sh\n[ \"$2\" != criterion ]\n" },
	};
	for (size_t i = 0; i < 2; i++) {
		char path[256];
		snprintf(path, sizeof path, "%s/%s", dir, shims[i][0]);
		out = fopen(path, "w");
		cr_assert_not_null(out);
		fputs(shims[i][1], out);
		fclose(out);
		chmod(path, 0755);
	}
	/* The commands deps.sh needs besides the shims, and no sudo among them. */
	snprintf(command, sizeof command,
		 "for c in sh gcc make clang ld.lld gnuplot qemu-riscv64 sort tr sed printf; do "
		 "p=$(command -v $c) && ln -sf \"$p\" %s/$c; done; "
		 "PATH=%s sh tools/deps.sh test > %s/out 2>&1; echo $? >> %s/out",
		 dir, dir, dir, dir);
	cr_assert_eq(system(command), 0);
	char path[256], text[2048] = "";
	snprintf(path, sizeof path, "%s/out", dir);
	out = fopen(path, "r");
	cr_assert_not_null(out);
	size_t n = fread(text, 1, sizeof text - 1, out);
	text[n] = '\0';
	fclose(out);
	cr_expect(strstr(text, "libcriterion-dev") != NULL, "%s", text);
	cr_expect(strstr(text, "su -c '") != NULL, "%s", text);
	cr_expect(strstr(text, "sudo") == NULL, "%s", text);
	cr_expect(strstr(text, "\n3\n") != NULL, "exit 3: %s", text);
	snprintf(command, sizeof command, "rm -rf %s", dir);
	cr_expect_eq(system(command), 0);
}
