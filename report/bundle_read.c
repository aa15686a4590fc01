#include "report/bundle_read.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUNDLE_METRIC_NAME(name) #name,
const char *const bundle_metric_names[BUNDLE_METRIC_COUNT] = {
	BUNDLE_METRICS_V1(BUNDLE_METRIC_NAME) BUNDLE_METRICS_V2(BUNDLE_METRIC_NAME)
};
#undef BUNDLE_METRIC_NAME

#define BUNDLE_FLAG_NAME(name) #name,
const char *const bundle_flag_names[BUNDLE_FLAG_COUNT] = { BUNDLE_FLAGS(BUNDLE_FLAG_NAME) };
#undef BUNDLE_FLAG_NAME

/* cell_status_name's words (harness/cell.c), in enum bundle_status order. */
static const char *const status_names[] = { "ok", "timeout", "crashed", "error" };

/* Positions in the schema's column lists (common/bundle_schema.h), which hold the
 * names: BUNDLE_RUNS_KEYS, BUNDLE_RUNS_V1_TAIL, BUNDLE_RUNS_V2_TAIL,
 * BUNDLE_SUMMARY_COLUMNS and BUNDLE_HIST_HEADER. */
enum { KEY_CELL_ID, KEY_LOCK, KEY_WORKLOAD, KEY_THREADS, KEY_CS_NS, KEY_NCS_NS, KEY_READ_PCT,
       KEY_REP, KEY_STATUS, KEY_COUNT };
enum { V1_TAIL_FLAGS };
enum { V2_TAIL_PHASE, V2_TAIL_CS_LINES, V2_TAIL_THREADS_PER_CPU, V2_TAIL_AFFINITY, V2_TAIL_MEM_POLICY };
enum { SUM_CELL_ID, SUM_METRIC, SUM_MEDIAN, SUM_CI_LOW, SUM_CI_HIGH, SUM_CV, SUM_N, SUM_FLAGS,
       SUM_PHASE, SUM_CI_LEVEL, SUM_N_OK, SUM_N_TIMEOUT, SUM_COUNT };
enum { HIST_LOW, HIST_HIGH, HIST_COUNT_COLUMN, HIST_COLUMNS };

/* The position-th name of a comma-separated schema list. */
static void schema_name(const char *list, int position, char *out, size_t size)
{
	for (int i = 0; i < position && list != NULL; i++) {
		list = strchr(list, ',');
		if (list != NULL)
			list++;
	}
	if (list == NULL) {
		snprintf(out, size, "?");
		return;
	}
	size_t length = strcspn(list, ",");
	snprintf(out, size, "%.*s", (int)length, list);
}

static int schema_column(const struct csv_table *table, const char *list, int position)
{
	char name[64];

	schema_name(list, position, name, sizeof name);
	return csv_column(table, name);
}

/* error = "<dir>/<file>: <formatted>". Always returns -1. */
static int bundle_fail(char *error, size_t error_size, const char *dir, const char *file,
		       const char *format, ...) __attribute__((format(printf, 5, 6)));

static int bundle_fail(char *error, size_t error_size, const char *dir, const char *file,
		       const char *format, ...)
{
	va_list args;
	int used = snprintf(error, error_size, "%s/%s: ", dir, file);

	if (used < 0 || (size_t)used >= error_size)
		return -1;
	va_start(args, format);
	vsnprintf(error + used, error_size - (size_t)used, format, args);
	va_end(args);
	return -1;
}

/* A field's text as it may appear in a one-line message: at most 40 characters,
 * control characters (a quoted field may hold a line break) as '?'. */
static const char *printable(const char *text, char *out, size_t size)
{
	size_t i = 0;

	for (; text[i] != '\0' && i + 1 < size && i < 40; i++)
		out[i] = (unsigned char)text[i] < 0x20 ? '?' : text[i];
	out[i] = '\0';
	return out;
}

static int parse_double(const char *text, bool empty_is_nan, double *out)
{
	char *end;

	if (text[0] == '\0') {
		*out = NAN;
		return empty_is_nan ? 0 : -1;
	}
	errno = 0;
	*out = strtod(text, &end);
	return *end == '\0' && end != text ? 0 : -1;
}

