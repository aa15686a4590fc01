# Shared by make bench-vm (bench_vm.sh) and make bench-vm-jit (bench_suite.sh);
# sourced, with $locklab and $runs set by the caller.

# vm_once ELF [OPTION...]: locklab vm's report of one passing run at 1 hart and 1
# worker; a failing guest stops the benchmark (exit 1) with its output.
vm_once() {
	if ! out=$("$locklab" vm --elf "$@" --harts 1 --workers 1); then
		echo "locklab: bench-vm: $*: the guest failed on vmcore" >&2
		echo "$out" >&2
		exit 1
	fi
	echo "$out"
}

# vm_best ELF [OPTION...]: "MIPS instructions", the highest MIPS of $runs runs.
vm_best() {
	best=0
	insns=0
	i=0
	while [ $i -lt $runs ]; do
		out=$(vm_once "$@")
		mips=$(echo "$out" | awk '/^vm: MIPS/ {print $3}')
		insns=$(echo "$out" | awk '/^vm: instret total/ {print $4}')
		best=$(printf '%s\n%s\n' "$best" "$mips" | sort -g | tail -n 1)
		i=$((i + 1))
	done
	echo "$best $insns"
}
