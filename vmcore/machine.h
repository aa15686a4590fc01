/*
 * The machine's internals, shared by the vmcore modules and nothing else.
 *
 * Memory map (like QEMU virt; anything else is an access fault in the guest):
 *   0x00001000  sysinfo   +0 hart count, +4 RAM MiB, +8 guest iterations (u32s, read-only)
 *   0x00100000  exit      write 0x5555: pass; (code << 16) | 0x3333: fail code
 *   0x02000000  CLINT     msip[h] +4h, mtimecmp[h] +0x4000+8h, mtime +0xbff8
 *   0x0c000000  PLIC      priority, pending, enable, threshold/claim per hart (M)
 *   0x10000000  UART      16550, byte registers, output only
 *   0x10001000  block     one 64-byte request window per hart (dev_blk.c)
 *   0x10002000  pvlock    paravirtual locks: host pv.lock locks a hart takes (dev_pv.c)
 *   0x80000000  RAM       --mem MiB
 */
#ifndef VM_MACHINE_H
#define VM_MACHINE_H

#include <ck_epoch.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmcore/host.h"
#include "vmcore/vm.h"

#define VM_PAD 128

#define MEM_RAM_BASE 0x80000000ull
#define MEM_SYSINFO_BASE 0x00001000ull
#define MEM_EXIT_BASE 0x00100000ull
#define MEM_CLINT_BASE 0x02000000ull
#define MEM_CLINT_SIZE 0x10000ull
#define MEM_PLIC_BASE 0x0c000000ull
#define MEM_PLIC_SIZE 0x4000000ull
#define MEM_UART_BASE 0x10000000ull
#define MEM_UART_SIZE 0x100ull
#define MEM_BLK_BASE 0x10001000ull
#define MEM_BLK_SIZE 0x1000ull
#define MEM_PV_BASE 0x10002000ull
#define MEM_PV_SIZE 0x1000ull
#define MEM_PAGE_SHIFT 12

/* Per-RAM-page flags, read on every store's fast path. */
#define MEM_PAGE_CODE 1u   /* decoded blocks exist on this page */
#define MEM_PAGE_WATCH 2u  /* holds tohost */

/* PLIC interrupt sources. */
#define PLIC_SOURCE_UART 10u
#define PLIC_SOURCE_BLK(hart) (32u + (hart))
#define PLIC_SOURCES 128u

/* mip/mie bits. */
#define MIP_MSIP (1ull << 3)
#define MIP_MTIP (1ull << 7)
#define MIP_MEIP (1ull << 11)

#define MSTATUS_MIE (1ull << 3)
#define MSTATUS_MPIE (1ull << 7)
#define MSTATUS_MPP (3ull << 11)

enum cpu_priv { PRIV_U = 0, PRIV_M = 3 };

enum trap_cause {
	CAUSE_INSN_MISALIGNED = 0,
	CAUSE_INSN_ACCESS = 1,
	CAUSE_ILLEGAL = 2,
	CAUSE_BREAKPOINT = 3,
	CAUSE_LOAD_MISALIGNED = 4,
	CAUSE_LOAD_ACCESS = 5,
	CAUSE_STORE_MISALIGNED = 6,
	CAUSE_STORE_ACCESS = 7,
	CAUSE_ECALL_U = 8,
	CAUSE_ECALL_M = 11,
};

/* One pre-decoded instruction, 16 bytes; rd 0 is rewritten to CPU_REG_SINK at
 * decode. Its pc is its block's pc + offsets[index]. */
struct insn {
	const void *handler;   /* cpu.c's handler for its operation (direct threading) */
	int32_t imm;           /* see cpu_ops.h for AMO, SYSTEM, ILLEGAL */
	uint8_t rd;
	uint8_t rs1;
	uint8_t rs2;
	uint8_t index;         /* instructions before it in its block */
};

#define BLOCK_MAX_INSNS 64

/* A decoded straight-line run ending at a control transfer, a system instruction,
 * a page end or BLOCK_MAX_INSNS; only a 32-bit instruction that straddles a page
 * end makes it touch two pages. Only its last instruction transfers control.
 * Immutable once published; freed through ck_epoch. */
struct block {
	uint64_t pc;
	uint64_t end_pc;      /* pc after the last instruction (the fall-through) */
	uint64_t target_pc;   /* the last instruction's branch or jal target, else 0 */
	uint64_t last_byte;   /* address of the block's last instruction byte */
	uint32_t count;       /* instructions, not counting the closing pseudo-op */
	struct block *next;   /* hash chain, under the bcache lock */
	struct vm *vm;
	ck_epoch_entry_t epoch_entry;
	uint16_t offsets[BLOCK_MAX_INSNS + 1]; /* pc - block pc, by index; [count]: end */
	uint8_t ops[BLOCK_MAX_INSNS + 1]; /* each one's enum cpu_op before forwarding and fusion */
	/* The only fields written after publication, for the compiler (jit.h): its
	 * executions so far (ck_pr), its code (stored once, then insns[0].handler
	 * points at the compiled entry), and insns[0]'s own handler, kept here
	 * because insns[0].handler first counts executions, then enters the code. */
	uint32_t heat;
	void *jit;
	const void *entry_handler;
	struct insn insns[];  /* count + 1 */
};