static int parse_uint(const char *text, unsigned long long max, unsigned long long *out)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	*out = strtoull(text, &end, 10);
	return *end == '\0' && errno == 0 && *out <= max ? 0 : -1;
}

static int parse_flags(const char *text, unsigned *flags, char *bad, size_t bad_size)
{
	*flags = 0;
	while (*text != '\0') {
		size_t length = strcspn(text, ";");
		int bit = -1;

		for (int i = 0; i < BUNDLE_FLAG_COUNT; i++)
			if (strlen(bundle_flag_names[i]) == length &&
			    strncmp(bundle_flag_names[i], text, length) == 0)
				bit = i;
		if (bit < 0) {
			snprintf(bad, bad_size, "%.*s", (int)(length < 40 ? length : 40), text);
			return -1;
		}
		*flags |= 1u << bit;
		text += length;
		if (*text == ';')
			text++;
	}
	return 0;
}

int bundle_metric_index(const char *name)
{
	for (int m = 0; m < BUNDLE_METRIC_COUNT; m++)
		if (strcmp(bundle_metric_names[m], name) == 0)
			return m;
	return -1;
}

char *bundle_json_scalar_text(const json_t *value)
{
	char buffer[64];

	switch (json_typeof(value)) {
	case JSON_STRING:
		return strdup(json_string_value(value));
	case JSON_INTEGER:
		snprintf(buffer, sizeof buffer, "%" JSON_INTEGER_FORMAT, json_integer_value(value));
		return strdup(buffer);
	case JSON_REAL:
		snprintf(buffer, sizeof buffer, "%.6g", json_real_value(value));
		return strdup(buffer);
	case JSON_TRUE:
		return strdup("true");
	case JSON_FALSE:
		return strdup("false");
	case JSON_NULL:
		return strdup("null");
	default:
		return NULL;
	}
}

static int meta_add_facts(struct bundle_meta *meta, const json_t *object)
{
	const char *key;
	json_t *value;

	if (!json_is_object(object))
		return 0;
	json_object_foreach((json_t *)object, key, value) {
		if (json_is_object(value) || json_is_array(value))
			continue;
		struct bundle_fact *facts =
			realloc(meta->facts, (meta->fact_count + 1) * sizeof *facts);
		if (facts == NULL)
			return -1;
		meta->facts = facts;
		facts[meta->fact_count].name = key;
		facts[meta->fact_count].value = bundle_json_scalar_text(value);
		if (facts[meta->fact_count].value == NULL)
			return -1;
		meta->fact_count++;
	}
	return 0;
}

static double json_number_at(const json_t *root, const char *object, const char *inner,
			     const char *key)
{
	const json_t *node = json_object_get(root, object);

	if (inner != NULL)
		node = json_object_get(node, inner);
	node = json_object_get(node, key);
	return json_is_number(node) ? json_number_value(node) : NAN;
}

