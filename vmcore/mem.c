/*
 * The guest physical address space outside the fast paths in cpu.c: RAM accesses
 * that touch a flagged page or RAM's last bytes, MMIO dispatch, and faults for
 * everything else (an access fault in the guest, never in the host).
 */
#include <string.h>

#include "vmcore/machine.h"

static int mem_sysinfo(struct hart *h, uint64_t offset, unsigned size, uint64_t *value,
		       bool write)
{
	if (write || size != 4)
		return -1;
	if (offset == 0)
		*value = h->vm->harts_count;
	else if (offset == 4)
		*value = h->vm->config.mem_mib;
	else if (offset == 8)
		*value = h->vm->config.guest_iters;
	else
		return -1;
	return 0;
}

/* Like QEMU's sifive_test: 0x5555 passes, (code << 16) | 0x3333 fails with code. */
static int mem_exit_device(struct hart *h, uint64_t offset, unsigned size, uint64_t *value,
			   bool write)
{
	uint32_t command = (uint32_t)*value;

	if (!write) {
		*value = 0;
		return 0;
	}
	if (offset != 0 || size != 4)
		return -1;
	if ((command & 0xffff) == 0x5555)
		vm_finish(h->vm, VM_OUTCOME_PASS, 0);
	else if ((command & 0xffff) == 0x3333)
		vm_finish(h->vm, VM_OUTCOME_FAIL, command >> 16);
	else
		return 0;
	h->exit_flags |= HART_EXIT_STOP;
	return 0;
}

/* 0 or the access-fault return of the device (-1). */
static int mem_mmio(struct hart *h, uint64_t addr, unsigned size, uint64_t *value, bool write)
{
#define IN(base, length) (addr >= (base) && addr - (base) < (length) && \
			  addr - (base) + size <= (length))
	if (addr & (size - 1))
		return -1; /* devices take naturally aligned accesses only */
	if (IN(MEM_CLINT_BASE, MEM_CLINT_SIZE))
		return dev_clint_access(h, addr - MEM_CLINT_BASE, size, value, write);
	if (IN(MEM_PLIC_BASE, MEM_PLIC_SIZE))
		return dev_plic_access(h, addr - MEM_PLIC_BASE, size, value, write);
	if (IN(MEM_UART_BASE, MEM_UART_SIZE))
		return dev_uart_access(h, addr - MEM_UART_BASE, size, value, write);
	if (IN(MEM_BLK_BASE, MEM_BLK_SIZE))
		return dev_blk_access(h, addr - MEM_BLK_BASE, size, value, write);
	if (IN(MEM_PV_BASE, MEM_PV_SIZE))
		return dev_pv_access(h, addr - MEM_PV_BASE, size, value, write);
	if (IN(MEM_SYSINFO_BASE, 0x1000))
		return mem_sysinfo(h, addr - MEM_SYSINFO_BASE, size, value, write);
	if (IN(MEM_EXIT_BASE, 0x1000))
		return mem_exit_device(h, addr - MEM_EXIT_BASE, size, value, write);
#undef IN
	return -1;
}

int mem_load(struct hart *h, uint64_t addr, unsigned size, uint64_t *value)
{
	uint8_t *p = mem_ram_pointer(h->vm, addr, size);

	if (p) {
		*value = 0;
		memcpy(value, p, size); /* little-endian host: low bytes first */
		return 0;
	}
	*value = 0;
	if (mem_mmio(h, addr, size, value, false) != 0)
		return CAUSE_LOAD_ACCESS;
	return 0;
}

static void mem_watch_tohost(struct hart *h, uint64_t addr, unsigned size)
{
	struct vm *vm = h->vm;
	uint64_t value = 0;

	if (!vm->tohost_addr || addr + size <= vm->tohost_addr || addr >= vm->tohost_addr + 8)
		return;
	/* riscv-tests: the first non-zero write decides, even when it is only the low
	 * half of a pair of 32-bit stores; a write of the high half alone never does. */
	if (addr >= vm->tohost_addr + 4)
		return;
	memcpy(&value, mem_ram_pointer(vm, vm->tohost_addr, 8), 8);
	if (addr + size <= vm->tohost_addr + 4)
		value &= 0xffffffffull;
	if (value == 0)
		return;
	if (value == 1)
		vm_finish(vm, VM_OUTCOME_PASS, 0);
	else
		vm_finish(vm, VM_OUTCOME_FAIL, value >> 1);
	h->exit_flags |= HART_EXIT_STOP;
}

void mem_stored(struct hart *h, uint64_t addr, unsigned size)
{
	struct vm *vm = h->vm;
	uint64_t offset = addr - MEM_RAM_BASE;
	unsigned flags = ck_pr_load_8(&vm->page_flags[offset >> MEM_PAGE_SHIFT]) |
			 ck_pr_load_8(&vm->page_flags[(offset + size - 1) >> MEM_PAGE_SHIFT]);

	if (flags & MEM_PAGE_CODE) {
		/* Self-modifying code: drop the blocks and end this one, so the next
		 * fetch re-decodes what was written. */
		bcache_invalidate(vm, addr, false, h->slot, bcache_record_for_slot(vm, h->slot));
		if (((addr + size - 1) >> MEM_PAGE_SHIFT) != (addr >> MEM_PAGE_SHIFT))
			bcache_invalidate(vm, addr + size - 1, false, h->slot,
					  bcache_record_for_slot(vm, h->slot));
		h->exit_flags |= HART_EXIT_SMC;
	}
	if (flags & MEM_PAGE_WATCH)
		mem_watch_tohost(h, addr, size);
}

int mem_store(struct hart *h, uint64_t addr, unsigned size, uint64_t value)
{
	uint8_t *p = mem_ram_pointer(h->vm, addr, size);

	if (p) {
		memcpy(p, &value, size);
		mem_stored(h, addr, size);
		return 0;
	}
	if (mem_mmio(h, addr, size, &value, true) != 0)
		return CAUSE_STORE_ACCESS;
	return 0;
}

void mem_dma_written(struct vm *vm, uint64_t addr, uint64_t size, unsigned slot,
		     ck_epoch_record_t *record)
{
	uint64_t page;

	for (page = addr >> MEM_PAGE_SHIFT; page <= (addr + size - 1) >> MEM_PAGE_SHIFT; page++) {
		uint64_t offset = (page << MEM_PAGE_SHIFT) - MEM_RAM_BASE;

		if (ck_pr_load_8(&vm->page_flags[offset >> MEM_PAGE_SHIFT]) & MEM_PAGE_CODE)
			bcache_invalidate(vm, page << MEM_PAGE_SHIFT, false, slot, record);
	}
}
