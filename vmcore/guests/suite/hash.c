/* Hashing with atomics: open addressing by compare-and-swap (LR/SC in the
 * guest), hit counts by fetch-and-add (AMO). */
#include "suite.h"

#define HASH_SLOTS 65536u
uint64_t kernel_run(uint32_t iterations, uint8_t *arena)
{
	uint64_t *keys = (uint64_t *)(void *)arena;
	uint32_t *hits = (uint32_t *)(void *)(arena + HASH_SLOTS * sizeof(uint64_t));
	uint64_t state = 0x9e3779b97f4a7c15ull, sum = 0;

	for (uint32_t it = 0; it < iterations; it++) {
		for (uint32_t i = 0; i < HASH_SLOTS; i++) {
			keys[i] = 0;
			hits[i] = 0;
		}
		for (uint32_t n = 0; n < HASH_SLOTS / 2; n++) {
			uint64_t key = (suite_next(&state) & 0xfffffull) | 1;
			uint32_t slot = (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 48);

			for (;;) {
				uint64_t expected = 0;

				if (__atomic_compare_exchange_n(&keys[slot], &expected, key, false,
								__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
				    expected == key) {
					sum += __atomic_fetch_add(&hits[slot], 1u, __ATOMIC_RELAXED);
					break;
				}
				slot = (slot + 1) & (HASH_SLOTS - 1);
			}
		}
		for (uint32_t i = 0; i < HASH_SLOTS; i++)
			sum = sum * 3 + keys[i] * hits[i];
	}
	return sum;
}
