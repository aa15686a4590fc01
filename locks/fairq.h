/*
 * fairq: a strictly FIFO queued mutex with direct hand-off (ours), the C analogue
 * of an async runtime's fair mutex (tokio::sync::Mutex). An arrival that finds the
 * lock free and nobody queued takes it; any other arrival queues and parks at once,
 * never spinning. Unlock hands ownership to the oldest waiter without ever marking
 * the lock free, so nobody can barge past the queue. A futex_mutex guards the
 * queue; waiter nodes live on the waiters' stacks, so waiting allocates nothing.
 */
#ifndef LL_FAIRQ_H
#define LL_FAIRQ_H

#include <ck_pr.h>
#include <stdint.h>

#include "locks/base/futex.h"
#include "locks/futex_mutex.h"
#include "locks/base/lock.h"

struct ll_fairq_waiter {
	uint32_t granted; /* futex word: 0 waiting, 1 the lock is now yours */
	struct ll_fairq_waiter *next;
};

struct ll_fairq {
	struct ll_futex_mutex guard; /* protects everything below */
	uint32_t held;
	struct ll_fairq_waiter *head;
	struct ll_fairq_waiter *tail;
};
#define ll_fairq_ctx ll_no_ctx

static inline int ll_fairq_init(struct ll_fairq *l, const struct ll_params *p)
{
	ll_futex_mutex_init(&l->guard, p);
	l->held = 0;
	l->head = l->tail = NULL;
	return 0;
}

static inline void ll_fairq_destroy(struct ll_fairq *l)
{
	(void)l;
}

LL_CTX_NOOP(fairq)

static inline bool ll_fairq_trylock(struct ll_fairq *l, struct ll_fairq_ctx *c)
{
	bool taken;

	(void)c;
	/* The guard's lock and unlock give the acquire and release ordering. */
	ll_futex_mutex_lock(&l->guard, NULL);
	taken = !l->held && l->head == NULL;
	if (taken)
		l->held = 1;
	ll_futex_mutex_unlock(&l->guard, NULL);
	return taken;
}

LL_ALWAYS_INLINE void ll_fairq_lock(struct ll_fairq *l, struct ll_fairq_ctx *c)
{
	struct ll_fairq_waiter self = { .granted = 0, .next = NULL };

	(void)c;
	ll_futex_mutex_lock(&l->guard, NULL);
	if (!l->held && l->head == NULL) {
		l->held = 1;
		ll_futex_mutex_unlock(&l->guard, NULL);
		return;
	}
	if (l->tail != NULL)
		l->tail->next = &self;
	else
		l->head = &self;
	l->tail = &self;
	ll_futex_mutex_unlock(&l->guard, NULL);

	while (ck_pr_load_32(&self.granted) == 0)
		ll_futex_wait(&self.granted, 0);
	/* Acquire: pairs with the previous owner's release before granting, so its
	 * critical section happens before ours. */
	ck_pr_fence_lock();
}

LL_ALWAYS_INLINE void ll_fairq_unlock(struct ll_fairq *l, struct ll_fairq_ctx *c)
{
	struct ll_fairq_waiter *next;

	(void)c;
	ll_futex_mutex_lock(&l->guard, NULL);
	next = l->head;
	if (next != NULL) {
		l->head = next->next;
		if (l->head == NULL)
			l->tail = NULL;
	} else {
		l->held = 0;
	}
	ll_futex_mutex_unlock(&l->guard, NULL);
	if (next == NULL)
		return;
	/* Hand-off: held stays 1. Release: our critical section completes before the
	 * waiter sees granted. After the store the waiter may return and reuse its
	 * stack, so the wake may land on a stale word; all futex waiters here re-check
	 * their condition, so that wake is only spurious. */
	ck_pr_fence_unlock();
	ck_pr_store_32(&next->granted, 1);
	ll_futex_wake(&next->granted, 1);
}

LL_RW_FROM_MUTEX(fairq)

#endif
