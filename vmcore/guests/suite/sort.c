/* Sorting: quicksort (explicit stack, insertion sort below 16) of 16,384 words. */
#include "suite.h"

#define SORT_N 16384u
uint64_t kernel_run(uint32_t iterations, uint8_t *arena)
{
	uint32_t *a = (uint32_t *)(void *)arena;
	int32_t stack[128];
	uint64_t state = 88172645463325252ull, sum = 0;

	for (uint32_t it = 0; it < iterations; it++) {
		unsigned top = 0;

		for (uint32_t i = 0; i < SORT_N; i++)
			a[i] = (uint32_t)suite_next(&state);
		stack[top++] = 0;
		stack[top++] = SORT_N - 1;
		while (top > 0) {
			int32_t high = stack[--top], low = stack[--top];

			while (high > low + 16) {
				uint32_t pivot = a[low + (high - low) / 2];
				int32_t i = low, j = high;

				while (i <= j) {
					while (a[i] < pivot)
						i++;
					while (a[j] > pivot)
						j--;
					if (i <= j) {
						uint32_t t = a[i];
						a[i] = a[j];
						a[j] = t;
						i++;
						j--;
					}
				}
				/* The larger side waits on the stack, the smaller goes on. */
				if (j - low > high - i) {
					stack[top++] = low;
					stack[top++] = j;
					low = i;
				} else {
					stack[top++] = i;
					stack[top++] = high;
					high = j;
				}
			}
			for (int32_t i = low + 1; i <= high; i++) {
				uint32_t v = a[i];
				int32_t k = i;

				for (; k > low && a[k - 1] > v; k--)
					a[k] = a[k - 1];
				a[k] = v;
			}
		}
		for (uint32_t i = 0; i < SORT_N; i++)
			sum = sum * 31 + (a[i] ^ i) + (i > 0 && a[i - 1] > a[i] ? 0xdeadull : 0);
	}
	return sum;
}
