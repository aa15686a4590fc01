/*
 * What a workload kernel sees. A kernel is one small file, workloads/k_<name>.c,
 * compiled once per lock with that lock's header force-included (-include
 * locks/<lock>.h -DLL_NAME=<lock>), so LOCK() and friends are the primitive's own
 * static inline functions and the measured loop holds no indirect call. A kernel
 * neither starts threads, nor prints, nor parses options: the harness hands it a
 * prepared kernel_thread and reads the counters and histograms back.
 *
 * One call runs a whole rep: warm-up, measured window and drain, told apart by
 * the shared phase word the harness writes. The kernel publishes its operation
 * count as it goes and the harness samples every thread's count at both ends of
 * the window (as will-it-scale does), so throughput and shares cover exactly the
 * window, never the drain after it (a FIFO waiter must still acquire once before
 * it can see the stop). Histograms take only operations that began and ended
 * inside the window.
 *
 * Inside a critical section a kernel does only what a metric cannot do without:
 * on a sampled operation one timer read right after the acquire, kept in a local
 * and recorded after the unlock; in handoff also the release stamp that is the
 * metric. No histogram write and no other timer read while the lock is held.
 */
#ifndef LOCKLAB_KERNEL_H
#define LOCKLAB_KERNEL_H

#include <ck_pr.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/busy.h"
#include "common/histogram.h"
#include "common/timer.h"

/* The phase word: the harness moves it forward, kernels only read it. */
enum kernel_phase { KERNEL_WARMUP, KERNEL_WINDOW, KERNEL_STOP };

/* Shared by all threads of one run of the handoff kernel; protected by the lock. */
struct kernel_handoff {
	unsigned holder;          /* index + 1 of the thread that acquired last */
	uint64_t released_at;     /* timer ticks just before the last unlock */
} __attribute__((aligned(128)));

/* The runlength kernel's owner word; protected by the lock. */
struct kernel_runs {
	unsigned owner;           /* index + 1 of the thread that acquired last */
	uint64_t length;          /* acquisitions in a row it has taken */
} __attribute__((aligned(128)));

/*
 * Protected data: --cs-lines lines, each alone in 128 bytes (a 64-byte line and
 * the neighbour an adjacent-line prefetcher would pull with it). A critical
 * section walks them as a linked list in a seeded shuffled order, reading and
 * writing each: every next address comes from the line just loaded, so a line
 * that another core wrote last costs one transfer that cannot overlap the next
 * (the cost of a list or tree walk, not of a prefetched array sweep).
 */
struct kernel_line {
	uint64_t count;           /* written by every visit */
	uint32_t next;            /* index of the next line of the walk */
} __attribute__((aligned(128)));

struct kernel_thread {
	/* Set by the harness. */
	void *lock;
	void *ctx;
	const struct timer_calibration *cal;
	const unsigned *phase;         /* enum kernel_phase */
	uint64_t cs_iterations;        /* busy work inside the critical section */
	uint64_t ncs_iterations;       /* busy work between critical sections */
	struct kernel_line *lines;     /* protected data, walked inside every critical section */
	unsigned line_count;
	unsigned read_per_mille;       /* rwmix: reads per 1000 operations */
	bool may_write;                /* false for all but one thread of a single-writer lock */
	uint64_t sample_mask;          /* time one operation in (sample_mask + 1) */
	uint64_t max_ticks;            /* a delta above this is implausible: longer than the rep */
	uint64_t busy_max_ticks;       /* a timed busy stretch longer than this was preempted */
	uint64_t probe_iterations;     /* busy work of one host-speed probe; 0: no probes */
	uint64_t probe_every_ticks;    /* at most one probe per this many ticks */
	uint64_t probe_max_ticks;      /* a probe longer than this was preempted */
	unsigned index;
	struct kernel_handoff *handoff;
	struct kernel_runs *runs;
	uint64_t rng;                  /* seeded by the harness from --seed, the cell and rep */
	uint64_t batch_ops;            /* batch kernel: lock + unlock pairs per call */
	struct hist *acquire;          /* lock call to lock held, sampled */
	struct hist *hold;             /* lock held to unlock returned (handoff: to the unlock call) */
	struct hist *handoff_latency;  /* handoff kernel: unlock to the next owner's acquire */
	struct hist *run_length;       /* runlength kernel: runs this thread ended */
	/* Published by the kernel as it goes (relaxed 64-bit stores the harness loads
	 * at both ends of the window); the harness never writes them. */
	uint64_t ops;
	uint64_t reads;
	/* Filled by the kernel, read after it returned. */
	uint64_t skewed;               /* window deltas that were negative or implausible */
	uint64_t checksum;             /* what reads of the protected lines saw: keeps them */
	uint64_t handoffs;             /* runlength kernel: acquisitions taken from another thread */
	uint64_t busy_ticks;           /* busy work timed inside the window: its ticks */
	uint64_t busy_timed;           /* and its iterations (kernel_time_busy) */
	uint64_t probe_last;           /* kernel_probe_host: when the last probe ended */
	bool probed;                   /* a probe ran since this thread's last acquisition */
} __attribute__((aligned(128)));

