/*
 * harness/fingerprint: the keys meta.json readers rely on exist with sane
 * types and values. The machine is whatever runs the tests, so values are
 * checked for consistency (pus >= cores), not against this machine.
 */
#include "harness/fingerprint.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static json_t *fingerprint_test_get(json_t *object, const char *key)
{
	json_t *value = json_object_get(object, key);

	cr_assert_not_null(value, "key %s missing", key);
	return value;
}

static json_int_t fingerprint_test_integer(json_t *object, const char *key)
{
	json_t *value = fingerprint_test_get(object, key);

	cr_assert(json_is_integer(value), "%s is not an integer", key);
	return json_integer_value(value);
}

/* A string, or null where the contract allows an unreadable source. */
static void fingerprint_test_string_or_null(json_t *object, const char *key)
{
	json_t *value = fingerprint_test_get(object, key);

	cr_assert(json_is_string(value) || json_is_null(value), "%s is neither string nor null",
		  key);
}

Test(fingerprint, collect_describes_the_machine)
{
	json_t *fp = fingerprint_collect();
	json_int_t cores, pus;

	cr_assert_not_null(fp);
	cr_assert(json_is_object(fp));
	cores = fingerprint_test_integer(fp, "cores");
	pus = fingerprint_test_integer(fp, "pus");
	cr_assert_geq(cores, 1);
	cr_assert_geq(pus, cores, "%lld PUs < %lld cores", (long long)pus, (long long)cores);
	cr_assert_geq(fingerprint_test_integer(fp, "packages"), 1);
	cr_assert_geq(fingerprint_test_integer(fp, "numa_nodes"), 1);
	cr_assert_geq(fingerprint_test_integer(fp, "online_cpus"), 1);
	cr_assert_gt(fingerprint_test_integer(fp, "memory_bytes"), 0);
	cr_assert(json_is_string(fingerprint_test_get(fp, "cpu_model")));
	cr_assert_gt(strlen(json_string_value(json_object_get(fp, "cpu_model"))), 0);
	cr_assert(json_is_string(fingerprint_test_get(fp, "kernel")));
	cr_assert(json_is_string(fingerprint_test_get(fp, "machine")));
	fingerprint_test_string_or_null(fp, "cpu_flags");
	fingerprint_test_string_or_null(fp, "hostname");
	fingerprint_test_string_or_null(fp, "governor");
	cr_assert(json_is_boolean(fingerprint_test_get(fp, "boost")) ||
		  json_is_null(json_object_get(fp, "boost")));
	json_decref(fp);
}

Test(fingerprint, caches_are_distinct_and_plausible)
{
	json_t *fp = fingerprint_collect(), *caches, *cache, *other;
	size_t i, j;

	cr_assert_not_null(fp);
	caches = fingerprint_test_get(fp, "caches");
	cr_assert(json_is_array(caches));
	json_array_foreach (caches, i, cache) {
		const char *type = json_string_value(json_object_get(cache, "type"));

		cr_assert_geq(fingerprint_test_integer(cache, "level"), 1);
		cr_assert_not_null(type);
		cr_assert(strcmp(type, "data") == 0 || strcmp(type, "instruction") == 0 ||
				  strcmp(type, "unified") == 0,
			  "cache type %s", type);
		cr_assert_geq(fingerprint_test_integer(cache, "size_bytes"), 0);
		cr_assert_geq(fingerprint_test_integer(cache, "line_bytes"), 0);
		cr_assert_geq(fingerprint_test_integer(cache, "shared_by_pus"), 1);
		cr_assert_geq(fingerprint_test_integer(cache, "count"), 1);
		json_array_foreach (caches, j, other)
			cr_assert(j == i || !json_equal(cache, other), "entries %zu and %zu alike",
				  i, j);
	}
	json_decref(fp);
}

Test(fingerprint, virtualization_is_named_with_evidence)
{
	json_t *fp = fingerprint_collect();
	const char *virt, *evidence;

	cr_assert_not_null(fp);
	virt = json_string_value(fingerprint_test_get(fp, "virtualization"));
	evidence = json_string_value(fingerprint_test_get(fp, "virtualization_evidence"));
	cr_assert_not_null(virt);
	cr_assert_not_null(evidence);
	cr_assert_gt(strlen(virt), 0);
	/* "none" exactly when no check found anything, never a mix of the two. */
	cr_assert_eq(strcmp(virt, "none") == 0, strcmp(evidence, "none-found") == 0, "%s from %s",
		     virt, evidence);
	json_decref(fp);
}

Test(fingerprint, libraries_report_versions)
{
	json_t *fp = fingerprint_collect(), *libraries;
	const char *hwloc;
	unsigned major, minor, patch;

	cr_assert_not_null(fp);
	libraries = fingerprint_test_get(fp, "libraries");
	hwloc = json_string_value(json_object_get(libraries, "hwloc"));
	cr_assert_not_null(hwloc);
	cr_assert_eq(sscanf(hwloc, "%u.%u.%u", &major, &minor, &patch), 3, "hwloc %s", hwloc);
	cr_assert_geq(major, 2, "hwloc %s predates the 2.x API this code uses", hwloc);
	cr_assert_str_eq(json_string_value(json_object_get(libraries, "jansson")), JANSSON_VERSION);
	cr_assert(json_is_string(json_object_get(libraries, "libnuma")));
	cr_assert(json_is_string(json_object_get(libraries, "ck")));
	json_decref(fp);
}

Test(fingerprint, build_names_compiler_and_arch)
{
	json_t *build = fingerprint_build();
	const char *compiler;

	cr_assert_not_null(build);
	compiler = json_string_value(fingerprint_test_get(build, "compiler"));
	cr_assert_not_null(compiler);
	cr_assert(strncmp(compiler, "gcc ", 4) == 0 || strncmp(compiler, "clang ", 6) == 0,
		  "compiler %s", compiler);
	cr_assert(json_is_string(fingerprint_test_get(build, "cflags")));
	cr_assert(json_is_string(fingerprint_test_get(build, "git_commit")));
	cr_assert_str_neq(json_string_value(fingerprint_test_get(build, "arch")), "");
	json_decref(build);
}
