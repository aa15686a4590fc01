#include "harness/machine_probe.h"

#include "harness/stats.h"
#include "common/timer.h"
#include "harness/topology.h"

#include <ck_pr.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROBE_CACHE_LINE 128
#define PROBE_C2C_DEADLINE_BASE_NS 2000000000ull
#define PROBE_C2C_DEADLINE_PER_ROUND_TRIP_NS 10000ull
/* Spins between looks at the clock and the abort flag: rare enough not to
 * disturb the measured loop, often enough (tens of us) to stop promptly. */
#define PROBE_C2C_SPINS_PER_CHECK 1024u

double probe_steal_seconds(void)
{
	unsigned long long user, nice, system, idle, iowait, irq, softirq, steal;
	long ticks_per_second = sysconf(_SC_CLK_TCK);
	FILE *stat;
	int fields;

	if (ticks_per_second <= 0)
		return NAN;
	stat = fopen("/proc/stat", "r");
	if (stat == NULL)
		return NAN;
	/* The aggregate line comes first; "cpu " with the space, not "cpu0". */
	fields = fscanf(stat, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &system,
			&idle, &iowait, &irq, &softirq, &steal);
	fclose(stat);
	if (fields != 8)
		return NAN;
	return (double)steal / (double)ticks_per_second;
}

/* The line the two threads pass back and forth, alone in its 128 bytes (two
 * 64-byte lines: the adjacent-line prefetcher pairs them) so nothing else
 * moves with it. */
struct probe_c2c_line {
	_Alignas(PROBE_CACHE_LINE) uint64_t value;
	char pad[PROBE_CACHE_LINE - sizeof(uint64_t)];
};

struct probe_c2c_shared {
	struct probe_c2c_line ping;
	/* Control state on its own line; read only every SPINS_PER_CHECK spins. */
	_Alignas(PROBE_CACHE_LINE) int abort; /* set by a thread that gives up */
	int ready;			      /* threads pinned, 2 means go */
	uint64_t deadline_ns;		      /* CLOCK_MONOTONIC_RAW */
	unsigned batch_size, batches;
	double *batch_ns; /* written by the initiator only */
};

struct probe_c2c_thread {
	struct probe_c2c_shared *shared;
	int cpu;
	bool initiator;
	int error; /* 0, or an errno value; ECANCELED when the partner gave up */
};

/* Called every SPINS_PER_CHECK spins. Returns 0 to keep waiting, else the
 * error to stop with; a timeout is published so the partner stops too. */
static int probe_c2c_check(struct probe_c2c_shared *shared)
{
	if (ck_pr_load_int(&shared->abort))
		return ECANCELED;
	if (timer_clock_ns() > shared->deadline_ns) {
		ck_pr_store_int(&shared->abort, 1);
		return ETIMEDOUT;
	}
	return 0;
}

/*
 * Waits until the line holds `want`. No fence around the load or the store
 * that follows it: the line's value is the only datum the threads exchange,
 * so there is nothing else whose visibility it must order, and a store is
 * never made visible before the load it depends on has returned.
 */
static int probe_c2c_wait(struct probe_c2c_shared *shared, uint64_t want)
{
	unsigned spins = 0;
	int error;

	while (ck_pr_load_64(&shared->ping.value) != want) {
		ck_pr_stall();
		if (++spins % PROBE_C2C_SPINS_PER_CHECK == 0 && (error = probe_c2c_check(shared)) != 0)
			return error;
	}
	return 0;
}

static int probe_c2c_pin(int cpu)
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

static int probe_c2c_run(struct probe_c2c_thread *self)
{
	struct probe_c2c_shared *shared = self->shared;
	unsigned spins = 0;
	uint64_t value = 0;
	int error;

	error = probe_c2c_pin(self->cpu);
	if (error != 0)
		return error;
	/* Start barrier: neither side starts the clock before both are pinned. */
	ck_pr_inc_int(&shared->ready);
	while (ck_pr_load_int(&shared->ready) < 2) {
		ck_pr_stall();
		if (++spins % PROBE_C2C_SPINS_PER_CHECK == 0 && (error = probe_c2c_check(shared)) != 0)
			return error;
	}

	if (!self->initiator) {
		uint64_t total = PROBE_C2C_WARMUP + (uint64_t)shared->batches * shared->batch_size;

		for (uint64_t i = 0; i < total; i++) {
			error = probe_c2c_wait(shared, ++value);
			if (error != 0)
				return error;
			ck_pr_store_64(&shared->ping.value, ++value);
		}
		return 0;
	}

	for (unsigned i = 0; i < PROBE_C2C_WARMUP; i++) {
		ck_pr_store_64(&shared->ping.value, ++value);
		error = probe_c2c_wait(shared, ++value);
		if (error != 0)
			return error;
	}
	for (unsigned batch = 0; batch < shared->batches; batch++) {
		uint64_t start = timer_clock_ns();

		for (unsigned i = 0; i < shared->batch_size; i++) {
			ck_pr_store_64(&shared->ping.value, ++value);
			error = probe_c2c_wait(shared, ++value);
			if (error != 0)
				return error;
		}
		shared->batch_ns[batch] =
			(double)(timer_clock_ns() - start) / (double)shared->batch_size;
	}
	return 0;
}

