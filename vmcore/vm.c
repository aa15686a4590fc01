/*
 * Machine assembly: RAM, harts, devices, block cache, executor; the run loop of
 * the main thread (waits for an outcome or the timeout) and teardown.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "vmcore/jit.h"
#include "vmcore/machine.h"

void *vm_alloc(struct vm *vm, size_t bytes)
{
	return vm->host.ops->alloc(vm->host.opaque, bytes, VM_PAD);
}

void vm_free(struct vm *vm, void *memory, size_t bytes)
{
	vm->host.ops->free(vm->host.opaque, memory, bytes);
}

const char *vm_outcome_name(enum vm_outcome outcome)
{
	switch (outcome) {
	case VM_OUTCOME_PASS: return "pass";
	case VM_OUTCOME_FAIL: return "fail";
	case VM_OUTCOME_TRAP: return "unhandled trap";
	case VM_OUTCOME_TIMEOUT: return "timeout";
	case VM_OUTCOME_MAX_INSNS: return "max-insns reached";
	case VM_OUTCOME_DEADLOCK: return "deadlock (every hart in wfi, nothing pending)";
	case VM_OUTCOME_PV_HOLD: return "pv lock held too long";
	case VM_OUTCOME_SYSCALL: return "unsupported Linux syscall";
	}
	return "?";
}

void vm_finish(struct vm *vm, enum vm_outcome outcome, uint64_t code)
{
	/* The first outcome wins; the CAS orders outcome and code (written before it
	 * by the winner only) before stop for whoever reads stop. */
	static const uint32_t claimed = 2;

	if (!ck_pr_cas_32(&vm->outcome, 0, claimed))
		return;
	vm->exit_code = code;
	ck_pr_store_32(&vm->outcome, claimed + (uint32_t)outcome);
	ck_pr_fence_store();
	ck_pr_store_32(&vm->stop, 1);
	/* Release: stop is visible before any hart's attention (cpu.c clears
	 * attention, then reads stop). */
	ck_pr_fence_store();
	for (unsigned i = 0; vm->harts && i < vm->harts_count; i++)
		cpu_attention(&vm->harts[i]);
	ck_pr_inc_32(&vm->done_word);
	ck_pr_inc_32(&vm->exec_signal);
	ck_pr_inc_32(&vm->blk.doorbell);
	ck_pr_inc_32(&vm->irq.doorbell);
	vm->host.ops->wake(vm->host.opaque, &vm->done_word);
	vm->host.ops->wake(vm->host.opaque, &vm->exec_signal);
	vm->host.ops->wake(vm->host.opaque, &vm->blk.doorbell);
	vm->host.ops->wake(vm->host.opaque, &vm->irq.doorbell);
}

void vm_diagnostic(struct vm *vm, const char *format, ...)
{
	char text[2048];
	va_list args;
	int length;

	va_start(args, format);
	length = vsnprintf(text, sizeof text, format, args);
	va_end(args);
	if (length < 0)
		return;
	if ((size_t)length >= sizeof text)
		length = (int)sizeof text - 1;
	vm->host.ops->console_write(vm->host.opaque, VM_CONSOLE_DIAGNOSTIC, text, (size_t)length);
}

static void vm_error_set(struct vm_error *error, enum vm_error_code code, const char *value,
			 const char *why)
{
	error->code = code;
	snprintf(error->value, sizeof error->value, "%s", value);
	snprintf(error->why, sizeof error->why, "%s", why);
}

struct vm *vm_create(const struct vm_config *config, const struct vm_host *host,
		     struct vm_error *error)
{
	struct vm *vm = host->ops->alloc(host->opaque, sizeof *vm, VM_PAD);
	unsigned slots = vm_slot_count(config->workers);
	uint64_t entry;

	memset(error, 0, sizeof *error);
	if (!vm) {
		vm_error_set(error, VM_ERR_HOST, "memory", "cannot allocate the machine");
		return NULL;
	}
	vm->config = *config;
	vm->host = *host;
	vm->harts_count = config->harts;
	vm->workers_count = config->deterministic ? 1 : config->workers;
	vm->config.workers = vm->workers_count;
	vm->ram_size = (uint64_t)config->mem_mib << 20;
	vm->ram = vm_alloc(vm, vm->ram_size);
	vm->page_flags = vm_alloc(vm, vm->ram_size >> MEM_PAGE_SHIFT);
	vm->harts = vm_alloc(vm, sizeof *vm->harts * vm->harts_count);
	vm->stripes = vm_alloc(vm, sizeof *vm->stripes * config->stripes);
	if (!vm->ram || !vm->page_flags) {
		vm_error_set(error, VM_ERR_RAM, "", "cannot allocate guest RAM");
		goto fail;
	}
	if (!vm->harts || !vm->stripes) {
		vm_error_set(error, VM_ERR_HOST, "memory", "cannot allocate the machine");
		goto fail;
	}
	vm->stripe_mask = config->stripes - 1;
	vm->stripe_shift = (unsigned)__builtin_ctz(config->stripes);
	for (unsigned i = 0; i < config->stripes; i++) {
		vm->stripes[i].lock = host->ops->lock_create(host->opaque, "amo.stripe", false, slots);
		if (!vm->stripes[i].lock) {
			vm_error_set(error, VM_ERR_HOST, "amo.stripe", "cannot create lock");
			goto fail;
		}
	}
	jit_init(vm);
	if (bcache_init(vm) || exec_init(vm) || dev_uart_init(vm) || dev_clint_init(vm) ||
	    dev_plic_init(vm) || irq_init(vm) || dev_pv_init(vm)) {
		vm_error_set(error, VM_ERR_HOST, "locks", "cannot create the machine's locks");
		goto fail;
	}
	if (dev_blk_init(vm)) {
		vm_error_set(error, VM_ERR_HOST, "blk", "cannot create the block device");
		goto fail;
	}
	if (elf_load(vm, config->elf_image, config->elf_bytes, &entry, error))
		goto fail;
	if (vm->tohost_addr)
		vm->page_flags[(vm->tohost_addr - MEM_RAM_BASE) >> MEM_PAGE_SHIFT] |= MEM_PAGE_WATCH;
	for (unsigned i = 0; i < vm->harts_count; i++)
		cpu_reset(&vm->harts[i], vm, i, entry);
	if (config->linux_abi)
		linux_start(&vm->harts[0]);
	return vm;
fail:
	vm_destroy(vm);
	return NULL;
}

