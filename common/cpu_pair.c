/*
 * The cross-CPU round trip and counter skew of one CPU pair; see cpu_pair.h
 * for the method and the contract.
 */
#include "common/cpu_pair.h"

#include <ck_pr.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CPU_PAIR_CACHE_LINE 128
#define CPU_PAIR_DEADLINE_BASE_NS 2000000000ull
#define CPU_PAIR_DEADLINE_PER_EXCHANGE_NS 10000ull
/* Spins between looks at the clock and the abort flag: rare enough not to
 * disturb the measured loop, often enough (tens of us) to stop promptly. */
#define CPU_PAIR_SPINS_PER_CHECK 1024u
/* The affinity mask is read at the kernel's size, found by doubling from
 * here; the cap only stops a kernel that never accepts any size. */
#define CPU_PAIR_MASK_CPUS_FIRST 1024u
#define CPU_PAIR_MASK_CPUS_MAX (1u << 22)

/* The line the two threads pass back and forth, alone in its 128 bytes (two
 * 64-byte lines: the adjacent-line prefetcher pairs them) so nothing else
 * moves with it. The stamp rides on the same line, so a skew exchange moves
 * exactly what a round trip moves. */
struct cpu_pair_line {
	_Alignas(CPU_PAIR_CACHE_LINE) uint64_t value; /* odd: initiator's turn done; even: responder's */
	uint64_t stamp;				      /* responder's t2 in a skew exchange */
	char pad[CPU_PAIR_CACHE_LINE - 2 * sizeof(uint64_t)];
};

struct cpu_pair_shared {
	struct cpu_pair_line line;
	/* Control state on its own line; read only every SPINS_PER_CHECK spins. */
	_Alignas(CPU_PAIR_CACHE_LINE) int abort; /* set by a thread that gives up */
	int ready;				 /* threads pinned, 2 means go */
	uint64_t deadline_ns;			 /* CLOCK_MONOTONIC_RAW */
	const struct timer_calibration *cal;
	unsigned batch_size, batches, exchanges;
	/* Written by the initiator only, read by the caller after the join. */
	double *batch_ns;
	int64_t skew_t2_minus_t1; /* of the tightest exchange, in ticks */
	uint64_t skew_width;	  /* its t3 - t1, in ticks */
	/* The same with the roles swapped (cpu_b asks, cpu_a stamps); written by
	 * the responder thread only. */
	int64_t reverse_t2_minus_t1;
	uint64_t reverse_width;
};

struct cpu_pair_thread {
	struct cpu_pair_shared *shared;
	int cpu;
	bool initiator;
	int error; /* 0, or an errno value; ECANCELED when the partner gave up */
};

/* Called every SPINS_PER_CHECK spins. Returns 0 to keep waiting, else the
 * error to stop with; a timeout is published so the partner stops too. */
static int cpu_pair_check(struct cpu_pair_shared *shared)
{
	/* No ordering needed: the flag carries no data, only "stop". */
	if (ck_pr_load_int(&shared->abort))
		return ECANCELED;
	if (timer_clock_ns() > shared->deadline_ns) {
		ck_pr_store_int(&shared->abort, 1);
		return ETIMEDOUT;
	}
	return 0;
}

/*
 * Waits until the line holds `want` or a later value. Later: where the skew
 * exchanges swap roles, the side that sent the last reply of one direction
 * sends the first request of the other right after, and its partner may only
 * ever see the second of the two stores (the values only grow, so a later one
 * means the awaited one was written). No fence after the load: in the round
 * trips the value is the only datum exchanged, and a store that follows is
 * never made visible before the load it depends on has returned. The skew
 * exchange, which does pass a second datum, adds its own fences.
 */
static int cpu_pair_wait(struct cpu_pair_shared *shared, uint64_t want)
{
	unsigned spins = 0;
	int error;

	while ((int64_t)(ck_pr_load_64(&shared->line.value) - want) < 0) {
		ck_pr_stall();
		if (++spins % CPU_PAIR_SPINS_PER_CHECK == 0 && (error = cpu_pair_check(shared)) != 0)
			return error;
	}
	return 0;
}

