#include "harness/bundle.h"

#include "harness/phase.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int bundle_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	int saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

/* The directory path lives in (".": none named). */
static int sync_parent(const char *path)
{
	char parent[1200];
	const char *slash = strrchr(path, '/');

	if (slash == NULL)
		return bundle_sync_dir(".");
	if (slash == path)
		return bundle_sync_dir("/");
	snprintf(parent, sizeof parent, "%.*s", (int)(slash - path), path);
	return bundle_sync_dir(parent);
}

/* mkdir -p of path's parents; each directory made is synced into its own parent. */
static int make_parents(const char *path)
{
	char buffer[1024];

	if (snprintf(buffer, sizeof buffer, "%s", path) >= (int)sizeof buffer) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (char *slash = strchr(buffer + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		if (mkdir(buffer, 0777) == 0) {
			if (sync_parent(buffer) != 0)
				return -1;
		} else if (errno != EEXIST) {
			return -1;
		}
		*slash = '/';
	}
	return 0;
}

int bundle_create(struct bundle *bundle, const char *requested)
{
	memset(bundle, 0, sizeof *bundle);
	bundle->partial_fd = -1;
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
		if (mkdir(bundle->dir, 0777) != 0)
			return -1;
		return sync_parent(bundle->dir);
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
			return sync_parent(bundle->dir);
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

int bundle_adopt(struct bundle *bundle, const char *dir)
{
	memset(bundle, 0, sizeof *bundle);
	bundle->partial_fd = -1;
	if (snprintf(bundle->dir, sizeof bundle->dir, "%s", dir) >= (int)sizeof bundle->dir - 64) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
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
	return sync_parent(final);
}

void bundle_path(const struct bundle *bundle, const char *name, char *out, size_t size)
{
	path_of(bundle, name, false, out, size);
}

int bundle_remove(const struct bundle *bundle, const char *name)
{
	char path[1200];

	path_of(bundle, name, false, path, sizeof path);
	if (unlink(path) != 0 && errno != ENOENT)
		return -1;
	return sync_parent(path);
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

/* runs.csv's figures: whole numbers as such, the rest to 6 significant digits;
 * exact (the partial file) to 17, which reads back as the very same double. */
static void write_value(FILE *out, double value, bool exact)
{
	if (isnan(value))
		fputc(',', out);
	else if (value == floor(value) && fabs(value) < 1e15)
		fprintf(out, ",%.0f", value);
	else
		fprintf(out, exact ? ",%.17g" : ",%.6g", value);
}

static void write_row(FILE *out, const struct run_row *row, bool exact)
{
	const struct cell *c = row->cell;
	char flags[128];

	fprintf(out, "%s,%s,%s,%u,%u,%u,%u,%u,%s", c->id, c->lock->name, c->workload->name,
		c->threads, c->cs_ns, c->ncs_ns, c->read_pct, row->rep,
		cell_status_name(row->status));
	for (int m = 0; m < METRIC_FIRST_APPENDED; m++)
		write_value(out, row->value[m], exact);
	metrics_flags_text(row->flags, flags, sizeof flags);
	fprintf(out, ",%s,%llu,%llu,%s", flags, (unsigned long long)row->reads,
		(unsigned long long)row->samples, row->thread_cpus);
	for (int m = METRIC_FIRST_APPENDED; m < METRIC_COUNT; m++)
		write_value(out, row->value[m], exact);
	fprintf(out, ",%s,%u,", row->phase >= 0 ? phase_name((enum phase)row->phase) : "",
		c->cs_lines);
	if (c->threads_per_cpu)
		fprintf(out, "%u", c->threads_per_cpu);
	/* A policy's text may hold commas (list:0,2): quoted as RFC 4180 says. The
	 * partial file gives the indexes, which its cell id fixes anyway. */
	if (exact)
		fprintf(out, ",aff%u,mem%u", c->affinity, c->mem);
	else
		fprintf(out, ",\"%s\",\"%s\"", c->affinity_text ? c->affinity_text : "",
			c->mem_text ? c->mem_text : "");
	fprintf(out, ",%d,%s", row->lock_node, row->ran_on[0] ? row->ran_on : "?");
	write_value(out, row->migrations, exact);
	/* busy_after_iterations_per_ns: no longer measured (it cost 6 ms a rep and
	 * told nothing busy_window does not); empty, so the columns keep their places. */
	fputc(',', out);
	write_value(out, row->busy_window, exact);
	fputc('\n', out);
}

void bundle_runs_row(FILE *out, const struct run_row *row)
{
	write_row(out, row, false);
}

void bundle_partial_row(FILE *out, const struct run_row *row)
{
	write_row(out, row, true);
}

/* Writes the partial file from rows[i] where done[i] (none: the header alone)
 * and opens it for appending. */
static int write_partial(struct bundle *bundle, const struct run_row *rows, const bool *done,
			 size_t count)
{
	char path[1200];
	FILE *out = bundle_open(bundle, BUNDLE_PARTIAL_RUNS);

	if (out == NULL)
		return -1;
	bundle_runs_header(out);
	for (size_t i = 0; i < count; i++)
		if (done[i] && rows[i].cell != NULL)
			bundle_partial_row(out, &rows[i]);
	if (bundle_commit(bundle, BUNDLE_PARTIAL_RUNS, out) != 0)
		return -1;
	path_of(bundle, BUNDLE_PARTIAL_RUNS, false, path, sizeof path);
	bundle->partial_fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	return bundle->partial_fd >= 0 ? 0 : -1;
}

int bundle_start_partial(struct bundle *bundle)
{
	return write_partial(bundle, NULL, NULL, 0);
}

int bundle_append_synced(int fd, const char *text, size_t length)
{
	struct stat before;
	size_t written = 0;

	if (fstat(fd, &before) != 0)
		return -1;
	/* One write, so a kill leaves the text whole or not there at all; a write
	 * cut short (disk full, file size limit) is taken back off. */
	while (written < length) {
		ssize_t n = write(fd, text + written, length - written);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = n < 0 ? errno : ENOSPC;
			/* Best effort: should this fail too, the reader drops a last
			 * line without its newline. */
			int cut = ftruncate(fd, before.st_size);
			(void)cut;
			errno = saved;
			return -1;
		}
		written += (size_t)n;
	}
	return fsync(fd);
}

int bundle_append_partial(struct bundle *bundle, const struct run_row *row)
{
	char *text = NULL;
	size_t length = 0;
	FILE *line = open_memstream(&text, &length);
	int rc;

	if (line == NULL)
		return -1;
	bundle_partial_row(line, row);
	if (fclose(line) != 0) {
		free(text);
		return -1;
	}
	rc = bundle_append_synced(bundle->partial_fd, text, length);
	free(text);
	return rc;
}

int bundle_reopen(struct bundle *bundle, const char *dir, const struct run_row *rows,
		  const bool *done, size_t count)
{
	if (bundle_adopt(bundle, dir) != 0)
		return -1;
	return write_partial(bundle, rows, done, count);
}

int bundle_finish_runs(struct bundle *bundle, const struct run_row *rows, size_t count)
{
	FILE *out = bundle_open(bundle, BUNDLE_RUNS);

	if (out == NULL)
		return -1;
	bundle_runs_header(out);
	for (size_t i = 0; i < count; i++)
		bundle_runs_row(out, &rows[i]);
	return bundle_commit(bundle, BUNDLE_RUNS, out);
}

int bundle_remove_partial(struct bundle *bundle)
{
	bundle_close(bundle);
	return bundle_remove(bundle, BUNDLE_PARTIAL_RUNS);
}

void bundle_hist_name(char *out, size_t size, const char *cell_id, const char *metric)
{
	snprintf(out, size, BUNDLE_HIST_DIR "/%s.%s.csv", cell_id, metric);
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

	bundle_hist_name(name, sizeof name, cell_id, metric);
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
		char temporary[1200];
		int saved = errno;

		fclose(out);
		path_of(bundle, name, true, temporary, sizeof temporary);
		unlink(temporary);
		errno = saved;
		return -1;
	}
	fputc('\n', out);
	return bundle_commit(bundle, name, out);
}

void bundle_close(struct bundle *bundle)
{
	if (bundle->partial_fd >= 0)
		close(bundle->partial_fd);
	bundle->partial_fd = -1;
}

void bundle_crash_point(const char *stage)
{
	static unsigned seen;
	const char *spec = getenv("LOCKLAB_CRASH_AT");
	size_t length = strlen(stage);

	if (spec == NULL || strncmp(spec, stage, length) != 0 || spec[length] != ':')
		return;
	if (++seen == strtoul(spec + length + 1, NULL, 10))
		raise(SIGKILL);
}
