/*
 * The M:N executor: harts are tasks, W host workers run them a quantum at a time.
 * Each worker owns a run queue (site "exec.runq"); a worker with an empty queue
 * steals from the others. No executor lock is held while a hart runs. A hart that
 * executes wfi with nothing pending leaves the queues until irq delivery wakes it.
 * A hart holding a pv lock (dev_pv.c) stays on its worker until it releases.
 */
#include <inttypes.h>

#include "vmcore/machine.h"

#define EXEC_IDLE_WAIT_NS 2000000ull
#define EXEC_POLL_EVERY 16u

int exec_init(struct vm *vm)
{
	unsigned slots = vm_slot_count(vm->workers_count);

	vm->queues = vm_alloc(vm, sizeof *vm->queues * vm->workers_count);
	vm->workers = vm_alloc(vm, sizeof *vm->workers * vm->workers_count);
	if (!vm->queues || !vm->workers)
		return -1;
	ck_epoch_init(&vm->epoch);
	for (unsigned i = 0; i < vm->workers_count; i++) {
		struct exec_queue *queue = &vm->queues[i];

		queue->ring = vm_alloc(vm, sizeof *queue->ring * vm->harts_count);
		queue->lock = vm->host.ops->lock_create(vm->host.opaque, "exec.runq", false, slots);
		if (!queue->ring || !queue->lock)
			return -1;
		vm->workers[i].vm = vm;
		vm->workers[i].index = i;
		ck_epoch_register(&vm->epoch, &vm->workers[i].epoch_record, NULL);
	}
	ck_epoch_register(&vm->epoch, &vm->io_epoch_record, NULL);
	return 0;
}

void exec_fini(struct vm *vm)
{
	if (vm->workers) {
		/* Every thread has stopped: run the callbacks still pending. */
		for (unsigned i = 0; i < vm->workers_count; i++) {
			if (vm->workers[i].epoch_record.global)
				ck_epoch_barrier(&vm->workers[i].epoch_record);
		}
		if (vm->io_epoch_record.global)
			ck_epoch_barrier(&vm->io_epoch_record);
		vm_free(vm, vm->workers, sizeof *vm->workers * vm->workers_count);
	}
	if (vm->queues) {
		for (unsigned i = 0; i < vm->workers_count; i++) {
			struct exec_queue *queue = &vm->queues[i];

			if (queue->ring)
				vm_free(vm, queue->ring, sizeof *queue->ring * vm->harts_count);
			if (queue->lock)
				vm->host.ops->lock_destroy(vm->host.opaque, queue->lock);
		}
		vm_free(vm, vm->queues, sizeof *vm->queues * vm->workers_count);
	}
}

static void exec_push(struct vm *vm, unsigned queue_index, struct hart *h, unsigned slot)
{
	struct exec_queue *queue = &vm->queues[queue_index];

	vm->host.ops->lock(vm->host.opaque, queue->lock, slot);
	queue->ring[(queue->head + queue->count) % vm->harts_count] = h;
	/* Stored atomically: exec_pop peeks at count without the lock. */
	ck_pr_store_uint(&queue->count, queue->count + 1);
	vm->host.ops->unlock(vm->host.opaque, queue->lock, slot);
}

/* From the head (own queue, FIFO: round robin) or the tail (stealing). */
static struct hart *exec_pop(struct vm *vm, unsigned queue_index, bool steal, unsigned slot)
{
	struct exec_queue *queue = &vm->queues[queue_index];
	struct hart *h = NULL;

	/* Relaxed peek: a stale zero only delays a steal to the next round. */
	if (steal && ck_pr_load_uint(&queue->count) == 0)
		return NULL;
	vm->host.ops->lock(vm->host.opaque, queue->lock, slot);
	if (queue->count > 0) {
		if (steal) {
			h = queue->ring[(queue->head + queue->count - 1) % vm->harts_count];
		} else {
			h = queue->ring[queue->head];
			queue->head = (queue->head + 1) % vm->harts_count;
		}
		ck_pr_store_uint(&queue->count, queue->count - 1);
	}
	vm->host.ops->unlock(vm->host.opaque, queue->lock, slot);
	return h;
}

static void exec_signal(struct vm *vm)
{
	ck_pr_inc_32(&vm->exec_signal);
	vm->host.ops->wake(vm->host.opaque, &vm->exec_signal);
}

void exec_wake_hart(struct vm *vm, struct hart *h, unsigned slot)
{
	/* The caller set mip with a full barrier; the parking hart stored HART_WFI
	 * with a full barrier before reading mip (exec_park). One of the two sees the
	 * other's write, and the CAS lets exactly one of them requeue the hart. */
	if (ck_pr_load_32(&h->state) != HART_WFI)
		return;
	if (!(ck_pr_load_64(&h->mip) & ck_pr_load_64(&h->mie)))
		return;
	if (ck_pr_cas_32(&h->state, HART_WFI, HART_RUNNABLE)) {
		exec_push(vm, h->id % vm->workers_count, h, slot);
		exec_signal(vm);
	}
}

