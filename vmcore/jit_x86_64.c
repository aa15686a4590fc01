/*
 * x86-64 code for a hot block (jit.h): each guest instruction becomes a short
 * template over hart->x in memory, so nothing is kept across instructions but
 * one fact: which guest register rax still holds, which spares the reload of a
 * result its successor reads (the compiled form of the interpreter's operand
 * forwarding).
 *
 * Registers (SysV, and the code calls nothing, so no callee-saved register is
 * touched): rdi the hart (its x[], RAM pointer, RAM limit and page flags at
 * fixed offsets); rsi, r8, r9, r11 hold the block's most used guest registers,
 * loaded on entry and stored back, where written, at every exit; rax, rcx,
 * rdx, r10 scratch. Returns struct jit_exit in rax:rdx.
 *
 * An exit to the interpreter is a jump to a stub at the end of the code that
 * returns the instruction's index and, in rdx, the value the interpreter's acc
 * would hold there (the latest result register of the block before it).
 */
#include "vmcore/jit_translate.h"

#if JIT_TRANSLATES

#include <stdbool.h>
#include <string.h>

#include <stddef.h>

#include "vmcore/cpu_ops.h"
#include "vmcore/jit.h"

enum reg { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11 };

/* x86 condition codes (the low nibble of jcc and setcc). */
enum cc { CC_B = 0x2, CC_AE = 0x3, CC_E = 0x4, CC_NE = 0x5, CC_A = 0x7, CC_L = 0xc, CC_GE = 0xd };

enum operand_kind { DIRECT, BASE_DISP, BASE_INDEX };

struct operand {
	enum operand_kind kind;
	enum reg base, index;
	int32_t disp;
};

#define NO_REG (-1)

struct fixup {
	size_t at;      /* where the rel32 goes */
	uint32_t index; /* the instruction whose exit stub it jumps to */
};

struct emitter {
	uint8_t *out;
	size_t length, capacity;
	bool full;
	struct fixup fixups[4 * BLOCK_MAX_INSNS];
	size_t fixup_count;
	int cached; /* the guest register rax holds, or NO_REG */
	uint8_t acc_reg[BLOCK_MAX_INSNS + 1]; /* per index: the latest result rd before it, 0: none */
	int host[CPU_REG_SINK + 1];            /* per guest register: its host register, or NO_REG */
	uint64_t written;                      /* guest registers in host ones written so far */
	size_t body; /* where the code after the entry's register loads starts */
};

/* The host registers guest registers live in; nothing else uses them. */
static const enum reg allocatable[] = { RSI, R8, R9, R11 };
#define ALLOCATABLE (sizeof allocatable / sizeof allocatable[0])
#define HART_AT(field) ((int32_t)offsetof(struct hart, field))

static struct operand direct(enum reg r)
{
	return (struct operand){ DIRECT, r, RAX, 0 };
}

/* x[r] in the hart. */
static struct operand guest(unsigned r)
{
	return (struct operand){ BASE_DISP, RDI, RAX, HART_AT(x) + (int32_t)(8 * r) };
}

static struct operand hart_field(int32_t offset)
{
	return (struct operand){ BASE_DISP, RDI, RAX, offset };
}

/* Guest register r wherever it lives in this block: a host register or x[r]. */
static struct operand reg_of(const struct emitter *e, unsigned r)
{
	return e->host[r] != NO_REG ? direct((enum reg)e->host[r]) : guest(r);
}

static struct operand indexed(enum reg base, enum reg index)
{
	return (struct operand){ BASE_INDEX, base, index, 0 };
}

static void byte(struct emitter *e, uint8_t b)
{
	if (e->length < e->capacity)
		e->out[e->length] = b;
	else
		e->full = true;
	e->length++;
}

static void dword(struct emitter *e, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		byte(e, (uint8_t)(v >> (8 * i)));
}

static void qword(struct emitter *e, uint64_t v)
{
	dword(e, (uint32_t)v);
	dword(e, (uint32_t)(v >> 32));
}

