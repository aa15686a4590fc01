/*
 * The seed notes' lock claims, measured here. The notes this project grew from
 * report, for a Rust RISC-V VM: 10,000 lock operations take 150 us with
 * parking_lot, 300 us with std's Mutex and 500 us with tokio's Mutex; the locks
 * are 8, 8 and 40 bytes; acquire + release went from 50 ns to 15 ns by switching
 * locks. Our analogues: parking (parking-lot style), futex_mutex and
 * pthread_mutex (std style: a futex word on Linux today, a pthread mutex before),
 * fairq (an async runtime's fair queue mutex).
 *
 * A batch is 10,000 lock + unlock pairs in the batch kernel (workloads/k_batch.c,
 * the lock inlined as in every kernel): by one thread (uncontended), or split
 * over 2 or 4 threads pinned round-robin (contended; the batch runs from the
 * start barrier until the last thread finishes). claims_batches[s] batches per
 * lock and setting, the locks interleaved batch by batch so a host phase touches
 * them alike; the median batch and, for ratios between locks, a seeded bootstrap
 * interval of the ratio of medians. The null lock's batch, measured alike, is
 * the floor: the loop and the timing around it.
 */
#ifndef LOCKLAB_CLAIMS_H
#define LOCKLAB_CLAIMS_H

#include <stddef.h>

#include "locks/registry.h"

#define CLAIMS_OPS 10000u
#define CLAIMS_BATCHES 201u
#define CLAIMS_SETTINGS 3 /* 1, 2 and 4 threads */

extern const unsigned claims_threads[CLAIMS_SETTINGS];
/* Batches per setting: an uncontended batch is ~100 us, inside the noise, so
 * 201 of them; a contended one is milliseconds (a fair lock's tens), so 61. */
extern const unsigned claims_batches[CLAIMS_SETTINGS];

struct claims_lock {
	const struct ll_info *info;
	double batch_us[CLAIMS_SETTINGS][CLAIMS_BATCHES]; /* per setting, claims_batches[s] used */
};

/* Measures every lock's batches; cpus: the CPUs threads are pinned to, in order.
 * Returns 0, or -1 with errno (threads, memory, a lock's init). */
int claims_measure(struct claims_lock *locks, size_t count, const unsigned *cpus,
		   unsigned cpu_count);

#endif
