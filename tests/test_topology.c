/*
 * harness/topology: XML export of this machine, the synthetic and XML loaders
 * the placement tests build big machines with, and the affinity list.
 */
#include "harness/topology.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A private directory per test; removed with its files by topology_test_cleanup. */
static char topology_test_dir[64];
static char topology_test_file[PATH_MAX];

static void topology_test_setup(void)
{
	snprintf(topology_test_dir, sizeof(topology_test_dir), "/tmp/locklab-topology-XXXXXX");
	cr_assert_not_null(mkdtemp(topology_test_dir), "mkdtemp: %s", strerror(errno));
	snprintf(topology_test_file, sizeof(topology_test_file), "%s/topology.xml",
		 topology_test_dir);
}

static void topology_test_cleanup(void)
{
	unlink(topology_test_file);
	rmdir(topology_test_dir);
}

static char *topology_test_slurp(const char *path)
{
	FILE *file = fopen(path, "r");
	char *text;
	long size;

	cr_assert_not_null(file, "%s: %s", path, strerror(errno));
	fseek(file, 0, SEEK_END);
	size = ftell(file);
	rewind(file);
	cr_assert_gt(size, 0, "%s is empty", path);
	text = malloc((size_t)size + 1);
	cr_assert_not_null(text);
	cr_assert_eq(fread(text, 1, (size_t)size, file), (size_t)size);
	text[size] = '\0';
	fclose(file);
	return text;
}

static int topology_test_count(hwloc_topology_t topology, hwloc_obj_type_t type)
{
	return hwloc_get_nbobjs_by_type(topology, type);
}

Test(topology, export_writes_this_machine_as_xml, .init = topology_test_setup,
     .fini = topology_test_cleanup)
{
	char *xml;
	char temp[PATH_MAX + 32];

	cr_assert_eq(topology_export_xml(topology_test_file), 0, "export: %s", strerror(errno));
	xml = topology_test_slurp(topology_test_file);
	cr_assert_not_null(strstr(xml, "<topology"), "no <topology element");
	cr_assert_not_null(strstr(xml, "type=\"PU\""), "no PU in this machine's XML");
	free(xml);
	snprintf(temp, sizeof(temp), "%s.tmp.%ld", topology_test_file, (long)getpid());
	cr_assert_neq(access(temp, F_OK), 0, "temporary file left behind");
}

Test(topology, export_to_an_unwritable_path_fails_cleanly)
{
	errno = 0;
	cr_assert_eq(topology_export_xml("/nonexistent-locklab-dir/topology.xml"), -1);
	cr_assert_neq(errno, 0);
	errno = 0;
	cr_assert_eq(topology_export_xml(""), -1);
	cr_assert_eq(errno, EINVAL);
}

Test(topology, synthetic_four_socket_machine)
{
	hwloc_topology_t topology;

	cr_assert_eq(topology_load_synthetic(&topology, "pack:4 numa:2 core:8 pu:2"), 0, "%s",
		     strerror(errno));
	cr_assert_eq(topology_test_count(topology, HWLOC_OBJ_PACKAGE), 4);
	cr_assert_eq(topology_test_count(topology, HWLOC_OBJ_NUMANODE), 8);
	cr_assert_eq(topology_test_count(topology, HWLOC_OBJ_CORE), 64);
	cr_assert_eq(topology_test_count(topology, HWLOC_OBJ_PU), 128);
	hwloc_topology_destroy(topology);
}

/* Counts multiply down the levels, numa included: core:16 below numa:2 is 16
 * cores per NUMA node, not per package. Pinned here because placement tests
 * written from a machine's per-socket core count get this wrong. */
Test(topology, synthetic_counts_are_per_parent_level)
{
	hwloc_topology_t topology;

	cr_assert_eq(topology_load_synthetic(&topology, "pack:4 numa:2 core:16 pu:2"), 0);
	cr_assert_eq(topology_test_count(topology, HWLOC_OBJ_PACKAGE), 4);
	cr_assert_eq(topology_test_count(topology, HWLOC_OBJ_NUMANODE), 8);
	cr_assert_eq(topology_test_count(topology, HWLOC_OBJ_CORE), 128);
	cr_assert_eq(topology_test_count(topology, HWLOC_OBJ_PU), 256);
	hwloc_topology_destroy(topology);
}

Test(topology, bad_synthetic_description_is_einval)
{
	hwloc_topology_t topology = (hwloc_topology_t)&topology;

	errno = 0;
	cr_assert_eq(topology_load_synthetic(&topology, "pack:four"), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(topology, (hwloc_topology_t)&topology, "*out written on failure");
}

Test(topology, synthetic_survives_an_xml_round_trip, .init = topology_test_setup,
     .fini = topology_test_cleanup)
{
	hwloc_topology_t synthetic, loaded;

	cr_assert_eq(topology_load_synthetic(&synthetic, "pack:4 numa:2 core:8 pu:2"), 0);
	cr_assert_eq(topology_save_xml(synthetic, topology_test_file), 0, "save: %s",
		     strerror(errno));
	cr_assert_eq(topology_load_xml(&loaded, topology_test_file), 0, "load: %s",
		     strerror(errno));
	cr_assert_eq(topology_test_count(loaded, HWLOC_OBJ_PU), 128);
	cr_assert_eq(topology_test_count(loaded, HWLOC_OBJ_NUMANODE), 8);
	cr_assert_eq(topology_test_count(loaded, HWLOC_OBJ_CORE), 64);
	hwloc_topology_destroy(loaded);
	hwloc_topology_destroy(synthetic);
}

Test(topology, missing_xml_fails)
{
	hwloc_topology_t topology;

	cr_assert_eq(topology_load_xml(&topology, "/nonexistent-locklab/topology.xml"), -1);
	cr_assert_neq(errno, 0);
}

/* This machine as hwloc sees it: its PUs are online CPUs (a cpuset may hide some). */
Test(topology, this_machine_has_its_online_cpus_as_pus)
{
	hwloc_topology_t topology;

	cr_assert_eq(topology_load_this_machine(&topology), 0);
	int pus = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PU);
	cr_expect(pus >= 1 && (unsigned)pus <= topology_online_cpus(), "%d PUs, %u online CPUs",
		  pus, topology_online_cpus());
	hwloc_topology_destroy(topology);
	errno = 0;
	cr_expect_eq(topology_load_this_machine(NULL), -1);
	cr_expect_eq(errno, EINVAL);
}

Test(topology, cpu_list_is_ascending_and_within_online)
{
	unsigned cpus[4096];
	int count = topology_cpu_list(cpus, 4096), needed = topology_cpu_list(NULL, 0);

	cr_assert_geq(count, 1, "cpu_list: %s", strerror(errno));
	cr_assert_eq(count, needed < 4096 ? needed : 4096, "sizing call disagrees");
	cr_assert_leq((unsigned)needed, topology_online_cpus());
	for (int i = 1; i < count; i++)
		cr_assert_gt(cpus[i], cpus[i - 1]);
}

Test(topology, cpu_list_never_writes_past_max)
{
	unsigned cpus[3] = { UINT_MAX, UINT_MAX, UINT_MAX };
	int total = topology_cpu_list(NULL, 0);

	cr_assert_geq(total, 1);
	cr_assert_eq(topology_cpu_list(NULL, 1), total, "NULL asks for the count");
	cr_assert_eq(topology_cpu_list(cpus, 1), 1);
	cr_assert_neq(cpus[0], UINT_MAX, "first CPU not written");
	cr_assert_eq(cpus[1], UINT_MAX, "wrote past max");
	cr_assert_eq(topology_cpu_list(cpus, 0), 0);
}
