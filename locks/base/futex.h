/*
 * Futex wait and wake for the parking primitives, and the three-state futex word
 * lock built on them (Drepper, "Futexes Are Tricky", mutex #2) that the
 * futex_mutex primitive is and the parking lot's buckets use. Linux only (x86-64
 * and aarch64 alike); callers treat every return from ll_futex_wait as possibly
 * spurious and re-check their condition.
 */
#ifndef LL_FUTEX_H
#define LL_FUTEX_H

#include <ck_pr.h>
#include <linux/futex.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Sleeps while *word == expected. Private futexes: waiters share one process. */
static inline void ll_futex_wait(uint32_t *word, uint32_t expected)
{
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static inline void ll_futex_wake(uint32_t *word, int waiters)
{
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, waiters, NULL, NULL, 0);
}

/* The word: 0 unlocked, 1 locked, 2 locked and maybe waiters. Zero-initialised
 * is unlocked. */
enum { LL_FUTEX_UNLOCKED = 0, LL_FUTEX_LOCKED = 1, LL_FUTEX_CONTENDED = 2 };

static inline bool ll_futex_word_trylock(uint32_t *word)
{
	/* The CAS acquires; the fence orders the critical section after it. */
	if (!ck_pr_cas_32(word, LL_FUTEX_UNLOCKED, LL_FUTEX_LOCKED))
		return false;
	ck_pr_fence_lock();
	return true;
}

/* One CAS uncontended; otherwise the waiter marks the word 2 and sleeps in the
 * kernel until a swap finds it free. */
static inline void ll_futex_word_lock(uint32_t *word)
{
	uint32_t seen;

	if (ck_pr_cas_32_value(word, LL_FUTEX_UNLOCKED, LL_FUTEX_LOCKED, &seen)) {
		ck_pr_fence_lock();
		return;
	}
	/* Contended: announce a waiter by swapping in 2. Whoever held it will see 2 at
	 * unlock and wake someone. If the swap returns 0 the lock was free and is now
	 * ours (marked 2, which costs at most one needless wake later). */
	if (seen != LL_FUTEX_CONTENDED)
		seen = ck_pr_fas_32(word, LL_FUTEX_CONTENDED);
	while (seen != LL_FUTEX_UNLOCKED) {
		ll_futex_wait(word, LL_FUTEX_CONTENDED);
		seen = ck_pr_fas_32(word, LL_FUTEX_CONTENDED);
	}
	/* Acquire, after the swap that took it. */
	ck_pr_fence_lock();
}

/* One atomic decrement; a wake only when the word said 2. */
static inline void ll_futex_word_unlock(uint32_t *word)
{
	/* Release: the critical section completes before the word says unlocked. The
	 * decrement is atomic so a waiter's concurrent 1 -> 2 swap is never lost. */
	ck_pr_fence_unlock();
	if (ck_pr_faa_32(word, (uint32_t)-1) != LL_FUTEX_LOCKED) {
		ck_pr_store_32(word, LL_FUTEX_UNLOCKED);
		ll_futex_wake(word, 1);
	}
}

#endif
