/* locklab run: measure a matrix of cells into a result bundle. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <numa.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness/bundle.h"
#include "harness/cli.h"
#include "harness/fingerprint.h"
#include "harness/lock_select.h"
#include "harness/machine_probe.h"
#include "harness/matrix.h"
#include "harness/run_report.h"
#include "harness/run_state.h"
#include "harness/summary.h"
#include "harness/topology.h"
#include "harness/torture.h"

/* Fork, set-up and collection around each (cell, rep), for the time estimate. */
#define RUN_OVERHEAD_S 0.02
#define PREFLIGHT_SECONDS 0.1

struct run_options {
	const struct matrix_profile *profile;
	const char *locks;
	const char *out;
	const char *resume;
	double duration_s, warmup_s, max_time_s;
	unsigned reps, sample_every, numa_nodes;
	uint64_t seed;
	bool pin, preflight, custom;
	struct matrix_block custom_blocks[8];
	size_t custom_block_count;
	const char *workloads;
	struct thread_count threads[MATRIX_MAX_VALUES];
	size_t thread_count;
	unsigned cs[MATRIX_MAX_VALUES], ncs[MATRIX_MAX_VALUES], read_pct[MATRIX_MAX_VALUES];
	size_t cs_count, ncs_count, read_count;
};

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: locklab run [--profile quick|bench|full] [--lock L] [--workload W[,W...]]\n"
		"                   [--threads N,...] [--cs NS,...] [--ncs NS,...] [--read-pct P,...]\n"
		"                   [--duration S] [--warmup S] [--reps N] [--sample-every N]\n"
		"                   [--seed K] [--no-pin] [--nodes N] [--no-preflight]\n"
		"                   [--out DIR] [--max-time S] [--resume DIR]\n"
		"Measures every cell (lock x workload x parameters x threads) --reps times, each\n"
		"rep in its own child process under a watchdog, in a seeded shuffled order, and\n"
		"writes a result bundle (runs.csv, summary.csv, hist/, meta.json, topology.xml).\n"
		"  --profile P      quick (< 1 min on 2 CPUs), bench (default, < 10 min), full\n"
		"  --lock L         locks, comma-separated, or all (default; null may be named,\n"
		"                   broken never: it is torture's negative control)\n"
		"  --workload W     run these workloads with the lists below instead of the\n"
		"                   profile's blocks:");
	for (size_t i = 0; i < workload_registry_count; i++)
		fprintf(out, " %s", workload_registry[i].name);
	fprintf(out,
		"\n"
		"  --threads N,...  thread counts (default: online CPUs); NxCPU means N times\n"
		"                   the online CPUs, e.g. 2xCPU\n"
		"  --cs NS,...      busy work inside the critical section, ns (default 50)\n"
		"  --ncs NS,...     busy work between critical sections, ns (default 200)\n"
		"  --read-pct P,... rwmix: percent of operations that read (default 90)\n"
		"  --duration S     measured seconds per rep (profile default)\n"
		"  --warmup S       unmeasured seconds before each rep (profile default)\n"
		"  --reps N         repetitions per cell (profile default; >= 2 for a CV)\n"
		"  --sample-every N time one operation in N for latency histograms (power of\n"
		"                   two; default per workload: 1024 uncontended, 64 contended\n"
		"                   and rwmix, every one in handoff); throughput counts all\n"
		"  --seed K         order of the shuffled cells and bootstrap seeds (default 1)\n"
		"  --no-pin         let the OS place threads (default: round-robin over CPUs)\n"
		"  --nodes N        NUMA nodes the lock contexts are spread over (default: this\n"
		"                   machine's)\n"
		"  --no-preflight   skip the short torture that proves each lock before it is\n"
		"                   measured\n"
		"  --out DIR        bundle directory; must not exist (default results/<UTC>-<host>)\n"
		"  --max-time S     refuse a plan whose estimate exceeds S seconds\n"
		"  --resume DIR     finish an interrupted run (Ctrl-C, a crash): the options\n"
		"                   come from DIR/meta.json; measured reps are kept\n"
		"  --help           this text\n");
}

