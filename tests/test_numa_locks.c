/*
 * The NUMA-aware locks' hand-off choices. cna's are checked exactly: a single
 * thread builds queues of waiters from several (virtual) nodes with
 * ll_cna_enqueue and sees whom each unlock grants. The cohort locks with real
 * threads on two virtual nodes, in a state where their semantics alone decide
 * who is next.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "locks/ck_cohort_fas.h"
#include "locks/ck_cohort_ticket.h"
#include "locks/cna.h"
#include "locks/registry.h"

static struct ll_cna lock;
static struct ll_cna_ctx nodes[128];

static struct ll_cna_ctx *waiter(unsigned i, unsigned node)
{
	ll_cna_ctx_init(&lock, &nodes[i], i, node);
	return &nodes[i];
}

/* The one queue node granted among count; NULL if none or several. */
static struct ll_cna_ctx *holder(unsigned count)
{
	struct ll_cna_ctx *found = NULL;

	for (unsigned i = 0; i < count; i++)
		if (ll_cna_granted(&nodes[i])) {
			if (found != NULL)
				return NULL;
			found = &nodes[i];
		}
	return found;
}

Test(numa_locks, cna_hands_off_within_a_node_first)
{
	struct ll_params params = { .max_threads = 8, .numa_nodes = 2 };
	/* Arrival order: O (node 0, holds), A 1, B 1, C 0, D 1, E 0. FIFO MCS would
	 * go O A B C D E: one same-node hand-off in five. */
	const unsigned node_of[] = { 0, 1, 1, 0, 1, 0 };
	const char *name = "OABCDE";
	const char *want = "OCEABD";
	char order[7] = "";
	unsigned same = 0;

	cr_assert_eq(ll_cna_init(&lock, &params), 0);
	for (unsigned i = 0; i < 6; i++)
		cr_assert_eq(ll_cna_enqueue(&lock, waiter(i, node_of[i])), i == 0,
			     "only the first finds the lock free");
	for (unsigned step = 0; step < 6; step++) {
		struct ll_cna_ctx *owner = holder(6);
		cr_assert_not_null(owner, "step %u: exactly one holder", step);
		unsigned index = (unsigned)(owner - nodes);
		order[step] = name[index];
		if (step > 0 && node_of[index] == node_of[strchr(name, order[step - 1]) - name])
			same++;
		ll_cna_unlock(&lock, owner);
		/* A released node reads as not granted until it queues again. */
		ck_pr_store_ptr(&owner->spin, NULL);
	}
	cr_expect_str_eq(order, want, "grant order %s, want %s", order, want);
	cr_expect_eq(same, 4, "4 of 5 hand-offs stay on a node");
	cr_expect_null(lock.tail, "the lock is free at the end");
}

Test(numa_locks, cna_remote_waiters_wait_at_most_the_local_limit)
{
	struct ll_params params = { .max_threads = 128, .numa_nodes = 2 };
	const unsigned locals = LL_CNA_LOCAL_LIMIT + 20;

	cr_assert_lt(locals + 2, 128);
	cr_assert_eq(ll_cna_init(&lock, &params), 0);
	/* O (node 0) holds; R (node 1) queues first; then a crowd of node 0. */
	cr_assert(ll_cna_enqueue(&lock, waiter(0, 0)));
	cr_assert_not(ll_cna_enqueue(&lock, waiter(1, 1)));
	for (unsigned i = 0; i < locals; i++)
		cr_assert_not(ll_cna_enqueue(&lock, waiter(2 + i, 0)));
	unsigned handoffs = 0;
	for (;;) {
		struct ll_cna_ctx *owner = holder(locals + 2);
		cr_assert_not_null(owner);
		if (owner == &nodes[1])
			break;
		cr_assert_lt(handoffs, locals + 1, "R never got the lock");
		ll_cna_unlock(&lock, owner);
		ck_pr_store_ptr(&owner->spin, NULL);
		handoffs++;
	}
	cr_expect_eq(handoffs, LL_CNA_LOCAL_LIMIT + 1,
		     "O's hand-off and LL_CNA_LOCAL_LIMIT more inside node 0 (%u), then R: %u",
		     LL_CNA_LOCAL_LIMIT, handoffs);
}

