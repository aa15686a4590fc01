/* A bytecode interpreter inside the guest: a register machine whose program
 * runs nested loops of arithmetic, dispatched by a switch (indirect jumps). */
#include "suite.h"

enum { BC_LOADI, BC_ADD, BC_MUL, BC_XOR, BC_SHR, BC_ADDI, BC_DECJNZ, BC_AND, BC_HALT };
struct bc_insn {
	uint8_t op, a, b, c;
	int32_t imm;
};
uint64_t kernel_run(uint32_t iterations, uint8_t *arena)
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
