/*
 * harness/summary: medians per machine phase (never across phases), shifted reps
 * left out, the order-statistics interval and its achieved level, and the flags
 * that need the whole run (collapse, noisy, few_reps, timeout).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "harness/summary.h"

static void fake_row(struct run_row *row, const struct cell *cell, unsigned rep,
		     double throughput, double round_trip_before, double round_trip_after)
{
	memset(row, 0, sizeof *row);
	row->cell = cell;
	row->rep = rep;
	row->status = CELL_OK;
	for (int m = 0; m < METRIC_COUNT; m++)
		row->value[m] = metrics_from_instrumented(m) ? NAN : 1;
	row->value[METRIC_throughput_ops_s] = throughput;
	row->value[METRIC_round_trip_before_ns] = round_trip_before;
	row->value[METRIC_round_trip_after_ns] = round_trip_after;
}

Test(summary, medians_collapse_and_noise)
{
	struct cell cells[2] = {
		{ .lock = ll_find("ck_ticket"), .workload = workload_find("oversubscribed"),
		  .threads = 1, .cs_ns = 50, .ncs_ns = 200 },
		{ .lock = ll_find("ck_ticket"), .workload = workload_find("oversubscribed"),
		  .threads = 8, .cs_ns = 50, .ncs_ns = 200 },
	};
	struct run_row rows[6];
	struct summary_row out[2 * METRIC_COUNT * SUMMARY_MAX_PHASES];

	fake_row(&rows[0], &cells[0], 0, 1.00e6, 70, 71);
	fake_row(&rows[1], &cells[0], 1, 1.01e6, 72, 70);
	fake_row(&rows[2], &cells[0], 2, 0.99e6, 69, 73);
	fake_row(&rows[3], &cells[1], 0, 2e3, 70, 70);
	fake_row(&rows[4], &cells[1], 1, 9e3, 71, 74);
	fake_row(&rows[5], &cells[1], 2, 4e3, 70, 72);
	struct phase_fit fit = summary_phases(rows, 6);
	cr_expect_not(fit.two_phases);
	size_t n = summary_compute(rows, 6, cells, 2, out);
	cr_assert_eq(n, 2 * METRIC_COUNT, "one phase: one row per cell and metric");
	cr_expect_float_eq(summary_median(out, n, &cells[0], METRIC_throughput_ops_s, PHASE_ONE),
			   1.00e6, 1);
	cr_expect_float_eq(summary_median(out, n, &cells[1], METRIC_throughput_ops_s, PHASE_ONE),
			   4e3, 1);
	cr_expect(rows[3].flags & FLAG_COLLAPSE, "4e3 is below 1 %% of 1e6");
	cr_expect(rows[3].flags & FLAG_NOISY, "2e3..9e3 varies far beyond 5 %%");
	cr_expect(rows[0].flags & FLAG_FEW_REPS, "3 reps cannot give a 95 %% interval");
	cr_expect_not(rows[0].flags & (FLAG_COLLAPSE | FLAG_NOISY), "the reference is steady");
	for (size_t i = 0; i < n; i++) {
		if (metrics_from_instrumented(out[i].metric))
			continue; /* no instrumented rep here */
		cr_expect(out[i].ci_low <= out[i].median && out[i].median <= out[i].ci_high);
		cr_expect_eq(out[i].n, 3);
		cr_expect_float_eq(out[i].ci_level, 0.75, 1e-12, "n = 3: min..max is 75 %%");
	}
}

/* Ten reps, half in each machine phase, and one whose probes straddle: the
 * medians come from one phase each, the straddling rep from neither. */
