/*
 * ck_brlock: Concurrency Kit's big-reader lock. Each reader registers a private
 * slot and read-locks by touching only that slot, so reads scale; a writer must
 * visit every registered reader. Readers register in ctx_init, unregister in
 * ctx_fini.
 */
#ifndef LL_CK_BRLOCK_H
#define LL_CK_BRLOCK_H

#include <ck_brlock.h>

#include "locks/base/lock.h"

/* How many polls of each busy reader a write trylock makes before it gives up. */
#define LL_CK_BRLOCK_TRY_FACTOR 1

struct ll_ck_brlock {
	ck_brlock_t rw;
};

struct ll_ck_brlock_ctx {
	struct ck_brlock_reader reader;
} __attribute__((aligned(LL_PAD)));

static inline int ll_ck_brlock_init(struct ll_ck_brlock *l, const struct ll_params *p)
{
	(void)p;
	ck_brlock_init(&l->rw);
	return 0;
}

static inline void ll_ck_brlock_destroy(struct ll_ck_brlock *l)
{
	(void)l;
}

static inline void ll_ck_brlock_ctx_init(struct ll_ck_brlock *l, struct ll_ck_brlock_ctx *c,
					 unsigned thread, unsigned node)
{
	(void)thread, (void)node;
	ck_brlock_read_register(&l->rw, &c->reader);
}

static inline void ll_ck_brlock_ctx_fini(struct ll_ck_brlock *l, struct ll_ck_brlock_ctx *c)
{
	ck_brlock_read_unregister(&l->rw, &c->reader);
}

static inline void ll_ck_brlock_read_lock(struct ll_ck_brlock *l, struct ll_ck_brlock_ctx *c)
{
	ck_brlock_read_lock(&l->rw, &c->reader);
}

static inline void ll_ck_brlock_read_unlock(struct ll_ck_brlock *l,
					    struct ll_ck_brlock_ctx *c)
{
	(void)l;
	ck_brlock_read_unlock(&c->reader);
}

static inline void ll_ck_brlock_write_lock(struct ll_ck_brlock *l, struct ll_ck_brlock_ctx *c)
{
	(void)c;
	ck_brlock_write_lock(&l->rw);
}

static inline void ll_ck_brlock_write_unlock(struct ll_ck_brlock *l,
					     struct ll_ck_brlock_ctx *c)
{
	(void)c;
	ck_brlock_write_unlock(&l->rw);
}

LL_MUTEX_FROM_RW(ck_brlock)

static inline bool ll_ck_brlock_trylock(struct ll_ck_brlock *l, struct ll_ck_brlock_ctx *c)
{
	(void)c;
	return ck_brlock_write_trylock(&l->rw, LL_CK_BRLOCK_TRY_FACTOR);
}

#endif
