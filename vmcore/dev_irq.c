/*
 * Interrupt delivery. Devices post mip bits here (site "irq"); the irq thread
 * drains the posts into the harts' mip and wakes harts parked in wfi, and raises
 * MTIP when a hart's mtimecmp passes. Clears are applied at once by the caller: a
 * set still in flight can then only cause one spurious trap, which guests handle
 * (claim returns 0, mtime < mtimecmp). Deterministic runs have no irq thread:
 * posts are applied at once, in instruction order.
 */
#include "vmcore/machine.h"

#define IRQ_MAX_SLEEP_NS 1000000ull

int irq_init(struct vm *vm)
{
	vm->irq.lock = vm->host.ops->lock_create(vm->host.opaque, "irq", false,
						 vm_slot_count(vm->workers_count));
	return vm->irq.lock ? 0 : -1;
}

void irq_fini(struct vm *vm)
{
	if (vm->irq.lock)
		vm->host.ops->lock_destroy(vm->host.opaque, vm->irq.lock);
}

void irq_set_now(struct vm *vm, unsigned hart, uint64_t bits, unsigned slot)
{
	struct hart *h = &vm->harts[hart];

	/* Full barrier (ck_pr_or is a locked RMW; the fence makes it explicit for
	 * every host): mip is set before exec_wake_hart reads the hart's state. */
	ck_pr_or_64(&h->mip, bits);
	ck_pr_fence_memory();
	/* After the fence: mip is set before attention (cpu.c clears attention, then
	 * reads mip). */
	cpu_attention(h);
	exec_wake_hart(vm, h, slot);
}

void irq_clear(struct vm *vm, unsigned hart, uint64_t bits)
{
	ck_pr_and_64(&vm->harts[hart].mip, ~bits);
}

void irq_post(struct vm *vm, unsigned hart, uint64_t bits, unsigned slot)
{
	if (vm->config.deterministic) {
		irq_set_now(vm, hart, bits, slot);
		return;
	}
	vm->host.ops->lock(vm->host.opaque, vm->irq.lock, slot);
	vm->irq.set[hart] |= bits;
	vm->host.ops->unlock(vm->host.opaque, vm->irq.lock, slot);
	/* The increment orders after the set above (unlock is a release) and the
	 * futex wake covers an irq thread that read the old doorbell. */
	ck_pr_inc_32(&vm->irq.doorbell);
	vm->host.ops->wake(vm->host.opaque, &vm->irq.doorbell);
}

void irq_thread(void *arg)
{
	struct vm *vm = arg;
	const unsigned slot = VM_SLOT_IRQ(vm->workers_count);
	uint64_t pending[VM_MAX_HARTS];

	while (!vm_stopping(vm)) {
		uint32_t doorbell = ck_pr_load_32(&vm->irq.doorbell);
		uint64_t now, sleep_ns = IRQ_MAX_SLEEP_NS;

		vm->host.ops->lock(vm->host.opaque, vm->irq.lock, slot);
		for (unsigned i = 0; i < vm->harts_count; i++) {
			pending[i] = vm->irq.set[i];
			vm->irq.set[i] = 0;
		}
		vm->host.ops->unlock(vm->host.opaque, vm->irq.lock, slot);
		for (unsigned i = 0; i < vm->harts_count; i++) {
			if (pending[i])
				irq_set_now(vm, i, pending[i], slot);
		}
		now = dev_clint_mtime(vm, NULL);
		for (unsigned i = 0; i < vm->harts_count; i++) {
			uint64_t compare = ck_pr_load_64(&vm->clint.mtimecmp[i]);

			if (compare == ~0ull)
				continue;
			if (now >= compare) {
				if (!(ck_pr_load_64(&vm->harts[i].mip) & MIP_MTIP))
					irq_set_now(vm, i, MIP_MTIP, slot);
			} else if (compare - now < sleep_ns / 100) {
				sleep_ns = (compare - now) * 100; /* 100 ns per mtime tick */
			}
		}
		vm->host.ops->wait(vm->host.opaque, &vm->irq.doorbell, doorbell, sleep_ns);
	}
}
