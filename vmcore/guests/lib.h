/* Guest runtime: exit through tohost, UART output, MMIO helpers, barriers. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stddef.h>
#include <stdint.h>

#define UART_BASE 0x10000000ul
#define CLINT_BASE 0x02000000ul
#define PLIC_BASE 0x0c000000ul
#define BLK_BASE 0x10001000ul
#define SYSINFO_HARTS 0x00001000ul
#define SYSINFO_ITERS 0x00001008ul
#define PV_BASE 0x10002000ul
#define MAX_GUEST_HARTS 64

#define MMIO32(address) (*(volatile uint32_t *)(uintptr_t)(address))
#define MMIO64(address) (*(volatile uint64_t *)(uintptr_t)(address))
#define CLINT_MSIP(h) MMIO32(CLINT_BASE + 4ul * (h))
#define CLINT_MTIMECMP(h) MMIO64(CLINT_BASE + 0x4000ul + 8ul * (h))
#define CLINT_MTIME MMIO64(CLINT_BASE + 0xbff8ul)
/* The pvlock device (vmcore/dev_pv.c). */
#define PV_ACQUIRE_REG MMIO32(PV_BASE + 0x00)
#define PV_RELEASE_REG MMIO32(PV_BASE + 0x04)
#define PV_COUNT_REG MMIO32(PV_BASE + 0x08)
#define PV_HELD_REG MMIO32(PV_BASE + 0x0c)

#define CSR_READ(name) ({ uint64_t v_; __asm__ volatile("csrr %0, " #name : "=r"(v_)); v_; })
#define CSR_WRITE(name, v) __asm__ volatile("csrw " #name ", %0" : : "r"((uint64_t)(v)))
#define CSR_SET(name, v) __asm__ volatile("csrs " #name ", %0" : : "r"((uint64_t)(v)))
#define CSR_CLEAR(name, v) __asm__ volatile("csrc " #name ", %0" : : "r"((uint64_t)(v)))

#define MSTATUS_MIE 8ul
#define MIE_MSIE (1ul << 3)
#define MIE_MTIE (1ul << 7)
#define MIE_MEIE (1ul << 11)

struct trap_frame {
	uint64_t x[32]; /* x[2] (sp) not saved */
};

/* Each guest defines main; a non-zero return fails the run with that code. Hart 0's
 * return ends the run, so hart 0 must wait for the others itself. */
int main(unsigned hart);
/* Optional: a guest that takes traps defines guest_trap_hook; returns 0 when it
 * handled the trap (it may move mepc), nonzero to fail the run. */
int guest_trap_hook(struct trap_frame *frame, uint64_t mcause);

unsigned hart_count(void);
/* The host's iteration count for a guest's loops (locklab vm --guest-iters,
 * sysinfo +8), or fallback when the host gave none. */
unsigned guest_iterations(unsigned fallback);
/* Take and drop a paravirtual (host) lock. The fences and the memory clobber
 * keep the critical section's accesses between the two device writes. */
static inline void pv_lock(unsigned lock)
{
	__asm__ volatile("fence rw, w" ::: "memory");
	PV_ACQUIRE_REG = lock;
	__asm__ volatile("fence rw, rw" ::: "memory");
}
static inline void pv_unlock(unsigned lock)
{
	__asm__ volatile("fence rw, w" ::: "memory");
	PV_RELEASE_REG = lock;
	__asm__ volatile("fence rw, rw" ::: "memory");
}
/* Harts other than 0 call this when done; hart 0 waits for all of them with
 * wfi on its timer instead of spinning (a spinning waiter would swamp the
 * instruction counts that guests meant to stress a lock site are judged by). */
/* Bytes of the instruction at pc: 2 when compressed (-rvc builds), else 4. */
static inline unsigned insn_length(uint64_t pc)
{
	return (*(volatile uint16_t *)(uintptr_t)pc & 3) == 3 ? 4 : 2;
}
void finish_arrive(void);
void finish_wait(void);
void guest_exit(unsigned code) __attribute__((noreturn));
void uart_puts(const char *text);
void uart_put_hex(uint64_t value);
void uart_put_dec(uint64_t value);
/* All harts meet here (sense-reversing, amoadd). */
void barrier(void);
uint32_t crc32_update(uint32_t crc, const uint8_t *data, size_t length);
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);

#define CHECK(condition, code)                 \
	do {                                   \
		if (!(condition))              \
			return (code);         \
	} while (0)

#endif
