/*
 * The hot-block compiler: a block that has run JIT_HEAT times is translated to
 * host machine code (x86-64; elsewhere nothing is compiled and the interpreter
 * runs everything) that does what the interpreter would, without a dispatch per
 * instruction.
 *
 * The compiled code runs the block's instructions in order on hart->x and guest
 * RAM. Whatever it does not do itself (a load or store outside RAM or to a page
 * holding code, a division by zero or by -1, LR/SC or an AMO other than
 * amoadd/amoswap, a fence, a system or
 * illegal instruction) it leaves to the interpreter: it returns that
 * instruction's index, every instruction before it done, and the interpreter
 * runs the rest of the block from there, so traps stay precise, instret exact,
 * and stores into code take the interpreter's invalidating slow path. A block
 * run to its end goes straight on into the next block's code when that is
 * compiled and the interpreter would chain to it, else returns its count and
 * the next pc. A block whose branch goes
 * back to its own start loops inside its code while hart->jit_budget (what the
 * interpreter would still run before it next looks at the hart: nothing in
 * deterministic runs) lasts and no one asks for the hart's attention; the
 * passes it looped are what it took off the budget.
 *
 * Code lives in one arena per VM, filled by bump allocation and never reused
 * while the VM runs (a dropped block's code is simply left behind), so no hart
 * can run code that is being overwritten. When the arena is full nothing more
 * is compiled.
 */
#ifndef VM_JIT_H
#define VM_JIT_H

#include <stdint.h>

#include "vmcore/machine.h"

/* Executions before a block is compiled: enough that run-once code (start-up,
 * the self-check) stays interpreted. */
#define JIT_HEAT 32u
#define JIT_ARENA_BYTES (32u << 20)

/* What compiled code returns (rax:rdx in the SysV ABI). Without JIT_BAIL:
 * index instructions of the last block run retired, value the next pc. With it:
 * the interpreter goes on at hart->jit_block's insns[index & 0xff], value the
 * latest result an operand of it may forward (acc). Blocks chained on (the last
 * one included, before it returned) are counted in what they took off
 * hart->jit_budget. */
#define JIT_BAIL (1ull << 32)
struct jit_exit {
	uint64_t index;
	uint64_t value;
};

typedef struct jit_exit (*jit_code)(struct hart *hart);

/* Reserves the arena through the host's code_alloc (none: no compiling). */
void jit_init(struct vm *vm);
void jit_fini(struct vm *vm);
/* Whether this VM compiles at all (host, architecture, --no-opt). */
bool jit_enabled(const struct vm *vm);
/* The block's code, or NULL when it cannot be compiled (arena full, nothing in
 * it the compiler handles): the block then stays interpreted. */
jit_code jit_compile(struct vm *vm, const struct block *block);

#endif
