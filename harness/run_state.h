/*
 * The state of an unfinished run, kept inside its bundle so `locklab run --resume
 * DIR` can finish it: the rows already measured (.runs.partial.csv, written by
 * bundle_append_partial) and each cell's merged histograms so far
 * of each rep (.partial/<cell_id>.<rep>.hist, exact: every bucket, total, sum,
 * min, max). A rep's histograms are saved before its row, so a rep with a row
 * always has them; one without a row is measured again and its file rewritten.
 */
#ifndef LOCKLAB_RUN_STATE_H
#define LOCKLAB_RUN_STATE_H

#include <stdbool.h>

#include "harness/bundle.h"
#include "harness/matrix.h"
#include "harness/run_report.h"

int run_state_save_hists(const struct bundle *bundle, const char *cell_id, unsigned rep,
			 const struct cell_result *result);

/* Merges the rep's saved histograms into hists; -1 with errno when unreadable. */
int run_state_merge_hists(const char *dir, const char *cell_id, unsigned rep,
			  struct cell_hists *hists);

/*
 * Reads dir's .runs.partial.csv into rows[cell * reps + rep] and marks done[] for
 * each. Returns how many rows it read, or -1 with a message in why (a row of a
 * cell the plan does not have means the plan changed: resuming would mix runs).
 * A last row cut short by the interruption is dropped.
 */
long run_state_load_rows(const char *dir, const struct matrix *matrix, unsigned reps,
			 struct run_row *rows, bool *done, char *why, size_t why_size);

/* Removes the saved histograms once the final files are written. */
void run_state_clear(const struct bundle *bundle, const struct matrix *matrix, unsigned reps);

/*
 * The command line an unfinished bundle was started with (from its meta.json), so
 * --resume measures exactly the plan that wrote its rows, and in excluded the
 * locks its pre-flight left out (comma-separated). Returns an argv to free (its
 * strings live in *storage, to json_decref after), or NULL after printing why.
 */
char **run_state_saved_command(const char *dir, int *argc, json_t **storage, char *excluded,
			       size_t excluded_size);

#endif
