/* locklab torture: correctness stress per lock (harness/torture.h). */
#include <errno.h>
#include <getopt.h>
#include <numa.h>
#include <sched.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/lock_select.h"
#include "harness/placement.h"
#include "harness/topology.h"
#include "harness/torture.h"

static void torture_usage(FILE *out, unsigned default_threads)
{
	fprintf(out,
		"usage: locklab torture [--lock NAME[,NAME...]|all] [--threads N] [--seconds S]\n"
		"                       [--seed K] [--nodes N] [--inject K]\n"
		"                       [--cpus N | --affinity POLICY]\n"
		"Stresses each lock like Linux locktorture: a non-atomic counter and an owner\n"
		"check in every critical section, trylock success and failure, readers beside\n"
		"readers but never beside a writer. Each lock runs in its own child process\n"
		"under a watchdog, so a deadlock is reported as a failure. Prints one line per\n"
		"lock; exits 1 if any lock failed.\n"
		"  --lock L     locks to torture (default all: every lock but the controls\n"
		"               null, broken, broken_rw and stuck)\n"
		"  --threads N  stress threads (default %u, 4x the CPUs used: more threads\n"
		"               than cores is where queue locks break)\n"
		"  --seconds S  stress time per lock (default 1)\n"
		"  --seed K     seed of the per-thread random choices (default 1)\n"
		"  --nodes N    NUMA nodes the contexts are spread over, round-robin (default:\n"
		"               this machine's); more than the machine has exercises the\n"
		"               node-aware paths of locks like ck_hclh\n"
		"  --inject K   each stress thread yields its CPU at 1 in K injection points,\n"
		"               one inside every critical section, so a lock that admits a\n"
		"               second holder lets it run there, even on one CPU (default %u;\n"
		"               0: off)\n"
		"  --cpus N     run each lock's stress on the first N CPUs this process may\n"
		"               use (default: all of them)\n"
		"  --affinity P pin stress thread i to the policy's i-th PU, wrapping (the\n"
		"               policies of locklab topo; none: not pinned); each line then\n"
		"               says which CPUs the threads ran on\n"
		"  --help       this text\n",
		default_threads, TORTURE_INJECT_DEFAULT);
}

/* "; ran on CPUs 0,2": where the pinned stress threads really were. */
static void print_cpus(const struct torture_result *r)
{
	const char *separator = "; ran on CPUs ";

	for (unsigned cpu = 0; cpu < 64; cpu++)
		if (r->ran_on_mask >> cpu & 1) {
			printf("%s%u", separator, cpu);
			separator = ",";
		}
	if (r->ran_on_high)
		printf("%sbeyond 63", separator);
}

static void print_result(const struct ll_info *info, const struct torture_result *r,
			 double seconds, bool pinned)
{
	printf("%-24s ", info->name);
	if (r->timed_out) {
		printf("FAILED: timed out (deadlock or livelock)");
	} else if (r->crash_signal) {
		printf("FAILED: crashed with signal %d", r->crash_signal);
	} else if (torture_failed(r)) {
		printf("FAILED: %llu exclusion, %llu lost updates, %llu rw, %llu semantic%s%s",
		       (unsigned long long)r->exclusion_violations,
		       (unsigned long long)r->lost_updates, (unsigned long long)r->rw_violations,
		       (unsigned long long)r->semantic_failures, r->semantic_failures ? ": " : "",
		       r->first_failure);
		if (r->caught_after_s > 0)
			printf("; first after %.3f s, %llu yields", r->caught_after_s,
			       (unsigned long long)r->yields);
	} else {
		printf("%-22s %10llu writes %10llu reads %8.0f/s  max readers %u, %llu yields",
		       info->has_trylock ? "ok" : "ok (trylock: none)",
		       (unsigned long long)r->acquisitions, (unsigned long long)r->reads,
		       (double)(r->acquisitions + r->reads) / seconds, r->max_readers,
		       (unsigned long long)r->yields);
		if (pinned)
			print_cpus(r);
	}
	putchar('\n');
	fflush(stdout);
}

/* --affinity's plan on this machine into pus (PLACEMENT_MAX_LIST); 0 with
 * *count set, or the exit status after one line (2 malformed, 3 a policy this
 * machine cannot give). */
static int plan_affinity(const char *text, unsigned *pus, unsigned *count)
{
	hwloc_topology_t topology;
	hwloc_bitmap_t allowed;
	char why[256];
	long planned;

	if (topology_load_this_machine(&topology) != 0) {
		cli_error("--affinity", text, "cannot read this machine's topology (hwloc)");
		return EXIT_ENVIRONMENT;
	}
	allowed = hwloc_bitmap_alloc();
	hwloc_get_cpubind(topology, allowed, HWLOC_CPUBIND_PROCESS);
	planned = placement_plan_text(topology, allowed, text, pus, PLACEMENT_MAX_LIST, why,
				      sizeof why);
	int failed = errno;
	hwloc_bitmap_free(allowed);
	hwloc_topology_destroy(topology);
	if (planned < 0) {
		cli_error("--affinity", text, "%s", why);
		return failed == ENODEV ? EXIT_ENVIRONMENT : EXIT_USAGE;
	}
	*count = (unsigned)planned;
	return 0;
}