Test(summary, phases_are_summarised_apart_and_a_shifted_rep_is_tagged)
{
	struct cell cell = { .lock = ll_find("ck_mcs"), .workload = workload_find("contended"),
			     .threads = 2, .cs_ns = 50, .ncs_ns = 200 };
	struct run_row rows[11];
	struct summary_row out[METRIC_COUNT * SUMMARY_MAX_PHASES];

	for (unsigned r = 0; r < 5; r++) {
		fake_row(&rows[r], &cell, r, 12e6 + r * 1e4, 70 + r, 72 + r);
		fake_row(&rows[5 + r], &cell, 5 + r, 4e6 + r * 1e4, 440 + r, 455 - r);
	}
	fake_row(&rows[10], &cell, 10, 8e6, 71, 450);
	struct phase_fit fit = summary_phases(rows, 11);
	cr_assert(fit.two_phases);
	cr_expect(fit.threshold_ns > 80 && fit.threshold_ns < 440, "threshold %g", fit.threshold_ns);
	cr_expect_eq(rows[0].phase, PHASE_FAST);
	cr_expect_eq(rows[7].phase, PHASE_SLOW);
	cr_expect(rows[10].flags & FLAG_PHASE_SHIFT, "70 before, 450 after: shifted");
	cr_expect_not(rows[0].flags & FLAG_PHASE_SHIFT);
	cr_expect_eq(summary_main_phase(rows, 11), PHASE_FAST, "a tie goes to the first phase");

	size_t n = summary_compute(rows, 11, &cell, 1, out);
	cr_assert_eq(n, 2 * METRIC_COUNT, "a row per phase and metric");
	const struct summary_row *fast = summary_find(out, n, &cell, METRIC_throughput_ops_s,
						      PHASE_FAST);
	const struct summary_row *slow = summary_find(out, n, &cell, METRIC_throughput_ops_s,
						      PHASE_SLOW);
	cr_assert_not_null(fast);
	cr_assert_not_null(slow);
	cr_expect_float_eq(fast->median, 12.02e6, 1);
	cr_expect_float_eq(slow->median, 4.02e6, 1);
	cr_expect_eq(fast->n, 5, "the shifted rep is in no phase");
	cr_expect_eq(fast->n_ok, 11);
	cr_expect(fast->cv < 0.01, "within a phase the reps agree: cv %g", fast->cv);
	cr_expect_null(summary_find(out, n, &cell, METRIC_throughput_ops_s, PHASE_ONE));
}

Test(summary, timed_out_reps_are_counted_not_summarised)
{
	struct cell cell = { .lock = ll_find("ck_ticket"), .workload = workload_find("contended"),
			     .threads = 2, .cs_ns = 50, .ncs_ns = 200 };
	struct run_row rows[7];
	struct summary_row out[METRIC_COUNT * SUMMARY_MAX_PHASES];

	for (unsigned r = 0; r < 7; r++)
		fake_row(&rows[r], &cell, r, 1e6 + r, 70, 70);
	rows[2].status = CELL_TIMEOUT;
	rows[5].status = CELL_CRASHED;
	summary_phases(rows, 7);
	size_t n = summary_compute(rows, 7, &cell, 1, out);
	const struct summary_row *row = summary_find(out, n, &cell, METRIC_throughput_ops_s,
						     PHASE_ONE);
	cr_assert_not_null(row);
	cr_expect_eq(row->n, 5);
	cr_expect_eq(row->n_ok, 5);
	cr_expect_eq(row->n_timeout, 2);
	cr_expect(row->flags & FLAG_TIMEOUT);
	cr_expect(row->flags & FLAG_FEW_REPS, "5 usable reps");
	cr_expect_float_eq(row->ci_level, 0.9375, 1e-12);
}

Test(summary, a_cell_with_no_finished_rep_still_has_rows)
{
	struct cell cell = { .lock = ll_find("ck_ticket"), .workload = workload_find("oversubscribed"),
			     .threads = 8, .cs_ns = 50, .ncs_ns = 200 };
	struct run_row rows[2];
	struct summary_row out[METRIC_COUNT * SUMMARY_MAX_PHASES];

	for (unsigned r = 0; r < 2; r++) {
		fake_row(&rows[r], &cell, r, NAN, NAN, NAN);
		rows[r].status = CELL_TIMEOUT;
	}
	summary_phases(rows, 2);
	size_t n = summary_compute(rows, 2, &cell, 1, out);
	cr_assert_eq(n, METRIC_COUNT);
	cr_expect_eq(out[0].phase, -1);
	cr_expect_eq(out[0].n, 0);
	cr_expect_eq(out[0].n_timeout, 2);
	cr_expect(out[0].flags & FLAG_COLLAPSE, "nothing finished");
}

