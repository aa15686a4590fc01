/*
 * Execution: direct threaded dispatch over pre-decoded blocks. Each decoded
 * instruction carries the address of its handler (a label in cpu_loop: labels as
 * values, a GNU C extension gcc and clang both accept), and blocks chain to each
 * other inside the loop through the hart's private block cache, so a quantum
 * leaves cpu_loop only when it ends, traps out, or waits.
 *
 * A block runs straight through; only its last instruction transfers control.
 * Each exit path accounts the instructions retired so far into hart->instret
 * before anything (a trap, a CSR read) can observe it.
 */
#include <string.h>

#include "vmcore/cpu.h"
#include "vmcore/cpu_ops.h"
#include "vmcore/machine.h"

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

void cpu_reset(struct hart *hart, struct vm *vm, unsigned id, uint64_t entry)
{
	memset(hart, 0, sizeof *hart);
	hart->vm = vm;
	hart->id = id;
	hart->pc = entry;
	hart->priv = PRIV_M;
	hart->x[10] = id;
	hart->ram = vm->ram;
	hart->ram_limit = vm->ram_size - 8;
	hart->page_flags = vm->page_flags;
	hart->mstatus = 0;
	hart->state = HART_RUNNABLE;
}

/* gcc merges the handlers' identical tails into one shared indirect jump, which
 * defeats threaded dispatch (one jump site predicts badly); keep them apart. */
#if defined(__GNUC__) && !defined(__clang__)
#define CPU_DISPATCH_ATTRIBUTES __attribute__((optimize("no-crossjumping", "no-gcse")))
#else
#define CPU_DISPATCH_ATTRIBUTES
#endif

/* link != NULL: fill in the handler addresses of a freshly decoded block and
 * return. Otherwise run h for up to budget instructions (block granularity) and
 * return how many retired. */
CPU_DISPATCH_ATTRIBUTES static uint64_t cpu_loop(struct hart *h, uint64_t budget,
						 struct block *link)
{
	static const void *const labels[OP_COUNT] = {
#define CPU_OP_LABEL(name) [OP_##name] = &&do_##name,
		CPU_OPS(CPU_OP_LABEL)
#undef CPU_OP_LABEL
	};
	struct vm *vm;
	struct bcache *bc;
	const struct block *b;
	const struct insn *in;
	uint64_t *x, ram_limit, address, offset, value, next, pc, retired = 0;
	uint8_t *ram;
	bool deterministic;
	int cause;

