/*
 * ttas_backoff: test-and-test-and-set with bounded exponential back-off (ours).
 * Waiters spin reading a local copy of the line and only swap when it looks free,
 * then back off for a doubling, capped number of pauses after each lost race, so a
 * released lock is not stormed by every waiter at once. Not fair; spins only.
 */
#ifndef LL_TTAS_BACKOFF_H
#define LL_TTAS_BACKOFF_H

#include <ck_pr.h>

#include "locks/base/lock.h"

#define LL_TTAS_BACKOFF_MIN 4u
#define LL_TTAS_BACKOFF_MAX 1024u

struct ll_ttas_backoff {
	unsigned held;
};
#define ll_ttas_backoff_ctx ll_no_ctx

static inline int ll_ttas_backoff_init(struct ll_ttas_backoff *l, const struct ll_params *p)
{
	(void)p;
	l->held = 0;
	return 0;
}

static inline void ll_ttas_backoff_destroy(struct ll_ttas_backoff *l)
{
	(void)l;
}

LL_CTX_NOOP(ttas_backoff)

static inline bool ll_ttas_backoff_trylock(struct ll_ttas_backoff *l,
					   struct ll_ttas_backoff_ctx *c)
{
	(void)c;
	/* The swap is the acquisition; the fence keeps the critical section's loads
	 * and stores after it (acquire). */
	if (ck_pr_fas_uint(&l->held, 1) != 0)
		return false;
	ck_pr_fence_lock();
	return true;
}

static inline void ll_ttas_backoff_lock(struct ll_ttas_backoff *l, struct ll_ttas_backoff_ctx *c)
{
	unsigned delay = LL_TTAS_BACKOFF_MIN;

	for (;;) {
		/* Plain loads while held: the line stays shared in our cache until the
		 * owner's release store invalidates it. No ordering needed here; the
		 * swap in trylock is what acquires. */
		while (ck_pr_load_uint(&l->held) != 0)
			ck_pr_stall();
		if (ll_ttas_backoff_trylock(l, c))
			return;
		for (unsigned i = 0; i < delay; i++)
			ck_pr_stall();
		if (delay < LL_TTAS_BACKOFF_MAX)
			delay *= 2;
	}
}

static inline void ll_ttas_backoff_unlock(struct ll_ttas_backoff *l,
					  struct ll_ttas_backoff_ctx *c)
{
	(void)c;
	/* Release: the critical section's accesses complete before the lock reads free. */
	ck_pr_fence_unlock();
	ck_pr_store_uint(&l->held, 0);
}

LL_RW_FROM_MUTEX(ttas_backoff)

#endif
