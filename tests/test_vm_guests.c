/*
 * vmcore guests through the CLI ($LOCKLAB vm): every guest with 1, 2 and 4 harts
 * on 1 and 2 workers under pthread_mutex, ck_mcs and parking (the lock-site
 * guests with short loop counts); atomics, io and the lock-site guests under
 * every other lock the VM accepts; deterministic runs repeat exactly; the pvlock
 * device's rules and lockheavy's site rates.
 * Guests come from $BUILD/guests (make test builds them; $LOCKLAB_GUESTS overrides).
 */
#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "locks/registry.h"
#include "tests/run_locklab.h"

static struct run_output run;

static const char *guest_path(const char *name, char *path, size_t size)
{
	char file[128];

	snprintf(file, sizeof file, "%s.elf", name);
	if (getenv("LOCKLAB_GUESTS"))
		snprintf(path, size, "%s/%s", getenv("LOCKLAB_GUESTS"), file);
	else
		snprintf(path, size, "%s", test_guest(file));
	return path;
}

static void expect_pass(const char *guest, unsigned harts, unsigned workers, const char *lock)
{
	char path[256], harts_text[16], workers_text[16];

	snprintf(harts_text, sizeof harts_text, "%u", harts);
	snprintf(workers_text, sizeof workers_text, "%u", workers);
	run_locklab(&run, "vm", "--elf", guest_path(guest, path, sizeof path), "--harts", harts_text,
		    "--workers", workers_text, "--lock", lock, "--timeout", "60", NULL);
	cr_expect_eq(run.status, 0, "%s harts %u workers %u lock %s: exit %d\nstdout: %s\nstderr: %s",
		     guest, harts, workers, lock, run.status, run.out, run.err);
	cr_expect(strstr(run.out, "vm: exit: pass") != NULL, "%s: %s", guest, run.out);
}

/* Like expect_pass, with the guest's loop count from --guest-iters. */
static void expect_pass_iters(const char *guest, unsigned harts, unsigned workers,
			      const char *lock, const char *iterations)
{
	char path[256], harts_text[16], workers_text[16];

	snprintf(harts_text, sizeof harts_text, "%u", harts);
	snprintf(workers_text, sizeof workers_text, "%u", workers);
	run_locklab(&run, "vm", "--elf", guest_path(guest, path, sizeof path), "--harts", harts_text,
		    "--workers", workers_text, "--lock", lock, "--guest-iters", iterations,
		    "--timeout", "60", NULL);
	cr_expect_eq(run.status, 0,
		     "%s harts %u workers %u lock %s iterations %s: exit %d\nstdout: %s\nstderr: %s",
		     guest, harts, workers, lock, iterations, run.status, run.out, run.err);
	cr_expect(strstr(run.out, "vm: exit: pass") != NULL, "%s: %s", guest, run.out);
}

/* The lock-site guests: short runs (the loop count from sysinfo) still end in
 * their self-check. */
static void short_guest_matrix(const char *guest, const char *iterations)
{
	static const char *const locks[] = { "pthread_mutex", "ck_mcs", "parking" };
	static const unsigned harts[] = { 1, 2, 4 };

	for (size_t l = 0; l < sizeof locks / sizeof locks[0]; l++)
		for (size_t h = 0; h < sizeof harts / sizeof harts[0]; h++)
			for (unsigned workers = 1; workers <= 2; workers++)
				expect_pass_iters(guest, harts[h], workers, locks[l], iterations);
}

static void guest_matrix(const char *guest)
{
	static const char *const locks[] = { "pthread_mutex", "ck_mcs", "parking" };
	static const unsigned harts[] = { 1, 2, 4 };

	for (size_t l = 0; l < sizeof locks / sizeof locks[0]; l++)
		for (size_t h = 0; h < sizeof harts / sizeof harts[0]; h++)
			for (unsigned workers = 1; workers <= 2; workers++)
				expect_pass(guest, harts[h], workers, locks[l]);
}

Test(vm_guests, compute) { guest_matrix("compute"); }
Test(vm_guests, atomics) { guest_matrix("atomics"); }
Test(vm_guests, spin) { guest_matrix("spin"); }
Test(vm_guests, io) { guest_matrix("io"); }
Test(vm_guests, smc) { guest_matrix("smc"); }
Test(vm_guests, timer) { guest_matrix("timer"); }
Test(vm_guests, mixed) { guest_matrix("mixed"); }
Test(vm_guests, trap) { guest_matrix("trap"); }
Test(vm_guests, insn) { guest_matrix("insn"); }
Test(vm_guests, lockheavy) { short_guest_matrix("lockheavy", "2000"); }
Test(vm_guests, pvlock) { short_guest_matrix("pvlock", "1000"); }
Test(vm_guests, churn) { short_guest_matrix("churn", "100"); }

