/*
 * harness/machine_probe: steal time's contract and the cache-line round trip.
 * The round-trip bounds are wide (a VM's vCPUs can be anywhere on the host);
 * they catch a wrong unit, a zero, or a hang, not a slow machine.
 */
#include "harness/machine_probe.h"

#include "harness/topology.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

Test(machine_probe, steal_is_nan_or_non_negative_and_non_decreasing)
{
	double first = probe_steal_seconds(), second;
	struct timespec start, now;

	/* Busy for 50 ms so the CPU can be stolen from between the reads. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	do
		clock_gettime(CLOCK_MONOTONIC, &now);
	while ((now.tv_sec - start.tv_sec) * 1000000000L + (now.tv_nsec - start.tv_nsec) < 50000000L);
	second = probe_steal_seconds();
	if (isnan(first)) {
		cr_assert(isnan(second), "steal appeared between two reads");
		return;
	}
	cr_assert_geq(first, 0.0);
	cr_assert(isfinite(first));
	cr_assert_geq(second, first, "steal went back from %g to %g", first, second);
}

/* The first two CPUs this process may use; skips on a one-CPU machine. */
static void machine_probe_test_two_cpus(int *a, int *b)
{
	unsigned cpus[2];

	if (topology_cpu_list(cpus, 2) < 2)
		cr_skip_test("needs two CPUs");
	*a = (int)cpus[0];
	*b = (int)cpus[1];
}

Test(machine_probe, c2c_round_trip_between_two_cpus, .timeout = 30)
{
	double median = -1, min = -1;
	int a, b;

	machine_probe_test_two_cpus(&a, &b);
	cr_assert_eq(probe_c2c_round_trip_ns(a, b, 20000, &median, &min), 0, "c2c %d-%d: %s", a,
		     b, strerror(errno));
	cr_assert_gt(min, 0.0);
	cr_assert_leq(min, median);
	cr_assert_lt(median, 1e6, "a round trip of %g ns is a millisecond", median);
	cr_log_info("c2c cpu %d <-> cpu %d: median %.1f ns, min %.1f ns per round trip", a, b,
		    median, min);
}

Test(machine_probe, c2c_small_request_and_null_outputs, .timeout = 30)
{
	double min = -1;
	int a, b;

	machine_probe_test_two_cpus(&a, &b);
	/* Fewer round trips than a batch: still batched, still a positive figure. */
	cr_assert_eq(probe_c2c_round_trip_ns(b, a, 7, NULL, &min), 0, "%s", strerror(errno));
	cr_assert_gt(min, 0.0);
	cr_assert_lt(min, 1e6);
}

Test(machine_probe, c2c_rejects_cpus_not_available, .timeout = 10)
{
	double median = -1, min = -1;
	unsigned first;

	cr_assert_geq(topology_cpu_list(&first, 1), 1);
	errno = 0;
	cr_assert_eq(probe_c2c_round_trip_ns((int)first, 100000, 1000, &median, &min), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(probe_c2c_round_trip_ns(-1, (int)first, 1000, &median, &min), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(probe_c2c_round_trip_ns((int)first, (int)first, 1000, &median, &min), -1,
		     "a CPU with itself measures the scheduler, not the cache");
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(probe_c2c_round_trip_ns((int)first, (int)first + 1, 0, &median, &min), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(median, -1, "outputs written on failure");
	cr_assert_eq(min, -1, "outputs written on failure");
}
