#include "harness/fingerprint.h"

#include "harness/topology.h"

#include <ctype.h>
#include <hwloc.h>
#include <numa.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#ifndef LOCKLAB_CK_VERSION
#define LOCKLAB_CK_VERSION "unknown"
#endif
#ifndef LOCKLAB_CFLAGS
#define LOCKLAB_CFLAGS "unknown"
#endif
#ifndef LOCKLAB_GIT_COMMIT
#define LOCKLAB_GIT_COMMIT "unknown"
#endif

#define FINGERPRINT_STRINGIFY_(x) #x
#define FINGERPRINT_STRINGIFY(x) FINGERPRINT_STRINGIFY_(x)

/* sysfs values and names are short; a longer line is cut, not an error. */
#define FINGERPRINT_LINE_MAX 256

/*
 * Every key goes through here so one flag says whether the object is whole.
 * json_object_set_new() takes the reference even when it fails and fails on a
 * NULL value, so a failed json_*() constructor needs no separate check.
 */
static void fingerprint_set(json_t *object, const char *key, json_t *value, bool *failed)
{
	if (json_object_set_new(object, key, value) != 0)
		*failed = true;
}

/* A JSON string, or null for NULL. Bytes that are not valid UTF-8 (a
 * hostname or firmware string can hold any) become '?' rather than losing the
 * whole value: jansson refuses invalid UTF-8. */
static json_t *fingerprint_string(const char *text)
{
	json_t *value;
	char *copy;

	if (text == NULL)
		return json_null();
	value = json_string(text);
	if (value != NULL)
		return value;
	copy = strdup(text);
	if (copy == NULL)
		return NULL;
	for (char *c = copy; *c != '\0'; c++)
		if ((unsigned char)*c >= 0x80 || iscntrl((unsigned char)*c))
			*c = '?';
	value = json_string(copy);
	free(copy);
	return value;
}

static char *fingerprint_trim(char *text)
{
	size_t length;

	while (isspace((unsigned char)*text))
		text++;
	length = strlen(text);
	while (length > 0 && isspace((unsigned char)text[length - 1]))
		text[--length] = '\0';
	return text;
}

/* First line of a small file, trimmed. False when unreadable or empty. Stops
 * at a NUL too, which makes a device-tree string list yield its first entry. */
static bool fingerprint_read_line(const char *path, char *buffer, size_t size)
{
	FILE *file = fopen(path, "r");
	char *trimmed;
	bool ok;

	if (file == NULL)
		return false;
	ok = fgets(buffer, (int)size, file) != NULL;
	fclose(file);
	if (!ok)
		return false;
	trimmed = fingerprint_trim(buffer);
	memmove(buffer, trimmed, strlen(trimmed) + 1);
	return buffer[0] != '\0';
}

static json_t *fingerprint_file_string(const char *path)
{
	char line[FINGERPRINT_LINE_MAX];

	return fingerprint_read_line(path, line, sizeof(line)) ? fingerprint_string(line)
							       : json_null();
}

/* The first processor's block of /proc/cpuinfo; any field may stay NULL. */
struct fingerprint_cpuinfo {
	char *model_name;
	char *flags; /* x86 "flags" or arm "Features" */
	char *implementer;
	char *part;
};

static void fingerprint_keep(char **field, const char *value)
{
	if (*field == NULL)
		*field = strdup(value);
}

