#include "harness/metrics.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/stats.h"

#define METRIC_NAME(name) #name,
const char *const metric_names[METRIC_COUNT] = { METRICS(METRIC_NAME) };
#undef METRIC_NAME

static double percentile_or_nan(const struct hist *h, double p)
{
	return hist_count(h) ? (double)hist_percentile(h, p) : NAN;
}

bool metrics_from_instrumented(enum metric metric)
{
	return metric == METRIC_run_length_mean || metric == METRIC_run_length_p99 ||
	       metric == METRIC_handoffs_s;
}

void metrics_compute(const struct cell *cell, unsigned rep, const struct cell_result *result,
		     double timer_overhead_ns, unsigned steal_cpus, bool instrumented,
		     struct run_row *row)
{
	double *v = row->value;
	double shares[CELL_MAX_THREADS];

	memset(row, 0, sizeof *row);
	row->cell = cell;
	row->rep = rep;
	row->status = result->status;
	row->phase = -1;
	if (instrumented)
		row->flags |= FLAG_INSTRUMENTED;
	for (int m = 0; m < METRIC_COUNT; m++)
		v[m] = NAN;
	v[METRIC_lock_bytes] = (double)cell->lock->lock_bytes;
	v[METRIC_ctx_bytes] = (double)cell->lock->ctx_bytes;
	if (result->status != CELL_OK)
		return;

	v[METRIC_duration_s] = result->duration_s;
	v[METRIC_ops] = (double)result->ops;
	v[METRIC_throughput_ops_s] = (double)result->ops / result->duration_s;
	/* Wall time per completed operation, all threads together: 1 / throughput. */
	v[METRIC_ns_per_op] = result->ops ? result->duration_s * 1e9 / (double)result->ops : NAN;
	v[METRIC_lat_p50_ns] = percentile_or_nan(&result->acquire, 50);
	v[METRIC_lat_p90_ns] = percentile_or_nan(&result->acquire, 90);
	v[METRIC_lat_p99_ns] = percentile_or_nan(&result->acquire, 99);
	v[METRIC_lat_p999_ns] = percentile_or_nan(&result->acquire, 99.9);
	v[METRIC_lat_max_ns] = hist_count(&result->acquire) ? (double)hist_max(&result->acquire)
							    : NAN;
	v[METRIC_hold_p50_ns] = percentile_or_nan(&result->hold, 50);
	v[METRIC_hold_p99_ns] = percentile_or_nan(&result->hold, 99);
	v[METRIC_handoff_p50_ns] = percentile_or_nan(&result->handoff, 50);
	v[METRIC_handoff_p99_ns] = percentile_or_nan(&result->handoff, 99);

