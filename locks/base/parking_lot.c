#include "locks/base/parking_lot.h"

#include <ck_pr.h>
#include <time.h>

#include "locks/base/futex.h"
#include "locks/base/lock.h"

struct parked_waiter {
	const void *key;
	uint64_t since;	 /* CLOCK_MONOTONIC ns of the first park of this wait */
	uintptr_t token; /* before_wake's answer, written by the waker before woken */
	uint32_t woken;	 /* futex word: 0 parked, 1 woken */
	struct parked_waiter *next;
};

struct parking_bucket {
	uint32_t guard;	 /* a futex word lock (locks/base/futex.h) */
	struct parked_waiter *head;
	struct parked_waiter *tail;
} __attribute__((aligned(LL_PAD)));

/* Zero is a free guard and an empty queue: no init needed. */
static struct parking_bucket parking_table[LL_PARKING_LOT_BUCKETS];

static void bucket_lock(struct parking_bucket *bucket)
{
	ll_futex_word_lock(&bucket->guard);
}

static void bucket_unlock(struct parking_bucket *bucket)
{
	ll_futex_word_unlock(&bucket->guard);
}

/* Never 0 while the machine is up (it counts from boot), so 0 can mean "unset". */
static uint64_t monotonic_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static struct parking_bucket *bucket_of(const void *key)
{
	/* Fibonacci hashing: locks allocated LL_PAD apart still spread over buckets. */
	uint64_t hash = (uint64_t)(uintptr_t)key * 0x9e3779b97f4a7c15ull;
	return &parking_table[hash >> 54 & (LL_PARKING_LOT_BUCKETS - 1)];
}

/* Queues waiter behind every waiter at least as old. A first park is the newest
 * and goes to the tail at once; only a waiter parking again walks the queue. */
static void enqueue_by_age(struct parking_bucket *bucket, struct parked_waiter *waiter)
{
	struct parked_waiter **link = &bucket->head;

	if (bucket->tail != NULL && bucket->tail->since <= waiter->since)
		link = &bucket->tail->next;
	else
		while (*link != NULL && (*link)->since <= waiter->since)
			link = &(*link)->next;
	waiter->next = *link;
	*link = waiter;
	if (waiter->next == NULL)
		bucket->tail = waiter;
}

bool ll_park(const void *key, bool (*still_blocked)(const void *key),
	     uint64_t *waiting_since, uintptr_t *token)
{
	struct parking_bucket *bucket = bucket_of(key);
	struct parked_waiter self = { .key = key, .woken = 0, .next = NULL };

	/* Read outside the guard, to keep its hold short. */
	if (*waiting_since == 0)
		*waiting_since = monotonic_ns();
	self.since = *waiting_since;
	bucket_lock(bucket);
	if (!still_blocked(key)) {
		bucket_unlock(bucket);
		return false;
	}
	enqueue_by_age(bucket, &self);
	bucket_unlock(bucket);

	/* Acquire: pairs with the waker's release store of woken, so everything the
	 * waker did before waking us (the lock word, the token) is visible. */
	while (ck_pr_load_32(&self.woken) == 0)
		ll_futex_wait(&self.woken, 0);
	ck_pr_fence_acquire();
	*token = self.token;
	return true;
}

bool ll_unpark_one(const void *key,
		   uintptr_t (*before_wake)(const void *key, struct ll_unpark_result result))
{
	struct parking_bucket *bucket = bucket_of(key);
	struct parked_waiter **link = &bucket->head, *prev = NULL, *found;
	struct ll_unpark_result result = { .unparked = false };
	/* Read before the guard, to keep its hold short: an age read this early is
	 * short by the wait for the guard, never long. */
	uint64_t now = monotonic_ns();
	uintptr_t token;

	bucket_lock(bucket);
	while (*link != NULL && (*link)->key != key) {
		prev = *link;
		link = &prev->next;
	}
	found = *link;
	if (found != NULL) {
		*link = found->next;
		if (bucket->tail == found)
			bucket->tail = prev;
		result.unparked = true;
		result.waited_ns = now > found->since ? now - found->since : 0;
		/* The queue is ordered by age, so others parked on key follow found. */
		for (struct parked_waiter *w = found->next; w != NULL; w = w->next)
			if (w->key == key) {
				result.more_waiters = true;
				break;
			}
	}
	token = before_wake(key, result);
	bucket_unlock(bucket);

	if (found == NULL)
		return false;
	/* found is off the queue, so only we touch it until woken says 1. Release:
	 * the token and before_wake's store to the lock word are ordered before the
	 * waiter can see itself woken. After this store the waiter may return and its
	 * stack node may be reused, so the wake below can hit a futex word that now
	 * belongs to someone else; every futex waiter in locklab re-checks its
	 * condition, so such a wake is only spurious. */
	found->token = token;
	ck_pr_fence_store();
	ck_pr_store_32(&found->woken, 1);
	ll_futex_wake(&found->woken, 1);
	return true;
}

size_t ll_parking_lot_bytes(void)
{
	return sizeof parking_table;
}
