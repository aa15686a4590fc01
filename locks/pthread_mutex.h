/* pthread_mutex: glibc's default mutex (PTHREAD_MUTEX_NORMAL): a futex word, parks at once when contended. */
#ifndef LL_PTHREAD_MUTEX_H
#define LL_PTHREAD_MUTEX_H

#include <errno.h>
#include <pthread.h>

#include "locks/base/lock.h"

struct ll_pthread_mutex {
	pthread_mutex_t mutex;
};
#define ll_pthread_mutex_ctx ll_no_ctx

/* Shared with pthread_mutex_adaptive, which differs only in this type. */
static inline int ll_pthread_mutex_init_type(struct ll_pthread_mutex *l, int type)
{
	pthread_mutexattr_t attr;
	int err;

	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, type);
	err = pthread_mutex_init(&l->mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

static inline int ll_pthread_mutex_init(struct ll_pthread_mutex *l, const struct ll_params *p)
{
	(void)p;
	return ll_pthread_mutex_init_type(l, PTHREAD_MUTEX_NORMAL);
}

static inline void ll_pthread_mutex_destroy(struct ll_pthread_mutex *l)
{
	pthread_mutex_destroy(&l->mutex);
}

LL_CTX_NOOP(pthread_mutex)

static inline void ll_pthread_mutex_lock(struct ll_pthread_mutex *l, struct ll_pthread_mutex_ctx *c)
{
	(void)c;
	pthread_mutex_lock(&l->mutex);
}

static inline void ll_pthread_mutex_unlock(struct ll_pthread_mutex *l, struct ll_pthread_mutex_ctx *c)
{
	(void)c;
	pthread_mutex_unlock(&l->mutex);
}

static inline bool ll_pthread_mutex_trylock(struct ll_pthread_mutex *l, struct ll_pthread_mutex_ctx *c)
{
	(void)c;
	return pthread_mutex_trylock(&l->mutex) == 0;
}

LL_RW_FROM_MUTEX(pthread_mutex)

#endif
