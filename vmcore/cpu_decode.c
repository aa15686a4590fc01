/*
 * Decoding RV64IMAC + Zicsr + Zifencei into struct insn, a block at a time.
 * Decoding never traps: an undecodable word becomes OP_ILLEGAL and traps when
 * (if) it executes.
 */
#include <string.h>

#include "vmcore/cpu.h"
#include "vmcore/cpu_ops.h"
#include "vmcore/machine.h"

static int64_t bits_signed(uint32_t word, unsigned high, unsigned low)
{
	return (int64_t)((uint64_t)word << (63 - high)) >> (63 - high + low);
}

static uint32_t bits(uint32_t word, unsigned high, unsigned low)
{
	return (word >> low) & ((1u << (high - low + 1)) - 1);
}

static int32_t imm_i(uint32_t w)
{
	return (int32_t)bits_signed(w, 31, 20);
}

static int32_t imm_s(uint32_t w)
{
	return (int32_t)(((uint32_t)bits_signed(w, 31, 25) << 5) | bits(w, 11, 7));
}

static int32_t imm_b(uint32_t w)
{
	return (int32_t)(((uint32_t)bits_signed(w, 31, 31) << 12) | (bits(w, 7, 7) << 11) |
			 (bits(w, 30, 25) << 5) | (bits(w, 11, 8) << 1));
}

static int32_t imm_j(uint32_t w)
{
	return (int32_t)(((uint32_t)bits_signed(w, 31, 31) << 20) | (bits(w, 19, 12) << 12) |
			 (bits(w, 20, 20) << 11) | (bits(w, 30, 21) << 1));
}

_Static_assert(OP_COUNT <= 256, "operation codes are uint8_t");

