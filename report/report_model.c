#include "report/report_model.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/stats.h"

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int compare_unsigned(const void *a, const void *b)
{
	unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

	return x < y ? -1 : x > y;
}

/* The workload a cell's curve is drawn under: oversubscribed is contended's kernel
 * past the CPUs (workloads/workloads.c), so its cells continue contended's curve of
 * the same parameters (a run measures a thread count of the two once). */
static const char *curve_workload(const char *workload)
{
	return strcmp(workload, "oversubscribed") == 0 ? "contended" : workload;
}

static bool same_config(const struct report_config *config, const struct bundle_cell *cell)
{
	return strcmp(config->workload, curve_workload(cell->workload)) == 0 &&
	       config->cs_ns == cell->cs_ns &&
	       config->ncs_ns == cell->ncs_ns && config->read_pct == cell->read_pct &&
	       config->cs_lines == cell->cs_lines;
}

static void config_names(struct report_config *config)
{
	char reads[32] = "", lines[32] = "", slug_reads[16] = "", slug_lines[16] = "";

	if (strcmp(config->workload, "rwmix") == 0 || config->read_pct != 0) {
		snprintf(reads, sizeof reads, " reads=%u%%", config->read_pct);
		snprintf(slug_reads, sizeof slug_reads, "_r%u", config->read_pct);
	}
	if (config->cs_lines != 0) {
		snprintf(lines, sizeof lines, " lines=%u", config->cs_lines);
		snprintf(slug_lines, sizeof slug_lines, "_l%u", config->cs_lines);
	}
	snprintf(config->label, sizeof config->label, "%.32s cs=%uns ncs=%uns%s%s", config->workload,
		 config->cs_ns, config->ncs_ns, reads, lines);
	snprintf(config->slug, sizeof config->slug, "%.32s_cs%u_ncs%u%s%s", config->workload,
		 config->cs_ns, config->ncs_ns, slug_reads, slug_lines);
}

static int add_thread_count(struct report_config *config, const struct bundle_cell *cell)
{
	for (size_t i = 0; i < config->thread_count; i++)
		if (config->threads[i] == cell->threads)
			return 0;
	if (config->thread_count == REPORT_MAX_THREAD_COUNTS)
		return -1;
	config->threads[config->thread_count++] = cell->threads;
	return 0;
}

static int build_configs(struct report_model *model, char *error, size_t error_size)
{
	const struct bundle_contents *bundle = model->bundle;

	model->configs = calloc(bundle->cell_count + 1, sizeof *model->configs);
	model->cell_config = calloc(bundle->cell_count + 1, sizeof *model->cell_config);
	if (model->configs == NULL || model->cell_config == NULL) {
		snprintf(error, error_size, "out of memory");
		return -1;
	}
	for (size_t c = 0; c < bundle->cell_count; c++) {
		const struct bundle_cell *cell = &bundle->cells[c];
		size_t k = 0;

		/* VM cells have sections of their own, from vm_runs.csv. */
		if (cell->guest != NULL) {
			model->cell_config[c] = REPORT_NO_CONFIG;
			continue;
		}
		while (k < model->config_count && !same_config(&model->configs[k], cell))
			k++;
		if (k == model->config_count) {
			struct report_config *config = &model->configs[model->config_count++];

			config->workload = curve_workload(cell->workload);
			config->cs_ns = cell->cs_ns;
			config->ncs_ns = cell->ncs_ns;
			config->read_pct = cell->read_pct;
			config->cs_lines = cell->cs_lines;
			config_names(config);
		}
		if (add_thread_count(&model->configs[k], cell) != 0) {
			snprintf(error, error_size, "%s: more than %d thread counts",
				 model->configs[k].label, REPORT_MAX_THREAD_COUNTS);
			return -1;
		}
		model->cell_config[c] = k;
	}
	for (size_t k = 0; k < model->config_count; k++) {
		struct report_config *config = &model->configs[k];

		qsort(config->threads, config->thread_count, sizeof config->threads[0],
		      compare_unsigned);
		for (size_t c = 0; c < bundle->cell_count; c++)
			for (size_t t = 0; t < config->thread_count; t++)
				if (model->cell_config[c] == k &&
				    bundle->cells[c].threads == config->threads[t])
					config->threads_per_cpu[t] = bundle->cells[c].threads_per_cpu;
	}
	return 0;
}