static int cpu_pair_pin(int cpu)
{
	cpu_set_t *mask = CPU_ALLOC((size_t)cpu + 1);
	size_t size = CPU_ALLOC_SIZE((size_t)cpu + 1);
	int error;

	if (mask == NULL)
		return ENOMEM;
	CPU_ZERO_S(size, mask);
	CPU_SET_S((size_t)cpu, size, mask);
	/* Returns once the thread runs on `cpu`: the kernel migrates it at once. */
	error = pthread_setaffinity_np(pthread_self(), size, mask);
	CPU_FREE(mask);
	return error;
}

/* One round trip from the initiator's side: hand over, wait for the answer. */
static int cpu_pair_round_trip(struct cpu_pair_shared *shared, uint64_t *value)
{
	ck_pr_store_64(&shared->line.value, ++*value);
	return cpu_pair_wait(shared, ++*value);
}

/* The asking side of the skew exchanges: keeps the tightest one's t2 - t1 and
 * t3 - t1, in ticks of this thread's counter (t2 is the other's). */
static int cpu_pair_ask(struct cpu_pair_shared *shared, uint64_t *value, int64_t *t2_minus_t1,
			uint64_t *width)
{
	const struct timer_calibration *cal = shared->cal;
	int error;

	*width = UINT64_MAX;
	for (unsigned i = 0; i < shared->exchanges; i++) {
		/* Ordered reads: t1 completes before the request's store starts,
		 * and t3 starts only after the load that saw the reply returned,
		 * so the stamping side's t2 lies between them in real time. */
		uint64_t t1 = timer_read_ordered(cal), t2, t3;

		if ((error = cpu_pair_round_trip(shared, value)) != 0)
			return error;
		t3 = timer_read_ordered(cal);
		/* Orders the load of the reply (in cpu_pair_wait) before the load
		 * of the stamp: pairs with the stamping side's store fence, so the
		 * stamp read is the one this reply published. */
		ck_pr_fence_load();
		t2 = ck_pr_load_64(&shared->line.stamp);
		if (t3 - t1 < *width) {
			*width = t3 - t1;
			/* Signed: the other counter may be behind this one. The unsigned
			 * difference wraps, and converts back to the negative value. */
			*t2_minus_t1 = (int64_t)(t2 - t1);
		}
	}
	return 0;
}

/* The stamping side: answers each request with its counter's t2. */
static int cpu_pair_stamp(struct cpu_pair_shared *shared, uint64_t *value)
{
	int error;

	for (unsigned i = 0; i < shared->exchanges; i++) {
		uint64_t t2;

		if ((error = cpu_pair_wait(shared, ++*value)) != 0)
			return error;
		/* Ordered: the read starts only after the load that saw the
		 * request returned, and completes before the stamp is stored. */
		t2 = timer_read_ordered(shared->cal);
		ck_pr_store_64(&shared->line.stamp, t2);
		/* Orders the stamp's store before the reply's: the asker that
		 * sees the reply then reads this stamp (its load fence pairs). */
		ck_pr_fence_store();
		ck_pr_store_64(&shared->line.value, ++*value);
	}
	return 0;
}

static int cpu_pair_initiate(struct cpu_pair_shared *shared)
{
	const struct timer_calibration *cal = shared->cal;
	uint64_t value = 0;
	int error;

	for (unsigned i = 0; i < CPU_PAIR_WARMUP; i++)
		if ((error = cpu_pair_round_trip(shared, &value)) != 0)
			return error;

	for (unsigned batch = 0; batch < shared->batches; batch++) {
		uint64_t start = timer_read_ordered(cal);

		for (unsigned i = 0; i < shared->batch_size; i++)
			if ((error = cpu_pair_round_trip(shared, &value)) != 0)
				return error;
		shared->batch_ns[batch] = (double)(timer_read_ordered(cal) - start) *
					  cal->ns_per_tick / (double)shared->batch_size;
	}

	if ((error = cpu_pair_ask(shared, &value, &shared->skew_t2_minus_t1,
				  &shared->skew_width)) != 0)
		return error;
	return cpu_pair_stamp(shared, &value);
}

static int cpu_pair_respond(struct cpu_pair_shared *shared)
{
	uint64_t round_trips = CPU_PAIR_WARMUP + (uint64_t)shared->batches * shared->batch_size;
	uint64_t value = 0;
	int error;

	for (uint64_t i = 0; i < round_trips; i++) {
		if ((error = cpu_pair_wait(shared, ++value)) != 0)
			return error;
		ck_pr_store_64(&shared->line.value, ++value);
	}
	if ((error = cpu_pair_stamp(shared, &value)) != 0)
		return error;
	/* Then the roles swap, so the method's own asymmetry cancels out. */
	return cpu_pair_ask(shared, &value, &shared->reverse_t2_minus_t1, &shared->reverse_width);
}

