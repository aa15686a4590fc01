/* locklab topo: the machine as hwloc sees it, its XML, and the PUs a policy picks. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "harness/cli.h"
#include "harness/placement.h"
#include "harness/topology.h"

static void topo_usage(FILE *out)
{
	fputs("usage: locklab topo [--topology FILE.xml|synthetic:DESCRIPTION] [--xml FILE]\n"
	      "                    [--affinity POLICY [--threads N]]\n"
	      "Prints the machine: packages, NUMA nodes with their memory, cores, PUs, caches\n"
	      "and the PUs sharing each, and the PUs this process may use.\n"
	      "  --topology T   plan against another machine: an hwloc XML file, or\n"
	      "                 synthetic:\"pack:2 numa:1 core:8 pu:2\" (hwloc's synthetic syntax)\n"
	      "  --xml FILE     also write the topology as hwloc XML\n"
	      "  --affinity P   print the PUs policy P gives N threads (none, round-robin,\n"
	      "                 compact, scatter, cores, list:0,2,4-7)\n"
	      "  --threads N    threads for --affinity (default: the policy's PUs)\n"
	      "  --help         this text\n",
	      out);
}

/* Loads --topology, or this machine. Returns 0, or the exit status. */
static int topo_load(const char *spec, hwloc_topology_t *out)
{
	int rc;

	if (spec == NULL) {
		if (topology_load_this_machine(out) != 0) {
			cli_error("topo", "this machine", "hwloc cannot read the topology");
			return EXIT_ENVIRONMENT;
		}
		return 0;
	}
	errno = 0;
	rc = strncmp(spec, "synthetic:", 10) == 0 ? topology_load_synthetic(out, spec + 10)
						  : topology_load_xml(out, spec);
	if (rc != 0) {
		cli_error("--topology", spec, "%s",
			  strncmp(spec, "synthetic:", 10) == 0
				  ? "not a valid hwloc synthetic description"
				  : "not a readable hwloc XML file");
		return EXIT_USAGE;
	}
	return 0;
}

static void topo_print_set(const char *label, hwloc_const_cpuset_t set)
{
	char list[512];

	hwloc_bitmap_list_snprintf(list, sizeof list, set);
	printf("%s%s\n", label, list);
}

static void topo_print(hwloc_topology_t t, hwloc_const_cpuset_t usable)
{
	hwloc_obj_t obj = NULL;

	printf("packages %d, NUMA nodes %d, cores %d, PUs %d\n",
	       hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PACKAGE),
	       hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_NUMANODE),
	       hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_CORE), hwloc_get_nbobjs_by_type(t, HWLOC_OBJ_PU));
	while ((obj = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_PACKAGE, obj)) != NULL) {
		char label[64];
		snprintf(label, sizeof label, "package %u: PUs ", obj->logical_index);
		topo_print_set(label, obj->cpuset);
	}
	while ((obj = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_NUMANODE, obj)) != NULL) {
		char label[96];
		snprintf(label, sizeof label, "NUMA node %u (os %u, %.1f GiB): PUs ", obj->logical_index,
			 obj->os_index, (double)obj->attr->numanode.local_memory / (1u << 30));
		topo_print_set(label, obj->cpuset);
	}
	/* Caches from the outermost in; each one's PUs are the PUs sharing it. */
	for (hwloc_obj_type_t type = HWLOC_OBJ_L5CACHE; type >= HWLOC_OBJ_L1CACHE; type--) {
		obj = NULL;
		while ((obj = hwloc_get_next_obj_by_type(t, type, obj)) != NULL) {
			char label[96];
			snprintf(label, sizeof label, "L%u%s %llu KiB #%u: PUs ",
				 obj->attr->cache.depth,
				 obj->attr->cache.type == HWLOC_OBJ_CACHE_INSTRUCTION ? "i"
				 : obj->attr->cache.type == HWLOC_OBJ_CACHE_DATA      ? "d"
										      : "",
				 (unsigned long long)obj->attr->cache.size / 1024, obj->logical_index);
			topo_print_set(label, obj->cpuset);
		}
	}
	while ((obj = hwloc_get_next_obj_by_type(t, HWLOC_OBJ_CORE, obj)) != NULL) {
		char label[64];
		snprintf(label, sizeof label, "core %u: PUs ", obj->logical_index);
		topo_print_set(label, obj->cpuset);
	}
	topo_print_set("usable by this process: PUs ", usable);
}

