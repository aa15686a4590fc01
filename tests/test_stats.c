/*
 * harness/stats: summary statistics against hand-computed values, the
 * bootstrap interval's contract, and fairness.
 */
#include "harness/stats.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <math.h>
#include <string.h>

#define STATS_TEST_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

Test(stats, mean_of_known_values)
{
	const double values[] = { 1, 2, 3, 4 };

	cr_assert_float_eq(stats_mean(values, 4), 2.5, 1e-12);
	cr_assert_float_eq(stats_mean(values, 1), 1.0, 1e-12);
	cr_assert(isnan(stats_mean(values, 0)), "no data is not a zero");
}

Test(stats, median_of_odd_and_even_counts)
{
	const double odd[] = { 9, 1, 5 };
	const double even[] = { 4, 1, 3, 2 };
	const double single[] = { -7.5 };
	const double even_copy[] = { 4, 1, 3, 2 };

	cr_assert_float_eq(stats_median(odd, 3), 5.0, 1e-12);
	cr_assert_float_eq(stats_median(even, 4), 2.5, 1e-12);
	cr_assert_float_eq(stats_median(single, 1), -7.5, 1e-12);
	cr_assert_eq(memcmp(even, even_copy, sizeof even), 0, "input left unsorted");
	cr_assert(isnan(stats_median(odd, 0)));
}

Test(stats, median_of_many_values_uses_the_heap_copy)
{
	double values[101];

	/* A permutation of 0..100 so the middle value is 50. */
	for (int i = 0; i < 101; i++)
		values[i] = (double)((i * 37) % 101);
	cr_assert_float_eq(stats_median(values, 101), 50.0, 1e-12);
	/* The first 100 lack values[100] = 64, so the middle pair is 49 and 50. */
	cr_assert_float_eq(stats_median(values, 100), 49.5, 1e-12);
	cr_assert_eq(values[1], 37.0, "input left unsorted");
}

Test(stats, median_with_nan_is_nan)
{
	const double values[] = { 1, NAN, 3 };

	cr_assert(isnan(stats_median(values, 3)));
}

Test(stats, stddev_is_the_sample_one)
{
	/* Mean 5, squared deviations sum to 32, 32 / 7 = 4.571428..., sqrt = 2.138090. */
	const double values[] = { 2, 4, 4, 4, 5, 5, 7, 9 };

	cr_assert_float_eq(stats_stddev(values, 8), sqrt(32.0 / 7.0), 1e-12);
	cr_assert_float_eq(stats_stddev(values, 8), 2.1380899, 1e-6);
	cr_assert_eq(stats_stddev(values, 1), 0.0);
	cr_assert(isnan(stats_stddev(values, 0)));
}

Test(stats, stddev_survives_large_close_values)
{
	/* Spread 1 on top of 1e9: a one-pass sum of squares loses it. */
	const double values[] = { 1e9 + 1, 1e9 + 2, 1e9 + 3 };

	cr_assert_float_eq(stats_stddev(values, 3), 1.0, 1e-6);
}

Test(stats, coefficient_of_variation)
{
	const double values[] = { 2, 4, 4, 4, 5, 5, 7, 9 };
	const double zeros[] = { 0, 0, 0 };
	const double around_zero[] = { -1, 1 };
	const double negative[] = { -2, -4, -4, -4, -5, -5, -7, -9 };

	cr_assert_float_eq(stats_cv(values, 8), sqrt(32.0 / 7.0) / 5.0, 1e-12);
	cr_assert_float_eq(stats_cv(negative, 8), sqrt(32.0 / 7.0) / 5.0, 1e-12,
			   "relative to |mean|, so never negative");
	cr_assert_eq(stats_cv(values, 1), 0.0, "n < 2 shows no spread");
	cr_assert_eq(stats_cv(values, 0), 0.0);
	cr_assert_eq(stats_cv(zeros, 3), 0.0, "all zero: no spread at all");
	cr_assert(isinf(stats_cv(around_zero, 2)) && stats_cv(around_zero, 2) > 0,
		  "spread around a zero mean is unbounded");
}

Test(stats, jain_fairness_index)
{
	const double equal[] = { 1, 1, 1, 1 };
	const double one_takes_all[] = { 1, 0, 0, 0 };
	const double mixed[] = { 1, 2, 3, 4 }; /* 10^2 / (4 * 30) = 5/6 */
	const double zeros[] = { 0, 0, 0 };
	const double negative[] = { 1, -1 };

	cr_assert_float_eq(stats_jain(equal, 4), 1.0, 1e-12);
	cr_assert_float_eq(stats_jain(one_takes_all, 4), 0.25, 1e-12);
	cr_assert_float_eq(stats_jain(mixed, 4), 5.0 / 6.0, 1e-12);
	cr_assert_float_eq(stats_jain(zeros, 3), 1.0, 1e-12, "nobody got anything: equal");
	cr_assert(isnan(stats_jain(negative, 2)));
	cr_assert(isnan(stats_jain(equal, 0)));
}

Test(stats, share_extremes)
{
	const double mixed[] = { 1, 2, 3, 4 };
	const double starved[] = { 5, 0, 5 };
	const double zeros[] = { 0, 0, 0, 0 };

	cr_assert_float_eq(stats_min_share(mixed, 4), 0.1, 1e-12);
	cr_assert_float_eq(stats_max_share(mixed, 4), 0.4, 1e-12);
	cr_assert_eq(stats_min_share(starved, 3), 0.0);
	cr_assert_float_eq(stats_max_share(starved, 3), 0.5, 1e-12);
	cr_assert_float_eq(stats_min_share(zeros, 4), 0.25, 1e-12);
	cr_assert_float_eq(stats_max_share(zeros, 4), 0.25, 1e-12);
	cr_assert(isnan(stats_min_share(mixed, 0)));
}

