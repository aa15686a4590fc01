#include "report/report.h"

#include <errno.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/bundle_read.h"
#include "report/report_doc.h"
#include "report/report_model.h"
#include "report/report_plots.h"
#include "report/report_sections.h"

/* shared/DESIGN.md's exit statuses (harness/cli.h, which report/ may not include). */
enum { REPORT_EXIT_USAGE = 2, REPORT_EXIT_ENVIRONMENT = 3 };

#define SCRIPT_PROBE "throughput.gp"

static int report_error(int status, const char *format, ...) __attribute__((format(printf, 2, 3)));

static int report_error(int status, const char *format, ...)
{
	va_list args;

	fputs("locklab: report: ", stderr);
	va_start(args, format);
	vfprintf(stderr, format, args);
	va_end(args);
	fputc('\n', stderr);
	return status;
}

/* out = dir/name; -1 (ENAMETOOLONG) when it does not fit in PATH_MAX. */
static int path_join(char *out, const char *dir, const char *name)
{
	int length = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	if (length < 0 || length >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static void usage(FILE *out)
{
	fputs("usage: locklab report BUNDLE\n\n"
	      "Reads the result bundle BUNDLE (a results/ folder of `locklab run`) and writes\n"
	      "BUNDLE/report.md, BUNDLE/report.html (one self-contained page) and\n"
	      "BUNDLE/plots/*.svg. Nothing is measured. Needs gnuplot; finds its scripts in\n"
	      "plots/ of the source tree (the binary's, or the current folder's), or in\n"
	      "$LOCKLAB_PLOTS.\n\n"
	      "exit status: 0 written, 2 usage error or a missing or corrupt bundle file,\n"
	      "3 gnuplot or its scripts missing (nothing is written unless all succeeds)\n",
	      out);
}

static int on_path(const char *program)
{
	const char *path = getenv("PATH");

	while (path != NULL && *path) {
		size_t length = strcspn(path, ":");
		char candidate[PATH_MAX];

		snprintf(candidate, sizeof candidate, "%.*s/%s", (int)length, length ? path : ".",
			 program);
		if (access(candidate, X_OK) == 0)
			return 1;
		path += length + (path[length] == ':');
	}
	return 0;
}

static int has_scripts(const char *dir)
{
	char probe[PATH_MAX + 32];

	snprintf(probe, sizeof probe, "%s" SCRIPT_PROBE, dir);
	return access(probe, R_OK) == 0;
}

/* The plots/ folder: $LOCKLAB_PLOTS, else next to the binary (build/locklab or
 * build/<dir>/locklab in the source tree), else ./plots/. out ends in '/'. */
static int find_scripts(char *out, size_t size)
{
	const char *env = getenv("LOCKLAB_PLOTS");
	char exe[PATH_MAX];
	ssize_t length;

	if (env != NULL && *env) {
		snprintf(out, size, "%s/", env);
		return has_scripts(out);
	}
	length = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (length > 0) {
		exe[length] = '\0';
		for (int up = 0; up < 3; up++) {
			char *slash = strrchr(exe, '/');

			if (slash == NULL)
				break;
			*slash = '\0';
			if (snprintf(out, size, "%s/plots/", exe) < (int)size && has_scripts(out))
				return 1;
		}
	}
	snprintf(out, size, "plots/");
	return has_scripts(out);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static void remove_tree(const char *dir)
{
	nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Moves the staged files into the bundle, each by one rename. */
static int commit(const char *bundle, const char *staging, const struct plot_made *made,
		  size_t made_count)
{
	char from[PATH_MAX], to[PATH_MAX];
	static const char *const documents[] = { "report.md", "report.html" };

	if (path_join(to, bundle, "plots") != 0 ||
	    (made_count > 0 && mkdir(to, 0777) != 0 && errno != EEXIST))
		return report_error(REPORT_EXIT_ENVIRONMENT, "%s: cannot create: %s", to,
				    strerror(errno));
	for (size_t i = 0; i < made_count; i++) {
		char name[200];

		if (snprintf(name, sizeof name, "plots/%s", made[i].name) >= (int)sizeof name ||
		    path_join(from, staging, name) != 0 || path_join(to, bundle, name) != 0 ||
		    rename(from, to) != 0)
			return report_error(REPORT_EXIT_ENVIRONMENT, "%s: cannot write: %s", to,
					    strerror(errno));
	}
	for (size_t i = 0; i < 2; i++) {
		if (path_join(from, staging, documents[i]) != 0 ||
		    path_join(to, bundle, documents[i]) != 0 || rename(from, to) != 0)
			return report_error(REPORT_EXIT_ENVIRONMENT, "%s: cannot write: %s", to,
					    strerror(errno));
	}
	return 0;
}

/* Stages the report in staging/ (work/ for gnuplot's data, plots/, the two
 * documents); returns 0 or the exit status, the error already printed. */
static int stage(const struct report_model *model, const char *scripts, const char *staging,
		 struct plot_made *made, size_t *made_count)
{
	char work[PATH_MAX], plots[PATH_MAX], md_path[PATH_MAX], html_path[PATH_MAX], error[2048];
	struct plot_env env = { scripts, work, plots, error, sizeof error };
	struct report_doc doc = { 0 };
	int status, write_failed;

	if (path_join(work, staging, "work") != 0 || path_join(plots, staging, "plots") != 0 ||
	    path_join(md_path, staging, "report.md") != 0 ||
	    path_join(html_path, staging, "report.html") != 0 || mkdir(work, 0777) != 0 ||
	    mkdir(plots, 0777) != 0)
		return report_error(REPORT_EXIT_ENVIRONMENT, "%s: cannot create: %s", staging,
				    strerror(errno));
	doc.md = fopen(md_path, "w");
	doc.html = fopen(html_path, "w");
	if (doc.md == NULL || doc.html == NULL) {
		if (doc.md)
			fclose(doc.md);
		if (doc.html)
			fclose(doc.html);
		return report_error(REPORT_EXIT_ENVIRONMENT, "%s: cannot write: %s", staging,
				    strerror(errno));
	}
	error[0] = '\0';
	status = report_write(model, &doc, &env, made, made_count);
	write_failed = ferror(doc.md) || ferror(doc.html);
	write_failed |= fclose(doc.md) != 0;
	write_failed |= fclose(doc.html) != 0;
	if (status != 0)
		return report_error(status, "%s", error);
	if (write_failed)
		return report_error(REPORT_EXIT_ENVIRONMENT, "%s: cannot write: %s", staging,
				    strerror(errno));
	return 0;
}

int report_command(int argc, char **argv)
{
	static const struct option options[] = { { "help", no_argument, NULL, 'h' }, { 0 } };
	char error[2048], scripts[PATH_MAX], staging[PATH_MAX];
	struct plot_made made[REPORT_MAX_FIGURES];
	size_t made_count = 0;
	struct bundle_contents bundle;
	struct report_model model;
	int option, status;

	optind = 1;
	while ((option = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		if (option == 'h') {
			usage(stdout);
			return 0;
		}
		return report_error(REPORT_EXIT_USAGE, "%s: unknown option (see 'locklab report --help')",
				    argv[optind - 1]);
	}
	if (argc - optind != 1)
		return report_error(REPORT_EXIT_USAGE,
				    "%s: expected one bundle folder (see 'locklab report --help')",
				    argc - optind == 0 ? "BUNDLE" : argv[optind + 1]);
	if (bundle_read(argv[optind], &bundle, error, sizeof error) != 0)
		return report_error(REPORT_EXIT_USAGE, "%s", error);
	if (!on_path("gnuplot")) {
		bundle_free(&bundle);
		return report_error(REPORT_EXIT_ENVIRONMENT,
				    "gnuplot: not found: install it with 'apt-get install -y "
				    "gnuplot-nox' (or 'make deps-bench')");
	}
	if (!find_scripts(scripts, sizeof scripts)) {
		bundle_free(&bundle);
		return report_error(REPORT_EXIT_ENVIRONMENT,
				    "%s" SCRIPT_PROBE ": not found: run from the source tree or set "
				    "LOCKLAB_PLOTS to its plots/ folder",
				    scripts);
	}
	if (report_model_build(&bundle, &model, error, sizeof error) != 0) {
		bundle_free(&bundle);
		return report_error(REPORT_EXIT_USAGE, "%s: %s", bundle.dir, error);
	}
	if (path_join(staging, bundle.dir, ".report-XXXXXX") != 0 || mkdtemp(staging) == NULL) {
		status = report_error(REPORT_EXIT_ENVIRONMENT, "%s: cannot create: %s", staging,
				      strerror(errno));
	} else {
		status = stage(&model, scripts, staging, made, &made_count);
		if (status == 0)
			status = commit(bundle.dir, staging, made, made_count);
		remove_tree(staging);
	}
	if (status == 0)
		printf("report: %s/report.html\nreport: %s/report.md (%zu figures in %s/plots/)\n",
		       bundle.dir, bundle.dir, made_count, bundle.dir);
	report_model_free(&model);
	bundle_free(&bundle);
	return status;
}
