#include "harness/atomics.h"

#include <ck_pr.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/stats.h"

static const char *const atomics_op_names[] = { "load", "store", "cas", "faa", "swap" };
static const char *const atomics_relation_names[] = { "self", "smt", "cache", "node", "remote" };

const char *atomics_op_name(enum atomics_op op)
{
	return op < ATOMICS_OP_COUNT ? atomics_op_names[op] : NULL;
}

const char *atomics_relation_name(enum atomics_relation relation)
{
	return relation < ATOMICS_RELATION_COUNT ? atomics_relation_names[relation] : NULL;
}

static bool atomics_share_cache(hwloc_topology_t topology, hwloc_obj_t a, hwloc_obj_t b)
{
	for (hwloc_obj_t up = hwloc_get_common_ancestor_obj(topology, a, b); up; up = up->parent)
		if (hwloc_obj_type_is_cache(up->type))
			return true;
	return false;
}

static hwloc_obj_t atomics_node_of(hwloc_topology_t topology, unsigned pu)
{
	hwloc_obj_t node = NULL;

	while ((node = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_NUMANODE, node)) != NULL)
		if (hwloc_bitmap_isset(node->cpuset, pu))
			return node;
	return NULL;
}

int atomics_partner(hwloc_topology_t topology, hwloc_const_cpuset_t usable, unsigned base,
		    enum atomics_relation relation, char *why, size_t why_size)
{
	hwloc_obj_t self = hwloc_get_pu_obj_by_os_index(topology, base), pu = NULL;
	hwloc_obj_t core = self ? hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_CORE, self)
				: NULL;
	hwloc_obj_t node = atomics_node_of(topology, base);

	if (self == NULL) {
		snprintf(why, why_size, "PU %u is not in the topology", base);
		return -1;
	}
	if (relation == ATOMICS_SELF)
		return (int)base;
	while ((pu = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_PU, pu)) != NULL) {
		bool same_core = core != NULL && hwloc_bitmap_isset(core->cpuset, pu->os_index);
		hwloc_obj_t other_node = atomics_node_of(topology, pu->os_index);

		if (pu == self || !hwloc_bitmap_isset(usable, pu->os_index))
			continue;
		switch (relation) {
		case ATOMICS_SMT:
			if (same_core)
				return (int)pu->os_index;
			break;
		case ATOMICS_CACHE:
			if (!same_core && atomics_share_cache(topology, self, pu))
				return (int)pu->os_index;
			break;
		case ATOMICS_NODE:
			if (!same_core && other_node == node && !atomics_share_cache(topology, self, pu))
				return (int)pu->os_index;
			break;
		case ATOMICS_REMOTE:
			if (other_node != node)
				return (int)pu->os_index;
			break;
		default:
			break;
		}
	}
	static const char *const lacks[] = {
		[ATOMICS_SMT] = "no SMT sibling of PU %u",
		[ATOMICS_CACHE] = "no other core shares a cache with PU %u",
		[ATOMICS_NODE] = "every other core of PU %u's node shares a cache with it",
		[ATOMICS_REMOTE] = "PU %u's NUMA node is the only one",
	};
	snprintf(why, why_size, lacks[relation], base);
	return -1;
}

/* The line measured and the flag that says it was just written, on lines of
 * their own so the flag's traffic never moves the measured line. */
struct atomics_lines {
	uint64_t line[16] __attribute__((aligned(128)));
	unsigned flag __attribute__((aligned(128)));
	unsigned stop;
};

struct atomics_writer {
	struct atomics_lines *lines;
	int cpu;
	int pinned; /* 1 pinned, -1 failed */
};

static int atomics_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* Writes the line each time the flag is lowered, then raises it. */
static void *atomics_writer_main(void *arg)
{
	struct atomics_writer *w = arg;
	uint64_t value = 0;

	ck_pr_store_int(&w->pinned, atomics_pin(w->cpu) == 0 ? 1 : -1);
	while (!ck_pr_load_uint(&w->lines->stop)) {
		if (ck_pr_load_uint(&w->lines->flag) != 0) {
			ck_pr_stall();
			continue;
		}
		ck_pr_store_64(&w->lines->line[0], ++value);
		/* The line's store is visible before the flag says so. */
		ck_pr_fence_store();
		ck_pr_store_uint(&w->lines->flag, 1);
	}
	return NULL;
}

/* count back-to-back operations, timed together: ck_pr's accesses are volatile,
 * so none is optimised out. */