static int read_meta(const char *dir, struct bundle_meta *meta, char *error, size_t error_size)
{
	char path[1100];
	json_error_t json_error;
	const json_t *version, *fingerprint;

	snprintf(path, sizeof path, "%s/" BUNDLE_META, dir);
	meta->json = json_load_file(path, 0, &json_error);
	if (meta->json == NULL) {
		if (json_error_code(&json_error) == json_error_cannot_open_file)
			return bundle_fail(error, error_size, dir, BUNDLE_META, "cannot open: %s",
					   strerror(errno ? errno : ENOENT));
		return bundle_fail(error, error_size, dir, BUNDLE_META, "line %d: %s",
				   json_error.line, json_error.text);
	}
	if (!json_is_object(meta->json))
		return bundle_fail(error, error_size, dir, BUNDLE_META, "not a JSON object");
	version = json_object_get(meta->json, "schema_version");
	if (!json_is_integer(version))
		return bundle_fail(error, error_size, dir, BUNDLE_META,
				   "no schema_version: not a locklab bundle");
	if (json_integer_value(version) > BUNDLE_SCHEMA_VERSION)
		return bundle_fail(error, error_size, dir, BUNDLE_META,
				   "schema_version %" JSON_INTEGER_FORMAT
				   " is newer than this locklab reads (up to %d)",
				   json_integer_value(version), BUNDLE_SCHEMA_VERSION);
	if (json_integer_value(version) < 1)
		return bundle_fail(error, error_size, dir, BUNDLE_META,
				   "schema_version %" JSON_INTEGER_FORMAT " does not exist",
				   json_integer_value(version));
	meta->schema_version = (int)json_integer_value(version);
	fingerprint = json_object_get(meta->json, "fingerprint");
	if (meta_add_facts(meta, fingerprint) != 0 ||
	    meta_add_facts(meta, json_object_get(meta->json, "build")) != 0)
		return bundle_fail(error, error_size, dir, BUNDLE_META, "out of memory");
	double cpus = json_number_at(meta->json, "fingerprint", NULL, "allowed_cpus");
	if (!(cpus >= 1))
		cpus = json_number_at(meta->json, "fingerprint", NULL, "online_cpus");
	meta->cpus = cpus >= 1 && cpus < 1e6 ? (unsigned)cpus : 0;
	meta->timer_overhead_ns = json_number_at(meta->json, "floors", NULL, "timer_overhead_ns");
	if (isnan(meta->timer_overhead_ns))
		meta->timer_overhead_ns = json_number_at(meta->json, "timer", NULL, "overhead_ns");
	meta->null_ns_per_op = json_number_at(meta->json, "floors", NULL, "null_ns_per_op");
	meta->c2c_start_ns = json_number_at(meta->json, "floors", "c2c_start", "median_ns");
	meta->c2c_end_ns = json_number_at(meta->json, "floors", "c2c_end", "median_ns");
	return 0;
}

/* Finds the cell called id, looking at hint first (rows of one cell come together). */
static long cell_lookup(const struct bundle_contents *contents, const char *id, size_t hint)
{
	if (hint < contents->cell_count && strcmp(contents->cells[hint].id, id) == 0)
		return (long)hint;
	return bundle_find_cell(contents, id);
}

long bundle_find_cell(const struct bundle_contents *contents, const char *id)
{
	for (size_t i = 0; i < contents->cell_count; i++)
		if (strcmp(contents->cells[i].id, id) == 0)
			return (long)i;
	return -1;
}

struct runs_columns {
	int key[KEY_COUNT];
	int metric[BUNDLE_METRIC_COUNT];
	int flags, phase, cs_lines, threads_per_cpu, affinity, mem_policy;
};

static int runs_columns_find(const struct csv_table *table, struct runs_columns *columns,
			     char *missing, size_t missing_size)
{
	for (int k = 0; k < KEY_COUNT; k++) {
		columns->key[k] = schema_column(table, BUNDLE_RUNS_KEYS, k);
		if (columns->key[k] < 0) {
			schema_name(BUNDLE_RUNS_KEYS, k, missing, missing_size);
			return -1;
		}
	}
	columns->flags = schema_column(table, BUNDLE_RUNS_V1_TAIL, V1_TAIL_FLAGS);
	if (columns->flags < 0) {
		schema_name(BUNDLE_RUNS_V1_TAIL, V1_TAIL_FLAGS, missing, missing_size);
		return -1;
	}
	for (int m = 0; m < BUNDLE_METRIC_COUNT; m++)
		columns->metric[m] = csv_column(table, bundle_metric_names[m]);
	columns->phase = schema_column(table, BUNDLE_RUNS_V2_TAIL, V2_TAIL_PHASE);
	columns->cs_lines = schema_column(table, BUNDLE_RUNS_V2_TAIL, V2_TAIL_CS_LINES);
	columns->threads_per_cpu = schema_column(table, BUNDLE_RUNS_V2_TAIL, V2_TAIL_THREADS_PER_CPU);
	columns->affinity = schema_column(table, BUNDLE_RUNS_V2_TAIL, V2_TAIL_AFFINITY);
	columns->mem_policy = schema_column(table, BUNDLE_RUNS_V2_TAIL, V2_TAIL_MEM_POLICY);
	return 0;
}

