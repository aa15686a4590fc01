/*
 * The state of an unfinished run, kept inside its bundle so `locklab run --resume
 * DIR` can finish it: the rows already measured (.runs.partial.csv, written by
 * bundle_append_partial, every figure exact) and the histograms of each rep
 * (.partial/<cell_id>.<rep>.hist, exact: every bucket, total, sum, min, max).
 *
 * The order that makes a kill at any moment resumable: .runs.partial.csv (header
 * only) before meta.json, so a bundle with meta.json always has its rows file; a
 * rep's histograms (synced, renamed) before its row (one synced append), so a rep
 * with a row always has them, and one without a row is measured again and its
 * file rewritten; when finishing, every final file before the partial state is
 * removed, and meta.json's "complete": true is the point after which the state
 * is only left-over.
 */
#ifndef LOCKLAB_RUN_STATE_H
#define LOCKLAB_RUN_STATE_H

#include <stdbool.h>

#include "harness/bundle.h"
#include "harness/matrix.h"
#include "harness/run_report.h"

/* .partial/<cell_id>.<rep>.hist, relative to the bundle. */
void run_state_hist_name(char *out, size_t size, const char *cell_id, unsigned rep);

int run_state_save_hists(const struct bundle *bundle, const char *cell_id, unsigned rep,
			 const struct cell_result *result);

/* Merges the rep's saved histograms into hists; -1 with errno when it cannot:
 * ENOENT (missing), EINVAL (torn or damaged: then none of it is merged). */
int run_state_merge_hists(const char *dir, const char *cell_id, unsigned rep,
			  struct cell_hists *hists);

/*
 * Reads dir's .runs.partial.csv into rows[cell * reps + rep] and marks done[] for
 * each. Returns how many rows it read, or -1 with why, about that file (it is
 * missing, its header not this version's, a row of a cell the plan does not have,
 * or one read twice: resuming would lose or mix measurements). A row is whole only
 * with its newline and the header's every field; a last row without its newline
 * (cut short by a kill or a full disk) is dropped and counted in *torn, so its rep
 * is measured again.
 */
long run_state_load_rows(const char *dir, const struct matrix *matrix, unsigned reps,
			 struct run_row *rows, bool *done, size_t *torn, char *why,
			 size_t why_size);

/* Removes the partial state (.partial/ then .runs.partial.csv), each step synced;
 * only once every final file is written. Safe to repeat. */
int run_state_remove(struct bundle *bundle);

/* What dir holds, for --out and --resume. */
enum run_state_kind {
	RUN_STATE_OTHER,      /* not a run's bundle, or not one we may touch */
	RUN_STATE_UNSTARTED,  /* empty, or only what a run writes before meta.json:
			       * nothing measured, so --out may use it */
	RUN_STATE_UNFINISHED, /* meta.json says not complete: --resume finishes it */
	RUN_STATE_COMPLETE,   /* meta.json says complete */
};
enum run_state_kind run_state_inspect(const char *dir);

/* Whether dir still has partial state (a run killed while removing it). */
bool run_state_left_over(const char *dir);

/*
 * The command line an unfinished bundle was started with (from its meta.json), so
 * --resume measures exactly the plan that wrote its rows, and in excluded the
 * locks its pre-flight left out (comma-separated); *preflight_done false when the
 * run was killed before its pre-flight was recorded (then it is done again).
 * Returns an argv to free (its strings live in *storage, to json_decref after),
 * or NULL after printing why.
 */
char **run_state_saved_command(const char *dir, int *argc, json_t **storage, char *excluded,
			       size_t excluded_size, bool *preflight_done);

#endif
