/*
 * A global parking lot: the wait queues behind the `parking` lock, kept outside
 * the lock so the lock itself can be one byte (WebKit's WTF::ParkingLot and Rust's
 * parking_lot). Queues live in a fixed table of buckets hashed by the lock's
 * address; each bucket is guarded by a futex_mutex and holds an intrusive FIFO of
 * waiters whose nodes sit on the waiters' own stacks, so parking allocates nothing.
 */
#ifndef LL_PARKING_LOT_H
#define LL_PARKING_LOT_H

#include <stdbool.h>
#include <stddef.h>

/* Buckets in the table; a power of two. Each is LL_PAD bytes. */
#define LL_PARKING_LOT_BUCKETS 1024u

/*
 * Parks the caller on key unless still_blocked(key) is false. still_blocked runs
 * with the bucket locked, the same lock ll_unpark_one takes, so a waker either
 * sees this waiter queued or the waiter sees the state the waker left: no wake-up
 * can be lost in between. Returns false without sleeping when still_blocked said
 * false; true once an ll_unpark_one has woken this waiter.
 */
bool ll_park(const void *key, bool (*still_blocked)(const void *key));

/*
 * Dequeues the oldest waiter parked on key and calls before_wake(key,
 * more_waiters) with the bucket still locked (even when nobody was parked), then
 * wakes the waiter. before_wake is where the lock publishes its new state, so a
 * waiter validating after it sees the final word. Returns whether one was woken.
 */
bool ll_unpark_one(const void *key, void (*before_wake)(const void *key, bool more_waiters));

/* Bytes of the process-wide table, for the registry's memory report. */
size_t ll_parking_lot_bytes(void);

#endif
