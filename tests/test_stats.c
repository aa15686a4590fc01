/*
 * common/stats: summary statistics against hand-computed values, the
 * median confidence interval from order statistics and its achieved level,
 * fairness, and the Benjamini-Hochberg adjustment.
 */
#include "common/stats.h"

#include "common/random.h"

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

/* The achieved level of [x_(j), x_(n+1-j)], computed here independently of
 * stats.c: 1 - 2 * sum_{i < j} C(n, i) / 2^n, C(n, i) by the textbook
 * product, in double (exact for the small n used with it). */
static double stats_test_order_level(size_t n, size_t j)
{
	double below = 0.0;

	for (size_t i = 0; i < j; i++) {
		double choose = 1.0;

		for (size_t k = 1; k <= i; k++)
			choose = choose * (double)(n - i + k) / (double)k;
		below += ldexp(choose, -(int)n);
	}
	return 1.0 - 2.0 * below;
}

/* 1..n in a scrambled order (a multiplier coprime with every n used here
 * walks them all): sorted position and value coincide, so x_(j) = j. */
static void stats_test_scrambled(double *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		values[i] = (double)((i * 7919) % n + 1);
}

Test(stats, median_ci_levels_follow_the_binomial)
{
	const size_t sizes[] = { 3, 5, 6, 10, 20 };
	const double confidences[] = { 0.5, 0.8, 0.9, 0.95, 0.99 };
	double values[20];

	for (size_t s = 0; s < STATS_TEST_ARRAY_SIZE(sizes); s++) {
		size_t n = sizes[s];

		stats_test_scrambled(values, n);
		for (size_t c = 0; c < STATS_TEST_ARRAY_SIZE(confidences); c++) {
			double confidence = confidences[c], low, high, level;
			size_t want = 1;

			for (size_t j = 2; j <= (n + 1) / 2; j++)
				if (stats_test_order_level(n, j) >= confidence)
					want = j;
			cr_assert_eq(stats_median_ci(values, n, confidence, &low, &high, &level), 0);
			cr_assert_float_eq(level, stats_test_order_level(n, want), 1e-12,
					   "n %zu at %g: level %.12f", n, confidence, level);
			cr_assert_eq(low, (double)want, "n %zu at %g: low %g, want x_(%zu)", n,
				     confidence, low, want);
			cr_assert_eq(high, (double)(n + 1 - want), "n %zu at %g: high %g", n,
				     confidence, high);
		}
	}
}

Test(stats, median_ci_known_levels)
{
	const double three[] = { 30, 10, 20 };
	const double five[] = { 5, 1, 4, 2, 3 };
	const double ten[] = { 10, 3, 7, 1, 9, 2, 8, 4, 6, 5 };
	double twenty[20], low, high, level;

	cr_assert_eq(stats_median_ci(three, 3, 0.95, &low, &high, &level), 0);
	cr_assert_eq(level, 0.75, "3 values reach only 0.75: min..max");
	cr_assert_eq(low, 10.0);
	cr_assert_eq(high, 30.0);
	cr_assert_eq(stats_median_ci(five, 5, 0.95, &low, &high, &level), 0);
	cr_assert_float_eq(level, 0.9375, 1e-15);
	cr_assert_eq(low, 1.0);
	cr_assert_eq(high, 5.0);
	cr_assert_eq(stats_median_ci(ten, 10, 0.95, &low, &high, &level), 0);
	cr_assert_float_eq(level, 0.978515625, 1e-15);
	cr_assert_eq(low, 2.0);
	cr_assert_eq(high, 9.0);
	/* 20 values: P(B <= 5) = 21700 / 2^20, so [x_(6), x_(15)] at 0.9586. */
	stats_test_scrambled(twenty, 20);
	cr_assert_eq(stats_median_ci(twenty, 20, 0.95, &low, &high, &level), 0);
	cr_assert_float_eq(level, 1.0 - 2.0 * 21700.0 / 1048576.0, 1e-15);
	cr_assert_eq(low, 6.0);
	cr_assert_eq(high, 15.0);
}

/* Uniform in (0, 1) from the harness's generator. */
static double stats_test_uniform(uint64_t *state)
{
	return ((double)(random_next(state) >> 11) + 0.5) * 0x1.0p-53;
}

