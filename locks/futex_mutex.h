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

/* The word lock lives in locks/base/futex.h: the parking lot's buckets use it too. */
static inline bool ll_futex_mutex_trylock(struct ll_futex_mutex *l, struct ll_futex_mutex_ctx *c)
{
	(void)c;
	return ll_futex_word_trylock(&l->word);
}

static inline void ll_futex_mutex_lock(struct ll_futex_mutex *l, struct ll_futex_mutex_ctx *c)
{
	(void)c;
	ll_futex_word_lock(&l->word);
}

static inline void ll_futex_mutex_unlock(struct ll_futex_mutex *l, struct ll_futex_mutex_ctx *c)
{
	(void)c;
	ll_futex_word_unlock(&l->word);
}

LL_RW_FROM_MUTEX(futex_mutex)

#endif
