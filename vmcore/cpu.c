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
#include "vmcore/jit.h"
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
#define CPU_OP_LABEL_FUSED(first, first_variant, second, second_variant)      \
	[OP_##first##first_variant##_THEN_##second##second_variant] =              \
		&&do_##first##first_variant##_THEN_##second##second_variant,
		CPU_OPS(CPU_OP_LABEL)
		CPU_OPS_FORWARD_RS1(CPU_OP_LABEL_F1)
		CPU_OPS_FORWARD_RS2(CPU_OP_LABEL_F2)
		CPU_OPS_FUSED(CPU_OP_LABEL_FUSED)
#undef CPU_OP_LABEL_FUSED
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
	const uint8_t *page_flags; /* ck_pr loads only: other harts decode code */
	bool deterministic;
	int cause;

	if (link) {
		for (uint32_t i = 0; i <= link->count; i++)
			link->insns[i].handler = labels[ops[i]];
		/* Its first instruction counts executions until the block is hot (jit.h). */
		link->entry_handler = link->insns[0].handler;
		link->insns[0].handler = labels[jit_enabled(link->vm) ? OP_HEAT : ops[0]];
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
	page_flags = h->page_flags;

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
/* An instruction's result: to rd, and to acc for a forwarded successor. The
 * _THEN forms, and LOAD and STORE, end with then(): NEXT() to dispatch, or
 * FUSED_NEXT() inside a superinstruction. */
#define RESULT_THEN(then, v)           \
	do {                           \
		acc = (v);             \
		x[in->rd] = acc;       \
		then();                \
	} while (0)
#define RESULT(v) RESULT_THEN(NEXT, v)
/* The fast paths of loads and stores keep their operands in locals: address
 * and value are address-taken (slow-path calls), so gcc keeps them in memory. */
#define LOAD(then, type, base)                                                  \
	do {                                                                           \
		const uint64_t load_address = (base) + (uint64_t)(int64_t)in->imm;     \
		if (RAM_OK(load_address)) {                                            \
			type loaded;                                                   \
			memcpy(&loaded, ram + offset, sizeof loaded);                  \
			RESULT_THEN(then, (uint64_t)(int64_t)loaded);                  \
		}                                                                      \
		address = load_address;                                                \
		SYNC_INSTRET();                                                        \
		cause = mem_load(h, address, sizeof(type), &value);                    \
		if (unlikely(cause))                                                   \
			goto fault;                                                    \
		RESULT_THEN(then, (uint64_t)(type)value);                              \
	} while (0)
/* Stores to pages holding decoded code or tohost take the slow path, which drops
 * the blocks (self-modifying code) and may end the block. */
#define STORE(then, type, base, source)                                         \
	do {                                                                           \
		const uint64_t store_address = (base) + (uint64_t)(int64_t)in->imm;    \
		const type stored = (type)(source);                                    \
		if (RAM_OK(store_address) &&                                           \
		    likely(!(ck_pr_load_8(&page_flags[offset >> MEM_PAGE_SHIFT]) |     \
			     ck_pr_load_8(&page_flags[(offset + sizeof(type) - 1) >>      \
						     MEM_PAGE_SHIFT])))) {               \
			memcpy(ram + offset, &stored, sizeof stored);                  \
			then();                                                        \
		}                                                                      \
		address = store_address;                                               \
		SYNC_INSTRET();                                                        \
		cause = mem_store(h, address, sizeof(type), stored);                   \
		if (unlikely(cause))                                                   \
			goto fault;                                                    \
		if (unlikely(h->exit_flags))                                           \
			LEAVE_FLAGS(PC_NEXT());                                        \
		then();                                                                \
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

do_HEAT:
	/* The block's first instruction until it is hot: exactly one hart (the one
	 * whose count reaches vm->jit_heat) compiles it and sets the new entry. */
	if (unlikely(ck_pr_faa_32(&((struct block *)b)->heat, 1) == vm->jit_heat - 1)) {
		struct block *hot = (struct block *)b;
		jit_code code = jit_compile(vm, b);

		ck_pr_store_ptr(&hot->jit, (void *)code);
		ck_pr_fence_store();
		ck_pr_store_ptr(&hot->insns[0].handler, code ? labels[OP_JIT] : b->entry_handler);
		DISPATCH(); /* this execution already runs the code */
	}
	goto *b->entry_handler;
do_JIT: {
	/* The compiled block (jit.h): to its end, or up to the instruction the
	 * interpreter must run, which goes on from there with acc as forwarded. */
	const int64_t given = (int64_t)chain_budget - (int64_t)retired;
	struct jit_exit out;

	/* Compiled code loops and chains while the budget lasts (deterministic
	 * runs have none); what it ran that way is retired too. */
	h->jit_budget = given;
	out = ((jit_code)ck_pr_load_ptr(&b->jit))(h);
	retired += (uint64_t)(given - h->jit_budget);
	if (likely(!(out.index & JIT_BAIL))) {
		retired += out.index;
		next = out.value;
		CHAIN();
	}
	b = h->jit_block;
	acc = out.value;
	in = &b->insns[(uint32_t)out.index];
	if (in == b->insns)
		goto *b->entry_handler;
	DISPATCH();
}
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
/* Each operation's semantics, A and B its rs1 and rs2 operands: expanded below
 * once per variant, and again as the first half of superinstructions. */
#define SEM_BEQ(then) BRANCH(A == B)
#define SEM_BNE(then) BRANCH(A != B)
#define SEM_BLT(then) BRANCH((int64_t)A < (int64_t)B)
#define SEM_BGE(then) BRANCH((int64_t)A >= (int64_t)B)
#define SEM_BLTU(then) BRANCH(A < B)
#define SEM_BGEU(then) BRANCH(A >= B)
#define SEM_LB(then) LOAD(then, int8_t, A)
#define SEM_LH(then) LOAD(then, int16_t, A)
#define SEM_LW(then) LOAD(then, int32_t, A)
#define SEM_LD(then) LOAD(then, int64_t, A)
#define SEM_LBU(then) LOAD(then, uint8_t, A)
#define SEM_LHU(then) LOAD(then, uint16_t, A)
#define SEM_LWU(then) LOAD(then, uint32_t, A)
#define SEM_SB(then) STORE(then, uint8_t, A, B)
#define SEM_SH(then) STORE(then, uint16_t, A, B)
#define SEM_SW(then) STORE(then, uint32_t, A, B)
#define SEM_SD(then) STORE(then, uint64_t, A, B)
#define SEM_ADDI(then) RESULT_THEN(then, A + IMM)
#define SEM_SLTI(then) RESULT_THEN(then, (int64_t)A < (int64_t)IMM)
#define SEM_SLTIU(then) RESULT_THEN(then, A < IMM)
#define SEM_XORI(then) RESULT_THEN(then, A ^ IMM)
#define SEM_ORI(then) RESULT_THEN(then, A | IMM)
#define SEM_ANDI(then) RESULT_THEN(then, A & IMM)
#define SEM_SLLI(then) RESULT_THEN(then, A << in->imm)
#define SEM_SRLI(then) RESULT_THEN(then, A >> in->imm)
#define SEM_SRAI(then) RESULT_THEN(then, (uint64_t)((int64_t)A >> in->imm))
#define SEM_ADD(then) RESULT_THEN(then, A + B)
#define SEM_SUB(then) RESULT_THEN(then, A - B)
#define SEM_SLL(then) RESULT_THEN(then, A << (B & 63))
#define SEM_SLT(then) RESULT_THEN(then, (int64_t)A < (int64_t)B)
#define SEM_SLTU(then) RESULT_THEN(then, A < B)
#define SEM_XOR(then) RESULT_THEN(then, A ^ B)
#define SEM_SRL(then) RESULT_THEN(then, A >> (B & 63))
#define SEM_SRA(then) RESULT_THEN(then, (uint64_t)((int64_t)A >> (B & 63)))
#define SEM_OR(then) RESULT_THEN(then, A | B)
#define SEM_AND(then) RESULT_THEN(then, A & B)
#define SEXT32(v) ((uint64_t)(int64_t)(int32_t)(uint32_t)(v))
#define SEM_ADDIW(then) RESULT_THEN(then, SEXT32(A + IMM))
#define SEM_SLLIW(then) RESULT_THEN(then, SEXT32((uint32_t)A << in->imm))
#define SEM_SRLIW(then) RESULT_THEN(then, SEXT32((uint32_t)A >> in->imm))
#define SEM_SRAIW(then) RESULT_THEN(then, (uint64_t)(int64_t)((int32_t)A >> in->imm))
#define SEM_ADDW(then) RESULT_THEN(then, SEXT32(A + B))
#define SEM_SUBW(then) RESULT_THEN(then, SEXT32(A - B))
#define SEM_SLLW(then) RESULT_THEN(then, SEXT32((uint32_t)A << (B & 31)))
#define SEM_SRLW(then) RESULT_THEN(then, SEXT32((uint32_t)A >> (B & 31)))
#define SEM_SRAW(then) RESULT_THEN(then, (uint64_t)(int64_t)((int32_t)A >> (B & 31)))
#define SEM_MUL(then) RESULT_THEN(then, A * B)
#define SEM_MULH(then) RESULT_THEN(then, (uint64_t)(((__int128)(int64_t)A * (__int128)(int64_t)B) >> 64))
#define SEM_MULHSU(then) RESULT_THEN(then, (uint64_t)(((__int128)(int64_t)A * (__int128)(unsigned __int128)B) >> 64))
#define SEM_MULHU(then) RESULT_THEN(then, (uint64_t)(((unsigned __int128)A * B) >> 64))
#define SEM_DIV(then) RESULT_THEN(then, cpu_div64(A, B))
#define SEM_DIVU(then) RESULT_THEN(then, B ? A / B : ~0ull)
#define SEM_REM(then) RESULT_THEN(then, cpu_rem64(A, B))
#define SEM_REMU(then) RESULT_THEN(then, B ? A % B : A)
#define SEM_MULW(then) RESULT_THEN(then, SEXT32((uint32_t)A * (uint32_t)B))
#define SEM_DIVW(then) RESULT_THEN(then, cpu_div32(A, B))
#define SEM_DIVUW(then) RESULT_THEN(then, (uint32_t)B ? SEXT32((uint32_t)A / (uint32_t)B) : ~0ull)
#define SEM_REMW(then) RESULT_THEN(then, cpu_rem32(A, B))
#define SEM_REMUW(then) RESULT_THEN(then, (uint32_t)B ? SEXT32((uint32_t)A % (uint32_t)B) : SEXT32(A))
#define HANDLERS_RS1(name) OPS_RS1(name, SEM_##name(NEXT))
#define HANDLERS_RS1_RS2(name) OPS_RS1_RS2(name, SEM_##name(NEXT))
	CPU_OPS_SOURCE_RS1_RS2(HANDLERS_RS1_RS2)
	CPU_OPS_RESULT_RS1(HANDLERS_RS1)
	CPU_OPS_RESULT_RS1_RS2(HANDLERS_RS1_RS2)
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

/* Superinstructions (cpu_ops.h): both operations' semantics in one handler,
 * the first going on to the second instead of dispatching. in moves to the
 * second on the way, so exits, faults and slow paths (which may leave the block
 * after the first) see the right index. */
#define FUSED_NEXT() goto fused_next
#define FUSED_OPERANDS_ const uint64_t A = x[in->rs1], B = x[in->rs2]
#define FUSED_OPERANDS__F1 const uint64_t A = acc, B = x[in->rs2]
#define FUSED_OPERANDS__F2 const uint64_t A = x[in->rs1], B = acc
#define FUSED_HANDLER(first, first_variant, second, second_variant)    \
	do_##first##first_variant##_THEN_##second##second_variant : {  \
		{                                                      \
			__label__ fused_next;                          \
			FUSED_OPERANDS_##first_variant;                \
			(void)B;                                       \
			SEM_##first(FUSED_NEXT);                       \
		fused_next:                                            \
			in++;                                          \
		}                                                      \
		{                                                      \
			FUSED_OPERANDS_##second_variant;               \
			(void)B;                                       \
			SEM_##second(NEXT);                            \
		}                                                      \
	}
	CPU_OPS_FUSED(FUSED_HANDLER)
#undef FUSED_OPERANDS_
#undef FUSED_OPERANDS__F1
#undef FUSED_OPERANDS__F2
#undef FUSED_HANDLER
#undef FUSED_NEXT
#undef HANDLERS_RS1
#undef HANDLERS_RS1_RS2
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
#undef RESULT_THEN
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
