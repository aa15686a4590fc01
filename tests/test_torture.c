#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <ck_pr.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/torture.h"
#include "locks/base/inject.h"

/* Every real lock at 2x and 4x oversubscription of the online CPUs. */
struct torture_case {
	size_t lock_index;
	unsigned oversubscription;
};

ParameterizedTestParameters(torture, real_lock_passes)
{
	static struct torture_case cases[2 * 64];
	size_t n = 0;

	for (size_t i = 0; i < ll_registry_count && n + 2 <= 2 * 64; i++) {
		if (ll_registry[i].control)
			continue;
		cases[n++] = (struct torture_case){ i, 2 };
		cases[n++] = (struct torture_case){ i, 4 };
	}
	return cr_make_param_array(struct torture_case, cases, n);
}

static unsigned online_cpus(void)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	return cpus > 0 ? (unsigned)cpus : 1;
}

ParameterizedTest(struct torture_case *c, torture, real_lock_passes, .timeout = 60)
{
	const struct ll_info *info = &ll_registry[c->lock_index];
	struct torture_config config = { .threads = c->oversubscription * online_cpus(),
					 .seconds = 0.25, .seed = 7, .numa_nodes = 1 };
	struct torture_result r;

	cr_assert_eq(torture_isolated(info, &config, &r), 0, "%s could not run", info->name);
	cr_expect_not(r.timed_out, "%s timed out", info->name);
	cr_expect_eq(r.crash_signal, 0, "%s crashed", info->name);
	cr_expect_eq(r.exclusion_violations, 0, "%s", info->name);
	cr_expect_eq(r.lost_updates, 0, "%s", info->name);
	cr_expect_eq(r.rw_violations, 0, "%s", info->name);
	cr_expect_eq(r.semantic_failures, 0, "%s: %s", info->name, r.first_failure);
	cr_expect_gt(r.acquisitions, 0, "%s made no progress", info->name);
	if (ll_is_rw(info))
		cr_expect_gt(r.reads, 0, "%s: no reads", info->name);
}

/*
 * The negative controls, each as weak as its bug allows: broken (test then set,
 * nothing between) for mutual exclusion, broken_rw (a writer that does not wait
 * for readers) for reader/writer exclusion. Every seed must catch each within
 * 0.5 s with the injector at torture's default, on two CPUs and on one, where
 * only a preemption interleaves threads. The deterministic checks must not be
 * what catches them (the stress must), and broken_rw's writers must exclude each
 * other. The rate without injection is logged, not asserted: it is what the
 * injector buys, and on one CPU broken is seldom caught without it.
 */
struct control_case {
	char lock[16];
	unsigned cpus;
};

ParameterizedTestParameters(torture, control_is_caught_by_every_seed)
{
	static struct control_case cases[] = {
		{ "broken", 2 }, { "broken", 1 }, { "broken_rw", 2 }, { "broken_rw", 1 },
	};
	return cr_make_param_array(struct control_case, cases, sizeof cases / sizeof cases[0]);
}

#define CONTROL_SEEDS 20

static bool control_caught(const struct ll_info *info, const struct torture_result *r)
{
	if (r->caught_after_s <= 0)
		return false;
	return ll_is_rw(info) ? r->rw_violations > 0 : r->exclusion_violations > 0;
}