/* The guests again, compiled with the C extension (-march=rv64imac). */
Test(vm_guests, compressed_builds)
{
	static const char *const guests[] = { "compute-rvc", "atomics-rvc", "spin-rvc", "io-rvc",
					      "smc-rvc", "timer-rvc", "mixed-rvc", "trap-rvc",
					      "insn-rvc" };
	static const unsigned harts[] = { 1, 2, 4 };

	for (size_t g = 0; g < sizeof guests / sizeof guests[0]; g++)
		for (size_t h = 0; h < sizeof harts / sizeof harts[0]; h++)
			for (unsigned workers = 1; workers <= 2; workers++)
				expect_pass(guests[g], harts[h], workers, "pthread_mutex");
	for (size_t h = 0; h < sizeof harts / sizeof harts[0]; h++) {
		expect_pass_iters("lockheavy-rvc", harts[h], 2, "pthread_mutex", "2000");
		expect_pass_iters("pvlock-rvc", harts[h], 2, "pthread_mutex", "1000");
		expect_pass_iters("churn-rvc", harts[h], 2, "pthread_mutex", "100");
	}
}

Test(vm_guests, every_vm_capable_lock_runs_atomics_and_io)
{
	for (size_t i = 0; i < ll_registry_count; i++) {
		const struct ll_info *info = &ll_registry[i];

		if (info->control || info->single_writer)
			continue;
		expect_pass("atomics", 4, 2, info->name);
		expect_pass("io", 4, 2, info->name);
		expect_pass_iters("lockheavy", 4, 2, info->name, "1000");
		expect_pass_iters("pvlock", 4, 2, info->name, "500");
		expect_pass_iters("churn", 4, 2, info->name, "50");
	}
}

Test(vm_guests, control_and_single_writer_locks_are_refused)
{
	char path[256];

	for (size_t i = 0; i < ll_registry_count; i++) {
		const struct ll_info *info = &ll_registry[i];

		if (!info->control && !info->single_writer)
			continue;
		run_locklab(&run, "vm", "--elf", guest_path("atomics", path, sizeof path), "--lock",
			    info->name, NULL);
		cr_expect_eq(run.status, 2, "%s: exit %d: %s", info->name, run.status, run.err);
		cr_expect_eq(count_lines(run.err), 1, "%s: %s", info->name, run.err);
		cr_expect(strstr(run.err, info->name) != NULL, "%s", run.err);
	}
}

/* stdout without the lines that depend on wall time. */
static void strip_timing(const char *out, char *kept, size_t size)
{
	size_t used = 0;

	for (const char *line = out; *line;) {
		const char *end = strchr(line, '\n');
		size_t length = end ? (size_t)(end - line + 1) : strlen(line);

		if (strncmp(line, "vm: wall", 8) != 0 && strncmp(line, "vm: MIPS", 8) != 0 &&
		    used + length < size) {
			memcpy(kept + used, line, length);
			used += length;
		}
		line += length;
	}
	kept[used] = '\0';
}

Test(vm_guests, deterministic_runs_repeat_counts_exactly)
{
	/* With their loop counts ("0": the guest's default). */
	static const char *const guests[][2] = { { "mixed", "0" },	{ "timer", "0" },
						 { "io", "0" },		{ "atomics", "0" },
						 { "lockheavy", "2000" }, { "pvlock", "1000" },
						 { "churn", "100" } };
	static char first[1 << 16], second[1 << 16];
	char path[256];

	for (size_t g = 0; g < sizeof guests / sizeof guests[0]; g++) {
		guest_path(guests[g][0], path, sizeof path);
		run_locklab(&run, "vm", "--elf", path, "--harts", "4", "--deterministic", "--quantum",
			    "1000", "--guest-iters", guests[g][1], "--timeout", "60", NULL);
		cr_assert_eq(run.status, 0, "%s: %s %s", guests[g][0], run.out, run.err);
		strip_timing(run.out, first, sizeof first);
		run_locklab(&run, "vm", "--elf", path, "--harts", "4", "--deterministic", "--quantum",
			    "1000", "--guest-iters", guests[g][1], "--timeout", "60", NULL);
		cr_assert_eq(run.status, 0, "%s: %s %s", guests[g][0], run.out, run.err);
		strip_timing(run.out, second, sizeof second);
		cr_expect_str_eq(first, second, "%s differs between runs", guests[g][0]);
		cr_expect(strstr(first, "acquisitions") != NULL, "%s", first);
	}
}

