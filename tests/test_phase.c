/*
 * harness/phase: the fast/slow split of round-trip probes and the tag of a
 * rep. The probe sets are synthetic and seeded, shaped like what this KVM
 * host gives (about 70 ns and about 450 ns, with jitter).
 */
#include "harness/phase.h"

#include "common/random.h"

#include <criterion/criterion.h>
#include <math.h>

#define PHASE_TEST_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* center * (1 +- spread), uniform. */
static double phase_test_jitter(uint64_t *state, double center, double spread)
{
	double unit = (double)(random_next(state) >> 11) * 0x1p-53;

	return center * (1.0 + spread * (2.0 * unit - 1.0));
}

/* 30 fast probes (70 ns +- 10 %) and 20 slow ones (450 ns +- 10 %), the
 * phases interleaved in runs as a run would see them. */
static void phase_test_bimodal(double *probes, size_t n, uint64_t seed)
{
	uint64_t state = seed;

	cr_assert_eq(n, 50);
	for (size_t i = 0; i < n; i++) {
		bool slow = (i / 5) % 5 >= 3; /* 3 runs of 5 fast, then 2 of 5 slow */

		probes[i] = phase_test_jitter(&state, slow ? 450.0 : 70.0, 0.10);
	}
}

static void phase_test_assert_one_phase(const struct phase_fit *fit, size_t count)
{
	cr_assert_not(fit->two_phases);
	cr_assert(isnan(fit->threshold_ns), "threshold %g", fit->threshold_ns);
	cr_assert_eq(fit->fast_ns, fit->slow_ns);
	cr_assert_eq(fit->fast_count, count);
	cr_assert_eq(fit->slow_count, 0);
}

Test(phase, bimodal_probes_split_into_two_phases)
{
	double probes[50];

	for (uint64_t seed = 1; seed <= 20; seed++) {
		struct phase_fit fit;
		double fast_max = 0, slow_min = INFINITY;

		phase_test_bimodal(probes, PHASE_TEST_ARRAY_SIZE(probes), seed);
		for (size_t i = 0; i < PHASE_TEST_ARRAY_SIZE(probes); i++) {
			if (probes[i] < 200)
				fast_max = fmax(fast_max, probes[i]);
			else
				slow_min = fmin(slow_min, probes[i]);
		}
		phase_fit(probes, PHASE_TEST_ARRAY_SIZE(probes), &fit);
		cr_assert(fit.two_phases, "seed %llu", (unsigned long long)seed);
		cr_assert_eq(fit.fast_count, 30, "seed %llu", (unsigned long long)seed);
		cr_assert_eq(fit.slow_count, 20, "seed %llu", (unsigned long long)seed);
		cr_assert_float_eq(fit.threshold_ns, sqrt(fast_max * slow_min), 1e-9);
		cr_assert_gt(fit.threshold_ns, fast_max);
		cr_assert_lt(fit.threshold_ns, slow_min);
		cr_assert(fit.fast_ns >= 63 && fit.fast_ns <= 77, "fast %g", fit.fast_ns);
		cr_assert(fit.slow_ns >= 405 && fit.slow_ns <= 495, "slow %g", fit.slow_ns);
	}
}

Test(phase, unimodal_jitter_is_one_phase)
{
	double probes[100];
	uint64_t state = 7;
	struct phase_fit fit;

	for (size_t i = 0; i < PHASE_TEST_ARRAY_SIZE(probes); i++)
		probes[i] = phase_test_jitter(&state, 70.0, 0.15);
	phase_fit(probes, PHASE_TEST_ARRAY_SIZE(probes), &fit);
	phase_test_assert_one_phase(&fit, 100);
	cr_assert(fit.fast_ns > 59.5 && fit.fast_ns < 80.5, "median %g", fit.fast_ns);
}

Test(phase, a_single_outlier_is_not_a_phase)
{
	double probes[21];
	uint64_t state = 11;
	struct phase_fit fit;

	for (size_t i = 0; i < 20; i++)
		probes[i] = phase_test_jitter(&state, 70.0, 0.05);
	probes[20] = 450.0;
	phase_fit(probes, 21, &fit);
	phase_test_assert_one_phase(&fit, 21);

	/* The same below: one fast probe among slow ones. */
	for (size_t i = 0; i < 20; i++)
		probes[i] = phase_test_jitter(&state, 450.0, 0.05);
	probes[20] = 70.0;
	phase_fit(probes, 21, &fit);
	phase_test_assert_one_phase(&fit, 21);
}

/* A lone extreme probe (a preempted vCPU) does not hide two real phases. */
Test(phase, an_extreme_outlier_does_not_hide_two_phases)
{
	double probes[21];
	uint64_t state = 13;
	struct phase_fit fit;

	for (size_t i = 0; i < 10; i++) {
		probes[i] = phase_test_jitter(&state, 70.0, 0.05);
		probes[10 + i] = phase_test_jitter(&state, 450.0, 0.05);
	}
	probes[20] = 50000.0;
	phase_fit(probes, 21, &fit);
	cr_assert(fit.two_phases);
	cr_expect(fit.threshold_ns > 80 && fit.threshold_ns < 400, "threshold %g", fit.threshold_ns);
	cr_expect_eq(fit.fast_count, 10);
	cr_expect_eq(fit.slow_count, 11, "the outlier is slow, it just does not choose");
}

Test(phase, two_probes_make_a_group)
{
	const double probes[] = { 450, 70, 455, 448, 452, 72, 460 };
	struct phase_fit fit;

	phase_fit(probes, PHASE_TEST_ARRAY_SIZE(probes), &fit);
	cr_assert(fit.two_phases);
	cr_assert_eq(fit.fast_count, 2);
	cr_assert_eq(fit.slow_count, 5);
	cr_assert_float_eq(fit.fast_ns, 71.0, 1e-12);
	cr_assert_float_eq(fit.slow_ns, 452.0, 1e-12);
	cr_assert_float_eq(fit.threshold_ns, sqrt(72.0 * 448.0), 1e-9);
}