static bool decode_op(uint32_t w, struct insn *in, uint8_t *op)
{
	unsigned f3 = bits(w, 14, 12), f7 = bits(w, 31, 25);
	static const uint8_t branch_ops[8] = { OP_BEQ, OP_BNE, 0, 0, OP_BLT, OP_BGE, OP_BLTU, OP_BGEU };
	static const uint8_t load_ops[8] = { OP_LB, OP_LH, OP_LW, OP_LD, OP_LBU, OP_LHU, OP_LWU, 0 };
	static const uint8_t store_ops[8] = { OP_SB, OP_SH, OP_SW, OP_SD, 0, 0, 0, 0 };
	static const uint8_t alu_ops[8] = { OP_ADD, OP_SLL, OP_SLT, OP_SLTU, OP_XOR, OP_SRL, OP_OR, OP_AND };
	static const uint8_t mul_ops[8] = { OP_MUL, OP_MULH, OP_MULHSU, OP_MULHU,
					    OP_DIV, OP_DIVU, OP_REM, OP_REMU };
	static const uint8_t mulw_ops[8] = { OP_MULW, 0, 0, 0, OP_DIVW, OP_DIVUW, OP_REMW, OP_REMUW };

	in->rd = (uint8_t)bits(w, 11, 7);
	in->rs1 = (uint8_t)bits(w, 19, 15);
	in->rs2 = (uint8_t)bits(w, 24, 20);
	*op = OP_ILLEGAL;
	in->imm = (int32_t)w; /* raw bits, for OP_ILLEGAL and OP_SYSTEM */
	switch (bits(w, 6, 0)) {
	case 0x37:
		*op = OP_LUI;
		in->imm = (int32_t)(w & 0xfffff000u);
		return false;
	case 0x17:
		*op = OP_AUIPC;
		in->imm = (int32_t)(w & 0xfffff000u);
		return false;
	case 0x6f:
		*op = OP_JAL;
		in->imm = imm_j(w);
		return true;
	case 0x67:
		if (f3 == 0) {
			*op = OP_JALR;
			in->imm = imm_i(w);
		}
		return true;
	case 0x63:
		if (branch_ops[f3]) {
			*op = branch_ops[f3];
			in->imm = imm_b(w);
		}
		return true;
	case 0x03:
		if (load_ops[f3]) {
			*op = load_ops[f3];
			in->imm = imm_i(w);
		}
		return *op == OP_ILLEGAL;
	case 0x23:
		if (store_ops[f3]) {
			*op = store_ops[f3];
			in->imm = imm_s(w);
		}
		return *op == OP_ILLEGAL;
	case 0x13:
		in->imm = imm_i(w);
		switch (f3) {
		case 0: *op = OP_ADDI; break;
		case 2: *op = OP_SLTI; break;
		case 3: *op = OP_SLTIU; break;
		case 4: *op = OP_XORI; break;
		case 6: *op = OP_ORI; break;
		case 7: *op = OP_ANDI; break;
		case 1:
			if (bits(w, 31, 26) == 0) {
				*op = OP_SLLI;
				in->imm = (int32_t)bits(w, 25, 20);
			}
			break;
		case 5:
			in->imm = (int32_t)bits(w, 25, 20);
			if (bits(w, 31, 26) == 0)
				*op = OP_SRLI;
			else if (bits(w, 31, 26) == 0x10)
				*op = OP_SRAI;
			break;
		}
		return *op == OP_ILLEGAL;
	case 0x1b:
		in->imm = imm_i(w);
		if (f3 == 0) {
			*op = OP_ADDIW;
		} else if (f3 == 1 && f7 == 0) {
			*op = OP_SLLIW;
			in->imm = (int32_t)in->rs2;
		} else if (f3 == 5 && (f7 == 0 || f7 == 0x20)) {
			*op = f7 ? OP_SRAIW : OP_SRLIW;
			in->imm = (int32_t)in->rs2;
		}
		return *op == OP_ILLEGAL;
	case 0x33:
		if (f7 == 0)
			*op = alu_ops[f3];
		else if (f7 == 1)
			*op = mul_ops[f3];
		else if (f7 == 0x20 && f3 == 0)
			*op = OP_SUB;
		else if (f7 == 0x20 && f3 == 5)
			*op = OP_SRA;
		return *op == OP_ILLEGAL;
	case 0x3b:
		if (f7 == 0 && f3 == 0)
			*op = OP_ADDW;
		else if (f7 == 0x20 && f3 == 0)
			*op = OP_SUBW;
		else if (f7 == 0 && f3 == 1)
			*op = OP_SLLW;
		else if (f7 == 0 && f3 == 5)
			*op = OP_SRLW;
		else if (f7 == 0x20 && f3 == 5)
			*op = OP_SRAW;
		else if (f7 == 1 && mulw_ops[f3])
			*op = mulw_ops[f3];
		return *op == OP_ILLEGAL;
	case 0x2f: {
		unsigned f5 = bits(w, 31, 27);
		bool known = f5 == 0x00 || f5 == 0x01 || f5 == 0x02 || f5 == 0x03 || f5 == 0x04 ||
			     f5 == 0x08 || f5 == 0x0c || f5 == 0x10 || f5 == 0x14 || f5 == 0x18 ||
			     f5 == 0x1c;
		if ((f3 == 2 || f3 == 3) && known && !(f5 == 0x02 && in->rs2 != 0)) {
			*op = OP_AMO;
			in->imm = (int32_t)(f5 << 8 | f3);
		}
		return *op == OP_ILLEGAL;
	}
	case 0x0f:
		if (f3 == 0)
			*op = OP_FENCE;
		else if (f3 == 1)
			*op = OP_FENCE_I;
		return *op != OP_FENCE;
	case 0x73:
		/* ecall, ebreak, mret, wfi and the CSR instructions all end a block: they
		 * trap, change interrupt enables or read instret, handled out of line. */
		*op = OP_SYSTEM;
		return true;
	default:
		return true;
	}
}

/* Operand forwarding (cpu_ops.h): a source register that the latest result
 * operation of the block wrote is read from the host register holding that
 * result. Only result operations and AMOs write registers inside a block (jumps
 * and system instructions end it), so "the latest result's rd" is exact. */
static void decode_forward(const struct insn *insns, uint8_t *ops, uint32_t count)
{
#define FORWARD_ENTRY_F1(name) [OP_##name] = OP_##name##_F1,
#define FORWARD_ENTRY_F2(name) [OP_##name] = OP_##name##_F2,
#define RESULT_ENTRY(name) [OP_##name] = true,
	static const uint8_t forward_rs1[OP_COUNT] = { CPU_OPS_FORWARD_RS1(FORWARD_ENTRY_F1) };
	static const uint8_t forward_rs2[OP_COUNT] = { CPU_OPS_FORWARD_RS2(FORWARD_ENTRY_F2) };
	static const bool result[OP_COUNT] = {
		[OP_LUI] = true, [OP_AUIPC] = true,
		CPU_OPS_RESULT_RS1_RS2(RESULT_ENTRY) CPU_OPS_RESULT_RS1(RESULT_ENTRY)
	};
#undef FORWARD_ENTRY_F1
#undef FORWARD_ENTRY_F2
#undef RESULT_ENTRY
	unsigned held = 0xff; /* no register: nothing forwarded yet */

	for (uint32_t i = 0; i < count; i++) {
		unsigned op = ops[i];

		if (forward_rs1[op] && insns[i].rs1 == held)
			ops[i] = forward_rs1[op];
		else if (forward_rs2[op] && insns[i].rs2 == held)
			ops[i] = forward_rs2[op];
		if (result[op])
			held = insns[i].rd; /* CPU_REG_SINK for x0: matches no source */
		else if (op == OP_AMO)
			held = 0xff;
	}
}

