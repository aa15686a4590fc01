/*
 * cna: a compact NUMA-aware lock in the manner of Dice and Kogan's CNA (EuroSys
 * 2019): an MCS queue in one word whose owner, at unlock, hands the lock to the
 * first waiter of its own NUMA node, moving the remote waiters it passes over to a
 * secondary queue. The secondary queue travels with the lock (in the spin word of
 * the waiter granted it) and is put back in front of the main queue when no
 * waiter of the owner's node is left, or after LL_CNA_LOCAL_LIMIT hand-offs in a
 * row inside one node while it is not empty: the bound that keeps remote waiters
 * from starving. The lock is one pointer; each thread's context is its queue node
 * (padded), which names the thread's NUMA node.
 *
 * Spin word of a queue node: 0 while waiting; once granted, LL_CNA_GRANTED when no
 * remote waiter was set aside, else the head of the secondary queue (whose
 * sec_tail field names its tail). Only the owner reads or changes the secondary
 * queue, the streak counter and the next pointers of nodes it has moved.
 *
 * For tests, ll_cna_enqueue and ll_cna_granted split lock() in two, so a single
 * thread can build a queue of waiters from several nodes and see exactly whom
 * each unlock chooses.
 */
#ifndef LL_CNA_H
#define LL_CNA_H

#include <ck_pr.h>

#include "locks/base/lock.h"

#define LL_CNA_GRANTED ((void *)1)
#define LL_CNA_LOCAL_LIMIT 64

struct ll_cna_ctx {
	struct ll_cna_ctx *next;
	void *spin;
	struct ll_cna_ctx *sec_tail; /* valid in a secondary queue's head */
	unsigned node;
} __attribute__((aligned(LL_PAD)));

struct ll_cna {
	struct ll_cna_ctx *tail;
	unsigned streak; /* hand-offs in a row within a node; the owner's alone */
};

static inline int ll_cna_init(struct ll_cna *l, const struct ll_params *p)
{
	(void)p;
	l->tail = NULL;
	l->streak = 0;
	return 0;
}

static inline void ll_cna_destroy(struct ll_cna *l)
{
	(void)l;
}

static inline void ll_cna_ctx_init(struct ll_cna *l, struct ll_cna_ctx *c, unsigned thread,
				   unsigned node)
{
	(void)l, (void)thread;
	c->node = node;
}

static inline void ll_cna_ctx_fini(struct ll_cna *l, struct ll_cna_ctx *c)
{
	(void)l, (void)c;
}

/* Joins the queue; true when the lock was free and is now held. */
static inline bool ll_cna_enqueue(struct ll_cna *l, struct ll_cna_ctx *c)
{
	struct ll_cna_ctx *previous;

	c->next = NULL;
	c->sec_tail = NULL;
	ck_pr_store_ptr(&c->spin, NULL);
	/* The node's fields are written before the swap publishes it. */
	ck_pr_fence_store_atomic();
	previous = ck_pr_fas_ptr(&l->tail, c);
	if (previous == NULL) {
		c->spin = LL_CNA_GRANTED;
		ck_pr_fence_lock();
		return true;
	}
	ck_pr_store_ptr(&previous->next, c);
	return false;
}

static inline bool ll_cna_granted(struct ll_cna_ctx *c)
{
	return ck_pr_load_ptr(&c->spin) != NULL;
}

static inline void ll_cna_lock(struct ll_cna *l, struct ll_cna_ctx *c)
{
	if (ll_cna_enqueue(l, c))
		return;
	while (!ll_cna_granted(c))
		ck_pr_stall();
	/* Acquire: the critical section reads nothing before the grant. */
	ck_pr_fence_lock();
}

static inline bool ll_cna_trylock(struct ll_cna *l, struct ll_cna_ctx *c)
{
	c->next = NULL;
	c->sec_tail = NULL;
	c->spin = LL_CNA_GRANTED;
	ck_pr_fence_store_atomic();
	if (!ck_pr_cas_ptr(&l->tail, NULL, c))
		return false;
	ck_pr_fence_lock();
	return true;
}

/* Sets aside the waiters from first up to (not including) the first one of the
 * owner's node, appending them to the secondary queue; returns that waiter, or
 * NULL (nothing moved) when the queue as linked so far has none. */
static inline struct ll_cna_ctx *ll_cna_find_local(struct ll_cna_ctx *owner,
						   struct ll_cna_ctx *first)
{
	struct ll_cna_ctx *last = first, *at = ck_pr_load_ptr(&first->next);

	if (first->node == owner->node)
		return first;
	while (at != NULL && at->node != owner->node) {
		last = at;
		at = ck_pr_load_ptr(&at->next);
	}
	if (at == NULL)
		return NULL;
	/* last's successor is at, already linked: nobody writes last->next again. */
	last->next = NULL;
	if (owner->spin == LL_CNA_GRANTED) {
		first->sec_tail = last;
		owner->spin = first;
	} else {
		struct ll_cna_ctx *head = (struct ll_cna_ctx *)owner->spin;
		head->sec_tail->next = first;
		head->sec_tail = last;
	}
	return at;
}

LL_ALWAYS_INLINE void ll_cna_unlock(struct ll_cna *l, struct ll_cna_ctx *c)
{
	struct ll_cna_ctx *next = ck_pr_load_ptr(&c->next), *local;

	if (next == NULL) {
		if (c->spin == LL_CNA_GRANTED) {
			/* Release: the critical section completes before the lock reads free. */
			ck_pr_fence_unlock();
			if (ck_pr_cas_ptr(&l->tail, c, NULL))
				return;
		} else {
			/* No one queued behind us: the secondary queue becomes the queue. */
			struct ll_cna_ctx *head = (struct ll_cna_ctx *)c->spin;

			ck_pr_fence_unlock();
			if (ck_pr_cas_ptr(&l->tail, c, head->sec_tail)) {
				l->streak = 0;
				ck_pr_store_ptr(&head->spin, LL_CNA_GRANTED);
				return;
			}
		}
		while ((next = ck_pr_load_ptr(&c->next)) == NULL)
			ck_pr_stall();
	}
	local = c->spin != LL_CNA_GRANTED && l->streak >= LL_CNA_LOCAL_LIMIT
			? NULL
			: ll_cna_find_local(c, next);
	ck_pr_fence_unlock();
	if (local != NULL) {
		l->streak = c->spin == LL_CNA_GRANTED ? 0 : l->streak + 1;
		ck_pr_store_ptr(&local->spin, c->spin);
	} else if (c->spin != LL_CNA_GRANTED) {
		/* The bound, or no waiter of this node: the set-aside waiters go first,
		 * then the main queue behind them. */
		struct ll_cna_ctx *head = (struct ll_cna_ctx *)c->spin;

		ck_pr_store_ptr(&head->sec_tail->next, next);
		l->streak = 0;
		ck_pr_store_ptr(&head->spin, LL_CNA_GRANTED);
	} else {
		l->streak = 0;
		ck_pr_store_ptr(&next->spin, LL_CNA_GRANTED);
	}
}

LL_RW_FROM_MUTEX(cna)

#endif
