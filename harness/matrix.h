/*
 * The experiment matrix: which cells a run measures. A profile (quick, bench,
 * full) is a short list of blocks, each a workload with its parameter lists; the
 * command line can replace the blocks with one of its own. Expanding a block
 * crosses its lists with the selected locks; a cell that cannot run (a
 * single-writer lock asked to be a mutex, fewer threads than the workload needs)
 * is skipped with a recorded reason.
 */
#ifndef LOCKLAB_MATRIX_H
#define LOCKLAB_MATRIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness/cell.h"

#define MATRIX_MAX_VALUES 16

/* A thread count: absolute, or a multiple of the online CPUs when per_cpu. */
struct thread_count {
	unsigned count;
	bool per_cpu;
};

struct matrix_block {
	const char *workload; /* a name in workload_registry */
	struct thread_count threads[MATRIX_MAX_VALUES];
	size_t thread_count;
	unsigned cs_ns[MATRIX_MAX_VALUES];
	size_t cs_count;
	unsigned ncs_ns[MATRIX_MAX_VALUES];
	size_t ncs_count;
	unsigned read_pct[MATRIX_MAX_VALUES];
	size_t read_count;
	unsigned cs_lines[MATRIX_MAX_VALUES]; /* none listed: the workload's default_lines */
	size_t lines_count;
};

/* Whether name is one of list's comma-separated names (a slice's locks). */
bool matrix_listed(const char *list, const char *name);

/* A profile's VM slice: what --workload vm would ask for (harness/vm_plan.h). */
struct matrix_vm_slice {
	const char *guests; /* comma-separated */
	const char *locks;  /* comma-separated, of the run's locks; NULL: all of them */
	unsigned harts[MATRIX_MAX_VALUES];
	size_t harts_count;
	unsigned workers[MATRIX_MAX_VALUES]; /* none: min(harts, CPUs) */
	size_t workers_count;
	unsigned reps;
};

/* A profile's placement slice: its block, on the named locks, measured under each
 * of its affinities besides the run's first (round-robin), so one report shows
 * what placement does to a lock. Used when the run is given no placement. */
struct matrix_placement_slice {
	struct matrix_block block;
	const char *locks; /* comma-separated */
	const char *affinities[4];
	size_t affinity_count;
};

struct matrix_profile {
	const char *name;
	const char *summary;
	double duration_s;
	double warmup_s;
	unsigned reps;
	bool run_length;   /* one more, instrumented rep per cell it applies to */
	const struct matrix_block *blocks;
	size_t block_count;
	const struct matrix_vm_slice *vm; /* NULL: none */
	const struct matrix_placement_slice *placement; /* NULL: none */
};

extern const struct matrix_profile matrix_profiles[];
extern const size_t matrix_profile_count;
const struct matrix_profile *matrix_find_profile(const char *name);

struct matrix_skip {
	char what[160];
	char reason[96];
};

struct matrix {
	struct cell *cells;
	size_t cell_count;
	struct matrix_skip *skips;
	size_t skip_count;
};

/* Crosses blocks with locks. Returns -1 (errno ENOMEM) on allocation failure. */
int matrix_expand(struct matrix *matrix, const struct matrix_block *blocks, size_t block_count,
		  const struct ll_info *const *locks, size_t lock_count, unsigned online_cpus);
void matrix_free(struct matrix *matrix);

/* Crosses every cell with the run's affinity and memory policies (their texts,
 * kept by the caller for the run); placed: the ids carry the indexes. -1 (ENOMEM). */
int matrix_cross_placements(struct matrix *matrix, const char *const *affinities,
			    size_t affinity_count, const char *const *mems, size_t mem_count,
			    bool placed);

/* Appends the slice's block on those of locks it names, crossed with affinities
 * 1 .. affinity_count-1 (the texts' indexes) and every memory policy; ids carry
 * the indexes. -1 (errno ENOMEM or EINVAL, as matrix_expand). */
int matrix_add_placement_slice(struct matrix *matrix, const struct matrix_placement_slice *slice,
			       const struct ll_info *const *locks, size_t lock_count,
			       unsigned online_cpus, const char *const *affinities,
			       size_t affinity_count, const char *const *mems, size_t mem_count);

/* Leaves out the cells for which drop(cell, arg) gives a reason, recording it.
 * -1 (ENOMEM) when a skip cannot be recorded. */
int matrix_drop(struct matrix *matrix, const char *(*drop)(const struct cell *cell, void *arg),
		void *arg);

/* The order (cell, rep) pairs run in: seeded Fisher-Yates, so slow drift of the
 * host is spread over every lock alike. order[i] = cell * reps + rep. */
void matrix_shuffle(size_t *order, size_t count, uint64_t seed);

#endif
