#include "harness/topology.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The kernel refuses a mask smaller than its nr_cpu_ids with EINVAL, so the
 * mask grows until it fits; this bound only stops a loop on a broken kernel. */
#define TOPOLOGY_MAX_CPU_MASK (1u << 22)

/* hwloc documents -1 on failure but not always errno; keep one if it set it. */
static int topology_fail(int fallback_errno)
{
	if (errno == 0)
		errno = fallback_errno;
	return -1;
}

int topology_save_xml(hwloc_topology_t topology, const char *path)
{
	size_t size;
	char *temp;
	int saved;

	if (topology == NULL || path == NULL || path[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	size = strlen(path) + 32;
	temp = malloc(size);
	if (temp == NULL)
		return -1;
	/* The pid keeps two processes writing the same bundle from sharing a temp. */
	snprintf(temp, size, "%s.tmp.%ld", path, (long)getpid());
	errno = 0;
	if (hwloc_topology_export_xml(topology, temp, 0) != 0) {
		saved = errno != 0 ? errno : EIO;
		unlink(temp);
		free(temp);
		errno = saved;
		return -1;
	}
	if (rename(temp, path) != 0) {
		saved = errno;
		unlink(temp);
		free(temp);
		errno = saved;
		return -1;
	}
	free(temp);
	return 0;
}

int topology_export_xml(const char *path)
{
	hwloc_topology_t topology;
	int result, saved;

	if (path == NULL || path[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	if (topology_load_this_machine(&topology) != 0)
		return -1;
	result = topology_save_xml(topology, path);
	saved = errno;
	hwloc_topology_destroy(topology);
	errno = saved;
	return result;
}

/* Shared tail of the loaders: `configure` points hwloc at its input (NULL: this
 * machine). */
static int topology_load_with(hwloc_topology_t *out,
			      int (*configure)(hwloc_topology_t, const char *), const char *input)
{
	hwloc_topology_t topology;
	int saved;

	if (out == NULL || (configure != NULL && (input == NULL || input[0] == '\0'))) {
		errno = EINVAL;
		return -1;
	}
	errno = 0;
	if (hwloc_topology_init(&topology) != 0)
		return topology_fail(ENOMEM);
	errno = 0;
	if ((configure != NULL && configure(topology, input) != 0) ||
	    hwloc_topology_load(topology) != 0) {
		saved = errno != 0 ? errno : configure != NULL ? EINVAL : EIO;
		hwloc_topology_destroy(topology);
		errno = saved;
		return -1;
	}
	*out = topology;
	return 0;
}

int topology_load_this_machine(hwloc_topology_t *out)
{
	return topology_load_with(out, NULL, NULL);
}

int topology_load_synthetic(hwloc_topology_t *out, const char *description)
{
	return topology_load_with(out, hwloc_topology_set_synthetic, description);
}

int topology_load_xml(hwloc_topology_t *out, const char *path)
{
	return topology_load_with(out, hwloc_topology_set_xml, path);
}

unsigned topology_online_cpus(void)
{
	long online = sysconf(_SC_NPROCESSORS_ONLN);

	return online >= 1 ? (unsigned)online : 1u;
}

int topology_cpu_list(unsigned *cpus, unsigned max)
{
	unsigned mask_cpus = 1024, count = 0;
	cpu_set_t *mask;
	size_t size;

	for (;;) {
		mask = CPU_ALLOC(mask_cpus);
		if (mask == NULL)
			return -1;
		size = CPU_ALLOC_SIZE(mask_cpus);
		if (sched_getaffinity(0, size, mask) == 0)
			break;
		CPU_FREE(mask);
		if (errno != EINVAL || mask_cpus >= TOPOLOGY_MAX_CPU_MASK)
			return -1;
		mask_cpus *= 2;
	}
	/* CPU_ALLOC rounds up to whole words; the kernel zeroes the spare bits. */
	for (unsigned cpu = 0; cpu < size * 8; cpu++) {
		if (!CPU_ISSET_S(cpu, size, mask))
			continue;
		if (cpus != NULL) {
			if (count == max)
				break;
			cpus[count] = cpu;
		}
		count++;
	}
	CPU_FREE(mask);
	return (int)count;
}
