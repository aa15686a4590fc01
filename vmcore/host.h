/*
 * vmcore's only link to the rest of locklab: the services a host hands the VM.
 *
 * vmcore never includes a lock header, never calls pthread and never touches a
 * file or a console; the host (the harness's vm_host.c, or a test) provides
 * locks, threads, memory, a clock, the console and the disk through this table,
 * as TinyEMU's callback struct does, so one VM binary runs under every lock and
 * a test can watch everything the VM says and stores.
 *
 * Thread slots: every host thread the VM runs has a fixed slot, the VM's own
 * index for it, and passes it on every lock call; the host keeps one lock context
 * per (lock, slot). Slots are VM_SLOT_WORKER(0..W-1), then I/O, irq, main
 * (vm_slot_count(W) in all).
 */
#ifndef VM_HOST_H
#define VM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whose text console_write carries: the guest's UART (a locklab command prints
 * it on stdout) or vmcore's own diagnostics, such as the register dump of an
 * unhandled trap or where every hart was at a timeout (stderr). */
enum vm_console_stream { VM_CONSOLE_GUEST, VM_CONSOLE_DIAGNOSTIC };

struct vm_host_ops {
	/* A lock for one VM lock site (docs/design.md, "VM lock sites"); rw asks for a
	 * reader/writer lock (a mutex is acceptable: readers then exclude each other).
	 * max_threads bounds the slots that will use it. NULL on failure. */
	void *(*lock_create)(void *opaque, const char *site, bool rw, unsigned max_threads);
	void (*lock_destroy)(void *opaque, void *lock);
	void (*lock)(void *opaque, void *lock, unsigned slot);
	void (*unlock)(void *opaque, void *lock, unsigned slot);
	void (*read_lock)(void *opaque, void *lock, unsigned slot);
	void (*read_unlock)(void *opaque, void *lock, unsigned slot);

	/* Starts fn(arg) on a new host thread; NULL on failure. worker: the
	 * executor worker's index (0..W-1), which runs harts, or -1 for a device
	 * thread (I/O, interrupts); a host may place workers by it. */
	void *(*thread_start)(void *opaque, int worker, void (*fn)(void *arg), void *arg);
	void (*thread_join)(void *opaque, void *thread);

	/* Zeroed memory aligned to align (a power of two, at most 4096); NULL on
	 * failure. Guest RAM comes from here too. free gets the size alloc got. */
	void *(*alloc)(void *opaque, size_t bytes, size_t align);
	void (*free)(void *opaque, void *memory, size_t bytes);

	/* Monotonic nanoseconds. */
	uint64_t (*clock_ns)(void *opaque);

	/* Blocks while *word == expected, at most timeout_ns (spurious returns allowed);
	 * wake releases every waiter on word. Both are full barriers for the caller's
	 * accesses to word (futex semantics). */
	void (*wait)(void *opaque, uint32_t *word, uint32_t expected, uint64_t timeout_ns);
	void (*wake)(void *opaque, uint32_t *word);

	/* Optional (NULL: the VM interprets every block): memory the host lets the VM
	 * write machine code into and run, readable, writable and executable,
	 * zeroed; NULL when refused. code_free gets the size code_alloc got. */
	void *(*code_alloc)(void *opaque, size_t bytes);
	void (*code_free)(void *opaque, void *memory, size_t bytes);

	/* Text for the console, formatted by vmcore: one whole UART line (or 256
	 * bytes of one without a newline), or one diagnostic message of whole lines.
	 * Called from any VM thread, maybe holding a VM lock (the "uart" site's for
	 * UART lines); the host keeps each call's text together. */
	void (*console_write)(void *opaque, enum vm_console_stream stream, const char *text,
			      size_t length);

	/* The block device's backing store, vm_config.disk_bytes long; needed only
	 * when that is not 0. offset and bytes are whole 512-byte sectors inside it.
	 * One call at a time (the I/O thread's, or a worker's in deterministic runs).
	 * false: the request failed, and the guest sees a device error. */
	bool (*disk_read)(void *opaque, uint64_t offset, void *buffer, size_t bytes);
	bool (*disk_write)(void *opaque, uint64_t offset, const void *buffer, size_t bytes);
};

struct vm_host {
	const struct vm_host_ops *ops;
	void *opaque;
};

#define VM_SLOT_WORKER(index) (index)
#define VM_SLOT_IO(workers) ((workers) + 0)
#define VM_SLOT_IRQ(workers) ((workers) + 1)
#define VM_SLOT_MAIN(workers) ((workers) + 2)
static inline unsigned vm_slot_count(unsigned workers)
{
	return workers + 3;
}

#endif