	for (unsigned i = 0; i < cell->threads; i++)
		shares[i] = (double)result->thread_ops[i];
	v[METRIC_jain] = stats_jain(shares, cell->threads);
	v[METRIC_min_share] = stats_min_share(shares, cell->threads);
	v[METRIC_max_share] = stats_max_share(shares, cell->threads);
	v[METRIC_cpu_user_s] = result->cpu_user_s;
	v[METRIC_cpu_sys_s] = result->cpu_sys_s;
	v[METRIC_ctx_vol] = (double)result->ctx_voluntary;
	v[METRIC_ctx_invol] = (double)result->ctx_involuntary;
	v[METRIC_steal_s] = result->steal_s;
	v[METRIC_heap_bytes] = (double)result->heap_bytes;
	v[METRIC_drain_s] = result->drain_s;
	v[METRIC_skewed] = (double)result->skewed;
	v[METRIC_round_trip_before_ns] = result->round_trip_before_ns;
	v[METRIC_round_trip_after_ns] = result->round_trip_after_ns;
	v[METRIC_tsc_skew_ns] = result->skew_ns;
	v[METRIC_tsc_skew_bound_ns] = result->skew_bound_ns;
	v[METRIC_busy_iterations_per_ns] = result->busy_iterations_per_ns;
	if (instrumented) {
		v[METRIC_run_length_mean] = hist_count(&result->run_length)
						    ? hist_mean(&result->run_length)
						    : NAN;
		v[METRIC_run_length_p99] = percentile_or_nan(&result->run_length, 99);
		v[METRIC_handoffs_s] = (double)result->handoffs / result->duration_s;
	}
	size_t used = 0;
	for (unsigned i = 0; i < cell->threads && used + 16 < sizeof row->thread_cpus; i++) {
		int n = result->thread_cpu[i] < 0
				? snprintf(row->thread_cpus + used, sizeof row->thread_cpus - used,
					   "%s-", i ? ";" : "")
				: snprintf(row->thread_cpus + used, sizeof row->thread_cpus - used,
					   "%s%d", i ? ";" : "", result->thread_cpu[i]);
		used += (size_t)n;
	}
	if (used + 16 >= sizeof row->thread_cpus)
		snprintf(row->thread_cpus + used, sizeof row->thread_cpus - used, ";...");
	used = 0;
	for (unsigned i = 0; i < cell->threads && used + 32 < sizeof row->ran_on; i++) {
		int a = result->ran_on_start[i], b = result->ran_on_end[i];
		int n = a < 0 || b < 0 ? snprintf(row->ran_on + used, sizeof row->ran_on - used,
						  "%s?", i ? ";" : "")
			: a == b ? snprintf(row->ran_on + used, sizeof row->ran_on - used, "%s%d",
					    i ? ";" : "", a)
				 : snprintf(row->ran_on + used, sizeof row->ran_on - used, "%s%d>%d",
					    i ? ";" : "", a, b);
		used += (size_t)n;
	}
	if (used + 32 >= sizeof row->ran_on)
		snprintf(row->ran_on + used, sizeof row->ran_on - used, ";...");
	row->lock_node = result->lock_node;
	row->migrations = result->migrations;
	row->busy_window = result->busy_window_iterations_per_ns;
	row->reads = result->reads;
	row->samples = hist_count(&result->acquire);

	if (v[METRIC_lat_p50_ns] < 2.0 * timer_overhead_ns)
		row->flags |= FLAG_BELOW_RESOLUTION;
	if (cell->threads > 1 && v[METRIC_min_share] < 0.01 / cell->threads)
		row->flags |= FLAG_STARVATION;
	if (result->steal_s > 0.01 * result->duration_s * (steal_cpus ? steal_cpus : 1))
		row->flags |= FLAG_STEAL;
	if (result->skewed > 0)
		row->flags |= FLAG_SKEWED;
}

/* In enum row_flag's bit order. */
#define FLAG_NAME(name) #name,
static const char *const flag_names[] = { BUNDLE_FLAGS(FLAG_NAME) };
#undef FLAG_NAME

unsigned metrics_flags_parse(const char *text)
{
	unsigned flags = 0;

	for (unsigned bit = 0; bit < sizeof flag_names / sizeof flag_names[0]; bit++) {
		size_t len = strlen(flag_names[bit]);
		for (const char *at = strstr(text, flag_names[bit]); at;
		     at = strstr(at + 1, flag_names[bit]))
			if ((at == text || at[-1] == ';') && (at[len] == ';' || at[len] == '\0'))
				flags |= 1u << bit;
	}
	return flags;
}

void metrics_flags_text(unsigned flags, char *buffer, size_t size)
{
	size_t used = 0;

	buffer[0] = '\0';
	for (unsigned bit = 0; bit < sizeof flag_names / sizeof flag_names[0]; bit++) {
		if (!(flags & (1u << bit)))
			continue;
		int n = snprintf(buffer + used, size - used, "%s%s", used ? ";" : "", flag_names[bit]);
		if (n < 0 || (size_t)n >= size - used)
			break;
		used += (size_t)n;
	}
}
