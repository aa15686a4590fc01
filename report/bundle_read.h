/*
 * A result bundle read back into memory, for the report and compare commands
 * (which know the bundle only through common/bundle_schema.h, never the harness).
 *
 * bundle_read loads meta.json, runs.csv, vm_runs.csv (when there is one) and
 * summary.csv of one bundle directory;
 * histograms are read one at a time with bundle_read_hist. Columns are found by
 * their header name, so a schema 1 bundle (fewer columns) loads: a metric column
 * it lacks reads as NaN in every row, a missing phase as "", cs_lines and
 * threads_per_cpu as 0, a summary's ci_level as NaN and n_ok / n_timeout as -1.
 *
 * Errors: every function returns -1 (bundle_read_hist also 1, below) with one line
 * in error naming the file and, for a CSV, the row as a person counts it (header =
 * row 1): "DIR/runs.csv: row 17: field 'ops' is not a number: 'x'". The caller
 * prints it ("locklab: report: " in front) and exits 2: a corrupt bundle is bad
 * input. Refused as corrupt: a missing file, a row with too few or too many
 * fields, a required column missing from a header, a number that does not parse,
 * an unknown flag word or status, a summary row for a cell runs.csv does not
 * have, and a meta.json without schema_version or with one above
 * BUNDLE_SCHEMA_VERSION (a newer harness's bundle, which this reader may misread).
 *
 * Ownership: struct bundle_contents owns everything it points to (the CSV text
 * its strings point into, the arrays, one reference to the meta.json document);
 * bundle_free releases it all. On error *contents is left empty, and bundle_free
 * on it is harmless. Nothing here keeps global state.
 */
#ifndef LOCKLAB_REPORT_BUNDLE_READ_H
#define LOCKLAB_REPORT_BUNDLE_READ_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/bundle_schema.h"
#include "report/csv.h"

#define BUNDLE_METRIC_ENUM(name) BUNDLE_METRIC_##name,
enum bundle_metric {
	BUNDLE_METRICS_V1(BUNDLE_METRIC_ENUM) BUNDLE_METRICS_V2(BUNDLE_METRIC_ENUM)
		BUNDLE_METRIC_COUNT
};
#undef BUNDLE_METRIC_ENUM

#define BUNDLE_FLAG_ENUM(name) BUNDLE_FLAG_BIT_##name,
enum bundle_flag_bit { BUNDLE_FLAGS(BUNDLE_FLAG_ENUM) BUNDLE_FLAG_COUNT };
#undef BUNDLE_FLAG_ENUM
/* The flags word as a bit mask: BUNDLE_FLAG(collapse). */
#define BUNDLE_FLAG(name) (1u << BUNDLE_FLAG_BIT_##name)

extern const char *const bundle_metric_names[BUNDLE_METRIC_COUNT];
extern const char *const bundle_flag_names[BUNDLE_FLAG_COUNT];

/* The metric called name, or -1. */
int bundle_metric_index(const char *name);

/* A scalar of meta.json's fingerprint or build object, as text ("null" for null). */
struct bundle_fact {
	const char *name; /* the key, owned by meta */
	char *value;
};

struct bundle_meta {
	json_t *json; /* the whole document, one reference owned */
	int schema_version;
	struct bundle_fact *facts; /* fingerprint's scalars, then build's */
	size_t fact_count;
	unsigned cpus;            /* fingerprint allowed_cpus, else online_cpus; 0 unknown */
	double timer_overhead_ns; /* NaN when absent */
	double null_ns_per_op;    /* the null lock's floor; NaN when absent */
	double c2c_start_ns;      /* floors.c2c_start/end median_ns; NaN when absent */
	double c2c_end_ns;
};

/* One cell: what runs.csv's key columns say, once per cell_id. A VM cell (from
 * vm_runs.csv) has workload "vm", its guest, threads = its harts and its workers. */
