/*
 * parking: a parking-lot lock (ours), after WebKit's WTF::Lock and Rust's
 * parking_lot::RawMutex. The lock is one byte: bit 0 held, bit 1 someone is (or is
 * about to be) parked. Uncontended acquire is one CAS; a contended waiter spins
 * with growing pauses for LL_PARKING_SPIN_NS, then sets the parked bit and sleeps
 * in the global parking lot (locks/base/parking_lot.h), keyed by the lock's
 * address. Unlock with no parked bit is one CAS; otherwise it wakes the waiter
 * that has waited longest. That waiter normally competes for the lock again
 * (newcomers may barge, which keeps throughput up); once it has waited
 * LL_PARKING_FAIR_NS, the unlock instead hands the lock to it without ever
 * marking it free, so no waiter is bypassed for long (eventual fairness).
 */
#ifndef LL_PARKING_H
#define LL_PARKING_H

#include <ck_pr.h>
#include <stdint.h>

#include "locks/base/lock.h"

enum { LL_PARKING_HELD = 1, LL_PARKING_PARKED = 2 };

/*
 * How long a contended waiter spins before it parks: 50 us, in rounds of 2, 4, 8...
 * pauses. The lock used to spin 2 + 4 + ... + 1,024 = 2,046 pauses: 49-57 us on
 * the machine this suite's figures come from (AMD EPYC, Zen 3, under KVM, 24-28 ns
 * a pause), a fifth of that where a pause is 10 cycles, next to nothing on
 * aarch64; 50 us keeps that behaviour and makes it the same everywhere. Spinning
 * pays when the lock frees before a park and wake-up would have returned it: a
 * futex sleep-and-wake round trip is 6-14 us there, so 50 us covers a few of
 * them and any short critical section, and stays far below the 4 ms scheduler
 * tick, so a spinner does not keep a descheduled holder off the CPU for long.
 */
#define LL_PARKING_SPIN_NS 50000u
/*
 * A parked waiter that has waited this long (since its first park in one lock()
 * call) is handed the lock at the next unlock instead of racing for it. WebKit
 * and Rust's parking_lot are fair about once a millisecond for the same reason:
 * long enough that hand-offs, which leave the lock held while the woken thread
 * is scheduled, are rare under churn; short enough that nobody starves.
 */
#define LL_PARKING_FAIR_NS 1000000u

struct ll_parking {
	uint8_t state;
};
#define ll_parking_ctx ll_no_ctx

static inline int ll_parking_init(struct ll_parking *l, const struct ll_params *p)
{
	(void)p;
	l->state = 0;
	return 0;
}

static inline void ll_parking_destroy(struct ll_parking *l)
{
	(void)l;
}

LL_CTX_NOOP(parking)

static inline bool ll_parking_trylock(struct ll_parking *l, struct ll_parking_ctx *c)
{
	uint8_t seen = ck_pr_load_8(&l->state);

	(void)c;
	while ((seen & LL_PARKING_HELD) == 0) {
		/* The CAS acquires; keeps the parked bit for whoever unlocks next. */
		if (ck_pr_cas_8_value(&l->state, seen, seen | LL_PARKING_HELD, &seen)) {
			ck_pr_fence_lock();
			return true;
		}
	}
	return false;
}

/* Slow paths, in locks/parking.c: they run only under contention. */
void ll_parking_lock_slow(struct ll_parking *l);
void ll_parking_unlock_slow(struct ll_parking *l);

/* Direct hand-offs (unlocks that gave the lock to a waiter past LL_PARKING_FAIR_NS)
 * in this process so far, over every parking lock: for tests and reports. */
uint64_t ll_parking_handoffs(void);

static inline void ll_parking_lock(struct ll_parking *l, struct ll_parking_ctx *c)
{
	(void)c;
	/* Acquire: the critical section stays after the CAS that takes the lock. */
	if (ck_pr_cas_8(&l->state, 0, LL_PARKING_HELD)) {
		ck_pr_fence_lock();
		return;
	}
	ll_parking_lock_slow(l);
}

static inline void ll_parking_unlock(struct ll_parking *l, struct ll_parking_ctx *c)
{
	(void)c;
	/* Release: the critical section completes before the byte reads free. */
	ck_pr_fence_unlock();
	if (ck_pr_cas_8(&l->state, LL_PARKING_HELD, 0))
		return;
	ll_parking_unlock_slow(l);
}

LL_RW_FROM_MUTEX(parking)

#endif
