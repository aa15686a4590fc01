#include "harness/isolate.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds_until(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(deadline->tv_sec - now.tv_sec) +
	       (double)(deadline->tv_nsec - now.tv_nsec) / 1e9;
}

/* Reads exactly size bytes before the deadline; false on timeout or early EOF. */
static bool read_until(int fd, void *buffer, size_t size, const struct timespec *deadline,
		       bool *timed_out)
{
	size_t got = 0;

	*timed_out = false;
	while (got < size) {
		struct pollfd ready = { .fd = fd, .events = POLLIN };
		double left_ms = seconds_until(deadline) * 1000.0;

		if (left_ms <= 0) {
			*timed_out = true;
			return false;
		}
		int polled = poll(&ready, 1, left_ms > 1e9 ? 1000000000 : (int)left_ms + 1);
		if (polled < 0 && errno == EINTR)
			continue;
		if (polled <= 0)
			continue; /* the deadline check above ends it */
		ssize_t n = read(fd, (char *)buffer + got, size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		got += (size_t)n;
	}
	return true;
}

void isolate_child_dies_with_parent(pid_t parent)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(3);
}

int isolate_run(void (*fn)(void *arg, void *out), void *arg, void *out, size_t size,
		double watchdog_s, enum isolate_outcome *outcome, int *signal_number)
{
	int fds[2], status;
	struct timespec deadline;
	bool timed_out;

	if (pipe(fds) != 0)
		return -1;
	fflush(NULL);
	pid_t parent = getpid();
	pid_t child = fork();
	if (child < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (child == 0) {
		isolate_child_dies_with_parent(parent);
		/* The result may be large (histograms); the parent reads while we write. */
		char *mine = calloc(1, size);

		/* Ctrl-C reaches the whole process group: the parent stops after this
		 * rep, so this one finishes instead of dying mid-way. */
		signal(SIGINT, SIG_IGN);
		close(fds[0]);
		if (mine == NULL)
			_exit(3);
		fn(arg, mine);
		const char *p = mine;
		size_t left = size;
		while (left > 0) {
			ssize_t n = write(fds[1], p, left);
			if (n <= 0)
				_exit(3);
			p += n;
			left -= (size_t)n;
		}
		_exit(0);
	}
	close(fds[1]);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += (time_t)watchdog_s;
	deadline.tv_nsec += (long)((watchdog_s - floor(watchdog_s)) * 1e9);
	if (deadline.tv_nsec >= 1000000000L) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000L;
	}
	bool complete = read_until(fds[0], out, size, &deadline, &timed_out);
	if (!complete && timed_out)
		kill(child, SIGKILL);
	close(fds[0]);
	waitpid(child, &status, 0);
	if (complete)
		*outcome = ISOLATE_OK;
	else if (timed_out)
		*outcome = ISOLATE_TIMEOUT;
	else if (WIFSIGNALED(status)) {
		*outcome = ISOLATE_CRASHED;
		*signal_number = WTERMSIG(status);
	} else
		*outcome = ISOLATE_EXITED;
	return 0;
}
