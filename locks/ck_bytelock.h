/*
 * ck_bytelock: Concurrency Kit's byte lock (Dice and Shavit's TLRW-ByteLock).
 * The first threads each own one byte of a reader array in the lock's cache line
 * and read-lock by setting it; later threads fall back to a shared reader count.
 * Slots start at 1 (0 means "no owner" to ck): thread i gets slot i + 1. Slots past
 * the array take ck's unslotted path, but each stays distinct: a writer's slot is
 * stored as the owner, and a reader whose slot equals the owner is taken for that
 * writer downgrading, so the one shared CK_BYTELOCK_UNSLOTTED value would let one
 * unslotted reader walk into another's write lock. ck 0.7.1 has no byte-lock trylock.
 */
#ifndef LL_CK_BYTELOCK_H
#define LL_CK_BYTELOCK_H

#include <ck_bytelock.h>

#include "locks/base/lock.h"

struct ll_ck_bytelock {
	ck_bytelock_t rw;
};

struct ll_ck_bytelock_ctx {
	unsigned slot;
};

static inline int ll_ck_bytelock_init(struct ll_ck_bytelock *l, const struct ll_params *p)
{
	(void)p;
	ck_bytelock_init(&l->rw);
	return 0;
}

static inline void ll_ck_bytelock_destroy(struct ll_ck_bytelock *l)
{
	(void)l;
}

static inline void ll_ck_bytelock_ctx_init(struct ll_ck_bytelock *l,
					   struct ll_ck_bytelock_ctx *c, unsigned thread,
					   unsigned node)
{
	(void)node;
	(void)l;
	c->slot = thread + 1;
}

static inline void ll_ck_bytelock_ctx_fini(struct ll_ck_bytelock *l,
					   struct ll_ck_bytelock_ctx *c)
{
	(void)l, (void)c;
}

static inline void ll_ck_bytelock_read_lock(struct ll_ck_bytelock *l,
					    struct ll_ck_bytelock_ctx *c)
{
	ck_bytelock_read_lock(&l->rw, c->slot);
}

static inline void ll_ck_bytelock_read_unlock(struct ll_ck_bytelock *l,
					      struct ll_ck_bytelock_ctx *c)
{
	ck_bytelock_read_unlock(&l->rw, c->slot);
}

static inline void ll_ck_bytelock_write_lock(struct ll_ck_bytelock *l,
					     struct ll_ck_bytelock_ctx *c)
{
	ck_bytelock_write_lock(&l->rw, c->slot);
}

static inline void ll_ck_bytelock_write_unlock(struct ll_ck_bytelock *l,
					       struct ll_ck_bytelock_ctx *c)
{
	(void)c;
	ck_bytelock_write_unlock(&l->rw);
}

LL_MUTEX_FROM_RW(ck_bytelock)

#endif
