/* pthread_mutex_adaptive: glibc's adaptive mutex (PTHREAD_MUTEX_ADAPTIVE_NP): spins
 * a bounded, self-tuned while before it parks. The same calls as pthread_mutex;
 * only the mutex type given at init differs. */
#ifndef LL_PTHREAD_MUTEX_ADAPTIVE_H
#define LL_PTHREAD_MUTEX_ADAPTIVE_H

#include "locks/pthread_mutex.h"

struct ll_pthread_mutex_adaptive {
	struct ll_pthread_mutex base;
};
#define ll_pthread_mutex_adaptive_ctx ll_no_ctx

static inline int ll_pthread_mutex_adaptive_init(struct ll_pthread_mutex_adaptive *l,
						 const struct ll_params *p)
{
	(void)p;
	return ll_pthread_mutex_init_type(&l->base, PTHREAD_MUTEX_ADAPTIVE_NP);
}

static inline void ll_pthread_mutex_adaptive_destroy(struct ll_pthread_mutex_adaptive *l)
{
	ll_pthread_mutex_destroy(&l->base);
}

LL_CTX_NOOP(pthread_mutex_adaptive)

static inline void ll_pthread_mutex_adaptive_lock(struct ll_pthread_mutex_adaptive *l,
						  struct ll_pthread_mutex_adaptive_ctx *c)
{
	ll_pthread_mutex_lock(&l->base, c);
}

static inline void ll_pthread_mutex_adaptive_unlock(struct ll_pthread_mutex_adaptive *l,
						    struct ll_pthread_mutex_adaptive_ctx *c)
{
	ll_pthread_mutex_unlock(&l->base, c);
}

static inline bool ll_pthread_mutex_adaptive_trylock(struct ll_pthread_mutex_adaptive *l,
						     struct ll_pthread_mutex_adaptive_ctx *c)
{
	return ll_pthread_mutex_trylock(&l->base, c);
}

LL_RW_FROM_MUTEX(pthread_mutex_adaptive)

#endif