static void fingerprint_read_cpuinfo(struct fingerprint_cpuinfo *info)
{
	FILE *file = fopen("/proc/cpuinfo", "r");
	size_t capacity = 0;
	bool seen = false;
	char *line = NULL;

	memset(info, 0, sizeof(*info));
	if (file == NULL)
		return;
	while (getline(&line, &capacity, file) >= 0) {
		char *colon = strchr(line, ':'), *key, *value;

		if (colon == NULL) {
			/* A blank line ends a processor's block; later ones repeat it. */
			if (seen && fingerprint_trim(line)[0] == '\0')
				break;
			continue;
		}
		*colon = '\0';
		key = fingerprint_trim(line);
		value = fingerprint_trim(colon + 1);
		seen = true;
		if (strcmp(key, "model name") == 0)
			fingerprint_keep(&info->model_name, value);
		else if (strcmp(key, "flags") == 0 || strcmp(key, "Features") == 0)
			fingerprint_keep(&info->flags, value);
		else if (strcmp(key, "CPU implementer") == 0)
			fingerprint_keep(&info->implementer, value);
		else if (strcmp(key, "CPU part") == 0)
			fingerprint_keep(&info->part, value);
	}
	free(line);
	fclose(file);
}

static void fingerprint_free_cpuinfo(struct fingerprint_cpuinfo *info)
{
	free(info->model_name);
	free(info->flags);
	free(info->implementer);
	free(info->part);
}

static bool fingerprint_has_word(const char *list, const char *word)
{
	size_t length = strlen(word);

	for (const char *at = list; list != NULL && (at = strstr(at, word)) != NULL; at += length) {
		bool starts = at == list || isspace((unsigned char)at[-1]);
		bool ends = at[length] == '\0' || isspace((unsigned char)at[length]);

		if (starts && ends)
			return true;
	}
	return false;
}

/* Arm's registry of implementer codes (MIDR_EL1 bits 31:24), the common ones;
 * the part number is left as a code since its table changes every year. */
static const char *fingerprint_arm_vendor(unsigned long implementer)
{
	static const struct {
		unsigned long code;
		const char *name;
	} vendors[] = {
		{ 0x41, "ARM" },      { 0x42, "Broadcom" }, { 0x43, "Cavium" },
		{ 0x46, "Fujitsu" },  { 0x48, "HiSilicon" }, { 0x4e, "NVIDIA" },
		{ 0x50, "APM" },      { 0x51, "Qualcomm" }, { 0x61, "Apple" },
		{ 0x6d, "Microsoft" }, { 0xc0, "Ampere" },
	};

	for (size_t i = 0; i < sizeof(vendors) / sizeof(vendors[0]); i++)
		if (vendors[i].code == implementer)
			return vendors[i].name;
	return "unknown";
}

static json_t *fingerprint_cpu_model(const struct fingerprint_cpuinfo *info,
				     hwloc_topology_t topology)
{
	char model[FINGERPRINT_LINE_MAX];
	hwloc_obj_t package;
	const char *hwloc_model;

	if (info->model_name != NULL && info->model_name[0] != '\0')
		return fingerprint_string(info->model_name);
	if (info->implementer != NULL) {
		snprintf(model, sizeof(model), "%s implementer %s part %s",
			 fingerprint_arm_vendor(strtoul(info->implementer, NULL, 0)),
			 info->implementer, info->part != NULL ? info->part : "unknown");
		return fingerprint_string(model);
	}
	if (topology != NULL) {
		package = hwloc_get_obj_by_type(topology, HWLOC_OBJ_PACKAGE, 0);
		hwloc_model = package != NULL ? hwloc_obj_get_info_by_name(package, "CPUModel")
					      : NULL;
		if (hwloc_model != NULL)
			return fingerprint_string(hwloc_model);
	}
	return json_null();
}

static json_t *fingerprint_count(hwloc_topology_t topology, hwloc_obj_type_t type)
{
	int count;

	if (topology == NULL)
		return json_null();
	count = hwloc_get_nbobjs_by_type(topology, type);
	return count >= 0 ? json_integer(count) : json_null();
}

static const char *fingerprint_cache_type(hwloc_obj_cache_type_t type)
{
	switch (type) {
	case HWLOC_OBJ_CACHE_DATA:
		return "data";
	case HWLOC_OBJ_CACHE_INSTRUCTION:
		return "instruction";
	case HWLOC_OBJ_CACHE_UNIFIED:
		return "unified";
	}
	return "unknown";
}

