/*
 * The shape every primitive in locks/ shares.
 *
 * Each locks/<name>.h defines, all static inline so a measured loop inlines them:
 *   struct ll_<name>, struct ll_<name>_ctx (or #define ll_<name>_ctx ll_no_ctx)
 *   int  ll_<name>_init(struct ll_<name> *, const struct ll_params *)   0 or -1 (errno set)
 *   void ll_<name>_destroy(struct ll_<name> *)
 *   void ll_<name>_ctx_init(struct ll_<name> *, struct ll_<name>_ctx *, unsigned thread, unsigned node)
 *   void ll_<name>_ctx_fini(struct ll_<name> *, struct ll_<name>_ctx *)
 *   void ll_<name>_lock / _unlock(struct ll_<name> *, struct ll_<name>_ctx *)
 *   bool ll_<name>_trylock(...)                       only where the primitive has one
 *   void ll_<name>_read_lock / _read_unlock / _write_lock / _write_unlock(...)
 * Mutexes get their read/write operations from LL_RW_FROM_MUTEX (a read is a lock);
 * rw locks get lock/unlock from LL_MUTEX_FROM_RW (a lock is a write lock).
 *
 * A context belongs to one (thread, lock) pair and lives from ctx_init to ctx_fini;
 * thread indices run from 0 to params->max_threads - 1.
 */
#ifndef LL_LOCK_H
#define LL_LOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "locks/base/heap.h"

struct ll_params {
	unsigned max_threads; /* upper bound on threads that will ever hold a context */
	unsigned numa_nodes;  /* node indices passed to ctx_init are below this */
};

/* The context of a primitive that needs none; the registry reports its size as 0. */
struct ll_no_ctx {
	char unused;
};

/* For an operation a compiler's inliner may refuse: a measured loop must hold the
 * primitive's code, not a call to it (tests/test_kernels.c checks every kernel
 * object; CI also checks the clang build's). gcc inlines every lock at -O2 and
 * -O1; clang 14 kept fairq's lock and unlock, cna's unlock and the wrappers below
 * as functions. */
#define LL_ALWAYS_INLINE static inline __attribute__((always_inline))

/* Per-thread data and locks that threads spin on are padded to this many bytes:
 * two 64-byte lines, because adjacent-line prefetch pairs them on x86. */
#define LL_PAD 128

#define LL_RW_FROM_MUTEX(name)                                                         \
	LL_ALWAYS_INLINE void ll_##name##_read_lock(struct ll_##name *l, struct ll_##name##_ctx *c) \
	{                                                                              \
		ll_##name##_lock(l, c);                                                \
	}                                                                              \
	LL_ALWAYS_INLINE void ll_##name##_read_unlock(struct ll_##name *l,                \
						   struct ll_##name##_ctx *c)          \
	{                                                                              \
		ll_##name##_unlock(l, c);                                              \
	}                                                                              \
	LL_ALWAYS_INLINE void ll_##name##_write_lock(struct ll_##name *l,                 \
						  struct ll_##name##_ctx *c)           \
	{                                                                              \
		ll_##name##_lock(l, c);                                                \
	}                                                                              \
	LL_ALWAYS_INLINE void ll_##name##_write_unlock(struct ll_##name *l,               \
						    struct ll_##name##_ctx *c)         \
	{                                                                              \
		ll_##name##_unlock(l, c);                                              \
	}

#define LL_MUTEX_FROM_RW(name)                                                         \
	LL_ALWAYS_INLINE void ll_##name##_lock(struct ll_##name *l, struct ll_##name##_ctx *c) \
	{                                                                              \
		ll_##name##_write_lock(l, c);                                          \
	}                                                                              \
	LL_ALWAYS_INLINE void ll_##name##_unlock(struct ll_##name *l, struct ll_##name##_ctx *c) \
	{                                                                              \
		ll_##name##_write_unlock(l, c);                                        \
	}

/* For primitives whose context needs no set-up. */
#define LL_CTX_NOOP(name)                                                              \
	static inline void ll_##name##_ctx_init(struct ll_##name *l, struct ll_##name##_ctx *c, \
						unsigned thread, unsigned node)        \
	{                                                                              \
		(void)l, (void)c, (void)thread, (void)node;                            \
	}                                                                              \
	static inline void ll_##name##_ctx_fini(struct ll_##name *l, struct ll_##name##_ctx *c) \
	{                                                                              \
		(void)l, (void)c;                                                      \
	}

#endif
