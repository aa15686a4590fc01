/* fault: a store outside RAM and MMIO with no trap handler (mtvec 0). vmcore must
 * fault in the guest, report the unhandled trap (pc, mcause 7, mtval, registers)
 * and fail the run; the host must not crash. */
	.section .text.start, "ax"
	.globl _start
_start:
	li a1, 0x40000000
	li a2, 0x1234
	sd a2, 0(a1)
	li a0, 1
	la t0, tohost
	sd a0, 0(t0)
1:	j 1b

	.section .tohost, "aw"
	.align 3
	.globl tohost
tohost:	.dword 0
