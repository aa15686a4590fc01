/*
 * Where a cell's lock memory lives (--mem-policy), through libnuma's kernel
 * interface (mbind, move_pages), and where it actually landed.
 *
 *   default     no policy: the kernel's first touch (the harness's behaviour
 *               before policies had names)
 *   local       bound to the NUMA node of the cell's first thread's CPU
 *   interleave  pages interleaved over every node
 *   node:N      bound to node N
 *   remote      bound to a node other than the first thread's (needs two nodes)
 *
 * The lock's pages are moved (MPOL_MF_MOVE) right after the lock is created and
 * before any thread starts; then move_pages, in query mode, says which node the
 * lock's first page is on, and that is what a row records. A policy the machine
 * cannot honour (node:N past its nodes, remote on one node) is a recorded skip
 * inside a matrix, planned with mem_policy_target before anything runs.
 */
#ifndef LOCKLAB_MEM_POLICY_H
#define LOCKLAB_MEM_POLICY_H

#include <stdbool.h>
#include <stddef.h>

enum mem_policy_kind { MEM_POLICY_DEFAULT, MEM_POLICY_LOCAL, MEM_POLICY_INTERLEAVE,
		       MEM_POLICY_NODE, MEM_POLICY_REMOTE };

struct mem_policy {
	enum mem_policy_kind kind;
	unsigned node;  /* node:N */
	char text[32];  /* as given */
};

/* Parses a policy; -1 with a one-line reason in why (the value is the caller's). */
int mem_policy_parse(const char *text, struct mem_policy *out, char *why, size_t why_size);

/* The node a bind policy targets for threads starting on first_cpu, on a machine
 * of nodes NUMA nodes: >= 0; -1 for default and interleave (no single node); -2
 * with why when the machine cannot honour it. */
int mem_policy_target(const struct mem_policy *policy, int first_cpu, unsigned nodes, char *why,
		      size_t why_size);

/* Applies the policy to [address, address + bytes) (whole pages around it);
 * returns 0 or -1 with errno. default does nothing. */
int mem_policy_apply(const struct mem_policy *policy, int target_node, unsigned nodes,
		     void *address, size_t bytes);

/* The node of the page holding address (move_pages query), or -1 with errno. */
int mem_policy_node_of(const void *address);

/* The NUMA node of a CPU (0 when the kernel has no NUMA), or -1. */
int mem_policy_node_of_cpu(int cpu);

#endif
