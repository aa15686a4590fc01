/*
 * harness/cell and workloads/kernel.h: the measured window, what the kernels may
 * record, the seed reaching every generator, and protected data that moves.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpu_pair.h"
#include "harness/cell.h"
#include "workloads/kernel.h"

static struct timer_calibration timer;
static unsigned cpus[CELL_MAX_THREADS];
static unsigned cpu_count;

static void setup(void)
{
	cpu_set_t set;

	cr_assert_eq(timer_calibrate(&timer), 0);
	cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
	cpu_count = 0;
	for (unsigned cpu = 0; cpu < CPU_SETSIZE && cpu_count < CELL_MAX_THREADS; cpu++)
		if (CPU_ISSET(cpu, &set))
			cpus[cpu_count++] = cpu;
}

static struct cell_environment environment(double duration_s)
{
	return (struct cell_environment){ .timer = &timer, .duration_s = duration_s, .warmup_s = 0.02, .pin = true,
					  .cpus = cpus, .cpu_count = cpu_count, .numa_nodes = 1,
					  .seed = 42 };
}

/* An operation of fixed cost, published as it goes; after the stop it either
 * leaves at once or keeps operating for one more second (a FIFO drain, made long). */
static void fixed_cost_ops(struct kernel_thread *t, bool drains)
{
	uint64_t ops = 0;

	while (kernel_phase(t) != KERNEL_STOP) {
		kernel_busy(2000);
		kernel_publish(t, ++ops);
	}
	if (!drains)
		return;
	uint64_t end = timer_clock_ns() + 1000000000u;
	while (timer_clock_ns() < end) {
		kernel_busy(2000);
		kernel_publish(t, ++ops);
	}
}

static void stops_at_once(struct kernel_thread *t)
{
	fixed_cost_ops(t, false);
}

static void drains_a_second(struct kernel_thread *t)
{
	fixed_cost_ops(t, true);
}

/* One rep of cell, with kernel in place of the workload's when not NULL; the
 * caller frees the result. */
static struct cell_result *run_rep(struct cell cell, kernel_fn kernel, double duration_s)
{
	struct cell_environment env = environment(duration_s);
	struct cell_result *result = malloc(sizeof *result);

	cr_assert_not_null(result);
	env.kernel = kernel;
	cell_make_id(&cell);
	cr_assert_eq(cell_run(&cell, &env, result), 0);
	cr_assert_eq(result->status, CELL_OK);
	return result;
}

static double ops_per_second(kernel_fn kernel, double *drain_s)
{
	struct cell_result *result =
		run_rep((struct cell){ .lock = ll_find("null"),
				       .workload = workload_find("contended"), .threads = 1 },
			kernel, 0.2);
	double rate = (double)result->ops / result->duration_s;
	*drain_s = result->drain_s;
	cr_expect(result->duration_s > 0.19 && result->duration_s < 0.4, "window %g s",
		  result->duration_s);
	free(result);
	return rate;
}

Test(cell, the_drain_after_the_stop_is_not_in_the_window, .init = setup, .timeout = 60)
{
	double drain_fast, drain_slow, best_ratio = 0, shortest_fast_drain = INFINITY;

	/* Three pairs, keep the pair closest to 1 and the shortest drain of the
	 * kernel that stops at once: a preempted vCPU can slow one window or one
	 * join (seen: one drain over 0.1 s in 20 runs), but cannot make every pair
	 * look biased by the drain. */
	for (int pair = 0; pair < 3; pair++) {
		double fast = ops_per_second(stops_at_once, &drain_fast);
		double slow = ops_per_second(drains_a_second, &drain_slow);
		double ratio = slow / fast;

		cr_expect(drain_slow >= 1.0, "the drain is timed on its own: %g s", drain_slow);
		shortest_fast_drain = fmin(shortest_fast_drain, drain_fast);
		if (fabs(ratio - 1) < fabs(best_ratio - 1))
			best_ratio = ratio;
	}
	cr_expect(shortest_fast_drain < 0.1, "a kernel that stops at once drained %g s",
		  shortest_fast_drain);
	/* Counted to the join, the draining kernel would show 0.2 / 1.2 of the rate:
	 * a quarter either way still tells that apart, where a tenth failed when the
	 * host's CPU speed moved 16 % between windows in all three pairs. */
	cr_expect(best_ratio > 0.75 && best_ratio < 1.25,
		  "a kernel draining for 1 s shows %.3f of the throughput of one that stops",
		  best_ratio);
}

