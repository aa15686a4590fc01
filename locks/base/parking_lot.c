#include "locks/base/parking_lot.h"

#include <ck_pr.h>
#include <stdint.h>

#include "locks/base/futex.h"
#include "locks/futex_mutex.h"

struct parked_waiter {
	const void *key;
	uint32_t woken; /* futex word: 0 parked, 1 woken */
	struct parked_waiter *next;
};

struct parking_bucket {
	struct ll_futex_mutex guard;
	struct parked_waiter *head;
	struct parked_waiter *tail;
} __attribute__((aligned(LL_PAD)));

/* Zero is a valid unlocked futex_mutex and an empty queue: no init needed. */
static struct parking_bucket parking_table[LL_PARKING_LOT_BUCKETS];

static struct parking_bucket *bucket_of(const void *key)
{
	/* Fibonacci hashing: locks allocated LL_PAD apart still spread over buckets. */
	uint64_t hash = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ull;
	return &parking_table[hash >> 54 & (LL_PARKING_LOT_BUCKETS - 1)];
}

bool ll_park(const void *key, bool (*still_blocked)(const void *key))
{
	struct parking_bucket *bucket = bucket_of(key);
	struct parked_waiter self = { .key = key, .woken = 0, .next = NULL };

	ll_futex_mutex_lock(&bucket->guard, NULL);
	if (!still_blocked(key)) {
		ll_futex_mutex_unlock(&bucket->guard, NULL);
		return false;
	}
	if (bucket->tail != NULL)
		bucket->tail->next = &self;
	else
		bucket->head = &self;
	bucket->tail = &self;
	ll_futex_mutex_unlock(&bucket->guard, NULL);

	/* Acquire: pairs with the waker's release store of woken, so everything the
	 * waker did before waking us (publishing the lock word) is visible. */
	while (ck_pr_load_32(&self.woken) == 0)
		ll_futex_wait(&self.woken, 0);
	ck_pr_fence_acquire();
	return true;
}

bool ll_unpark_one(const void *key, void (*before_wake)(const void *key, bool more_waiters))
{
	struct parking_bucket *bucket = bucket_of(key);
	struct parked_waiter **link = &bucket->head, *prev = NULL, *found;
	bool more = false;

	ll_futex_mutex_lock(&bucket->guard, NULL);
	while (*link != NULL && (*link)->key != key) {
		prev = *link;
		link = &prev->next;
	}
	found = *link;
	if (found != NULL) {
		*link = found->next;
		if (bucket->tail == found)
			bucket->tail = prev;
		/* Others parked on key arrived after found, so they follow it. */
		for (struct parked_waiter *w = found->next; w != NULL && !more; w = w->next)
			more = w->key == key;
	}
	before_wake(key, more);
	ll_futex_mutex_unlock(&bucket->guard, NULL);

	if (found == NULL)
		return false;
	/* Release: before_wake's store to the lock word is ordered before the waiter
	 * can see itself woken. After this store the waiter may return and its stack
	 * node may be reused, so the wake below can hit a futex word that now belongs
	 * to someone else; every futex waiter in locklab re-checks its condition, so
	 * such a wake is only spurious. */
	ck_pr_fence_store();
	ck_pr_store_32(&found->woken, 1);
	ll_futex_wake(&found->woken, 1);
	return true;
}

size_t ll_parking_lot_bytes(void)
{
	return sizeof parking_table;
}
