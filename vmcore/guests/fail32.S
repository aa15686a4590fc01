/* fail32: reports failure code 21 the way 32-bit riscv-tests do, as two 32-bit
 * stores to tohost (low word first); the first non-zero write decides. Hart 0
 * only; other harts park. */
	.section .text.start, "ax"
	.globl _start
_start:
	csrr t0, mhartid
	bnez t0, park
	la t0, tohost
	li a0, (21 << 1) | 1
	sw a0, 0(t0)
	sw zero, 4(t0)
	li a0, 1
	sd a0, 0(t0)
1:	j 1b
park:
	wfi
	j park

	.section .tohost, "aw"
	.align 3
	.globl tohost
tohost:	.dword 0