static bool parse_thread_list(const char *text, struct run_options *o)
{
	char *copy = strdup(text), *cursor = copy, *item;

	o->thread_count = 0;
	while ((item = strsep(&cursor, ",")) != NULL) {
		unsigned long value;
		size_t len = strlen(item);
		bool per_cpu = len > 4 && strcmp(item + len - 4, "xCPU") == 0;

		if (o->thread_count == MATRIX_MAX_VALUES) {
			cli_error("--threads", text, "more than %d values", MATRIX_MAX_VALUES);
			free(copy);
			return false;
		}
		if (per_cpu)
			item[len - 4] = '\0';
		if (!cli_parse_uint("--threads", item[0] ? item : text, 1, CELL_MAX_THREADS, &value)) {
			free(copy);
			return false;
		}
		o->threads[o->thread_count++] = (struct thread_count){ (unsigned)value, per_cpu };
	}
	free(copy);
	return true;
}

static bool parse_uint_list(const char *option, const char *text, unsigned long max,
			    unsigned *values, size_t *count)
{
	char *copy = strdup(text), *cursor = copy, *item;

	*count = 0;
	while ((item = strsep(&cursor, ",")) != NULL) {
		unsigned long value;

		if (*count == MATRIX_MAX_VALUES) {
			cli_error(option, text, "more than %d values", MATRIX_MAX_VALUES);
			free(copy);
			return false;
		}
		if (!cli_parse_uint(option, item, 0, max, &value)) {
			free(copy);
			return false;
		}
		values[(*count)++] = (unsigned)value;
	}
	free(copy);
	return true;
}

/* The blocks the command line asked for, one per --workload name. */
static bool build_custom_blocks(struct run_options *o, unsigned cpus)
{
	char *copy = strdup(o->workloads ? o->workloads : "contended"), *cursor = copy, *name;

	if (o->thread_count == 0)
		o->threads[o->thread_count++] = (struct thread_count){ 1, true };
	if (o->cs_count == 0)
		o->cs[o->cs_count++] = 50;
	if (o->ncs_count == 0)
		o->ncs[o->ncs_count++] = 200;
	if (o->read_count == 0)
		o->read_pct[o->read_count++] = 90;
	(void)cpus;
	o->custom_block_count = 0;
	while ((name = strsep(&cursor, ",")) != NULL) {
		struct matrix_block *b = &o->custom_blocks[o->custom_block_count];

		if (workload_find(name) == NULL) {
			cli_error("--workload", name[0] ? name : "\"\"",
				  "unknown workload (see 'locklab run --help')");
			free(copy);
			return false;
		}
		if (o->custom_block_count == sizeof o->custom_blocks / sizeof o->custom_blocks[0]) {
			cli_error("--workload", o->workloads, "too many workloads");
			free(copy);
			return false;
		}
		*b = (struct matrix_block){ .thread_count = o->thread_count,
					    .cs_count = o->cs_count,
					    .ncs_count = o->ncs_count,
					    .read_count = o->read_count };
		b->workload = workload_find(name)->name;
		memcpy(b->threads, o->threads, sizeof o->threads);
		memcpy(b->cs_ns, o->cs, sizeof o->cs);
		memcpy(b->ncs_ns, o->ncs, sizeof o->ncs);
		memcpy(b->read_pct, o->read_pct, sizeof o->read_pct);
		o->custom_block_count++;
	}
	free(copy);
	return true;
}

