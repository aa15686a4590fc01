/*
 * Summary statistics over the repetitions of one cell, and fairness over the
 * per-thread shares of one run. Inputs are never modified.
 *
 * Empty input: functions returning double give NaN for n == 0 (no data is not
 * a zero), except stats_cv which gives 0 as documented there. A NaN among the
 * values propagates to the result.
 *
 * Allocation: stats_median and stats_median_ci copy into a stack buffer for
 * n <= 64 (the usual number of reps) and malloc a copy above that, freed
 * before returning. Nothing else allocates, and nothing here keeps state between
 * calls.
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
 * Distribution-free confidence interval of the median from order statistics:
 * [x_(j), x_(n+1-j)] of the sorted values, j the largest with achieved level
 * >= confidence, else j = 1 (min..max, the widest there is). The achieved
 * level is 1 - 2 * P(Binomial(n, 1/2) <= j - 1): the chance that the true
 * median, whatever the distribution, lies between the two. It comes in steps
 * (e.g. n = 3: 0.75, n = 5: 0.9375, n = 10: 0.978515625 at confidence 0.95),
 * so *level reports the one achieved, which may exceed confidence, or, for
 * too few values, fall below it. n == 1: low = high = the value, level 0.
 * Unlike a percentile bootstrap over a handful of reps, it claims no more
 * than the data justify: with 5 reps at 0.95 it is min..max at 0.9375.
 *
 * Binomial tail sums are stepped in long double in log space, so any n works
 * (accurate to far better than 1e-12 for n up to 1000 and beyond).
 *
 * Returns 0, or -1 with errno EINVAL (n == 0, a NaN value, confidence not in
 * (0, 1), a NULL pointer) or ENOMEM; outputs are left untouched on error.
 */
int stats_median_ci(const double *values, size_t n, double confidence, double *low, double *high,
		    double *level);

/*
 * What a summary row says about a cell's reps: the median, and where there are
 * at least 2 values their CV and the median's interval at confidence (with the
 * level achieved). Under 2 values cv, ci_low, ci_high and ci_level are NaN: one
 * value shows no spread, and stats_median_ci's "interval" of it (the value
 * itself, level 0) would read as a certain figure. Returns 0, or -1 (errno
 * EINVAL for n == 0 or a NaN value, ENOMEM) with everything NaN.
 */
struct stats_spread {
	double median, cv, ci_low, ci_high, ci_level;
};

int stats_describe(const double *values, size_t n, double confidence, struct stats_spread *out);

/*
 * Ratio of medians, median(b) / median(a), with a percentile bootstrap interval:
 * resamples times, each side is resampled with replacement and the ratio of the
 * resample medians taken; [low, high] are the (1 - confidence) / 2 and
 * (1 + confidence) / 2 quantiles of those ratios. p is the bootstrap's two-sided
 * p-value for "the ratio is 1": twice the smaller share of resampled ratios at or
 * below 1 and at or above 1, each counted with the observed one ((k + 1) /
 * (resamples + 1), so never 0), at most 1. The generator is seeded, so the result
 * reproduces. Meant for many independent samples per side (the claims' 200
 * batches): with a handful a bootstrap is coarse and its interval too narrow.
 * Returns 0, or -1 with errno EINVAL (a side empty, a NaN, a zero median of a,
 * confidence outside (0, 1), resamples 0) or ENOMEM.
 */
struct stats_ratio {
	double ratio, low, high, p;
};

int stats_ratio_ci(const double *a, size_t na, const double *b, size_t nb, double confidence,
		   unsigned resamples, uint64_t seed, struct stats_ratio *out);

/*
 * Two-sided Wilcoxon-Mann-Whitney rank-sum test of "a and b are reps of one
 * distribution", as a permutation test: *p is the share of the ways to split the
 * pooled values into groups of na and nb whose rank sum (mid-ranks for ties) lies
 * at least as far from its expectation as a's does. Exact, over every split, when
 * there are at most resamples of them (C(na + nb, na); 3 + 3 reps have 20, and
 * the observed split and its mirror always count, so p >= 0.1: three reps a side
 * cannot show a difference at 5 %; 6 + 6 can reach 2 / 924); otherwise over
 * resamples seeded random splits, counted with the observed one
 * ((k + 1) / (resamples + 1)). Unlike a bootstrap of a handful of reps it holds
 * its level at any n: under the null, p <= alpha at most an alpha share of the
 * time. Returns 0, or -1 with errno EINVAL (a side empty, a NaN, resamples 0) or
 * ENOMEM.
 */
int stats_permutation_p(const double *a, size_t na, const double *b, size_t nb,
			unsigned resamples, uint64_t seed, double *p);

/*
 * Benjamini-Hochberg adjusted p-values (the step-up procedure controlling the
 * false discovery rate over n tests): adjusted[i] = min over the p-values at or
 * above p[i] in rank k of n * p / k, at most 1. A test is significant at FDR q
 * when adjusted[i] <= q. NaN entries are not tests: they stay NaN and do not
 * count in n. adjusted may be p. Returns 0, or -1 with errno ENOMEM.
 */
int stats_bh_adjust(const double *p, size_t n, double *adjusted);

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
