/*
 * Subcommands of the locklab command and the helpers they share for options and
 * errors. Exit status everywhere (docs/design.md): 0 success, 1 the thing
 * measured failed, 2 usage error, 3 environment error.
 */
#ifndef LOCKLAB_CLI_H
#define LOCKLAB_CLI_H

#include <stdbool.h>
#include <stdio.h>

enum {
	EXIT_MEASURED_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_ENVIRONMENT = 3,
};

struct cli_command {
	const char *name;
	const char *summary;
	/* argv[0] is the subcommand name; returns the exit status. */
	int (*run)(int argc, char **argv);
};

/* Prints "locklab: <what>: <value>: <why>" on stderr. */
void cli_error(const char *what, const char *value, const char *why_format, ...)
	__attribute__((format(printf, 3, 4)));

/* Option values. Each prints the one-line error naming option and value on failure. */
bool cli_parse_uint(const char *option, const char *text, unsigned long min,
		    unsigned long max, unsigned long *out);
bool cli_parse_double(const char *option, const char *text, double min, double max,
		      double *out);

/* getopt_long's error for argv[optind - 1] (unknown option or missing value), exit 2. */
int cli_bad_option(const char *command, int argc, char **argv);

int cli_main(int argc, char **argv);

int cmd_c2c(int argc, char **argv);
int cmd_claims(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_torture(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_selfcheck(int argc, char **argv);
int cmd_topo(int argc, char **argv);
int cmd_vm(int argc, char **argv);

#endif
