/* rwmix: each operation is a read (read_per_mille in 1000) or a write, each
 * holding for cs_iterations (a write also walks the protected lines, a read only
 * reads them). Mutexes run it too (a read is a lock), so rw locks and mutexes are
 * compared on the same work. A thread with may_write false only reads (the other
 * threads of a single-writer lock). */
#include "workloads/kernel.h"

KERNEL(rwmix);
KERNEL(rwmix)
{
	const struct timer_calibration *cal = t->cal;
	kernel_lock *lock = t->lock;
	kernel_ctx *ctx = t->ctx;
	struct kernel_line *lines = t->lines;
	unsigned line_count = t->line_count;
	uint64_t ops = 0, reads = 0, seen = 0;
	unsigned phase;

	while ((phase = kernel_phase(t)) != KERNEL_STOP) {
		bool read = !t->may_write || kernel_random(&t->rng) % 1000 < t->read_per_mille;
		bool sample = (ops & t->sample_mask) == 0;
		uint64_t start = sample ? timer_read_ordered(cal) : 0;

		if (read)
			READ_LOCK(lock, ctx);
		else
			WRITE_LOCK(lock, ctx);
		uint64_t held = sample ? timer_read_ordered(cal) : 0;
		if (read)
			seen += kernel_read_lines(lines, line_count); /* readers may only read */
		else
			kernel_touch_lines(lines, line_count);
		kernel_busy(t->cs_iterations);
		if (read)
			READ_UNLOCK(lock, ctx);
		else
			WRITE_UNLOCK(lock, ctx);
		if (sample) {
			uint64_t released = timer_read_ordered(cal);
			kernel_busy(t->ncs_iterations);
			uint64_t worked = t->ncs_iterations ? timer_read_ordered(cal) : released;
			kernel_record_sample(t, phase, start, held, released, worked);
		} else {
			kernel_busy(t->ncs_iterations);
		}
		reads += read;
		ck_pr_store_64(&t->reads, reads);
		kernel_publish(t, ++ops);
	}
	t->checksum = seen; /* a used result: the reads are not optimised away */
}
