#!/bin/sh
# make bench-vm-jit: every suite guest (vmcore/guests/suite/, one kernel a file,
# kernels nothing in vmcore was tuned on) at 1 hart, 1 worker, with hot blocks
# compiled (vmcore/jit.h) and with --no-opt (the interpreter alone), side by
# side in one run, best of 3 each, and the geometric means. Every run must pass
# its own checksum, and both modes must retire the same instructions.
# usage: bench_suite.sh LOCKLAB GUEST_ELF...
set -eu
locklab=$1
shift
runs=3

. "$(dirname "$0")/bench_lib.sh"

echo "bench-suite: guest             instructions   compiled MIPS   --no-opt MIPS   ratio"
for elf in "$@"; do
	compiled=$(vm_best "$elf")
	interpreted=$(vm_best "$elf" --no-opt)
	echo "$(basename "$elf" .elf) $compiled $interpreted"
done | awk '{
	if ($3 != $5) {
		printf "locklab: bench-vm: %s: %s instructions compiled, %s interpreted\n",
			$1, $3, $5 > "/dev/stderr";
		failed = 1;
		exit 1;
	}
	printf "bench-suite: %-16s %14d %15.1f %15.1f %7.2f\n", $1, $3, $2, $4, $2 / $4;
	lc += log($2); li += log($4); n++;
} END {
	if (failed)
		exit 1;
	printf "bench-suite: geometric mean, %d guests  %15.1f %15.1f %7.2f\n", n,
		exp(lc / n), exp(li / n), exp((lc - li) / n);
}'
