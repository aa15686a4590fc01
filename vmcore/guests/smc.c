/* smc: self-modifying code. Every hart rewrites a small function in a shared code
 * page and runs it after fence.i; hart 0 also patches an instruction later in the
 * very block that stores it (the store must end the block), also when the store
 * and the patched instruction form a superinstruction. */
#include "lib.h"

#define DEFAULT_ROUNDS 200u

static uint32_t code[MAX_GUEST_HARTS][16] __attribute__((aligned(4096)));

static uint32_t encode_addi(unsigned rd, unsigned rs1, int imm)
{
	return ((uint32_t)imm << 20) | (rs1 << 15) | (rd << 7) | 0x13u;
}

static uint32_t encode_xori(unsigned rd, unsigned rs1, int imm)
{
	return ((uint32_t)imm << 20) | (rs1 << 15) | (4u << 12) | (rd << 7) | 0x13u;
}

/* Stores a0 over the instruction at 1:, fence.i, runs it: returns its result. */
uint64_t patch_self(uint32_t instruction);
__asm__(".text\n"
	".align 2\n"
	".option push\n"
	".option norvc\n" /* the patched instruction must stay 4 bytes */
	".globl patch_self\n"
	"patch_self:\n"
	"  la t0, 1f\n"
	"  sw a0, 0(t0)\n"
	"  fence.i\n"
	"1: addi a0, zero, 0\n"
	"  ret\n"
	".option pop\n");

/* Stores a0 over the branch at 2: with no fence.i: vmcore ends a block at a
 * store into its code page. The store and the branch form a superinstruction
 * (sw then beq reading the latest result, cpu_ops.h), so this checks that the
 * store still ends the block before the stale branch runs. Returns the patched
 * instruction's a0, or -1 when the branch ran (stale, or stored back). */
uint64_t patch_fused(uint32_t instruction);
extern const uint32_t patch_fused_branch[];
__asm__(".text\n"
	".align 2\n"
	".option push\n"
	".option norvc\n"
	".globl patch_fused\n"
	"patch_fused:\n"
	"  la t0, 2f\n"
	"  lui t1, 0\n"
	"  sw a0, 0(t0)\n"
	".globl patch_fused_branch\n"
	"patch_fused_branch:\n"
	"2: beq t1, zero, 3f\n"
	"  ret\n"
	"3: li a0, -1\n"
	"  ret\n"
	".option pop\n");

int main(unsigned hart)
{
	typedef uint64_t (*function)(uint64_t);
	function run = (function)(uintptr_t)code[hart];
	unsigned rounds = guest_iterations(DEFAULT_ROUNDS);

	barrier();
	for (unsigned k = 1; k <= rounds; k++) {
		code[hart][0] = encode_addi(10, 10, (int)k);
		code[hart][1] = encode_xori(10, 10, (int)hart);
		code[hart][2] = 0x00008067u; /* ret */
		__asm__ volatile("fence.i" ::: "memory");
		CHECK(run(1000 + k) == ((1000 + k + k) ^ hart), 2);
	}
	if (hart == 0) {
		for (int k = 1; k < 100; k++)
			CHECK(patch_self(encode_addi(10, 0, k)) == (uint64_t)k, 3);
		const uint32_t branch = patch_fused_branch[0];

		for (int k = 1; k < 100; k++) {
			CHECK(patch_fused(encode_addi(10, 0, k)) == (uint64_t)k, 4);
			CHECK(patch_fused(branch) == (uint64_t)-1, 5);
		}
	}
	barrier();
	if (hart == 0)
		uart_puts("smc: ok\n");
	return 0;
}
