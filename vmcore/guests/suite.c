/*
 * A suite kernel as a bare-metal vmcore guest (make bench-vm, make test): the
 * kernel linked in (suite/<kernel>.c) runs on every hart up to SUITE_HARTS, each
 * an independent copy on its own arena (no shared writes), and hart 0 waits for
 * the others and checks every hart's checksum against the native build's
 * (kernel_expected.h). The iteration count is --guest-iters, else the build's
 * SUITE_ITERATIONS; a count the table has no checksum for fails with code 99.
 */
#include "kernel_expected.h"
#include "lib.h"
#include "suite/suite.h"

#define SUITE_HARTS 4

static uint8_t arenas[SUITE_HARTS][SUITE_ARENA_BYTES] __attribute__((aligned(4096)));
static uint64_t results[SUITE_HARTS];
static const struct suite_expected expected[] = SUITE_EXPECTED;

int main(unsigned hart)
{
	unsigned harts = hart_count();
	uint32_t iterations = guest_iterations(SUITE_ITERATIONS);

	if (hart < SUITE_HARTS)
		results[hart] = kernel_run(iterations, arenas[hart]);
	if (hart != 0) {
		finish_arrive();
		return 0;
	}
	/* finish_wait's acquire orders the other harts' results before the reads. */
	finish_wait();
	for (size_t e = 0; e < sizeof expected / sizeof expected[0]; e++) {
		if (expected[e].iterations != iterations)
			continue;
		for (unsigned i = 0; i < harts && i < SUITE_HARTS; i++)
			CHECK(results[i] == expected[e].checksum, 10 + i);
		uart_puts(SUITE_NAME ": ok\n");
		return 0;
	}
	return 99;
}
