/* uncontended: one thread, lock then unlock, nothing else. Throughput and ns/op
 * come from the batch (operations over elapsed time). The stop flag is read once
 * per KERNEL_BATCH operations and one operation in about sample_mask + 1 is
 * timed for the acquire histogram, so the loop around a 2 ns operation stays
 * within a fraction of a nanosecond of a bare one (locklab selfcheck). */
#include "workloads/kernel.h"

#define KERNEL_BATCH 16

KERNEL(uncontended);
KERNEL(uncontended)
{
	const struct timer_calibration *cal = t->cal;
	kernel_lock *lock = t->lock;
	kernel_ctx *ctx = t->ctx;
	uint64_t ops = 0, next_sample = 0;

	while (!kernel_stopped(t)) {
		if (ops >= next_sample) {
			uint64_t start = timer_read_ordered(cal);
			LOCK(lock, ctx);
			uint64_t held = timer_read_ordered(cal);
			UNLOCK(lock, ctx);
			hist_record(t->acquire, timer_ticks_to_ns(cal, held - start));
			ops++;
			next_sample = ops + t->sample_mask;
		}
		for (unsigned i = 0; i < KERNEL_BATCH; i++) {
			LOCK(lock, ctx);
			UNLOCK(lock, ctx);
		}
		ops += KERNEL_BATCH;
	}
	t->ops = ops;
}