typedef void (*kernel_fn)(struct kernel_thread *thread);

/* Busy work: the one out-of-line loop of common/busy.h (the same code in every
 * kernel and in its calibration), skipped when there is none. */
static inline void kernel_busy(uint64_t iterations)
{
	if (iterations != 0)
		busy_spin(iterations);
}

static inline uint64_t kernel_random(uint64_t *state)
{
	/* xorshift64: three shifts, no multiply, fine for picking read or write. */
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

static inline unsigned kernel_phase(const struct kernel_thread *t)
{
	/* A relaxed load: the word's line stays shared in every cache until one of
	 * the two stores that move the phase on. */
	return ck_pr_load_uint(t->phase);
}

/* Both ends of an operation inside the window: only then is it recorded. */
static inline bool kernel_in_window(const struct kernel_thread *t, unsigned phase_at_start)
{
	return phase_at_start == KERNEL_WINDOW && kernel_phase(t) == KERNEL_WINDOW;
}

static inline void kernel_publish(struct kernel_thread *t, uint64_t ops)
{
	/* Relaxed: the harness wants a recent count, not one ordered with anything;
	 * the line is this thread's own, so the store stays in its cache. */
	ck_pr_store_64(&t->ops, ops);
}

/*
 * Records to - from into h. Stamps from two CPUs (handoff), or from one thread
 * that migrated, can disagree by the counters' skew: a negative or implausible
 * delta is counted in t->skewed and left out, never wrapped into a huge value.
 */
static inline void kernel_record(struct kernel_thread *t, struct hist *h, uint64_t from,
				 uint64_t to)
{
	int64_t ticks = (int64_t)(to - from);

	if (ticks < 0 || (uint64_t)ticks > t->max_ticks) {
		t->skewed++;
		return;
	}
	hist_record(h, timer_ticks_to_ns(t->cal, (uint64_t)ticks));
}

/*
 * The host's speed during the window: busy work between two stamps with no lock
 * call between them, on operations that are timed anyway (one more stamp after
 * the ncs work of a sampled operation, never one inside a critical section). A
 * shared host runs this loop at half speed for stretches of milliseconds, and a
 * rep's figures follow; a stretch longer than its bound (busy_max_ticks, or a
 * probe's probe_max_ticks) was preempted and says nothing about the speed: left
 * out.
 */
static inline void kernel_count_busy(struct kernel_thread *t, uint64_t from, uint64_t to,
				     uint64_t iterations, uint64_t max_ticks)
{
	int64_t ticks = (int64_t)(to - from);

	if (iterations == 0 || ticks <= 0 || (uint64_t)ticks > max_ticks)
		return;
	t->busy_ticks += (uint64_t)ticks;
	t->busy_timed += iterations;
}

static inline void kernel_time_busy(struct kernel_thread *t, uint64_t from, uint64_t to,
				    uint64_t iterations)
{
	kernel_count_busy(t, from, to, iterations, t->busy_max_ticks);
}

/*
 * The host's speed where a cell has no busy work outside its critical sections
 * to time (ncs 0, uncontended, short handoff holds): at a sampled operation
 * after its unlock, when probe_every_ticks have passed since the last probe
 * (now: the operation's last stamp), the thread times probe_iterations of the
 * busy loop. The harness sets 1 us every 500 us: a 0.2 % pause outside the lock,
 * the same share of time for every lock, and 200 probes a thread in a 0.1 s rep,
 * enough to follow the host's 4 ms slow slices. A probe preempted in the middle
 * is left out like any timed stretch. Out of line, like the recording below.
 */
static __attribute__((noinline, unused)) void kernel_probe_host(struct kernel_thread *t,
								 unsigned phase, uint64_t now)
{
	if (t->probe_iterations == 0 || now - t->probe_last < t->probe_every_ticks)
		return;
	uint64_t from = timer_read_ordered(t->cal);
	busy_spin(t->probe_iterations);
	uint64_t to = timer_read_ordered(t->cal);
	t->probe_last = to;
	t->probed = true;
	if (kernel_in_window(t, phase))
		kernel_count_busy(t, from, to, t->probe_iterations, t->probe_max_ticks);
}

/* A sampled operation's figures, recorded after its unlock when it started and
 * ended inside the window: acquire latency, hold, and the busy work timed after
 * it (or a probe of the host's speed where there is none). Out of line: the
 * kernel's loop stays small enough that gcc inlines the lock into it at -O2 and
 * at the sanitizers' -O1 (tests/test_kernels.c checks both). */
static __attribute__((noinline, unused)) void
kernel_record_sample(struct kernel_thread *t, unsigned phase, uint64_t start, uint64_t held,
		     uint64_t released, uint64_t worked)
{
	if (kernel_in_window(t, phase)) {
		kernel_record(t, t->acquire, start, held);
		kernel_record(t, t->hold, held, released);
		kernel_time_busy(t, released, worked, t->ncs_iterations);
	}
	kernel_probe_host(t, phase, worked);
}

/* uncontended's sampled operation: its acquire latency, then a probe. */
static __attribute__((noinline, unused)) void
kernel_record_acquire(struct kernel_thread *t, unsigned phase, uint64_t start, uint64_t held)
{
	if (kernel_in_window(t, phase))
		kernel_record(t, t->acquire, start, held);
	kernel_probe_host(t, phase, held);
}

/* Reads every protected line in the walk's order and returns what it saw (rwmix
 * readers stop here). Plain accesses: the lock orders them (LOCK and UNLOCK are
 * compiler barriers too). */
static inline uint64_t kernel_read_lines(const struct kernel_line *lines, unsigned count)
{
	uint64_t sum = 0;
	uint32_t at = 0;

	for (unsigned i = 0; i < count; i++) {
		sum += lines[at].count;
		at = lines[at].next;
	}
	return sum;
}

/* A writer's pass: reads and writes every line, in the walk's order. */
static inline void kernel_touch_lines(struct kernel_line *lines, unsigned count)
{
	uint32_t at = 0;

	for (unsigned i = 0; i < count; i++) {
		lines[at].count++;
		at = lines[at].next;
	}
}

/* Inside a per-lock compilation unit: the lock's operations and the kernel's name. */
#ifdef LL_NAME
#define KERNEL_CAT3(a, b, c) a##b##c
#define KERNEL_XCAT3(a, b, c) KERNEL_CAT3(a, b, c)
#define LL_OP(op) KERNEL_XCAT3(ll_, LL_NAME, _##op)
/* The primitive's own types, so a kernel can keep the lock and its context in
 * locals: every lock operation is a compiler barrier, and through the
 * kernel_thread pointer they would be reloaded around each one. */
typedef struct KERNEL_XCAT3(ll_, LL_NAME, ) kernel_lock;
typedef struct KERNEL_XCAT3(ll_, LL_NAME, _ctx) kernel_ctx;
#define LOCK(l, c) LL_OP(lock)(l, c)
#define UNLOCK(l, c) LL_OP(unlock)(l, c)
#define READ_LOCK(l, c) LL_OP(read_lock)(l, c)
#define READ_UNLOCK(l, c) LL_OP(read_unlock)(l, c)
#define WRITE_LOCK(l, c) LL_OP(write_lock)(l, c)
#define WRITE_UNLOCK(l, c) LL_OP(write_unlock)(l, c)
/* KERNEL(contended) defines kernel_contended__<lock>. */
#define KERNEL(name) void KERNEL_XCAT3(kernel_##name, __, LL_NAME)(struct kernel_thread *t)
#endif

#endif
