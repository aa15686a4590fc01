/*
 * The PLIC: one M-mode context per hart (context n = hart n). Sources are raised
 * by devices (edge: pending until claimed); every change recomputes each
 * context's MEIP level under the "plic" lock and posts or clears it.
 * Lock order: plic, then irq.
 */
#include "vmcore/machine.h"

#define PLIC_PRIORITY 0x000000u
#define PLIC_PENDING 0x001000u
#define PLIC_ENABLE 0x002000u
#define PLIC_ENABLE_STRIDE 0x80u
#define PLIC_CONTEXT 0x200000u
#define PLIC_CONTEXT_STRIDE 0x1000u
#define PLIC_WORDS (PLIC_SOURCES / 32)

int dev_plic_init(struct vm *vm)
{
	vm->plic.lock = vm->host.ops->lock_create(vm->host.opaque, "plic", false,
						  vm_slot_count(vm->workers_count));
	return vm->plic.lock ? 0 : -1;
}

void dev_plic_fini(struct vm *vm)
{
	if (vm->plic.lock)
		vm->host.ops->lock_destroy(vm->host.opaque, vm->plic.lock);
}

/* The best claimable source for context, 0 when none; under the lock. */
static unsigned plic_best(const struct dev_plic *plic, unsigned context)
{
	unsigned best = 0;
	uint32_t best_priority = plic->threshold[context];

	for (unsigned word = 0; word < PLIC_WORDS; word++) {
		uint32_t candidates = plic->pending[word] & ~plic->claimed[word] &
				      plic->enable[context][word];

		while (candidates) {
			unsigned source = word * 32 + (unsigned)__builtin_ctz(candidates);

			candidates &= candidates - 1;
			if (source != 0 && plic->priority[source] > best_priority) {
				best = source;
				best_priority = plic->priority[source];
			}
		}
	}
	return best;
}

static void plic_update(struct vm *vm, unsigned slot)
{
	struct dev_plic *plic = &vm->plic;

	for (unsigned context = 0; context < vm->harts_count; context++) {
		bool level = plic_best(plic, context) != 0;

		if (level == plic->level[context])
			continue;
		plic->level[context] = level;
		if (level)
			irq_post(vm, context, MIP_MEIP, slot);
		else
			irq_clear(vm, context, MIP_MEIP);
	}
}

void dev_plic_raise(struct vm *vm, unsigned source, unsigned slot)
{
	struct dev_plic *plic = &vm->plic;

	vm->host.ops->lock(vm->host.opaque, plic->lock, slot);
	plic->pending[source / 32] |= 1u << (source % 32);
	plic_update(vm, slot);
	vm->host.ops->unlock(vm->host.opaque, plic->lock, slot);
}

int dev_plic_access(struct hart *h, uint64_t offset, unsigned size, uint64_t *value, bool write)
{
	struct vm *vm = h->vm;
	struct dev_plic *plic = &vm->plic;
	uint32_t data = (uint32_t)*value;
	int result = 0;

	if (size != 4)
		return -1;
	vm->host.ops->lock(vm->host.opaque, plic->lock, h->slot);
	if (offset < PLIC_PRIORITY + 4 * PLIC_SOURCES) {
		unsigned source = (unsigned)(offset / 4);

		if (write && source != 0)
			plic->priority[source] = data & 7;
		else if (!write)
			*value = plic->priority[source];
	} else if (offset >= PLIC_PENDING && offset < PLIC_PENDING + 4 * PLIC_WORDS) {
		if (!write)
			*value = plic->pending[(offset - PLIC_PENDING) / 4];
	} else if (offset >= PLIC_ENABLE &&
		   offset < PLIC_ENABLE + PLIC_ENABLE_STRIDE * vm->harts_count) {
		unsigned context = (unsigned)((offset - PLIC_ENABLE) / PLIC_ENABLE_STRIDE);
		unsigned word = (unsigned)((offset - PLIC_ENABLE) % PLIC_ENABLE_STRIDE / 4);

		if (word >= PLIC_WORDS) {
			if (!write)
				*value = 0;
		} else if (write) {
			plic->enable[context][word] = word == 0 ? data & ~1u : data;
		} else {
			*value = plic->enable[context][word];
		}
	} else if (offset >= PLIC_CONTEXT &&
		   offset < PLIC_CONTEXT + PLIC_CONTEXT_STRIDE * vm->harts_count) {
		unsigned context = (unsigned)((offset - PLIC_CONTEXT) / PLIC_CONTEXT_STRIDE);
		unsigned reg = (unsigned)((offset - PLIC_CONTEXT) % PLIC_CONTEXT_STRIDE);

		if (reg == 0) {
			if (write)
				plic->threshold[context] = data & 7;
			else
				*value = plic->threshold[context];
		} else if (reg == 4) {
			if (write) {
				if (data < PLIC_SOURCES)
					plic->claimed[data / 32] &= ~(1u << (data % 32));
			} else {
				unsigned source = plic_best(plic, context);

				if (source) {
					plic->pending[source / 32] &= ~(1u << (source % 32));
					plic->claimed[source / 32] |= 1u << (source % 32);
				}
				*value = source;
			}
		} else if (!write) {
			*value = 0;
		}
	} else if (!write) {
		*value = 0;
	}
	plic_update(vm, h->slot);
	vm->host.ops->unlock(vm->host.opaque, plic->lock, h->slot);
	return result;
}