/* Adds one cache instance to `caches`, counting it into an alike entry. */
static int fingerprint_add_cache(json_t *caches, hwloc_obj_t cache)
{
	json_int_t level = cache->attr->cache.depth;
	const char *type = fingerprint_cache_type(cache->attr->cache.type);
	json_int_t size = (json_int_t)cache->attr->cache.size;
	json_int_t line = cache->attr->cache.linesize;
	json_int_t shared_by = hwloc_bitmap_weight(cache->cpuset);
	size_t index;
	json_t *entry;

	json_array_foreach (caches, index, entry) {
		if (json_integer_value(json_object_get(entry, "level")) == level &&
		    strcmp(json_string_value(json_object_get(entry, "type")), type) == 0 &&
		    json_integer_value(json_object_get(entry, "size_bytes")) == size &&
		    json_integer_value(json_object_get(entry, "line_bytes")) == line &&
		    json_integer_value(json_object_get(entry, "shared_by_pus")) == shared_by) {
			json_int_t count = json_integer_value(json_object_get(entry, "count"));

			return json_object_set_new(entry, "count", json_integer(count + 1));
		}
	}
	entry = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I}", "level", level, "type", type,
			  "size_bytes", size, "line_bytes", line, "shared_by_pus", shared_by,
			  "count", (json_int_t)1);
	return json_array_append_new(caches, entry);
}

static json_t *fingerprint_caches(hwloc_topology_t topology)
{
	/* Level order, data and unified before instruction within a level. */
	static const hwloc_obj_type_t types[] = {
		HWLOC_OBJ_L1CACHE, HWLOC_OBJ_L1ICACHE, HWLOC_OBJ_L2CACHE, HWLOC_OBJ_L2ICACHE,
		HWLOC_OBJ_L3CACHE, HWLOC_OBJ_L3ICACHE, HWLOC_OBJ_L4CACHE, HWLOC_OBJ_L5CACHE,
	};
	json_t *caches;

	if (topology == NULL)
		return json_null();
	caches = json_array();
	if (caches == NULL)
		return NULL;
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		hwloc_obj_t cache = NULL;

		while ((cache = hwloc_get_next_obj_by_type(topology, types[t], cache)) != NULL) {
			if (fingerprint_add_cache(caches, cache) != 0) {
				json_decref(caches);
				return NULL;
			}
		}
	}
	return caches;
}

static json_t *fingerprint_numa_nodes(void)
{
	int nodes;

	/* numa_available() must come first: other libnuma calls are undefined
	 * without kernel NUMA support. Without it the machine is one node. */
	if (numa_available() < 0)
		return json_integer(1);
	nodes = numa_num_configured_nodes();
	return json_integer(nodes >= 1 ? nodes : 1);
}

static json_t *fingerprint_memory_bytes(void)
{
	long pages = sysconf(_SC_PHYS_PAGES), page_size = sysconf(_SC_PAGESIZE);

	if (pages <= 0 || page_size <= 0)
		return json_null();
	return json_integer((json_int_t)pages * page_size);
}

/* "1"/"0" from a sysfs flag; `inverted` for no_turbo, which says the opposite. */
static json_t *fingerprint_flag_file(const char *path, bool inverted)
{
	char line[FINGERPRINT_LINE_MAX];

	if (!fingerprint_read_line(path, line, sizeof(line)) ||
	    (strcmp(line, "0") != 0 && strcmp(line, "1") != 0))
		return NULL;
	return json_boolean((strcmp(line, "1") == 0) != inverted);
}

/* Which file exists depends on the cpufreq driver: acpi-cpufreq and
 * amd-pstate have the global boost, newer kernels per-policy boost,
 * intel_pstate only no_turbo. NULL return from a reader means "absent". */
static json_t *fingerprint_boost(void)
{
	json_t *boost = fingerprint_flag_file("/sys/devices/system/cpu/cpufreq/boost", false);

	if (boost == NULL)
		boost = fingerprint_flag_file("/sys/devices/system/cpu/cpufreq/policy0/boost", false);
	if (boost == NULL)
		boost = fingerprint_flag_file("/sys/devices/system/cpu/intel_pstate/no_turbo", true);
	return boost != NULL ? boost : json_null();
}

