/*
 * runlength: the contended kernel with an owner word, run in one extra,
 * flagged rep per cell (--run-length) and never in a timed one: writing the
 * owner on every acquisition roughly halves fas and ticket throughput on this
 * machine. Inside the critical section the owner and the length of its run (how
 * many acquisitions in a row it has taken) are read and written, protected by
 * the lock; the thread that takes over records the run it ended, after its
 * unlock. Totals can look fair (Jain 0.99) while one thread keeps a cache-hot
 * lock for 20-40 acquisitions at a time: only the run length shows it.
 */
#include "workloads/kernel.h"

KERNEL(runlength);
KERNEL(runlength)
{
	kernel_lock *lock = t->lock;
	kernel_ctx *ctx = t->ctx;
	struct kernel_runs *runs = t->runs;
	struct kernel_line *lines = t->lines;
	unsigned line_count = t->line_count;
	unsigned me = t->index + 1;
	uint64_t ops = 0;
	unsigned phase;

	while ((phase = kernel_phase(t)) != KERNEL_STOP) {
		uint64_t ended = 0;

		LOCK(lock, ctx);
		/* Plain accesses: the lock orders them. */
		if (runs->owner != me) {
			ended = runs->owner != 0 ? runs->length : 0;
			runs->owner = me;
			runs->length = 1;
		} else {
			runs->length++;
		}
		kernel_touch_lines(lines, line_count);
		kernel_busy(t->cs_iterations);
		UNLOCK(lock, ctx);
		if (ended != 0 && kernel_in_window(t, phase)) {
			hist_record(t->run_length, ended);
			t->handoffs++;
		}
		kernel_busy(t->ncs_iterations);
		kernel_publish(t, ++ops);
	}
}
