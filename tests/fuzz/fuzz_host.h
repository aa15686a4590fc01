/*
 * A minimal vmcore host for the fuzz targets (tests/fuzz/): pthread mutexes for
 * every lock site, pthreads, and memory from aligned_alloc, never mmap, so that
 * AddressSanitizer puts redzones around guest RAM and any access the VM makes
 * outside it is reported. fuzz_write_elf puts bytes where vm_create can open
 * them: a memfd, reached as /proc/self/fd/N.
 */
#ifndef LOCKLAB_FUZZ_HOST_H
#define LOCKLAB_FUZZ_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "vmcore/vm.h"

extern const struct vm_host fuzz_host;

/* The path of a file holding exactly data[0..size); the same file every call. */
const char *fuzz_write_file(const uint8_t *data, size_t size);

#endif
