/*
 * ThreadSanitizer build only (`make test-tsan` puts tools/tsan first on the
 * include path): Concurrency Kit's machine layer for x86_64 is inline assembly
 * and volatile accesses, which TSan cannot see, so every lock built on ck_pr
 * looks like no synchronisation at all and the fields it guards are reported
 * as races. This header replaces that layer -- the ck_pr_md_load/store, cas,
 * faa, fas, binary and unary operations, fences, stall and barrier -- with
 * __atomic builtins, which TSan instruments, and then includes Concurrency
 * Kit's own <ck_pr.h>, whose generic part derives the rest (ck_pr_load_64,
 * ck_pr_store_ptr, ck_pr_inc_64_zero, btc/bts, the TSO fence table) from it.
 *
 * Semantics are those of ck on x86_64, the one machine the TSan build runs on:
 * a ck_pr load is a plain mov, which TSO makes an acquire; a ck_pr store is a
 * plain mov, a release; every read-modify-write is lock-prefixed, a full
 * barrier (seq_cst); the strict fences are full fences. ck_md.h still says
 * CK_MD_TSO, so ck_pr_fence_lock/unlock/acquire/release stay compiler
 * barriers, exactly as in the real build; TSan gets its happens-before edges
 * from the acquire loads and release stores instead (it ignores stand-alone
 * fences), which is what x86 provides too.
 */
#ifndef LOCKLAB_TSAN_CK_PR_H
#define LOCKLAB_TSAN_CK_PR_H

#if !defined(__x86_64__)
#error "tools/tsan/ck_pr.h models ck_pr on x86_64 only"
#endif

#include <stddef.h>

#include <ck_cc.h>
#include <ck_md.h>
#include <ck_stdbool.h>
#include <ck_stdint.h>

/* Keep ck's x86_64 assembly and its volatile-based GCC port out. */
#undef CK_USE_CC_BUILTINS
#define CK_USE_CC_BUILTINS 1
#define CK_PR_GCC_H
#define CK_F_PR

#include "gcc/ck_f_pr.h"
#define CK_F_PR_FAS_PTR
#define CK_F_PR_FAS_CHAR
#define CK_F_PR_FAS_INT
#define CK_F_PR_FAS_UINT
#define CK_F_PR_FAS_64
#define CK_F_PR_FAS_32
#define CK_F_PR_FAS_16
#define CK_F_PR_FAS_8

CK_CC_INLINE static void
ck_pr_barrier(void)
{
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
}

CK_CC_INLINE static void
ck_pr_stall(void)
{
	__builtin_ia32_pause();
}

/*
 * A wide load also acquires what narrower stores released inside it: x86 loads
 * see them, and ck_bytelock's writer relies on it (it scans the readers' byte
 * flags, each set with ck_pr_store_8, eight at a time with ck_pr_load_64). TSan
 * keys synchronisation by address, so without this the scan would order nothing
 * and every rw critical section under ck_bytelock would be reported.
 */
void __tsan_acquire(void *addr);

CK_CC_INLINE static void
ll_tsan_acquire_inside(const void *target, size_t size)
{
	for (size_t i = 1; i < size; i++)
		__tsan_acquire((char *)(uintptr_t)target + i);
}

