/*
 * vmcore reaches the console and the disk only through host.h. A host that
 * captures console_write gets the guest's UART line and a trap dump while the
 * process's stdout and stderr stay empty; the io guest reads and writes a disk
 * the host serves from memory, and a disk_read that fails is the guest's device
 * error. vmcore's errors are codes with no option name in them: the command
 * names --elf, --disk and --mem itself.
 *
 * The capturing host is the harness's own (registry locks, threads, memory)
 * with console_write, disk_read, disk_write (and, for one test, alloc) swapped
 * in: what it sees lives in one static record, each test being its own process.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/vm_error.h"
#include "harness/vm_host.h"
#include "harness/vm_image.h"
#include "tests/run_locklab.h"
#include "vmcore/vm.h"

#define TEST_DISK_BYTES (8u << 20)
#define TEST_RAM_MIB 64u

static struct run_output run;

static struct {
	pthread_mutex_t mutex; /* console_write comes from any VM thread */
	char text[2][8192];    /* by enum vm_console_stream */
	size_t length[2];
	uint8_t *disk;         /* TEST_DISK_BYTES; disk calls come one at a time */
	unsigned reads, writes, outside;
	bool fail_reads;
	bool refuse_ram;
	const struct vm_host_ops *harness_ops;
} seen = { .mutex = PTHREAD_MUTEX_INITIALIZER };

static void capture_console(void *opaque, enum vm_console_stream stream, const char *text,
			    size_t length)
{
	size_t room;

	(void)opaque;
	pthread_mutex_lock(&seen.mutex);
	room = sizeof seen.text[stream] - 1 - seen.length[stream];
	if (length > room)
		length = room;
	memcpy(seen.text[stream] + seen.length[stream], text, length);
	seen.length[stream] += length;
	seen.text[stream][seen.length[stream]] = '\0';
	pthread_mutex_unlock(&seen.mutex);
}

/* Criterion's asserts belong to the test's thread: the I/O thread only counts. */
static bool memory_disk_read(void *opaque, uint64_t offset, void *buffer, size_t bytes)
{
	(void)opaque;
	seen.reads++;
	if (offset > TEST_DISK_BYTES || bytes > TEST_DISK_BYTES - offset) {
		seen.outside++;
		return false;
	}
	if (seen.fail_reads)
		return false;
	memcpy(buffer, seen.disk + offset, bytes);
	return true;
}

static bool memory_disk_write(void *opaque, uint64_t offset, const void *buffer, size_t bytes)
{
	(void)opaque;
	seen.writes++;
	if (offset > TEST_DISK_BYTES || bytes > TEST_DISK_BYTES - offset) {
		seen.outside++;
		return false;
	}
	memcpy(seen.disk + offset, buffer, bytes);
	return true;
}

/* Guest RAM is the one allocation of TEST_RAM_MIB: refused when asked to. */
static void *maybe_alloc(void *opaque, size_t bytes, size_t align)
{
	if (seen.refuse_ram && bytes == (size_t)TEST_RAM_MIB << 20)
		return NULL;
	return seen.harness_ops->alloc(opaque, bytes, align);
}

/* stdout and stderr into temporary files while the VM exists: both must stay empty. */
struct quiet {
	int saved[2];
	FILE *files[2];
};

static void quiet_begin(struct quiet *quiet)
{
	fflush(stdout);
	fflush(stderr);
	for (int fd = 1; fd <= 2; fd++) {
		quiet->files[fd - 1] = tmpfile();
		cr_assert_not_null(quiet->files[fd - 1]);
		quiet->saved[fd - 1] = dup(fd);
		cr_assert(quiet->saved[fd - 1] >= 0);
		cr_assert(dup2(fileno(quiet->files[fd - 1]), fd) >= 0);
	}
}

static void quiet_end(struct quiet *quiet, long *stdout_bytes, long *stderr_bytes)
{
	long *bytes[2] = { stdout_bytes, stderr_bytes };

	fflush(stdout);
	fflush(stderr);
	for (int fd = 1; fd <= 2; fd++) {
		dup2(quiet->saved[fd - 1], fd);
		close(quiet->saved[fd - 1]);
		fseek(quiet->files[fd - 1], 0, SEEK_END);
		*bytes[fd - 1] = ftell(quiet->files[fd - 1]);
		fclose(quiet->files[fd - 1]);
	}
}

