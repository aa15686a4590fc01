/* mixed: everything at once on every hart: a compute round, shared AMO and LR/SC
 * counters, a guest spinlock, block I/O (polled), a software interrupt from the
 * previous hart, and a UART line per hart. */
#include "blk.h"
#include "compute_expected.h"
#include "compute_kernel.h"

#define MIXED_HARTS 8
#define DEFAULT_ITERATIONS 2000u

static struct kernel_state states[MIXED_HARTS];
static uint8_t buffers[MIXED_HARTS][2][512] __attribute__((aligned(64)));
static volatile uint32_t counter_amo, lock_word;
static volatile uint64_t counter_locked;
static volatile uint32_t software_interrupts[MAX_GUEST_HARTS];

int guest_trap_hook(struct trap_frame *frame, uint64_t mcause)
{
	uint64_t hart = CSR_READ(mhartid);

	(void)frame;
	if (mcause != ((1ul << 63) | 3))
		return 1;
	CLINT_MSIP(hart) = 0;
	software_interrupts[hart]++;
	return 0;
}

static int polled_io(unsigned hart)
{
	for (unsigned i = 0; i < 512; i++)
		buffers[hart][0][i] = (uint8_t)(i * 7 + hart);
	BLK_SECTOR_REG(hart) = 4096 + hart;
	BLK_ADDR_REG(hart) = (uint64_t)(uintptr_t)buffers[hart][0];
	BLK_COUNT_REG(hart) = 1;
	BLK_COMMAND_REG(hart) = BLK_WRITE;
	while (BLK_STATUS_REG(hart) == BLK_BUSY)
		;
	CHECK(BLK_STATUS_REG(hart) == BLK_DONE, 1);
	BLK_STATUS_REG(hart) = 0;
	BLK_ADDR_REG(hart) = (uint64_t)(uintptr_t)buffers[hart][1];
	BLK_COMMAND_REG(hart) = BLK_READ;
	while (BLK_STATUS_REG(hart) == BLK_BUSY)
		;
	CHECK(BLK_STATUS_REG(hart) == BLK_DONE, 2);
	BLK_STATUS_REG(hart) = 0;
	for (unsigned i = 0; i < 512; i++)
		CHECK(buffers[hart][1][i] == buffers[hart][0][i], 3);
	return 0;
}

int main(unsigned hart)
{
	unsigned harts = hart_count(), iterations = guest_iterations(DEFAULT_ITERATIONS);
	static const char digits[] = "0123456789";

	if (hart < MIXED_HARTS) {
		struct kernel_result r;

		kernel_run(&states[hart], 1, &r);
		CHECK(r.crc == EXPECTED_MIXED_CRC && r.sort_sum == EXPECTED_MIXED_SORT_SUM &&
			      r.sorted == EXPECTED_MIXED_SORTED,
		      10);
		CHECK(polled_io(hart) == 0, 11);
	}
	CSR_SET(mie, MIE_MSIE);
	CSR_SET(mstatus, MSTATUS_MIE);
	barrier();
	for (unsigned i = 0; i < iterations; i++) {
		uint32_t old;

		__atomic_fetch_add(&counter_amo, 1, __ATOMIC_RELAXED);
		do {
			__asm__ volatile("amoswap.w.aq %0, %2, (%1)" : "=r"(old) : "r"(&lock_word),
					 "r"(1) : "memory");
		} while (old);
		counter_locked = counter_locked + 1;
		__asm__ volatile("amoswap.w.rl zero, zero, (%0)" : : "r"(&lock_word) : "memory");
	}
	/* Ring the next hart; wait for the previous one to ring us. */
	CLINT_MSIP((hart + 1) % harts) = 1;
	for (;;) {
		/* Check with interrupts off so one landing before the wfi is not lost. */
		CSR_CLEAR(mstatus, MSTATUS_MIE);
		if (software_interrupts[hart] != 0)
			break;
		__asm__ volatile("wfi");
		CSR_SET(mstatus, MSTATUS_MIE);
	}
	CSR_SET(mstatus, MSTATUS_MIE);
	{
		char line[] = "mixed: hart ?? done\n";

		line[12] = digits[(hart / 10) % 10];
		line[13] = digits[hart % 10];
		uart_puts(line);
	}
	barrier();
	if (hart != 0)
		return 0;
	CHECK(counter_amo == (uint32_t)(iterations * harts), 20);
	CHECK(counter_locked == (uint64_t)iterations * harts, 21);
	uart_puts("mixed: ok\n");
	return 0;
}
