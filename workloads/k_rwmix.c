/* rwmix: each operation is a read (read_per_mille in 1000) or a write, each
 * holding for cs_iterations. Mutexes run it too (a read is a lock), so rw locks
 * and mutexes are compared on the same work. A thread with may_write false only
 * reads (the other threads of a single-writer lock). */
#include "workloads/kernel.h"

KERNEL(rwmix);
KERNEL(rwmix)
{
	const struct timer_calibration *cal = t->cal;
	kernel_lock *lock = t->lock;
	kernel_ctx *ctx = t->ctx;
	uint64_t ops = 0, reads = 0;

	while (!kernel_stopped(t)) {
		bool read = !t->may_write || kernel_random(&t->rng) % 1000 < t->read_per_mille;
		bool sample = (ops & t->sample_mask) == 0;
		uint64_t start = sample ? timer_read_ordered(cal) : 0;

		if (read)
			READ_LOCK(lock, ctx);
		else
			WRITE_LOCK(lock, ctx);
		uint64_t held = sample ? timer_read_ordered(cal) : 0;
		kernel_busy(t->cs_iterations);
		uint64_t done = sample ? timer_read_ordered(cal) : 0;
		if (read)
			READ_UNLOCK(lock, ctx);
		else
			WRITE_UNLOCK(lock, ctx);
		if (sample) {
			hist_record(t->acquire, timer_ticks_to_ns(cal, held - start));
			hist_record(t->hold, timer_ticks_to_ns(cal, done - held));
		}
		kernel_busy(t->ncs_iterations);
		reads += read;
		ops++;
	}
	t->ops = ops;
	t->reads = reads;
}
