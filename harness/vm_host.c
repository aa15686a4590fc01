/*
 * VM host services over the lock registry. Every lock a VM site asks for is the
 * site's primitive (--lock, or its --site override), called through ll_ops; each
 * (lock, thread slot) pair has its own context, set up at creation, so no lock
 * call allocates. The site profile (vm_host.h) swaps in an ops table whose lock
 * calls are timed; the plain table's are not. The console is stdout (the guest)
 * and stderr (vmcore's diagnostics); the disk, when --disk gives one, is the
 * image file, read and written in place with pread and pwrite.
 */
#include "harness/vm_host.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "common/timer.h"
#include "harness/mem_policy.h"
#include "locks/registry.h"
#include "vmcore/vm.h"

#define VM_HOST_MAX_SITES 16
#define VM_HOST_MAX_SLOTS (VM_MAX_WORKERS + 3) /* vm_slot_count(VM_MAX_WORKERS) */
#define VM_HOST_MMAP_BYTES (1u << 20)
#define VM_HOST_COUNT_STRIDE 16 /* 128 bytes of uint64_t: one slot per line pair */
#define VM_HOST_ACQUIRED_AT 1   /* counts[slot * stride + 1]: when the slot got the lock */
#define VM_HOST_CALIBRATION_ROUNDS 2000
#define VM_HOST_MIN_THRESHOLD_NS 20.0

const char *const vm_host_site_names[] = { "exec.runq", "bcache", "amo.stripe", "uart", "plic",
					   "clint",     "blk.queue", "irq",    "pv.lock" };
const size_t vm_host_site_count = sizeof vm_host_site_names / sizeof vm_host_site_names[0];

/* One slot of one site, written only by the thread of that slot. */
struct vm_host_slot_profile {
	struct hist wait, hold;
	uint64_t contended;
};

struct vm_host_site_state {
	const char *name;
	const struct ll_info *info;
	bool rw_ops;
	unsigned locks;
	size_t lock_bytes;
	uint64_t retired; /* acquisitions counted by locks already destroyed */
	double threshold_ns;
	struct vm_host_slot_profile *slots[VM_HOST_MAX_SLOTS]; /* profile only */
};

struct vm_host_lock {
	const struct ll_info *info;
	void *lock;
	unsigned slots;
	struct vm_host_site_state *site;
	void **contexts; /* one per slot */
	uint64_t *counts; /* counts[slot * VM_HOST_COUNT_STRIDE]: acquisitions */
	struct vm_host_lock *next, **link; /* link: what points at this lock */
};

struct vm_host_override {
	const char *site; /* from vm_host_site_names */
	const struct ll_info *info;
};

struct vm_host_state {
	const struct ll_info *info;
	struct vm_host_override overrides[VM_HOST_MAX_SITES];
	size_t override_count;
	bool profile;
	struct timer_calibration timer;
	pthread_mutex_t list_mutex; /* lock creation/destruction only, never on a VM path */
	struct vm_host_lock *locks;
	struct vm_host_site_state sites[VM_HOST_MAX_SITES];
	unsigned site_count;
	int disk_fd; /* vm_host_serve_disk's image, -1 when none */
	struct vm_host_options placement; /* its cpus, cpu_count and memory policy */
	void *ram;                        /* the first allocation bound as guest RAM */
	void *first_lock;                 /* the first lock object created */
	unsigned workers; /* started so far (highest index + 1), under list_mutex */
	int ran_on[VM_HOST_MAX_WORKERS];
};

struct vm_host_thread {
	pthread_t thread;
	void (*fn)(void *arg);
	void *arg;
	int *ran_on; /* a worker's: where it ended; NULL for a device thread */
};

/* Binds [memory, memory + bytes) by the run's policy. A move the kernel
 * refuses leaves the pages where they were, and vm_host_placement says where
 * that is (as a cell's lock does, harness/cell.c). */
static void bind_memory(const struct vm_host_state *state, void *memory, size_t bytes)
{
	const struct vm_host_options *p = &state->placement;

	if (p->mem_policy != NULL && memory != NULL)
		mem_policy_apply(p->mem_policy, p->mem_target, p->nodes, memory, bytes);
}

