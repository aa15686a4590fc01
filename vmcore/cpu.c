/*
 * Execution: direct threaded dispatch over pre-decoded blocks. Each decoded
 * instruction carries the address of its handler (a label in cpu_loop: labels as
 * values, a GNU C extension gcc and clang both accept), and blocks chain to each
 * other inside the loop through the hart's private block cache, so a quantum
 * leaves cpu_loop only when it ends, traps out, or waits.
 *
 * A block runs straight through; only its last instruction transfers control.
 * instret is kept as instret_base + retired in registers and written back to
 * hart->instret (SYNC_INSTRET) before anything (a trap, a CSR read, a device, the
 * caller) can observe it; as before, a device sees the count at block start.
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
	/* No generation bcache ever reaches: the first lookup empties the cache. */
	hart->cache_generation = ~0ull;
}

/* gcc merges the handlers' identical tails into one shared indirect jump, which
 * defeats threaded dispatch (one jump site predicts badly); keep them apart. */
#if defined(__GNUC__) && !defined(__clang__)
#define CPU_DISPATCH_ATTRIBUTES __attribute__((optimize("no-crossjumping", "no-gcse")))
#else
#define CPU_DISPATCH_ATTRIBUTES
#endif

/* link != NULL: fill in the handler addresses of a freshly decoded block from ops
 * and return. Otherwise run h for up to budget instructions (block granularity)
 * and return how many retired. */
CPU_DISPATCH_ATTRIBUTES static uint64_t cpu_loop(struct hart *h, uint64_t budget,
						 struct block *link, const uint8_t *ops)
{
	static const void *const labels[OP_COUNT] = {
#define CPU_OP_LABEL(name) [OP_##name] = &&do_##name,
#define CPU_OP_LABEL_F1(name) [OP_##name##_F1] = &&do_##name##_F1,
#define CPU_OP_LABEL_F2(name) [OP_##name##_F2] = &&do_##name##_F2,
		CPU_OPS(CPU_OP_LABEL)
		CPU_OPS_FORWARD_RS1(CPU_OP_LABEL_F1)
		CPU_OPS_FORWARD_RS2(CPU_OP_LABEL_F2)
#undef CPU_OP_LABEL
#undef CPU_OP_LABEL_F1
#undef CPU_OP_LABEL_F2
	};
	struct vm *vm;
	struct bcache *bc;
	const struct block *b;
	const struct insn *in;
	const struct hart_cache_entry *entry;
	uint64_t *x, ram_limit, address, offset, value, next, retired = 0, chain_budget;
	uint64_t instret_base; /* hart->instret is instret_base + retired */
	uint64_t acc = 0; /* the latest result, for forwarded operands (cpu_ops.h) */
	uint8_t *ram;
	bool deterministic;
	int cause;

	if (link) {
		for (uint32_t i = 0; i <= link->count; i++)
			link->insns[i].handler = labels[ops[i]];
		return 0;
	}
	vm = h->vm;
	bc = &vm->bcache;
	deterministic = vm->config.deterministic;
	/* Deterministic runs check the timer at every block boundary: no chaining. */
	chain_budget = deterministic ? 0 : budget;
	instret_base = h->instret;
	x = h->x;
	ram = h->ram;
	ram_limit = h->ram_limit;

#define PC_AT(index) (b->pc + b->offsets[index])
#define PC_HERE() PC_AT(in->index)
#define PC_NEXT() PC_AT(in->index + 1u)
#define DISPATCH() goto *in->handler
#define SYNC_INSTRET() (h->instret = instret_base + retired)
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
			if (h->exit_flags & ~HART_EXIT_SMC) {  \
				SYNC_INSTRET();                \
				return retired;                \
			}                                      \
			h->exit_flags = 0;                     \
		}                                              \
	} while (0)
/* The cheap check between blocks, with the next pc in next: one word says
 * whether mip, stop or the timer need a look (relaxed: a racing set is seen at
 * this or a later boundary, as with mip itself), then the private cache entry,
 * valid while the generation it was filled under is current (bcache.c); the
 * acquire pairs with bcache_invalidate's release. Expanded at every block exit
 * so that each has its own dispatch jump. */
#define CHAIN()                                                                        \
	do {                                                                           \
		if (unlikely(retired >= chain_budget || ck_pr_load_32(&h->attention)))  \
			goto chain_miss;                                               \
		entry = &h->cache[(next >> 1) & (HART_CACHE_SIZE - 1)];                \
		if (unlikely(entry->pc != next ||                                      \
			     ck_pr_load_64(&bc->generation) != h->cache_generation))   \
			goto chain_miss;                                               \
		ck_pr_fence_load();                                                    \
		b = entry->block;                                                      \
		in = b->insns;                                                         \
		DISPATCH();                                                            \
	} while (0)