/* [66] [REX] opcode ModRM [SIB] [disp]: reg is a register or an opcode digit. */
static void modrm(struct emitter *e, bool wide, bool operand16, const char *opcode,
		  size_t opcode_length, unsigned reg, struct operand rm)
{
	uint8_t rex = (uint8_t)(0x40 | (wide ? 8 : 0) | ((reg & 8) ? 4 : 0) | ((rm.base & 8) ? 1 : 0));

	if (rm.kind == BASE_INDEX && (rm.index & 8))
		rex |= 2;
	if (operand16)
		byte(e, 0x66);
	if (rex != 0x40)
		byte(e, rex);
	for (size_t i = 0; i < opcode_length; i++)
		byte(e, (uint8_t)opcode[i]);
	switch (rm.kind) {
	case DIRECT:
		byte(e, (uint8_t)(0xc0 | (reg & 7) << 3 | (rm.base & 7)));
		break;
	case BASE_DISP: /* base is never rsp or r12 (they would need a SIB byte) */
		if (rm.disp >= -128 && rm.disp <= 127) {
			byte(e, (uint8_t)(0x40 | (reg & 7) << 3 | (rm.base & 7)));
			byte(e, (uint8_t)rm.disp);
		} else {
			byte(e, (uint8_t)(0x80 | (reg & 7) << 3 | (rm.base & 7)));
			dword(e, (uint32_t)rm.disp);
		}
		break;
	case BASE_INDEX: /* base is never rbp or r13 (mod 00 would mean disp32) */
		byte(e, (uint8_t)(0x04 | (reg & 7) << 3));
		byte(e, (uint8_t)((rm.index & 7) << 3 | (rm.base & 7)));
		break;
	}
}

#define OP(e, wide, opcode, reg, rm) modrm(e, wide, false, opcode, sizeof opcode - 1, reg, rm)

/* reg = value, in the shortest form. */
static void load_constant(struct emitter *e, enum reg reg, uint64_t value)
{
	if (value <= 0xffffffffull) { /* mov r32, imm32 zero-extends */
		if (reg & 8)
			byte(e, 0x41);
		byte(e, (uint8_t)(0xb8 + (reg & 7)));
		dword(e, (uint32_t)value);
	} else if ((int64_t)value == (int64_t)(int32_t)value) {
		OP(e, true, "\xc7", 0, direct(reg));
		dword(e, (uint32_t)value);
	} else {
		byte(e, (uint8_t)(0x48 | ((reg & 8) ? 1 : 0)));
		byte(e, (uint8_t)(0xb8 + (reg & 7)));
		qword(e, value);
	}
}

/* rax = x[r], unless it already holds it. */
static void load_a(struct emitter *e, unsigned r)
{
	if (e->cached == (int)r)
		return;
	OP(e, true, "\x8b", RAX, reg_of(e, r));
	e->cached = (int)r;
}

/* rd = rax: rax now holds rd. */
static void store_result(struct emitter *e, unsigned rd)
{
	OP(e, true, "\x89", RAX, reg_of(e, rd));
	if (e->host[rd] != NO_REG)
		e->written |= 1ull << rd;
	e->cached = (int)rd;
}

/* Before any return: guest registers written in host ones go back to x[]. */
static void write_back(struct emitter *e, uint64_t written)
{
	for (unsigned r = 0; r <= CPU_REG_SINK; r++)
		if (written & (1ull << r))
			OP(e, true, "\x89", (unsigned)e->host[r], guest(r));
}

static void sign_extend_eax(struct emitter *e)
{
	OP(e, true, "\x63", RAX, direct(RAX)); /* movsxd rax, eax */
}

/* jcc to instruction index's exit stub. */
static void exit_if(struct emitter *e, enum cc cc, uint32_t index)
{
	byte(e, 0x0f);
	byte(e, (uint8_t)(0x80 | cc));
	if (e->fixup_count < sizeof e->fixups / sizeof e->fixups[0])
		e->fixups[e->fixup_count++] = (struct fixup){ e->length, index };
	else
		e->full = true;
	dword(e, 0);
}

static void exit_always(struct emitter *e, uint32_t index)
{
	byte(e, 0xe9);
	if (e->fixup_count < sizeof e->fixups / sizeof e->fixups[0])
		e->fixups[e->fixup_count++] = (struct fixup){ e->length, index };
	else
		e->full = true;
	dword(e, 0);
}

static void patch_rel32(struct emitter *e, size_t at, size_t target)
{
	uint32_t rel = (uint32_t)(target - (at + 4));

	if (!e->full)
		memcpy(e->out + at, &rel, 4);
}

/* Leaves the block, its count retired, for the pc in rdx: straight into the
 * next block's code when it is compiled and the interpreter would chain to it
 * (budget left, attention clear, the hart's cache holds it under the current
 * generation: the checks of cpu.c's CHAIN), else back to the interpreter. The
 * pass is taken off hart->jit_budget when it goes on, so do_JIT counts it. */
_Static_assert(sizeof(struct hart_cache_entry) == 16, "leave_to_rdx scales the index by 16");

