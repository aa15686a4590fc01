/* contended: every thread locks, works cs_iterations, unlocks, works
 * ncs_iterations. Sampled operations record acquire latency (lock call to held)
 * and hold time (held to unlock call). */
#include "workloads/kernel.h"

KERNEL(contended);
KERNEL(contended)
{
	const struct timer_calibration *cal = t->cal;
	kernel_lock *lock = t->lock;
	kernel_ctx *ctx = t->ctx;
	uint64_t ops = 0;

	while (!kernel_stopped(t)) {
		if ((ops & t->sample_mask) == 0) {
			uint64_t start = timer_read_ordered(cal);
			LOCK(lock, ctx);
			uint64_t held = timer_read_ordered(cal);
			kernel_busy(t->cs_iterations);
			uint64_t done = timer_read_ordered(cal);
			UNLOCK(lock, ctx);
			hist_record(t->acquire, timer_ticks_to_ns(cal, held - start));
			hist_record(t->hold, timer_ticks_to_ns(cal, done - held));
		} else {
			LOCK(lock, ctx);
			kernel_busy(t->cs_iterations);
			UNLOCK(lock, ctx);
		}
		kernel_busy(t->ncs_iterations);
		ops++;
	}
	t->ops = ops;
}
