/* pvfault: breaks one rule of the pvlock device, chosen by the host's iteration
 * count (locklab vm --guest-iters MODE), for the tests of its faults:
 *   1  hold lock 0 forever (hart 1, if any, waits for it): the VM stops, "pv
 *      lock held too long"
 *   2  wfi while holding: illegal instruction, mtval the wfi
 *   3  release a lock not held: store access fault at the release register
 *   4  acquire while holding: store access fault at the acquire register
 *   5  acquire lock 64 (past the last): store access fault at the acquire register
 * The trap hook checks mtval and exits with code 100 + mcause (99 on a wrong
 * mtval); without a mode the guest takes and drops a lock and passes. */
#include "lib.h"

static volatile uint64_t expected_mtval;

int guest_trap_hook(struct trap_frame *frame, uint64_t mcause)
{
	(void)frame;
	guest_exit(CSR_READ(mtval) == expected_mtval ? 100 + (unsigned)mcause : 99);
}

int main(unsigned hart)
{
	unsigned mode = guest_iterations(0);

	if (hart != 0) {
		if (mode == 1) {
			pv_lock(0); /* blocks this hart's worker until the VM stops */
			pv_unlock(0);
		}
		return 0;
	}
	switch (mode) {
	case 1:
		pv_lock(0);
		for (;;)
			__asm__ volatile("" ::: "memory");
	case 2:
		expected_mtval = 0x10500073u;
		pv_lock(1);
		__asm__ volatile("wfi");
		return 2;
	case 3:
		expected_mtval = PV_BASE + 0x04;
		pv_lock(1);
		pv_unlock(2);
		return 3;
	case 4:
		expected_mtval = PV_BASE + 0x00;
		pv_lock(1);
		pv_lock(1);
		return 4;
	case 5:
		expected_mtval = PV_BASE + 0x00;
		pv_lock(64);
		return 5;
	default:
		pv_lock(63);
		pv_unlock(63);
		return 0;
	}
}
