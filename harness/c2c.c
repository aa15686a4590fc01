#include "harness/c2c.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/cpu_pair.h"
#include "common/random.h"
#include "common/stats.h"

const char *c2c_relation(hwloc_topology_t topology, unsigned cpu_a, unsigned cpu_b)
{
	hwloc_obj_t a = hwloc_get_pu_obj_by_os_index(topology, cpu_a);
	hwloc_obj_t b = hwloc_get_pu_obj_by_os_index(topology, cpu_b);
	hwloc_obj_t node = NULL;

	if (a == NULL || b == NULL)
		return "machine";
	/* The closest shared core or cache, walking up from the common ancestor. */
	for (hwloc_obj_t up = hwloc_get_common_ancestor_obj(topology, a, b); up; up = up->parent) {
		if (up->type == HWLOC_OBJ_CORE)
			return "core";
		if (up->type == HWLOC_OBJ_L2CACHE)
			return "L2";
		if (up->type == HWLOC_OBJ_L3CACHE)
			return "L3";
	}
	/* NUMA nodes hang beside the tree, so ask them directly. */
	while ((node = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_NUMANODE, node)) != NULL)
		if (hwloc_bitmap_isset(node->cpuset, cpu_a) && hwloc_bitmap_isset(node->cpuset, cpu_b))
			return "numa";
	hwloc_obj_t pa = hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_PACKAGE, a);
	hwloc_obj_t pb = hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_PACKAGE, b);
	return pa != NULL && pa == pb ? "package" : "machine";
}

static int c2c_compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int c2c_compare_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return (x > y) - (x < y);
}

struct c2c_pair {
	unsigned a, b;
	double *probes; /* samples of them, NaN where a probe failed */
	int error;      /* the last probe error, 0 if none failed */
};

/* The ordered pairs to measure: all of them, or a seeded sample of max. */
static struct c2c_pair *c2c_pairs(const unsigned *cpus, size_t n, size_t max, uint64_t seed,
				  size_t *count)
{
	size_t all = n * (n - 1), take = max && max < all ? max : all;
	size_t *order = malloc(all * sizeof *order);
	struct c2c_pair *pairs = calloc(take, sizeof *pairs);
	uint64_t state = seed;

	if (order == NULL || pairs == NULL) {
		free(order);
		free(pairs);
		return NULL;
	}
	for (size_t i = 0; i < all; i++)
		order[i] = i;
	/* A partial Fisher-Yates: the first `take` of a seeded shuffle, then put
	 * back in matrix order so the output reads row by row. */
	for (size_t i = 0; i < take && take < all; i++) {
		size_t j = i + (size_t)(random_next(&state) % (all - i));
		size_t tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	qsort(order, take, sizeof *order, c2c_compare_size);
	for (size_t i = 0; i < take; i++) {
		size_t row = order[i] / (n - 1), column = order[i] % (n - 1);
		pairs[i].a = cpus[row];
		pairs[i].b = cpus[column < row ? column : column + 1];
	}
	free(order);
	*count = take;
	return pairs;
}

/* Nearest-rank percentile of sorted values. */
static double c2c_percentile(const double *sorted, size_t n, double p)
{
	size_t rank = (size_t)ceil(p * (double)n);

	return sorted[rank > 0 ? rank - 1 : 0];
}

static int c2c_by_pair_and_phase(const void *x, const void *y)
{
	const struct c2c_row *a = x, *b = y;

	if (a->cpu_a != b->cpu_a)
		return (a->cpu_a > b->cpu_a) - (a->cpu_a < b->cpu_a);
	if (a->cpu_b != b->cpu_b)
		return (a->cpu_b > b->cpu_b) - (a->cpu_b < b->cpu_b);
	return (a->phase > b->phase) - (a->phase < b->phase);
}

/* Rows of one pair: one per phase that has probes. */
static size_t c2c_summarise(hwloc_topology_t topology, const struct c2c_pair *pair,
			    unsigned samples, const struct phase_fit *fit, struct c2c_row *out)
{
	double values[3][samples ? samples : 1];
	size_t counts[3] = { 0 }, rows = 0;

	for (unsigned s = 0; s < samples; s++) {
		double v = pair->probes[s];
		if (isnan(v))
			continue;
		enum phase p = phase_of_rep(fit, v, v, NULL);
		values[p][counts[p]++] = v;
	}
	for (int p = 0; p < 3; p++) {
		if (counts[p] == 0)
			continue;
		qsort(values[p], counts[p], sizeof values[p][0], c2c_compare_double);
		out[rows++] = (struct c2c_row){
			.cpu_a = pair->a,
			.cpu_b = pair->b,
			.phase = (enum phase)p,
			.samples = (unsigned)counts[p],
			.median_ns = stats_median(values[p], counts[p]),
			.p99_ns = c2c_percentile(values[p], counts[p], 0.99),
			.min_ns = values[p][0],
			.relation = c2c_relation(topology, pair->a, pair->b),
		};
	}
	return rows;
}

int c2c_measure(hwloc_topology_t topology, const unsigned *cpus, size_t n,
		const struct c2c_options *options, const struct timer_calibration *cal,
		struct c2c_row **rows, size_t *row_count, struct phase_fit *fit)
{
	size_t pair_count = 0, probe_count = 0, filled = 0;
	struct c2c_pair *pairs;
	double *all = NULL;
	struct c2c_row *out = NULL;
	int result = -1;

	if (n < 2 || options->samples == 0) {
		errno = EINVAL;
		return -1;
	}
	pairs = c2c_pairs(cpus, n, options->max_pairs, options->seed, &pair_count);
	if (pairs == NULL)
		return -1;
	for (size_t i = 0; i < pair_count; i++)
		if ((pairs[i].probes = malloc(options->samples * sizeof(double))) == NULL)
			goto out;
	all = malloc(pair_count * options->samples * sizeof *all);
	out = malloc(pair_count * 3 * sizeof *out);
	if (all == NULL || out == NULL)
		goto out;
	/* Round by round over every pair: a phase change touches all pairs alike. */
	for (unsigned s = 0; s < options->samples; s++)
		for (size_t i = 0; i < pair_count; i++) {
			struct cpu_pair_sample sample;

			if (cpu_pair_probe((int)pairs[i].a, (int)pairs[i].b, options->round_trips, cal,
					   &sample) != 0) {
				pairs[i].probes[s] = NAN;
				pairs[i].error = errno;
				continue;
			}
			pairs[i].probes[s] = sample.round_trip_ns;
			all[probe_count++] = sample.round_trip_ns;
		}
	phase_fit(all, probe_count, fit);
	for (size_t i = 0; i < pair_count; i++) {
		size_t before = filled;

		filled += c2c_summarise(topology, &pairs[i], options->samples, fit, out + filled);
		if (filled == before) {
			errno = pairs[i].error ? pairs[i].error : EIO;
			goto out;
		}
	}
	qsort(out, filled, sizeof *out, c2c_by_pair_and_phase);
	*rows = out;
	*row_count = filled;
	out = NULL;
	result = 0;
out:
	for (size_t i = 0; i < pair_count; i++)
		free(pairs[i].probes);
	free(pairs);
	free(all);
	free(out);
	return result;
}
