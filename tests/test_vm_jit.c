/*
 * The hot-block compiler (vmcore/jit.h) changes speed, never results: every
 * guest passes with every block compiled the first time it runs (--jit-heat 1,
 * so even run-once code such as the instruction tests goes through compiled
 * code) and with none compiled (--no-opt); deterministic runs count the same
 * instructions and lock acquisitions either way; a fault inside compiled code
 * is the interpreter's precise trap. The self-modifying guest (smc) covers
 * stores into compiled blocks, hot ones and the store's own, fused or not.
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/run_locklab.h"

static struct run_output run;

static const char *test_guest_elf(const char *name)
{
	char file[128];

	snprintf(file, sizeof file, "%s.elf", name);
	return test_guest(file);
}

TestSuite(vm_jit, .timeout = 120);

/* Guests with the loop counts that keep them short ("0": the guest's own). */
static const char *const guests[][2] = {
	{ "insn", "0" },     { "insn-rvc", "0" }, { "trap", "0" },      { "trap-rvc", "0" },
	{ "smc", "0" },      { "smc-rvc", "0" },  { "compute", "0" },   { "compute-rvc", "0" },
	{ "atomics", "0" },  { "mixed", "0" },    { "io", "0" },        { "timer", "0" },
	{ "spin", "0" },     { "lockheavy", "2000" }, { "pvlock", "1000" }, { "churn", "100" },
};

static unsigned long long compiled_blocks(const char *out)
{
	const char *line = strstr(out, "vm: compiled blocks ");

	cr_assert_not_null(line, "%s", out);
	return strtoull(line + strlen("vm: compiled blocks "), NULL, 10);
}

Test(vm_jit, every_guest_compiled_and_interpreted)
{
	for (size_t g = 0; g < sizeof guests / sizeof guests[0]; g++) {
		const char *path = test_guest_elf(guests[g][0]);

		run_locklab(&run, "vm", "--elf", path, "--harts", "2", "--jit-heat", "1",
			    "--guest-iters", guests[g][1], "--timeout", "60", NULL);
		cr_expect_eq(run.status, 0, "%s compiled: exit %d\n%s\n%s", guests[g][0],
			     run.status, run.out, run.err);
		cr_expect(strstr(run.out, "vm: exit: pass") != NULL, "%s: %s", guests[g][0], run.out);
		cr_expect_gt(compiled_blocks(run.out), 0, "%s", guests[g][0]);

		run_locklab(&run, "vm", "--elf", path, "--harts", "2", "--no-opt", "--guest-iters",
			    guests[g][1], "--timeout", "60", NULL);
		cr_expect_eq(run.status, 0, "%s interpreted: exit %d\n%s\n%s", guests[g][0],
			     run.status, run.out, run.err);
		cr_expect(strstr(run.out, "vm: exit: pass") != NULL, "%s: %s", guests[g][0], run.out);
		cr_expect_eq(compiled_blocks(run.out), 0, "%s", guests[g][0]);
	}
}

/* stdout's lines that must not depend on how blocks ran: exit, per-hart
 * instret, the guest's lock acquisitions per site. */
static void keep_counts(const char *out, char *kept, size_t size)
{
	size_t used = 0;

	for (const char *line = out; *line;) {
		const char *end = strchr(line, '\n');
		size_t length = end ? (size_t)(end - line + 1) : strlen(line);
		bool counts = strncmp(line, "vm: exit", 8) == 0 || strncmp(line, "vm: hart", 8) == 0 ||
			      strncmp(line, "vm: instret", 11) == 0 ||
			      strncmp(line, "vm: lr/sc", 9) == 0 || strncmp(line, "vm: pv acq", 10) == 0 ||
			      strncmp(line, "vm: site", 8) == 0;

		if (counts && used + length < size) {
			memcpy(kept + used, line, length);
			used += length;
		}
		line += length;
	}
	kept[used] = '\0';
}