static int cpu_pair_run(struct cpu_pair_thread *self)
{
	struct cpu_pair_shared *shared = self->shared;
	unsigned spins = 0;
	int error;

	error = cpu_pair_pin(self->cpu);
	if (error != 0)
		return error;
	/* Start barrier: neither side starts before both are pinned. The
	 * increment is atomic, and the spin needs no fence: the shared setup was
	 * published by pthread_create, and the line is touched only after. */
	ck_pr_inc_int(&shared->ready);
	while (ck_pr_load_int(&shared->ready) < 2) {
		ck_pr_stall();
		if (++spins % CPU_PAIR_SPINS_PER_CHECK == 0 && (error = cpu_pair_check(shared)) != 0)
			return error;
	}
	return self->initiator ? cpu_pair_initiate(shared) : cpu_pair_respond(shared);
}

static void *cpu_pair_thread_main(void *arg)
{
	struct cpu_pair_thread *self = arg;

	self->error = cpu_pair_run(self);
	/* The partner may be spinning on the line for an answer that will not
	 * come; the flag (checked every SPINS_PER_CHECK spins) releases it. */
	if (self->error != 0)
		ck_pr_store_int(&self->shared->abort, 1);
	return NULL;
}

/* 0 with *allowed set, or an errno value: whether this thread may run on
 * `cpu`, read from its affinity mask at whatever size the kernel's is. */
static int cpu_pair_cpu_allowed(int cpu, bool *allowed)
{
	unsigned mask_cpus = CPU_PAIR_MASK_CPUS_FIRST;
	cpu_set_t *mask;
	size_t size;

	*allowed = false;
	if (cpu < 0)
		return 0;
	for (;;) {
		mask = CPU_ALLOC(mask_cpus);
		if (mask == NULL)
			return ENOMEM;
		size = CPU_ALLOC_SIZE(mask_cpus);
		if (sched_getaffinity(0, size, mask) == 0)
			break;
		CPU_FREE(mask);
		if (errno != EINVAL || mask_cpus >= CPU_PAIR_MASK_CPUS_MAX)
			return errno;
		mask_cpus *= 2;
	}
	/* CPU_ALLOC rounds up to whole words; the kernel zeroes the spare bits. */
	*allowed = (size_t)cpu < size * 8 && CPU_ISSET_S((size_t)cpu, size, mask);
	CPU_FREE(mask);
	return 0;
}

/* The error to report when both threads stopped: the cause, not the echo. */
static int cpu_pair_first_error(const struct cpu_pair_thread *threads)
{
	for (int i = 0; i < 2; i++)
		if (threads[i].error != 0 && threads[i].error != ECANCELED)
			return threads[i].error;
	return threads[0].error != 0 ? threads[0].error : threads[1].error;
}

/* Starts both threads and waits for them; returns 0 or an errno value. */
static int cpu_pair_measure(struct cpu_pair_shared *shared, int cpu_a, int cpu_b)
{
	struct cpu_pair_thread threads[2];
	pthread_t handles[2];
	int started = 0, error = 0;

	/* The responder starts first so it is waiting when the initiator writes. */
	threads[0] = (struct cpu_pair_thread){ .shared = shared, .cpu = cpu_b, .initiator = false };
	threads[1] = (struct cpu_pair_thread){ .shared = shared, .cpu = cpu_a, .initiator = true };
	for (; started < 2; started++) {
		error = pthread_create(&handles[started], NULL, cpu_pair_thread_main,
				       &threads[started]);
		if (error != 0) {
			/* A thread already started is waiting at the start barrier;
			 * the flag makes it give up there rather than at the deadline. */
			ck_pr_store_int(&shared->abort, 1);
			break;
		}
	}
	for (int i = 0; i < started; i++)
		pthread_join(handles[i], NULL);
	return error != 0 ? error : cpu_pair_first_error(threads);
}