#define CPU_REG_SINK 32
#define HART_CACHE_SIZE 1024

enum hart_state {
	HART_RUNNABLE, /* in a run queue or running */
	HART_WFI,      /* parked until (mip & mie) != 0 */
	HART_DONE,
};

/* Why a block stopped early: checked once after each block. */
#define HART_EXIT_WFI 1u
#define HART_EXIT_STOP 2u
#define HART_EXIT_SMC 4u   /* the block wrote code: end it, keep the quantum */

struct hart_cache_entry {
	uint64_t pc;
	struct block *block;
};

struct hart {
	uint64_t x[33];          /* x[32] absorbs writes to x0 */
	uint64_t pc;
	uint64_t instret;
	uint64_t irq_mask;       /* mie when interrupts are enabled, else 0 */
	uint8_t *ram;            /* copies of vm->mem for the fast paths */
	uint64_t ram_limit;      /* RAM offsets <= this take the fast path */
	uint8_t *page_flags;
	unsigned exit_flags;
	unsigned priv;
	unsigned slot;           /* host slot of the worker running this hart now */
	unsigned id;
	struct vm *vm;

	uint64_t mip;            /* written by other threads: ck_pr only */
	/* Non-zero: look at mip, vm->stop and the deterministic timer at the next
	 * block boundary. Set (ck_pr) by whoever sets mip bits or stops the VM, so
	 * chained blocks test one word; cleared by the hart before it looks. */
	uint32_t attention;
	/* Instructions compiled code may still run before it returns, and the block
	 * it returned from to the interpreter mid-way (jit.h). */
	int64_t jit_budget;
	const struct block *jit_block;
	uint32_t state;          /* enum hart_state, ck_pr only */

	uint64_t mstatus, mtvec, mepc, mcause, mtval, mscratch, mie;
	uint64_t medeleg, mideleg, mcounteren, satp, pmpcfg0, pmpaddr0;

	/* The LR reservation: its address, the value LR read and the stripe's SC
	 * count then (cpu_amo.c); only this hart reads or writes them. */
	uint64_t resv_addr, resv_value, resv_seq;
	bool resv_valid;
	uint64_t quantum_start_instret;

	/* pvlock: the lock this hart holds + 1 (0: none) and its instret when it took
	 * it. While non-zero the hart stays on its worker (exec.c). Only the hart's
	 * own worker touches these. */
	uint32_t pv_held;
	uint64_t pv_since;
	/* Host lock acquisitions the guest caused (amo.stripe by LR/SC, pv.lock):
	 * plain per-hart counters, summed into vm_result after the run. */
	uint64_t stripe_acquisitions, pv_acquisitions;

	uint64_t cache_generation;
	struct hart_cache_entry cache[HART_CACHE_SIZE];
} __attribute__((aligned(VM_PAD)));

struct bcache {
	void *lock;              /* site "bcache", rw */
	struct block **buckets;  /* under lock */
	unsigned bucket_mask;
	/* Bumped (under the write lock) when blocks are dropped; read by every hart at
	 * every block boundary, so alone on its line. */
	uint64_t generation __attribute__((aligned(VM_PAD)));
	uint64_t blocks __attribute__((aligned(VM_PAD)));
};

struct amo_stripe {
	void *lock;              /* site "amo.stripe" */
	uint64_t seq;            /* successful SCs in this stripe: written under lock */
} __attribute__((aligned(VM_PAD)));

struct exec_queue {
	void *lock;              /* site "exec.runq" */
	unsigned head, count;    /* ring of vm->harts slots, under lock */
	struct hart **ring;
} __attribute__((aligned(VM_PAD)));

struct exec_worker {
	struct vm *vm;
	unsigned index;
	void *thread;
	ck_epoch_record_t epoch_record;
	uint64_t quanta;
} __attribute__((aligned(VM_PAD)));

struct dev_uart {
	void *lock;              /* site "uart" */
	uint8_t ier, lcr, mcr, scr, dll, dlm;
	unsigned line_length;
	char line[256];
};

struct dev_clint {
	void *lock;              /* site "clint" */
	uint64_t mtimecmp[VM_MAX_HARTS]; /* ck_pr loads without the lock */
	uint64_t start_ns;
	int64_t mtime_offset;
	uint64_t det_time;       /* deterministic: instructions retired by finished quanta */
};

