/*
 * locks/parking: eventual fairness. A waiter parked for LL_PARKING_FAIR_NS is
 * handed the lock at the next unlock; a younger one competes with newcomers.
 * The deterministic tests pin down each path; the barging test checks the bound
 * that fairness promises under a workload built to starve someone.
 */
#include "locks/parking.h"

#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "locks/base/spin.h"

static uint64_t parking_test_now_ns(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}

static void parking_test_sleep_us(long us)
{
	struct timespec ts = { .tv_sec = us / 1000000, .tv_nsec = us % 1000000 * 1000 };

	while (nanosleep(&ts, &ts) != 0)
		;
}

static unsigned parking_test_online_cpus(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus > 0 ? (unsigned)cpus : 1;
}

/* One waiter for the deterministic tests: it takes the lock, notes when, and
 * lets go. */
struct parking_test_waiter {
	struct ll_parking *lock;
	uint64_t got_lock_ns;
};

static void *parking_test_waiter_main(void *arg)
{
	struct parking_test_waiter *w = arg;

	ll_parking_lock(w->lock, NULL);
	ck_pr_store_64(&w->got_lock_ns, parking_test_now_ns());
	ll_parking_unlock(w->lock, NULL);
	return NULL;
}

/* Called holding the lock: returns once another thread has announced that it
 * is parking. *not_yet_ns is the last time the announcement was still missing
 * (0 if it was there at once), so the waiter parked no earlier than that. */
static void parking_test_wait_for_parked_bit(struct ll_parking *lock, uint64_t *not_yet_ns)
{
	for (;;) {
		uint64_t before = parking_test_now_ns();

		if (ck_pr_load_8(&lock->state) & LL_PARKING_PARKED)
			return;
		*not_yet_ns = before;
		parking_test_sleep_us(20);
	}
}

Test(parking, an_old_waiter_is_handed_the_lock, .timeout = 30)
{
	struct ll_parking lock;
	struct parking_test_waiter waiter = { .lock = &lock };
	pthread_t thread;
	uint64_t not_yet_ns = 0, handoffs_before, unlocked_ns;
	bool barged;

	ll_parking_init(&lock, NULL);
	ll_parking_lock(&lock, NULL);
	cr_assert_eq(pthread_create(&thread, NULL, parking_test_waiter_main, &waiter), 0);
	parking_test_wait_for_parked_bit(&lock, &not_yet_ns);
	/* Five bounds, so the waiter is queued and old even if it was descheduled
	 * between setting the bit and queuing. */
	parking_test_sleep_us(5 * LL_PARKING_FAIR_NS / 1000);
	handoffs_before = ll_parking_handoffs();
	unlocked_ns = parking_test_now_ns();
	ll_parking_unlock(&lock, NULL);
	/* Handed over, not released: the byte never read free, so we cannot barge
	 * back in, however soon we try and whether or not the waiter has run yet. */
	barged = ll_parking_trylock(&lock, NULL);
	if (barged)
		ll_parking_unlock(&lock, NULL);
	cr_expect_not(barged, "the unlocker barged past an old waiter");
	cr_assert_eq(pthread_join(thread, NULL), 0);
	cr_expect_eq(ll_parking_handoffs(), handoffs_before + 1);
	cr_expect_geq(waiter.got_lock_ns, unlocked_ns);
	cr_expect_eq(ck_pr_load_8(&lock.state), 0, "the waiter's unlock left 0x%x",
		     ck_pr_load_8(&lock.state));
	ll_parking_destroy(&lock);
}

/* The other side: a waiter younger than the bound is only woken (the lock is
 * released and barging stays possible), so no hand-off is counted. Attempts
 * where this thread was descheduled long enough to age the waiter past half the
 * bound prove nothing and are retried. */
Test(parking, a_young_waiter_is_only_woken, .timeout = 30)
{
	unsigned conclusive = 0;

	for (unsigned attempt = 0; attempt < 20 && conclusive < 3; attempt++) {
		struct ll_parking lock;
		struct parking_test_waiter waiter = { .lock = &lock };
		pthread_t thread;
		uint64_t not_yet_ns = 0, handoffs_before, unlocked_ns;

		ll_parking_init(&lock, NULL);
		ll_parking_lock(&lock, NULL);
		cr_assert_eq(pthread_create(&thread, NULL, parking_test_waiter_main, &waiter), 0);
		parking_test_wait_for_parked_bit(&lock, &not_yet_ns);
		/* Long enough for the waiter to queue, a tenth of the bound. */
		parking_test_sleep_us(LL_PARKING_FAIR_NS / 10000);
		handoffs_before = ll_parking_handoffs();
		ll_parking_unlock(&lock, NULL);
		unlocked_ns = parking_test_now_ns();
		cr_assert_eq(pthread_join(thread, NULL), 0);
		ll_parking_destroy(&lock);
		if (not_yet_ns == 0 || unlocked_ns - not_yet_ns > LL_PARKING_FAIR_NS / 2)
			continue;
		conclusive++;
		cr_expect_eq(ll_parking_handoffs(), handoffs_before,
			     "a waiter parked for under %llu us was handed the lock",
			     (unsigned long long)(unlocked_ns - not_yet_ns) / 1000);
	}
	cr_expect_geq(conclusive, 3, "this machine never woke the waiter within half the bound");
}