/* A whole-number field; empty allowed (as 0) only where allow_empty. */
static int field_uint(char *const *fields, int column, bool allow_empty, unsigned *out)
{
	unsigned long long value;

	if (column < 0 || (allow_empty && fields[column][0] == '\0')) {
		*out = 0;
		return 0;
	}
	if (parse_uint(fields[column], 0xffffffffu, &value) != 0)
		return -1;
	*out = (unsigned)value;
	return 0;
}

static int cell_matches(const struct bundle_cell *a, const struct bundle_cell *b)
{
	return strcmp(a->lock, b->lock) == 0 && strcmp(a->workload, b->workload) == 0 &&
	       a->threads == b->threads && a->cs_ns == b->cs_ns && a->ncs_ns == b->ncs_ns &&
	       a->read_pct == b->read_pct && a->cs_lines == b->cs_lines &&
	       a->threads_per_cpu == b->threads_per_cpu && strcmp(a->affinity, b->affinity) == 0 &&
	       strcmp(a->mem_policy, b->mem_policy) == 0;
}

static int read_runs(struct bundle_contents *contents, char *error, size_t error_size)
{
	const char *dir = contents->dir;
	struct csv_table *table = &contents->runs_csv;
	struct runs_columns columns;
	char path[1100], why[256], name[64], shown[48];
	size_t hint = 0;

	snprintf(path, sizeof path, "%s/" BUNDLE_RUNS, dir);
	if (csv_read(path, table, why, sizeof why) != 0) {
		char partial[1100];

		/* harness/bundle.c's name for the rows of a run still going or cut short. */
		snprintf(partial, sizeof partial, "%s/.runs.partial.csv", dir);
		if (access(path, F_OK) != 0 && access(partial, F_OK) == 0)
			return bundle_fail(error, error_size, dir, BUNDLE_RUNS,
					   "missing: the run is unfinished (finish it with 'locklab "
					   "run --resume %s')",
					   dir);
		return bundle_fail(error, error_size, dir, BUNDLE_RUNS, "%s", why);
	}
	if (runs_columns_find(table, &columns, name, sizeof name) != 0)
		return bundle_fail(error, error_size, dir, BUNDLE_RUNS, "row 1: no column '%s'", name);
	contents->runs = calloc(table->rows ? table->rows : 1, sizeof *contents->runs);
	contents->cells = calloc(table->rows ? table->rows : 1, sizeof *contents->cells);
	if (contents->runs == NULL || contents->cells == NULL)
		return bundle_fail(error, error_size, dir, BUNDLE_RUNS, "out of memory");
	for (size_t r = 0; r < table->rows; r++) {
		char *const *fields = csv_row(table, r);
		size_t row = csv_row_number(r);
		struct bundle_run *run = &contents->runs[r];
		struct bundle_cell cell = {
			.id = fields[columns.key[KEY_CELL_ID]],
			.lock = fields[columns.key[KEY_LOCK]],
			.workload = fields[columns.key[KEY_WORKLOAD]],
			.affinity = columns.affinity >= 0 ? fields[columns.affinity] : "",
			.mem_policy = columns.mem_policy >= 0 ? fields[columns.mem_policy] : "",
		};
		const struct { int column; bool allow_empty; unsigned *out; } whole[] = {
			{ columns.key[KEY_THREADS], false, &cell.threads },
			{ columns.key[KEY_CS_NS], false, &cell.cs_ns },
			{ columns.key[KEY_NCS_NS], false, &cell.ncs_ns },
			{ columns.key[KEY_READ_PCT], false, &cell.read_pct },
			{ columns.key[KEY_REP], false, &run->rep },
			{ columns.cs_lines, true, &cell.cs_lines },
			{ columns.threads_per_cpu, true, &cell.threads_per_cpu },
		};

		run->row = row;
		if (cell.id[0] == '\0')
			return bundle_fail(error, error_size, dir, BUNDLE_RUNS,
					   "row %zu: field '%s' is empty", row,
					   table->fields[columns.key[KEY_CELL_ID]]);
		for (size_t w = 0; w < sizeof whole / sizeof whole[0]; w++)
			if (field_uint(fields, whole[w].column, whole[w].allow_empty, whole[w].out) != 0)
				return bundle_fail(error, error_size, dir, BUNDLE_RUNS,
						   "row %zu: field '%s' is not a whole number: '%s'",
						   row, table->fields[whole[w].column],
						   printable(fields[whole[w].column], shown,
							     sizeof shown));
		for (int m = 0; m < BUNDLE_METRIC_COUNT; m++) {
			int column = columns.metric[m];

			if (column < 0)
				run->metric[m] = NAN;
			else if (parse_double(fields[column], true, &run->metric[m]) != 0)
				return bundle_fail(error, error_size, dir, BUNDLE_RUNS,
						   "row %zu: field '%s' is not a number: '%s'", row,
						   bundle_metric_names[m],
						   printable(fields[column], shown, sizeof shown));
		}
		const char *status = fields[columns.key[KEY_STATUS]];
		int s = 0;
		while (s < (int)(sizeof status_names / sizeof status_names[0]) &&
		       strcmp(status_names[s], status) != 0)
			s++;
		if (s == (int)(sizeof status_names / sizeof status_names[0]))
			return bundle_fail(error, error_size, dir, BUNDLE_RUNS,
					   "row %zu: field 'status' is not a status: '%s'", row,
					   printable(status, shown, sizeof shown));
		run->status = (enum bundle_status)s;
		if (parse_flags(fields[columns.flags], &run->flags, shown, sizeof shown) != 0)
			return bundle_fail(error, error_size, dir, BUNDLE_RUNS,
					   "row %zu: field 'flags' has an unknown flag: '%s'", row,
					   printable(shown, name, sizeof name));
		run->phase = columns.phase >= 0 ? fields[columns.phase] : "";

		long found = cell_lookup(contents, cell.id, hint);
		if (found < 0) {
			found = (long)contents->cell_count++;
			contents->cells[found] = cell;
		} else if (!cell_matches(&contents->cells[found], &cell)) {
			return bundle_fail(error, error_size, dir, BUNDLE_RUNS,
					   "row %zu: cell '%s' has other keys than in an earlier row",
					   row, printable(cell.id, shown, sizeof shown));
		}
		run->cell = (size_t)found;
		hint = (size_t)found;
	}
	contents->run_count = table->rows;
	return 0;
}

