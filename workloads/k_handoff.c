/*
 * handoff: ownership passes from thread to thread. After releasing, a thread
 * waits until another thread has acquired before it asks again, so every
 * acquisition is a hand-off from a different thread, and its waiter was already
 * waiting inside LOCK() in the primitive's own way (spinning, spinning then
 * parked, or parked). handoff_latency is the time from the last owner's release
 * stamp (taken just before its unlock call) to this owner's stamp right after
 * acquiring, every operation. The two stamps come from two CPUs, so their
 * difference is signed: kernel_record counts a negative one as skewed. The hold
 * stretch (held to release) is also the host's speed when its busy work dwarfs
 * the shared words it reads (the harness decides: busy_max_ticks 0 times none,
 * and then the kernel probes the host's speed after some unlocks instead).
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
	struct kernel_line *lines = t->lines;
	unsigned line_count = t->line_count;
	unsigned me = t->index + 1;
	uint64_t ops = 0;
	unsigned phase;

	while ((phase = kernel_phase(t)) != KERNEL_STOP) {
		uint64_t start = timer_read_ordered(cal);
		LOCK(lock, ctx);
		uint64_t held = timer_read_ordered(cal);
		/* Plain loads of protected data: the lock orders them. */
		unsigned previous = shared->holder;
		uint64_t previous_release = shared->released_at;
		ck_pr_store_uint(&shared->holder, me);
		kernel_touch_lines(lines, line_count);
		kernel_busy(t->cs_iterations);
		uint64_t release = timer_read_ordered(cal);
		shared->released_at = release;
		UNLOCK(lock, ctx);
		kernel_publish(t, ++ops);
		if (kernel_in_window(t, phase)) {
			kernel_record(t, t->acquire, start, held);
			kernel_record(t, t->hold, held, release);
			kernel_time_busy(t, held, release, t->cs_iterations);
			/* After its own probe this thread came late: no waiter was waiting. */
			if (previous != 0 && previous != me && !t->probed)
				kernel_record(t, t->handoff_latency, previous_release, held);
		}
		t->probed = false;
		kernel_probe_host(t, phase, release);
		/* Wait, outside the lock, for the next owner; then queue behind it. */
		for (unsigned spins = 0; ck_pr_load_uint(&shared->holder) == me &&
					 kernel_phase(t) != KERNEL_STOP;
		     spins++) {
			if (spins < HANDOFF_SPINS_BEFORE_YIELD)
				ck_pr_stall();
			else
				sched_yield();
		}
	}
}
