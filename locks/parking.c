#include "locks/parking.h"

#include "locks/base/parking_lot.h"
#include "locks/base/spin.h"

/* What an unlocker tells the waiter it wakes (ll_park's token). */
enum { PARKING_RETRY = 1, PARKING_HANDED_OFF = 2 };

/* Process-wide and shared, but touched only by a hand-off (at most one per lock()
 * call that has waited LL_PARKING_FAIR_NS): never on a fast path. */
static uint64_t parking_handoffs;

static bool parking_still_blocked(const void *key)
{
	const struct ll_parking *l = key;

	/* Under the bucket lock: sleep only if the lock is held and the parked bit we
	 * set is still there. An unlocker that already ran cleared one of them. */
	return ck_pr_load_8((uint8_t *)&l->state) == (LL_PARKING_HELD | LL_PARKING_PARKED);
}

static uintptr_t parking_release(const void *key, struct ll_unpark_result result)
{
	struct ll_parking *l = (struct ll_parking *)key;
	uint8_t parked = result.more_waiters ? LL_PARKING_PARKED : 0;

	/* Both stores run under the bucket lock, so no waiter can park between them
	 * and the wake; the parked bit stays only while others wait. Nobody else
	 * writes the byte meanwhile: we hold the lock and the parked bit is set, so
	 * arrivals only queue (under this same bucket lock). */
	if (result.unparked && result.waited_ns >= LL_PARKING_FAIR_NS) {
		/* Hand-off: the byte stays held and the woken waiter returns owning it.
		 * ll_park's release/acquire on the waiter's node orders our critical
		 * section before its own. */
		ck_pr_store_8(&l->state, LL_PARKING_HELD | parked);
		ck_pr_inc_64(&parking_handoffs);
		return PARKING_HANDED_OFF;
	}
	ck_pr_store_8(&l->state, parked);
	return PARKING_RETRY;
}

void ll_parking_lock_slow(struct ll_parking *l)
{
	uint32_t budget = 0, spun = 0, round_pauses = 2;
	uint64_t waiting_since = 0;
	uintptr_t token;

	for (;;) {
		uint8_t seen = ck_pr_load_8(&l->state);

		if ((seen & LL_PARKING_HELD) == 0) {
			/* Acquire: the critical section stays after the CAS that takes it. */
			if (ck_pr_cas_8(&l->state, seen, seen | LL_PARKING_HELD)) {
				ck_pr_fence_lock();
				return;
			}
			continue;
		}
		/* Spin only while nobody is parked: with a queue, the lock is going to
		 * a woken waiter or a barger soon, and spinning would only delay it. */
		if ((seen & LL_PARKING_PARKED) == 0) {
			/* Converted when first needed (an out-of-line call), so a lock
			 * found free on the first look costs what it did. */
			if (budget == 0)
				budget = ll_spin_pauses(LL_PARKING_SPIN_NS);
			if (spun < budget) {
				uint32_t pauses = round_pauses < budget - spun ? round_pauses
									       : budget - spun;

				for (uint32_t i = 0; i < pauses; i++)
					ck_pr_stall();
				spun += pauses;
				round_pauses *= 2;
				continue;
			}
		}
		/* Announce the park first, so the holder's unlock takes the slow path. */
		if ((seen & LL_PARKING_PARKED) == 0 &&
		    !ck_pr_cas_8(&l->state, seen, seen | LL_PARKING_PARKED))
			continue;
		/* waiting_since survives a lost race, so the age that earns a hand-off
		 * counts from the first park of this call. */
		if (ll_park(l, parking_still_blocked, &waiting_since, &token) &&
		    token == PARKING_HANDED_OFF)
			return; /* Handed over: ll_park's acquire ordered the last owner first. */
		spun = 0;
		round_pauses = 2;
	}
}

void ll_parking_unlock_slow(struct ll_parking *l)
{
	ll_unpark_one(l, parking_release);
}

uint64_t ll_parking_handoffs(void)
{
	return ck_pr_load_64(&parking_handoffs);
}