static void leave_to_rdx(struct emitter *e, const struct block *b, bool constant, uint64_t pc)
{
	struct operand budget = hart_field(HART_AT(jit_budget));
	const int32_t cache = HART_AT(cache), entry_size = (int32_t)sizeof(struct hart_cache_entry);
	size_t to_return[6];
	size_t n = 0;

	write_back(e, e->written);
	OP(e, true, "\x81", 5, budget); /* sub qword [budget], count */
	dword(e, b->count);
	byte(e, 0x0f);
	byte(e, 0x80 | 0xe); /* jle */
	to_return[n++] = e->length;
	dword(e, 0);
	OP(e, false, "\x83", 7, hart_field(HART_AT(attention))); /* cmp dword [attention], 0 */
	byte(e, 0);
	byte(e, 0x0f);
	byte(e, 0x80 | CC_NE);
	to_return[n++] = e->length;
	dword(e, 0);
	if (constant) { /* the entry's place is known: rcx = &h->cache[i] */
		int32_t at = cache + entry_size * (int32_t)((pc >> 1) & (HART_CACHE_SIZE - 1));

		OP(e, true, "\x8d", RCX, hart_field(at)); /* lea rcx, [rdi + at] */
	} else {
		OP(e, true, "\x89", RDX, direct(RCX)); /* mov rcx, rdx */
		OP(e, true, "\xc1", 5, direct(RCX));   /* shr rcx, 1 */
		byte(e, 1);
		OP(e, false, "\x81", 4, direct(RCX)); /* and ecx, HART_CACHE_SIZE - 1 */
		dword(e, HART_CACHE_SIZE - 1);
		OP(e, true, "\xc1", 4, direct(RCX)); /* shl rcx, 4 */
		byte(e, 4);
		OP(e, true, "\x8d", RCX, ((struct operand){ BASE_INDEX, RDI, RCX, 0 })); /* lea */
		OP(e, true, "\x81", 0, direct(RCX)); /* add rcx, cache */
		dword(e, (uint32_t)cache);
	}
	OP(e, true, "\x3b", RDX, ((struct operand){ BASE_DISP, RCX, RAX, 0 })); /* cmp rdx, pc */
	byte(e, 0x0f);
	byte(e, 0x80 | CC_NE);
	to_return[n++] = e->length;
	dword(e, 0);
	OP(e, true, "\x8b", RAX, hart_field(HART_AT(vm))); /* the generation */
	OP(e, true, "\x8b", RAX, ((struct operand){ BASE_DISP, RAX, RAX,
						    (int32_t)(offsetof(struct vm, bcache) +
							      offsetof(struct bcache, generation)) }));
	OP(e, true, "\x3b", RAX, hart_field(HART_AT(cache_generation)));
	byte(e, 0x0f);
	byte(e, 0x80 | CC_NE);
	to_return[n++] = e->length;
	dword(e, 0);
	OP(e, true, "\x8b", RCX, ((struct operand){ BASE_DISP, RCX, RAX, 8 })); /* block */
	OP(e, true, "\x8b", RCX, ((struct operand){ BASE_DISP, RCX, RAX,
						    (int32_t)offsetof(struct block, jit) }));
	OP(e, true, "\x85", RCX, direct(RCX)); /* test rcx, rcx */
	byte(e, 0x0f);
	byte(e, 0x80 | CC_E);
	to_return[n++] = e->length;
	dword(e, 0);
	OP(e, false, "\xff", 4, direct(RCX)); /* jmp rcx */
	for (size_t k = 0; k < n; k++)
		patch_rel32(e, to_return[k], e->length);
	OP(e, true, "\x81", 0, budget); /* add qword [budget], count: not gone on */
	dword(e, b->count);
	load_constant(e, RAX, b->count);
	byte(e, 0xc3);
}

/* Leaves the block for a known pc. */
static void finish(struct emitter *e, const struct block *b, uint64_t pc)
{
	load_constant(e, RDX, pc);
	leave_to_rdx(e, b, true, pc);
}

/* r10 = the RAM offset of x[rs1] + imm; exits at index when outside the fast
 * range (as the interpreter's RAM_OK). */
static void ram_offset(struct emitter *e, const struct insn *in, uint32_t index)
{
	load_a(e, in->rs1);
	OP(e, true, "\x8d", R10, ((struct operand){ BASE_DISP, RAX, RAX, in->imm })); /* lea */
	load_constant(e, RCX, MEM_RAM_BASE);
	OP(e, true, "\x29", RCX, direct(R10)); /* sub r10, rcx */
	OP(e, true, "\x3b", R10, hart_field(HART_AT(ram_limit))); /* cmp r10, ram_limit */
	exit_if(e, CC_A, index);
}

