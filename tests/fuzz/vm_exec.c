/*
 * libFuzzer target: vmcore's decoder and executor on random instruction words.
 *
 * Input: byte 0 chooses the harts (1-4, bits 0-1) and whether a trap handler is
 * installed (bit 2); the rest is placed in guest RAM at 0x80000000, or with bit 2
 * after a 32-byte prologue there that sets mtvec to a handler which skips the
 * faulting word (mepc += 4; mret), so that an illegal word does not end the run
 * and the words after it are executed too. The image is a one-segment ELF built here; the
 * machine (2 MiB, deterministic, one worker) runs at most 10,000 instructions
 * per hart and 5 s. It must never crash the host, access memory outside guest
 * RAM (ASan: RAM is aligned_alloc'd by the fuzz host) or run past the budget
 * (libFuzzer's -timeout catches a hang).
 */
#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/fuzz/fuzz_host.h"
#include "vmcore/vm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RAM_BASE 0x80000000u
#define MAX_CODE (64 * 1024)

/* auipc t0,0; addi t0,t0,16; csrw mtvec,t0; j +20 | csrr t0,mepc; addi t0,t0,4;
 * csrw mepc,t0; mret */
static const uint32_t prologue[8] = { 0x00000297, 0x01028293, 0x30529073, 0x0140006f,
				      0x341022f3, 0x00428293, 0x34129073, 0x30200073 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t image[sizeof(Elf64_Ehdr) + sizeof(Elf64_Phdr) + sizeof prologue + MAX_CODE];
	Elf64_Ehdr header = { 0 };
	Elf64_Phdr segment = { 0 };
	size_t code = sizeof prologue, offset = sizeof header + sizeof segment;
	struct vm_config config = { .workers = 1, .quantum = 500, .mem_mib = 2, .stripes = 1,
				    .max_insns = 10000, .timeout_s = 5, .deterministic = true };
	struct vm_error error;
	struct vm_result result;
	struct vm *vm;

	if (size < 1)
		return 0;
	config.harts = 1 + (data[0] & 3u);
	if (size - 1 > MAX_CODE)
		size = MAX_CODE + 1;
	if (data[0] & 4u)
		memcpy(image + offset, prologue, sizeof prologue);
	else
		code = 0;
	memcpy(image + offset + code, data + 1, size - 1);
	code += size - 1;
	if (code == 0)
		return 0;

	memcpy(header.e_ident, ELFMAG, SELFMAG);
	header.e_ident[EI_CLASS] = ELFCLASS64;
	header.e_ident[EI_DATA] = ELFDATA2LSB;
	header.e_ident[EI_VERSION] = EV_CURRENT;
	header.e_type = ET_EXEC;
	header.e_machine = EM_RISCV;
	header.e_version = EV_CURRENT;
	header.e_entry = RAM_BASE;
	header.e_phoff = sizeof header;
	header.e_ehsize = sizeof header;
	header.e_phentsize = sizeof segment;
	header.e_phnum = 1;
	segment.p_type = PT_LOAD;
	segment.p_flags = PF_R | PF_W | PF_X;
	segment.p_offset = offset;
	segment.p_vaddr = segment.p_paddr = RAM_BASE;
	segment.p_filesz = segment.p_memsz = code;
	memcpy(image, &header, sizeof header);
	memcpy(image + sizeof header, &segment, sizeof segment);

	config.elf_image = image;
	config.elf_bytes = offset + code;
	vm = vm_create(&config, &fuzz_host, &error);
	if (!vm)
		abort(); /* a well-formed image that fits must load */
	if (vm_run(vm, &result, &error) != 0)
		abort();
	for (unsigned h = 0; h < config.harts; h++)
		if (result.instret[h] > config.max_insns + config.quantum)
			abort(); /* ran past its budget */
	vm_destroy(vm);
	return 0;
}
