/*
 * A result bundle: results/<UTC yyyymmddThhmmssZ>-<host>/ (or --out DIR), never
 * overwritten. Every file is written under a temporary name, synced, renamed into
 * place and its directory synced, so a reader (or a crash, or a power cut) sees
 * either the old file or the whole new one. runs.csv grows as reps finish in
 * .runs.partial.csv (one synced append per row, figures printed exactly so a
 * resumed run re-prints them as a fresh one would); bundle_finish_runs writes the
 * final runs.csv (with the flags only the whole run can decide) beside it, and
 * bundle_remove_partial deletes it only once every final file is in place.
 */
#ifndef LOCKLAB_BUNDLE_H
#define LOCKLAB_BUNDLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "common/histogram.h"
#include "harness/metrics.h"

struct bundle {
	char dir[1024];
	int partial_fd; /* .runs.partial.csv, open for appending; -1 when not */
};

/* requested NULL: the default name under results/. Returns -1 with errno: EEXIST
 * when requested exists (it is never reused), or the mkdir error. */
int bundle_create(struct bundle *bundle, const char *requested);

/* Takes up dir, which exists, as a bundle (nothing in it is read or removed). */
int bundle_adopt(struct bundle *bundle, const char *dir);

/* A FILE for name inside the bundle, written to a temporary; bundle_commit
 * flushes, syncs and renames it into place, then syncs its directory (and closes
 * the FILE either way). */
FILE *bundle_open(const struct bundle *bundle, const char *name);
int bundle_commit(const struct bundle *bundle, const char *name, FILE *file);

/* dir/name, the path error messages name. */
void bundle_path(const struct bundle *bundle, const char *name, char *out, size_t size);

/* fsync of a directory, so the entries created, renamed or removed in it last. */
int bundle_sync_dir(const char *dir);

/* Removes name from the bundle (absent is fine) and syncs its directory. */
int bundle_remove(const struct bundle *bundle, const char *name);

/* The exact runs.csv header (the documented columns, then appended ones). */
void bundle_runs_header(FILE *out);
void bundle_runs_row(FILE *out, const struct run_row *row);

/* The partial rows' file and the form of its rows: every figure exact
 * (%.17g), so the row read back is the row measured. */
#define BUNDLE_PARTIAL_RUNS ".runs.partial.csv"
void bundle_partial_row(FILE *out, const struct run_row *row);

/* Starts .runs.partial.csv with its header alone (written whole, synced), open
 * for bundle_append_partial. */
int bundle_start_partial(struct bundle *bundle);

/* Appends one row in a single write and syncs it; a write that fails is cut back
 * off (ftruncate), so the file ends with a whole row or at worst a torn one the
 * reader drops. */
int bundle_append_partial(struct bundle *bundle, const struct run_row *row);

/* The same for any text on any file open for appending (the VM reps' lines). */
int bundle_append_synced(int fd, const char *text, size_t length);

/* Takes up an unfinished bundle: its partial rows are rewritten from rows[i] where
 * done[i] (dropping a row cut short by the interruption), then appended to. */
int bundle_reopen(struct bundle *bundle, const char *dir, const struct run_row *rows,
		  const bool *done, size_t count);

/* The final runs.csv. The partial file stays until bundle_remove_partial: a run
 * killed while finishing still has every row to finish from. */
int bundle_finish_runs(struct bundle *bundle, const struct run_row *rows, size_t count);
int bundle_remove_partial(struct bundle *bundle);

/* hist/<cell_id>.<metric>.csv, the name bundle_write_hist writes. */
void bundle_hist_name(char *out, size_t size, const char *cell_id, const char *metric);

int bundle_write_hist(const struct bundle *bundle, const char *cell_id, const char *metric,
		      const struct hist *hist);
int bundle_write_json(const struct bundle *bundle, const char *name, json_t *value);

void bundle_close(struct bundle *bundle);

/*
 * Fault injection for the crash tests, off unless LOCKLAB_CRASH_AT=<stage>:<n> is
 * in the environment: the n-th call with that stage kills the process (SIGKILL,
 * no clean-up, as a power cut or kill -9 would), so a test can stop a run at
 * every step of its finishing and prove each one resumable.
 */
void bundle_crash_point(const char *stage);

#endif
