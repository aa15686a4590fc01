/*
 * What the report says, worked out from a loaded bundle before anything is
 * written: the run's main phase, its workload configurations and locks, and per
 * cell the main phase's summary rows. Figures and tables read only this and the
 * bundle, so the two outputs (report.md, report.html) and the plots agree.
 *
 * The main phase is the one whose throughput rows carry the most reps (a schema 1
 * bundle has none: all its rows are one phase, named ""); a figure
 * or table never mixes phases, so cells measured only in another phase are left
 * out (counted in left_out_cells). A cell none of whose reps finished has only a
 * summary row with an empty phase: it is kept for its flags (collapse), with no
 * figures.
 *
 * Ownership: report_model_build allocates; report_model_free releases. The model
 * points into the bundle, which must outlive it.
 */
#ifndef LOCKLAB_REPORT_MODEL_H
#define LOCKLAB_REPORT_MODEL_H

#include <stddef.h>

#include "report/bundle_read.h"

#define REPORT_MAX_PHASES 8
#define REPORT_MAX_THREAD_COUNTS 32
#define REPORT_MAX_REPS 256 /* per cell; reps beyond it are not read */
#define REPORT_NO_CONFIG ((size_t)-1)
#define REPORT_MAX_PLACEMENTS 64

/* One workload configuration: a workload with its cs/ncs/read/lines parameters. */
struct report_config {
	const char *workload;
	unsigned cs_ns, ncs_ns, read_pct, cs_lines;
	unsigned threads[REPORT_MAX_THREAD_COUNTS]; /* ascending */
	unsigned threads_per_cpu[REPORT_MAX_THREAD_COUNTS]; /* 0: an absolute count */
	size_t thread_count;
	char label[160]; /* "contended cs=50ns ncs=200ns": no spaces inside a parameter */
	char slug[128]; /* "contended_cs50_ncs200": for file names */
};

/* One (affinity, memory policy) pair cells ran under. Placement 0 is the run's
 * first (its first --affinity and --mem-policy): every figure but the placement
 * comparison shows only its cells. */
struct report_placement {
	const char *affinity, *mem_policy; /* "" in a bundle from before placement */
	char label[160];                    /* "list:0, memory default" */
	char tic[140]; /* what tells it from the others: "list:0" when all share a memory policy */
};

struct report_phase {
	const char *name;
	long reps; /* the n of its throughput rows, summed */
};

struct report_model {
	const struct bundle_contents *bundle;
	const char *main_phase;
	struct report_phase phases[REPORT_MAX_PHASES];
	size_t phase_count;
	struct report_config *configs;
	size_t config_count;
	const char **locks; /* sorted by name */
	size_t lock_count;
	size_t *cell_config; /* per cell: its configuration; REPORT_NO_CONFIG for a VM cell */
	size_t *cell_lock;   /* per cell: its index in locks */
	struct report_placement placements[REPORT_MAX_PLACEMENTS];
	size_t placement_count;
	size_t *cell_placement; /* per cell: its index in placements (VM cells: 0) */
	long *main_row;      /* cell * BUNDLE_METRIC_COUNT + metric: summary index, or -1 */
	long *flags_row;     /* per cell: the throughput row whose flags count, or -1 */
	size_t left_out_cells;
	const char *vm_phase; /* the phase of most finished VM reps; NULL: none */
};

/* Returns 0, or -1 with a one-line reason in error (out of memory, more thread
 * counts or phases than the fixed limits). */
int report_model_build(const struct bundle_contents *bundle, struct report_model *model,
		       char *error, size_t error_size);
void report_model_free(struct report_model *model);

/* The cell of configuration config, lock and thread count under placement 0, or -1. */
long report_cell(const struct report_model *model, size_t config, size_t lock, unsigned threads);
/* The same under any placement. */
long report_placed_cell(const struct report_model *model, size_t config, size_t lock,
			unsigned threads, size_t placement);

/* The main phase's summary row of a cell and metric, or NULL. */
const struct bundle_summary *report_figure(const struct report_model *model, size_t cell,
					   enum bundle_metric metric);

/* The cell's flags (its throughput row's), 0 when it has none. */
unsigned report_cell_flags(const struct report_model *model, size_t cell);

/* Median over the cell's finished main-phase reps of (cpu_user_s + cpu_sys_s) * 1e9
 * / ops: CPU time burned per operation, waiting included. NaN when none. */
double report_cpu_ns_per_op(const struct report_model *model, size_t cell);

/* The MIPS of a VM cell's finished reps in the VM reps' main phase, in
 * vm_runs.csv order. Returns how many. */
size_t report_vm_rep_mips(const struct report_model *model, size_t cell,
			  double values[REPORT_MAX_REPS]);

/* A VM cell's summary row of metric_name ("mips", ...) in the VM reps' main
 * phase, or NULL. */
const struct bundle_summary *report_vm_figure(const struct report_model *model, size_t cell,
					      const char *metric_name);

/* The main phase's name for a reader: "all (no phases in this bundle)" for a
 * schema 1 bundle, "none" when nothing finished. */
/* The per-rep values of a metric over the cell's finished main-phase reps (not
 * the run-length rep, nor one set aside as a phase shift), NaN fields skipped, in
 * runs.csv order. Returns how many. */
size_t report_rep_values(const struct report_model *model, size_t cell, enum bundle_metric metric,
			 double values[REPORT_MAX_REPS]);

const char *report_phase_label(const struct report_model *model);

/* The configuration called workload with the most thread counts (the first such), or -1. */
long report_config_of(const struct report_model *model, const char *workload);

/* The focus thread count of a configuration: the machine's CPU count when
 * measured, else the largest below it, else the smallest. */
unsigned report_focus_threads(const struct report_model *model, size_t config);

#endif
