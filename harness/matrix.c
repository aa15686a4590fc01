#include "harness/matrix.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/random.h"

#define PER_CPU(n) { .count = (n), .per_cpu = true }
#define THREADS(n) { .count = (n), .per_cpu = false }
#define LIST(...) { __VA_ARGS__ }, sizeof((unsigned[]){ __VA_ARGS__ }) / sizeof(unsigned)
#define TLIST(...)                                                                        \
	{ __VA_ARGS__ }, sizeof((struct thread_count[]){ __VA_ARGS__ }) / sizeof(struct thread_count)


/* Columns: workload, threads, cs ns, ncs ns, read %, protected lines. */
static const struct matrix_block quick_blocks[] = {
	{ "uncontended", TLIST(THREADS(1)), LIST(0), LIST(0), LIST(0), LIST(0) },
	{ "contended", TLIST(PER_CPU(1)), LIST(50), LIST(50), LIST(0), LIST(0) },
	{ "rwmix", TLIST(PER_CPU(1)), LIST(100), LIST(100), LIST(90), LIST(0) },
	{ "handoff", TLIST(THREADS(2)), LIST(200000), LIST(0), LIST(0), LIST(0) },
	{ "oversubscribed", TLIST(PER_CPU(4)), LIST(50), LIST(200), LIST(0), LIST(0) },
};

static const struct matrix_block bench_blocks[] = {
	{ "uncontended", TLIST(THREADS(1)), LIST(0), LIST(0), LIST(0), LIST(0) },
	{ "contended", TLIST(THREADS(1), PER_CPU(1), PER_CPU(2)), LIST(50), LIST(200), LIST(0),
	  LIST(0) },
	{ "contended", TLIST(PER_CPU(1)), LIST(0, 1000), LIST(0), LIST(0), LIST(0) },
	{ "shared", TLIST(PER_CPU(1)), LIST(50), LIST(200), LIST(0), LIST(8) },
	{ "rwmix", TLIST(PER_CPU(1)), LIST(100), LIST(100), LIST(50, 90), LIST(0) },
	{ "handoff", TLIST(THREADS(2)), LIST(100, 200000), LIST(0), LIST(0), LIST(0) },
	{ "oversubscribed", TLIST(PER_CPU(2), PER_CPU(4), PER_CPU(8)), LIST(50), LIST(200),
	  LIST(0), LIST(0) },
};

static const struct matrix_block full_blocks[] = {
	{ "uncontended", TLIST(THREADS(1)), LIST(0), LIST(0), LIST(0), LIST(0, 1, 8) },
	{ "contended", TLIST(THREADS(1), THREADS(2), THREADS(4), THREADS(8), PER_CPU(1),
				PER_CPU(2)),
	  LIST(0, 50, 200, 1000), LIST(0, 50, 200, 1000), LIST(0), LIST(0) },
	{ "shared", TLIST(PER_CPU(1), PER_CPU(2)), LIST(50), LIST(200), LIST(0), LIST(1, 8, 32) },
	{ "rwmix", TLIST(THREADS(2), PER_CPU(1), PER_CPU(2)), LIST(100, 1000), LIST(100),
	  LIST(50, 90, 99), LIST(0) },
	{ "handoff", TLIST(THREADS(2), PER_CPU(1)), LIST(0, 100, 1000, 200000), LIST(0), LIST(0),
	  LIST(0, 8) },
	{ "oversubscribed", TLIST(PER_CPU(2), PER_CPU(4), PER_CPU(8)), LIST(0, 50, 1000),
	  LIST(200), LIST(0), LIST(0) },
};

/* The VM slices: the six locks of the seed's claims (std-, parking- and
 * async-style mutexes, two ck queue locks) on lock-using guests; full runs every
 * VM-capable lock on every guest. */
static const struct matrix_vm_slice quick_vm = {
	"lockheavy", "pthread_mutex,parking", LIST(1, 2), LIST(), 2,
};
static const struct matrix_vm_slice bench_vm = {
	"lockheavy,pvlock", "pthread_mutex,futex_mutex,parking,fairq,ck_mcs,ck_ticket",
	LIST(1, 2, 4), LIST(), 3,
};
static const struct matrix_vm_slice full_vm = {
	"lockheavy,pvlock,churn,compute,atomics,spin,io,smc,timer,mixed", NULL, LIST(1, 2, 4, 8),
	LIST(1, 2), 3,
};

