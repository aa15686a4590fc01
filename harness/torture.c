#include "harness/torture.h"

#include <ck_pr.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/random.h"
#include "harness/isolate.h"
#include "locks/base/inject.h"

/* State the critical sections share. Each field the checks race on has a line of
 * its own, so a check never passes by accident of false sharing. */
struct torture_shared {
	const struct ll_info *info;
	void *lock;
	unsigned owner __attribute__((aligned(LL_PAD))); /* thread + 1 inside, else 0 */
	unsigned readers __attribute__((aligned(LL_PAD)));
	uint64_t counter __attribute__((aligned(LL_PAD))); /* incremented non-atomically */
	uint64_t data_a __attribute__((aligned(LL_PAD))); /* a writer sets both ... */
	uint64_t data_b __attribute__((aligned(LL_PAD))); /* ... a reader sees them equal */
	unsigned stop __attribute__((aligned(LL_PAD)));
	pthread_barrier_t start;
	uint64_t exclusion_violations;
	uint64_t lost_updates;
	uint64_t rw_violations;
	unsigned max_readers;
};

struct torture_thread {
	struct torture_shared *shared;
	pthread_t thread;
	unsigned index;
	void *ctx;
	uint64_t rng;
	unsigned inject_one_in;
	uint64_t acquisitions;
	uint64_t reads;
	uint64_t trylock_failures;
	uint64_t yields;
	int ran_on; /* the CPU it ended on */
} __attribute__((aligned(LL_PAD)));

/* A few dozen pauses: wide enough that a second holder overlaps the check. */
static void torture_delay(uint64_t *rng)
{
	unsigned spins = (unsigned)(random_next(rng) & 31);

	for (unsigned i = 0; i < spins; i++)
		ck_pr_stall();
}

static void exclusive_section(struct torture_thread *self)
{
	struct torture_shared *s = self->shared;
	unsigned me = self->index + 1;
	uint64_t seen;

	if (ck_pr_load_uint(&s->owner) != 0)
		ck_pr_inc_64(&s->exclusion_violations);
	ck_pr_store_uint(&s->owner, me);
	/* Dekker-style against readers: our owner store is ordered before our load of
	 * the reader count, as their increment is before their load of owner, so if a
	 * reader and we overlap at least one of us sees the other. */
	ck_pr_fence_memory();
	if (ck_pr_load_uint(&s->readers) != 0)
		ck_pr_inc_64(&s->rw_violations);

	/* A read-modify-write split by a delay: a second holder loses an update. The
	 * injection point lets any thread the lock wrongly admits run right here. */
	seen = ck_pr_load_64(&s->counter);
	ll_inject_point();
	torture_delay(&self->rng);
	ck_pr_store_64(&s->counter, seen + 1);

	ck_pr_store_64(&s->data_a, seen);
	torture_delay(&self->rng);
	ck_pr_store_64(&s->data_b, seen);

	if (ck_pr_load_uint(&s->owner) != me)
		ck_pr_inc_64(&s->exclusion_violations);
	ck_pr_store_uint(&s->owner, 0);
	self->acquisitions++;
}

static void shared_section(struct torture_thread *self)
{
	struct torture_shared *s = self->shared;
	unsigned inside = ck_pr_faa_uint(&s->readers, 1) + 1;
	unsigned most = ck_pr_load_uint(&s->max_readers);
	uint64_t a, b;

	ck_pr_fence_memory(); /* pairs with the writer's fence: see exclusive_section */
	if (ck_pr_load_uint(&s->owner) != 0)
		ck_pr_inc_64(&s->rw_violations);
	b = ck_pr_load_64(&s->data_b);
	ll_inject_point(); /* a writer the lock wrongly admits runs here */
	torture_delay(&self->rng);
	a = ck_pr_load_64(&s->data_a);
	/* A writer stores a then b; read in the opposite order, a != b means a writer
	 * ran during this read. */
	if (a != b)
		ck_pr_inc_64(&s->rw_violations);
	while (inside > most && !ck_pr_cas_uint_value(&s->max_readers, most, inside, &most))
		;
	ck_pr_dec_uint(&s->readers);
	self->reads++;
}

/* Whether this thread may write-lock: a single-writer lock has one writer, thread 0. */
static bool may_write(const struct torture_thread *self)
{
	return !self->shared->info->single_writer || self->index == 0;
}

