#include "locks/parking.h"

static bool parking_still_blocked(const void *key)
{
	const struct ll_parking *l = key;

	/* Under the bucket lock: sleep only if the lock is held and the parked bit we
	 * set is still there. An unlocker that already ran cleared one of them. */
	return ck_pr_load_8((uint8_t *)&l->state) == (LL_PARKING_HELD | LL_PARKING_PARKED);
}

static void parking_release(const void *key, bool more_waiters)
{
	struct ll_parking *l = (struct ll_parking *)key;

	/* Under the bucket lock, so no waiter can park between this store and the
	 * wake: the lock is released, and the parked bit stays only while others wait. */
	ck_pr_store_8(&l->state, more_waiters ? LL_PARKING_PARKED : 0);
}

void ll_parking_lock_slow(struct ll_parking *l)
{
	unsigned round = 0;

	for (;;) {
		uint8_t seen = ck_pr_load_8(&l->state);

		if ((seen & LL_PARKING_HELD) == 0) {
			if (ck_pr_cas_8(&l->state, seen, seen | LL_PARKING_HELD)) {
				ck_pr_fence_lock();
				return;
			}
			continue;
		}
		if ((seen & LL_PARKING_PARKED) == 0 && round < LL_PARKING_SPIN_ROUNDS) {
			for (unsigned i = 0; i < 2u << round; i++)
				ck_pr_stall();
			round++;
			continue;
		}
		/* Announce the park first, so the holder's unlock takes the slow path. */
		if ((seen & LL_PARKING_PARKED) == 0 &&
		    !ck_pr_cas_8(&l->state, seen, seen | LL_PARKING_PARKED))
			continue;
		ll_park(l, parking_still_blocked);
		round = 0;
	}
}

void ll_parking_unlock_slow(struct ll_parking *l)
{
	ll_unpark_one(l, parking_release);
}
