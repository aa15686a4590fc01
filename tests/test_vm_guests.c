/*
 * vmcore guests through the CLI ($LOCKLAB vm): every guest with 1, 2 and 4 harts
 * on 1 and 2 workers under pthread_mutex, ck_mcs and parking; atomics and io
 * under every other lock the VM accepts; deterministic runs repeat exactly.
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
}

Test(vm_guests, every_vm_capable_lock_runs_atomics_and_io)
{
	for (size_t i = 0; i < ll_registry_count; i++) {
		const struct ll_info *info = &ll_registry[i];

		if (info->control || info->single_writer)
			continue;
		expect_pass("atomics", 4, 2, info->name);
		expect_pass("io", 4, 2, info->name);
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
	static const char *const guests[] = { "mixed", "timer", "io", "atomics" };
	static char first[1 << 16], second[1 << 16];
	char path[256];

	for (size_t g = 0; g < sizeof guests / sizeof guests[0]; g++) {
		guest_path(guests[g], path, sizeof path);
		run_locklab(&run, "vm", "--elf", path, "--harts", "4", "--deterministic", "--quantum",
			    "1000", "--timeout", "60", NULL);
		cr_assert_eq(run.status, 0, "%s: %s %s", guests[g], run.out, run.err);
		strip_timing(run.out, first, sizeof first);
		run_locklab(&run, "vm", "--elf", path, "--harts", "4", "--deterministic", "--quantum",
			    "1000", "--timeout", "60", NULL);
		cr_assert_eq(run.status, 0, "%s: %s %s", guests[g], run.out, run.err);
		strip_timing(run.out, second, sizeof second);
		cr_expect_str_eq(first, second, "%s differs between runs", guests[g]);
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
