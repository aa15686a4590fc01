/*
 * locklab selfcheck: what the harness itself costs. The same ck_fas uncontended
 * lock+unlock, measured once through the path every `locklab run` cell takes (a
 * kernel compiled per lock, a stop flag, sampling, batch timing) and once as a
 * hand-written loop calling the inline lock directly. Their ratio is the
 * harness's overhead on the cheapest operation it measures.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/cell.h"
#include "harness/cli.h"
#include "common/stats.h"
#include "harness/topology.h"
#include "locks/ck_fas.h"

#define SELFCHECK_REPS 7
#define SELFCHECK_GOAL_RATIO 1.10

/* The reference: nothing but the inline lock calls, counted and timed in bulk. */
static double inline_loop_ns_per_op(const struct timer_calibration *timer, uint64_t ops)
{
	struct ll_ck_fas lock;
	struct ll_ck_fas_ctx ctx;

	ll_ck_fas_init(&lock, NULL);
	uint64_t start = timer_read_ordered(timer);
	for (uint64_t i = 0; i < ops; i++) {
		ll_ck_fas_lock(&lock, &ctx);
		ll_ck_fas_unlock(&lock, &ctx);
	}
	uint64_t ticks = timer_read_ordered(timer) - start;
	return (double)timer_ticks_to_ns(timer, ticks) / (double)ops;
}

int cmd_selfcheck(int argc, char **argv)
{
	static const struct option options[] = { { "help", no_argument, NULL, 'h' },
						 { NULL, 0, NULL, 0 } };
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'h') {
			printf("usage: locklab selfcheck\n"
			       "Measures ck_fas uncontended lock+unlock through the harness (the\n"
			       "kernel every 'locklab run' cell uses) and as a hand-written inline\n"
			       "loop, %d times each alternately, and prints both medians and the\n"
			       "line 'harness/inline ratio: X'. Exits 1 when the ratio is above\n"
			       "%.2f.\n",
			       SELFCHECK_REPS, SELFCHECK_GOAL_RATIO);
			return 0;
		}
		return cli_bad_option("selfcheck", argc, argv);
	}
	if (optind < argc) {
		cli_error("selfcheck", argv[optind], "unexpected argument");
		return EXIT_USAGE;
	}

	struct timer_calibration timer;
	unsigned cpus[CELL_MAX_THREADS];
	int cpu_count = topology_cpu_list(cpus, CELL_MAX_THREADS);
	if (timer_calibrate(&timer) != 0 || cpu_count <= 0) {
		cli_error("selfcheck", "timer", "cannot calibrate a clock");
		return EXIT_ENVIRONMENT;
	}
	struct cell cell = { .lock = ll_find("ck_fas"), .workload = workload_find("uncontended"),
			     .threads = 1 };
	struct cell_environment env = { .timer = &timer,
					.duration_s = 0.3, .warmup_s = 0.05, .sample_every = 0,
					.pin = true, .cpus = cpus, .cpu_count = 1, .numa_nodes = 1 };
	struct cell_result *result = malloc(sizeof *result);
	double harness[SELFCHECK_REPS], inline_ns[SELFCHECK_REPS];

	if (result == NULL)
		return EXIT_ENVIRONMENT;
	cell_make_id(&cell);
	for (int rep = 0; rep < SELFCHECK_REPS; rep++) {
		if (cell_run(&cell, &env, result) != 0 || result->ops == 0) {
			cli_error("selfcheck", cell.id, "the harness run failed");
			free(result);
			return EXIT_ENVIRONMENT;
		}
		harness[rep] = result->duration_s * 1e9 / (double)result->ops;
		/* As many operations as the harness did: the same length of run. */
		inline_ns[rep] = inline_loop_ns_per_op(&timer, result->ops);
	}
	free(result);

	double h = stats_median(harness, SELFCHECK_REPS), i = stats_median(inline_ns, SELFCHECK_REPS);
	double ratio = h / i;
	printf("timer: %s, overhead %.1f ns\n", timer.source, timer.overhead_ns);
	printf("ck_fas uncontended through the harness: %.3f ns/op (CV %.1f %%, %d reps, "
	       "1 op in %u timed)\n",
	       h, 100 * stats_cv(harness, SELFCHECK_REPS), SELFCHECK_REPS,
	       cell.workload->sample_every);
	printf("ck_fas uncontended, hand-inlined loop:  %.3f ns/op (CV %.1f %%)\n", i,
	       100 * stats_cv(inline_ns, SELFCHECK_REPS));
	printf("harness/inline ratio: %.3f (%+.2f ns/op)\n", ratio, h - i);
	bool met = ratio <= SELFCHECK_GOAL_RATIO;
	printf("goal (ratio <= %.2f): %s\n", SELFCHECK_GOAL_RATIO, met ? "met" : "NOT met");
	return met ? 0 : EXIT_MEASURED_FAILED;
}
