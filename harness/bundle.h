/*
 * A result bundle: results/<UTC yyyymmddThhmmssZ>-<host>/ (or --out DIR), never
 * overwritten. Every file is written under a temporary name and renamed into
 * place, so a reader (or a crash) never sees half a file. runs.csv grows as cells
 * finish in .runs.partial.csv, which bundle_finish_runs replaces with the final
 * runs.csv (with the flags only the whole run can decide).
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
	FILE *partial;
};

/* requested NULL: the default name under results/. Returns -1 with errno: EEXIST
 * when requested exists (it is never reused), or the mkdir error. */
int bundle_create(struct bundle *bundle, const char *requested);

/* A FILE for name inside the bundle, written to a temporary; bundle_commit
 * flushes, syncs and renames it into place (and closes it either way). */
FILE *bundle_open(const struct bundle *bundle, const char *name);
int bundle_commit(const struct bundle *bundle, const char *name, FILE *file);

/* The exact runs.csv header (the documented columns, then appended ones). */
void bundle_runs_header(FILE *out);
void bundle_runs_row(FILE *out, const struct run_row *row);

int bundle_append_partial(struct bundle *bundle, const struct run_row *row);

/* Takes up an unfinished bundle: its partial rows are rewritten from rows[i] where
 * done[i] (dropping a row cut short by the interruption), then appended to. */
int bundle_reopen(struct bundle *bundle, const char *dir, const struct run_row *rows,
		  const bool *done, size_t count);
int bundle_finish_runs(struct bundle *bundle, const struct run_row *rows, size_t count);

int bundle_write_hist(const struct bundle *bundle, const char *cell_id, const char *metric,
		      const struct hist *hist);
int bundle_write_json(const struct bundle *bundle, const char *name, json_t *value);

void bundle_close(struct bundle *bundle);

#endif
