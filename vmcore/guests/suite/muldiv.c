/* 64-bit multiply and divide: modular exponentiation (32-bit modulus, so
 * products fit), Euclid's gcd, and divisions of 64-bit values. */
#include "suite.h"

uint64_t kernel_run(uint32_t iterations, uint8_t *arena)
{
	uint64_t state = 0xdeadbeefcafef00dull, sum = 0;

	(void)arena;
	for (uint32_t it = 0; it < iterations; it++) {
		for (uint32_t n = 0; n < 256; n++) {
			uint64_t modulus = (suite_next(&state) >> 33) | 3, base = suite_next(&state) % modulus;
			uint64_t exponent = suite_next(&state) >> 40, result = 1;
			uint64_t a = suite_next(&state) | 1, b = suite_next(&state) >> 20 | 1;

			while (exponent) {
				if (exponent & 1)
					result = result * base % modulus;
				base = base * base % modulus;
				exponent >>= 1;
			}
			while (b) {
				uint64_t t = a % b;
				a = b;
				b = t;
			}
			int64_t s = (int64_t)suite_next(&state);
			sum += result + a + (uint64_t)(s / (int64_t)(n + 3)) + (uint64_t)(s % 1000003);
		}
	}
	return sum;
}
