/* harness/ranking: locks are ordered only where their intervals do not overlap,
 * and the run's noise is read within phases. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "locks/registry.h"

#include "harness/ranking.h"

Test(ranking, overlapping_intervals_share_a_rank)
{
	/* Sorted best first: A and B overlap, C overlaps B but not A (the group's
	 * leader), D has no interval, E overlaps none. */
	double low[] = { 9.0, 8.5, 7.0, NAN, 2.0 }, high[] = { 10.0, 9.5, 8.8, NAN, 3.0 };
	unsigned rank[5];

	ranking_ties(low, high, 5, rank);
	cr_expect_eq(rank[0], 1);
	cr_expect_eq(rank[1], 1, "B's interval overlaps A's: a tie");
	cr_expect_eq(rank[2], 3, "C overlaps B but not A: ranked after them");
	cr_expect_eq(rank[3], 0, "no interval: not ranked");
	cr_expect_eq(rank[4], 5);
	/* A line without an interval first leads nothing: B still ranks 2nd. */
	double low2[] = { NAN, 8.5, 2.0 }, high2[] = { NAN, 9.5, 3.0 };
	ranking_ties(low2, high2, 3, rank);
	cr_expect_eq(rank[0], 0);
	cr_expect_eq(rank[1], 2);
	cr_expect_eq(rank[2], 3);
}

Test(ranking, noise_is_read_from_throughput_rows_with_two_reps_or_more)
{
	struct cell cell = { 0 }, thin = { 0 }, thinner = { 0 }, collapsed = { 0 };
	struct summary_row rows[] = {
		{ .cell = &cell, .metric = METRIC_throughput_ops_s, .n = 6, .cv = 0.01 },
		{ .cell = &thin, .metric = METRIC_throughput_ops_s, .n = 1, .cv = NAN },
		{ .cell = &cell, .metric = METRIC_throughput_ops_s, .n = 6, .cv = 0.03 },
		{ .cell = &cell, .metric = METRIC_throughput_ops_s, .n = 6, .cv = 0.20 },
		{ .cell = &cell, .metric = METRIC_throughput_ops_s, .n = 1, .cv = NAN },
		{ .cell = &thin, .metric = METRIC_throughput_ops_s, .n = 1, .cv = NAN },
		{ .cell = &thinner, .metric = METRIC_jain, .n = 6, .cv = 0.5 },
		{ .cell = &thinner, .metric = METRIC_throughput_ops_s, .n = 0, .cv = NAN },
		{ .cell = &collapsed, .metric = METRIC_throughput_ops_s, .n = 5, .cv = 0.30,
		  .flags = FLAG_COLLAPSE },
	};
	struct ranking_noise noise;

	ranking_noise(rows, 9, &noise);
	cr_assert_eq(noise.rows, 4);
	cr_expect_float_eq(noise.median_cv, 0.115, 1e-12, "of 0.01, 0.03, 0.20, 0.30");
	cr_expect_float_eq(noise.share_quiet, 2.0 / 4.0, 1e-12);
	cr_expect_eq(noise.rankable_rows, 3, "the collapsed cell apart");
	cr_expect_float_eq(noise.rankable_share_quiet, 2.0 / 3.0, 1e-12);
	cr_expect_eq(noise.cells_without_cv, 2, "thin and thinner: under 2 reps in every phase");
}

/* The ranking of a run that measured only what its user asked for. */
static char *ranking_of(const struct matrix *m, enum metric metric, const double *value,
			const double *ci)
{
	struct summary_row summary[16];
	struct run_row rows[16];
	struct phase_fit fit = { .two_phases = false, .fast_ns = 80 };
	char *text = NULL;
	size_t size = 0;

	cr_assert_leq(m->cell_count, 16);
	memset(rows, 0, sizeof rows);
	for (size_t c = 0; c < m->cell_count; c++) {
		rows[c] = (struct run_row){ .cell = &m->cells[c], .status = CELL_OK,
					    .phase = PHASE_ONE };
		summary[c] = (struct summary_row){ .cell = &m->cells[c],
						   .metric = metric, .phase = PHASE_ONE,
						   .median = value[c], .ci_low = value[c] - ci[c],
						   .ci_high = value[c] + ci[c], .n = 6 };
	}
	FILE *out = open_memstream(&text, &size);
	cr_assert_not_null(out);
	ranking_print(out, m, rows, m->cell_count, summary, m->cell_count, &fit, 2);
	fclose(out);
	return text;
}

Test(ranking, a_custom_run_is_ranked_on_what_it_measured)
{
	/* `--workload oversubscribed --threads 8`: no profile column exists. */
	static const struct matrix_block block = { "oversubscribed", { { 8, false } }, 1,
						   { 50 }, 1, { 200 }, 1, { 0 }, 1, { 0 }, 0 };
	const struct ll_info *locks[] = { ll_find("ck_mcs"), ll_find("ck_ticket"),
					  ll_find("pthread_mutex") };
	struct matrix m;

	cr_assert_eq(matrix_expand(&m, &block, 1, locks, 3, 2), 0);
	cr_assert_eq(m.cell_count, 6, "per lock: the 1-thread reference and 8 threads");
	/* Cells in plan order: lock by lock, t1 then t8. ck_mcs leads at t1 but
	 * collapses at t8; pthread_mutex and ck_ticket tie at t8. */
	double throughput[] = { 9e6, 1e3, 8e6, 3.0e6, 7e6, 3.1e6 };
	double ci[] = { 1e5, 1e2, 1e5, 0.2e6, 1e5, 0.2e6 };
	char *text = ranking_of(&m, METRIC_throughput_ops_s, throughput, ci);

	cr_assert_not_null(strstr(text, "ranked by oversubscribed t8 Mops/s"), "%s", text);
	char *mutex = strstr(text, "=1 pthread_mutex"), *ticket = strstr(text, "=1 ck_ticket");
	char *mcs = strstr(text, " 3 ck_mcs");
	cr_assert(mutex && ticket && mcs, "%s", text);
	cr_expect_lt(mutex, ticket, "higher median first within a tie:\n%s", text);
	cr_expect_lt(ticket, mcs, "%s", text);
	cr_expect_not_null(strstr(mcs, "0.001"), "ck_mcs's 1,000 ops/s in Mops/s:\n%s", text);
	cr_expect_not_null(strstr(text, "oversubscribed t8: cs 50 ns, ncs 200 ns"), "%s", text);
	free(text);
	matrix_free(&m);
}

