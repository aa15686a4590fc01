#include "harness/cell.h"

#include <ck_pr.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness/machine_probe.h"
#include "workloads/kernel_table.h"

void cell_make_id(struct cell *cell)
{
	snprintf(cell->id, sizeof cell->id, "%s.%s.t%u.cs%u.ncs%u.r%u", cell->workload->name,
		 cell->lock->name, cell->threads, cell->cs_ns, cell->ncs_ns, cell->read_pct);
}

static const char *const status_names[] = { "ok", "timeout", "crashed", "error" };

const char *cell_status_name(enum cell_status status)
{
	return status_names[status];
}

int cell_status_parse(const char *name)
{
	for (int i = 0; i < (int)(sizeof status_names / sizeof status_names[0]); i++)
		if (strcmp(status_names[i], name) == 0)
			return i;
	return -1;
}

/* Everything the threads of one cell share; the flags each get a line. */
struct cell_run_state {
	const struct cell *cell;
	const struct cell_environment *env;
	kernel_fn kernel;
	void *lock;
	unsigned warmup_stop __attribute__((aligned(LL_PAD)));
	unsigned measure_stop __attribute__((aligned(LL_PAD)));
	pthread_barrier_t barrier;
	struct kernel_handoff handoff;
};

struct cell_thread {
	struct kernel_thread kernel; /* first: aligned to LL_PAD */
	struct cell_run_state *state;
	pthread_t thread;
	struct hist *hists; /* acquire, hold, handoff */
};

static void kernel_reset(struct kernel_thread *k)
{
	k->ops = 0;
	k->reads = 0;
	hist_init(k->acquire);
	hist_init(k->hold);
	hist_init(k->handoff_latency);
}

/* Thread body: context set-up, warm-up, measured phase, all between barriers so
 * that the main thread's clock reads bracket exactly the measured phase. */
static void *cell_thread_main(void *arg)
{
	struct cell_thread *self = arg;
	struct cell_run_state *state = self->state;
	const struct ll_info *info = state->cell->lock;
	unsigned node = state->env->numa_nodes ? self->kernel.index % state->env->numa_nodes : 0;

	info->ops.ctx_init(state->lock, self->kernel.ctx, self->kernel.index, node);
	pthread_barrier_wait(&state->barrier); /* 1: everyone ready */
	if (state->env->warmup_s > 0) {
		self->kernel.stop = &state->warmup_stop;
		state->kernel(&self->kernel);
	}
	kernel_reset(&self->kernel);
	self->kernel.stop = &state->measure_stop;
	pthread_barrier_wait(&state->barrier); /* 2: warm-up over, counters reset */
	pthread_barrier_wait(&state->barrier); /* 3: go */
	state->kernel(&self->kernel);
	return NULL;
}

