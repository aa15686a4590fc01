/*
 * stuck: a spin lock whose unlock never releases it. A control, like null and
 * broken, never part of "all": it exists so tests can prove that the harness's
 * watchdog turns a lock that never hands over into a recorded timeout instead
 * of a hung run.
 */
#ifndef LL_STUCK_H
#define LL_STUCK_H

#include <ck_pr.h>

#include "locks/base/lock.h"

struct ll_stuck {
	unsigned held;
};
#define ll_stuck_ctx ll_no_ctx

static inline int ll_stuck_init(struct ll_stuck *l, const struct ll_params *p)
{
	(void)p;
	l->held = 0;
	return 0;
}

static inline void ll_stuck_destroy(struct ll_stuck *l)
{
	(void)l;
}

LL_CTX_NOOP(stuck)

static inline void ll_stuck_lock(struct ll_stuck *l, struct ll_stuck_ctx *c)
{
	(void)c;
	while (ck_pr_fas_uint(&l->held, 1) != 0)
		ck_pr_stall();
	ck_pr_fence_lock();
}

static inline void ll_stuck_unlock(struct ll_stuck *l, struct ll_stuck_ctx *c)
{
	(void)l, (void)c; /* the defect, on purpose: the lock stays held */
}

static inline bool ll_stuck_trylock(struct ll_stuck *l, struct ll_stuck_ctx *c)
{
	(void)c;
	return ck_pr_fas_uint(&l->held, 1) == 0;
}

LL_RW_FROM_MUTEX(stuck)

#endif
