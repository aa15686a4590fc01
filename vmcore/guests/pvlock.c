/* pvlock: critical sections through the paravirtual lock device only. Many harts,
 * few locks: each iteration takes lock i % LOCKS and does a deliberately slow
 * plain read-modify-write of that lock's counter (a lost update shows in the
 * totals) with an owner check. Hart 0 first checks the device's contract: the
 * lock count, the held register, and that releasing a lock it does not hold is a
 * precise store access fault. */
#include "lib.h"

#define DEFAULT_ITERATIONS 20000u
#define LOCKS 3u

static volatile uint64_t counters[LOCKS];
static volatile uint32_t owners[LOCKS];
static uint32_t violations;
static volatile uint32_t faults_seen;

int guest_trap_hook(struct trap_frame *frame, uint64_t mcause)
{
	(void)frame;
	if (mcause != 7 || CSR_READ(mtval) != PV_BASE + 0x04)
		return 1;
	faults_seen++;
	CSR_WRITE(mepc, CSR_READ(mepc) + insn_length(CSR_READ(mepc)));
	return 0;
}

static int device_contract(void)
{
	CHECK(PV_COUNT_REG == 64, 20);
	CHECK(PV_HELD_REG == 0, 21);
	pv_lock(5);
	CHECK(PV_HELD_REG == 6, 22);
	pv_unlock(4); /* not held: faults, and 5 stays held */
	CHECK(faults_seen == 1 && PV_HELD_REG == 6, 23);
	pv_unlock(5);
	CHECK(PV_HELD_REG == 0, 24);
	pv_unlock(5); /* no longer held */
	CHECK(faults_seen == 2, 25);
	return 0;
}

int main(unsigned hart)
{
	unsigned harts = hart_count(), iterations = guest_iterations(DEFAULT_ITERATIONS);

	if (hart == 0) {
		int code = device_contract();

		if (code != 0)
			return code;
	}
	barrier();
	for (unsigned i = 0; i < iterations; i++) {
		unsigned lock = i % LOCKS;
		uint64_t value;

		pv_lock(lock);
		if (owners[lock] != 0)
			violations++;
		owners[lock] = hart + 1;
		value = counters[lock];
		for (unsigned spin = 0; spin < 8; spin++)
			__asm__ volatile("" ::: "memory");
		counters[lock] = value + 1;
		if (owners[lock] != hart + 1)
			violations++;
		owners[lock] = 0;
		pv_unlock(lock);
	}
	if (hart != 0) {
		finish_arrive();
		return 0;
	}
	finish_wait();
	CHECK(violations == 0, 2);
	for (unsigned lock = 0; lock < LOCKS; lock++)
		CHECK(counters[lock] == (uint64_t)harts * ((iterations + LOCKS - 1 - lock) / LOCKS), 3);
	uart_puts("pvlock: ok\n");
	return 0;
}
