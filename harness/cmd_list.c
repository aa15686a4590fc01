/* locklab list: the registry as a table or CSV. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli.h"
#include "locks/registry.h"

/* init_bytes depends on the parameters; list reports it for these. */
#define LIST_MAX_THREADS 64
#define LIST_NUMA_NODES 1

static void list_usage(FILE *out)
{
	fprintf(out,
		"usage: locklab list [--csv]\n"
		"Prints every lock primitive in the registry with its facts: family, kind\n"
		"(mutex, rwlock, spin), waiting policy, FIFO fairness, NUMA awareness,\n"
		"single-writer, trylock, sizeof the lock and of its per-thread context, and\n"
		"the heap its init allocates for %d threads on %d NUMA node(s).\n"
		"  --csv    comma-separated, with a header line\n"
		"  --help   this text\n",
		LIST_MAX_THREADS, LIST_NUMA_NODES);
}

static const char *yes_no(bool value)
{
	return value ? "yes" : "no";
}

int cmd_list(int argc, char **argv)
{
	static const struct option options[] = {
		{ "csv", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ll_params params = { .max_threads = LIST_MAX_THREADS,
				    .numa_nodes = LIST_NUMA_NODES };
	bool csv = false;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'c':
			csv = true;
			break;
		case 'h':
			list_usage(stdout);
			return 0;
		default:
			return cli_bad_option("list", argc, argv);
		}
	}
	if (optind < argc) {
		cli_error("list", argv[optind], "unexpected argument (see 'locklab list --help')");
		return EXIT_USAGE;
	}

	const char *format = csv ? "%s,%s,%s,%s,%s,%s,%s,%s,%zu,%zu,%lld\n"
				 : "%-24s %-8s %-7s %-15s %-5s %-5s %-6s %-4s %6zu %6zu %8lld\n";
	if (csv)
		printf("name,family,kind,policy,fair,numa_aware,single_writer,has_trylock,"
		       "lock_bytes,ctx_bytes,init_bytes\n");
	else
		printf("%-24s %-8s %-7s %-15s %-5s %-5s %-6s %-4s %6s %6s %8s\n", "name", "family",
		       "kind", "policy", "fair", "numa", "1-wrtr", "try", "lock B", "ctx B",
		       "init B");
	for (size_t i = 0; i < ll_registry_count; i++) {
		const struct ll_info *info = &ll_registry[i];

		printf(format, info->name, info->family, ll_kind_name(info->kind),
		       ll_policy_name(info->policy), yes_no(info->fair), yes_no(info->numa_aware),
		       yes_no(info->single_writer), yes_no(info->has_trylock), info->lock_bytes,
		       info->ctx_bytes, ll_init_bytes(info, &params));
	}
	return 0;
}
