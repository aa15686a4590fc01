/*
 * The CPU's internal interface between the dispatch loop (cpu.c), the system
 * instructions and traps (cpu_system.c) and the atomics (cpu_amo.c).
 */
#ifndef VM_CPU_H
#define VM_CPU_H

#include <stdint.h>

#include "vmcore/machine.h"

/* M-extension division rules: x/0 = all ones, x%0 = x, MIN/-1 = MIN, MIN%-1 = 0. */
static inline uint64_t cpu_div64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return ~0ull;
	if ((int64_t)a == INT64_MIN && (int64_t)b == -1)
		return a;
	return (uint64_t)((int64_t)a / (int64_t)b);
}

static inline uint64_t cpu_rem64(uint64_t a, uint64_t b)
{
	if (b == 0)
		return a;
	if ((int64_t)a == INT64_MIN && (int64_t)b == -1)
		return 0;
	return (uint64_t)((int64_t)a % (int64_t)b);
}

static inline uint64_t cpu_div32(uint64_t a, uint64_t b)
{
	int32_t x = (int32_t)a, y = (int32_t)b;

	if (y == 0)
		return ~0ull;
	if (x == INT32_MIN && y == -1)
		return (uint64_t)(int64_t)x;
	return (uint64_t)(int64_t)(x / y);
}

static inline uint64_t cpu_rem32(uint64_t a, uint64_t b)
{
	int32_t x = (int32_t)a, y = (int32_t)b;

	if (y == 0)
		return (uint64_t)(int64_t)x;
	if (x == INT32_MIN && y == -1)
		return 0;
	return (uint64_t)(int64_t)(x % y);
}

/* The 32-bit instruction a 16-bit one stands for; 0 (illegal) when none. */
uint32_t cpu_expand_compressed(uint16_t half);
/* The AMO/LR/SC at *in; 0 or a trap cause with *tval set. */
int cpu_amo(struct hart *hart, const struct insn *in, uint64_t *tval);
/* ecall, ebreak, mret, wfi, CSR ops at hart->pc, length bytes long (instret
 * already counts the instructions before it); sets pc; returns 1 when the
 * instruction retired. */
uint64_t cpu_system(struct hart *hart, uint32_t raw, unsigned rd, unsigned length);
void cpu_take_interrupt(struct hart *hart);
/* Recomputes irq_mask after mstatus, mie or privilege change. */
void cpu_update_irq_mask(struct hart *hart);

#endif
