/* locklab run: measure a matrix of cells into a result bundle. */
#include <errno.h>
#include <math.h>
#include <numa.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/random.h"
#include "harness/bundle.h"
#include "harness/cli.h"
#include "harness/fingerprint.h"
#include "harness/lock_select.h"
#include "harness/machine_probe.h"
#include "harness/matrix.h"
#include "harness/run_options.h"
#include "harness/run_placement.h"
#include "harness/run_report.h"
#include "harness/run_state.h"
#include "harness/summary.h"
#include "harness/topology.h"
#include "harness/vm_cell.h"
#include "harness/vm_host.h"
#include "harness/vm_plan.h"
#include "harness/torture.h"
#include "locks/base/spin.h"

/* Fork, probes, busy-loop measurement, set-up, collection and the drain, per
 * (cell, rep), for the time estimate: an upper bound on a 2-vCPU machine (make
 * bench: estimated 464 s, took 438 s for 2362 reps of 0.16 s). */
#define RUN_OVERHEAD_S 0.035
#define PREFLIGHT_SECONDS 0.1
/* Round trips of each cross-CPU probe around a rep: a few ms. */
#define RUN_PROBE_ROUND_TRIPS 2000
/* The busy loop's first rates: the best of 20 batches of 5 ms on each CPU. */
#define RUN_BUSY_BATCH_NS 5e6
#define RUN_BUSY_BATCHES 20
/* A VM rep, for the estimate: the profiles' guests take 30-120 ms a rep here (fork,
 * two probes, boot, the guest), 108 reps of make bench's slice 9.0 s; a longer
 * guest of --elf or --guest-iters is underestimated. */
#define RUN_VM_REP_S 0.25

static void progress(size_t done, size_t total, const char *id, double eta_s)
{
	if (!isatty(2))
		return;
	fprintf(stderr, "\r\033[K[%zu/%zu] %-48.48s ETA %d:%02d", done, total, id ? id : "",
		(int)eta_s / 60, (int)eta_s % 60);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Every lock is proven before it is measured: a short torture at 2x the CPUs,
 * with torture's injector on (yields inside critical sections expose on a
 * couple of CPUs what only many would otherwise show). */
static size_t preflight(const struct ll_info **locks, size_t count, unsigned cpus,
			struct matrix_skip *failed, size_t *failed_count)
{
	size_t kept = 0;

	*failed_count = 0;
	for (size_t i = 0; i < count; i++) {
		struct torture_config config = { .threads = 2 * cpus, .seconds = PREFLIGHT_SECONDS,
						 .seed = 1, .numa_nodes = 1,
						 .inject_one_in = TORTURE_INJECT_DEFAULT };
		struct torture_result result;

		if (locks[i]->control || (torture_isolated(locks[i], &config, &result) == 0 &&
					  !torture_failed(&result))) {
			locks[kept++] = locks[i];
			continue;
		}
		snprintf(failed[*failed_count].what, sizeof failed[0].what, "%s", locks[i]->name);
		snprintf(failed[*failed_count].reason, sizeof failed[0].reason,
			 "failed the pre-flight torture: not measured");
		(*failed_count)++;
	}
	return kept;
}

static volatile sig_atomic_t run_interrupted;

static void on_interrupt(int signal_number)
{
	(void)signal_number;
	run_interrupted = 1;
}

/* What one run measures and what it has so far, indexed by pair = cell * slots +
 * rep: the timed reps 0..reps-1, then with --run-length the instrumented rep. */
struct run_plan {
	const struct matrix *matrix;
	unsigned reps;
	unsigned slots;           /* reps, + 1 with --run-length */
	size_t total;
	struct run_row *rows;     /* rows[pair].cell is NULL until the pair has a row */
	bool *done;               /* measured, or not to be measured (failed pre-flight) */
	struct cell_hists *hists; /* per cell, merged over its ok reps */
	double *busy_per_cpu;     /* env's rates, raised as reps measure faster ones */
};

