/* Helpers for tests that read bundles: a copy of the hand-written fixture in a
 * folder of its own, edits to its files, and checks on what a command wrote. */
#include "tests/bundle_fixture.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *fixture_read_if_there(const char *dir, const char *name)
{
	char path[1200];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *file = fopen(path, "rb");
	if (file == NULL)
		return NULL;
	fseek(file, 0, SEEK_END);
	long size = ftell(file);
	rewind(file);
	char *text = calloc((size_t)size + 1, 1);
	cr_assert_eq(fread(text, 1, (size_t)size, file), (size_t)size);
	fclose(file);
	return text;
}

char *fixture_read(const char *dir, const char *name)
{
	char *text = fixture_read_if_there(dir, name);
	cr_assert_not_null(text, "%s/%s missing", dir, name);
	return text;
}

void fixture_fresh_dir(char *out, size_t size)
{
	char base[] = "/tmp/locklab-test-XXXXXX";
	cr_assert_not_null(mkdtemp(base));
	fixture_made(base);
	snprintf(out, size, "%s/bundle", base);
}

size_t fixture_split(char *line, char **fields, size_t max)
{
	size_t n = 0;
	char *cursor = line, *field;
	while (n < max && (field = strsep(&cursor, ",")) != NULL)
		fields[n++] = field;
	return n;
}

void fixture_write(const char *dir, const char *name, const char *text)
{
	char path[600];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *file = fopen(path, "wb");
	cr_assert_not_null(file, "cannot write %s", path);
	fputs(text, file);
	fclose(file);
}

/* The folders this test made (each test runs in its own process), removed after it. */
static char made_dirs[8][256];
static size_t made_count;

void fixture_made(const char *dir)
{
	cr_assert_lt(made_count, 8);
	snprintf(made_dirs[made_count++], sizeof made_dirs[0], "%s", dir);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void fixture_remove_made(void)
{
	for (size_t i = 0; i < made_count; i++)
		nftw(made_dirs[i], remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	made_count = 0;
}

void fixture_copy(char *dir, size_t size)
{
	static const char *const names[] = { "meta.json", "runs.csv", "summary.csv", HIST_FILE };
	char base[] = "/tmp/locklab-report-XXXXXX", hist[600];
	cr_assert_not_null(mkdtemp(base));
	snprintf(dir, size, "%s", base);
	fixture_made(base);
	snprintf(hist, sizeof hist, "%s/hist", dir);
	cr_assert_eq(mkdir(hist, 0777), 0);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		char *text = fixture_read(FIXTURE, names[i]);
		fixture_write(dir, names[i], text);
		free(text);
	}
}

/* Every line that starts with prefix gets from replaced by to (once per line). */
void fixture_replace_in_lines(const char *dir, const char *name, const char *prefix,
			     const char *from, const char *to)
{
	char *text = fixture_read(dir, name);
	char *out = calloc(strlen(text) * 2 + 1, 1);
	size_t changed = 0;
	for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
		char *at = strncmp(line, prefix, strlen(prefix)) == 0 ? strstr(line, from) : NULL;
		if (at != NULL) {
			strncat(out, line, (size_t)(at - line));
			strcat(out, to);
			strcat(out, at + strlen(from));
			changed++;
		} else {
			strcat(out, line);
		}
		strcat(out, "\n");
	}
	cr_assert_gt(changed, 0, "no line of %s starts with %s", name, prefix);
	fixture_write(dir, name, out);
	free(out);
	free(text);
}

void fixture_replace(const char *dir, const char *name, const char *from, const char *to)
{
	char *text = fixture_read(dir, name);
	char *at = strstr(text, from);
	cr_assert_not_null(at, "'%s' not in %s", from, name);
	char *out = calloc(strlen(text) + strlen(to) + 1, 1);
	memcpy(out, text, (size_t)(at - text));
	strcat(out, to);
	strcat(out, at + strlen(from));
	fixture_write(dir, name, out);
	free(out);
	free(text);
}

/* The bundle holds exactly the files it was given: no report, no plots/, no
 * staging folder left behind. */
