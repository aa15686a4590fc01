#include "harness/mem_policy.h"

#include <errno.h>
#include <numa.h>
#include <numaif.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int mem_policy_parse(const char *text, struct mem_policy *out, char *why, size_t why_size)
{
	static const struct {
		const char *name;
		enum mem_policy_kind kind;
	} names[] = { { "default", MEM_POLICY_DEFAULT }, { "local", MEM_POLICY_LOCAL },
		      { "interleave", MEM_POLICY_INTERLEAVE }, { "remote", MEM_POLICY_REMOTE } };

	memset(out, 0, sizeof *out);
	if (strlen(text) >= sizeof out->text) {
		snprintf(why, why_size, "too long");
		return -1;
	}
	snprintf(out->text, sizeof out->text, "%s", text);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(text, names[i].name) == 0) {
			out->kind = names[i].kind;
			return 0;
		}
	if (strncmp(text, "node:", 5) == 0) {
		char *end;
		unsigned long node;

		errno = 0;
		node = strtoul(text + 5, &end, 10);
		if (text[5] >= '0' && text[5] <= '9' && *end == '\0' && errno == 0 && node < 4096) {
			out->kind = MEM_POLICY_NODE;
			out->node = (unsigned)node;
			return 0;
		}
		snprintf(why, why_size, "node:N takes a node number");
		return -1;
	}
	snprintf(why, why_size, "unknown memory policy (default, local, interleave, node:N, remote)");
	return -1;
}

int mem_policy_node_of_cpu(int cpu)
{
	if (numa_available() < 0)
		return 0;
	return numa_node_of_cpu(cpu);
}

int mem_policy_target(const struct mem_policy *policy, int first_cpu, unsigned nodes, char *why,
		      size_t why_size)
{
	int home = first_cpu >= 0 ? mem_policy_node_of_cpu(first_cpu) : 0;

	switch (policy->kind) {
	case MEM_POLICY_DEFAULT:
	case MEM_POLICY_INTERLEAVE:
		return -1;
	case MEM_POLICY_LOCAL:
		return home < 0 ? 0 : home;
	case MEM_POLICY_NODE:
		if (policy->node >= nodes) {
			snprintf(why, why_size, "%s: this machine has %u NUMA node%s", policy->text,
				 nodes, nodes == 1 ? "" : "s");
			return -2;
		}
		return (int)policy->node;
	case MEM_POLICY_REMOTE:
		if (nodes < 2) {
			snprintf(why, why_size, "remote needs a second NUMA node; this machine has one");
			return -2;
		}
		return home == 0 ? 1 : 0;
	}
	return -1;
}

int mem_policy_apply(const struct mem_policy *policy, int target_node, unsigned nodes,
		     void *address, size_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	uintptr_t start = (uintptr_t)address & ~(uintptr_t)(page - 1);
	uintptr_t end = ((uintptr_t)address + bytes + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1);
	unsigned long mask[64] = { 0 };
	int mode;

	if (policy->kind == MEM_POLICY_DEFAULT)
		return 0;
	if (policy->kind == MEM_POLICY_INTERLEAVE) {
		for (unsigned n = 0; n < nodes && n < 64 * 8 * sizeof mask[0]; n++)
			mask[n / (8 * sizeof mask[0])] |= 1ul << (n % (8 * sizeof mask[0]));
		mode = MPOL_INTERLEAVE;
	} else {
		if (target_node < 0 || (size_t)target_node >= 64 * 8 * sizeof mask[0]) {
			errno = EINVAL;
			return -1;
		}
		mask[target_node / (8 * sizeof mask[0])] |= 1ul << (target_node % (8 * sizeof mask[0]));
		mode = MPOL_BIND;
	}
	/* Move what is already there: the lock was initialised (touched) already. */
	return (int)mbind((void *)start, end - start, mode, mask, 64 * 8 * sizeof mask[0],
			  MPOL_MF_MOVE);
}

int mem_policy_node_of(const void *address)
{
	long page = sysconf(_SC_PAGESIZE);
	void *pages[1] = { (void *)((uintptr_t)address & ~(uintptr_t)(page - 1)) };
	int status[1] = { -1 };

	/* nodes NULL: a query, nothing moves. */
	if (move_pages(0, 1, pages, NULL, status, 0) != 0)
		return -1;
	if (status[0] < 0) {
		errno = -status[0];
		return -1;
	}
	return status[0];
}
