/*
 * A simple block device with one request window per hart (64 bytes each at
 * MEM_BLK_BASE + 64 * n):
 *   +0x00 sector (u64)   +0x08 guest RAM address (u64)   +0x10 sector count (u32)
 *   +0x14 command (u32, write = doorbell: 1 read disk into RAM, 2 write RAM to disk)
 *   +0x18 status (u32: 0 idle, 1 busy, 2 done, 3 error; any write sets idle)
 *   +0x1c capacity in 512-byte sectors (u32, read-only)
 * The doorbell queues the request (site "blk.queue"); the I/O thread serves it
 * and raises PLIC source PLIC_SOURCE_BLK(n). Deterministic runs serve it at once.
 * The disk is the host's (host.h disk_read/disk_write, config.disk_bytes long),
 * or without one 4 MiB of RAM here: every host gets a disk for the guests that
 * need one, and only a host with an image to serve implements the two calls.
 */
#include <string.h>

#include "vmcore/machine.h"

#define BLK_SECTOR 512u
#define BLK_WINDOW 64u
#define BLK_RAM_SECTORS 8192u /* 4 MiB when the host serves no disk */
#define BLK_IDLE_WAIT_NS 5000000ull

enum { BLK_STATUS_IDLE, BLK_STATUS_BUSY, BLK_STATUS_DONE, BLK_STATUS_ERROR };
enum { BLK_OP_READ = 1, BLK_OP_WRITE = 2 };

int dev_blk_init(struct vm *vm)
{
	struct dev_blk *blk = &vm->blk;

	blk->lock = vm->host.ops->lock_create(vm->host.opaque, "blk.queue", false,
					      vm_slot_count(vm->workers_count));
	if (!blk->lock)
		return -1;
	if (vm->config.disk_bytes) {
		blk->sectors = vm->config.disk_bytes / BLK_SECTOR;
	} else {
		blk->sectors = BLK_RAM_SECTORS;
		blk->disk = vm_alloc(vm, BLK_RAM_SECTORS * BLK_SECTOR);
		if (!blk->disk)
			return -1;
	}
	return 0;
}

void dev_blk_fini(struct vm *vm)
{
	struct dev_blk *blk = &vm->blk;

	if (!blk->lock)
		return;
	if (blk->disk)
		vm_free(vm, blk->disk, BLK_RAM_SECTORS * BLK_SECTOR);
	vm->host.ops->lock_destroy(vm->host.opaque, blk->lock);
}

/* Serves one request; returns the status to publish. */
static uint32_t blk_serve(struct vm *vm, const struct blk_request *request, unsigned slot,
			  ck_epoch_record_t *record)
{
	struct dev_blk *blk = &vm->blk;
	uint64_t bytes = (uint64_t)request->count * BLK_SECTOR;
	uint8_t *ram = mem_ram_pointer(vm, request->addr, bytes);
	uint64_t offset = request->sector * BLK_SECTOR;

	if (!ram || request->count == 0 || request->sector > blk->sectors ||
	    request->count > blk->sectors - request->sector)
		return BLK_STATUS_ERROR;
	if (request->op == BLK_OP_READ) {
		if (!blk->disk) {
			if (!vm->host.ops->disk_read(vm->host.opaque, offset, ram, bytes))
				return BLK_STATUS_ERROR;
		} else {
			memcpy(ram, blk->disk + offset, bytes);
		}
		mem_dma_written(vm, request->addr, bytes, slot, record);
	} else if (request->op == BLK_OP_WRITE) {
		if (!blk->disk) {
			if (!vm->host.ops->disk_write(vm->host.opaque, offset, ram, bytes))
				return BLK_STATUS_ERROR;
		} else {
			memcpy(blk->disk + offset, ram, bytes);
		}
	} else {
		return BLK_STATUS_ERROR;
	}
	return BLK_STATUS_DONE;
}

static void blk_complete(struct vm *vm, const struct blk_request *request, uint32_t status,
			 unsigned slot)
{
	/* Release: the data written into guest RAM is visible before the status the
	 * guest polls or reads in its interrupt handler. */
	ck_pr_fence_store();
	ck_pr_store_32(&vm->blk.slot[request->hart].status, status);
	dev_plic_raise(vm, PLIC_SOURCE_BLK(request->hart), slot);
}