Test(cell, negative_and_implausible_deltas_are_counted_not_recorded, .init = setup)
{
	struct hist *h = malloc(sizeof *h);
	struct kernel_thread t = { .cal = &timer, .max_ticks = 1000000 };

	hist_init(h);
	kernel_record(&t, h, 5000, 4999);     /* the other CPU's counter ran behind */
	kernel_record(&t, h, 5000, 5000 + 1000001);
	cr_expect_eq(t.skewed, 2);
	cr_expect_eq(hist_count(h), 0, "no wrapped or implausible value reaches the histogram");
	kernel_record(&t, h, 5000, 5000);
	kernel_record(&t, h, 5000, 5000 + 1000000);
	cr_expect_eq(t.skewed, 2);
	cr_expect_eq(hist_count(h), 2);
	free(h);
}

Test(cell, preempted_busy_stretches_say_nothing_about_the_hosts_speed)
{
	struct kernel_thread t = { .cal = &timer, .busy_max_ticks = 1000 };

	kernel_time_busy(&t, 5000, 5600, 300);
	kernel_time_busy(&t, 5000, 6001, 300);  /* preempted in the middle */
	kernel_time_busy(&t, 5000, 4990, 300);  /* the thread moved to a CPU behind */
	kernel_time_busy(&t, 5000, 5100, 0);    /* no busy work timed */
	cr_expect_eq(t.busy_ticks, 600);
	cr_expect_eq(t.busy_timed, 300);
	kernel_time_busy(&t, 5000, 6000, 300);
	cr_expect_eq(t.busy_ticks, 1600);
	cr_expect_eq(t.busy_timed, 600);
}

/* Busy work timed the way the contended kernel times its ncs work; the slowed
 * one does twice the work it reports, as a host running the loop at half speed
 * would look. */
static void timed_busy_ops(struct kernel_thread *t, uint64_t factor)
{
	uint64_t ops = 0;
	unsigned phase;

	while ((phase = kernel_phase(t)) != KERNEL_STOP) {
		uint64_t from = timer_read_ordered(t->cal);
		kernel_busy(factor * t->ncs_iterations);
		uint64_t to = timer_read_ordered(t->cal);
		if (kernel_in_window(t, phase))
			kernel_time_busy(t, from, to, t->ncs_iterations);
		kernel_publish(t, ++ops);
	}
}

static void full_speed(struct kernel_thread *t)
{
	timed_busy_ops(t, 1);
}

static void half_speed(struct kernel_thread *t)
{
	timed_busy_ops(t, 2);
}

static double window_busy_speed(kernel_fn kernel)
{
	struct cell_result *result =
		run_rep((struct cell){ .lock = ll_find("null"),
				       .workload = workload_find("contended"), .threads = 1,
				       .ncs_ns = 1000 },
			kernel, 0.1);
	double speed = result->busy_window_iterations_per_ns;
	free(result);
	return speed;
}

/* The rep's busy_window_iterations_per_ns is the speed its kernel's timed busy
 * work ran at in the window: the fastest of three half-speed reps against the
 * fastest of three full-speed ones, interleaved (a host slowdown can hit any rep;
 * the fastest of three is the one it spared, and a ratio per pair failed under
 * the sanitizers in CI when the host slowed the full-speed rep of every pair). */