static uint64_t atomics_timed(const struct timer_calibration *cal, enum atomics_op op,
			      uint64_t *line, unsigned count)
{
	uint64_t t0 = timer_read_ordered(cal);

	for (unsigned i = 0; i < count; i++)
		switch (op) {
		case ATOMICS_LOAD:
			(void)ck_pr_load_64(line);
			break;
		case ATOMICS_STORE:
			ck_pr_store_64(line, 7);
			break;
		case ATOMICS_CAS:
			(void)ck_pr_cas_64(line, 0, 1);
			break;
		case ATOMICS_FAA:
			(void)ck_pr_faa_64(line, 1);
			break;
		case ATOMICS_SWAP:
			(void)ck_pr_fas_64(line, 3);
			break;
		default:
			break;
		}
	return timer_read_ordered(cal) - t0;
}

static int atomics_compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Samples of op on a line last written by writer_cpu (base itself for self). */
static int atomics_one(const struct timer_calibration *cal, enum atomics_op op, int base,
		       int writer_cpu, struct atomics_row *row)
{
	static double samples[ATOMICS_SAMPLES];
	struct atomics_lines *lines = aligned_alloc(128, sizeof *lines);
	struct atomics_writer writer;
	pthread_t thread;
	bool self = writer_cpu == base;

	if (lines == NULL)
		return -1;
	memset(lines, 0, sizeof *lines);
	lines->flag = 1; /* nothing written yet: the writer waits for the first lowering */
	writer = (struct atomics_writer){ lines, writer_cpu, 0 };
	if (!self && pthread_create(&thread, NULL, atomics_writer_main, &writer) != 0) {
		free(lines);
		errno = EAGAIN;
		return -1;
	}
	for (unsigned i = 0; i < ATOMICS_WARMUP + ATOMICS_SAMPLES; i++) {
		if (self) {
			ck_pr_store_64(&lines->line[0], i);
		} else {
			ck_pr_store_uint(&lines->flag, 0);
			while (ck_pr_load_uint(&lines->flag) == 0)
				ck_pr_stall();
			/* The flag is seen before the measured operation starts. */
			ck_pr_fence_load();
		}
		/* On its own line an operation is cheaper than the counter's step (AMD's
		 * TSC moves about 10 ns at a time): time a batch and divide. A line
		 * last written elsewhere is moved once, by the first operation only,
		 * so there each operation is timed alone. */
		unsigned batch = self ? ATOMICS_SELF_BATCH : 1;
		uint64_t ticks = atomics_timed(cal, op, &lines->line[0], batch);
		if (i >= ATOMICS_WARMUP)
			samples[i - ATOMICS_WARMUP] =
				((double)ticks * cal->ns_per_tick - cal->overhead_ns) / batch;
	}
	if (!self) {
		ck_pr_store_uint(&lines->stop, 1);
		pthread_join(thread, NULL);
	}
	free(lines);
	if (!self && writer.pinned != 1) {
		errno = EINVAL;
		return -1;
	}
	qsort(samples, ATOMICS_SAMPLES, sizeof samples[0], atomics_compare_double);
	row->samples = ATOMICS_SAMPLES;
	row->median_ns = stats_median(samples, ATOMICS_SAMPLES);
	row->mean_ns = stats_mean(samples, ATOMICS_SAMPLES);
	row->p99_ns = samples[(size_t)ceil(0.99 * ATOMICS_SAMPLES) - 1];
	return 0;
}

long atomics_measure(hwloc_topology_t topology, hwloc_const_cpuset_t usable, unsigned base,
		     const struct timer_calibration *cal, struct atomics_row *rows)
{
	cpu_set_t saved;
	long n = 0;

	/* The measurer is this thread, pinned to base for the duration. */
	if (pthread_getaffinity_np(pthread_self(), sizeof saved, &saved) != 0 ||
	    atomics_pin((int)base) != 0)
		return -1;
	for (int r = 0; r < ATOMICS_RELATION_COUNT; r++) {
		char why[96] = "";
		int partner = atomics_partner(topology, usable, base, (enum atomics_relation)r, why,
					      sizeof why);

		for (int op = 0; op < ATOMICS_OP_COUNT; op++) {
			struct atomics_row *row = &rows[n++];

			*row = (struct atomics_row){ .op = (enum atomics_op)op,
						     .relation = (enum atomics_relation)r,
						     .cpu_a = (int)base, .cpu_b = partner,
						     .median_ns = NAN, .mean_ns = NAN,
						     .p99_ns = NAN };
			if (partner < 0) {
				row->cpu_a = -1;
				snprintf(row->skip, sizeof row->skip, "%s", why);
				continue;
			}
			if (atomics_one(cal, (enum atomics_op)op, (int)base, partner, row) != 0) {
				int saved_errno = errno;
				pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
				errno = saved_errno;
				return -1;
			}
		}
	}
	pthread_setaffinity_np(pthread_self(), sizeof saved, &saved);
	return n;
}