#define LL_TSAN_LOAD_STORE(S, M, T)					\
	CK_CC_INLINE static T						\
	ck_pr_md_load_##S(const M *target)				\
	{								\
		T r;							\
		__atomic_load((T *)target, &r, __ATOMIC_ACQUIRE);	\
		ll_tsan_acquire_inside(target, sizeof r);		\
		return r;						\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_md_store_##S(M *target, T v)				\
	{								\
		__atomic_store((T *)target, &v, __ATOMIC_RELEASE);	\
	}

LL_TSAN_LOAD_STORE(ptr, void, void *)
LL_TSAN_LOAD_STORE(char, char, char)
LL_TSAN_LOAD_STORE(uint, unsigned int, unsigned int)
LL_TSAN_LOAD_STORE(int, int, int)
#ifndef CK_PR_DISABLE_DOUBLE
LL_TSAN_LOAD_STORE(double, double, double)
#endif
LL_TSAN_LOAD_STORE(64, uint64_t, uint64_t)
LL_TSAN_LOAD_STORE(32, uint32_t, uint32_t)
LL_TSAN_LOAD_STORE(16, uint16_t, uint16_t)
LL_TSAN_LOAD_STORE(8, uint8_t, uint8_t)

#define LL_TSAN_FENCE(K)						\
	CK_CC_INLINE static void					\
	ck_pr_fence_strict_##K(void)					\
	{								\
		__atomic_thread_fence(__ATOMIC_SEQ_CST);		\
	}

LL_TSAN_FENCE(atomic)
LL_TSAN_FENCE(atomic_atomic)
LL_TSAN_FENCE(atomic_load)
LL_TSAN_FENCE(atomic_store)
LL_TSAN_FENCE(store_atomic)
LL_TSAN_FENCE(load_atomic)
LL_TSAN_FENCE(load)
LL_TSAN_FENCE(load_load)
LL_TSAN_FENCE(load_store)
LL_TSAN_FENCE(store)
LL_TSAN_FENCE(store_store)
LL_TSAN_FENCE(store_load)
LL_TSAN_FENCE(memory)
LL_TSAN_FENCE(acquire)
LL_TSAN_FENCE(release)
LL_TSAN_FENCE(acqrel)
LL_TSAN_FENCE(lock)
LL_TSAN_FENCE(unlock)

/* Every read-modify-write: x86's lock prefix, a full barrier. */
#define LL_TSAN_RMW(S, M, T)						\
	CK_CC_INLINE static bool					\
	ck_pr_cas_##S(M *target, T compare, T set)			\
	{								\
		return __atomic_compare_exchange_n((T *)target, &compare, \
		    set, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);	\
	}								\
	CK_CC_INLINE static bool					\
	ck_pr_cas_##S##_value(M *target, T compare, T set, M *v)	\
	{								\
		T seen = compare;					\
		bool ok = __atomic_compare_exchange_n((T *)target,	\
		    &seen, set, false, __ATOMIC_SEQ_CST,		\
		    __ATOMIC_SEQ_CST);					\
		*(T *)v = seen;						\
		return ok;						\
	}								\
	CK_CC_INLINE static T						\
	ck_pr_faa_##S(M *target, T d)					\
	{								\
		return (T)__atomic_fetch_add((T *)target, d, \
		    __ATOMIC_SEQ_CST);					\
	}								\
	CK_CC_INLINE static T						\
	ck_pr_fas_##S(M *target, T v)					\
	{								\
		return __atomic_exchange_n((T *)target, v,		\
		    __ATOMIC_SEQ_CST);					\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_add_##S(M *target, T d)					\
	{								\
		(void)__atomic_fetch_add((T *)target, d, \
		    __ATOMIC_SEQ_CST);					\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_sub_##S(M *target, T d)					\
	{								\
		(void)__atomic_fetch_sub((T *)target, d, \
		    __ATOMIC_SEQ_CST);					\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_and_##S(M *target, T d)					\
	{								\
		(void)__atomic_fetch_and((T *)target,	\
		    d, __ATOMIC_SEQ_CST);		\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_or_##S(M *target, T d)					\
	{								\
		(void)__atomic_fetch_or((T *)target,	\
		    d, __ATOMIC_SEQ_CST);		\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_xor_##S(M *target, T d)					\
	{								\
		(void)__atomic_fetch_xor((T *)target,	\
		    d, __ATOMIC_SEQ_CST);		\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_inc_##S(M *target)					\
	{								\
		ck_pr_add_##S(target, (T)1);				\
	}								\
	CK_CC_INLINE static void					\
	ck_pr_dec_##S(M *target)					\
	{								\
		ck_pr_sub_##S(target, (T)1);				\
	}

/*
 * The integer forms. The pointer forms follow, with the signatures of ck's
 * x86_64 port (a uintptr_t operand, arithmetic in bytes).
 */
LL_TSAN_RMW(char, char, char)
LL_TSAN_RMW(int, int, int)
LL_TSAN_RMW(uint, unsigned int, unsigned int)
LL_TSAN_RMW(64, uint64_t, uint64_t)
LL_TSAN_RMW(32, uint32_t, uint32_t)
LL_TSAN_RMW(16, uint16_t, uint16_t)
LL_TSAN_RMW(8, uint8_t, uint8_t)

CK_CC_INLINE static bool
ck_pr_cas_ptr(void *target, void *compare, void *set)
{
	return __atomic_compare_exchange_n((void **)target, &compare, set,
	    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
}

CK_CC_INLINE static bool
ck_pr_cas_ptr_value(void *target, void *compare, void *set, void *v)
{
	bool ok = __atomic_compare_exchange_n((void **)target, &compare, set,
	    false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);

	*(void **)v = compare;
	return ok;
}

CK_CC_INLINE static void *
ck_pr_fas_ptr(void *target, void *v)
{
	return __atomic_exchange_n((void **)target, v, __ATOMIC_SEQ_CST);
}

CK_CC_INLINE static void *
ck_pr_faa_ptr(void *target, uintptr_t d)
{
	return (void *)__atomic_fetch_add((uintptr_t *)target, d,
	    __ATOMIC_SEQ_CST);
}

#define LL_TSAN_PTR_BINARY(K, OP)					\
	CK_CC_INLINE static void					\
	ck_pr_##K##_ptr(void *target, uintptr_t d)			\
	{								\
		(void)__atomic_fetch_##OP((uintptr_t *)target, d,	\
		    __ATOMIC_SEQ_CST);					\
	}
LL_TSAN_PTR_BINARY(add, add)
LL_TSAN_PTR_BINARY(sub, sub)
LL_TSAN_PTR_BINARY(and, and)
LL_TSAN_PTR_BINARY(or, or)
LL_TSAN_PTR_BINARY(xor, xor)

CK_CC_INLINE static void
ck_pr_inc_ptr(void *target)
{
	ck_pr_add_ptr(target, 1);
}

CK_CC_INLINE static void
ck_pr_dec_ptr(void *target)
{
	ck_pr_sub_ptr(target, 1);
}

#undef LL_TSAN_LOAD_STORE
#undef LL_TSAN_FENCE
#undef LL_TSAN_RMW
#undef LL_TSAN_PTR_BINARY

#include_next <ck_pr.h>

#endif /* LOCKLAB_TSAN_CK_PR_H */
