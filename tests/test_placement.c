/*
 * harness/placement: every policy's exact CPU list on synthetic machines we do
 * not have (2 and 8 NUMA nodes, 2-way SMT, 256 PUs), on an asymmetric one saved
 * and reloaded as XML, and the parser's errors.
 */
#include "harness/placement.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/topology.h"
#include "tests/run_locklab.h"

static unsigned plan_pus[PLACEMENT_MAX_LIST];

/* The plan of policy on topology (every PU allowed); asserts it succeeds. */
static size_t plan_of(hwloc_topology_t topology, const char *policy_text)
{
	struct placement_policy policy;
	char why[256];

	cr_assert_eq(placement_parse(policy_text, &policy, why, sizeof why), 0, "%s: %s",
		     policy_text, why);
	long n = placement_plan(topology, NULL, &policy, plan_pus, PLACEMENT_MAX_LIST, why,
				sizeof why);
	placement_free(&policy);
	cr_assert_geq(n, 0, "%s: %s", policy_text, why);
	return (size_t)n;
}

static void expect_plan(hwloc_topology_t topology, const char *policy, const unsigned *want,
			size_t count)
{
	size_t n = plan_of(topology, policy);

	cr_assert_eq(n, count, "%s: %zu PUs, want %zu", policy, n, count);
	for (size_t i = 0; i < count; i++)
		cr_expect_eq(plan_pus[i], want[i], "%s: position %zu is PU %u, want %u", policy, i,
			     plan_pus[i], want[i]);
}

static hwloc_topology_t synthetic(const char *description)
{
	hwloc_topology_t topology;

	cr_assert_eq(topology_load_synthetic(&topology, description), 0, "%s", description);
	return topology;
}

