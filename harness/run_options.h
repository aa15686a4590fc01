/*
 * The options of `locklab run`: parsing, the help text, and the blocks they ask
 * for when the command line replaces the profile's.
 */
#ifndef LOCKLAB_RUN_OPTIONS_H
#define LOCKLAB_RUN_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "harness/matrix.h"
#include "harness/vm_plan.h"

struct run_options {
	const struct matrix_profile *profile;
	const char *locks;
	const char *out;
	const char *resume;
	double duration_s, warmup_s, max_time_s;
	unsigned reps, sample_every, numa_nodes;
	uint64_t seed;
	bool pin, preflight, custom;
	bool run_length;       /* --run-length, or the profile's when the blocks are its */
	struct matrix_block custom_blocks[8];
	size_t custom_block_count;
	const char *workloads;
	struct thread_count threads[MATRIX_MAX_VALUES];
	size_t thread_count;
	unsigned cs[MATRIX_MAX_VALUES], ncs[MATRIX_MAX_VALUES], read_pct[MATRIX_MAX_VALUES];
	unsigned cs_lines[MATRIX_MAX_VALUES];
	size_t cs_count, ncs_count, read_count, lines_count;
	const char *affinities[8];        /* --affinity, once per policy */
	size_t affinity_count;
	const char *mem_policies[8];      /* --mem-policy, once per policy */
	size_t mem_policy_count;
	bool vm;                          /* --workload names vm */
	bool vm_options;                  /* a VM option was given (it needs --workload vm) */
	struct vm_plan_request vm_request;
	double vm_timeout_s;              /* each VM rep's limit (--guest-timeout) */
	unsigned vm_guest_iters;          /* --guest-iters; 0: each guest's default */
};

/* The defaults before any option: the bench profile, every lock. */
void run_options_defaults(struct run_options *o, unsigned numa_nodes);

/* Fills o from argv. Returns -1 to go on, or the exit status to return now (0
 * after --help, 2 after a bad option, the one-line error printed). */
int run_options_parse(int argc, char **argv, struct run_options *o);

/* The command-line blocks (one per --workload but vm, which sets o->vm),
 * defaults filled in; false after printing the error for an unknown workload. */
bool run_options_custom_blocks(struct run_options *o);

#endif
