#include "locks/base/inject.h"

#include <sched.h>

_Thread_local struct ll_inject ll_inject_state;

void ll_inject_start(uint64_t seed, unsigned one_in)
{
	/* xorshift has one fixed point, 0: map that seed to another value. */
	ll_inject_state = (struct ll_inject){
		.one_in = one_in,
		.state = seed != 0 ? seed : 0x9e3779b97f4a7c15ull,
	};
}

/*
 * xorshift64* (Vigna 2016), not the harness's common/random.h: locks/ includes
 * nothing outside locks/. Its high bits are good enough to pick 1 in n.
 * sched_yield, not a sleep: with more runnable threads than CPUs (torture's
 * setting) it hands this CPU to another runnable thread at once, and with none
 * waiting it costs only the system call, where a sleep would leave the CPU idle.
 */
void ll_inject_draw(void)
{
	struct ll_inject *inject = &ll_inject_state;
	uint64_t x = inject->state;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	inject->state = x;
	if ((x * 0x2545f4914f6cdd1dull >> 32) % inject->one_in != 0)
		return;
	inject->yields++;
	sched_yield();
}
