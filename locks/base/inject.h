/*
 * Seeded yield injection, for torture only. A race that needs one thread to lose
 * its CPU at one exact instruction (between a racy lock's test and its set, or
 * while it is inside a critical section) is seen within a fraction of a second
 * when the thread gives the CPU away there on purpose now and then, even with all
 * threads on one CPU, where otherwise only a timer tick landing on that
 * instruction would show it.
 *
 * Each thread has its own injector, off until the thread turns it on
 * (ll_inject_start): only torture's stress threads do, so every other thread, a
 * benchmark's included, runs with it off. When on, each ll_inject_point yields
 * (sched_yield) with probability 1 in one_in, drawn from the thread's own seeded
 * generator, so a run's decisions depend on its seed and thread index only.
 *
 * Cost: only the negative controls and torture's critical sections call
 * ll_inject_point; no real lock does, so no benchmark kernel of a real lock
 * contains it. Off, a point is a load of one thread-local word and a branch
 * predicted not taken; the draw and the yield are out of line.
 */
#ifndef LL_INJECT_H
#define LL_INJECT_H

#include <ck_cc.h>
#include <stdint.h>

struct ll_inject {
	unsigned one_in; /* 0: off; n: a point yields with probability 1/n */
	uint64_t state;  /* xorshift64* state, never 0 */
	uint64_t yields; /* points that yielded since ll_inject_start */
};

extern _Thread_local struct ll_inject ll_inject_state;

/* Turns this thread's injector on (one_in > 0) or off (0). seed should differ per
 * thread; any value will do, 0 included. */
void ll_inject_start(uint64_t seed, unsigned one_in);

/* Yields this thread's CPU with probability 1/one_in; counts the yields. */
void ll_inject_draw(void);

static inline void ll_inject_point(void)
{
	if (CK_CC_UNLIKELY(ll_inject_state.one_in != 0))
		ll_inject_draw();
}

#endif
