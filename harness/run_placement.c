#include "harness/run_placement.h"

#include <errno.h>
#include <hwloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness/cli.h"
#include "harness/topology.h"

int run_placement_setup(struct run_placement *p, const struct run_options *o, unsigned nodes,
			const unsigned *cpus, unsigned cpu_count)
{
	static const char *const default_pinned[] = { "round-robin" }, *const unpinned[] = { "none" },
				 *const default_mem[] = { "default" };
	const char *const *affinities = o->affinity_count ? o->affinities
					: o->pin ? default_pinned : unpinned;
	const char *const *mems = o->mem_policy_count ? o->mem_policies : default_mem;
	hwloc_topology_t topology;
	char why[160];

	memset(p, 0, sizeof *p);
	p->nodes = nodes ? nodes : 1;
	p->cpus = cpus;
	p->cpu_count = cpu_count;
	p->placed = o->affinity_count > 0 || o->mem_policy_count > 0;
	p->affinity_count = o->affinity_count ? o->affinity_count : 1;
	p->mem_count = o->mem_policy_count ? o->mem_policy_count : 1;
	if (o->affinity_count > 0 && !o->pin) {
		cli_error("--no-pin", "--affinity", "give --affinity none instead of --no-pin");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < p->mem_count; i++) {
		p->mem_text[i] = mems[i];
		if (mem_policy_parse(mems[i], &p->mem[i], why, sizeof why) != 0) {
			cli_error("--mem-policy", mems[i], "%s", why);
			return EXIT_USAGE;
		}
	}
	for (size_t i = 0; i < p->affinity_count; i++) {
		p->affinity_text[i] = affinities[i];
		if (placement_parse(affinities[i], &p->affinity[i], why, sizeof why) != 0) {
			cli_error("--affinity", affinities[i], "%s", why);
			return EXIT_USAGE;
		}
	}
	if (topology_load_this_machine(&topology) != 0) {
		cli_error("run", "this machine", "hwloc cannot read the topology");
		return EXIT_ENVIRONMENT;
	}
	hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
	for (unsigned i = 0; i < cpu_count; i++)
		hwloc_bitmap_set(allowed, cpus[i]);
	int rc = 0;
	for (size_t i = 0; i < p->affinity_count && rc == 0; i++) {
		p->pus[i] = calloc(PLACEMENT_MAX_LIST, sizeof *p->pus[i]);
		if (p->pus[i] == NULL) {
			rc = EXIT_ENVIRONMENT;
			break;
		}
		p->pu_count[i] = placement_plan(topology, allowed, &p->affinity[i], p->pus[i],
						PLACEMENT_MAX_LIST, p->skip[i], sizeof p->skip[i]);
		if (p->pu_count[i] < 0) {
			/* A policy this machine cannot honour: its cells are skips. */
			free(p->pus[i]);
			p->pus[i] = NULL;
		}
	}
	hwloc_bitmap_free(allowed);
	hwloc_topology_destroy(topology);
	if (rc != 0)
		cli_error("run", "memory", "%s", strerror(ENOMEM));
	return rc;
}

void run_placement_free(struct run_placement *p)
{
	for (size_t i = 0; i < RUN_PLACEMENT_MAX; i++) {
		free(p->pus[i]);
		placement_free(&p->affinity[i]);
	}
	memset(p, 0, sizeof *p);
}

/* The CPU the cell's first thread starts on, or -1 when the OS places it. */
int run_placement_first_cpu(const struct run_placement *p, unsigned affinity)
{
	return p->pus[affinity] && p->pu_count[affinity] > 0 ? (int)p->pus[affinity][0] : -1;
}

const char *run_placement_why_not(const struct run_placement *p, unsigned affinity, unsigned mem)
{
	static char why[96]; /* a matrix_skip's reason */

	if (p->pus[affinity] == NULL)
		return p->skip[affinity];
	if (mem_policy_target(&p->mem[mem], run_placement_first_cpu(p, affinity), p->nodes, why,
			      sizeof why) == -2)
		return why;
	return NULL;
}

const char *run_placement_skip(const struct cell *cell, void *arg)
{
	return run_placement_why_not(arg, cell->affinity, cell->mem);
}

long run_placement_position(const struct run_placement *p, unsigned cpu)
{
	for (unsigned i = 0; i < p->cpu_count; i++)
		if (p->cpus[i] == cpu)
			return i;
	return -1;
}

void run_placement_env(const struct run_placement *p, const struct cell *cell,
		       const struct cell_environment *run_env, const double *run_busy,
		       struct cell_environment *env, unsigned *cpus, double *busy)
{
	long count = p->pu_count[cell->affinity];
	char why[160];

	*env = *run_env;
	env->pin = count > 0;
	if (count > 0) {
		memcpy(cpus, p->pus[cell->affinity], (size_t)count * sizeof *cpus);
		for (long i = 0; i < count; i++) {
			long at = run_placement_position(p, cpus[i]);
			busy[i] = at >= 0 ? run_busy[at] : run_env->busy_iterations_per_ns;
		}
		env->cpus = cpus;
		env->cpu_count = (unsigned)count;
		env->busy_per_cpu = busy;
	}
	env->mem_policy = p->mem[cell->mem].kind == MEM_POLICY_DEFAULT ? NULL : &p->mem[cell->mem];
	env->mem_target = mem_policy_target(&p->mem[cell->mem],
					    run_placement_first_cpu(p, cell->affinity), p->nodes,
					    why, sizeof why);
	env->machine_nodes = p->nodes;
}
