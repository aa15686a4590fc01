/*
 * handoff: ownership passes from thread to thread. After releasing, a thread
 * waits until another thread has acquired before it asks again, so every
 * acquisition is a hand-off from a different thread, and its waiter was already
 * waiting inside LOCK() in the primitive's own way (spinning, spinning then
 * parked, or parked). handoff_latency is the time from the last owner's unlock
 * call to this acquisition, every operation; it needs a counter that agrees
 * across CPUs (the invariant TSC, or the clock).
 */
#include <sched.h>

#include "workloads/kernel.h"

/* Polls of "has someone else taken it" before yielding the CPU to them. */
#define HANDOFF_SPINS_BEFORE_YIELD 1024

KERNEL(handoff);
KERNEL(handoff)
{
	const struct timer_calibration *cal = t->cal;
	kernel_lock *lock = t->lock;
	kernel_ctx *ctx = t->ctx;
	struct kernel_handoff *shared = t->handoff;
	unsigned me = t->index + 1;
	uint64_t ops = 0;

	while (!kernel_stopped(t)) {
		uint64_t start = timer_read_ordered(cal);
		LOCK(lock, ctx);
		uint64_t held = timer_read_ordered(cal);
		/* Plain accesses: the lock orders them. */
		if (shared->holder != 0 && shared->holder != me)
			hist_record(t->handoff_latency,
				    timer_ticks_to_ns(cal, held - shared->released_at));
		ck_pr_store_uint(&shared->holder, me);
		hist_record(t->acquire, timer_ticks_to_ns(cal, held - start));
		kernel_busy(t->cs_iterations);
		shared->released_at = timer_read_ordered(cal);
		hist_record(t->hold, timer_ticks_to_ns(cal, shared->released_at - held));
		UNLOCK(lock, ctx);
		ops++;
		/* Wait, outside the lock, for the next owner; then queue behind it. */
		for (unsigned spins = 0;
		     ck_pr_load_uint(&shared->holder) == me && !kernel_stopped(t); spins++) {
			if (spins < HANDOFF_SPINS_BEFORE_YIELD)
				ck_pr_stall();
			else
				sched_yield();
		}
	}
	t->ops = ops;
}
