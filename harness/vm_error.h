/*
 * vmcore's error codes (vmcore/vm.h) in locklab's words. vmcore knows no option
 * names: each code becomes the option it concerns and that option's value, so
 * its one line reads like any other option error ("locklab: --elf: FILE: not
 * RISC-V (e_machine 62)"), and the exit status the code calls for.
 */
#ifndef LOCKLAB_VM_ERROR_H
#define LOCKLAB_VM_ERROR_H

#include <stddef.h>

#include "vmcore/vm.h"

struct vm_error_words {
	const char *what; /* "--elf", "--mem", or "vm" for a part of the machine */
	char value[256];  /* the option's value, or the part vmcore named */
};

/* elf_path and mem_mib: the run's --elf and --mem. Returns the exit status:
 * EXIT_USAGE for an image vmcore refused, EXIT_ENVIRONMENT for the rest. */
int vm_error_words(const struct vm_error *error, const char *elf_path, unsigned mem_mib,
		   struct vm_error_words *words);

#endif