static int build_locks(struct report_model *model, char *error, size_t error_size)
{
	const struct bundle_contents *bundle = model->bundle;

	model->locks = calloc(bundle->cell_count + 1, sizeof *model->locks);
	model->cell_lock = calloc(bundle->cell_count + 1, sizeof *model->cell_lock);
	if (model->locks == NULL || model->cell_lock == NULL) {
		snprintf(error, error_size, "out of memory");
		return -1;
	}
	for (size_t c = 0; c < bundle->cell_count; c++) {
		size_t l = 0;

		while (l < model->lock_count && strcmp(model->locks[l], bundle->cells[c].lock) != 0)
			l++;
		if (l == model->lock_count)
			model->locks[model->lock_count++] = bundle->cells[c].lock;
	}
	qsort(model->locks, model->lock_count, sizeof model->locks[0], compare_names);
	for (size_t c = 0; c < bundle->cell_count; c++)
		for (size_t l = 0; l < model->lock_count; l++)
			if (strcmp(model->locks[l], bundle->cells[c].lock) == 0)
				model->cell_lock[c] = l;
	return 0;
}

/* Where text stands in meta.json's placement list called key (the order the run
 * was given its policies), or a position after every listed one. */
static size_t meta_position(const struct bundle_meta *meta, const char *key, const char *text)
{
	const json_t *list = json_object_get(json_object_get(meta->json, "placement"), key);
	size_t size = json_array_size(list);

	for (size_t i = 0; i < size; i++)
		if (json_is_string(json_array_get(list, i)) &&
		    strcmp(json_string_value(json_array_get(list, i)), text) == 0)
			return i;
	return size;
}

static int compare_placements(const struct report_placement *x, const struct report_placement *y,
			      const struct bundle_meta *meta)
{
	size_t xa = meta_position(meta, "affinity", x->affinity);
	size_t ya = meta_position(meta, "affinity", y->affinity);
	size_t xm = meta_position(meta, "mem_policy", x->mem_policy);
	size_t ym = meta_position(meta, "mem_policy", y->mem_policy);

	if (xa != ya)
		return xa < ya ? -1 : 1;
	if (xm != ym)
		return xm < ym ? -1 : 1;
	int by_text = strcmp(x->affinity, y->affinity);
	return by_text != 0 ? by_text : strcmp(x->mem_policy, y->mem_policy);
}

/* The placements of the bundle's (non-VM) cells, in the run's order (inserted
 * in place: qsort has no context argument in C11, and there are few). */
static int build_placements(struct report_model *model, char *error, size_t error_size)
{
	const struct bundle_contents *bundle = model->bundle;

	model->cell_placement = calloc(bundle->cell_count + 1, sizeof *model->cell_placement);
	if (model->cell_placement == NULL) {
		snprintf(error, error_size, "out of memory");
		return -1;
	}
	for (size_t c = 0; c < bundle->cell_count; c++) {
		const struct bundle_cell *cell = &bundle->cells[c];
		struct report_placement found = { .affinity = cell->affinity,
						  .mem_policy = cell->mem_policy };
		size_t p = 0;

		if (cell->guest != NULL)
			continue;
		while (p < model->placement_count &&
		       compare_placements(&model->placements[p], &found, &bundle->meta) != 0)
			p++;
		if (p < model->placement_count)
			continue;
		if (model->placement_count == REPORT_MAX_PLACEMENTS) {
			snprintf(error, error_size, "more than %d placements", REPORT_MAX_PLACEMENTS);
			return -1;
		}
		while (p > 0 &&
		       compare_placements(&model->placements[p - 1], &found, &bundle->meta) > 0) {
			model->placements[p] = model->placements[p - 1];
			p--;
		}
		model->placements[p] = found;
		model->placement_count++;
	}
	bool one_affinity = true, one_memory = true;
	for (size_t p = 1; p < model->placement_count; p++) {
		one_affinity &= strcmp(model->placements[p].affinity, model->placements[0].affinity) == 0;
		one_memory &= strcmp(model->placements[p].mem_policy, model->placements[0].mem_policy) == 0;
	}
	for (size_t p = 0; p < model->placement_count; p++) {
		struct report_placement *placement = &model->placements[p];
		const char *affinity = placement->affinity[0] ? placement->affinity : "as recorded";
		const char *memory = placement->mem_policy[0] ? placement->mem_policy : "as recorded";

		snprintf(placement->label, sizeof placement->label, "%.64s, memory %.64s", affinity,
			 memory);
		if (one_memory)
			snprintf(placement->tic, sizeof placement->tic, "%.64s", affinity);
		else if (one_affinity)
			snprintf(placement->tic, sizeof placement->tic, "memory %.64s", memory);
		else
			snprintf(placement->tic, sizeof placement->tic, "%.64s, %.64s", affinity, memory);
	}
	for (size_t c = 0; c < bundle->cell_count; c++)
		for (size_t p = 0; p < model->placement_count; p++)
			if (bundle->cells[c].guest == NULL &&
			    strcmp(bundle->cells[c].affinity, model->placements[p].affinity) == 0 &&
			    strcmp(bundle->cells[c].mem_policy, model->placements[p].mem_policy) == 0)
				model->cell_placement[c] = p;
	return 0;
}