static int plan_allocate(struct run_plan *plan)
{
	/* + 1: a run of VM cells only has none of these. */
	plan->rows = calloc(plan->total + 1, sizeof *plan->rows);
	plan->done = calloc(plan->total + 1, sizeof *plan->done);
	plan->hists = malloc((plan->matrix->cell_count + 1) * sizeof *plan->hists);
	if (plan->rows == NULL || plan->done == NULL || plan->hists == NULL)
		return -1;
	for (size_t c = 0; c < plan->matrix->cell_count; c++) {
		hist_init(&plan->hists[c].acquire);
		hist_init(&plan->hists[c].hold);
		hist_init(&plan->hists[c].handoff);
	}
	return 0;
}

static void plan_free(struct run_plan *plan)
{
	free(plan->rows);
	free(plan->done);
	free(plan->hists);
}

/* Takes up dir's unfinished run: its rows and the histograms of its ok reps. A
 * rep whose row was cut short is measured again; a measured rep whose histograms
 * are gone or damaged stops the resume, naming the file (measuring it again would
 * silently replace a figure already taken). */
static int resume_into(struct run_plan *plan, const char *dir, struct bundle *bundle)
{
	char why[256];
	size_t already = 0, torn;

	char path[1400];
	if (run_state_load_rows(dir, plan->matrix, plan->slots, plan->rows, plan->done, &torn, why,
				sizeof why) < 0) {
		snprintf(path, sizeof path, "%s/" BUNDLE_PARTIAL_RUNS, dir);
		cli_error("--resume", path, "%s", why);
		return EXIT_USAGE;
	}
	for (size_t pair = 0; pair < plan->total; pair++) {
		size_t c = pair / plan->slots;
		unsigned rep = (unsigned)(pair % plan->slots);
		if (plan->done[pair] && plan->rows[pair].status == CELL_OK && rep < plan->reps &&
		    run_state_merge_hists(dir, plan->matrix->cells[c].id, rep, &plan->hists[c]) != 0) {
			char name[256];
			int saved = errno;
			run_state_hist_name(name, sizeof name, plan->matrix->cells[c].id, rep);
			snprintf(path, sizeof path, "%s/%s", dir, name);
			cli_error("--resume", path, "%s: the histograms of a measured rep are lost, "
						    "so the run cannot be finished exactly",
				  saved == ENOENT ? "missing" : "torn or damaged");
			return EXIT_USAGE;
		}
		already += plan->done[pair];
	}
	if (bundle_reopen(bundle, dir, plan->rows, plan->done, plan->total) != 0) {
		cli_error("--resume", dir, "cannot rewrite " BUNDLE_PARTIAL_RUNS ": %s",
			  strerror(errno));
		return EXIT_ENVIRONMENT;
	}
	if (torn > 0)
		printf("# %s: its last row was cut short; that rep is measured again\n",
		       BUNDLE_PARTIAL_RUNS);
	printf("# resuming %s: %zu of %zu reps already measured\n", dir, already, plan->total);
	return 0;
}

/* A bundle for a fresh run: --out's directory (or results/'s default), with its
 * rows file and its first meta.json, in that order (run_state.h), before anything
 * is measured. An existing --out is used only when it holds nothing measured. */
static int start_bundle(struct bundle *bundle, const char *out, const struct run_context *ctx)
{
	char path[1200];

	if (bundle_create(bundle, out) != 0) {
		int saved = errno;
		enum run_state_kind kind = out != NULL && saved == EEXIST ? run_state_inspect(out)
									: RUN_STATE_OTHER;
		if (kind == RUN_STATE_UNFINISHED) {
			cli_error("--out", out, "exists: an unfinished run; finish it with: locklab "
						"run --resume %s",
				  out);
			return EXIT_USAGE;
		}
		if (kind != RUN_STATE_UNSTARTED || bundle_adopt(bundle, out) != 0) {
			cli_error("--out", out ? out : "results/", "%s",
				  saved == EEXIST ? "exists: a bundle is never overwritten"
						  : strerror(saved));
			return saved == EEXIST ? EXIT_USAGE : EXIT_ENVIRONMENT;
		}
	}
	if (bundle_start_partial(bundle) != 0) {
		bundle_path(bundle, BUNDLE_PARTIAL_RUNS, path, sizeof path);
		cli_error("run", path, "%s", strerror(errno));
		return EXIT_ENVIRONMENT;
	}
	if (run_write_start_meta(bundle, ctx) != 0) {
		bundle_path(bundle, BUNDLE_META, path, sizeof path);
		cli_error("run", path, "%s", strerror(errno));
		return EXIT_ENVIRONMENT;
	}
	return 0;
}