static const struct ll_info *site_primitive(const struct vm_host_state *state, const char *site)
{
	for (size_t i = 0; i < state->override_count; i++)
		if (strcmp(state->overrides[i].site, site) == 0)
			return state->overrides[i].info;
	return state->info;
}

/* Twice the p99 of uncontended acquisitions of a fresh lock, in ns: above it a
 * wait met another thread (or the scheduler), whatever the primitive. */
static double calibrate_threshold(const struct vm_host_state *state, const struct ll_info *info)
{
	struct ll_params params = { .max_threads = 1, .numa_nodes = 1 };
	void *lock = ll_lock_new(info, &params), *ctx = ll_ctx_new(info);
	struct hist *waits = malloc(sizeof *waits);
	double threshold = 0;

	if (lock != NULL && ctx != NULL && waits != NULL) {
		hist_init(waits);
		info->ops.ctx_init(lock, ctx, 0, 0);
		for (size_t i = 0; i < VM_HOST_CALIBRATION_ROUNDS; i++) {
			uint64_t start = timer_read(&state->timer);

			info->ops.lock(lock, ctx);
			uint64_t held = timer_read(&state->timer);
			info->ops.unlock(lock, ctx);
			hist_record(waits, held > start ? (uint64_t)timer_ticks_to_ns(&state->timer,
										      held - start)
							: 0);
		}
		info->ops.ctx_fini(lock, ctx);
		threshold = 2.0 * (double)hist_percentile(waits, 99);
	}
	if (ctx != NULL)
		ll_ctx_free(info, ctx);
	if (lock != NULL)
		ll_lock_free(info, lock);
	free(waits);
	return threshold > VM_HOST_MIN_THRESHOLD_NS ? threshold : VM_HOST_MIN_THRESHOLD_NS;
}

/* The site called name, added when new (its primitive chosen, its threshold
 * calibrated); the list_mutex is held. Sites beyond the limit share the last. */
static struct vm_host_site_state *site_state(struct vm_host_state *state, const char *name,
					     bool rw)
{
	struct vm_host_site_state *site;

	for (unsigned i = 0; i < state->site_count; i++)
		if (strcmp(state->sites[i].name, name) == 0)
			return &state->sites[i];
	if (state->site_count == VM_HOST_MAX_SITES)
		return &state->sites[VM_HOST_MAX_SITES - 1];
	site = &state->sites[state->site_count++];
	site->name = name;
	site->info = site_primitive(state, name);
	site->rw_ops = rw && ll_is_rw(site->info);
	if (state->profile) {
		for (unsigned i = 0; i + 1 < state->site_count; i++)
			if (state->sites[i].info == site->info)
				site->threshold_ns = state->sites[i].threshold_ns;
		if (!(site->threshold_ns > 0))
			site->threshold_ns = calibrate_threshold(state, site->info);
	}
	return site;
}

/* The site's per-slot histograms for slots below max_threads, allocated before
 * any thread of those slots can lock (the lock is not yet published). */
