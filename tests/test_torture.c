#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <ck_pr.h>
#include <sched.h>
#include <unistd.h>

#include "harness/torture.h"

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

Test(torture, broken_is_caught_every_time, .timeout = 60)
{
	const struct ll_info *broken = ll_find("broken");

	for (uint64_t seed = 1; seed <= 5; seed++) {
		struct torture_config config = { .threads = 4 * online_cpus(), .seconds = 0.2,
						 .seed = seed, .numa_nodes = 1 };
		struct torture_result r;

		cr_assert_eq(torture_isolated(broken, &config, &r), 0);
		cr_expect(torture_failed(&r), "seed %llu: broken passed torture",
			  (unsigned long long)seed);
		cr_expect_gt(r.exclusion_violations + r.lost_updates, 0);
	}
}

/* On one CPU only preemption interleaves threads: the checker must still see it. */
Test(torture, broken_is_caught_on_one_cpu, .timeout = 60)
{
	cpu_set_t one;
	struct torture_config config = { .threads = 8, .seconds = 0.3, .seed = 11,
					 .numa_nodes = 1 };
	struct torture_result r;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	cr_assert_eq(sched_setaffinity(0, sizeof one, &one), 0);
	cr_assert_eq(torture_isolated(ll_find("broken"), &config, &r), 0);
	cr_expect(torture_failed(&r), "broken passed torture on one CPU");
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