/* vm_runs.csv, when there is one: its rows, and a cell per VM cell_id. */
static int read_vm_runs(struct bundle_contents *contents, char *error, size_t error_size)
{
	static const char *const needed[] = { "cell_id", "lock", "guest", "harts", "workers",
					      "rep", "status", "mips", "mips_per_hart", "wall_s",
					      "lock_bytes_total", "acquisitions", "wait_ns_total",
					      "phase" };
	enum { ID, LOCK, GUEST, HARTS, WORKERS, REP, STATUS, MIPS, MIPS_HART, WALL, BYTES, ACQ,
	       WAIT, PHASE, NEEDED };
	const char *dir = contents->dir;
	struct csv_table *table = &contents->vm_runs_csv;
	char path[1100], why[256], shown[48];
	int column[NEEDED], affinity, mem_policy;

	snprintf(path, sizeof path, "%s/" BUNDLE_VM_RUNS, dir);
	if (access(path, F_OK) != 0)
		return 0;
	if (csv_read(path, table, why, sizeof why) != 0)
		return bundle_fail(error, error_size, dir, BUNDLE_VM_RUNS, "%s", why);
	for (int c = 0; c < NEEDED; c++)
		if ((column[c] = csv_column(table, needed[c])) < 0)
			return bundle_fail(error, error_size, dir, BUNDLE_VM_RUNS,
					   "row 1: no column '%s'", needed[c]);
	/* Placement columns came later: "" in bundles without them, as in runs.csv. */
	affinity = csv_column(table, "affinity");
	mem_policy = csv_column(table, "mem_policy");
	struct bundle_cell *cells =
		realloc(contents->cells, (contents->cell_count + table->rows + 1) * sizeof *cells);
	contents->vm_runs = calloc(table->rows + 1, sizeof *contents->vm_runs);
	if (cells == NULL || contents->vm_runs == NULL)
		return bundle_fail(error, error_size, dir, BUNDLE_VM_RUNS, "out of memory");
	contents->cells = cells;
	for (size_t r = 0; r < table->rows; r++) {
		char *const *fields = csv_row(table, r);
		size_t row = csv_row_number(r);
		struct bundle_vm_run *run = &contents->vm_runs[r];
		struct bundle_cell cell = { .id = fields[column[ID]], .lock = fields[column[LOCK]],
					    .workload = "vm",
					    .affinity = affinity >= 0 ? fields[affinity] : "",
					    .mem_policy = mem_policy >= 0 ? fields[mem_policy] : "",
					    .guest = fields[column[GUEST]] };
		const struct { int position; double *out; } numbers[] = {
			{ MIPS, &run->mips }, { MIPS_HART, &run->mips_per_hart },
			{ WALL, &run->wall_s }, { BYTES, &run->lock_bytes_total },
			{ ACQ, &run->acquisitions }, { WAIT, &run->wait_ns_total },
		};
		const struct { int position; unsigned *out; } whole[] = {
			{ HARTS, &cell.threads }, { WORKERS, &cell.workers }, { REP, &run->rep },
		};

		run->row = row;
		for (size_t w = 0; w < sizeof whole / sizeof whole[0]; w++)
			if (field_uint(fields, column[whole[w].position], false, whole[w].out) != 0)
				return bundle_fail(error, error_size, dir, BUNDLE_VM_RUNS,
						   "row %zu: field '%s' is not a whole number: '%s'",
						   row, needed[whole[w].position],
						   printable(fields[column[whole[w].position]], shown,
							     sizeof shown));
		for (size_t n = 0; n < sizeof numbers / sizeof numbers[0]; n++)
			if (parse_double(fields[column[numbers[n].position]], true, numbers[n].out) !=
			    0)
				return bundle_fail(error, error_size, dir, BUNDLE_VM_RUNS,
						   "row %zu: field '%s' is not a number: '%s'", row,
						   needed[numbers[n].position],
						   printable(fields[column[numbers[n].position]], shown,
							     sizeof shown));
		if (strncmp(cell.id, "vm.", 3) != 0)
			return bundle_fail(error, error_size, dir, BUNDLE_VM_RUNS,
					   "row %zu: cell '%s' is not a VM cell id", row,
					   printable(cell.id, shown, sizeof shown));
		run->status = fields[column[STATUS]];
		run->phase = fields[column[PHASE]];
		long found = bundle_find_cell(contents, cell.id);
		if (found < 0) {
			found = (long)contents->cell_count++;
			contents->cells[found] = cell;
		} else if (contents->cells[found].guest == NULL ||
			   strcmp(contents->cells[found].guest, cell.guest) != 0 ||
			   strcmp(contents->cells[found].lock, cell.lock) != 0 ||
			   contents->cells[found].threads != cell.threads ||
			   contents->cells[found].workers != cell.workers) {
			return bundle_fail(error, error_size, dir, BUNDLE_VM_RUNS,
					   "row %zu: cell '%s' has other keys than in an earlier row",
					   row, printable(cell.id, shown, sizeof shown));
		}
		run->cell = (size_t)found;
	}
	contents->vm_run_count = table->rows;
	return 0;
}

