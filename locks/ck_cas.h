/* ck_cas: Concurrency Kit's compare-and-swap spin lock. */
#ifndef LL_CK_CAS_H
#define LL_CK_CAS_H

#include <ck_spinlock.h>

#include "locks/base/lock.h"

struct ll_ck_cas {
	ck_spinlock_cas_t spin;
};
#define ll_ck_cas_ctx ll_no_ctx

static inline int ll_ck_cas_init(struct ll_ck_cas *l, const struct ll_params *p)
{
	(void)p;
	ck_spinlock_cas_init(&l->spin);
	return 0;
}

static inline void ll_ck_cas_destroy(struct ll_ck_cas *l)
{
	(void)l;
}

LL_CTX_NOOP(ck_cas)

static inline void ll_ck_cas_lock(struct ll_ck_cas *l, struct ll_ck_cas_ctx *c)
{
	(void)c;
	ck_spinlock_cas_lock(&l->spin);
}

static inline void ll_ck_cas_unlock(struct ll_ck_cas *l, struct ll_ck_cas_ctx *c)
{
	(void)c;
	ck_spinlock_cas_unlock(&l->spin);
}

static inline bool ll_ck_cas_trylock(struct ll_ck_cas *l, struct ll_ck_cas_ctx *c)
{
	(void)c;
	return ck_spinlock_cas_trylock(&l->spin);
}

LL_RW_FROM_MUTEX(ck_cas)

#endif
