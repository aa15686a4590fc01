/*
 * Placement as a dimension of locklab run: --affinity list:0 really ran every
 * thread on PU 0 (read back from the bundle, as the kernel reported it); a lock
 * placed with node:0 has its page on node 0 (move_pages); what this machine
 * cannot place is a recorded skip; a malformed policy is one line, exit 2; ids
 * carry the policy indexes and the CSV quotes a policy's commas.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <numa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/matrix.h"
#include "locks/registry.h"
#include "report/csv.h"
#include "tests/bundle_fixture.h"
#include "tests/run_locklab.h"

static struct run_output run;

TestSuite(run_placement, .fini = fixture_remove_made);

static void bundle_dir(char *out, size_t size)
{
	char base[] = "/tmp/locklab-placement-XXXXXX";
	cr_assert_not_null(mkdtemp(base));
	fixture_made(base);
	snprintf(out, size, "%s/bundle", base);
}

/* runs.csv parsed by the report's RFC 4180 reader (quoted commas included). */
static void read_runs(const char *dir, struct csv_table *table)
{
	char path[400], why[256];
	snprintf(path, sizeof path, "%s/runs.csv", dir);
	cr_assert_eq(csv_read(path, table, why, sizeof why), 0, "%s", why);
}

static const char *column(const struct csv_table *table, size_t row, const char *name)
{
	int c = csv_column(table, name);
	cr_assert_geq(c, 0, "no column %s", name);
	return csv_row(table, row)[c];
}

Test(run_placement, list_0_runs_every_thread_on_pu_0, .timeout = 60)
{
	char dir[300];
	struct csv_table runs;
	bundle_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--workload", "contended", "--lock", "pthread_mutex",
		    "--threads", "3", "--duration", "0.03", "--warmup", "0.005", "--reps", "2",
		    "--no-preflight", "--affinity", "list:0", "--mem-policy", "node:0", "--out", dir,
		    NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	read_runs(dir, &runs);
	cr_assert_eq(runs.rows, 2);
	for (size_t r = 0; r < runs.rows; r++) {
		cr_expect_str_eq(column(&runs, r, "cell_id"),
				 "contended.pthread_mutex.t3.cs50.ncs200.r0.aff0.mem0");
		cr_expect_str_eq(column(&runs, r, "affinity"), "list:0");
		cr_expect_str_eq(column(&runs, r, "mem_policy"), "node:0");
		/* What the kernel said, not what was asked: every thread on PU 0. */
		cr_expect_str_eq(column(&runs, r, "ran_on"), "0;0;0");
		cr_expect_str_eq(column(&runs, r, "migrations"), "0");
		cr_expect_str_eq(column(&runs, r, "lock_node"), "0", "the lock's page, node 0");
		/* No longer measured after the window: the column stays, empty. */
		cr_expect_str_eq(column(&runs, r, "busy_after_iterations_per_ns"), "");
		/* The busy loop's speed inside it, from the contended kernel's timed ncs work */
		cr_expect_gt(atof(column(&runs, r, "busy_window_iterations_per_ns")), 0.1);
	}
	csv_free(&runs);
}

