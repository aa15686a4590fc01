/*
 * common/histogram: bucket geometry, percentiles against distributions whose
 * answer is known, merge, saturation and export.
 */
#include "common/histogram.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Bucket width relative to the bucket's lowest value, the precision promise. */
#define HIST_TEST_PRECISION (1.0 / 128.0)

static uint64_t hist_test_random(uint64_t *state)
{
	uint64_t z = (*state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static int hist_test_compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The true value hist_percentile approximates: the rank-th smallest. */
static uint64_t hist_test_exact_percentile(const uint64_t *sorted, size_t n, double p)
{
	uint64_t rank = (uint64_t)ceil(p * (double)n / 100.0);

	return rank == 0 ? sorted[0] : sorted[rank - 1];
}

static void hist_test_assert_close(uint64_t got, uint64_t exact, const char *what)
{
	cr_assert_geq(got, exact, "%s: %llu below the true %llu", what,
		      (unsigned long long)got, (unsigned long long)exact);
	cr_assert_leq((double)got, (double)exact * (1.0 + HIST_TEST_PRECISION),
		      "%s: %llu more than one bucket above %llu", what,
		      (unsigned long long)got, (unsigned long long)exact);
}

static int hist_test_count_calls(uint64_t low, uint64_t high, uint64_t count, void *arg)
{
	(void)low;
	(void)high;
	(void)count;
	++*(int *)arg;
	return 0;
}

Test(histogram, empty_histogram_reports_zeros)
{
	struct hist h;
	int calls = 0;

	hist_init(&h);
	cr_assert_eq(hist_count(&h), 0);
	cr_assert_eq(hist_min(&h), 0);
	cr_assert_eq(hist_max(&h), 0);
	cr_assert_eq(hist_mean(&h), 0.0);
	cr_assert_eq(hist_percentile(&h, 0), 0);
	cr_assert_eq(hist_percentile(&h, 50), 0);
	cr_assert_eq(hist_percentile(&h, 100), 0);
	cr_assert_eq(hist_foreach(&h, hist_test_count_calls, &calls), 0);
	cr_assert_eq(calls, 0, "an empty histogram has no rows");
	hist_record(&h, 0);
	cr_assert_eq(hist_count(&h), 1, "0 ns is a value like any other");
	cr_assert_eq(hist_percentile(&h, 50), 0);
}

Test(histogram, struct_size_is_as_documented)
{
	cr_assert_eq(HIST_BUCKETS, 4352);
	cr_assert_eq(sizeof(struct hist), 34856);
	cr_assert_leq(sizeof(struct hist), 64 * 1024, "a few tens of KiB at most");
}

Test(histogram, buckets_tile_the_range_without_gaps)
{
	cr_assert_eq(hist_bucket_low(0), 0);
	for (unsigned i = 0; i + 1 < HIST_BUCKETS; i++) {
		cr_assert_eq(hist_bucket_high(i) + 1, hist_bucket_low(i + 1), "gap after bucket %u", i);
		cr_assert_eq(hist_bucket_index(hist_bucket_low(i)), i);
		cr_assert_eq(hist_bucket_index(hist_bucket_high(i)), i);
	}
	cr_assert_eq(hist_bucket_high(HIST_BUCKETS - 1), HIST_MAX_TRACKABLE);
	cr_assert_eq(hist_bucket_index(HIST_MAX_TRACKABLE), HIST_BUCKETS - 1);
	cr_assert_eq(hist_bucket_index(UINT64_MAX), HIST_BUCKETS - 1);
	cr_assert_geq(HIST_MAX_TRACKABLE, UINT64_C(100000000000), "at least 100 s");
}

Test(histogram, buckets_are_exact_below_256_and_within_one_percent_above)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		uint64_t low = hist_bucket_low(i), high = hist_bucket_high(i);

		if (low < 256)
			cr_assert_eq(low, high, "values below 256 ns are exact");
		else
			cr_assert_leq((double)(high - low + 1) / (double)low, HIST_TEST_PRECISION,
				      "bucket %u [%llu, %llu] wider than 1/128", i,
				      (unsigned long long)low, (unsigned long long)high);
	}
}

