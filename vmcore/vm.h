/*
 * The public face of vmcore: a multi-hart RISC-V (RV64IMA, Zicsr, Zifencei, M and
 * U modes) machine laid out like QEMU virt. See vmcore/README.md for the memory
 * map and the guest conventions.
 */
#ifndef VM_VM_H
#define VM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmcore/host.h"

#define VM_MAX_HARTS 64
#define VM_MAX_WORKERS 64
/* The paravirtual lock device (vmcore/README.md, "pvlock"): host locks a guest
 * can take, and how long (instructions of the holding hart) one may be held. */
#define VM_PV_LOCKS 64u
#define VM_PV_HOLD_LIMIT 10000000ull

struct vm_config {
	/* The guest: an ELF64 image the host read, used during vm_create only. */
	const void *elf_image;
	size_t elf_bytes;
	/* The block device: the host's disk of this many bytes (host.h disk_read and
	 * disk_write), or 0: 4 MiB of RAM inside the VM. */
	uint64_t disk_bytes;
	unsigned harts;          /* 1..VM_MAX_HARTS */
	unsigned workers;        /* host threads running harts, 1..VM_MAX_WORKERS */
	unsigned quantum;        /* instructions per hart turn */
	unsigned mem_mib;        /* guest RAM */
	unsigned stripes;        /* LR/SC reservation stripes (power of two) */
	uint64_t max_insns;      /* per hart; 0: no cap */
	double timeout_s;        /* 0: none */
	bool deterministic;      /* one worker, mtime from instructions retired */
	uint32_t guest_iters;    /* sysinfo +8 for the guest's loops; 0: its own default */
	bool no_opt;             /* interpret every block: no compiled hot blocks (jit.h) */
	uint32_t jit_heat;       /* executions before a block is compiled; 0: JIT_HEAT */
	/* A static riscv64 Linux program (harts must be 1): U-mode at the entry, ecall
	 * is a system call, exit (93, 94) and write (64) only (linux_abi.c). */
	bool linux_abi;
};

enum vm_outcome {
	VM_OUTCOME_PASS,
	VM_OUTCOME_FAIL,          /* tohost odd N > 1 (code N >> 1), or exit device */
	VM_OUTCOME_TRAP,          /* a trap with no handler (mtvec 0 or faulting) */
	VM_OUTCOME_TIMEOUT,
	VM_OUTCOME_MAX_INSNS,
	VM_OUTCOME_DEADLOCK,      /* every hart in wfi with nothing that could wake it */
	VM_OUTCOME_PV_HOLD,       /* a pv lock held past VM_PV_HOLD_LIMIT (code: the lock) */
	VM_OUTCOME_SYSCALL,       /* linux_abi: a system call the shim lacks (code: a7) */
};

struct vm_result {
	enum vm_outcome outcome;
	uint64_t code;            /* VM_OUTCOME_FAIL's code, VM_OUTCOME_SYSCALL's number */
	uint64_t instret[VM_MAX_HARTS];
	/* Guest-initiated host lock acquisitions, all harts: SCs that hold a
	 * reservation (each takes an amo.stripe lock) and pvlock acquires (pv.lock). */
	uint64_t stripe_acquisitions, pv_acquisitions;
	uint64_t compiled_blocks; /* hot blocks compiled to host code (jit.h) */
	double wall_s;
};

/* Why vm_create or vm_run failed. vmcore knows no option names: the caller says
 * which of its options a code concerns (the image for VM_ERR_ELF, the RAM size for
 * VM_ERR_RAM) and names the rest by value. */
enum vm_error_code {
	VM_ERR_NONE,
	VM_ERR_ELF,     /* the image is not a RISC-V executable that fits guest RAM */
	VM_ERR_RAM,     /* the host's alloc refused guest RAM */
	VM_ERR_HOST,    /* the host's alloc or lock_create refused a part of the machine */
	VM_ERR_THREAD,  /* the host's thread_start refused (vm_run) */
};

struct vm_error {
	enum vm_error_code code;
	char value[64];           /* the part: "memory", a lock site, "threads"; "" for ELF, RAM */
	char why[256];
};

struct vm;

/* Loads the ELF and builds the machine; nothing runs yet. NULL with *error set. */
struct vm *vm_create(const struct vm_config *config, const struct vm_host *host,
		     struct vm_error *error);
/* Runs every hart to an outcome; the calling thread is the main slot. 0, or -1 with
 * *error set when a host thread could not start. */
int vm_run(struct vm *vm, struct vm_result *result, struct vm_error *error);
void vm_destroy(struct vm *vm);
const char *vm_outcome_name(enum vm_outcome outcome);
/* Whether this build compiles hot blocks to host code (vmcore/jit.h); a VM
 * created with config.no_opt, or whose host has no code_alloc, does not. */
bool vm_compiles_hot_blocks(void);

#endif
