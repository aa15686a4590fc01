/*
 * Spin budgets in time. A pause (ck_pr_stall) costs from about 10 to 140 cycles
 * across x86 parts and is only a compiler barrier on aarch64, so a limit counted in
 * pauses is a different algorithm on every machine. Locks state their budgets in
 * nanoseconds instead and turn them into pause counts with the cost of one pause,
 * measured once per process: by ll_spin_calibrate, which a harness calls before it
 * measures anything (and before it forks, so children inherit the figure), or
 * else by the first lock that needs a count, inside its contended path.
 *
 * Everything here is for contended paths: the calls below go out of line and read
 * one process-wide word that is written once. The uncontended path of a lock needs
 * none of it.
 */
#ifndef LL_SPIN_H
#define LL_SPIN_H

#include <stdint.h>

/*
 * Measures the cost of ck_pr_stall() unless this process already has: the minimum
 * over 8 samples of ~20 us each (about 0.25 ms in all), so a sample that was
 * descheduled does not count. Concurrent callers may each measure; the first
 * result published is the one every caller uses from then on. A clock that fails
 * or a figure outside 0.01 ns .. 10 us leaves LL_SPIN_FALLBACK_PS_PER_STALL.
 */
void ll_spin_calibrate(void);

/* A pause on the machine this suite's figures come from (AMD EPYC, Zen 3, under
 * KVM: 24-28 ns), used only when the measurement above fails. */
#define LL_SPIN_FALLBACK_PS_PER_STALL 26000u

/* The calibrated cost of one ck_pr_stall() in ns (calibrating first if needed):
 * the figure a result bundle records beside each lock's budgets in ns. */
double ll_spin_ns_per_stall(void);

/* Pauses that spend budget_ns at the calibrated cost (calibrating first if needed). */
uint32_t ll_spin_pauses(uint64_t budget_ns);

/*
 * Pauses that spend budget_ns when one pause costs ps_per_stall (> 0) picoseconds:
 * rounded to nearest, at least 1 for a nonzero budget (a budget is a promise to
 * wait, however briefly), saturating at UINT32_MAX; 0 for a zero budget.
 */
uint32_t ll_spin_pauses_at(uint64_t budget_ns, uint64_t ps_per_stall);

/*
 * A pause count drawn uniformly from [ceil(pauses / 2), pauses], for back-off:
 * waiters that lost the same race then retry at different times instead of in
 * lockstep. xorshift32 (Marsaglia 2003) in a thread-local word, seeded from that
 * word's own address (distinct per thread), so drawing touches no shared line.
 * Not for anything that needs good randomness.
 */
static inline uint32_t ll_spin_jitter(uint32_t pauses)
{
	static _Thread_local uint32_t state;
	uint32_t x = state;

	if (x == 0)
		x = (uint32_t)((uint64_t)(uintptr_t)&state * 0x9e3779b97f4a7c15ull >> 32) | 1;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	state = x;
	/* Multiply-shift maps x onto 0 .. pauses / 2 without a division. */
	return pauses - (uint32_t)((uint64_t)x * (pauses / 2 + 1) >> 32);
}

#endif