static int read_summary(struct bundle_contents *contents, char *error, size_t error_size)
{
	const char *dir = contents->dir;
	struct csv_table *table = &contents->summary_csv;
	int column[SUM_COUNT];
	char path[1100], why[256], name[64], shown[48];
	size_t hint = 0;

	snprintf(path, sizeof path, "%s/" BUNDLE_SUMMARY, dir);
	if (csv_read(path, table, why, sizeof why) != 0)
		return bundle_fail(error, error_size, dir, BUNDLE_SUMMARY, "%s", why);
	for (int c = 0; c < SUM_COUNT; c++) {
		column[c] = schema_column(table, BUNDLE_SUMMARY_COLUMNS, c);
		/* Schema 1 ends at flags; the columns after it are schema 2's. */
		if (column[c] < 0 && c <= SUM_FLAGS) {
			schema_name(BUNDLE_SUMMARY_COLUMNS, c, name, sizeof name);
			return bundle_fail(error, error_size, dir, BUNDLE_SUMMARY,
					   "row 1: no column '%s'", name);
		}
	}
	contents->summaries = calloc(table->rows ? table->rows : 1, sizeof *contents->summaries);
	if (contents->summaries == NULL)
		return bundle_fail(error, error_size, dir, BUNDLE_SUMMARY, "out of memory");
	for (size_t r = 0; r < table->rows; r++) {
		char *const *fields = csv_row(table, r);
		size_t row = csv_row_number(r);
		struct bundle_summary *summary = &contents->summaries[r];
		long cell = cell_lookup(contents, fields[column[SUM_CELL_ID]], hint);
		const struct { int position; double *out; } numbers[] = {
			{ SUM_MEDIAN, &summary->median }, { SUM_CI_LOW, &summary->ci_low },
			{ SUM_CI_HIGH, &summary->ci_high }, { SUM_CV, &summary->cv },
			{ SUM_CI_LEVEL, &summary->ci_level },
		};
		const struct { int position; int *out; } counts[] = {
			{ SUM_N, &summary->n }, { SUM_N_OK, &summary->n_ok },
			{ SUM_N_TIMEOUT, &summary->n_timeout },
		};

		if (cell < 0)
			return bundle_fail(error, error_size, dir, BUNDLE_SUMMARY,
					   "row %zu: cell '%s' is not in " BUNDLE_RUNS " or " BUNDLE_VM_RUNS,
					   row,
					   printable(fields[column[SUM_CELL_ID]], shown, sizeof shown));
		summary->cell = (size_t)cell;
		hint = (size_t)cell;
		summary->metric_name = fields[column[SUM_METRIC]];
		summary->metric = bundle_metric_index(summary->metric_name);
		summary->phase = column[SUM_PHASE] >= 0 ? fields[column[SUM_PHASE]] : "";
		for (size_t i = 0; i < sizeof numbers / sizeof numbers[0]; i++) {
			int c = column[numbers[i].position];

			if (c < 0)
				*numbers[i].out = NAN;
			else if (parse_double(fields[c], true, numbers[i].out) != 0)
				return bundle_fail(error, error_size, dir, BUNDLE_SUMMARY,
						   "row %zu: field '%s' is not a number: '%s'", row,
						   table->fields[c],
						   printable(fields[c], shown, sizeof shown));
		}
		for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
			int c = column[counts[i].position];
			unsigned long long value;

			if (c < 0) {
				*counts[i].out = -1;
			} else if (parse_uint(fields[c], 0x7fffffff, &value) != 0) {
				return bundle_fail(error, error_size, dir, BUNDLE_SUMMARY,
						   "row %zu: field '%s' is not a whole number: '%s'",
						   row, table->fields[c],
						   printable(fields[c], shown, sizeof shown));
			} else {
				*counts[i].out = (int)value;
			}
		}
		if (parse_flags(fields[column[SUM_FLAGS]], &summary->flags, shown, sizeof shown) != 0)
			return bundle_fail(error, error_size, dir, BUNDLE_SUMMARY,
					   "row %zu: field 'flags' has an unknown flag: '%s'", row,
					   printable(shown, name, sizeof name));
		/* One rep has no spread and no interval; bundles written before
		 * 2026-12-04 gave it the value itself as its interval, at level 0. */
		if (summary->n >= 0 && summary->n < 2)
			summary->cv = summary->ci_low = summary->ci_high = summary->ci_level = NAN;
	}
	contents->summary_count = table->rows;
	return 0;
}