/* Cells --run-length measures once more: multi-thread cells of a workload that
 * asks for it. */
static bool run_length_applies(const struct cell *cell)
{
	return cell->workload->run_length && cell->threads > 1;
}

/* The run's busy rates rise to the fastest a rep measured (cell.c). */
static void raise_busy_rates(double *rates, const struct run_placement *placement,
			     const struct cell_environment *env, const struct cell *cell,
			     const struct cell_result *result)
{
	unsigned used = cell_cpus_used(cell, env);

	if (!env->pin)
		return;
	/* The run keeps its rates per CPU of placement->cpus; the cell's CPUs are its
	 * plan's, in the plan's order. */
	for (unsigned i = 0; i < used && i < env->cpu_count; i++) {
		long at = run_placement_position(placement, env->cpus[i]);
		if (at >= 0 && result->busy_per_cpu[i] > rates[at])
			rates[at] = result->busy_per_cpu[i];
	}
}

/* A rep's resume state (errno set) could not be written: one line naming the
 * file, and how to finish once it can be. Returns the exit status. */
static int state_write_failed(const struct bundle *bundle, const char *name)
{
	char path[1200];
	int saved = errno;

	bundle_path(bundle, name, path, sizeof path);
	cli_error("run", path, "%s (the reps measured before are kept: once it can be written, "
			       "finish with: locklab run --resume %s)",
		  strerror(saved), bundle->dir);
	return EXIT_ENVIRONMENT;
}

/* Every pair not yet done, in the seeded shuffled order, each in its own child;
 * stops early, keeping what it measured, when Ctrl-C arrives. */