static const double stats_test_reps[] = {
	101.2, 99.8, 100.4, 103.9, 98.7, 100.1, 150.0, 99.5, 100.9, 101.7,
	97.9,  100.0, 102.3, 99.1, 100.6, 95.2, 100.3, 101.1, 99.9, 104.4,
};

Test(stats, bootstrap_interval_contains_the_median)
{
	size_t n = STATS_TEST_ARRAY_SIZE(stats_test_reps);
	double median = stats_median(stats_test_reps, n), low = NAN, high = NAN;

	cr_assert_eq(stats_bootstrap_median_ci(stats_test_reps, n, 0.95, 2000, 1, &low, &high), 0);
	cr_assert_leq(low, median);
	cr_assert_geq(high, median);
	cr_assert_lt(low, high, "varied data gives an interval of some width");
	/* Medians of resamples cannot leave the data's range, and the 150.0
	 * outlier must not drag the interval of the median far. */
	cr_assert_geq(low, 95.2);
	cr_assert_leq(high, 102.0);
}

Test(stats, bootstrap_interval_contains_the_median_even_when_starved)
{
	/* One resample is one random median, usually not the sample's: only the
	 * documented widening keeps the contract then. */
	const double values[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	int widened = 0;

	for (uint64_t seed = 1; seed <= 20; seed++) {
		double low, high;

		cr_assert_eq(stats_bootstrap_median_ci(values, 9, 0.95, 1, seed, &low, &high), 0);
		cr_assert_leq(low, 5.0, "seed %llu", (unsigned long long)seed);
		cr_assert_geq(high, 5.0, "seed %llu", (unsigned long long)seed);
		widened += low < high;
	}
	cr_assert_gt(widened, 0, "some single resample missed the median");
}

Test(stats, bootstrap_is_deterministic_for_a_seed)
{
	size_t n = STATS_TEST_ARRAY_SIZE(stats_test_reps);
	double low1, high1, low2, high2, low90, high90, low99, high99;

	cr_assert_eq(stats_bootstrap_median_ci(stats_test_reps, n, 0.95, 2000, 12345, &low1, &high1), 0);
	cr_assert_eq(stats_bootstrap_median_ci(stats_test_reps, n, 0.95, 2000, 12345, &low2, &high2), 0);
	cr_assert_eq(low1, low2);
	cr_assert_eq(high1, high2);
	/* Same seed, same draws: a higher confidence reads further into the same
	 * tails, so its interval contains the lower one's. */
	cr_assert_eq(stats_bootstrap_median_ci(stats_test_reps, n, 0.90, 2000, 12345, &low90, &high90), 0);
	cr_assert_eq(stats_bootstrap_median_ci(stats_test_reps, n, 0.99, 2000, 12345, &low99, &high99), 0);
	cr_assert_leq(low99, low90);
	cr_assert_geq(high99, high90);
}

Test(stats, bootstrap_of_constant_data_is_a_point)
{
	const double same[] = { 42.5, 42.5, 42.5, 42.5, 42.5 };
	double low, high;

	cr_assert_eq(stats_bootstrap_median_ci(same, 5, 0.95, 500, 9, &low, &high), 0);
	cr_assert_eq(low, 42.5);
	cr_assert_eq(high, 42.5);
	cr_assert_eq(stats_bootstrap_median_ci(same, 1, 0.95, 500, 9, &low, &high), 0);
	cr_assert_eq(low, 42.5, "one rep: the interval is the rep");
	cr_assert_eq(high, 42.5);
}

Test(stats, bootstrap_of_two_values_spans_both)
{
	/* Resample medians are 0, 5 or 10 with probability 1/4, 1/2, 1/4, so the
	 * 2.5 % and 97.5 % points sit deep inside the outer groups. */
	const double two[] = { 0, 10 };
	double low, high;

	cr_assert_eq(stats_bootstrap_median_ci(two, 2, 0.95, 2000, 5, &low, &high), 0);
	cr_assert_eq(low, 0.0);
	cr_assert_eq(high, 10.0);
}

Test(stats, bootstrap_rejects_bad_arguments)
{
	const double values[] = { 1, 2, 3 };
	const double with_nan[] = { 1, NAN, 3 };
	double low = -1, high = -1;

	errno = 0;
	cr_assert_eq(stats_bootstrap_median_ci(values, 0, 0.95, 100, 1, &low, &high), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(stats_bootstrap_median_ci(values, 3, 1.0, 100, 1, &low, &high), -1);
	cr_assert_eq(stats_bootstrap_median_ci(values, 3, 0.0, 100, 1, &low, &high), -1);
	cr_assert_eq(stats_bootstrap_median_ci(values, 3, NAN, 100, 1, &low, &high), -1);
	cr_assert_eq(stats_bootstrap_median_ci(values, 3, 0.95, 0, 1, &low, &high), -1);
	cr_assert_eq(stats_bootstrap_median_ci(with_nan, 3, 0.95, 100, 1, &low, &high), -1);
	cr_assert_eq(stats_bootstrap_median_ci(values, 3, 0.95, 100, 1, NULL, &high), -1);
	cr_assert_eq(low, -1, "outputs untouched on error");
	cr_assert_eq(high, -1);
}