/*
 * What a user relies on: the interval holds the true median as often as ci_level
 * says. Many seeded samples from distributions with known medians (exponential:
 * ln 2; lognormal: 1; uniform: 0.5) at the rep counts the harness uses; the
 * observed coverage must sit within 0.015 of the claimed level (4,000 trials: a
 * standard error under 0.005, and an interval one order statistic too narrow or
 * too wide misses by 0.05 or more at these n).
 */
Test(stats, median_ci_covers_the_true_median_as_often_as_it_claims)
{
	const size_t counts[] = { 5, 6, 10, 20 };
	const char *names[] = { "exponential", "lognormal", "uniform" };
	const double medians[] = { M_LN2, 1.0, 0.5 };
	uint64_t state = 20261203;

	for (size_t d = 0; d < 3; d++)
		for (size_t c = 0; c < STATS_TEST_ARRAY_SIZE(counts); c++) {
			const size_t n = counts[c], trials = 4000;
			double sample[20], low, high, level = NAN;
			size_t covered = 0;

			for (size_t t = 0; t < trials; t++) {
				for (size_t i = 0; i < n; i++) {
					double u = stats_test_uniform(&state);
					double v = stats_test_uniform(&state);
					double normal = sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v);
					sample[i] = d == 0 ? -log(u) : d == 1 ? exp(normal) : u;
				}
				cr_assert_eq(stats_median_ci(sample, n, 0.95, &low, &high, &level), 0);
				covered += low <= medians[d] && medians[d] <= high;
			}
			double coverage = (double)covered / (double)trials;
			cr_expect(fabs(coverage - level) < 0.015,
				  "%s, n = %zu: covered %.4f of the time, claims %.4f", names[d], n,
				  coverage, level);
		}
}

/* One wild rep among 20 does not reach the interval: at 0.95 it is
 * [x_(6), x_(15)], far inside the 150.0 outlier. */
Test(stats, median_ci_ignores_an_outlier)
{
	double low, high, level;

	cr_assert_eq(stats_median_ci(stats_test_reps, STATS_TEST_ARRAY_SIZE(stats_test_reps), 0.95,
				     &low, &high, &level), 0);
	cr_expect_eq(low, 99.8, "x_(6) of the sorted reps");
	cr_expect_eq(high, 101.2, "x_(15)");
}

Test(stats, median_ci_of_one_value_is_the_value)
{
	const double one[] = { 42.5 };
	double low, high, level;

	cr_assert_eq(stats_median_ci(one, 1, 0.95, &low, &high, &level), 0);
	cr_assert_eq(low, 42.5);
	cr_assert_eq(high, 42.5);
	cr_assert_eq(level, 0.0, "one value says nothing about where the median is");
}

/* What summary.csv writes for a cell: under 2 values no CV and no interval (a
 * single rep used to show CV 0 and its value as a certain interval). */
Test(stats, describe_gives_spread_only_from_two_values)
{
	const double one[] = { 42.5 }, three[] = { 30, 10, 20 }, with_nan[] = { 1, NAN };
	struct stats_spread s;

	cr_assert_eq(stats_describe(one, 1, 0.95, &s), 0);
	cr_expect_eq(s.median, 42.5);
	cr_expect(isnan(s.cv) && isnan(s.ci_low) && isnan(s.ci_high) && isnan(s.ci_level));
	cr_assert_eq(stats_describe(three, 3, 0.95, &s), 0);
	cr_expect_eq(s.median, 20.0);
	cr_expect_float_eq(s.cv, 0.5, 1e-12);
	cr_expect_eq(s.ci_low, 10.0);
	cr_expect_eq(s.ci_high, 30.0);
	cr_expect_eq(s.ci_level, 0.75);
	cr_expect_eq(stats_describe(with_nan, 2, 0.95, &s), -1);
	cr_expect(isnan(s.median) && isnan(s.cv));
	cr_expect_eq(stats_describe(one, 0, 0.95, &s), -1);
}

