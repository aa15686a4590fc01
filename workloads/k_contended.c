/* contended: every thread locks, walks the protected lines, works cs_iterations,
 * unlocks, works ncs_iterations. Sampled operations record acquire latency (lock
 * call to held) and hold time (held to unlock returned), and time their ncs work
 * (the host's speed); the one stamp taken while holding the lock is the one
 * right after the acquire. */
#include "workloads/kernel.h"

KERNEL(contended);
KERNEL(contended)
{
	const struct timer_calibration *cal = t->cal;
	kernel_lock *lock = t->lock;
	kernel_ctx *ctx = t->ctx;
	struct kernel_line *lines = t->lines;
	unsigned line_count = t->line_count;
	uint64_t ops = 0;
	unsigned phase;

	while ((phase = kernel_phase(t)) != KERNEL_STOP) {
		if ((ops & t->sample_mask) == 0) {
			uint64_t start = timer_read_ordered(cal);
			LOCK(lock, ctx);
			uint64_t held = timer_read_ordered(cal);
			kernel_touch_lines(lines, line_count);
			kernel_busy(t->cs_iterations);
			UNLOCK(lock, ctx);
			uint64_t released = timer_read_ordered(cal);
			kernel_busy(t->ncs_iterations);
			uint64_t worked = t->ncs_iterations ? timer_read_ordered(cal) : released;
			kernel_record_sample(t, phase, start, held, released, worked);
		} else {
			LOCK(lock, ctx);
			kernel_touch_lines(lines, line_count);
			kernel_busy(t->cs_iterations);
			UNLOCK(lock, ctx);
			kernel_busy(t->ncs_iterations);
		}
		kernel_publish(t, ++ops);
	}
}
