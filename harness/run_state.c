#include "harness/run_state.h"

#include "harness/cli.h"
#include "harness/vm_plan.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STATE_DIR ".partial"

static const char *const hist_names[] = { "lat", "hold", "handoff" };

void run_state_hist_name(char *out, size_t size, const char *cell_id, unsigned rep)
{
	snprintf(out, size, STATE_DIR "/%s.%u.hist", cell_id, rep);
}

int run_state_save_hists(const struct bundle *bundle, const char *cell_id, unsigned rep,
			 const struct cell_result *result)
{
	const struct hist *hists[3] = { &result->acquire, &result->hold, &result->handoff };
	char name[256];
	FILE *out;

	run_state_hist_name(name, sizeof name, cell_id, rep);
	out = bundle_open(bundle, name);
	if (out == NULL)
		return -1;
	for (int which = 0; which < 3; which++) {
		const struct hist *h = hists[which];

		fprintf(out, "%s %llu %llu %llu %llu %llu\n", hist_names[which],
			(unsigned long long)h->total, (unsigned long long)h->sum,
			(unsigned long long)h->min, (unsigned long long)h->max,
			(unsigned long long)h->saturated);
		for (unsigned i = 0; i < HIST_BUCKETS; i++)
			if (h->counts[i])
				fprintf(out, "%u %llu\n", i, (unsigned long long)h->counts[i]);
	}
	return bundle_commit(bundle, name, out);
}

int run_state_merge_hists(const char *dir, const char *cell_id, unsigned rep,
			  struct cell_hists *hists)
{
	struct hist *targets[3] = { &hists->acquire, &hists->hold, &hists->handoff };
	struct hist *loaded = malloc(3 * sizeof *loaded);
	bool seen[3] = { false, false, false };
	char name[256], path[1400], line[256];
	bool torn = false;
	int which = -1;
	FILE *in;