static void exec_park(struct vm *vm, struct hart *h, unsigned worker, unsigned slot)
{
	ck_pr_store_32(&h->state, HART_WFI);
	/* Store state, then load mip: pairs with exec_wake_hart (Dekker). */
	ck_pr_fence_memory();
	if (ck_pr_load_64(&h->mip) & ck_pr_load_64(&h->mie)) {
		if (ck_pr_cas_32(&h->state, HART_WFI, HART_RUNNABLE))
			exec_push(vm, worker, h, slot);
	}
}

/* After a quantum of a hart that holds a pv lock: the lock's host context belongs
 * to this worker's slot, so the hart runs again here, never queued (no steal, no
 * park: its wfi traps). true: run it again for *budget instructions. false: the
 * VM stops; the lock is released first, so a worker blocked acquiring it (the
 * only wait a pv lock causes) returns and sees the stop. */
static bool exec_keep_pinned(struct vm *vm, struct hart *h, uint64_t *budget)
{
	uint64_t held = h->instret - h->pv_since;
	unsigned lock = h->pv_held - 1;

	if (vm_stopping(vm)) {
		dev_pv_release(h);
		return false;
	}
	if (held > VM_PV_HOLD_LIMIT) {
		vm_diagnostic(vm,
			      "vm: hart %u: pv lock %u held for %" PRIu64 " instructions (limit %llu) "
			      "at pc=0x%" PRIx64 "\n",
			      h->id, lock, held, VM_PV_HOLD_LIMIT, h->pc);
		dev_pv_release(h);
		vm_finish(vm, VM_OUTCOME_PV_HOLD, lock);
		return false;
	}
	/* The next check lands just past the limit. */
	*budget = vm->config.quantum;
	if (VM_PV_HOLD_LIMIT + 1 - held < *budget)
		*budget = VM_PV_HOLD_LIMIT + 1 - held;
	return true;
}

static void exec_worker_main(void *arg)
{
	struct exec_worker *worker = arg;
	struct vm *vm = worker->vm;
	const unsigned slot = VM_SLOT_WORKER(worker->index);
	const uint64_t quantum = vm->config.quantum, cap = vm->config.max_insns;

	while (!vm_stopping(vm)) {
		uint32_t signal = ck_pr_load_32(&vm->exec_signal);
		struct hart *h = exec_pop(vm, worker->index, false, slot);
		uint64_t budget = quantum;

		for (unsigned i = 1; !h && i < vm->workers_count; i++)
			h = exec_pop(vm, (worker->index + i) % vm->workers_count, true, slot);
		if (!h) {
			if (vm->config.deterministic) {
				if (!dev_clint_advance(vm, slot))
					vm_finish(vm, VM_OUTCOME_DEADLOCK, 0);
				continue;
			}
			vm->host.ops->wait(vm->host.opaque, &vm->exec_signal, signal,
					   EXEC_IDLE_WAIT_NS);
			continue;
		}
		h->slot = slot;
run:
		if (cap && cap - h->instret < budget)
			budget = cap - h->instret;
		h->quantum_start_instret = h->instret;
		ck_epoch_begin(&worker->epoch_record, NULL);
		if (!vm->config.deterministic)
			dev_clint_check(vm, h);
		cpu_run(h, budget);
		ck_epoch_end(&worker->epoch_record, NULL);
		h->slot = slot;
		if (vm->config.deterministic) {
			vm->clint.det_time += h->instret - h->quantum_start_instret;
			h->quantum_start_instret = h->instret;
			dev_clint_check_all(vm, slot);
		}
		h->quantum_start_instret = h->instret;
		if (cap && h->instret >= cap)
			vm_finish(vm, VM_OUTCOME_MAX_INSNS, 0);
		if (h->pv_held && exec_keep_pinned(vm, h, &budget))
			goto run;
		if (h->exit_flags & HART_EXIT_WFI)
			exec_park(vm, h, worker->index, slot);
		else
			exec_push(vm, worker->index, h, slot);
		if (++worker->quanta % EXEC_POLL_EVERY == 0)
			ck_epoch_poll(&worker->epoch_record);
	}
}

int exec_start(struct vm *vm)
{
	for (unsigned i = 0; i < vm->harts_count; i++)
		exec_push(vm, i % vm->workers_count, &vm->harts[i], VM_SLOT_MAIN(vm->workers_count));
	for (unsigned i = 0; i < vm->workers_count; i++) {
		vm->workers[i].thread = vm->host.ops->thread_start(vm->host.opaque, (int)i,
								   exec_worker_main, &vm->workers[i]);
		if (!vm->workers[i].thread) {
			vm_finish(vm, VM_OUTCOME_TRAP, 0);
			return -1;
		}
	}
	return 0;
}

void exec_join(struct vm *vm)
{
	for (unsigned i = 0; i < vm->workers_count; i++) {
		if (vm->workers[i].thread)
			vm->host.ops->thread_join(vm->host.opaque, vm->workers[i].thread);
		vm->workers[i].thread = NULL;
	}
}
