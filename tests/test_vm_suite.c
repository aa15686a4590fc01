/*
 * The VM benchmark suite (vmcore/guests/suite/, vmcore/suite.mk) at its test
 * counts: every bare-metal guest passes at 1, 2 and 4 harts, each hart's checksum
 * the native build's; every static Linux build passes on vmcore's shim (locklab vm
 * --linux) with the bare build's instruction count to within 0.1 %, the bound
 * make bench-vm holds the bench counts to.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/run_locklab.h"

static struct run_output run;

TestSuite(vm_suite, .timeout = 240);

/* suite-K for every kernel K in vmcore/guests/suite/, then the C builds. */
static const char *const suite[] = { "suite-chase",   "suite-fir",    "suite-hash",
				     "suite-interp",  "suite-lz",     "suite-muldiv",
				     "suite-parse",   "suite-sort",   "suite-rvc-sort",
				     "suite-rvc-interp" };
#define SUITE_KERNELS 8u

static const char *elf(const char *name, const char *suffix)
{
	char file[128];

	snprintf(file, sizeof file, "%s%s.elf", name, suffix);
	return test_guest(file);
}

static uint64_t instret_total(const char *out)
{
	const char *line = strstr(out, "vm: instret total ");

	return line ? strtoull(line + strlen("vm: instret total "), NULL, 10) : 0;
}

/* The list above names every kernel the build makes a guest of. */
Test(vm_suite, names_every_kernel)
{
	DIR *folder = opendir("vmcore/guests/suite");
	struct dirent *entry;
	unsigned kernels = 0;

	cr_assert_not_null(folder, "run from the repository root");
	while ((entry = readdir(folder)) != NULL) {
		size_t length = strlen(entry->d_name);
		char name[128];
		bool listed = false;

		if (length < 3 || strcmp(entry->d_name + length - 2, ".c") != 0)
			continue;
		kernels++;
		snprintf(name, sizeof name, "suite-%.*s", (int)(length - 2), entry->d_name);
		for (size_t i = 0; i < SUITE_KERNELS; i++)
			listed |= strcmp(suite[i], name) == 0;
		cr_expect(listed, "%s is not in the test's list", name);
	}
	closedir(folder);
	cr_expect_eq(kernels, SUITE_KERNELS);
}

Test(vm_suite, guests_pass_at_one_two_and_four_harts)
{
	static const char *const harts[] = { "1", "2", "4" };

	for (size_t g = 0; g < sizeof suite / sizeof suite[0]; g++)
		for (size_t h = 0; h < sizeof harts / sizeof harts[0]; h++) {
			char ok[64];

			run_locklab(&run, "vm", "--elf", elf(suite[g], "-test"), "--harts", harts[h],
				    "--workers", "2", "--timeout", "60", NULL);
			cr_expect_eq(run.status, 0, "%s harts %s: exit %d\n%s\n%s", suite[g], harts[h],
				     run.status, run.out, run.err);
			snprintf(ok, sizeof ok, "%s: ok\n", suite[g]);
			cr_expect(strstr(run.out, ok) != NULL, "%s: %s", suite[g], run.out);
		}
}

Test(vm_suite, linux_builds_pass_on_the_shim_with_the_bare_builds_count)
{
	for (size_t g = 0; g < sizeof suite / sizeof suite[0]; g++) {
		uint64_t bare, linux_count;
		char ok[64];

		run_locklab(&run, "vm", "--elf", elf(suite[g], "-test"), "--workers", "1", NULL);
		cr_assert_eq(run.status, 0, "%s: %s", suite[g], run.err);
		bare = instret_total(run.out);
		run_locklab(&run, "vm", "--linux", "--elf", elf(suite[g], "-linux-test"), NULL);
		cr_expect_eq(run.status, 0, "%s --linux: exit %d\n%s\n%s", suite[g], run.status,
			     run.out, run.err);
		snprintf(ok, sizeof ok, "%s: ok\n", suite[g]);
		cr_expect(strstr(run.out, ok) != NULL, "%s: %s", suite[g], run.out);
		linux_count = instret_total(run.out);
		cr_expect(linux_count > 0 && (bare > linux_count ? bare - linux_count :
					     linux_count - bare) * 1000 <= bare,
			  "%s: %" PRIu64 " instructions bare-metal, %" PRIu64 " as Linux", suite[g],
			  bare, linux_count);
	}
}
