/* harness/ranking: locks are ordered only where their intervals do not overlap,
 * and the run's noise is read within phases. */
#include <criterion/criterion.h>
#include <math.h>

#include "harness/ranking.h"

Test(ranking, overlapping_intervals_share_a_rank)
{
	/* Sorted best first: A and B overlap, C overlaps B but not A (the group's
	 * leader), D has no interval. */
	double low[] = { 9.0, 8.5, 7.0, NAN, 2.0 }, high[] = { 10.0, 9.5, 8.8, NAN, 3.0 };
	unsigned rank[5];

	ranking_ties(low, high, 5, rank);
	cr_expect_eq(rank[0], 1);
	cr_expect_eq(rank[1], 1, "B's interval overlaps A's: a tie");
	cr_expect_eq(rank[2], 3, "C overlaps B but not A: ranked after them");
	cr_expect_eq(rank[3], 4, "no interval, no tie");
	cr_expect_eq(rank[4], 5);
}

Test(ranking, noise_is_read_from_throughput_rows_with_two_reps_or_more)
{
	struct cell cell = { 0 };
	struct summary_row rows[] = {
		{ .cell = &cell, .metric = METRIC_throughput_ops_s, .n = 6, .cv = 0.01 },
		{ .cell = &cell, .metric = METRIC_throughput_ops_s, .n = 6, .cv = 0.03 },
		{ .cell = &cell, .metric = METRIC_throughput_ops_s, .n = 6, .cv = 0.20 },
		{ .cell = &cell, .metric = METRIC_throughput_ops_s, .n = 1, .cv = 0.0 },
		{ .cell = &cell, .metric = METRIC_jain, .n = 6, .cv = 0.5 },
	};
	double median_cv, share;

	cr_assert_eq(ranking_noise(rows, 5, &median_cv, &share), 3);
	cr_expect_float_eq(median_cv, 0.03, 1e-12);
	cr_expect_float_eq(share, 2.0 / 3.0, 1e-12);
}