Test(histogram, small_values_are_recorded_exactly)
{
	struct hist h;

	hist_init(&h);
	for (uint64_t v = 1; v <= 200; v++)
		hist_record(&h, v);
	cr_assert_eq(hist_percentile(&h, 50), 100);
	cr_assert_eq(hist_percentile(&h, 25), 50);
	cr_assert_eq(hist_percentile(&h, 0.5), 1);
	cr_assert_eq(hist_percentile(&h, 99.5), 199);
}

Test(histogram, uniform_1_to_100000)
{
	struct hist h;

	hist_init(&h);
	for (uint64_t v = 1; v <= 100000; v++)
		hist_record(&h, v);
	cr_assert_eq(hist_count(&h), 100000);
	cr_assert_eq(hist_min(&h), 1);
	cr_assert_eq(hist_max(&h), 100000);
	cr_assert_float_eq(hist_mean(&h), 50000.5, 1e-9);
	cr_assert_float_eq((double)hist_percentile(&h, 50), 50000.0, 500.0);
	hist_test_assert_close(hist_percentile(&h, 50), 50000, "p50");
	hist_test_assert_close(hist_percentile(&h, 90), 90000, "p90");
	hist_test_assert_close(hist_percentile(&h, 99), 99000, "p99");
	hist_test_assert_close(hist_percentile(&h, 99.9), 99900, "p99.9");
	cr_assert_eq(hist_percentile(&h, 0), 1, "p0 is the exact min");
	cr_assert_eq(hist_percentile(&h, 100), 100000, "p100 is the exact max");
	cr_assert_eq(hist_percentile(&h, 250), 100000, "p above 100 clamps");
	cr_assert_eq(hist_percentile(&h, -3), 1, "p below 0 clamps");
}

Test(histogram, two_point_distribution)
{
	struct hist h;

	hist_init(&h);
	for (int i = 0; i < 900; i++)
		hist_record(&h, 1000);
	for (int i = 0; i < 100; i++)
		hist_record(&h, 1000000);
	hist_test_assert_close(hist_percentile(&h, 50), 1000, "p50");
	hist_test_assert_close(hist_percentile(&h, 90), 1000, "p90 is rank 900, still the low point");
	cr_assert_eq(hist_percentile(&h, 90.1), 1000000, "rank 901 is the high point, clamped to max");
	cr_assert_eq(hist_percentile(&h, 99), 1000000);
	cr_assert_float_eq(hist_mean(&h), 0.9 * 1000 + 0.1 * 1000000, 1e-6);
}

Test(histogram, exponential_distribution)
{
	const double mean = 10000.0;
	const size_t n = 1000000;
	uint64_t state = 42, sum = 0;
	struct hist h;

	hist_init(&h);
	for (size_t i = 0; i < n; i++) {
		double unit = ((double)(hist_test_random(&state) >> 11) + 0.5) * 0x1p-53;
		uint64_t v = (uint64_t)llround(-mean * log(unit));

		sum += v;
		hist_record(&h, v);
	}
	cr_assert_float_eq(hist_mean(&h), (double)sum / (double)n, 1e-6, "mean is exact");
	/* Sampling error of these quantiles at n = 1e6 is ~0.3 %; a bucket adds
	 * under 0.8 %. */
	cr_assert_float_eq((double)hist_percentile(&h, 50), mean * log(2.0), mean * log(2.0) * 0.02);
	cr_assert_float_eq((double)hist_percentile(&h, 99), mean * log(100.0), mean * log(100.0) * 0.03);
}

Test(histogram, values_from_1ns_to_10s)
{
	struct hist h;
	uint64_t v = 1;

	hist_init(&h);
	for (int k = 0; k <= 10; k++, v *= 10)
		hist_record(&h, v);
	cr_assert_eq(hist_min(&h), 1);
	cr_assert_eq(hist_max(&h), UINT64_C(10000000000));
	v = 1;
	for (int k = 1; k <= 11; k++, v *= 10) {
		/* Rank k of 11 is 10^(k-1). */
		double p = 100.0 * k / 11.0;

		hist_test_assert_close(hist_percentile(&h, p), v, "decade");
	}
}

