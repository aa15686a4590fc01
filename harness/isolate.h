/*
 * Running one measurement in a forked child under a watchdog, so that a lock
 * that collapses, livelocks or crashes (or a guest that never ends) costs one
 * row, not the run. The child dies with its parent, ignores Ctrl-C (the parent
 * stops after the rep in flight) and sends its result back through a pipe.
 */
#ifndef LOCKLAB_ISOLATE_H
#define LOCKLAB_ISOLATE_H

#include <stddef.h>
#include <sys/types.h>

enum isolate_outcome {
	ISOLATE_OK,      /* the child sent its whole result */
	ISOLATE_TIMEOUT, /* killed at the deadline */
	ISOLATE_CRASHED, /* killed by a signal of its own (*signal_number) */
	ISOLATE_EXITED,  /* exited without sending a whole result */
};

/*
 * For a forked child, first thing: it dies (SIGKILL) when its parent does, so a
 * parent killed with -9 leaves no orphan spinning into the machine's next run.
 * parent is getpid() taken before the fork: a parent that died before the death
 * signal was set is not there to deliver it, so the child checks getppid() right
 * after and exits at once if it has been re-parented.
 */
void isolate_child_dies_with_parent(pid_t parent);

/* Runs fn(arg, out) in a child; out (size bytes) is filled only on ISOLATE_OK.
 * Returns 0 with *outcome set (and *signal_number for ISOLATE_CRASHED), or -1
 * with errno when no child could be started. */
int isolate_run(void (*fn)(void *arg, void *out), void *arg, void *out, size_t size,
		double watchdog_s, enum isolate_outcome *outcome, int *signal_number);

#endif