static void blk_doorbell(struct hart *h, unsigned window, uint32_t op)
{
	struct vm *vm = h->vm;
	struct dev_blk *blk = &vm->blk;
	struct blk_slot *s = &blk->slot[window];
	struct blk_request request = { .hart = window, .op = op, .count = s->count,
				       .sector = s->sector, .addr = s->addr };

	if (ck_pr_load_32(&s->status) == BLK_STATUS_BUSY)
		return; /* one request per window in flight: the guest must wait */
	ck_pr_store_32(&s->status, BLK_STATUS_BUSY);
	vm->host.ops->lock(vm->host.opaque, blk->lock, h->slot);
	blk->queue[(blk->head + blk->count) % VM_MAX_HARTS] = request;
	blk->count++;
	blk->requests++;
	vm->host.ops->unlock(vm->host.opaque, blk->lock, h->slot);
	if (vm->config.deterministic) {
		struct blk_request taken;

		vm->host.ops->lock(vm->host.opaque, blk->lock, h->slot);
		taken = blk->queue[blk->head];
		blk->head = (blk->head + 1) % VM_MAX_HARTS;
		blk->count--;
		vm->host.ops->unlock(vm->host.opaque, blk->lock, h->slot);
		blk_complete(vm, &taken,
			     blk_serve(vm, &taken, h->slot, bcache_record_for_slot(vm, h->slot)),
			     h->slot);
		return;
	}
	ck_pr_inc_32(&blk->doorbell);
	vm->host.ops->wake(vm->host.opaque, &blk->doorbell);
}

int dev_blk_access(struct hart *h, uint64_t offset, unsigned size, uint64_t *value, bool write)
{
	struct vm *vm = h->vm;
	unsigned window = (unsigned)(offset / BLK_WINDOW), reg = (unsigned)(offset % BLK_WINDOW);
	struct blk_slot *s;

	if (window >= vm->harts_count)
		return -1;
	s = &vm->blk.slot[window];
	if (reg == 0x00 || reg == 0x08) {
		uint64_t *field = reg == 0 ? &s->sector : &s->addr;

		if (size != 8)
			return -1;
		if (write)
			*field = *value;
		else
			*value = *field;
		return 0;
	}
	if (size != 4)
		return -1;
	switch (reg) {
	case 0x10:
		if (write)
			s->count = (uint32_t)*value;
		else
			*value = s->count;
		return 0;
	case 0x14:
		if (write)
			blk_doorbell(h, window, (uint32_t)*value);
		else
			*value = 0;
		return 0;
	case 0x18:
		if (write)
			ck_pr_store_32(&s->status, BLK_STATUS_IDLE);
		else
			*value = ck_pr_load_32(&s->status);
		return 0;
	case 0x1c:
		if (write)
			return -1;
		*value = (uint32_t)vm->blk.sectors;
		return 0;
	default:
		return -1;
	}
}

void dev_blk_thread(void *arg)
{
	struct vm *vm = arg;
	struct dev_blk *blk = &vm->blk;
	const unsigned slot = VM_SLOT_IO(vm->workers_count);

	while (!vm_stopping(vm)) {
		uint32_t doorbell = ck_pr_load_32(&blk->doorbell);
		struct blk_request request;
		bool have = false;

		vm->host.ops->lock(vm->host.opaque, blk->lock, slot);
		if (blk->count > 0) {
			request = blk->queue[blk->head];
			blk->head = (blk->head + 1) % VM_MAX_HARTS;
			blk->count--;
			have = true;
		}
		vm->host.ops->unlock(vm->host.opaque, blk->lock, slot);
		if (!have) {
			vm->host.ops->wait(vm->host.opaque, &blk->doorbell, doorbell, BLK_IDLE_WAIT_NS);
			continue;
		}
		/* DMA may drop blocks: inside an epoch section like a worker's quantum. */
		ck_epoch_begin(&vm->io_epoch_record, NULL);
		blk_complete(vm, &request, blk_serve(vm, &request, slot, &vm->io_epoch_record), slot);
		ck_epoch_end(&vm->io_epoch_record, NULL);
		ck_epoch_poll(&vm->io_epoch_record);
	}
}
