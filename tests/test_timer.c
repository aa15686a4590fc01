/*
 * common/timer: calibration, monotonicity and a coarse sleep measurement.
 * Bounds are generous on purpose: the tests run on shared, noisy machines and
 * must catch a wrong unit or a broken source, not judge the machine.
 */
#include "common/timer.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static void timer_test_sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static void timer_test_assert_sane(const struct timer_calibration *cal)
{
	cr_assert_not_null(cal->source);
	cr_assert_gt(strlen(cal->source), 0);
	cr_assert(isfinite(cal->ticks_per_ns));
	cr_assert_geq(cal->ticks_per_ns, 0.001, "slower than 1 MHz: %g", cal->ticks_per_ns);
	cr_assert_leq(cal->ticks_per_ns, 100.0, "faster than 100 GHz: %g", cal->ticks_per_ns);
	cr_assert_float_eq(cal->ticks_per_ns * cal->ns_per_tick, 1.0, 1e-12);
	cr_assert_gt(cal->overhead_ns, 0.0, "two reads cannot be free");
	cr_assert_lt(cal->overhead_ns, 100000.0, "a read costing 100 us is broken");
}

static void timer_test_assert_monotonic(const struct timer_calibration *cal)
{
	uint64_t previous = timer_read(cal);

	for (int i = 0; i < 200000; i++) {
		uint64_t now = i % 2 ? timer_read(cal) : timer_read_ordered(cal);

		cr_assert_geq(now, previous, "went back from %llu to %llu",
			      (unsigned long long)previous, (unsigned long long)now);
		previous = now;
	}
}

/* A counter read bracketed by two clock reads: the instant of the counter read
 * lies between them, however long the thread was preempted in between. */
struct timer_test_stamp {
	uint64_t clock_before, ticks, clock_after;
};

static struct timer_test_stamp timer_test_stamp(const struct timer_calibration *cal)
{
	struct timer_test_stamp s;

	s.clock_before = timer_clock_ns();
	s.ticks = timer_read_ordered(cal);
	s.clock_after = timer_clock_ns();
	return s;
}

/* The counter measures a 20 ms sleep as the clock does: within the bounds the
 * brackets give (preemption only widens them, so it cannot fail the test), with
 * 2 % for rate error and a tick either side. A wrong unit or rate is a factor. */
static void timer_test_assert_sleep_measured(const struct timer_calibration *cal)
{
	struct timer_test_stamp a = timer_test_stamp(cal);

	timer_test_sleep_ms(20);
	struct timer_test_stamp b = timer_test_stamp(cal);
	double measured = (double)(b.ticks - a.ticks) * cal->ns_per_tick;
	double shortest = (double)(b.clock_before - a.clock_after);
	double longest = (double)(b.clock_after - a.clock_before);

	cr_assert_geq(shortest, 20e6, "the sleep itself lasts 20 ms");
	cr_assert_geq(measured, 0.98 * shortest - 2 * cal->ns_per_tick,
		      "counter %.0f ns, clock at least %.0f ns", measured, shortest);
	cr_assert_leq(measured, 1.02 * longest + 2 * cal->ns_per_tick,
		      "counter %.0f ns, clock at most %.0f ns", measured, longest);
}

Test(timer, calibration_succeeds_and_is_sane)
{
	struct timer_calibration cal;

	cr_assert_eq(timer_calibrate(&cal), 0);
	timer_test_assert_sane(&cal);
	if (cal.kind == TIMER_KIND_CLOCK) {
		cr_assert_str_eq(cal.source, "clock_monotonic_raw");
		cr_assert_eq(cal.ticks_per_ns, 1.0);
	} else {
		cr_assert(cal.invariant, "a counter is used only when invariant");
	}
#if defined(__x86_64__)
	if (cal.kind == TIMER_KIND_TSC)
		cr_assert_str_eq(cal.source, "tsc");
#endif
}

Test(timer, forced_clock_calibration)
{
	struct timer_calibration cal;

	cr_assert_eq(timer_calibrate_clock(&cal), 0);
	timer_test_assert_sane(&cal);
	cr_assert_eq(cal.kind, TIMER_KIND_CLOCK);
	cr_assert_str_eq(cal.source, "clock_monotonic_raw");
	cr_assert_eq(cal.ticks_per_ns, 1.0);
	/* The fallback must read clock ns, not the raw counter. */
	cr_assert_lt(llabs((long long)(timer_read(&cal) - timer_clock_ns())), 1000000000LL);
	cr_assert_eq(timer_ticks_to_ns(&cal, 123456789), 123456789);
}

Test(timer, readings_never_go_back)
{
	struct timer_calibration cal;

	cr_assert_eq(timer_calibrate(&cal), 0);
	timer_test_assert_monotonic(&cal);
	cr_assert_eq(timer_calibrate_clock(&cal), 0);
	timer_test_assert_monotonic(&cal);
}

Test(timer, sleep_of_20ms_is_measured_roughly)
{
	struct timer_calibration cal;

	cr_assert_eq(timer_calibrate(&cal), 0);
	timer_test_assert_sleep_measured(&cal);
	cr_assert_eq(timer_calibrate_clock(&cal), 0);
	timer_test_assert_sleep_measured(&cal);
}

Test(timer, ticks_convert_to_rounded_ns)
{
	struct timer_calibration cal = { .ticks_per_ns = 2.5, .ns_per_tick = 0.4 };

	cr_assert_eq(timer_ticks_to_ns(&cal, 0), 0);
	cr_assert_eq(timer_ticks_to_ns(&cal, 1000), 400);
	cr_assert_eq(timer_ticks_to_ns(&cal, 3), 1, "1.2 rounds to 1");
	cr_assert_eq(timer_ticks_to_ns(&cal, 4), 2, "1.6 rounds to 2");
	cal = (struct timer_calibration){ .ticks_per_ns = 0.5, .ns_per_tick = 2.0 };
	cr_assert_eq(timer_ticks_to_ns(&cal, UINT64_MAX), UINT64_MAX, "saturates");
}

Test(timer, cpuinfo_flags_need_both_words_whole)
{
	cr_assert(timer_flags_say_invariant("flags\t\t: fpu vme constant_tsc rep_good nonstop_tsc cpuid\n"));
	cr_assert(timer_flags_say_invariant("flags : nonstop_tsc constant_tsc"));
	cr_assert_not(timer_flags_say_invariant("flags : fpu constant_tsc tsc_known_freq\n"));
	cr_assert_not(timer_flags_say_invariant("flags : nonstop_tsc\n"));
	cr_assert_not(timer_flags_say_invariant("flags : xconstant_tsc nonstop_tsc\n"));
	cr_assert_not(timer_flags_say_invariant("flags : constant_tsc_x nonstop_tsc\n"));
	cr_assert(timer_flags_say_invariant("flags : constant_tsc_x constant_tsc nonstop_tsc\n"),
		  "a longer word before the real one must not hide it");
	cr_assert_not(timer_flags_say_invariant(""));
	cr_assert_not(timer_flags_say_invariant(NULL));
}
