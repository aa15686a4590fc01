/*
 * broken_rw: torture's negative control for reader/writer exclusion, wrong in that
 * one way only. Writers exclude each other correctly (a test-and-test-and-set word)
 * and a reader waits for a writer to leave; but a writer never waits for readers to
 * leave, so it enters beside any reader already inside. Readers therefore leave no
 * trace in the lock: nothing would read it. Never benchmarked.
 *
 * No trylock, so torture's deterministic checks (which catch a write trylock that
 * succeeds beside a reader) cannot find the defect: only the stress can, and the
 * tests show it does. Like broken, its one injection point (locks/base/inject.h)
 * sits in its race window, between a reader's test and its entry.
 */
#ifndef LL_BROKEN_RW_H
#define LL_BROKEN_RW_H

#include <ck_pr.h>

#include "locks/base/inject.h"
#include "locks/base/lock.h"

struct ll_broken_rw {
	unsigned writer; /* 1 while a writer holds the lock */
};
#define ll_broken_rw_ctx ll_no_ctx

static inline int ll_broken_rw_init(struct ll_broken_rw *l, const struct ll_params *p)
{
	(void)p;
	l->writer = 0;
	return 0;
}

static inline void ll_broken_rw_destroy(struct ll_broken_rw *l)
{
	(void)l;
}

LL_CTX_NOOP(broken_rw)

static inline void ll_broken_rw_write_lock(struct ll_broken_rw *l, struct ll_broken_rw_ctx *c)
{
	(void)c;
	while (ck_pr_fas_uint(&l->writer, 1) != 0)
		while (ck_pr_load_uint(&l->writer) != 0)
			ck_pr_stall();
	/* The critical section's accesses stay after the swap that took the lock. The
	 * bug, on purpose: no wait for readers here. */
	ck_pr_fence_lock();
}

static inline void ll_broken_rw_write_unlock(struct ll_broken_rw *l, struct ll_broken_rw_ctx *c)
{
	(void)c;
	/* The critical section's accesses complete before the lock reads free. */
	ck_pr_fence_unlock();
	ck_pr_store_uint(&l->writer, 0);
}

static inline void ll_broken_rw_read_lock(struct ll_broken_rw *l, struct ll_broken_rw_ctx *c)
{
	(void)c;
	while (ck_pr_load_uint(&l->writer) != 0)
		ck_pr_stall();
	ll_inject_point();
	/* The read section's accesses stay after the load that saw no writer. */
	ck_pr_fence_acquire();
}

static inline void ll_broken_rw_read_unlock(struct ll_broken_rw *l, struct ll_broken_rw_ctx *c)
{
	(void)l, (void)c; /* a reader registered nothing, so it has nothing to undo */
}

LL_MUTEX_FROM_RW(broken_rw)

#endif