Test(ranking, uncontended_alone_ranks_by_time_lowest_first)
{
	static const struct matrix_block block = { "uncontended", { { 1, false } }, 1,
						   { 0 }, 1, { 0 }, 1, { 0 }, 1, { 0 }, 0 };
	const struct ll_info *locks[] = { ll_find("ck_ticket"), ll_find("ck_fas") };
	struct matrix m;

	cr_assert_eq(matrix_expand(&m, &block, 1, locks, 2, 2), 0);
	cr_assert_eq(m.cell_count, 2);
	double ns_per_op[] = { 10.5, 2.6 }, ci[] = { 0.2, 0.1 };
	char *text = ranking_of(&m, METRIC_ns_per_op, ns_per_op, ci);
	cr_expect_not_null(strstr(text, "ranked by uncontended t1 ns/op"), "%s", text);
	char *fas = strstr(text, " 1 ck_fas"), *ticket = strstr(text, " 2 ck_ticket");
	cr_assert(fas && ticket, "fewer ns first:\n%s", text);
	cr_expect_lt(fas, ticket, "%s", text);
	cr_expect_null(strstr(text, "jain"), "no fairness column for one thread:\n%s", text);
	free(text);
	matrix_free(&m);
}

/* A lock whose figure rests on one rep has no interval: printed after the locks
 * that can be ordered, with "?" for its place, however high its median. */
Test(ranking, a_figure_of_one_rep_is_not_ranked)
{
	static const struct matrix_block block = { "uncontended", { { 1, false } }, 1,
						   { 0 }, 1, { 0 }, 1, { 0 }, 1, { 0 }, 0 };
	const struct ll_info *locks[] = { ll_find("ck_ticket"), ll_find("ck_fas"),
					  ll_find("ck_mcs") };
	struct matrix m;

	cr_assert_eq(matrix_expand(&m, &block, 1, locks, 3, 2), 0);
	double ns_per_op[] = { 10.5, 1.0, 5.2 }, ci[] = { 0.2, NAN, 0.1 };
	char *text = ranking_of(&m, METRIC_ns_per_op, ns_per_op, ci);
	char *mcs = strstr(text, "    1 ck_mcs"), *ticket = strstr(text, "    2 ck_ticket");
	char *fas = strstr(text, "    ? ck_fas");
	cr_assert(mcs && ticket && fas, "%s", text);
	cr_expect_lt(ticket, fas, "the unranked line after the ranked ones:\n%s", text);
	cr_expect_not_null(strstr(text, "\"?\" one rep"), "%s", text);
	free(text);
	matrix_free(&m);
}

/* A flag on a cell of another placement names that placement, as the columns do:
 * ck_mcs collapsing with both threads on one CPU is not a collapse at t2 of the
 * run's own placement, which the t2 column ranks. */
Test(ranking, a_flag_names_the_placement_of_its_cell)
{
	static const struct matrix_block block = { "contended", { { 2, false } }, 1,
						   { 50 }, 1, { 200 }, 1, { 0 }, 1, { 0 }, 0 };
	const struct ll_info *locks[] = { ll_find("ck_mcs") };
	const char *affinities[] = { "round-robin", "list:0" }, *mems[] = { "default" };
	struct matrix m;
	struct summary_row summary[2];
	struct run_row rows[2];
	struct phase_fit fit = { .two_phases = false, .fast_ns = 80 };
	char *text = NULL;
	size_t size = 0;

	cr_assert_eq(matrix_expand(&m, &block, 1, locks, 1, 2), 0);
	cr_assert_eq(matrix_cross_placements(&m, affinities, 2, mems, 1, true), 0);
	cr_assert_eq(m.cell_count, 2);
	for (size_t c = 0; c < 2; c++) {
		rows[c] = (struct run_row){ .cell = &m.cells[c], .status = CELL_OK,
					    .phase = PHASE_ONE };
		summary[c] = (struct summary_row){ .cell = &m.cells[c],
						   .metric = METRIC_throughput_ops_s,
						   .phase = PHASE_ONE, .median = c ? 4e3 : 6e6,
						   .ci_low = c ? 3e3 : 5.9e6,
						   .ci_high = c ? 5e3 : 6.1e6, .n = 6,
						   .flags = c ? FLAG_COLLAPSE : 0 };
	}
	FILE *out = open_memstream(&text, &size);
	cr_assert_not_null(out);
	ranking_print(out, &m, rows, 2, summary, 2, &fit, 2);
	fclose(out);
	cr_expect_not_null(strstr(text, "collapse t2 a1m0"), "%s", text);
	free(text);
	matrix_free(&m);
}
