#include "harness/run_options.h"

#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"

void run_options_defaults(struct run_options *o, unsigned numa_nodes)
{
	*o = (struct run_options){
		.profile = matrix_find_profile("bench"),
		.locks = "all",
		.seed = 1,
		.pin = true,
		.preflight = true,
		.numa_nodes = numa_nodes ? numa_nodes : 1,
		.vm_timeout_s = 60,
	};
}


static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: locklab run [--profile quick|bench|full] [--lock L] [--workload W[,W...]]\n"
		"                   [--threads N,...] [--cs NS,...] [--ncs NS,...] [--read-pct P,...]\n"
		"                   [--cs-lines N,...]\n"
		"                   [--duration S] [--warmup S] [--reps N] [--sample-every N]\n"
		"                   [--seed K] [--no-pin] [--nodes N] [--no-preflight] [--run-length]\n"
		"                   [--out DIR] [--max-time S] [--resume DIR]\n"
		"                   [--affinity POLICY]... [--mem-policy POLICY]...\n"
		"                   [--guest G[,G...] | --elf FILE] [--harts H,...] [--workers W,...]\n"
		"                   [--site SITE=LOCK,...] [--site-profile] [--guest-timeout S]\n"
		"                   [--guest-iters N]\n"
		"Measures every cell (lock x workload x parameters x threads) --reps times, each\n"
		"rep in its own child process under a watchdog, in a seeded shuffled order, and\n"
		"writes a result bundle (runs.csv, summary.csv, hist/, meta.json, topology.xml).\n"
		"  --profile P      quick (< 1 min on 2 CPUs), bench (default, < 10 min), full\n"
		"  --lock L         locks, comma-separated, or all (default; null may be named,\n"
		"                   broken and broken_rw never: torture's negative controls)\n"
		"  --workload W     run these workloads with the lists below instead of the\n"
		"                   profile's blocks:");
	for (size_t i = 0; i < workload_registry_count; i++)
		fprintf(out, " %s", workload_registry[i].name);
	fprintf(out, " vm\n"
		"                   (vm: the RISC-V VM runs a guest to completion under the lock;\n"
		"                   vm_runs.csv and vm_sites.csv; the options below)\n"
		"  --guest G,...    vm: guests (default lockheavy):");
	for (size_t i = 0; i < vm_guest_count; i++)
		fprintf(out, " %s", vm_guest_names[i]);
	fprintf(out,
		"\n"
		"  --elf FILE       vm: a guest of your own instead\n"
		"  --harts H,...    vm: guest harts (default 1,2,4)\n"
		"  --workers W,...  vm: host threads running the harts (default min(harts, CPUs))\n"
		"  --site S=L,...   vm: lock L for VM lock site S (locklab vm --help lists sites)\n"
		"  --site-profile   vm: time every lock acquisition per site (vm_sites.csv)\n"
		"  --guest-timeout S  vm: a rep that runs longer is a timeout (default 60)\n"
		"  --guest-iters N  vm: the guests' loop count (default: each guest's own)\n"
		"  --threads N,...  thread counts (default: online CPUs; oversubscribed: 2x, 4x\n"
		"                   and 8x them); NxCPU means N times the online CPUs, e.g. 2xCPU\n"
		"  --cs NS,...      busy work inside the critical section, ns (default 50)\n"
		"  --ncs NS,...     busy work between critical sections, ns (default 200)\n"
		"  --read-pct P,... rwmix: percent of operations that read (default 90)\n"
		"  --cs-lines N,... cache lines of protected data each critical section reads\n"
		"                   and writes (default 0; the shared workload: 8)\n"
		"  --duration S     measured seconds per rep (profile default)\n"
		"  --warmup S       unmeasured seconds before each rep (profile default)\n"
		"  --reps N         repetitions per cell (profile default; >= 2 for a CV)\n"
		"  --sample-every N time one operation in N for latency histograms (power of\n"
		"                   two; default per workload: 1024 uncontended, 64 contended\n"
		"                   and rwmix, every one in handoff); throughput counts all\n"
		"  --seed K         order of the shuffled cells, the kernels' generators and the\n"
		"                   protected lines' order (default 1)\n"
		"  --no-pin         let the OS place threads (default: round-robin over CPUs);\n"
		"                   the same as --affinity none\n"
		"  --affinity P     thread placement, a matrix dimension (give it once per\n"
		"                   policy): none, round-robin (default), compact, scatter,\n"
		"                   cores, list:0,2,4-7 (locklab topo --help)\n"
		"  --mem-policy P   where each lock's memory lives, a matrix dimension: default\n"
		"                   (first touch), local, interleave, node:N, remote\n"
		"  --nodes N        NUMA nodes the lock contexts are spread over (default: this\n"
		"                   machine's)\n"
		"  --no-preflight   skip the short torture that proves each lock before it is\n"
		"                   measured\n"
		"  --run-length     one more rep of each multi-thread contended cell with an owner\n"
		"                   word: consecutive acquisitions per thread and hand-offs per\n"
		"                   second, never mixed into the timed reps (on in bench and full)\n"
		"  --out DIR        bundle directory; must not exist or be empty (default\n"
		"                   results/<UTC>-<host>)\n"
		"  --max-time S     refuse a plan whose estimate exceeds S seconds\n"
		"  --resume DIR     finish an interrupted run (Ctrl-C, kill -9, a full disk): the\n"
		"                   options come from DIR/meta.json; measured reps are kept\n"
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

static bool parse_uint_list(const char *option, const char *text, unsigned long min,
			    unsigned long max, unsigned *values, size_t *count)
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
		if (!cli_parse_uint(option, item, min, max, &value)) {
			free(copy);
			return false;
		}
		values[(*count)++] = (unsigned)value;
	}
	free(copy);
	return true;
}

