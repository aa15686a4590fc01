/*
 * Machine phases of a run: on a VM the host moves the vCPUs between
 * placements, and the cross-CPU round trip (common/cpu_pair.h) flips between
 * levels (on this KVM host about 70 ns and about 450 ns) within seconds. A
 * lock measured in one phase is not comparable with one measured in the
 * other, so a run probes the round trip before and after every rep, fits one
 * fast/slow threshold from all its probes, and tags each rep with its phase.
 *
 * The fit works on log(round trip), since the phases differ by a factor, not
 * an offset: of the splits of the sorted values into a low and a high group,
 * it takes the one that maximises the between-group variance (Otsu's method),
 * and accepts it only when the groups' medians differ by a factor of at least
 * PHASE_MIN_RATIO and each group holds at least PHASE_MIN_GROUP probes; so
 * jitter, or one stray probe, never makes a phase. The threshold is the
 * geometric mean of the largest fast value and the smallest slow value.
 *
 * Nothing prints or keeps state; phase_fit allocates a sorted copy of the
 * probes and frees it before returning.
 */
#ifndef LOCKLAB_PHASE_H
#define LOCKLAB_PHASE_H

#include <stdbool.h>
#include <stddef.h>

#define PHASE_MIN_RATIO 1.5
#define PHASE_MIN_GROUP 2

struct phase_fit {
	bool two_phases;     /* false: all probes look like one machine phase */
	double threshold_ns; /* probes above are slow; NaN when !two_phases */
	/* Median round trip of each group (fast_ns = slow_ns = overall median
	 * when one phase). */
	double fast_ns, slow_ns;
	/* Probes in each group; with one phase all are counted as fast and
	 * slow_count is 0, so the two always add up to the probes used. */
	size_t fast_count, slow_count;
};

/*
 * Fits *fit to n probes (ns per round trip). Entries that are not a finite
 * positive number (NaN from a failed probe; a log needs > 0) are ignored.
 * None left: two_phases false, threshold, fast_ns and slow_ns NaN, counts 0.
 * The input is not modified. The only failure, no memory for a sorted copy of
 * the probes, sets errno ENOMEM and reads as none left.
 */
void phase_fit(const double *round_trip_ns, size_t n, struct phase_fit *fit);

enum phase { PHASE_ONE, PHASE_FAST, PHASE_SLOW };

/*
 * The phase a rep ran in, from its probe before and after. *shift (may be
 * NULL) is set true when the two straddle the threshold: the machine changed
 * phase during the rep, and the phase returned is the side the geometric mean
 * of the two falls on. A NaN (or non-positive) probe: the other decides, no
 * shift; both: PHASE_ONE, no shift. A fit of one phase: PHASE_ONE, no shift.
 */
enum phase phase_of_rep(const struct phase_fit *fit, double before_ns, double after_ns,
			bool *shift);

/* "one", "fast", "slow"; NULL for a value outside the enum. */
const char *phase_name(enum phase p);

/* The enum value of a name phase_name gives, or -1 for any other (or NULL). */
int phase_parse(const char *name);

#endif
