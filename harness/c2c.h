/*
 * The core-to-core matrix: the cache-line round trip between every ordered pair
 * of PUs (both directions: the initiator's side matters on some machines),
 * measured with the CPU-pair probe every rep of `run` uses (common/cpu_pair.h).
 *
 * Each pair is probed `samples` times, pairs interleaved (round r probes every
 * pair once before round r + 1), so a change of machine phase during the
 * measurement touches every pair alike instead of a block of them. One phase
 * fit over all probes (harness/phase.h) tags each probe; every (pair, phase)
 * gets its median, p99 (nearest rank) and minimum, never mixed across phases.
 * When the full matrix has more pairs than max_pairs, a seeded sample of
 * max_pairs ordered pairs is measured instead (and the rows say how many
 * pairs exist).
 *
 * Nothing prints; the caller owns rows (free()).
 */
#ifndef LOCKLAB_C2C_H
#define LOCKLAB_C2C_H

#include <hwloc.h>
#include <stddef.h>
#include <stdint.h>

#include "common/timer.h"
#include "harness/phase.h"

struct c2c_row {
	unsigned cpu_a, cpu_b; /* initiator, responder (OS indexes) */
	enum phase phase;
	unsigned samples;      /* probes behind the figures */
	double median_ns, p99_ns, min_ns;
	const char *relation;  /* what the pair shares: "core" (SMT siblings),
				* "L2", "L3", "numa", "package", or "machine" */
};

struct c2c_options {
	unsigned samples;     /* probes per pair */
	unsigned round_trips; /* per probe */
	size_t max_pairs;     /* 0: all pairs */
	uint64_t seed;        /* which pairs when sampled */
};

/* What two PUs of topology share closest to them (see relation above). */
const char *c2c_relation(hwloc_topology_t topology, unsigned cpu_a, unsigned cpu_b);

/*
 * Measures the pairs of cpus[0..n); rows are sorted by (cpu_a, cpu_b, phase).
 * Returns 0 with *rows and *row_count, or -1 with errno: EINVAL for fewer than
 * two CPUs, or the probe's error (ETIMEDOUT, EAGAIN, ENOMEM) for a pair that
 * failed every probe.
 */
int c2c_measure(hwloc_topology_t topology, const unsigned *cpus, size_t n,
		const struct c2c_options *options, const struct timer_calibration *cal,
		struct c2c_row **rows, size_t *row_count, struct phase_fit *fit);

#endif
