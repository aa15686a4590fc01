#include "harness/cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report/compare.h"
#include "report/report.h"

static const struct cli_command commands[] = {
	{ "c2c", "core-to-core cache-line round trips and atomic-operation costs", cmd_c2c },
	{ "claims", "the seed notes' lock claims beside what this machine measures", cmd_claims },
	{ "list", "print the lock registry (--csv for CSV)", cmd_list },
	{ "report", "write report.md, report.html and plots from a result bundle", report_command },
	{ "compare", "set result bundles side by side: ratios, intervals, what differs", compare_command },
	{ "run", "measure a matrix of locks x workloads x threads into a result bundle",
	  cmd_run },
	{ "selfcheck", "harness cost against a hand-inlined loop; timer overhead", cmd_selfcheck },
	{ "topo", "the machine's topology, its XML, and the PUs an affinity policy picks",
	  cmd_topo },
	{ "torture", "stress every lock for mutual exclusion, trylock and rw semantics",
	  cmd_torture },
	{ "vm", "run a RISC-V ELF guest on vmcore", cmd_vm },
};
static const size_t command_count = sizeof commands / sizeof commands[0];

void cli_error(const char *what, const char *value, const char *why_format, ...)
{
	va_list args;

	fprintf(stderr, "locklab: %s: %s: ", what, value);
	va_start(args, why_format);
	vfprintf(stderr, why_format, args);
	va_end(args);
	fputc('\n', stderr);
}

bool cli_parse_uint(const char *option, const char *text, unsigned long min,
		    unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long value;

	errno = 0;
	/* strtoul accepts "-3" and wraps it; a digit first rules that out. */
	if (text[0] < '0' || text[0] > '9') {
		cli_error(option, text, "not a whole number");
		return false;
	}
	value = strtoul(text, &end, 10);
	if (*end != '\0') {
		cli_error(option, text, "not a whole number");
		return false;
	}
	if (errno == ERANGE || value < min || value > max) {
		cli_error(option, text, "out of range [%lu, %lu]", min, max);
		return false;
	}
	*out = value;
	return true;
}

bool cli_parse_double(const char *option, const char *text, double min, double max,
		      double *out)
{
	char *end;
	double value;

	errno = 0;
	value = strtod(text, &end);
	if (end == text || *end != '\0' || !isfinite(value)) {
		cli_error(option, text, "not a number");
		return false;
	}
	if (value < min || value > max) {
		cli_error(option, text, "out of range [%g, %g]", min, max);
		return false;
	}
	*out = value;
	return true;
}

int cli_bad_option(const char *command, int argc, char **argv)
{
	/* getopt_long has stepped optind past the word it could not use. */
	const char *bad = optind >= 1 && optind - 1 < argc ? argv[optind - 1] : "?";

	cli_error(command, bad, "unknown option or missing value (see 'locklab %s --help')",
		  command);
	return EXIT_USAGE;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: locklab <command> [options]\n\ncommands:\n");
	for (size_t i = 0; i < command_count; i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\n'locklab <command> --help' describes a command's options.\n"
		     "exit status: 0 ok, 1 what was measured failed, 2 usage error, "
		     "3 environment error\n");
}

int cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < command_count; i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].run(argc - 1, argv + 1);
	cli_error("command", argv[1], "unknown command (see 'locklab --help')");
	return EXIT_USAGE;
}
