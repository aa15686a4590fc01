/* uncontended: one thread, lock then unlock (walking the protected lines when
 * there are any), nothing else. Throughput and ns/op come from the batch
 * (operations over the window). The phase is read once per KERNEL_BATCH
 * operations and one operation in about sample_mask + 1 is timed for the acquire
 * histogram, so the loop around a 2 ns operation stays within a fraction of a
 * nanosecond of a bare one (locklab selfcheck). */
#include "workloads/kernel.h"

#define KERNEL_BATCH 16

KERNEL(uncontended);
KERNEL(uncontended)
{
	const struct timer_calibration *cal = t->cal;
	kernel_lock *lock = t->lock;
	kernel_ctx *ctx = t->ctx;
	struct kernel_line *lines = t->lines;
	unsigned line_count = t->line_count;
	uint64_t ops = 0, next_sample = 0;
	unsigned phase;

	while ((phase = kernel_phase(t)) != KERNEL_STOP) {
		if (ops >= next_sample) {
			uint64_t start = timer_read_ordered(cal);
			LOCK(lock, ctx);
			uint64_t held = timer_read_ordered(cal);
			kernel_touch_lines(lines, line_count);
			UNLOCK(lock, ctx);
			kernel_record_acquire(t, phase, start, held);
			ops++;
			next_sample = ops + t->sample_mask;
		}
		/* Two loops, not one with a zero-trip walk inside: the bare lock + unlock
		 * is the figure compared with Concurrency Kit's own benchmark. */
		if (line_count == 0) {
			for (unsigned i = 0; i < KERNEL_BATCH; i++) {
				LOCK(lock, ctx);
				UNLOCK(lock, ctx);
			}
		} else {
			for (unsigned i = 0; i < KERNEL_BATCH; i++) {
				LOCK(lock, ctx);
				kernel_touch_lines(lines, line_count);
				UNLOCK(lock, ctx);
			}
		}
		ops += KERNEL_BATCH;
		kernel_publish(t, ops);
	}
}
