/*
 * Fuzz inputs that stand for several files (a bundle, a run's partial state):
 * sections, each opened by a line "=== NAME" (NAME one of the names the target
 * allows; a name ending in a star, FOLDER/STAR, allows any plain file name in
 * that folder), the section's bytes up to the next such line written to
 * DIR/NAME.
 * Bytes before the first marker go to the target's first name. The directory
 * is emptied (of those names) first, so one input never sees another's files.
 */
#ifndef LOCKLAB_FUZZ_FILES_H
#define LOCKLAB_FUZZ_FILES_H

#include <stddef.h>
#include <stdint.h>

/* A fresh directory under TMPDIR (or /tmp), made once per process; its path. */
const char *fuzz_dir(void);
/* Writes the sections of data under dir; names is NULL-terminated, its first
 * entry a plain name; names may hold one folder level (hist/x.csv, hist/STAR:
 * hist/ is made). */
void fuzz_files_write(const char *dir, const char *const *names, const uint8_t *data, size_t size);

#endif
