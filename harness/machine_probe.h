/*
 * Measurements of the machine itself, taken around a run rather than inside
 * a cell: how much CPU time the hypervisor stole, and what moving one cache
 * line between two CPUs costs.
 *
 * On a VM both move under us: steal grows when the host is busy, and the
 * cache-line round trip changes when the host places the vCPUs on other
 * physical cores (same core's SMT siblings, another CCX, another socket).
 * That is why a run measures c2c at its start and at its end, and why a cell
 * records the steal difference across itself.
 *
 * Nothing here prints; errors are -1 with errno, or NaN where documented.
 */
#ifndef LOCKLAB_MACHINE_PROBE_H
#define LOCKLAB_MACHINE_PROBE_H

/*
 * Cumulative steal time of all CPUs of this (guest) machine, in seconds,
 * from the `cpu` line of /proc/stat (8th value, USER_HZ ticks). Only
 * differences mean anything; the resolution is one tick (usually 10 ms)
 * summed over CPUs. NaN when /proc/stat is unreadable or the kernel reports
 * no steal column. 0 and flat on bare metal.
 */
double probe_steal_seconds(void);

/*
 * Cross-CPU cache-line round trip. Two threads, pinned to cpu_a and cpu_b,
 * pass one 128-byte-aligned line back and forth: the thread on cpu_a writes
 * an odd value, the one on cpu_b waits for it and writes the next even value,
 * which the first waits for. One round trip is two line transfers, so it is
 * about twice the one-way latency.
 *
 * After a warm-up of PROBE_C2C_WARMUP round trips, `round_trips` (rounded up
 * to whole batches) are timed in batches with CLOCK_MONOTONIC_RAW: batches of
 * PROBE_C2C_BATCH, or smaller ones for small requests so that there are at
 * least PROBE_C2C_MIN_BATCHES when round_trips allows. *median_ns and *min_ns
 * are the median and minimum over batches of ns per round trip; a batch, not
 * a single round trip, is timed because one round trip is shorter than a
 * clock read. The minimum is the figure least disturbed by
 * interrupts and vCPU preemption; the median shows what a lock sees.
 * Either output pointer may be NULL. The caller's own affinity is untouched.
 *
 * Returns 0, or -1 with errno:
 *   EINVAL     a CPU is negative, equal to the other, or not one this process
 *              may run on (on a 1-CPU machine every pair; callers record that
 *              as the skip reason), or round_trips is 0
 *   ETIMEDOUT  the partner stopped answering for longer than the deadline:
 *              2 s plus 10 us per requested round trip for the whole
 *              measurement (a descheduled vCPU, or a CPU taken offline), so a
 *              call never hangs
 *   EAGAIN, ENOMEM  threads or buffers could not be created
 */
#define PROBE_C2C_BATCH 1000u
#define PROBE_C2C_MIN_BATCHES 5u
#define PROBE_C2C_WARMUP 1000u
int probe_c2c_round_trip_ns(int cpu_a, int cpu_b, unsigned round_trips, double *median_ns,
			    double *min_ns);

#endif
