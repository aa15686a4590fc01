#include "locks/base/spin.h"

#include <ck_pr.h>
#include <stdbool.h>
#include <time.h>

/* Samples whose minimum is the figure; each runs long enough that the two clock
 * reads around it (~30 ns) are under 0.2 % of it. */
#define CALIBRATION_SAMPLES 8
#define CALIBRATION_SAMPLE_NS 20000u
#define CALIBRATION_MAX_STALLS ((uint64_t)1 << 24)
/* A pause costs more than 10 ps (a compiler barrier's loop step is ~0.3 ns) and
 * less than 10 us (a VM exit per pause is ~1 us): outside that, the clock lied. */
#define PLAUSIBLE_PS_MIN 10u
#define PLAUSIBLE_PS_MAX 10000000u

/* Picoseconds per ck_pr_stall(); 0 until the first calibration publishes. */
static uint64_t published_ps_per_stall;

/* 0 when the clock fails; never 0 otherwise (it counts from boot). */
static uint64_t monotonic_ns(void)
{
	struct timespec now;

	if (clock_gettime(CLOCK_MONOTONIC, &now) != 0)
		return 0;
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

/* Times stalls pauses into *ns; false when the clock failed. */
static bool time_stalls(uint64_t stalls, uint64_t *ns)
{
	uint64_t start = monotonic_ns(), end;

	for (uint64_t i = 0; i < stalls; i++)
		ck_pr_stall();
	end = monotonic_ns();
	*ns = end - start;
	return start != 0 && end != 0;
}

static uint64_t measure_ps_per_stall(void)
{
	uint64_t stalls = 256, ns, best_ns = UINT64_MAX, ps;

	/* Grow the sample until it lasts CALIBRATION_SAMPLE_NS: 1,024 pauses at
	 * 24 ns, about 64 Ki where a pause is only a compiler barrier. The cap
	 * stops a clock that never moves; its figure is then implausible. */
	for (;;) {
		if (!time_stalls(stalls, &ns))
			return LL_SPIN_FALLBACK_PS_PER_STALL;
		if (ns >= CALIBRATION_SAMPLE_NS || stalls >= CALIBRATION_MAX_STALLS)
			break;
		stalls *= 2;
	}
	/* The minimum: preemption and interrupts only ever add time. */
	for (unsigned i = 0; i < CALIBRATION_SAMPLES; i++) {
		if (!time_stalls(stalls, &ns))
			return LL_SPIN_FALLBACK_PS_PER_STALL;
		if (ns < best_ns)
			best_ns = ns;
	}
	ps = (best_ns * 1000 + stalls / 2) / stalls;
	if (ps < PLAUSIBLE_PS_MIN || ps > PLAUSIBLE_PS_MAX)
		return LL_SPIN_FALLBACK_PS_PER_STALL;
	return ps;
}

/* The published cost, calibrating first when nobody has. */
static uint64_t calibrated_ps_per_stall(void)
{
	/* The word is the whole message (nothing else is published with it), so a
	 * plain atomic load suffices: any nonzero value is a finished calibration. */
	uint64_t ps = ck_pr_load_64(&published_ps_per_stall), measured;

	if (ps != 0)
		return ps;
	measured = measure_ps_per_stall();
	/* First publisher wins, so every caller in the process uses one figure even
	 * when several calibrated at once; a loser adopts the winner's value. */
	if (ck_pr_cas_64_value(&published_ps_per_stall, 0, measured, &ps))
		return measured;
	return ps;
}

void ll_spin_calibrate(void)
{
	calibrated_ps_per_stall();
}

double ll_spin_ns_per_stall(void)
{
	return (double)calibrated_ps_per_stall() / 1000.0;
}

uint32_t ll_spin_pauses(uint64_t budget_ns)
{
	return ll_spin_pauses_at(budget_ns, calibrated_ps_per_stall());
}

uint32_t ll_spin_pauses_at(uint64_t budget_ns, uint64_t ps_per_stall)
{
	uint64_t budget_ps, pauses, remainder;

	if (budget_ns == 0)
		return 0;
	/* Past ~200 days in ps the product overflows; the count saturates anyway. */
	if (budget_ns > UINT64_MAX / 1000)
		return UINT32_MAX;
	budget_ps = budget_ns * 1000;
	pauses = budget_ps / ps_per_stall;
	remainder = budget_ps % ps_per_stall;
	if (remainder >= ps_per_stall - remainder)
		pauses++;
	if (pauses == 0)
		return 1;
	return pauses > UINT32_MAX ? UINT32_MAX : (uint32_t)pauses;
}