struct dev_plic {
	void *lock;              /* site "plic" */
	uint32_t priority[PLIC_SOURCES];
	uint32_t pending[PLIC_SOURCES / 32];
	uint32_t claimed[PLIC_SOURCES / 32];
	uint32_t enable[VM_MAX_HARTS][PLIC_SOURCES / 32];
	uint32_t threshold[VM_MAX_HARTS];
	bool level[VM_MAX_HARTS]; /* MEIP as last computed */
};

struct blk_slot {
	uint64_t sector, addr;
	uint32_t count, op;
	uint32_t status;         /* ck_pr: written by the I/O thread */
	uint32_t busy;
};

struct blk_request {
	unsigned hart;
	uint32_t op, count;
	uint64_t sector, addr;
};

struct dev_blk {
	void *lock;              /* site "blk.queue" */
	struct blk_slot slot[VM_MAX_HARTS];
	struct blk_request queue[VM_MAX_HARTS]; /* ring, under lock */
	unsigned head, count;
	uint32_t doorbell;       /* futex word the I/O thread sleeps on */
	uint8_t *disk;           /* RAM-backed image; NULL: the host's disk */
	uint64_t sectors;
	uint64_t requests;
};

struct dev_pv {
	void *locks[VM_PV_LOCKS]; /* site "pv.lock", created at init */
};

struct irq_delivery {
	void *lock;              /* site "irq" */
	uint64_t set[VM_MAX_HARTS]; /* mip bits to post, under lock */
	uint32_t doorbell;       /* futex word the irq thread sleeps on */
};

struct vm {
	struct vm_config config;
	struct vm_host host;
	unsigned harts_count, workers_count;

	uint8_t *ram;
	uint64_t ram_size;
	uint8_t *page_flags;
	uint64_t tohost_addr;    /* 0: the ELF has no tohost */

	struct hart *harts;
	struct bcache bcache;
	struct amo_stripe *stripes;
	unsigned stripe_mask, stripe_shift; /* stripes - 1, log2(stripes) */
	struct exec_queue *queues;
	struct exec_worker *workers;
	ck_epoch_t epoch;
	ck_epoch_record_t io_epoch_record;
	uint32_t exec_signal __attribute__((aligned(VM_PAD))); /* futex word idle workers sleep on */

	struct dev_uart uart;
	struct dev_clint clint;
	struct dev_plic plic;
	struct dev_blk blk;
	struct dev_pv pv;
	struct irq_delivery irq;

	/* ck_pr: set once when the outcome is known; read at every block boundary. */
	uint32_t stop __attribute__((aligned(VM_PAD)));
	uint32_t outcome;
	uint64_t exit_code;
	uint32_t done_word __attribute__((aligned(VM_PAD))); /* futex word main sleeps on */

	/* jit.c's code arena: bytes used, claimed by compare-and-swap. */
	uint8_t *jit_arena;
	uint64_t jit_used __attribute__((aligned(VM_PAD)));
	uint64_t jit_blocks; /* compiled so far (ck_pr) */
	uint32_t jit_heat;   /* config.jit_heat, or JIT_HEAT */
};

/* vm.c */
void vm_finish(struct vm *vm, enum vm_outcome outcome, uint64_t code);
static inline bool vm_stopping(struct vm *vm)
{
	return ck_pr_load_32(&vm->stop) != 0;
}
void *vm_alloc(struct vm *vm, size_t bytes);
void vm_free(struct vm *vm, void *memory, size_t bytes);
/* One diagnostic message (whole lines, at most 2 KiB) to the host's console. */
void vm_diagnostic(struct vm *vm, const char *format, ...) __attribute__((format(printf, 2, 3)));

/* cpu.c */
void cpu_reset(struct hart *hart, struct vm *vm, unsigned id, uint64_t entry);
/* Runs up to budget instructions (block granularity); returns those retired. */
uint64_t cpu_run(struct hart *hart, uint64_t budget);
void cpu_trap(struct hart *hart, uint64_t cause, uint64_t tval, uint64_t pc);
/* The hart's pc, trap CSRs and registers as lines of text, into text[0..size). */
void cpu_dump(const struct hart *hart, char *text, size_t size);
struct block *cpu_decode_block(struct vm *vm, uint64_t pc);
/* Sets the handler of every instruction of a decoded block from ops (enum
 * cpu_op, count + 1 of them). */
void cpu_link_block(struct block *block, const uint8_t *ops);
/* After setting mip bits of, or stopping, a hart: it looks at the next block
 * boundary (ordering: see cpu.c). */
static inline void cpu_attention(struct hart *hart)
{
	ck_pr_store_32(&hart->attention, 1);
}

