/* The claim the harness rests on: every lock's kernels were compiled with the lock
 * inlined, so the measured loop holds no indirect call. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "locks/registry.h"
#include "workloads/kernel_table.h"
#include "workloads/workloads.h"

Test(kernels, every_lock_has_every_kernel)
{
	for (size_t l = 0; l < ll_registry_count; l++)
		for (size_t w = 0; w < workload_registry_count; w++)
			cr_expect_not_null(kernel_find(workload_registry[w].kernel, ll_registry[l].name),
					   "%s for %s", workload_registry[w].kernel,
					   ll_registry[l].name);
}

Test(kernels, no_kernel_object_makes_an_indirect_call)
{
	char command[512], line[512];
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	size_t objects = 0;

	for (size_t i = 0; i < kernel_table_count; i++) {
		snprintf(command, sizeof command, "objdump -d --no-show-raw-insn %s/kernels/%s/%s.o",
			 build, kernel_table[i].kernel, kernel_table[i].lock);
		FILE *listing = popen(command, "r");
		size_t lines = 0;

		cr_assert_not_null(listing);
		while (fgets(line, sizeof line, listing) != NULL) {
			lines++;
			/* x86-64 "call *%rax" / "jmp *...", aarch64 "blr" / "br". */
			bool indirect = strstr(line, "call   *") || strstr(line, "jmp    *") ||
					strstr(line, "\tblr\t") || strstr(line, "\tbr\t");
			cr_expect_not(indirect, "%s/%s: %s", kernel_table[i].kernel,
				      kernel_table[i].lock, line);
		}
		if (pclose(listing) != 0 && lines == 0)
			cr_skip_test("objdump is not available");
		cr_expect_gt(lines, 10, "no disassembly for %s", command);
		objects++;
	}
	cr_expect_eq(objects, kernel_table_count);
}
