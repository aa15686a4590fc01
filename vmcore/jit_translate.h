/*
 * The architecture-specific half of the hot-block compiler (jit.h): one
 * translator per host architecture, none elsewhere.
 */
#ifndef VM_JIT_TRANSLATE_H
#define VM_JIT_TRANSLATE_H

#include <stddef.h>
#include <stdint.h>

#include "vmcore/machine.h"

/* A block of 64 instructions at the longest templates, with its exit stubs. */
#define JIT_MAX_BLOCK_BYTES 8192

/* Not under ThreadSanitizer: it cannot see the accesses of generated code, and
 * a block's entry changes with one pointer store that the dispatch reads plainly
 * (a word-sized race the interpreter tolerates by design); its build interprets. */
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define JIT_UNDER_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define JIT_UNDER_TSAN 1
#endif

#if defined(__x86_64__) && !defined(JIT_UNDER_TSAN)
#define JIT_TRANSLATES 1
/* Writes the block's code into out; its length, or 0 when it would not fit or
 * the block's first instruction is one the interpreter must run anyway. */
size_t jit_translate(const struct block *block, uint8_t *out, size_t capacity);
#else
#define JIT_TRANSLATES 0
static inline size_t jit_translate(const struct block *block, uint8_t *out, size_t capacity)
{
	(void)block;
	(void)out;
	(void)capacity;
	return 0;
}
#endif

#endif
