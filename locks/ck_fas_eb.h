/*
 * ck_fas_eb: Concurrency Kit's fetch-and-store (test-and-set) spin lock with its
 * exponential back-off acquire, ck_spinlock_fas_lock_eb: after a failed swap a
 * waiter runs ck_backoff_eb's empty loop, 512 iterations at first and twice as
 * many each time up to 2^20, then swaps again; it never spins on a plain load as
 * ck_fas does. ck's own regression benchmarks (regressions/ck_spinlock/ck_fas.h)
 * measure this variant under the name ck_fas; locklab's ck_fas is the plain one.
 * Unlock and trylock are ck_fas's.
 */
#ifndef LL_CK_FAS_EB_H
#define LL_CK_FAS_EB_H

#include <ck_spinlock.h>

#include "locks/base/lock.h"

struct ll_ck_fas_eb {
	ck_spinlock_fas_t spin;
};
#define ll_ck_fas_eb_ctx ll_no_ctx

static inline int ll_ck_fas_eb_init(struct ll_ck_fas_eb *l, const struct ll_params *p)
{
	(void)p;
	ck_spinlock_fas_init(&l->spin);
	return 0;
}

static inline void ll_ck_fas_eb_destroy(struct ll_ck_fas_eb *l)
{
	(void)l;
}

LL_CTX_NOOP(ck_fas_eb)

static inline void ll_ck_fas_eb_lock(struct ll_ck_fas_eb *l, struct ll_ck_fas_eb_ctx *c)
{
	(void)c;
	ck_spinlock_fas_lock_eb(&l->spin);
}

static inline void ll_ck_fas_eb_unlock(struct ll_ck_fas_eb *l, struct ll_ck_fas_eb_ctx *c)
{
	(void)c;
	ck_spinlock_fas_unlock(&l->spin);
}

static inline bool ll_ck_fas_eb_trylock(struct ll_ck_fas_eb *l, struct ll_ck_fas_eb_ctx *c)
{
	(void)c;
	return ck_spinlock_fas_trylock(&l->spin);
}

LL_RW_FROM_MUTEX(ck_fas_eb)

#endif