Test(phase, groups_closer_than_the_ratio_are_one_phase)
{
	const double close[] = { 100, 100, 100, 149, 149, 149 };
	const double apart[] = { 100, 100, 100, 150, 150, 150 };
	struct phase_fit fit;

	phase_fit(close, 6, &fit);
	phase_test_assert_one_phase(&fit, 6);
	cr_assert_float_eq(fit.fast_ns, 124.5, 1e-12);
	phase_fit(apart, 6, &fit);
	cr_assert(fit.two_phases, "medians 100 and 150 differ by exactly the factor 1.5");
	cr_assert_eq(fit.fast_count, 3);
	cr_assert_eq(fit.slow_count, 3);
}

Test(phase, nan_probes_are_ignored)
{
	double probes[53];
	struct phase_fit with_nan, without;
	const double all_nan[] = { NAN, NAN };

	phase_test_bimodal(probes, 50, 3);
	phase_fit(probes, 50, &without);
	probes[50] = NAN;
	probes[51] = NAN;
	probes[52] = NAN;
	phase_fit(probes, 53, &with_nan);
	cr_assert(with_nan.two_phases);
	cr_assert_eq(with_nan.fast_count, without.fast_count);
	cr_assert_eq(with_nan.slow_count, without.slow_count);
	cr_assert_eq(with_nan.threshold_ns, without.threshold_ns);

	phase_fit(all_nan, 2, &with_nan);
	cr_assert_not(with_nan.two_phases);
	cr_assert(isnan(with_nan.threshold_ns));
	cr_assert(isnan(with_nan.fast_ns));
	cr_assert(isnan(with_nan.slow_ns));
	cr_assert_eq(with_nan.fast_count, 0);
	cr_assert_eq(with_nan.slow_count, 0);
	phase_fit(NULL, 0, &with_nan);
	cr_assert_not(with_nan.two_phases);
	cr_assert(isnan(with_nan.fast_ns));
	cr_assert_eq(with_nan.fast_count + with_nan.slow_count, 0);
}

Test(phase, a_rep_across_the_threshold_is_a_shift)
{
	double probes[50];
	struct phase_fit fit;
	bool shift = false;

	phase_test_bimodal(probes, 50, 5);
	phase_fit(probes, 50, &fit);
	cr_assert(fit.two_phases);
	/* The threshold lies between 77 and 405, so 70 and 450 straddle it; the
	 * geometric mean of the two (177.5) may fall either side. */
	enum phase phase = phase_of_rep(&fit, 70.0, 450.0, &shift);
	cr_assert(shift);
	cr_assert_eq(phase, sqrt(70.0 * 450.0) > fit.threshold_ns ? PHASE_SLOW : PHASE_FAST);
	/* Geometric means 264.6 and 141.4: clear of the threshold's range
	 * sqrt(63 * 405) = 160 .. sqrt(77 * 495) = 195. */
	cr_assert_eq(phase_of_rep(&fit, 70.0, 1000.0, &shift), PHASE_SLOW);
	cr_assert(shift);
	cr_assert_eq(phase_of_rep(&fit, 400.0, 50.0, &shift), PHASE_FAST);
	cr_assert(shift);

	cr_assert_eq(phase_of_rep(&fit, 70.0, 72.0, &shift), PHASE_FAST);
	cr_assert_not(shift);
	cr_assert_eq(phase_of_rep(&fit, 450.0, 460.0, &shift), PHASE_SLOW);
	cr_assert_not(shift);
	cr_assert_eq(phase_of_rep(&fit, 450.0, 460.0, NULL), PHASE_SLOW, "shift may be NULL");
}

Test(phase, a_nan_probe_leaves_the_other_to_decide)
{
	double probes[50];
	struct phase_fit fit, one;
	const double flat[] = { 70, 71, 69, 70 };
	bool shift = true;

	phase_test_bimodal(probes, 50, 9);
	phase_fit(probes, 50, &fit);
	cr_assert_eq(phase_of_rep(&fit, NAN, 450.0, &shift), PHASE_SLOW);
	cr_assert_not(shift);
	shift = true;
	cr_assert_eq(phase_of_rep(&fit, 70.0, NAN, &shift), PHASE_FAST);
	cr_assert_not(shift);
	shift = true;
	cr_assert_eq(phase_of_rep(&fit, NAN, NAN, &shift), PHASE_ONE);
	cr_assert_not(shift);

	phase_fit(flat, 4, &one);
	shift = true;
	cr_assert_eq(phase_of_rep(&one, 70.0, 450.0, &shift), PHASE_ONE,
		     "one phase fitted: every rep is in it");
	cr_assert_not(shift);
}

Test(phase, names_round_trip)
{
	const enum phase phases[] = { PHASE_ONE, PHASE_FAST, PHASE_SLOW };

	cr_assert_str_eq(phase_name(PHASE_ONE), "one");
	cr_assert_str_eq(phase_name(PHASE_FAST), "fast");
	cr_assert_str_eq(phase_name(PHASE_SLOW), "slow");
	for (size_t i = 0; i < PHASE_TEST_ARRAY_SIZE(phases); i++)
		cr_assert_eq(phase_parse(phase_name(phases[i])), (int)phases[i]);
	cr_assert_eq(phase_parse("medium"), -1);
	cr_assert_eq(phase_parse("Fast"), -1);
	cr_assert_eq(phase_parse(""), -1);
	cr_assert_eq(phase_parse(NULL), -1);
	cr_assert_null(phase_name((enum phase)3));
}
