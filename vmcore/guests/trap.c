/* trap: the privileged architecture seen from a guest. Hart 0 provokes every
 * exception vmcore raises (access faults outside RAM/MMIO, illegal instructions
 * and CSRs, misaligned AMOs, ecall/ebreak from M and U), checks mcause/mtval,
 * CSR side effects, misaligned loads/stores, and interrupts through MSIP. */
#include "lib.h"

static volatile uint64_t last_cause, last_tval, last_epc, traps;
static volatile int skip_mode; /* 1: mepc += 4; 2: mepc = ra (calls) */
extern char user_return[];

int guest_trap_hook(struct trap_frame *frame, uint64_t mcause)
{
	last_cause = mcause;
	last_tval = CSR_READ(mtval);
	last_epc = CSR_READ(mepc);
	traps++;
	if (mcause == ((1ul << 63) | 3)) {
		CLINT_MSIP(CSR_READ(mhartid)) = 0;
		return 0;
	}
	if (mcause == 8) {
		/* ecall from U: back to M at user_return. */
		CSR_SET(mstatus, 3ul << 11);
		CSR_WRITE(mepc, (uint64_t)(uintptr_t)user_return);
		return 0;
	}
	if (skip_mode == 2) {
		CSR_WRITE(mepc, frame->x[1]);
	} else {
		/* Skip the faulting instruction: 2 bytes when compressed (rv64imac build). */
		uint16_t parcel = *(volatile uint16_t *)(uintptr_t)last_epc;

		CSR_WRITE(mepc, last_epc + ((parcel & 3) == 3 ? 4 : 2));
	}
	return 0;
}

/* Runs user_code in U-mode until it executes ecall. */
void run_user(void (*code)(void));
__asm__(".text\n"
	".globl run_user\n"
	"run_user:\n"
	"  addi sp, sp, -32\n"
	"  sd ra, 0(sp)\n"
	"  sd s0, 8(sp)\n"
	"  csrw mepc, a0\n"
	"  li t0, 0x1800\n"
	"  csrc mstatus, t0\n"
	"  mret\n"
	".globl user_return\n"
	"user_return:\n"
	"  ld ra, 0(sp)\n"
	"  ld s0, 8(sp)\n"
	"  addi sp, sp, 32\n"
	"  ret\n");

static volatile uint64_t user_mstatus_result = 99, user_cycle_result = 99;
void user_code(void);
__asm__(".text\n"
	".globl user_code\n"
	"user_code:\n"
	"  li a0, 99\n"
	"  csrr a0, mstatus\n" /* illegal in U: skipped, a0 stays 99 */
	"  la t0, user_mstatus_result\n"
	"  sd a0, 0(t0)\n"
	"  li a0, 98\n"
	"  rdcycle a0\n"       /* illegal unless mcounteren.CY */
	"  la t0, user_cycle_result\n"
	"  sd a0, 0(t0)\n"
	"  ecall\n");

#define EXPECT_TRAP(statement, cause, tval, code)                           \
	do {                                                                \
		uint64_t before_ = traps;                                   \
		statement;                                                  \
		CHECK(traps == before_ + 1 && last_cause == (cause), code); \
		CHECK(last_tval == (tval), (code) + 1);                      \
	} while (0)

static uint8_t scratch[8192] __attribute__((aligned(4096)));

static int test_faults(void)
{
	volatile uint64_t *outside = (volatile uint64_t *)0x40000000ul;
	volatile uint32_t *low = (volatile uint32_t *)0x0ul;
	uint64_t value = 0;

	skip_mode = 1;
	EXPECT_TRAP(*outside = 1, 7, 0x40000000ul, 10);
	EXPECT_TRAP(value = *low, 5, 0, 12);
	EXPECT_TRAP(value = *(volatile uint64_t *)(0x80000000ul + 0x8000000ul * 64), 5,
		    0x80000000ul + 0x8000000ul * 64, 14);
	EXPECT_TRAP(__asm__ volatile(".word 0xffffffff"), 2, 0xffffffffu, 16);
	EXPECT_TRAP(__asm__ volatile("csrr a0, 0x7c0" : : : "a0"), 2, 0x7c002573ul, 18);
	EXPECT_TRAP(__asm__ volatile("csrw mhartid, zero"), 2, 0xf1401073ul, 20);
	EXPECT_TRAP(__asm__ volatile("ebreak"), 3, last_epc, 22);
	EXPECT_TRAP(__asm__ volatile("ecall"), 11, 0, 24);
	EXPECT_TRAP(__asm__ volatile("amoadd.w %0, %1, (%2)" : "=r"(value) : "r"(1),
					     "r"(scratch + 2) : "memory"),
		    6, (uint64_t)(uintptr_t)(scratch + 2), 26);
	EXPECT_TRAP(__asm__ volatile("lr.d %0, (%1)" : "=r"(value) : "r"(scratch + 4) : "memory"), 4,
		    (uint64_t)(uintptr_t)(scratch + 4), 28);
	EXPECT_TRAP(__asm__ volatile("sc.w %0, %1, (%2)" : "=r"(value) : "r"(1),
					     "r"(scratch + 1) : "memory"),
		    6, (uint64_t)(uintptr_t)(scratch + 1), 30);
	/* A call into nothing: instruction access fault, back at the return address. */
	skip_mode = 2;
	EXPECT_TRAP(((void (*)(void))0x40000000ul)(), 1, 0x40000000ul, 32);
	skip_mode = 1;
	(void)value;
	return 0;
}

