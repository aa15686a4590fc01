/* timer: every hart takes CLINT timer interrupts (mtimecmp re-armed in the
 * handler), sleeping in wfi between them, until it has counted TICKS. */
#include "lib.h"

#define TICKS 10u
#define PERIOD 2000u /* mtime ticks: 200 us at 10 MHz, 2000 instructions deterministic */

static volatile uint32_t ticks[MAX_GUEST_HARTS];
static volatile uint64_t deadline[MAX_GUEST_HARTS];

int guest_trap_hook(struct trap_frame *frame, uint64_t mcause)
{
	uint64_t hart = CSR_READ(mhartid);

	(void)frame;
	if (mcause != ((1ul << 63) | 7))
		return 1;
	/* Only a real expiry counts: a stale MTIP in flight can arrive early. */
	if (CLINT_MTIME >= deadline[hart]) {
		ticks[hart]++;
		deadline[hart] += PERIOD;
		if (ticks[hart] >= TICKS)
			CLINT_MTIMECMP(hart) = ~0ul;
		else
			CLINT_MTIMECMP(hart) = deadline[hart];
	}
	return 0;
}

int main(unsigned hart)
{
	uint64_t start = CLINT_MTIME, time_csr;

	__asm__ volatile("rdtime %0" : "=r"(time_csr));
	CHECK(time_csr + 1000000 > start, 2);
	deadline[hart] = start + PERIOD;
	CLINT_MTIMECMP(hart) = deadline[hart];
	CSR_SET(mie, MIE_MTIE);
	for (;;) {
		CSR_CLEAR(mstatus, MSTATUS_MIE);
		if (ticks[hart] >= TICKS)
			break;
		__asm__ volatile("wfi");
		CSR_SET(mstatus, MSTATUS_MIE);
	}
	CSR_CLEAR(mie, MIE_MTIE);
	CHECK(CLINT_MTIME >= start + TICKS * PERIOD, 3);
	CHECK((CSR_READ(mip) & MIE_MTIE) == 0 || ticks[hart] == TICKS, 4);
	barrier();
	if (hart == 0)
		uart_puts("timer: ok\n");
	return 0;
}
