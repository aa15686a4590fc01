/*
 * pvlock: a paravirtual lock device, as KVM's and Xen's paravirtual spinlocks
 * hand a guest's lock to the hypervisor. VM_PV_LOCKS host locks (site "pv.lock",
 * the same table and primitive as every other site) that a hart acquires and
 * releases through MMIO registers, so contention inside the guest runs through
 * the chosen primitive.
 *
 * Registers (4-byte accesses only):
 *   +0x00  acquire   write n: block until this hart holds lock n
 *   +0x04  release   write n: let go of lock n
 *   +0x08  count     read: VM_PV_LOCKS
 *   +0x0c  held      read: the lock this hart holds + 1, 0 when none
 *
 * A host lock context belongs to a host thread slot, so the slot that acquired
 * must release: a hart holding a lock stays on its worker until it releases
 * (exec.c never queues it, so nothing steals or parks it), and acquire blocks
 * that worker in the host lock. A hart holds at most one pv lock, so two harts
 * can never wait for each other's (no lock-order cycle through the host), and a
 * holder is always running, so every wait ends. The rest of the contract:
 *   - acquire while holding, release of a lock this hart does not hold, an index
 *     >= VM_PV_LOCKS, any other access: store/load access fault (precise,
 *     mtval the register's address);
 *   - wfi while holding: illegal instruction (precise, cpu_system.c);
 *   - a hold past VM_PV_HOLD_LIMIT instructions of the holding hart (checked at
 *     its quantum ends): the VM stops with VM_OUTCOME_PV_HOLD (exec.c).
 */
#include "vmcore/machine.h"

enum { PV_ACQUIRE = 0x00, PV_RELEASE = 0x04, PV_COUNT = 0x08, PV_HELD = 0x0c };

int dev_pv_init(struct vm *vm)
{
	for (unsigned i = 0; i < VM_PV_LOCKS; i++) {
		vm->pv.locks[i] = vm->host.ops->lock_create(vm->host.opaque, "pv.lock", false,
							    vm_slot_count(vm->workers_count));
		if (!vm->pv.locks[i])
			return -1;
	}
	return 0;
}

void dev_pv_fini(struct vm *vm)
{
	for (unsigned i = 0; i < VM_PV_LOCKS; i++) {
		if (vm->pv.locks[i])
			vm->host.ops->lock_destroy(vm->host.opaque, vm->pv.locks[i]);
		vm->pv.locks[i] = NULL;
	}
}

void dev_pv_release(struct hart *h)
{
	struct vm *vm = h->vm;

	if (!h->pv_held)
		return;
	vm->host.ops->unlock(vm->host.opaque, vm->pv.locks[h->pv_held - 1], h->slot);
	h->pv_held = 0;
}

int dev_pv_access(struct hart *h, uint64_t offset, unsigned size, uint64_t *value, bool write)
{
	struct vm *vm = h->vm;
	uint64_t index = (uint32_t)*value;

	if (size != 4)
		return -1;
	if (!write) {
		if (offset == PV_COUNT)
			*value = VM_PV_LOCKS;
		else if (offset == PV_HELD)
			*value = h->pv_held;
		else
			return -1;
		return 0;
	}
	if (index >= VM_PV_LOCKS)
		return -1;
	if (offset == PV_ACQUIRE) {
		if (h->pv_held)
			return -1;
		/* Blocks this worker; the holder is running on another (it never leaves
		 * its worker), and releases, or is released when the VM stops. */
		vm->host.ops->lock(vm->host.opaque, vm->pv.locks[index], h->slot);
		h->pv_held = (uint32_t)index + 1;
		h->pv_since = h->instret;
		h->pv_acquisitions++;
		return 0;
	}
	if (offset == PV_RELEASE) {
		if (h->pv_held != index + 1)
			return -1;
		dev_pv_release(h);
		return 0;
	}
	return -1;
}