ParameterizedTest(struct control_case *c, torture, control_is_caught_by_every_seed,
		  .timeout = 120)
{
	const struct ll_info *info = ll_find(c->lock);
	unsigned caught_without = 0;
	double slowest = 0;

	cr_assert_not_null(info);
	for (uint64_t seed = 1; seed <= CONTROL_SEEDS; seed++) {
		struct torture_config config = {
			.threads = 8, .seconds = 0.5, .seed = seed, .numa_nodes = 1,
			.inject_one_in = TORTURE_INJECT_DEFAULT, .cpus = c->cpus,
			.stop_on_violation = true,
		};
		struct torture_result r;

		cr_assert_eq(torture_isolated(info, &config, &r), 0);
		cr_expect(control_caught(info, &r), "%s, seed %llu, %u CPU(s): not caught in 0.5 s",
			  c->lock, (unsigned long long)seed, c->cpus);
		cr_expect_eq(r.semantic_failures, 0, "%s: %s", c->lock, r.first_failure);
		if (ll_is_rw(info))
			cr_expect_eq(r.exclusion_violations + r.lost_updates, 0,
				     "broken_rw's writers must exclude each other");
		if (r.caught_after_s > slowest)
			slowest = r.caught_after_s;

		config.inject_one_in = 0;
		cr_assert_eq(torture_isolated(info, &config, &r), 0);
		caught_without += control_caught(info, &r);
	}
	cr_log_info("%s on %u CPU(s): caught by %d/%d seeds within 0.5 s with inject 1 in %u "
		    "(slowest after %.3f s); %u/%d without injection",
		    c->lock, c->cpus, CONTROL_SEEDS, CONTROL_SEEDS, TORTURE_INJECT_DEFAULT, slowest,
		    caught_without, CONTROL_SEEDS);
}

/* Real locks under the injector, where their holders lose the CPU inside critical
 * sections and their waiters must cope: a queue spin lock, a ticket lock, a spin
 * and a parking rw lock, the FIFO hand-off lock, the parking-lot lock. */
struct injected_case {
	char lock[16];
	unsigned cpus;
};

ParameterizedTestParameters(torture, real_lock_passes_with_injection)
{
	static const char *const locks[] = { "ck_mcs",  "ck_ticket", "ck_rwlock",
					     "pthread_rwlock", "fairq", "parking" };
	static struct injected_case cases[2 * sizeof locks / sizeof locks[0]];
	size_t n = 0;

	for (size_t i = 0; i < sizeof locks / sizeof locks[0]; i++)
		for (unsigned cpus = 1; cpus <= 2; cpus++) {
			snprintf(cases[n].lock, sizeof cases[n].lock, "%s", locks[i]);
			cases[n++].cpus = cpus;
		}
	return cr_make_param_array(struct injected_case, cases, n);
}

ParameterizedTest(struct injected_case *c, torture, real_lock_passes_with_injection,
		  .timeout = 60)
{
	const struct ll_info *info = ll_find(c->lock);
	struct torture_config config = { .threads = 8, .seconds = 0.2, .seed = 5,
					 .numa_nodes = 1, .inject_one_in = TORTURE_INJECT_DEFAULT,
					 .cpus = c->cpus };
	struct torture_result r;

	cr_assert_not_null(info, "%s is not registered", c->lock);
	cr_assert_eq(torture_isolated(info, &config, &r), 0, "%s could not run", c->lock);
	cr_expect_not(torture_failed(&r),
		      "%s on %u CPU(s): %llu exclusion, %llu lost, %llu rw, %s%s", c->lock,
		      c->cpus, (unsigned long long)r.exclusion_violations,
		      (unsigned long long)r.lost_updates, (unsigned long long)r.rw_violations,
		      r.timed_out ? "timed out " : "", r.first_failure);
	cr_expect_gt(r.acquisitions, 0, "%s made no progress", c->lock);
	cr_log_info("%s on %u CPU(s) with inject 1 in %u: %llu writes, %llu reads, %llu yields",
		    c->lock, c->cpus, TORTURE_INJECT_DEFAULT, (unsigned long long)r.acquisitions,
		    (unsigned long long)r.reads, (unsigned long long)r.yields);
}

/* The injector alone: 1 in K on average, the same decisions for the same seed, and
 * nothing at all when off. */
Test(torture, injector_yields_one_in_k_by_seed)
{
	uint64_t first;

	ll_inject_start(42, 8);
	for (int i = 0; i < 8000; i++)
		ll_inject_point();
	first = ll_inject_state.yields;
	cr_expect(first > 800 && first < 1200, "%llu yields at 1 in 8 of 8000 points",
		  (unsigned long long)first);
	ll_inject_start(42, 8);
	for (int i = 0; i < 8000; i++)
		ll_inject_point();
	cr_expect_eq(ll_inject_state.yields, first, "the same seed, other decisions");
	ll_inject_start(42, 0);
	for (int i = 0; i < 8000; i++)
		ll_inject_point();
	cr_expect_eq(ll_inject_state.yields, 0);
}