/* Leaves the block for target, the current instruction retired; LEAVE_FLAGS after
 * an instruction that may have set exit_flags (a slow-path store, an AMO). */
#define LEAVE(target)                          \
	do {                                   \
		next = (target);               \
		retired += in->index + 1u;     \
		CHAIN();                       \
	} while (0)
#define LEAVE_FLAGS(target)                    \
	do {                                   \
		next = (target);               \
		goto leave_flags;              \
	} while (0)
#define RAM_OK(addr) (offset = (addr) - MEM_RAM_BASE, likely(offset <= ram_limit))
/* An instruction's result: to rd, and to acc for a forwarded successor. */
#define RESULT(v)                      \
	do {                           \
		acc = (v);             \
		x[in->rd] = acc;       \
		NEXT();                \
	} while (0)
#define LOAD(type, base)                                                               \
	do {                                                                           \
		address = (base) + (uint64_t)(int64_t)in->imm;                         \
		if (RAM_OK(address)) {                                                 \
			type loaded;                                                   \
			memcpy(&loaded, ram + offset, sizeof loaded);                  \
			RESULT((uint64_t)(int64_t)loaded);                             \
		}                                                                      \
		SYNC_INSTRET();                                                        \
		cause = mem_load(h, address, sizeof(type), &value);                    \
		if (unlikely(cause))                                                   \
			goto fault;                                                    \
		RESULT((uint64_t)(type)value);                                         \
	} while (0)
/* Stores to pages holding decoded code or tohost take the slow path, which drops
 * the blocks (self-modifying code) and may end the block. */
#define STORE(type, base, source)                                                      \
	do {                                                                           \
		address = (base) + (uint64_t)(int64_t)in->imm;                         \
		value = (source);                                                      \
		if (RAM_OK(address) &&                                                 \
		    likely(!(ck_pr_load_8(&h->page_flags[offset >> MEM_PAGE_SHIFT]) |  \
			     ck_pr_load_8(&h->page_flags[(offset + sizeof(type) - 1) >>   \
						       MEM_PAGE_SHIFT])))) {             \
			type stored = (type)value;                                     \
			memcpy(ram + offset, &stored, sizeof stored);                  \
			NEXT();                                                        \
		}                                                                      \
		SYNC_INSTRET();                                                        \
		cause = mem_store(h, address, sizeof(type), value);                    \
		if (unlikely(cause))                                                   \
			goto fault;                                                    \
		if (unlikely(h->exit_flags))                                           \
			LEAVE_FLAGS(PC_NEXT());                                        \
		NEXT();                                                                \
	} while (0)
/* Each operation with sources as cpu_ops.h lists it, once per variant, each copy
 * with its own dispatch jump. A and B are the rs1 and rs2 operands, IMM the
 * immediate. */
#define IMM ((uint64_t)(int64_t)in->imm)
#define OPS_RS1_RS2(name, ...)                                                         \
	do_##name : {                                                                  \
		const uint64_t A = x[in->rs1], B = x[in->rs2];                         \
		__VA_ARGS__;                                                           \
	}                                                                              \
	do_##name##_F1 : {                                                             \
		const uint64_t A = acc, B = x[in->rs2];                                \
		__VA_ARGS__;                                                           \
	}                                                                              \
	do_##name##_F2 : {                                                             \
		const uint64_t A = x[in->rs1], B = acc;                                \
		__VA_ARGS__;                                                           \
	}
#define OPS_RS1(name, ...)                                                             \
	do_##name : {                                                                  \
		const uint64_t A = x[in->rs1];                                         \
		__VA_ARGS__;                                                           \
	}                                                                              \
	do_##name##_F1 : {                                                             \
		const uint64_t A = acc;                                                \
		__VA_ARGS__;                                                           \
	}

	goto next_block;
chain_miss:
	h->pc = next;
