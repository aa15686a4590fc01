#include "report/report_plots.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/stats.h"
#include "report/report_sections.h"

extern char **environ;

static int plot_fail(const struct plot_env *env, int status, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static int plot_fail(const struct plot_env *env, int status, const char *format, ...)
{
	va_list args;

	va_start(args, format);
	vsnprintf(env->error, env->error_size, format, args);
	va_end(args);
	return status;
}

static FILE *data_open(const struct plot_env *env, const char *name, char *path, size_t size)
{
	snprintf(path, size, "%s/%s.dat", env->work, name);
	return fopen(path, "w");
}

/* A number for a data file: '?' (the scripts' missing marker) for NaN or, where
 * the axis is logarithmic, for a value that cannot sit on it. */
static void put_value(FILE *out, double value, int log_axis)
{
	if (!isfinite(value) || (log_axis && value <= 0))
		fputs(" ?", out);
	else
		fprintf(out, " %.9g", value);
}

/* A figure's median and interval; a figure of one rep has no interval and is
 * drawn as a point without a bar (gnuplot's error-bar styles skip a point that
 * lacks one). */
static void put_figure(FILE *out, const struct bundle_summary *row)
{
	bool bare = row != NULL && !bundle_has_interval(row);

	put_value(out, row ? row->median : NAN, 1);
	put_value(out, row == NULL ? NAN : bare ? row->median : row->ci_low, 1);
	put_value(out, row == NULL ? NAN : bare ? row->median : row->ci_high, 1);
}

/* Closes the data file, runs gnuplot on script with the given -e variables (dir,
 * datafile and outfile added here) and checks that the SVG appeared. */
static int run_gnuplot(const struct plot_env *env, FILE *data, const char *data_path,
		       const char *script, const char *name, const char *variables,
		       struct plot_made *made)
{
	char assignments[4096], script_path[1200], err_path[1200], svg_path[1200];
	posix_spawn_file_actions_t actions;
	pid_t pid;
	int status, spawn_error;

	if (fclose(data) != 0)
		return plot_fail(env, 3, "%s: cannot write: %s", data_path, strerror(errno));
	snprintf(made->name, sizeof made->name, "%s.svg", name);
	snprintf(svg_path, sizeof svg_path, "%s/%s", env->out, made->name);
	snprintf(script_path, sizeof script_path, "%s%s", env->scripts, script);
	snprintf(err_path, sizeof err_path, "%s/%s.err", env->work, name);
	if ((size_t)snprintf(assignments, sizeof assignments,
			     "dir='%s'; datafile='%s'; outfile='%s'; %s", env->scripts, data_path,
			     svg_path, variables) >= sizeof assignments)
		return plot_fail(env, 3, "%s: gnuplot variables too long", script_path);
	char *argv[] = { "gnuplot", "-e", assignments, script_path, NULL };

	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&actions, 2, err_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	spawn_error = posix_spawnp(&pid, "gnuplot", &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (spawn_error != 0)
		return plot_fail(env, 3, "gnuplot: cannot run: %s", strerror(spawn_error));
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return plot_fail(env, 3, "gnuplot: wait: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || access(svg_path, R_OK) != 0) {
		char first[300] = "no message";
		FILE *err = fopen(err_path, "r");

		/* gnuplot's message is the last non-empty line of what it printed. */
		if (err != NULL) {
			char line[300];

			while (fgets(line, sizeof line, err) != NULL)
				if (strspn(line, " \t\n^") != strlen(line))
					snprintf(first, sizeof first, "%s", line);
			fclose(err);
		}
		first[strcspn(first, "\n")] = '\0';
		return plot_fail(env, 3, "gnuplot: %s: %s", script_path, first);
	}
	return 0;
}

/* Locks with at least one cell in config, in the model's order. */
static size_t locks_in_config(const struct report_model *model, size_t config, size_t *out)
{
	size_t count = 0;

	for (size_t l = 0; l < model->lock_count; l++)
		for (size_t c = 0; c < model->bundle->cell_count; c++)
			if (model->cell_config[c] == config && model->cell_lock[c] == l &&
			    model->cell_placement[c] == 0) {
				out[count++] = l;
				break;
			}
	return count;
}

static double figure_value(const struct report_model *model, long cell, enum bundle_metric metric)
{
	const struct bundle_summary *row = cell < 0 ? NULL : report_figure(model, (size_t)cell, metric);

	return row == NULL ? NAN : row->median;
}

static void append(char *buffer, size_t size, const char *text)
{
	size_t used = strlen(buffer);

	snprintf(buffer + used, size - used, "%s%s", used ? " " : "", text);
}

int plot_throughput(const struct plot_env *env, const struct report_model *model, size_t config,
		    struct plot_made *made)
{
	const struct report_config *c = &model->configs[config];
	size_t *locks = calloc(model->lock_count + 1, sizeof *locks);
	size_t lock_count;
	char name[160], path[1200], names[4096] = "", variables[4600];
	double floor_y = INFINITY;
	int drawn = 0;
	FILE *data;

	if (locks == NULL)
		return plot_fail(env, 3, "out of memory");
	lock_count = locks_in_config(model, config, locks);
	for (size_t i = 0; i < lock_count; i++)
		for (size_t t = 0; t < c->thread_count; t++) {
			long cell = report_cell(model, config, locks[i], c->threads[t]);
			const struct bundle_summary *row =
				cell < 0 ? NULL
					 : report_figure(model, (size_t)cell, BUNDLE_METRIC_throughput_ops_s);

			if (row != NULL && row->median > 0) {
				drawn = 1;
				if (row->ci_low > 0 && row->ci_low < floor_y)
					floor_y = row->ci_low;
				if (row->median < floor_y)
					floor_y = row->median;
			}
		}
	if (!drawn) {
		free(locks);
		return REPORT_PLOT_EMPTY;
	}
	/* A collapsed cell without a finished rep has no figure: its marker sits below
	 * every measured one. */
	floor_y /= 2;
	snprintf(name, sizeof name, "throughput_%s", c->slug);
	data = data_open(env, name, path, sizeof path);
	if (data == NULL) {
		free(locks);
		return plot_fail(env, 3, "%s: cannot write: %s", path, strerror(errno));
	}
	for (size_t i = 0; i < lock_count; i++) {
		fprintf(data, "%s# %s\n", i ? "\n\n" : "", model->locks[locks[i]]);
		append(names, sizeof names, model->locks[locks[i]]);
		for (size_t t = 0; t < c->thread_count; t++) {
			long cell = report_cell(model, config, locks[i], c->threads[t]);
			const struct bundle_summary *row;
			unsigned flags;
			double marker;

			if (cell < 0)
				continue;
			row = report_figure(model, (size_t)cell, BUNDLE_METRIC_throughput_ops_s);
			flags = report_cell_flags(model, (size_t)cell);
			marker = row != NULL && row->median > 0 ? row->median : floor_y;
			fprintf(data, "%u", c->threads[t]);
			put_figure(data, row);
			put_value(data, flags & BUNDLE_FLAG(collapse) ? marker : NAN, 1);
			put_value(data, flags & BUNDLE_FLAG(starvation) ? marker : NAN, 1);
			fputc('\n', data);
		}
	}
	free(locks);
	unsigned cpus = model->bundle->meta.cpus;
	snprintf(variables, sizeof variables, "locks='%s'; cpus=%u; plot_title='%s (phase %s)'",
		 names, cpus != 0 && c->threads[c->thread_count - 1] > cpus ? cpus : 0, c->label,
		 report_phase_label(model));
	snprintf(made->caption, sizeof made->caption,
		 "Throughput against threads, %s: medians with their confidence intervals "
		 "(none for a figure of one rep), phase %s; shaded: more threads than CPUs",
		 c->label, report_phase_label(model));
	return run_gnuplot(env, data, path, "throughput.gp", name, variables, made);
}

int plot_by_lock(const struct plot_env *env, const struct report_model *model,
		 const char *workload, struct plot_made *made)
{
	size_t *locks = calloc(model->lock_count + 1, sizeof *locks);
	size_t lock_count = 0, blocks = 0;
	char name[160], path[1200], series[4096] = "", variables[4600], label[128];
	FILE *data;

	if (locks == NULL)
		return plot_fail(env, 3, "out of memory");
	/* The x axis: every lock with a throughput figure in one of the configurations. */
	for (size_t l = 0; l < model->lock_count; l++)
		for (size_t k = 0; k < model->config_count; k++) {
			const struct report_config *c = &model->configs[k];
			long cell = report_cell(model, k, l, c->threads[0]);

			if (strcmp(c->workload, workload) == 0 && c->thread_count == 1 &&
			    figure_value(model, cell, BUNDLE_METRIC_throughput_ops_s) > 0) {
				locks[lock_count++] = l;
				break;
			}
		}
	if (lock_count == 0) {
		free(locks);
		return REPORT_PLOT_EMPTY;
	}
	snprintf(name, sizeof name, "throughput_%s_by_lock", workload);
	data = data_open(env, name, path, sizeof path);
	if (data == NULL) {
		free(locks);
		return plot_fail(env, 3, "%s: cannot write: %s", path, strerror(errno));
	}
	for (size_t k = 0; k < model->config_count; k++) {
		const struct report_config *c = &model->configs[k];

		if (strcmp(c->workload, workload) != 0 || c->thread_count != 1)
			continue;
		snprintf(label, sizeof label, "cs=%u,ncs=%u", c->cs_ns, c->ncs_ns);
		if (strcmp(workload, "rwmix") == 0)
			snprintf(label + strlen(label), sizeof label - strlen(label), ",reads=%u%%",
				 c->read_pct);
		if (c->cs_lines)
			snprintf(label + strlen(label), sizeof label - strlen(label), ",lines=%u",
				 c->cs_lines);
		snprintf(label + strlen(label), sizeof label - strlen(label), ",t=%u", c->threads[0]);
		append(series, sizeof series, label);
		fprintf(data, "%s# %s\n", blocks++ ? "\n\n" : "", label);
		for (size_t i = 0; i < lock_count; i++) {
			long cell = report_cell(model, k, locks[i], c->threads[0]);
			const struct bundle_summary *row =
				cell < 0 ? NULL
					 : report_figure(model, (size_t)cell, BUNDLE_METRIC_throughput_ops_s);

			fprintf(data, "%zu %s", i, model->locks[locks[i]]);
			put_figure(data, row);
			fputc('\n', data);
		}
	}
	free(locks);
	snprintf(variables, sizeof variables,
		 "series='%s'; ylabel_text='throughput (operations/s, log scale)'; "
		 "plot_title='%s by lock (phase %s)'",
		 series, workload, report_phase_label(model));
	snprintf(made->caption, sizeof made->caption,
		 "Throughput per lock, %s (configurations measured at one thread count), phase %s",
		 workload, report_phase_label(model));
	return run_gnuplot(env, data, path, "by_lock.gp", name, variables, made);
}

/* Rows "index lock value..." over every lock with a cell at (config, threads). */
static int per_lock_rows(const struct plot_env *env, const struct report_model *model,
			 size_t config, unsigned threads, const char *name,
			 const enum bundle_metric *metrics, size_t metric_count, int cpu_column,
			 char *path, size_t path_size, FILE **out)
{
	size_t index = 0;
	int drawn = 0;
	FILE *data = data_open(env, name, path, path_size);

	if (data == NULL)
		return plot_fail(env, 3, "%s: cannot write: %s", path, strerror(errno));
	for (size_t l = 0; l < model->lock_count; l++) {
		long cell = report_cell(model, config, l, threads);

		if (cell < 0)
			continue;
		fprintf(data, "%zu %s", index++, model->locks[l]);
		for (size_t m = 0; m < metric_count; m++) {
			double value = figure_value(model, cell, metrics[m]);

			drawn |= value > 0;
			put_value(data, value, 1);
		}
		if (cpu_column) {
			double value = report_cpu_ns_per_op(model, (size_t)cell);

			drawn |= value > 0;
			put_value(data, value, 1);
		}
		fputc('\n', data);
	}
	*out = data;
	if (!drawn) {
		fclose(data);
		return REPORT_PLOT_EMPTY;
	}
	return 0;
}

static void focus_label(const struct report_model *model, size_t config, unsigned threads,
			char *out, size_t size)
{
	snprintf(out, size, "%s, %u threads (phase %s)", model->configs[config].label, threads,
		 report_phase_label(model));
}

int plot_latency(const struct plot_env *env, const struct report_model *model, size_t config,
		 struct plot_made *made)
{
	static const enum bundle_metric metrics[] = { BUNDLE_METRIC_lat_p50_ns, BUNDLE_METRIC_lat_p99_ns,
						      BUNDLE_METRIC_lat_p999_ns,
						      BUNDLE_METRIC_lat_max_ns };
	unsigned threads = report_focus_threads(model, config);
	char path[1200], label[200], variables[400];
	FILE *data;
	int status = per_lock_rows(env, model, config, threads, "latency", metrics, 4, 0, path,
				   sizeof path, &data);

	if (status != 0)
		return status;
	focus_label(model, config, threads, label, sizeof label);
	snprintf(variables, sizeof variables, "plot_title='Acquire latency: %s'", label);
	snprintf(made->caption, sizeof made->caption,
		 "Acquire latency percentiles per lock, %s: medians over reps (sampled operations)",
		 label);
	return run_gnuplot(env, data, path, "latency.gp", "latency", variables, made);
}

int plot_fairness(const struct plot_env *env, const struct report_model *model, size_t config,
		  struct plot_made *made)
{
	static const enum bundle_metric metrics[] = { BUNDLE_METRIC_jain, BUNDLE_METRIC_min_share,
						      BUNDLE_METRIC_max_share };
	unsigned threads = report_focus_threads(model, config);
	char path[1200], label[200], variables[400];
	FILE *data;
	int status = per_lock_rows(env, model, config, threads, "fairness", metrics, 3, 0, path,
				   sizeof path, &data);

	if (status != 0)
		return status;
	focus_label(model, config, threads, label, sizeof label);
	snprintf(variables, sizeof variables, "plot_title='Fairness: %s'; fair_share=%.9g", label,
		 1.0 / threads);
	snprintf(made->caption, sizeof made->caption,
		 "Fairness per lock, %s: Jain's index and the smallest and largest thread's share",
		 label);
	return run_gnuplot(env, data, path, "fairness.gp", "fairness", variables, made);
}

int plot_cpu(const struct plot_env *env, const struct report_model *model, size_t config,
	     struct plot_made *made)
{
	unsigned threads = report_focus_threads(model, config);
	char path[1200], label[200], variables[400];
	FILE *data;
	int status = per_lock_rows(env, model, config, threads, "cpu_per_op", NULL, 0, 1, path,
				   sizeof path, &data);

	if (status != 0)
		return status;
	focus_label(model, config, threads, label, sizeof label);
	snprintf(variables, sizeof variables, "plot_title='CPU per operation: %s'", label);
	snprintf(made->caption, sizeof made->caption,
		 "CPU time per operation, (user + system) / operations, %s", label);
	return run_gnuplot(env, data, path, "cpu.gp", "cpu_per_op", variables, made);
}

struct ranked_lock {
	size_t lock;
	long cell;
	double median;
};

static int compare_ranked(const void *a, const void *b)
{
	double x = ((const struct ranked_lock *)a)->median, y = ((const struct ranked_lock *)b)->median;

	return x < y ? 1 : x > y ? -1 : 0;
}

int plot_cdf(const struct plot_env *env, const struct report_model *model, size_t config,
	     struct plot_made *made)
{
	unsigned threads = report_focus_threads(model, config);
	struct ranked_lock *ranked = calloc(model->lock_count + 1, sizeof *ranked);
	size_t count = 0, blocks = 0;
	char path[1200], label[200], names[1024] = "", variables[1600], error[1024];
	FILE *data;

	if (ranked == NULL)
		return plot_fail(env, 3, "out of memory");
	for (size_t l = 0; l < model->lock_count; l++) {
		long cell = report_cell(model, config, l, threads);
		double median = figure_value(model, cell, BUNDLE_METRIC_throughput_ops_s);

		if (median > 0)
			ranked[count++] = (struct ranked_lock){ l, cell, median };
	}
	qsort(ranked, count, sizeof *ranked, compare_ranked);
	/* The three fastest and the three slowest: the spread a reader chooses across. */
	if (count > 6) {
		memmove(ranked + 3, ranked + count - 3, 3 * sizeof *ranked);
		count = 6;
	}
	data = data_open(env, "latency_cdf", path, sizeof path);
	if (data == NULL) {
		free(ranked);
		return plot_fail(env, 3, "%s: cannot write: %s", path, strerror(errno));
	}
	for (size_t i = 0; i < count; i++) {
		struct bundle_hist hist;
		int found = bundle_read_hist(model->bundle, model->bundle->cells[ranked[i].cell].id,
					     "lat", &hist, error, sizeof error);
		uint64_t below = 0;

		if (found < 0) {
			fclose(data);
			free(ranked);
			return plot_fail(env, 2, "%s", error);
		}
		if (found > 0 || hist.total == 0) {
			bundle_hist_free(&hist);
			continue;
		}
		fprintf(data, "%s# %s\n", blocks++ ? "\n\n" : "", model->locks[ranked[i].lock]);
		append(names, sizeof names, model->locks[ranked[i].lock]);
		for (size_t b = 0; b < hist.count; b++) {
			below += hist.buckets[b].count;
			fprintf(data, "%.9g %.9g\n", hist.buckets[b].high_ns > 0 ? hist.buckets[b].high_ns : 1,
				(double)below / (double)hist.total);
		}
		bundle_hist_free(&hist);
	}
	free(ranked);
	if (blocks == 0) {
		fclose(data);
		return REPORT_PLOT_EMPTY;
	}
	focus_label(model, config, threads, label, sizeof label);
	snprintf(variables, sizeof variables, "locks='%s'; plot_title='Acquire latency CDF: %s'",
		 names, label);
	snprintf(made->caption, sizeof made->caption,
		 "Acquire latency distribution, %s: the three fastest and three slowest locks by "
		 "median throughput; histograms merge every rep of the cell (all phases)",
		 label);
	return run_gnuplot(env, data, path, "cdf.gp", "latency_cdf", variables, made);
}

void report_lock_memory(const struct report_model *model, size_t lock, double *lock_bytes,
			double *ctx_bytes, double *heap_bytes)
{
	const struct bundle_contents *bundle = model->bundle;
	double *values = malloc((bundle->run_count + 1) * sizeof *values);
	const enum bundle_metric metrics[2] = { BUNDLE_METRIC_lock_bytes, BUNDLE_METRIC_ctx_bytes };
	double *out[2] = { lock_bytes, ctx_bytes };

	*heap_bytes = NAN;
	for (int m = 0; m < 2; m++) {
		size_t n = 0;

		for (size_t r = 0; values != NULL && r < bundle->run_count; r++) {
			double value = bundle->runs[r].metric[metrics[m]];

			if (model->cell_lock[bundle->runs[r].cell] == lock && isfinite(value))
				values[n++] = value;
		}
		*out[m] = stats_median(values, n);
	}
	for (size_t r = 0; r < bundle->run_count; r++) {
		double value = bundle->runs[r].metric[BUNDLE_METRIC_heap_bytes];

		if (model->cell_lock[bundle->runs[r].cell] == lock && isfinite(value) &&
		    !(value <= *heap_bytes))
			*heap_bytes = value;
	}
	free(values);
}

int plot_memory(const struct plot_env *env, const struct report_model *model,
		struct plot_made *made)
{
	char path[1200];
	int drawn = 0;
	FILE *data = data_open(env, "memory", path, sizeof path);

	if (data == NULL)
		return plot_fail(env, 3, "%s: cannot write: %s", path, strerror(errno));
	for (size_t l = 0; l < model->lock_count; l++) {
		double lock_bytes, ctx_bytes, heap_bytes;

		report_lock_memory(model, l, &lock_bytes, &ctx_bytes, &heap_bytes);
		if (isnan(lock_bytes) && isnan(ctx_bytes) && isnan(heap_bytes))
			continue;
		drawn = 1;
		fprintf(data, "%s", model->locks[l]);
		put_value(data, lock_bytes, 0);
		put_value(data, ctx_bytes, 0);
		put_value(data, heap_bytes, 0);
		fputc('\n', data);
	}
	if (!drawn) {
		fclose(data);
		return REPORT_PLOT_EMPTY;
	}
	snprintf(made->caption, sizeof made->caption,
		 "Memory per primitive: the lock, each thread's context, the peak heap it allocated");
	return run_gnuplot(env, data, path, "memory.gp", "memory",
			   "plot_title='Memory per primitive (bytes)'", made);
}

int plot_handoff(const struct plot_env *env, const struct report_model *model,
		 struct plot_made *made)
{
	char path[1200], series[2048] = "", variables[2600], label[128];
	size_t blocks = 0;
	int drawn = 0;
	FILE *data = data_open(env, "handoff", path, sizeof path);

	if (data == NULL)
		return plot_fail(env, 3, "%s: cannot write: %s", path, strerror(errno));
	for (size_t k = 0; k < model->config_count; k++) {
		const struct report_config *c = &model->configs[k];
		unsigned threads;
		size_t index = 0;

		if (strcmp(c->workload, "handoff") != 0)
			continue;
		threads = report_focus_threads(model, k);
		snprintf(label, sizeof label, "cs=%u,t=%u", c->cs_ns, threads);
		append(series, sizeof series, label);
		fprintf(data, "%s# %s\n", blocks++ ? "\n\n" : "", label);
		for (size_t l = 0; l < model->lock_count; l++) {
			long cell = report_cell(model, k, l, threads);
			double p50 = figure_value(model, cell, BUNDLE_METRIC_handoff_p50_ns);
			double p99 = figure_value(model, cell, BUNDLE_METRIC_handoff_p99_ns);

			/* Every block lists every lock, so index i is the same lock in each. */
			fprintf(data, "%zu %s", index++, model->locks[l]);
			put_value(data, p50, 1);
			put_value(data, p99, 1);
			fputc('\n', data);
			drawn |= p50 > 0 || p99 > 0;
		}
	}
	if (!drawn) {
		fclose(data);
		return REPORT_PLOT_EMPTY;
	}
	snprintf(variables, sizeof variables,
		 "series='%s'; plot_title='Hand-off latency by lock (phase %s)'", series,
		 report_phase_label(model));
	snprintf(made->caption, sizeof made->caption,
		 "Hand-off latency per lock (release to the next owner holding the lock), p50 and "
		 "p99 medians over reps, phase %s",
		 report_phase_label(model));
	return run_gnuplot(env, data, path, "handoff.gp", "handoff", variables, made);
}

int plot_c2c(const struct plot_env *env, const struct csv_table *c2c, struct plot_made *made)
{
	int a_column = csv_column(c2c, "cpu_a"), b_column = csv_column(c2c, "cpu_b");
	int phase_column = csv_column(c2c, "phase");
	int value_column = csv_column(c2c, "round_trip_median_ns");
	const char *phase = NULL;
	size_t phase_rows = 0, drawn = 0, phase_count = 0;
	unsigned long cpus = 0;
	char path[1200], variables[512];
	FILE *data;

	if (a_column < 0 || b_column < 0 || phase_column < 0 || value_column < 0)
		return REPORT_PLOT_EMPTY;
	/* One matrix: the phase with the most pairs (the first such), as a figure
	 * never mixes phases. */
	for (size_t r = 0; r < c2c->rows; r++) {
		const char *name = csv_row(c2c, r)[phase_column];
		size_t rows = 0, first = r;

		for (size_t q = 0; q < c2c->rows; q++)
			if (strcmp(csv_row(c2c, q)[phase_column], name) == 0) {
				rows++;
				if (q < first)
					first = q;
			}
		if (first != r)
			continue;
		phase_count++;
		if (rows > phase_rows) {
			phase_rows = rows;
			phase = name;
		}
	}
	if (phase == NULL)
		return REPORT_PLOT_EMPTY;
	data = data_open(env, "c2c", path, sizeof path);
	if (data == NULL)
		return plot_fail(env, 3, "%s: cannot write: %s", path, strerror(errno));
	for (size_t r = 0; r < c2c->rows; r++) {
		char *const *row = csv_row(c2c, r);
		char *end_a, *end_b, *end_value;
		unsigned long a = strtoul(row[a_column], &end_a, 10);
		unsigned long b = strtoul(row[b_column], &end_b, 10);
		double value = strtod(row[value_column], &end_value);

		if (strcmp(row[phase_column], phase) != 0 || *end_a || *end_b || *end_value ||
		    end_a == row[a_column] || end_b == row[b_column] || !isfinite(value))
			continue;
		fprintf(data, "%lu %lu %.6g\n", a, b, value);
		cpus = a + 1 > cpus ? a + 1 : cpus;
		cpus = b + 1 > cpus ? b + 1 : cpus;
		drawn++;
	}
	if (drawn == 0) {
		fclose(data);
		return REPORT_PLOT_EMPTY;
	}
	snprintf(variables, sizeof variables,
		 "cpus=%lu; plot_title='Core-to-core round trip (phase %s)'", cpus, phase);
	snprintf(made->caption, sizeof made->caption,
		 "Median round trip between each ordered pair of CPUs, phase %s%s", phase,
		 phase_count > 1 ? " (the table below has the other phases too)" : "");
	return run_gnuplot(env, data, path, "c2c.gp", "c2c", variables, made);
}

/* Appends "'text' position" to a gnuplot tic list. */
static void add_tic(char *list, size_t size, const char *text, size_t position)
{
	size_t used = strlen(list);

	snprintf(list + used, size - used, "%s'%s' %zu", used ? ", " : "", text, position);
}

int plot_placement(const struct plot_env *env, const struct report_model *model, size_t config,
		   unsigned threads, struct plot_made *made)
{
	const struct report_config *c = &model->configs[config];
	char name[192], path[1200], xtics[1500] = "", ytics[1500] = "", variables[3600];
	size_t rows = 0, columns = 0, column_of[REPORT_MAX_PLACEMENTS];
	double limit = 1;
	FILE *data;

	for (size_t p = 0; p < model->placement_count; p++) {
		column_of[p] = SIZE_MAX;
		for (size_t l = 0; l < model->lock_count && column_of[p] == SIZE_MAX; l++)
			if (report_placed_cell(model, config, l, threads, p) >= 0) {
				add_tic(xtics, sizeof xtics, model->placements[p].tic, columns);
				column_of[p] = columns++;
			}
	}
	if (columns < 2)
		return REPORT_PLOT_EMPTY;
	snprintf(name, sizeof name, "placement_%s_t%u", c->slug, threads);
	data = data_open(env, name, path, sizeof path);
	if (data == NULL)
		return plot_fail(env, 3, "%s: cannot write: %s", path, strerror(errno));
	for (size_t l = 0; l < model->lock_count; l++) {
		double first = figure_value(model, report_placed_cell(model, config, l, threads, 0),
					    BUNDLE_METRIC_throughput_ops_s);
		bool placed = false;

		for (size_t p = 0; p < model->placement_count; p++) {
			long cell = report_placed_cell(model, config, l, threads, p);
			double value = cell < 0 ? NAN
						: figure_value(model, cell, BUNDLE_METRIC_throughput_ops_s);
			double ratio = value / first;
			char label[48];

			if (column_of[p] == SIZE_MAX || !(value > 0))
				continue;
			placed = true;
			if (p == 0 || !(ratio > 0)) {
				snprintf(label, sizeof label, "%.3g Mops/s", value / 1e6);
			} else {
				report_ratio(ratio, label, sizeof label);
			}
			if (ratio > 0 && fabs(log2(ratio)) > limit)
				limit = fmin(fabs(log2(ratio)), 8);
			fprintf(data, "%zu %zu", column_of[p], rows);
			put_value(data, ratio > 0 ? log2(ratio) : 0, 0);
			fprintf(data, " \"%s\"\n", label);
		}
		if (placed)
			add_tic(ytics, sizeof ytics, model->locks[l], rows++);
	}
	if (rows == 0) {
		fclose(data);
		return REPORT_PLOT_EMPTY;
	}
	snprintf(variables, sizeof variables,
		 "columns=%zu; rows=%zu; limit=%g; xtic_spec=\"%s\"; ytic_spec=\"%s\"; "
		 "plot_title='%s, %u threads, by placement (phase %s)'",
		 columns, rows, limit, xtics, ytics, c->label, threads, report_phase_label(model));
	snprintf(made->caption, sizeof made->caption,
		 "%s at %u threads under each placement: throughput under the first placement, "
		 "and each other's ratio to it (colour: log2 of the ratio, red slower, blue "
		 "faster), medians of phase %s",
		 c->label, threads, report_phase_label(model));
	return run_gnuplot(env, data, path, "placement.gp", name, variables, made);
}

/* Two VM cells under the same policies (both unplaced: both ""). */
static bool same_placement(const struct bundle_cell *a, const struct bundle_cell *b)
{
	return strcmp(a->affinity, b->affinity) == 0 && strcmp(a->mem_policy, b->mem_policy) == 0;
}

int plot_vm(const struct plot_env *env, const struct report_model *model, const char *guest,
	    struct plot_made *made)
{
	const struct bundle_contents *bundle = model->bundle;
	char name[128], path[1200], series[4096] = "", variables[4600], label[96];
	size_t blocks = 0;
	FILE *data;

	snprintf(name, sizeof name, "vm_%s", guest);
	data = data_open(env, name, path, sizeof path);
	if (data == NULL)
		return plot_fail(env, 3, "%s: cannot write: %s", path, strerror(errno));
	/* A line per lock, its points the harts in ascending order; per (lock,
	 * workers) when some harts count ran on several worker counts; per placement
	 * too in a placed run (the id's .aff<i>.mem<j>, meta.json's indexes). */
	bool by_workers = false, placed = false, drawn = false;
	for (size_t a = 0; a < bundle->cell_count; a++)
		for (size_t b = 0; b < a; b++) {
			const struct bundle_cell *x = &bundle->cells[a], *y = &bundle->cells[b];
			by_workers |= x->guest != NULL && y->guest != NULL &&
				      strcmp(x->guest, guest) == 0 && strcmp(y->guest, guest) == 0 &&
				      strcmp(x->lock, y->lock) == 0 && x->threads == y->threads;
		}
	for (size_t c = 0; c < bundle->cell_count; c++) {
		const struct bundle_cell *cell = &bundle->cells[c];
		bool first = true;

		if (cell->guest == NULL || strcmp(cell->guest, guest) != 0)
			continue;
		for (size_t e = 0; e < c && first; e++)
			first = !(bundle->cells[e].guest != NULL &&
				  strcmp(bundle->cells[e].guest, guest) == 0 &&
				  strcmp(bundle->cells[e].lock, cell->lock) == 0 &&
				  (!by_workers || bundle->cells[e].workers == cell->workers) &&
				  same_placement(&bundle->cells[e], cell));
		if (!first)
			continue;
		const char *placement = strstr(cell->id, ".aff");
		placed |= placement != NULL;
		if (by_workers)
			snprintf(label, sizeof label, "%s/w%u%s", cell->lock, cell->workers,
				 placement ? placement : "");
		else
			snprintf(label, sizeof label, "%s%s", cell->lock, placement ? placement : "");
		append(series, sizeof series, label);
		fprintf(data, "%s# %s\n", blocks++ ? "\n\n" : "", label);
		for (unsigned harts = 1; harts <= 64; harts++)
			for (size_t k = 0; k < bundle->cell_count; k++) {
				const struct bundle_cell *point = &bundle->cells[k];
				const struct bundle_summary *row;

				if (point->guest == NULL || strcmp(point->guest, guest) != 0 ||
				    strcmp(point->lock, cell->lock) != 0 ||
				    (by_workers && point->workers != cell->workers) ||
				    !same_placement(point, cell) || point->threads != harts)
					continue;
				row = report_vm_figure(model, k, "mips");
				drawn |= row != NULL && row->median > 0;
				fprintf(data, "%u", harts);
				put_figure(data, row);
				fputs(" ? ?\n", data);
			}
	}
	/* No figure in the VM's phase (every rep straddled two phases, say): gnuplot
	 * cannot scale axes over nothing. */
	if (blocks == 0 || !drawn) {
		fclose(data);
		return REPORT_PLOT_EMPTY;
	}
	snprintf(variables, sizeof variables,
		 "locks='%s'; cpus=0; markers=0; xlabel_text='guest harts'; "
		 "ylabel_text='guest MIPS (all harts, log scale)'; "
		 "plot_title='VM, guest %s (phase %s)'",
		 series, guest, model->vm_phase ? model->vm_phase : "none");
	snprintf(made->caption, sizeof made->caption,
		 "Guest %s: the VM's MIPS against harts, a line per lock (lock/wN: per worker "
		 "count too, where harts ran on several%s), medians with their confidence "
		 "intervals, phase %s",
		 guest, placed ? "; .aff<i>.mem<j>: per placement, as in the cell ids" : "",
		 model->vm_phase ? model->vm_phase : "none");
	return run_gnuplot(env, data, path, "throughput.gp", name, variables, made);
}
