/*
 * What a workload kernel sees. A kernel is one small file, workloads/k_<name>.c,
 * compiled once per lock with that lock's header force-included (-include
 * locks/<lock>.h -DLL_NAME=<lock>), so LOCK() and friends are the primitive's own
 * static inline functions and the measured loop holds no indirect call. A kernel
 * neither starts threads, nor prints, nor parses options: the harness hands it a
 * prepared kernel_thread and reads the counters and histograms back.
 */
#ifndef LOCKLAB_KERNEL_H
#define LOCKLAB_KERNEL_H

#include <ck_pr.h>
#include <stdbool.h>
#include <stdint.h>

#include "common/histogram.h"
#include "common/timer.h"

/* Shared by all threads of one run of the handoff kernel; protected by the lock. */
struct kernel_handoff {
	unsigned holder;          /* index + 1 of the thread that acquired last */
	uint64_t released_at;     /* timer ticks just before the last unlock */
} __attribute__((aligned(128)));

struct kernel_thread {
	/* Set by the harness. */
	void *lock;
	void *ctx;
	const struct timer_calibration *cal;
	const unsigned *stop;          /* nonzero: leave the loop */
	uint64_t cs_iterations;        /* busy work inside the critical section */
	uint64_t ncs_iterations;       /* busy work between critical sections */
	unsigned read_per_mille;       /* rwmix: reads per 1000 operations */
	bool may_write;                /* false for all but one thread of a single-writer lock */
	uint64_t sample_mask;          /* time one operation in (sample_mask + 1) */
	unsigned index;
	struct kernel_handoff *handoff;
	uint64_t rng;
	/* Filled by the kernel. */
	uint64_t ops;
	uint64_t reads;
	struct hist *acquire;          /* lock call to lock held, sampled */
	struct hist *hold;             /* lock held to unlock call, sampled */
	struct hist *handoff_latency;  /* handoff kernel: unlock to the next owner's acquire */
} __attribute__((aligned(128)));

typedef void (*kernel_fn)(struct kernel_thread *thread);

/* Busy work the compiler cannot remove or fold: one iteration is a compiler
 * barrier and an add, a cycle or so; the harness calibrates iterations per ns. */
static inline void kernel_busy(uint64_t iterations)
{
	for (uint64_t i = 0; i < iterations; i++)
		ck_pr_barrier();
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

static inline bool kernel_stopped(const struct kernel_thread *t)
{
	/* A relaxed load: the flag's line stays shared in every cache until the one
	 * store that ends the phase. */
	return ck_pr_load_uint(t->stop) != 0;
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