	run_state_hist_name(name, sizeof name, cell_id, rep);
	snprintf(path, sizeof path, "%s/%s", dir, name);
	in = fopen(path, "r");
	if (in == NULL || loaded == NULL) {
		free(loaded);
		if (in != NULL)
			fclose(in);
		return -1;
	}
	while (!torn && fgets(line, sizeof line, in) != NULL) {
		char tag[16];
		unsigned long long a, b, c, d, e;
		unsigned index;

		if (sscanf(line, "%15s %llu %llu %llu %llu %llu", tag, &a, &b, &c, &d, &e) == 6) {
			which = -1;
			for (int k = 0; k < 3; k++)
				if (strcmp(tag, hist_names[k]) == 0)
					which = k;
			torn = which < 0;
			if (torn)
				break;
			loaded[which] = (struct hist){ .total = a, .sum = b, .min = c, .max = d,
						       .saturated = e };
			seen[which] = true;
		} else if (which >= 0 && sscanf(line, "%u %llu", &index, &a) == 2 &&
			   index < HIST_BUCKETS) {
			loaded[which].counts[index] = a;
		} else {
			torn = true;
		}
	}
	fclose(in);
	/* All three sections, each with buckets adding up to its total, or nothing:
	 * a torn or damaged file merges none of it. */
	bool complete = !torn && seen[0] && seen[1] && seen[2];
	for (int k = 0; k < 3 && complete; k++) {
		uint64_t counted = 0;
		for (unsigned i = 0; i < HIST_BUCKETS; i++)
			counted += loaded[k].counts[i];
		complete = counted == loaded[k].total;
	}
	if (complete)
		for (int k = 0; k < 3; k++)
			hist_merge(targets[k], &loaded[k]);
	free(loaded);
	if (!complete) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

/* Fields of one partial row, split in place. */
static size_t split_fields(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *cursor = line, *field;

	while (n < max && (field = strsep(&cursor, ",")) != NULL)
		fields[n++] = field;
	return n;
}

static bool parse_row(char *line, const struct matrix *m, unsigned reps, struct run_row *rows,
		      bool *done)
{
	/* cells, schema 1 metrics, flags, reads, samples, thread_cpus, schema 2
	 * metrics, phase, cs_lines, threads_per_cpu, affinity, mem_policy, lock_node,
	 * ran_on, migrations, busy_after_iterations_per_ns, busy_window_iterations_per_ns */
	enum { FIRST_METRIC = 9, AFTER_V1 = FIRST_METRIC + METRIC_FIRST_APPENDED,
	       PLACEMENT = FIRST_METRIC + METRIC_COUNT + 7,
	       COLUMNS = PLACEMENT + 7 };
	char *fields[COLUMNS + 1];
	char *end;

	line[strcspn(line, "\r\n")] = '\0';
	if (split_fields(line, fields, COLUMNS + 1) != COLUMNS)
		return false;
	size_t c = 0;
	while (c < m->cell_count && strcmp(m->cells[c].id, fields[0]) != 0)
		c++;
	unsigned long rep = strtoul(fields[7], &end, 10);
	int status = cell_status_parse(fields[8]);
	if (c == m->cell_count || *end != '\0' || rep >= reps || status < 0)
		return false;

	struct run_row *row = &rows[c * reps + rep];
	if (row->cell != NULL)
		return false; /* a second row of one rep */
	memset(row, 0, sizeof *row);
	row->cell = &m->cells[c];
	row->rep = (unsigned)rep;
	row->status = (enum cell_status)status;
	for (int k = 0; k < METRIC_COUNT; k++) {
		const char *text = fields[k < METRIC_FIRST_APPENDED ? FIRST_METRIC + k : 4 + FIRST_METRIC + k];
		row->value[k] = *text ? strtod(text, &end) : NAN;
		if (*text && *end != '\0')
			return false;
	}
	row->flags = metrics_flags_parse(fields[AFTER_V1]);
	row->reads = strtoull(fields[AFTER_V1 + 1], &end, 10);
	if (*end != '\0')
		return false;
	row->samples = strtoull(fields[AFTER_V1 + 2], &end, 10);
	if (*end != '\0')
		return false;
	snprintf(row->thread_cpus, sizeof row->thread_cpus, "%s", fields[AFTER_V1 + 3]);
	long node = strtol(fields[PLACEMENT + 2], &end, 10);
	if (*end != '\0')
		return false;
	row->lock_node = (int)node;
	snprintf(row->ran_on, sizeof row->ran_on, "%s", fields[PLACEMENT + 3]);
	row->migrations = *fields[PLACEMENT + 4] ? strtod(fields[PLACEMENT + 4], &end) : NAN;
	if (*fields[PLACEMENT + 4] && *end != '\0')
		return false;
	/* PLACEMENT + 5, busy_after_iterations_per_ns: no longer measured; a run
	 * begun before may have a number there, which is checked and dropped. */
	if (*fields[PLACEMENT + 5] && (strtod(fields[PLACEMENT + 5], &end), *end != '\0'))
		return false;
	row->busy_window = *fields[PLACEMENT + 6] ? strtod(fields[PLACEMENT + 6], &end) : NAN;
	if (*fields[PLACEMENT + 6] && *end != '\0')
		return false;
	row->phase = -1; /* decided again with the whole run */
	done[c * reps + rep] = true;
	return true;
}

long run_state_load_rows(const char *dir, const struct matrix *m, unsigned reps,
			 struct run_row *rows, bool *done, size_t *torn, char *why,
			 size_t why_size)
{
	char path[1200], *line = NULL, *header = NULL;
	size_t capacity = 0, header_size = 0;
	long loaded = 0, number = 0;
	ssize_t length;
	FILE *in, *expected;

	*torn = 0;
	snprintf(path, sizeof path, "%s/" BUNDLE_PARTIAL_RUNS, dir);
	in = fopen(path, "r");
	if (in == NULL) {
		snprintf(why, why_size, "%s: the rows measured so far are lost", strerror(errno));
		return -1;
	}
	expected = open_memstream(&header, &header_size);
	if (expected != NULL) {
		bundle_runs_header(expected);
		fclose(expected);
	}
	while ((length = getline(&line, &capacity, in)) > 0) {
		number++;
		if (number == 1) {
			if (header == NULL || strcmp(line, header) != 0) {
				snprintf(why, why_size, "line 1 is not this version's runs header");
				loaded = -1;
				break;
			}
			continue;
		}
		/* Only the last line can lack its newline (getline stops at the end of
		 * the file): the append a kill or a full disk cut short. */
		if (line[length - 1] != '\n') {
			(*torn)++;
			break;
		}
		if (!parse_row(line, m, reps, rows, done)) {
			snprintf(why, why_size, "row %ld does not fit this plan (another plan's "
						"row, a repeated rep, or damage)",
				 number);
			loaded = -1;
			break;
		}
		loaded++;
	}
	if (number == 0) {
		snprintf(why, why_size, "empty: not even its header");
		loaded = -1;
	}
	free(header);
	free(line);
	fclose(in);
	return loaded;
}

static int remove_state_dir(const struct bundle *bundle)
{
	char path[1400];
	struct dirent *entry;
	DIR *state;

	snprintf(path, sizeof path, "%s/" STATE_DIR, bundle->dir);
	state = opendir(path);
	if (state == NULL)
		return errno == ENOENT ? 0 : -1;
	while ((entry = readdir(state)) != NULL) {
		char file[1700];

		if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0)
			continue;
		snprintf(file, sizeof file, "%s/%s", path, entry->d_name);
		if (unlink(file) != 0 && errno != ENOENT) {
			closedir(state);
			return -1;
		}
	}
	closedir(state);
	if (rmdir(path) != 0 && errno != ENOENT)
		return -1;
	return bundle_sync_dir(bundle->dir);
}

