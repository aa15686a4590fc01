/* ck_tflock: Concurrency Kit's task-fair (ticket) reader/writer spin lock: readers and writers are served in arrival order. No trylock in ck 0.7.1. */
#ifndef LL_CK_TFLOCK_H
#define LL_CK_TFLOCK_H

#include <ck_tflock.h>

#include "locks/base/lock.h"

struct ll_ck_tflock {
	struct ck_tflock_ticket rw;
};
#define ll_ck_tflock_ctx ll_no_ctx

static inline int ll_ck_tflock_init(struct ll_ck_tflock *l, const struct ll_params *p)
{
	(void)p;
	ck_tflock_ticket_init(&l->rw);
	return 0;
}

static inline void ll_ck_tflock_destroy(struct ll_ck_tflock *l)
{
	(void)l;
}

LL_CTX_NOOP(ck_tflock)

static inline void ll_ck_tflock_read_lock(struct ll_ck_tflock *l, struct ll_ck_tflock_ctx *c)
{
	(void)c;
	ck_tflock_ticket_read_lock(&l->rw);
}

static inline void ll_ck_tflock_read_unlock(struct ll_ck_tflock *l, struct ll_ck_tflock_ctx *c)
{
	(void)c;
	ck_tflock_ticket_read_unlock(&l->rw);
}

static inline void ll_ck_tflock_write_lock(struct ll_ck_tflock *l, struct ll_ck_tflock_ctx *c)
{
	(void)c;
	ck_tflock_ticket_write_lock(&l->rw);
}

static inline void ll_ck_tflock_write_unlock(struct ll_ck_tflock *l, struct ll_ck_tflock_ctx *c)
{
	(void)c;
	ck_tflock_ticket_write_unlock(&l->rw);
}

LL_MUTEX_FROM_RW(ck_tflock)

#endif
