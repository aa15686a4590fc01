#include "lib.h"

volatile uint64_t tohost __attribute__((section(".tohost"), aligned(8)));
volatile uint64_t fromhost __attribute__((section(".tohost"), aligned(8)));

static volatile uint32_t barrier_count, barrier_sense, finished;

unsigned hart_count(void)
{
	return MMIO32(SYSINFO_HARTS);
}

unsigned guest_iterations(unsigned fallback)
{
	unsigned iterations = MMIO32(SYSINFO_ITERS);

	return iterations ? iterations : fallback;
}

void finish_arrive(void)
{
	__atomic_fetch_add(&finished, 1, __ATOMIC_RELEASE);
}

void finish_wait(void)
{
	unsigned others = hart_count() - 1;
	uint64_t hart = CSR_READ(mhartid);

	/* wfi returns once mip & mie is non-zero, also with mstatus.MIE clear: the
	 * timer wakes this hart without a trap. */
	CSR_CLEAR(mstatus, MSTATUS_MIE);
	CSR_SET(mie, MIE_MTIE);
	while (__atomic_load_n(&finished, __ATOMIC_ACQUIRE) != others) {
		CLINT_MTIMECMP(hart) = CLINT_MTIME + 500; /* 50 us */
		__asm__ volatile("wfi");
	}
	CLINT_MTIMECMP(hart) = ~0ull;
	CSR_CLEAR(mie, MIE_MTIE);
}

void guest_exit(unsigned code)
{
	/* riscv-tests convention: 1 passes, (code << 1) | 1 fails with code. */
	tohost = code == 0 ? 1 : ((uint64_t)code << 1) | 1;
	for (;;)
		__asm__ volatile("wfi");
}

void guest_start(unsigned hart)
{
	int code = main(hart);

	if (hart == 0 || code != 0)
		guest_exit((unsigned)code);
	for (;;)
		__asm__ volatile("wfi");
}

__attribute__((weak)) int guest_trap_hook(struct trap_frame *frame, uint64_t mcause)
{
	(void)frame;
	(void)mcause;
	return 1;
}

void guest_trap(struct trap_frame *frame)
{
	uint64_t mcause = CSR_READ(mcause);

	if (guest_trap_hook(frame, mcause) != 0) {
		uart_puts("guest: unexpected trap mcause=");
		uart_put_hex(mcause);
		uart_puts(" mepc=");
		uart_put_hex(CSR_READ(mepc));
		uart_puts("\n");
		guest_exit(0x7f);
	}
}

void uart_puts(const char *text)
{
	while (*text)
		*(volatile uint8_t *)UART_BASE = (uint8_t)*text++;
}

void uart_put_hex(uint64_t value)
{
	char text[19] = "0x";

	for (int i = 0; i < 16; i++)
		text[2 + i] = "0123456789abcdef"[(value >> (60 - 4 * i)) & 15];
	text[18] = 0;
	uart_puts(text);
}

void uart_put_dec(uint64_t value)
{
	char text[21];
	int i = 20;

	text[i] = 0;
	do {
		text[--i] = (char)('0' + value % 10);
		value /= 10;
	} while (value);
	uart_puts(&text[i]);
}

void barrier(void)
{
	uint32_t sense = __atomic_load_n(&barrier_sense, __ATOMIC_ACQUIRE);
	unsigned harts = hart_count();

	if (__atomic_fetch_add(&barrier_count, 1, __ATOMIC_ACQ_REL) == harts - 1) {
		barrier_count = 0;
		__atomic_store_n(&barrier_sense, !sense, __ATOMIC_RELEASE);
	} else {
		while (__atomic_load_n(&barrier_sense, __ATOMIC_ACQUIRE) == sense)
			;
	}
}

uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t length)
{
	crc = ~crc;
	for (size_t i = 0; i < length; i++) {
		crc ^= data[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
	}
	return ~crc;
}