/* Where threads run changes what a lock costs: all threads on one CPU (the
 * waiter spins while its holder is descheduled) and the scheduler's own choice,
 * beside round-robin pinning, for the main contended cell. */
static const struct matrix_placement_slice bench_placement = {
	{ "contended", TLIST(PER_CPU(1)), LIST(50), LIST(200), LIST(0), LIST(0) },
	"pthread_mutex,futex_mutex,parking,ck_ticket,ck_mcs,ttas_backoff",
	{ "list:0", "none" }, 2,
};

#define BLOCKS(b) b, sizeof b / sizeof b[0]
const struct matrix_profile matrix_profiles[] = {
	{ "quick", "every lock on the main workloads, one point each; under a minute on 2 CPUs",
	  0.05, 0.02, 3, false, BLOCKS(quick_blocks), &quick_vm, NULL },
	{ "bench", "every lock on the main cells, fewer points elsewhere; under 10 minutes on 2 CPUs",
	  0.10, 0.03, 6, true, BLOCKS(bench_blocks), &bench_vm, &bench_placement },
	{ "full", "wide sweeps of threads, critical sections and read ratios; no time limit",
	  1.0, 0.2, 10, true, BLOCKS(full_blocks), &full_vm, &bench_placement },
};
const size_t matrix_profile_count = sizeof matrix_profiles / sizeof matrix_profiles[0];

const struct matrix_profile *matrix_find_profile(const char *name)
{
	for (size_t i = 0; i < matrix_profile_count; i++)
		if (strcmp(matrix_profiles[i].name, name) == 0)
			return &matrix_profiles[i];
	return NULL;
}

static int add_skip(struct matrix *m, size_t *capacity, const char *what, const char *reason)
{
	if (m->skip_count == *capacity) {
		size_t grown = *capacity ? *capacity * 2 : 16;
		struct matrix_skip *skips = realloc(m->skips, grown * sizeof *skips);
		if (skips == NULL)
			return -1;
		m->skips = skips;
		*capacity = grown;
	}
	snprintf(m->skips[m->skip_count].what, sizeof m->skips[0].what, "%s", what);
	snprintf(m->skips[m->skip_count].reason, sizeof m->skips[0].reason, "%s", reason);
	m->skip_count++;
	return 0;
}

static int add_cell(struct matrix *m, size_t *capacity, const struct cell *cell)
{
	/* Two blocks may name one measurement: measure it once, under the first
	 * block's name (bench's oversubscribed reference and 2x are contended's
	 * t1 and t4, which come first). */
	for (size_t i = 0; i < m->cell_count; i++) {
		const struct cell *other = &m->cells[i];

		if (cell_same_shape(other, cell) && other->threads == cell->threads &&
		    other->affinity == cell->affinity && other->mem == cell->mem)
			return 0; /* cells with one id among them */
	}
	if (m->cell_count == *capacity) {
		size_t grown = *capacity ? *capacity * 2 : 64;
		struct cell *cells = realloc(m->cells, grown * sizeof *cells);
		if (cells == NULL)
			return -1;
		m->cells = cells;
		*capacity = grown;
	}
	m->cells[m->cell_count++] = *cell;
	return 0;
}

/* The thread counts a block means on this machine, and for each the factor of
 * the online CPUs it was given as (0: an absolute count), which lets bundles from
 * machines of different sizes be aligned. */
static size_t block_threads(const struct workload_info *w, const struct matrix_block *block,
			    unsigned cpus, unsigned *out, unsigned *per_cpu)
{
	size_t n = 0;

	if (w->threads == WORKLOAD_THREADS_ONE) {
		per_cpu[n] = 0;
		out[n++] = 1;
		return n;
	}
	/* The oversubscribed workload measures its own 1-thread reference. */
	if (w->threads == WORKLOAD_THREADS_OVERSUBSCRIBED) {
		per_cpu[n] = 0;
		out[n++] = 1;
	}
	for (size_t i = 0; i < block->thread_count; i++) {
		const struct thread_count *t = &block->threads[i];

		per_cpu[n] = t->per_cpu ? t->count : 0;
		out[n++] = t->per_cpu ? t->count * cpus : t->count;
	}
	return n;
}

