#include "harness/claims.h"

#include <ck_pr.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "common/timer.h"
#include "workloads/kernel_table.h"

const unsigned claims_threads[CLAIMS_SETTINGS] = { 1, 2, 4 };
const unsigned claims_batches[CLAIMS_SETTINGS] = { CLAIMS_BATCHES, 61, 61 };

/* One batch's threads: they wait at start, run their share, and the last one
 * out stamps the end. */
struct claims_batch {
	const struct ll_info *info;
	kernel_fn run;
	void *lock;
	unsigned threads;
	pthread_barrier_t start, done;
	unsigned remaining;
	uint64_t end_ns;
	unsigned quit;
};

struct claims_worker {
	struct kernel_thread kernel; /* first: aligned to 128 */
	struct claims_batch *batch;
	pthread_t thread;
	unsigned cpu;
};


static void *claims_worker_main(void *arg)
{
	struct claims_worker *w = arg;
	struct claims_batch *b = w->batch;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	pthread_setaffinity_np(pthread_self(), sizeof set, &set);
	for (;;) {
		pthread_barrier_wait(&b->start);
		if (ck_pr_load_uint(&b->quit))
			return NULL;
		b->run(&w->kernel);
		/* The last to finish ends the batch. */
		if (ck_pr_faa_uint(&b->remaining, (unsigned)-1) == 1)
			ck_pr_store_64(&b->end_ns, timer_clock_ns());
		pthread_barrier_wait(&b->done);
	}
}

/* All batches of one lock at one thread count are interleaved with the other
 * locks by the caller; this runs one. */
static double claims_one_batch(struct claims_batch *b)
{
	ck_pr_store_uint(&b->remaining, b->threads);
	uint64_t start = timer_clock_ns();
	pthread_barrier_wait(&b->start);
	pthread_barrier_wait(&b->done);
	return (double)(ck_pr_load_64(&b->end_ns) - start) / 1e3;
}

/* Threads and contexts for (lock, threads); torn down by claims_stop. */
static int claims_start(struct claims_batch *b, struct claims_worker *workers,
			const struct ll_info *info, unsigned threads, const unsigned *cpus,
			unsigned cpu_count)
{
	struct ll_params params = { .max_threads = threads, .numa_nodes = 1 };

	memset(b, 0, sizeof *b);
	b->info = info;
	b->threads = threads;
	b->run = kernel_find("batch", info->name);
	b->lock = ll_lock_new(info, &params);
	if (b->run == NULL || b->lock == NULL) {
		errno = b->run == NULL ? ENOENT : errno;
		return -1;
	}
	pthread_barrier_init(&b->start, NULL, threads + 1);
	pthread_barrier_init(&b->done, NULL, threads + 1);
	for (unsigned i = 0; i < threads; i++) {
		memset(&workers[i], 0, sizeof workers[i]);
		workers[i].batch = b;
		workers[i].cpu = cpus[i % cpu_count];
		workers[i].kernel.lock = b->lock;
		workers[i].kernel.ctx = ll_ctx_new(info);
		workers[i].kernel.index = i;
		workers[i].kernel.batch_ops = CLAIMS_OPS / threads;
		if (workers[i].kernel.ctx == NULL)
			return -1;
		info->ops.ctx_init(b->lock, workers[i].kernel.ctx, i, 0);
		if (pthread_create(&workers[i].thread, NULL, claims_worker_main, &workers[i]) != 0) {
			errno = EAGAIN;
			return -1;
		}
	}
	return 0;
}

static void claims_stop(struct claims_batch *b, struct claims_worker *workers)
{
	ck_pr_store_uint(&b->quit, 1);
	pthread_barrier_wait(&b->start);
	for (unsigned i = 0; i < b->threads; i++) {
		pthread_join(workers[i].thread, NULL);
		b->info->ops.ctx_fini(b->lock, workers[i].kernel.ctx);
		ll_ctx_free(b->info, workers[i].kernel.ctx);
	}
	pthread_barrier_destroy(&b->start);
	pthread_barrier_destroy(&b->done);
	ll_lock_free(b->info, b->lock);
}

int claims_measure(struct claims_lock *locks, size_t count, const unsigned *cpus,
		   unsigned cpu_count)
{
	struct claims_batch *batches = calloc(count, sizeof *batches);
	struct claims_worker(*workers)[4] = aligned_alloc(128, count * sizeof *workers);
	int result = -1;

	if (batches == NULL || workers == NULL)
		goto out;
	for (int s = 0; s < CLAIMS_SETTINGS; s++) {
		size_t started = 0;

		for (; started < count; started++)
			if (claims_start(&batches[started], workers[started], locks[started].info,
					 claims_threads[s], cpus, cpu_count) != 0)
				break;
		/* Batch by batch across the locks: a host phase touches all alike. */
		for (unsigned k = 0; started == count && k < claims_batches[s]; k++)
			for (size_t l = 0; l < count; l++)
				locks[l].batch_us[s][k] = claims_one_batch(&batches[l]);
		for (size_t l = 0; l < started; l++)
			claims_stop(&batches[l], workers[l]);
		if (started < count)
			goto out;
	}
	result = 0;
out:
	free(batches);
	free(workers);
	return result;
}
