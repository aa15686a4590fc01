/* ck_swlock: Concurrency Kit's single-writer reader/writer lock: correct only while one thread, always the same, is the only writer; the registry flags it single_writer, and nothing uses it where a mutex is needed. */
#ifndef LL_CK_SWLOCK_H
#define LL_CK_SWLOCK_H

#include <ck_swlock.h>

#include "locks/base/lock.h"

struct ll_ck_swlock {
	ck_swlock_t rw;
};
#define ll_ck_swlock_ctx ll_no_ctx

static inline int ll_ck_swlock_init(struct ll_ck_swlock *l, const struct ll_params *p)
{
	(void)p;
	ck_swlock_init(&l->rw);
	return 0;
}

static inline void ll_ck_swlock_destroy(struct ll_ck_swlock *l)
{
	(void)l;
}

LL_CTX_NOOP(ck_swlock)

static inline void ll_ck_swlock_read_lock(struct ll_ck_swlock *l, struct ll_ck_swlock_ctx *c)
{
	(void)c;
	ck_swlock_read_lock(&l->rw);
}

static inline void ll_ck_swlock_read_unlock(struct ll_ck_swlock *l, struct ll_ck_swlock_ctx *c)
{
	(void)c;
	ck_swlock_read_unlock(&l->rw);
}

static inline void ll_ck_swlock_write_lock(struct ll_ck_swlock *l, struct ll_ck_swlock_ctx *c)
{
	(void)c;
	ck_swlock_write_lock(&l->rw);
}

static inline void ll_ck_swlock_write_unlock(struct ll_ck_swlock *l, struct ll_ck_swlock_ctx *c)
{
	(void)c;
	ck_swlock_write_unlock(&l->rw);
}

LL_MUTEX_FROM_RW(ck_swlock)

static inline bool ll_ck_swlock_trylock(struct ll_ck_swlock *l, struct ll_ck_swlock_ctx *c)
{
	(void)c;
	return ck_swlock_write_trylock(&l->rw);
}

#endif
