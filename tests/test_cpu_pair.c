/*
 * common/cpu_pair: the round trip and counter skew of one CPU pair. Bounds
 * are wide (a VM's vCPUs can be anywhere on the host); they catch a wrong
 * unit, a wrong sign convention between the two directions, a zero, or a
 * hang, not a slow machine.
 */
#include "common/cpu_pair.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <string.h>

/* The first two CPUs this thread may use; skips on a one-CPU machine. */
static void cpu_pair_test_two_cpus(int *a, int *b)
{
	cpu_set_t mask;
	int found = 0;

	cr_assert_eq(sched_getaffinity(0, sizeof mask, &mask), 0, "%s", strerror(errno));
	for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++) {
		if (!CPU_ISSET(cpu, &mask))
			continue;
		if (found++ == 0)
			*a = cpu;
		else
			*b = cpu;
	}
	if (found < 2)
		cr_skip_test("needs two CPUs, this thread may use %d", found);
}

static void cpu_pair_test_counter(struct timer_calibration *cal)
{
	cr_assert_eq(timer_calibrate(cal), 0, "%s", strerror(errno));
	if (cal->kind == TIMER_KIND_CLOCK)
		cr_skip_test("no trusted counter here (%s): its skew is not measured",
			     cal->source);
}

Test(cpu_pair, round_trip_between_two_cpus, .timeout = 30)
{
	struct timer_calibration cal;
	struct cpu_pair_sample sample;
	int a, b;

	cpu_pair_test_two_cpus(&a, &b);
	cr_assert_eq(timer_calibrate(&cal), 0);
	cr_assert_eq(cpu_pair_probe(a, b, 20000, &cal, &sample), 0, "pair %d-%d: %s", a, b,
		     strerror(errno));
	cr_assert_gt(sample.round_trip_min_ns, 0.0);
	cr_assert_leq(sample.round_trip_min_ns, sample.round_trip_ns);
	cr_assert_lt(sample.round_trip_ns, 1e6, "a round trip of %g ns is a millisecond",
		     sample.round_trip_ns);
	cr_log_info("cpu %d <-> cpu %d (%s): round trip median %.1f ns, min %.1f ns", a, b,
		    cal.source, sample.round_trip_ns, sample.round_trip_min_ns);
}

/* What a run pays before and after every rep. */
Test(cpu_pair, two_thousand_round_trips_take_milliseconds, .timeout = 30)
{
	struct timer_calibration cal;
	struct cpu_pair_sample sample;
	uint64_t start, elapsed;
	int a, b;

	cpu_pair_test_two_cpus(&a, &b);
	cr_assert_eq(timer_calibrate(&cal), 0);
	start = timer_clock_ns();
	cr_assert_eq(cpu_pair_probe(a, b, 2000, &cal, &sample), 0, "%s", strerror(errno));
	elapsed = timer_clock_ns() - start;
	cr_assert_lt(elapsed, 1000000000u, "2000 round trips took %.1f ms", elapsed / 1e6);
	cr_log_info("2000 round trips and 2 x %u exchanges: %.2f ms (round trip %.1f ns)",
		    CPU_PAIR_SKEW_EXCHANGES, elapsed / 1e6, sample.round_trip_ns);
}

Test(cpu_pair, counter_skew_is_small_and_bounded, .timeout = 30)
{
	struct timer_calibration cal;
	struct cpu_pair_sample ab, ba;
	int a, b;

	cpu_pair_test_two_cpus(&a, &b);
	cpu_pair_test_counter(&cal);
	cr_assert_eq(cpu_pair_probe(a, b, 2000, &cal, &ab), 0, "%s", strerror(errno));
	cr_assert_eq(cpu_pair_probe(b, a, 2000, &cal, &ba), 0, "%s", strerror(errno));
	cr_assert(isfinite(ab.skew_ns), "skew %g", ab.skew_ns);
	cr_assert(isfinite(ab.skew_bound_ns), "bound %g", ab.skew_bound_ns);
	cr_assert_geq(ab.skew_bound_ns, 0.0);
	/* This machine's counter is synchronised across CPUs (constant_tsc and
	 * nonstop_tsc, one VM-wide offset): a skew of a millisecond is a bug. */
	cr_assert_lt(fabs(ab.skew_ns), 1e6, "skew %g ns", ab.skew_ns);
	cr_assert_lt(ab.skew_bound_ns, 1e6, "bound %g ns", ab.skew_bound_ns);
	/* The two directions measure one offset with opposite signs, each within
	 * its own hard bound, so their sum is within the sum of the bounds (plus
	 * a nanosecond for rounding to double). A sign or halving mistake on one
	 * side breaks this whenever the skew exceeds the bounds. */
	cr_assert_leq(fabs(ab.skew_ns + ba.skew_ns), ab.skew_bound_ns + ba.skew_bound_ns + 1.0,
		      "skew %d->%d %.1f +- %.1f ns, %d->%d %.1f +- %.1f ns", a, b, ab.skew_ns,
		      ab.skew_bound_ns, b, a, ba.skew_ns, ba.skew_bound_ns);
	cr_log_info("%s skew cpu %d - cpu %d: %.1f +- %.1f ns; reverse %.1f +- %.1f ns", cal.source,
		    b, a, ab.skew_ns, ab.skew_bound_ns, ba.skew_ns, ba.skew_bound_ns);
}

