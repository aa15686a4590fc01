#include "tests/fuzz/fuzz_files.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[512];

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st, (void)flag, (void)ftw;
	return remove(path);
}

/* At exit: the directory and what the last input left in it. */
static void remove_dir(void)
{
	nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

const char *fuzz_dir(void)
{
	if (!dir[0]) {
		const char *tmp = getenv("TMPDIR");

		snprintf(dir, sizeof dir, "%s/locklab-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
		if (!mkdtemp(dir)) {
			perror("mkdtemp");
			abort();
		}
		atexit(remove_dir);
	}
	return dir;
}

static void write_file(const char *dir, const char *name, const uint8_t *data, size_t size)
{
	char path[1024];
	const char *slash = strchr(name, '/');
	int fd;

	if (slash) {
		snprintf(path, sizeof path, "%s/%.*s", dir, (int)(slash - name), name);
		mkdir(path, 0777);
	}
	snprintf(path, sizeof path, "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size)) {
		perror(path);
		abort();
	}
	close(fd);
}

/* Whether name (length bytes) is one a FOLDER/STAR pattern allows: one file of
 * [A-Za-z0-9_.=+-] in that folder, never "." or "..". */
static bool wildcard_match(const char *pattern, const uint8_t *name, size_t length)
{
	size_t folder = strlen(pattern) - 1;

	if (length <= folder || length > folder + 200 || memcmp(name, pattern, folder) != 0 ||
	    name[folder] == '.')
		return false;
	for (size_t i = folder; i < length; i++)
		if (!isalnum(name[i]) && (!name[i] || !strchr("_.=+-", name[i])))
			return false;
	return true;
}

/* Whether data[0..size) opens with a marker line of an allowed name: the name in
 * out, the marker's length (with its newline) in *length. */
static bool marker(const char *const *names, const uint8_t *data, size_t size, char *out,
		   size_t *length)
{
	const uint8_t *end;
	size_t name_length;

	if (size < 4 || memcmp(data, "=== ", 4) != 0)
		return false;
	end = memchr(data, '\n', size);
	if (!end)
		end = data + size;
	name_length = (size_t)(end - data) - 4;
	for (int i = 0; names[i]; i++) {
		size_t n = strlen(names[i]);
		bool wildcard = n >= 2 && names[i][n - 1] == '*' && names[i][n - 2] == '/';

		if (wildcard ? wildcard_match(names[i], data + 4, name_length) :
			       name_length == n && memcmp(data + 4, names[i], n) == 0) {
			memcpy(out, data + 4, name_length);
			out[name_length] = '\0';
			*length = (size_t)(end - data) + (end < data + size);
			return true;
		}
	}
	return false;
}

/* Removes what an earlier input left: the plain names, and every file of each
 * wildcard's folder. */
static void clean(const char *dir, const char *const *names)
{
	char path[1024];

	for (int i = 0; names[i]; i++) {
		size_t n = strlen(names[i]);

		snprintf(path, sizeof path, "%s/%.*s", dir, (int)(n - (names[i][n - 1] == '*')),
			 names[i]);
		if (names[i][n - 1] == '*') {
			DIR *folder = opendir(path);
			struct dirent *entry;

			while (folder && (entry = readdir(folder)) != NULL) {
				char file[1400];

				if (entry->d_name[0] == '.')
					continue;
				snprintf(file, sizeof file, "%s%s", path, entry->d_name);
				unlink(file);
			}
			if (folder)
				closedir(folder);
		} else {
			unlink(path);
		}
	}
}

void fuzz_files_write(const char *dir, const char *const *names, const uint8_t *data, size_t size)
{
	char current[256], next[256];
	size_t start = 0, at = 0, length;

	clean(dir, names);
	snprintf(current, sizeof current, "%s", names[0]);
	while (at < size) {
		if ((at == 0 || data[at - 1] == '\n') &&
		    marker(names, data + at, size - at, next, &length)) {
			if (at > 0)
				write_file(dir, current, data + start, at - start);
			memcpy(current, next, sizeof current);
			start = at = at + length;
			continue;
		}
		at++;
	}
	write_file(dir, current, data + start, size - start);
}