/* Exits unless the page of RAM offset r10 + last holds no code (nor tohost). */
static void page_clean(struct emitter *e, const struct block *b, unsigned last, uint32_t index)
{
	const uint64_t pages[] = { (b->pc - MEM_RAM_BASE) >> MEM_PAGE_SHIFT,
				   (b->last_byte - MEM_RAM_BASE) >> MEM_PAGE_SHIFT };

	if (last == 0) {
		OP(e, true, "\x89", R10, direct(RCX)); /* mov rcx, r10 */
	} else {
		OP(e, true, "\x8d", RCX, ((struct operand){ BASE_DISP, R10, RAX, (int32_t)last }));
	}
	OP(e, true, "\xc1", 5, direct(RCX)); /* shr rcx, MEM_PAGE_SHIFT */
	byte(e, MEM_PAGE_SHIFT);
	/* The block's own pages always exit, whatever their flags say: another
	 * hart's fence.i clears every page's flag while this hart may still run
	 * this (already dropped) block, and a store into it must still end it. */
	for (size_t k = 0; k < 2; k++) {
		OP(e, true, "\x81", 7, direct(RCX)); /* cmp rcx, page */
		dword(e, (uint32_t)pages[k]);
		exit_if(e, CC_E, index);
	}
	OP(e, true, "\x03", RCX, hart_field(HART_AT(page_flags))); /* add rcx, page_flags */
	OP(e, false, "\x80", 7, ((struct operand){ BASE_DISP, RCX, RAX, 0 })); /* cmp byte [rcx], 0 */
	byte(e, 0);
	exit_if(e, CC_NE, index);
}

static void translate_load(struct emitter *e, const struct insn *in, uint32_t index, unsigned op)
{
	struct operand at = indexed(RCX, R10);

	ram_offset(e, in, index);
	OP(e, true, "\x8b", RCX, hart_field(HART_AT(ram))); /* mov rcx, ram */
	switch (op) {
	case OP_LB: OP(e, true, "\x0f\xbe", RAX, at); break;
	case OP_LH: OP(e, true, "\x0f\xbf", RAX, at); break;
	case OP_LW: OP(e, true, "\x63", RAX, at); break;
	case OP_LD: OP(e, true, "\x8b", RAX, at); break;
	case OP_LBU: OP(e, false, "\x0f\xb6", RAX, at); break;
	case OP_LHU: OP(e, false, "\x0f\xb7", RAX, at); break;
	default: OP(e, false, "\x8b", RAX, at); break; /* LWU: mov eax zero-extends */
	}
	store_result(e, in->rd);
}

static void translate_store(struct emitter *e, const struct block *b, const struct insn *in,
			    uint32_t index, unsigned op)
{
	struct operand at = indexed(RCX, R10);
	unsigned size = op == OP_SB ? 1 : op == OP_SH ? 2 : op == OP_SW ? 4 : 8;

	ram_offset(e, in, index);
	page_clean(e, b, 0, index);
	if (size > 1)
		page_clean(e, b, size - 1, index);
	load_a(e, in->rs2);
	OP(e, true, "\x8b", RCX, hart_field(HART_AT(ram))); /* mov rcx, ram */
	switch (size) {
	case 1: OP(e, false, "\x88", RAX, at); break;
	case 2: modrm(e, false, true, "\x89", 1, RAX, at); break;
	case 4: OP(e, false, "\x89", RAX, at); break;
	default: OP(e, true, "\x89", RAX, at); break;
	}
}

/* A branch back to the block's own start runs the block again in place, its
 * guest registers still in host ones, while hart->jit_budget (the instructions
 * the interpreter would still run before it next looks at the hart) stays
 * positive and no one asked for the hart's attention; otherwise it falls
 * through to the ordinary return, its pass given back to the budget. */
static void loop_back(struct emitter *e, const struct block *b)
{
	struct operand budget = hart_field(HART_AT(jit_budget));
	size_t to_exit[2], back;

	OP(e, true, "\x81", 5, budget); /* sub qword [budget], count */
	dword(e, b->count);
	byte(e, 0x0f);
	byte(e, 0x80 | 0xe); /* jle */
	to_exit[0] = e->length;
	dword(e, 0);
	OP(e, false, "\x83", 7, hart_field(HART_AT(attention))); /* cmp dword [attention], 0 */
	byte(e, 0);
	byte(e, 0x0f);
	byte(e, 0x80 | CC_NE);
	to_exit[1] = e->length;
	dword(e, 0);
	byte(e, 0xe9); /* jmp body */
	back = e->length;
	dword(e, 0);
	patch_rel32(e, back, e->body);
	patch_rel32(e, to_exit[0], e->length);
	patch_rel32(e, to_exit[1], e->length);
	OP(e, true, "\x81", 0, budget); /* add qword [budget], count */
	dword(e, b->count);
}

