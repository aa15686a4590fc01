/*
 * The cold half of the histogram: merging, queries and export. Recording is
 * inline in histogram.h.
 */
#include "common/histogram.h"

#include <math.h>
#include <string.h>

_Static_assert(sizeof(struct hist) == 40 + 8 * HIST_BUCKETS,
	       "histogram.h documents the size of struct hist");

void hist_init(struct hist *h)
{
	memset(h, 0, sizeof *h);
	h->min = UINT64_MAX;
}

void hist_merge(struct hist *dst, const struct hist *src)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		dst->counts[i] += src->counts[i];
	dst->total += src->total;
	dst->sum += src->sum;
	dst->saturated += src->saturated;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_count(const struct hist *h)
{
	return h->total;
}

uint64_t hist_min(const struct hist *h)
{
	return h->total == 0 ? 0 : h->min;
}

uint64_t hist_max(const struct hist *h)
{
	return h->max;
}

double hist_mean(const struct hist *h)
{
	return h->total == 0 ? 0.0 : (double)h->sum / (double)h->total;
}

/* Inverse of hist_bucket_index(): index = shift * 128 + sub with sub in
 * [128, 255] above the exact range, so shift = index / 128 - 1. */
uint64_t hist_bucket_low(unsigned index)
{
	unsigned shift, sub;

	if (index < HIST_SUB_BUCKETS)
		return index;
	shift = index / HIST_HALF_SUB_BUCKETS - 1;
	sub = index - shift * HIST_HALF_SUB_BUCKETS;
	return (uint64_t)sub << shift;
}

uint64_t hist_bucket_high(unsigned index)
{
	unsigned shift;

	if (index < HIST_SUB_BUCKETS)
		return index;
	shift = index / HIST_HALF_SUB_BUCKETS - 1;
	return hist_bucket_low(index) + ((UINT64_C(1) << shift) - 1);
}

/* The last bucket also holds every saturated value, up to the observed max. */
static uint64_t hist_reported_high(const struct hist *h, unsigned index)
{
	uint64_t high = hist_bucket_high(index);

	if (index == HIST_BUCKETS - 1 && h->max > high)
		return h->max;
	return high;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0;
	double exact_rank;

	if (h->total == 0)
		return 0;
	if (!(p > 0.0))
		return h->min;
	if (p >= 100.0)
		return h->max;
	/* A p computed as 100 * k / n must give rank k, but rounding can leave
	 * p * n / 100 a few ulps above k and ceil would jump to k + 1. Shaving
	 * 1e-14 of the value (far above double rounding, far below one rank for
	 * any count a histogram can hold) absorbs that. */
	exact_rank = p * (double)h->total / 100.0;
	rank = (uint64_t)ceil(exact_rank - exact_rank * 1e-14);
	if (rank == 0)
		return h->min;
	if (rank > h->total)
		rank = h->total;
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		seen += h->counts[i];
		if (seen >= rank) {
			uint64_t value = hist_reported_high(h, i);

			if (value > h->max)
				value = h->max;
			if (value < h->min)
				value = h->min;
			return value;
		}
	}
	/* Unreachable while total matches the counts; a merge of corrupted input
	 * is the only way here, and the max is the honest bound. */
	return h->max;
}

int hist_foreach(const struct hist *h, hist_bucket_fn fn, void *arg)
{
	for (unsigned i = 0; i < HIST_BUCKETS; i++) {
		if (h->counts[i] != 0) {
			int rc = fn(hist_bucket_low(i), hist_reported_high(h, i), h->counts[i], arg);

			if (rc != 0)
				return rc;
		}
	}
	return 0;
}
