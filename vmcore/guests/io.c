/* io: every hart at once (a barrier first) writes patterned sectors through its
 * own block window, waits for the completion interrupt (PLIC, served by vmcore's
 * I/O thread, delivered through irq), reads them back into another buffer and
 * compares CRCs. Requests per hart: the host's iteration count (default 12),
 * capped so that every hart's sectors fit the disk. */
#include "blk.h"

#define DEFAULT_REQUESTS 12u
#define IO_SECTORS 8 /* 4 KiB per request */

static uint8_t write_buffer[MAX_GUEST_HARTS][4096] __attribute__((aligned(64)));
static uint8_t read_buffer[MAX_GUEST_HARTS][4096] __attribute__((aligned(64)));
static volatile uint32_t completed[MAX_GUEST_HARTS], spurious[MAX_GUEST_HARTS];

int guest_trap_hook(struct trap_frame *frame, uint64_t mcause)
{
	uint64_t hart = CSR_READ(mhartid);
	uint32_t source;

	(void)frame;
	if (mcause != ((1ul << 63) | 11))
		return 1;
	source = PLIC_CLAIM(hart);
	if (source == BLK_SOURCE(hart))
		completed[hart] = 1;
	else
		spurious[hart]++;
	if (source)
		PLIC_CLAIM(hart) = source;
	return 0;
}

static void wait_completion(unsigned hart)
{
	/* Check with interrupts off, then wfi: a completion between the check and
	 * the wfi stays pending and wfi returns at once. */
	for (;;) {
		CSR_CLEAR(mstatus, MSTATUS_MIE);
		if (completed[hart])
			break;
		__asm__ volatile("wfi");
		CSR_SET(mstatus, MSTATUS_MIE);
	}
	CSR_SET(mstatus, MSTATUS_MIE);
}

static int request(unsigned hart, uint32_t command, uint64_t sector, void *buffer)
{
	completed[hart] = 0;
	BLK_SECTOR_REG(hart) = sector;
	BLK_ADDR_REG(hart) = (uint64_t)(uintptr_t)buffer;
	BLK_COUNT_REG(hart) = IO_SECTORS;
	BLK_COMMAND_REG(hart) = command;
	wait_completion(hart);
	CHECK(BLK_STATUS_REG(hart) == BLK_DONE, 1);
	BLK_STATUS_REG(hart) = 0;
	return 0;
}

static uint32_t fill(unsigned hart, unsigned i)
{
	uint32_t x = hart * 7919u + i * 104729u + 1;

	for (unsigned b = 0; b < sizeof write_buffer[hart]; b++) {
		x = x * 1103515245u + 12345u;
		write_buffer[hart][b] = (uint8_t)(x >> 16);
	}
	return crc32_update(0, write_buffer[hart], sizeof write_buffer[hart]);
}

int main(unsigned hart)
{
	unsigned harts = hart_count(), requests = guest_iterations(DEFAULT_REQUESTS);
	uint64_t base;

	CHECK(BLK_CAPACITY_REG(hart) >= 8192, 2);
	if (requests > BLK_CAPACITY_REG(hart) / IO_SECTORS / harts)
		requests = BLK_CAPACITY_REG(hart) / IO_SECTORS / harts;
	base = (uint64_t)hart * requests * IO_SECTORS;
	PLIC_PRIORITY(BLK_SOURCE(hart)) = 1;
	PLIC_ENABLE(hart, BLK_SOURCE(hart)) = 1u << (BLK_SOURCE(hart) % 32);
	PLIC_THRESHOLD(hart) = 0;
	CSR_SET(mie, MIE_MEIE);
	CSR_SET(mstatus, MSTATUS_MIE);
	barrier();
	for (unsigned i = 0; i < requests; i++) {
		fill(hart, i);
		CHECK(request(hart, BLK_WRITE, base + i * IO_SECTORS, write_buffer[hart]) == 0, 3);
	}
	for (unsigned i = 0; i < requests; i++) {
		memset(read_buffer[hart], 0, sizeof read_buffer[hart]);
		CHECK(request(hart, BLK_READ, base + i * IO_SECTORS, read_buffer[hart]) == 0, 4);
		CHECK(crc32_update(0, read_buffer[hart], sizeof read_buffer[hart]) == fill(hart, i), 5);
	}
	/* A request beyond the disk completes with an error status. */
	completed[hart] = 0;
	BLK_SECTOR_REG(hart) = BLK_CAPACITY_REG(hart);
	BLK_ADDR_REG(hart) = (uint64_t)(uintptr_t)read_buffer[hart];
	BLK_COUNT_REG(hart) = 1;
	BLK_COMMAND_REG(hart) = BLK_READ;
	wait_completion(hart);
	CHECK(BLK_STATUS_REG(hart) == 3, 6);
	BLK_STATUS_REG(hart) = 0;
	barrier();
	if (hart == 0)
		uart_puts("io: ok\n");
	return 0;
}
