/*
 * Summary statistics over the repetitions of one cell, and fairness over the
 * per-thread shares of one run. Inputs are never modified.
 *
 * Empty input: functions returning double give NaN for n == 0 (no data is not
 * a zero), except stats_cv which gives 0 as documented there. A NaN among the
 * values propagates to the result.
 *
 * Allocation: stats_median copies into a stack buffer for n <= 64 (the usual
 * number of reps) and mallocs a copy above that; stats_bootstrap_median_ci
 * mallocs (resamples + n) doubles. Both free before returning. Nothing else
 * allocates, and nothing here keeps state between calls.
 */
#ifndef LOCKLAB_STATS_H
#define LOCKLAB_STATS_H

#include <stddef.h>
#include <stdint.h>

double stats_mean(const double *values, size_t n);

/* Middle value for odd n, mean of the two middle values for even n. NaN when
 * n == 0, when a value is NaN, or (errno ENOMEM) when n > 64 and the copy
 * cannot be allocated. */
double stats_median(const double *values, size_t n);

/* Sample standard deviation (divides by n - 1). 0 for n == 1: one rep shows
 * no spread, and reporting NaN would poison summary.csv. */
double stats_stddev(const double *values, size_t n);

/*
 * Coefficient of variation, stddev / |mean|. 0 when n < 2 (no spread can be
 * seen). With mean 0: 0 if every value is 0, else +infinity (any spread is
 * unbounded relative to a zero mean, which flags the cell as noisy).
 */
double stats_cv(const double *values, size_t n);

/*
 * Percentile bootstrap confidence interval of the median: `resamples` times,
 * draw n values with replacement and take their median; *low and *high are
 * the (1 - confidence) / 2 and (1 + confidence) / 2 quantiles of those
 * medians (linear interpolation between order statistics, as R type 7).
 * The interval is then widened, if needed, to contain the sample median, so
 * low <= stats_median(values, n) <= high always holds for readers of
 * summary.csv; with a few thousand resamples this almost never moves it.
 * Deterministic: the same values, confidence, resamples and seed give the same
 * interval on every machine and libc.
 *
 * Returns 0, or -1 with errno EINVAL (n == 0, a NaN value, confidence not in
 * (0, 1), resamples == 0, a NULL pointer) or ENOMEM; *low and *high are left
 * untouched on error.
 */
int stats_bootstrap_median_ci(const double *values, size_t n, double confidence,
			      unsigned resamples, uint64_t seed, double *low, double *high);

/*
 * Jain's fairness index (sum x)^2 / (n * sum x^2) over non-negative shares
 * (per-thread acquisitions): 1 when all are equal, 1/n when one thread got
 * everything. All zero counts as equal shares: 1. NaN for n == 0 or a
 * negative value.
 */
double stats_jain(const double *shares, size_t n);

/* Smallest and largest share as a fraction of the total: 1/n each when fair;
 * min 0 means some thread starved. All zero counts as equal (1/n). NaN for
 * n == 0 or a negative value. */
double stats_min_share(const double *shares, size_t n);
double stats_max_share(const double *shares, size_t n);

#endif
