#!/bin/sh
# make bench-vm: the compute kernel on vmcore (1 hart, 1 worker, block cache) and
# the same kernel as a static Linux program under qemu-riscv64. Both MIPS figures
# use vmcore's exact instruction count (the Linux build runs the same kernel; its
# few start/exit instructions differ). Best of 3 runs each.
# usage: bench_vm.sh LOCKLAB GUEST_ELF LINUX_ELF
set -eu
locklab=$1 guest=$2 linux=$3
runs=3

best_vm=""
insns=""
i=0
while [ $i -lt $runs ]; do
	out=$("$locklab" vm --elf "$guest" --harts 1 --workers 1)
	insns=$(echo "$out" | awk '/^vm: instret total/ {print $4}')
	wall=$(echo "$out" | awk '/^vm: wall/ {print $3}')
	best_vm=$(printf '%s\n' $best_vm "$wall" | sort -g | head -n 1)
	i=$((i + 1))
done

if ! command -v qemu-riscv64 >/dev/null 2>&1; then
	echo "locklab: bench-vm: qemu-riscv64: not installed (apt-get install qemu-user)" >&2
	exit 3
fi
best_qemu=""
i=0
while [ $i -lt $runs ]; do
	start=$(date +%s%N)
	qemu-riscv64 "$linux"
	end=$(date +%s%N)
	wall=$(echo "$start $end" | awk '{ printf "%.6f", ($2 - $1) / 1e9 }')
	best_qemu=$(printf '%s\n' $best_qemu "$wall" | sort -g | head -n 1)
	i=$((i + 1))
done

echo "$insns $best_vm $best_qemu" | awk '{
	vm = $1 / $2 / 1e6; qemu = $1 / $3 / 1e6;
	printf "bench-vm: compute, %d instructions, best of 3\n", $1;
	printf "bench-vm: vmcore       %8.1f MIPS  (%.4f s, 1 hart, 1 worker)\n", vm, $2;
	printf "bench-vm: qemu-riscv64 %8.1f MIPS  (%.4f s, process start included)\n", qemu, $3;
	printf "bench-vm: ratio vmcore/qemu %.2f\n", vm / qemu;
}'
