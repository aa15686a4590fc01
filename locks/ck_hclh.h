/*
 * ck_hclh: Concurrency Kit's hierarchical CLH lock. Waiters first queue on their
 * NUMA node's local CLH queue; the head of a local queue splices the whole local
 * queue into the global one, so the lock tends to pass between threads of one node
 * before it crosses nodes. Like CLH, nodes travel between threads, so the lock owns
 * them: one unowned node for the global queue, one per NUMA node for the local
 * queues, one per thread. ck 0.7.1 has no HCLH trylock.
 */
#ifndef LL_CK_HCLH_H
#define LL_CK_HCLH_H

#include <ck_spinlock.h>

#include "locks/base/lock.h"

struct ll_ck_hclh_node {
	struct ck_spinlock_hclh node;
} __attribute__((aligned(LL_PAD)));

struct ll_ck_hclh {
	struct ck_spinlock_hclh *global;
	struct ck_spinlock_hclh **local; /* one queue tail per NUMA node, LL_PAD apart */
	struct ll_ck_hclh_node *pool;    /* [0] global, [1..nodes] local, then threads */
	unsigned nodes;
	unsigned pool_count;
};

struct ll_ck_hclh_ctx {
	struct ck_spinlock_hclh *node;
	struct ck_spinlock_hclh **local;
};

/* Local tails are spun on and swapped by every waiter of a node: one line each. */
#define LL_CK_HCLH_TAIL_STRIDE (LL_PAD / sizeof(struct ck_spinlock_hclh *))

static inline int ll_ck_hclh_init(struct ll_ck_hclh *l, const struct ll_params *p)
{
	l->nodes = p->numa_nodes ? p->numa_nodes : 1;
	l->pool_count = 1 + l->nodes + p->max_threads;
	l->pool = ll_heap_alloc(l->pool_count * sizeof *l->pool, LL_PAD);
	l->local = ll_heap_alloc(l->nodes * LL_PAD, LL_PAD);
	if (l->pool == NULL || l->local == NULL) {
		ll_heap_free(l->pool, l->pool_count * sizeof *l->pool);
		ll_heap_free(l->local, l->nodes * LL_PAD);
		return -1;
	}
	ck_spinlock_hclh_init(&l->global, &l->pool[0].node, -1);
	for (unsigned n = 0; n < l->nodes; n++)
		ck_spinlock_hclh_init(&l->local[n * LL_CK_HCLH_TAIL_STRIDE],
				      &l->pool[1 + n].node, (int)n);
	return 0;
}

static inline void ll_ck_hclh_destroy(struct ll_ck_hclh *l)
{
	ll_heap_free(l->pool, l->pool_count * sizeof *l->pool);
	ll_heap_free(l->local, l->nodes * LL_PAD);
}

static inline void ll_ck_hclh_ctx_init(struct ll_ck_hclh *l, struct ll_ck_hclh_ctx *c,
				       unsigned thread, unsigned node)
{
	c->node = &l->pool[1 + l->nodes + thread].node;
	c->local = &l->local[(node % l->nodes) * LL_CK_HCLH_TAIL_STRIDE];
}

static inline void ll_ck_hclh_ctx_fini(struct ll_ck_hclh *l, struct ll_ck_hclh_ctx *c)
{
	(void)l;
	c->node = NULL;
}

static inline void ll_ck_hclh_lock(struct ll_ck_hclh *l, struct ll_ck_hclh_ctx *c)
{
	ck_spinlock_hclh_lock(&l->global, c->local, c->node);
}

static inline void ll_ck_hclh_unlock(struct ll_ck_hclh *l, struct ll_ck_hclh_ctx *c)
{
	(void)l;
	ck_spinlock_hclh_unlock(&c->node);
}

LL_RW_FROM_MUTEX(ck_hclh)

#endif
