/*
 * A global parking lot: the wait queues behind the `parking` lock, kept outside
 * the lock so the lock itself can be one byte (WebKit's WTF::ParkingLot and Rust's
 * parking_lot). Queues live in a fixed table of buckets hashed by the lock's
 * address; each bucket is guarded by its own small futex lock and holds an
 * intrusive queue of waiters whose nodes sit on the waiters' own stacks, so
 * parking allocates nothing. A bucket's queue is ordered by when each waiter
 * began waiting, so a waiter that is woken, loses the race and parks again keeps
 * its place ahead of later arrivals, and the waiter an unpark dequeues is always
 * the one that has waited longest on that key.
 */
#ifndef LL_PARKING_LOT_H
#define LL_PARKING_LOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Buckets in the table; a power of two. Each is LL_PAD bytes. */
#define LL_PARKING_LOT_BUCKETS 1024u

/*
 * Parks the caller on key unless still_blocked(key) is false. still_blocked runs
 * with the bucket locked, the same lock ll_unpark_one takes, so a waker either
 * sees this waiter queued or the waiter sees the state the waker left: no wake-up
 * can be lost in between.
 *
 * *waiting_since is the caller's age: 0 on its first call for one wait, which sets
 * it to now (CLOCK_MONOTONIC ns); pass it back unchanged on each later call for
 * the same wait, so the age an unparker sees and the place in the queue both
 * count from the first park.
 *
 * Returns false without sleeping when still_blocked said false; true once an
 * ll_unpark_one has woken this waiter, with *token set to what that waker's
 * before_wake returned. Acquire: everything the waker did before it woke us
 * (before_wake's stores, and what happened before the ll_unpark_one call) is
 * visible when this returns true.
 */
bool ll_park(const void *key, bool (*still_blocked)(const void *key),
	     uint64_t *waiting_since, uintptr_t *token);

/* What ll_unpark_one tells its before_wake about the waiter it dequeued. */
struct ll_unpark_result {
	bool unparked;	    /* a waiter was dequeued and is about to be woken */
	bool more_waiters;  /* others are still parked on key */
	uint64_t waited_ns; /* the dequeued waiter's age (0 when none): now minus its
			     * first park, the figure a fairness bound is tested on */
};

/*
 * Dequeues the oldest waiter parked on key and calls before_wake(key, result)
 * with the bucket still locked (even when nobody was parked), then wakes the
 * waiter and hands it before_wake's return value as its token. before_wake is
 * where the lock publishes its new state and decides what the waiter is told
 * (e.g. "you own the lock now"), so a waiter validating after it sees the final
 * word. Returns whether one was woken.
 */
bool ll_unpark_one(const void *key,
		   uintptr_t (*before_wake)(const void *key, struct ll_unpark_result result));

/* Bytes of the process-wide table, for the registry's memory report. */
size_t ll_parking_lot_bytes(void);

#endif