Test(histogram, percentiles_of_random_data_match_sorted_ranks)
{
	enum { n = 20000 };
	static uint64_t values[n];
	const double ps[] = { 0, 1, 10, 25, 50, 75, 90, 99, 99.9, 99.99, 100 };
	uint64_t state = 7;
	struct hist h;

	hist_init(&h);
	for (size_t i = 0; i < n; i++) {
		/* Log-uniform over 1 ns .. 2^36 ns, so every octave is exercised. */
		unsigned bits = (unsigned)(hist_test_random(&state) % 36);

		values[i] = 1 + (hist_test_random(&state) >> (64 - bits - 1));
		hist_record(&h, values[i]);
	}
	qsort(values, n, sizeof values[0], hist_test_compare_u64);
	for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++)
		hist_test_assert_close(hist_percentile(&h, ps[i]),
				       hist_test_exact_percentile(values, n, ps[i]), "random");
	cr_assert_eq(hist_percentile(&h, 0), values[0]);
	cr_assert_eq(hist_percentile(&h, 100), values[n - 1]);
}

Test(histogram, merge_equals_recording_everything_into_one)
{
	struct hist a, b, all, empty;
	uint64_t state = 3;

	hist_init(&a);
	hist_init(&b);
	hist_init(&all);
	hist_init(&empty);
	for (int i = 0; i < 50000; i++) {
		uint64_t v = hist_test_random(&state) % 5000000;

		hist_record(i % 3 == 0 ? &a : &b, v);
		hist_record(&all, v);
	}
	hist_record(&b, 7);
	hist_record(&all, 7);
	hist_merge(&a, &b);
	cr_assert_eq(memcmp(&a, &all, sizeof a), 0, "merged histogram differs from the direct one");
	cr_assert_eq(hist_min(&a), 7);

	hist_merge(&empty, &all);
	cr_assert_eq(memcmp(&empty, &all, sizeof all), 0, "merge into an empty one is a copy");
	hist_init(&b);
	hist_merge(&all, &b);
	cr_assert_eq(memcmp(&a, &all, sizeof a), 0, "merging an empty one changes nothing");
}

Test(histogram, values_beyond_range_saturate_but_keep_exact_extremes)
{
	const uint64_t huge = UINT64_C(2000000000000); /* 2000 s */
	struct hist h;

	hist_init(&h);
	hist_record(&h, 5);
	hist_record(&h, huge);
	cr_assert_eq(h.saturated, 1);
	cr_assert_eq(h.counts[HIST_BUCKETS - 1], 1);
	cr_assert_eq(hist_max(&h), huge);
	cr_assert_eq(hist_percentile(&h, 100), huge);
	cr_assert_eq(hist_percentile(&h, 51), huge, "the saturated bucket reports the observed max");
	cr_assert_float_eq(hist_mean(&h), (5.0 + (double)huge) / 2.0, 1.0);
}

struct hist_test_rows {
	uint64_t last_high;
	uint64_t total;
	unsigned rows;
	unsigned stop_after;
};

static int hist_test_collect(uint64_t low, uint64_t high, uint64_t count, void *arg)
{
	struct hist_test_rows *rows = arg;

	cr_assert_leq(low, high);
	if (rows->rows > 0)
		cr_assert_gt(low, rows->last_high, "rows come in increasing order");
	cr_assert_gt(count, 0, "empty buckets are skipped");
	rows->last_high = high;
	rows->total += count;
	rows->rows++;
	return rows->rows == rows->stop_after ? 99 : 0;
}

Test(histogram, foreach_visits_non_empty_buckets_in_order)
{
	struct hist_test_rows rows = { 0 };
	struct hist h;

	hist_init(&h);
	hist_record(&h, 3);
	hist_record(&h, 3);
	hist_record(&h, 1000);
	hist_record(&h, 1001); /* same 4-ns-wide bucket as 1000 */
	hist_record(&h, 123456789);
	cr_assert_eq(hist_foreach(&h, hist_test_collect, &rows), 0);
	cr_assert_eq(rows.rows, 3);
	cr_assert_eq(rows.total, hist_count(&h));
	cr_assert_eq(rows.last_high, hist_bucket_high(hist_bucket_index(123456789)));

	rows = (struct hist_test_rows){ .stop_after = 2 };
	cr_assert_eq(hist_foreach(&h, hist_test_collect, &rows), 99, "fn's error is passed up");
	cr_assert_eq(rows.rows, 2, "and the walk stops there");
}
