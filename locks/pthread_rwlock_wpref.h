/* pthread_rwlock_wpref: glibc's rwlock set writer-preferring
 * (PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP): new readers wait while a writer
 * waits. The same calls as pthread_rwlock; only the preference given at init
 * differs. */
#ifndef LL_PTHREAD_RWLOCK_WPREF_H
#define LL_PTHREAD_RWLOCK_WPREF_H

#include "locks/pthread_rwlock.h"

struct ll_pthread_rwlock_wpref {
	struct ll_pthread_rwlock base;
};
#define ll_pthread_rwlock_wpref_ctx ll_no_ctx

static inline int ll_pthread_rwlock_wpref_init(struct ll_pthread_rwlock_wpref *l,
					       const struct ll_params *p)
{
	(void)p;
	return ll_pthread_rwlock_init_kind(&l->base, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
}

static inline void ll_pthread_rwlock_wpref_destroy(struct ll_pthread_rwlock_wpref *l)
{
	ll_pthread_rwlock_destroy(&l->base);
}

LL_CTX_NOOP(pthread_rwlock_wpref)

static inline void ll_pthread_rwlock_wpref_read_lock(struct ll_pthread_rwlock_wpref *l,
					      struct ll_pthread_rwlock_wpref_ctx *c)
{
	ll_pthread_rwlock_read_lock(&l->base, c);
}

static inline void ll_pthread_rwlock_wpref_read_unlock(struct ll_pthread_rwlock_wpref *l,
					      struct ll_pthread_rwlock_wpref_ctx *c)
{
	ll_pthread_rwlock_read_unlock(&l->base, c);
}

static inline void ll_pthread_rwlock_wpref_write_lock(struct ll_pthread_rwlock_wpref *l,
					      struct ll_pthread_rwlock_wpref_ctx *c)
{
	ll_pthread_rwlock_write_lock(&l->base, c);
}

static inline void ll_pthread_rwlock_wpref_write_unlock(struct ll_pthread_rwlock_wpref *l,
					      struct ll_pthread_rwlock_wpref_ctx *c)
{
	ll_pthread_rwlock_write_unlock(&l->base, c);
}

LL_MUTEX_FROM_RW(pthread_rwlock_wpref)

static inline bool ll_pthread_rwlock_wpref_trylock(struct ll_pthread_rwlock_wpref *l,
						   struct ll_pthread_rwlock_wpref_ctx *c)
{
	return ll_pthread_rwlock_trylock(&l->base, c);
}

#endif
