/*
 * The C extension (RV64C without the floating-point forms): each 16-bit
 * instruction is expanded into the 32-bit instruction it stands for, which the
 * ordinary decoder then handles.
 */
#include "vmcore/cpu.h"

static uint32_t field(uint32_t half, unsigned high, unsigned low)
{
	return (half >> low) & ((1u << (high - low + 1)) - 1);
}

/* Sign-extends the low bits bits of value. */
static int32_t sign_extend(uint32_t value, unsigned bits)
{
	return (int32_t)(value << (32 - bits)) >> (32 - bits);
}

static uint32_t encode_i(uint32_t opcode, uint32_t rd, uint32_t funct3, uint32_t rs1, int32_t imm)
{
	return ((uint32_t)imm & 0xfff) << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}

static uint32_t encode_s(uint32_t funct3, uint32_t rs1, uint32_t rs2, int32_t imm)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 5) & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | (u & 0x1f) << 7 | 0x23;
}

static uint32_t encode_r(uint32_t opcode, uint32_t rd, uint32_t funct3, uint32_t rs1, uint32_t rs2,
			 uint32_t funct7)
{
	return funct7 << 25 | rs2 << 20 | rs1 << 15 | funct3 << 12 | rd << 7 | opcode;
}

static uint32_t encode_b(uint32_t funct3, uint32_t rs1, uint32_t rs2, int32_t imm)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 12) & 1) << 31 | ((u >> 5) & 0x3f) << 25 | rs2 << 20 | rs1 << 15 |
	       funct3 << 12 | ((u >> 1) & 0xf) << 8 | ((u >> 11) & 1) << 7 | 0x63;
}

static uint32_t encode_j(uint32_t rd, int32_t imm)
{
	uint32_t u = (uint32_t)imm;

	return ((u >> 20) & 1) << 31 | ((u >> 1) & 0x3ff) << 21 | ((u >> 11) & 1) << 20 |
	       ((u >> 12) & 0xff) << 12 | rd << 7 | 0x6f;
}

static uint32_t expand_quadrant0(uint32_t h)
{
	uint32_t rd = field(h, 4, 2) + 8, rs1 = field(h, 9, 7) + 8;
	uint32_t word_offset = field(h, 12, 10) << 3 | field(h, 6, 6) << 2 | field(h, 5, 5) << 6;
	uint32_t double_offset = field(h, 12, 10) << 3 | field(h, 6, 5) << 6;

	switch (field(h, 15, 13)) {
	case 0: { /* c.addi4spn */
		uint32_t imm = field(h, 12, 11) << 4 | field(h, 10, 7) << 6 | field(h, 6, 6) << 2 |
			       field(h, 5, 5) << 3;

		return imm ? encode_i(0x13, rd, 0, 2, (int32_t)imm) : 0;
	}
	case 2: return encode_i(0x03, rd, 2, rs1, (int32_t)word_offset);   /* c.lw */
	case 3: return encode_i(0x03, rd, 3, rs1, (int32_t)double_offset); /* c.ld */
	case 6: return encode_s(2, rs1, rd, (int32_t)word_offset);         /* c.sw */
	case 7: return encode_s(3, rs1, rd, (int32_t)double_offset);       /* c.sd */
	default: return 0; /* c.fld, c.fsd, reserved */
	}
}

