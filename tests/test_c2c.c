/*
 * harness/c2c and harness/atomics: what two PUs share, which partner each
 * relation picks on machines we do not have, and the command on this one.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/bundle_schema.h"
#include "harness/atomics.h"
#include "harness/c2c.h"
#include "harness/topology.h"
#include "tests/run_locklab.h"

static struct run_output run;

static hwloc_topology_t synthetic(const char *description)
{
	hwloc_topology_t topology;

	cr_assert_eq(topology_load_synthetic(&topology, description), 0, "%s", description);
	return topology;
}

/* 2 packages of 2 nodes of 2 cores of 2 PUs: PU p is in core p/2, node p/4,
 * package p/8. */
Test(c2c, relations_on_a_two_package_four_node_machine)
{
	hwloc_topology_t t = synthetic("pack:2 numa:2 core:2 pu:2");

	cr_expect_str_eq(c2c_relation(t, 0, 1), "core");
	cr_expect_str_eq(c2c_relation(t, 0, 2), "numa");
	cr_expect_str_eq(c2c_relation(t, 0, 4), "package");
	cr_expect_str_eq(c2c_relation(t, 0, 8), "machine");
	cr_expect_str_eq(c2c_relation(t, 9, 14), "package");
	hwloc_topology_destroy(t);
	t = synthetic("pack:1 l3:2 l2:2 core:1 pu:2");
	cr_expect_str_eq(c2c_relation(t, 0, 1), "core");
	cr_expect_str_eq(c2c_relation(t, 0, 2), "L3");
	cr_expect_str_eq(c2c_relation(t, 0, 4), "numa", "one node, no shared cache");
	hwloc_topology_destroy(t);
}

Test(c2c, atomics_partners_follow_the_topology_and_lacks_are_named)
{
	hwloc_topology_t t = synthetic("pack:2 numa:1 l3:2 core:2 pu:2");
	hwloc_const_cpuset_t all = hwloc_topology_get_topology_cpuset(t);
	char why[96];

	/* Package 0: node 0; L3 #0 holds cores 0-1 (PUs 0-3), L3 #1 cores 2-3. */
	cr_expect_eq(atomics_partner(t, all, 0, ATOMICS_SELF, why, sizeof why), 0);
	cr_expect_eq(atomics_partner(t, all, 0, ATOMICS_SMT, why, sizeof why), 1);
	cr_expect_eq(atomics_partner(t, all, 0, ATOMICS_CACHE, why, sizeof why), 2);
	cr_expect_eq(atomics_partner(t, all, 0, ATOMICS_NODE, why, sizeof why), 4);
	cr_expect_eq(atomics_partner(t, all, 0, ATOMICS_REMOTE, why, sizeof why), 8);
	hwloc_topology_destroy(t);

	t = synthetic("pack:1 core:2 pu:1");
	all = hwloc_topology_get_topology_cpuset(t);
	cr_expect_eq(atomics_partner(t, all, 0, ATOMICS_SMT, why, sizeof why), -1);
	cr_expect_not_null(strstr(why, "no SMT sibling"), "%s", why);
	cr_expect_eq(atomics_partner(t, all, 0, ATOMICS_REMOTE, why, sizeof why), -1);
	cr_expect_not_null(strstr(why, "only one"), "%s", why);
	hwloc_topology_destroy(t);
}

Test(c2c, every_ordered_pair_of_this_machine_is_measured, .timeout = 60)
{
	unsigned cpus[2];
	struct timer_calibration cal;
	hwloc_topology_t t;
	struct c2c_options o = { .samples = 5, .round_trips = 500, .max_pairs = 0, .seed = 1 };
	struct c2c_row *rows;
	size_t count;
	struct phase_fit fit;

	if (topology_cpu_list(cpus, 2) < 2)
		cr_skip_test("one usable CPU: no pair");
	cr_assert_eq(timer_calibrate(&cal), 0);
	cr_assert_eq(hwloc_topology_init(&t), 0);
	cr_assert_eq(hwloc_topology_load(t), 0);
	cr_assert_eq(c2c_measure(t, cpus, 2, &o, &cal, &rows, &count, &fit), 0);
	unsigned per_direction[2] = { 0 };
	for (size_t i = 0; i < count; i++) {
		cr_expect_neq(rows[i].cpu_a, rows[i].cpu_b);
		cr_expect_gt(rows[i].median_ns, 0.0);
		cr_expect_geq(rows[i].p99_ns, rows[i].median_ns);
		cr_expect_leq(rows[i].min_ns, rows[i].median_ns);
		per_direction[rows[i].cpu_a == cpus[0] ? 0 : 1] += rows[i].samples;
	}
	cr_expect_eq(per_direction[0], 5, "every probe of a -> b lands in one phase row");
	cr_expect_eq(per_direction[1], 5);
	free(rows);

	o.max_pairs = 1;
	cr_assert_eq(c2c_measure(t, cpus, 2, &o, &cal, &rows, &count, &fit), 0);
	for (size_t i = 1; i < count; i++)
		cr_expect(rows[i].cpu_a == rows[0].cpu_a && rows[i].cpu_b == rows[0].cpu_b,
			  "--pairs 1 measures one ordered pair");
	free(rows);
	hwloc_topology_destroy(t);
}

static char *slurp(const char *path)
{
	FILE *in = fopen(path, "r");
	cr_assert_not_null(in, "%s", path);
	static char text[16384];
	size_t n = fread(text, 1, sizeof text - 1, in);
	text[n] = '\0';
	fclose(in);
	return text;
}

Test(c2c, the_command_adds_its_files_to_a_bundle_once, .timeout = 60)
{
	char dir[] = "/tmp/locklab-c2c-XXXXXX", path[128];

	cr_assert_not_null(mkdtemp(dir));
	run_locklab(&run, "c2c", "--samples", "3", "--round-trips", "200", "--bundle", dir, NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	snprintf(path, sizeof path, "%s/" BUNDLE_C2C, dir);
	char *c2c = slurp(path);
	cr_expect_eq(strncmp(c2c, BUNDLE_C2C_COLUMNS "\n", strlen(BUNDLE_C2C_COLUMNS) + 1), 0, "%s",
		     c2c);
	snprintf(path, sizeof path, "%s/" BUNDLE_ATOMICS, dir);
	char *atomics = slurp(path);
	cr_expect_eq(count_lines(atomics), 1 + 25, "5 operations x 5 relations:\n%s", atomics);
	cr_expect_not_null(strstr(atomics, "load,self,"), "%s", atomics);
	/* A relation this machine lacks is a row with its reason, quoted. */
	if (strstr(atomics, "load,remote,,,0,") != NULL)
		cr_expect_not_null(strstr(atomics, ",\"PU 0's NUMA node is the only one\"\n"), "%s",
				   atomics);

	run_locklab(&run, "c2c", "--bundle", dir, NULL);
	cr_expect_eq(run.status, 2, "a second c2c never replaces the first: %s", run.err);
	cr_expect_not_null(strstr(run.err, "never replaced"), "%s", run.err);
	run_locklab(&run, "c2c", "--out", dir, NULL);
	cr_expect_eq(run.status, 2, "%s", run.err);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	cr_expect_eq(system(path), 0);
}
