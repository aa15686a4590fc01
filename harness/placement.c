#include "harness/placement.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum placement_kind kind;
} placement_names[] = {
	{ "none", PLACEMENT_NONE },	  { "round-robin", PLACEMENT_ROUND_ROBIN },
	{ "compact", PLACEMENT_COMPACT }, { "scatter", PLACEMENT_SCATTER },
	{ "cores", PLACEMENT_CORES },
};

/* One whole number of a list, ending at *end. */
static bool placement_number(const char *text, const char **end, unsigned long *out)
{
	char *stop;

	if (*text < '0' || *text > '9')
		return false;
	errno = 0;
	*out = strtoul(text, &stop, 10);
	*end = stop;
	return errno == 0 && *out < (1ul << 24);
}

static int placement_parse_list(const char *spec, struct placement_policy *out, char *why,
				size_t why_size)
{
	const char *at = spec;
	size_t capacity = 0;

	if (*at == '\0') {
		snprintf(why, why_size, "empty CPU list");
		return -1;
	}
	for (;;) {
		unsigned long first, last;
		const char *end;

		if (!placement_number(at, &end, &first)) {
			snprintf(why, why_size, "'%.32s' is not a CPU number", at);
			return -1;
		}
		last = first;
		if (*end == '-' && !placement_number(end + 1, &end, &last)) {
			snprintf(why, why_size, "a range needs two CPU numbers");
			return -1;
		}
		if (last < first) {
			snprintf(why, why_size, "range %lu-%lu runs backwards", first, last);
			return -1;
		}
		for (unsigned long cpu = first; cpu <= last; cpu++) {
			if (out->list_count == PLACEMENT_MAX_LIST) {
				snprintf(why, why_size, "more than %d CPUs", PLACEMENT_MAX_LIST);
				return -1;
			}
			if (out->list_count == capacity) {
				size_t grown = capacity ? capacity * 2 : 16;
				unsigned *list = realloc(out->list, grown * sizeof *list);
				if (list == NULL) {
					snprintf(why, why_size, "out of memory");
					return -1;
				}
				out->list = list;
				capacity = grown;
			}
			out->list[out->list_count++] = (unsigned)cpu;
		}
		if (*end == '\0')
			return 0;
		if (*end != ',') {
			snprintf(why, why_size, "unexpected '%c' in a CPU list", *end);
			return -1;
		}
		at = end + 1;
	}
}

int placement_parse(const char *text, struct placement_policy *out, char *why, size_t why_size)
{
	memset(out, 0, sizeof *out);
	snprintf(out->text, sizeof out->text, "%s", text);
	for (size_t i = 0; i < sizeof placement_names / sizeof placement_names[0]; i++)
		if (strcmp(text, placement_names[i].name) == 0) {
			out->kind = placement_names[i].kind;
			return 0;
		}
	if (strncmp(text, "list:", 5) == 0) {
		out->kind = PLACEMENT_LIST;
		if (placement_parse_list(text + 5, out, why, why_size) == 0)
			return 0;
		placement_free(out);
		return -1;
	}
	snprintf(why, why_size,
		 "unknown policy (none, round-robin, compact, scatter, cores, list:0,2,4-7)");
	return -1;
}

void placement_free(struct placement_policy *policy)
{
	free(policy->list);
	policy->list = NULL;
	policy->list_count = 0;
}

bool placement_wraps(size_t count, unsigned threads)
{
	return count > 0 && threads > count;
}

/* A plan being built: PUs in order, bounded by max. */
struct placement_out {
	unsigned *pus;
	size_t count, max;
};

static int placement_add(struct placement_out *out, unsigned pu)
{
	if (out->count == out->max) {
		errno = E2BIG;
		return -1;
	}
	out->pus[out->count++] = pu;
	return 0;
}

static int placement_compare_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return (x > y) - (x < y);
}

/* The PUs in allowed, in logical (depth-first) order: compact. */
static int placement_compact(hwloc_topology_t topology, hwloc_const_cpuset_t allowed,
			     struct placement_out *out)
{
	hwloc_obj_t pu = NULL;

	while ((pu = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_PU, pu)) != NULL)
		if (hwloc_bitmap_isset(allowed, pu->os_index) && placement_add(out, pu->os_index))
			return -1;
	return 0;
}

