/*
 * The VM as a workload of `locklab run`: a VM cell is (guest, lock, harts,
 * workers); a rep boots the guest and runs it to completion in a forked child
 * under a watchdog (harness/isolate.h), as every other cell's rep runs, with the
 * cross-CPU round trip probed before and after so the rep gets its machine phase.
 * A guest that reports failure fails the rep (status guest_fail, its code kept).
 *
 * Guests are found by name in the build's guests folder: $LOCKLAB_GUESTS, else
 * guests/ next to the binary (build/locklab finds build/guests/); --elf FILE runs
 * a user's own.
 */
#ifndef LOCKLAB_VM_CELL_H
#define LOCKLAB_VM_CELL_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/timer.h"
#include "locks/registry.h"

#define VM_CELL_MAX_SITES 16

/* The self-checking guests `run --workload vm` knows (vmcore/guests/). */
extern const char *const vm_guest_names[];
extern const size_t vm_guest_count;

/* The ELF of guest name; false (errno ENOENT) when it is not built. */
bool vm_guest_path(const char *name, char *out, size_t size);

struct vm_cell {
	const struct ll_info *lock;
	char guest[64];     /* a guest name, or the --elf file's name without .elf */
	char elf[PATH_MAX];
	unsigned harts, workers;
	/* With --affinity or --mem-policy, the cell's policies (indexes into the
	 * run's lists, harness/run_placement.h): its workers' CPUs, and where guest
	 * RAM and the VM's lock objects live. */
	bool placed;
	unsigned affinity, mem;
	char id[160];       /* vm.<guest>.<lock>.h<harts>.w<workers>[.aff<a>.mem<m>] */
};

void vm_cell_make_id(struct vm_cell *cell);

struct run_placement;

struct vm_cell_environment {
	const struct timer_calibration *timer;
	const struct run_placement *placement; /* the run's, for placed cells */
	const char *site_locks;   /* --site overrides, or NULL */
	bool site_profile;
	double timeout_s;         /* the guest's limit; the watchdog adds 10 s */
	uint32_t guest_iters;     /* the guests' loop count (sysinfo); 0: their own */
	int probe_cpus[2];        /* the round-trip probe's pair; -1: no probe */
	unsigned probe_round_trips;
};

enum vm_cell_status { VM_CELL_OK, VM_CELL_GUEST_FAIL, VM_CELL_TIMEOUT, VM_CELL_CRASHED,
		      VM_CELL_ERROR };

struct vm_cell_site {
	char name[32], lock[48];
	bool rw_ops;
	unsigned instances;
	uint64_t lock_bytes, acquisitions, contended;
	uint64_t wait_p50_ns, wait_p99_ns, wait_total_ns, hold_p50_ns, hold_p99_ns, hold_total_ns;
};

/* Plain data: it crosses the pipe from the child. */
struct vm_cell_result {
	enum vm_cell_status status;
	int crash_signal;
	char outcome[24];   /* vmcore's outcome name ("pass", "fail", "trap"...) */
	uint64_t guest_code;
	double wall_s;
	uint64_t insns;
	double cpu_user_s, cpu_sys_s;
	long ctx_voluntary, ctx_involuntary;
	uint64_t rss_peak_bytes;
	double round_trip_before_ns, round_trip_after_ns; /* NaN: not probed */
	/* Verified placement (vm_host.h): nodes -1 when unknown; ran_on the CPU
	 * each worker ended on, ';'-separated. */
	int ram_node, lock_node;
	char ran_on[96];
	size_t site_count;
	struct vm_cell_site sites[VM_CELL_MAX_SITES];
	char error[640];    /* VM_CELL_ERROR: why, one line */
};

const char *vm_cell_status_name(enum vm_cell_status status);

/* Returns -1 with errno only when no child could be started. */
int vm_cell_run_isolated(const struct vm_cell *cell, const struct vm_cell_environment *env,
			 struct vm_cell_result *result);

#endif
