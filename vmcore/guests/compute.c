/* compute: CRC32, sort and matrix multiply on every hart, checked against values
 * computed on the host from the same kernel (compute_kernel.h). */
#include "compute_kernel.h"
#include "lib.h"

#ifndef ROUNDS
#define ROUNDS 4
#endif
#define COMPUTE_HARTS 8

#if ROUNDS == 4
#define EXPECTED 0x97234e68u
#elif ROUNDS == 64
#define EXPECTED 0x6a788c41u
#elif ROUNDS == 200
#define EXPECTED 0x7e01ac21u
#else
#error "no expected value for this ROUNDS"
#endif

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
