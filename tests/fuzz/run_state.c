/*
 * libFuzzer target: the resume reader (harness/run_state.c). The input is the
 * partial state of an unfinished run, files opened by "=== NAME" lines
 * (tests/fuzz/fuzz_files.h): .runs.partial.csv, meta.json and .partial/<cell>.<rep>.hist
 * files. They are written to a temporary directory and read as `locklab run
 * --resume` reads them, against the two-cell plan of `run --workload
 * contended,uncontended --threads 2 --lock ck_mcs` with 2 reps: the rows
 * (run_state_load_rows), each rep's histograms (run_state_merge_hists), what
 * the directory holds (run_state_inspect) and the saved command line.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "harness/matrix.h"
#include "harness/run_options.h"
#include "harness/run_report.h"
#include "harness/run_state.h"
#include "locks/registry.h"
#include "tests/fuzz/fuzz_files.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REPS 2

static const char *const names[] = { ".runs.partial.csv", "meta.json", ".partial/*", NULL };

static const struct matrix *plan(void)
{
	static struct matrix m;
	static bool made;

	if (!made) {
		char *argv[] = { "run", "--workload", "contended,uncontended", "--threads", "2" };
		struct run_options o;
		const struct ll_info *lock = ll_find("ck_mcs");

		run_options_defaults(&o, 1);
		if (run_options_parse(5, argv, &o) != -1 || !run_options_custom_blocks(&o) ||
		    matrix_expand(&m, o.custom_blocks, o.custom_block_count, &lock, 1, REPS) != 0)
			abort();
		made = true;
	}
	return &m;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct matrix *m = plan();
	const char *dir = fuzz_dir();
	struct run_row *rows = calloc(m->cell_count * REPS, sizeof *rows);
	bool *done = calloc(m->cell_count * REPS, sizeof *done);
	char why[2048], excluded[512];
	size_t torn = 0;
	long got;
	json_t *storage = NULL;
	bool preflight_done;
	int argc;
	char **argv;

	if (!rows || !done)
		abort();
	fuzz_files_write(dir, names, data, size);
	got = run_state_load_rows(dir, m, REPS, rows, done, &torn, why, sizeof why);
	if (got < 0 && !why[0])
		abort(); /* a refusal says why */
	if (got > (long)(m->cell_count * REPS))
		abort();
	for (size_t c = 0; c < m->cell_count; c++)
		for (unsigned rep = 0; rep < REPS; rep++) {
			struct cell_hists hists;

			hist_init(&hists.acquire);
			hist_init(&hists.hold);
			hist_init(&hists.handoff);
			(void)run_state_merge_hists(dir, m->cells[c].id, rep, &hists);
		}
	(void)run_state_inspect(dir);
	(void)run_state_left_over(dir);
	argv = run_state_saved_command(dir, &argc, &storage, excluded, sizeof excluded,
				       &preflight_done);
	if (argv) {
		for (int i = 0; i < argc; i++)
			if (!argv[i])
				abort();
		free(argv);
		json_decref(storage);
	}
	free(rows);
	free(done);
	return 0;
}
