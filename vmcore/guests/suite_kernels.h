/*
 * The VM benchmark suite's kernels (make bench-vm): plain fixed-width integer C,
 * built as a guest (suite.c) and natively (suite_expected.c), so a native run
 * gives each guest's expected checksum. None of them was used to choose
 * anything in vmcore: the fused pairs come from the compute guest, and the
 * compiler (jit.h) decides at run time.
 *
 * Each kernel takes an iteration count and an arena of SUITE_ARENA_BYTES it
 * owns, and returns a checksum.
 */
#ifndef SUITE_KERNELS_H
#define SUITE_KERNELS_H

#include <stdbool.h>
#include <stdint.h>

#define SUITE_ARENA_BYTES (4u << 20)

static inline uint64_t suite_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

/* Sorting: quicksort (explicit stack, insertion sort below 16) of 16,384 words. */
#define SORT_N 16384u
static inline uint64_t kernel_sort(uint32_t iterations, uint8_t *arena)
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

/* Hashing with atomics: open addressing by compare-and-swap (LR/SC in the
 * guest), hit counts by fetch-and-add (AMO). */
#define HASH_SLOTS 65536u
static inline uint64_t kernel_hash(uint32_t iterations, uint8_t *arena)
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

/* A bytecode interpreter inside the guest: a register machine whose program
 * runs nested loops of arithmetic, dispatched by a switch (indirect jumps). */
enum { BC_LOADI, BC_ADD, BC_MUL, BC_XOR, BC_SHR, BC_ADDI, BC_DECJNZ, BC_AND, BC_HALT };
struct bc_insn {
	uint8_t op, a, b, c;
	int32_t imm;
};
static inline uint64_t kernel_interp(uint32_t iterations, uint8_t *arena)
{
	struct bc_insn *program = (struct bc_insn *)(void *)arena;
	/* r0 outer counter, r1 inner counter, r2 accumulator, r3 scratch */
	static const struct bc_insn source[] = {
		{ BC_LOADI, 2, 0, 0, 7 },	  /* 0 */
		{ BC_LOADI, 1, 0, 0, 1000 },	  /* 1: inner loop count */
		{ BC_MUL, 3, 2, 2, 0 },		  /* 2: r3 = r2 * r2 */
		{ BC_SHR, 3, 3, 0, 17 },	  /* 3 */
		{ BC_XOR, 2, 2, 3, 0 },		  /* 4 */
		{ BC_ADDI, 2, 2, 0, 0x3779 },	  /* 5 */
		{ BC_AND, 3, 2, 1, 0 },		  /* 6 */
		{ BC_ADD, 2, 2, 3, 0 },		  /* 7 */
		{ BC_DECJNZ, 1, 0, 0, 2 },	  /* 8: back to 2 */
		{ BC_DECJNZ, 0, 0, 0, 1 },	  /* 9: back to 1 */
		{ BC_HALT, 0, 0, 0, 0 },
	};
	uint64_t r[4], sum = 0;

	for (uint32_t i = 0; i < sizeof source / sizeof source[0]; i++)
		program[i] = source[i];
	for (uint32_t it = 0; it < iterations; it++) {
		const struct bc_insn *pc = program;

		r[0] = 100;
		r[1] = r[2] = r[3] = it;
		for (;;) {
			const struct bc_insn *in = pc++;

			switch (in->op) {
			case BC_LOADI: r[in->a] = (uint64_t)(int64_t)in->imm; break;
			case BC_ADD: r[in->a] = r[in->b] + r[in->c]; break;
			case BC_MUL: r[in->a] = r[in->b] * r[in->c]; break;
			case BC_XOR: r[in->a] = r[in->b] ^ r[in->c]; break;
			case BC_SHR: r[in->a] = r[in->b] >> in->imm; break;
			case BC_ADDI: r[in->a] = r[in->b] + (uint64_t)(int64_t)in->imm; break;
			case BC_AND: r[in->a] = r[in->b] & r[in->c]; break;
			case BC_DECJNZ:
				if (--r[in->a] != 0)
					pc = program + in->imm;
				break;
			default:
				goto halt;
			}
		}
halt:
		sum = sum * 1000003 + r[2];
	}
	return sum;
}

/* LZ77 compression of generated text and its decompression, checked. */
#define LZ_INPUT 65536u
#define LZ_HASH 4096u
static inline uint64_t kernel_lz(uint32_t iterations, uint8_t *arena)
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

/* 64-bit multiply and divide: modular exponentiation (32-bit modulus, so
 * products fit), Euclid's gcd, and divisions of 64-bit values. */
static inline uint64_t kernel_muldiv(uint32_t iterations, uint8_t *arena)
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

/* Pointer chasing over a 4 MiB working set: one random cycle (Sattolo), walked. */
#define CHASE_N (SUITE_ARENA_BYTES / sizeof(uint32_t))
static inline uint64_t kernel_chase(uint32_t iterations, uint8_t *arena)
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

/* By name, for the guest and the native build. */
#define SUITE_KERNELS(X) X(sort) X(hash) X(interp) X(lz) X(muldiv) X(chase)

#endif