/* One cell per combination of the block's parameter lists that the workload
 * uses (cs, ncs, read ratio, protected lines), for one lock and thread count. */
static int add_parameter_cells(struct matrix *m, size_t *capacity, const struct matrix_block *block,
			       const struct workload_info *w, const struct ll_info *lock,
			       unsigned threads, unsigned threads_per_cpu)
{
	const unsigned default_lines[1] = { w->default_lines };
	const unsigned *lines = block->lines_count ? block->cs_lines : default_lines;
	size_t cs_n = w->uses_cs ? block->cs_count : 1, ncs_n = w->uses_ncs ? block->ncs_count : 1;
	size_t read_n = w->uses_read_pct ? block->read_count : 1;
	size_t lines_n = block->lines_count ? block->lines_count : 1;

	for (size_t i = 0; i < cs_n * ncs_n * read_n * lines_n; i++) {
		size_t c = i % cs_n, n = i / cs_n % ncs_n, r = i / (cs_n * ncs_n) % read_n;
		size_t k = i / (cs_n * ncs_n * read_n);
		struct cell cell = {
			.lock = lock,
			.workload = w,
			.threads = threads,
			.threads_per_cpu = threads_per_cpu,
			.cs_ns = w->uses_cs ? block->cs_ns[c] : 0,
			.ncs_ns = w->uses_ncs ? block->ncs_ns[n] : 0,
			.read_pct = w->uses_read_pct ? block->read_pct[r] : 0,
			.cs_lines = lines[k],
		};
		cell_make_id(&cell);
		if (add_cell(m, capacity, &cell) != 0)
			return -1;
	}
	return 0;
}

int matrix_expand(struct matrix *m, const struct matrix_block *blocks, size_t block_count,
		  const struct ll_info *const *locks, size_t lock_count, unsigned online_cpus)
{
	size_t cell_capacity = 0, skip_capacity = 0;
	unsigned threads[MATRIX_MAX_VALUES + 1], per_cpu[MATRIX_MAX_VALUES + 1];

	memset(m, 0, sizeof *m);
	for (size_t b = 0; b < block_count; b++) {
		const struct matrix_block *block = &blocks[b];
		const struct workload_info *w = workload_find(block->workload);

		if (w == NULL) {
			matrix_free(m);
			errno = EINVAL;
			return -1;
		}
		size_t thread_n = block_threads(w, block, online_cpus, threads, per_cpu);

		for (size_t l = 0; l < lock_count; l++) {
			char what[160];

			if (w->needs_mutex && locks[l]->single_writer) {
				snprintf(what, sizeof what, "%s.%s", w->name, locks[l]->name);
				if (add_skip(m, &skip_capacity, what,
					     "single-writer lock: cannot serve as a mutex") != 0)
					goto fail;
				continue;
			}
			for (size_t t = 0; t < thread_n; t++) {
				if (threads[t] < w->min_threads || threads[t] > CELL_MAX_THREADS) {
					snprintf(what, sizeof what, "%s.%s.t%u", w->name,
						 locks[l]->name, threads[t]);
					if (add_skip(m, &skip_capacity, what,
						     threads[t] < w->min_threads
							     ? "fewer threads than the workload needs"
							     : "more threads than the harness supports") != 0)
						goto fail;
					continue;
				}
				if (add_parameter_cells(m, &cell_capacity, block, w, locks[l],
							threads[t], per_cpu[t]) != 0)
					goto fail;
			}
		}
	}
	return 0;
fail:
	matrix_free(m);
	errno = ENOMEM;
	return -1;
}

void matrix_free(struct matrix *m)
{
	free(m->cells);
	free(m->skips);
	memset(m, 0, sizeof *m);
}

