/*
 * Privileged architecture: CSRs, traps, interrupts, mret, wfi, ecall, ebreak.
 * M and U modes; no S mode, so medeleg/mideleg are storage only and satp only
 * holds Bare.
 */
#include <inttypes.h>
#include <stdio.h>

#include "vmcore/cpu.h"
#include "vmcore/machine.h"

enum {
	CSR_SATP = 0x180,
	CSR_MSTATUS = 0x300,
	CSR_MISA = 0x301,
	CSR_MEDELEG = 0x302,
	CSR_MIDELEG = 0x303,
	CSR_MIE = 0x304,
	CSR_MTVEC = 0x305,
	CSR_MCOUNTEREN = 0x306,
	CSR_MSCRATCH = 0x340,
	CSR_MEPC = 0x341,
	CSR_MCAUSE = 0x342,
	CSR_MTVAL = 0x343,
	CSR_MIP = 0x344,
	CSR_PMPCFG0 = 0x3a0,
	CSR_PMPADDR0 = 0x3b0,
	CSR_MCYCLE = 0xb00,
	CSR_MINSTRET = 0xb02,
	CSR_CYCLE = 0xc00,
	CSR_TIME = 0xc01,
	CSR_INSTRET = 0xc02,
	CSR_MHARTID = 0xf14,
};

#define MIP_WRITABLE_MASK (MIP_MSIP | MIP_MTIP | MIP_MEIP)
#define MISA_VALUE ((2ull << 62) | (1u << ('I' - 'A')) | (1u << ('M' - 'A')) | \
		    (1u << ('A' - 'A')) | (1u << ('C' - 'A')) | \
		    (1u << ('U' - 'A')))

void cpu_update_irq_mask(struct hart *h)
{
	bool enabled = h->priv < PRIV_M || (h->mstatus & MSTATUS_MIE);

	h->irq_mask = enabled ? h->mie : 0;
}

void cpu_dump(const struct hart *h, char *text, size_t size)
{
	int length = snprintf(text, size, "vm: hart %u: pc=0x%016" PRIx64 " mcause=0x%016" PRIx64
					  " mtval=0x%016" PRIx64 " priv=%s\n",
			      h->id, h->pc, h->mcause, h->mtval, h->priv == PRIV_M ? "M" : "U");

	for (unsigned r = 0; r < 32 && length >= 0 && (size_t)length < size; r += 4)
		length += snprintf(text + length, size - (size_t)length,
				   "vm:   x%-2u=0x%016" PRIx64 " x%-2u=0x%016" PRIx64
				   " x%-2u=0x%016" PRIx64 " x%-2u=0x%016" PRIx64 "\n",
				   r, h->x[r], r + 1, h->x[r + 1], r + 2, h->x[r + 2], r + 3,
				   h->x[r + 3]);
}

void cpu_trap(struct hart *h, uint64_t cause, uint64_t tval, uint64_t pc)
{
	bool interrupt = cause >> 63;
	uint64_t base = h->mtvec & ~3ull;
	uint64_t target = base;

	if ((h->mtvec & 1) && interrupt)
		target += 4 * (cause & 63);
	h->mepc = pc;
	h->mcause = cause;
	h->mtval = tval;
	/* No handler, or the handler's own first instruction faults: the guest can
	 * never make progress, so report it instead of looping. */
	if (base == 0 || (!interrupt && pc == target)) {
		char dump[1024];

		h->pc = pc;
		cpu_dump(h, dump, sizeof dump);
		vm_diagnostic(h->vm, "vm: hart %u: unhandled trap\n%s", h->id, dump);
		h->exit_flags |= HART_EXIT_STOP;
		vm_finish(h->vm, VM_OUTCOME_TRAP, cause);
		return;
	}
	h->mstatus = (h->mstatus & ~(MSTATUS_MPIE | MSTATUS_MPP)) |
		     ((h->mstatus & MSTATUS_MIE) ? MSTATUS_MPIE : 0) | ((uint64_t)h->priv << 11);
	h->mstatus &= ~MSTATUS_MIE;
	h->priv = PRIV_M;
	h->pc = target;
	cpu_update_irq_mask(h);
}

void cpu_take_interrupt(struct hart *h)
{
	uint64_t pending = ck_pr_load_64(&h->mip) & h->irq_mask;
	unsigned code;

	if (pending & MIP_MEIP)
		code = 11;
	else if (pending & MIP_MSIP)
		code = 3;
	else if (pending & MIP_MTIP)
		code = 7;
	else
		return;
	cpu_trap(h, (1ull << 63) | code, 0, h->pc);
}

/* 0 when the CSR exists and this privilege may use it; value is its current value. */
static int csr_read(struct hart *h, unsigned csr, uint64_t *value)
{
	if (((csr >> 8) & 3) > h->priv)
		return -1;
	switch (csr) {
	case CSR_CYCLE:
	case CSR_TIME:
	case CSR_INSTRET:
		if (h->priv < PRIV_M && !(h->mcounteren & (1u << (csr - CSR_CYCLE))))
			return -1;
		if (csr == CSR_TIME)
			*value = dev_clint_mtime(h->vm, h);
		else
			*value = h->instret;
		return 0;
	case CSR_MCYCLE:
	case CSR_MINSTRET: *value = h->instret; return 0;
	case CSR_MHARTID: *value = h->id; return 0;
	case CSR_MISA: *value = MISA_VALUE; return 0;
	case CSR_MSTATUS: *value = h->mstatus; return 0;
	case CSR_MTVEC: *value = h->mtvec; return 0;
	case CSR_MEPC: *value = h->mepc; return 0;
	case CSR_MCAUSE: *value = h->mcause; return 0;
	case CSR_MTVAL: *value = h->mtval; return 0;
	case CSR_MSCRATCH: *value = h->mscratch; return 0;
	case CSR_MIE: *value = h->mie; return 0;
	case CSR_MIP: *value = ck_pr_load_64(&h->mip); return 0;
	case CSR_MEDELEG: *value = h->medeleg; return 0;
	case CSR_MIDELEG: *value = h->mideleg; return 0;
	case CSR_MCOUNTEREN: *value = h->mcounteren; return 0;
	case CSR_SATP: *value = h->satp; return 0;
	case CSR_PMPCFG0: *value = h->pmpcfg0; return 0;
	case CSR_PMPADDR0: *value = h->pmpaddr0; return 0;
	default: return -1;
	}
}

