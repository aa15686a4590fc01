/*
 * harness/vm_host: every site vmcore creates is in the site registry; --site
 * overrides give a site its own primitive (rw ops where it has them) and refuse
 * bad entries with one line; lock bytes per site against sizeof; the site profile
 * times every acquisition it counts and leaves the guest's work as it was.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "common/histogram.h"
#include "harness/vm_host.h"
#include "harness/vm_image.h"
#include "tests/run_locklab.h"
#include "vmcore/vm.h"

static struct run_output run;

/* Runs elf under options; fills sites (at most 16) and returns their count. */
static size_t run_sites(const struct vm_host_options *options, const char *elf, unsigned harts,
			unsigned workers, bool deterministic, struct vm_host_site *sites,
			struct vm_host *host)
{
	struct vm_config config = { .harts = harts, .workers = workers, .quantum = 5000,
				    .mem_mib = 64, .stripes = 8, .timeout_s = 60,
				    .deterministic = deterministic };
	struct vm_image image;
	struct vm_error error;
	struct vm_result result;
	char why[512];
	struct vm *vm;

	cr_assert_eq(vm_image_read(elf, &image, why, sizeof why), 0, "%s: %s", elf, why);
	config.elf_image = image.bytes;
	config.elf_bytes = image.size;
	cr_assert_eq(vm_host_open(options, host, why, sizeof why), 0, "%s", why);
	vm = vm_create(&config, host, &error);
	vm_image_free(&image);
	cr_assert(vm != NULL, "%s: %s", error.value, error.why);
	cr_assert_eq(vm_run(vm, &result, &error), 0);
	cr_expect_eq(result.outcome, VM_OUTCOME_PASS, "%s under %s: %s", elf, options->lock,
		     vm_outcome_name(result.outcome));
	vm_destroy(vm);
	return vm_host_sites(host, sites, 16);
}

static const struct vm_host_site *find_site(const struct vm_host_site *sites, size_t count,
					    const char *name)
{
	for (size_t i = 0; i < count; i++)
		if (strcmp(sites[i].name, name) == 0)
			return &sites[i];
	cr_assert_fail("no site %s", name);
	return NULL;
}

Test(vm_host, every_site_created_is_in_the_registry, .timeout = 60)
{
	static const char *const guests[] = { "io.elf", "atomics.elf", "smc.elf", "timer.elf" };
	struct vm_host_options options = { .lock = "pthread_mutex" };
	struct vm_host_site sites[16];
	struct vm_host host;

	for (size_t g = 0; g < sizeof guests / sizeof guests[0]; g++) {
		size_t count = run_sites(&options, test_guest(guests[g]), 2, 2, false, sites, &host);

		cr_expect_gt(count, 0);
		for (size_t i = 0; i < count; i++) {
			bool known = false;

			for (size_t k = 0; k < vm_host_site_count; k++)
				known |= strcmp(vm_host_site_names[k], sites[i].name) == 0;
			cr_expect(known, "%s: site %s is not in vm_host_site_names", guests[g],
				  sites[i].name);
		}
		vm_host_close(&host);
	}
}

Test(vm_host, site_overrides_choose_the_primitive, .timeout = 60)
{
	struct vm_host_options options = { .lock = "pthread_mutex",
					   .site_locks = "bcache=ck_rwlock,amo.stripe=ck_fas" };
	struct vm_host_site sites[16];
	struct vm_host host;
	size_t count = run_sites(&options, test_guest("atomics.elf"), 2, 2, false, sites, &host);

	const struct vm_host_site *bcache = find_site(sites, count, "bcache");
	cr_expect_str_eq(bcache->lock, "ck_rwlock");
	cr_expect(bcache->rw_ops, "bcache is an rw site and ck_rwlock has rw ops");
	const struct vm_host_site *stripe = find_site(sites, count, "amo.stripe");
	cr_expect_str_eq(stripe->lock, "ck_fas");
	cr_expect_gt(stripe->acquisitions, 0);
	const struct vm_host_site *runq = find_site(sites, count, "exec.runq");
	cr_expect_str_eq(runq->lock, "pthread_mutex");
	vm_host_close(&host);

	/* An rw site under a mutex runs the mutex form, and says so. */
	options.site_locks = NULL;
	count = run_sites(&options, test_guest("atomics.elf"), 1, 1, false, sites, &host);
	cr_expect_not(find_site(sites, count, "bcache")->rw_ops);
	vm_host_close(&host);
}

Test(vm_host, bad_overrides_are_one_line)
{
	static const struct {
		const char *site_locks, *why;
	} cases[] = {
		{ "bcahe=ck_mcs", "--site bcahe: unknown site (sites: exec.runq, bcache, amo.stripe, "
				  "uart, plic, clint, blk.queue, irq, pv.lock)" },
		{ "bcache=nope", "--site bcache=nope: unknown lock (see locklab list)" },
		{ "bcache=null", "--site bcache=null: a control lock gives no mutual exclusion; VM "
				 "lock sites need it" },
		{ "bcache=ck_swlock", "--site bcache=ck_swlock: a single-writer lock; VM lock sites "
				      "have many writers" },
		{ "bcache", "--site bcache: expected SITE=LOCK" },
		{ "bcache=ck_mcs,,uart=ck_mcs", "--site : expected SITE=LOCK" },
		{ "uart=ck_mcs,uart=ck_fas", "--site uart: given twice" },
	};
	struct vm_host host;
	char why[512];

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct vm_host_options options = { .lock = "ck_mcs",
						   .site_locks = cases[i].site_locks };

		cr_expect_eq(vm_host_open(&options, &host, why, sizeof why), -1, "%s",
			     cases[i].site_locks);
		cr_expect_str_eq(why, cases[i].why);
	}
	run_locklab(&run, "vm", "--elf", test_guest("atomics.elf"), "--site", "irq=nope", NULL);
	expect_usage_error(&run, "--site irq=nope: unknown lock");
}