Test(vm_guests, store_outside_ram_faults_in_the_guest)
{
	char path[256];

	/* trap.elf catches it (mcause 7, mtval) and passes; fault.elf has no handler. */
	run_locklab(&run, "vm", "--elf", guest_path("fault", path, sizeof path), NULL);
	cr_expect_eq(run.status, 1, "exit %d: %s", run.status, run.err);
	cr_expect(strstr(run.err, "unhandled trap") != NULL, "%s", run.err);
	cr_expect(strstr(run.err, "mcause=0x0000000000000007") != NULL, "%s", run.err);
	cr_expect(strstr(run.err, "mtval=0x0000000040000000") != NULL, "%s", run.err);
	cr_expect(strstr(run.err, "x11=0x0000000040000000") != NULL, "%s", run.err);
}

Test(vm_guests, tohost_failure_code_from_two_32_bit_stores)
{
	char path[256];

	run_locklab(&run, "vm", "--elf", guest_path("fail32", path, sizeof path), "--harts", "2", NULL);
	cr_expect_eq(run.status, 1, "exit %d: %s", run.status, run.err);
	cr_expect(strstr(run.err, "code 21") != NULL, "%s", run.err);
	cr_expect_eq(count_lines(run.err), 1, "%s", run.err);
}

Test(vm_guests, timeout_and_max_insns_fail_with_one_line)
{
	char path[256];

	guest_path("hang", path, sizeof path);
	run_locklab(&run, "vm", "--elf", path, "--timeout", "0.2", NULL);
	cr_expect_eq(run.status, 1, "exit %d: %s", run.status, run.err);
	cr_expect(strstr(run.err, "timed out") != NULL, "%s", run.err);
	run_locklab(&run, "vm", "--elf", path, "--max-insns", "100000", NULL);
	cr_expect_eq(run.status, 1, "exit %d: %s", run.status, run.err);
	cr_expect(strstr(run.err, "max-insns") != NULL, "%s", run.err);
	cr_expect(strstr(run.out, "vm: hart 0: instret 100000\n") != NULL, "%s", run.out);
}

Test(vm_guests, more_harts_than_workers)
{
	expect_pass("mixed", 8, 2, "pthread_mutex");
	expect_pass("atomics", 8, 1, "ck_mcs");
	expect_pass("timer", 6, 2, "parking");
}

Test(vm_guests, io_on_a_host_image_file)
{
	char image[] = "/tmp/locklab-vm-disk-XXXXXX", path[256];
	int fd = mkstemp(image);
	unsigned char first[16] = { 0 };
	bool written = false;

	cr_assert(fd >= 0);
	cr_assert(ftruncate(fd, 8 << 20) == 0);
	run_locklab(&run, "vm", "--elf", guest_path("io", path, sizeof path), "--harts", "2",
		    "--disk", image, "--timeout", "60", NULL);
	cr_expect_eq(run.status, 0, "exit %d: %s %s", run.status, run.out, run.err);
	cr_assert(pread(fd, first, sizeof first, 0) == (ssize_t)sizeof first);
	for (size_t i = 0; i < sizeof first; i++)
		written |= first[i] != 0;
	cr_expect(written, "the guest's sectors did not reach the image file");
	close(fd);
	run_locklab(&run, "vm", "--elf", path, "--disk", "/nonexistent/disk.img", NULL);
	cr_expect_eq(run.status, 3, "exit %d: %s", run.status, run.err);
	cr_expect_eq(count_lines(run.err), 1, "%s", run.err);
	unlink(image);
}

/* The number after key on the first line of out that starts with prefix; the
 * test fails when there is none. */
static unsigned long long field_after(const char *out, const char *prefix, const char *key)
{
	const char *line = strstr(out, prefix), *at;

	cr_assert(line != NULL, "no line %s in: %s", prefix, out);
	at = strstr(line, key);
	cr_assert(at != NULL && (strchr(line, '\n') == NULL || at < strchr(line, '\n')),
		  "no %s on line %s in: %s", key, prefix, out);
	return strtoull(at + strlen(key), NULL, 10);
}

/* The bar for lockheavy at 4 harts: at least one amo.stripe acquisition
 * per 100 instructions and one pv.lock per 1,000, from the host's own per-site
 * counts; vmcore's counts of the same acquisitions agree with them. */
