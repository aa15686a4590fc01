/*
 * libFuzzer target: vmcore's ELF loader (vmcore/elf.c) on arbitrary bytes,
 * through vm_create on a small machine (2 MiB of RAM, one hart). An image it
 * accepts is also run, deterministically, for at most 4,000 instructions. The
 * loader must refuse anything malformed with its one line, never read past the
 * image or write outside guest RAM (guest RAM comes from the fuzz host's
 * aligned_alloc, so ASan sees its bounds).
 */
#include <stddef.h>
#include <stdint.h>

#include "tests/fuzz/fuzz_host.h"
#include "vmcore/vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config config = { .elf_image = data, .elf_bytes = size, .harts = 1,
				    .workers = 1, .quantum = 1000, .mem_mib = 2, .stripes = 1,
				    .max_insns = 4000, .timeout_s = 5, .deterministic = true };
	struct vm_error error;
	struct vm_result result;
	struct vm *vm = vm_create(&config, &fuzz_host, &error);

	if (!vm) {
		if (error.code == VM_ERR_NONE || !error.why[0])
			__builtin_trap(); /* a refusal must say why */
		return 0;
	}
	if (vm_run(vm, &result, &error) != 0)
		__builtin_trap();
	vm_destroy(vm);
	return 0;
}
