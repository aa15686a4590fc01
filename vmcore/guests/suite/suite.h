/*
 * The VM benchmark suite's contract (make bench-vm). Each kernel is one file of
 * plain fixed-width integer C, no libc, compiled three ways from the same source:
 * a bare-metal vmcore guest (../suite.c), a static riscv64 Linux program
 * (../suite_linux.c) and a native program whose output is the other two's
 * expected checksums (../suite_expected.c). None of the kernels was used to
 * choose anything in vmcore (vmcore/README.md, "The suite").
 */
#ifndef SUITE_SUITE_H
#define SUITE_SUITE_H

#include <stdbool.h>
#include <stdint.h>

/* Every kernel's data lives in one arena of this size that the caller owns, so
 * harts run independent copies with no shared writes. */
#define SUITE_ARENA_BYTES (4u << 20)

/* Runs the kernel's loop iterations times over arena; returns its checksum,
 * the same on every build for the same count. */
uint64_t kernel_run(uint32_t iterations, uint8_t *arena);

/* A row of the expected checksums the native build writes (kernel_expected.h:
 * SUITE_EXPECTED, an initializer of these) for the guests to check against. */
struct suite_expected {
	uint32_t iterations;
	uint64_t checksum;
};

/* xorshift64: the kernels' inputs, identical on every build. */
static inline uint64_t suite_next(uint64_t *state)
{
	uint64_t x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return *state = x;
}

#endif