/* The last instruction's branch: compare, then one return per direction. */
static void translate_branch(struct emitter *e, const struct block *b, const struct insn *in,
			     unsigned op)
{
	static const enum cc taken[] = { [OP_BEQ] = CC_E, [OP_BNE] = CC_NE, [OP_BLT] = CC_L,
					 [OP_BGE] = CC_GE, [OP_BLTU] = CC_B, [OP_BGEU] = CC_AE };
	size_t jump;

	load_a(e, in->rs1);
	OP(e, true, "\x3b", RAX, reg_of(e, in->rs2)); /* cmp rax, x[rs2] */
	byte(e, 0x0f);
	byte(e, (uint8_t)(0x80 | taken[op]));
	jump = e->length;
	dword(e, 0);
	finish(e, b, b->end_pc);
	if (!e->full) {
		uint32_t rel = (uint32_t)(e->length - (jump + 4));
		memcpy(e->out + jump, &rel, 4);
	}
	if (b->target_pc == b->pc)
		loop_back(e, b);
	finish(e, b, b->target_pc);
}

/* rax op= the immediate (group 1: add 0, or 1, and 4, xor 6, cmp 7). */
static void immediate(struct emitter *e, bool wide, unsigned digit, int32_t imm)
{
	OP(e, wide, "\x81", digit, direct(RAX));
	dword(e, (uint32_t)imm);
}

static void shift_immediate(struct emitter *e, bool wide, unsigned digit, int32_t amount)
{
	OP(e, wide, "\xc1", digit, direct(RAX));
	byte(e, (uint8_t)amount);
}

/* rcx = x[rs2] first, so a cached rax (rs1) survives. */
static void load_b_into_rcx(struct emitter *e, const struct insn *in, bool wide)
{
	OP(e, wide, "\x8b", RCX, reg_of(e, in->rs2));
}

static void set_flag(struct emitter *e, enum cc cc)
{
	byte(e, 0x0f);
	byte(e, (uint8_t)(0x90 | cc)); /* setcc al */
	byte(e, 0xc0);
	OP(e, false, "\x0f\xb6", RAX, direct(RAX)); /* movzx eax, al */
}

/* Division: exits to the interpreter for a zero divisor and, signed, for -1
 * (MIN / -1), the cases RISC-V defines and x86 faults on. */
static void divide(struct emitter *e, const struct insn *in, uint32_t index, bool wide,
		   bool is_signed, bool remainder)
{
	e->cached = NO_REG;
	load_b_into_rcx(e, in, wide);
	OP(e, wide, "\x85", RCX, direct(RCX)); /* test rcx, rcx */
	exit_if(e, CC_E, index);
	if (is_signed) {
		OP(e, wide, "\x83", 7, direct(RCX)); /* cmp rcx, -1 */
		byte(e, 0xff);
		exit_if(e, CC_E, index);
	}
	OP(e, wide, "\x8b", RAX, reg_of(e, in->rs1));
	if (is_signed) {
		if (wide)
			byte(e, 0x48);
		byte(e, 0x99); /* cqo / cdq */
	} else {
		OP(e, false, "\x31", RDX, direct(RDX)); /* xor edx, edx */
	}
	OP(e, wide, "\xf7", is_signed ? 7 : 6, direct(RCX)); /* idiv / div rcx */
	if (remainder)
		OP(e, true, "\x89", RDX, direct(RAX)); /* mov rax, rdx */
	if (!wide)
		sign_extend_eax(e);
}

/* amoadd and amoswap (.w, .d) compile to one locked host instruction, as
 * cpu_amo.c's ck_pr_faa/fas; LR/SC (stripe locks) and the rest stay there. */
static bool amo_inline(int32_t imm)
{
	unsigned funct5 = (uint32_t)imm >> 8, funct3 = imm & 7;

	return (funct5 == 0x00 || funct5 == 0x01) && (funct3 == 2 || funct3 == 3);
}

/* Misaligned, outside RAM, or on a page with code: the interpreter's (which
 * traps, or invalidates after the store). */