/* The CSR exists (csr_read said so); returns -1 for a read-only one. */
static int csr_write(struct hart *h, unsigned csr, uint64_t value)
{
	if ((csr >> 10) == 3)
		return -1;
	switch (csr) {
	case CSR_MCYCLE:
	case CSR_MINSTRET:
		/* The write is the value the next instruction sees: this one does not
		 * count (cpu_system skips its increment). */
		h->instret = value - 1;
		return 0;
	case CSR_MSTATUS: {
		uint64_t mpp = (value & MSTATUS_MPP) == MSTATUS_MPP ? MSTATUS_MPP : 0;

		h->mstatus = (value & (MSTATUS_MIE | MSTATUS_MPIE)) | mpp;
		cpu_update_irq_mask(h);
		return 0;
	}
	case CSR_MISA: return 0;
	case CSR_MTVEC: h->mtvec = value & ~2ull; return 0;
	case CSR_MEPC: h->mepc = value & ~1ull; return 0; /* IALIGN 16 (C) */
	case CSR_MCAUSE: h->mcause = value; return 0;
	case CSR_MTVAL: h->mtval = value; return 0;
	case CSR_MSCRATCH: h->mscratch = value; return 0;
	case CSR_MIE:
		/* Stored atomically: exec_wake_hart (irq thread) and exec_park read it. */
		ck_pr_store_64(&h->mie, value & MIP_WRITABLE_MASK);
		cpu_update_irq_mask(h);
		return 0;
	case CSR_MIP: return 0; /* MSIP, MTIP, MEIP are driven by CLINT and PLIC */
	case CSR_MEDELEG: h->medeleg = value; return 0;
	case CSR_MIDELEG: h->mideleg = value; return 0;
	case CSR_MCOUNTEREN: h->mcounteren = value & 7; return 0;
	case CSR_SATP:
		if (value >> 60 == 0) /* only Bare is supported: other modes are ignored */
			h->satp = value;
		return 0;
	case CSR_PMPCFG0: h->pmpcfg0 = value; return 0;
	case CSR_PMPADDR0: h->pmpaddr0 = value; return 0;
	default: return -1;
	}
}

static uint64_t system_illegal(struct hart *h, uint32_t raw)
{
	cpu_trap(h, CAUSE_ILLEGAL, raw, h->pc);
	return 0;
}

uint64_t cpu_system(struct hart *h, uint32_t raw, unsigned rd, unsigned length)
{
	unsigned funct3 = (raw >> 12) & 7, rs1 = (raw >> 15) & 31, csr = raw >> 20;
	uint64_t old = 0, operand, value;
	bool writes;

	if (funct3 == 0) {
		if (rd != CPU_REG_SINK || rs1 != 0)
			return system_illegal(h, raw);
		switch (raw) {
		case 0x00000073: /* ecall: does not retire, unless it is a system call */
			if (h->vm->config.linux_abi && h->priv == PRIV_U)
				return linux_syscall(h, length);
			cpu_trap(h, h->priv == PRIV_M ? CAUSE_ECALL_M : CAUSE_ECALL_U, 0, h->pc);
			return 0;
		case 0x00100073: /* ebreak */
			cpu_trap(h, CAUSE_BREAKPOINT, h->pc, h->pc);
			return 0;
		case 0x30200073: /* mret */
			if (h->priv < PRIV_M)
				return system_illegal(h, raw);
			h->priv = (h->mstatus & MSTATUS_MPP) ? PRIV_M : PRIV_U;
			h->mstatus = (h->mstatus & ~(MSTATUS_MIE | MSTATUS_MPP)) |
				     ((h->mstatus & MSTATUS_MPIE) ? MSTATUS_MIE : 0) | MSTATUS_MPIE;
			cpu_update_irq_mask(h);
			h->pc = h->mepc;
			h->instret++;
			return 1;
		case 0x10500073: /* wfi: park until (mip & mie) != 0; exec.c rechecks */
			/* A hart holding a pv lock may not leave its worker (dev_pv.c):
			 * its wfi traps, as with mstatus.TW. */
			if (h->pv_held)
				return system_illegal(h, raw);
			h->pc += length;
			h->instret++;
			if (!(ck_pr_load_64(&h->mip) & h->mie))
				h->exit_flags |= HART_EXIT_WFI;
			return 1;
		default:
			return system_illegal(h, raw);
		}
	}
	if (funct3 == 4)
		return system_illegal(h, raw);
	operand = funct3 & 4 ? rs1 : h->x[rs1];
	writes = (funct3 & 3) == 1 || rs1 != 0;
	if (csr_read(h, csr, &old) != 0)
		return system_illegal(h, raw);
	if (writes) {
		switch (funct3 & 3) {
		case 1: value = operand; break;
		case 2: value = old | operand; break;
		default: value = old & ~operand; break;
		}
		if (csr_write(h, csr, value) != 0)
			return system_illegal(h, raw);
	}
	h->x[rd] = old;
	h->instret++;
	h->pc += length;
	return 1;
}
