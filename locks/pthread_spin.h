/* pthread_spin: glibc's pthread_spinlock_t, a test-and-set spin lock. */
#ifndef LL_PTHREAD_SPIN_H
#define LL_PTHREAD_SPIN_H

#include <errno.h>
#include <pthread.h>

#include "locks/base/lock.h"

struct ll_pthread_spin {
	pthread_spinlock_t spin;
};
#define ll_pthread_spin_ctx ll_no_ctx

static inline int ll_pthread_spin_init(struct ll_pthread_spin *l, const struct ll_params *p)
{
	int err;

	(void)p;
	err = pthread_spin_init(&l->spin, PTHREAD_PROCESS_PRIVATE);
	if (err != 0) {
		errno = err;
		return -1;
	}
	return 0;
}

static inline void ll_pthread_spin_destroy(struct ll_pthread_spin *l)
{
	pthread_spin_destroy(&l->spin);
}

LL_CTX_NOOP(pthread_spin)

static inline void ll_pthread_spin_lock(struct ll_pthread_spin *l, struct ll_pthread_spin_ctx *c)
{
	(void)c;
	pthread_spin_lock(&l->spin);
}

static inline void ll_pthread_spin_unlock(struct ll_pthread_spin *l,
					  struct ll_pthread_spin_ctx *c)
{
	(void)c;
	pthread_spin_unlock(&l->spin);
}

static inline bool ll_pthread_spin_trylock(struct ll_pthread_spin *l,
					   struct ll_pthread_spin_ctx *c)
{
	(void)c;
	return pthread_spin_trylock(&l->spin) == 0;
}

LL_RW_FROM_MUTEX(pthread_spin)

#endif