/* 2 packages, one NUMA node each, 4 cores of 2 PUs: PUs 2c and 2c+1 share core c. */
Test(placement, two_nodes_with_smt)
{
	hwloc_topology_t t = synthetic("pack:2 numa:1 core:4 pu:2");
	const unsigned compact[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	const unsigned cores[] = { 0, 2, 4, 6, 8, 10, 12, 14 };
	/* Node 0's cores, node 1's cores, alternating; siblings once every core has one. */
	const unsigned scatter[] = { 0, 8, 2, 10, 4, 12, 6, 14, 1, 9, 3, 11, 5, 13, 7, 15 };
	const unsigned list[] = { 0, 2, 4, 5, 6, 7 };

	expect_plan(t, "compact", compact, 16);
	expect_plan(t, "round-robin", compact, 16);
	expect_plan(t, "cores", cores, 8);
	expect_plan(t, "scatter", scatter, 16);
	expect_plan(t, "list:0,2,4-7", list, 6);
	cr_expect_eq(plan_of(t, "none"), 0, "none binds nothing");
	hwloc_topology_destroy(t);
}

/* 4 packages of 2 nodes, 8 cores of 2 PUs per node: node k holds PUs 16k..16k+15. */
Test(placement, eight_nodes_scatter_alternates_packages_first)
{
	hwloc_topology_t t = synthetic("pack:4 numa:2 core:8 pu:2");
	const unsigned first_eight[] = { 0, 32, 64, 96, 16, 48, 80, 112 };
	size_t n = plan_of(t, "scatter");

	cr_assert_eq(n, 128);
	for (size_t i = 0; i < 8; i++)
		cr_expect_eq(plan_pus[i], first_eight[i], "thread %zu on PU %u, want %u", i,
			     plan_pus[i], first_eight[i]);
	/* Threads 8..15: the second core of each node, in the same node order. */
	cr_expect_eq(plan_pus[8], 2);
	cr_expect_eq(plan_pus[9], 34);
	/* Every PU exactly once. */
	bool seen[128] = { false };
	for (size_t i = 0; i < n; i++) {
		cr_assert_lt(plan_pus[i], 128);
		cr_expect_not(seen[plan_pus[i]], "PU %u twice", plan_pus[i]);
		seen[plan_pus[i]] = true;
	}
	/* No SMT sibling before every core has a thread: the first 64 are even PUs. */
	for (size_t i = 0; i < 64; i++)
		cr_expect_eq(plan_pus[i] % 2, 0, "position %zu: PU %u is a sibling", i, plan_pus[i]);
	hwloc_topology_destroy(t);
}

Test(placement, two_hundred_fifty_six_pus)
{
	hwloc_topology_t t = synthetic("pack:4 numa:2 core:16 pu:2");

	cr_expect_eq(plan_of(t, "compact"), 256);
	cr_expect_eq(plan_pus[255], 255);
	cr_expect_eq(plan_of(t, "cores"), 128);
	cr_expect_eq(plan_pus[127], 254);
	cr_expect_eq(plan_of(t, "scatter"), 256);
	cr_expect_eq(plan_pus[1], 64, "the second thread goes to package 1");
	hwloc_topology_destroy(t);
}

/* Package 1 loses three of its four cores: scatter keeps alternating while
 * package 1 has cores, then fills package 0; the XML round trip keeps it all. */
Test(placement, asymmetric_machine_through_xml)
{
	hwloc_topology_t t = synthetic("pack:2 numa:1 core:4 pu:2"), loaded;
	hwloc_bitmap_t keep = hwloc_bitmap_alloc();
	char dir[] = "/tmp/locklab-placement-XXXXXX", path[64];

	hwloc_bitmap_set_range(keep, 0, 9); /* package 0, and core 4 of package 1 */
	cr_assert_eq(hwloc_topology_restrict(t, keep, 0), 0);
	hwloc_bitmap_free(keep);
	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/t.xml", dir);
	cr_assert_eq(topology_save_xml(t, path), 0);
	hwloc_topology_destroy(t);
	cr_assert_eq(topology_load_xml(&loaded, path), 0);
	unlink(path);
	rmdir(dir);

	const unsigned scatter[] = { 0, 8, 2, 4, 6, 1, 9, 3, 5, 7 };
	const unsigned cores[] = { 0, 2, 4, 6, 8 };
	expect_plan(loaded, "scatter", scatter, 10);
	expect_plan(loaded, "cores", cores, 5);
	hwloc_topology_destroy(loaded);
}

Test(placement, a_policy_sees_only_the_allowed_pus)
{
	hwloc_topology_t t = synthetic("pack:2 numa:1 core:4 pu:2");
	hwloc_bitmap_t allowed = hwloc_bitmap_alloc();
	struct placement_policy policy;
	char why[256];

	hwloc_bitmap_set_range(allowed, 4, 11); /* cores 2-5 */
	cr_assert_eq(placement_parse("scatter", &policy, why, sizeof why), 0);
	long n = placement_plan(t, allowed, &policy, plan_pus, PLACEMENT_MAX_LIST, why,
				sizeof why);
	cr_assert_eq(n, 8);
	const unsigned want[] = { 4, 8, 6, 10, 5, 9, 7, 11 };
	for (size_t i = 0; i < 8; i++)
		cr_expect_eq(plan_pus[i], want[i], "position %zu", i);
	placement_free(&policy);
	hwloc_bitmap_free(allowed);
	hwloc_topology_destroy(t);
}

Test(placement, malformed_policies_are_usage_errors)
{
	const char *bad[] = { "list:a", "list:3-1", "list:", "list:1,,2", "list:1-", "fastest",
			      "list:0;1" };
	struct placement_policy policy;
	char why[256];

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = '\0';
		cr_expect_eq(placement_parse(bad[i], &policy, why, sizeof why), -1, "%s accepted",
			     bad[i]);
		cr_expect_gt(strlen(why), 0, "%s: no reason", bad[i]);
	}
	cr_expect_not_null(strstr((placement_parse("list:3-1", &policy, why, sizeof why), why),
				  "backwards"));
}

