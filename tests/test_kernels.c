/* The claim the harness rests on: every lock's kernels were compiled with the lock
 * inlined, so the measured loop holds no indirect call and no call into the lock's
 * own operations (only its documented out-of-line slow paths, named *_slow). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
		char symbol[160];
		size_t lines = 0;
		bool found = false;

		snprintf(symbol, sizeof symbol, "<kernel_%s__%s>:", kernel_table[i].kernel,
			 kernel_table[i].lock);
		cr_assert_not_null(listing);
		while (fgets(line, sizeof line, listing) != NULL) {
			lines++;
			found |= strstr(line, symbol) != NULL;
			/* x86-64 "call *%rax" / "jmp *...", aarch64 "blr" / "br". */
			bool indirect = strstr(line, "call   *") || strstr(line, "jmp    *") ||
					strstr(line, "\tblr\t") || strstr(line, "\tbr\t");
			cr_expect_not(indirect, "%s/%s: %s", kernel_table[i].kernel,
				      kernel_table[i].lock, line);
		}
		if (pclose(listing) != 0 && lines == 0)
			cr_skip_test("objdump is not available");
		/* The kernel itself was disassembled (the null lock's batch loop
		 * compiles to almost nothing, so no line count would do). */
		cr_expect(found, "no disassembly of %s in %s", symbol, command);
		objects++;
	}
	cr_expect_eq(objects, kernel_table_count);
}

/* How many of the lock's own functions (ll_<lock>_*, defined or called) object
 * holds, its documented slow paths (*_slow) aside; the first such name into first.
 * -1 when nm cannot read it. Shared helpers of locks/base (ll_spin_pauses on
 * ttas_backoff's lost race, the injector in the controls) are out of line by
 * design and called only off the fast path. */
static int lock_symbols_left(const char *object, const char *lock, char *first, size_t size)
{
	char prefix[128];
	char command[512], line[512];
	int left = 0;

	snprintf(command, sizeof command, "nm %s", object);
	FILE *symbols = popen(command, "r");
	if (symbols == NULL)
		return -1;
	first[0] = '\0';
	snprintf(prefix, sizeof prefix, "ll_%s_", lock);
	while (fgets(line, sizeof line, symbols) != NULL) {
		char *name = strrchr(line, ' ');
		name = name ? name + 1 : line;
		name[strcspn(name, "\n")] = '\0';
		size_t len = strlen(name);
		if (strncmp(name, prefix, strlen(prefix)) != 0 || (len > 5 && strcmp(name + len - 5, "_slow") == 0))
			continue;
		if (left++ == 0)
			snprintf(first, size, "%.200s", name);
	}
	return pclose(symbols) == 0 ? left : -1;
}

Test(kernels, no_lock_operation_survives_as_a_called_function)
{
	const char *build = getenv("BUILD") ? getenv("BUILD") : "build";
	char object[512], first[256];

	for (size_t i = 0; i < kernel_table_count; i++) {
		snprintf(object, sizeof object, "%s/kernels/%s/%s.o", build, kernel_table[i].kernel,
			 kernel_table[i].lock);
		int left = lock_symbols_left(object, kernel_table[i].lock, first, sizeof first);
		if (left < 0)
			cr_skip_test("nm is not available");
		cr_expect_eq(left, 0, "%s: %s is a function, not inlined", object, first);
	}
}

/* The check above is able to fail: the same kernel built without optimisation
 * keeps ck_mcs's static inline operations as functions it calls. */
Test(kernels, the_inlining_check_catches_a_lock_left_out_of_line)
{
	char object[] = "/tmp/locklab-kernel-XXXXXX", command[1024], first[256];
	int fd = mkstemp(object);

	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(command, sizeof command,
		 "cc -std=c11 -D_GNU_SOURCE -I. -O0 -include locks/ck_mcs.h -DLL_NAME=ck_mcs "
		 "-c -o %s workloads/k_contended.c 2>/dev/null",
		 object);
	if (system(command) != 0) {
		unlink(object);
		cr_skip_test("no C compiler to build the control");
	}
	int left = lock_symbols_left(object, "ck_mcs", first, sizeof first);
	unlink(object);
	cr_expect_gt(left, 0, "an -O0 kernel calls ll_ck_mcs_lock, and the check must see it");
	cr_expect_eq(strncmp(first, "ll_ck_mcs_", 10), 0, "%s", first);
}
