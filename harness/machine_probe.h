/*
 * Measurements of the machine itself rather than of a lock: how much CPU
 * time the hypervisor stole. On a VM it grows when the host is busy, which is
 * why a cell records the steal difference across itself. (What moving a cache
 * line between two CPUs costs is common/cpu_pair.h.)
 *
 * Nothing here prints; a figure that cannot be read is NaN.
 */
#ifndef LOCKLAB_MACHINE_PROBE_H
#define LOCKLAB_MACHINE_PROBE_H

#include <stdio.h>

/*
 * Cumulative steal time of the CPUs listed (count 0: all CPUs of this guest
 * machine), in seconds, from /proc/stat's `cpuN` lines (the `cpu` line for
 * all; 8th value, USER_HZ ticks). A cell compares it with the time of the CPUs
 * it used, not with the whole machine's. Only differences mean anything; the
 * resolution is one tick (usually 10 ms) per CPU. NaN when /proc/stat is
 * unreadable, a listed CPU has no line, or the kernel reports no steal column.
 * 0 and flat on bare metal.
 */
double probe_steal_seconds(const unsigned *cpus, unsigned count);

/* The same over an open /proc/stat-formatted stream (testable anywhere). */
double probe_steal_parse(FILE *stat, const unsigned *cpus, unsigned count);

#endif