int run_state_remove(struct bundle *bundle)
{
	if (remove_state_dir(bundle) != 0 || bundle_remove(bundle, VM_PLAN_PARTIAL) != 0)
		return -1;
	bundle_crash_point("finish");
	/* Last: while this file is there, the bundle can still be finished again. */
	return bundle_remove_partial(bundle);
}

bool run_state_left_over(const char *dir)
{
	char path[1200];
	struct stat st;

	snprintf(path, sizeof path, "%s/" BUNDLE_PARTIAL_RUNS, dir);
	if (stat(path, &st) == 0)
		return true;
	snprintf(path, sizeof path, "%s/" STATE_DIR, dir);
	return stat(path, &st) == 0;
}

/* The partial file holding its header alone: what a run writes before meta.json. */
static bool header_only(const char *path)
{
	char *header = NULL, *text = NULL;
	size_t header_size = 0, capacity = 0;
	FILE *expected = open_memstream(&header, &header_size), *in = fopen(path, "r");
	bool same = false;

	if (expected != NULL && in != NULL) {
		bundle_runs_header(expected);
		fclose(expected);
		expected = NULL;
		ssize_t length = getdelim(&text, &capacity, '\0', in);
		same = length == (ssize_t)strlen(header) && strcmp(text, header) == 0;
	}
	if (expected != NULL)
		fclose(expected);
	if (in != NULL)
		fclose(in);
	free(header);
	free(text);
	return same;
}

enum run_state_kind run_state_inspect(const char *dir)
{
	char path[1200];
	json_error_t error;

	snprintf(path, sizeof path, "%s/" BUNDLE_META, dir);
	json_t *meta = json_load_file(path, 0, &error);
	if (meta != NULL) {
		bool complete = json_is_true(json_object_get(meta, "complete"));
		bool ours = json_is_array(json_object_get(meta, "command_line"));
		json_decref(meta);
		if (!ours)
			return RUN_STATE_OTHER;
		return complete ? RUN_STATE_COMPLETE : RUN_STATE_UNFINISHED;
	}
	/* No meta.json: ours only if nothing but the start of a run is there (a
	 * temporary is ".<name>.tmp"), which measured nothing. */
	DIR *listing = opendir(dir);
	struct dirent *entry;
	bool unstarted = listing != NULL;

	while (unstarted && (entry = readdir(listing)) != NULL) {
		const char *name = entry->d_name;
		size_t length = strlen(name);

		if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, name);
		if (strcmp(name, BUNDLE_PARTIAL_RUNS) == 0)
			unstarted = header_only(path);
		else
			unstarted = name[0] == '.' && length > 5 &&
				    strcmp(name + length - 4, ".tmp") == 0;
	}
	if (listing != NULL)
		closedir(listing);
	return unstarted ? RUN_STATE_UNSTARTED : RUN_STATE_OTHER;
}

char **run_state_saved_command(const char *dir, int *argc, json_t **storage, char *excluded,
			       size_t excluded_size, bool *preflight_done)
{
	char path[1200];
	json_error_t error;

	snprintf(path, sizeof path, "%s/meta.json", dir);
	json_t *meta = json_load_file(path, 0, &error);
	if (meta == NULL) {
		cli_error("--resume", dir, "no readable meta.json: %s", error.text);
		return NULL;
	}
	if (json_is_true(json_object_get(meta, "complete"))) {
		cli_error("--resume", dir, "this run is complete; nothing to resume");
		json_decref(meta);
		return NULL;
	}
	json_t *command = json_object_get(meta, "command_line");
	size_t n = json_array_size(command);
	char **argv = calloc(n + 1, sizeof *argv);
	if (n == 0 || argv == NULL) {
		cli_error("--resume", dir, "meta.json has no command line");
		free(argv);
		json_decref(meta);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		argv[i] = (char *)json_string_value(json_array_get(command, i));
	excluded[0] = '\0';
	json_t *failures = json_object_get(meta, "preflight_failures"), *failure;
	*preflight_done = json_is_array(failures);
	size_t index;
	json_array_foreach(failures, index, failure) {
		size_t used = strlen(excluded);
		snprintf(excluded + used, excluded_size - used, "%s%s", used ? "," : "",
			 json_string_value(json_object_get(failure, "what")));
	}
	*argc = (int)n;
	*storage = meta;
	return argv;
}

