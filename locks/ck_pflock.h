/* ck_pflock: Concurrency Kit's phase-fair reader/writer spin lock (Brandenburg and Anderson): reader and writer phases alternate, so neither side starves. No trylock in ck 0.7.1. */
#ifndef LL_CK_PFLOCK_H
#define LL_CK_PFLOCK_H

#include <ck_pflock.h>

#include "locks/base/lock.h"

struct ll_ck_pflock {
	ck_pflock_t rw;
};
#define ll_ck_pflock_ctx ll_no_ctx

static inline int ll_ck_pflock_init(struct ll_ck_pflock *l, const struct ll_params *p)
{
	(void)p;
	ck_pflock_init(&l->rw);
	return 0;
}

static inline void ll_ck_pflock_destroy(struct ll_ck_pflock *l)
{
	(void)l;
}

LL_CTX_NOOP(ck_pflock)

static inline void ll_ck_pflock_read_lock(struct ll_ck_pflock *l, struct ll_ck_pflock_ctx *c)
{
	(void)c;
	ck_pflock_read_lock(&l->rw);
}

static inline void ll_ck_pflock_read_unlock(struct ll_ck_pflock *l, struct ll_ck_pflock_ctx *c)
{
	(void)c;
	ck_pflock_read_unlock(&l->rw);
}

static inline void ll_ck_pflock_write_lock(struct ll_ck_pflock *l, struct ll_ck_pflock_ctx *c)
{
	(void)c;
	ck_pflock_write_lock(&l->rw);
}

static inline void ll_ck_pflock_write_unlock(struct ll_ck_pflock *l, struct ll_ck_pflock_ctx *c)
{
	(void)c;
	ck_pflock_write_unlock(&l->rw);
}

LL_MUTEX_FROM_RW(ck_pflock)

#endif
