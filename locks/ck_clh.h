/*
 * ck_clh: Concurrency Kit's CLH queue lock. FIFO; a waiter spins on its
 * predecessor's node, and on unlock takes that node as its own for next time, so
 * nodes travel between threads. The lock therefore owns them: init allocates one
 * per thread plus the initial unowned node, and contexts only point into that pool.
 * ck 0.7.1 has no CLH trylock.
 */
#ifndef LL_CK_CLH_H
#define LL_CK_CLH_H

#include <ck_spinlock.h>
#include <errno.h>

#include "locks/base/lock.h"

/* Padded so that two threads' spin targets never share a line. */
struct ll_ck_clh_node {
	struct ck_spinlock_clh node;
} __attribute__((aligned(LL_PAD)));

struct ll_ck_clh {
	struct ck_spinlock_clh *tail;
	struct ll_ck_clh_node *pool;
	unsigned pool_count;
};

struct ll_ck_clh_ctx {
	struct ck_spinlock_clh *node;
};

static inline int ll_ck_clh_init(struct ll_ck_clh *l, const struct ll_params *p)
{
	l->pool_count = p->max_threads + 1;
	l->pool = ll_heap_alloc(l->pool_count * sizeof *l->pool, LL_PAD);
	if (l->pool == NULL)
		return -1;
	ck_spinlock_clh_init(&l->tail, &l->pool[0].node);
	return 0;
}

static inline void ll_ck_clh_destroy(struct ll_ck_clh *l)
{
	ll_heap_free(l->pool, l->pool_count * sizeof *l->pool);
}

static inline void ll_ck_clh_ctx_init(struct ll_ck_clh *l, struct ll_ck_clh_ctx *c,
				      unsigned thread, unsigned node)
{
	(void)node;
	c->node = &l->pool[thread + 1].node;
}

static inline void ll_ck_clh_ctx_fini(struct ll_ck_clh *l, struct ll_ck_clh_ctx *c)
{
	(void)l;
	c->node = NULL;
}

static inline void ll_ck_clh_lock(struct ll_ck_clh *l, struct ll_ck_clh_ctx *c)
{
	ck_spinlock_clh_lock(&l->tail, c->node);
}

static inline void ll_ck_clh_unlock(struct ll_ck_clh *l, struct ll_ck_clh_ctx *c)
{
	(void)l;
	ck_spinlock_clh_unlock(&c->node);
}

LL_RW_FROM_MUTEX(ck_clh)

#endif
