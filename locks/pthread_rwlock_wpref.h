/* pthread_rwlock_wpref: glibc's rwlock set writer-preferring (PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP): new readers wait while a writer waits. */
#ifndef LL_PTHREAD_RWLOCK_WPREF_H
#define LL_PTHREAD_RWLOCK_WPREF_H

#include <errno.h>
#include <pthread.h>

#include "locks/base/lock.h"

struct ll_pthread_rwlock_wpref {
	pthread_rwlock_t rwlock;
};
#define ll_pthread_rwlock_wpref_ctx ll_no_ctx

static inline int ll_pthread_rwlock_wpref_init(struct ll_pthread_rwlock_wpref *l, const struct ll_params *p)
{
	pthread_rwlockattr_t attr;
	int err;

	(void)p;
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	err = pthread_rwlock_init(&l->rwlock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

static inline void ll_pthread_rwlock_wpref_destroy(struct ll_pthread_rwlock_wpref *l)
{
	pthread_rwlock_destroy(&l->rwlock);
}

LL_CTX_NOOP(pthread_rwlock_wpref)

static inline void ll_pthread_rwlock_wpref_read_lock(struct ll_pthread_rwlock_wpref *l, struct ll_pthread_rwlock_wpref_ctx *c)
{
	(void)c;
	pthread_rwlock_rdlock(&l->rwlock);
}

static inline void ll_pthread_rwlock_wpref_read_unlock(struct ll_pthread_rwlock_wpref *l, struct ll_pthread_rwlock_wpref_ctx *c)
{
	(void)c;
	pthread_rwlock_unlock(&l->rwlock);
}

static inline void ll_pthread_rwlock_wpref_write_lock(struct ll_pthread_rwlock_wpref *l, struct ll_pthread_rwlock_wpref_ctx *c)
{
	(void)c;
	pthread_rwlock_wrlock(&l->rwlock);
}

static inline void ll_pthread_rwlock_wpref_write_unlock(struct ll_pthread_rwlock_wpref *l, struct ll_pthread_rwlock_wpref_ctx *c)
{
	(void)c;
	pthread_rwlock_unlock(&l->rwlock);
}

LL_MUTEX_FROM_RW(pthread_rwlock_wpref)

static inline bool ll_pthread_rwlock_wpref_trylock(struct ll_pthread_rwlock_wpref *l, struct ll_pthread_rwlock_wpref_ctx *c)
{
	(void)c;
	return pthread_rwlock_trywrlock(&l->rwlock) == 0;
}

#endif
