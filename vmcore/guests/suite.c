/* A suite guest (make bench-vm): kernel SUITE_KERNEL of suite_kernels.h on every
 * hart (at most SUITE_HARTS), each on its own arena with no shared writes, hart 0
 * checking every hart's checksum against a native build's (suite_expected.h).
 * The iteration count comes from --guest-iters (default SUITE_DEFAULT_ITERS);
 * a count the table has no value for fails with code 99. */
#include "lib.h"
#include "suite_expected.h"
#include "suite_kernels.h"

#define SUITE_HARTS 4

#define SUITE_CALL(name) SUITE_CALL_(name)
#define SUITE_CALL_(name) kernel_##name
#define SUITE_TEXT(name) SUITE_TEXT_(name)
#define SUITE_TEXT_(name) #name

static uint8_t arenas[SUITE_HARTS][SUITE_ARENA_BYTES] __attribute__((aligned(4096)));
static uint64_t results[SUITE_HARTS];

static const struct {
	const char *kernel;
	uint32_t iterations;
	uint64_t checksum;
} expected[] = { SUITE_EXPECTED_TABLE };

static int same_name(const char *a, const char *b)
{
	while (*a && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

int main(unsigned hart)
{
	unsigned harts = hart_count();
	uint32_t iterations = guest_iterations(SUITE_DEFAULT_ITERS);

	if (hart < SUITE_HARTS)
		results[hart] = SUITE_CALL(SUITE_KERNEL)(iterations, arenas[hart]);
	barrier();
	if (hart != 0)
		return 0;
	for (size_t e = 0; e < sizeof expected / sizeof expected[0]; e++) {
		if (!same_name(expected[e].kernel, SUITE_TEXT(SUITE_KERNEL)) ||
		    expected[e].iterations != iterations)
			continue;
		for (unsigned i = 0; i < harts && i < SUITE_HARTS; i++)
			CHECK(results[i] == expected[e].checksum, 10 + i);
		uart_puts(SUITE_TEXT(SUITE_KERNEL) ": ok\n");
		return 0;
	}
	return 99;
}
