/*
 * What `locklab compare` says, worked out before anything is written: bundles
 * aligned cell by cell against the first one (the baseline), a ratio per aligned
 * cell and metric with a bootstrap interval over the reps, significance after a
 * Benjamini-Hochberg correction across every test, the cells present on one side
 * only, and the settings that differ.
 *
 * Alignment: two cells align when workload, lock, cs_ns, ncs_ns, read_pct and
 * cs_lines are equal and, when both were asked for as "N x CPUs", N is equal
 * (4 threads on 2 CPUs beside 32 on 16); otherwise the thread counts are equal.
 * A cell aligned by N x CPUs is not aligned again by its thread count.
 *
 * Per aligned cell and metric (throughput for every cell; acquire-latency p99 and
 * hand-off p50 where both sides have them; MIPS for a VM cell, which aligns on
 * guest, lock, workers and harts) the reps of each bundle's main phase
 * (report_rep_values) are compared: median(other) / median(baseline), a 95 %
 * percentile bootstrap interval (stats_ratio_ci, seeded, so a compare reproduces)
 * and the p-value of a rank-sum permutation test of the two sides' reps
 * (stats_permutation_p: exact up to COMPARE_RESAMPLES splits, which holds its
 * level with few reps where the bootstrap's p does not), then Benjamini-Hochberg
 * adjusted p-values over all tests of all bundles (stats_bh_adjust); significant:
 * adjusted p <= 0.05. A side with fewer than COMPARE_MIN_REPS reps gives a row
 * without a test.
 *
 * Ownership: compare_build allocates everything in the result; compare_free
 * releases it (harmless on a result compare_build failed to fill).
 */
#ifndef LOCKLAB_REPORT_COMPARE_MODEL_H
#define LOCKLAB_REPORT_COMPARE_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "common/stats.h"
#include "report/bundle_read.h"
#include "report/report_model.h"

#define COMPARE_MAX_BUNDLES 8
#define COMPARE_MIN_REPS 2
#define COMPARE_CONFIDENCE 0.95
#define COMPARE_FDR 0.05
#define COMPARE_RESAMPLES 10000
#define COMPARE_SEED 1

struct compare_side {
	struct bundle_contents bundle;
	struct report_model model;
	char name[128];         /* the folder's last component */
	double tsc_ticks_per_ns; /* the TSC's rate when it is the timer and invariant, else NaN */
};

struct compare_row {
	size_t side;              /* the other bundle (1 ..); the baseline is side 0 */
	size_t base_cell, cell;   /* cells of the baseline and of the other bundle */
	enum bundle_metric metric; /* throughput_ops_s stands for MIPS in a VM row */
	bool vm;                   /* a VM cell's row: MIPS from vm_runs.csv */
	bool higher_is_better;
	bool by_cpus;             /* aligned on threads_per_cpu */
	bool meaning_changed;     /* schema 1 beside 2 and the metric's meaning changed */
	size_t base_n, n;         /* reps behind each median */
	double base_median, median;
	struct stats_ratio ratio; /* NaN fields when a side has too few reps */
	double p_adjusted;        /* NaN: no test */
	bool significant;
};

/* A cell of one bundle with no partner in the other: side 0 rows name the other
 * bundle that lacks the cell in `against`. */
struct compare_only {
	size_t side, cell, against;
};

struct compare_setting {
	char name[64];
	char *values[COMPARE_MAX_BUNDLES]; /* "absent" where a bundle lacks it */
};

struct compare_result {
	struct compare_side sides[COMPARE_MAX_BUNDLES];
	size_t side_count;
	struct compare_row *rows;
	size_t row_count, tests;
	struct compare_only *only;
	size_t only_count;
	struct compare_setting *settings; /* only those that differ, in meta.json order */
	size_t setting_count, equal_settings;
};

/* Reads dirs[0 .. count) (2 <= count <= COMPARE_MAX_BUNDLES) and compares them.
 * Returns 0, or 2 (a bundle missing, corrupt or of a schema this reader cannot
 * read) or 3 (out of memory) with one line in error naming the bundle. */
int compare_build(const char *const *dirs, size_t count, struct compare_result *result,
		  char *error, size_t error_size);
void compare_free(struct compare_result *result);

/* True when a metric's meaning changed from schema 1 to 2 (README, "Schema 1 to 2"). */
bool compare_meaning_changed(enum bundle_metric metric);

#endif
