#include "harness/bundle_target.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "harness/cli.h"

int bundle_target(struct bundle *bundle, const char *out_dir, const char *option, const char *into,
		  const char *const *names, size_t name_count)
{
	struct stat st;

	memset(bundle, 0, sizeof *bundle);
	if (into == NULL) {
		if (bundle_create(bundle, out_dir) == 0)
			return 0;
		if (errno == EEXIST) {
			cli_error("--out", out_dir, "exists: a bundle is never overwritten");
			return EXIT_USAGE;
		}
		cli_error("--out", out_dir ? out_dir : "results/", "%s", strerror(errno));
		return EXIT_ENVIRONMENT;
	}
	if (out_dir != NULL) {
		cli_error(option, into, "give --out or %s, not both", option);
		return EXIT_USAGE;
	}
	if (stat(into, &st) != 0 || !S_ISDIR(st.st_mode)) {
		cli_error(option, into, "not a bundle directory");
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < name_count; i++) {
		char path[1200];

		snprintf(path, sizeof path, "%s/%s", into, names[i]);
		if (stat(path, &st) == 0) {
			cli_error(option, into, "already has %s: a bundle's files are never replaced",
				  names[i]);
			return EXIT_USAGE;
		}
	}
	snprintf(bundle->dir, sizeof bundle->dir, "%s", into);
	return 0;
}
