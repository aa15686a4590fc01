/*
 * The compute kernel, shared by the vmcore guest (compute.c) and the Linux build
 * run under qemu-riscv64 for make bench-vm (compute_linux.c), so both execute the
 * same instructions. Plain fixed-width integer C: a native build computes the
 * same results, which is where the guests' expected values come from
 * (compute_expected.c writes them at build time).
 */
#ifndef GUEST_COMPUTE_KERNEL_H
#define GUEST_COMPUTE_KERNEL_H

#include <stddef.h>
#include <stdint.h>

#define KERNEL_BYTES 4096
#define KERNEL_SORT 512
#define KERNEL_MATRIX 24

struct kernel_state {
	uint8_t bytes[KERNEL_BYTES];
	uint32_t sort[KERNEL_SORT];
	int32_t a[KERNEL_MATRIX][KERNEL_MATRIX], b[KERNEL_MATRIX][KERNEL_MATRIX];
	int32_t c[KERNEL_MATRIX][KERNEL_MATRIX];
};

struct kernel_result {
	uint32_t crc;
	uint32_t sort_sum;   /* sum of sorted[i] * (i + 1) */
	uint32_t matrix_sum; /* sum of c[i][j] ^ (i * 31 + j), modulo 2^32 */
	uint32_t sorted;     /* 1 when ascending */
};

static inline uint32_t kernel_crc32(uint32_t crc, const uint8_t *data, size_t length)
{
	crc = ~crc;
	for (size_t i = 0; i < length; i++) {
		crc ^= data[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}

static inline void kernel_sort(uint32_t *v, int n)
{
	/* Shell sort: branchy, loads and stores, no recursion. */
	for (int gap = n / 2; gap > 0; gap /= 2) {
		for (int i = gap; i < n; i++) {
			uint32_t t = v[i];
			int j = i;

			for (; j >= gap && v[j - gap] > t; j -= gap)
				v[j] = v[j - gap];
			v[j] = t;
		}
	}
}

static inline void kernel_run(struct kernel_state *s, uint32_t seed, struct kernel_result *r)
{
	uint32_t x = seed;

	for (int i = 0; i < KERNEL_BYTES; i++) {
		x = x * 1664525u + 1013904223u;
		s->bytes[i] = (uint8_t)(x >> 24);
	}
	for (int i = 0; i < KERNEL_SORT; i++) {
		x = x * 1664525u + 1013904223u;
		s->sort[i] = x >> 8;
	}
	for (int i = 0; i < KERNEL_MATRIX; i++) {
		for (int j = 0; j < KERNEL_MATRIX; j++) {
			x = x * 1664525u + 1013904223u;
			s->a[i][j] = (int32_t)(x >> 20) - 2048;
			x = x * 1664525u + 1013904223u;
			s->b[i][j] = (int32_t)(x >> 20) - 2048;
		}
	}
	r->crc = kernel_crc32(0, s->bytes, KERNEL_BYTES);
	kernel_sort(s->sort, KERNEL_SORT);
	r->sort_sum = 0;
	r->sorted = 1;
	for (int i = 0; i < KERNEL_SORT; i++) {
		r->sort_sum += s->sort[i] * (uint32_t)(i + 1);
		if (i && s->sort[i - 1] > s->sort[i])
			r->sorted = 0;
	}
	r->matrix_sum = 0;
	for (int i = 0; i < KERNEL_MATRIX; i++) {
		for (int j = 0; j < KERNEL_MATRIX; j++) {
			int32_t sum = 0;

			for (int k = 0; k < KERNEL_MATRIX; k++)
				sum += s->a[i][k] * s->b[k][j];
			s->c[i][j] = sum;
			r->matrix_sum += (uint32_t)(sum ^ (i * 31 + j));
		}
	}
}

/* Rounds with seeds 1..rounds; the folded result every caller checks. */
static inline uint32_t kernel_rounds(struct kernel_state *s, unsigned rounds)
{
	uint32_t fold = 0;

	for (unsigned round = 1; round <= rounds; round++) {
		struct kernel_result r;

		kernel_run(s, round, &r);
		if (!r.sorted)
			return 0;
		fold = (fold * 31u) ^ r.crc ^ (r.sort_sum * 7u) ^ (r.matrix_sum * 13u);
	}
	return fold;
}

#endif
