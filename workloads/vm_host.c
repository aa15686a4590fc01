/*
 * VM host services over the lock registry. Every lock a VM site asks for is the
 * one primitive chosen with --lock, called through ll_ops; each (lock, thread
 * slot) pair has its own context, set up at creation, so no call allocates.
 */
#include "workloads/vm_host.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "locks/registry.h"

#define VM_HOST_MAX_SITES 16
#define VM_HOST_MMAP_BYTES (1u << 20)
#define VM_HOST_COUNT_STRIDE 16 /* 128 bytes of uint64_t: one slot per line pair */

struct vm_host_lock {
	const struct ll_info *info;
	void *lock;
	unsigned slots;
	unsigned site;
	void **contexts;         /* one per slot */
	uint64_t *counts;        /* counts[slot * VM_HOST_COUNT_STRIDE] */
	struct vm_host_lock *next;
};

struct vm_host_state {
	const struct ll_info *info;
	pthread_mutex_t list_mutex; /* lock creation/destruction only, never on a VM path */
	struct vm_host_lock *locks;
	const char *site_names[VM_HOST_MAX_SITES];
	unsigned site_locks[VM_HOST_MAX_SITES];
	uint64_t site_retired[VM_HOST_MAX_SITES]; /* counts of destroyed locks */
	unsigned sites;
};

struct vm_host_thread {
	pthread_t thread;
	void (*fn)(void *arg);
	void *arg;
};

static unsigned host_site_index(struct vm_host_state *state, const char *site)
{
	for (unsigned i = 0; i < state->sites; i++)
		if (strcmp(state->site_names[i], site) == 0)
			return i;
	if (state->sites == VM_HOST_MAX_SITES)
		return VM_HOST_MAX_SITES - 1;
	state->site_names[state->sites] = site;
	return state->sites++;
}

static void host_lock_free(struct vm_host_lock *l)
{
	if (l->contexts) {
		for (unsigned slot = 0; slot < l->slots; slot++) {
			if (!l->contexts[slot])
				continue;
			l->info->ops.ctx_fini(l->lock, l->contexts[slot]);
			ll_ctx_free(l->info, l->contexts[slot]);
		}
		free(l->contexts);
	}
	if (l->lock)
		ll_lock_free(l->info, l->lock);
	free(l->counts);
	free(l);
}

static void *host_lock_create(void *opaque, const char *site, bool rw, unsigned max_threads)
{
	struct vm_host_state *state = opaque;
	struct ll_params params = { .max_threads = max_threads, .numa_nodes = 1 };
	struct vm_host_lock *l = calloc(1, sizeof *l);

	(void)rw; /* an rw site under a mutex: readers exclude each other, still correct */
	if (!l)
		return NULL;
	l->info = state->info;
	l->slots = max_threads;
	l->lock = ll_lock_new(state->info, &params);
	l->contexts = calloc(max_threads, sizeof *l->contexts);
	l->counts = aligned_alloc(128, (size_t)max_threads * VM_HOST_COUNT_STRIDE * sizeof(uint64_t));
	if (!l->lock || !l->contexts || !l->counts) {
		host_lock_free(l);
		return NULL;
	}
	memset(l->counts, 0, (size_t)max_threads * VM_HOST_COUNT_STRIDE * sizeof(uint64_t));
	for (unsigned slot = 0; slot < max_threads; slot++) {
		l->contexts[slot] = ll_ctx_new(state->info);
		if (!l->contexts[slot]) {
			host_lock_free(l);
			return NULL;
		}
		state->info->ops.ctx_init(l->lock, l->contexts[slot], slot, 0);
	}
	pthread_mutex_lock(&state->list_mutex);
	l->site = host_site_index(state, site);
	state->site_locks[l->site]++;
	l->next = state->locks;
	state->locks = l;
	pthread_mutex_unlock(&state->list_mutex);
	return l;
}

static void host_lock_destroy(void *opaque, void *lock)
{
	struct vm_host_state *state = opaque;
	struct vm_host_lock *l = lock, **link;

	pthread_mutex_lock(&state->list_mutex);
	for (link = &state->locks; *link; link = &(*link)->next) {
		if (*link == l) {
			*link = l->next;
			break;
		}
	}
	for (unsigned slot = 0; slot < l->slots; slot++)
		state->site_retired[l->site] += l->counts[slot * VM_HOST_COUNT_STRIDE];
	pthread_mutex_unlock(&state->list_mutex);
	host_lock_free(l);
}

static void host_lock(void *opaque, void *lock, unsigned slot)
{
	struct vm_host_lock *l = lock;

	(void)opaque;
	l->info->ops.lock(l->lock, l->contexts[slot]);
	l->counts[slot * VM_HOST_COUNT_STRIDE]++;
}

static void host_unlock(void *opaque, void *lock, unsigned slot)
{
	struct vm_host_lock *l = lock;

	(void)opaque;
	l->info->ops.unlock(l->lock, l->contexts[slot]);
}

