/*
 * A minimal vmcore host for the fuzz targets (tests/fuzz/): pthread mutexes for
 * every lock site, pthreads, and memory from aligned_alloc, never mmap, so that
 * AddressSanitizer puts redzones around guest RAM and any access the VM makes
 * outside it is reported. The console is stdout and stderr, as locklab vm's;
 * no disk (the VM's own 4 MiB of RAM serves the block device).
 */
#ifndef LOCKLAB_FUZZ_HOST_H
#define LOCKLAB_FUZZ_HOST_H

#include "vmcore/vm.h"

extern const struct vm_host fuzz_host;

#endif
