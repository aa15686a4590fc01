/*
 * locks/base/spin: the calibrated cost of a pause, budgets in ns turned into
 * pause counts, and back-off jitter. Bounds on measured time are generous: the
 * tests run on shared, noisy machines and must catch a wrong unit or a count
 * that ignores the calibration, not judge the machine.
 */
#include "locks/base/spin.h"

#include <ck_pr.h>
#include <criterion/criterion.h>
#include <math.h>
#include <pthread.h>
#include <time.h>

static uint64_t spin_test_now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

Test(spin, ns_per_stall_is_positive_finite_and_plausible)
{
	double ns = ll_spin_ns_per_stall();

	cr_assert(isfinite(ns), "%g", ns);
	cr_assert_geq(ns, 0.01, "a pause under 10 ps: %g ns", ns);
	cr_assert_leq(ns, 10000.0, "a pause over 10 us: %g ns", ns);
	cr_log_info("ck_pr_stall: %.2f ns", ns);
}

Test(spin, calibration_happens_once_per_process)
{
	double first = ll_spin_ns_per_stall();

	ll_spin_calibrate();
	cr_expect_eq(ll_spin_ns_per_stall(), first, "an explicit calibration re-measured");
}

/* Criterion runs each test in a fresh process, so these threads race to be the
 * first calibration; every one must come back with the single published figure. */
static void *spin_test_read_cost(void *out)
{
	*(double *)out = ll_spin_ns_per_stall();
	return NULL;
}

Test(spin, racing_calibrations_agree_on_one_figure)
{
	enum { racers = 4 };
	pthread_t ids[racers];
	double seen[racers];

	for (int i = 0; i < racers; i++)
		cr_assert_eq(pthread_create(&ids[i], NULL, spin_test_read_cost, &seen[i]), 0);
	for (int i = 0; i < racers; i++)
		cr_assert_eq(pthread_join(ids[i], NULL), 0);
	for (int i = 0; i < racers; i++)
		cr_expect_eq(seen[i], ll_spin_ns_per_stall(), "racer %d saw %g", i, seen[i]);
}

Test(spin, pause_counts_scale_inversely_with_the_stall_cost)
{
	/* 50 us at 25 ns a pause is 2,000 pauses; twice the cost, half the count. */
	cr_expect_eq(ll_spin_pauses_at(50000, 25000), 2000);
	cr_expect_eq(ll_spin_pauses_at(50000, 50000), 1000);
	cr_expect_eq(ll_spin_pauses_at(50000, 12500), 4000);
	/* A compiler-barrier "pause" (aarch64) costs ~0.3 ns: many more of them. */
	cr_expect_eq(ll_spin_pauses_at(50000, 300), 166667);
	for (uint64_t ps = 100; ps <= 1000000; ps *= 10)
		cr_expect_eq(ll_spin_pauses_at(1000000, ps), 1000000000 / ps, "at %llu ps",
			     (unsigned long long)ps);
}

Test(spin, pause_counts_round_and_saturate)
{
	cr_expect_eq(ll_spin_pauses_at(0, 25000), 0, "no budget, no pause");
	cr_expect_eq(ll_spin_pauses_at(1, 25000), 1, "a nonzero budget waits at least once");
	cr_expect_eq(ll_spin_pauses_at(37, 25000), 1, "1.48 rounds down");
	cr_expect_eq(ll_spin_pauses_at(38, 25000), 2, "1.52 rounds up");
	cr_expect_eq(ll_spin_pauses_at(UINT64_MAX, 25000), UINT32_MAX);
	cr_expect_eq(ll_spin_pauses_at(1000000000000ull, 1), UINT32_MAX);
}

Test(spin, pauses_use_the_calibrated_cost)
{
	uint64_t ps = (uint64_t)llround(ll_spin_ns_per_stall() * 1000.0);

	for (uint64_t budget = 100; budget <= 10000000; budget *= 10)
		cr_expect_eq(ll_spin_pauses(budget), ll_spin_pauses_at(budget, ps), "%llu ns",
			     (unsigned long long)budget);
}

/* The point of the unit: a budget in ns is spent in about that many ns. The
 * fastest of a few tries, since preemption only adds time. */
Test(spin, a_budget_takes_about_its_time)
{
	const uint64_t budget = 200000;
	uint32_t pauses = ll_spin_pauses(budget);
	uint64_t best = UINT64_MAX;

	for (int attempt = 0; attempt < 5; attempt++) {
		uint64_t start = spin_test_now_ns(), took;

		for (uint32_t i = 0; i < pauses; i++)
			ck_pr_stall();
		took = spin_test_now_ns() - start;
		if (took < best)
			best = took;
	}
	cr_expect_geq(best, budget / 2, "%u pauses for %llu ns took %llu ns", pauses,
		      (unsigned long long)budget, (unsigned long long)best);
	cr_expect_leq(best, budget * 2, "%u pauses for %llu ns took %llu ns", pauses,
		      (unsigned long long)budget, (unsigned long long)best);
}

Test(spin, jitter_stays_in_the_upper_half_and_covers_it)
{
	const uint32_t pauses = 1000;
	uint32_t lowest = UINT32_MAX, highest = 0;
	double sum = 0;
	const int draws = 100000;

	for (int i = 0; i < draws; i++) {
		uint32_t drawn = ll_spin_jitter(pauses);

		cr_assert_geq(drawn, pauses / 2, "%u", drawn);
		cr_assert_leq(drawn, pauses, "%u", drawn);
		lowest = drawn < lowest ? drawn : lowest;
		highest = drawn > highest ? drawn : highest;
		sum += drawn;
	}
	cr_expect_leq(lowest, 505, "never drew near the bottom: %u", lowest);
	cr_expect_geq(highest, 995, "never drew near the top: %u", highest);
	cr_expect_float_eq(sum / draws, 750.0, 5.0, "mean %g", sum / draws);
	cr_expect_eq(ll_spin_jitter(0), 0);
	cr_expect_eq(ll_spin_jitter(1), 1);
}

/* Two threads must not retry in lockstep: their sequences differ. */
static void *spin_test_draw(void *out)
{
	uint32_t *drawn = out;

	for (int i = 0; i < 16; i++)
		drawn[i] = ll_spin_jitter(1u << 30);
	return NULL;
}

Test(spin, jitter_differs_between_threads)
{
	uint32_t a[16], b[16];
	pthread_t first, second;
	int same = 0;

	cr_assert_eq(pthread_create(&first, NULL, spin_test_draw, a), 0);
	cr_assert_eq(pthread_create(&second, NULL, spin_test_draw, b), 0);
	cr_assert_eq(pthread_join(first, NULL), 0);
	cr_assert_eq(pthread_join(second, NULL), 0);
	for (int i = 0; i < 16; i++)
		same += a[i] == b[i];
	cr_expect_lt(same, 4, "%d of 16 draws equal", same);
}