static void host_read_lock(void *opaque, void *lock, unsigned slot)
{
	struct vm_host_lock *l = lock;

	(void)opaque;
	l->info->ops.read_lock(l->lock, l->contexts[slot]);
	l->counts[slot * VM_HOST_COUNT_STRIDE]++;
}

static void host_read_unlock(void *opaque, void *lock, unsigned slot)
{
	struct vm_host_lock *l = lock;

	(void)opaque;
	l->info->ops.read_unlock(l->lock, l->contexts[slot]);
}

static void *host_thread_main(void *arg)
{
	struct vm_host_thread *t = arg;

	t->fn(t->arg);
	return NULL;
}

static void *host_thread_start(void *opaque, void (*fn)(void *arg), void *arg)
{
	struct vm_host_thread *t = calloc(1, sizeof *t);

	(void)opaque;
	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	if (pthread_create(&t->thread, NULL, host_thread_main, t) != 0) {
		free(t);
		return NULL;
	}
	return t;
}

static void host_thread_join(void *opaque, void *thread)
{
	struct vm_host_thread *t = thread;

	(void)opaque;
	pthread_join(t->thread, NULL);
	free(t);
}

static void *host_alloc(void *opaque, size_t bytes, size_t align)
{
	void *memory;

	(void)opaque;
	if (bytes >= VM_HOST_MMAP_BYTES) {
		/* Guest RAM: anonymous pages are zero and only touched pages cost. */
		memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return memory == MAP_FAILED ? NULL : memory;
	}
	if (align < sizeof(void *))
		align = sizeof(void *);
	memory = aligned_alloc(align, (bytes + align - 1) / align * align);
	if (memory)
		memset(memory, 0, bytes);
	return memory;
}

static void host_free(void *opaque, void *memory, size_t bytes)
{
	(void)opaque;
	if (bytes >= VM_HOST_MMAP_BYTES)
		munmap(memory, bytes);
	else
		free(memory);
}

static uint64_t host_clock_ns(void *opaque)
{
	struct timespec now;

	(void)opaque;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
}

static void host_wait(void *opaque, uint32_t *word, uint32_t expected, uint64_t timeout_ns)
{
	struct timespec timeout = { .tv_sec = (time_t)(timeout_ns / 1000000000ull),
				    .tv_nsec = (long)(timeout_ns % 1000000000ull) };

	(void)opaque;
	syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, &timeout, NULL, 0);
}

static void host_wake(void *opaque, uint32_t *word)
{
	(void)opaque;
	syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static const struct vm_host_ops vm_host_ops = {
	.lock_create = host_lock_create,
	.lock_destroy = host_lock_destroy,
	.lock = host_lock,
	.unlock = host_unlock,
	.read_lock = host_read_lock,
	.read_unlock = host_read_unlock,
	.thread_start = host_thread_start,
	.thread_join = host_thread_join,
	.alloc = host_alloc,
	.free = host_free,
	.clock_ns = host_clock_ns,
	.wait = host_wait,
	.wake = host_wake,
};

int vm_host_open(const char *lock_name, struct vm_host *host, const char **why)
{
	const struct ll_info *info = ll_find(lock_name);
	struct vm_host_state *state;

	if (!info) {
		*why = "unknown lock (see locklab list)";
		return -1;
	}
	if (info->control) {
		*why = "a control lock gives no mutual exclusion; VM lock sites need it";
		return -1;
	}
	if (info->single_writer) {
		*why = "a single-writer lock; VM lock sites have many writers";
		return -1;
	}
	state = calloc(1, sizeof *state);
	if (!state) {
		*why = strerror(errno);
		return -1;
	}
	state->info = info;
	pthread_mutex_init(&state->list_mutex, NULL);
	host->ops = &vm_host_ops;
	host->opaque = state;
	return 0;
}

void vm_host_close(struct vm_host *host)
{
	struct vm_host_state *state = host->opaque;

	while (state->locks)
		host_lock_destroy(state, state->locks);
	pthread_mutex_destroy(&state->list_mutex);
	free(state);
	host->opaque = NULL;
}

size_t vm_host_sites(const struct vm_host *host, struct vm_host_site *sites, size_t max)
{
	struct vm_host_state *state = host->opaque;
	size_t count = state->sites < max ? state->sites : max;

	pthread_mutex_lock(&state->list_mutex);
	for (size_t i = 0; i < count; i++) {
		sites[i].name = state->site_names[i];
		sites[i].locks = state->site_locks[i];
		sites[i].acquisitions = state->site_retired[i];
	}
	for (struct vm_host_lock *l = state->locks; l; l = l->next) {
		if (l->site >= count)
			continue;
		for (unsigned slot = 0; slot < l->slots; slot++)
			sites[l->site].acquisitions += l->counts[slot * VM_HOST_COUNT_STRIDE];
	}
	pthread_mutex_unlock(&state->list_mutex);
	return count;
}