Test(torture, null_lock_fails_the_deterministic_checks_too)
{
	struct torture_config config = { .threads = 2, .seconds = 0.05, .seed = 1,
					  .numa_nodes = 1 };
	struct torture_result r;

	cr_assert_eq(torture_isolated(ll_find("null"), &config, &r), 0);
	cr_expect_gt(r.semantic_failures, 0);
	cr_expect(strstr(r.first_failure, "got in while the lock was held") != NULL, "%s",
		  r.first_failure);
}

Test(torture, hclh_passes_with_contexts_on_four_nodes, .timeout = 60)
{
	struct torture_config config = { .threads = 4 * online_cpus(), .seconds = 0.25,
					 .seed = 3, .numa_nodes = 4 };
	struct torture_result r;

	cr_assert_eq(torture_isolated(ll_find("ck_hclh"), &config, &r), 0);
	cr_expect_not(torture_failed(&r));
	cr_expect_gt(r.acquisitions, 0);
}

/* A lock whose lock() never returns: the watchdog must report it, not hang. */
static unsigned never_free;
static int hang_init(void *l, const struct ll_params *p)
{
	(void)l, (void)p;
	return 0;
}
static void hang_noop(void *l)
{
	(void)l;
}
static void hang_ctx(void *l, void *c, unsigned t, unsigned n)
{
	(void)l, (void)c, (void)t, (void)n;
}
static void hang_ctx_fini(void *l, void *c)
{
	(void)l, (void)c;
}
static void hang_lock(void *l, void *c)
{
	(void)l, (void)c;
	while (ck_pr_load_uint(&never_free) == 0)
		ck_pr_stall();
}

Test(torture, watchdog_reports_a_lock_that_never_returns, .timeout = 30)
{
	struct ll_info hang = {
		.name = "hang", .family = "test", .kind = LL_KIND_SPIN, .policy = LL_POLICY_SPIN,
		.lock_bytes = 4,
		.ops = { .init = hang_init, .destroy = hang_noop, .ctx_init = hang_ctx,
			 .ctx_fini = hang_ctx_fini, .lock = hang_lock, .unlock = hang_ctx_fini,
			 .read_lock = hang_lock, .read_unlock = hang_ctx_fini,
			 .write_lock = hang_lock, .write_unlock = hang_ctx_fini },
	};
	struct torture_config config = { .threads = 2, .seconds = 0.1, .seed = 1,
					 .numa_nodes = 1, .watchdog_seconds = 1.0 };
	struct torture_result r;

	cr_assert_eq(torture_isolated(&hang, &config, &r), 0);
	cr_expect(r.timed_out);
	cr_expect(torture_failed(&r));
}

/* A thread torture cannot start fails the lock loudly, never a silent pass or a
 * hang at the start barrier: an address-space limit leaves no room for 200
 * thread stacks. */
Test(torture, a_thread_that_cannot_start_fails_loudly, .timeout = 60)
{
	char command[512], text[4096] = "";
	const char *locklab = getenv("LOCKLAB") ? getenv("LOCKLAB") : "build/locklab";

	if (getenv("ASAN_OPTIONS") != NULL || getenv("TSAN_OPTIONS") != NULL)
		cr_skip_test("a sanitizer reserves terabytes of address space: no limit applies");
	snprintf(command, sizeof command,
		 "sh -c 'ulimit -v 400000; exec %s torture --lock ck_fas --threads 200 "
		 "--seconds 0.1' > /tmp/locklab-torture-limit.txt 2>&1; echo \"exit $?\" >> "
		 "/tmp/locklab-torture-limit.txt",
		 locklab);
	cr_assert_eq(system(command), 0);
	FILE *in = fopen("/tmp/locklab-torture-limit.txt", "r");
	cr_assert_not_null(in);
	size_t n = fread(text, 1, sizeof text - 1, in);
	text[n] = '\0';
	fclose(in);
	unlink("/tmp/locklab-torture-limit.txt");
	cr_expect_not_null(strstr(text, "pthread_create"), "the cause is named:\n%s", text);
	cr_expect_not_null(strstr(text, "exit 1"), "a failed lock is exit 1:\n%s", text);
}