/* Reps whose busy work ran below 95 % of the speed of the cell's fastest rep ran
 * while the host slowed the CPUs: flagged host_slow, in no median, and not a
 * flag of the cell; another cell's speed is not compared, nor a rep without one. */
Test(summary, reps_the_host_slowed_join_no_median)
{
	struct cell cells[2] = {
		{ .lock = ll_find("ck_mcs"), .workload = workload_find("contended"), .threads = 2,
		  .cs_ns = 50, .ncs_ns = 200 },
		{ .lock = ll_find("ck_mcs"), .workload = workload_find("uncontended"), .threads = 1 },
	};
	const double speed[6] = { 2.60, 2.48, 1.90, 2.55, 1.40, 2.50 };
	const double throughput[6] = { 6.0e6, 5.9e6, 4.4e6, 6.1e6, 3.5e6, 5.95e6 };
	struct run_row rows[8];
	struct summary_row out[2 * METRIC_COUNT * SUMMARY_MAX_PHASES];

	for (unsigned r = 0; r < 6; r++) {
		fake_row(&rows[r], &cells[0], r, throughput[r], 70, 70);
		rows[r].busy_window = speed[r];
	}
	fake_row(&rows[6], &cells[1], 0, 9e7, 70, 70);
	rows[6].busy_window = 1.0; /* slower than cells[0]'s reps, and alone in its cell */
	fake_row(&rows[7], &cells[1], 1, 9.1e7, 70, 70);
	rows[7].busy_window = NAN;
	summary_phases(rows, 8);
	for (unsigned r = 0; r < 6; r++)
		cr_expect_eq((rows[r].flags & FLAG_HOST_SLOW) != 0, r == 2 || r == 4,
			     "rep %u at %.2f of 2.60", r, speed[r] / 2.60);
	cr_expect_not(rows[6].flags & FLAG_HOST_SLOW);
	cr_expect_not(rows[7].flags & FLAG_HOST_SLOW);

	size_t n = summary_compute(rows, 8, cells, 2, out);
	const struct summary_row *row = summary_find(out, n, &cells[0], METRIC_throughput_ops_s,
						     PHASE_ONE);
	cr_assert_not_null(row);
	cr_expect_eq(row->n, 4);
	cr_expect_eq(row->n_ok, 6);
	cr_expect_float_eq(row->median, 5.975e6, 1);
	cr_expect(row->cv < 0.02, "the reps at full speed agree: cv %g", row->cv);
	cr_expect_not(row->flags & FLAG_HOST_SLOW, "a rep's flag, not the cell's");
}


/* Two reps, one of them slowed by the host: the cell keeps a median from the
 * other but no CV and no interval, so nothing reads it as a steady figure. */
Test(summary, one_usable_rep_gives_no_spread)
{
	struct cell cell = { .lock = ll_find("ck_mcs"), .workload = workload_find("contended"),
			     .threads = 2, .cs_ns = 50, .ncs_ns = 200 };
	struct run_row rows[2];
	struct summary_row out[METRIC_COUNT * SUMMARY_MAX_PHASES];

	fake_row(&rows[0], &cell, 0, 4.0e6, 70, 71);
	fake_row(&rows[1], &cell, 1, 2.0e6, 70, 72);
	rows[0].busy_window = 1.0;
	rows[1].busy_window = 0.5;
	summary_phases(rows, 2);
	cr_assert(rows[1].flags & FLAG_HOST_SLOW);
	size_t n = summary_compute(rows, 2, &cell, 1, out);
	const struct summary_row *row = summary_find(out, n, &cell, METRIC_throughput_ops_s,
						     PHASE_ONE);
	cr_assert_not_null(row);
	cr_expect_eq(row->n, 1);
	cr_expect_eq(row->median, 4.0e6);
	cr_expect(isnan(row->cv), "one rep shows no spread, not a CV of 0");
	cr_expect(isnan(row->ci_low) && isnan(row->ci_high) && isnan(row->ci_level));
	cr_expect_not(rows[0].flags & FLAG_NOISY);
	cr_expect(rows[0].flags & FLAG_FEW_REPS);
}

