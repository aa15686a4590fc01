/*
 * ttas_backoff: test-and-test-and-set with bounded exponential back-off (ours).
 * Waiters spin reading a local copy of the line and only swap when it looks free,
 * then back off after each lost race for a doubling, capped time, jittered so
 * that the losers of one race do not all retry together: a released lock is not
 * stormed by every waiter at once. Not fair; spins only.
 */
#ifndef LL_TTAS_BACKOFF_H
#define LL_TTAS_BACKOFF_H

#include <ck_pr.h>

#include "locks/base/lock.h"
#include "locks/base/spin.h"

/*
 * Back-off after the first lost race, doubling up to the cap after each further
 * one; each wait is drawn from [b/2, b] (ll_spin_jitter). In time, not pauses, so
 * every machine runs the same algorithm. These are the lock's old 4 and 1,024
 * pauses on the machine this suite's figures come from (AMD EPYC, Zen 3, under
 * KVM, 24-28 ns a pause): ~100 ns and 25-29 us. The minimum is about one
 * cross-CPU line transfer (~80 ns there): backing off for less, a loser would
 * retry into the same race while the winner still pulls the line over. The cap
 * bounds what back-off can cost, since a waiter may sleep through a release by
 * up to one cap: ~300 line transfers, long enough that waiters who keep losing
 * stop hammering the line, short against a 4 ms scheduler tick.
 */
#define LL_TTAS_BACKOFF_MIN_NS 100u
#define LL_TTAS_BACKOFF_MAX_NS 25000u

struct ll_ttas_backoff {
	unsigned held;
};
#define ll_ttas_backoff_ctx ll_no_ctx

static inline int ll_ttas_backoff_init(struct ll_ttas_backoff *l, const struct ll_params *p)
{
	(void)p;
	l->held = 0;
	return 0;
}

static inline void ll_ttas_backoff_destroy(struct ll_ttas_backoff *l)
{
	(void)l;
}

LL_CTX_NOOP(ttas_backoff)

static inline bool ll_ttas_backoff_trylock(struct ll_ttas_backoff *l,
					   struct ll_ttas_backoff_ctx *c)
{
	(void)c;
	/* The swap is the acquisition; the fence keeps the critical section's loads
	 * and stores after it (acquire). */
	if (ck_pr_fas_uint(&l->held, 1) != 0)
		return false;
	ck_pr_fence_lock();
	return true;
}

/* Plain loads while held: the line stays shared in our cache until the owner's
 * release store invalidates it. No ordering needed here; the swap in trylock is
 * what acquires. */
static inline void ll_ttas_backoff_wait_free(struct ll_ttas_backoff *l)
{
	while (ck_pr_load_uint(&l->held) != 0)
		ck_pr_stall();
}

static inline void ll_ttas_backoff_lock(struct ll_ttas_backoff *l, struct ll_ttas_backoff_ctx *c)
{
	uint32_t delay, cap;

	ll_ttas_backoff_wait_free(l);
	if (ll_ttas_backoff_trylock(l, c))
		return;
	/* Lost a race: only now turn the budgets into pauses (an out-of-line call),
	 * so a free lock costs a load and a swap as before. */
	delay = ll_spin_pauses(LL_TTAS_BACKOFF_MIN_NS);
	cap = ll_spin_pauses(LL_TTAS_BACKOFF_MAX_NS);
	for (;;) {
		for (uint32_t i = ll_spin_jitter(delay); i > 0; i--)
			ck_pr_stall();
		delay = delay < cap / 2 ? delay * 2 : cap;
		ll_ttas_backoff_wait_free(l);
		if (ll_ttas_backoff_trylock(l, c))
			return;
	}
}

static inline void ll_ttas_backoff_unlock(struct ll_ttas_backoff *l,
					  struct ll_ttas_backoff_ctx *c)
{
	(void)c;
	/* Release: the critical section's accesses complete before the lock reads free. */
	ck_pr_fence_unlock();
	ck_pr_store_uint(&l->held, 0);
}

LL_RW_FROM_MUTEX(ttas_backoff)

#endif