/* The first allowed PU of every core, in logical order. */
static int placement_cores(hwloc_topology_t topology, hwloc_const_cpuset_t allowed,
			   struct placement_out *out)
{
	hwloc_obj_t core = NULL;

	if (hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE) <= 0)
		return placement_compact(topology, allowed, out); /* no cores known: PUs */
	while ((core = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_CORE, core)) != NULL) {
		hwloc_obj_t pu = NULL;

		while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(topology, core->cpuset,
								      HWLOC_OBJ_PU, pu)) != NULL)
			if (hwloc_bitmap_isset(allowed, pu->os_index)) {
				if (placement_add(out, pu->os_index))
					return -1;
				break;
			}
	}
	return 0;
}

/* A NUMA node and its PUs in scatter order; next: the first not yet handed out. */
struct placement_domain {
	unsigned package_rank; /* how many nodes of its package come before it */
	unsigned package;      /* its package's logical index (0 without packages) */
	unsigned *pus;
	unsigned *ranks;       /* pus[i]'s rank within its core: 0 first PU, 1 sibling... */
	size_t count, next;
};

static int placement_domain_order(const void *a, const void *b)
{
	const struct placement_domain *x = a, *y = b;

	if (x->package_rank != y->package_rank)
		return (x->package_rank > y->package_rank) - (x->package_rank < y->package_rank);
	return (x->package > y->package) - (x->package < y->package);
}

/* A node's PUs by their rank within their core (first PUs of every core, then
 * the second ones), cores in logical order; PUs already taken are skipped. */
static int placement_fill_domain(hwloc_topology_t topology, hwloc_const_cpuset_t cpus,
				 hwloc_bitmap_t taken, struct placement_domain *d)
{
	int total = hwloc_get_nbobjs_inside_cpuset_by_type(topology, cpus, HWLOC_OBJ_PU);
	d->pus = calloc(total > 0 ? (size_t)total : 1, sizeof *d->pus);
	d->ranks = calloc(total > 0 ? (size_t)total : 1, sizeof *d->ranks);
	if (d->pus == NULL || d->ranks == NULL)
		return -1;
	for (unsigned rank = 0;; rank++) {
		bool any = false;
		hwloc_obj_t pu = NULL;

		while ((pu = hwloc_get_next_obj_inside_cpuset_by_type(topology, cpus, HWLOC_OBJ_PU,
								      pu)) != NULL) {
			hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_CORE,
									  pu);
			unsigned pu_rank = 0;

			if (core != NULL) {
				hwloc_obj_t sibling = NULL;
				while ((sibling = hwloc_get_next_obj_inside_cpuset_by_type(
						topology, core->cpuset, HWLOC_OBJ_PU, sibling)) !=
				       pu)
					pu_rank++;
			}
			if (pu_rank < rank)
				continue;
			any = true;
			if (pu_rank > rank || hwloc_bitmap_isset(taken, pu->os_index))
				continue;
			hwloc_bitmap_set(taken, pu->os_index);
			d->ranks[d->count] = rank;
			d->pus[d->count++] = pu->os_index;
		}
		if (!any)
			return 0;
	}
}

static unsigned placement_package_of(hwloc_topology_t topology, hwloc_obj_t node)
{
	hwloc_obj_t package = hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_PACKAGE, node);

	return package != NULL ? package->logical_index : 0;
}

