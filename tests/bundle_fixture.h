/*
 * Helpers for tests that read result bundles (report, compare): copies of the
 * hand-written bundle tests/fixtures/bundle_known in temporary folders, edits to
 * their files, and checks on what a command wrote. Every folder made is removed
 * by fixture_remove_made (a suite's .fini). Failures are Criterion assertions.
 */
#ifndef LOCKLAB_TESTS_BUNDLE_FIXTURE_H
#define LOCKLAB_TESTS_BUNDLE_FIXTURE_H

#include <stddef.h>

#define FIXTURE "tests/fixtures/bundle_known"
#define HIST_FILE "hist/contended.ck_mcs.t2.cs50.ncs200.r0.lat.csv"

/* dir/name's whole text (malloc'd; fixture_read_if_there: NULL when it cannot be
 * opened), and a file written whole. */
char *fixture_read(const char *dir, const char *name);
char *fixture_read_if_there(const char *dir, const char *name);
void fixture_write(const char *dir, const char *name, const char *text);

/* A fresh path under /tmp that does not exist yet; its parent, made here, is
 * removed with the other folders made. */
void fixture_fresh_dir(char *out, size_t size);

/* Splits a CSV line that quotes nothing into its fields; returns their count. */
size_t fixture_split(char *line, char **fields, size_t max);

/* Copies the fixture into a new temporary folder, its path into dir. */
void fixture_copy(char *dir, size_t size);

/* Registers a folder a test made itself, to be removed with the others. */
void fixture_made(const char *dir);
void fixture_remove_made(void);

/* Every line that starts with prefix gets from replaced by to (once per line);
 * at least one line must. */
void fixture_replace_in_lines(const char *dir, const char *name, const char *prefix,
			      const char *from, const char *to);
/* The first from in the file becomes to; it must be there. */
void fixture_replace(const char *dir, const char *name, const char *from, const char *to);

/* Keeps the first keep comma-separated fields of every line (the fixture quotes nothing). */
void fixture_cut_columns(const char *dir, const char *name, int keep);

/* The bundle holds exactly the fixture's files (and also, when not NULL): no
 * report, no plots/, no staging folder left behind. */
void fixture_expect_untouched(const char *dir, const char *also);

/* Gives the fixture runs.csv's placement columns (every cell round-robin, memory
 * default) and one cell more: contended ck_mcs at 2 threads under list:0
 * ("...r0.aff1.mem0"), its throughput a quarter (1.00 M against 4.00 M). */
#define FIXTURE_PLACED_CELL "contended.ck_mcs.t2.cs50.ncs200.r0.aff1.mem0"
void fixture_add_placement(const char *dir);

/* Occurrences of what in text. */
size_t fixture_count(const char *text, const char *what);

#endif
