/*
 * The VM cells of a `locklab run` (--workload vm): the plan (guests x locks x
 * harts x workers, reps each), what its reps measured, and the files they go to.
 *
 * While the run goes, each finished rep is appended to .vm.partial.csv in one
 * synced write: its site lines first, then its run line, every figure exact
 * (%.17g), so --resume takes up exactly the reps whose run line is whole. When the
 * run finishes: vm_runs.csv (one row per rep), vm_sites.csv (one row per rep and
 * lock site) and the VM cells' rows of summary.csv, per machine phase like every
 * other cell: mips, mips_per_hart, wall_s, cpu_user_s, cpu_sys_s, rss_peak_bytes,
 * lock_bytes_total, acquisitions, and with --site-profile contended and
 * wait_ns_total.
 */
#ifndef LOCKLAB_VM_PLAN_H
#define LOCKLAB_VM_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "harness/bundle.h"
#include "harness/matrix.h"
#include "harness/phase.h"
#include "harness/vm_cell.h"

#define VM_PLAN_PARTIAL ".vm.partial.csv"
#define VM_PLAN_MAX_VALUES 16

struct vm_plan_request {
	const char *guests;  /* "name[,name...]", or NULL with elf */
	const char *elf;     /* a user's own guest, or NULL */
	unsigned harts[VM_PLAN_MAX_VALUES];
	size_t harts_count;
	unsigned workers[VM_PLAN_MAX_VALUES]; /* none: min(harts, CPUs) */
	size_t workers_count;
	const char *site_locks; /* --site, for the rows */
	bool site_profile;
	unsigned reps;          /* 0: the run's --reps */
};

struct vm_plan {
	struct vm_cell *cells;
	size_t cell_count;
	struct matrix_skip *skips;
	size_t skip_count;
	unsigned reps;
	size_t total;                    /* cell_count * reps */
	struct vm_cell_result *results;  /* per pair = cell * reps + rep */
	bool *done;
	const char *site_locks;
	bool site_profile;
	const struct run_placement *placement; /* a placed run's, else NULL */
	int partial_fd;                  /* -1 when not open */
};

struct run_placement;

/* Crosses the request with locks, and with the placements of a placed run
 * (placement NULL: none; the cells' workers then go where the OS puts them).
 * Returns 0, or 2 after printing the one-line error (an unknown or unbuilt
 * guest, an unreadable --elf), or 3 (no memory). */
int vm_plan_expand(struct vm_plan *plan, const struct vm_plan_request *request,
		   const struct ll_info *const *locks, size_t lock_count, unsigned reps,
		   unsigned cpus, const struct run_placement *placement);
void vm_plan_free(struct vm_plan *plan);

/* Leaves out the cells of a lock that failed its pre-flight (before anything of
 * the plan is measured); recorded as skips. lock NULL: nothing. */
void vm_plan_drop_lock(struct vm_plan *plan, const struct ll_info *lock);

/* .vm.partial.csv: started empty (synced) for a fresh run; for a resumed one the
 * reps it holds are taken up (a torn last line dropped) and the file rewritten
 * with them. -1 with why (one line about that file) when it cannot be. */
int vm_plan_start_partial(struct vm_plan *plan, const struct bundle *bundle, bool resume,
			  char *why, size_t why_size);
int vm_plan_append(struct vm_plan *plan, size_t pair);

/* The phase of each finished rep, from fit; the final files. */
int vm_plan_write_runs(const struct vm_plan *plan, const struct bundle *bundle,
		       const struct phase_fit *fit);
int vm_plan_write_sites(const struct vm_plan *plan, const struct bundle *bundle);
/* The VM cells' summary.csv rows (after the other cells', same columns). */
void vm_plan_write_summary(FILE *out, const struct vm_plan *plan, const struct phase_fit *fit);

/* The probes of every finished rep, for fitting the phases of a run of VM cells only. */
size_t vm_plan_probes(const struct vm_plan *plan, double *out);

/* The end-of-run block: median MIPS per lock and harts, and the sites that
 * waited longest. */
void vm_plan_print_ranking(FILE *out, const struct vm_plan *plan);

#endif
