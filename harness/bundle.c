#include "harness/bundle.h"

#include "harness/phase.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PARTIAL_NAME ".runs.partial.csv"

static int make_parents(const char *path)
{
	char buffer[1024];

	if (snprintf(buffer, sizeof buffer, "%s", path) >= (int)sizeof buffer) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *slash = strchr(buffer + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(buffer, 0777) != 0 && errno != EEXIST)
			return -1;
		*slash = '/';
	}
	return 0;
}

int bundle_create(struct bundle *bundle, const char *requested)
{
	memset(bundle, 0, sizeof *bundle);
	if (requested != NULL) {
		size_t len = strlen(requested);
		if (len == 0 || len >= sizeof bundle->dir - 64) {
			errno = ENAMETOOLONG;
			return -1;
		}
		snprintf(bundle->dir, sizeof bundle->dir, "%s", requested);
		while (len > 1 && bundle->dir[len - 1] == '/')
			bundle->dir[--len] = '\0';
		if (make_parents(bundle->dir) != 0)
			return -1;
		/* mkdir is the check: it fails with EEXIST on any existing entry. */
		return mkdir(bundle->dir, 0777);
	}

	char host[256] = "host", stamp[32];
	time_t now = time(NULL);
	struct tm utc;

	gethostname(host, sizeof host - 1);
	for (char *c = host; *c; c++)
		if (*c == '/' || *c == ' ')
			*c = '_';
	gmtime_r(&now, &utc);
	strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
	if (mkdir("results", 0777) != 0 && errno != EEXIST)
		return -1;
	/* Two runs in one second get -2, -3...: the default never overwrites either. */
	for (int attempt = 1; attempt < 100; attempt++) {
		if (attempt == 1)
			snprintf(bundle->dir, sizeof bundle->dir, "results/%s-%s", stamp, host);
		else
			snprintf(bundle->dir, sizeof bundle->dir, "results/%s-%s-%d", stamp, host,
				 attempt);
		if (mkdir(bundle->dir, 0777) == 0)
			return 0;
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

static void path_of(const struct bundle *bundle, const char *name, bool temporary, char *out,
		    size_t size)
{
	const char *slash = strrchr(name, '/');

	if (!temporary)
		snprintf(out, size, "%s/%s", bundle->dir, name);
	else if (slash == NULL)
		snprintf(out, size, "%s/.%s.tmp", bundle->dir, name);
	else
		snprintf(out, size, "%s/%.*s.%s.tmp", bundle->dir, (int)(slash - name + 1), name,
			 slash + 1);
}

FILE *bundle_open(const struct bundle *bundle, const char *name)
{
	char path[1200];

	path_of(bundle, name, false, path, sizeof path);
	if (make_parents(path) != 0)
		return NULL;
	path_of(bundle, name, true, path, sizeof path);
	return fopen(path, "w");
}

int bundle_commit(const struct bundle *bundle, const char *name, FILE *file)
{
	char temporary[1200], final[1200];
	int failed = fflush(file) != 0 || ferror(file) || fsync(fileno(file)) != 0;

	failed |= fclose(file) != 0;
	path_of(bundle, name, true, temporary, sizeof temporary);
	path_of(bundle, name, false, final, sizeof final);
	if (failed || rename(temporary, final) != 0) {
		int saved = errno;
		unlink(temporary);
		errno = saved;
		return -1;
	}
	return 0;
}

void bundle_runs_header(FILE *out)
{
	fputs(BUNDLE_RUNS_KEYS, out);
	for (int m = 0; m < METRIC_FIRST_APPENDED; m++)
		fprintf(out, ",%s", metric_names[m]);
	fputs("," BUNDLE_RUNS_V1_TAIL, out);
	for (int m = METRIC_FIRST_APPENDED; m < METRIC_COUNT; m++)
		fprintf(out, ",%s", metric_names[m]);
	fputs("," BUNDLE_RUNS_V2_TAIL "\n", out);
}

static void write_value(FILE *out, double value)
{
	if (isnan(value))
		fputc(',', out);
	else if (value == floor(value) && fabs(value) < 1e15)
		fprintf(out, ",%.0f", value);
	else
		fprintf(out, ",%.6g", value);
}

void bundle_runs_row(FILE *out, const struct run_row *row)
{
	const struct cell *c = row->cell;
	char flags[128];

	fprintf(out, "%s,%s,%s,%u,%u,%u,%u,%u,%s", c->id, c->lock->name, c->workload->name,
		c->threads, c->cs_ns, c->ncs_ns, c->read_pct, row->rep,
		cell_status_name(row->status));
	for (int m = 0; m < METRIC_FIRST_APPENDED; m++)
		write_value(out, row->value[m]);
	metrics_flags_text(row->flags, flags, sizeof flags);
	fprintf(out, ",%s,%llu,%llu,%s", flags, (unsigned long long)row->reads,
		(unsigned long long)row->samples, row->thread_cpus);
	for (int m = METRIC_FIRST_APPENDED; m < METRIC_COUNT; m++)
		write_value(out, row->value[m]);
	fprintf(out, ",%s,%u,", row->phase >= 0 ? phase_name((enum phase)row->phase) : "",
		c->cs_lines);
	if (c->threads_per_cpu)
		fprintf(out, "%u", c->threads_per_cpu);
	fputc('\n', out);
}

int bundle_append_partial(struct bundle *bundle, const struct run_row *row)
{
	if (bundle->partial == NULL) {
		char path[1200];

		path_of(bundle, PARTIAL_NAME, false, path, sizeof path);
		bundle->partial = fopen(path, "w");
		if (bundle->partial == NULL)
			return -1;
		bundle_runs_header(bundle->partial);
	}
	bundle_runs_row(bundle->partial, row);
	return fflush(bundle->partial) == 0 ? 0 : -1;
}

int bundle_reopen(struct bundle *bundle, const char *dir, const struct run_row *rows,
		  const bool *done, size_t count)
{
	char path[1200];
	FILE *out;

	memset(bundle, 0, sizeof *bundle);
	if (snprintf(bundle->dir, sizeof bundle->dir, "%s", dir) >= (int)sizeof bundle->dir) {
		errno = ENAMETOOLONG;
		return -1;
	}
	out = bundle_open(bundle, PARTIAL_NAME);
	if (out == NULL)
		return -1;
	bundle_runs_header(out);
	for (size_t i = 0; i < count; i++)
		if (done[i] && rows[i].cell != NULL)
			bundle_runs_row(out, &rows[i]);
	if (bundle_commit(bundle, PARTIAL_NAME, out) != 0)
		return -1;
	path_of(bundle, PARTIAL_NAME, false, path, sizeof path);
	bundle->partial = fopen(path, "a");
	return bundle->partial != NULL ? 0 : -1;
}

int bundle_finish_runs(struct bundle *bundle, const struct run_row *rows, size_t count)
{
	FILE *out = bundle_open(bundle, BUNDLE_RUNS);

	if (out == NULL)
		return -1;
	bundle_runs_header(out);
	for (size_t i = 0; i < count; i++)
		bundle_runs_row(out, &rows[i]);
	if (bundle_commit(bundle, BUNDLE_RUNS, out) != 0)
		return -1;
	if (bundle->partial != NULL) {
		char path[1200];

		fclose(bundle->partial);
		bundle->partial = NULL;
		path_of(bundle, PARTIAL_NAME, false, path, sizeof path);
		unlink(path);
	}
	return 0;
}

static int write_bucket(uint64_t low, uint64_t high, uint64_t count, void *arg)
{
	return fprintf(arg, "%llu,%llu,%llu\n", (unsigned long long)low, (unsigned long long)high,
		       (unsigned long long)count) < 0;
}

int bundle_write_hist(const struct bundle *bundle, const char *cell_id, const char *metric,
		      const struct hist *hist)
{
	char name[256];
	FILE *out;

	snprintf(name, sizeof name, BUNDLE_HIST_DIR "/%s.%s.csv", cell_id, metric);
	out = bundle_open(bundle, name);
	if (out == NULL)
		return -1;
	fputs(BUNDLE_HIST_HEADER "\n", out);
	hist_foreach(hist, write_bucket, out);
	return bundle_commit(bundle, name, out);
}

int bundle_write_json(const struct bundle *bundle, const char *name, json_t *value)
{
	FILE *out = bundle_open(bundle, name);

	if (out == NULL)
		return -1;
	if (json_dumpf(value, out, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
		fclose(out);
		return -1;
	}
	fputc('\n', out);
	return bundle_commit(bundle, name, out);
}

void bundle_close(struct bundle *bundle)
{
	if (bundle->partial != NULL)
		fclose(bundle->partial);
	bundle->partial = NULL;
}
