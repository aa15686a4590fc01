/*
 * Futex wait and wake for the parking primitives. Linux only (x86-64 and aarch64
 * alike); callers treat every return from ll_futex_wait as possibly spurious and
 * re-check their condition.
 */
#ifndef LL_FUTEX_H
#define LL_FUTEX_H

#include <linux/futex.h>
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

#endif