static int site_profile_slots(struct vm_host_site_state *site, unsigned max_threads)
{
	for (unsigned slot = 0; slot < max_threads && slot < VM_HOST_MAX_SLOTS; slot++) {
		if (site->slots[slot] != NULL)
			continue;
		site->slots[slot] = aligned_alloc(128, (sizeof *site->slots[slot] + 127) / 128 * 128);
		if (site->slots[slot] == NULL)
			return -1;
		hist_init(&site->slots[slot]->wait);
		hist_init(&site->slots[slot]->hold);
		site->slots[slot]->contended = 0;
	}
	return 0;
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

static void *host_lock_create(void *opaque, const char *site_name, bool rw, unsigned max_threads)
{
	struct vm_host_state *state = opaque;
	struct ll_params params = { .max_threads = max_threads, .numa_nodes = 1 };
	struct vm_host_lock *l = calloc(1, sizeof *l);
	struct vm_host_site_state *site;
	long long init_bytes;

	if (!l || max_threads == 0 || max_threads > VM_HOST_MAX_SLOTS) {
		free(l);
		return NULL;
	}
	pthread_mutex_lock(&state->list_mutex);
	site = site_state(state, site_name, rw);
	if (state->profile && site_profile_slots(site, max_threads) != 0) {
		pthread_mutex_unlock(&state->list_mutex);
		free(l);
		return NULL;
	}
	pthread_mutex_unlock(&state->list_mutex);
	l->info = site->info;
	l->site = site;
	l->slots = max_threads;
	l->lock = ll_lock_new(l->info, &params);
	l->contexts = calloc(max_threads, sizeof *l->contexts);
	l->counts = aligned_alloc(128, (size_t)max_threads * VM_HOST_COUNT_STRIDE * sizeof(uint64_t));
	init_bytes = ll_init_bytes(l->info, &params);
	if (!l->lock || !l->contexts || !l->counts || init_bytes < 0) {
		host_lock_free(l);
		return NULL;
	}
	memset(l->counts, 0, (size_t)max_threads * VM_HOST_COUNT_STRIDE * sizeof(uint64_t));
	for (unsigned slot = 0; slot < max_threads; slot++) {
		l->contexts[slot] = ll_ctx_new(l->info);
		if (!l->contexts[slot]) {
			host_lock_free(l);
			return NULL;
		}
		l->info->ops.ctx_init(l->lock, l->contexts[slot], slot, 0);
	}
	pthread_mutex_lock(&state->list_mutex);
	bind_memory(state, l->lock, l->info->lock_bytes);
	for (unsigned slot = 0; slot < max_threads && l->info->ctx_bytes > 0; slot++)
		bind_memory(state, l->contexts[slot], l->info->ctx_bytes);
	if (state->first_lock == NULL)
		state->first_lock = l->lock;
	site->locks++;
	site->lock_bytes += l->info->lock_bytes + (size_t)max_threads * l->info->ctx_bytes +
			    (size_t)init_bytes;
	l->next = state->locks;
	l->link = &state->locks;
	if (l->next)
		l->next->link = &l->next;
	state->locks = l;
	pthread_mutex_unlock(&state->list_mutex);
	return l;
}

static void host_lock_destroy(void *opaque, void *lock)
{
	struct vm_host_state *state = opaque;
	struct vm_host_lock *l = lock;

	/* Unlinked in constant time: a VM destroys thousands (its amo.stripe locks). */
	pthread_mutex_lock(&state->list_mutex);
	*l->link = l->next;
	if (l->next)
		l->next->link = l->link;
	for (unsigned slot = 0; slot < l->slots; slot++)
		l->site->retired += l->counts[slot * VM_HOST_COUNT_STRIDE];
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

/* The profiled path: the wait from before the lock call to held, the hold from
 * held to before the unlock call. Both stamps are taken by the same thread.
 * Plain (unfenced) counter reads: about 55 ns per acquisition and release on this
 * 2-vCPU KVM guest, against about 120 ns with ordered reads; a wait is then off by
 * at most the few cycles a read can move, well below the contended threshold. */
static void profile_acquired(const struct vm_host_state *state, struct vm_host_lock *l,
			     unsigned slot, uint64_t start)
{
	uint64_t held = timer_read(&state->timer);
	struct vm_host_slot_profile *profile = l->site->slots[slot];
	double wait_ns = held > start ? timer_ticks_to_ns(&state->timer, held - start) : 0;

	l->counts[slot * VM_HOST_COUNT_STRIDE]++;
	l->counts[slot * VM_HOST_COUNT_STRIDE + VM_HOST_ACQUIRED_AT] = held;
	hist_record(&profile->wait, (uint64_t)wait_ns);
	profile->contended += wait_ns > l->site->threshold_ns;
}

static void profile_release(const struct vm_host_state *state, struct vm_host_lock *l,
			    unsigned slot)
{
	uint64_t now = timer_read(&state->timer);
	uint64_t held = l->counts[slot * VM_HOST_COUNT_STRIDE + VM_HOST_ACQUIRED_AT];

	hist_record(&l->site->slots[slot]->hold,
		    now > held ? (uint64_t)timer_ticks_to_ns(&state->timer, now - held) : 0);
}

static void host_lock_profiled(void *opaque, void *lock, unsigned slot)
{
	const struct vm_host_state *state = opaque;
	struct vm_host_lock *l = lock;
	uint64_t start = timer_read(&state->timer);

	l->info->ops.lock(l->lock, l->contexts[slot]);
	profile_acquired(state, l, slot, start);
}

static void host_unlock_profiled(void *opaque, void *lock, unsigned slot)
{
	struct vm_host_lock *l = lock;

	profile_release(opaque, l, slot);
	l->info->ops.unlock(l->lock, l->contexts[slot]);
}

static void host_read_lock_profiled(void *opaque, void *lock, unsigned slot)
{
	const struct vm_host_state *state = opaque;
	struct vm_host_lock *l = lock;
	uint64_t start = timer_read(&state->timer);

	l->info->ops.read_lock(l->lock, l->contexts[slot]);
	profile_acquired(state, l, slot, start);
}

static void host_read_unlock_profiled(void *opaque, void *lock, unsigned slot)
{
	struct vm_host_lock *l = lock;

	profile_release(opaque, l, slot);
	l->info->ops.read_unlock(l->lock, l->contexts[slot]);
}

static void *host_thread_main(void *arg)
{
	struct vm_host_thread *t = arg;

	t->fn(t->arg);
	if (t->ran_on)
		*t->ran_on = sched_getcpu();
	return NULL;
}

static void *host_thread_start(void *opaque, int worker, void (*fn)(void *arg), void *arg)
{
	struct vm_host_state *state = opaque;
	const struct vm_host_options *p = &state->placement;
	struct vm_host_thread *t = calloc(1, sizeof *t);
	pthread_attr_t attr;
	int failed;

	if (!t)
		return NULL;
	t->fn = fn;
	t->arg = arg;
	pthread_attr_init(&attr);
	if (worker >= 0 && worker < VM_HOST_MAX_WORKERS) {
		t->ran_on = &state->ran_on[worker];
		pthread_mutex_lock(&state->list_mutex);
		if ((unsigned)worker + 1 > state->workers)
			state->workers = (unsigned)worker + 1;
		pthread_mutex_unlock(&state->list_mutex);
	}
	/* Workers in order over the policy's CPUs, wrapping past its end; device
	 * threads mostly sleep and are left to the OS. */
	if (worker >= 0 && p->cpu_count > 0) {
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(p->cpus[(unsigned)worker % p->cpu_count], &set);
		pthread_attr_setaffinity_np(&attr, sizeof set, &set);
	}
	failed = pthread_create(&t->thread, &attr, host_thread_main, t);
	pthread_attr_destroy(&attr);
	if (failed) {
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
	struct vm_host_state *state = opaque;
	void *memory;

	if (bytes >= VM_HOST_MMAP_BYTES) {
		/* Guest RAM: anonymous pages are zero and only touched pages cost; the
		 * policy binds them before the first touch. */
		memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (memory == MAP_FAILED)
			return NULL;
		bind_memory(state, memory, bytes);
		if (state->ram == NULL)
			state->ram = memory;
		return memory;
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

/* The VM's compiled hot blocks (vmcore/jit.h). Writable and executable at once:
 * the arena only grows while code in it runs, so there is no moment to flip it. */
static void *host_code_alloc(void *opaque, size_t bytes)
{
	void *memory = mmap(NULL, bytes, PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	(void)opaque;
	return memory == MAP_FAILED ? NULL : memory;
}

static void host_code_free(void *opaque, void *memory, size_t bytes)
{
	(void)opaque;
	munmap(memory, bytes);
}

/* One write and a flush per call: a UART line or a whole trap dump reaches the
 * terminal (or a pipe) at once, and never mid-line with another thread's. */
static void host_console_write(void *opaque, enum vm_console_stream stream, const char *text,
			       size_t length)
{
	FILE *out = stream == VM_CONSOLE_GUEST ? stdout : stderr;

	(void)opaque;
	fwrite(text, 1, length, out);
	fflush(out);
}

static bool host_disk_read(void *opaque, uint64_t offset, void *buffer, size_t bytes)
{
	const struct vm_host_state *state = opaque;

	return pread(state->disk_fd, buffer, bytes, (off_t)offset) == (ssize_t)bytes;
}

static bool host_disk_write(void *opaque, uint64_t offset, const void *buffer, size_t bytes)
{
	const struct vm_host_state *state = opaque;

	return pwrite(state->disk_fd, buffer, bytes, (off_t)offset) == (ssize_t)bytes;
}

#define VM_HOST_COMMON_OPS                                                              \
	.lock_create = host_lock_create, .lock_destroy = host_lock_destroy,             \
	.thread_start = host_thread_start, .thread_join = host_thread_join,             \
	.alloc = host_alloc, .free = host_free, .clock_ns = host_clock_ns,              \
	.wait = host_wait, .wake = host_wake, .code_alloc = host_code_alloc,            \
	.code_free = host_code_free, .console_write = host_console_write,               \
	.disk_read = host_disk_read, .disk_write = host_disk_write

static const struct vm_host_ops vm_host_ops = {
	VM_HOST_COMMON_OPS,
	.lock = host_lock,
	.unlock = host_unlock,
	.read_lock = host_read_lock,
	.read_unlock = host_read_unlock,
};

static const struct vm_host_ops vm_host_profiled_ops = {
	VM_HOST_COMMON_OPS,
	.lock = host_lock_profiled,
	.unlock = host_unlock_profiled,
	.read_lock = host_read_lock_profiled,
	.read_unlock = host_read_unlock_profiled,
};

/* A primitive VM sites can use, or NULL with why filled ("<what><name>: why"). */
static const struct ll_info *usable_primitive(const char *what, const char *name, char *why,
					      size_t why_size)
{
	const struct ll_info *info = ll_find(name);

	if (!info)
		snprintf(why, why_size, "%s%s: unknown lock (see locklab list)", what, name);
	else if (info->control)
		snprintf(why, why_size,
			 "%s%s: a control lock gives no mutual exclusion; VM lock sites need it",
			 what, name);
	else if (info->single_writer)
		snprintf(why, why_size, "%s%s: a single-writer lock; VM lock sites have many writers",
			 what, name);
	else
		return info;
	return NULL;
}

/* "site=lock[,site=lock...]" into state->overrides; -1 with why on a bad entry. */
static int parse_overrides(struct vm_host_state *state, const char *text, char *why,
			   size_t why_size)
{
	while (*text) {
		size_t length = strcspn(text, ","), site_length = strcspn(text, "=");
		char entry[128], what[160], known[256] = "";
		const char *site = NULL;

		if (length >= sizeof entry || site_length >= length) {
			snprintf(why, why_size, "--site %.*s: expected SITE=LOCK", (int)length, text);
			return -1;
		}
		snprintf(entry, sizeof entry, "%.*s", (int)length, text);
		entry[site_length] = '\0';
		for (size_t i = 0; i < vm_host_site_count; i++) {
			if (strcmp(vm_host_site_names[i], entry) == 0)
				site = vm_host_site_names[i];
			snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s",
				 i ? ", " : "", vm_host_site_names[i]);
		}
		if (site == NULL) {
			snprintf(why, why_size, "--site %s: unknown site (sites: %s)", entry, known);
			return -1;
		}
		for (size_t i = 0; i < state->override_count; i++)
			if (state->overrides[i].site == site) {
				snprintf(why, why_size, "--site %s: given twice", site);
				return -1;
			}
		snprintf(what, sizeof what, "--site %s=", site);
		state->overrides[state->override_count].info =
			usable_primitive(what, entry + site_length + 1, why, why_size);
		if (state->overrides[state->override_count].info == NULL)
			return -1;
		state->overrides[state->override_count++].site = site;
		text += length + (text[length] == ',');
	}
	return 0;
}

int vm_host_open(const struct vm_host_options *options, struct vm_host *host, char *why,
		 size_t why_size)
{
	struct vm_host_state *state = calloc(1, sizeof *state);

	if (!state) {
		snprintf(why, why_size, "vm host: %s", strerror(errno));
		return -1;
	}
	state->info = usable_primitive("--lock ", options->lock, why, why_size);
	if (state->info == NULL ||
	    (options->site_locks && parse_overrides(state, options->site_locks, why, why_size))) {
		free(state);
		return -1;
	}
	state->profile = options->site_profile;
	if (state->profile && timer_calibrate(&state->timer) != 0) {
		snprintf(why, why_size, "--site-profile: no clock: %s", strerror(errno));
		free(state);
		return -1;
	}
	pthread_mutex_init(&state->list_mutex, NULL);
	state->disk_fd = -1;
	state->placement = *options;
	host->ops = state->profile ? &vm_host_profiled_ops : &vm_host_ops;
	host->opaque = state;
	return 0;
}

int vm_host_serve_disk(struct vm_host *host, const char *path, uint64_t *bytes, char *why,
		       size_t why_size)
{
	struct vm_host_state *state = host->opaque;
	int fd = open(path, O_RDWR);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(why, why_size, "%s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* disk_bytes 0 would mean "no host disk" to vmcore: refuse an image that
	 * holds no sector rather than give the guest RAM in its place. */
	if (st.st_size < 512) {
		snprintf(why, why_size, "smaller than one 512-byte sector");
		close(fd);
		return -1;
	}
	if (state->disk_fd >= 0)
		close(state->disk_fd);
	state->disk_fd = fd;
	*bytes = (uint64_t)st.st_size;
	return 0;
}

void vm_host_placement(const struct vm_host *host, struct vm_host_placement *out)
{
	const struct vm_host_state *state = host->opaque;

	/* Guest RAM's first page holds the image, so it was touched; a lock was
	 * initialised when it was created. */
	out->ram_node = state->ram ? mem_policy_node_of(state->ram) : -1;
	out->lock_node = state->first_lock ? mem_policy_node_of(state->first_lock) : -1;
	out->workers = state->workers;
	for (unsigned i = 0; i < state->workers; i++)
		out->ran_on[i] = state->ran_on[i];
}

void vm_host_close(struct vm_host *host)
{
	struct vm_host_state *state = host->opaque;

	while (state->locks)
		host_lock_destroy(state, state->locks);
	for (unsigned i = 0; i < state->site_count; i++)
		for (unsigned slot = 0; slot < VM_HOST_MAX_SLOTS; slot++)
			free(state->sites[i].slots[slot]);
	pthread_mutex_destroy(&state->list_mutex);
	if (state->disk_fd >= 0)
		close(state->disk_fd);
	free(state);
	host->opaque = NULL;
}

size_t vm_host_sites(const struct vm_host *host, struct vm_host_site *sites, size_t max)
{
	struct vm_host_state *state = host->opaque;
	size_t count = state->site_count < max ? state->site_count : max;

	pthread_mutex_lock(&state->list_mutex);
	for (size_t i = 0; i < count; i++) {
		const struct vm_host_site_state *site = &state->sites[i];

		sites[i] = (struct vm_host_site){ .name = site->name, .lock = site->info->name,
						  .rw_ops = site->rw_ops, .locks = site->locks,
						  .lock_bytes = site->lock_bytes,
						  .acquisitions = site->retired,
						  .threshold_ns = state->profile ? site->threshold_ns : 0 };
		for (unsigned slot = 0; slot < VM_HOST_MAX_SLOTS; slot++)
			if (site->slots[slot] != NULL)
				sites[i].contended += site->slots[slot]->contended;
	}
	for (struct vm_host_lock *l = state->locks; l; l = l->next) {
		size_t index = (size_t)(l->site - state->sites);

		if (index >= count)
			continue;
		for (unsigned slot = 0; slot < l->slots; slot++)
			sites[index].acquisitions += l->counts[slot * VM_HOST_COUNT_STRIDE];
	}
	pthread_mutex_unlock(&state->list_mutex);
	return count;
}

void vm_host_site_times(const struct vm_host *host, size_t index, struct hist *wait,
			struct hist *hold)
{
	const struct vm_host_state *state = host->opaque;

	hist_init(wait);
	hist_init(hold);
	if (index >= state->site_count)
		return;
	for (unsigned slot = 0; slot < VM_HOST_MAX_SLOTS; slot++) {
		const struct vm_host_slot_profile *profile = state->sites[index].slots[slot];

		if (profile != NULL) {
			hist_merge(wait, &profile->wait);
			hist_merge(hold, &profile->hold);
		}
	}
}
