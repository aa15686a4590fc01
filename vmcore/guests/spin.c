/* spin: harts contend on a guest test-and-test-and-set spinlock (amoswap.w.aq,
 * release by amoswap.w.rl) guarding a plain read-modify-write; exact total. */
#include "lib.h"

#define DEFAULT_ITERATIONS 5000u

static volatile uint32_t lock_word;
static volatile uint64_t counter, holders;

static void spin_lock(void)
{
	for (;;) {
		uint32_t old;

		__asm__ volatile("amoswap.w.aq %0, %2, (%1)" : "=r"(old) : "r"(&lock_word), "r"(1)
				 : "memory");
		if (old == 0)
			return;
		while (lock_word)
			;
	}
}

static void spin_unlock(void)
{
	uint32_t old;

	__asm__ volatile("amoswap.w.rl %0, zero, (%1)" : "=r"(old) : "r"(&lock_word) : "memory");
}

int main(unsigned hart)
{
	unsigned harts = hart_count(), iterations = guest_iterations(DEFAULT_ITERATIONS);
	int violations = 0;

	barrier();
	for (unsigned i = 0; i < iterations; i++) {
		spin_lock();
		if (holders++ != 0)
			violations++;
		counter = counter + 1;
		holders--;
		spin_unlock();
	}
	CHECK(violations == 0, 2);
	barrier();
	if (hart != 0)
		return 0;
	CHECK(counter == (uint64_t)iterations * harts, 3);
	uart_puts("spin: ok\n");
	return 0;
}
