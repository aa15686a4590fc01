/*
 * Busy work of a known length: the critical sections and the work between them
 * in every kernel (--cs, --ncs), and its calibration.
 *
 * One out-of-line copy of the loop, called by every kernel and by the
 * calibration alike. Inlined, each kernel object got its own copy at its own
 * alignment, and on this AMD EPYC guest the same loop ran at one iteration per
 * cycle in one lock's kernel and one per two cycles in another's (ck_brlock's
 * 1-thread contended cell took 470 ns per operation where ck_fas took 280):
 * "--cs 50" meant a different time for each lock. A direct call costs a few
 * cycles and keeps the loop the same code everywhere.
 */
#ifndef LOCKLAB_BUSY_H
#define LOCKLAB_BUSY_H

#include <stdint.h>

#include "common/timer.h"

/* iterations of a loop the compiler cannot remove or fold (a compiler barrier
 * and an add each); busy_calibrate says how many make a nanosecond. */
void busy_spin(uint64_t iterations);

/* Iterations of busy_spin per ns on the calling thread's CPU: the fastest of
 * `batches` batches of at least batch_ns each. The fastest, because on a shared
 * host the same loop runs at half speed for tens to hundreds of ms at a time (an
 * SMT sibling busy, a lower clock): spreading the batches over 200 ms and keeping
 * the best gives the CPU's own speed, not the speed of the moment. */
double busy_calibrate(const struct timer_calibration *timer, double batch_ns, unsigned batches);

#endif
