/*
 * The pre-decoded operation codes: one list, expanded into the enum (cpu_decode.c)
 * and the dispatch table (cpu.c), so the two cannot drift apart.
 *
 * Operand forwarding: an operation that computes rd from its operands (a
 * "result" operation) also leaves the value in a host register, and an
 * instruction of the same block whose source register is the one the latest
 * result operation wrote is decoded to a variant that reads that host register
 * (_F1: rs1, _F2: rs2) instead of the register file. Dependent chains then skip
 * the store-to-load round trip through hart->x.
 */
#ifndef VM_CPU_OPS_H
#define VM_CPU_OPS_H

/* Result operations reading rs1 and rs2, then those reading rs1 only. */
#define CPU_OPS_RESULT_RS1_RS2(X)                                                      \
	X(ADD) X(SUB) X(SLL) X(SLT) X(SLTU) X(XOR) X(SRL) X(SRA) X(OR) X(AND)          \
	X(ADDW) X(SUBW) X(SLLW) X(SRLW) X(SRAW)                                        \
	X(MUL) X(MULH) X(MULHSU) X(MULHU) X(DIV) X(DIVU) X(REM) X(REMU)                \
	X(MULW) X(DIVW) X(DIVUW) X(REMW) X(REMUW)
#define CPU_OPS_RESULT_RS1(X)                                                          \
	X(ADDI) X(SLTI) X(SLTIU) X(XORI) X(ORI) X(ANDI) X(SLLI) X(SRLI) X(SRAI)        \
	X(ADDIW) X(SLLIW) X(SRLIW) X(SRAIW)                                            \
	X(LB) X(LH) X(LW) X(LD) X(LBU) X(LHU) X(LWU)
/* Operations that read rs1 and rs2 and write no register. */
#define CPU_OPS_SOURCE_RS1_RS2(X)                                                      \
	X(BEQ) X(BNE) X(BLT) X(BGE) X(BLTU) X(BGEU)                                    \
	X(SB) X(SH) X(SW) X(SD)

/* END (0: the decoder's tables use it as "none") is the pseudo-op closing a block.
 * HEAT and JIT are never decoded: a block's first instruction runs them instead
 * of its own operation while the block warms up and once it is compiled (jit.h). */
#define CPU_OPS(X)                                                                     \
	X(END) X(ILLEGAL) X(LUI) X(AUIPC) X(JAL) X(JALR)                               \
	CPU_OPS_SOURCE_RS1_RS2(X) CPU_OPS_RESULT_RS1(X) CPU_OPS_RESULT_RS1_RS2(X)      \
	X(AMO) X(FENCE) X(FENCE_I) X(SYSTEM) X(HEAT) X(JIT)

/* The variants: rs1 (_F1) or rs2 (_F2) read from the forwarded result. */
#define CPU_OPS_FORWARD_RS1(X) \
	CPU_OPS_RESULT_RS1_RS2(X) CPU_OPS_RESULT_RS1(X) CPU_OPS_SOURCE_RS1_RS2(X)
#define CPU_OPS_FORWARD_RS2(X) CPU_OPS_RESULT_RS1_RS2(X) CPU_OPS_SOURCE_RS1_RS2(X)

/*
 * Superinstructions: X(FIRST, V1, SECOND, V2): FIRST in variant V1 (empty, _F1
 * or _F2) directly followed by SECOND in variant V2 in a block is decoded to
 * one operation, OP_<FIRST><V1>_THEN_<SECOND><V2>, that runs both with one
 * dispatch instead of two (decode_fuse in cpu_decode.c). Each instruction
 * keeps its own slot (operands, index), so instret, traps and code
 * invalidation see two instructions as before. Both are operations of CPU_OPS_FORWARD_RS1's lists;
 * FIRST is not a branch. The pairs are the most frequent adjacent ones in the
 * compute guest (make bench-vm), counted after forwarding; they are the usual
 * compiled idioms: loop latches (addi + bne/bge/blt), address arithmetic (slli +
 * add, add + lw/sw), load then use (lw + mulw), accumulation (mulw + addw), and
 * the bitwise CRC step (srli, andi, neg, and, xor).
 */
#define CPU_OPS_FUSED(X)                                                               \
	X(SRLI, _F1, ANDI, ) X(ANDI, , SUB, _F2) X(SUB, _F2, AND, _F1)                 \
	X(AND, _F1, XOR, _F1) X(XOR, _F1, SRLI, _F1)                                   \
	X(ADDI, , BNE, ) X(ADDI, , BGE, ) X(ADDI, , BLT, ) X(ADDI, , ADDI, )          \
	X(ADDW, _F1, ADDI, ) X(ADD, _F2, ADD, _F2) X(ADD, _F2, ADD, _F1)               \
	X(SLLI, _F1, ADD, _F2) X(ADDIW, , SLLI, _F1) X(SUBW, , SLLI, _F1)              \
	X(ADD, , LW, _F1) X(ADD, _F1, LW, _F1) X(ADD, _F1, SW, _F1) X(ADDI, , SW, )    \
	X(LW, , MULW, _F1) X(LW, _F1, BGEU, _F2) X(MULW, , ADDW, _F1)                  \
	X(ADDI, , SUBW, _F1) X(ADDI, , ADDIW, _F1) X(LBU, , XOR, _F2)                  \
	X(ADD, , SRLI, _F1) X(SRLI, _F1, SB, _F2) X(SW, , BEQ, _F1)

enum cpu_op {
#define CPU_OP_ENUM(name) OP_##name,
#define CPU_OP_ENUM_F1(name) OP_##name##_F1,
#define CPU_OP_ENUM_F2(name) OP_##name##_F2,
	CPU_OPS(CPU_OP_ENUM)
	CPU_OPS_FORWARD_RS1(CPU_OP_ENUM_F1)
	CPU_OPS_FORWARD_RS2(CPU_OP_ENUM_F2)
#define CPU_OP_ENUM_FUSED(first, first_variant, second, second_variant) \
	OP_##first##first_variant##_THEN_##second##second_variant,
	CPU_OPS_FUSED(CPU_OP_ENUM_FUSED)
#undef CPU_OP_ENUM_FUSED
#undef CPU_OP_ENUM
#undef CPU_OP_ENUM_F1
#undef CPU_OP_ENUM_F2
	OP_COUNT
};

/* insn.imm for OP_AMO: funct5 << 8 | funct3 (2: word, 3: doubleword); for
 * OP_SYSTEM and OP_ILLEGAL: the raw instruction. */

#endif
