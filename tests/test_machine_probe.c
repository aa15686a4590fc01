/*
 * harness/machine_probe: steal time's contract. (The cache-line round trip
 * is tests/test_cpu_pair.c.)
 */
#include "harness/machine_probe.h"

#include <criterion/criterion.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

Test(machine_probe, steal_is_read_non_negative_and_non_decreasing)
{
	double first = probe_steal_seconds(NULL, 0), second;
	struct timespec start, now;

	/* Busy for 50 ms so the CPU can be stolen from between the reads. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 50000000L);
	second = probe_steal_seconds(NULL, 0);
#ifdef __linux__
	/* /proc/stat has had the steal column since Linux 2.6.11: NaN here is a
	 * parsing bug, not a missing feature. */
	cr_assert(!isnan(first) && !isnan(second), "steal unreadable: %g, %g", first, second);
#else
	if (isnan(first)) {
		cr_assert(isnan(second), "steal appeared between two reads");
		return;
	}
#endif
	cr_assert_geq(first, 0.0);
	cr_assert(isfinite(first));
	cr_assert_geq(second, first, "steal went back from %g to %g", first, second);
}

Test(machine_probe, steal_of_listed_cpus_sums_their_lines_only)
{
	static const char stat_text[] =
		"cpu  100 0 50 1000 0 0 0 700 0 0\n"
		"cpu0 50 0 25 500 0 0 0 300 0 0\n"
		"cpu1 50 0 25 500 0 0 0 100 0 0\n"
		"cpu12 1 0 1 1 0 0 0 300 0 0\n"
		"intr 12345 1 2 3\n";
	long hz = sysconf(_SC_CLK_TCK);
	unsigned one[] = { 1 }, two[] = { 0, 12 }, missing[] = { 2 };

	cr_assert_gt(hz, 0);
	FILE *in = fmemopen((void *)stat_text, sizeof stat_text - 1, "r");
	double all = probe_steal_parse(in, NULL, 0);
	rewind(in);
	double cpu1 = probe_steal_parse(in, one, 1);
	rewind(in);
	double cpu0_and_12 = probe_steal_parse(in, two, 2);
	rewind(in);
	double absent = probe_steal_parse(in, missing, 1);
	fclose(in);
	cr_expect_float_eq(all, 700.0 / (double)hz, 1e-9);
	cr_expect_float_eq(cpu1, 100.0 / (double)hz, 1e-9);
	cr_expect_float_eq(cpu0_and_12, 600.0 / (double)hz, 1e-9,
			   "cpu1 must not count, cpu12 must not match cpu1");
	cr_expect(isnan(absent), "a CPU without a line is unknown");
}
