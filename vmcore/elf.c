/*
 * ELF64 RISC-V loader over an image the host read (vmcore opens no file): every
 * PT_LOAD goes to its physical address (memsz beyond filesz zeroed), other
 * program headers are ignored, and the symbol table (when present) gives tohost.
 * Anything malformed or foreign is refused with one reason (VM_ERR_ELF); the
 * caller names the file.
 */
#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmcore/machine.h"

static int elf_fail(struct vm_error *error, const char *format, ...)
	__attribute__((format(printf, 2, 3)));

static int elf_fail(struct vm_error *error, const char *format, ...)
{
	va_list args;

	error->code = VM_ERR_ELF;
	error->value[0] = '\0';
	va_start(args, format);
	vsnprintf(error->why, sizeof error->why, format, args);
	va_end(args);
	return -1;
}

/* Headers inside the image may sit at any offset, and the image at any address:
 * copied out, never read in place (an Elf64 struct at an odd address is a
 * misaligned access). */
static Elf64_Phdr elf_phdr(const uint8_t *image, const Elf64_Ehdr *header, unsigned i)
{
	Elf64_Phdr ph;

	memcpy(&ph, image + header->e_phoff + (size_t)i * sizeof ph, sizeof ph);
	return ph;
}

static void elf_find_tohost(struct vm *vm, const uint8_t *image, size_t size,
			    const Elf64_Ehdr *header)
{
	if (header->e_shoff == 0 || header->e_shentsize != sizeof(Elf64_Shdr) ||
	    header->e_shoff > size || header->e_shnum > (size - header->e_shoff) / sizeof(Elf64_Shdr))
		return; /* no usable section headers: no tohost, exit device only */
	for (unsigned i = 0; i < header->e_shnum; i++) {
		Elf64_Shdr symtab, strtab;

		memcpy(&symtab, image + header->e_shoff + (size_t)i * sizeof symtab, sizeof symtab);
		if (symtab.sh_type != SHT_SYMTAB || symtab.sh_link >= header->e_shnum)
			continue;
		memcpy(&strtab, image + header->e_shoff + (size_t)symtab.sh_link * sizeof strtab,
		       sizeof strtab);
		if (symtab.sh_offset > size || symtab.sh_size > size - symtab.sh_offset ||
		    strtab.sh_offset > size || strtab.sh_size > size - strtab.sh_offset)
			continue;
		for (size_t s = 0; s < symtab.sh_size / sizeof(Elf64_Sym); s++) {
			Elf64_Sym symbol;
			const char *name;

			memcpy(&symbol, image + symtab.sh_offset + s * sizeof symbol, sizeof symbol);
			if (symbol.st_name >= strtab.sh_size)
				continue;
			name = (const char *)image + strtab.sh_offset + symbol.st_name;
			if (strnlen(name, strtab.sh_size - symbol.st_name) ==
			    strtab.sh_size - symbol.st_name)
				continue;
			if (strcmp(name, "tohost") == 0 && mem_ram_pointer(vm, symbol.st_value, 8)) {
				vm->tohost_addr = symbol.st_value;
				return;
			}
		}
	}
}

/* 0 with the file header copied into *header, or -1 with the reason. */
static int elf_check(struct vm *vm, const uint8_t *image, size_t size, Elf64_Ehdr *header,
		     struct vm_error *error)
{
	unsigned loads = 0;

	if (size < EI_NIDENT || memcmp(image, ELFMAG, SELFMAG) != 0)
		return elf_fail(error, "not an ELF file");
	if (image[EI_CLASS] != ELFCLASS64)
		return elf_fail(error, "not a 64-bit ELF (class %u)", image[EI_CLASS]);
	if (image[EI_DATA] != ELFDATA2LSB)
		return elf_fail(error, "not little-endian (data %u)", image[EI_DATA]);
	if (size < sizeof *header)
		return elf_fail(error, "truncated ELF header (%zu bytes)", size);
	memcpy(header, image, sizeof *header);
	if (header->e_machine != EM_RISCV)
		return elf_fail(error, "not RISC-V (e_machine %u)", header->e_machine);
	if (header->e_type != ET_EXEC)
		return elf_fail(error, "not an executable (e_type %u)", header->e_type);
	if (header->e_phentsize != sizeof(Elf64_Phdr))
		return elf_fail(error, "bad program header size %u", header->e_phentsize);
	if (header->e_phoff > size ||
	    header->e_phnum > (size - header->e_phoff) / sizeof(Elf64_Phdr))
		return elf_fail(error, "program headers beyond end of file");
	for (unsigned i = 0; i < header->e_phnum; i++) {
		Elf64_Phdr copy = elf_phdr(image, header, i);
		const Elf64_Phdr *ph = &copy;

		if (ph->p_type != PT_LOAD)
			continue;
		loads++;
		if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
			return elf_fail(error, "segment %u beyond end of file", i);
		if (ph->p_filesz > ph->p_memsz)
			return elf_fail(error, "segment %u file size exceeds memory size", i);
		if (ph->p_memsz && !mem_ram_pointer(vm, ph->p_paddr, ph->p_memsz))
			return elf_fail(error,
					"segment %u at 0x%llx+0x%llx outside RAM (%u MiB at 0x80000000)",
					i, (unsigned long long)ph->p_paddr,
					(unsigned long long)ph->p_memsz, vm->config.mem_mib);
	}
	if (loads == 0)
		return elf_fail(error, "no PT_LOAD segment");
	if (!mem_ram_pointer(vm, header->e_entry, 4))
		return elf_fail(error, "entry 0x%llx outside RAM",
				(unsigned long long)header->e_entry);
	return 0;
}

int elf_load(struct vm *vm, const uint8_t *image, size_t size, uint64_t *entry,
	     struct vm_error *error)
{
	Elf64_Ehdr copy_of_header;
	const Elf64_Ehdr *header = &copy_of_header;

	if (elf_check(vm, image, size, &copy_of_header, error) != 0)
		return -1;
	for (unsigned i = 0; i < header->e_phnum; i++) {
		Elf64_Phdr copy = elf_phdr(image, header, i);
		const Elf64_Phdr *ph = &copy;
		uint8_t *target;

		if (ph->p_type != PT_LOAD || ph->p_memsz == 0)
			continue;
		target = mem_ram_pointer(vm, ph->p_paddr, ph->p_memsz);
		memcpy(target, image + ph->p_offset, ph->p_filesz);
		memset(target + ph->p_filesz, 0, ph->p_memsz - ph->p_filesz);
	}
	*entry = header->e_entry;
	elf_find_tohost(vm, image, size, header);
	return 0;
}
