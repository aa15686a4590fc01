/*
 * Linked into the ThreadSanitizer test binary only (`make test-tsan`).
 *
 * Criterion's sandbox (BoxFort) maps its inheritable arena MAP_FIXED at
 * 0x200000000000 + (rand_r(&seed) & 0x3fffff) * 16 MiB. Under TSan on x86_64
 * almost all of that range is TSan's shadow, meta or protected gap, where TSan
 * refuses fixed mappings, so Criterion aborts at start ("Could not initialize
 * inheritable arena", Criterion issue #274). This rand_r, which the executable
 * exports ahead of libc's, steers that choice into 0x560000000000 ..
 * 0x568000000000, inside TSan's application window 0x550000000000 ..
 * 0x568000000000 (pie binaries). It still returns values in [0, RAND_MAX];
 * nothing of locklab calls rand_r.
 */
#include <stdlib.h>

int rand_r(unsigned int *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return (int)(0x360000u + ((*seed >> 8) & 0x7fffu));
}