bool bundle_has_interval(const struct bundle_summary *row)
{
	return isfinite(row->ci_low) && isfinite(row->ci_high);
}

int bundle_read(const char *dir, struct bundle_contents *contents, char *error,
		size_t error_size)
{
	memset(contents, 0, sizeof *contents);
	if (snprintf(contents->dir, sizeof contents->dir, "%s", dir) >= (int)sizeof contents->dir) {
		snprintf(error, error_size, "%.64s...: path too long", dir);
		return -1;
	}
	for (size_t len = strlen(contents->dir); len > 1 && contents->dir[len - 1] == '/';)
		contents->dir[--len] = '\0';
	if (read_meta(contents->dir, &contents->meta, error, error_size) != 0 ||
	    read_runs(contents, error, error_size) != 0 ||
	    read_vm_runs(contents, error, error_size) != 0 ||
	    read_summary(contents, error, error_size) != 0) {
		bundle_free(contents);
		return -1;
	}
	return 0;
}

void bundle_free(struct bundle_contents *contents)
{
	for (size_t i = 0; i < contents->meta.fact_count; i++)
		free(contents->meta.facts[i].value);
	free(contents->meta.facts);
	json_decref(contents->meta.json);
	free(contents->cells);
	free(contents->runs);
	free(contents->summaries);
	free(contents->vm_runs);
	csv_free(&contents->runs_csv);
	csv_free(&contents->vm_runs_csv);
	csv_free(&contents->summary_csv);
	memset(contents, 0, sizeof *contents);
}