/*
 * The barging workload: more threads than CPUs hammer one lock, every
 * acquisition timed around lock(). Without hand-off a woken waiter keeps losing
 * to running threads (the lock is free for nanoseconds between a holder's
 * unlock and its next lock, while a woken thread needs microseconds to run).
 *
 * What is bounded is the wait the lock causes: the wall-clock wait minus the
 * waiter's own run-queue delay over it (Linux's /proc/thread-self/schedstat),
 * i.e. time parked or spinning, not time runnable without a CPU. Wall clock
 * alone bounds the scheduler: 8 threads that only spin, with no lock at all,
 * see gaps of 12-40 ms on this suite's 2-vCPU machine (a 4 ms tick), and
 * neighbours' load adds more; both are reported, only the first is asserted.
 *
 * The bound is LL_PARKING_FAIR_NS plus one hold plus a scheduling allowance for
 * what our own run-queue delay misses: others' time off a CPU while they own
 * the lock, i.e. a holder preempted mid-section or a waiter just handed the lock
 * waiting to run, possibly several in a row as the older waiters ahead are
 * handed the lock in turn. How long one owner can wait for a CPU is measured,
 * not guessed: the longest run-queue delay any thread had in one wait of this
 * run (1-7 ms behind a 5 us hold on a quiet 2-vCPU machine; 20-500 ms when
 * neighbours load it). The allowance is that plus five scheduler ticks at
 * 250 Hz (20 ms) for a few shorter ones in a row.
 *
 * Seen here over 0.5 s with 8 threads on 2 vCPUs behind a 5 us hold: waits the
 * lock caused of at most 0.3-2.3 ms on a quiet machine, up to 16 ms (once 63 ms,
 * with 24 ms run-queue delays) under neighbours' load; the lock before hand-off
 * caused up to 72 ms on a quiet machine. A preemption at a bad moment can still
 * land past the allowance, so violations are counted: at most one in ten
 * thousand acquisitions, and one is always forgiven.
 */
#define BARGING_RUN_NS 500000000u
#define BARGING_TICKS_NS 20000000u
/* Lock-caused waits past LL_PARKING_FAIR_NS are kept to be judged once the run's
 * longest run-queue delay is known; past this many per thread, the rest count
 * as violations. */
#define BARGING_LONG_WAITS 512

struct barging_thread {
	struct ll_parking *lock;
	uint64_t *shared_counter;
	const uint64_t *stop;
	uint32_t hold_pauses;
	bool schedstat_read;
	uint64_t acquisitions;
	uint64_t longest_wall_ns;
	uint64_t longest_run_delay_ns;
	uint64_t longest_lock_wait_ns;
	unsigned long_wait_count;
	uint64_t long_waits_ns[BARGING_LONG_WAITS];
} __attribute__((aligned(LL_PAD)));

/* Ns this thread has spent runnable without a CPU, or false when the kernel
 * does not keep the figure (CONFIG_SCHED_INFO). */
static bool barging_run_delay(int schedstat, uint64_t *delay_ns)
{
	char text[96];
	unsigned long long running, waiting;
	ssize_t got = pread(schedstat, text, sizeof text - 1, 0);

	if (got <= 0)
		return false;
	text[got] = '\0';
	if (sscanf(text, "%llu %llu", &running, &waiting) != 2)
		return false;
	*delay_ns = waiting;
	return true;
}

static void *barging_thread_main(void *arg)
{
	struct barging_thread *t = arg;
	int schedstat = open("/proc/thread-self/schedstat", O_RDONLY);
	uint64_t probe;

	t->schedstat_read = schedstat >= 0 && barging_run_delay(schedstat, &probe);
	while (ck_pr_load_64(t->stop) == 0) {
		/* Delays read inside the timed span, so a preemption anywhere in it is
		 * both timed and subtracted; the second read holds the lock ~1 us. */
		uint64_t start = parking_test_now_ns(), delay_before = 0, delay_after = 0;
		uint64_t wall, run_delay, lock_wait;

		if (t->schedstat_read)
			barging_run_delay(schedstat, &delay_before);
		ll_parking_lock(t->lock, NULL);
		if (t->schedstat_read)
			barging_run_delay(schedstat, &delay_after);
		wall = parking_test_now_ns() - start;
		/* Not atomic on purpose: exclusion keeps the count exact. */
		*t->shared_counter += 1;
		for (uint32_t i = 0; i < t->hold_pauses; i++)
			ck_pr_stall();
		ll_parking_unlock(t->lock, NULL);
		run_delay = delay_after - delay_before;
		lock_wait = wall > run_delay ? wall - run_delay : 0;
		t->acquisitions++;
		if (wall > t->longest_wall_ns)
			t->longest_wall_ns = wall;
		if (run_delay > t->longest_run_delay_ns)
			t->longest_run_delay_ns = run_delay;
		if (lock_wait > t->longest_lock_wait_ns)
			t->longest_lock_wait_ns = lock_wait;
		if (lock_wait > LL_PARKING_FAIR_NS) {
			if (t->long_wait_count < BARGING_LONG_WAITS)
				t->long_waits_ns[t->long_wait_count] = lock_wait;
			t->long_wait_count++;
		}
	}
	if (schedstat >= 0)
		close(schedstat);
	return NULL;
}