static void sleep_seconds(double seconds)
{
	struct timespec ts = { .tv_sec = (time_t)seconds,
			       .tv_nsec = (long)((seconds - floor(seconds)) * 1e9) };
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static double seconds_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static double timeval_seconds(struct timeval tv)
{
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int start_threads(struct cell_thread *threads, unsigned n,
			 const struct cell_environment *env, struct cell_result *result)
{
	for (unsigned i = 0; i < n; i++) {
		pthread_attr_t attr;
		int err;

		pthread_attr_init(&attr);
		result->thread_cpu[i] = -1;
		if (env->pin && env->cpu_count > 0) {
			cpu_set_t set;
			unsigned cpu = env->cpus[i % env->cpu_count];

			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			pthread_attr_setaffinity_np(&attr, sizeof set, &set);
			result->thread_cpu[i] = (int)cpu;
		}
		err = pthread_create(&threads[i].thread, &attr, cell_thread_main, &threads[i]);
		pthread_attr_destroy(&attr);
		if (err != 0) {
			errno = err;
			return -1;
		}
	}
	return 0;
}

int cell_run(const struct cell *cell, const struct cell_environment *env,
	     struct cell_result *result)
{
	unsigned n = cell->threads;
	struct ll_params params = { .max_threads = n, .numa_nodes = env->numa_nodes };
	struct cell_run_state *state = NULL;
	struct cell_thread *threads = NULL;
	struct rusage usage_start, usage_end;
	struct timespec start, end;
	double steal_start;
	uint64_t heap_start;
	int rc = -1;

	memset(result, 0, sizeof *result);
	result->status = CELL_ERROR;
	hist_init(&result->acquire);
	hist_init(&result->hold);
	hist_init(&result->handoff);
	if (n == 0 || n > CELL_MAX_THREADS) {
		errno = EINVAL;
		return -1;
	}
	kernel_fn kernel = kernel_find(cell->workload->kernel, cell->lock->name);
	if (kernel == NULL) {
		errno = ENOENT;
		return -1;
	}
	state = aligned_alloc(LL_PAD, sizeof *state);
	threads = aligned_alloc(LL_PAD, n * sizeof *threads);
	if (state == NULL || threads == NULL)
		goto out;
	memset(state, 0, sizeof *state);
	memset(threads, 0, n * sizeof *threads);
	state->cell = cell;
	state->env = env;
	state->kernel = kernel;
	state->lock = ll_lock_new(cell->lock, &params);
	if (state->lock == NULL)
		goto out;

	uint64_t cs_iterations = (uint64_t)(cell->cs_ns * env->busy_iterations_per_ns + 0.5);
	uint64_t ncs_iterations = (uint64_t)(cell->ncs_ns * env->busy_iterations_per_ns + 0.5);
	for (unsigned i = 0; i < n; i++) {
		struct kernel_thread *k = &threads[i].kernel;

		threads[i].state = state;
		threads[i].hists = malloc(3 * sizeof(struct hist));
		k->ctx = ll_ctx_new(cell->lock);
		if (threads[i].hists == NULL || k->ctx == NULL)
			goto out_threads;
		k->lock = state->lock;
		k->cal = env->timer;
		k->cs_iterations = cell->workload->uses_cs ? cs_iterations : 0;
		k->ncs_iterations = cell->workload->uses_ncs ? ncs_iterations : 0;
		k->read_per_mille = cell->read_pct * 10;
		k->may_write = !cell->lock->single_writer || i == 0;
		k->sample_mask = (env->sample_every ? env->sample_every
						    : cell->workload->sample_every) - 1;
		k->index = i;
		k->handoff = &state->handoff;
		k->rng = 0x9e3779b97f4a7c15ull * (i + 1);
		k->acquire = &threads[i].hists[0];
		k->hold = &threads[i].hists[1];
		k->handoff_latency = &threads[i].hists[2];
		kernel_reset(k);
	}

	pthread_barrier_init(&state->barrier, NULL, n + 1);
	if (start_threads(threads, n, env, result) != 0) {
		/* Threads already started wait at barrier 1 forever: only a child process
		 * may fail here, and it exits. */
		goto out_threads;
	}
	pthread_barrier_wait(&state->barrier); /* 1 */
	if (env->warmup_s > 0)
		sleep_seconds(env->warmup_s);
	ck_pr_store_uint(&state->warmup_stop, 1);
	pthread_barrier_wait(&state->barrier); /* 2 */
	getrusage(RUSAGE_SELF, &usage_start);
	steal_start = probe_steal_seconds();
	heap_start = ll_heap_live();
	ll_heap_peak_reset();
	clock_gettime(CLOCK_MONOTONIC, &start);
	pthread_barrier_wait(&state->barrier); /* 3 */
	sleep_seconds(env->duration_s);
	ck_pr_store_uint(&state->measure_stop, 1);
	for (unsigned i = 0; i < n; i++)
		pthread_join(threads[i].thread, NULL);
	clock_gettime(CLOCK_MONOTONIC, &end);
	getrusage(RUSAGE_SELF, &usage_end);

	result->duration_s = seconds_between(&start, &end);
	result->steal_s = probe_steal_seconds() - steal_start;
	result->heap_bytes = ll_heap_peak() - heap_start;
	result->cpu_user_s = timeval_seconds(usage_end.ru_utime) - timeval_seconds(usage_start.ru_utime);
	result->cpu_sys_s = timeval_seconds(usage_end.ru_stime) - timeval_seconds(usage_start.ru_stime);
	result->ctx_voluntary = usage_end.ru_nvcsw - usage_start.ru_nvcsw;
	result->ctx_involuntary = usage_end.ru_nivcsw - usage_start.ru_nivcsw;
	for (unsigned i = 0; i < n; i++) {
		struct kernel_thread *k = &threads[i].kernel;

		result->thread_ops[i] = k->ops;
		result->ops += k->ops;
		result->reads += k->reads;
		hist_merge(&result->acquire, k->acquire);
		hist_merge(&result->hold, k->hold);
		hist_merge(&result->handoff, k->handoff_latency);
		cell->lock->ops.ctx_fini(state->lock, k->ctx);
	}
	pthread_barrier_destroy(&state->barrier);
	result->status = CELL_OK;
	rc = 0;

out_threads:
	for (unsigned i = 0; i < n; i++) {
		free(threads[i].hists);
		ll_ctx_free(cell->lock, threads[i].kernel.ctx);
	}
	ll_lock_free(cell->lock, state->lock);
out:
	free(threads);
	free(state);
	return rc;
}

/* Reads exactly size bytes before the deadline; false on timeout or early EOF. */
static bool read_until(int fd, void *buffer, size_t size, const struct timespec *deadline,
		       bool *timed_out)
{
	size_t got = 0;

	*timed_out = false;
	while (got < size) {
		struct timespec now;
		struct pollfd ready = { .fd = fd, .events = POLLIN };

		clock_gettime(CLOCK_MONOTONIC, &now);
		double left_ms = seconds_between(&now, deadline) * 1000.0;
		if (left_ms <= 0) {
			*timed_out = true;
			return false;
		}
		int polled = poll(&ready, 1, left_ms > 1e9 ? 1000000000 : (int)left_ms + 1);
		if (polled < 0 && errno == EINTR)
			continue;
		if (polled <= 0)
			continue; /* the deadline check above ends it */
		ssize_t n = read(fd, (char *)buffer + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

int cell_run_isolated(const struct cell *cell, const struct cell_environment *env,
		      struct cell_result *result)
{
	int fds[2], status;
	double watchdog = env->watchdog_s > 0 ? env->watchdog_s
					      : 5.0 * (env->warmup_s + env->duration_s) + 5.0;
	struct timespec deadline;
	bool timed_out;

	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (child == 0) {
		/* The result is large (histograms); the parent reads while we write. */
		struct cell_result *mine = malloc(sizeof *mine);

		/* Ctrl-C reaches the whole process group: the parent stops after this
		 * cell (locklab run), so this cell finishes instead of dying mid-way. */
		signal(SIGINT, SIG_IGN);
		close(fds[0]);
		if (mine == NULL)
			_exit(3);
		cell_run(cell, env, mine);
		const char *p = (const char *)mine;
		size_t left = sizeof *mine;
		while (left > 0) {
			ssize_t n = write(fds[1], p, left);
			if (n <= 0)
				_exit(3);
			p += n;
			left -= (size_t)n;
		}
		_exit(0);
	}
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)watchdog;
	deadline.tv_nsec += (long)((watchdog - floor(watchdog)) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	bool complete = read_until(fds[0], result, sizeof *result, &deadline, &timed_out);
	if (!complete && timed_out)
		kill(child, SIGKILL);
	close(fds[0]);
	waitpid(child, &status, 0);
	if (complete)
		return 0;
	memset(result, 0, sizeof *result);
	hist_init(&result->acquire);
	hist_init(&result->hold);
	hist_init(&result->handoff);
	if (timed_out) {
		result->status = CELL_TIMEOUT;
	} else if (WIFSIGNALED(status)) {
		result->status = CELL_CRASHED;
		result->crash_signal = WTERMSIG(status);
	} else {
		result->status = CELL_ERROR;
	}
	return 0;
}

double cell_calibrate_busy(const struct timer_calibration *timer)
{
	uint64_t iterations = 1u << 20;
	double best = 0;

	/* Grow until one batch takes >= 10 ms, then keep the fastest of a few: the
	 * slower ones were interrupted. */
	for (;;) {
		uint64_t start = timer_read_ordered(timer);
		kernel_busy(iterations);
		uint64_t ns = timer_ticks_to_ns(timer, timer_read_ordered(timer) - start);
		if (ns >= 10000000 || iterations >= (1ull << 40)) {
			best = (double)iterations / (double)ns;
			break;
		}
		iterations *= 2;
	}
	for (int i = 0; i < 4; i++) {
		uint64_t start = timer_read_ordered(timer);
		kernel_busy(iterations);
		uint64_t ns = timer_ticks_to_ns(timer, timer_read_ordered(timer) - start);
		double rate = (double)iterations / (double)(ns ? ns : 1);
		if (rate > best)
			best = rate;
	}
	return best;
}
