/* ck_rwlock: Concurrency Kit's centralized reader/writer spin lock: a writer flag and a reader count; a waiting writer blocks new readers. */
#ifndef LL_CK_RWLOCK_H
#define LL_CK_RWLOCK_H

#include <ck_rwlock.h>

#include "locks/base/lock.h"

struct ll_ck_rwlock {
	ck_rwlock_t rw;
};
#define ll_ck_rwlock_ctx ll_no_ctx

static inline int ll_ck_rwlock_init(struct ll_ck_rwlock *l, const struct ll_params *p)
{
	(void)p;
	ck_rwlock_init(&l->rw);
	return 0;
}

static inline void ll_ck_rwlock_destroy(struct ll_ck_rwlock *l)
{
	(void)l;
}

LL_CTX_NOOP(ck_rwlock)

static inline void ll_ck_rwlock_read_lock(struct ll_ck_rwlock *l, struct ll_ck_rwlock_ctx *c)
{
	(void)c;
	ck_rwlock_read_lock(&l->rw);
}

static inline void ll_ck_rwlock_read_unlock(struct ll_ck_rwlock *l, struct ll_ck_rwlock_ctx *c)
{
	(void)c;
	ck_rwlock_read_unlock(&l->rw);
}

static inline void ll_ck_rwlock_write_lock(struct ll_ck_rwlock *l, struct ll_ck_rwlock_ctx *c)
{
	(void)c;
	ck_rwlock_write_lock(&l->rw);
}

static inline void ll_ck_rwlock_write_unlock(struct ll_ck_rwlock *l, struct ll_ck_rwlock_ctx *c)
{
	(void)c;
	ck_rwlock_write_unlock(&l->rw);
}

LL_MUTEX_FROM_RW(ck_rwlock)

static inline bool ll_ck_rwlock_trylock(struct ll_ck_rwlock *l, struct ll_ck_rwlock_ctx *c)
{
	(void)c;
	return ck_rwlock_write_trylock(&l->rw);
}

#endif