struct bundle_cell {
	const char *id, *lock, *workload;
	unsigned threads, cs_ns, ncs_ns, read_pct, cs_lines;
	unsigned threads_per_cpu; /* N for "N x CPUs", 0 for an absolute thread count */
	/* The policies it ran under (runs.csv's or vm_runs.csv's affinity and
	 * mem_policy); "" in a bundle from before placement, and in cells not placed. */
	const char *affinity, *mem_policy;
	const char *guest;        /* VM cells only; NULL otherwise */
	unsigned workers;         /* VM cells only */
};

/* One vm_runs.csv row (a VM rep). Figures NaN where empty. */
struct bundle_vm_run {
	size_t cell;
	unsigned rep;
	const char *status; /* ok, guest_fail, timeout, crashed, error */
	double mips, mips_per_hart, wall_s, lock_bytes_total, acquisitions, wait_ns_total;
	const char *phase;  /* "" when the rep has none (not ok, or a phase shift) */
	size_t row;
};

enum bundle_status { BUNDLE_STATUS_OK, BUNDLE_STATUS_TIMEOUT, BUNDLE_STATUS_CRASHED,
		     BUNDLE_STATUS_ERROR };

/* One runs.csv row. */
struct bundle_run {
	size_t cell; /* index into cells */
	unsigned rep;
	enum bundle_status status;
	double metric[BUNDLE_METRIC_COUNT]; /* NaN: empty field or no such column */
	unsigned flags;                     /* BUNDLE_FLAG() bits */
	const char *phase;                  /* "one", "fast", "slow" or "" */
	size_t row;                         /* the row in runs.csv, for messages */
};

/* One summary.csv row. */
struct bundle_summary {
	size_t cell;
	const char *metric_name;
	int metric; /* enum bundle_metric, or -1 for a metric this reader does not know */
	const char *phase;
	double median, ci_low, ci_high, ci_level, cv;
	int n, n_ok, n_timeout; /* n_ok, n_timeout -1 in a schema 1 bundle */
	unsigned flags;
};

/* Whether the row's median has a confidence interval (a row of one rep has none,
 * however old its bundle). */
bool bundle_has_interval(const struct bundle_summary *row);

struct bundle_contents {
	char dir[1024];
	struct bundle_meta meta;
	struct bundle_cell *cells;
	size_t cell_count;
	struct bundle_run *runs;
	size_t run_count;
	struct bundle_summary *summaries;
	size_t summary_count;
	struct bundle_vm_run *vm_runs; /* vm_runs.csv, when the bundle has one */
	size_t vm_run_count;
	struct csv_table runs_csv, summary_csv, vm_runs_csv; /* the text the strings point into */
};

struct bundle_bucket {
	double low_ns, high_ns;
	uint64_t count;
};

struct bundle_hist {
	struct bundle_bucket *buckets; /* ascending, malloc'd: bundle_hist_free */
	size_t count;
	uint64_t total;
};

int bundle_read(const char *dir, struct bundle_contents *contents, char *error,
		size_t error_size);
void bundle_free(struct bundle_contents *contents);

/* A JSON scalar as the facts show it (strings as they are, numbers "%.6g",
 * "true", "false", "null"), malloc'd; NULL for an object, an array or no memory. */
char *bundle_json_scalar_text(const json_t *value);

/* The cell called id, or -1. */
long bundle_find_cell(const struct bundle_contents *contents, const char *id);

/* hist/<cell_id>.<metric>.csv (metric "lat", "hold" or "handoff"). Returns 0 with
 * *hist filled, 1 when the bundle has no such file (*hist empty: not every cell
 * has every histogram), -1 with error for a file that cannot be read or parsed. */
int bundle_read_hist(const struct bundle_contents *contents, const char *cell_id,
		     const char *metric, struct bundle_hist *hist, char *error, size_t error_size);
void bundle_hist_free(struct bundle_hist *hist);

#endif
