/* pthread_mutex_adaptive: glibc's adaptive mutex (PTHREAD_MUTEX_ADAPTIVE_NP): spins a bounded, self-tuned while before it parks. */
#ifndef LL_PTHREAD_MUTEX_ADAPTIVE_H
#define LL_PTHREAD_MUTEX_ADAPTIVE_H

#include <errno.h>
#include <pthread.h>

#include "locks/base/lock.h"

struct ll_pthread_mutex_adaptive {
	pthread_mutex_t mutex;
};
#define ll_pthread_mutex_adaptive_ctx ll_no_ctx

static inline int ll_pthread_mutex_adaptive_init(struct ll_pthread_mutex_adaptive *l, const struct ll_params *p)
{
	pthread_mutexattr_t attr;
	int err;

	(void)p;
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
	err = pthread_mutex_init(&l->mutex, &attr);
	pthread_mutexattr_destroy(&attr);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

static inline void ll_pthread_mutex_adaptive_destroy(struct ll_pthread_mutex_adaptive *l)
{
	pthread_mutex_destroy(&l->mutex);
}

LL_CTX_NOOP(pthread_mutex_adaptive)

static inline void ll_pthread_mutex_adaptive_lock(struct ll_pthread_mutex_adaptive *l, struct ll_pthread_mutex_adaptive_ctx *c)
{
	(void)c;
	pthread_mutex_lock(&l->mutex);
}

static inline void ll_pthread_mutex_adaptive_unlock(struct ll_pthread_mutex_adaptive *l, struct ll_pthread_mutex_adaptive_ctx *c)
{
	(void)c;
	pthread_mutex_unlock(&l->mutex);
}

static inline bool ll_pthread_mutex_adaptive_trylock(struct ll_pthread_mutex_adaptive *l, struct ll_pthread_mutex_adaptive_ctx *c)
{
	(void)c;
	return pthread_mutex_trylock(&l->mutex) == 0;
}

LL_RW_FROM_MUTEX(pthread_mutex_adaptive)

#endif