next_block:
	/* The full check between blocks: after a system instruction, a trap, a
	 * chaining miss, or when attention is set. h->pc is the next pc. */
	SYNC_INSTRET();
	if (unlikely(retired >= budget))
		return retired;
	if (ck_pr_load_32(&h->attention)) {
		/* Clear, then look: whoever sets attention does so after its mip bits or
		 * vm->stop (cpu_attention's callers), so either this load sees their
		 * write or their attention store lands after this clear. Full fence:
		 * orders the clearing store before the loads of mip and stop below. */
		ck_pr_store_32(&h->attention, 0);
		ck_pr_fence_memory();
	}
	/* Relaxed: a bit posted by another thread is taken at this or a later block
	 * boundary; interrupts are asynchronous anyway. */
	if (unlikely(ck_pr_load_64(&h->mip) & h->irq_mask))
		cpu_take_interrupt(h);
	if (unlikely(deterministic))
		dev_clint_check(vm, h);
	if (unlikely(vm_stopping(vm)))
		return retired;
	next = h->pc;
	entry = &h->cache[(next >> 1) & (HART_CACHE_SIZE - 1)];
	/* As in CHAIN(). */
	if (likely(entry->pc == next && ck_pr_load_64(&bc->generation) == h->cache_generation)) {
		ck_pr_fence_load();
		b = entry->block;
	} else {
		b = bcache_lookup(h, next);
		if (unlikely(!b)) {
			cpu_trap(h, CAUSE_INSN_ACCESS, next, next);
			if (h->exit_flags)
				return retired;
			goto next_block;
		}
	}
	in = b->insns;
	DISPATCH();

leave_flags:
	retired += in->index + 1u;
	if (unlikely(h->exit_flags)) {
		h->pc = next;
		AFTER_EXIT_FLAGS();
	}
	CHAIN();

do_END:
	/* Not an instruction: the block was cut at its size or page limit. */
	retired += in->index;
	next = b->end_pc;
	CHAIN();
do_ILLEGAL:
	cause = CAUSE_ILLEGAL;
	address = (uint32_t)in->imm;
	goto fault;
do_LUI:
	RESULT(IMM);
do_AUIPC:
	RESULT(PC_HERE() + IMM);
/* With C, targets need 2-byte alignment only, which even immediates and jalr's
 * cleared bit 0 always give: no instruction-address-misaligned traps. */
do_JAL:
	x[in->rd] = b->end_pc;
	LEAVE(b->target_pc);
do_JALR:
	value = (x[in->rs1] + IMM) & ~1ull;
	x[in->rd] = b->end_pc;
	LEAVE(value);
/* A branch ends its block: its targets are the block's. Two exits, not a
 * select: the host predicts the guest branch and runs ahead instead of waiting
 * for the operands, and each direction has its own dispatch jump. */
#define BRANCH(condition)                      \
	do {                                   \
		if (condition)                 \
			LEAVE(b->target_pc);   \
		LEAVE(b->end_pc);              \
	} while (0)
	OPS_RS1_RS2(BEQ, BRANCH(A == B))
	OPS_RS1_RS2(BNE, BRANCH(A != B))
	OPS_RS1_RS2(BLT, BRANCH((int64_t)A < (int64_t)B))
	OPS_RS1_RS2(BGE, BRANCH((int64_t)A >= (int64_t)B))
	OPS_RS1_RS2(BLTU, BRANCH(A < B))
	OPS_RS1_RS2(BGEU, BRANCH(A >= B))
	OPS_RS1(LB, LOAD(int8_t, A))
	OPS_RS1(LH, LOAD(int16_t, A))
	OPS_RS1(LW, LOAD(int32_t, A))
	OPS_RS1(LD, LOAD(int64_t, A))
	OPS_RS1(LBU, LOAD(uint8_t, A))
	OPS_RS1(LHU, LOAD(uint16_t, A))
	OPS_RS1(LWU, LOAD(uint32_t, A))
	OPS_RS1_RS2(SB, STORE(uint8_t, A, B))
	OPS_RS1_RS2(SH, STORE(uint16_t, A, B))
	OPS_RS1_RS2(SW, STORE(uint32_t, A, B))
	OPS_RS1_RS2(SD, STORE(uint64_t, A, B))
	OPS_RS1(ADDI, RESULT(A + IMM))
	OPS_RS1(SLTI, RESULT((int64_t)A < (int64_t)IMM))
	OPS_RS1(SLTIU, RESULT(A < IMM))
	OPS_RS1(XORI, RESULT(A ^ IMM))
	OPS_RS1(ORI, RESULT(A | IMM))
	OPS_RS1(ANDI, RESULT(A & IMM))
	OPS_RS1(SLLI, RESULT(A << in->imm))
	OPS_RS1(SRLI, RESULT(A >> in->imm))
	OPS_RS1(SRAI, RESULT((uint64_t)((int64_t)A >> in->imm)))
	OPS_RS1_RS2(ADD, RESULT(A + B))
	OPS_RS1_RS2(SUB, RESULT(A - B))
	OPS_RS1_RS2(SLL, RESULT(A << (B & 63)))
	OPS_RS1_RS2(SLT, RESULT((int64_t)A < (int64_t)B))
	OPS_RS1_RS2(SLTU, RESULT(A < B))
	OPS_RS1_RS2(XOR, RESULT(A ^ B))
	OPS_RS1_RS2(SRL, RESULT(A >> (B & 63)))
	OPS_RS1_RS2(SRA, RESULT((uint64_t)((int64_t)A >> (B & 63))))
	OPS_RS1_RS2(OR, RESULT(A | B))
	OPS_RS1_RS2(AND, RESULT(A & B))
