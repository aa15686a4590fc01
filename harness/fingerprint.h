/*
 * What machine and what build produced a result bundle: the `fingerprint` and
 * `build` objects of meta.json. A reader comparing two bundles checks these
 * first, since a different governor, hypervisor or compiler explains more
 * differences than any lock does.
 *
 * Contract: anything that cannot be read here (a missing sysfs file, a
 * container hiding /proc, hwloc failing to load) becomes JSON null and never
 * a failure, so a bundle is always written. Both functions return a new
 * reference the caller json_decref()s, or NULL only when memory runs out.
 * Nothing prints.
 *
 * fingerprint_collect() keys:
 *   cpu_model        "model name" from /proc/cpuinfo; on aarch64 (no model
 *                    name) "<vendor> implementer 0x.. part 0x..." from the
 *                    "CPU implementer"/"CPU part" lines; else hwloc's
 *                    CPUModel; else null
 *   cpu_flags        the "flags" (x86) or "Features" (arm) line, one string
 *   cores, pus, packages
 *                    hwloc object counts (CORE, PU, PACKAGE)
 *   caches           [{level, type ("data"|"instruction"|"unified"),
 *                    size_bytes, line_bytes, shared_by_pus, count}], one entry
 *                    per distinct kind of cache: caches alike in level, type,
 *                    size, line and sharing are one entry with `count`
 *                    instances. On a uniform machine that is one entry per
 *                    level and type; hybrid CPUs (P and E cores) keep both.
 *   numa_nodes       numa_num_configured_nodes(), 1 when libnuma says NUMA
 *                    is unavailable
 *   memory_bytes     physical memory (sysconf pages x page size)
 *   kernel           uname release and version; machine, hostname likewise
 *   governor         cpu0's cpufreq scaling_governor, null without cpufreq
 *   boost            true/false: cpufreq/boost, else cpufreq/policy0/boost,
 *                    else intel_pstate/no_turbo inverted; null when none
 *   virtualization   "none" or the hypervisor ("kvm", "xen", "vmware",
 *                    "hyperv", "qemu", "virtualbox", ..., or
 *                    "unknown-hypervisor"); see virtualization_evidence
 *   virtualization_evidence
 *                    which check decided it: "sys-hypervisor"
 *                    (/sys/hypervisor/type), "device-tree"
 *                    (/proc/device-tree/hypervisor/compatible, arm),
 *                    "cpuid" (x86 CPUID leaf 0x40000000 vendor signature,
 *                    read only when CPUID.1:ECX.31 says a hypervisor is
 *                    present), "dmi" (/sys/class/dmi/id sys_vendor and
 *                    product_name of known virtual platforms), "cpuinfo-flag"
 *                    (the `hypervisor` flag alone), or "none-found"
 *   online_cpus      CPUs online; allowed_cpus: those this process may use
 *   libraries        {hwloc: runtime hwloc_get_api_version() as x.y.z (the
 *                    API level, which can lag the package version),
 *                    hwloc_headers: HWLOC_VERSION compiled against, libnuma:
 *                    LIBNUMA_API_VERSION, jansson: JANSSON_VERSION, ck:
 *                    LOCKLAB_CK_VERSION}
 *
 * fingerprint_build() keys: compiler, cflags, git_commit, arch.
 *
 * Build-time macros, string literals the Makefile passes (each "unknown" when
 * absent), e.g. -DLOCKLAB_CK_VERSION='"0.7.1"':
 *   LOCKLAB_CK_VERSION   pkg-config --modversion ck
 *   LOCKLAB_CFLAGS       the flags the objects were compiled with
 *   LOCKLAB_GIT_COMMIT   git describe --always --dirty
 * They are compiled into fingerprint.o, so it must be rebuilt when they change.
 */
#ifndef LOCKLAB_FINGERPRINT_H
#define LOCKLAB_FINGERPRINT_H

#include <jansson.h>

json_t *fingerprint_collect(void);
json_t *fingerprint_build(void);

#endif
