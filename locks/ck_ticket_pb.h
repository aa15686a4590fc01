/* ck_ticket_pb: Concurrency Kit's ticket lock with proportional back-off: a waiter pauses in proportion to its distance from the head of the queue, so fewer waiters hammer the shared word. */
#ifndef LL_CK_TICKET_PB_H
#define LL_CK_TICKET_PB_H

#include <ck_spinlock.h>

#include "locks/base/lock.h"

/* A waiter pauses (tickets ahead of it << shift) iterations between polls; with
 * 0 the pause grows by one iteration per thread ahead. */
#define LL_CK_TICKET_PB_SHIFT 0

struct ll_ck_ticket_pb {
	ck_spinlock_ticket_t spin;
};
#define ll_ck_ticket_pb_ctx ll_no_ctx

static inline int ll_ck_ticket_pb_init(struct ll_ck_ticket_pb *l, const struct ll_params *p)
{
	(void)p;
	ck_spinlock_ticket_init(&l->spin);
	return 0;
}

static inline void ll_ck_ticket_pb_destroy(struct ll_ck_ticket_pb *l)
{
	(void)l;
}

LL_CTX_NOOP(ck_ticket_pb)

static inline void ll_ck_ticket_pb_lock(struct ll_ck_ticket_pb *l, struct ll_ck_ticket_pb_ctx *c)
{
	(void)c;
	ck_spinlock_ticket_lock_pb(&l->spin, LL_CK_TICKET_PB_SHIFT);
}

static inline void ll_ck_ticket_pb_unlock(struct ll_ck_ticket_pb *l, struct ll_ck_ticket_pb_ctx *c)
{
	(void)c;
	ck_spinlock_ticket_unlock(&l->spin);
}

/* ck 0.7.1 has a ticket trylock only where it defines CK_F_SPINLOCK_TICKET_TRYLOCK
 * (x86-64, not aarch64): the registry reads LL_CK_TICKET_PB_TRYLOCK. */
#ifdef CK_F_SPINLOCK_TICKET_TRYLOCK
#define LL_CK_TICKET_PB_TRYLOCK yes
static inline bool ll_ck_ticket_pb_trylock(struct ll_ck_ticket_pb *l, struct ll_ck_ticket_pb_ctx *c)
{
	(void)c;
	return ck_spinlock_ticket_trylock(&l->spin);
}
#else
#define LL_CK_TICKET_PB_TRYLOCK no
#endif

LL_RW_FROM_MUTEX(ck_ticket_pb)

#endif