int cmd_torture(int argc, char **argv)
{
	static const struct option options[] = {
		{ "lock", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'k' },
		{ "nodes", required_argument, NULL, 'n' },
		{ "inject", required_argument, NULL, 'i' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "affinity", required_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	long online = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned cpus = online > 0 ? (unsigned)online : 1;
	cpu_set_t allowed;

	/* --cpus counts the CPUs this process may use, which taskset may narrow. */
	if (sched_getaffinity(0, sizeof allowed, &allowed) == 0 && CPU_COUNT(&allowed) > 0)
		cpus = (unsigned)CPU_COUNT(&allowed);
	unsigned machine_nodes = numa_available() < 0 ? 1 : (unsigned)numa_num_configured_nodes();
	struct torture_config config = {
		.seconds = 1.0,
		.seed = 1,
		.numa_nodes = machine_nodes ? machine_nodes : 1,
		.inject_one_in = TORTURE_INJECT_DEFAULT,
	};
	const char *lock_text = "all", *affinity = NULL;
	static unsigned pus[PLACEMENT_MAX_LIST];
	unsigned long value;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'l':
			lock_text = optarg;
			break;
		case 't':
			if (!cli_parse_uint("--threads", optarg, 1, 4096, &value))
				return EXIT_USAGE;
			config.threads = (unsigned)value;
			break;
		case 's':
			if (!cli_parse_double("--seconds", optarg, 0.01, 3600, &config.seconds))
				return EXIT_USAGE;
			break;
		case 'k':
			if (!cli_parse_uint("--seed", optarg, 0, (unsigned long)-1, &value))
				return EXIT_USAGE;
			config.seed = value;
			break;
		case 'n':
			if (!cli_parse_uint("--nodes", optarg, 1, 1024, &value))
				return EXIT_USAGE;
			config.numa_nodes = (unsigned)value;
			break;
		case 'i':
			if (!cli_parse_uint("--inject", optarg, 0, 1u << 30, &value))
				return EXIT_USAGE;
			config.inject_one_in = (unsigned)value;
			break;
		case 'c':
			if (!cli_parse_uint("--cpus", optarg, 1, 4096, &value))
				return EXIT_USAGE;
			config.cpus = (unsigned)value;
			break;
		case 'a':
			affinity = optarg;
			break;
		case 'h':
			torture_usage(stdout, 4 * cpus);
			return 0;
		default:
			return cli_bad_option("torture", argc, argv);
		}
	}
	if (optind < argc) {
		cli_error("torture", argv[optind], "unexpected argument (see 'locklab torture --help')");
		return EXIT_USAGE;
	}

	const struct ll_info *selected[ll_registry_count];
	size_t count;
	if (!lock_select("--lock", lock_text, selected, &count))
		return EXIT_USAGE;
	if (config.cpus > cpus) {
		char text[16];

		snprintf(text, sizeof text, "%u", config.cpus);
		cli_error("--cpus", text, "this process may use only %u CPU(s)", cpus);
		return EXIT_ENVIRONMENT;
	}
	if (affinity != NULL && config.cpus != 0) {
		cli_error("--affinity", affinity, "give --affinity or --cpus, not both");
		return EXIT_USAGE;
	}
	if (affinity != NULL) {
		int rc = plan_affinity(affinity, pus, &config.pu_count);
		if (rc != 0)
			return rc;
		config.pus = pus;
		if (config.pu_count > 0)
			cpus = config.pu_count;
	}
	if (config.cpus != 0)
		cpus = config.cpus;
	if (config.threads == 0)
		config.threads = 4 * cpus;

	printf("# torture: %zu lock(s), %u threads on %u CPU(s)%s, %.2f s each, seed %llu, "
	       "%u NUMA node(s), ",
	       count, config.threads, cpus,
	       config.cpus != 0 ? " (--cpus)" : config.pu_count ? " (--affinity)" : "", config.seconds,
	       (unsigned long long)config.seed, config.numa_nodes);
	if (config.inject_one_in != 0)
		printf("inject 1 in %u\n", config.inject_one_in);
	else
		printf("inject off\n");
	struct timespec start, end;
	clock_gettime(CLOCK_MONOTONIC, &start);
	int failed = 0;
	for (size_t i = 0; i < count; i++) {
		struct torture_result result;

		if (torture_isolated(selected[i], &config, &result) != 0) {
			cli_error("torture", selected[i]->name, "could not run: %s",
				  "lock set-up failed or the child reported nothing");
			return EXIT_ENVIRONMENT;
		}
		print_result(selected[i], &result, config.seconds, config.pu_count > 0);
		failed += torture_failed(&result);
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	printf("# %zu passed, %d failed, %.1f s wall\n", count - (size_t)failed, failed,
	       (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9);
	return failed ? EXIT_MEASURED_FAILED : 0;
}