Test(vm_guests, lockheavy_meets_its_site_rates_at_four_harts)
{
	static const char *const locks[] = { "pthread_mutex", "ck_mcs" };
	char path[256];

	for (size_t l = 0; l < sizeof locks / sizeof locks[0]; l++) {
		unsigned long long instructions, stripe, pv;

		run_locklab(&run, "vm", "--elf", guest_path("lockheavy", path, sizeof path), "--harts",
			    "4", "--workers", "2", "--lock", locks[l], "--guest-iters", "5000",
			    "--timeout", "60", NULL);
		cr_assert_eq(run.status, 0, "%s: %s %s", locks[l], run.out, run.err);
		instructions = field_after(run.out, "vm: instret total", "total ");
		stripe = field_after(run.out, "vm: site amo.stripe:", "acquisitions ");
		pv = field_after(run.out, "vm: site pv.lock:", "acquisitions ");
		cr_expect_geq(stripe * 100, instructions, "%s: %llu stripe acquisitions, %llu insns",
			      locks[l], stripe, instructions);
		cr_expect_geq(pv * 1000, instructions, "%s: %llu pv acquisitions, %llu insns", locks[l],
			      pv, instructions);
		cr_expect_eq(field_after(run.out, "vm: lr/sc stripe", "acquisitions "), stripe, "%s",
			     run.out);
		cr_expect_eq(field_after(run.out, "vm: pv acquisitions", "acquisitions "), pv, "%s",
			     run.out);
	}
}

/* pv locks never deadlock the executor: a holder keeps its worker, so 8 harts
 * contending for 3 pv locks on 1 worker (and on 2) finish and self-check. */
Test(vm_guests, pvlock_eight_harts_on_one_worker)
{
	static const char *const locks[] = { "pthread_mutex", "ck_mcs", "parking", "ck_ticket" };

	for (size_t l = 0; l < sizeof locks / sizeof locks[0]; l++) {
		expect_pass_iters("pvlock", 8, 1, locks[l], "1000");
		expect_pass_iters("lockheavy", 8, 1, locks[l], "1000");
	}
	expect_pass_iters("pvlock", 8, 2, "pthread_mutex", "1000");
	expect_pass_iters("lockheavy", 8, 2, "ck_mcs", "1000");
}

/* pvfault MODE (vmcore/guests/pvfault.c): one pv rule broken per mode. */
static void run_pvfault(const char *mode, const char *harts, const char *workers)
{
	char path[256];

	run_locklab(&run, "vm", "--elf", guest_path("pvfault", path, sizeof path), "--harts", harts,
		    "--workers", workers, "--guest-iters", mode, "--timeout", "60", NULL);
}

Test(vm_guests, pv_hold_past_the_bound_stops_the_vm)
{
	static const char *const shapes[][2] = { { "1", "1" }, { "2", "1" }, { "2", "2" } };

	/* With 2 harts, hart 1 is blocked acquiring the held lock: the stop must
	 * release it too. */
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		run_pvfault("1", shapes[s][0], shapes[s][1]);
		cr_expect_eq(run.status, 1, "harts %s: exit %d: %s", shapes[s][0], run.status, run.err);
		cr_expect(strstr(run.out, "vm: exit: pv lock held too long") != NULL, "%s", run.out);
		/* Checked at quantum ends, sized to land just past the bound (a block
		 * may overshoot: the digits after 100000 are not pinned down). */
		cr_expect(strstr(run.err, "vm: hart 0: pv lock 0 held for 100000") != NULL, "%s",
			  run.err);
		cr_expect(strstr(run.err, "pv lock 0 held past 10000000 instructions") != NULL, "%s",
			  run.err);
	}
}

Test(vm_guests, pv_misuse_is_a_precise_guest_trap)
{
	/* The guest's trap hook exits with 100 + mcause after checking mtval: 2 is
	 * illegal instruction (wfi while holding), 7 store access fault. */
	static const char *const cases[][2] = {
		{ "2", "code 102" }, /* wfi while holding */
		{ "3", "code 107" }, /* release of a lock not held */
		{ "4", "code 107" }, /* acquire while holding */
		{ "5", "code 107" }, /* lock index past the last */
	};

	for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
		for (unsigned workers = 1; workers <= 2; workers++) {
			run_pvfault(cases[c][0], "2", workers == 1 ? "1" : "2");
			cr_expect_eq(run.status, 1, "mode %s: exit %d: %s", cases[c][0], run.status,
				     run.err);
			cr_expect(strstr(run.err, cases[c][1]) != NULL, "mode %s: %s", cases[c][0],
				  run.err);
		}
	}
	run_pvfault("0", "2", "2");
	cr_expect_eq(run.status, 0, "no mode: exit %d: %s %s", run.status, run.out, run.err);
}
