/*
 * Summary statistics; see stats.h for the contract of each function.
 */
#include "common/stats.h"

#include "common/random.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define STATS_STACK_VALUES 64

static int stats_compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Sorts `scratch` in place; callers have excluded NaN, which has no order. */
static double stats_median_in_place(double *scratch, size_t n)
{
	qsort(scratch, n, sizeof scratch[0], stats_compare_double);
	if (n % 2 == 1)
		return scratch[n / 2];
	/* Halves first: the midpoint of two huge values must not overflow. */
	return scratch[n / 2 - 1] / 2 + scratch[n / 2] / 2;
}

static bool stats_has_nan(const double *values, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (isnan(values[i]))
			return true;
	return false;
}

double stats_mean(const double *values, size_t n)
{
	double sum = 0.0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++)
		sum += values[i];
	return sum / (double)n;
}

double stats_median(const double *values, size_t n)
{
	double stack[STATS_STACK_VALUES];
	double *scratch = stack;
	double median;

	if (n == 0 || stats_has_nan(values, n))
		return NAN;
	if (n > STATS_STACK_VALUES) {
		scratch = malloc(n * sizeof scratch[0]);
		if (scratch == NULL)
			return NAN;
	}
	memcpy(scratch, values, n * sizeof scratch[0]);
	median = stats_median_in_place(scratch, n);
	if (scratch != stack)
		free(scratch);
	return median;
}

/* Two passes (mean, then squared deviations) rather than sum and sum of
 * squares: reps of one cell agree to many digits, and subtracting two close
 * large sums would cancel them away. */
double stats_stddev(const double *values, size_t n)
{
	double mean, squares = 0.0;

	if (n == 0)
		return NAN;
	if (n == 1)
		return 0.0;
	mean = stats_mean(values, n);
	for (size_t i = 0; i < n; i++)
		squares += (values[i] - mean) * (values[i] - mean);
	return sqrt(squares / (double)(n - 1));
}

double stats_cv(const double *values, size_t n)
{
	double mean, stddev;

	if (n < 2)
		return 0.0;
	mean = stats_mean(values, n);
	stddev = stats_stddev(values, n);
	if (mean == 0.0)
		return stddev == 0.0 ? 0.0 : INFINITY;
	return stddev / fabs(mean);
}

int stats_median_ci(const double *values, size_t n, double confidence, double *low, double *high,
		    double *level)
{
	double stack[STATS_STACK_VALUES];
	double *sorted = stack;
	/* log P(B = i) and P(B <= i) for B ~ Binomial(n, 1/2), i = j - 1. The
	 * log because C(n, i) / 2^n overflows and underflows a double for n in
	 * the low thousands; stepped by C(n, i + 1) = C(n, i) (n - i) / (i + 1)
	 * rather than lgammal, which writes the process-wide signgam. */
	long double log_pmf = -(long double)n * logl(2.0L);
	long double below = expl(log_pmf);
	double best_level = (double)(1.0L - 2.0L * below);
	size_t j = 1;

	if (values == NULL || low == NULL || high == NULL || level == NULL || n == 0 ||
	    !(confidence > 0.0 && confidence < 1.0) || stats_has_nan(values, n)) {
		errno = EINVAL;
		return -1;
	}
	if (n > STATS_STACK_VALUES) {
		if (n > SIZE_MAX / sizeof sorted[0]) {
			errno = ENOMEM;
			return -1;
		}
		sorted = malloc(n * sizeof sorted[0]);
		if (sorted == NULL)
			return -1;
	}
	memcpy(sorted, values, n * sizeof sorted[0]);
	qsort(sorted, n, sizeof sorted[0], stats_compare_double);

	/* j = 1 is kept even when it falls short: min..max is the widest there
	 * is. Each larger j gives up P(B = j - 1) on both sides; the last j,
	 * (n + 1) / 2, is the middle value (odd n) or pair (even n). */
	for (size_t next = 2; next <= (n + 1) / 2; next++) {
		double next_level;

		log_pmf += logl((long double)(n - (next - 2))) - logl((long double)(next - 1));
		below += expl(log_pmf);
		next_level = (double)(1.0L - 2.0L * below);
		if (next_level < confidence)
			break;
		j = next;
		best_level = next_level;
	}
	*low = sorted[j - 1];
	*high = sorted[n - j];
	*level = best_level;
	if (sorted != stack)
		free(sorted);
	return 0;
}

int stats_describe(const double *values, size_t n, double confidence, struct stats_spread *out)
{
	*out = (struct stats_spread){ NAN, NAN, NAN, NAN, NAN };
	if (values == NULL || n == 0 || stats_has_nan(values, n)) {
		errno = EINVAL;
		return -1;
	}
	out->median = stats_median(values, n);
	if (isnan(out->median))
		return -1;
	if (n < 2)
		return 0;
	out->cv = stats_cv(values, n);
	if (stats_median_ci(values, n, confidence, &out->ci_low, &out->ci_high, &out->ci_level) !=
	    0) {
		*out = (struct stats_spread){ NAN, NAN, NAN, NAN, NAN };
		return -1;
	}
	return 0;
}

