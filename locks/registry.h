/*
 * The one list of lock primitives. The CLI, torture, the benchmark matrix, the VM
 * host and the tests all iterate ll_registry; nothing else keeps lock names.
 *
 * Coarse users (torture, the VM) call primitives through ll_ops, an indirect call
 * per operation; measured workloads never do: they are compiled once per lock
 * against the inline header instead.
 */
#ifndef LL_REGISTRY_H
#define LL_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>

#include "locks/base/lock.h"

enum ll_kind { LL_KIND_MUTEX, LL_KIND_RWLOCK, LL_KIND_SPIN };
enum ll_policy { LL_POLICY_NONE, LL_POLICY_SPIN, LL_POLICY_SPIN_PARK, LL_POLICY_PARK };

struct ll_ops {
	int (*init)(void *lock, const struct ll_params *params);
	void (*destroy)(void *lock);
	void (*ctx_init)(void *lock, void *ctx, unsigned thread, unsigned node);
	void (*ctx_fini)(void *lock, void *ctx);
	void (*lock)(void *lock, void *ctx);
	void (*unlock)(void *lock, void *ctx);
	bool (*trylock)(void *lock, void *ctx); /* NULL: the primitive has none */
	void (*read_lock)(void *lock, void *ctx); /* for mutexes, the same as lock */
	void (*read_unlock)(void *lock, void *ctx);
	void (*write_lock)(void *lock, void *ctx);
	void (*write_unlock)(void *lock, void *ctx);
};

struct ll_info {
	const char *name;
	const char *family;   /* control, pthread, ck, ours */
	enum ll_kind kind;
	enum ll_policy policy;
	bool fair;            /* FIFO: waiters acquire in arrival order */
	bool numa_aware;
	bool single_writer;   /* at most one thread may ever write-lock it */
	bool control;         /* null, broken, broken_rw, stuck: never part of "all" */
	bool unsound;         /* wrong on purpose (broken, broken_rw): torture's negative
			       * controls, which nothing may measure */
	bool has_trylock;
	size_t lock_bytes;    /* sizeof the lock object */
	size_t ctx_bytes;     /* sizeof the per-thread context, 0 when none */
	struct ll_ops ops;
};

extern const struct ll_info ll_registry[];
extern const size_t ll_registry_count;

/* NULL when no primitive has that name. */
const struct ll_info *ll_find(const char *name);
bool ll_is_rw(const struct ll_info *info);
const char *ll_kind_name(enum ll_kind kind);
const char *ll_policy_name(enum ll_policy policy);

/* A lock object on the counted heap, LL_PAD-aligned, initialised; NULL on failure. */
void *ll_lock_new(const struct ll_info *info, const struct ll_params *params);
void ll_lock_free(const struct ll_info *info, void *lock);
/* An uninitialised, zeroed context; pass it to ops.ctx_init. */
void *ll_ctx_new(const struct ll_info *info);
void ll_ctx_free(const struct ll_info *info, void *ctx);

/* Heap bytes that init allocates for these params, measured by doing it (-1 on failure). */
long long ll_init_bytes(const struct ll_info *info, const struct ll_params *params);

#endif
