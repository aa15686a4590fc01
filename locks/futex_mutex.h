/*
 * futex_mutex: the classic three-state futex mutex (Drepper, "Futexes Are Tricky",
 * mutex #2) (ours). 0 unlocked, 1 locked, 2 locked and maybe waiters. The
 * uncontended path is one CAS to lock and one atomic decrement to unlock, with no
 * system call; a waiter marks the word 2 and sleeps in the kernel; an unlocker that
 * sees 2 wakes one sleeper. Not fair: a running thread may take the lock before the
 * woken one. Also used by parking and fairq to guard their queues.
 */
#ifndef LL_FUTEX_MUTEX_H
#define LL_FUTEX_MUTEX_H

#include <ck_pr.h>
#include <stdint.h>

#include "locks/base/futex.h"
#include "locks/base/lock.h"

enum { LL_FUTEX_UNLOCKED = 0, LL_FUTEX_LOCKED = 1, LL_FUTEX_CONTENDED = 2 };

struct ll_futex_mutex {
	uint32_t word;
};
#define ll_futex_mutex_ctx ll_no_ctx

static inline int ll_futex_mutex_init(struct ll_futex_mutex *l, const struct ll_params *p)
{
	(void)p;
	l->word = LL_FUTEX_UNLOCKED;
	return 0;
}

static inline void ll_futex_mutex_destroy(struct ll_futex_mutex *l)
{
	(void)l;
}

LL_CTX_NOOP(futex_mutex)

static inline bool ll_futex_mutex_trylock(struct ll_futex_mutex *l, struct ll_futex_mutex_ctx *c)
{
	(void)c;
	/* The CAS acquires; the fence orders the critical section after it. */
	if (!ck_pr_cas_32(&l->word, LL_FUTEX_UNLOCKED, LL_FUTEX_LOCKED))
		return false;
	ck_pr_fence_lock();
	return true;
}

static inline void ll_futex_mutex_lock(struct ll_futex_mutex *l, struct ll_futex_mutex_ctx *c)
{
	uint32_t seen;

	(void)c;
	if (ck_pr_cas_32_value(&l->word, LL_FUTEX_UNLOCKED, LL_FUTEX_LOCKED, &seen)) {
		ck_pr_fence_lock();
		return;
	}
	/* Contended: announce a waiter by swapping in 2. Whoever held it will see 2 at
	 * unlock and wake someone. If the swap returns 0 the lock was free and is now
	 * ours (marked 2, which costs at most one needless wake later). */
	if (seen != LL_FUTEX_CONTENDED)
		seen = ck_pr_fas_32(&l->word, LL_FUTEX_CONTENDED);
	while (seen != LL_FUTEX_UNLOCKED) {
		ll_futex_wait(&l->word, LL_FUTEX_CONTENDED);
		seen = ck_pr_fas_32(&l->word, LL_FUTEX_CONTENDED);
	}
	ck_pr_fence_lock();
}

static inline void ll_futex_mutex_unlock(struct ll_futex_mutex *l, struct ll_futex_mutex_ctx *c)
{
	(void)c;
	/* Release: the critical section completes before the word says unlocked. The
	 * decrement is atomic so a waiter's concurrent 1 -> 2 swap is never lost. */
	ck_pr_fence_unlock();
	if (ck_pr_faa_32(&l->word, (uint32_t)-1) != LL_FUTEX_LOCKED) {
		ck_pr_store_32(&l->word, LL_FUTEX_UNLOCKED);
		ll_futex_wake(&l->word, 1);
	}
}

LL_RW_FROM_MUTEX(futex_mutex)

#endif