Test(stats, median_ci_of_many_values)
{
	static double values[1000];
	double low, high, level, pmf = ldexp(1.0, -1000), below = 0.0, want;
	size_t j = 0;

	stats_test_scrambled(values, 1000);
	cr_assert_eq(stats_median_ci(values, 1000, 0.95, &low, &high, &level), 0);
	/* Independently: walk the binomial(1000, 1/2) pmf up from 2^-1000 (a
	 * normal double) until 1 - 2 P(B <= j) would drop below 0.95. */
	while (1.0 - 2.0 * (below + pmf) >= 0.95) {
		below += pmf;
		pmf = pmf * (double)(1000 - j) / (double)(j + 1);
		j++;
	}
	want = 1.0 - 2.0 * below;
	cr_assert_float_eq(level, want, 1e-9, "level %.12f, want %.12f", level, want);
	cr_assert_eq(low, (double)j, "low %g, want x_(%zu)", low, j);
	cr_assert_eq(high, (double)(1001 - j));
	cr_assert(j > 460 && j < 480, "j %zu: the normal approximation says about 469", j);
}

Test(stats, median_ci_rejects_bad_arguments)
{
	const double values[] = { 1, 2, 3 };
	const double with_nan[] = { 1, NAN, 3 };
	double low = -1, high = -1, level = -1;

	errno = 0;
	cr_assert_eq(stats_median_ci(values, 0, 0.95, &low, &high, &level), -1);
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_eq(stats_median_ci(with_nan, 3, 0.95, &low, &high, &level), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(stats_median_ci(values, 3, 0.0, &low, &high, &level), -1);
	cr_assert_eq(stats_median_ci(values, 3, 1.0, &low, &high, &level), -1);
	cr_assert_eq(stats_median_ci(values, 3, NAN, &low, &high, &level), -1);
	cr_assert_eq(stats_median_ci(NULL, 3, 0.95, &low, &high, &level), -1);
	cr_assert_eq(stats_median_ci(values, 3, 0.95, NULL, &high, &level), -1);
	cr_assert_eq(stats_median_ci(values, 3, 0.95, &low, NULL, &level), -1);
	errno = 0;
	cr_assert_eq(stats_median_ci(values, 3, 0.95, &low, &high, NULL), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(low, -1, "outputs untouched on error");
	cr_assert_eq(high, -1);
	cr_assert_eq(level, -1);
}

Test(stats, benjamini_hochberg_against_hand_computed_values)
{
	/* Five tests (the NaN is none): ranked 0.005, 0.01, 0.03, 0.04, 0.5 give
	 * 5p/k = 0.025, 0.025, 0.05, 0.05, 0.5, already non-decreasing. */
	const double p[] = { 0.01, 0.04, 0.03, 0.005, NAN, 0.5 };
	const double expected[] = { 0.025, 0.05, 0.05, 0.025, NAN, 0.5 };
	double adjusted[6];

	cr_assert_eq(stats_bh_adjust(p, 6, adjusted), 0);
	for (size_t i = 0; i < 6; i++) {
		if (isnan(expected[i]))
			cr_expect(isnan(adjusted[i]), "entry %zu: a NaN is no test", i);
		else
			cr_expect_float_eq(adjusted[i], expected[i], 1e-12, "entry %zu: %g", i,
					   adjusted[i]);
	}
	/* The step up: 2 * 0.01 / 1 = 0.02 is lowered to the next rank's 0.011, so a
	 * smaller p never gets a larger adjusted value. In place, too. */
	double close[] = { 0.01, 0.011 };
	cr_assert_eq(stats_bh_adjust(close, 2, close), 0);
	cr_expect_float_eq(close[0], 0.011, 1e-12);
	cr_expect_float_eq(close[1], 0.011, 1e-12);
	/* Capped at 1. */
	double large[] = { 0.9, 0.95, 0.99 };
	cr_assert_eq(stats_bh_adjust(large, 3, large), 0);
	cr_expect_float_eq(large[2], 0.99, 1e-12);
	cr_expect(large[0] <= 1.0 && large[1] <= 1.0);
}

Test(stats, permutation_p_exact_values)
{
	const double low[] = { 1, 2, 3 }, high[] = { 4, 5, 6 };
	const double six_low[] = { 3, 1, 6, 2, 5, 4 }, six_high[] = { 12, 7, 9, 8, 11, 10 };
	const double same[] = { 5, 5, 5 };
	const double mixed_a[] = { 1, 4, 5 }, mixed_b[] = { 2, 3, 6 };
	double p;

	cr_assert_eq(stats_permutation_p(low, 3, high, 3, 10000, 1, &p), 0);
	cr_expect_float_eq(p, 2.0 / 20.0, 1e-15, "the split and its mirror of 20");
	cr_assert_eq(stats_permutation_p(six_low, 6, six_high, 6, 10000, 1, &p), 0);
	cr_expect_float_eq(p, 2.0 / 924.0, 1e-15);
	cr_assert_eq(stats_permutation_p(same, 3, same, 3, 10000, 1, &p), 0);
	cr_expect_float_eq(p, 1.0, 1e-15, "all tied: every split is as far");
	/* Rank sums 10 and 11 of expected 10.5: every split is at least 0.5 away. */
	cr_assert_eq(stats_permutation_p(mixed_a, 3, mixed_b, 3, 10000, 1, &p), 0);
	cr_expect_float_eq(p, 1.0, 1e-15);
}

Test(stats, permutation_p_samples_many_splits_reproducibly)
{
	double a[12], b[12], p, again;

	for (int i = 0; i < 12; i++) {
		a[i] = i;
		b[i] = 100 + i;
	}
	/* C(24, 12) = 2,704,156 splits: 999 seeded ones, the observed counted. */
	cr_assert_eq(stats_permutation_p(a, 12, b, 12, 999, 7, &p), 0);
	cr_expect_float_eq(p, 1.0 / 1000.0, 1e-15, "no random split is as far apart");
	cr_assert_eq(stats_permutation_p(a, 12, a, 12, 999, 7, &p), 0);
	cr_assert_eq(stats_permutation_p(a, 12, a, 12, 999, 7, &again), 0);
	cr_expect_eq(p, again, "seeded: the same p");
	cr_expect_gt(p, 0.9, "one sample against itself");
	cr_expect_eq(stats_permutation_p(a, 0, b, 12, 999, 7, &p), -1);
	cr_expect_eq(stats_permutation_p(a, 12, b, 12, 0, 7, &p), -1);
	const double with_nan[] = { 1, NAN };
	cr_expect_eq(stats_permutation_p(with_nan, 2, b, 12, 999, 7, &p), -1);
}

/*
 * What compare relies on: two sides drawn from one distribution are called
 * different at 5 % at most 5 % of the time, with as few reps as make bench keeps
 * (2-6 a side). The percentile bootstrap's p it replaced is the negative control:
 * at the same sizes it calls about twice as many different as it should.
 */
Test(stats, permutation_p_holds_its_level_with_few_reps)
{
	uint64_t state = 42;
	unsigned trials = 0, rejected = 0, bootstrap_rejected = 0;

	for (size_t na = 2; na <= 6; na++)
		for (size_t nb = 2; nb <= 6; nb++)
			for (int t = 0; t < 40; t++) {
				double a[6], b[6], p;
				struct stats_ratio ratio;

				for (size_t i = 0; i < na; i++)
					a[i] = 1.0 + stats_test_uniform(&state);
				for (size_t i = 0; i < nb; i++)
					b[i] = 1.0 + stats_test_uniform(&state);
				cr_assert_eq(stats_permutation_p(a, na, b, nb, 10000, 1, &p), 0);
				cr_assert_eq(stats_ratio_ci(a, na, b, nb, 0.95, 2000, 1, &ratio), 0);
				trials++;
				rejected += p <= 0.05;
				bootstrap_rejected += ratio.p <= 0.05;
			}
	cr_expect_leq(rejected, trials * 5 / 100, "%u of %u", rejected, trials);
	/* 102 of 1000 when written: twice its nominal 5 %. */
	cr_expect_geq(bootstrap_rejected, trials * 75 / 1000, "the bootstrap: %u of %u",
		      bootstrap_rejected, trials);
	cr_log_info("permutation %u, bootstrap %u of %u at 5 %%", rejected, bootstrap_rejected,
		    trials);
}