/* Runs guest on the capturing host; vm_create's error, when it fails, in *error. */
static bool run_captured(const char *guest, unsigned harts, uint64_t disk_bytes,
			 struct vm_result *result, struct vm_error *error)
{
	struct vm_host_options options = { .lock = "pthread_mutex" };
	struct vm_config config = { .harts = harts, .workers = harts, .quantum = 5000,
				    .mem_mib = TEST_RAM_MIB, .stripes = 8, .timeout_s = 60,
				    .disk_bytes = disk_bytes };
	struct vm_host harness, capturing;
	struct vm_host_ops ops;
	struct vm_image image;
	struct quiet quiet;
	long stdout_bytes, stderr_bytes;
	char why[512];
	struct vm *vm;

	cr_assert_eq(vm_image_read(test_guest(guest), &image, why, sizeof why), 0, "%s", why);
	cr_assert_eq(vm_host_open(&options, &harness, why, sizeof why), 0, "%s", why);
	seen.harness_ops = harness.ops;
	ops = *harness.ops;
	ops.console_write = capture_console;
	ops.disk_read = memory_disk_read;
	ops.disk_write = memory_disk_write;
	ops.alloc = maybe_alloc;
	capturing = (struct vm_host){ .ops = &ops, .opaque = harness.opaque };
	config.elf_image = image.bytes;
	config.elf_bytes = image.size;
	quiet_begin(&quiet);
	vm = vm_create(&config, &capturing, error);
	vm_image_free(&image);
	if (vm) {
		cr_assert_eq(vm_run(vm, result, error), 0);
		vm_destroy(vm);
	}
	quiet_end(&quiet, &stdout_bytes, &stderr_bytes);
	vm_host_close(&harness);
	cr_expect_eq(stdout_bytes, 0, "vmcore wrote to stdout itself");
	cr_expect_eq(stderr_bytes, 0, "vmcore wrote to stderr itself");
	return vm != NULL;
}

Test(vm_host_io, the_uart_line_and_a_trap_dump_arrive_through_console_write, .timeout = 60)
{
	struct vm_result result;
	struct vm_error error;

	cr_assert(run_captured("io.elf", 2, 0, &result, &error), "%s", error.why);
	cr_expect_eq(result.outcome, VM_OUTCOME_PASS, "%s", vm_outcome_name(result.outcome));
	cr_expect_str_eq(seen.text[VM_CONSOLE_GUEST], "io: ok\n");
	cr_expect_str_eq(seen.text[VM_CONSOLE_DIAGNOSTIC], "");

	memset(seen.text, 0, sizeof seen.text);
	memset(seen.length, 0, sizeof seen.length);
	cr_assert(run_captured("fault.elf", 1, 0, &result, &error), "%s", error.why);
	cr_expect_eq(result.outcome, VM_OUTCOME_TRAP, "%s", vm_outcome_name(result.outcome));
	cr_expect_str_eq(seen.text[VM_CONSOLE_GUEST], "");
	const char *dump = seen.text[VM_CONSOLE_DIAGNOSTIC];
	cr_expect(strncmp(dump, "vm: hart 0: unhandled trap\nvm: hart 0: pc=", 42) == 0, "%s", dump);
	cr_expect(strstr(dump, "mcause=0x0000000000000007") != NULL, "%s", dump);
	cr_expect(strstr(dump, "x11=0x0000000040000000") != NULL, "%s", dump);
	cr_expect_eq(count_lines(dump), 10, "%s", dump); /* the line, pc and CSRs, 8 of x */
}

