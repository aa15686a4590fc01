/*
 * Inputs the libFuzzer targets (tests/fuzz/, `make fuzz`) found crashing, fed again
 * through the entry point that crashed. Each file is also in its target's seed
 * corpus. Under `make test-asan` (ASan and UBSan, no recovery) a regression aborts
 * the test; in the plain build the outcome is checked too.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "harness/vm_host.h"
#include "harness/vm_image.h"
#include "vmcore/vm.h"

/* The ELF target's machine: 2 MiB, one hart, deterministic, 4,000 instructions. */
static struct vm *load_elf(const char *path, struct vm_host *host, struct vm_error *error)
{
	struct vm_config config = { .harts = 1, .workers = 1, .quantum = 1000, .mem_mib = 2,
				    .stripes = 1, .max_insns = 4000, .timeout_s = 5,
				    .deterministic = true };
	struct vm_host_options options = { .lock = "pthread_mutex" };
	struct vm_image image;
	char why[512];
	struct vm *vm;

	cr_assert_eq(vm_image_read(path, &image, why, sizeof why), 0, "%s: %s", path, why);
	config.elf_image = image.bytes;
	config.elf_bytes = image.size;
	cr_assert_eq(vm_host_open(&options, host, why, sizeof why), 0, "%s", why);
	vm = vm_create(&config, host, error);
	vm_image_free(&image);
	return vm;
}

/* Section headers at e_shoff 0x2131 (odd): elf_find_tohost read Elf64_Shdr and
 * Elf64_Sym in place, a misaligned access (UBSan). They are now copied out. The
 * image (a guest ELF, mutated) still loads, and runs to an unhandled trap. */
Test(fuzz_regressions, elf_section_headers_at_an_odd_offset)
{
	struct vm_host host;
	struct vm_error error;
	struct vm_result result;
	struct vm *vm = load_elf("tests/fuzz/elf/crash-misaligned-section-headers", &host, &error);

	cr_assert(vm != NULL, "%s: %s", error.value, error.why);
	cr_assert_eq(vm_run(vm, &result, &error), 0);
	cr_expect_eq(result.outcome, VM_OUTCOME_TRAP, "%s", vm_outcome_name(result.outcome));
	vm_destroy(vm);
	vm_host_close(&host);
}