int bundle_read_hist(const struct bundle_contents *contents, const char *cell_id,
		     const char *metric, struct bundle_hist *hist, char *error, size_t error_size)
{
	char name[512], path[1600], why[256], shown[48];
	struct csv_table table;
	int column[HIST_COLUMNS];

	memset(hist, 0, sizeof *hist);
	snprintf(name, sizeof name, BUNDLE_HIST_DIR "/%s.%s.csv", cell_id, metric);
	snprintf(path, sizeof path, "%s/%s", contents->dir, name);
	if (access(path, F_OK) != 0 && errno == ENOENT)
		return 1;
	if (csv_read(path, &table, why, sizeof why) != 0)
		return bundle_fail(error, error_size, contents->dir, name, "%s", why);
	for (int c = 0; c < HIST_COLUMNS; c++) {
		column[c] = schema_column(&table, BUNDLE_HIST_HEADER, c);
		if (column[c] < 0) {
			char missing[64];

			schema_name(BUNDLE_HIST_HEADER, c, missing, sizeof missing);
			csv_free(&table);
			return bundle_fail(error, error_size, contents->dir, name,
					   "row 1: no column '%s'", missing);
		}
	}
	hist->buckets = calloc(table.rows ? table.rows : 1, sizeof *hist->buckets);
	if (hist->buckets == NULL) {
		csv_free(&table);
		return bundle_fail(error, error_size, contents->dir, name, "out of memory");
	}
	for (size_t r = 0; r < table.rows; r++) {
		char *const *fields = csv_row(&table, r);
		struct bundle_bucket *bucket = &hist->buckets[r];
		unsigned long long count;
		int bad = -1;

		if (parse_double(fields[column[HIST_LOW]], false, &bucket->low_ns) != 0)
			bad = column[HIST_LOW];
		else if (parse_double(fields[column[HIST_HIGH]], false, &bucket->high_ns) != 0)
			bad = column[HIST_HIGH];
		else if (parse_uint(fields[column[HIST_COUNT_COLUMN]], ~0ull, &count) != 0)
			bad = column[HIST_COUNT_COLUMN];
		if (bad >= 0) {
			bundle_fail(error, error_size, contents->dir, name,
				    "row %zu: field '%s' is not a number: '%s'", csv_row_number(r),
				    table.fields[bad], printable(fields[bad], shown, sizeof shown));
			csv_free(&table);
			bundle_hist_free(hist);
			return -1;
		}
		if (bucket->high_ns < bucket->low_ns ||
		    (r > 0 && bucket->low_ns < hist->buckets[r - 1].high_ns)) {
			bundle_fail(error, error_size, contents->dir, name,
				    "row %zu: bucket out of order", csv_row_number(r));
			csv_free(&table);
			bundle_hist_free(hist);
			return -1;
		}
		bucket->count = count;
		hist->total += count;
	}
	hist->count = table.rows;
	csv_free(&table);
	return 0;
}

void bundle_hist_free(struct bundle_hist *hist)
{
	free(hist->buckets);
	memset(hist, 0, sizeof *hist);
}
