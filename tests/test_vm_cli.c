/*
 * locklab vm's command line: options, help, and malformed or foreign ELF files,
 * each refused with exit 2 and one line naming what is wrong.
 */
#include <criterion/criterion.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/run_locklab.h"

static struct run_output run;

Test(vm_cli, help_lists_every_option)
{
	static const char *const options[] = { "--elf", "--harts", "--workers", "--lock", "--mem",
					       "--max-insns", "--timeout", "--deterministic",
					       "--quantum", "--stripes", "--disk", "--guest-iters",
					       "--help" };

	run_locklab(&run, "vm", "--help", NULL);
	cr_expect_eq(run.status, 0);
	for (size_t i = 0; i < sizeof options / sizeof options[0]; i++)
		cr_expect(strstr(run.out, options[i]) != NULL, "%s missing: %s", options[i], run.out);
}

Test(vm_cli, bad_options)
{
	run_locklab(&run, "vm", NULL);
	expect_usage_error(&run, "--elf");
	run_locklab(&run, "vm", "--elf", test_guest("compute.elf"), "--harts", "0", NULL);
	expect_usage_error(&run, "0");
	run_locklab(&run, "vm", "--elf", test_guest("compute.elf"), "--harts", "65", NULL);
	expect_usage_error(&run, "65");
	run_locklab(&run, "vm", "--elf", test_guest("compute.elf"), "--workers", "x", NULL);
	expect_usage_error(&run, "x");
	run_locklab(&run, "vm", "--elf", test_guest("compute.elf"), "--lock", "no_such_lock", NULL);
	expect_usage_error(&run, "no_such_lock");
	run_locklab(&run, "vm", "--elf", test_guest("compute.elf"), "--stripes", "3", NULL);
	expect_usage_error(&run, "3");
	run_locklab(&run, "vm", "--elf", test_guest("compute.elf"), "--guest-iters", "x", NULL);
	expect_usage_error(&run, "x");
	run_locklab(&run, "vm", "--elf", test_guest("compute.elf"), "--guest-iters", "-1", NULL);
	expect_usage_error(&run, "-1");
	run_locklab(&run, "vm", "--elf", test_guest("compute.elf"), "--guest-iters", "4294967296",
		    NULL);
	expect_usage_error(&run, "4294967296");
	run_locklab(&run, "vm", "--elf", test_guest("compute.elf"), "--bogus", NULL);
	expect_usage_error(&run, "--bogus");
	run_locklab(&run, "vm", "--elf", test_guest("compute.elf"), "--deterministic", "--workers",
		    "2", NULL);
	expect_usage_error(&run, "--deterministic");
}

/* A minimal valid RISC-V executable image, then broken one way per case. */
struct image {
	Elf64_Ehdr header;
	Elf64_Phdr load;
	uint32_t code[4];
};

static void base_image(struct image *image)
{
	memset(image, 0, sizeof *image);
	memcpy(image->header.e_ident, ELFMAG, SELFMAG);
	image->header.e_ident[EI_CLASS] = ELFCLASS64;
	image->header.e_ident[EI_DATA] = ELFDATA2LSB;
	image->header.e_ident[EI_VERSION] = EV_CURRENT;
	image->header.e_type = ET_EXEC;
	image->header.e_machine = EM_RISCV;
	image->header.e_version = EV_CURRENT;
	image->header.e_entry = 0x80000000;
	image->header.e_phoff = offsetof(struct image, load);
	image->header.e_ehsize = sizeof(Elf64_Ehdr);
	image->header.e_phentsize = sizeof(Elf64_Phdr);
	image->header.e_phnum = 1;
	image->load.p_type = PT_LOAD;
	image->load.p_offset = offsetof(struct image, code);
	image->load.p_paddr = image->load.p_vaddr = 0x80000000;
	image->load.p_filesz = sizeof image->code;
	image->load.p_memsz = 0x2000; /* beyond filesz: zeroed */
	image->code[0] = 0x0000006f; /* j . */
}

static void write_image(const char *path, const void *bytes, size_t size)
{
	FILE *file = fopen(path, "wb");

	cr_assert(file != NULL);
	cr_assert_eq(fwrite(bytes, 1, size, file), size);
	fclose(file);
}