static uint32_t expand_quadrant1(uint32_t h)
{
	uint32_t rd = field(h, 11, 7), rdp = field(h, 9, 7) + 8, rs2p = field(h, 4, 2) + 8;
	int32_t imm6 = sign_extend(field(h, 12, 12) << 5 | field(h, 6, 2), 6);

	switch (field(h, 15, 13)) {
	case 0: return encode_i(0x13, rd, 0, rd, imm6);                   /* c.addi, c.nop */
	case 1: return rd ? encode_i(0x1b, rd, 0, rd, imm6) : 0;          /* c.addiw */
	case 2: return encode_i(0x13, rd, 0, 0, imm6);                    /* c.li */
	case 3:
		if (rd == 2) { /* c.addi16sp */
			int32_t imm = sign_extend(field(h, 12, 12) << 9 | field(h, 6, 6) << 4 |
							  field(h, 5, 5) << 6 | field(h, 4, 3) << 7 |
							  field(h, 2, 2) << 5,
						  10);

			return imm ? encode_i(0x13, 2, 0, 2, imm) : 0;
		} else { /* c.lui */
			int32_t imm = sign_extend(field(h, 12, 12) << 17 | field(h, 6, 2) << 12, 18);

			return imm ? ((uint32_t)imm & 0xfffff000u) | rd << 7 | 0x37 : 0;
		}
	case 4: {
		uint32_t shamt = field(h, 12, 12) << 5 | field(h, 6, 2);

		switch (field(h, 11, 10)) {
		case 0: return encode_i(0x13, rdp, 5, rdp, (int32_t)shamt);          /* c.srli */
		case 1: return encode_i(0x13, rdp, 5, rdp, (int32_t)(shamt | 0x400)); /* c.srai */
		case 2: return encode_i(0x13, rdp, 7, rdp, imm6);                     /* c.andi */
		default:
			switch (field(h, 12, 12) << 2 | field(h, 6, 5)) {
			case 0: return encode_r(0x33, rdp, 0, rdp, rs2p, 0x20); /* c.sub */
			case 1: return encode_r(0x33, rdp, 4, rdp, rs2p, 0);    /* c.xor */
			case 2: return encode_r(0x33, rdp, 6, rdp, rs2p, 0);    /* c.or */
			case 3: return encode_r(0x33, rdp, 7, rdp, rs2p, 0);    /* c.and */
			case 4: return encode_r(0x3b, rdp, 0, rdp, rs2p, 0x20); /* c.subw */
			case 5: return encode_r(0x3b, rdp, 0, rdp, rs2p, 0);    /* c.addw */
			default: return 0;
			}
		}
	}
	case 5: /* c.j */
		return encode_j(0, sign_extend(field(h, 12, 12) << 11 | field(h, 11, 11) << 4 |
						       field(h, 10, 9) << 8 | field(h, 8, 8) << 10 |
						       field(h, 7, 7) << 6 | field(h, 6, 6) << 7 |
						       field(h, 5, 3) << 1 | field(h, 2, 2) << 5,
					       12));
	default: { /* c.beqz, c.bnez */
		int32_t offset = sign_extend(field(h, 12, 12) << 8 | field(h, 11, 10) << 3 |
						     field(h, 6, 5) << 6 | field(h, 4, 3) << 1 |
						     field(h, 2, 2) << 5,
					     9);

		return encode_b(field(h, 15, 13) == 6 ? 0 : 1, rdp, 0, offset);
	}
	}
}

static uint32_t expand_quadrant2(uint32_t h)
{
	uint32_t rd = field(h, 11, 7), rs2 = field(h, 6, 2);

	switch (field(h, 15, 13)) {
	case 0: /* c.slli */
		return encode_i(0x13, rd, 1, rd, (int32_t)(field(h, 12, 12) << 5 | field(h, 6, 2)));
	case 2: /* c.lwsp */
		return rd ? encode_i(0x03, rd, 2, 2,
				     (int32_t)(field(h, 12, 12) << 5 | field(h, 6, 4) << 2 |
					       field(h, 3, 2) << 6))
			  : 0;
	case 3: /* c.ldsp */
		return rd ? encode_i(0x03, rd, 3, 2,
				     (int32_t)(field(h, 12, 12) << 5 | field(h, 6, 5) << 3 |
					       field(h, 4, 2) << 6))
			  : 0;
	case 4:
		if (!field(h, 12, 12)) {
			if (rs2 == 0)
				return rd ? encode_i(0x67, 0, 0, rd, 0) : 0;  /* c.jr */
			return encode_r(0x33, rd, 0, 0, rs2, 0);             /* c.mv */
		}
		if (rd == 0 && rs2 == 0)
			return 0x00100073;                                   /* c.ebreak */
		if (rs2 == 0)
			return encode_i(0x67, 1, 0, rd, 0);                  /* c.jalr */
		return encode_r(0x33, rd, 0, rd, rs2, 0);                    /* c.add */
	case 6: /* c.swsp */
		return encode_s(2, 2, rs2, (int32_t)(field(h, 12, 9) << 2 | field(h, 8, 7) << 6));
	case 7: /* c.sdsp */
		return encode_s(3, 2, rs2, (int32_t)(field(h, 12, 10) << 3 | field(h, 9, 7) << 6));
	default:
		return 0; /* c.fldsp, c.fsdsp */
	}
}

uint32_t cpu_expand_compressed(uint16_t half)
{
	switch (half & 3) {
	case 0: return expand_quadrant0(half);
	case 1: return expand_quadrant1(half);
	default: return expand_quadrant2(half);
	}
}
