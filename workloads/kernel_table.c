#include "workloads/kernel_table.h"

#include <string.h>

kernel_fn kernel_find(const char *kernel, const char *lock)
{
	for (size_t i = 0; i < kernel_table_count; i++)
		if (strcmp(kernel_table[i].kernel, kernel) == 0 &&
		    strcmp(kernel_table[i].lock, lock) == 0)
			return kernel_table[i].run;
	return NULL;
}
