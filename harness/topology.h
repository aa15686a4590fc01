/*
 * This machine's topology as hwloc sees it, and the CPUs this process may use.
 *
 * The loaders exist so placement logic can be tested against machines we do
 * not have (a 4-socket, 8-node box from a synthetic description, or a real
 * one's XML saved by `locklab topo`). Topologies they return are not "this
 * system" to hwloc (HWLOC_TOPOLOGY_FLAG_IS_THISSYSTEM is not set), so binding
 * calls made through them are no-ops rather than binds to CPUs that do not
 * exist here. The caller owns a loaded topology and frees it with
 * hwloc_topology_destroy().
 *
 * Errors: -1 with errno set; nothing prints. hwloc's own failures are
 * reported as EINVAL (a bad description or unreadable XML) unless hwloc set
 * errno itself.
 */
#ifndef LOCKLAB_TOPOLOGY_H
#define LOCKLAB_TOPOLOGY_H

#include <hwloc.h>

/* Writes this machine's topology as hwloc XML (the bundle's topology.xml).
 * Written to a temporary name beside `path` and renamed, so a reader never
 * sees half a file and a failed export leaves no file behind. Returns 0. */
int topology_export_xml(const char *path);

/* Writes `topology` as hwloc XML to `path`, same temp-and-rename contract.
 * Exists for tests and tools that save a synthetic or loaded topology. */
int topology_save_xml(hwloc_topology_t topology, const char *path);

/* Loads this machine's topology. *out is set only on success; on failure
 * nothing is left to destroy. */
int topology_load_this_machine(hwloc_topology_t *out);

/*
 * Builds a topology from an hwloc synthetic description. Each level's count is
 * per object of the level above, and "numa:N" adds a level of N groups each
 * holding one NUMA node, so "pack:4 numa:2 core:8 pu:2" is 4 packages, 8 NUMA
 * nodes, 64 cores and 128 PUs. *out is set only on success.
 */
int topology_load_synthetic(hwloc_topology_t *out, const char *description);

/* Loads a topology from an hwloc XML file. *out is set only on success. */
int topology_load_xml(hwloc_topology_t *out, const char *path);

/* CPUs online now (sysconf), at least 1. Not the CPUs this process may use:
 * a cpuset or taskset can allow fewer; see topology_cpu_list(). */
unsigned topology_online_cpus(void);

/*
 * The CPUs this process may run on (sched_getaffinity), ascending. Writes the
 * first min(count, max) and returns how many it wrote, so the result can be
 * used as the array's length; with cpus NULL it writes nothing and returns
 * how many there are (size a buffer with it, or compare to see a list cut).
 * Handles machines with more CPUs than glibc's fixed cpu_set_t holds.
 * Returns -1 with errno on failure.
 */
int topology_cpu_list(unsigned *cpus, unsigned max);

#endif