static int placement_scatter(hwloc_topology_t topology, hwloc_const_cpuset_t allowed,
			     struct placement_out *out)
{
	int nodes = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_NUMANODE);
	size_t count = nodes > 0 ? (size_t)nodes : 1;
	struct placement_domain *domains = calloc(count, sizeof *domains);
	hwloc_bitmap_t taken = hwloc_bitmap_alloc(), cpus = hwloc_bitmap_alloc();
	int result = -1;

	if (domains == NULL || taken == NULL || cpus == NULL) {
		errno = ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < count; i++) {
		hwloc_obj_t node = nodes > 0 ? hwloc_get_obj_by_type(topology, HWLOC_OBJ_NUMANODE,
								      (unsigned)i)
					     : NULL;

		hwloc_bitmap_and(cpus, node ? node->cpuset : hwloc_topology_get_topology_cpuset(topology),
				 allowed);
		domains[i].package = node ? placement_package_of(topology, node) : 0;
		for (size_t j = 0; j < i; j++)
			domains[i].package_rank += domains[j].package == domains[i].package;
		if (placement_fill_domain(topology, cpus, taken, &domains[i]) != 0) {
			errno = ENOMEM;
			goto out;
		}
	}
	/* Rank by rank (every core's first PU before any sibling), and within a
	 * rank node 0 of every package, then node 1 of every package, ...: so
	 * consecutive threads land on different packages before they share one. */
	qsort(domains, count, sizeof *domains, placement_domain_order);
	for (unsigned rank = 0;; rank++) {
		bool left = false;

		for (bool any = true; any;) {
			any = false;
			for (size_t i = 0; i < count; i++) {
				struct placement_domain *d = &domains[i];

				if (d->next < d->count && d->ranks[d->next] == rank) {
					any = true;
					if (placement_add(out, d->pus[d->next++]))
						goto out;
				}
			}
		}
		for (size_t i = 0; i < count; i++)
			left |= domains[i].next < domains[i].count;
		if (!left)
			break;
	}
	result = 0;
out:
	for (size_t i = 0; domains != NULL && i < count; i++) {
		free(domains[i].pus);
		free(domains[i].ranks);
	}
	free(domains);
	hwloc_bitmap_free(taken);
	hwloc_bitmap_free(cpus);
	return result;
}

/* "0-3,8" for why: the PUs the plan may choose from. */
static void placement_describe(hwloc_const_cpuset_t set, char *text, size_t size)
{
	if (hwloc_bitmap_list_snprintf(text, size, set) < 0 && size > 0)
		text[0] = '\0';
}

long placement_plan(hwloc_topology_t topology, hwloc_const_cpuset_t allowed,
		    const struct placement_policy *policy, unsigned *pus, size_t max, char *why,
		    size_t why_size)
{
	struct placement_out out = { pus, 0, max };
	hwloc_const_cpuset_t usable = allowed ? allowed : hwloc_topology_get_topology_cpuset(topology);
	int rc = 0;

	why[0] = '\0';
	switch (policy->kind) {
	case PLACEMENT_NONE:
		return 0;
	case PLACEMENT_ROUND_ROBIN:
		rc = placement_compact(topology, usable, &out);
		qsort(pus, out.count, sizeof *pus, placement_compare_unsigned);
		break;
	case PLACEMENT_COMPACT:
		rc = placement_compact(topology, usable, &out);
		break;
	case PLACEMENT_CORES:
		rc = placement_cores(topology, usable, &out);
		break;
	case PLACEMENT_SCATTER:
		rc = placement_scatter(topology, usable, &out);
		break;
	case PLACEMENT_LIST:
		for (size_t i = 0; i < policy->list_count && rc == 0; i++) {
			unsigned cpu = policy->list[i];

			if (hwloc_get_pu_obj_by_os_index(topology, cpu) == NULL ||
			    !hwloc_bitmap_isset(usable, cpu)) {
				char have[128];

				placement_describe(usable, have, sizeof have);
				snprintf(why, why_size, "CPU %u is not among this machine's usable PUs (%s)",
					 cpu, have);
				errno = ENODEV;
				return -1;
			}
			rc = placement_add(&out, cpu);
		}
		break;
	}
	if (rc != 0) {
		snprintf(why, why_size, "%s", errno == E2BIG ? "more PUs than the plan holds"
							     : strerror(errno));
		return -1;
	}
	if (out.count == 0) {
		snprintf(why, why_size, "no usable PU for this policy");
		errno = ENODEV;
		return -1;
	}
	return (long)out.count;
}

long placement_plan_text(hwloc_topology_t topology, hwloc_const_cpuset_t allowed,
			 const char *text, unsigned *pus, size_t max, char *why, size_t why_size)
{
	struct placement_policy policy;
	long count;
	int planned_errno;

	if (placement_parse(text, &policy, why, why_size) != 0) {
		errno = EINVAL;
		return -1;
	}
	count = placement_plan(topology, allowed, &policy, pus, max, why, why_size);
	planned_errno = errno;
	placement_free(&policy);
	errno = planned_errno;
	return count;
}