static void translate_amo(struct emitter *e, const struct block *b, const struct insn *in,
			  uint32_t index)
{
	bool wide = (in->imm & 7) == 3;
	struct operand at = indexed(RCX, R10);
	const struct insn address = { .rs1 = in->rs1, .imm = 0 };

	load_a(e, in->rs1);
	byte(e, 0xa8); /* test al, size - 1 */
	byte(e, wide ? 7 : 3);
	exit_if(e, CC_NE, index);
	ram_offset(e, &address, index);
	page_clean(e, b, 0, index);
	load_a(e, in->rs2);
	OP(e, true, "\x8b", RCX, hart_field(HART_AT(ram))); /* mov rcx, ram */
	if ((uint32_t)in->imm >> 8 == 0x00) {
		byte(e, 0xf0); /* lock xadd [rcx + r10], rax */
		OP(e, wide, "\x0f\xc1", RAX, at);
	} else {
		OP(e, wide, "\x87", RAX, at); /* xchg: locked by itself */
	}
	if (!wide)
		sign_extend_eax(e);
	store_result(e, in->rd);
}

/* One instruction; false when it is one the interpreter runs (the code then
 * exits to it here, and nothing after it is translated). */
static bool translate_one(struct emitter *e, const struct block *b, uint32_t index)
{
	const struct insn *in = &b->insns[index];
	unsigned op = b->ops[index];
	uint64_t pc = b->pc + b->offsets[index];

	switch (op) {
	case OP_LUI:
		load_constant(e, RAX, (uint64_t)(int64_t)in->imm);
		break;
	case OP_AUIPC:
		load_constant(e, RAX, pc + (uint64_t)(int64_t)in->imm);
		break;
	case OP_JAL:
		load_constant(e, RAX, b->end_pc);
		store_result(e, in->rd);
		finish(e, b, b->target_pc);
		return true;
	case OP_JALR:
		OP(e, true, "\x8b", RDX, reg_of(e, in->rs1));
		OP(e, true, "\x81", 0, direct(RDX)); /* add rdx, imm32 */
		dword(e, (uint32_t)in->imm);
		OP(e, true, "\x83", 4, direct(RDX)); /* and rdx, -2 */
		byte(e, 0xfe);
		load_constant(e, RAX, b->end_pc);
		store_result(e, in->rd);
		leave_to_rdx(e, b, false, 0);
		return true;
	case OP_BEQ: case OP_BNE: case OP_BLT: case OP_BGE: case OP_BLTU: case OP_BGEU:
		translate_branch(e, b, in, op);
		return true;
	case OP_LB: case OP_LH: case OP_LW: case OP_LD: case OP_LBU: case OP_LHU: case OP_LWU:
		translate_load(e, in, index, op);
		return true;
	case OP_SB: case OP_SH: case OP_SW: case OP_SD:
		translate_store(e, b, in, index, op);
		return true;
	case OP_ADDI: load_a(e, in->rs1); immediate(e, true, 0, in->imm); break;
	case OP_XORI: load_a(e, in->rs1); immediate(e, true, 6, in->imm); break;
	case OP_ORI: load_a(e, in->rs1); immediate(e, true, 1, in->imm); break;
	case OP_ANDI: load_a(e, in->rs1); immediate(e, true, 4, in->imm); break;
	case OP_SLTI: load_a(e, in->rs1); immediate(e, true, 7, in->imm); set_flag(e, CC_L); break;
	case OP_SLTIU: load_a(e, in->rs1); immediate(e, true, 7, in->imm); set_flag(e, CC_B); break;
	case OP_SLLI: load_a(e, in->rs1); shift_immediate(e, true, 4, in->imm); break;
	case OP_SRLI: load_a(e, in->rs1); shift_immediate(e, true, 5, in->imm); break;
	case OP_SRAI: load_a(e, in->rs1); shift_immediate(e, true, 7, in->imm); break;
	case OP_ADDIW:
		load_a(e, in->rs1);
		immediate(e, false, 0, in->imm);
		sign_extend_eax(e);
		break;
	case OP_SLLIW: load_a(e, in->rs1); shift_immediate(e, false, 4, in->imm); sign_extend_eax(e); break;
	case OP_SRLIW: load_a(e, in->rs1); shift_immediate(e, false, 5, in->imm); sign_extend_eax(e); break;
	case OP_SRAIW: load_a(e, in->rs1); shift_immediate(e, false, 7, in->imm); sign_extend_eax(e); break;
	case OP_ADD: load_a(e, in->rs1); OP(e, true, "\x03", RAX, reg_of(e, in->rs2)); break;
	case OP_SUB: load_a(e, in->rs1); OP(e, true, "\x2b", RAX, reg_of(e, in->rs2)); break;
	case OP_AND: load_a(e, in->rs1); OP(e, true, "\x23", RAX, reg_of(e, in->rs2)); break;
	case OP_OR: load_a(e, in->rs1); OP(e, true, "\x0b", RAX, reg_of(e, in->rs2)); break;
	case OP_XOR: load_a(e, in->rs1); OP(e, true, "\x33", RAX, reg_of(e, in->rs2)); break;
	case OP_SLT:
		load_a(e, in->rs1);
		OP(e, true, "\x3b", RAX, reg_of(e, in->rs2));
		set_flag(e, CC_L);
		break;
	case OP_SLTU:
		load_a(e, in->rs1);
		OP(e, true, "\x3b", RAX, reg_of(e, in->rs2));
		set_flag(e, CC_B);
		break;
	case OP_SLL: case OP_SRL: case OP_SRA: case OP_SLLW: case OP_SRLW: case OP_SRAW: {
		bool wide = op == OP_SLL || op == OP_SRL || op == OP_SRA;
		unsigned digit = op == OP_SLL || op == OP_SLLW ? 4 : op == OP_SRL || op == OP_SRLW ? 5 : 7;

		load_b_into_rcx(e, in, true);
		load_a(e, in->rs1);
		OP(e, wide, "\xd3", digit, direct(RAX)); /* shift by cl (masked as RISC-V masks) */
		if (!wide)
			sign_extend_eax(e);
		break;
	}
	case OP_ADDW: load_a(e, in->rs1); OP(e, false, "\x03", RAX, reg_of(e, in->rs2)); sign_extend_eax(e); break;
	case OP_SUBW: load_a(e, in->rs1); OP(e, false, "\x2b", RAX, reg_of(e, in->rs2)); sign_extend_eax(e); break;
	case OP_MUL: load_a(e, in->rs1); OP(e, true, "\x0f\xaf", RAX, reg_of(e, in->rs2)); break;
	case OP_MULW:
		load_a(e, in->rs1);
		OP(e, false, "\x0f\xaf", RAX, reg_of(e, in->rs2));
		sign_extend_eax(e);
		break;
	case OP_MULH: case OP_MULHU:
		load_a(e, in->rs1);
		OP(e, true, "\xf7", op == OP_MULH ? 5 : 4, reg_of(e, in->rs2)); /* imul / mul: rdx:rax */
		OP(e, true, "\x89", RDX, direct(RAX));
		break;
	case OP_MULHSU: /* mulhu(a, b) - (a < 0 ? b : 0) */
		load_a(e, in->rs1);
		OP(e, true, "\x89", RAX, direct(R10));
		OP(e, true, "\xf7", 4, reg_of(e, in->rs2));
		OP(e, true, "\xc1", 7, direct(R10)); /* sar r10, 63 */
		byte(e, 63);
		OP(e, true, "\x23", R10, reg_of(e, in->rs2));
		OP(e, true, "\x29", R10, direct(RDX)); /* sub rdx, r10 */
		OP(e, true, "\x89", RDX, direct(RAX));
		break;
	case OP_DIV: divide(e, in, index, true, true, false); break;
	case OP_DIVU: divide(e, in, index, true, false, false); break;
	case OP_REM: divide(e, in, index, true, true, true); break;
	case OP_REMU: divide(e, in, index, true, false, true); break;
	case OP_DIVW: divide(e, in, index, false, true, false); break;
	case OP_DIVUW: divide(e, in, index, false, false, false); break;
	case OP_REMW: divide(e, in, index, false, true, true); break;
	case OP_REMUW: divide(e, in, index, false, false, true); break;
	case OP_END:
		finish(e, b, b->end_pc);
		return true;
	case OP_AMO:
		if (!amo_inline(in->imm))
			goto interpret;
		translate_amo(e, b, in, index);
		return true;
	default: /* LR/SC and the other AMOs, FENCE, FENCE_I, SYSTEM, ILLEGAL */
	interpret:
		exit_always(e, index);
		return false;
	}
	store_result(e, in->rd);
	return true;
}