static void *stress_thread(void *arg)
{
	struct torture_thread *self = arg;
	struct torture_shared *s = self->shared;
	const struct ll_ops *ops = &s->info->ops;
	bool rw = ll_is_rw(s->info);

	/* The injector's seed is this thread's first draw: a function of the run's
	 * seed and the thread index, and unlike the draws that follow. */
	ll_inject_start(random_next(&self->rng), self->inject_one_in);
	pthread_barrier_wait(&s->start);
	while (!ck_pr_load_uint(&s->stop)) {
		uint64_t dice = random_next(&self->rng);

		if (rw && (!may_write(self) || dice % 4 != 0)) {
			ops->read_lock(s->lock, self->ctx);
			shared_section(self);
			ops->read_unlock(s->lock, self->ctx);
		} else if (ops->trylock != NULL && (dice >> 8) % 8 == 0) {
			if (ops->trylock(s->lock, self->ctx)) {
				exclusive_section(self);
				ops->unlock(s->lock, self->ctx);
			} else {
				self->trylock_failures++;
			}
		} else {
			ops->lock(s->lock, self->ctx);
			exclusive_section(self);
			ops->unlock(s->lock, self->ctx);
		}
	}
	self->yields = ll_inject_state.yields;
	self->ran_on = sched_getcpu();
	return NULL;
}

/* --- deterministic checks: one thread holds, another tries --- */

enum probe_action { PROBE_TRYLOCK, PROBE_LOCK, PROBE_READ_LOCK };

struct probe {
	struct torture_shared *shared;
	void *ctx;
	enum probe_action action;
	unsigned entered; /* set once the action got the lock */
	bool try_result;
};