static int cpu_pair_compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Fills *out from the initiator's results; sorts batch_ns in place. */
static void cpu_pair_summarise(struct cpu_pair_shared *shared, struct cpu_pair_sample *out)
{
	double *batch_ns = shared->batch_ns;
	unsigned n = shared->batches;

	qsort(batch_ns, n, sizeof batch_ns[0], cpu_pair_compare_double);
	/* Halves first, as stats_median: the sum of two values must not overflow. */
	out->round_trip_ns = n % 2 == 1 ? batch_ns[n / 2]
					: batch_ns[n / 2 - 1] / 2 + batch_ns[n / 2] / 2;
	out->round_trip_min_ns = batch_ns[0];
	if (shared->exchanges == 0) {
		out->skew_ns = NAN;
		out->skew_bound_ns = NAN;
		return;
	}
	/* Each direction bounds the skew s = counter(b) - counter(a) by causality:
	 * asked by a, s lies within (t2 - t1) - w/2 +- w/2 (w = t3 - t1), from
	 * differences only (raw counters are too large for a double); asked by b,
	 * -s lies within the same expression of b's exchange. s lies in both
	 * intervals: the estimate is the middle of their intersection, and any
	 * asymmetry of the method (one direction's transfer slower than the
	 * other's) cancels, where one direction alone would keep it as a bias. */
	double forward = (double)shared->skew_t2_minus_t1 - (double)shared->skew_width / 2;
	double forward_half = (double)shared->skew_width / 2;
	double reverse = -((double)shared->reverse_t2_minus_t1 - (double)shared->reverse_width / 2);
	double reverse_half = (double)shared->reverse_width / 2;
	double low = fmax(forward - forward_half, reverse - reverse_half);
	double high = fmin(forward + forward_half, reverse + reverse_half);

	if (low > high) {
		/* Disjoint only by the counters' step: keep the tighter direction. */
		low = forward_half <= reverse_half ? forward - forward_half : reverse - reverse_half;
		high = forward_half <= reverse_half ? forward + forward_half : reverse + reverse_half;
	}
	out->skew_ns = (low + high) / 2 * shared->cal->ns_per_tick;
	out->skew_bound_ns = (high - low) / 2 * shared->cal->ns_per_tick;
}

int cpu_pair_probe(int cpu_a, int cpu_b, unsigned round_trips, const struct timer_calibration *cal,
		   struct cpu_pair_sample *out)
{
	struct cpu_pair_shared *shared;
	bool allowed_a, allowed_b;
	uint64_t exchanges;
	int error;

	if (round_trips == 0 || cal == NULL || out == NULL || cpu_a == cpu_b) {
		errno = EINVAL;
		return -1;
	}
	if ((error = cpu_pair_cpu_allowed(cpu_a, &allowed_a)) != 0 ||
	    (error = cpu_pair_cpu_allowed(cpu_b, &allowed_b)) != 0) {
		errno = error;
		return -1;
	}
	if (!allowed_a || !allowed_b) {
		errno = EINVAL;
		return -1;
	}
	/* The struct is 128-aligned, so its size is a multiple of 128, as
	 * aligned_alloc requires. */
	shared = aligned_alloc(CPU_PAIR_CACHE_LINE, sizeof(*shared));
	if (shared == NULL)
		return -1;
	memset(shared, 0, sizeof(*shared));
	shared->cal = cal;
	shared->batch_size = round_trips >= CPU_PAIR_BATCH * CPU_PAIR_MIN_BATCHES
				     ? CPU_PAIR_BATCH
				     : (round_trips + CPU_PAIR_MIN_BATCHES - 1) / CPU_PAIR_MIN_BATCHES;
	shared->batches = (round_trips + shared->batch_size - 1) / shared->batch_size;
	shared->exchanges = cal->kind == TIMER_KIND_CLOCK ? 0 : CPU_PAIR_SKEW_EXCHANGES;
	shared->batch_ns = calloc(shared->batches, sizeof(double));
	if (shared->batch_ns == NULL) {
		free(shared);
		errno = ENOMEM;
		return -1;
	}
	exchanges = CPU_PAIR_WARMUP + (uint64_t)shared->batches * shared->batch_size +
		    2 * (uint64_t)shared->exchanges;
	shared->deadline_ns = timer_clock_ns() + CPU_PAIR_DEADLINE_BASE_NS +
			      exchanges * CPU_PAIR_DEADLINE_PER_EXCHANGE_NS;

	error = cpu_pair_measure(shared, cpu_a, cpu_b);
	if (error == 0)
		cpu_pair_summarise(shared, out);
	free(shared->batch_ns);
	free(shared);
	if (error != 0) {
		errno = error;
		return -1;
	}
	return 0;
}
