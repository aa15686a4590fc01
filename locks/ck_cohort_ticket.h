/*
 * ck_cohort_ticket: lock cohorting (see ck_cohort_fas.h) with ck's ticket lock
 * as the global lock and as each NUMA node's local lock: FIFO within a node,
 * FIFO between the nodes' turns, and a node keeps the lock for at most
 * LL_CK_COHORT_PASS_LIMIT local hand-offs while others wait. A thread-oblivious
 * global lock is what cohorting needs: a ticket lock taken on one thread may be
 * released by another of the same node. No trylock: ck 0.7.1 has a ticket
 * trylock only on some architectures, and a cohort trylock needs one at both
 * levels.
 */
#ifndef LL_CK_COHORT_TICKET_H
#define LL_CK_COHORT_TICKET_H

#include <ck_cohort.h>
#include <ck_spinlock.h>

#include "locks/base/cohort.h"
#include "locks/base/lock.h"

LL_COHORT_DEFINE(ck_cohort_ticket, ck_spinlock_ticket_t, ck_spinlock_ticket_init,
		 ck_spinlock_ticket_lock, ck_spinlock_ticket_unlock, ck_spinlock_ticket_locked)

#endif
