/*
 * CPU affinity policies, planned from an hwloc topology object so the plan can be
 * computed (and tested) for machines we do not have: a synthetic 8-node box or a
 * real one's saved XML (harness/topology.h loads both).
 *
 * A plan is an ordered list of PUs (OS indexes); thread i runs on pus[i % count],
 * so threads beyond the policy's PUs wrap around its list in order (that is how
 * oversubscribed cells run under any policy), and placement_wraps says whether
 * they did. Policies:
 *   none         no binding: the OS decides (an empty plan)
 *   round-robin  the CPUs this process may use, in ascending OS order (the
 *                harness's default before policies had names)
 *   compact      fill a core's PUs, then the next core of the same cache and NUMA
 *                node, then the next node: hwloc's logical (depth-first) PU order
 *   scatter      round-robin across NUMA nodes, alternating packages, then across
 *                the cores of each node; SMT siblings only after every core has
 *                one thread
 *   cores        one PU per physical core (its first), in compact order: no two
 *                threads share a core until the list wraps
 *   list:SPEC    explicit OS indexes, "0,2,4-7", in the order given
 * Only PUs in `allowed` are used (this process's affinity mask on this machine;
 * every PU of a loaded topology).
 *
 * Errors: placement_parse fails on a malformed policy (usage error, exit 2);
 * placement_plan fails with ENODEV when the topology lacks what a well-formed
 * policy names (list:999 on a 2-PU machine: an environment error, exit 3, or a
 * recorded skip inside a matrix). Both write a reason into why.
 */
#ifndef LOCKLAB_PLACEMENT_H
#define LOCKLAB_PLACEMENT_H

#include <hwloc.h>
#include <stdbool.h>
#include <stddef.h>

#define PLACEMENT_MAX_LIST 4096

enum placement_kind {
	PLACEMENT_NONE,
	PLACEMENT_ROUND_ROBIN,
	PLACEMENT_COMPACT,
	PLACEMENT_SCATTER,
	PLACEMENT_CORES,
	PLACEMENT_LIST,
};

struct placement_policy {
	enum placement_kind kind;
	char text[128];     /* as given, for records and errors */
	unsigned *list;     /* list: the OS indexes in order (owned; placement_free) */
	size_t list_count;
};

/* Parses a policy name or "list:SPEC". Returns 0, or -1 with a reason in why. */
int placement_parse(const char *text, struct placement_policy *out, char *why, size_t why_size);
void placement_free(struct placement_policy *policy);

/* The PUs a policy uses, in order, into pus (room for max). Returns how many
 * (0 for none), or -1 with errno (ENODEV: the topology lacks them; ENOMEM) and a
 * reason in why. allowed NULL: every PU of the topology. */
long placement_plan(hwloc_topology_t topology, hwloc_const_cpuset_t allowed,
		    const struct placement_policy *policy, unsigned *pus, size_t max, char *why,
		    size_t why_size);

/* placement_parse and placement_plan in one, for a command's --affinity: the
 * count placement_plan returns, or -1 with a reason in why and errno EINVAL (the
 * text is malformed) or ENODEV (the topology lacks what it asks for). */
long placement_plan_text(hwloc_topology_t topology, hwloc_const_cpuset_t allowed,
			 const char *text, unsigned *pus, size_t max, char *why, size_t why_size);

/* Whether threads threads wrap around a plan of count PUs. */
bool placement_wraps(size_t count, unsigned threads);

#endif