static int parse_options(int argc, char **argv, struct run_options *o)
{
	static const struct option options[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "lock", required_argument, NULL, 'l' },
		{ "workload", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },
		{ "cs", required_argument, NULL, 'c' },
		{ "ncs", required_argument, NULL, 'n' },
		{ "read-pct", required_argument, NULL, 'r' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'u' },
		{ "reps", required_argument, NULL, 'R' },
		{ "sample-every", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 'k' },
		{ "no-pin", no_argument, NULL, 'P' },
		{ "nodes", required_argument, NULL, 'N' },
		{ "no-preflight", no_argument, NULL, 'F' },
		{ "out", required_argument, NULL, 'o' },
		{ "max-time", required_argument, NULL, 'm' },
		{ "resume", required_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double duration = NAN, warmup = NAN;
	unsigned long reps = 0, value;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'p':
			o->profile = matrix_find_profile(optarg);
			if (o->profile == NULL) {
				cli_error("--profile", optarg, "unknown profile (quick, bench, full)");
				return EXIT_USAGE;
			}
			break;
		case 'l':
			o->locks = optarg;
			break;
		case 'w':
			o->workloads = optarg;
			o->custom = true;
			break;
		case 't':
			if (!parse_thread_list(optarg, o))
				return EXIT_USAGE;
			o->custom = true;
			break;
		case 'c':
			if (!parse_uint_list("--cs", optarg, 10000000, o->cs, &o->cs_count))
				return EXIT_USAGE;
			o->custom = true;
			break;
		case 'n':
			if (!parse_uint_list("--ncs", optarg, 10000000, o->ncs, &o->ncs_count))
				return EXIT_USAGE;
			o->custom = true;
			break;
		case 'r':
			if (!parse_uint_list("--read-pct", optarg, 100, o->read_pct, &o->read_count))
				return EXIT_USAGE;
			o->custom = true;
			break;
		case 'd':
			if (!cli_parse_double("--duration", optarg, 0.001, 3600, &duration))
				return EXIT_USAGE;
			break;
		case 'u':
			if (!cli_parse_double("--warmup", optarg, 0, 3600, &warmup))
				return EXIT_USAGE;
			break;
		case 'R':
			if (!cli_parse_uint("--reps", optarg, 1, 1000, &reps))
				return EXIT_USAGE;
			break;
		case 'S':
			if (!cli_parse_uint("--sample-every", optarg, 1, 1u << 30, &value))
				return EXIT_USAGE;
			if (value & (value - 1)) {
				cli_error("--sample-every", optarg, "not a power of two");
				return EXIT_USAGE;
			}
			o->sample_every = (unsigned)value;
			break;
		case 'k':
			if (!cli_parse_uint("--seed", optarg, 0, (unsigned long)-1, &value))
				return EXIT_USAGE;
			o->seed = value;
			break;
		case 'P':
			o->pin = false;
			break;
		case 'N':
			if (!cli_parse_uint("--nodes", optarg, 1, 1024, &value))
				return EXIT_USAGE;
			o->numa_nodes = (unsigned)value;
			break;
		case 'F':
			o->preflight = false;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 'E':
			o->resume = optarg;
			break;
		case 'm':
			if (!cli_parse_double("--max-time", optarg, 0.001, 1e9, &o->max_time_s))
				return EXIT_USAGE;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			return cli_bad_option("run", argc, argv);
		}
	}
	if (optind < argc) {
		cli_error("run", argv[optind], "unexpected argument (see 'locklab run --help')");
		return EXIT_USAGE;
	}
	o->duration_s = isnan(duration) ? o->profile->duration_s : duration;
	o->warmup_s = isnan(warmup) ? o->profile->warmup_s : warmup;
	o->reps = reps ? (unsigned)reps : o->profile->reps;
	return -1; /* go on */
}

static void progress(size_t done, size_t total, const struct cell *cell, double eta_s)
{
	if (!isatty(2))
		return;
	fprintf(stderr, "\r\033[K[%zu/%zu] %-48.48s ETA %d:%02d", done, total,
		cell ? cell->id : "", (int)eta_s / 60, (int)eta_s % 60);
	if (done == total)
		fputc('\n', stderr);
	fflush(stderr);
}

/* Every lock is proven before it is measured: a short torture at 2x the CPUs. */
static size_t preflight(const struct ll_info **locks, size_t count, unsigned cpus,
			struct matrix_skip *failed, size_t *failed_count)
{
	size_t kept = 0;