struct fingerprint_virtualization {
	char name[FINGERPRINT_LINE_MAX];
	const char *evidence;
};

static void fingerprint_virt_set(struct fingerprint_virtualization *virt, const char *name,
				 const char *evidence)
{
	snprintf(virt->name, sizeof(virt->name), "%s", name);
	virt->evidence = evidence;
}

/* The vendor signature a hypervisor puts in CPUID leaf 0x40000000, read
 * only when CPUID.1:ECX bit 31 (the bit behind cpuinfo's `hypervisor` flag)
 * is set: on bare metal that leaf returns unrelated data. */
static const char *fingerprint_cpuid_hypervisor(void)
{
#if defined(__x86_64__) || defined(__i386__)
	static const struct {
		char signature[13];
		const char *name;
	} known[] = {
		{ "KVMKVMKVM\0\0\0", "kvm" }, { "Linux KVM Hv", "kvm" },
		{ "Microsoft Hv", "hyperv" }, { "VMwareVMware", "vmware" },
		{ "XenVMMXenVMM", "xen" },    { "TCGTCGTCGTCG", "qemu" },
		{ "VBoxVBoxVBox", "virtualbox" }, { "bhyve bhyve ", "bhyve" },
		{ " lrpepyh  vr", "parallels" }, { "ACRNACRNACRN", "acrn" },
	};
	unsigned eax, ebx, ecx, edx;
	char signature[12];

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !(ecx & (1u << 31)))
		return NULL;
	__cpuid(0x40000000, eax, ebx, ecx, edx);
	memcpy(signature, &ebx, 4);
	memcpy(signature + 4, &ecx, 4);
	memcpy(signature + 8, &edx, 4);
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (memcmp(signature, known[i].signature, sizeof(signature)) == 0)
			return known[i].name;
#endif
	return NULL;
}

/* DMI strings of virtual platforms; matched as substrings. A vendor alone is
 * not enough for clouds that also sell bare metal (EC2's *.metal types). */
static const char *fingerprint_dmi_hypervisor(void)
{
	static const struct {
		const char *vendor, *product, *name;
	} known[] = {
		{ "QEMU", NULL, "qemu" },
		{ NULL, "KVM", "kvm" },
		{ "VMware", NULL, "vmware" },
		{ NULL, "VMware", "vmware" },
		{ "innotek", NULL, "virtualbox" },
		{ NULL, "VirtualBox", "virtualbox" },
		{ "Xen", NULL, "xen" },
		{ "Microsoft Corporation", "Virtual Machine", "hyperv" },
		{ "Parallels", NULL, "parallels" },
		{ "BHYVE", NULL, "bhyve" },
		{ "Google", "Google Compute Engine", "gce" },
	};
	char vendor[FINGERPRINT_LINE_MAX] = "", product[FINGERPRINT_LINE_MAX] = "";

	fingerprint_read_line("/sys/class/dmi/id/sys_vendor", vendor, sizeof(vendor));
	fingerprint_read_line("/sys/class/dmi/id/product_name", product, sizeof(product));
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		bool vendor_ok = known[i].vendor == NULL || strstr(vendor, known[i].vendor) != NULL;
		bool product_ok =
			known[i].product == NULL || strstr(product, known[i].product) != NULL;

		if (vendor_ok && product_ok)
			return known[i].name;
	}
	return NULL;
}

