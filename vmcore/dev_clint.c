/*
 * The CLINT: msip and mtimecmp per hart, and mtime (10 MHz from the host clock, or
 * one tick per instruction retired when deterministic). Writes take the "clint"
 * lock; mtimecmp is read lock-free (ck_pr) by harts and the irq thread.
 */
#include "vmcore/machine.h"

#define CLINT_MSIP 0x0000u
#define CLINT_MTIMECMP 0x4000u
#define CLINT_MTIME 0xbff8u
#define CLINT_NS_PER_TICK 100u

int dev_clint_init(struct vm *vm)
{
	struct dev_clint *clint = &vm->clint;

	clint->lock = vm->host.ops->lock_create(vm->host.opaque, "clint", false,
						vm_slot_count(vm->workers_count));
	for (unsigned i = 0; i < VM_MAX_HARTS; i++)
		clint->mtimecmp[i] = ~0ull;
	clint->start_ns = vm->host.ops->clock_ns(vm->host.opaque);
	return clint->lock ? 0 : -1;
}

void dev_clint_fini(struct vm *vm)
{
	if (vm->clint.lock)
		vm->host.ops->lock_destroy(vm->host.opaque, vm->clint.lock);
}

uint64_t dev_clint_mtime(struct vm *vm, const struct hart *h)
{
	struct dev_clint *clint = &vm->clint;

	if (vm->config.deterministic) {
		/* Only the single worker writes det_time, between quanta. */
		return clint->det_time + (h ? h->instret - h->quantum_start_instret : 0);
	}
	return (vm->host.ops->clock_ns(vm->host.opaque) - clint->start_ns) / CLINT_NS_PER_TICK +
	       (uint64_t)ck_pr_load_64((uint64_t *)&clint->mtime_offset);
}

void dev_clint_check(struct vm *vm, struct hart *h)
{
	uint64_t compare = ck_pr_load_64(&vm->clint.mtimecmp[h->id]);

	if (compare != ~0ull && !(ck_pr_load_64(&h->mip) & MIP_MTIP) &&
	    dev_clint_mtime(vm, h) >= compare)
		irq_set_now(vm, h->id, MIP_MTIP, h->slot);
}

void dev_clint_check_all(struct vm *vm, unsigned slot)
{
	uint64_t now = dev_clint_mtime(vm, NULL);

	for (unsigned i = 0; i < vm->harts_count; i++) {
		struct hart *h = &vm->harts[i];
		uint64_t compare = ck_pr_load_64(&vm->clint.mtimecmp[i]);

		if (compare != ~0ull && now >= compare && !(ck_pr_load_64(&h->mip) & MIP_MTIP))
			irq_set_now(vm, i, MIP_MTIP, slot);
	}
}

bool dev_clint_advance(struct vm *vm, unsigned slot)
{
	struct dev_clint *clint = &vm->clint;
	uint64_t next = ~0ull;

	for (unsigned i = 0; i < vm->harts_count; i++) {
		if (clint->mtimecmp[i] > clint->det_time && clint->mtimecmp[i] < next)
			next = clint->mtimecmp[i];
	}
	if (next == ~0ull)
		return false;
	clint->det_time = next;
	for (unsigned i = 0; i < vm->harts_count; i++) {
		if (clint->mtimecmp[i] <= next)
			irq_set_now(vm, i, MIP_MTIP, slot);
	}
	return true;
}

/* Rewrites the size-byte part at byte offset of a 64-bit register. */
static uint64_t clint_merge(uint64_t old, unsigned offset, unsigned size, uint64_t value)
{
	uint64_t mask = size == 8 ? ~0ull : ((1ull << (8 * size)) - 1) << (8 * offset);

	return (old & ~mask) | ((value << (8 * offset)) & mask);
}

int dev_clint_access(struct hart *h, uint64_t offset, unsigned size, uint64_t *value, bool write)
{
	struct vm *vm = h->vm;
	struct dev_clint *clint = &vm->clint;
	const struct vm_host *host = &vm->host;

	if (size != 4 && size != 8)
		return -1;
	if (offset < CLINT_MSIP + 4 * vm->harts_count) {
		unsigned target = (unsigned)(offset / 4);

		if (size != 4)
			return -1;
		if (!write) {
			*value = (ck_pr_load_64(&vm->harts[target].mip) & MIP_MSIP) ? 1 : 0;
		} else if (*value & 1) {
			irq_post(vm, target, MIP_MSIP, h->slot);
		} else {
			irq_clear(vm, target, MIP_MSIP);
		}
		return 0;
	}
	if (offset >= CLINT_MTIMECMP && offset < CLINT_MTIMECMP + 8 * vm->harts_count) {
		unsigned target = (unsigned)((offset - CLINT_MTIMECMP) / 8);
		unsigned part = (unsigned)(offset & 7);
		uint64_t compare;

		if (!write) {
			*value = ck_pr_load_64(&clint->mtimecmp[target]) >> (8 * part);
			return 0;
		}
		host->ops->lock(host->opaque, clint->lock, h->slot);
		compare = clint_merge(clint->mtimecmp[target], part, size, *value);
		ck_pr_store_64(&clint->mtimecmp[target], compare);
		host->ops->unlock(host->opaque, clint->lock, h->slot);
		/* Level semantics: MTIP follows mtime >= mtimecmp. A new deadline in the
		 * future clears it now; the irq thread (or the hart's own check) sets it. */
		if (dev_clint_mtime(vm, h) >= compare)
			irq_set_now(vm, target, MIP_MTIP, h->slot);
		else
			irq_clear(vm, target, MIP_MTIP);
		if (!vm->config.deterministic) {
			ck_pr_inc_32(&vm->irq.doorbell);
			host->ops->wake(host->opaque, &vm->irq.doorbell);
		}
		return 0;
	}
	if (offset == CLINT_MTIME || offset == CLINT_MTIME + 4) {
		unsigned part = (unsigned)(offset & 7);
		uint64_t now = dev_clint_mtime(vm, h);

		if (!write) {
			*value = now >> (8 * part);
			return 0;
		}
		host->ops->lock(host->opaque, clint->lock, h->slot);
		if (vm->config.deterministic)
			clint->det_time += clint_merge(now, part, size, *value) - now;
		else
			ck_pr_store_64((uint64_t *)&clint->mtime_offset,
				       (uint64_t)clint->mtime_offset +
					       (clint_merge(now, part, size, *value) - now));
		host->ops->unlock(host->opaque, clint->lock, h->slot);
		return 0;
	}
	if (!write) {
		*value = 0;
		return 0;
	}
	return -1;
}
