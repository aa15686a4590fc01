/*
 * ck_cas_eb: Concurrency Kit's compare-and-swap spin lock with its exponential
 * back-off acquire, ck_spinlock_cas_lock_eb: after a failed compare-and-swap a
 * waiter runs ck_backoff_eb's empty loop, 512 iterations at first and twice as
 * many each time up to 2^20, then tries again; it never spins on a plain load as
 * ck_cas does. ck's own regression benchmarks (regressions/ck_spinlock/ck_cas.h)
 * measure this variant under the name ck_cas; locklab's ck_cas is the plain one.
 * Unlock and trylock are ck_cas's.
 */
#ifndef LL_CK_CAS_EB_H
#define LL_CK_CAS_EB_H

#include <ck_spinlock.h>

#include "locks/base/lock.h"

struct ll_ck_cas_eb {
	ck_spinlock_cas_t spin;
};
#define ll_ck_cas_eb_ctx ll_no_ctx

static inline int ll_ck_cas_eb_init(struct ll_ck_cas_eb *l, const struct ll_params *p)
{
	(void)p;
	ck_spinlock_cas_init(&l->spin);
	return 0;
}

static inline void ll_ck_cas_eb_destroy(struct ll_ck_cas_eb *l)
{
	(void)l;
}

LL_CTX_NOOP(ck_cas_eb)

static inline void ll_ck_cas_eb_lock(struct ll_ck_cas_eb *l, struct ll_ck_cas_eb_ctx *c)
{
	(void)c;
	ck_spinlock_cas_lock_eb(&l->spin);
}

static inline void ll_ck_cas_eb_unlock(struct ll_ck_cas_eb *l, struct ll_ck_cas_eb_ctx *c)
{
	(void)c;
	ck_spinlock_cas_unlock(&l->spin);
}

static inline bool ll_ck_cas_eb_trylock(struct ll_ck_cas_eb *l, struct ll_ck_cas_eb_ctx *c)
{
	(void)c;
	return ck_spinlock_cas_trylock(&l->spin);
}

LL_RW_FROM_MUTEX(ck_cas_eb)

#endif