void matrix_shuffle(size_t *order, size_t count, uint64_t seed)
{
	uint64_t state = seed;

	for (size_t i = 0; i < count; i++)
		order[i] = i;
	for (size_t i = count; i > 1; i--) {
		/* Modulo bias is irrelevant at these sizes. */
		size_t j = (size_t)(random_next(&state) % i);
		size_t tmp = order[i - 1];
		order[i - 1] = order[j];
		order[j] = tmp;
	}
}

int matrix_cross_placements(struct matrix *m, const char *const *affinities, size_t affinity_count,
			    const char *const *mems, size_t mem_count, bool placed)
{
	size_t count = m->cell_count * affinity_count * mem_count;
	struct cell *cells = calloc(count + 1, sizeof *cells);

	if (cells == NULL) {
		errno = ENOMEM;
		return -1;
	}
	/* A cell's placements side by side, so a lock's cells stay together. */
	for (size_t c = 0, k = 0; c < m->cell_count; c++)
		for (size_t a = 0; a < affinity_count; a++)
			for (size_t p = 0; p < mem_count; p++, k++) {
				cells[k] = m->cells[c];
				cells[k].affinity = (unsigned)a;
				cells[k].mem = (unsigned)p;
				cells[k].affinity_text = affinities[a];
				cells[k].mem_text = mems[p];
				cells[k].placed = placed;
				cell_make_id(&cells[k]);
			}
	free(m->cells);
	m->cells = cells;
	m->cell_count = count;
	return 0;
}

bool matrix_listed(const char *list, const char *name)
{
	size_t length = strlen(name);

	for (const char *at = list; (at = strstr(at, name)) != NULL; at += length)
		if ((at == list || at[-1] == ',') && (at[length] == ',' || at[length] == '\0'))
			return true;
	return false;
}

int matrix_add_placement_slice(struct matrix *m, const struct matrix_placement_slice *slice,
			       const struct ll_info *const *locks, size_t lock_count,
			       unsigned online_cpus, const char *const *affinities,
			       size_t affinity_count, const char *const *mems, size_t mem_count)
{
	const struct ll_info *chosen[lock_count + 1];
	size_t chosen_count = 0;
	struct matrix extra;

	for (size_t l = 0; l < lock_count; l++)
		if (matrix_listed(slice->locks, locks[l]->name))
			chosen[chosen_count++] = locks[l];
	if (chosen_count == 0)
		return 0;
	if (matrix_expand(&extra, &slice->block, 1, chosen, chosen_count, online_cpus) != 0)
		return -1;
	if (matrix_cross_placements(&extra, affinities, affinity_count, mems, mem_count, true) != 0) {
		matrix_free(&extra);
		return -1;
	}
	struct cell *cells = realloc(m->cells, (m->cell_count + extra.cell_count + 1) * sizeof *cells);
	if (cells == NULL) {
		matrix_free(&extra);
		errno = ENOMEM;
		return -1;
	}
	m->cells = cells;
	/* The first affinity's cells are the main matrix's own. */
	for (size_t c = 0; c < extra.cell_count; c++)
		if (extra.cells[c].affinity != 0)
			m->cells[m->cell_count++] = extra.cells[c];
	matrix_free(&extra);
	return 0;
}

int matrix_drop(struct matrix *m, const char *(*drop)(const struct cell *cell, void *arg),
		void *arg)
{
	size_t kept = 0;

	for (size_t c = 0; c < m->cell_count; c++) {
		const char *reason = drop(&m->cells[c], arg);

		if (reason == NULL) {
			m->cells[kept++] = m->cells[c];
			continue;
		}
		struct matrix_skip *skips = realloc(m->skips, (m->skip_count + 1) * sizeof *skips);
		if (skips == NULL) {
			errno = ENOMEM;
			return -1;
		}
		m->skips = skips;
		snprintf(skips[m->skip_count].what, sizeof skips[0].what, "%s", m->cells[c].id);
		snprintf(skips[m->skip_count].reason, sizeof skips[0].reason, "%s", reason);
		m->skip_count++;
	}
	m->cell_count = kept;
	return 0;
}