Test(placement, a_pu_the_machine_lacks_is_enodev)
{
	hwloc_topology_t t = synthetic("pack:1 core:2 pu:1");
	struct placement_policy policy;
	char why[256];

	cr_assert_eq(placement_parse("list:0,999", &policy, why, sizeof why), 0);
	errno = 0;
	cr_expect_eq(placement_plan(t, NULL, &policy, plan_pus, PLACEMENT_MAX_LIST, why, sizeof why),
		     -1);
	cr_expect_eq(errno, ENODEV);
	cr_expect_not_null(strstr(why, "999"), "%s", why);
	placement_free(&policy);
	hwloc_topology_destroy(t);
}

Test(placement, threads_beyond_the_plan_wrap)
{
	cr_expect_not(placement_wraps(4, 4));
	cr_expect(placement_wraps(4, 5));
	cr_expect_not(placement_wraps(0, 8), "none has no list to wrap");
}

static struct run_output run;

Test(placement, topo_plans_for_a_machine_we_do_not_have)
{
	run_locklab(&run, "topo", "--topology", "synthetic:pack:2 numa:1 core:4 pu:2", "--affinity",
		    "scatter", "--threads", "10", NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_expect_not_null(strstr(run.out, "planning only: not this machine"), "%s", run.out);
	cr_expect_not_null(strstr(run.out, "packages 2, NUMA nodes 2, cores 8, PUs 16"), "%s",
			   run.out);
	cr_expect_not_null(strstr(run.out, "scatter, 10 threads: 0 8 2 10 4 12 6 14 1 9\n"), "%s",
			   run.out);
	run_locklab(&run, "topo", "--topology", "synthetic:pack:1 core:2 pu:1", "--affinity",
		    "compact", "--threads", "3", NULL);
	cr_expect_not_null(strstr(run.out, "compact, 3 threads: 0 1 0 (wraps"), "%s", run.out);
}

Test(placement, topo_errors_are_one_line_with_their_exit_status)
{
	run_locklab(&run, "topo", "--affinity", "list:3-1", NULL);
	expect_usage_error(&run, "list:3-1");
	cr_expect_eq(run.out[0], '\0', "nothing printed before the error: %s", run.out);
	run_locklab(&run, "topo", "--topology", "synthetic:bogus", NULL);
	expect_usage_error(&run, "synthetic:bogus");
	run_locklab(&run, "topo", "--affinity", "list:4095", NULL);
	cr_expect_eq(run.status, 3, "a PU this machine lacks: %s", run.err);
	cr_expect_eq(count_lines(run.err), 1, "%s", run.err);
	cr_expect_not_null(strstr(run.err, "4095"), "%s", run.err);
}

Test(placement, topo_xml_loads_back_as_the_same_machine)
{
	char dir[] = "/tmp/locklab-topo-XXXXXX", path[64], spec[80];
	hwloc_topology_t loaded;

	cr_assert_not_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/m.xml", dir);
	run_locklab(&run, "topo", "--topology", "synthetic:pack:4 numa:2 core:8 pu:2", "--xml", path,
		    NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	cr_assert_eq(topology_load_xml(&loaded, path), 0);
	cr_expect_eq(hwloc_get_nbobjs_by_type(loaded, HWLOC_OBJ_NUMANODE), 8);
	cr_expect_eq(hwloc_get_nbobjs_by_type(loaded, HWLOC_OBJ_PU), 128);
	hwloc_topology_destroy(loaded);
	snprintf(spec, sizeof spec, "%s", path);
	run_locklab(&run, "topo", "--topology", spec, "--affinity", "cores", "--threads", "3", NULL);
	cr_expect_not_null(strstr(run.out, "cores, 3 threads: 0 2 4\n"), "%s", run.out);
	unlink(path);
	rmdir(dir);
}
