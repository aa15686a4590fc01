/*
 * A static Linux program for vmcore's shim (locklab vm --linux, tests): write to
 * stdout and stderr returns the count, to another fd -EBADF (-9), from outside
 * RAM -EFAULT (-14); then exit_group(0). A wrong result exits (93) with the
 * failing step's number instead.
 */
	.text
	.globl _start
_start:
	li s0, 1
	li a0, 1
	la a1, line
	li a2, 6
	li a7, 64
	ecall
	li t0, 6
	bne a0, t0, fail
	li s0, 2
	li a0, 2
	la a1, line
	li a2, 6
	li a7, 64
	ecall
	li t0, 6
	bne a0, t0, fail
	li s0, 3
	li a0, 7
	la a1, line
	li a2, 6
	li a7, 64
	ecall
	li t0, -9
	bne a0, t0, fail
	li s0, 4
	li a0, 1
	li a1, 0x1000
	li a2, 1
	li a7, 64
	ecall
	li t0, -14
	bne a0, t0, fail
	li a0, 0
	li a7, 94
	ecall
fail:
	mv a0, s0
	li a7, 93
	ecall

	.section .rodata
line:
	.ascii "shim!\n"
