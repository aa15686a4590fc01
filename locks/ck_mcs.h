/*
 * ck_mcs: Concurrency Kit's MCS queue lock. FIFO; each waiter spins on a flag in
 * its own queue node, so a hand-off touches one remote cache line. The node is the
 * per-thread context and stays with its thread.
 */
#ifndef LL_CK_MCS_H
#define LL_CK_MCS_H

#include <ck_spinlock.h>

#include "locks/base/lock.h"

struct ll_ck_mcs {
	ck_spinlock_mcs_t queue;
};

struct ll_ck_mcs_ctx {
	ck_spinlock_mcs_context_t node;
} __attribute__((aligned(LL_PAD)));

static inline int ll_ck_mcs_init(struct ll_ck_mcs *l, const struct ll_params *p)
{
	(void)p;
	ck_spinlock_mcs_init(&l->queue);
	return 0;
}

static inline void ll_ck_mcs_destroy(struct ll_ck_mcs *l)
{
	(void)l;
}

LL_CTX_NOOP(ck_mcs)

static inline void ll_ck_mcs_lock(struct ll_ck_mcs *l, struct ll_ck_mcs_ctx *c)
{
	ck_spinlock_mcs_lock(&l->queue, &c->node);
}

static inline void ll_ck_mcs_unlock(struct ll_ck_mcs *l, struct ll_ck_mcs_ctx *c)
{
	ck_spinlock_mcs_unlock(&l->queue, &c->node);
}

static inline bool ll_ck_mcs_trylock(struct ll_ck_mcs *l, struct ll_ck_mcs_ctx *c)
{
	return ck_spinlock_mcs_trylock(&l->queue, &c->node);
}

LL_RW_FROM_MUTEX(ck_mcs)

#endif
