/*
 * Crash-safe runs: a `locklab run` killed (SIGKILL, no clean-up) leaves no
 * orphan behind.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common/random.h"
#include "harness/bundle.h"
#include "harness/matrix.h"
#include "harness/run_options.h"
#include "harness/run_state.h"
#include "tests/run_locklab.h"

static struct run_output run;

/* A fresh directory name under /tmp that does not exist yet. */
static void fresh_dir(char *out, size_t size)
{
	char base[] = "/tmp/locklab-resume-XXXXXX";
	cr_assert_not_null(mkdtemp(base));
	snprintf(out, size, "%s/bundle", base);
}

/* The run in a child of its own process group (so a kill of the group takes its
 * cells too), stdout and stderr to files under dir's parent, with an optional
 * file-size limit (writes past it fail with EFBIG, SIGXFSZ ignored) and crash
 * point (LOCKLAB_CRASH_AT). Returns its pid. */
struct launch {
	rlim_t file_limit; /* 0: none */
	const char *crash_at;
};

static pid_t launch(const char *dir, const struct launch *how, char **args)
{
	char out_path[1200], err_path[1200];
	const char *argv[40];
	size_t argc = 0;

	snprintf(out_path, sizeof out_path, "%s.out", dir);
	snprintf(err_path, sizeof err_path, "%s.err", dir);
	argv[argc++] = getenv("LOCKLAB") ? getenv("LOCKLAB") : "build/locklab";
	for (; args[argc - 1] != NULL && argc < 39; argc++)
		argv[argc] = args[argc - 1];
	argv[argc] = NULL;
	fflush(NULL);
	pid_t child = fork();
	cr_assert(child >= 0);
	if (child == 0) {
		setpgid(0, 0);
		int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
		dup2(out, 1);
		dup2(err, 2);
		if (how != NULL && how->file_limit > 0) {
			struct rlimit limit = { how->file_limit, how->file_limit };
			signal(SIGXFSZ, SIG_IGN);
			setrlimit(RLIMIT_FSIZE, &limit);
		}
		if (how != NULL && how->crash_at != NULL)
			setenv("LOCKLAB_CRASH_AT", how->crash_at, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	setpgid(child, child); /* both sides, so a kill right away finds the group */
	return child;
}

/* Waits for the run; its exit status, or 128 + the signal, and its stderr in run. */
static int reap(pid_t child, const char *dir)
{
	char name[1200];
	int status;

	cr_assert_eq(waitpid(child, &status, 0), child);
	run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	snprintf(name, sizeof name, "%s.err", dir);
	FILE *f = fopen(name, "r");
	size_t got = f ? fread(run.err, 1, sizeof run.err - 1, f) : 0;
	run.err[got] = '\0';
	if (f)
		fclose(f);
	snprintf(name, sizeof name, "%s.out", dir);
	f = fopen(name, "r");
	got = f ? fread(run.out, 1, sizeof run.out - 1, f) : 0;
	run.out[got] = '\0';
	if (f)
		fclose(f);
	return run.status;
}

/* The pid of a child of parent (from /proc), or -1. */
static pid_t child_of(pid_t parent)
{
	DIR *proc = opendir("/proc");
	struct dirent *entry;
	pid_t found = -1;

	while (proc != NULL && found < 0 && (entry = readdir(proc)) != NULL) {
		char path[300], text[512];
		pid_t pid = (pid_t)atoi(entry->d_name);
		if (pid <= 0)
			continue;
		snprintf(path, sizeof path, "/proc/%d/stat", pid);
		FILE *f = fopen(path, "r");
		if (f == NULL)
			continue;
		size_t got = fread(text, 1, sizeof text - 1, f);
		fclose(f);
		text[got] = '\0';
		char *close_paren = strrchr(text, ')');
		int ppid;
		if (close_paren != NULL && sscanf(close_paren + 2, "%*c %d", &ppid) == 1 &&
		    ppid == parent)
			found = pid;
	}
	if (proc != NULL)
		closedir(proc);
	return found;
}

/* Gone, or a zombie waiting for whoever adopted it. */
static bool dead(pid_t pid)
{
	char path[64], text[512];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (f == NULL)
		return true;
	size_t got = fread(text, 1, sizeof text - 1, f);
	fclose(f);
	text[got] = '\0';
	char *close_paren = strrchr(text, ')');
	return close_paren == NULL || close_paren[2] == 'Z' || close_paren[2] == 'X';
}

/* A cell's child dies with its parent: kill -9 of `locklab run` alone (not its
 * group) while a stuck lock's cell spins, and the cell is gone within a second
 * instead of spinning on into the next run. */
Test(resume, a_cell_child_dies_with_its_parent, .timeout = 60)
{
	char dir[256];
	char *plan[] = { "run", "--lock", "stuck", "--workload", "contended", "--threads", "2",
			 "--reps", "1", "--duration", "0.05", "--warmup", "0", "--no-preflight",
			 "--out", dir, NULL };

	fresh_dir(dir, sizeof dir);
	pid_t parent = launch(dir, NULL, plan), cell = -1;
	for (int waited = 0; waited < 1000 && cell < 0; waited++) {
		usleep(10000);
		cell = child_of(parent);
	}
	cr_assert_gt(cell, 0, "no cell child appeared");
	usleep(100000); /* well inside the stuck cell's 5 s watchdog */
	cr_assert_eq(kill(parent, SIGKILL), 0);
	reap(parent, dir);
	bool gone = false;
	for (int waited = 0; waited < 100 && !gone; waited++) {
		gone = dead(cell);
		if (!gone)
			usleep(10000);
	}
	if (!gone)
		kill(cell, SIGKILL);
	cr_expect(gone, "the cell child %d outlived its parent by a second", cell);
}
