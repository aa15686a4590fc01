/*
 * A suite kernel as a static riscv64 Linux program (make bench-vm): the same
 * kernel source as the bare-metal guest, run once for SUITE_ITERATIONS under
 * qemu-riscv64, or on vmcore through its Linux shim (`locklab vm --linux`),
 * which counts its instructions. It writes one line (write, 64) and exits
 * (exit, 93) with 0 when the checksum is the native build's, 1 when not, 99 when
 * the table has no checksum for the count. Linked inside vmcore's RAM (the
 * Makefile's --image-base) so one binary runs on both.
 */
#include <stddef.h>

#include "kernel_expected.h"
#include "suite/suite.h"

static _Alignas(4096) uint8_t arena[SUITE_ARENA_BYTES];
static const struct suite_expected expected[] = SUITE_EXPECTED;

static long linux_call(long number, long a0, long a1, long a2)
{
	register long x10 __asm__("a0") = a0;
	register long x11 __asm__("a1") = a1;
	register long x12 __asm__("a2") = a2;
	register long x17 __asm__("a7") = number;

	__asm__ volatile("ecall" : "+r"(x10) : "r"(x11), "r"(x12), "r"(x17) : "memory");
	return x10;
}

static void linux_say(const char *text)
{
	unsigned long length = 0;

	while (text[length])
		length++;
	linux_call(64, 1, (long)text, (long)length);
}

void _start(void)
{
	uint64_t checksum = kernel_run(SUITE_ITERATIONS, arena);
	long status = 99;

	for (unsigned long e = 0; e < sizeof expected / sizeof expected[0]; e++)
		if (expected[e].iterations == SUITE_ITERATIONS)
			status = checksum == expected[e].checksum ? 0 : 1;
	linux_say(status == 0 ? SUITE_NAME ": ok\n" : SUITE_NAME ": wrong checksum\n");
	linux_call(93, status, 0, 0);
	for (;;)
		;
}