Test(vm_host_io, the_io_guest_reads_and_writes_the_hosts_disk, .timeout = 60)
{
	struct vm_result result;
	struct vm_error error;
	bool written = false;

	seen.disk = calloc(1, TEST_DISK_BYTES);
	cr_assert_not_null(seen.disk);
	cr_assert(run_captured("io.elf", 2, TEST_DISK_BYTES, &result, &error), "%s", error.why);
	cr_expect_eq(result.outcome, VM_OUTCOME_PASS, "%s code %llu",
		     vm_outcome_name(result.outcome), (unsigned long long)result.code);
	/* 12 requests of 8 sectors per hart each way (the guest's CRCs compare them);
	 * the request past the end is refused before the host is asked. */
	cr_expect_eq(seen.writes, 2 * 12);
	cr_expect_eq(seen.reads, 2 * 12);
	cr_expect_eq(seen.outside, 0);
	for (size_t i = 0; i < 2 * 12 * 4096 && !written; i++)
		written = seen.disk[i] != 0;
	cr_expect(written, "the guest's sectors did not reach the host's disk");

	/* Without disk_bytes the VM's own RAM serves the guest: the host is not asked. */
	seen.reads = seen.writes = 0;
	cr_assert(run_captured("io.elf", 2, 0, &result, &error), "%s", error.why);
	cr_expect_eq(result.outcome, VM_OUTCOME_PASS, "%s", vm_outcome_name(result.outcome));
	cr_expect_eq(seen.reads + seen.writes, 0);
	free(seen.disk);
}

Test(vm_host_io, a_failed_disk_read_is_the_guests_device_error, .timeout = 60)
{
	struct vm_result result;
	struct vm_error error;

	seen.disk = calloc(1, TEST_DISK_BYTES);
	cr_assert_not_null(seen.disk);
	seen.fail_reads = true;
	cr_assert(run_captured("io.elf", 1, TEST_DISK_BYTES, &result, &error), "%s", error.why);
	/* io's code 4: a read request completed with an error status. */
	cr_expect_eq(result.outcome, VM_OUTCOME_FAIL, "%s", vm_outcome_name(result.outcome));
	cr_expect_eq(result.code, 4);
	free(seen.disk);
}

Test(vm_host_io, errors_are_codes_and_the_command_names_the_option, .timeout = 60)
{
	static const uint8_t not_elf[64] = "#!/bin/sh";
	struct vm_host_options options = { .lock = "pthread_mutex" };
	struct vm_config config = { .elf_image = not_elf, .elf_bytes = sizeof not_elf,
				    .harts = 1, .workers = 1, .quantum = 5000, .mem_mib = 16,
				    .stripes = 1 };
	struct vm_host host;
	struct vm_error error;
	struct vm_error_words words;
	struct vm_result result;
	char why[512];

	cr_assert_eq(vm_host_open(&options, &host, why, sizeof why), 0, "%s", why);
	cr_assert_null(vm_create(&config, &host, &error));
	vm_host_close(&host);
	cr_expect_eq(error.code, VM_ERR_ELF);
	cr_expect_str_eq(error.why, "not an ELF file");
	cr_expect_str_eq(error.value, "");
	cr_expect_eq(vm_error_words(&error, "guest.elf", 16, &words), EXIT_USAGE);
	cr_expect_str_eq(words.what, "--elf");
	cr_expect_str_eq(words.value, "guest.elf");

	seen.refuse_ram = true;
	cr_assert_not(run_captured("io.elf", 1, 0, &result, &error));
	cr_expect_eq(error.code, VM_ERR_RAM);
	cr_expect_eq(vm_error_words(&error, "io.elf", TEST_RAM_MIB, &words), EXIT_ENVIRONMENT);
	cr_expect_str_eq(words.what, "--mem");
	cr_expect_str_eq(words.value, "64");

	run_locklab(&run, "vm", "--elf", "/nonexistent/guest.elf", NULL);
	cr_expect_eq(run.status, 2);
	cr_expect_str_eq(run.err, "locklab: --elf: /nonexistent/guest.elf: No such file or "
				  "directory\n");
	run_locklab(&run, "vm", "--elf", "/bin/true", NULL);
	cr_expect_eq(run.status, 2);
	cr_expect(strncmp(run.err, "locklab: --elf: /bin/true: not RISC-V", 37) == 0, "%s",
		  run.err);
	run_locklab(&run, "vm", "--elf", test_guest("io.elf"), "--disk", "/nonexistent/disk.img",
		    NULL);
	cr_expect_eq(run.status, 3);
	cr_expect_str_eq(run.err, "locklab: --disk: /nonexistent/disk.img: No such file or "
				  "directory\n");
	run_locklab(&run, "vm", "--elf", test_guest("io.elf"), "--disk", "/dev/null", NULL);
	cr_expect_eq(run.status, 3);
	cr_expect_str_eq(run.err, "locklab: --disk: /dev/null: smaller than one 512-byte sector\n");
}
