/*
 * Calibration of the timer source: which one to trust, its rate, its cost.
 */
#include "common/timer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Long enough that the ~100 ns uncertainty of each bracketing read is a few
 * ppm of the interval; short enough to run before every `locklab run`. */
#define TIMER_CALIBRATION_NS 60000000u
#define TIMER_BRACKET_TRIES 16
/* Batches of back-to-back reads timed by the timer itself: a batch spans many
 * ticks even of a coarse counter (aarch64's 24 MHz generic timer ticks every
 * 41.7 ns, longer than a read), where two reads in a row mostly see the same
 * tick and a pair's delta would call the timer free. */
#define TIMER_OVERHEAD_BATCHES 101
#define TIMER_OVERHEAD_READS 256

/* Outside these rates a "counter" is broken or misread, not merely slow or
 * fast: 1 MHz .. 100 GHz. */
#define TIMER_MIN_TICKS_PER_NS 0.001
#define TIMER_MAX_TICKS_PER_NS 100.0

static bool timer_has_word(const char *text, const char *word)
{
	size_t len = strlen(word);

	for (const char *p = strstr(text, word); p != NULL; p = strstr(p + 1, word)) {
		bool starts = p == text || strchr(" \t:", p[-1]) != NULL;
		bool ends = p[len] == '\0' || strchr(" \t\n", p[len]) != NULL;

		if (starts && ends)
			return true;
	}
	return false;
}

bool timer_flags_say_invariant(const char *flags_line)
{
	return flags_line != NULL && timer_has_word(flags_line, "constant_tsc") &&
	       timer_has_word(flags_line, "nonstop_tsc");
}

/* x86-64: no /proc, or no flags line, reads as "not invariant": the clock is
 * the safe answer when we cannot tell. aarch64: the generic timer runs at a
 * fixed frequency by architecture. */
static bool timer_counter_invariant(void)
{
#if defined(__x86_64__)
	FILE *cpuinfo = fopen("/proc/cpuinfo", "r");
	char *line = NULL;
	size_t cap = 0;
	bool invariant = false;

	if (cpuinfo == NULL)
		return false;
	while (getline(&line, &cap, cpuinfo) != -1) {
		if (strncmp(line, "flags", 5) == 0) {
			invariant = timer_flags_say_invariant(line);
			break;
		}
	}
	free(line);
	fclose(cpuinfo);
	return invariant;
#elif defined(__aarch64__)
	return true;
#else
	return false;
#endif
}

/*
 * One (counter, clock) pair taken as close together as we can: the counter
 * read bracketed by two clock reads, keeping the narrowest bracket of several
 * tries so a preemption or interrupt in one try does not skew the rate.
 */
static void timer_pair(uint64_t *ticks, uint64_t *clock_ns)
{
	uint64_t best_width = UINT64_MAX;

	for (int i = 0; i < TIMER_BRACKET_TRIES; i++) {
		uint64_t before = timer_clock_ns();
		uint64_t t = timer_now_ordered();
		uint64_t after = timer_clock_ns();

		if (after - before < best_width) {
			best_width = after - before;
			*ticks = t;
			*clock_ns = before + (after - before) / 2;
		}
	}
}

/* Sleeping, not spinning: an invariant counter keeps counting while we sleep,
 * and a shared machine does not need 60 ms of our spinning. */
static void timer_wait_ns(uint64_t ns)
{
	uint64_t end = timer_clock_ns() + ns;

	for (uint64_t now = timer_clock_ns(); now < end; now = timer_clock_ns()) {
		struct timespec left = {
			.tv_sec = (time_t)((end - now) / 1000000000u),
			.tv_nsec = (long)((end - now) % 1000000000u),
		};
		nanosleep(&left, NULL);
	}
}

static int timer_compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The median batch, not the mean or minimum: the mean is dragged by interrupts,
 * the minimum is a best case a measured region rarely sees. */
static double timer_measure_overhead_ns(const struct timer_calibration *cal)
{
	uint64_t spans[TIMER_OVERHEAD_BATCHES];

	for (int i = 0; i < 100; i++)
		(void)timer_read_ordered(cal);
	for (int b = 0; b < TIMER_OVERHEAD_BATCHES; b++) {
		uint64_t t0 = timer_read_ordered(cal), t1 = t0;

		for (int i = 0; i < TIMER_OVERHEAD_READS; i++)
			t1 = timer_read_ordered(cal);
		spans[b] = t1 - t0;
	}
	qsort(spans, TIMER_OVERHEAD_BATCHES, sizeof spans[0], timer_compare_u64);
	return (double)spans[TIMER_OVERHEAD_BATCHES / 2] * cal->ns_per_tick / TIMER_OVERHEAD_READS;
}

static bool timer_clock_works(void)
{
	struct timespec ts;

	return clock_gettime(CLOCK_MONOTONIC_RAW, &ts) == 0;
}

int timer_calibrate_clock(struct timer_calibration *out)
{
	if (!timer_clock_works())
		return -1;
	*out = (struct timer_calibration){
		.source = "clock_monotonic_raw",
		.ticks_per_ns = 1.0,
		.ns_per_tick = 1.0,
		.invariant = timer_counter_invariant(),
		.kind = TIMER_KIND_CLOCK,
	};
	out->overhead_ns = timer_measure_overhead_ns(out);
	return 0;
}

int timer_calibrate(struct timer_calibration *out)
{
#if defined(__x86_64__) || defined(__aarch64__)
#if defined(__x86_64__)
	const char *source = "tsc";
	enum timer_kind kind = TIMER_KIND_TSC;
#else
	const char *source = "cntvct_el0";
	enum timer_kind kind = TIMER_KIND_CNTVCT;
#endif
	uint64_t ticks0, clock0, ticks1, clock1;
	double ticks_per_ns;

	if (!timer_clock_works())
		return -1;
	if (!timer_counter_invariant())
		return timer_calibrate_clock(out);
	timer_pair(&ticks0, &clock0);
	timer_wait_ns(TIMER_CALIBRATION_NS);
	timer_pair(&ticks1, &clock1);
	ticks_per_ns = (double)(ticks1 - ticks0) / (double)(clock1 - clock0);
	if (!(ticks_per_ns >= TIMER_MIN_TICKS_PER_NS && ticks_per_ns <= TIMER_MAX_TICKS_PER_NS))
		return timer_calibrate_clock(out);
	*out = (struct timer_calibration){
		.source = source,
		.ticks_per_ns = ticks_per_ns,
		.ns_per_tick = 1.0 / ticks_per_ns,
		.invariant = true,
		.kind = kind,
	};
	out->overhead_ns = timer_measure_overhead_ns(out);
	return 0;
#else
	return timer_calibrate_clock(out);
#endif
}

int timer_kernel_clocksource(char *buffer, size_t size)
{
	FILE *in = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
	bool read;

	if (in == NULL)
		return -1;
	read = size > 0 && fgets(buffer, (int)size, in) != NULL;
	fclose(in);
	if (!read)
		return -1;
	buffer[strcspn(buffer, "\n")] = '\0';
	return 0;
}
