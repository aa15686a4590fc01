/*
 * The registry: every primitive, listed once in LL_PRIMITIVES. From that one list
 * come the indirect-call wrappers (for torture and the VM) and the table of facts.
 * A new primitive is a header in locks/ plus one line here; tests check that the
 * headers and this list agree.
 */
#include "locks/registry.h"

#include <stdlib.h>
#include <string.h>

#include "locks/broken.h"
#include "locks/broken_rw.h"
#include "locks/ck_anderson.h"
#include "locks/ck_brlock.h"
#include "locks/ck_bytelock.h"
#include "locks/ck_cas.h"
#include "locks/ck_cas_eb.h"
#include "locks/ck_clh.h"
#include "locks/ck_cohort_fas.h"
#include "locks/ck_cohort_ticket.h"
#include "locks/ck_dec.h"
#include "locks/ck_fas.h"
#include "locks/ck_fas_eb.h"
#include "locks/ck_hclh.h"
#include "locks/ck_mcs.h"
#include "locks/ck_pflock.h"
#include "locks/ck_rwlock.h"
#include "locks/ck_swlock.h"
#include "locks/ck_tflock.h"
#include "locks/ck_ticket.h"
#include "locks/ck_ticket_pb.h"
#include "locks/cna.h"
#include "locks/fairq.h"
#include "locks/futex_mutex.h"
#include "locks/null.h"
#include "locks/parking.h"
#include "locks/pthread_mutex.h"
#include "locks/pthread_mutex_adaptive.h"
#include "locks/pthread_rwlock.h"
#include "locks/pthread_rwlock_wpref.h"
#include "locks/pthread_spin.h"
#include "locks/stuck.h"
#include "locks/ttas_backoff.h"

/*
 * X(name, family, kind, waiting policy, has trylock, extra facts...)
 * kind: MUTEX (may sleep), SPIN (never sleeps), RWLOCK. policy: how a waiter waits.
 */
#define LL_PRIMITIVES(X)                                                                  \
	X(null, "control", MUTEX, NONE, yes, .control = true)                             \
	X(broken, "control", SPIN, SPIN, yes, .control = true, .unsound = true)           \
	X(broken_rw, "control", RWLOCK, SPIN, no, .control = true, .unsound = true)       \
	X(stuck, "control", SPIN, SPIN, yes, .control = true)                             \
	X(pthread_mutex, "pthread", MUTEX, PARK, yes)                                     \
	X(pthread_mutex_adaptive, "pthread", MUTEX, SPIN_PARK, yes)                       \
	X(pthread_spin, "pthread", SPIN, SPIN, yes)                                       \
	X(pthread_rwlock, "pthread", RWLOCK, PARK, yes)                                   \
	X(pthread_rwlock_wpref, "pthread", RWLOCK, PARK, yes)                             \
	X(ck_fas, "ck", SPIN, SPIN, yes)                                                  \
	X(ck_cas, "ck", SPIN, SPIN, yes)                                                  \
	X(ck_fas_eb, "ck", SPIN, SPIN, yes)                                               \
	X(ck_cas_eb, "ck", SPIN, SPIN, yes)                                               \
	X(ck_ticket, "ck", SPIN, SPIN, LL_CK_TICKET_TRYLOCK, .fair = true)                   \
	X(ck_ticket_pb, "ck", SPIN, SPIN, LL_CK_TICKET_PB_TRYLOCK, .fair = true)             \
	X(ck_mcs, "ck", SPIN, SPIN, yes, .fair = true)                                    \
	X(ck_clh, "ck", SPIN, SPIN, no, .fair = true)                                     \
	X(ck_anderson, "ck", SPIN, SPIN, no, .fair = true)                                \
	X(ck_dec, "ck", SPIN, SPIN, yes)                                                  \
	X(ck_hclh, "ck", SPIN, SPIN, no, .numa_aware = true)                              \
	X(ck_cohort_fas, "ck", SPIN, SPIN, yes, .numa_aware = true)                       \
	X(ck_cohort_ticket, "ck", SPIN, SPIN, no, .numa_aware = true)                     \
	X(ck_rwlock, "ck", RWLOCK, SPIN, yes)                                             \
	X(ck_pflock, "ck", RWLOCK, SPIN, no, .fair = true)                                \
	X(ck_tflock, "ck", RWLOCK, SPIN, no, .fair = true)                                \
	X(ck_brlock, "ck", RWLOCK, SPIN, yes)                                             \
	X(ck_bytelock, "ck", RWLOCK, SPIN, no)                                            \
	X(ck_swlock, "ck", RWLOCK, SPIN, yes, .single_writer = true)                      \
	X(ttas_backoff, "ours", SPIN, SPIN, yes)                                          \
	X(futex_mutex, "ours", MUTEX, PARK, yes)                                          \
	X(parking, "ours", MUTEX, SPIN_PARK, yes)                                         \
	X(fairq, "ours", MUTEX, PARK, yes, .fair = true)                                  \
	X(cna, "ours", SPIN, SPIN, yes, .numa_aware = true)

