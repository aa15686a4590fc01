/* hang: never reports; for --timeout and --max-insns. */
	.section .text.start, "ax"
	.globl _start
_start:
	addi a1, a1, 1
	j _start

	.section .tohost, "aw"
	.align 3
	.globl tohost
tohost:	.dword 0
