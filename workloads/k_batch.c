/* batch: t->batch_ops lock + unlock pairs, then return; the caller times the call.
 * The unit of the seed notes' claims ("10,000 lock operations take 150 us"),
 * with the lock inlined as in every kernel, so what is timed is the lock and a
 * loop, not a call through a table. */
#include "workloads/kernel.h"

KERNEL(batch);
KERNEL(batch)
{
	kernel_lock *lock = t->lock;
	kernel_ctx *ctx = t->ctx;
	uint64_t n = t->batch_ops;

	for (uint64_t i = 0; i < n; i++) {
		LOCK(lock, ctx);
		UNLOCK(lock, ctx);
	}
	kernel_publish(t, n);
}
