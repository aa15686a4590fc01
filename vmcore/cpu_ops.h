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

/* END (0: the decoder's tables use it as "none") is the pseudo-op closing a block. */
#define CPU_OPS(X)                                                                     \
	X(END) X(ILLEGAL) X(LUI) X(AUIPC) X(JAL) X(JALR)                               \
	CPU_OPS_SOURCE_RS1_RS2(X) CPU_OPS_RESULT_RS1(X) CPU_OPS_RESULT_RS1_RS2(X)      \
	X(AMO) X(FENCE) X(FENCE_I) X(SYSTEM)

/* The variants: rs1 (_F1) or rs2 (_F2) read from the forwarded result. */
#define CPU_OPS_FORWARD_RS1(X) \
	CPU_OPS_RESULT_RS1_RS2(X) CPU_OPS_RESULT_RS1(X) CPU_OPS_SOURCE_RS1_RS2(X)
#define CPU_OPS_FORWARD_RS2(X) CPU_OPS_RESULT_RS1_RS2(X) CPU_OPS_SOURCE_RS1_RS2(X)

enum cpu_op {
#define CPU_OP_ENUM(name) OP_##name,
#define CPU_OP_ENUM_F1(name) OP_##name##_F1,
#define CPU_OP_ENUM_F2(name) OP_##name##_F2,
	CPU_OPS(CPU_OP_ENUM)
	CPU_OPS_FORWARD_RS1(CPU_OP_ENUM_F1)
	CPU_OPS_FORWARD_RS2(CPU_OP_ENUM_F2)
#undef CPU_OP_ENUM
#undef CPU_OP_ENUM_F1
#undef CPU_OP_ENUM_F2
	OP_COUNT
};

/* insn.imm for OP_AMO: funct5 << 8 | funct3 (2: word, 3: doubleword); for
 * OP_SYSTEM and OP_ILLEGAL: the raw instruction. */

#endif