/* Which register the interpreter's acc holds at each index: decode_forward's
 * rule (the latest result operation's rd; an AMO forwards nothing). */
static void find_acc(struct emitter *e, const struct block *b)
{
	unsigned held = 0;

	for (uint32_t i = 0; i <= b->count; i++) {
		unsigned op = b->ops[i];

		e->acc_reg[i] = (uint8_t)held;
		switch (op) {
		case OP_LUI: case OP_AUIPC:
#define RESULT_CASE(name) case OP_##name:
		CPU_OPS_RESULT_RS1_RS2(RESULT_CASE)
		CPU_OPS_RESULT_RS1(RESULT_CASE)
#undef RESULT_CASE
			held = b->insns[i].rd;
			break;
		case OP_AMO:
			held = 0;
			break;
		default:
			break;
		}
	}
}

/* Operations the interpreter runs, and those that end a translation. */
static bool interpreted(const struct block *b, uint32_t index)
{
	unsigned op = b->ops[index];

	if (op == OP_AMO)
		return !amo_inline(b->insns[index].imm);
	return op == OP_FENCE || op == OP_FENCE_I || op == OP_SYSTEM || op == OP_ILLEGAL;
}

static bool transfers(unsigned op)
{
	return op == OP_END || op == OP_JAL || op == OP_JALR || (op >= OP_BEQ && op <= OP_BGEU);
}