	if (link) {
		for (uint32_t i = 0; i <= link->count; i++)
			link->insns[i].handler = labels[link->insns[i].op];
		return 0;
	}
	vm = h->vm;
	bc = &vm->bcache;
	deterministic = vm->config.deterministic;
	x = h->x;
	ram = h->ram;
	ram_limit = h->ram_limit;

#define INDEX() ((uint64_t)(in - b->insns))
#define PC_HERE() (b->pc + in->offset)
#define PC_NEXT() (PC_HERE() + in->length)
#define DISPATCH() goto *in->handler
#define NEXT()                 \
	do {                   \
		in++;          \
		DISPATCH();    \
	} while (0)
/* After an instruction that may set exit_flags: end the quantum for wfi and stop;
 * self-modifying code only ends the block. */
#define AFTER_EXIT_FLAGS()                                     \
	do {                                                   \
		if (unlikely(h->exit_flags)) {                 \
			if (h->exit_flags & ~HART_EXIT_SMC)    \
				return retired;                \
			h->exit_flags = 0;                     \
		}                                              \
	} while (0)
/* Leaves the block for target, the current instruction retired. */
#define LEAVE(target)                          \
	do {                                   \
		next = (target);               \
		goto leave_retired;            \
	} while (0)
#define RAM_OK(addr) (offset = (addr) - MEM_RAM_BASE, likely(offset <= ram_limit))
#define LOAD(type)                                                                     \
	do {                                                                           \
		address = x[in->rs1] + (uint64_t)(int64_t)in->imm;                     \
		if (RAM_OK(address)) {                                                 \
			type loaded;                                                   \
			memcpy(&loaded, ram + offset, sizeof loaded);                  \
			x[in->rd] = (uint64_t)(int64_t)loaded;                         \
			NEXT();                                                        \
		}                                                                      \
		cause = mem_load(h, address, sizeof(type), &value);                    \
		if (unlikely(cause))                                                   \
			goto fault;                                                    \
		x[in->rd] = (uint64_t)(type)value;                                     \
		NEXT();                                                                \
	} while (0)
/* Stores to pages holding decoded code or tohost take the slow path, which drops
 * the blocks (self-modifying code) and may end the block. */
#define STORE(type)                                                                    \
	do {                                                                           \
		address = x[in->rs1] + (uint64_t)(int64_t)in->imm;                     \
		if (RAM_OK(address) &&                                                 \
		    likely(!(ck_pr_load_8(&h->page_flags[offset >> MEM_PAGE_SHIFT]) |  \
			     ck_pr_load_8(&h->page_flags[(offset + sizeof(type) - 1) >>   \
						       MEM_PAGE_SHIFT])))) {             \
			type stored = (type)x[in->rs2];                                \
			memcpy(ram + offset, &stored, sizeof stored);                  \
			NEXT();                                                        \
		}                                                                      \
		cause = mem_store(h, address, sizeof(type), x[in->rs2]);               \
		if (unlikely(cause))                                                   \
			goto fault;                                                    \
		if (unlikely(h->exit_flags))                                           \
			LEAVE(PC_NEXT());                                          \
		NEXT();                                                                \
	} while (0)

next_block:
	if (unlikely(retired >= budget))
		return retired;
	/* Relaxed: a bit posted by another thread is taken at this or a later block
	 * boundary; interrupts are asynchronous anyway. */
	if (unlikely(ck_pr_load_64(&h->mip) & h->irq_mask))
		cpu_take_interrupt(h);
	if (unlikely(deterministic))
		dev_clint_check(vm, h);
	if (unlikely(vm_stopping(vm)))
		return retired;
	pc = h->pc;
	{
		const struct hart_cache_entry *entry = &h->cache[(pc >> 1) & (HART_CACHE_SIZE - 1)];

		/* The private cache is valid while the generation it was filled under is
		 * current (bcache.c); acquire pairs with bcache_invalidate's release. */
		if (likely(entry->pc == pc && entry->block &&
			   ck_pr_load_64(&bc->generation) == h->cache_generation)) {
			ck_pr_fence_load();
			b = entry->block;
		} else {
			b = bcache_lookup(h, pc);
			if (unlikely(!b)) {
				cpu_trap(h, CAUSE_INSN_ACCESS, pc, pc);
				if (h->exit_flags)
					return retired;
				goto next_block;
			}
		}
	}
	in = b->insns;
	DISPATCH();

do_END:
	/* Not an instruction: the block was cut at its size or page limit. */
	h->instret += INDEX();
	retired += INDEX();
	h->pc = PC_HERE();
	goto next_block;
do_ILLEGAL:
	cause = CAUSE_ILLEGAL;
	address = (uint32_t)in->imm;
	goto fault;
do_LUI:
	x[in->rd] = (uint64_t)(int64_t)in->imm;
	NEXT();
do_AUIPC:
	x[in->rd] = PC_HERE() + (uint64_t)(int64_t)in->imm;
	NEXT();
/* With C, targets need 2-byte alignment only, which even immediates and jalr's
 * cleared bit 0 always give: no instruction-address-misaligned traps. */
do_JAL:
	x[in->rd] = PC_NEXT();
	LEAVE(PC_HERE() + (uint64_t)(int64_t)in->imm);
do_JALR:
	value = (x[in->rs1] + (uint64_t)(int64_t)in->imm) & ~1ull;
	x[in->rd] = PC_NEXT();
	LEAVE(value);
#define BRANCH(condition)                                                              \
	do {                                                                           \
		if (!(condition))                                                      \
			LEAVE(PC_NEXT());                                          \
		LEAVE(PC_HERE() + (uint64_t)(int64_t)in->imm);                         \
	} while (0)
do_BEQ:
	BRANCH(x[in->rs1] == x[in->rs2]);
do_BNE:
	BRANCH(x[in->rs1] != x[in->rs2]);
do_BLT:
	BRANCH((int64_t)x[in->rs1] < (int64_t)x[in->rs2]);
do_BGE:
	BRANCH((int64_t)x[in->rs1] >= (int64_t)x[in->rs2]);
do_BLTU:
	BRANCH(x[in->rs1] < x[in->rs2]);
do_BGEU:
	BRANCH(x[in->rs1] >= x[in->rs2]);
do_LB:
	LOAD(int8_t);
do_LH:
	LOAD(int16_t);
do_LW:
	LOAD(int32_t);
do_LD:
	LOAD(int64_t);
do_LBU:
	LOAD(uint8_t);
do_LHU:
	LOAD(uint16_t);
do_LWU:
	LOAD(uint32_t);
do_SB:
	STORE(uint8_t);
do_SH:
	STORE(uint16_t);
do_SW:
	STORE(uint32_t);
do_SD:
	STORE(uint64_t);
do_ADDI:
	x[in->rd] = x[in->rs1] + (uint64_t)(int64_t)in->imm;
	NEXT();
do_SLTI:
	x[in->rd] = (int64_t)x[in->rs1] < (int64_t)in->imm;
	NEXT();
do_SLTIU:
	x[in->rd] = x[in->rs1] < (uint64_t)(int64_t)in->imm;
	NEXT();
do_XORI:
	x[in->rd] = x[in->rs1] ^ (uint64_t)(int64_t)in->imm;
	NEXT();
do_ORI:
	x[in->rd] = x[in->rs1] | (uint64_t)(int64_t)in->imm;
	NEXT();
do_ANDI:
	x[in->rd] = x[in->rs1] & (uint64_t)(int64_t)in->imm;
	NEXT();
do_SLLI:
	x[in->rd] = x[in->rs1] << in->imm;
	NEXT();
do_SRLI:
	x[in->rd] = x[in->rs1] >> in->imm;
	NEXT();
do_SRAI:
	x[in->rd] = (uint64_t)((int64_t)x[in->rs1] >> in->imm);
	NEXT();
do_ADD:
	x[in->rd] = x[in->rs1] + x[in->rs2];
	NEXT();
do_SUB:
	x[in->rd] = x[in->rs1] - x[in->rs2];
	NEXT();
do_SLL:
	x[in->rd] = x[in->rs1] << (x[in->rs2] & 63);
	NEXT();
do_SLT:
	x[in->rd] = (int64_t)x[in->rs1] < (int64_t)x[in->rs2];
	NEXT();
do_SLTU:
	x[in->rd] = x[in->rs1] < x[in->rs2];
	NEXT();
do_XOR:
	x[in->rd] = x[in->rs1] ^ x[in->rs2];
	NEXT();
do_SRL:
	x[in->rd] = x[in->rs1] >> (x[in->rs2] & 63);
	NEXT();
do_SRA:
	x[in->rd] = (uint64_t)((int64_t)x[in->rs1] >> (x[in->rs2] & 63));
	NEXT();
do_OR:
	x[in->rd] = x[in->rs1] | x[in->rs2];
	NEXT();
do_AND:
	x[in->rd] = x[in->rs1] & x[in->rs2];
	NEXT();
#define SEXT32(v) ((uint64_t)(int64_t)(int32_t)(uint32_t)(v))
do_ADDIW:
	x[in->rd] = SEXT32(x[in->rs1] + (uint64_t)(int64_t)in->imm);
	NEXT();
do_SLLIW:
	x[in->rd] = SEXT32((uint32_t)x[in->rs1] << in->imm);
	NEXT();
do_SRLIW:
	x[in->rd] = SEXT32((uint32_t)x[in->rs1] >> in->imm);
	NEXT();
do_SRAIW:
	x[in->rd] = (uint64_t)(int64_t)((int32_t)x[in->rs1] >> in->imm);
	NEXT();
do_ADDW:
	x[in->rd] = SEXT32(x[in->rs1] + x[in->rs2]);
	NEXT();
do_SUBW:
	x[in->rd] = SEXT32(x[in->rs1] - x[in->rs2]);
	NEXT();
do_SLLW:
	x[in->rd] = SEXT32((uint32_t)x[in->rs1] << (x[in->rs2] & 31));
	NEXT();
do_SRLW:
	x[in->rd] = SEXT32((uint32_t)x[in->rs1] >> (x[in->rs2] & 31));
	NEXT();
do_SRAW:
	x[in->rd] = (uint64_t)(int64_t)((int32_t)x[in->rs1] >> (x[in->rs2] & 31));
	NEXT();
do_MUL:
	x[in->rd] = x[in->rs1] * x[in->rs2];
	NEXT();
do_MULH:
	x[in->rd] = (uint64_t)(((__int128)(int64_t)x[in->rs1] * (__int128)(int64_t)x[in->rs2]) >> 64);
	NEXT();
do_MULHSU:
	x[in->rd] = (uint64_t)(((__int128)(int64_t)x[in->rs1] *
				(__int128)(unsigned __int128)x[in->rs2]) >> 64);
	NEXT();
do_MULHU:
	x[in->rd] = (uint64_t)(((unsigned __int128)x[in->rs1] * x[in->rs2]) >> 64);
	NEXT();
do_DIV:
	x[in->rd] = cpu_div64(x[in->rs1], x[in->rs2]);
	NEXT();
do_DIVU:
	x[in->rd] = x[in->rs2] ? x[in->rs1] / x[in->rs2] : ~0ull;
	NEXT();
do_REM:
	x[in->rd] = cpu_rem64(x[in->rs1], x[in->rs2]);
	NEXT();
do_REMU:
	x[in->rd] = x[in->rs2] ? x[in->rs1] % x[in->rs2] : x[in->rs1];
	NEXT();
do_MULW:
	x[in->rd] = SEXT32((uint32_t)x[in->rs1] * (uint32_t)x[in->rs2]);
	NEXT();
do_DIVW:
	x[in->rd] = cpu_div32(x[in->rs1], x[in->rs2]);
	NEXT();
do_DIVUW:
	x[in->rd] = (uint32_t)x[in->rs2] ? SEXT32((uint32_t)x[in->rs1] / (uint32_t)x[in->rs2])
					 : ~0ull;
	NEXT();
do_REMW:
	x[in->rd] = cpu_rem32(x[in->rs1], x[in->rs2]);
	NEXT();
do_REMUW:
	x[in->rd] = (uint32_t)x[in->rs2] ? SEXT32((uint32_t)x[in->rs1] % (uint32_t)x[in->rs2])
					 : SEXT32(x[in->rs1]);
	NEXT();
do_AMO:
	cause = cpu_amo(h, in, &address);
	if (unlikely(cause))
		goto fault;
	NEXT();
do_FENCE:
	/* Guest fence: order this hart's earlier host accesses (guest loads/stores
	 * are plain host accesses) before its later ones, for other harts. */
	ck_pr_fence_memory();
	NEXT();
do_FENCE_I:
	/* The fetch side must see every store made visible to this hart: drop all
	 * decoded blocks (conservative, fence.i is rare). This block stays valid
	 * until the quantum's epoch section ends. */
	bcache_invalidate(vm, 0, true, h->slot, bcache_record_for_slot(vm, h->slot));
	LEAVE(PC_NEXT());
do_SYSTEM:
	/* Out of line: instret must be exact for CSR reads, and the handler sets pc
	 * itself (trap, mret, wfi). */
	h->instret += INDEX();
	retired += INDEX();
	h->pc = PC_HERE();
	retired += cpu_system(h, (uint32_t)in->imm, in->rd, in->length);
	AFTER_EXIT_FLAGS();
	goto next_block;

leave_retired:
	h->instret += INDEX() + 1;
	retired += INDEX() + 1;
	h->pc = next;
	AFTER_EXIT_FLAGS();
	goto next_block;
fault:
	h->instret += INDEX();
	retired += INDEX();
	cpu_trap(h, (uint64_t)cause, address, PC_HERE());
	AFTER_EXIT_FLAGS();
	goto next_block;
#undef INDEX
#undef PC_HERE
#undef PC_NEXT
#undef DISPATCH
#undef NEXT
#undef LEAVE
#undef RAM_OK
#undef LOAD
#undef STORE
#undef BRANCH
#undef SEXT32
#undef AFTER_EXIT_FLAGS
}

uint64_t cpu_run(struct hart *h, uint64_t budget)
{
	h->exit_flags = 0;
	return cpu_loop(h, budget, NULL);
}

void cpu_link_block(struct block *block)
{
	cpu_loop(NULL, 0, block);
}
