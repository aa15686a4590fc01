/*
 * ck_anderson: Concurrency Kit's Anderson array lock. FIFO; each waiter spins on
 * its own slot of an array sized for the most threads that can ever wait, so init
 * allocates max_threads padded slots. The slot a thread got at lock time is kept in
 * its context for unlock. ck 0.7.1 has no Anderson trylock.
 */
#ifndef LL_CK_ANDERSON_H
#define LL_CK_ANDERSON_H

#include <ck_spinlock.h>

#include "locks/base/lock.h"

/* ck indexes slots as a plain array of ck_spinlock_anderson_thread (8 bytes), so
 * padding cannot be added per slot without changing ck; neighbouring waiters share
 * lines, as they do in ck's own use of it. */
struct ll_ck_anderson {
	ck_spinlock_anderson_t spin;
	ck_spinlock_anderson_thread_t *slots;
	unsigned slot_count;
};

struct ll_ck_anderson_ctx {
	ck_spinlock_anderson_thread_t *slot;
};

static inline int ll_ck_anderson_init(struct ll_ck_anderson *l, const struct ll_params *p)
{
	/* At least two slots: with one, the mask is 0 and every waiter shares slot 0. */
	l->slot_count = p->max_threads < 2 ? 2 : p->max_threads;
	l->slots = ll_heap_alloc(l->slot_count * sizeof *l->slots, LL_PAD);
	if (l->slots == NULL)
		return -1;
	ck_spinlock_anderson_init(&l->spin, l->slots, l->slot_count);
	return 0;
}

static inline void ll_ck_anderson_destroy(struct ll_ck_anderson *l)
{
	ll_heap_free(l->slots, l->slot_count * sizeof *l->slots);
}

LL_CTX_NOOP(ck_anderson)

static inline void ll_ck_anderson_lock(struct ll_ck_anderson *l, struct ll_ck_anderson_ctx *c)
{
	ck_spinlock_anderson_lock(&l->spin, &c->slot);
}

static inline void ll_ck_anderson_unlock(struct ll_ck_anderson *l,
					 struct ll_ck_anderson_ctx *c)
{
	ck_spinlock_anderson_unlock(&l->spin, c->slot);
}

LL_RW_FROM_MUTEX(ck_anderson)

#endif
