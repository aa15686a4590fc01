/*
 * broken: a test-then-set lock whose test and set are two separate accesses, the
 * classic racy lock. It exists only as torture's negative control for mutual
 * exclusion: torture must catch it every time, or torture proves nothing. Never
 * benchmarked.
 *
 * As weak as the bug can be: the test and the set are back to back, so two
 * holders need a second thread to pass the test in the few cycles before the
 * store, on another CPU or after a preemption exactly there. Torture makes that
 * preemption happen: the one injection point (locks/base/inject.h) sits between
 * the test and the set, and is a not-taken branch when torture's injector is off.
 */
#ifndef LL_BROKEN_H
#define LL_BROKEN_H

#include <ck_pr.h>

#include "locks/base/inject.h"
#include "locks/base/lock.h"

struct ll_broken {
	unsigned held;
};
#define ll_broken_ctx ll_no_ctx

static inline int ll_broken_init(struct ll_broken *l, const struct ll_params *p)
{
	(void)p;
	l->held = 0;
	return 0;
}

static inline void ll_broken_destroy(struct ll_broken *l)
{
	(void)l;
}

LL_CTX_NOOP(broken)

static inline void ll_broken_lock(struct ll_broken *l, struct ll_broken_ctx *c)
{
	(void)c;
	while (ck_pr_load_uint(&l->held) != 0)
		ck_pr_stall();
	/* The bug, on purpose: another thread can pass the test above before this store. */
	ll_inject_point();
	ck_pr_store_uint(&l->held, 1);
	/* The critical section's accesses stay after the test and the store. */
	ck_pr_fence_lock();
}

static inline void ll_broken_unlock(struct ll_broken *l, struct ll_broken_ctx *c)
{
	(void)c;
	/* The critical section's accesses complete before the lock reads free. */
	ck_pr_fence_unlock();
	ck_pr_store_uint(&l->held, 0);
}

static inline bool ll_broken_trylock(struct ll_broken *l, struct ll_broken_ctx *c)
{
	(void)c;
	if (ck_pr_load_uint(&l->held) != 0)
		return false;
	ll_inject_point(); /* the same race as in lock */
	ck_pr_store_uint(&l->held, 1);
	ck_pr_fence_lock();
	return true;
}

LL_RW_FROM_MUTEX(broken)

#endif
