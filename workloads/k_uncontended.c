/* uncontended: one thread, lock then unlock, nothing else. Throughput and ns/op
 * come from the batch (operations over elapsed time); one operation in
 * sample_mask + 1 is also timed for the acquire histogram. */
#include "workloads/kernel.h"

KERNEL(uncontended);
KERNEL(uncontended)
{
	const struct timer_calibration *cal = t->cal;
	uint64_t ops = 0;

	while (!kernel_stopped(t)) {
		if ((ops & t->sample_mask) == 0) {
			uint64_t start = timer_read_ordered(cal);
			LOCK(t);
			uint64_t held = timer_read_ordered(cal);
			UNLOCK(t);
			hist_record(t->acquire, timer_ticks_to_ns(cal, held - start));
		} else {
			LOCK(t);
			UNLOCK(t);
		}
		ops++;
	}
	t->ops = ops;
}
