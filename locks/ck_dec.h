/* ck_dec: Concurrency Kit's decrement spin lock (atomic decrement to zero acquires; waiters spin until the word is 1 again). */
#ifndef LL_CK_DEC_H
#define LL_CK_DEC_H

#include <ck_spinlock.h>

#include "locks/base/lock.h"

struct ll_ck_dec {
	ck_spinlock_dec_t spin;
};
#define ll_ck_dec_ctx ll_no_ctx

static inline int ll_ck_dec_init(struct ll_ck_dec *l, const struct ll_params *p)
{
	(void)p;
	ck_spinlock_dec_init(&l->spin);
	return 0;
}

static inline void ll_ck_dec_destroy(struct ll_ck_dec *l)
{
	(void)l;
}

LL_CTX_NOOP(ck_dec)

static inline void ll_ck_dec_lock(struct ll_ck_dec *l, struct ll_ck_dec_ctx *c)
{
	(void)c;
	ck_spinlock_dec_lock(&l->spin);
}

static inline void ll_ck_dec_unlock(struct ll_ck_dec *l, struct ll_ck_dec_ctx *c)
{
	(void)c;
	ck_spinlock_dec_unlock(&l->spin);
}

static inline bool ll_ck_dec_trylock(struct ll_ck_dec *l, struct ll_ck_dec_ctx *c)
{
	(void)c;
	return ck_spinlock_dec_trylock(&l->spin);
}

LL_RW_FROM_MUTEX(ck_dec)

#endif