/* The blocks the command line asked for, one per --workload name. */
bool run_options_custom_blocks(struct run_options *o)
{
	char *copy = strdup(o->workloads ? o->workloads : "contended"), *cursor = copy, *name;
	/* Without --threads: the online CPUs, or 2x, 4x and 8x them for oversubscribed
	 * (at 1x it would not be oversubscribed). */
	static const struct thread_count per_cpu[] = { { 1, true } };
	static const struct thread_count oversubscribed[] = { { 2, true }, { 4, true }, { 8, true } };
	if (o->cs_count == 0)
		o->cs[o->cs_count++] = 50;
	if (o->ncs_count == 0)
		o->ncs[o->ncs_count++] = 200;
	if (o->read_count == 0)
		o->read_pct[o->read_count++] = 90;
	o->custom_block_count = 0;
	while ((name = strsep(&cursor, ",")) != NULL) {
		struct matrix_block *b = &o->custom_blocks[o->custom_block_count];

		if (strcmp(name, "vm") == 0) {
			o->vm = true;
			continue;
		}
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
		const struct workload_info *w = workload_find(name);
		*b = (struct matrix_block){ .thread_count = o->thread_count,
					    .cs_count = o->cs_count,
					    .ncs_count = o->ncs_count,
					    .read_count = o->read_count,
					    .lines_count = o->lines_count };
		b->workload = w->name;
		memcpy(b->threads, o->threads, sizeof o->threads);
		if (o->thread_count == 0) {
			bool over = w->threads == WORKLOAD_THREADS_OVERSUBSCRIBED;
			b->thread_count = over ? 3 : 1;
			memcpy(b->threads, over ? oversubscribed : per_cpu,
			       b->thread_count * sizeof b->threads[0]);
		}
		memcpy(b->cs_lines, o->cs_lines, sizeof o->cs_lines);
		memcpy(b->cs_ns, o->cs, sizeof o->cs);
		memcpy(b->ncs_ns, o->ncs, sizeof o->ncs);
		memcpy(b->read_pct, o->read_pct, sizeof o->read_pct);
		o->custom_block_count++;
	}
	free(copy);
	if (o->vm_options && !o->vm) {
		cli_error("--workload", o->workloads ? o->workloads : "contended",
			  "the VM options (--guest, --elf, --harts, --workers, --site, "
			  "--site-profile, --guest-timeout, --guest-iters) need --workload vm");
		return false;
	}
	if (o->vm && o->vm_request.harts_count == 0) {
		static const unsigned harts[] = { 1, 2, 4 };
		memcpy(o->vm_request.harts, harts, sizeof harts);
		o->vm_request.harts_count = 3;
	}
	return true;
}

