/*
 * The harness side of vmcore/host.h: VM host services built on the lock registry
 * (every VM lock site gets the chosen primitive, or its own with a per-site
 * override), pthreads, futexes and mmap; the console on stdout (the guest's
 * UART) and stderr (vmcore's diagnostics); the disk image of --disk. Counts
 * acquisitions per site and thread slot without atomics.
 *
 * With the site profile on, every acquisition is also timed (timer_read around
 * the lock call, again at unlock): wait and hold times go into per-site,
 * per-slot histograms (common/histogram.h), and an acquisition whose wait exceeds
 * the primitive's contended threshold counts as contended. The threshold is
 * calibrated once per primitive when the host opens: twice the p99 of 2,000
 * uncontended acquisitions of a fresh lock, at least 20 ns. Without the profile
 * the lock path is the plain one: a separate ops table with no timer read.
 */
#ifndef LOCKLAB_VM_HOST_H
#define LOCKLAB_VM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/histogram.h"
#include "vmcore/host.h"

/* Every lock site vmcore creates (docs/design.md, "VM lock sites"). */
extern const char *const vm_host_site_names[];
extern const size_t vm_host_site_count;

struct mem_policy;

struct vm_host_options {
	const char *lock;       /* every site's primitive unless overridden */
	const char *site_locks; /* "site=lock[,site=lock...]" overrides, or NULL */
	bool site_profile;
	/* Placement (all zero: none). Worker i (the threads that run harts) is
	 * pinned to cpus[i % cpu_count] (cpu_count 0: the OS places it); guest RAM
	 * (every allocation of VM_HOST_MMAP_BYTES or more) and every lock object
	 * and context are bound by mem_policy (mem_policy.h) to mem_target on a
	 * machine of nodes NUMA nodes. */
	const unsigned *cpus;
	unsigned cpu_count;
	const struct mem_policy *mem_policy;
	int mem_target;
	unsigned nodes;
};

struct vm_host_site {
	const char *name;           /* the site name vmcore passed to lock_create */
	const char *lock;           /* the primitive this site ran under */
	bool rw_ops;                /* an rw site given a primitive with rw ops */
	unsigned locks;             /* lock objects created for this site */
	size_t lock_bytes;          /* of those objects and their contexts, plus init heap */
	uint64_t acquisitions;      /* lock + read_lock calls, all slots */
	uint64_t contended;         /* site profile only: waits above the threshold */
	double threshold_ns;        /* site profile only: the primitive's threshold */
};

/* 0 and *host ready, or -1 with one line in why naming the bad value (an unknown
 * lock or site, a control or single-writer lock, a malformed override, no memory). */
int vm_host_open(const struct vm_host_options *options, struct vm_host *host, char *why,
		 size_t why_size);
void vm_host_close(struct vm_host *host);

/* Serves the image file at path, opened read-write, as the VM's disk: *bytes is
 * its size, for vm_config.disk_bytes. -1 with why (the system's reason, or that
 * it holds no whole sector) when it cannot serve. Without it the VM has its own
 * 4 MiB of RAM. */
int vm_host_serve_disk(struct vm_host *host, const char *path, uint64_t *bytes, char *why,
		       size_t why_size);

/* Where the VM ran, verified, read after vm_run returned and before vm_destroy
 * (guest RAM must still be mapped). */
#define VM_HOST_MAX_WORKERS 64 /* VM_MAX_WORKERS */
struct vm_host_placement {
	int ram_node;   /* the node of guest RAM's first page; -1: unknown */
	int lock_node;  /* the node of the first lock object's page; -1: unknown */
	unsigned workers;        /* workers vmcore started */
	int ran_on[VM_HOST_MAX_WORKERS]; /* the CPU each worker was on when it ended */
};
void vm_host_placement(const struct vm_host *host, struct vm_host_placement *out);

/* Sites in first-created order, at most max; returns how many. Read after vm_run
 * returned (the counters are per-slot plain integers). */
size_t vm_host_sites(const struct vm_host *host, struct vm_host_site *sites, size_t max);

/* The site's wait and hold times merged over its slots (both empty without the
 * profile). index is the site's position in vm_host_sites' order. */
void vm_host_site_times(const struct vm_host *host, size_t index, struct hist *wait,
			struct hist *hold);

#endif