/* mem.c: slow paths; return 0 or a trap cause. */
int mem_load(struct hart *hart, uint64_t addr, unsigned size, uint64_t *value);
int mem_store(struct hart *hart, uint64_t addr, unsigned size, uint64_t value);
/* Bookkeeping after a store to RAM that the caller already made (AMOs): code
 * invalidation and tohost. */
void mem_stored(struct hart *hart, uint64_t addr, unsigned size);
/* Host pointer to size bytes of RAM at addr, NULL when not all in RAM. */
static inline uint8_t *mem_ram_pointer(struct vm *vm, uint64_t addr, uint64_t size)
{
	uint64_t offset = addr - MEM_RAM_BASE;

	if (addr < MEM_RAM_BASE || offset > vm->ram_size || size > vm->ram_size - offset)
		return NULL;
	return vm->ram + offset;
}
/* After a host-side (DMA) write of RAM: drop blocks decoded from it. */
void mem_dma_written(struct vm *vm, uint64_t addr, uint64_t size, unsigned slot,
		     ck_epoch_record_t *record);

/* bcache.c */
int bcache_init(struct vm *vm);
void bcache_fini(struct vm *vm);
struct block *bcache_lookup(struct hart *hart, uint64_t pc);
/* Drops every block on the RAM page of addr (or all blocks when all). */
void bcache_invalidate(struct vm *vm, uint64_t addr, bool all, unsigned slot,
		       ck_epoch_record_t *record);
ck_epoch_record_t *bcache_record_for_slot(struct vm *vm, unsigned slot);

/* exec.c */
int exec_init(struct vm *vm);
void exec_fini(struct vm *vm);
int exec_start(struct vm *vm);
void exec_join(struct vm *vm);
/* Puts a hart that left wfi back on a run queue. */
void exec_wake_hart(struct vm *vm, struct hart *hart, unsigned slot);

/* devices */
int dev_uart_init(struct vm *vm);
int dev_uart_access(struct hart *hart, uint64_t offset, unsigned size, uint64_t *value, bool write);
void dev_uart_fini(struct vm *vm);
int dev_clint_init(struct vm *vm);
int dev_clint_access(struct hart *hart, uint64_t offset, unsigned size, uint64_t *value, bool write);
uint64_t dev_clint_mtime(struct vm *vm, const struct hart *hart);
/* Sets MTIP on hart when its timer has expired (the hart's own quantum check). */
void dev_clint_check(struct vm *vm, struct hart *hart);
/* Deterministic mode, between quanta: raise MTIP for every expired hart (the
 * parked ones have no irq thread watching them). */
void dev_clint_check_all(struct vm *vm, unsigned slot);
/* Deterministic mode, nothing runnable: jump time to the next deadline, post it. */
bool dev_clint_advance(struct vm *vm, unsigned slot);
void dev_clint_fini(struct vm *vm);
int dev_plic_init(struct vm *vm);
int dev_plic_access(struct hart *hart, uint64_t offset, unsigned size, uint64_t *value, bool write);
void dev_plic_raise(struct vm *vm, unsigned source, unsigned slot);
void dev_plic_fini(struct vm *vm);
int dev_blk_init(struct vm *vm);
int dev_blk_access(struct hart *hart, uint64_t offset, unsigned size, uint64_t *value, bool write);
void dev_blk_thread(void *vm);
void dev_blk_fini(struct vm *vm);
int dev_pv_init(struct vm *vm);
int dev_pv_access(struct hart *hart, uint64_t offset, unsigned size, uint64_t *value, bool write);
/* The hart's worker, when the hart must let go of its pv lock (the VM stops). */
void dev_pv_release(struct hart *hart);
void dev_pv_fini(struct vm *vm);

/* irq delivery (dev_irq.c) */
int irq_init(struct vm *vm);
void irq_fini(struct vm *vm);
/* Posts mip bits to a hart: through the irq thread, or at once when deterministic. */
void irq_post(struct vm *vm, unsigned hart, uint64_t bits, unsigned slot);
/* Clears mip bits at once (a stale set can only cause a spurious trap). */
void irq_clear(struct vm *vm, unsigned hart, uint64_t bits);
void irq_set_now(struct vm *vm, unsigned hart, uint64_t bits, unsigned slot);
void irq_thread(void *vm);

/* linux_abi.c (config.linux_abi): hart 0 as Linux starts a static program, and
 * its ecalls from U-mode; linux_syscall returns the instructions retired. */
void linux_start(struct hart *hart);
uint64_t linux_syscall(struct hart *hart, unsigned length);

/* elf.c */
int elf_load(struct vm *vm, const uint8_t *image, size_t size, uint64_t *entry,
	     struct vm_error *error);

#endif