int run_options_parse(int argc, char **argv, struct run_options *o)
{
	static const struct option options[] = {
		{ "profile", required_argument, NULL, 'p' },
		{ "lock", required_argument, NULL, 'l' },
		{ "workload", required_argument, NULL, 'w' },
		{ "threads", required_argument, NULL, 't' },
		{ "cs", required_argument, NULL, 'c' },
		{ "ncs", required_argument, NULL, 'n' },
		{ "read-pct", required_argument, NULL, 'r' },
		{ "cs-lines", required_argument, NULL, 'L' },
		{ "duration", required_argument, NULL, 'd' },
		{ "warmup", required_argument, NULL, 'u' },
		{ "reps", required_argument, NULL, 'R' },
		{ "sample-every", required_argument, NULL, 'S' },
		{ "seed", required_argument, NULL, 'k' },
		{ "no-pin", no_argument, NULL, 'P' },
		{ "nodes", required_argument, NULL, 'N' },
		{ "no-preflight", no_argument, NULL, 'F' },
		{ "run-length", no_argument, NULL, 'X' },
		{ "out", required_argument, NULL, 'o' },
		{ "max-time", required_argument, NULL, 'm' },
		{ "resume", required_argument, NULL, 'E' },
		{ "affinity", required_argument, NULL, 'A' },
		{ "mem-policy", required_argument, NULL, 'M' },
		{ "guest", required_argument, NULL, 'G' },
		{ "elf", required_argument, NULL, 'e' },
		{ "harts", required_argument, NULL, 'H' },
		{ "workers", required_argument, NULL, 'W' },
		{ "site", required_argument, NULL, 's' },
		{ "site-profile", no_argument, NULL, 'Q' },
		{ "guest-timeout", required_argument, NULL, 'T' },
		{ "guest-iters", required_argument, NULL, 'I' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	double duration = NAN, warmup = NAN;
	unsigned long reps = 0, value;
	bool run_length = false;
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
			if (!parse_uint_list("--cs", optarg, 0, 10000000, o->cs, &o->cs_count))
				return EXIT_USAGE;
			o->custom = true;
			break;
		case 'n':
			if (!parse_uint_list("--ncs", optarg, 0, 10000000, o->ncs, &o->ncs_count))
				return EXIT_USAGE;
			o->custom = true;
			break;
		case 'r':
			if (!parse_uint_list("--read-pct", optarg, 0, 100, o->read_pct, &o->read_count))
				return EXIT_USAGE;
			o->custom = true;
			break;
		case 'L':
			if (!parse_uint_list("--cs-lines", optarg, 0, 65536, o->cs_lines, &o->lines_count))
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
		case 'X':
			run_length = true;
			break;
		case 'o':
		case 'E':
			if (optarg[0] == '\0') {
				cli_error(opt == 'o' ? "--out" : "--resume", "\"\"", "empty path");
				return EXIT_USAGE;
			}
			*(opt == 'o' ? &o->out : &o->resume) = optarg;
			break;
		case 'm':
			if (!cli_parse_double("--max-time", optarg, 0.001, 1e9, &o->max_time_s))
				return EXIT_USAGE;
			break;
		case 'A':
		case 'M': {
			const char **list = opt == 'A' ? o->affinities : o->mem_policies;
			size_t *count = opt == 'A' ? &o->affinity_count : &o->mem_policy_count;
			if (*count == 8) {
				cli_error(opt == 'A' ? "--affinity" : "--mem-policy", optarg,
					  "more than 8 policies");
				return EXIT_USAGE;
			}
			list[(*count)++] = optarg;
			break;
		}
		case 'G':
			o->vm_request.guests = optarg;
			o->vm_options = true;
			break;
		case 'e':
			o->vm_request.elf = optarg;
			o->vm_options = true;
			break;
		case 'H':
			if (!parse_uint_list("--harts", optarg, 1, 64, o->vm_request.harts,
					     &o->vm_request.harts_count))
				return EXIT_USAGE;
			o->vm_options = true;
			break;
		case 'W':
			if (!parse_uint_list("--workers", optarg, 1, 64, o->vm_request.workers,
					     &o->vm_request.workers_count))
				return EXIT_USAGE;
			o->vm_options = true;
			break;
		case 's':
			o->vm_request.site_locks = optarg;
			o->vm_options = true;
			break;
		case 'Q':
			o->vm_request.site_profile = true;
			o->vm_options = true;
			break;
		case 'T':
			if (!cli_parse_double("--guest-timeout", optarg, 0.001, 86400, &o->vm_timeout_s))
				return EXIT_USAGE;
			o->vm_options = true;
			break;
		case 'I':
			if (!cli_parse_uint("--guest-iters", optarg, 1, 0xffffffffu, &value))
				return EXIT_USAGE;
			o->vm_guest_iters = (unsigned)value;
			o->vm_options = true;
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
	if (o->vm_options && !o->custom) {
		cli_error("--workload", "vm", "the VM options need --workload vm");
		return EXIT_USAGE;
	}
	o->duration_s = isnan(duration) ? o->profile->duration_s : duration;
	o->warmup_s = isnan(warmup) ? o->profile->warmup_s : warmup;
	o->reps = reps ? (unsigned)reps : o->profile->reps;
	o->run_length = run_length || (!o->custom && o->profile->run_length);
	return -1; /* go on */
}

