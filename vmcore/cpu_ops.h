/*
 * The pre-decoded operation codes: one list, expanded into the enum (cpu_decode.c)
 * and the dispatch table (cpu.c), so the two cannot drift apart.
 */
#ifndef VM_CPU_OPS_H
#define VM_CPU_OPS_H

#define CPU_OPS(X)                                                                     \
	X(END) X(ILLEGAL) X(LUI) X(AUIPC) X(JAL) X(JALR)                               \
	X(BEQ) X(BNE) X(BLT) X(BGE) X(BLTU) X(BGEU)                                    \
	X(LB) X(LH) X(LW) X(LD) X(LBU) X(LHU) X(LWU)                                   \
	X(SB) X(SH) X(SW) X(SD)                                                        \
	X(ADDI) X(SLTI) X(SLTIU) X(XORI) X(ORI) X(ANDI) X(SLLI) X(SRLI) X(SRAI)        \
	X(ADD) X(SUB) X(SLL) X(SLT) X(SLTU) X(XOR) X(SRL) X(SRA) X(OR) X(AND)          \
	X(ADDIW) X(SLLIW) X(SRLIW) X(SRAIW) X(ADDW) X(SUBW) X(SLLW) X(SRLW) X(SRAW)    \
	X(MUL) X(MULH) X(MULHSU) X(MULHU) X(DIV) X(DIVU) X(REM) X(REMU)                \
	X(MULW) X(DIVW) X(DIVUW) X(REMW) X(REMUW)                                      \
	X(AMO) X(FENCE) X(FENCE_I) X(SYSTEM)

enum cpu_op {
#define CPU_OP_ENUM(name) OP_##name,
	CPU_OPS(CPU_OP_ENUM)
#undef CPU_OP_ENUM
	OP_COUNT
};

/* insn.imm for OP_AMO: funct5 << 8 | funct3 (2: word, 3: doubleword); for
 * OP_SYSTEM and OP_ILLEGAL: the raw instruction. */

#endif
