/*
 * A minimal Linux system-call shim (config.linux_abi, `locklab vm --linux`), so
 * vmcore runs the same static riscv64 Linux program qemu-riscv64 runs and counts
 * its instructions. The program starts on hart 0 in U-mode at the ELF entry,
 * with the stack Linux gives a program without arguments; an ecall from U-mode
 * is a system call (a7 the number, a0.. the arguments, a0 the result) instead
 * of a trap. Only exit, exit_group and write exist: any other number stops the
 * run (VM_OUTCOME_SYSCALL, code: the number) rather than returning -ENOSYS,
 * since a benchmark that silently loses a call would measure something else.
 */

#include "vmcore/machine.h"

enum {
	LINUX_SYS_WRITE = 64,
	LINUX_SYS_EXIT = 93,
	LINUX_SYS_EXIT_GROUP = 94,
	LINUX_EBADF = 9,
	LINUX_EFAULT = 14,
	/* argc, argv's NULL, envp's NULL and auxv's AT_NULL pair, rounded up to the
	 * 16 bytes the psABI aligns sp to. */
	LINUX_START_FRAME = 48,
};

void linux_start(struct hart *h)
{
	/* RAM is zeroed, so the frame at the top reads argc 0, no arguments, no
	 * environment and an empty auxiliary vector. */
	h->priv = PRIV_U;
	h->x[2] = MEM_RAM_BASE + h->vm->ram_size - LINUX_START_FRAME;
	h->x[10] = 0; /* no exit handler (rtld_fini) for a static program */
	/* Linux lets a program read cycle, time and instret. */
	h->mcounteren = 7;
}

static int64_t linux_write(struct hart *h, uint64_t fd, uint64_t address, uint64_t count)
{
	const uint8_t *bytes = mem_ram_pointer(h->vm, address, count);
	const struct vm_host *host = &h->vm->host;

	if (fd != 1 && fd != 2)
		return -LINUX_EBADF;
	if (!bytes)
		return -LINUX_EFAULT;
	/* Through the host, as the UART: fd 1 is the guest's output, fd 2 goes
	 * where vmcore's own diagnostics go. */
	host->ops->console_write(host->opaque, fd == 1 ? VM_CONSOLE_GUEST : VM_CONSOLE_DIAGNOSTIC,
				 (const char *)bytes, count);
	return (int64_t)count;
}

uint64_t linux_syscall(struct hart *h, unsigned length)
{
	uint64_t number = h->x[17];

	switch (number) {
	case LINUX_SYS_EXIT:
	case LINUX_SYS_EXIT_GROUP:
		/* The ecall retires, as the program's last instruction. */
		h->instret++;
		h->pc += length;
		h->exit_flags |= HART_EXIT_STOP;
		/* The exit status is a0's low byte, as a parent sees it. */
		if ((h->x[10] & 0xff) == 0)
			vm_finish(h->vm, VM_OUTCOME_PASS, 0);
		else
			vm_finish(h->vm, VM_OUTCOME_FAIL, h->x[10] & 0xff);
		return 1;
	case LINUX_SYS_WRITE:
		h->x[10] = (uint64_t)linux_write(h, h->x[10], h->x[11], h->x[12]);
		h->instret++;
		h->pc += length;
		return 1;
	default:
		/* Not retired: pc stays on the ecall, as for a trap. */
		vm_diagnostic(h->vm, "vm: hart %u: unsupported Linux syscall %llu at pc=0x%016llx\n",
			      h->id, (unsigned long long)number, (unsigned long long)h->pc);
		h->exit_flags |= HART_EXIT_STOP;
		vm_finish(h->vm, VM_OUTCOME_SYSCALL, number);
		return 0;
	}
}
