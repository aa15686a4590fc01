/*
 * The harness side of vmcore/host.h: VM host services built on the lock registry
 * (every VM lock site gets the chosen primitive), pthreads, futexes and mmap.
 * Counts acquisitions per site, per thread slot, without atomics.
 */
#ifndef LOCKLAB_VM_HOST_H
#define LOCKLAB_VM_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "vmcore/host.h"

struct vm_host_site {
	const char *name;      /* the site name vmcore passed to lock_create */
	unsigned locks;        /* locks created for this site */
	uint64_t acquisitions; /* lock + read_lock calls, all slots */
};

/* 0 and *host ready, or -1 with *why set (unknown lock, a control lock, a
 * single-writer lock: VM sites need mutual exclusion among many writers). */
int vm_host_open(const char *lock_name, struct vm_host *host, const char **why);
void vm_host_close(struct vm_host *host);

/* Sites in first-created order, at most max; returns how many. Read it after
 * vm_run returned (the counters are per-slot plain integers). */
size_t vm_host_sites(const struct vm_host *host, struct vm_host_site *sites, size_t max);

#endif