static void *probe_thread(void *arg)
{
	struct probe *p = arg;
	const struct ll_ops *ops = &p->shared->info->ops;
	void *lock = p->shared->lock;

	switch (p->action) {
	case PROBE_TRYLOCK:
		p->try_result = ops->trylock(lock, p->ctx);
		if (p->try_result)
			ops->unlock(lock, p->ctx);
		break;
	case PROBE_LOCK:
		ops->lock(lock, p->ctx);
		ck_pr_store_uint(&p->entered, 1);
		ops->unlock(lock, p->ctx);
		break;
	case PROBE_READ_LOCK:
		ops->read_lock(lock, p->ctx);
		ck_pr_store_uint(&p->entered, 1);
		ops->read_unlock(lock, p->ctx);
		break;
	}
	return NULL;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Waits up to ms for the probe to get in; true if it did. */
static bool probe_entered_within(struct probe *p, unsigned ms)
{
	for (unsigned waited = 0; waited < ms; waited++) {
		if (ck_pr_load_uint(&p->entered))
			return true;
		sleep_ms(1);
	}
	return ck_pr_load_uint(&p->entered) != 0;
}

struct semantics {
	struct torture_shared *shared;
	void *holder_ctx; /* thread index 0: the one writer of a single-writer lock */
	void *prober_ctx; /* thread index 1 */
	struct torture_result *result;
};

/* A thread torture cannot start means the check it serves cannot run: stop the
 * child loudly (its parent reports the abort as a failed lock), rather than
 * wait at a barrier that will never fill or report a probe that never ran. */
static void torture_spawn(pthread_t *thread, void *(*body)(void *), void *arg, int cpu)
{
	pthread_attr_t attr;
	int error;

	pthread_attr_init(&attr);
	if (cpu >= 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		pthread_attr_setaffinity_np(&attr, sizeof set, &set);
	}
	error = pthread_create(thread, &attr, body, arg);
	pthread_attr_destroy(&attr);

	if (error != 0) {
		fprintf(stderr, "locklab: torture: pthread_create: %s\n", strerror(error));
		abort();
	}
}

static void semantic_failure(struct semantics *sem, const char *what)
{
	if (sem->result->semantic_failures++ == 0)
		snprintf(sem->result->first_failure, sizeof sem->result->first_failure, "%s",
			 what);
}

/* Starts a probe, gives it wait_ms to get in while the holder holds, then lets the
 * holder release via release() and joins the probe. Returns whether it got in
 * while the lock was still held. */
static bool probe_while_held(struct semantics *sem, enum probe_action action, unsigned wait_ms,
			     void (*release)(void *lock, void *ctx), struct probe *p)
{
	pthread_t thread;
	bool entered;

	*p = (struct probe){ .shared = sem->shared, .ctx = sem->prober_ctx, .action = action };
	torture_spawn(&thread, probe_thread, p, -1);
	if (action == PROBE_TRYLOCK) {
		pthread_join(thread, NULL);
		release(sem->shared->lock, sem->holder_ctx);
		return p->try_result;
	}
	entered = probe_entered_within(p, wait_ms);
	release(sem->shared->lock, sem->holder_ctx);
	pthread_join(thread, NULL);
	return entered;
}

static void check_semantics(struct semantics *sem)
{
	const struct ll_info *info = sem->shared->info;
	const struct ll_ops *ops = &info->ops;
	void *lock = sem->shared->lock;
	struct probe p;

	/* A writer excludes a would-be locker for as long as it holds the lock. */
	ops->lock(lock, sem->holder_ctx);
	if (probe_while_held(sem, ll_is_rw(info) ? PROBE_READ_LOCK : PROBE_LOCK, 50, ops->unlock,
			     &p))
		semantic_failure(sem, "a second thread got in while the lock was held");
	if (!ck_pr_load_uint(&p.entered))
		semantic_failure(sem, "the waiting thread did not get in after unlock");

	if (ops->trylock != NULL) {
		if (!ops->trylock(lock, sem->holder_ctx))
			semantic_failure(sem, "trylock failed on a free lock");
		else
			ops->unlock(lock, sem->holder_ctx);
		if (!info->single_writer) {
			ops->lock(lock, sem->holder_ctx);
			if (probe_while_held(sem, PROBE_TRYLOCK, 0, ops->unlock, &p))
				semantic_failure(sem, "trylock succeeded while the lock was held");
		}
	}
	if (!ll_is_rw(info))
		return;

	/* Readers share: a second reader gets in while the first holds (2 s is far
	 * beyond any hand-off, yet bounded if the lock wrongly excludes readers). */
	ops->read_lock(lock, sem->prober_ctx);
	{
		struct probe reader = { .shared = sem->shared, .ctx = sem->holder_ctx,
					.action = PROBE_READ_LOCK };
		pthread_t thread;

		torture_spawn(&thread, probe_thread, &reader, -1);
		if (!probe_entered_within(&reader, 2000))
			semantic_failure(sem, "a second reader was kept out by a reader");
		ops->read_unlock(lock, sem->prober_ctx);
		pthread_join(thread, NULL);
	}
	/* A reader keeps a writer's trylock out. The single writer is the holder. */
	if (ops->trylock != NULL) {
		struct probe writer = { .shared = sem->shared, .ctx = sem->holder_ctx,
					.action = PROBE_TRYLOCK };
		pthread_t thread;

		ops->read_lock(lock, sem->prober_ctx);
		torture_spawn(&thread, probe_thread, &writer, -1);
		pthread_join(thread, NULL);
		ops->read_unlock(lock, sem->prober_ctx);
		if (writer.try_result)
			semantic_failure(sem, "write trylock succeeded beside a reader");
	}
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

/* Sleeps out the stress in 1 ms steps, noting when a violation first shows and
 * ending early on one if asked to. */
static void watch_stress(struct torture_shared *s, const struct torture_config *config,
			 struct torture_result *result)
{
	struct timespec start;

	clock_gettime(CLOCK_MONOTONIC, &start);
	while (seconds_since(&start) < config->seconds) {
		sleep_ms(1);
		if (result->caught_after_s == 0 && (ck_pr_load_64(&s->exclusion_violations) != 0 ||
						   ck_pr_load_64(&s->rw_violations) != 0)) {
			result->caught_after_s = seconds_since(&start);
			if (config->stop_on_violation)
				return;
		}
	}
}

bool torture_failed(const struct torture_result *r)
{
	return r->exclusion_violations || r->lost_updates || r->rw_violations ||
	       r->semantic_failures || r->timed_out || r->crash_signal;
}

int torture_run(const struct ll_info *info, const struct torture_config *config,
		struct torture_result *result)
{
	/* The deterministic checks need two contexts even for a one-thread stress. */
	unsigned n = config->threads < 2 ? 2 : config->threads;
	struct ll_params params = { .max_threads = n, .numa_nodes = config->numa_nodes };
	struct torture_shared *s;
	struct torture_thread *threads;
	uint64_t writes = 0;

	memset(result, 0, sizeof *result);
	s = aligned_alloc(LL_PAD, sizeof *s);
	threads = aligned_alloc(LL_PAD, n * sizeof *threads);
	if (s == NULL || threads == NULL) {
		free(s);
		free(threads);
		return -1;
	}
	memset(s, 0, sizeof *s);
	memset(threads, 0, n * sizeof *threads);
	s->info = info;
	s->lock = ll_lock_new(info, &params);
	if (s->lock == NULL) {
		free(s);
		free(threads);
		return -1;
	}
	for (unsigned i = 0; i < n; i++) {
		threads[i].shared = s;
		threads[i].index = i;
		threads[i].rng = config->seed * 0x100000001b3ull + i;
		threads[i].inject_one_in = config->inject_one_in;
		threads[i].ctx = ll_ctx_new(info);
		info->ops.ctx_init(s->lock, threads[i].ctx, i,
				   config->numa_nodes ? i % config->numa_nodes : 0);
	}

	struct semantics sem = { .shared = s, .holder_ctx = threads[0].ctx,
				 .prober_ctx = threads[1].ctx, .result = result };
	check_semantics(&sem);

	int error = pthread_barrier_init(&s->start, NULL, config->threads + 1);
	if (error != 0) {
		fprintf(stderr, "locklab: torture: pthread_barrier_init: %s\n", strerror(error));
		abort();
	}
	for (unsigned i = 0; i < config->threads; i++)
		torture_spawn(&threads[i].thread, stress_thread, &threads[i],
			      config->pu_count ? (int)config->pus[i % config->pu_count] : -1);
	pthread_barrier_wait(&s->start);
	watch_stress(s, config, result);
	ck_pr_store_uint(&s->stop, 1);
	for (unsigned i = 0; i < config->threads; i++) {
		pthread_join(threads[i].thread, NULL);
		if (threads[i].ran_on >= 64)
			result->ran_on_high = true;
		else if (threads[i].ran_on >= 0)
			result->ran_on_mask |= 1ull << threads[i].ran_on;
	}
	pthread_barrier_destroy(&s->start);

	for (unsigned i = 0; i < n; i++) {
		writes += threads[i].acquisitions;
		result->reads += threads[i].reads;
		result->trylock_failures += threads[i].trylock_failures;
		result->yields += threads[i].yields;
		info->ops.ctx_fini(s->lock, threads[i].ctx);
		ll_ctx_free(info, threads[i].ctx);
	}
	result->acquisitions = writes;
	result->exclusion_violations = s->exclusion_violations;
	result->rw_violations = s->rw_violations;
	result->lost_updates = writes > s->counter ? writes - s->counter : 0;
	if (s->counter > writes) /* more increments than sections: impossible unless torn */
		result->exclusion_violations++;
	result->max_readers = s->max_readers;
	ll_lock_free(info, s->lock);
	free(threads);
	free(s);
	return 0;
}

/* Confines this process to the first n of the CPUs it may use now (all of them if
 * it may use fewer); 0 or -1 with errno. */
static int confine_to_cpus(unsigned n)
{
	cpu_set_t allowed, chosen;

	if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
		return -1;
	CPU_ZERO(&chosen);
	for (int cpu = 0; cpu < CPU_SETSIZE && n > 0; cpu++)
		if (CPU_ISSET(cpu, &allowed)) {
			CPU_SET(cpu, &chosen);
			n--;
		}
	return sched_setaffinity(0, sizeof chosen, &chosen);
}

int torture_isolated(const struct ll_info *info, const struct torture_config *config,
		     struct torture_result *result)
{
	int pipe_fds[2];
	pid_t child;
	int status;
	/* Generous: FIFO spin locks on an oversubscribed machine drain slowly. */
	double watchdog_s = config->watchdog_seconds > 0 ? config->watchdog_seconds
							 : config->seconds * 3.0 + 10.0;
	int watchdog_ms = (int)(watchdog_s * 1000.0);
	struct pollfd ready;

	memset(result, 0, sizeof *result);
	if (pipe(pipe_fds) != 0)
		return -1;
	fflush(NULL);
	pid_t parent = getpid();
	child = fork();
	if (child < 0) {
		close(pipe_fds[0]);
		close(pipe_fds[1]);
		return -1;
	}
	if (child == 0) {
		struct torture_result mine;

		isolate_child_dies_with_parent(parent);
		signal(SIGINT, SIG_IGN); /* the parent decides what Ctrl-C ends */
		int rc = config->cpus != 0 && confine_to_cpus(config->cpus) != 0
				 ? -1
				 : torture_run(info, config, &mine);
		ssize_t wrote = 0;

		close(pipe_fds[0]);
		if (rc == 0)
			wrote = write(pipe_fds[1], &mine, sizeof mine);
		_exit(rc == 0 && wrote == (ssize_t)sizeof mine ? 0 : 3);
	}
	close(pipe_fds[1]);
	ready = (struct pollfd){ .fd = pipe_fds[0], .events = POLLIN };
	int polled;
	while ((polled = poll(&ready, 1, watchdog_ms)) < 0 && errno == EINTR)
		;
	if (polled == 0) {
		kill(child, SIGKILL);
		waitpid(child, &status, 0);
		close(pipe_fds[0]);
		result->timed_out = true;
		return 0;
	}
	ssize_t got = read(pipe_fds[0], result, sizeof *result);
	close(pipe_fds[0]);
	waitpid(child, &status, 0);
	if (WIFSIGNALED(status)) {
		memset(result, 0, sizeof *result);
		result->crash_signal = WTERMSIG(status);
		return 0;
	}
	return got == (ssize_t)sizeof *result ? 0 : -1;
}
