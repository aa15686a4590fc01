/*
 * The one place that knows how each architecture reads time.
 *
 * Two layers:
 *   timer_now(), timer_now_ordered()   the raw hardware counter (x86-64 TSC,
 *                                      aarch64 CNTVCT_EL0; elsewhere
 *                                      CLOCK_MONOTONIC_RAW in ns).
 *   timer_read(cal), timer_read_ordered(cal)
 *                                      the source timer_calibrate() chose: the
 *                                      counter when it is trustworthy, else
 *                                      CLOCK_MONOTONIC_RAW in ns.
 *
 * Why two layers and no process-wide flag: a counter that is not invariant
 * (frequency changes with P-states, stops in deep C-states) cannot be turned
 * into nanoseconds by one calibration, so the harness must then read
 * clock_gettime instead. Deciding that in timer_now() would need global
 * mutable state read in the measured loop; instead the decision lives in the
 * read-only calibration that each thread already holds, and timer_read()
 * branches on it. The branch never changes, so it is predicted perfectly.
 * Harness code therefore always reads through timer_read*(cal) and converts
 * with timer_ticks_to_ns(cal, ...); timer_now() is for code that has checked
 * cal->kind != TIMER_KIND_CLOCK or wants raw ticks only.
 *
 * Plain vs ordered: the plain read lets the CPU execute it out of order with
 * neighbouring instructions (cheapest; right for coarse intervals such as a
 * whole run). The ordered read waits for earlier instructions to finish and
 * keeps later ones from starting before it, so it brackets a short measured
 * region (one lock acquisition) without the region leaking across it. Both
 * are compiler barriers ("memory" clobber), so the compiler never moves
 * measured code across a read.
 */
#ifndef LOCKLAB_TIMER_H
#define LOCKLAB_TIMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

enum timer_kind {
	TIMER_KIND_TSC,	   /* x86-64 time-stamp counter */
	TIMER_KIND_CNTVCT, /* aarch64 virtual counter */
	TIMER_KIND_CLOCK,  /* clock_gettime(CLOCK_MONOTONIC_RAW), ticks are ns */
};

struct timer_calibration {
	const char *source;	/* "tsc", "cntvct_el0" or "clock_monotonic_raw" */
	double ticks_per_ns;	/* tsc_hz / 1e9; exactly 1 for the clock source */
	double overhead_ns;	/* cost of one timer_read_ordered(): the median over
				 * batches of back-to-back reads, per read */
	/* The hardware counter's rate is constant across P- and C-states (x86:
	 * constant_tsc and nonstop_tsc). Reported even when the clock was chosen,
	 * so a result file says why: false there means the counter was unfit. */
	bool invariant;
	enum timer_kind kind;	/* what timer_read() reads */
	double ns_per_tick;	/* 1 / ticks_per_ns, so conversion multiplies */
};

/* Reads CLOCK_MONOTONIC_RAW in ns: the reference the counters are calibrated
 * against, and the fallback source. Returns 0 only if the clock is missing,
 * which Linux >= 2.6.28 rules out. */
static inline uint64_t timer_clock_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_MONOTONIC_RAW, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__)

static inline uint64_t timer_now(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

/*
 * The lfences order instruction execution, not memory, which is why they are
 * here and not ck_pr fences (ck_pr_fence_load is a no-op on x86's TSO model).
 * The first keeps rdtsc from running before earlier instructions complete;
 * the second keeps later instructions from starting before rdtsc has read.
 * Not rdtscp: it orders only the earlier side and needs its own cpuid bit.
 */
static inline uint64_t timer_now_ordered(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence\n\trdtsc\n\tlfence" : "=a"(lo), "=d"(hi) : : "memory");
	return (uint64_t)hi << 32 | lo;
}

#elif defined(__aarch64__)

static inline uint64_t timer_now(void)
{
	uint64_t ticks;

	__asm__ volatile("mrs %0, cntvct_el0" : "=r"(ticks) : : "memory");
	return ticks;
}

/*
 * isb before: the counter read is not speculated ahead of earlier
 * instructions. isb after: later instructions are not started before the
 * read. Instruction-stream ordering, which ck_pr's memory fences do not give.
 */
static inline uint64_t timer_now_ordered(void)
{
	uint64_t ticks;

	__asm__ volatile("isb\n\tmrs %0, cntvct_el0\n\tisb" : "=r"(ticks) : : "memory");
	return ticks;
}

#else

/* No counter we know how to read: ticks are clock ns. clock_gettime is an
 * opaque call, so the compiler already keeps measured code on its side, and
 * its own cost dwarfs any out-of-order overlap; plain and ordered coincide. */
static inline uint64_t timer_now(void)
{
	return timer_clock_ns();
}

static inline uint64_t timer_now_ordered(void)
{
	return timer_clock_ns();
}

#endif

static inline uint64_t timer_read(const struct timer_calibration *cal)
{
	if (cal->kind == TIMER_KIND_CLOCK)
		return timer_clock_ns();
	return timer_now();
}

static inline uint64_t timer_read_ordered(const struct timer_calibration *cal)
{
	if (cal->kind == TIMER_KIND_CLOCK)
		return timer_clock_ns();
	return timer_now_ordered();
}

/*
 * Chooses the source and measures it. The counter is chosen only when it is
 * invariant (x86-64: both constant_tsc and nonstop_tsc in /proc/cpuinfo;
 * aarch64: always, the generic timer runs at a fixed frequency by
 * architecture) and its measured rate is plausible; otherwise the clock.
 * ticks_per_ns comes from about 60 ms against CLOCK_MONOTONIC_RAW; the call
 * sleeps that long. Returns 0, or -1 with errno set if no clock works.
 */
int timer_calibrate(struct timer_calibration *out);

/* As timer_calibrate(), but forces the clock source (for machines whose
 * counter is suspect, and to test the fallback on machines where it is not). */
int timer_calibrate_clock(struct timer_calibration *out);

/* True when a /proc/cpuinfo "flags" line names both constant_tsc and
 * nonstop_tsc as whole words. Exposed so the parse is testable anywhere. */
bool timer_flags_say_invariant(const char *flags_line);

/* The kernel's clocksource (Linux: "tsc", "kvm-clock", "arch_sys_counter"...),
 * into buffer: the kernel's own verdict on whether the counter is fit to be a
 * clock (it watches for TSC skew and instability that cpuinfo flags do not show).
 * Returns 0, or -1 when it cannot be read. */
int timer_kernel_clocksource(char *buffer, size_t size);

/* Ticks of cal's source to ns, rounded to nearest; saturates at UINT64_MAX. */
static inline uint64_t timer_ticks_to_ns(const struct timer_calibration *cal,
					 uint64_t ticks)
{
	double ns = (double)ticks * cal->ns_per_tick + 0.5;

	if (ns >= 0x1p64)
		return UINT64_MAX;
	return (uint64_t)ns;
}

#endif