static int measure(struct run_plan *plan, const struct run_placement *placement,
		   const struct cell_environment *env, struct bundle *bundle, uint64_t seed,
		   double estimate)
{
	size_t *order = malloc((plan->total + 1) * sizeof *order);
	struct cell_result *result = malloc(sizeof *result);
	unsigned *cell_cpus = malloc(PLACEMENT_MAX_LIST * sizeof *cell_cpus);
	double *cell_busy = malloc(PLACEMENT_MAX_LIST * sizeof *cell_busy);
	struct cell_environment rep_env = *env;
	int rc = 0;

	if (order == NULL || result == NULL || cell_cpus == NULL || cell_busy == NULL) {
		cli_error("run", "memory", "%s", strerror(ENOMEM));
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	/* Ctrl-C ends the run after the current cell, keeping what it measured. The
	 * cells' children ignore it (cell.c), so the one in flight finishes. */
	struct sigaction interrupt = { .sa_handler = on_interrupt };
	sigemptyset(&interrupt.sa_mask);
	sigaction(SIGINT, &interrupt, NULL);
	sigaction(SIGTERM, &interrupt, NULL);

	matrix_shuffle(order, plan->total, seed);
	size_t to_run = 0, finished = 0;
	for (size_t i = 0; i < plan->total; i++)
		to_run += !plan->done[order[i]];
	struct timespec loop_start, now;
	clock_gettime(CLOCK_MONOTONIC, &loop_start);
	for (size_t i = 0; i < plan->total && !run_interrupted; i++) {
		size_t pair = order[i], c = pair / plan->slots;
		unsigned rep = (unsigned)(pair % plan->slots);
		bool instrumented = rep == plan->reps;
		const struct cell *cell = &plan->matrix->cells[c];

		if (plan->done[pair])
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double spent = (double)(now.tv_sec - loop_start.tv_sec) +
			       (double)(now.tv_nsec - loop_start.tv_nsec) / 1e9;
		progress(finished, to_run, cell->id,
			 finished ? spent / (double)finished * (double)(to_run - finished)
				  : estimate);
		/* Each rep's generators from --seed and the rep itself, so a rep measured
		 * again (--resume) sees the same sequences. */
		uint64_t rep_seed = seed ^ (0x9e3779b97f4a7c15ull * (pair + 1));
		run_placement_env(placement, cell, env, plan->busy_per_cpu, &rep_env, cell_cpus,
				  cell_busy);
		rep_env.seed = random_next(&rep_seed);
		rep_env.run_length = instrumented;
		if (cell_run_isolated(cell, &rep_env, result) != 0) {
			cli_error("run", cell->id, "cannot start a child: %s", strerror(errno));
			rc = EXIT_ENVIRONMENT;
			goto out;
		}
		metrics_compute(cell, rep, result, env->timer->overhead_ns,
				cell_cpus_used(cell, &rep_env), instrumented, &plan->rows[pair]);
		if (result->status == CELL_OK)
			raise_busy_rates(plan->busy_per_cpu, placement, &rep_env, cell, result);
		/* The instrumented rep's timings join nothing: its owner word slows
		 * the very critical sections they time. */
		bool timed_ok = result->status == CELL_OK && !instrumented;
		if (timed_ok) {
			hist_merge(&plan->hists[c].acquire, &result->acquire);
			hist_merge(&plan->hists[c].hold, &result->hold);
			hist_merge(&plan->hists[c].handoff, &result->handoff);
		}
		/* Histograms before the row: a rep with a row always has them saved. */
		char name[256];
		bool failed = false;
		if (timed_ok) {
			run_state_hist_name(name, sizeof name, cell->id, rep);
			failed = run_state_save_hists(bundle, cell->id, rep, result) != 0;
		}
		if (!failed) {
			snprintf(name, sizeof name, "%s", BUNDLE_PARTIAL_RUNS);
			failed = bundle_append_partial(bundle, &plan->rows[pair]) != 0;
		}
		if (failed) {
			rc = state_write_failed(bundle, name);
			goto out;
		}
		plan->done[pair] = true;
		finished++;
	}
	if (!run_interrupted)
		progress(to_run, to_run, NULL, 0);
out:
	free(order);
	free(result);
	free(cell_cpus);
	free(cell_busy);
	return rc;
}

/* The VM cells' reps, after the others, in their own seeded shuffled order, each
 * in its own child; stops early, keeping what it measured, when Ctrl-C arrives. */
static int measure_vm(struct vm_plan *vm, const struct vm_cell_environment *env,
		      const struct bundle *bundle, uint64_t seed)
{
	size_t *order = malloc((vm->total + 1) * sizeof *order), to_run = 0, finished = 0;
	int rc = 0;

	if (order == NULL) {
		cli_error("run", "memory", "%s", strerror(ENOMEM));
		return EXIT_ENVIRONMENT;
	}
	matrix_shuffle(order, vm->total, seed ^ 0x5bd1e995u);
	for (size_t i = 0; i < vm->total; i++)
		to_run += !vm->done[i];
	for (size_t i = 0; i < vm->total && !run_interrupted; i++) {
		size_t pair = order[i];
		const struct vm_cell *cell = &vm->cells[pair / vm->reps];

		if (vm->done[pair])
			continue;
		progress(finished, to_run, cell->id, (double)(to_run - finished) * RUN_VM_REP_S);
		if (vm_cell_run_isolated(cell, env, &vm->results[pair]) != 0) {
			cli_error("run", cell->id, "cannot start a child: %s", strerror(errno));
			rc = EXIT_ENVIRONMENT;
			break;
		}
		if (vm_plan_append(vm, pair) != 0) {
			rc = state_write_failed(bundle, VM_PLAN_PARTIAL);
			break;
		}
		bundle_crash_point("vm_rep");
		vm->done[pair] = true;
		finished++;
	}
	if (rc == 0 && !run_interrupted && to_run > 0)
		progress(to_run, to_run, NULL, 0);
	free(order);
	return rc;
}

int cmd_run(int argc, char **argv)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned cpus = online > 0 ? (unsigned)online : 1;
	unsigned machine_nodes = numa_available() < 0 ? 1 : (unsigned)numa_num_configured_nodes();
	struct run_options o;
	/* Declared before the first goto: jumping into a VLA's scope is not allowed. */
	const struct ll_info *locks[ll_registry_count], *vm_locks[ll_registry_count];
	struct matrix_skip failed[ll_registry_count];
	run_options_defaults(&o, machine_nodes);
	int rc = run_options_parse(argc, argv, &o);
	if (rc >= 0)
		return rc;

	/* Resuming: the saved command line replaces ours, into the same bundle. */
	json_t *resume_meta = NULL;
	char **saved_argv = NULL;
	char excluded[1024] = "";
	const char *resume_dir = o.resume;
	bool preflight_done = true;
	if (resume_dir != NULL) {
		int saved_argc;
		enum run_state_kind kind = run_state_inspect(resume_dir);
		if (kind == RUN_STATE_COMPLETE && run_state_left_over(resume_dir)) {
			/* Killed after "complete": true, while removing the partial state. */
			struct bundle done;
			if (bundle_adopt(&done, resume_dir) != 0 || run_state_remove(&done) != 0) {
				cli_error("--resume", resume_dir, "cannot remove its resume state: %s",
					  strerror(errno));
				return EXIT_ENVIRONMENT;
			}
			printf("# %s was complete; its left-over resume state is removed\n",
			       resume_dir);
			return 0;
		}
		if (kind == RUN_STATE_UNSTARTED) {
			cli_error("--resume", resume_dir, "nothing was measured (stopped before its "
							  "meta.json): start it again with --out %s",
				  resume_dir);
			return EXIT_USAGE;
		}
		saved_argv = run_state_saved_command(resume_dir, &saved_argc, &resume_meta, excluded,
						     sizeof excluded, &preflight_done);
		if (saved_argv == NULL)
			return EXIT_USAGE;
		run_options_defaults(&o, machine_nodes);
		rc = run_options_parse(saved_argc, saved_argv, &o);
		if (rc >= 0 || o.resume != NULL) {
			cli_error("--resume", resume_dir, "its saved command line does not parse");
			rc = EXIT_USAGE;
			goto out_resume;
		}
		/* Proven by the run being resumed, unless it was stopped before its
		 * pre-flight's outcome was saved. */
		o.preflight = o.preflight && !preflight_done;
		argc = saved_argc;
		argv = saved_argv;
	}

	size_t lock_count;
	struct run_placement placement = { 0 };
	static unsigned cpu_list[CELL_MAX_THREADS];
	int cpu_count = topology_cpu_list(cpu_list, CELL_MAX_THREADS);
	rc = EXIT_USAGE;
	if (!lock_select("--lock", o.locks, locks, &lock_count))
		goto out_resume;
	lock_count = lock_exclude(locks, lock_count, excluded);
	for (size_t i = 0; i < lock_count; i++)
		if (locks[i]->unsound) {
			cli_error("--lock", locks[i]->name,
				  "torture's negative control is never benchmarked");
			goto out_resume;
		}
	if (o.custom && !run_options_custom_blocks(&o))
		goto out_resume;
	const struct matrix_block *blocks = o.custom ? o.custom_blocks : o.profile->blocks;
	size_t block_count = o.custom ? o.custom_block_count : o.profile->block_count;

	struct matrix matrix;
	struct vm_plan vm_plan = { .partial_fd = -1 };
	if (matrix_expand(&matrix, blocks, block_count, locks, lock_count, cpus) != 0) {
		cli_error("run", "matrix", "%s", strerror(errno));
		rc = EXIT_ENVIRONMENT;
		goto out_resume;
	}
	/* Placement: every cell once per (affinity, memory policy); those this
	 * machine cannot place are recorded skips. A profile's placement slice,
	 * when the run names no placement, adds its affinities for its cells only. */
	const struct matrix_placement_slice *placement_slice =
		!o.custom && o.affinity_count == 0 && o.mem_policy_count == 0 && o.pin
			? o.profile->placement
			: NULL;
	if (placement_slice != NULL) {
		o.affinities[o.affinity_count++] = "round-robin";
		for (size_t i = 0; i < placement_slice->affinity_count; i++)
			o.affinities[o.affinity_count++] = placement_slice->affinities[i];
	}
	rc = run_placement_setup(&placement, &o, machine_nodes, cpu_list,
				 cpu_count > 0 ? (unsigned)cpu_count : 0);
	if (rc != 0)
		goto out_matrix;
	if (matrix_cross_placements(&matrix, placement.affinity_text,
				    placement_slice ? 1 : placement.affinity_count, placement.mem_text,
				    placement.mem_count, placement.placed) != 0 ||
	    (placement_slice != NULL &&
	     matrix_add_placement_slice(&matrix, placement_slice, locks, lock_count, cpus,
					placement.affinity_text, placement.affinity_count,
					placement.mem_text, placement.mem_count) != 0) ||
	    matrix_drop(&matrix, run_placement_skip, &placement) != 0) {
		cli_error("run", "matrix", "%s", strerror(errno));
		rc = EXIT_ENVIRONMENT;
		goto out_matrix;
	}
	rc = EXIT_USAGE;
	/* A profile's VM slice, on those of the run's locks it names. */
	size_t vm_lock_count = lock_count;
	memcpy(vm_locks, locks, lock_count * sizeof locks[0]);
	if (!o.custom && o.profile->vm != NULL) {
		const struct matrix_vm_slice *slice = o.profile->vm;
		o.vm = true;
		o.vm_request.guests = slice->guests;
		memcpy(o.vm_request.harts, slice->harts, sizeof slice->harts);
		o.vm_request.harts_count = slice->harts_count;
		memcpy(o.vm_request.workers, slice->workers, sizeof slice->workers);
		o.vm_request.workers_count = slice->workers_count;
		o.vm_request.reps = slice->reps;
		vm_lock_count = 0;
		for (size_t i = 0; i < lock_count; i++)
			if (slice->locks == NULL || matrix_listed(slice->locks, locks[i]->name))
				vm_locks[vm_lock_count++] = locks[i];
	}
	if (o.vm) {
		/* --site is checked here, once, not by every rep's child. */
		struct vm_host_options check = { .lock = "pthread_mutex",
						 .site_locks = o.vm_request.site_locks };
		struct vm_host host;
		char why[512];
		if (vm_host_open(&check, &host, why, sizeof why) != 0) {
			fprintf(stderr, "locklab: %s\n", why);
			goto out_matrix;
		}
		vm_host_close(&host);
		/* Placed only by the run's own --affinity/--mem-policy, not by a
		 * profile's placement slice (that is for its contended cells). */
		rc = vm_plan_expand(&vm_plan, &o.vm_request, vm_locks, vm_lock_count,
				    o.vm_request.reps ? o.vm_request.reps : o.reps, cpus,
				    placement.placed && placement_slice == NULL ? &placement
										: NULL);
		if (rc == EXIT_ENVIRONMENT)
			cli_error("run", "memory", "%s", strerror(ENOMEM));
		if (rc != 0)
			goto out_matrix;
		rc = EXIT_USAGE;
	}
	if (matrix.cell_count == 0 && vm_plan.cell_count == 0) {
		cli_error("run", o.locks, "no cell to measure (every combination was skipped)");
		rc = EXIT_USAGE;
		goto out_matrix;
	}
	size_t instrumented = 0;
	for (size_t c = 0; c < matrix.cell_count && o.run_length; c++)
		instrumented += run_length_applies(&matrix.cells[c]);
	double estimate = (double)(matrix.cell_count * o.reps + instrumented) *
				  (o.duration_s + o.warmup_s + RUN_OVERHEAD_S) +
			  (o.preflight ? (double)lock_count * (PREFLIGHT_SECONDS + RUN_OVERHEAD_S) : 0) +
			  (double)vm_plan.total * RUN_VM_REP_S;
	printf("# plan: %zu cells x %u reps of %.3g s (+%.3g s warm-up), %zu run-length reps, "
	       "%zu skipped",
	       matrix.cell_count, o.reps, o.duration_s, o.warmup_s, instrumented,
	       matrix.skip_count);
	if (o.vm)
		printf("; %zu VM cells x %u reps, %zu skipped", vm_plan.cell_count, vm_plan.reps,
		       vm_plan.skip_count);
	printf("; estimated %.0f s\n", estimate);
	for (size_t i = 0; i < vm_plan.skip_count; i++)
		printf("# skipped %s: %s\n", vm_plan.skips[i].what, vm_plan.skips[i].reason);
	if (o.max_time_s > 0 && estimate > o.max_time_s && resume_dir == NULL) {
		char limit[32];
		snprintf(limit, sizeof limit, "%g", o.max_time_s);
		cli_error("--max-time", limit, "the plan needs about %.0f s", estimate);
		goto out_matrix;
	}

	unsigned slots = o.reps + (o.run_length ? 1 : 0);
	struct run_plan plan = { .matrix = &matrix, .reps = o.reps, .slots = slots,
				 .total = matrix.cell_count * slots };
	struct bundle bundle = { .partial_fd = -1 };
	struct run_context ctx = { .argc = argc, .argv = argv, .matrix = &matrix,
				   .reps = o.reps, .seed = o.seed, .placement = &placement };
	size_t failed_count = 0;
	if (plan_allocate(&plan) != 0) {
		cli_error("run", "memory", "%s", strerror(ENOMEM));
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	/* The instrumented slot of a cell --run-length does not apply to: nothing to do. */
	for (size_t c = 0; c < matrix.cell_count && o.run_length; c++)
		plan.done[c * slots + o.reps] = !run_length_applies(&matrix.cells[c]);

	if (resume_dir != NULL) {
		rc = resume_into(&plan, resume_dir, &bundle);
		if (rc != 0)
			goto out;
	} else {
		rc = start_bundle(&bundle, o.out, &ctx);
		if (rc != 0)
			goto out;
	}
	if (o.vm) {
		char why[300], path[1200];
		if (vm_plan_start_partial(&vm_plan, &bundle, resume_dir != NULL, why, sizeof why) !=
		    0) {
			bundle_path(&bundle, VM_PLAN_PARTIAL, path, sizeof path);
			cli_error(resume_dir ? "--resume" : "run", path, "%s", why);
			rc = resume_dir ? EXIT_USAGE : EXIT_ENVIRONMENT;
			goto out;
		}
		ctx.vm = &vm_plan;
	}
	fflush(stdout);

	/* Once, before any child is forked: each inherits the figure instead of
	 * paying for it inside a measured cell (locks/base/spin.h). */
	ll_spin_calibrate();
	if (o.preflight) {
		size_t kept = preflight(locks, lock_count, cpus, failed, &failed_count);
		if (failed_count > 0) {
			for (size_t i = 0; i < failed_count; i++)
				printf("# %s: %s\n", failed[i].what, failed[i].reason);
			/* Cells of the failed locks are marked done with no row: not measured. */
			for (size_t i = 0; i < failed_count; i++)
				vm_plan_drop_lock(&vm_plan, ll_find(failed[i].what));
			for (size_t pair = 0; pair < plan.total; pair++) {
				const struct ll_info *lock = matrix.cells[pair / slots].lock;
				bool kept_lock = false;
				for (size_t k = 0; k < kept; k++)
					kept_lock |= locks[k] == lock;
				plan.done[pair] |= !kept_lock;
			}
		}
	}
	if (resume_meta != NULL) {
		json_t *failures = json_object_get(resume_meta, "preflight_failures"), *failure;
		size_t index;
		json_array_foreach(failures, index, failure) {
			if (failed_count == ll_registry_count)
				break;
			snprintf(failed[failed_count].what, sizeof failed[0].what, "%s",
				 json_string_value(json_object_get(failure, "what")));
			snprintf(failed[failed_count].reason, sizeof failed[0].reason, "%s",
				 json_string_value(json_object_get(failure, "reason")));
			failed_count++;
		}
	}
	ctx.preflight_failures = failed;
	ctx.preflight_failure_count = failed_count;

	struct timer_calibration timer;
	if (timer_calibrate(&timer) != 0 || cpu_count <= 0) {
		cli_error("run", "timer", "cannot calibrate a clock: %s", strerror(errno));
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	/* The busy loop's rate on the CPUs cells pin threads to, raised to the
	 * fastest each rep sees (cell.c says why). */
	double busy_per_cpu[CELL_MAX_THREADS];
	unsigned busy_cpus = 0;
	for (size_t c = 0; c < matrix.cell_count; c++)
		if (matrix.cells[c].threads > busy_cpus)
			busy_cpus = matrix.cells[c].threads;
	busy_cpus = busy_cpus < (unsigned)cpu_count ? busy_cpus : (unsigned)cpu_count;
	double busy = cell_calibrate_busy_cpus(&timer, cpu_list, busy_cpus, RUN_BUSY_BATCH_NS,
					       RUN_BUSY_BATCHES, busy_per_cpu);
	for (unsigned i = busy_cpus; i < (unsigned)cpu_count; i++)
		busy_per_cpu[i] = busy;
	plan.busy_per_cpu = busy_per_cpu;
	struct cell_environment env = {
		.timer = &timer,
		.busy_per_cpu = busy_per_cpu,
		.busy_iterations_per_ns = busy,
		.probe_round_trips = RUN_PROBE_ROUND_TRIPS,
		.probe_cpus = cpu_list,
		.probe_cpu_count = (unsigned)cpu_count,
		.duration_s = o.duration_s,
		.warmup_s = o.warmup_s,
		.sample_every = o.sample_every,
		.pin = o.pin,
		.cpus = cpu_list,
		.cpu_count = (unsigned)cpu_count,
		.numa_nodes = o.numa_nodes,
	};
	ctx.env = &env;
	run_measure_floors(&ctx, true);
	clock_gettime(CLOCK_REALTIME, &ctx.started);
	if (run_write_meta(&bundle, &ctx, false) != 0) {
		char path[1200];
		bundle_path(&bundle, BUNDLE_META, path, sizeof path);
		cli_error("run", path, "%s", strerror(errno));
		rc = EXIT_ENVIRONMENT;
		goto out;
	}

	/* Ctrl-C ends the run after the current cell, keeping what it measured. The
	 * cells' children ignore it (cell.c), so the one in flight finishes. */
	struct sigaction interrupt = { .sa_handler = on_interrupt };
	sigemptyset(&interrupt.sa_mask);
	sigaction(SIGINT, &interrupt, NULL);
	sigaction(SIGTERM, &interrupt, NULL);

	rc = measure(&plan, &placement, &env, &bundle, o.seed, estimate);
	if (rc != 0)
		goto out;
	if (o.vm && !run_interrupted) {
		struct vm_cell_environment vm_env = {
			.timer = &timer,
			.placement = &placement,
			.site_locks = o.vm_request.site_locks,
			.site_profile = o.vm_request.site_profile,
			.timeout_s = o.vm_timeout_s,
			.guest_iters = o.vm_guest_iters,
			.probe_cpus = { cpu_count >= 2 ? (int)cpu_list[0] : -1,
					cpu_count >= 2 ? (int)cpu_list[1] : -1 },
			.probe_round_trips = RUN_PROBE_ROUND_TRIPS,
		};
		rc = measure_vm(&vm_plan, &vm_env, &bundle, o.seed);
		if (rc != 0)
			goto out;
	}
	if (run_interrupted) {
		size_t measured = 0;
		for (size_t pair = 0; pair < plan.total; pair++)
			measured += plan.done[pair] && plan.rows[pair].cell != NULL;
		for (size_t pair = 0; pair < vm_plan.total; pair++)
			measured += vm_plan.done[pair];
		if (isatty(2))
			fputc('\n', stderr);
		cli_error("run", "interrupted", "%zu of %zu reps measured; finish with: locklab "
						"run --resume %s",
			  measured, plan.total + vm_plan.total, bundle.dir);
		rc = 130;
		goto out;
	}
	run_measure_floors(&ctx, false);
	clock_gettime(CLOCK_REALTIME, &ctx.ended);
	rc = run_finish(&bundle, &ctx, plan.rows, plan.total, plan.hists);
	/* Last of all: until this, a kill leaves a bundle --resume finishes. */
	if (rc == 0 && run_state_remove(&bundle) != 0) {
		cli_error("run", bundle.dir, "complete, but its resume state cannot be removed: %s",
			  strerror(errno));
		rc = EXIT_ENVIRONMENT;
	}
out:
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	plan_free(&plan);
	bundle_close(&bundle);
out_matrix:
	vm_plan_free(&vm_plan);
	run_placement_free(&placement);
	matrix_free(&matrix);
out_resume:
	free(saved_argv);
	json_decref(resume_meta);
	return rc;
}