/* Gives the guest registers the translated instructions use most (twice at
 * least: once is no cheaper in a register than in memory) a host register each,
 * and loads them. */
static void allocate(struct emitter *e, const struct block *b)
{
#define ENTRY(name) [OP_##name] = true,
	static const bool rs1[OP_COUNT] = { [OP_JALR] = true, CPU_OPS_SOURCE_RS1_RS2(ENTRY)
					    CPU_OPS_RESULT_RS1(ENTRY) CPU_OPS_RESULT_RS1_RS2(ENTRY) };
	static const bool rs2[OP_COUNT] = { CPU_OPS_SOURCE_RS1_RS2(ENTRY)
					    CPU_OPS_RESULT_RS1_RS2(ENTRY) };
	static const bool rd[OP_COUNT] = { [OP_LUI] = true, [OP_AUIPC] = true, [OP_JAL] = true,
					   [OP_JALR] = true, CPU_OPS_RESULT_RS1(ENTRY)
					   CPU_OPS_RESULT_RS1_RS2(ENTRY) };
#undef ENTRY
	unsigned uses[CPU_REG_SINK + 1] = { 0 };

	for (unsigned r = 0; r <= CPU_REG_SINK; r++)
		e->host[r] = NO_REG;
	for (uint32_t i = 0; i <= b->count && !interpreted(b, i); i++) {
		const struct insn *in = &b->insns[i];

		bool amo = b->ops[i] == OP_AMO;

		uses[in->rs1] += rs1[b->ops[i]] || amo;
		uses[in->rs2] += rs2[b->ops[i]] || amo;
		uses[in->rd] += rd[b->ops[i]] || amo;
		if (transfers(b->ops[i]))
			break;
	}
	uses[0] = uses[CPU_REG_SINK] = 0; /* x0 reads as 0 from memory; its writes are dropped */
	for (size_t k = 0; k < ALLOCATABLE; k++) {
		unsigned best = 0;

		for (unsigned r = 1; r < CPU_REG_SINK; r++)
			if (uses[r] > uses[best])
				best = r;
		if (uses[best] < 2)
			break;
		e->host[best] = (int)allocatable[k];
		uses[best] = 0;
		OP(e, true, "\x8b", allocatable[k], guest(best));
	}
}

size_t jit_translate(const struct block *b, uint8_t *out, size_t capacity)
{
	struct emitter e = { .out = out, .capacity = capacity, .cached = NO_REG };
	size_t stub[BLOCK_MAX_INSNS + 1];
	bool needed[BLOCK_MAX_INSNS + 1] = { false };

	if (interpreted(b, 0))
		return 0;
	find_acc(&e, b);
	allocate(&e, b);
	e.body = e.length;
	for (uint32_t i = 0; i <= b->count; i++)
		if (!translate_one(&e, b, i) || transfers(b->ops[i]))
			break;
	for (size_t f = 0; f < e.fixup_count; f++)
		needed[e.fixups[f].index] = true;
	for (uint32_t i = 0; i <= b->count; i++) {
		if (!needed[i])
			continue;
		stub[i] = e.length;
		/* Every register the block writes: in a loop's later passes, those
		 * written after index i are dirty too, and writing back one not yet
		 * written stores the value it was loaded with. */
		write_back(&e, e.written);
		load_constant(&e, RCX, (uint64_t)(uintptr_t)b); /* hart->jit_block = b */
		OP(&e, true, "\x89", RCX, hart_field(HART_AT(jit_block)));
		load_constant(&e, RAX, JIT_BAIL | i);
		if (e.acc_reg[i] != 0)
			OP(&e, true, "\x8b", RDX, reg_of(&e, e.acc_reg[i]));
		byte(&e, 0xc3);
	}
	if (e.full)
		return 0;
	for (size_t f = 0; f < e.fixup_count; f++) {
		uint32_t rel = (uint32_t)(stub[e.fixups[f].index] - (e.fixups[f].at + 4));
		memcpy(out + e.fixups[f].at, &rel, 4);
	}
	return e.length;
}

#endif