Test(cpu_pair, skew_is_nan_with_the_clock_source, .timeout = 30)
{
	struct timer_calibration cal;
	struct cpu_pair_sample sample;
	int a, b;

	cpu_pair_test_two_cpus(&a, &b);
	cr_assert_eq(timer_calibrate_clock(&cal), 0);
	cr_assert_eq(cpu_pair_probe(a, b, 2000, &cal, &sample), 0, "%s", strerror(errno));
	cr_assert(isnan(sample.skew_ns), "skew %g", sample.skew_ns);
	cr_assert(isnan(sample.skew_bound_ns), "bound %g", sample.skew_bound_ns);
	cr_assert_gt(sample.round_trip_min_ns, 0.0, "the clock still times the round trips");
	cr_assert_leq(sample.round_trip_min_ns, sample.round_trip_ns);
	cr_assert_lt(sample.round_trip_ns, 1e6);
}

Test(cpu_pair, small_request_works, .timeout = 30)
{
	struct timer_calibration cal;
	struct cpu_pair_sample sample;
	int a, b;

	cpu_pair_test_two_cpus(&a, &b);
	cr_assert_eq(timer_calibrate(&cal), 0);
	/* Fewer round trips than a batch: still batched, still a positive figure. */
	cr_assert_eq(cpu_pair_probe(b, a, 7, &cal, &sample), 0, "%s", strerror(errno));
	cr_assert_gt(sample.round_trip_min_ns, 0.0);
	cr_assert_leq(sample.round_trip_min_ns, sample.round_trip_ns);
	cr_assert_lt(sample.round_trip_ns, 1e6);
}

static void cpu_pair_test_rejects(int cpu_a, int cpu_b, unsigned round_trips,
				  const struct timer_calibration *cal, struct cpu_pair_sample *out)
{
	errno = 0;
	cr_assert_eq(cpu_pair_probe(cpu_a, cpu_b, round_trips, cal, out), -1,
		     "cpus %d, %d, %u round trips accepted", cpu_a, cpu_b, round_trips);
	cr_assert_eq(errno, EINVAL, "cpus %d, %d: %s", cpu_a, cpu_b, strerror(errno));
}

Test(cpu_pair, rejects_bad_inputs, .timeout = 10)
{
	struct timer_calibration cal;
	struct cpu_pair_sample sample = { -1, -1, -1, -1 };
	cpu_set_t mask;
	int first = 0;

	cr_assert_eq(timer_calibrate_clock(&cal), 0);
	cr_assert_eq(sched_getaffinity(0, sizeof mask, &mask), 0);
	while (!CPU_ISSET(first, &mask))
		first++;
	/* A CPU with itself measures the scheduler, not the cache. */
	cpu_pair_test_rejects(first, first, 1000, &cal, &sample);
	cpu_pair_test_rejects(-1, first, 1000, &cal, &sample);
	cpu_pair_test_rejects(first, -1, 1000, &cal, &sample);
	cpu_pair_test_rejects(first, 100000, 1000, &cal, &sample);
	cpu_pair_test_rejects(100000, first, 1000, &cal, &sample);
	cpu_pair_test_rejects(first, first + 1, 0, &cal, &sample);
	cpu_pair_test_rejects(first, first + 1, 1000, NULL, &sample);
	cpu_pair_test_rejects(first, first + 1, 1000, &cal, NULL);
	cr_assert_eq(sample.round_trip_ns, -1, "output written on failure");
	cr_assert_eq(sample.round_trip_min_ns, -1);
	cr_assert_eq(sample.skew_ns, -1);
	cr_assert_eq(sample.skew_bound_ns, -1);
}

/* Where the skew exchanges swap roles, one side writes the last reply of one
 * direction and the first request of the other back to back; a partner that
 * waited for exactly the first value could miss it and spin to the deadline
 * (seen: 2 probes in 40 timing out). Many short probes: none may fail. */
Test(cpu_pair, probes_never_miss_the_turn_where_roles_swap, .timeout = 60)
{
	struct timer_calibration cal;
	struct cpu_pair_sample sample;
	int a, b;

	cpu_pair_test_two_cpus(&a, &b);
	cpu_pair_test_counter(&cal);
	for (int i = 0; i < 100; i++) {
		int from = i % 2 ? b : a, to = i % 2 ? a : b;
		cr_assert_eq(cpu_pair_probe(from, to, 100, &cal, &sample), 0, "probe %d, %d -> %d: %s",
			     i, from, to, strerror(errno));
	}
}
