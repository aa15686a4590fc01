/*
 * parking: a parking-lot lock (ours), after WebKit's WTF::Lock and Rust's
 * parking_lot::RawMutex. The lock is one byte: bit 0 held, bit 1 someone is (or is
 * about to be) parked. Uncontended acquire is one CAS; a contended waiter spins
 * briefly with growing pauses, then sets the parked bit and sleeps in the global
 * parking lot (locks/parking_lot.h), keyed by the lock's address. Unlock with no
 * parked bit is one CAS; otherwise it wakes the oldest parked waiter, which then
 * competes for the lock again (barging is allowed, so not FIFO).
 */
#ifndef LL_PARKING_H
#define LL_PARKING_H

#include <ck_pr.h>
#include <stdint.h>

#include "locks/base/lock.h"
#include "locks/base/parking_lot.h"

enum { LL_PARKING_HELD = 1, LL_PARKING_PARKED = 2 };
/* Spin rounds before parking; round n pauses 2^n times (about 2000 pauses in all). */
#define LL_PARKING_SPIN_ROUNDS 10

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