Test(cell, the_window_busy_speed_follows_the_kernels_timed_work, .init = setup, .timeout = 60)
{
	double full = 0, half = 0;

	for (int rep = 0; rep < 3; rep++) {
		double f = window_busy_speed(full_speed), h = window_busy_speed(half_speed);

		cr_assert(f > 0 && h > 0, "speeds %g and %g", f, h);
		full = f > full ? f : full;
		half = h > half ? h : half;
	}
	cr_expect(half / full > 0.4 && half / full < 0.6,
		  "a kernel whose busy work ran at half speed shows %.3f of the speed", half / full);
	cr_expect(isnan(window_busy_speed(stops_at_once)), "a kernel that times nothing: no speed");
}

/* A real kernel's window speed as a share of the busy loop's speed measured
 * just before the window on the same CPUs: of three reps, the share nearest 1,
 * since the host may slow either the window or the measurement before it (seen
 * under the sanitizers: a window at 1.6 times a slowed measurement). */
static double window_speed_share(const char *lock, const char *workload, unsigned threads,
				 unsigned cs_ns, unsigned ncs_ns)
{
	double nearest = NAN;

	for (int rep = 0; rep < 3; rep++) {
		struct cell_result *result =
			run_rep((struct cell){ .lock = ll_find(lock),
					       .workload = workload_find(workload),
					       .threads = threads, .cs_ns = cs_ns, .ncs_ns = ncs_ns },
				NULL, 0.05);
		double share = result->busy_window_iterations_per_ns / result->busy_iterations_per_ns;
		free(result);
		if (isnan(nearest) || fabs(share - 1) < fabs(nearest - 1))
			nearest = share;
	}
	return nearest;
}

static enum cell_speed_source source_of(const char *workload, unsigned cs_ns, unsigned ncs_ns,
				       unsigned cs_lines)
{
	struct cell cell = { .lock = ll_find("ck_ticket"), .workload = workload_find(workload),
			     .threads = 2, .cs_ns = cs_ns, .ncs_ns = ncs_ns, .cs_lines = cs_lines };
	return cell_speed_source(&cell);
}

/* handoff's hold also reads the words the last owner wrote: it stands for the
 * host's speed only when the busy work is long beside them and no protected
 * lines move with it; everywhere else the kernel times its ncs work, or probes
 * where it has none. */
Test(cell, only_busy_work_that_dominates_its_stretch_is_the_hosts_speed)
{
	cr_expect_eq(source_of("handoff", 200000, 0, 0), CELL_SPEED_FROM_WORK);
	cr_expect_eq(source_of("handoff", 100, 0, 0), CELL_SPEED_FROM_PROBES,
		     "a 100 ns hold is mostly cache misses");
	cr_expect_eq(source_of("handoff", 200000, 0, 8), CELL_SPEED_FROM_PROBES);
	cr_expect_eq(source_of("contended", 50, 200, 0), CELL_SPEED_FROM_WORK);
	cr_expect_eq(source_of("shared", 50, 200, 8), CELL_SPEED_FROM_WORK);
	cr_expect_eq(source_of("rwmix", 100, 100, 0), CELL_SPEED_FROM_WORK);
	cr_expect_eq(source_of("contended", 1000, 0, 0), CELL_SPEED_FROM_PROBES);
	cr_expect_eq(source_of("uncontended", 0, 0, 0), CELL_SPEED_FROM_PROBES);
}

/* Every real kernel gives its rep a window speed near the loop's own, from its
 * busy work or from probes. */
Test(cell, every_kernel_reports_the_hosts_speed_in_its_window, .init = setup, .timeout = 60)
{
	const struct {
		const char *workload;
		unsigned threads, cs_ns, ncs_ns;
	} cells[] = {
		{ "uncontended", 1, 0, 0 }, { "contended", 2, 0, 0 },   { "contended", 2, 50, 200 },
		{ "rwmix", 2, 100, 100 },   { "handoff", 2, 100, 0 },   { "handoff", 2, 20000, 0 },
	};

	for (size_t i = 0; i < sizeof cells / sizeof cells[0]; i++) {
		double share = window_speed_share("ck_ticket", cells[i].workload, cells[i].threads,
						  cells[i].cs_ns, cells[i].ncs_ns);
		cr_expect(share > 0.7 && share < 1.3, "%s cs %u ncs %u: %.3f of the loop's speed",
			  cells[i].workload, cells[i].cs_ns, cells[i].ncs_ns, share);
	}
}

