/*
 * Fast/slow machine phases from cross-CPU round-trip probes; see phase.h for
 * the method and the contract.
 */
#include "harness/phase.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const phase_names[] = {
	[PHASE_ONE] = "one",
	[PHASE_FAST] = "fast",
	[PHASE_SLOW] = "slow",
};
#define PHASE_COUNT (sizeof phase_names / sizeof phase_names[0])

/* A probe that can be placed on a log scale; NaN marks a failed probe. */
static bool phase_usable(double round_trip_ns)
{
	return isfinite(round_trip_ns) && round_trip_ns > 0.0;
}

static int phase_compare_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double phase_median_sorted(const double *sorted, size_t n)
{
	if (n % 2 == 1)
		return sorted[n / 2];
	return sorted[n / 2 - 1] / 2 + sorted[n / 2] / 2;
}

/* sqrt of each, then the product: the product of two large values must not
 * overflow. */
static double phase_geometric_mean(double a, double b)
{
	return sqrt(a) * sqrt(b);
}

/*
 * Otsu on the logs of sorted[0..n): the k (1 <= k < n) that maximises
 * w_low * w_high * (mean_low - mean_high)^2 for low = sorted[0..k), or 0 when
 * no split exists. Only splits between distinct values are considered, so
 * the threshold between the groups separates them.
 */
static size_t phase_otsu_split(const double *sorted, size_t n)
{
	double total = 0.0, low_sum = 0.0, best = -1.0;
	size_t best_k = 0;

	for (size_t i = 0; i < n; i++)
		total += log(sorted[i]);
	for (size_t k = 1; k < n; k++) {
		double low_mean, high_mean, between;

		low_sum += log(sorted[k - 1]);
		if (!(sorted[k - 1] < sorted[k]))
			continue;
		low_mean = low_sum / (double)k;
		high_mean = (total - low_sum) / (double)(n - k);
		between = (double)k * (double)(n - k) * (low_mean - high_mean) * (low_mean - high_mean);
		if (between > best) {
			best = between;
			best_k = k;
		}
	}
	return best_k;
}

void phase_fit(const double *round_trip_ns, size_t n, struct phase_fit *fit)
{
	double *sorted = NULL;
	size_t count = 0, split = 0;

	*fit = (struct phase_fit){
		.two_phases = false, .threshold_ns = NAN, .fast_ns = NAN, .slow_ns = NAN
	};
	for (size_t i = 0; i < n; i++)
		count += phase_usable(round_trip_ns[i]);
	if (count == 0)
		return;
	sorted = malloc(count * sizeof sorted[0]);
	if (sorted == NULL) {
		errno = ENOMEM;
		return;
	}
	count = 0;
	for (size_t i = 0; i < n; i++)
		if (phase_usable(round_trip_ns[i]))
			sorted[count++] = round_trip_ns[i];
	qsort(sorted, count, sizeof sorted[0], phase_compare_double);

	/* A lone extreme probe (a preempted vCPU) would take Otsu's split for
	 * itself and hide two real phases: set a group smaller than PHASE_MIN_GROUP
	 * aside and split the rest again. The outliers still get a side from the
	 * threshold; they only do not choose it. */
	size_t low = 0, high = count;
	bool found = false;
	while (!found && high - low >= 2 * PHASE_MIN_GROUP) {
		size_t k = phase_otsu_split(sorted + low, high - low);

		if (k == 0)
			break; /* all equal: nothing to split */
		split = low + k;
		if (k < PHASE_MIN_GROUP)
			low = split;
		else if (high - split < PHASE_MIN_GROUP)
			high = split;
		else
			found = true;
	}
	if (found) {
		double fast = phase_median_sorted(sorted + low, split - low);
		double slow = phase_median_sorted(sorted + split, high - split);

		if (slow >= PHASE_MIN_RATIO * fast) {
			*fit = (struct phase_fit){
				.two_phases = true,
				.threshold_ns = phase_geometric_mean(sorted[split - 1], sorted[split]),
				.fast_ns = fast,
				.slow_ns = slow,
				.fast_count = split,
				.slow_count = count - split,
			};
			free(sorted);
			return;
		}
	}
	fit->fast_ns = fit->slow_ns = phase_median_sorted(sorted, count);
	fit->fast_count = count;
	free(sorted);
}

static enum phase phase_side(const struct phase_fit *fit, double round_trip_ns)
{
	return round_trip_ns > fit->threshold_ns ? PHASE_SLOW : PHASE_FAST;
}

enum phase phase_of_rep(const struct phase_fit *fit, double before_ns, double after_ns,
			bool *shift)
{
	bool have_before = phase_usable(before_ns), have_after = phase_usable(after_ns);
	bool straddles = false;
	enum phase phase = PHASE_ONE;

	if (fit->two_phases && have_before && have_after) {
		straddles = phase_side(fit, before_ns) != phase_side(fit, after_ns);
		phase = phase_side(fit, phase_geometric_mean(before_ns, after_ns));
	} else if (fit->two_phases && (have_before || have_after)) {
		phase = phase_side(fit, have_before ? before_ns : after_ns);
	}
	if (shift != NULL)
		*shift = straddles;
	return phase;
}

const char *phase_name(enum phase p)
{
	if ((unsigned)p >= PHASE_COUNT)
		return NULL;
	return phase_names[p];
}

int phase_parse(const char *name)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < PHASE_COUNT; i++)
		if (strcmp(name, phase_names[i]) == 0)
			return (int)i;
	return -1;
}