static int build_phases(struct report_model *model, char *error, size_t error_size)
{
	const struct bundle_contents *bundle = model->bundle;
	const struct report_phase *best = NULL;

	/* A schema 1 bundle has no phases: its rows carry "" and count as one phase.
	 * In schema 2 "" marks a cell none of whose reps finished (n = 0). */
	for (size_t s = 0; s < bundle->summary_count; s++) {
		const struct bundle_summary *row = &bundle->summaries[s];
		size_t p = 0;

		if (row->metric != BUNDLE_METRIC_throughput_ops_s)
			continue;
		while (p < model->phase_count && strcmp(model->phases[p].name, row->phase) != 0)
			p++;
		if (p == model->phase_count) {
			if (p == REPORT_MAX_PHASES) {
				snprintf(error, error_size, "more than %d phases", REPORT_MAX_PHASES);
				return -1;
			}
			model->phases[model->phase_count++].name = row->phase;
		}
		model->phases[p].reps += row->n > 0 ? row->n : 0;
	}
	/* The most reps wins; equal counts go to the name first in order, so the choice
	 * does not depend on row order. A phase without reps is never the main one. */
	for (size_t p = 0; p < model->phase_count; p++) {
		const struct report_phase *phase = &model->phases[p];

		if (phase->reps > 0 &&
		    (best == NULL || phase->reps > best->reps ||
		     (phase->reps == best->reps && strcmp(phase->name, best->name) < 0)))
			best = phase;
	}
	model->main_phase = best != NULL ? best->name : NULL;
	return 0;
}