/* A probe runs at most once per probe_every_ticks, and counts only inside the
 * window; either way it marks the thread as having paused (handoff then leaves
 * its next hand-off latency out). */
Test(cell, a_probe_runs_once_per_interval_and_counts_inside_the_window, .init = setup)
{
	unsigned phase = KERNEL_WINDOW;
	struct kernel_thread t = { .cal = &timer, .phase = &phase, .probe_iterations = 100,
				   .probe_max_ticks = UINT64_MAX, .probe_every_ticks = 1000000 };

	t.probe_last = timer_read_ordered(&timer);
	kernel_probe_host(&t, KERNEL_WINDOW, t.probe_last + 999999);
	cr_expect_eq(t.busy_timed, 0, "too soon after the last probe");
	cr_expect(!t.probed);
	kernel_probe_host(&t, KERNEL_WINDOW, t.probe_last + 1000000);
	cr_expect_eq(t.busy_timed, 100);
	cr_expect_gt(t.busy_ticks, 0);
	cr_expect(t.probed);
	phase = KERNEL_STOP;
	t.probed = false;
	kernel_probe_host(&t, KERNEL_WINDOW, t.probe_last + 1000000);
	cr_expect_eq(t.busy_timed, 100, "a probe that ended after the window: not counted");
	cr_expect(t.probed);
	t.probe_iterations = 0;
	t.probed = false;
	kernel_probe_host(&t, KERNEL_WINDOW, t.probe_last + 1000000);
	cr_expect(!t.probed, "no probe where the harness set none");
}

/* Every thread's generator as the kernel received it. */
static uint64_t seen_rng[4];

static void remember_rng(struct kernel_thread *t)
{
	seen_rng[t->index] = t->rng;
	while (kernel_phase(t) != KERNEL_STOP)
		kernel_publish(t, t->ops + 1);
}

static void seeds_of(uint64_t seed, uint64_t out[4])
{
	struct cell cell = { .lock = ll_find("null"), .workload = workload_find("rwmix"),
			     .threads = 4 };
	struct cell_environment env = environment(0.01);
	struct cell_result *result = malloc(sizeof *result);

	env.kernel = remember_rng;
	env.warmup_s = 0;
	env.seed = seed;
	cell_make_id(&cell);
	cr_assert_eq(cell_run(&cell, &env, result), 0);
	memcpy(out, seen_rng, sizeof seen_rng);
	free(result);
}

Test(cell, the_seed_reaches_every_kernel_generator, .init = setup, .timeout = 30)
{
	uint64_t a[4], b[4], c[4];

	seeds_of(7, a);
	seeds_of(7, b);
	seeds_of(8, c);
	cr_expect_arr_eq(a, b, sizeof a, "the same seed gives the same generators");
	for (int i = 0; i < 4; i++) {
		cr_expect_neq(a[i], 0, "xorshift needs a non-zero state");
		cr_expect_neq(a[i], c[i], "thread %d: another seed, another sequence", i);
		for (int j = 0; j < i; j++)
			cr_expect_neq(a[i], a[j], "threads %d and %d share a sequence", i, j);
	}
}

static double ns_per_op(const char *workload, unsigned threads, unsigned lines)
{
	struct cell cell = { .lock = ll_find("ck_ticket"), .workload = workload_find(workload),
			     .threads = threads, .cs_lines = lines };
	struct cell_environment env = environment(0.1);
	struct cell_result *result = malloc(sizeof *result);

	cell_make_id(&cell);
	cr_assert_eq(cell_run(&cell, &env, result), 0);
	cr_assert_gt(result->ops, 0);
	double ns = result->duration_s * 1e9 / (double)result->ops;
	free(result);
	return ns;
}