static void expect_elf_refused(const struct image *image, size_t size, const char *why)
{
	char path[] = "/tmp/locklab-vm-elf-XXXXXX";
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	close(fd);
	write_image(path, image, size);
	run_locklab(&run, "vm", "--elf", path, NULL);
	unlink(path);
	expect_usage_error(&run, why);
	cr_expect(strstr(run.err, path) != NULL, "path not named: %s", run.err);
}

Test(vm_cli, malformed_and_foreign_elf_rejected)
{
	struct image image;

	base_image(&image);
	expect_elf_refused(&image, 0, "not an ELF");
	image.header.e_ident[1] = 'X';
	expect_elf_refused(&image, sizeof image, "not an ELF");
	base_image(&image);
	image.header.e_ident[EI_CLASS] = ELFCLASS32;
	expect_elf_refused(&image, sizeof image, "64-bit");
	base_image(&image);
	image.header.e_ident[EI_DATA] = ELFDATA2MSB;
	expect_elf_refused(&image, sizeof image, "little-endian");
	base_image(&image);
	image.header.e_machine = EM_X86_64;
	expect_elf_refused(&image, sizeof image, "not RISC-V");
	base_image(&image);
	image.header.e_type = ET_DYN;
	expect_elf_refused(&image, sizeof image, "not an executable");
	base_image(&image);
	expect_elf_refused(&image, 40, "truncated");
	base_image(&image);
	image.header.e_phnum = 40;
	expect_elf_refused(&image, sizeof image, "program headers");
	base_image(&image);
	image.load.p_filesz = 4096;
	expect_elf_refused(&image, sizeof image, "beyond end of file");
	base_image(&image);
	image.load.p_paddr = 0x1000;
	expect_elf_refused(&image, sizeof image, "outside RAM");
	base_image(&image);
	image.load.p_paddr = 0x80000000ull + (128ull << 20) - 0x1000;
	expect_elf_refused(&image, sizeof image, "outside RAM");
	base_image(&image);
	image.load.p_type = PT_NOTE;
	expect_elf_refused(&image, sizeof image, "no PT_LOAD");
	base_image(&image);
	image.header.e_entry = 0x1000;
	expect_elf_refused(&image, sizeof image, "entry");
	run_locklab(&run, "vm", "--elf", "/nonexistent/guest.elf", NULL);
	expect_usage_error(&run, "/nonexistent/guest.elf");
}

Test(vm_cli, minimal_elf_loads_and_runs_to_max_insns)
{
	struct image image;
	char path[] = "/tmp/locklab-vm-elf-XXXXXX";
	int fd = mkstemp(path);

	cr_assert(fd >= 0);
	close(fd);
	base_image(&image);
	write_image(path, &image, sizeof image);
	run_locklab(&run, "vm", "--elf", path, "--max-insns", "1000", NULL);
	unlink(path);
	cr_expect_eq(run.status, 1, "exit %d: %s", run.status, run.err);
	cr_expect(strstr(run.out, "vm: hart 0: instret 1000\n") != NULL, "%s", run.out);
}

/* --guest-iters reaches the guest through sysinfo +8: atomics on 1 hart makes 2
 * stripe acquisitions (the SCs of two LR/SC pairs; LR takes none) per iteration,
 * plus 2 in its semantics check (two LR/SC pairs; its lone SC has no reservation
 * and takes none). */
Test(vm_cli, guest_iters_sets_the_guests_loop_count)
{
	run_locklab(&run, "vm", "--elf", test_guest("atomics.elf"), "--guest-iters", "10", NULL);
	cr_expect_eq(run.status, 0, "%s %s", run.out, run.err);
	cr_expect(strstr(run.out, "vm: lr/sc stripe acquisitions 22 ") != NULL, "%s", run.out);
	run_locklab(&run, "vm", "--elf", test_guest("atomics.elf"), "--guest-iters", "1000", NULL);
	cr_expect_eq(run.status, 0, "%s %s", run.out, run.err);
	cr_expect(strstr(run.out, "vm: lr/sc stripe acquisitions 2002 ") != NULL, "%s", run.out);
	run_locklab(&run, "vm", "--elf", test_guest("atomics.elf"), "--guest-iters", "0", NULL);
	cr_expect_eq(run.status, 0, "%s %s", run.out, run.err);
	cr_expect(strstr(run.out, "vm: lr/sc stripe acquisitions 40002 ") != NULL, "%s", run.out);
}
