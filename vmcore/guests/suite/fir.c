/* Integer DSP: a 32-tap symmetric FIR filter over a block of 16-bit samples in
 * Q15 fixed point with saturation, then a 5x5 convolution of a 64x64 8-bit image
 * made from its output. Multiply-accumulate loops whose branches are all loop
 * bounds, the shape of audio and image filters. */
#include "suite.h"

#define FIR_SAMPLES 4096u
#define FIR_TAPS 32u
#define FIR_SIDE 64u

static int16_t fir_saturate(int32_t value)
{
	return value > 32767 ? 32767 : value < -32768 ? -32768 : (int16_t)value;
}

uint64_t kernel_run(uint32_t iterations, uint8_t *arena)
{
	static const int8_t blur[25] = { 1, 2, 3, 2, 1, 2, 4, 6, 4, 2, 3, 6, -9, 6, 3,
					 2, 4, 6, 4, 2, 1, 2, 3, 2, 1 };
	int16_t *signal = (int16_t *)(void *)arena;
	int16_t *filtered = signal + FIR_SAMPLES + FIR_TAPS;
	uint8_t *image = (uint8_t *)(filtered + FIR_SAMPLES);
	int32_t *convolved = (int32_t *)(void *)(image + FIR_SIDE * FIR_SIDE);
	int16_t taps[FIR_TAPS];
	uint64_t state = 0x6a09e667f3bcc909ull, sum = 0;

	/* |tap| < 1024, so 32 products of 16-bit samples stay inside int32. */
	for (uint32_t k = 0; k < FIR_TAPS / 2; k++) {
		int16_t tap = (int16_t)(((k * 97u + 13u) % 1023u) - 300);

		taps[k] = tap;
		taps[FIR_TAPS - 1 - k] = tap;
	}
	for (uint32_t it = 0; it < iterations; it++) {
		for (uint32_t n = 0; n < FIR_SAMPLES + FIR_TAPS; n++)
			signal[n] = (int16_t)(suite_next(&state) >> 48);
		for (uint32_t n = 0; n < FIR_SAMPLES; n++) {
			int32_t acc = 0;

			for (uint32_t k = 0; k < FIR_TAPS; k++)
				acc += (int32_t)signal[n + k] * taps[k];
			filtered[n] = fir_saturate(acc >> 12);
		}
		for (uint32_t i = 0; i < FIR_SIDE * FIR_SIDE; i++)
			image[i] = (uint8_t)((uint16_t)filtered[i] >> 8 ^ i);
		for (uint32_t y = 2; y < FIR_SIDE - 2; y++)
			for (uint32_t x = 2; x < FIR_SIDE - 2; x++) {
				int32_t acc = 0;

				for (uint32_t dy = 0; dy < 5; dy++)
					for (uint32_t dx = 0; dx < 5; dx++)
						acc += blur[dy * 5 + dx] *
						       image[(y + dy - 2) * FIR_SIDE + x + dx - 2];
				convolved[y * FIR_SIDE + x] = acc;
			}
		for (uint32_t n = 0; n < FIR_SAMPLES; n++)
			sum = sum * 31 + (uint16_t)filtered[n];
		for (uint32_t y = 2; y < FIR_SIDE - 2; y++)
			for (uint32_t x = 2; x < FIR_SIDE - 2; x++)
				sum = sum * 17 + (uint32_t)convolved[y * FIR_SIDE + x];
	}
	return sum;
}
