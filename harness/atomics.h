/*
 * What one memory operation costs on a cache line last written elsewhere, as
 * ccbench (Trigonakis, David and Guerraoui) measures it: load, store, CAS,
 * fetch-and-add and swap, on a 128-byte-aligned line last written by the same PU,
 * an SMT sibling, a core sharing a cache, a core of the same NUMA node (sharing
 * no cache) and a core of another node.
 *
 * Method, per (operation, relation): the writer, pinned to the partner PU,
 * stores to the line (so the line is modified in its cache) and raises a flag on
 * a second line; the measurer, pinned to the base PU, sees the flag and times
 * the one operation between two ordered timer reads; then lowers the flag. The
 * same PU plays both parts for "self", where a batch of ATOMICS_SELF_BATCH
 * operations is timed and divided (one local operation is shorter than the
 * step of some counters). Each sample is the time less the timer's own overhead
 * (its calibrated median, so a sample can read below zero: kept, not clamped,
 * and the overhead is reported beside it), over ATOMICS_SAMPLES rounds after
 * ATOMICS_WARMUP. A single operation is quantised to the counter's step (AMD's
 * TSC: about 10 ns), so the median moves in steps; the mean, over samples
 * whose phase against the step varies, resolves below it, and both are kept.
 *
 * A relation the machine lacks (no SMT, one node, every core sharing one
 * cache) is a row with status "skip" and the reason; nothing is measured
 * silently on a different relation. Nothing prints; the caller owns rows.
 */
#ifndef LOCKLAB_ATOMICS_H
#define LOCKLAB_ATOMICS_H

#include <hwloc.h>
#include <stddef.h>

#include "common/timer.h"

#define ATOMICS_SAMPLES 2000u
#define ATOMICS_WARMUP 200u
#define ATOMICS_SELF_BATCH 64u

enum atomics_op { ATOMICS_LOAD, ATOMICS_STORE, ATOMICS_CAS, ATOMICS_FAA, ATOMICS_SWAP,
		  ATOMICS_OP_COUNT };
enum atomics_relation { ATOMICS_SELF, ATOMICS_SMT, ATOMICS_CACHE, ATOMICS_NODE,
			ATOMICS_REMOTE, ATOMICS_RELATION_COUNT };

struct atomics_row {
	enum atomics_op op;
	enum atomics_relation relation;
	int cpu_a, cpu_b;   /* measurer, writer; -1 when skipped */
	unsigned samples;
	double median_ns, mean_ns, p99_ns;
	char skip[96];      /* empty when measured */
};

const char *atomics_op_name(enum atomics_op op);
const char *atomics_relation_name(enum atomics_relation relation);

/* The partner of base for a relation among usable PUs, or -1 with why. */
int atomics_partner(hwloc_topology_t topology, hwloc_const_cpuset_t usable, unsigned base,
		    enum atomics_relation relation, char *why, size_t why_size);

/* Every (op, relation) from base into rows (room for ATOMICS_OP_COUNT *
 * ATOMICS_RELATION_COUNT). Returns how many, or -1 with errno (thread
 * creation, pinning). */
long atomics_measure(hwloc_topology_t topology, hwloc_const_cpuset_t usable, unsigned base,
		     const struct timer_calibration *cal, struct atomics_row *rows);

#endif