/*
 * The per-line cost of the protected data: in handoff every line was last
 * written on the other CPU, so each costs a transfer; uncontended, each stays in
 * this CPU's cache. A buffer that did not move with the lock (thread-local)
 * would cost the same in both (about 1 ns here) and fail.
 *
 * The bar is 1/4 of the probe's round trip, not half: the probe's round trip is
 * two transfers, so one line moved costs half a round trip at best, and this
 * AMD EPYC guest sits at 0.37-0.45 of one (per line 30-38 ns against round
 * trips of 66-85 ns; at 3/8 it failed once in three suite runs): half would
 * test the host's jitter, not the data's movement. A thread-local buffer
 * (about 1 ns a line here) misses even 1/4 by twenty times.
 */
Test(cell, protected_lines_move_with_the_lock, .init = setup, .timeout = 120)
{
	enum { LINES = 32 };
	struct cpu_pair_sample sample;
	double best_margin = -INFINITY, round_trip = NAN, handoff_line = NAN, local_line = NAN;

	if (cpu_count < 2)
		cr_skip_test("needs 2 CPUs, this process may use %u", cpu_count);
	/* Best of five tries: the host may move the vCPUs between any two figures. */
	for (int attempt = 0; attempt < 5 && best_margin < 0; attempt++) {
		double local = (ns_per_op("uncontended", 1, LINES) - ns_per_op("uncontended", 1, 0)) /
			       LINES;
		double moved = (ns_per_op("handoff", 2, LINES) - ns_per_op("handoff", 2, 0)) / LINES;
		cr_assert_eq(cpu_pair_probe((int)cpus[0], (int)cpus[1], 2000, &timer, &sample), 0);
		double margin = moved - local - sample.round_trip_min_ns / 4;
		if (margin > best_margin) {
			best_margin = margin;
			round_trip = sample.round_trip_min_ns;
			handoff_line = moved;
			local_line = local;
		}
	}
	cr_log_info("per line: handoff %.1f ns, uncontended %.1f ns, round trip %.1f ns",
		    handoff_line, local_line, round_trip);
	cr_expect_geq(best_margin, 0,
		      "per line, handoff %.1f ns - uncontended %.1f ns < 1/4 of the round trip %.1f ns",
		      handoff_line, local_line, round_trip);
}

/* The instrumented rep of a contended cell at 2 threads with no work between
 * critical sections: how many acquisitions in a row one thread takes. */
static struct hist *run_lengths(const char *lock, uint64_t min_runs, double *mean, uint64_t *p99)
{
	struct cell cell = { .lock = ll_find(lock), .workload = workload_find("contended"),
			     .threads = 2, .cs_ns = 50 };
	struct cell_environment env = environment(0.1);
	struct cell_result *result = malloc(sizeof *result);
	struct hist *runs = malloc(sizeof *runs);

	cr_assert_not_null(cell.lock, "%s", lock);
	env.run_length = true;
	cell_make_id(&cell);
	cr_assert_eq(cell_run(&cell, &env, result), 0);
	cr_assert_geq(hist_count(&result->run_length), min_runs, "%s: too few hand-offs", lock);
	*runs = result->run_length;
	/* No run ended in the window: one thread kept the lock throughout. */
	*mean = hist_count(runs) ? hist_mean(runs) : INFINITY;
	*p99 = hist_percentile(runs, 99);
	free(result);
	return runs;
}

