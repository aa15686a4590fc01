/*
 * ck_cohort_fas: Concurrency Kit's lock cohorting (Dice, Marathe and Shavit) with
 * a fas spinlock as the global lock and one fas spinlock per NUMA node. A thread
 * takes its node's local lock, then the global one only if the previous owner
 * released it; an owner with a waiter on its own node passes the lock on locally
 * (up to LL_CK_COHORT_PASS_LIMIT times in a row) without touching the global lock,
 * so the lock and the data it guards stay on one node while that node has work.
 * Each node's cohort (local lock and counters) has its own padded line; the
 * context says which node's cohort a thread uses.
 */
#ifndef LL_CK_COHORT_FAS_H
#define LL_CK_COHORT_FAS_H

#include <ck_cohort.h>
#include <ck_spinlock.h>

#include "locks/base/cohort.h"
#include "locks/base/lock.h"

LL_COHORT_DEFINE_TRY(ck_cohort_fas, ck_spinlock_fas_t, ck_spinlock_fas_init,
		     ck_spinlock_fas_lock, ck_spinlock_fas_unlock, ck_spinlock_fas_locked,
		     ck_spinlock_fas_trylock)

#endif