static void *probe_c2c_thread_main(void *arg)
{
	struct probe_c2c_thread *self = arg;

	self->error = probe_c2c_run(self);
	if (self->error != 0)
		ck_pr_store_int(&self->shared->abort, 1);
	return NULL;
}

static bool probe_cpu_allowed(int cpu)
{
	int count = topology_cpu_list(NULL, 0);
	unsigned *cpus;
	bool allowed = false;

	if (cpu < 0 || count <= 0)
		return false;
	cpus = malloc((size_t)count * sizeof(*cpus));
	if (cpus == NULL)
		return false;
	count = topology_cpu_list(cpus, (unsigned)count);
	for (int i = 0; i < count && !allowed; i++)
		allowed = cpus[i] == (unsigned)cpu;
	free(cpus);
	return allowed;
}

/* The error to report when both threads stopped: the cause, not the echo. */
static int probe_c2c_first_error(const struct probe_c2c_thread *threads)
{
	for (int i = 0; i < 2; i++)
		if (threads[i].error != 0 && threads[i].error != ECANCELED)
			return threads[i].error;
	return threads[0].error != 0 ? threads[0].error : threads[1].error;
}

int probe_c2c_round_trip_ns(int cpu_a, int cpu_b, unsigned round_trips, double *median_ns,
			    double *min_ns)
{
	struct probe_c2c_thread threads[2];
	struct probe_c2c_shared *shared;
	pthread_t handles[2];
	int started = 0, error = 0;
	double median, min;

	if (round_trips == 0 || cpu_a == cpu_b || !probe_cpu_allowed(cpu_a) ||
	    !probe_cpu_allowed(cpu_b)) {
		errno = EINVAL;
		return -1;
	}
	shared = aligned_alloc(PROBE_CACHE_LINE, sizeof(*shared));
	if (shared == NULL)
		return -1;
	memset(shared, 0, sizeof(*shared));
	shared->batch_size = round_trips >= PROBE_C2C_BATCH * PROBE_C2C_MIN_BATCHES
				     ? PROBE_C2C_BATCH
				     : (round_trips + PROBE_C2C_MIN_BATCHES - 1) / PROBE_C2C_MIN_BATCHES;
	shared->batches = (round_trips + shared->batch_size - 1) / shared->batch_size;
	shared->batch_ns = calloc(shared->batches, sizeof(double));
	if (shared->batch_ns == NULL) {
		free(shared);
		errno = ENOMEM;
		return -1;
	}
	shared->deadline_ns = timer_clock_ns() + PROBE_C2C_DEADLINE_BASE_NS +
			      ((uint64_t)round_trips + PROBE_C2C_WARMUP) *
				      PROBE_C2C_DEADLINE_PER_ROUND_TRIP_NS;

	/* The responder starts first so it is waiting when the initiator writes. */
	threads[0] = (struct probe_c2c_thread){ .shared = shared, .cpu = cpu_b, .initiator = false };
	threads[1] = (struct probe_c2c_thread){ .shared = shared, .cpu = cpu_a, .initiator = true };
	for (; started < 2; started++) {
		error = pthread_create(&handles[started], NULL, probe_c2c_thread_main,
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
	if (error == 0)
		error = probe_c2c_first_error(threads);
	if (error != 0) {
		free(shared->batch_ns);
		free(shared);
		errno = error;
		return -1;
	}

	median = stats_median(shared->batch_ns, shared->batches);
	min = shared->batch_ns[0];
	for (unsigned i = 1; i < shared->batches; i++)
		if (shared->batch_ns[i] < min)
			min = shared->batch_ns[i];
	free(shared->batch_ns);
	free(shared);
	if (isnan(median)) {
		errno = ENOMEM;
		return -1;
	}
	if (median_ns != NULL)
		*median_ns = median;
	if (min_ns != NULL)
		*min_ns = min;
	return 0;
}