Test(vm_host, lock_bytes_are_the_objects_sizes, .timeout = 60)
{
	struct vm_host_options options = { .lock = "pthread_mutex" };
	struct vm_host_site sites[16];
	struct vm_host host;
	size_t count = run_sites(&options, test_guest("atomics.elf"), 2, 2, false, sites, &host);

	/* pthread_mutex: no context, no init heap; 8 stripes of sizeof(pthread_mutex_t). */
	cr_expect_eq(find_site(sites, count, "amo.stripe")->locks, 8);
	cr_expect_eq(find_site(sites, count, "amo.stripe")->lock_bytes, 8 * sizeof(pthread_mutex_t));
	cr_expect_eq(find_site(sites, count, "exec.runq")->lock_bytes,
		     find_site(sites, count, "exec.runq")->locks * sizeof(pthread_mutex_t));
	vm_host_close(&host);
}

Test(vm_host, the_profile_times_every_acquisition, .timeout = 60)
{
	struct vm_host_options options = { .lock = "ck_mcs", .site_profile = true };
	struct vm_host_site sites[16];
	struct vm_host host;
	struct hist wait, hold;
	size_t count = run_sites(&options, test_guest("atomics.elf"), 4, 2, false, sites, &host);
	uint64_t waited = 0;

	for (size_t i = 0; i < count; i++) {
		vm_host_site_times(&host, i, &wait, &hold);
		cr_expect_eq(hist_count(&wait), sites[i].acquisitions, "%s", sites[i].name);
		cr_expect_eq(hist_count(&hold), sites[i].acquisitions, "%s: every hold ends",
			     sites[i].name);
		cr_expect_leq(sites[i].contended, sites[i].acquisitions);
		cr_expect_geq(sites[i].threshold_ns, 20.0);
		waited += wait.sum;
	}
	cr_expect_gt(find_site(sites, count, "amo.stripe")->acquisitions, 1000);
	cr_expect_gt(waited, 0);
	vm_host_close(&host);

	/* Without the profile nothing is timed. */
	options.site_profile = false;
	count = run_sites(&options, test_guest("atomics.elf"), 2, 2, false, sites, &host);
	for (size_t i = 0; i < count; i++) {
		vm_host_site_times(&host, i, &wait, &hold);
		cr_expect_eq(hist_count(&wait), 0);
		cr_expect_eq(sites[i].contended, 0);
	}
	vm_host_close(&host);
}

Test(vm_host, the_profile_leaves_deterministic_counts_alone, .timeout = 60)
{
	struct vm_host_options plain = { .lock = "parking" };
	struct vm_host_options profiled = { .lock = "parking", .site_profile = true };
	struct vm_host_site a[16], b[16];
	struct vm_host host_a, host_b;
	size_t count_a = run_sites(&plain, test_guest("atomics.elf"), 4, 1, true, a, &host_a);
	size_t count_b = run_sites(&profiled, test_guest("atomics.elf"), 4, 1, true, b, &host_b);

	cr_assert_eq(count_a, count_b);
	for (size_t i = 0; i < count_a; i++) {
		const struct vm_host_site *same = find_site(b, count_b, a[i].name);

		/* blk.queue and irq also count the I/O and irq threads' timing-driven
		 * wake-ups; the harts' own sites repeat exactly. */
		if (strcmp(a[i].name, "exec.runq") == 0 || strcmp(a[i].name, "amo.stripe") == 0 ||
		    strcmp(a[i].name, "bcache") == 0)
			cr_expect_eq(a[i].acquisitions, same->acquisitions, "%s: %llu vs %llu",
				     a[i].name, (unsigned long long)a[i].acquisitions,
				     (unsigned long long)same->acquisitions);
	}
	vm_host_close(&host_a);
	vm_host_close(&host_b);
}

Test(vm_host, vm_command_prints_the_profile_sorted_by_wait, .timeout = 60)
{
	run_locklab(&run, "vm", "--elf", test_guest("atomics.elf"), "--harts", "2", "--workers",
		    "2", "--lock", "ck_mcs", "--site-profile", NULL);
	cr_assert_eq(run.status, 0, "%s", run.err);
	const char *header = strstr(run.out, "vm: site       lock");
	cr_assert_not_null(header, "%s", run.out);
	cr_expect(strstr(header, "wait_total") != NULL);
	/* Rows in order of wait_total (the 10th column), largest first. */
	unsigned long long previous = ~0ull;
	size_t rows = 0;
	for (const char *line = strchr(header, '\n') + 1; strncmp(line, "vm: times", 9) != 0;
	     line = strchr(line, '\n') + 1) {
		char site[32], lock[32], mode[8];
		unsigned long long locks, acquisitions, contended, threshold, p50, p99, total;
		cr_assert_eq(sscanf(line, "vm: %31s %31s %7s %llu %llu %llu %llu %llu %llu %llu",
				    site, lock, mode, &locks, &acquisitions, &contended, &threshold,
				    &p50, &p99, &total),
			     10, "%s", line);
		cr_expect_leq(total, previous, "%s", run.out);
		previous = total;
		rows++;
	}
	cr_expect_geq(rows, 5);
	cr_expect(strstr(run.out, "vm: lock bytes total ") != NULL);
}
