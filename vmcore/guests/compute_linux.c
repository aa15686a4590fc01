/* compute for qemu-riscv64 (make bench-vm): the same kernel as compute.c on one
 * hart, exit status 0 when the result matches, through the Linux exit syscall. */
#include "compute_expected.h"
#include "compute_kernel.h"

#ifndef ROUNDS
#define ROUNDS 200
#endif
#define EXPECTED_OF(rounds) EXPECTED_OF_(rounds)
#define EXPECTED_OF_(rounds) EXPECTED_ROUNDS_##rounds
#define EXPECTED EXPECTED_OF(ROUNDS)

static struct kernel_state state;

static void linux_exit(long code)
{
	register long a0 __asm__("a0") = code;
	register long a7 __asm__("a7") = 93;

	__asm__ volatile("ecall" : : "r"(a0), "r"(a7));
	for (;;)
		;
}

void _start(void)
{
	linux_exit(kernel_rounds(&state, ROUNDS) == EXPECTED ? 0 : 1);
}