/* |sum of the ranks in the chosen group - its expectation|: the rank-sum
 * statistic of a split, two-sided. */
static double stats_split_distance(const double *ranks, size_t n, const bool *chosen,
				   double expected)
{
	double sum = 0.0;

	for (size_t i = 0; i < n; i++)
		if (chosen[i])
			sum += ranks[i];
	return fabs(sum - expected);
}

/* Mid-ranks (1-based; tied values share the mean of their ranks) of values. */
static int stats_mid_ranks(const double *values, size_t n, double *ranks)
{
	size_t *order = malloc(n * sizeof *order);

	if (order == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	for (size_t i = 1; i < n; i++) /* insertion sort: n is a handful of reps */
		for (size_t j = i; j > 0 && values[order[j - 1]] > values[order[j]]; j--) {
			size_t swap = order[j];
			order[j] = order[j - 1];
			order[j - 1] = swap;
		}
	for (size_t i = 0; i < n;) {
		size_t k = i;
		while (k + 1 < n && values[order[k + 1]] == values[order[i]])
			k++;
		for (size_t t = i; t <= k; t++)
			ranks[order[t]] = (double)(i + k) / 2.0 + 1.0;
		i = k + 1;
	}
	free(order);
	return 0;
}

static bool stats_next_subset(size_t *at, size_t k, size_t n, bool *chosen)
{
	size_t i = k;

	while (i > 0 && at[i - 1] == n - k + i - 1)
		i--;
	if (i == 0)
		return false;
	chosen[at[i - 1]] = false;
	at[i - 1]++;
	chosen[at[i - 1]] = true;
	for (size_t j = i; j < k; j++) {
		chosen[at[j]] = false;
		at[j] = at[j - 1] + 1;
		chosen[at[j]] = true;
	}
	return true;
}

int stats_permutation_p(const double *a, size_t na, const double *b, size_t nb,
			unsigned resamples, uint64_t seed, double *p)
{
	size_t n = na + nb;
	double splits = 1.0;
	int status = -1;

	if (a == NULL || b == NULL || p == NULL || na == 0 || nb == 0 || resamples == 0 ||
	    stats_has_nan(a, na) || stats_has_nan(b, nb)) {
		errno = EINVAL;
		return -1;
	}
	for (size_t i = 1; i <= na && splits <= resamples; i++)
		splits = splits * (double)(nb + i) / (double)i; /* C(n, na), stopped once too many */
	double *pooled = malloc(2 * n * sizeof *pooled);
	bool *chosen = calloc(n, sizeof *chosen);
	size_t *at = malloc(n * sizeof *at);
	if (pooled == NULL || chosen == NULL || at == NULL)
		goto out;
	double *ranks = pooled + n;
	memcpy(pooled, a, na * sizeof *a);
	memcpy(pooled + na, b, nb * sizeof *b);
	if (stats_mid_ranks(pooled, n, ranks) != 0)
		goto out;
	for (size_t i = 0; i < na; i++)
		chosen[i] = true;
	double expected = (double)na * (double)(n + 1) / 2.0;
	/* Rank sums are multiples of 1/2: a quarter apart is a margin, not a guess. */
	double bar = stats_split_distance(ranks, n, chosen, expected) - 0.25;
	uint64_t far = 0, total = 0;

	if (splits <= resamples + 0.5) {
		for (size_t i = 0; i < na; i++)
			at[i] = i;
		do {
			far += stats_split_distance(ranks, n, chosen, expected) >= bar;
			total++;
		} while (stats_next_subset(at, na, n, chosen));
		*p = (double)far / (double)total;
	} else {
		uint64_t state = seed;

		for (unsigned r = 0; r < resamples; r++) {
			/* The first na of a seeded shuffle of the positions. */
			for (size_t i = 0; i < n; i++) {
				at[i] = i;
				chosen[i] = false;
			}
			for (size_t i = 0; i < na; i++) {
				size_t j = i + (size_t)(random_next(&state) % (n - i));
				size_t swap = at[i];
				at[i] = at[j];
				at[j] = swap;
				chosen[at[i]] = true;
			}
			far += stats_split_distance(ranks, n, chosen, expected) >= bar;
		}
		*p = (double)(far + 1) / (double)(resamples + 1);
	}
	status = 0;
out:
	free(pooled);
	free(chosen);
	free(at);
	return status;
}

/* Sum of the shares, or NaN when the input is empty or has a negative share;
 * shared by the fairness measures so they agree on what they reject. */
static double stats_share_total(const double *shares, size_t n)
{
	double total = 0.0;

	if (n == 0)
		return NAN;
	for (size_t i = 0; i < n; i++) {
		if (shares[i] < 0.0)
			return NAN;
		total += shares[i];
	}
	return total;
}

/* The median of n values drawn with replacement from values, into scratch. */
static double stats_resample_median(const double *values, size_t n, uint64_t *state,
				    double *scratch)
{
	for (size_t i = 0; i < n; i++)
		scratch[i] = values[random_next(state) % n];
	return stats_median_in_place(scratch, n);
}

int stats_ratio_ci(const double *a, size_t na, const double *b, size_t nb, double confidence,
		   unsigned resamples, uint64_t seed, struct stats_ratio *out)
{
	double median_a, *scratch, *ratios;
	uint64_t state = seed;
	size_t at_or_below = 0, at_or_above = 0;

	if (a == NULL || b == NULL || na == 0 || nb == 0 || resamples == 0 ||
	    !(confidence > 0.0 && confidence < 1.0) || stats_has_nan(a, na) ||
	    stats_has_nan(b, nb) || (median_a = stats_median(a, na)) == 0.0) {
		errno = EINVAL;
		return -1;
	}
	scratch = malloc((na > nb ? na : nb) * sizeof *scratch);
	ratios = malloc(resamples * sizeof *ratios);
	if (scratch == NULL || ratios == NULL) {
		free(scratch);
		free(ratios);
		errno = ENOMEM;
		return -1;
	}
	for (unsigned r = 0; r < resamples; r++) {
		double resampled_a = stats_resample_median(a, na, &state, scratch);
		double resampled_b = stats_resample_median(b, nb, &state, scratch);

		ratios[r] = resampled_a != 0.0 ? resampled_b / resampled_a : INFINITY;
		at_or_below += ratios[r] <= 1.0;
		at_or_above += ratios[r] >= 1.0;
	}
	qsort(ratios, resamples, sizeof *ratios, stats_compare_double);
	out->ratio = stats_median(b, nb) / median_a;
	out->low = ratios[(size_t)floor((1.0 - confidence) / 2.0 * (resamples - 1))];
	out->high = ratios[(size_t)ceil((1.0 + confidence) / 2.0 * (resamples - 1))];
	out->p = 2.0 * (double)((at_or_below < at_or_above ? at_or_below : at_or_above) + 1) /
		 (double)(resamples + 1);
	if (out->p > 1.0)
		out->p = 1.0;
	free(scratch);
	free(ratios);
	return 0;
}

struct stats_ranked_p {
	double p;
	size_t index;
};

static int stats_compare_ranked_p(const void *left, const void *right)
{
	const struct stats_ranked_p *a = left, *b = right;

	return (a->p > b->p) - (a->p < b->p);
}

int stats_bh_adjust(const double *p, size_t n, double *adjusted)
{
	struct stats_ranked_p *ranked = malloc((n + 1) * sizeof *ranked);
	size_t tests = 0;
	double running = 1.0;

	if (ranked == NULL) {
		errno = ENOMEM;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		if (!isnan(p[i]))
			ranked[tests++] = (struct stats_ranked_p){ p[i], i };
		else
			adjusted[i] = NAN;
	}
	qsort(ranked, tests, sizeof *ranked, stats_compare_ranked_p);
	/* Step up from the largest p: each adjusted value is the smallest n * p / k
	 * at its rank or above, so the adjusted values keep the p-values' order. */
	for (size_t k = tests; k > 0; k--) {
		double candidate = ranked[k - 1].p * (double)tests / (double)k;

		if (candidate < running)
			running = candidate;
		adjusted[ranked[k - 1].index] = running;
	}
	free(ranked);
	return 0;
}

double stats_jain(const double *shares, size_t n)
{
	double total = stats_share_total(shares, n), squares = 0.0;

	if (isnan(total))
		return NAN;
	for (size_t i = 0; i < n; i++)
		squares += shares[i] * shares[i];
	if (squares == 0.0)
		return 1.0;
	return total * total / ((double)n * squares);
}

double stats_min_share(const double *shares, size_t n)
{
	double total = stats_share_total(shares, n), least;

	if (isnan(total))
		return NAN;
	if (total == 0.0)
		return 1.0 / (double)n;
	least = shares[0];
	for (size_t i = 1; i < n; i++)
		if (shares[i] < least)
			least = shares[i];
	return least / total;
}

double stats_max_share(const double *shares, size_t n)
{
	double total = stats_share_total(shares, n), most;

	if (isnan(total))
		return NAN;
	if (total == 0.0)
		return 1.0 / (double)n;
	most = shares[0];
	for (size_t i = 1; i < n; i++)
		if (shares[i] > most)
			most = shares[i];
	return most / total;
}