/*
 * Cohorting's promise, checked by the lock's semantics rather than by timing: A
 * (node 0) holds; C (node 1) has taken its node's local lock and waits on the
 * global one; then B (node 0) waits on node 0's local lock. When A unlocks, a
 * waiter of its own node exists, so A passes the lock locally and keeps the
 * global lock held: B must be next, however the threads are scheduled. (With
 * the node mapping wrong, C and B would share a local queue and C, first in
 * it, would win.) Each wait polls for an event and fails after 10 s.
 */
#define COHORT_HANDOFF_TEST(name, local_locked)                                            \
	struct name##_waiter {                                                              \
		struct ll_##name *lock;                                                     \
		struct ll_##name##_ctx ctx;                                                 \
		unsigned id;                                                                \
		unsigned *first;                                                            \
	};                                                                                  \
	static void *name##_waiter_main(void *arg)                                          \
	{                                                                                   \
		struct name##_waiter *w = arg;                                              \
		ll_##name##_lock(w->lock, &w->ctx);                                         \
		ck_pr_cas_uint(w->first, 0, w->id);                                         \
		ll_##name##_unlock(w->lock, &w->ctx);                                       \
		return NULL;                                                                \
	}                                                                                   \
	static void name##_local_pass(void)                                                 \
	{                                                                                   \
		struct ll_params params = { .max_threads = 3, .numa_nodes = 2 };            \
		struct ll_##name *l = ll_lock_new(ll_find(#name), &params);                 \
		struct ll_##name##_ctx a;                                                   \
		unsigned first = 0;                                                         \
		struct name##_waiter b = { l, { 0 }, 'B', &first }, c = { l, { 0 }, 'C', &first }; \
		pthread_t tb, tc;                                                           \
                                                                                            \
		cr_assert_not_null(l);                                                      \
		ll_##name##_ctx_init(l, &a, 0, 0);                                          \
		ll_##name##_ctx_init(l, &b.ctx, 1, 0);                                      \
		ll_##name##_ctx_init(l, &c.ctx, 2, 1);                                      \
		ll_##name##_lock(l, &a);                                                    \
		cr_assert_eq(pthread_create(&tc, NULL, name##_waiter_main, &c), 0);         \
		for (unsigned i = 0; !local_locked(&l->nodes[1].local); i++) {             \
			cr_assert_lt(i, 10000, "C never took node 1's local lock");        \
			usleep(1000);                                                       \
		}                                                                           \
		cr_assert_eq(pthread_create(&tb, NULL, name##_waiter_main, &b), 0);         \
		for (unsigned i = 0; ck_pr_load_uint(&l->nodes[0].cohort.waiting_threads) == 0; \
		     i++) {                                                                 \
			cr_assert_lt(i, 10000, "B never queued on node 0");                 \
			usleep(1000);                                                       \
		}                                                                           \
		ll_##name##_unlock(l, &a);                                                  \
		cr_assert_eq(pthread_join(tb, NULL), 0);                                    \
		cr_assert_eq(pthread_join(tc, NULL), 0);                                    \
		cr_expect_eq(first, 'B', #name ": %c held the lock after A, want B", first); \
		ll_lock_free(ll_find(#name), l);                                            \
	}

COHORT_HANDOFF_TEST(ck_cohort_fas, ck_spinlock_fas_locked)
COHORT_HANDOFF_TEST(ck_cohort_ticket, ck_spinlock_ticket_locked)

Test(numa_locks, cohort_locks_pass_to_a_waiter_of_their_own_node_first, .timeout = 60)
{
	for (int round = 0; round < 5; round++) {
		ck_cohort_fas_local_pass();
		ck_cohort_ticket_local_pass();
	}
}