Test(run_placement, what_the_machine_lacks_is_a_recorded_skip, .timeout = 60)
{
	char dir[300];
	char over[32];
	struct csv_table runs;
	int nodes = numa_available() < 0 ? 1 : numa_num_configured_nodes();
	bundle_dir(dir, sizeof dir);
	snprintf(over, sizeof over, "node:%d", nodes);
	run_locklab(&run, "run", "--workload", "uncontended", "--lock", "ck_fas", "--duration",
		    "0.01", "--warmup", "0", "--reps", "1", "--no-preflight", "--affinity",
		    "list:0,1", "--affinity", "list:4095", "--mem-policy", "default",
		    "--mem-policy", over, "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	read_runs(dir, &runs);
	/* One of four placements is possible: list:0,1 with the default memory. */
	cr_assert_eq(runs.rows, 1);
	cr_expect_str_eq(column(&runs, 0, "cell_id"), "uncontended.ck_fas.t1.cs0.ncs0.r0.aff0.mem0");
	cr_expect_str_eq(column(&runs, 0, "affinity"), "list:0,1", "quoted: the comma survives");
	cr_expect_str_eq(column(&runs, 0, "mem_policy"), "default");
	csv_free(&runs);
	char *meta = fixture_read(dir, "meta.json");
	json_t *root = json_loads(meta, 0, NULL);
	cr_assert_not_null(root);
	json_t *skipped = json_object_get(root, "skipped");
	cr_expect_eq(json_array_size(skipped), 3, "%s", meta);
	char expected[128];
	snprintf(expected, sizeof expected, "%s: this machine has %d NUMA node", over, nodes);
	cr_expect(strstr(meta, expected) != NULL, "%s", meta);
	cr_expect(strstr(meta, "4095") != NULL, "the list policy's reason names the PU");
	json_t *placement = json_object_get(root, "placement");
	cr_expect_str_eq(json_string_value(json_array_get(json_object_get(placement, "affinity"), 1)),
			 "list:4095");
	cr_expect(json_is_null(json_array_get(json_object_get(placement, "affinity_plans"), 1)));
	json_decref(root);
	free(meta);
}

Test(run_placement, default_runs_keep_their_ids, .timeout = 60)
{
	char dir[300];
	struct csv_table runs;
	bundle_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--workload", "uncontended", "--lock", "ck_fas", "--duration",
		    "0.01", "--warmup", "0", "--reps", "1", "--no-preflight", "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	read_runs(dir, &runs);
	cr_expect_str_eq(column(&runs, 0, "cell_id"), "uncontended.ck_fas.t1.cs0.ncs0.r0");
	cr_expect_str_eq(column(&runs, 0, "affinity"), "round-robin");
	cr_expect_str_eq(column(&runs, 0, "mem_policy"), "default");
	csv_free(&runs);
}

Test(run_placement, malformed_policies_are_one_line, .timeout = 30)
{
	char dir[300];
	struct stat st;
	bundle_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--affinity", "list:a", "--out", dir, NULL);
	expect_usage_error(&run, "list:a");
	run_locklab(&run, "run", "--affinity", "list:3-1", "--out", dir, NULL);
	expect_usage_error(&run, "list:3-1");
	run_locklab(&run, "run", "--affinity", "everywhere", "--out", dir, NULL);
	expect_usage_error(&run, "everywhere");
	run_locklab(&run, "run", "--mem-policy", "node:x", "--out", dir, NULL);
	expect_usage_error(&run, "node:x");
	run_locklab(&run, "run", "--mem-policy", "far", "--out", dir, NULL);
	expect_usage_error(&run, "unknown memory policy");
	run_locklab(&run, "run", "--no-pin", "--affinity", "compact", "--out", dir, NULL);
	expect_usage_error(&run, "--affinity none");
	cr_expect_neq(stat(dir, &st), 0, "nothing written");
}

/* The bench profile's placement slice: its locks' main contended cell once more
 * under each slice affinity (list:0, none), ids carrying the indexes; a lock it
 * does not name, and every other cell, only under the first. */
Test(run_placement, bench_slice_adds_its_affinities_to_its_cells_only)
{
	const struct matrix_profile *bench = matrix_find_profile("bench");
	const struct ll_info *locks[] = { ll_find("ck_ticket"), ll_find("ck_clh") };
	const char *affinities[] = { "round-robin", "list:0", "none" }, *mems[] = { "default" };
	struct matrix m;

	cr_assert_not_null(bench->placement);
	cr_assert(locks[0] != NULL && locks[1] != NULL);
	cr_assert_eq(matrix_expand(&m, bench->blocks, bench->block_count, locks, 2, 2), 0);
	size_t main_cells = m.cell_count;
	cr_assert_eq(matrix_cross_placements(&m, affinities, 1, mems, 1, true), 0);
	cr_assert_eq(matrix_add_placement_slice(&m, bench->placement, locks, 2, 2, affinities, 3,
						mems, 1),
		     0);
	cr_expect_eq(m.cell_count, main_cells + 2, "%zu cells", m.cell_count);
	for (size_t c = 0; c < m.cell_count; c++) {
		const struct cell *cell = &m.cells[c];
		if (c < main_cells) {
			cr_expect_eq(cell->affinity, 0, "%s", cell->id);
			continue;
		}
		cr_expect_str_eq(cell->lock->name, "ck_ticket");
		cr_expect_str_eq(cell->workload->name, "contended");
		cr_expect_eq(cell->threads, 2);
		cr_expect_eq(cell->affinity, (unsigned)(c - main_cells + 1));
		cr_expect_str_eq(cell->affinity_text, affinities[cell->affinity]);
		char suffix[32];
		snprintf(suffix, sizeof suffix, ".aff%u.mem0", cell->affinity);
		cr_expect(strstr(cell->id, suffix) != NULL, "%s", cell->id);
	}
	matrix_free(&m);
}

/* The end-of-run ranking keeps placements apart: a column per placement, each
 * named, never one placement's figure in another's place. */
Test(run_placement, ranking_has_a_column_per_placement, .timeout = 60)
{
	char dir[300];
	bundle_dir(dir, sizeof dir);
	run_locklab(&run, "run", "--workload", "uncontended", "--lock", "ck_fas", "--duration",
		    "0.01", "--warmup", "0", "--reps", "2", "--no-preflight", "--affinity",
		    "round-robin", "--affinity", "list:0", "--out", dir, NULL);
	cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
	cr_expect(strstr(run.out, "t1 ns/op") != NULL, "%s", run.out);
	cr_expect(strstr(run.out, "t1 a1m0 ns/op") != NULL, "%s", run.out);
	cr_expect(strstr(run.out, "uncontended t1; affinity round-robin, memory default\n") != NULL);
	cr_expect(strstr(run.out, "uncontended t1; affinity list:0, memory default\n") != NULL);
}

/* torture --affinity pins every stress thread to the policy's PUs, and each
 * lock's line says where the threads really were (unpinned, 8 threads on two
 * CPUs end on both). */
Test(run_placement, torture_affinity_pins_its_stress_threads, .timeout = 60)
{
	static const char *const lists[] = { "list:1", "list:0" };
	static const char *const seen[] = { "; ran on CPUs 1\n", "; ran on CPUs 0\n" };

	for (size_t i = 0; i < 2; i++) {
		run_locklab(&run, "torture", "--lock", "ck_mcs,pthread_rwlock", "--seconds", "0.1",
			    "--threads", "8", "--affinity", lists[i], NULL);
		cr_assert_eq(run.status, 0, "exit %d: %s", run.status, run.err);
		cr_expect_eq(fixture_count(run.out, seen[i]), 2, "%s", run.out);
	}
}
