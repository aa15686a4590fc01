/*
 * ELF64 RISC-V loader: every PT_LOAD goes to its physical address (memsz beyond
 * filesz zeroed), other program headers are ignored, and the symbol table (when
 * present) gives tohost. Anything malformed or foreign is refused with one line.
 */
#include <elf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmcore/machine.h"

static int elf_fail(struct vm_error *error, const char *path, const char *format, ...)
	__attribute__((format(printf, 3, 4)));

static int elf_fail(struct vm_error *error, const char *path, const char *format, ...)
{
	va_list args;

	error->kind = VM_ERROR_ELF;
	snprintf(error->what, sizeof error->what, "--elf");
	snprintf(error->value, sizeof error->value, "%s", path);
	va_start(args, format);
	vsnprintf(error->why, sizeof error->why, format, args);
	va_end(args);
	return -1;
}

/* Headers inside the file may sit at any offset: copied out, never read in place
 * (an Elf64 struct at an odd offset is a misaligned access). */
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

static int elf_check(struct vm *vm, const char *path, const uint8_t *image, size_t size,
		     struct vm_error *error)
{
	const Elf64_Ehdr *header = (const Elf64_Ehdr *)(const void *)image;
	unsigned loads = 0;

	if (size < EI_NIDENT || memcmp(image, ELFMAG, SELFMAG) != 0)
		return elf_fail(error, path, "not an ELF file");
	if (image[EI_CLASS] != ELFCLASS64)
		return elf_fail(error, path, "not a 64-bit ELF (class %u)", image[EI_CLASS]);
	if (image[EI_DATA] != ELFDATA2LSB)
		return elf_fail(error, path, "not little-endian (data %u)", image[EI_DATA]);
	if (size < sizeof *header)
		return elf_fail(error, path, "truncated ELF header (%zu bytes)", size);
	if (header->e_machine != EM_RISCV)
		return elf_fail(error, path, "not RISC-V (e_machine %u)", header->e_machine);
	if (header->e_type != ET_EXEC)
		return elf_fail(error, path, "not an executable (e_type %u)", header->e_type);
	if (header->e_phentsize != sizeof(Elf64_Phdr))
		return elf_fail(error, path, "bad program header size %u", header->e_phentsize);
	if (header->e_phoff > size ||
	    header->e_phnum > (size - header->e_phoff) / sizeof(Elf64_Phdr))
		return elf_fail(error, path, "program headers beyond end of file");
	for (unsigned i = 0; i < header->e_phnum; i++) {
		Elf64_Phdr copy = elf_phdr(image, header, i);
		const Elf64_Phdr *ph = &copy;

		if (ph->p_type != PT_LOAD)
			continue;
		loads++;
		if (ph->p_offset > size || ph->p_filesz > size - ph->p_offset)
			return elf_fail(error, path, "segment %u beyond end of file", i);
		if (ph->p_filesz > ph->p_memsz)
			return elf_fail(error, path, "segment %u file size exceeds memory size", i);
		if (ph->p_memsz && !mem_ram_pointer(vm, ph->p_paddr, ph->p_memsz))
			return elf_fail(error, path,
					"segment %u at 0x%llx+0x%llx outside RAM (%u MiB at 0x80000000)",
					i, (unsigned long long)ph->p_paddr,
					(unsigned long long)ph->p_memsz, vm->config.mem_mib);
	}
	if (loads == 0)
		return elf_fail(error, path, "no PT_LOAD segment");
	if (!mem_ram_pointer(vm, header->e_entry, 4))
		return elf_fail(error, path, "entry 0x%llx outside RAM",
				(unsigned long long)header->e_entry);
	return 0;
}

int elf_load(struct vm *vm, const char *path, uint64_t *entry, struct vm_error *error)
{
	FILE *file = fopen(path, "rb");
	uint8_t *image = NULL;
	size_t size = 0, capacity = 0, got;
	const Elf64_Ehdr *header;
	int result = -1;

	if (!file)
		return elf_fail(error, path, "%s", strerror(errno));
	do {
		if (size == capacity) {
			uint8_t *grown;

			capacity = capacity ? capacity * 2 : 65536;
			grown = realloc(image, capacity);
			if (!grown) {
				elf_fail(error, path, "out of memory");
				goto out;
			}
			image = grown;
		}
		got = fread(image + size, 1, capacity - size, file);
		size += got;
	} while (got > 0);
	if (ferror(file)) {
		/* A directory opens but cannot be read: say "Is a directory". */
		elf_fail(error, path, "%s", strerror(errno));
		goto out;
	}
	if (elf_check(vm, path, image, size, error) != 0)
		goto out;
	header = (const Elf64_Ehdr *)(const void *)image;
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
	result = 0;
out:
	free(image);
	fclose(file);
	return result;
}