#define LL_WRAP_no(n)                                                                     \
	static int n##_init_op(void *l, const struct ll_params *p)                        \
	{                                                                                 \
		return ll_##n##_init(l, p);                                               \
	}                                                                                 \
	static void n##_destroy_op(void *l)                                               \
	{                                                                                 \
		ll_##n##_destroy(l);                                                      \
	}                                                                                 \
	static void n##_ctx_init_op(void *l, void *c, unsigned thread, unsigned node)     \
	{                                                                                 \
		ll_##n##_ctx_init(l, c, thread, node);                                    \
	}                                                                                 \
	static void n##_ctx_fini_op(void *l, void *c)                                     \
	{                                                                                 \
		ll_##n##_ctx_fini(l, c);                                                  \
	}                                                                                 \
	static void n##_lock_op(void *l, void *c)                                         \
	{                                                                                 \
		ll_##n##_lock(l, c);                                                      \
	}                                                                                 \
	static void n##_unlock_op(void *l, void *c)                                       \
	{                                                                                 \
		ll_##n##_unlock(l, c);                                                    \
	}                                                                                 \
	static void n##_read_lock_op(void *l, void *c)                                    \
	{                                                                                 \
		ll_##n##_read_lock(l, c);                                                 \
	}                                                                                 \
	static void n##_read_unlock_op(void *l, void *c)                                  \
	{                                                                                 \
		ll_##n##_read_unlock(l, c);                                               \
	}                                                                                 \
	static void n##_write_lock_op(void *l, void *c)                                   \
	{                                                                                 \
		ll_##n##_write_lock(l, c);                                                \
	}                                                                                 \
	static void n##_write_unlock_op(void *l, void *c)                                 \
	{                                                                                 \
		ll_##n##_write_unlock(l, c);                                              \
	}

#define LL_WRAP_yes(n)                                                                    \
	LL_WRAP_no(n) static bool n##_trylock_op(void *l, void *c)                        \
	{                                                                                 \
		return ll_##n##_trylock(l, c);                                            \
	}

/* Two levels, so a try_ given as a macro (LL_CK_TICKET_TRYLOCK) expands before the
 * paste. */
#define LL_WRAP(try_, n) LL_WRAP_I(try_, n)
#define LL_WRAP_I(try_, n) LL_WRAP_##try_(n)
#define LL_TRYLOCK(try_, n) LL_TRYLOCK_I(try_, n)
#define LL_TRYLOCK_I(try_, n) LL_TRYLOCK_##try_(n)
#define LL_HAS(try_) LL_HAS_I(try_)
#define LL_HAS_I(try_) LL_HAS_##try_
#define LL_TRYLOCK_yes(n) n##_trylock_op
#define LL_TRYLOCK_no(n) NULL
#define LL_HAS_yes true
#define LL_HAS_no false