#define SEXT32(v) ((uint64_t)(int64_t)(int32_t)(uint32_t)(v))
	OPS_RS1(ADDIW, RESULT(SEXT32(A + IMM)))
	OPS_RS1(SLLIW, RESULT(SEXT32((uint32_t)A << in->imm)))
	OPS_RS1(SRLIW, RESULT(SEXT32((uint32_t)A >> in->imm)))
	OPS_RS1(SRAIW, RESULT((uint64_t)(int64_t)((int32_t)A >> in->imm)))
	OPS_RS1_RS2(ADDW, RESULT(SEXT32(A + B)))
	OPS_RS1_RS2(SUBW, RESULT(SEXT32(A - B)))
	OPS_RS1_RS2(SLLW, RESULT(SEXT32((uint32_t)A << (B & 31))))
	OPS_RS1_RS2(SRLW, RESULT(SEXT32((uint32_t)A >> (B & 31))))
	OPS_RS1_RS2(SRAW, RESULT((uint64_t)(int64_t)((int32_t)A >> (B & 31))))
	OPS_RS1_RS2(MUL, RESULT(A * B))
	OPS_RS1_RS2(MULH, RESULT((uint64_t)(((__int128)(int64_t)A * (__int128)(int64_t)B) >> 64)))
	OPS_RS1_RS2(MULHSU,
		    RESULT((uint64_t)(((__int128)(int64_t)A * (__int128)(unsigned __int128)B) >> 64)))
	OPS_RS1_RS2(MULHU, RESULT((uint64_t)(((unsigned __int128)A * B) >> 64)))
	OPS_RS1_RS2(DIV, RESULT(cpu_div64(A, B)))
	OPS_RS1_RS2(DIVU, RESULT(B ? A / B : ~0ull))
	OPS_RS1_RS2(REM, RESULT(cpu_rem64(A, B)))
	OPS_RS1_RS2(REMU, RESULT(B ? A % B : A))
	OPS_RS1_RS2(MULW, RESULT(SEXT32((uint32_t)A * (uint32_t)B)))
	OPS_RS1_RS2(DIVW, RESULT(cpu_div32(A, B)))
	OPS_RS1_RS2(DIVUW, RESULT((uint32_t)B ? SEXT32((uint32_t)A / (uint32_t)B) : ~0ull))
	OPS_RS1_RS2(REMW, RESULT(cpu_rem32(A, B)))
	OPS_RS1_RS2(REMUW, RESULT((uint32_t)B ? SEXT32((uint32_t)A % (uint32_t)B) : SEXT32(A)))
do_AMO:
	SYNC_INSTRET();
	cause = cpu_amo(h, in, &address);
	if (unlikely(cause))
		goto fault;
	if (unlikely(h->exit_flags))
		LEAVE_FLAGS(PC_NEXT());
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
	retired += in->index;
	SYNC_INSTRET();
	h->pc = PC_HERE();
	retired += cpu_system(h, (uint32_t)in->imm, in->rd,
			      (unsigned)(b->offsets[in->index + 1u] - b->offsets[in->index]));
	/* A minstret write moves instret by more than the retired count. */
	instret_base = h->instret - retired;
	AFTER_EXIT_FLAGS();
	goto next_block;
fault:
	retired += in->index;
	SYNC_INSTRET();
	cpu_trap(h, (uint64_t)cause, address, PC_HERE());
	AFTER_EXIT_FLAGS();
	goto next_block;
#undef PC_AT
#undef PC_HERE
#undef PC_NEXT
#undef DISPATCH
#undef NEXT
#undef LEAVE
#undef LEAVE_FLAGS
#undef CHAIN
#undef SYNC_INSTRET
#undef RAM_OK
#undef LOAD
#undef STORE
#undef BRANCH
#undef SEXT32
#undef RESULT
#undef IMM
#undef OPS_RS1_RS2
#undef OPS_RS1
#undef AFTER_EXIT_FLAGS
}

uint64_t cpu_run(struct hart *h, uint64_t budget)
{
	h->exit_flags = 0;
	return cpu_loop(h, budget, NULL, NULL);
}

void cpu_link_block(struct block *block, const uint8_t *ops)
{
	cpu_loop(NULL, 0, block, ops);
}
