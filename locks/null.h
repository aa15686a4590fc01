/* null: no lock at all. The floor every measurement is compared with; a control,
 * never part of "all", and it fails torture by design. */
#ifndef LL_NULL_H
#define LL_NULL_H

#include "locks/base/lock.h"

struct ll_null {
	char unused;
};
#define ll_null_ctx ll_no_ctx

static inline int ll_null_init(struct ll_null *l, const struct ll_params *p)
{
	(void)l, (void)p;
	return 0;
}

static inline void ll_null_destroy(struct ll_null *l)
{
	(void)l;
}

LL_CTX_NOOP(null)

static inline void ll_null_lock(struct ll_null *l, struct ll_null_ctx *c)
{
	(void)l, (void)c;
}

static inline void ll_null_unlock(struct ll_null *l, struct ll_null_ctx *c)
{
	(void)l, (void)c;
}

static inline bool ll_null_trylock(struct ll_null *l, struct ll_null_ctx *c)
{
	(void)l, (void)c;
	return true;
}

LL_RW_FROM_MUTEX(null)

#endif