/* Most specific evidence first; the bare `hypervisor` flag only says "some". */
static void fingerprint_detect_virtualization(struct fingerprint_virtualization *virt,
					      const struct fingerprint_cpuinfo *info)
{
	char line[FINGERPRINT_LINE_MAX];
	const char *name;

	if (fingerprint_read_line("/sys/hypervisor/type", line, sizeof(line))) {
		for (char *c = line; *c != '\0'; c++)
			*c = (char)tolower((unsigned char)*c);
		fingerprint_virt_set(virt, line, "sys-hypervisor");
		return;
	}
	/* e.g. "xen,xen-4.17" then "xen,xen": the vendor is before the comma. */
	if (fingerprint_read_line("/proc/device-tree/hypervisor/compatible", line, sizeof(line))) {
		line[strcspn(line, ",")] = '\0';
		fingerprint_virt_set(virt, line, "device-tree");
		return;
	}
	if ((name = fingerprint_cpuid_hypervisor()) != NULL) {
		fingerprint_virt_set(virt, name, "cpuid");
		return;
	}
	if ((name = fingerprint_dmi_hypervisor()) != NULL) {
		fingerprint_virt_set(virt, name, "dmi");
		return;
	}
	if (fingerprint_has_word(info->flags, "hypervisor")) {
		fingerprint_virt_set(virt, "unknown-hypervisor", "cpuinfo-flag");
		return;
	}
	fingerprint_virt_set(virt, "none", "none-found");
}

static json_t *fingerprint_libraries(void)
{
	unsigned hwloc_api = hwloc_get_api_version();
	char hwloc_version[32], numa_version[16];
	json_t *libraries = json_object();
	bool failed = libraries == NULL;

	snprintf(hwloc_version, sizeof(hwloc_version), "%u.%u.%u", hwloc_api >> 16,
		 (hwloc_api >> 8) & 0xff, hwloc_api & 0xff);
	snprintf(numa_version, sizeof(numa_version), "%d", LIBNUMA_API_VERSION);
	if (failed)
		return NULL;
	fingerprint_set(libraries, "hwloc", json_string(hwloc_version), &failed);
#ifdef HWLOC_VERSION
	fingerprint_set(libraries, "hwloc_headers", json_string(HWLOC_VERSION), &failed);
#else
	fingerprint_set(libraries, "hwloc_headers", json_null(), &failed);
#endif
	fingerprint_set(libraries, "libnuma", json_string(numa_version), &failed);
	fingerprint_set(libraries, "jansson", json_string(JANSSON_VERSION), &failed);
	fingerprint_set(libraries, "ck", fingerprint_string(LOCKLAB_CK_VERSION), &failed);
	if (failed) {
		json_decref(libraries);
		return NULL;
	}
	return libraries;
}

