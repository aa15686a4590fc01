/* ck_ticket: Concurrency Kit's ticket lock: FIFO, every waiter spins on the one shared 'now serving' word. */
#ifndef LL_CK_TICKET_H
#define LL_CK_TICKET_H

#include <ck_spinlock.h>

#include "locks/base/lock.h"

struct ll_ck_ticket {
	ck_spinlock_ticket_t spin;
};
#define ll_ck_ticket_ctx ll_no_ctx

static inline int ll_ck_ticket_init(struct ll_ck_ticket *l, const struct ll_params *p)
{
	(void)p;
	ck_spinlock_ticket_init(&l->spin);
	return 0;
}

static inline void ll_ck_ticket_destroy(struct ll_ck_ticket *l)
{
	(void)l;
}

LL_CTX_NOOP(ck_ticket)

static inline void ll_ck_ticket_lock(struct ll_ck_ticket *l, struct ll_ck_ticket_ctx *c)
{
	(void)c;
	ck_spinlock_ticket_lock(&l->spin);
}

static inline void ll_ck_ticket_unlock(struct ll_ck_ticket *l, struct ll_ck_ticket_ctx *c)
{
	(void)c;
	ck_spinlock_ticket_unlock(&l->spin);
}

/* ck 0.7.1 has a ticket trylock only where it defines CK_F_SPINLOCK_TICKET_TRYLOCK
 * (x86-64, not aarch64): the registry reads LL_CK_TICKET_TRYLOCK. */
#ifdef CK_F_SPINLOCK_TICKET_TRYLOCK
#define LL_CK_TICKET_TRYLOCK yes
static inline bool ll_ck_ticket_trylock(struct ll_ck_ticket *l, struct ll_ck_ticket_ctx *c)
{
	(void)c;
	return ck_spinlock_ticket_trylock(&l->spin);
}
#else
#define LL_CK_TICKET_TRYLOCK no
#endif

LL_RW_FROM_MUTEX(ck_ticket)

#endif
