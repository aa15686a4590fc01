/* atomics: every hart adds to shared counters with amoadd.w, amoadd.d and an
 * LR/SC loop; the totals must be exact. Hart 0 also checks each AMO's result. */
#include "lib.h"

#define DEFAULT_ITERATIONS 20000u

static volatile uint32_t amo_word;
static volatile uint64_t amo_double, lrsc_double;
static volatile uint32_t lrsc_word;

static uint64_t lrsc_add_d(volatile uint64_t *p, uint64_t add)
{
	uint64_t old, failed;

	__asm__ volatile("1: lr.d.aq %0, (%2)\n"
			 "   add %1, %0, %3\n"
			 "   sc.d.rl %1, %1, (%2)\n"
			 "   bnez %1, 1b\n"
			 : "=&r"(old), "=&r"(failed)
			 : "r"(p), "r"(add)
			 : "memory");
	return old;
}

static uint32_t lrsc_add_w(volatile uint32_t *p, uint32_t add)
{
	uint32_t old, failed;

	__asm__ volatile("1: lr.w.aqrl %0, (%2)\n"
			 "   addw %1, %0, %3\n"
			 "   sc.w.aqrl %1, %1, (%2)\n"
			 "   bnez %1, 1b\n"
			 : "=&r"(old), "=&r"(failed)
			 : "r"(p), "r"(add)
			 : "memory");
	return old;
}

#define AMO(op, width, p, v) ({                                                    \
	uint64_t r_;                                                              \
	__asm__ volatile(#op "." #width " %0, %2, (%1)" : "=r"(r_) : "r"(p), "r"(v) \
			 : "memory");                                             \
	r_; })

static int amo_semantics(void)
{
	static volatile uint64_t d;
	static volatile uint32_t w;
	uint64_t r;

	d = 5;
	CHECK(AMO(amoswap, d, &d, 9ul) == 5 && d == 9, 20);
	CHECK(AMO(amoadd, d, &d, 1ul) == 9 && d == 10, 21);
	CHECK(AMO(amoxor, d, &d, 3ul) == 10 && d == 9, 22);
	CHECK(AMO(amoand, d, &d, 12ul) == 9 && d == 8, 23);
	CHECK(AMO(amoor, d, &d, 3ul) == 8 && d == 11, 24);
	CHECK(AMO(amomin, d, &d, (uint64_t)-4) == 11 && d == (uint64_t)-4, 25);
	CHECK(AMO(amomax, d, &d, 7ul) == (uint64_t)-4 && d == 7, 26);
	CHECK(AMO(amominu, d, &d, (uint64_t)-1) == 7 && d == 7, 27);
	CHECK(AMO(amomaxu, d, &d, (uint64_t)-1) == 7 && d == (uint64_t)-1, 28);
	/* Word AMOs sign-extend the old value and compare 32-bit quantities. */
	w = 0x80000000u;
	r = AMO(amoadd, w, &w, 1ul);
	CHECK(r == 0xffffffff80000000ul && w == 0x80000001u, 29);
	CHECK(AMO(amomin, w, &w, 5ul) == 0xffffffff80000001ul && w == 0x80000001u, 30);
	CHECK(AMO(amominu, w, &w, 5ul) == 0xffffffff80000001ul && w == 5, 31);
	CHECK(AMO(amomax, w, &w, 0xfffffffful) == 5 && w == 5, 32);
	CHECK(AMO(amomaxu, w, &w, 0xfffffffful) == 5 && w == 0xffffffffu, 33);
	/* An SC without a reservation fails and stores nothing. */
	{
		uint64_t failed;

		d = 1;
		__asm__ volatile("sc.d %0, %2, (%1)" : "=r"(failed) : "r"(&d), "r"(2ul) : "memory");
		CHECK(failed != 0 && d == 1, 34);
		/* A store between LR and SC that changes the value makes the SC fail. */
		__asm__ volatile("lr.d %0, (%1)" : "=r"(r) : "r"(&d) : "memory");
		d = 7;
		__asm__ volatile("sc.d %0, %2, (%1)" : "=r"(failed) : "r"(&d), "r"(3ul) : "memory");
		CHECK(failed != 0 && d == 7, 35);
		__asm__ volatile("lr.d %0, (%1)" : "=r"(r) : "r"(&d) : "memory");
		__asm__ volatile("sc.d %0, %2, (%1)" : "=r"(failed) : "r"(&d), "r"(3ul) : "memory");
		CHECK(failed == 0 && d == 3 && r == 7, 36);
	}
	return 0;
}

int main(unsigned hart)
{
	unsigned harts = hart_count(), iterations = guest_iterations(DEFAULT_ITERATIONS);

	if (hart == 0)
		CHECK(amo_semantics() == 0, 19);
	barrier();
	for (unsigned i = 0; i < iterations; i++) {
		AMO(amoadd, w, &amo_word, 1ul);
		AMO(amoadd, d, &amo_double, 3ul);
		lrsc_add_d(&lrsc_double, 2);
		lrsc_add_w(&lrsc_word, 1);
	}
	barrier();
	if (hart != 0)
		return 0;
	CHECK(amo_word == (uint32_t)(iterations * harts), 2);
	CHECK(amo_double == 3ull * (uint64_t)iterations * harts, 3);
	CHECK(lrsc_double == 2ull * (uint64_t)iterations * harts, 4);
	CHECK(lrsc_word == (uint32_t)(iterations * harts), 5);
	uart_puts("atomics: ok\n");
	return 0;
}
