/* Pointer chasing over a 4 MiB working set: one random cycle (Sattolo), walked. */
#include "suite.h"

#define CHASE_N (SUITE_ARENA_BYTES / sizeof(uint32_t))
uint64_t kernel_run(uint32_t iterations, uint8_t *arena)
{
	uint32_t *next = (uint32_t *)(void *)arena;
	uint64_t state = 0x853c49e6748fea9bull, sum = 0;
	uint32_t at = 0;

	for (uint32_t i = 0; i < CHASE_N; i++)
		next[i] = i;
	for (uint32_t i = CHASE_N - 1; i > 0; i--) {
		uint32_t j = (uint32_t)(suite_next(&state) % i), t = next[i];

		next[i] = next[j];
		next[j] = t;
	}
	for (uint32_t it = 0; it < iterations; it++)
		for (uint32_t step = 0; step < 65536; step++) {
			at = next[at];
			sum += at;
		}
	return sum;
}
