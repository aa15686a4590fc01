/* Every (kernel, lock) pair the build compiled, from the generated kernel_table.c. */
#ifndef LOCKLAB_KERNEL_TABLE_H
#define LOCKLAB_KERNEL_TABLE_H

#include <stddef.h>

#include "workloads/kernel.h"

struct kernel_entry {
	const char *kernel;
	const char *lock;
	kernel_fn run;
};

extern const struct kernel_entry kernel_table[];
extern const size_t kernel_table_count;

/* NULL when that pair was not compiled. */
kernel_fn kernel_find(const char *kernel, const char *lock);

#endif
