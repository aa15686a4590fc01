/* churn: JIT-like code generation on every hart at once. Each round a hart writes a
 * new random function (a straight run of addi/xori/slli/srli/add/mul/sub over a0
 * and a1) into its own code page, runs fence.i and calls it, and compares the
 * result with the same operations interpreted in C. Every store to a code page
 * and every fence.i drops decoded blocks (the bcache write side) while the other
 * harts keep decoding theirs (the read side and refills). */
#include "lib.h"

#define DEFAULT_ROUNDS 1000u
#define MAX_OPS 48u

/* One page per hart, so a hart's stores only hit its own code page. */
static uint32_t code[MAX_GUEST_HARTS][1024] __attribute__((aligned(4096)));

enum { OP_ADDI, OP_XORI, OP_SLLI, OP_SRLI, OP_ADD, OP_MUL, OP_SUB, OP_KINDS };

static uint32_t encode_i(unsigned funct3, unsigned rd, unsigned rs1, uint32_t imm)
{
	return ((imm & 0xfffu) << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x13u;
}

static uint32_t encode_r(unsigned funct7, unsigned funct3, unsigned rd, unsigned rs1,
			 unsigned rs2)
{
	return (funct7 << 25) | (rs2 << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x33u;
}

/* Writes the function for one round into out and returns what it computes for
 * (a0, a1), interpreting each operation as it is emitted. */
static uint64_t generate(uint32_t *out, uint32_t *seed, uint64_t a0, uint64_t a1)
{
	unsigned ops = 8 + (*seed >> 24) % (MAX_OPS - 8), n = 0;

	for (unsigned i = 0; i < ops; i++) {
		uint32_t r;
		int32_t imm;

		*seed = *seed * 1103515245u + 12345u;
		r = *seed >> 8;
		imm = (int32_t)(r & 0xfffu) - 2048;
		switch ((r >> 12) % OP_KINDS) {
		case OP_ADDI:
			out[n++] = encode_i(0, 10, 10, (uint32_t)imm);
			a0 += (uint64_t)(int64_t)imm;
			break;
		case OP_XORI:
			out[n++] = encode_i(4, 10, 10, (uint32_t)imm);
			a0 ^= (uint64_t)(int64_t)imm;
			break;
		case OP_SLLI:
			out[n++] = encode_i(1, 10, 10, (r >> 16) & 7);
			a0 <<= (r >> 16) & 7;
			break;
		case OP_SRLI:
			out[n++] = encode_i(5, 10, 10, (r >> 16) & 15);
			a0 >>= (r >> 16) & 15;
			break;
		case OP_ADD:
			out[n++] = encode_r(0, 0, 10, 10, 11);
			a0 += a1;
			break;
		case OP_MUL:
			out[n++] = encode_r(1, 0, 10, 10, 11);
			a0 *= a1;
			break;
		default:
			out[n++] = encode_r(0x20, 0, 11, 11, 10); /* a1 = a1 - a0 */
			a1 -= a0;
			break;
		}
	}
	out[n] = 0x00008067u; /* ret */
	return a0;
}

int main(unsigned hart)
{
	typedef uint64_t (*function)(uint64_t, uint64_t);
	function run = (function)(uintptr_t)code[hart];
	unsigned rounds = guest_iterations(DEFAULT_ROUNDS);
	uint32_t seed = hart * 2246822519u + 7u;

	barrier();
	for (unsigned round = 0; round < rounds; round++) {
		uint64_t a0 = 0x1234567ull * (round + 1) + hart, a1 = 0x9e3779b9ull ^ round;
		uint64_t expected = generate(code[hart], &seed, a0, a1);

		__asm__ volatile("fence.i" ::: "memory");
		CHECK(run(a0, a1) == expected, 2);
	}
	barrier();
	if (hart == 0)
		uart_puts("churn: ok\n");
	return 0;
}
