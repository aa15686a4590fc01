/*
 * The bundle a command that adds files (c2c, claims) writes into: a new one
 * (--out DIR, or results/<stamp>-<host> by default) or an existing one (--into
 * DIR) that has none of the command's files yet, since a bundle's files are
 * never replaced. Prints the one-line error itself and returns the exit status
 * (0: *bundle is ready); option names the flag that named the existing bundle.
 */
#ifndef LOCKLAB_BUNDLE_TARGET_H
#define LOCKLAB_BUNDLE_TARGET_H

#include <stddef.h>

#include "harness/bundle.h"

int bundle_target(struct bundle *bundle, const char *out_dir, const char *option, const char *into,
		  const char *const *names, size_t name_count);

#endif