#define LL_DEFINE_WRAPPERS(n, family_, kind_, policy_, try_, ...) LL_WRAP(try_, n)
LL_PRIMITIVES(LL_DEFINE_WRAPPERS)

#define LL_ENTRY(n, family_, kind_, policy_, try_, ...)                                   \
	{                                                                                 \
		.name = #n,                                                               \
		.family = family_,                                                        \
		.kind = LL_KIND_##kind_,                                                  \
		.policy = LL_POLICY_##policy_,                                            \
		.has_trylock = LL_HAS(try_),                                             \
		.lock_bytes = sizeof(struct ll_##n),                                      \
		.ctx_bytes = _Generic((struct ll_##n##_ctx *)0,                           \
			struct ll_no_ctx *: (size_t)0,                                    \
			default: sizeof(struct ll_##n##_ctx)),                            \
		.ops = {                                                                  \
			.init = n##_init_op,                                              \
			.destroy = n##_destroy_op,                                        \
			.ctx_init = n##_ctx_init_op,                                      \
			.ctx_fini = n##_ctx_fini_op,                                      \
			.lock = n##_lock_op,                                              \
			.unlock = n##_unlock_op,                                          \
			.trylock = LL_TRYLOCK(try_, n),                                  \
			.read_lock = n##_read_lock_op,                                    \
			.read_unlock = n##_read_unlock_op,                                \
			.write_lock = n##_write_lock_op,                                  \
			.write_unlock = n##_write_unlock_op,                              \
		},                                                                        \
		__VA_ARGS__                                                               \
	},

const struct ll_info ll_registry[] = { LL_PRIMITIVES(LL_ENTRY) };
const size_t ll_registry_count = sizeof ll_registry / sizeof ll_registry[0];

const struct ll_info *ll_find(const char *name)
{
	for (size_t i = 0; i < ll_registry_count; i++)
		if (strcmp(ll_registry[i].name, name) == 0)
			return &ll_registry[i];
	return NULL;
}

bool ll_is_rw(const struct ll_info *info)
{
	return info->kind == LL_KIND_RWLOCK;
}

const char *ll_kind_name(enum ll_kind kind)
{
	static const char *const names[] = { "mutex", "rwlock", "spin" };
	return names[kind];
}

const char *ll_policy_name(enum ll_policy policy)
{
	static const char *const names[] = { "none", "spin", "spin-then-park", "park" };
	return names[policy];
}

/* Lock objects and contexts are LL_PAD-aligned so no two share a cache line. */
static size_t padded(size_t bytes)
{
	return bytes == 0 ? LL_PAD : (bytes + LL_PAD - 1) / LL_PAD * LL_PAD;
}

void *ll_lock_new(const struct ll_info *info, const struct ll_params *params)
{
	void *lock = aligned_alloc(LL_PAD, padded(info->lock_bytes));

	if (lock == NULL)
		return NULL;
	memset(lock, 0, info->lock_bytes);
	if (info->ops.init(lock, params) != 0) {
		free(lock);
		return NULL;
	}
	return lock;
}

void ll_lock_free(const struct ll_info *info, void *lock)
{
	if (lock == NULL)
		return;
	info->ops.destroy(lock);
	free(lock);
}

void *ll_ctx_new(const struct ll_info *info)
{
	size_t bytes = padded(info->ctx_bytes);
	void *ctx = aligned_alloc(LL_PAD, bytes);

	if (ctx != NULL)
		memset(ctx, 0, bytes);
	return ctx;
}

void ll_ctx_free(const struct ll_info *info, void *ctx)
{
	(void)info;
	free(ctx);
}

long long ll_init_bytes(const struct ll_info *info, const struct ll_params *params)
{
	uint64_t before = ll_heap_live();
	void *lock = ll_lock_new(info, params);
	long long bytes;

	if (lock == NULL)
		return -1;
	bytes = (long long)(ll_heap_live() - before);
	ll_lock_free(info, lock);
	return bytes;
}
