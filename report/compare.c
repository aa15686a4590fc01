#include "report/compare.h"

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report/compare_doc.h"
#include "report/compare_model.h"
#include "report/report_doc.h"

/* shared/DESIGN.md's exit statuses (harness/cli.h, which report/ may not include). */
enum { COMPARE_EXIT_USAGE = 2, COMPARE_EXIT_ENVIRONMENT = 3 };

static int compare_error(int status, const char *format, ...) __attribute__((format(printf, 2, 3)));

static int compare_error(int status, const char *format, ...)
{
	va_list args;

	fputs("locklab: compare: ", stderr);
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	return status;
}

static void usage(FILE *out)
{
	fputs("usage: locklab compare [--out DIR] BASELINE BUNDLE [BUNDLE...]\n\n"
	      "Aligns result bundles (of `locklab run`, from other machines or builds) cell by\n"
	      "cell against BASELINE and writes DIR/compare.md and DIR/compare.html: the\n"
	      "settings that differ, then per aligned cell and metric the ratio of medians\n"
	      "with a bootstrap interval over the reps, significant after a Benjamini-\n"
	      "Hochberg correction across all cells, and the cells found on one side only.\n"
	      "Nothing is measured; at most 8 bundles.\n\n"
	      "  --out DIR   a new folder (default results/compare-<UTC stamp>); never an\n"
	      "              existing one, never inside an input bundle\n\n"
	      "exit status: 0 written, 2 usage error or a missing, corrupt or unreadable\n"
	      "bundle, 3 the output cannot be written (nothing is left half-written)\n",
	      out);
}

/* True when path is dir or inside it (both resolved; path need not exist yet:
 * its parent is resolved and its name appended). */
static int inside(const char *path, const char *dir)
{
	char copy[PATH_MAX], parent[PATH_MAX], resolved_dir[PATH_MAX], resolved[PATH_MAX + 256];

	snprintf(copy, sizeof copy, "%s", path);
	if (realpath(dir, resolved_dir) == NULL || realpath(dirname(copy), parent) == NULL)
		return 0;
	snprintf(copy, sizeof copy, "%s", path);
	snprintf(resolved, sizeof resolved, "%s/%s", parent, basename(copy));
	size_t length = strlen(resolved_dir);
	return strncmp(resolved, resolved_dir, length) == 0 &&
	       (resolved[length] == '\0' || resolved[length] == '/');
}

/* Writes both documents into staging; 0, or the exit status with the error printed. */
static int stage(const struct compare_result *result, const char *staging)
{
	char md_path[PATH_MAX + 16], html_path[PATH_MAX + 16];
	struct report_doc doc = { 0 };
	int failed;

	snprintf(md_path, sizeof md_path, "%s/compare.md", staging);
	snprintf(html_path, sizeof html_path, "%s/compare.html", staging);
	doc.md = fopen(md_path, "w");
	doc.html = fopen(html_path, "w");
	if (doc.md == NULL || doc.html == NULL) {
		int saved = errno;

		if (doc.md)
			fclose(doc.md);
		if (doc.html)
			fclose(doc.html);
		return compare_error(COMPARE_EXIT_ENVIRONMENT, "%s: cannot write: %s", staging,
				     strerror(saved));
	}
	compare_write(result, &doc);
	failed = ferror(doc.md) || ferror(doc.html);
	failed |= fclose(doc.md) != 0;
	failed |= fclose(doc.html) != 0;
	if (failed)
		return compare_error(COMPARE_EXIT_ENVIRONMENT, "%s: cannot write: %s", staging,
				     strerror(errno));
	return 0;
}

static void remove_staging(const char *staging)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof path, "%s/compare.md", staging);
	unlink(path);
	snprintf(path, sizeof path, "%s/compare.html", staging);
	unlink(path);
	rmdir(staging);
}

int compare_command(int argc, char **argv)
{
	static const struct option options[] = { { "out", required_argument, NULL, 'o' },
						 { "help", no_argument, NULL, 'h' },
						 { 0 } };
	char out[PATH_MAX], staging[PATH_MAX], error[2048], copy[PATH_MAX];
	const char *out_option = NULL;
	struct compare_result result;
	struct stat st;
	int option, status;

	optind = 1;
	opterr = 0;
	while ((option = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		if (option == 'h') {
			usage(stdout);
			return 0;
		}
		if (option == 'o') {
			out_option = optarg;
			continue;
		}
		return compare_error(COMPARE_EXIT_USAGE, "%s: %s (see 'locklab compare --help')",
				     argv[optind - 1],
				     optopt == 'o' ? "needs a folder" : "unknown option");
	}
	if (argc - optind < 2)
		return compare_error(COMPARE_EXIT_USAGE,
				     "%d bundles: expected a baseline and at least one more (see "
				     "'locklab compare --help')",
				     argc - optind);
	if (out_option != NULL) {
		if (out_option[0] == '\0')
			return compare_error(COMPARE_EXIT_USAGE, "--out '': needs a folder");
		snprintf(out, sizeof out, "%s", out_option);
	} else {
		time_t now = time(NULL);
		char stamp[32];

		strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", gmtime(&now));
		snprintf(out, sizeof out, "results/compare-%s", stamp);
	}
	if (stat(out, &st) == 0)
		return compare_error(COMPARE_EXIT_USAGE,
				     "--out %s: exists; compare writes a new folder and never over "
				     "an earlier one",
				     out);
	for (int i = optind; i < argc; i++)
		if (inside(out, argv[i]))
			return compare_error(COMPARE_EXIT_USAGE,
					     "--out %s: inside the input bundle %s; compare never "
					     "writes into its inputs",
					     out, argv[i]);
	status = compare_build((const char *const *)argv + optind, (size_t)(argc - optind), &result,
			       error, sizeof error);
	if (status != 0) {
		compare_free(&result);
		return compare_error(status, "%s", error);
	}
	snprintf(copy, sizeof copy, "%s", out);
	snprintf(staging, sizeof staging, "%s/.compare-XXXXXX", dirname(copy));
	if (mkdtemp(staging) == NULL) {
		status = compare_error(COMPARE_EXIT_ENVIRONMENT, "%s: cannot create: %s", staging,
				       strerror(errno));
	} else {
		mode_t mask = umask(0);

		/* mkdtemp made it private; the finished folder gets the usual mode. */
		umask(mask);
		chmod(staging, 0777 & ~mask);
		status = stage(&result, staging);
		if (status == 0 && rename(staging, out) != 0)
			status = compare_error(COMPARE_EXIT_ENVIRONMENT, "%s: cannot create: %s",
					       out, strerror(errno));
		if (status != 0)
			remove_staging(staging);
	}
	if (status == 0) {
		compare_print_summary(&result, stdout);
		printf("compare: %s/compare.html\ncompare: %s/compare.md\n", out, out);
	}
	compare_free(&result);
	return status;
}
