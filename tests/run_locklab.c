#include "tests/run_locklab.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Reads both pipes until both close, so neither can fill up and stall the child;
 * what does not fit the buffers is read and dropped. */
static void read_both(int out_fd, char *out, size_t out_size, int err_fd, char *err,
		      size_t err_size)
{
	struct pollfd fds[2] = { { .fd = out_fd, .events = POLLIN },
				 { .fd = err_fd, .events = POLLIN } };
	char *buffers[2] = { out, err };
	size_t sizes[2] = { out_size, err_size }, used[2] = { 0, 0 };
	int open_count = 2;

	while (open_count > 0 && poll(fds, 2, -1) > 0) {
		for (int i = 0; i < 2; i++) {
			char sink[4096];
			bool room = used[i] + 1 < sizes[i];
			ssize_t got;

			if (fds[i].fd < 0 || fds[i].revents == 0)
				continue;
			got = room ? read(fds[i].fd, buffers[i] + used[i], sizes[i] - 1 - used[i])
				   : read(fds[i].fd, sink, sizeof sink);
			if (got <= 0) {
				fds[i].fd = -1;
				open_count--;
			} else if (room) {
				used[i] += (size_t)got;
			}
		}
	}
	out[used[0]] = '\0';
	err[used[1]] = '\0';
}

const char *test_guest(const char *file)
{
	static char paths[16][512];
	static unsigned next;
	char *path = paths[next++ % 16];

	snprintf(path, sizeof paths[0], "%s/guests/%s", getenv("BUILD") ? getenv("BUILD") : "build",
		 file);
	return path;
}

static const char *locklab_binary(void)
{
	return getenv("LOCKLAB") ? getenv("LOCKLAB") : "build/locklab";
}

/* argv for the binary from a NULL-terminated list of arguments. */
static void collect_args(const char **argv, const char *arg, va_list args)
{
	size_t argc = 1;

	argv[0] = locklab_binary();
	for (const char *a = arg; a != NULL && argc < 31; a = va_arg(args, const char *))
		argv[argc++] = a;
	argv[argc] = NULL;
}

int spawn_locklab(const char *arg, ...)
{
	const char *argv[32];
	va_list args;

	va_start(args, arg);
	collect_args(argv, arg, args);
	va_end(args);
	pid_t child = fork();
	cr_assert(child >= 0);
	if (child == 0) {
		int null_fd = open("/dev/null", O_WRONLY);
		dup2(null_fd, 1);
		dup2(null_fd, 2);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	return child;
}

void run_locklab(struct run_output *result, const char *arg, ...)
{
	const char *argv[32];
	const char *binary = locklab_binary();
	va_list args;
	int out_pipe[2], err_pipe[2], status;

	va_start(args, arg);
	collect_args(argv, arg, args);
	va_end(args);

	cr_assert(pipe(out_pipe) == 0 && pipe(err_pipe) == 0);
	pid_t child = fork();
	cr_assert(child >= 0);
	if (child == 0) {
		dup2(out_pipe[1], 1);
		dup2(err_pipe[1], 2);
		close(out_pipe[0]);
		close(err_pipe[0]);
		execv(binary, (char *const *)argv);
		_exit(127);
	}
	close(out_pipe[1]);
	close(err_pipe[1]);
	read_both(out_pipe[0], result->out, sizeof result->out, err_pipe[0], result->err,
		  sizeof result->err);
	close(out_pipe[0]);
	close(err_pipe[0]);
	waitpid(child, &status, 0);
	result->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

size_t count_lines(const char *text)
{
	size_t lines = 0;

	for (const char *c = text; *c; c++)
		lines += *c == '\n';
	if (*text && text[strlen(text) - 1] != '\n')
		lines++;
	return lines;
}

void expect_usage_error(const struct run_output *run, const char *value)
{
	cr_expect_eq(run->status, 2, "exit %d for %s; stderr: %s", run->status, value, run->err);
	cr_expect_eq(count_lines(run->err), 1, "stderr: %s", run->err);
	cr_expect(strncmp(run->err, "locklab: ", 9) == 0, "stderr: %s", run->err);
	cr_expect(strstr(run->err, value) != NULL, "'%s' not named in: %s", value, run->err);
}
