/*
 * The report's content, in order: what was run, the best lock for each workload
 * and thread count, locks to avoid, throughput, uncontended cost and memory,
 * latency, fairness and CPU, hand-off, the machine, the run's own noise, and a
 * section per optional bundle file (vm_runs.csv, c2c.csv, claims.csv) present.
 * Figures are staged through report_plots; the names of those made are listed
 * in made[0 .. *made_count).
 *
 * Returns 0, or an exit status (2 a bundle file is corrupt, 3 gnuplot or a write
 * failed) with one line in error.
 */
#ifndef LOCKLAB_REPORT_SECTIONS_H
#define LOCKLAB_REPORT_SECTIONS_H

#include "report/report_doc.h"
#include "report/report_model.h"
#include "report/report_plots.h"

#define REPORT_MAX_FIGURES 64

int report_write(const struct report_model *model, struct report_doc *doc,
		 const struct plot_env *env, struct plot_made *made, size_t *made_count);

/* value with three significant digits ("4.00", "10.6", "189"), "n/a" for NaN. */
void report_number(double value, char *out, size_t size);

/* A rate with an SI prefix and three digits: "4.00 M", "2.39 k", "12.0". */
void report_rate(double value, char *out, size_t size);

/* A ratio with three digits, "0.934x", or "1/15300x" below 0.01 (which reads
 * better than 6.54e-05x). */
void report_ratio(double ratio, char *out, size_t size);

#endif