Test(vm_jit, deterministic_counts_do_not_depend_on_compiling)
{
	static const char *const deterministic[][2] = {
		{ "mixed", "0" }, { "timer", "0" }, { "smc", "0" }, { "lockheavy", "2000" },
		{ "churn", "100" },
	};
	static char compiled[1 << 16], interpreted[1 << 16];

	for (size_t g = 0; g < sizeof deterministic / sizeof deterministic[0]; g++) {
		const char *path = test_guest_elf(deterministic[g][0]);

		run_locklab(&run, "vm", "--elf", path, "--harts", "4", "--deterministic", "--quantum",
			    "1000", "--jit-heat", "2", "--guest-iters", deterministic[g][1],
			    "--timeout", "60", NULL);
		cr_assert_eq(run.status, 0, "%s: %s %s", deterministic[g][0], run.out, run.err);
		cr_expect_gt(compiled_blocks(run.out), 0, "%s", deterministic[g][0]);
		keep_counts(run.out, compiled, sizeof compiled);
		run_locklab(&run, "vm", "--elf", path, "--harts", "4", "--deterministic", "--quantum",
			    "1000", "--no-opt", "--guest-iters", deterministic[g][1], "--timeout",
			    "60", NULL);
		cr_assert_eq(run.status, 0, "%s: %s %s", deterministic[g][0], run.out, run.err);
		keep_counts(run.out, interpreted, sizeof interpreted);
		cr_expect(strstr(compiled, "vm: hart 3: instret") != NULL, "%s", compiled);
		cr_expect_str_eq(compiled, interpreted, "%s: compiled and interpreted runs differ",
				 deterministic[g][0]);
	}
}

Test(vm_jit, a_fault_in_compiled_code_is_the_precise_trap)
{
	static char interpreted[sizeof run.err];

	run_locklab(&run, "vm", "--elf", test_guest_elf("fault"), "--no-opt", NULL);
	cr_assert_eq(run.status, 1, "%s", run.err);
	snprintf(interpreted, sizeof interpreted, "%s", run.err);
	run_locklab(&run, "vm", "--elf", test_guest_elf("fault"), "--jit-heat", "1", NULL);
	cr_assert_eq(run.status, 1, "%s", run.err);
	cr_expect(compiled_blocks(run.out) > 0, "%s", run.out);
	/* The same pc, cause, address and registers: everything before the store
	 * ran compiled, the store itself in the interpreter. */
	cr_expect_str_eq(run.err, interpreted);
	cr_expect(strstr(run.err, "mcause=0x0000000000000007") != NULL, "%s", run.err);
}

/* The bench-vm suite's guests at their test counts, at 1, 2 and 4 harts on 2
 * workers, compiled and interpreted: each hart's checksum is the native
 * build's. */
Test(vm_jit, suite_guests_pass_both_ways)
{
	static const char *const suite[] = {
		"suite-chase-test", "suite-fir-test",    "suite-hash-test",     "suite-interp-test",
		"suite-lz-test",    "suite-muldiv-test", "suite-parse-test",    "suite-sort-test",
		"suite-rvc-sort-test", "suite-rvc-interp-test" };
	static const char *const harts[] = { "1", "2", "4" };

	for (size_t g = 0; g < sizeof suite / sizeof suite[0]; g++)
		for (size_t h = 0; h < sizeof harts / sizeof harts[0]; h++)
			for (int compiled = 0; compiled < 2; compiled++) {
				run_locklab(&run, "vm", "--elf", test_guest_elf(suite[g]), "--harts",
					    harts[h], "--workers", "2",
					    compiled ? "--jit-heat" : "--no-opt",
					    compiled ? "8" : NULL, NULL);
				cr_expect_eq(run.status, 0, "%s harts %s %s: exit %d\n%s\n%s",
					     suite[g], harts[h], compiled ? "compiled" : "interpreted",
					     run.status, run.out, run.err);
				cr_expect(strstr(run.out, ": ok\n") != NULL, "%s: %s", suite[g],
					  run.out);
			}
}

Test(vm_jit, suite_guest_without_an_expected_value_fails)
{
	run_locklab(&run, "vm", "--elf", test_guest_elf("suite-sort-test"), "--guest-iters", "3",
		    NULL);
	cr_expect_eq(run.status, 1, "%s", run.out);
	cr_expect(strstr(run.err, "code 99") != NULL || strstr(run.out, "code 99") != NULL, "%s%s",
		  run.out, run.err);
}
