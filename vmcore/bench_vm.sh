#!/bin/sh
# make bench-vm: each guest's bare-metal build on vmcore (1 hart, 1 worker, hot
# blocks compiled) and its static Linux build under qemu-riscv64, best of 3 each,
# with MIPS, the ratio and the geometric means over the suite guests (names
# starting "suite-"; others, such as compute, are printed beside them only).
# qemu counts nothing, so its MIPS divide the instructions vmcore counts running
# the same Linux binary through its shim (locklab vm --linux); qemu's time
# includes its process start. vmcore's counts of a suite guest's two builds must
# agree within 0.1 % (one source; they differ by start and exit code only), or
# the run fails; compute's two builds are different programs (compute.c checks
# more), so its counts are only printed.
# usage: bench_vm.sh LOCKLAB GUEST_DIR NAME...  (GUEST_DIR/NAME.elf, NAME-linux.elf)
set -eu
locklab=$1 dir=$2
shift 2
runs=3
tolerance=0.001

if ! command -v qemu-riscv64 >/dev/null 2>&1; then
	echo "locklab: bench-vm: qemu-riscv64: not installed (apt-get install qemu-user)" >&2
	exit 3
fi

. "$(dirname "$0")/bench_lib.sh"

# best_qemu ELF: the shortest wall time of $runs runs, in seconds.
best_qemu() {
	best=""
	i=0
	while [ $i -lt $runs ]; do
		start=$(date +%s%N)
		if ! qemu-riscv64 "$1" >/dev/null; then
			echo "locklab: bench-vm: $1: the program failed under qemu-riscv64" >&2
			exit 1
		fi
		end=$(date +%s%N)
		best=$(printf '%s\n' $best $(((end - start) / 1000)) | sort -n | head -n 1)
		i=$((i + 1))
	done
	echo "$best" | awk '{ printf "%.6f", $1 / 1e6 }'
}

started=$(date +%s)
echo "bench-vm: guest              vmcore insns    Linux insns   vmcore MIPS     qemu MIPS  vmcore/qemu"
# Collected first: a failure inside the loop then stops the script (set -e), where
# a pipeline into awk would report the guests before it as a result.
rows=$(for name in "$@"; do
	bare=$(vm_best "$dir/$name.elf")
	linux=$(vm_once "$dir/$name-linux.elf" --linux)
	linux=$(echo "$linux" | awk '/^vm: instret total/ {print $4}')
	qemu=$(best_qemu "$dir/$name-linux.elf")
	echo "$name $bare $linux $qemu"
done)
echo "$rows" | awk -v tolerance=$tolerance '{
	name = $1; mips = $2; bare = $3; linux = $4; qemu = linux / $5 / 1e6;
	suite = name ~ /^suite-/;
	if (suite && (bare - linux > tolerance * bare || linux - bare > tolerance * bare)) {
		printf "locklab: bench-vm: %s: vmcore counts %.0f instructions bare-metal, %.0f as Linux: more than %.1f %% apart\n",
			name, bare, linux, 100 * tolerance > "/dev/stderr";
		failed = 1;
		exit 1;
	}
	printf "bench-vm: %-16s %14.0f %14.0f %13.1f %13.1f %12.2f\n", name, bare, linux, mips, qemu,
		mips / qemu;
	if (suite) {
		lv += log(mips); lq += log(qemu); n++;
	}
} END {
	if (failed)
		exit 1;
	printf "bench-vm: geometric mean, %d suite guests %28.1f %13.1f %12.2f\n", n,
		exp(lv / n), exp(lq / n), exp((lv - lq) / n);
}'
echo "bench-vm: vmcore 1 hart, 1 worker, best of $runs; qemu-riscv64 best of $runs, process start included; $(($(date +%s) - started)) s"
