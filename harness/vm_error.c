#include "harness/vm_error.h"

#include <stdio.h>

#include "harness/cli.h"

int vm_error_words(const struct vm_error *error, const char *elf_path, unsigned mem_mib,
		   struct vm_error_words *words)
{
	switch (error->code) {
	case VM_ERR_ELF:
		words->what = "--elf";
		snprintf(words->value, sizeof words->value, "%s", elf_path);
		return EXIT_USAGE;
	case VM_ERR_RAM:
		words->what = "--mem";
		snprintf(words->value, sizeof words->value, "%u", mem_mib);
		return EXIT_ENVIRONMENT;
	default:
		words->what = "vm";
		snprintf(words->value, sizeof words->value, "%s", error->value);
		return EXIT_ENVIRONMENT;
	}
}
