#include "harness/cell.h"

#include <ck_pr.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/cpu_pair.h"
#include "common/random.h"
#include "common/stats.h"
#include "harness/isolate.h"
#include "harness/machine_probe.h"
#include "workloads/kernel_table.h"

/* Per rep and CPU: the best of 4 batches of 1 ms. */
#define CELL_BUSY_BATCH_NS 1e6
#define CELL_BUSY_BATCHES 4
/* handoff holds at least this long time their busy work as the host's speed: the
 * shared words the hold reads are then under 10 % of it. */
#define CELL_HANDOFF_TIMED_CS_NS 10000u
/* Where a kernel times no busy work of its own, it probes the host's speed:
 * CELL_PROBE_NS of the busy loop at most once per CELL_PROBE_EVERY_NS
 * (workloads/kernel.h, kernel_probe_host). */
#define CELL_PROBE_NS 1000.0
#define CELL_PROBE_EVERY_NS 500000.0


enum cell_speed_source cell_speed_source(const struct cell *cell)
{
	const char *kernel = cell->workload->kernel;

	/* handoff's hold also reads words the last owner's CPU wrote (up to about
	 * 1 us of misses here): the host's speed only under long holds. */
	if (strcmp(kernel, "handoff") == 0)
		return cell->cs_ns >= CELL_HANDOFF_TIMED_CS_NS && cell->cs_lines == 0
			       ? CELL_SPEED_FROM_WORK
			       : CELL_SPEED_FROM_PROBES;
	if (strcmp(kernel, "contended") == 0 || strcmp(kernel, "rwmix") == 0)
		return cell->workload->uses_ncs && cell->ncs_ns > 0 ? CELL_SPEED_FROM_WORK
								    : CELL_SPEED_FROM_PROBES;
	return CELL_SPEED_FROM_PROBES;
}

void cell_make_id(struct cell *cell)
{
	int n = snprintf(cell->id, sizeof cell->id, "%s.%s.t%u.cs%u.ncs%u.r%u",
			 cell->workload->name, cell->lock->name, cell->threads, cell->cs_ns,
			 cell->ncs_ns, cell->read_pct);
	/* No suffix without lines or placement options: ids of runs before them stay
	 * comparable. */
	if (cell->cs_lines > 0 && n > 0 && (size_t)n < sizeof cell->id)
		n += snprintf(cell->id + n, sizeof cell->id - (size_t)n, ".l%u", cell->cs_lines);
	if (cell->placed && n > 0 && (size_t)n < sizeof cell->id)
		snprintf(cell->id + n, sizeof cell->id - (size_t)n, ".aff%u.mem%u", cell->affinity,
			 cell->mem);
}

bool cell_same_shape(const struct cell *a, const struct cell *b)
{
	return a->lock == b->lock && strcmp(a->workload->kernel, b->workload->kernel) == 0 &&
	       a->cs_ns == b->cs_ns && a->ncs_ns == b->ncs_ns && a->read_pct == b->read_pct &&
	       a->cs_lines == b->cs_lines;
}