static void barging_run(uint64_t hold_ns)
{
	unsigned thread_count = 4 * parking_test_online_cpus();
	struct barging_thread *threads = aligned_alloc(LL_PAD, thread_count * sizeof *threads);
	pthread_t *ids = calloc(thread_count, sizeof *ids);
	struct ll_parking lock;
	uint64_t counter = 0, stop = 0, handoffs, acquisitions = 0, over = 0;
	uint64_t longest_wall = 0, longest_lock_wait = 0, longest_run_delay = 0, limit_ns;
	bool schedstat_read = true;

	cr_assert_not_null(threads);
	cr_assert_not_null(ids);
	ll_parking_init(&lock, NULL);
	handoffs = ll_parking_handoffs();
	for (unsigned i = 0; i < thread_count; i++) {
		threads[i] = (struct barging_thread){ .lock = &lock, .shared_counter = &counter,
						      .stop = &stop,
						      .hold_pauses = ll_spin_pauses(hold_ns) };
		cr_assert_eq(pthread_create(&ids[i], NULL, barging_thread_main, &threads[i]), 0);
	}
	parking_test_sleep_us(BARGING_RUN_NS / 1000);
	ck_pr_store_64(&stop, 1);
	for (unsigned i = 0; i < thread_count; i++) {
		cr_assert_eq(pthread_join(ids[i], NULL), 0);
		acquisitions += threads[i].acquisitions;
		schedstat_read = schedstat_read && threads[i].schedstat_read;
		if (threads[i].longest_wall_ns > longest_wall)
			longest_wall = threads[i].longest_wall_ns;
		if (threads[i].longest_run_delay_ns > longest_run_delay)
			longest_run_delay = threads[i].longest_run_delay_ns;
		if (threads[i].longest_lock_wait_ns > longest_lock_wait)
			longest_lock_wait = threads[i].longest_lock_wait_ns;
		cr_expect_gt(threads[i].acquisitions, 0, "thread %u never got the lock", i);
	}
	handoffs = ll_parking_handoffs() - handoffs;
	limit_ns = LL_PARKING_FAIR_NS + hold_ns + BARGING_TICKS_NS + longest_run_delay;
	for (unsigned i = 0; i < thread_count; i++) {
		const struct barging_thread *t = &threads[i];
		unsigned kept = t->long_wait_count < BARGING_LONG_WAITS ? t->long_wait_count
									: BARGING_LONG_WAITS;

		over += t->long_wait_count - kept;
		for (unsigned j = 0; j < kept; j++)
			over += t->long_waits_ns[j] > limit_ns;
	}
	cr_log_info("parking barging, hold %llu ns: %u threads, %llu acquisitions, %llu "
		    "hand-offs; longest wait %.2f ms wall, %.2f ms runnable without a CPU, "
		    "%.2f ms caused by the lock; %llu over %.2f ms",
		    (unsigned long long)hold_ns, thread_count, (unsigned long long)acquisitions,
		    (unsigned long long)handoffs, longest_wall / 1e6, longest_run_delay / 1e6,
		    longest_lock_wait / 1e6, (unsigned long long)over, limit_ns / 1e6);
	cr_expect_eq(counter, acquisitions, "lost updates: mutual exclusion failed");
	cr_expect_gt(handoffs, 0, "no waiter ever aged past the bound: the workload did not barge");
	if (schedstat_read)
		cr_expect_leq(over, acquisitions / 10000 + 1,
			      "%llu of %llu waits caused by the lock over %.2f ms (longest %.2f ms)",
			      (unsigned long long)over, (unsigned long long)acquisitions,
			      limit_ns / 1e6, longest_lock_wait / 1e6);
	else
		cr_log_warn("no /proc/thread-self/schedstat: the wait bound was not checked");
	ll_parking_destroy(&lock);
	free(ids);
	free(threads);
}

/* A tiny critical section (~100 ns): on few CPUs the CPU more than the lock is
 * what threads queue for, so hand-offs are fewer and waits mostly run-queue. */
Test(parking, tiny_holds_barge_but_waits_stay_bounded, .timeout = 60)
{
	barging_run(100);
}

/* A short one (5 us): the lock is saturated and every release is a race between
 * the releaser, still running, and a waiter that must first wake up; this is
 * where the lock without hand-off starved waiters for tens of ms. */
Test(parking, short_holds_barge_but_waits_stay_bounded, .timeout = 60)
{
	barging_run(5000);
}