static int test_misaligned(void)
{
	volatile uint8_t *p = scratch + 4096 - 3; /* crosses a page */

	for (int i = 0; i < 16; i++)
		scratch[4096 - 8 + i] = (uint8_t)(0x11 * (i + 1));
	CHECK(*(volatile uint64_t *)(p) == 0xddccbbaa99887766ul, 40);
	CHECK(*(volatile int32_t *)(scratch + 4096 - 7) == 0x55443322, 41);
	CHECK(*(volatile int16_t *)(scratch + 4096 - 1) == (int16_t)0x9988, 42);
	*(volatile uint64_t *)(p) = 0x0102030405060708ul;
	CHECK(scratch[4096 - 3] == 0x08 && scratch[4096 + 4] == 0x01, 43);
	*(volatile uint32_t *)(scratch + 1) = 0xdeadbeefu;
	CHECK(*(volatile uint32_t *)(scratch + 1) == 0xdeadbeefu, 44);
	return 0;
}

static int test_csrs(unsigned hart)
{
	uint64_t old, value, before, after;

	CHECK(CSR_READ(mhartid) == hart, 50);
	value = CSR_READ(misa);
	CHECK(value >> 62 == 2, 51);
	CHECK((value & ((1 << 8) | (1 << 12) | (1 << 0) | (1 << 20))) ==
		      ((1 << 8) | (1 << 12) | (1 << 0) | (1 << 20)), 52);
	CSR_WRITE(mscratch, 0x1234);
	__asm__ volatile("csrrw %0, mscratch, %1" : "=r"(old) : "r"(0x5678ul));
	CHECK(old == 0x1234 && CSR_READ(mscratch) == 0x5678, 53);
	__asm__ volatile("csrrsi %0, mscratch, 1" : "=r"(old));
	CHECK(old == 0x5678 && CSR_READ(mscratch) == 0x5679, 54);
	__asm__ volatile("csrrci %0, mscratch, 9" : "=r"(old));
	CHECK(old == 0x5679 && CSR_READ(mscratch) == 0x5670, 55);
	__asm__ volatile("csrrs %0, mscratch, zero" : "=r"(old));
	CHECK(old == 0x5670, 56);
	__asm__ volatile("csrr %0, minstret\n nop\n nop\n csrr %1, minstret" : "=r"(before), "=r"(after));
	CHECK(after - before == 3, 57);
	__asm__ volatile("csrw minstret, %2\n csrr %0, minstret\n rdinstret %1"
			 : "=&r"(before), "=&r"(after) : "r"(1000ul));
	CHECK(before == 1000, 58);
	CHECK(after == 1001, 59);
	CSR_WRITE(satp, 8ul << 60); /* Sv39 is not supported: the write is ignored */
	CHECK(CSR_READ(satp) == 0, 60);
	CSR_WRITE(medeleg, 0x100);
	CSR_WRITE(mideleg, 0x222);
	CSR_WRITE(pmpaddr0, ~0ul);
	CSR_WRITE(pmpcfg0, 0x1f);
	CHECK(CSR_READ(medeleg) == 0x100 && CSR_READ(pmpcfg0) == 0x1f, 61);
	CSR_SET(mstatus, MSTATUS_MIE);
	CHECK(CSR_READ(mstatus) & MSTATUS_MIE, 62);
	CSR_CLEAR(mstatus, MSTATUS_MIE);
	CHECK(!(CSR_READ(mstatus) & MSTATUS_MIE), 63);
	CSR_WRITE(mip, ~0ul); /* MSIP/MTIP/MEIP are device-driven: no effect */
	CHECK(CSR_READ(mip) == 0, 64);
	return 0;
}

static int test_user_mode(void)
{
	CSR_WRITE(mcounteren, 0);
	run_user(user_code);
	CHECK(user_mstatus_result == 99 && user_cycle_result == 98, 70);
	CHECK(((CSR_READ(mstatus) >> 11) & 3) == 0, 71); /* mret leaves MPP = U */
	CSR_WRITE(mcounteren, 7);
	run_user(user_code);
	CHECK(user_mstatus_result == 99 && user_cycle_result != 98, 72);
	return 0;
}

static int test_interrupts(unsigned hart)
{
	uint64_t before = traps;

	/* wfi with an enabled-but-masked interrupt pending returns without a trap.
	 * (The mret back from U-mode left MIE = MPIE = 1.) */
	CSR_CLEAR(mstatus, MSTATUS_MIE);
	CSR_SET(mie, MIE_MSIE);
	CLINT_MSIP(hart) = 1;
	while (!(CSR_READ(mip) & MIE_MSIE))
		;
	__asm__ volatile("wfi");
	CHECK(traps == before, 80);
	/* Enabling takes it: mcause has the interrupt bit and code 3. */
	CSR_SET(mstatus, MSTATUS_MIE);
	CSR_CLEAR(mstatus, MSTATUS_MIE);
	CHECK(traps == before + 1 && last_cause == ((1ul << 63) | 3), 81);
	CHECK(!(CSR_READ(mip) & MIE_MSIE), 82);
	CSR_CLEAR(mie, MIE_MSIE);
	return 0;
}

int main(unsigned hart)
{
	if (hart == 0) {
		int code;

		if ((code = test_faults()) != 0 || (code = test_misaligned()) != 0 ||
		    (code = test_csrs(hart)) != 0 || (code = test_user_mode()) != 0 ||
		    (code = test_interrupts(hart)) != 0)
			return code;
	}
	barrier();
	if (hart == 0)
		uart_puts("trap: ok\n");
	return 0;
}