void fixture_expect_untouched(const char *dir, const char *also)
{
	DIR *listing = opendir(dir);
	struct dirent *entry;
	cr_assert_not_null(listing);
	while ((entry = readdir(listing)) != NULL) {
		const char *name = entry->d_name;
		cr_expect(strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
				  strcmp(name, "meta.json") == 0 || strcmp(name, "runs.csv") == 0 ||
				  strcmp(name, "summary.csv") == 0 || strcmp(name, "hist") == 0 ||
				  (also != NULL && strcmp(name, also) == 0),
			  "%s/%s written", dir, name);
	}
	closedir(listing);
}

/* Keeps the first keep comma-separated fields of every line (the fixture quotes nothing). */
void fixture_cut_columns(const char *dir, const char *name, int keep)
{
	char *text = fixture_read(dir, name), *out = calloc(strlen(text) + 1, 1), *w = out;
	int field = 0;
	for (const char *r = text; *r; r++) {
		if (*r == '\n') {
			*w++ = '\n';
			field = 0;
			continue;
		}
		if (*r == ',')
			field++;
		if (field < keep)
			*w++ = *r;
	}
	fixture_write(dir, name, out);
	free(out);
	free(text);
}

size_t fixture_count(const char *text, const char *what)
{
	size_t n = 0;
	for (const char *at = strstr(text, what); at; at = strstr(at + 1, what))
		n++;
	return n;
}

/* Each line of name, after (when it starts with prefix) a copy with the prefix
 * replaced by clone_prefix: the copy comes first, so a reader that does not tell
 * the cells apart meets it first. Header and rows get their own suffixes. */
static void append_and_clone(const char *dir, const char *name, const char *header_suffix,
			     const char *row_suffix, const char *prefix, const char *clone_prefix,
			     const char *clone_suffix)
{
	char *text = fixture_read(dir, name), *save = NULL;
	char *out = calloc(strlen(text) * 3 + 4096, 1);
	size_t cloned = 0, line_number = 0;

	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save), line_number++) {
		if (line_number > 0 && strncmp(line, prefix, strlen(prefix)) == 0) {
			strcat(out, clone_prefix);
			strcat(out, line + strlen(prefix));
			strcat(out, clone_suffix);
			strcat(out, "\n");
			cloned++;
		}
		strcat(out, line);
		strcat(out, line_number == 0 ? header_suffix : row_suffix);
		strcat(out, "\n");
	}
	cr_assert_gt(cloned, 0, "no line of %s starts with %s", name, prefix);
	fixture_write(dir, name, out);
	free(out);
	free(text);
}

void fixture_add_placement(const char *dir)
{
	const char *prefix = "contended.ck_mcs.t2.cs50.ncs200.r0,";

	append_and_clone(dir, "runs.csv", ",affinity,mem_policy,lock_node,ran_on,migrations",
			 ",\"round-robin\",\"default\",0,0;1,0", prefix, FIXTURE_PLACED_CELL ",",
			 ",\"list:0\",\"default\",0,0,0");
	static const char *const reps[][2] = { { ",456000,3800000,", ",114000,950000," },
					       { ",480000,4000000,", ",120000,1000000," },
					       { ",504000,4200000,", ",126000,1050000," } };
	for (size_t r = 0; r < sizeof reps / sizeof reps[0]; r++)
		fixture_replace_in_lines(dir, "runs.csv", FIXTURE_PLACED_CELL ",", reps[r][0],
					 reps[r][1]);
	append_and_clone(dir, "summary.csv", "", "", prefix, FIXTURE_PLACED_CELL ",", "");
	fixture_replace_in_lines(dir, "summary.csv", FIXTURE_PLACED_CELL ",throughput_ops_s,",
				 "4000000,3800000,4200000", "1000000,950000,1050000");
	fixture_replace(dir, "meta.json", "\"build\": {",
			"\"placement\": { \"affinity\": [\"round-robin\", \"list:0\"], "
			"\"mem_policy\": [\"default\"] },\n  \"build\": {");
}
