/*
 * The text ranking `locklab run` prints at its end, for whatever the run
 * measured: one line per lock, one column per configuration (a cell with its
 * lock left out) up to six, the ones a profile's readers know first (alone,
 * contended and read-mostly at one thread per CPU, the slow hand-off), then the
 * others in the plan's order, each with the figure read first for its workload
 * (ns/op alone, hand-off p50, else throughput). Figures come from the run's
 * main phase only (the phase with the most reps; medians are never taken across
 * phases). Locks are ordered by contended throughput at one thread per CPU when
 * it was measured, else by the contending column with the most threads, but only
 * where their confidence intervals do not overlap: a lock whose interval overlaps
 * the interval of the first lock of its group shares that group's rank ("=3").
 * Below it: what each column measured, how many reps each phase had, the run's
 * own noise (the median throughput CV within a phase and the share of cells
 * under 5 %), and the reps that timed out or crashed.
 */
#ifndef LOCKLAB_RANKING_H
#define LOCKLAB_RANKING_H

#include <stdio.h>

#include "harness/matrix.h"
#include "harness/summary.h"

void ranking_print(FILE *out, const struct matrix *m, const struct run_row *rows,
		   size_t row_count, const struct summary_row *summary, size_t summary_count,
		   const struct phase_fit *fit, unsigned cpus);

/* The run's noise, over the summary's throughput rows with n >= 2 (each within
 * one phase): their median CV and the fraction under SUMMARY_NOISY_CV, the same
 * over the rows of cells not flagged collapse (whose throughput is the
 * scheduler's tick, not the lock's), and the cells with no such row at all
 * (every phase under 2 reps), which the shares leave out. */
struct ranking_noise {
	size_t rows;
	double median_cv;  /* NaN when rows == 0 */
	double share_quiet;
	size_t rankable_rows;
	double rankable_share_quiet;
	size_t cells_without_cv;
};

void ranking_noise(const struct summary_row *summary, size_t summary_count,
		   struct ranking_noise *out);

/* Ranks lines sorted best first: rank[i] is 1 + the index of the first line of
 * i's group; a line joins the group when its [low, high] overlaps the group
 * leader's. A line without an interval (NaN: under 2 reps) cannot be ordered
 * against any other: rank 0, and it leads no group. */
void ranking_ties(const double *low, const double *high, size_t count, unsigned *rank);

#endif
