/*
 * libFuzzer target: the bundle reader (report/bundle_read.c). The input is a
 * bundle's files, each opened by a line "=== NAME" (tests/fuzz/fuzz_files.h):
 * meta.json, runs.csv, summary.csv, vm_runs.csv and a few histograms; they are
 * written to a temporary directory and read back with bundle_read, then every
 * cell's histograms with bundle_read_hist.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "report/bundle_read.h"
#include "tests/fuzz/fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = { "runs.csv",	 "meta.json", "summary.csv",
				     "vm_runs.csv", "hist/*",	  NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const metrics[] = { "lat", "hold", "handoff" };
	const char *dir = fuzz_dir();
	struct bundle_contents contents;
	char error[2048];

	fuzz_files_write(dir, names, data, size);
	if (bundle_read(dir, &contents, error, sizeof error) != 0) {
		if (!error[0])
			abort(); /* a refusal says why */
		bundle_free(&contents);
		return 0;
	}
	for (size_t c = 0; c < contents.cell_count; c++)
		for (size_t m = 0; m < 3; m++) {
			struct bundle_hist hist;

			if (bundle_read_hist(&contents, contents.cells[c].id, metrics[m], &hist, error,
					     sizeof error) == 0)
				bundle_hist_free(&hist);
		}
	bundle_free(&contents);
	return 0;
}
