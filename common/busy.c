#include "common/busy.h"

#include <ck_pr.h>

__attribute__((noinline)) void busy_spin(uint64_t iterations)
{
	for (uint64_t i = 0; i < iterations; i++)
		ck_pr_barrier();
}

double busy_calibrate(const struct timer_calibration *timer, double batch_ns, unsigned batches)
{
	uint64_t iterations = 1u << 16;
	double best = 0;

	for (;;) {
		uint64_t start = timer_read_ordered(timer);
		busy_spin(iterations);
		uint64_t ns = timer_ticks_to_ns(timer, timer_read_ordered(timer) - start);
		if ((double)ns >= batch_ns || iterations >= (1ull << 40)) {
			best = (double)iterations / (double)(ns ? ns : 1);
			break;
		}
		iterations *= 2;
	}
	for (unsigned i = 1; i < batches; i++) {
		uint64_t start = timer_read_ordered(timer);
		busy_spin(iterations);
		uint64_t ns = timer_ticks_to_ns(timer, timer_read_ordered(timer) - start);
		double rate = (double)iterations / (double)(ns ? ns : 1);
		if (rate > best)
			best = rate;
	}
	return best;
}