int vm_run(struct vm *vm, struct vm_result *result, struct vm_error *error)
{
	const struct vm_host *host = &vm->host;
	uint64_t start = host->ops->clock_ns(host->opaque);
	uint64_t deadline = vm->config.timeout_s > 0 ?
				    start + (uint64_t)(vm->config.timeout_s * 1e9) : 0;
	void *io_thread = NULL, *irq_thread_handle = NULL;
	int status = 0;

	memset(result, 0, sizeof *result);
	if (!vm->config.deterministic) {
		io_thread = host->ops->thread_start(host->opaque, -1, dev_blk_thread, vm);
		irq_thread_handle = host->ops->thread_start(host->opaque, -1, irq_thread, vm);
		if (!io_thread || !irq_thread_handle)
			status = -1;
	}
	if (status == 0 && exec_start(vm) != 0)
		status = -1;
	if (status != 0) {
		vm_error_set(error, VM_ERR_THREAD, "threads", "cannot start host threads");
		vm_finish(vm, VM_OUTCOME_TRAP, 0);
	}
	while (!vm_stopping(vm)) {
		uint32_t word = ck_pr_load_32(&vm->done_word);
		uint64_t now = host->ops->clock_ns(host->opaque), wait_ns = 100000000ull;

		if (deadline && now >= deadline) {
			vm_finish(vm, VM_OUTCOME_TIMEOUT, 0);
			break;
		}
		if (deadline && deadline - now < wait_ns)
			wait_ns = deadline - now;
		host->ops->wait(host->opaque, &vm->done_word, word, wait_ns);
	}
	exec_join(vm);
	if (io_thread)
		host->ops->thread_join(host->opaque, io_thread);
	if (irq_thread_handle)
		host->ops->thread_join(host->opaque, irq_thread_handle);
	if (ck_pr_load_32(&vm->outcome) - 2 == VM_OUTCOME_TIMEOUT ||
	    ck_pr_load_32(&vm->outcome) - 2 == VM_OUTCOME_DEADLOCK) {
		/* Where every hart was: the first question about a guest that hangs. */
		for (unsigned i = 0; i < vm->harts_count; i++)
			vm_diagnostic(vm, "vm: hart %u: %s at pc=0x%llx mip=0x%llx mie=0x%llx\n", i,
				      vm->harts[i].state == HART_WFI ? "in wfi" : "runnable",
				      (unsigned long long)vm->harts[i].pc,
				      (unsigned long long)vm->harts[i].mip,
				      (unsigned long long)vm->harts[i].mie);
	}
	result->wall_s = (double)(host->ops->clock_ns(host->opaque) - start) / 1e9;
	result->outcome = (enum vm_outcome)(ck_pr_load_32(&vm->outcome) - 2);
	result->code = vm->exit_code;
	for (unsigned i = 0; i < vm->harts_count; i++) {
		result->instret[i] = vm->harts[i].instret;
		result->stripe_acquisitions += vm->harts[i].stripe_acquisitions;
		result->pv_acquisitions += vm->harts[i].pv_acquisitions;
	}
	result->compiled_blocks = ck_pr_load_64(&vm->jit_blocks);
	return status;
}

void vm_destroy(struct vm *vm)
{
	if (!vm)
		return;
	exec_fini(vm);
	dev_pv_fini(vm);
	bcache_fini(vm);
	jit_fini(vm);
	dev_blk_fini(vm);
	irq_fini(vm);
	dev_plic_fini(vm);
	dev_clint_fini(vm);
	dev_uart_fini(vm);
	if (vm->stripes) {
		for (unsigned i = 0; i < vm->config.stripes; i++) {
			if (vm->stripes[i].lock)
				vm->host.ops->lock_destroy(vm->host.opaque, vm->stripes[i].lock);
		}
		vm_free(vm, vm->stripes, sizeof *vm->stripes * vm->config.stripes);
	}
	if (vm->harts)
		vm_free(vm, vm->harts, sizeof *vm->harts * vm->harts_count);
	if (vm->page_flags)
		vm_free(vm, vm->page_flags, vm->ram_size >> MEM_PAGE_SHIFT);
	if (vm->ram)
		vm_free(vm, vm->ram, vm->ram_size);
	vm->host.ops->free(vm->host.opaque, vm, sizeof *vm);
}
