/* pthread_rwlock: glibc's default reader/writer lock (reader-preferring). */
#ifndef LL_PTHREAD_RWLOCK_H
#define LL_PTHREAD_RWLOCK_H

#include <errno.h>
#include <pthread.h>

#include "locks/base/lock.h"

struct ll_pthread_rwlock {
	pthread_rwlock_t rwlock;
};
#define ll_pthread_rwlock_ctx ll_no_ctx

/* Shared with pthread_rwlock_wpref, which differs only in this preference. */
static inline int ll_pthread_rwlock_init_kind(struct ll_pthread_rwlock *l, int kind)
{
	pthread_rwlockattr_t attr;
	int err;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, kind);
	err = pthread_rwlock_init(&l->rwlock, &attr);
	pthread_rwlockattr_destroy(&attr);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

static inline int ll_pthread_rwlock_init(struct ll_pthread_rwlock *l, const struct ll_params *p)
{
	(void)p;
	return ll_pthread_rwlock_init_kind(l, PTHREAD_RWLOCK_PREFER_READER_NP);
}

static inline void ll_pthread_rwlock_destroy(struct ll_pthread_rwlock *l)
{
	pthread_rwlock_destroy(&l->rwlock);
}

LL_CTX_NOOP(pthread_rwlock)

static inline void ll_pthread_rwlock_read_lock(struct ll_pthread_rwlock *l, struct ll_pthread_rwlock_ctx *c)
{
	(void)c;
	pthread_rwlock_rdlock(&l->rwlock);
}

static inline void ll_pthread_rwlock_read_unlock(struct ll_pthread_rwlock *l, struct ll_pthread_rwlock_ctx *c)
{
	(void)c;
	pthread_rwlock_unlock(&l->rwlock);
}

static inline void ll_pthread_rwlock_write_lock(struct ll_pthread_rwlock *l, struct ll_pthread_rwlock_ctx *c)
{
	(void)c;
	pthread_rwlock_wrlock(&l->rwlock);
}

static inline void ll_pthread_rwlock_write_unlock(struct ll_pthread_rwlock *l, struct ll_pthread_rwlock_ctx *c)
{
	(void)c;
	pthread_rwlock_unlock(&l->rwlock);
}

LL_MUTEX_FROM_RW(pthread_rwlock)

static inline bool ll_pthread_rwlock_trylock(struct ll_pthread_rwlock *l, struct ll_pthread_rwlock_ctx *c)
{
	(void)c;
	return pthread_rwlock_trywrlock(&l->rwlock) == 0;
}

#endif
