/* Running the built locklab binary from tests: its exit status, stdout and stderr. */
#ifndef LOCKLAB_TESTS_RUN_H
#define LOCKLAB_TESTS_RUN_H

#include <stddef.h>

struct run_output {
	int status;       /* exit status, or 128 + signal */
	char out[1 << 16];
	char err[1 << 13];
};

/* Runs $LOCKLAB (default build/locklab) with the NULL-terminated arguments. */
void run_locklab(struct run_output *result, const char *arg, ...);

/* Starts $LOCKLAB in the background, output discarded; returns its pid. */
int spawn_locklab(const char *arg, ...);

/* Criterion expectations of a usage error: exit 2 and one stderr line
 * "locklab: ..." naming value. */
void expect_usage_error(const struct run_output *run, const char *value);

/* The path of a guest program the build made: $BUILD/guests/<file> (BUILD defaults
 * to build, as in the Makefile). The string lives until 16 more calls. */
const char *test_guest(const char *file);

/* Lines in text (a last line without '\n' counts). */
size_t count_lines(const char *text);

#endif