/* Contended at 4 threads on a 2-CPU machine is oversubscribed: judged against the
 * same lock's 1-thread cell of the same kernel and parameters, whichever
 * workload's name that cell has; a cell with other parameters is no reference. */
Test(summary, collapse_is_judged_against_the_same_kernel_at_one_thread)
{
	struct cell cells[3] = {
		{ .lock = ll_find("ck_mcs"), .workload = workload_find("oversubscribed"),
		  .threads = 1, .cs_ns = 50, .ncs_ns = 200 },
		{ .lock = ll_find("ck_mcs"), .workload = workload_find("contended"),
		  .threads = 4, .cs_ns = 50, .ncs_ns = 200 },
		{ .lock = ll_find("ck_mcs"), .workload = workload_find("contended"),
		  .threads = 4, .cs_ns = 1000, .ncs_ns = 200 },
	};
	struct run_row rows[9];
	struct summary_row out[3 * METRIC_COUNT * SUMMARY_MAX_PHASES];

	for (unsigned r = 0; r < 3; r++) {
		fake_row(&rows[r], &cells[0], r, 3.0e6 + r * 1e4, 70, 71);
		fake_row(&rows[3 + r], &cells[1], r, 2.0e3 + r * 10, 70, 71);
		fake_row(&rows[6 + r], &cells[2], r, 2.0e3 + r * 10, 70, 71);
	}
	summary_phases(rows, 9);
	summary_compute(rows, 9, cells, 3, out);
	cr_expect(rows[3].flags & FLAG_COLLAPSE, "2e3 is below 1 %% of oversubscribed's 3e6");
	cr_expect_not(rows[6].flags & FLAG_COLLAPSE, "cs 1000 has no 1-thread cell here");
	cr_expect_not(rows[0].flags & FLAG_COLLAPSE);
}

/* The reference's usable reps all fell in the other machine phase: one thread's
 * throughput does not cross CPUs, so its figure there still judges the cell
 * (ck_ticket at 4 threads, 469 ops/s, went unflagged in a make bench so). */
Test(summary, collapse_has_a_reference_from_another_phase)
{
	struct cell cells[2] = {
		{ .lock = ll_find("ck_ticket"), .workload = workload_find("contended"),
		  .threads = 1, .cs_ns = 50, .ncs_ns = 200 },
		{ .lock = ll_find("ck_ticket"), .workload = workload_find("contended"),
		  .threads = 4, .cs_ns = 50, .ncs_ns = 200 },
	};
	struct run_row rows[6];
	struct summary_row out[2 * METRIC_COUNT * SUMMARY_MAX_PHASES];

	for (unsigned r = 0; r < 3; r++) {
		fake_row(&rows[r], &cells[0], r, 3.6e6 + r * 1e4, 70, 71);
		fake_row(&rows[3 + r], &cells[1], r, 470 + r, 70, 71);
	}
	summary_phases(rows, 6);
	for (unsigned r = 0; r < 3; r++) {
		rows[r].phase = PHASE_SLOW;
		rows[3 + r].phase = PHASE_FAST;
	}
	size_t n = summary_compute(rows, 6, cells, 2, out);
	cr_assert(isnan(summary_median(out, n, &cells[0], METRIC_throughput_ops_s, PHASE_FAST)));
	cr_expect(rows[3].flags & FLAG_COLLAPSE, "470 ops/s against 3.6e6 in the slow phase");
}
