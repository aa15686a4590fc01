/* Turning a --lock value into registry entries: "all", or names separated by commas. */
#ifndef LOCKLAB_LOCK_SELECT_H
#define LOCKLAB_LOCK_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "locks/registry.h"

/*
 * Fills selected (room for ll_registry_count entries) in registry order. "all" is
 * the registry less the controls (null, broken, broken_rw, stuck), which must be
 * named to be run.
 * On an unknown or repeated name prints the one-line error and returns false.
 */
bool lock_select(const char *option, const char *text, const struct ll_info **selected,
		 size_t *count);

/* Drops the locks named in excluded (comma-separated) from selected, keeping the
 * order; returns how many remain. */
size_t lock_exclude(const struct ll_info **selected, size_t count, const char *excluded);

#endif
