/* LZ77 compression of generated text and its decompression, checked. */
#include "suite.h"

#define LZ_INPUT 65536u
#define LZ_HASH 4096u
uint64_t kernel_run(uint32_t iterations, uint8_t *arena)
{
	static const char words[][8] = { "lock ", "mutex ", "spin ", "queue ", "the ", "wait ",
					 "hart ", "cache ", "line ", "park " };
	uint8_t *input = arena, *packed = arena + LZ_INPUT, *output = packed + 2 * LZ_INPUT;
	uint32_t *head = (uint32_t *)(void *)(output + LZ_INPUT);
	uint64_t state = 0x2545f4914f6cdd1dull, sum = 0;

	for (uint32_t it = 0; it < iterations; it++) {
		uint32_t n = 0, p = 0, out = 0;

		while (n < LZ_INPUT) {
			const char *w = words[suite_next(&state) % 10];

			for (uint32_t k = 0; w[k] && n < LZ_INPUT; k++)
				input[n++] = (uint8_t)w[k];
		}
		for (uint32_t i = 0; i < LZ_HASH; i++)
			head[i] = 0xffffffffu;
		/* Tokens: 0, literal byte | 1, 16-bit distance, length byte. */
		while (p < LZ_INPUT) {
			uint32_t length = 0, distance = 0;

			if (p + 3 <= LZ_INPUT) {
				uint32_t h = ((uint32_t)input[p] << 16 | (uint32_t)input[p + 1] << 8 |
					      input[p + 2]) * 2654435761u >> 20;
				uint32_t candidate = head[h];

				head[h] = p;
				if (candidate != 0xffffffffu && p - candidate < 65536u) {
					while (p + length < LZ_INPUT && length < 255 &&
					       input[candidate + length] == input[p + length])
						length++;
					distance = p - candidate;
				}
			}
			if (length >= 4) {
				packed[out++] = 1;
				packed[out++] = (uint8_t)distance;
				packed[out++] = (uint8_t)(distance >> 8);
				packed[out++] = (uint8_t)length;
				p += length;
			} else {
				packed[out++] = 0;
				packed[out++] = input[p++];
			}
		}
		uint32_t q = 0, o = 0;
		while (q < out) {
			if (packed[q] == 0) {
				output[o++] = packed[q + 1];
				q += 2;
			} else {
				uint32_t d = packed[q + 1] | (uint32_t)packed[q + 2] << 8, l = packed[q + 3];

				for (uint32_t k = 0; k < l; k++, o++)
					output[o] = output[o - d];
				q += 4;
			}
		}
		uint64_t h = out;
		for (uint32_t i = 0; i < LZ_INPUT; i++)
			h = (h ^ output[i]) * 0x100000001b3ull + (output[i] != input[i]);
		sum = sum * 7 + h + (o != LZ_INPUT);
	}
	return sum;
}
