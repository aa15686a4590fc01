/*
 * One pair of CPUs measured in one ping-pong: what moving a cache line from
 * one to the other and back costs, and how far apart their timer counters
 * read at the same instant.
 *
 * Why both at once: on a VM the round trip changes when the host moves the
 * vCPUs (same core's SMT siblings, another CCX, another socket), so a run
 * probes it around every rep; and a handoff or fairness figure that subtracts
 * a counter read on one CPU from one read on another is only as good as the
 * skew between their counters. The same two pinned threads give both.
 *
 * Method. Two threads, pinned to cpu_a (the initiator) and cpu_b (the
 * responder), pass one 128-byte-aligned line back and forth: the initiator
 * writes an odd value, the responder waits for it and writes the next even
 * value, which the initiator waits for. One round trip is two line
 * transfers, about twice the one-way latency.
 *
 *   Round trip: after CPU_PAIR_WARMUP round trips, `round_trips` (rounded up
 *   to whole batches) are timed in batches with cal's source: batches of
 *   CPU_PAIR_BATCH, or smaller ones for small requests so that there are at
 *   least CPU_PAIR_MIN_BATCHES when round_trips allows. A batch, not a single
 *   round trip, is timed because one round trip is not much longer than a
 *   timer read.
 *
 *   Skew: then CPU_PAIR_SKEW_EXCHANGES single exchanges each way. The asker
 *   reads t1 (its counter) and writes a request; the other reads t2 (its
 *   counter) when it sees the request and returns t2 with the reply; the asker
 *   reads t3 when it sees the reply. The stamp was read at some instant between
 *   t1 and t3 on the asker's counter, so counter(other) - counter(asker) =
 *   t2 - (t1 + t3) / 2 within (t3 - t1) / 2: a hard bound, by causality, not a
 *   statistical one, to within the counter's step (one tick on most machines;
 *   AMD's TSC advances in steps of about 10 ns). The exchange with the smallest
 *   t3 - t1 (least disturbed by interrupts or vCPU preemption) gives each
 *   direction's interval. cpu_a asks first, then cpu_b: the skew lies in both
 *   intervals, and the estimate is the middle of their intersection, with half
 *   its width as the bound. One direction alone assumes the request and the
 *   reply cost the same, which they need not (on this project's KVM host it read
 *   about +20 ns in both directions of a pair: a bias of the method); asking
 *   both ways cancels it.
 *
 * The caller's own affinity is untouched; nothing here prints. A call with
 * round_trips = 2000 takes a few ms (two thread starts, 3000 round trips,
 * 400 exchanges), cheap enough to run before and after every rep.
 */
#ifndef LOCKLAB_CPU_PAIR_H
#define LOCKLAB_CPU_PAIR_H

#include "common/timer.h"

#define CPU_PAIR_BATCH 1000u
#define CPU_PAIR_MIN_BATCHES 5u
#define CPU_PAIR_WARMUP 1000u
#define CPU_PAIR_SKEW_EXCHANGES 200u

struct cpu_pair_sample {
	double round_trip_ns;	  /* median over batches of ns per round trip: what a lock sees */
	double round_trip_min_ns; /* fastest batch: least disturbed by interrupts and preemption */
	/* counter(cpu_b) - counter(cpu_a) at one instant, in ns, estimated; NaN
	 * when cal is the clock source (TIMER_KIND_CLOCK): the kernel's clock is
	 * one clock on every CPU, and its skew is not ours to measure. */
	double skew_ns;
	/* |true skew - skew_ns| <= this: half the tightest single exchange the
	 * estimate came from; NaN likewise. */
	double skew_bound_ns;
};

/*
 * Measures the pair (cpu_a, cpu_b); see the method above. round_trips: how
 * many to time after the warm-up. cal: the calibrated timer (common/timer.h)
 * that times the batches and whose counter's cross-CPU skew is wanted.
 *
 * Returns 0, or -1 with errno, *out untouched:
 *   EINVAL     a CPU is negative, equal to the other, or not one this thread
 *              may run on (on a 1-CPU machine every pair; callers record that
 *              as the skip reason); round_trips is 0; cal or out is NULL
 *   ETIMEDOUT  the partner stopped answering: the whole measurement took
 *              longer than 2 s plus 10 us per round trip and exchange (a
 *              descheduled vCPU, a CPU taken offline), so a call never hangs
 *   EAGAIN, ENOMEM  threads or buffers could not be created
 */
int cpu_pair_probe(int cpu_a, int cpu_b, unsigned round_trips, const struct timer_calibration *cal,
		   struct cpu_pair_sample *out);

#endif
