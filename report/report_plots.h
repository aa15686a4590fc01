/*
 * The report's figures: each writes its data as a temporary file under the work
 * folder, runs gnuplot on one of the plots/ scripts with -e variables, and leaves
 * <name>.svg in the staging plots folder. Nothing here touches the bundle's own
 * files; the command moves the staged SVGs into place once everything succeeded.
 *
 * Returns: 0 and the figure made (its file name in made); REPORT_PLOT_EMPTY when
 * the bundle has nothing to draw for it (no figure, not an error); otherwise an
 * exit status with one line in error: 2 for a bundle file that cannot be read (a
 * corrupt histogram), 3 when gnuplot fails or a file cannot be written.
 */
#ifndef LOCKLAB_REPORT_PLOTS_H
#define LOCKLAB_REPORT_PLOTS_H

#include <stddef.h>

#include "report/csv.h"
#include "report/report_model.h"

#define REPORT_PLOT_EMPTY (-1)

struct plot_env {
	const char *scripts; /* folder of the .gp scripts, ending in '/' */
	const char *work;    /* temporary data files */
	const char *out;     /* staged SVGs */
	char *error;
	size_t error_size;
};

struct plot_made {
	char name[192]; /* "throughput_contended_cs50_ncs200.svg" */
	char caption[512];
};

int plot_throughput(const struct plot_env *env, const struct report_model *model, size_t config,
		    struct plot_made *made);
/* Every configuration of workload measured at a single thread count, by lock. */
int plot_by_lock(const struct plot_env *env, const struct report_model *model,
		 const char *workload, struct plot_made *made);
int plot_latency(const struct plot_env *env, const struct report_model *model, size_t config,
		 struct plot_made *made);
int plot_cdf(const struct plot_env *env, const struct report_model *model, size_t config,
	     struct plot_made *made);
int plot_memory(const struct plot_env *env, const struct report_model *model,
		struct plot_made *made);
int plot_fairness(const struct plot_env *env, const struct report_model *model, size_t config,
		  struct plot_made *made);
int plot_cpu(const struct plot_env *env, const struct report_model *model, size_t config,
	     struct plot_made *made);
int plot_handoff(const struct plot_env *env, const struct report_model *model,
		 struct plot_made *made);

/* One configuration at one thread count under every placement it ran under, a
 * heatmap of each lock's throughput relative to placement 0. */
int plot_placement(const struct plot_env *env, const struct report_model *model, size_t config,
		   unsigned threads, struct plot_made *made);

/* The VM's MIPS against harts for one guest, a line per (lock, workers). */
int plot_vm(const struct plot_env *env, const struct report_model *model, const char *guest,
	    struct plot_made *made);

/* The core-to-core heatmap from c2c.csv (the phase with the most pairs; rows with
 * a field that is not a number are left out, as the table shows them). */
int plot_c2c(const struct plot_env *env, const struct csv_table *c2c, struct plot_made *made);

/* Bytes per primitive over its runs: lock and context the median, heap the peak.
 * NaN where no run has the figure. */
void report_lock_memory(const struct report_model *model, size_t lock, double *lock_bytes,
			double *ctx_bytes, double *heap_bytes);

#endif