static int build_index(struct report_model *model, char *error, size_t error_size)
{
	const struct bundle_contents *bundle = model->bundle;
	size_t cells = bundle->cell_count;

	model->main_row = malloc((cells * BUNDLE_METRIC_COUNT + 1) * sizeof *model->main_row);
	model->flags_row = malloc((cells + 1) * sizeof *model->flags_row);
	if (model->main_row == NULL || model->flags_row == NULL) {
		snprintf(error, error_size, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < cells * BUNDLE_METRIC_COUNT; i++)
		model->main_row[i] = -1;
	for (size_t c = 0; c < cells; c++)
		model->flags_row[c] = -1;
	for (size_t s = 0; s < bundle->summary_count; s++) {
		const struct bundle_summary *row = &bundle->summaries[s];
		bool main = model->main_phase != NULL && strcmp(row->phase, model->main_phase) == 0;

		if (row->metric < 0)
			continue;
		if (main)
			model->main_row[row->cell * BUNDLE_METRIC_COUNT + (size_t)row->metric] = (long)s;
		if (row->metric == BUNDLE_METRIC_throughput_ops_s &&
		    (main || (row->phase[0] == '\0' && model->flags_row[row->cell] < 0)))
			model->flags_row[row->cell] = (long)s;
	}
	for (size_t c = 0; c < cells; c++)
		model->left_out_cells += model->flags_row[c] < 0;
	return 0;
}

/* The VM reps' own main phase: the one most finished VM reps ran in (ties to
 * the name first in order). */
static void build_vm_phase(struct report_model *model)
{
	const struct bundle_contents *bundle = model->bundle;
	size_t best = 0;

	for (size_t r = 0; r < bundle->vm_run_count; r++) {
		const char *phase = bundle->vm_runs[r].phase;
		size_t count = 0;

		if (phase[0] == '\0')
			continue;
		for (size_t q = 0; q < bundle->vm_run_count; q++)
			count += strcmp(bundle->vm_runs[q].phase, phase) == 0;
		if (count > best || (count == best && strcmp(phase, model->vm_phase) < 0)) {
			best = count;
			model->vm_phase = phase;
		}
	}
}

size_t report_vm_rep_mips(const struct report_model *model, size_t cell,
			  double values[REPORT_MAX_REPS])
{
	const struct bundle_contents *bundle = model->bundle;
	size_t n = 0;

	for (size_t r = 0; r < bundle->vm_run_count && n < REPORT_MAX_REPS; r++) {
		const struct bundle_vm_run *run = &bundle->vm_runs[r];

		if (run->cell == cell && model->vm_phase != NULL &&
		    strcmp(run->phase, model->vm_phase) == 0 && strcmp(run->status, "ok") == 0 &&
		    isfinite(run->mips))
			values[n++] = run->mips;
	}
	return n;
}

const struct bundle_summary *report_vm_figure(const struct report_model *model, size_t cell,
					      const char *metric_name)
{
	const struct bundle_contents *bundle = model->bundle;

	if (model->vm_phase == NULL)
		return NULL;
	for (size_t s = 0; s < bundle->summary_count; s++) {
		const struct bundle_summary *row = &bundle->summaries[s];

		if (row->cell == cell && strcmp(row->metric_name, metric_name) == 0 &&
		    strcmp(row->phase, model->vm_phase) == 0)
			return row;
	}
	return NULL;
}

int report_model_build(const struct bundle_contents *bundle, struct report_model *model,
		       char *error, size_t error_size)
{
	memset(model, 0, sizeof *model);
	model->bundle = bundle;
	if (build_configs(model, error, error_size) != 0 || build_locks(model, error, error_size) != 0 ||
	    build_placements(model, error, error_size) != 0 ||
	    build_phases(model, error, error_size) != 0 || build_index(model, error, error_size) != 0) {
		report_model_free(model);
		return -1;
	}
	build_vm_phase(model);
	return 0;
}

void report_model_free(struct report_model *model)
{
	free(model->configs);
	free(model->cell_config);
	free(model->locks);
	free(model->cell_lock);
	free(model->cell_placement);
	free(model->main_row);
	free(model->flags_row);
	memset(model, 0, sizeof *model);
}

long report_placed_cell(const struct report_model *model, size_t config, size_t lock,
			unsigned threads, size_t placement)
{
	for (size_t c = 0; c < model->bundle->cell_count; c++)
		if (model->cell_config[c] == config && model->cell_lock[c] == lock &&
		    model->bundle->cells[c].threads == threads &&
		    model->cell_placement[c] == placement)
			return (long)c;
	return -1;
}

long report_cell(const struct report_model *model, size_t config, size_t lock, unsigned threads)
{
	return report_placed_cell(model, config, lock, threads, 0);
}

const struct bundle_summary *report_figure(const struct report_model *model, size_t cell,
					   enum bundle_metric metric)
{
	long row = model->main_row[cell * BUNDLE_METRIC_COUNT + (size_t)metric];

	return row < 0 ? NULL : &model->bundle->summaries[row];
}

unsigned report_cell_flags(const struct report_model *model, size_t cell)
{
	long row = model->flags_row[cell];

	return row < 0 ? 0 : model->bundle->summaries[row].flags;
}

/* A rep whose figures count: finished, in the main phase, not the run-length rep
 * and not one the phase fit or the host's speed set aside. */
static bool rep_counts(const struct report_model *model, const struct bundle_run *run)
{
	return run->status == BUNDLE_STATUS_OK &&
	       !(run->flags & (BUNDLE_FLAG(instrumented) | BUNDLE_FLAG(phase_shift) |
			       BUNDLE_FLAG(host_slow))) &&
	       model->main_phase != NULL && strcmp(run->phase, model->main_phase) == 0;
}

double report_cpu_ns_per_op(const struct report_model *model, size_t cell)
{
	const struct bundle_contents *bundle = model->bundle;
	double values[REPORT_MAX_REPS];
	size_t n = 0;

	for (size_t r = 0; r < bundle->run_count && n < REPORT_MAX_REPS; r++) {
		const struct bundle_run *run = &bundle->runs[r];
		double cpu = run->metric[BUNDLE_METRIC_cpu_user_s] + run->metric[BUNDLE_METRIC_cpu_sys_s];
		double ops = run->metric[BUNDLE_METRIC_ops];

		if (run->cell != cell || !rep_counts(model, run) || !isfinite(cpu) || !(ops > 0))
			continue;
		values[n++] = cpu * 1e9 / ops;
	}
	return stats_median(values, n);
}

size_t report_rep_values(const struct report_model *model, size_t cell, enum bundle_metric metric,
			 double values[REPORT_MAX_REPS])
{
	const struct bundle_contents *bundle = model->bundle;
	size_t n = 0;

	for (size_t r = 0; r < bundle->run_count && n < REPORT_MAX_REPS; r++) {
		const struct bundle_run *run = &bundle->runs[r];

		if (run->cell == cell && rep_counts(model, run) && isfinite(run->metric[metric]))
			values[n++] = run->metric[metric];
	}
	return n;
}

const char *report_phase_label(const struct report_model *model)
{
	if (model->main_phase == NULL)
		return "none";
	return model->main_phase[0] != '\0' ? model->main_phase : "all (no phases in this bundle)";
}

long report_config_of(const struct report_model *model, const char *workload)
{
	long best = -1;

	for (size_t k = 0; k < model->config_count; k++)
		if (strcmp(model->configs[k].workload, workload) == 0 &&
		    (best < 0 || model->configs[k].thread_count > model->configs[best].thread_count))
			best = (long)k;
	return best;
}

unsigned report_focus_threads(const struct report_model *model, size_t config)
{
	const struct report_config *c = &model->configs[config];
	unsigned cpus = model->bundle->meta.cpus, focus = c->threads[0];

	for (size_t t = 0; t < c->thread_count; t++)
		if (cpus == 0 || c->threads[t] <= cpus)
			focus = c->threads[t];
	return focus;
}
