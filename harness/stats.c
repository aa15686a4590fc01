/*
 * Summary statistics; see stats.h for the contract of each function.
 */
#include "harness/stats.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "common/random.h"

#define STATS_STACK_VALUES 64

/* Uniform in [0, n): the top 53 bits as a double in [0, 1), scaled. The bias
 * is below 2^-53 * n, far under what 2000 resamples can see. */
static size_t stats_random_index(uint64_t *state, size_t n)
{
	double unit = (double)(random_next(state) >> 11) * 0x1p-53;
	size_t index = (size_t)(unit * (double)n);

	return index < n ? index : n - 1;
}

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

/* R type 7: position q * (count - 1) in the sorted sample, interpolated. */
static double stats_quantile_sorted(const double *sorted, size_t count, double q)
{
	double position = q * (double)(count - 1);
	size_t below = (size_t)position;
	double fraction = position - (double)below;

	if (below + 1 >= count)
		return sorted[count - 1];
	return sorted[below] + fraction * (sorted[below + 1] - sorted[below]);
}

int stats_bootstrap_median_ci(const double *values, size_t n, double confidence,
			      unsigned resamples, uint64_t seed, double *low, double *high)
{
	double *medians, *scratch, median, tail;
	uint64_t state = seed;

	if (values == NULL || low == NULL || high == NULL || n == 0 || resamples == 0 ||
	    !(confidence > 0.0 && confidence < 1.0) || stats_has_nan(values, n)) {
		errno = EINVAL;
		return -1;
	}
	if (n > SIZE_MAX / sizeof(double) - resamples) {
		errno = ENOMEM;
		return -1;
	}
	medians = malloc((resamples + n) * sizeof(double));
	if (medians == NULL)
		return -1;
	scratch = medians + resamples;

	for (unsigned r = 0; r < resamples; r++) {
		for (size_t i = 0; i < n; i++)
			scratch[i] = values[stats_random_index(&state, n)];
		medians[r] = stats_median_in_place(scratch, n);
	}
	qsort(medians, resamples, sizeof medians[0], stats_compare_double);
	tail = (1.0 - confidence) / 2.0;
	*low = stats_quantile_sorted(medians, resamples, tail);
	*high = stats_quantile_sorted(medians, resamples, 1.0 - tail);

	memcpy(scratch, values, n * sizeof scratch[0]);
	median = stats_median_in_place(scratch, n);
	if (*low > median)
		*low = median;
	if (*high < median)
		*high = median;
	free(medians);
	return 0;
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
