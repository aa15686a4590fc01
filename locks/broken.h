/*
 * broken: a test-then-set lock whose test and set are two separate accesses, the
 * classic racy lock. It exists only as torture's negative control: torture must
 * catch it every time, or torture proves nothing. Never benchmarked.
 *
 * The test and the set are a few dozen pauses apart, as if some work sat between
 * them. With back-to-back accesses the race needs two waiters on two cores seeing
 * the release at once, and on a busy machine with one core free for the test it
 * could go a whole run without that; with a window, a preemption inside it is
 * enough, so the control fails on one core too.
 */
#ifndef LL_BROKEN_H
#define LL_BROKEN_H

#include <ck_pr.h>

#include "locks/base/lock.h"

#define LL_BROKEN_WINDOW_PAUSES 64

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
	for (unsigned i = 0; i < LL_BROKEN_WINDOW_PAUSES; i++)
		ck_pr_stall();
	ck_pr_store_uint(&l->held, 1);
	ck_pr_fence_lock();
}

static inline void ll_broken_unlock(struct ll_broken *l, struct ll_broken_ctx *c)
{
	(void)c;
	ck_pr_fence_unlock();
	ck_pr_store_uint(&l->held, 0);
}

static inline bool ll_broken_trylock(struct ll_broken *l, struct ll_broken_ctx *c)
{
	(void)c;
	if (ck_pr_load_uint(&l->held) != 0)
		return false;
	ck_pr_store_uint(&l->held, 1);
	ck_pr_fence_lock();
	return true;
}

LL_RW_FROM_MUTEX(broken)

#endif
