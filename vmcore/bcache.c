/*
 * The shared block cache: pc -> decoded block, a chained hash table behind the
 * "bcache" reader/writer lock, with a small private direct-mapped cache per hart
 * in front of it that needs no lock at all.
 *
 * Invalidation (stores to code pages, fence.i, DMA into code) unlinks blocks under
 * the write lock, then bumps generation; a hart compares generation with the one
 * its private cache was filled under before every lookup and flushes on change.
 * Unlinked blocks are freed through ck_epoch: every worker runs each quantum
 * inside an epoch section, so a block a hart may still be executing, or still
 * hold in its private cache from before it saw the new generation, outlives it.
 */
#include "vmcore/machine.h"

#define BCACHE_BUCKETS 4096u

int bcache_init(struct vm *vm)
{
	struct bcache *bc = &vm->bcache;

	bc->lock = vm->host.ops->lock_create(vm->host.opaque, "bcache", true,
					      vm_slot_count(vm->workers_count));
	bc->buckets = vm_alloc(vm, BCACHE_BUCKETS * sizeof *bc->buckets);
	if (!bc->lock || !bc->buckets)
		return -1;
	bc->bucket_mask = BCACHE_BUCKETS - 1;
	return 0;
}

static void bcache_free_block(ck_epoch_entry_t *entry)
{
	struct block *block = (struct block *)(void *)((char *)entry -
						      offsetof(struct block, epoch_entry));

	vm_free(block->vm, block, sizeof *block + sizeof(struct insn) * (block->count + 1));
}

void bcache_fini(struct vm *vm)
{
	struct bcache *bc = &vm->bcache;

	if (bc->buckets) {
		for (unsigned i = 0; i <= bc->bucket_mask; i++) {
			struct block *block = bc->buckets[i], *next;

			for (; block; block = next) {
				next = block->next;
				bcache_free_block(&block->epoch_entry);
			}
		}
		vm_free(vm, bc->buckets, BCACHE_BUCKETS * sizeof *bc->buckets);
	}
	if (bc->lock)
		vm->host.ops->lock_destroy(vm->host.opaque, bc->lock);
}

ck_epoch_record_t *bcache_record_for_slot(struct vm *vm, unsigned slot)
{
	if (slot < vm->workers_count)
		return &vm->workers[slot].epoch_record;
	return &vm->io_epoch_record;
}

static unsigned bcache_bucket(const struct bcache *bc, uint64_t pc)
{
	return (unsigned)((pc >> 1) * 0x9e3779b97f4a7c15ull >> 40) & bc->bucket_mask;
}

static struct block *bcache_find(struct bcache *bc, uint64_t pc)
{
	struct block *block = bc->buckets[bcache_bucket(bc, pc)];

	while (block && block->pc != pc)
		block = block->next;
	return block;
}

struct block *bcache_lookup(struct hart *h, uint64_t pc)
{
	struct vm *vm = h->vm;
	struct bcache *bc = &vm->bcache;
	const struct vm_host *host = &vm->host;
	struct hart_cache_entry *entry = &h->cache[(pc >> 1) & (HART_CACHE_SIZE - 1)];
	/* Acquire: pairs with the release in bcache_invalidate, so a hart that sees the
	 * new generation also sees the unlinks before it. */
	uint64_t generation = ck_pr_load_64(&bc->generation);
	struct block *block, *fresh;

	ck_pr_fence_load();
	if (generation != h->cache_generation) {
		/* pc 1 matches nothing (pcs are even), so cpu.c needs no NULL test. */
		for (unsigned i = 0; i < HART_CACHE_SIZE; i++)
			h->cache[i] = (struct hart_cache_entry){ .pc = 1, .block = NULL };
		h->cache_generation = generation;
	}
	if (entry->pc == pc)
		return entry->block;

	host->ops->read_lock(host->opaque, bc->lock, h->slot);
	block = bcache_find(bc, pc);
	host->ops->read_unlock(host->opaque, bc->lock, h->slot);
	if (!block) {
		/* Decode outside the lock; a racing decoder of the same pc loses and
		 * frees its copy. */
		fresh = cpu_decode_block(vm, pc);
		if (!fresh)
			return NULL;
		host->ops->lock(host->opaque, bc->lock, h->slot);
		block = bcache_find(bc, pc);
		if (!block) {
			unsigned bucket = bcache_bucket(bc, pc);
			uint64_t offset = pc - MEM_RAM_BASE;

			ck_pr_or_8(&vm->page_flags[offset >> MEM_PAGE_SHIFT], MEM_PAGE_CODE);
			ck_pr_or_8(&vm->page_flags[(fresh->last_byte - MEM_RAM_BASE) >> MEM_PAGE_SHIFT],
				   MEM_PAGE_CODE);
			fresh->next = bc->buckets[bucket];
			bc->buckets[bucket] = fresh;
			bc->blocks++;
			block = fresh;
			fresh = NULL;
		}
		host->ops->unlock(host->opaque, bc->lock, h->slot);
		if (fresh)
			bcache_free_block(&fresh->epoch_entry);
	}
	entry->pc = pc;
	entry->block = block;
	return block;
}

void bcache_invalidate(struct vm *vm, uint64_t addr, bool all, unsigned slot,
		       ck_epoch_record_t *record)
{
	struct bcache *bc = &vm->bcache;
	const struct vm_host *host = &vm->host;
	uint64_t page = addr >> MEM_PAGE_SHIFT;

	host->ops->lock(host->opaque, bc->lock, slot);
	for (unsigned i = 0; i <= bc->bucket_mask; i++) {
		struct block **link = &bc->buckets[i];

		while (*link) {
			struct block *block = *link;

			if (all || block->pc >> MEM_PAGE_SHIFT == page ||
			    block->last_byte >> MEM_PAGE_SHIFT == page) {
				*link = block->next;
				bc->blocks--;
				/* All blocks going (fence.i) leaves every page's code flag
				 * set: another hart may still run a dropped block, and its
				 * own store into that block must still take the slow path
				 * that ends it. The first store to such a page clears its
				 * flag there (one page, below). */
				ck_epoch_call(record, &block->epoch_entry, bcache_free_block);
			} else {
				link = &block->next;
			}
		}
	}
	if (!all)
		ck_pr_and_8(&vm->page_flags[(addr - MEM_RAM_BASE) >> MEM_PAGE_SHIFT],
			    (uint8_t)~MEM_PAGE_CODE);
	/* Release: the unlinks above are visible before the new generation. */
	ck_pr_fence_store();
	ck_pr_store_64(&bc->generation, bc->generation + 1);
	host->ops->unlock(host->opaque, bc->lock, slot);
}
