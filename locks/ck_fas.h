/* ck_fas: Concurrency Kit's fetch-and-store (test-and-set) spin lock; waiters spin on a plain load between swaps. */
#ifndef LL_CK_FAS_H
#define LL_CK_FAS_H

#include <ck_spinlock.h>

#include "locks/base/lock.h"

struct ll_ck_fas {
	ck_spinlock_fas_t spin;
};
#define ll_ck_fas_ctx ll_no_ctx

static inline int ll_ck_fas_init(struct ll_ck_fas *l, const struct ll_params *p)
{
	(void)p;
	ck_spinlock_fas_init(&l->spin);
	return 0;
}

static inline void ll_ck_fas_destroy(struct ll_ck_fas *l)
{
	(void)l;
}

LL_CTX_NOOP(ck_fas)

static inline void ll_ck_fas_lock(struct ll_ck_fas *l, struct ll_ck_fas_ctx *c)
{
	(void)c;
	ck_spinlock_fas_lock(&l->spin);
}

static inline void ll_ck_fas_unlock(struct ll_ck_fas *l, struct ll_ck_fas_ctx *c)
{
	(void)c;
	ck_spinlock_fas_unlock(&l->spin);
}

static inline bool ll_ck_fas_trylock(struct ll_ck_fas *l, struct ll_ck_fas_ctx *c)
{
	(void)c;
	return ck_spinlock_fas_trylock(&l->spin);
}

LL_RW_FROM_MUTEX(ck_fas)

#endif
