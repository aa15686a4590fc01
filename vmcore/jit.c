/*
 * The hot-block compiler's architecture-independent half: the code arena and
 * the decision to compile. jit_translate (jit_x86_64.c) writes the code.
 */
#include <string.h>

#include "vmcore/jit.h"
#include "vmcore/jit_translate.h"

void jit_init(struct vm *vm)
{
	const struct vm_host_ops *ops = vm->host.ops;

	vm->jit_arena = NULL;
	vm->jit_heat = vm->config.jit_heat ? vm->config.jit_heat : JIT_HEAT;
	if (vm->config.no_opt || !JIT_TRANSLATES || ops->code_alloc == NULL ||
	    ops->code_free == NULL)
		return;
	vm->jit_arena = ops->code_alloc(vm->host.opaque, JIT_ARENA_BYTES);
}

void jit_fini(struct vm *vm)
{
	if (vm->jit_arena)
		vm->host.ops->code_free(vm->host.opaque, vm->jit_arena, JIT_ARENA_BYTES);
	vm->jit_arena = NULL;
}

bool vm_compiles_hot_blocks(void)
{
	return JIT_TRANSLATES;
}

bool jit_enabled(const struct vm *vm)
{
	return vm->jit_arena != NULL;
}

jit_code jit_compile(struct vm *vm, const struct block *block)
{
	uint8_t code[JIT_MAX_BLOCK_BYTES];
	size_t length = jit_translate(block, code, sizeof code);
	uint64_t at;

	if (length == 0)
		return NULL;
	/* 16-byte aligned entries; claimed by CAS so harts compile side by side. */
	length = (length + 15) & ~(size_t)15;
	do {
		at = ck_pr_load_64(&vm->jit_used);
		if (at + length > JIT_ARENA_BYTES)
			return NULL;
	} while (!ck_pr_cas_64(&vm->jit_used, at, at + length));
	memcpy(vm->jit_arena + at, code, length);
	ck_pr_inc_64(&vm->jit_blocks);
	/* The bytes before the pointer that publishes them (jit.h: never reused). */
	ck_pr_fence_store();
	return (jit_code)(void *)(vm->jit_arena + at);
}