Test(cell, fifo_locks_hand_over_every_time_and_fas_does_not, .init = setup, .timeout = 60)
{
	const char *fifo[] = { "ck_ticket", "ck_mcs" };
	double mean;
	uint64_t p99;

	if (cpu_count < 2)
		cr_skip_test("needs 2 CPUs, this process may use %u", cpu_count);
	for (size_t i = 0; i < 2; i++) {
		free(run_lengths(fifo[i], 100, &mean, &p99));
		cr_log_info("%s: run length mean %.3f, p99 %llu", fifo[i], mean,
			    (unsigned long long)p99);
		/* The p99, not the mean: when the host deschedules the waiting vCPU,
		 * the other thread takes the lock again and again until it returns, one
		 * run of thousands that moves the mean (seen: 1.34, 2.19) while every
		 * other run is 1. A lock that lets its releaser barge ahead of a waiter
		 * makes such runs all the time, and its p99 shows it. */
		cr_expect_eq(p99, 1, "%s: run length p99 %llu (mean %.3f), not 1", fifo[i],
			     (unsigned long long)p99, mean);
	}
	/* The weak control: a test-and-set lock lets the releasing thread take it
	 * again while the other is still reading the lock word. */
	const char *barging[] = { "ck_fas", "ck_fas_eb" };
	for (size_t i = 0; i < 2; i++) {
		free(run_lengths(barging[i], 0, &mean, &p99));
		cr_log_info("%s: run length mean %.3f, p99 %llu", barging[i], mean,
			    (unsigned long long)p99);
		/* Either measure: the control shows runs longer than one. */
		cr_expect(p99 > 1 || mean > 2.0, "%s handed over every time (p99 %llu, mean %.3f): "
			  "the run length cannot tell", barging[i], (unsigned long long)p99, mean);
	}
}

/* The p95 of the run lengths of up to three reps: the smallest (fair) or the
 * largest (barging) seen, stopping once one rep settles it. A waiter the host
 * preempts before it queues makes a run of 2 in a fair lock now and then (other
 * tests and the host share the 2 CPUs; under the sanitizers on a busy host
 * ck_pflock and ck_tflock showed a p99 of 2 in three reps in a row), and a
 * barging lock can hand over in turn for a whole short rep. */
static uint64_t run_length_p95(const char *lock, bool fair)
{
	uint64_t settled = fair ? UINT64_MAX : 0;

	for (int attempt = 0; attempt < 3 && (fair ? settled > 1 : settled <= 1); attempt++) {
		double mean;
		uint64_t p99;
		struct hist *runs = run_lengths(lock, 100, &mean, &p99);
		uint64_t p95 = hist_percentile(runs, 95);

		free(runs);
		cr_log_info("%s: run length mean %.3f, p95 %llu, p99 %llu", lock, mean,
			    (unsigned long long)p95, (unsigned long long)p99);
		if (fair ? p95 < settled : p95 > settled)
			settled = p95;
	}
	return settled;
}

/* The registry's `fair` claim against behaviour: a lock that says it serves
 * waiters in order never lets a thread take it twice while another waits. A
 * run longer than 1 happens only when the other thread was not yet waiting (a
 * parked waiter takes microseconds to queue, and fairq's mean run here is 1.1 to
 * 1.7 from a few long runs while the other thread sleeps), so the bar is on the
 * runs' p95: at most 5 % of a fair lock's runs are longer than 1. pthread_mutex,
 * which lets its releaser barge, fails the same bar (its p99 is about 12, ck_fas's
 * thousands). */
Test(cell, every_lock_that_claims_fair_has_runs_of_one, .init = setup, .timeout = 120)
{
	size_t fair = 0;

	if (cpu_count < 2)
		cr_skip_test("needs 2 CPUs, this process may use %u", cpu_count);
	for (size_t l = 0; l < ll_registry_count; l++) {
		const struct ll_info *info = &ll_registry[l];

		if (!info->fair || info->control || info->single_writer)
			continue;
		uint64_t p95 = run_length_p95(info->name, true);
		cr_expect_leq(p95, 1, "%s claims fair, yet 5 %% of its runs are %llu long",
			      info->name, (unsigned long long)p95);
		fair++;
	}
	cr_expect_geq(fair, 5, "the registry lost its fair locks");
	uint64_t barging = run_length_p95("pthread_mutex", false);
	cr_expect_gt(barging, 1, "pthread_mutex barges, yet its runs' p95 is %llu",
		     (unsigned long long)barging);
}
