#include "tests/fuzz/fuzz_host.h"

#include <linux/futex.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

struct fuzz_thread {
	pthread_t thread;
	void (*fn)(void *arg);
	void *arg;
};

static void *lock_create(void *opaque, const char *site, bool rw, unsigned max_threads)
{
	pthread_mutex_t *lock = malloc(sizeof *lock);

	(void)opaque, (void)site, (void)rw, (void)max_threads;
	if (lock && pthread_mutex_init(lock, NULL) != 0) {
		free(lock);
		return NULL;
	}
	return lock;
}

static void lock_destroy(void *opaque, void *lock)
{
	(void)opaque;
	pthread_mutex_destroy(lock);
	free(lock);
}

static void lock_acquire(void *opaque, void *lock, unsigned slot)
{
	(void)opaque, (void)slot;
	pthread_mutex_lock(lock);
}

static void lock_release(void *opaque, void *lock, unsigned slot)
{
	(void)opaque, (void)slot;
	pthread_mutex_unlock(lock);
}

static void *thread_main(void *arg)
{
	struct fuzz_thread *t = arg;

	t->fn(t->arg);
	return NULL;
}

static void *thread_start(void *opaque, int worker, void (*fn)(void *arg), void *arg)
{
	struct fuzz_thread *t = malloc(sizeof *t);

	(void)opaque;
	(void)worker;
	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	if (pthread_create(&t->thread, NULL, thread_main, t) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

static void thread_join(void *opaque, void *thread)
{
	struct fuzz_thread *t = thread;

	(void)opaque;
	pthread_join(t->thread, NULL);
	free(t);
}

static void *host_alloc(void *opaque, size_t bytes, size_t align)
{
	void *memory;

	(void)opaque;
	if (align < sizeof(void *))
		align = sizeof(void *);
	memory = aligned_alloc(align, (bytes + align - 1) / align * align);
	if (memory)
		memset(memory, 0, bytes);
	return memory;
}

static void host_free(void *opaque, void *memory, size_t bytes)
{
	(void)opaque, (void)bytes;
	free(memory);
}

static uint64_t clock_ns(void *opaque)
{
	struct timespec now;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static void host_wait(void *opaque, uint32_t *word, uint32_t expected, uint64_t timeout_ns)
{
	struct timespec timeout = { .tv_sec = (time_t)(timeout_ns / 1000000000u),
				    .tv_nsec = (long)(timeout_ns % 1000000000u) };

	(void)opaque;
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, &timeout, NULL, 0);
}

static void host_wake(void *opaque, uint32_t *word)
{
	(void)opaque;
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 0x7fffffff, NULL, NULL, 0);
}

static void console_write(void *opaque, enum vm_console_stream stream, const char *text,
			  size_t length)
{
	FILE *out = stream == VM_CONSOLE_GUEST ? stdout : stderr;

	(void)opaque;
	fwrite(text, 1, length, out);
	fflush(out);
}

static const struct vm_host_ops fuzz_host_ops = {
	.lock_create = lock_create,
	.lock_destroy = lock_destroy,
	.lock = lock_acquire,
	.unlock = lock_release,
	.read_lock = lock_acquire,
	.read_unlock = lock_release,
	.thread_start = thread_start,
	.thread_join = thread_join,
	.alloc = host_alloc,
	.free = host_free,
	.clock_ns = clock_ns,
	.wait = host_wait,
	.wake = host_wake,
	.console_write = console_write,
};

const struct vm_host fuzz_host = { .ops = &fuzz_host_ops, .opaque = NULL };