json_t *fingerprint_collect(void)
{
	struct fingerprint_virtualization virt;
	struct fingerprint_cpuinfo info;
	hwloc_topology_t topology = NULL;
	json_t *fingerprint = json_object();
	struct utsname host;
	bool have_uname = uname(&host) == 0;
	bool failed = fingerprint == NULL;
	char kernel[2 * sizeof(host.release) + 2];
	int allowed_cpus;

	if (failed)
		return NULL;
	/* hwloc failing is an unreadable machine, not an error: its keys go null.
	 * hwloc drops instruction caches by default; a fingerprint wants them. */
	if (hwloc_topology_init(&topology) != 0) {
		topology = NULL;
	} else if (hwloc_topology_set_icache_types_filter(topology, HWLOC_TYPE_FILTER_KEEP_ALL) !=
			   0 ||
		   hwloc_topology_load(topology) != 0) {
		hwloc_topology_destroy(topology);
		topology = NULL;
	}
	fingerprint_read_cpuinfo(&info);
	fingerprint_detect_virtualization(&virt, &info);

	fingerprint_set(fingerprint, "cpu_model", fingerprint_cpu_model(&info, topology), &failed);
	fingerprint_set(fingerprint, "cpu_flags", fingerprint_string(info.flags), &failed);
	fingerprint_set(fingerprint, "cores", fingerprint_count(topology, HWLOC_OBJ_CORE), &failed);
	fingerprint_set(fingerprint, "pus", fingerprint_count(topology, HWLOC_OBJ_PU), &failed);
	fingerprint_set(fingerprint, "packages", fingerprint_count(topology, HWLOC_OBJ_PACKAGE),
			&failed);
	fingerprint_set(fingerprint, "caches", fingerprint_caches(topology), &failed);
	fingerprint_set(fingerprint, "numa_nodes", fingerprint_numa_nodes(), &failed);
	fingerprint_set(fingerprint, "memory_bytes", fingerprint_memory_bytes(), &failed);
	if (have_uname)
		snprintf(kernel, sizeof(kernel), "%s %s", host.release, host.version);
	fingerprint_set(fingerprint, "kernel", fingerprint_string(have_uname ? kernel : NULL),
			&failed);
	fingerprint_set(fingerprint, "machine", fingerprint_string(have_uname ? host.machine : NULL),
			&failed);
	fingerprint_set(fingerprint, "hostname",
			fingerprint_string(have_uname ? host.nodename : NULL), &failed);
	fingerprint_set(fingerprint, "governor",
			fingerprint_file_string(
				"/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"),
			&failed);
	fingerprint_set(fingerprint, "boost", fingerprint_boost(), &failed);
	fingerprint_set(fingerprint, "virtualization", fingerprint_string(virt.name), &failed);
	fingerprint_set(fingerprint, "virtualization_evidence", json_string(virt.evidence),
			&failed);
	fingerprint_set(fingerprint, "online_cpus", json_integer(topology_online_cpus()), &failed);
	allowed_cpus = topology_cpu_list(NULL, 0);
	fingerprint_set(fingerprint, "allowed_cpus",
			allowed_cpus > 0 ? json_integer(allowed_cpus) : json_null(), &failed);
	fingerprint_set(fingerprint, "libraries", fingerprint_libraries(), &failed);

	fingerprint_free_cpuinfo(&info);
	if (topology != NULL)
		hwloc_topology_destroy(topology);
	if (failed) {
		json_decref(fingerprint);
		return NULL;
	}
	return fingerprint;
}

#if defined(__clang__)
#define FINGERPRINT_COMPILER                                                                     \
	"clang " FINGERPRINT_STRINGIFY(__clang_major__) "." FINGERPRINT_STRINGIFY(               \
		__clang_minor__) "." FINGERPRINT_STRINGIFY(__clang_patchlevel__) " (" __VERSION__ ")"
#elif defined(__GNUC__)
#define FINGERPRINT_COMPILER "gcc " __VERSION__
#elif defined(__VERSION__)
#define FINGERPRINT_COMPILER "unknown " __VERSION__
#else
#define FINGERPRINT_COMPILER "unknown"
#endif

#if defined(__x86_64__)
#define FINGERPRINT_ARCH "x86_64"
#elif defined(__aarch64__)
#define FINGERPRINT_ARCH "aarch64"
#elif defined(__riscv) && __riscv_xlen == 64
#define FINGERPRINT_ARCH "riscv64"
#elif defined(__powerpc64__) && defined(__LITTLE_ENDIAN__)
#define FINGERPRINT_ARCH "ppc64le"
#elif defined(__powerpc64__)
#define FINGERPRINT_ARCH "ppc64"
#elif defined(__s390x__)
#define FINGERPRINT_ARCH "s390x"
#elif defined(__i386__)
#define FINGERPRINT_ARCH "i386"
#elif defined(__arm__)
#define FINGERPRINT_ARCH "arm"
#else
#define FINGERPRINT_ARCH "unknown"
#endif

json_t *fingerprint_build(void)
{
	json_t *build = json_object();
	bool failed = build == NULL;

	if (failed)
		return NULL;
	fingerprint_set(build, "compiler", fingerprint_string(FINGERPRINT_COMPILER), &failed);
	fingerprint_set(build, "cflags", fingerprint_string(LOCKLAB_CFLAGS), &failed);
	fingerprint_set(build, "git_commit", fingerprint_string(LOCKLAB_GIT_COMMIT), &failed);
	fingerprint_set(build, "arch", json_string(FINGERPRINT_ARCH), &failed);
	if (failed) {
		json_decref(build);
		return NULL;
	}
	return build;
}