/* Superinstructions (cpu_ops.h): after forwarding, whose variants they name.
 * Greedy from the block's start; an instruction is in at most one pair. */
static void decode_fuse(uint8_t *ops, uint32_t count)
{
	static const struct {
		uint8_t first, second, fused;
	} pairs[] = {
#define FUSED_ENTRY(first, first_variant, second, second_variant)                      \
	{ OP_##first##first_variant, OP_##second##second_variant,                        \
	  OP_##first##first_variant##_THEN_##second##second_variant },
		CPU_OPS_FUSED(FUSED_ENTRY)
#undef FUSED_ENTRY
	};

	for (uint32_t i = 0; i + 1 < count; i++) {
		for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
			if (ops[i] == pairs[k].first && ops[i + 1] == pairs[k].second) {
				ops[i] = pairs[k].fused;
				i++; /* the second is taken */
				break;
			}
		}
	}
}

struct block *cpu_decode_block(struct vm *vm, uint64_t pc)
{
	struct insn insns[BLOCK_MAX_INSNS + 1];
	uint8_t ops[BLOCK_MAX_INSNS + 1];
	uint16_t offsets[BLOCK_MAX_INSNS + 1];
	uint32_t count = 0, offset = 0;
	uint64_t page_end = (pc | ((1ull << MEM_PAGE_SHIFT) - 1)) + 1;
	struct block *block;
	bool ends = false;

	if (pc & 1 || !mem_ram_pointer(vm, pc, 2))
		return NULL;
	/* A 32-bit instruction may start in the last two bytes of a page; it is
	 * decoded (the block then touches the next page too) and ends the block. */
	while (!ends && count < BLOCK_MAX_INSNS && pc + offset < page_end) {
		const uint8_t *p = mem_ram_pointer(vm, pc + offset, 2);
		struct insn *in = &insns[count];
		uint8_t *op = &ops[count];
		uint16_t half;
		uint32_t word, length;

		if (!p)
			break;
		/* Relaxed: a racing cross-hart store needs the executing hart's fence.i,
		 * which drops every block (bcache_invalidate). */
		half = ck_pr_load_16((const uint16_t *)(const void *)p);
		if ((half & 3) != 3) {
			word = cpu_expand_compressed(half);
			ends = decode_op(word, in, op);
			if (word == 0)
				in->imm = half; /* illegal: mtval is the 16-bit instruction */
			length = 2;
		} else {
			p = mem_ram_pointer(vm, pc + offset, 4);
			if (!p)
				break;
			memcpy(&word, p, sizeof word); /* 2-byte aligned with C */
			ends = decode_op(word, in, op);
			length = 4;
			if (pc + offset + 4 > page_end)
				ends = true;
		}
		offsets[count] = (uint16_t)offset;
		in->index = (uint8_t)count;
		if (in->rd == 0)
			in->rd = CPU_REG_SINK;
		offset += length;
		count++;
	}
	if (count == 0)
		return NULL; /* the first instruction's second half is outside RAM */
	insns[count] = (struct insn){ .index = (uint8_t)count };
	ops[count] = OP_END;
	offsets[count] = (uint16_t)offset;
	block = vm_alloc(vm, sizeof *block + sizeof(struct insn) * (count + 1));
	if (!block)
		return NULL;
	block->pc = pc;
	block->end_pc = pc + offset;
	block->target_pc = 0;
	switch (ops[count - 1]) {
	case OP_JAL: case OP_BEQ: case OP_BNE: case OP_BLT: case OP_BGE: case OP_BLTU: case OP_BGEU:
		block->target_pc = pc + offsets[count - 1] + (uint64_t)(int64_t)insns[count - 1].imm;
		break;
	default:
		break;
	}
	block->last_byte = pc + offset - 1;
	block->count = count;
	block->vm = vm;
	memcpy(block->offsets, offsets, sizeof offsets);
	memcpy(block->insns, insns, sizeof(struct insn) * (count + 1));
	memcpy(block->ops, ops, count + 1);
	block->heat = 0;
	block->jit = NULL;
	decode_forward(insns, ops, count);
	decode_fuse(ops, count);
	cpu_link_block(block, ops);
	return block;
}