unsigned cell_cpus_used(const struct cell *cell, const struct cell_environment *env)
{
	if (!env->pin || env->cpu_count == 0)
		return env->cpu_count ? env->cpu_count : 1;
	/* Thread i runs on cpus[i % cpu_count]: distinct while i < cpu_count. */
	return cell->threads < env->cpu_count ? cell->threads : env->cpu_count;
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

/* Everything the threads of one cell share; the phase word gets its own line. */
struct cell_run_state {
	const struct cell *cell;
	const struct cell_environment *env;
	kernel_fn kernel;
	void *lock;
	unsigned phase __attribute__((aligned(LL_PAD))); /* enum kernel_phase */
	pthread_barrier_t barrier __attribute__((aligned(LL_PAD)));
	struct kernel_handoff handoff;
	struct kernel_runs runs;
};

struct cell_thread {
	struct kernel_thread kernel; /* first: aligned to LL_PAD */
	struct cell_run_state *state;
	pthread_t thread;
	pid_t tid;          /* for /proc/self/task/<tid>/: set before the first barrier */
	struct hist *hists; /* acquire, hold, handoff, run length */
};

/* Thread body: context set-up, then one kernel call for the whole rep. */
static void *cell_thread_main(void *arg)
{
	struct cell_thread *self = arg;
	struct cell_run_state *state = self->state;
	const struct ll_info *info = state->cell->lock;
	unsigned node = state->env->numa_nodes ? self->kernel.index % state->env->numa_nodes : 0;

	info->ops.ctx_init(state->lock, self->kernel.ctx, self->kernel.index, node);
	self->tid = (pid_t)syscall(SYS_gettid);
	pthread_barrier_wait(&state->barrier); /* everyone ready */
	state->kernel(&self->kernel);
	return NULL;
}

/* The CPU a thread is on now (stat's 39th field), or -1. */
static int thread_processor(pid_t tid)
{
	char path[64], line[1024];
	FILE *in;
	int cpu = -1;

	snprintf(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
	in = fopen(path, "r");
	if (in == NULL)
		return -1;
	if (fgets(line, sizeof line, in) != NULL) {
		/* The name (field 2) may hold spaces: count from its closing paren. */
		char *cursor = strrchr(line, ')');
		for (int field = 2; cursor != NULL && field < 39; field++)
			cursor = strchr(cursor + 1, ' ');
		if (cursor != NULL)
			cpu = atoi(cursor + 1);
	}
	fclose(in);
	return cpu;
}

/* A thread's migrations so far (sched's nr_migrations), or NaN. */
static double thread_migrations(pid_t tid)
{
	char path[64], line[256];
	FILE *in;
	double migrations = NAN;

	snprintf(path, sizeof path, "/proc/self/task/%d/sched", (int)tid);
	in = fopen(path, "r");
	if (in == NULL)
		return NAN;
	while (fgets(line, sizeof line, in) != NULL)
		if (strncmp(line, "se.nr_migrations", 16) == 0) {
			char *colon = strchr(line, ':');
			if (colon != NULL)
				migrations = strtod(colon + 1, NULL);
			break;
		}
	fclose(in);
	return migrations;
}

/* Every thread's CPU into cpus, and the sum of their migrations. */
static double sample_placement(const struct cell_thread *threads, unsigned n, int *cpus)
{
	double migrations = 0;

	for (unsigned i = 0; i < n; i++) {
		cpus[i] = thread_processor(threads[i].tid);
		migrations += thread_migrations(threads[i].tid);
	}
	return migrations;
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

/* The round trip between the first two CPUs of the run, and their counters'
 * skew; NaN when there is one CPU or the probe fails (the row says so by its
 * empty fields). */
static void probe_pair(const struct cell_environment *env, double *round_trip_ns,
		       double *skew_ns, double *skew_bound_ns)
{
	struct cpu_pair_sample sample;

	*round_trip_ns = NAN;
	if (skew_ns != NULL)
		*skew_ns = *skew_bound_ns = NAN;
	const unsigned *pair = env->probe_cpus ? env->probe_cpus : env->cpus;
	unsigned count = env->probe_cpus ? env->probe_cpu_count : env->cpu_count;

	if (env->probe_round_trips == 0 || count < 2 ||
	    cpu_pair_probe((int)pair[0], (int)pair[1], env->probe_round_trips, env->timer,
			   &sample) != 0)
		return;
	*round_trip_ns = sample.round_trip_ns;
	if (skew_ns != NULL) {
		*skew_ns = sample.skew_ns;
		*skew_bound_ns = sample.skew_bound_ns;
	}
}

/* The protected lines, linked in a seeded shuffled cycle that starts at line 0. */
static struct kernel_line *lines_new(unsigned count, uint64_t seed)
{
	struct kernel_line *lines;
	uint32_t *order;

	if (count == 0)
		return NULL;
	lines = aligned_alloc(LL_PAD, count * sizeof *lines);
	order = malloc(count * sizeof *order);
	if (lines == NULL || order == NULL) {
		free(lines);
		free(order);
		return NULL;
	}
	memset(lines, 0, count * sizeof *lines);
	for (uint32_t i = 0; i < count; i++)
		order[i] = i;
	for (uint32_t i = count - 1; i > 1; i--) { /* order[0] stays line 0 */
		uint32_t j = 1 + (uint32_t)(random_next(&seed) % i);
		uint32_t swap = order[i];
		order[i] = order[j];
		order[j] = swap;
	}
	for (uint32_t i = 0; i < count; i++)
		lines[order[i]].next = order[(i + 1) % count];
	free(order);
	return lines;
}

/*
 * The busy loop's speed on each CPU this rep's threads are pinned to (unpinned:
 * on whatever CPU the calling thread has), measured by every rep, all CPUs at
 * once; per_cpu[i] is the rate of env->cpus[i], i < used. Returns their median,
 * the rep's busy_iterations_per_ns.
 */
static double measure_busy(const struct cell_environment *env, unsigned used, double *per_cpu)
{
	if (!env->pin || env->cpu_count == 0)
		return per_cpu[0] = busy_calibrate(env->timer, CELL_BUSY_BATCH_NS,
						   CELL_BUSY_BATCHES);
	return cell_calibrate_busy_cpus(env->timer, env->cpus, used, CELL_BUSY_BATCH_NS,
					CELL_BUSY_BATCHES, per_cpu);
}

/*
 * The rate thread i's busy work is counted in: the fastest the run has seen on
 * its CPU, this rep's measurement included. On a shared host the same loop runs
 * at 3.2 iterations/ns and, for seconds at a time, at 1.4-2.2 (seen even as the
 * best of 40 batches over 200 ms): a rate from one moment would make "--cs 50"
 * mean 100 ns for a whole run (taken once) or for one rep (taken per rep, which
 * adds the noise of a 4 ms sample to every rep). The fastest seen so far settles
 * within a few reps at the CPU's own speed, and then every rep does the same
 * work; a slow moment shows in the rep's figures, and in its
 * busy_iterations_per_ns column, not in the work it was given.
 */
static double busy_rate(const struct cell_environment *env, const double *measured, unsigned i,
			unsigned used)
{
	double rate = measured[env->pin && env->cpu_count > 0 ? i % used : 0];
	double known = env->busy_per_cpu == NULL ? 0
			: env->pin && env->cpu_count > 0 ? env->busy_per_cpu[i % used]
							 : env->busy_iterations_per_ns;

	return known > rate ? known : rate;
}

static void sample_counts(const struct cell_thread *threads, unsigned n, uint64_t *ops,
			  uint64_t *reads)
{
	for (unsigned i = 0; i < n; i++) {
		ops[i] = ck_pr_load_64(&threads[i].kernel.ops);
		reads[i] = ck_pr_load_64(&threads[i].kernel.reads);
	}
}

int cell_run(const struct cell *cell, const struct cell_environment *env,
	     struct cell_result *result)
{
	unsigned n = cell->threads;
	struct ll_params params = { .max_threads = n, .numa_nodes = env->numa_nodes };
	struct cell_run_state *state = NULL;
	struct cell_thread *threads = NULL;
	struct kernel_line *lines = NULL;
	uint64_t *counts = NULL;
	struct rusage usage_start, usage_end;
	struct timespec start, end, stopped, joined;
	double steal_start, steal_end;
	uint64_t heap_start, seed = env->seed, busy_ticks = 0, busy_timed = 0;
	unsigned used = cell_cpus_used(cell, env);
	int rc = -1;

	memset(result, 0, sizeof *result);
	result->status = CELL_ERROR;
	result->migrations = NAN;
	result->busy_window_iterations_per_ns = NAN;
	result->lock_node = -1;
	hist_init(&result->acquire);
	hist_init(&result->hold);
	hist_init(&result->handoff);
	hist_init(&result->run_length);
	if (n == 0 || n > CELL_MAX_THREADS) {
		errno = EINVAL;
		return -1;
	}
	kernel_fn kernel = env->kernel       ? env->kernel
			   : env->run_length ? kernel_find("runlength", cell->lock->name)
					     : kernel_find(cell->workload->kernel, cell->lock->name);
	if (kernel == NULL) {
		errno = ENOENT;
		return -1;
	}
	state = aligned_alloc(LL_PAD, sizeof *state);
	threads = aligned_alloc(LL_PAD, n * sizeof *threads);
	counts = malloc(4 * n * sizeof *counts); /* ops and reads at both ends */
	lines = lines_new(cell->cs_lines, random_next(&seed));
	if (state == NULL || threads == NULL || counts == NULL ||
	    (cell->cs_lines > 0 && lines == NULL))
		goto out;
	memset(state, 0, sizeof *state);
	memset(threads, 0, n * sizeof *threads);
	state->cell = cell;
	state->env = env;
	state->kernel = kernel;
	state->phase = KERNEL_WARMUP;
	state->lock = ll_lock_new(cell->lock, &params);
	if (state->lock == NULL)
		goto out;
	/* The lock's page where the policy says, before any thread touches it; then
	 * where it really is. A move the kernel refuses leaves the page where it was,
	 * and the row says where that is. */
	if (env->mem_policy != NULL)
		mem_policy_apply(env->mem_policy, env->mem_target, env->machine_nodes, state->lock,
				 cell->lock->lock_bytes);
	result->lock_node = mem_policy_node_of(state->lock);

	double *rate = malloc((used ? used : 1) * sizeof *rate);
	if (rate == NULL)
		goto out_lock;
	result->busy_iterations_per_ns = measure_busy(env, used, rate);
	for (unsigned i = 0; i < used && i < CELL_MAX_THREADS; i++)
		result->busy_per_cpu[i] = env->pin && env->cpu_count > 0 ? rate[i] : rate[0];
	double watchdog = env->watchdog_s > 0 ? env->watchdog_s
					      : 5.0 * (env->warmup_s + env->duration_s) + 5.0;
	uint64_t max_ticks = (uint64_t)(watchdog * 1e9 * env->timer->ticks_per_ns);
	enum cell_speed_source source = cell_speed_source(cell);
	for (unsigned i = 0; i < n; i++) {
		struct kernel_thread *k = &threads[i].kernel;
		double thread_rate = busy_rate(env, rate, i, used);

		threads[i].state = state;
		threads[i].hists = malloc(4 * sizeof(struct hist));
		k->ctx = ll_ctx_new(cell->lock);
		if (threads[i].hists == NULL || k->ctx == NULL)
			goto out_threads;
		k->lock = state->lock;
		k->cal = env->timer;
		k->phase = &state->phase;
		k->cs_iterations =
			cell->workload->uses_cs ? (uint64_t)(cell->cs_ns * thread_rate + 0.5) : 0;
		k->ncs_iterations =
			cell->workload->uses_ncs ? (uint64_t)(cell->ncs_ns * thread_rate + 0.5) : 0;
		k->lines = lines;
		k->line_count = cell->cs_lines;
		k->read_per_mille = cell->read_pct * 10;
		k->may_write = !cell->lock->single_writer || i == 0;
		/* Off: one sample at the first operation, never another. */
		k->sample_mask = env->sampling_off ? UINT64_MAX >> 1
						   : (env->sample_every ? env->sample_every
									: cell->workload->sample_every) - 1;
		k->max_ticks = max_ticks;
		/* Four times the operation's whole busy work at this rate, and 2 us for
		 * the stamps: longer was a preemption, not a slow host. */
		if (source == CELL_SPEED_FROM_WORK)
			k->busy_max_ticks =
				(uint64_t)((4.0 * (double)(k->cs_iterations + k->ncs_iterations) /
						thread_rate + 2000.0) * env->timer->ticks_per_ns);
		if (source == CELL_SPEED_FROM_PROBES) {
			k->probe_iterations = (uint64_t)(CELL_PROBE_NS * thread_rate + 0.5);
			k->probe_every_ticks =
				(uint64_t)(CELL_PROBE_EVERY_NS * env->timer->ticks_per_ns);
			k->probe_max_ticks = (uint64_t)((4.0 * CELL_PROBE_NS + 2000.0) *
							env->timer->ticks_per_ns);
		}
		k->index = i;
		k->handoff = &state->handoff;
		k->runs = &state->runs;
		k->rng = random_next(&seed) | 1; /* xorshift never leaves 0 */
		k->acquire = &threads[i].hists[0];
		k->hold = &threads[i].hists[1];
		k->handoff_latency = &threads[i].hists[2];
		k->run_length = &threads[i].hists[3];
		hist_init(k->acquire);
		hist_init(k->hold);
		hist_init(k->handoff_latency);
		hist_init(k->run_length);
	}

	probe_pair(env, &result->round_trip_before_ns, &result->skew_ns, &result->skew_bound_ns);
	pthread_barrier_init(&state->barrier, NULL, n + 1);
	if (start_threads(threads, n, env, result) != 0) {
		/* Threads already started wait at the barrier forever: only a child
		 * process may fail here, and it exits. */
		goto out_threads;
	}
	pthread_barrier_wait(&state->barrier); /* everyone ready: warm-up runs */
	if (env->warmup_s > 0)
		sleep_seconds(env->warmup_s);
	/* Where the threads are, just before the window (outside it: /proc reads). */
	double migrations_start = sample_placement(threads, n, result->ran_on_start);

	/* The window opens: phase first, so every operation a kernel starts from
	 * here on may be recorded; then clock, counts and usage, the same order as
	 * at the close, so the few operations between them cancel out. */
	heap_start = ll_heap_live();
	ll_heap_peak_reset();
	ck_pr_store_uint(&state->phase, KERNEL_WINDOW);
	clock_gettime(CLOCK_MONOTONIC, &start);
	sample_counts(threads, n, counts, counts + n);
	getrusage(RUSAGE_SELF, &usage_start);
	steal_start = probe_steal_seconds(env->pin ? env->cpus : NULL, env->pin ? used : 0);
	sleep_seconds(env->duration_s);
	clock_gettime(CLOCK_MONOTONIC, &end);
	sample_counts(threads, n, counts + 2 * n, counts + 3 * n);
	getrusage(RUSAGE_SELF, &usage_end);
	steal_end = probe_steal_seconds(env->pin ? env->cpus : NULL, env->pin ? used : 0);
	result->heap_bytes = ll_heap_peak() - heap_start;
	result->migrations = sample_placement(threads, n, result->ran_on_end) - migrations_start;
	ck_pr_store_uint(&state->phase, KERNEL_STOP);
	clock_gettime(CLOCK_MONOTONIC, &stopped);
	for (unsigned i = 0; i < n; i++)
		pthread_join(threads[i].thread, NULL);
	clock_gettime(CLOCK_MONOTONIC, &joined);
	probe_pair(env, &result->round_trip_after_ns, NULL, NULL);

	result->duration_s = seconds_between(&start, &end);
	result->drain_s = seconds_between(&stopped, &joined);
	result->steal_s = steal_end - steal_start;
	result->cpu_user_s = timeval_seconds(usage_end.ru_utime) - timeval_seconds(usage_start.ru_utime);
	result->cpu_sys_s = timeval_seconds(usage_end.ru_stime) - timeval_seconds(usage_start.ru_stime);
	result->ctx_voluntary = usage_end.ru_nvcsw - usage_start.ru_nvcsw;
	result->ctx_involuntary = usage_end.ru_nivcsw - usage_start.ru_nivcsw;
	for (unsigned i = 0; i < n; i++) {
		struct kernel_thread *k = &threads[i].kernel;

		result->thread_ops[i] = counts[2 * n + i] - counts[i];
		result->ops += result->thread_ops[i];
		result->reads += counts[3 * n + i] - counts[n + i];
		result->skewed += k->skewed;
		busy_ticks += k->busy_ticks;
		busy_timed += k->busy_timed;
		hist_merge(&result->acquire, k->acquire);
		hist_merge(&result->hold, k->hold);
		hist_merge(&result->handoff, k->handoff_latency);
		hist_merge(&result->run_length, k->run_length);
		result->handoffs += k->handoffs;
		cell->lock->ops.ctx_fini(state->lock, k->ctx);
	}
	if (busy_ticks > 0)
		result->busy_window_iterations_per_ns =
			(double)busy_timed / ((double)busy_ticks / env->timer->ticks_per_ns);
	pthread_barrier_destroy(&state->barrier);
	result->status = CELL_OK;
	rc = 0;

out_threads:
	for (unsigned i = 0; i < n; i++) {
		free(threads[i].hists);
		ll_ctx_free(cell->lock, threads[i].kernel.ctx);
	}
	free(rate);
out_lock:
	ll_lock_free(cell->lock, state->lock);
out:
	free(lines);
	free(counts);
	free(threads);
	free(state);
	return rc;
}

struct cell_job {
	const struct cell *cell;
	const struct cell_environment *env;
};

static void cell_child_main(void *arg, void *out)
{
	const struct cell_job *job = arg;

	cell_run(job->cell, job->env, out);
}

int cell_run_isolated(const struct cell *cell, const struct cell_environment *env,
		      struct cell_result *result)
{
	struct cell_job job = { cell, env };
	double watchdog = env->watchdog_s > 0 ? env->watchdog_s
					      : 5.0 * (env->warmup_s + env->duration_s) + 5.0;
	enum isolate_outcome outcome;
	int signal_number = 0;

	if (isolate_run(cell_child_main, &job, result, sizeof *result, watchdog, &outcome,
			&signal_number) != 0)
		return -1;
	if (outcome == ISOLATE_OK)
		return 0;
	memset(result, 0, sizeof *result);
	hist_init(&result->acquire);
	hist_init(&result->hold);
	hist_init(&result->handoff);
	hist_init(&result->run_length);
	result->status = outcome == ISOLATE_TIMEOUT   ? CELL_TIMEOUT
			 : outcome == ISOLATE_CRASHED ? CELL_CRASHED
						      : CELL_ERROR;
	result->crash_signal = signal_number;
	result->migrations = NAN;
	result->busy_window_iterations_per_ns = NAN;
	result->lock_node = -1;
	return 0;
}

struct busy_calibration {
	const struct timer_calibration *timer;
	double batch_ns;
	unsigned batches;
	double rate;
};

static void *busy_calibration_main(void *arg)
{
	struct busy_calibration *job = arg;

	job->rate = busy_calibrate(job->timer, job->batch_ns, job->batches);
	return NULL;
}


double cell_calibrate_busy_cpus(const struct timer_calibration *timer, const unsigned *cpus,
				unsigned count, double batch_ns, unsigned batches, double *per_cpu)
{
	struct busy_calibration *jobs = calloc(count ? count : 1, sizeof *jobs);
	pthread_t *handles = calloc(count ? count : 1, sizeof *handles);
	bool *started = calloc(count ? count : 1, sizeof *started);
	double *rates = calloc(count ? count : 1, sizeof *rates);
	double median = NAN;
	unsigned measured = 0;

	if (jobs == NULL || handles == NULL || started == NULL || rates == NULL)
		goto out;
	for (unsigned i = 0; i < count; i++) {
		pthread_attr_t attr;
		cpu_set_t set;

		jobs[i] = (struct busy_calibration){ .timer = timer, .batch_ns = batch_ns,
						     .batches = batches, .rate = NAN };
		pthread_attr_init(&attr);
		CPU_ZERO(&set);
		CPU_SET(cpus[i], &set);
		pthread_attr_setaffinity_np(&attr, sizeof set, &set);
		started[i] = pthread_create(&handles[i], &attr, busy_calibration_main, &jobs[i]) == 0;
		pthread_attr_destroy(&attr);
	}
	for (unsigned i = 0; i < count; i++) {
		if (!started[i])
			continue;
		pthread_join(handles[i], NULL);
		rates[measured++] = jobs[i].rate;
	}
	median = measured ? stats_median(rates, measured) : busy_calibrate(timer, batch_ns, batches);
	/* A CPU whose thread could not start gets the median. */
	for (unsigned i = 0; i < count; i++)
		per_cpu[i] = started[i] ? jobs[i].rate : median;
out:
	free(jobs);
	free(handles);
	free(started);
	free(rates);
	return median;
}