/* The plan of policy for threads (0: one per PU of the plan), checked before
 * anything prints and printed after the machine. */
struct topo_plan {
	unsigned pus[PLACEMENT_MAX_LIST];
	long count;
	unsigned threads;
};

static int topo_plan(hwloc_topology_t t, hwloc_const_cpuset_t usable, const char *text,
		     unsigned long threads, struct topo_plan *plan)
{
	char why[256];

	plan->count = placement_plan_text(t, usable, text, plan->pus, PLACEMENT_MAX_LIST, why,
					  sizeof why);
	if (plan->count < 0) {
		cli_error("--affinity", text, "%s", why);
		return errno == ENODEV ? EXIT_ENVIRONMENT : EXIT_USAGE;
	}
	plan->threads = threads ? (unsigned)threads : (unsigned)plan->count;
	return 0;
}

static void topo_print_plan(const char *text, const struct topo_plan *plan)
{
	if (plan->count == 0) {
		printf("%s: not bound (the OS places every thread)\n", text);
		return;
	}
	printf("%s, %u threads:", text, plan->threads);
	for (unsigned i = 0; i < plan->threads; i++)
		printf(" %u", plan->pus[i % (unsigned long)plan->count]);
	printf("%s\n", placement_wraps((size_t)plan->count, plan->threads)
			       ? " (wraps: more threads than PUs)"
			       : "");
}

int cmd_topo(int argc, char **argv)
{
	static const struct option options[] = {
		{ "topology", required_argument, NULL, 't' },
		{ "xml", required_argument, NULL, 'x' },
		{ "affinity", required_argument, NULL, 'a' },
		{ "threads", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *spec = NULL, *xml = NULL, *affinity = NULL;
	unsigned long threads = 0;
	int opt, rc;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 't':
			spec = optarg;
			break;
		case 'x':
			xml = optarg;
			break;
		case 'a':
			affinity = optarg;
			break;
		case 'n':
			if (!cli_parse_uint("--threads", optarg, 1, PLACEMENT_MAX_LIST, &threads))
				return EXIT_USAGE;
			break;
		case 'h':
			topo_usage(stdout);
			return 0;
		default:
			return cli_bad_option("topo", argc, argv);
		}
	}
	if (optind < argc) {
		cli_error("topo", argv[optind], "unexpected argument (see 'locklab topo --help')");
		return EXIT_USAGE;
	}
	hwloc_topology_t t;
	if ((rc = topo_load(spec, &t)) != 0)
		return rc;
	/* This machine: what sched_getaffinity allows; another: all of it. */
	hwloc_bitmap_t usable = hwloc_bitmap_dup(hwloc_topology_get_topology_cpuset(t));
	if (spec == NULL)
		hwloc_get_cpubind(t, usable, HWLOC_CPUBIND_PROCESS);
	static struct topo_plan plan;
	if (affinity != NULL)
		rc = topo_plan(t, usable, affinity, threads, &plan);
	if (rc == 0) {
		if (spec != NULL)
			printf("topology: %s (planning only: not this machine)\n", spec);
		topo_print(t, usable);
		if (affinity != NULL)
			topo_print_plan(affinity, &plan);
	}
	if (rc == 0 && xml != NULL && topology_save_xml(t, xml) != 0) {
		cli_error("--xml", xml, "%s", strerror(errno));
		rc = EXIT_ENVIRONMENT;
	}
	hwloc_bitmap_free(usable);
	hwloc_topology_destroy(t);
	return rc;
}
