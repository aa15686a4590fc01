/*
 * Per-thread log-linear histogram of nanosecond values, in the manner of
 * HdrHistogram with fixed parameters.
 *
 * Buckets: values 0..255 each get their own bucket (1 ns resolution). Above
 * that, every power-of-two range [2^e, 2^(e+1)) is cut into 128 equal buckets
 * of width 2^(e-7), so a bucket is at most 1/128 = 0.78 % of its lowest
 * value: better than 2 significant decimal digits everywhere. The last range
 * ends at HIST_MAX_TRACKABLE = 2^40 - 1 ns (about 1100 s); larger values are
 * counted in the last bucket (and in `saturated`), while min, max and the mean
 * keep their exact values.
 *
 * Size: HIST_BUCKETS = 4352 counters of 8 bytes = 34 KiB, plus a 40-byte
 * header: sizeof(struct hist) is 34,856 bytes. Fixed, so recording never
 * allocates. Counters are 64-bit because a thread can record over 2^32
 * operations in one long run.
 *
 * Not thread-safe by design: each thread records into its own histogram
 * (give each its own allocation, or pad, so hot headers do not share a cache
 * line), and the harness merges them after the threads have joined.
 */
#ifndef LOCKLAB_HISTOGRAM_H
#define LOCKLAB_HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BUCKET_BITS 8 /* 256 exact values; 128 buckets per octave */
#define HIST_SUB_BUCKETS (1u << HIST_SUB_BUCKET_BITS)
#define HIST_HALF_SUB_BUCKETS (HIST_SUB_BUCKETS / 2)
#define HIST_RANGE_BITS 40
#define HIST_MAX_TRACKABLE ((UINT64_C(1) << HIST_RANGE_BITS) - 1)
#define HIST_BUCKETS                                                               \
	(((HIST_RANGE_BITS - HIST_SUB_BUCKET_BITS + 1) * HIST_HALF_SUB_BUCKETS) +  \
	 HIST_HALF_SUB_BUCKETS)

struct hist {
	uint64_t total;	    /* values recorded */
	uint64_t sum;	    /* of exact values; wraps only after 584 years of ns */
	uint64_t min;	    /* UINT64_MAX while empty */
	uint64_t max;	    /* 0 while empty */
	uint64_t saturated; /* values above HIST_MAX_TRACKABLE */
	uint64_t counts[HIST_BUCKETS];
};

void hist_init(struct hist *h);

/*
 * Bucket of a value, without a division or a data-dependent branch: OR-ing in
 * the low 8 bits makes every value below 256 land in "octave 0", where the
 * shift is 0 and the value is its own index; above, the shift is how far the
 * leading 1 sits beyond bit 7, and v >> shift is in [128, 255].
 */
static inline unsigned hist_bucket_index(uint64_t ns)
{
	uint64_t v = ns > HIST_MAX_TRACKABLE ? HIST_MAX_TRACKABLE : ns;
	unsigned shift = (unsigned)(63 - HIST_SUB_BUCKET_BITS + 1) -
			 (unsigned)__builtin_clzll(v | (HIST_SUB_BUCKETS - 1));

	return (shift << (HIST_SUB_BUCKET_BITS - 1)) + (unsigned)(v >> shift);
}

static inline void hist_record(struct hist *h, uint64_t ns)
{
	h->counts[hist_bucket_index(ns)]++;
	h->total++;
	h->sum += ns;
	h->saturated += ns > HIST_MAX_TRACKABLE;
	h->min = ns < h->min ? ns : h->min;
	h->max = ns > h->max ? ns : h->max;
}

/* Adds src's values into dst. Safe when dst == src (doubles every count). */
void hist_merge(struct hist *dst, const struct hist *src);

uint64_t hist_count(const struct hist *h);
/* Exact observed extremes; 0 for an empty histogram. */
uint64_t hist_min(const struct hist *h);
uint64_t hist_max(const struct hist *h);
/* Exact arithmetic mean of the recorded values; 0 for an empty histogram. */
double hist_mean(const struct hist *h);

/*
 * The p-th percentile, p in [0, 100] (values outside are clamped; NaN reads
 * as 0). With n values, rank = ceil(p / 100 * n), ignoring rounding noise so
 * that p = 100 * k / n gives rank k. Rank 0 (only p = 0) is the
 * exact minimum. Otherwise the answer is the highest value of the bucket
 * holding the rank-th smallest value, clamped to [min, max]: never below the
 * true percentile, and above it by less than one bucket width (0.78 %). So
 * p = 100 is the exact maximum. 0 for an empty histogram.
 */
uint64_t hist_percentile(const struct hist *h, double p);

/* Inclusive bounds of bucket `index`: every value v with low <= v <= high
 * lands there. The last bucket's high is HIST_MAX_TRACKABLE; hist_foreach
 * widens it to the observed max when values saturated. */
uint64_t hist_bucket_low(unsigned index);
uint64_t hist_bucket_high(unsigned index);

/*
 * Calls fn for each non-empty bucket in increasing order with its inclusive
 * bounds in ns and its count (the hist/<cell>.<metric>.csv rows). A non-zero
 * return from fn stops the walk and is returned (so a writer can pass up its
 * I/O error); otherwise 0.
 */
typedef int (*hist_bucket_fn)(uint64_t low_ns, uint64_t high_ns, uint64_t count,
			      void *arg);
int hist_foreach(const struct hist *h, hist_bucket_fn fn, void *arg);

#endif
