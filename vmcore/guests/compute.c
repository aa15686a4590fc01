/* compute: CRC32, sort and matrix multiply on every hart, checked against values
 * computed by a native build of the same kernel (compute_expected.c). */
#include "compute_expected.h"
#include "compute_kernel.h"
#include "lib.h"

#ifndef ROUNDS
#define ROUNDS 4
#endif
#define COMPUTE_HARTS 8

/* EXPECTED_ROUNDS_<n>, generated from a native build of compute_kernel.h. */
#define EXPECTED_OF(rounds) EXPECTED_OF_(rounds)
#define EXPECTED_OF_(rounds) EXPECTED_ROUNDS_##rounds
#define EXPECTED EXPECTED_OF(ROUNDS)

static struct kernel_state states[COMPUTE_HARTS];
static uint32_t results[COMPUTE_HARTS];

int main(unsigned hart)
{
	unsigned harts = hart_count();

	if (hart < COMPUTE_HARTS)
		results[hart] = kernel_rounds(&states[hart], ROUNDS);
	barrier();
	if (hart != 0)
		return 0;
	for (unsigned i = 0; i < harts && i < COMPUTE_HARTS; i++)
		CHECK(results[i] == EXPECTED, 10 + i);
	uart_puts("compute: ok\n");
	return 0;
}