	*failed_count = 0;
	for (size_t i = 0; i < count; i++) {
		struct torture_config config = { .threads = 2 * cpus, .seconds = PREFLIGHT_SECONDS,
						 .seed = 1, .numa_nodes = 1 };
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

/*
 * --resume DIR: the options come from the bundle's own meta.json, so the plan is
 * the one that wrote the rows; the locks that failed its pre-flight stay out.
 * Returns a malloc'd argv (free *storage after use) or NULL after printing why.
 */
static char **resume_arguments(const char *dir, int *argc, json_t **storage,
			       char *excluded, size_t excluded_size)
{
	char path[1200];
	json_error_t error;

	snprintf(path, sizeof path, "%s/meta.json", dir);
	json_t *meta = json_load_file(path, 0, &error);
	if (meta == NULL) {
		cli_error("--resume", dir, "no readable meta.json: %s", error.text);
		return NULL;
	}
	if (json_is_true(json_object_get(meta, "complete"))) {
		cli_error("--resume", dir, "this run is complete; nothing to resume");
		json_decref(meta);
		return NULL;
	}
	json_t *command = json_object_get(meta, "command_line");
	size_t n = json_array_size(command);
	char **argv = calloc(n + 1, sizeof *argv);
	if (n == 0 || argv == NULL) {
		cli_error("--resume", dir, "meta.json has no command line");
		free(argv);
		json_decref(meta);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		argv[i] = (char *)json_string_value(json_array_get(command, i));
	excluded[0] = '\0';
	json_t *failures = json_object_get(meta, "preflight_failures"), *failure;
	size_t index;
	json_array_foreach(failures, index, failure) {
		size_t used = strlen(excluded);
		snprintf(excluded + used, excluded_size - used, "%s%s", used ? "," : "",
			 json_string_value(json_object_get(failure, "what")));
	}
	*argc = (int)n;
	*storage = meta;
	return argv;
}

/* Drops the locks named in excluded (comma-separated) from the selection. */
static size_t exclude_locks(const struct ll_info **locks, size_t count, const char *excluded)
{
	size_t kept = 0;

	for (size_t i = 0; i < count; i++) {
		const char *at = strstr(excluded, locks[i]->name);
		size_t len = strlen(locks[i]->name);
		bool named = at != NULL && (at == excluded || at[-1] == ',') &&
			     (at[len] == ',' || at[len] == '\0');
		if (!named)
			locks[kept++] = locks[i];
	}
	return kept;
}

int cmd_run(int argc, char **argv)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned cpus = online > 0 ? (unsigned)online : 1;
	unsigned machine_nodes = numa_available() < 0 ? 1 : (unsigned)numa_num_configured_nodes();
	struct run_options o = {
		.profile = matrix_find_profile("bench"),
		.locks = "all",
		.seed = 1,
		.pin = true,
		.preflight = true,
		.numa_nodes = machine_nodes ? machine_nodes : 1,
	};
	/* Declared before the first goto: jumping into a VLA's scope is not allowed. */
	const struct ll_info *locks[ll_registry_count];
	struct matrix_skip failed[ll_registry_count];
	int rc = parse_options(argc, argv, &o);
	if (rc >= 0)
		return rc;

	/* Resuming: the saved command line replaces ours, into the same bundle. */
	json_t *resume_meta = NULL;
	char **saved_argv = NULL;
	char excluded[1024] = "";
	const char *resume_dir = o.resume;
	if (resume_dir != NULL) {
		int saved_argc;
		saved_argv = resume_arguments(resume_dir, &saved_argc, &resume_meta, excluded,
					      sizeof excluded);
		if (saved_argv == NULL)
			return EXIT_USAGE;
		o = (struct run_options){ .profile = matrix_find_profile("bench"), .locks = "all",
					  .seed = 1, .pin = true, .numa_nodes = o.numa_nodes };
		rc = parse_options(saved_argc, saved_argv, &o);
		if (rc >= 0 || o.resume != NULL) {
			cli_error("--resume", resume_dir, "its saved command line does not parse");
			rc = EXIT_USAGE;
			goto out_resume;
		}
		o.preflight = false; /* proven by the run being resumed */
		argc = saved_argc;
		argv = saved_argv;
	}

	size_t lock_count;
	rc = EXIT_USAGE;
	if (!lock_select("--lock", o.locks, locks, &lock_count))
		goto out_resume;
	lock_count = exclude_locks(locks, lock_count, excluded);
	for (size_t i = 0; i < lock_count; i++)
		if (strcmp(locks[i]->name, "broken") == 0) {
			cli_error("--lock", "broken", "torture's negative control is never benchmarked");
			goto out_resume;
		}
	if (o.custom && !build_custom_blocks(&o, cpus))
		goto out_resume;
	const struct matrix_block *blocks = o.custom ? o.custom_blocks : o.profile->blocks;
	size_t block_count = o.custom ? o.custom_block_count : o.profile->block_count;

	struct matrix matrix;
	if (matrix_expand(&matrix, blocks, block_count, locks, lock_count, cpus) != 0) {
		cli_error("run", "matrix", "%s", strerror(errno));
		rc = EXIT_ENVIRONMENT;
		goto out_resume;
	}
	if (matrix.cell_count == 0) {
		cli_error("run", o.locks, "no cell to measure (every combination was skipped)");
		rc = EXIT_USAGE;
		goto out_matrix;
	}
	double estimate = (double)matrix.cell_count * o.reps *
				  (o.duration_s + o.warmup_s + RUN_OVERHEAD_S) +
			  (o.preflight ? (double)lock_count * (PREFLIGHT_SECONDS + RUN_OVERHEAD_S) : 0);
	printf("# plan: %zu cells x %u reps of %.3g s (+%.3g s warm-up), %zu skipped; "
	       "estimated %.0f s\n",
	       matrix.cell_count, o.reps, o.duration_s, o.warmup_s, matrix.skip_count, estimate);
	if (o.max_time_s > 0 && estimate > o.max_time_s && resume_dir == NULL) {
		char limit[32];
		snprintf(limit, sizeof limit, "%g", o.max_time_s);
		cli_error("--max-time", limit, "the plan needs about %.0f s", estimate);
		goto out_matrix;
	}

	size_t total = matrix.cell_count * o.reps;
	size_t *order = malloc(total * sizeof *order);
	struct run_row *rows = calloc(total, sizeof *rows);
	bool *done = calloc(total, sizeof *done);
	struct cell_hists *hists = calloc(matrix.cell_count, sizeof *hists);
	struct cell_result *result = malloc(sizeof *result);
	struct bundle bundle = { .partial = NULL };
	struct run_context ctx = { .argc = argc, .argv = argv, .matrix = &matrix,
				   .reps = o.reps, .seed = o.seed };
	size_t failed_count = 0, already = 0;
	if (order == NULL || rows == NULL || done == NULL || hists == NULL || result == NULL) {
		cli_error("run", "memory", "%s", strerror(ENOMEM));
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	for (size_t c = 0; c < matrix.cell_count; c++) {
		hist_init(&hists[c].acquire);
		hist_init(&hists[c].hold);
		hist_init(&hists[c].handoff);
	}

	if (resume_dir != NULL) {
		char why[160];
		long loaded = run_state_load_rows(resume_dir, &matrix, o.reps, rows, done, why,
						  sizeof why);
		if (loaded < 0) {
			cli_error("--resume", resume_dir, "%s", why);
			rc = EXIT_USAGE;
			goto out;
		}
		for (size_t pair = 0; pair < total; pair++) {
			if (!done[pair] || rows[pair].status != CELL_OK)
				continue;
			if (run_state_merge_hists(resume_dir, matrix.cells[pair / o.reps].id,
						  (unsigned)(pair % o.reps), &hists[pair / o.reps]) != 0)
				done[pair] = false; /* measure that rep again */
		}
		for (size_t pair = 0; pair < total; pair++)
			already += done[pair];
		if (bundle_reopen(&bundle, resume_dir, rows, done, total) != 0) {
			cli_error("--resume", resume_dir, "cannot rewrite its rows: %s",
				  strerror(errno));
			rc = EXIT_ENVIRONMENT;
			goto out;
		}
		printf("# resuming %s: %zu of %zu reps already measured\n", resume_dir, already,
		       total);
	} else if (bundle_create(&bundle, o.out) != 0) {
		cli_error("--out", o.out ? o.out : "results/", "%s",
			  errno == EEXIST ? "exists: a bundle is never overwritten"
					  : strerror(errno));
		rc = errno == EEXIST ? EXIT_USAGE : EXIT_ENVIRONMENT;
		goto out;
	}
	fflush(stdout);

	if (o.preflight) {
		size_t kept = preflight(locks, lock_count, cpus, failed, &failed_count);
		if (failed_count > 0) {
			for (size_t i = 0; i < failed_count; i++)
				printf("# %s: %s\n", failed[i].what, failed[i].reason);
			/* Cells of the failed locks are marked done with no row: not measured. */
			for (size_t pair = 0; pair < total; pair++) {
				const struct ll_info *lock = matrix.cells[pair / o.reps].lock;
				bool kept_lock = false;
				for (size_t k = 0; k < kept; k++)
					kept_lock |= locks[k] == lock;
				done[pair] |= !kept_lock;
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

	unsigned cpu_list[CELL_MAX_THREADS];
	int cpu_count = topology_cpu_list(cpu_list, CELL_MAX_THREADS);
	struct timer_calibration timer;
	if (timer_calibrate(&timer) != 0 || cpu_count <= 0) {
		cli_error("run", "timer", "cannot calibrate a clock: %s", strerror(errno));
		rc = EXIT_ENVIRONMENT;
		goto out;
	}
	struct cell_environment env = {
		.timer = &timer,
		.busy_iterations_per_ns = cell_calibrate_busy(&timer),
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
	run_write_meta(&bundle, &ctx, false);

	/* Ctrl-C ends the run after the current cell, keeping what it measured. The
	 * cells' children ignore it (cell.c), so the one in flight finishes. */
	struct sigaction interrupt = { .sa_handler = on_interrupt };
	sigemptyset(&interrupt.sa_mask);
	sigaction(SIGINT, &interrupt, NULL);
	sigaction(SIGTERM, &interrupt, NULL);

	matrix_shuffle(order, total, o.seed);
	size_t to_run = 0, finished = 0;
	for (size_t i = 0; i < total; i++)
		to_run += !done[order[i]];
	struct timespec loop_start, now;
	clock_gettime(CLOCK_MONOTONIC, &loop_start);
	for (size_t i = 0; i < total && !run_interrupted; i++) {
		size_t pair = order[i], c = pair / o.reps;
		unsigned rep = (unsigned)(pair % o.reps);
		const struct cell *cell = &matrix.cells[c];

		if (done[pair])
			continue;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double spent = (double)(now.tv_sec - loop_start.tv_sec) +
			       (double)(now.tv_nsec - loop_start.tv_nsec) / 1e9;
		progress(finished, to_run, cell,
			 finished ? spent / (double)finished * (double)(to_run - finished)
				  : estimate);
		if (cell_run_isolated(cell, &env, result) != 0) {
			cli_error("run", cell->id, "cannot start a child: %s", strerror(errno));
			rc = EXIT_ENVIRONMENT;
			goto out;
		}
		metrics_compute(cell, rep, result, timer.overhead_ns, &rows[pair]);
		if (result->status == CELL_OK) {
			hist_merge(&hists[c].acquire, &result->acquire);
			hist_merge(&hists[c].hold, &result->hold);
			hist_merge(&hists[c].handoff, &result->handoff);
		}
		/* Histograms before the row: a rep with a row always has them saved. */
		if ((result->status == CELL_OK &&
		     run_state_save_hists(&bundle, cell->id, rep, result) != 0) ||
		    bundle_append_partial(&bundle, &rows[pair]) != 0) {
			cli_error("run", bundle.dir, "cannot write runs: %s", strerror(errno));
			rc = EXIT_ENVIRONMENT;
			goto out;
		}
		done[pair] = true;
		finished++;
	}
	if (run_interrupted) {
		if (isatty(2))
			fputc('\n', stderr);
		cli_error("run", "interrupted", "%zu of %zu reps measured; finish with: locklab "
						"run --resume %s",
			  already + finished, total, bundle.dir);
		rc = 130;
		goto out;
	}
	progress(to_run, to_run, NULL, 0);
	run_measure_floors(&ctx, false);
	clock_gettime(CLOCK_REALTIME, &ctx.ended);
	rc = run_finish(&bundle, &ctx, rows, total, hists);
	if (rc == 0)
		run_state_clear(&bundle, &matrix, o.reps);
out:
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	free(order);
	free(rows);
	free(done);
	free(hists);
	free(result);
	bundle_close(&bundle);
out_matrix:
	matrix_free(&matrix);
out_resume:
	free(saved_argv);
	json_decref(resume_meta);
	return rc;
}
