#!/bin/sh
# Installs the Debian packages a make target needs when one is missing. The check is
# cheap (pkg-config and command -v), so a build with everything present never calls
# apt. Usage: deps.sh GROUP...; groups: build (a plain `make`), guests (the VM's
# RISC-V test programs), test (the Criterion suite), bench (the report's plots),
# vm (`make bench-vm`'s qemu reference), all.
set -u
missing=""
need_pc() { pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }

for group in "${@:-all}"; do
	case "$group" in
	build | all)
		need_cmd pkg-config pkg-config
		need_cmd gcc gcc
		need_cmd make make
		need_pc ck libck-dev
		need_pc hwloc libhwloc-dev
		need_pc numa libnuma-dev
		need_pc jansson libjansson-dev ;;
	esac
	case "$group" in
	guests | test | vm | all)
		need_cmd clang clang
		need_cmd ld.lld lld ;;
	esac
	case "$group" in
	test | all)
		need_pc criterion libcriterion-dev
		need_cmd gnuplot gnuplot-nox ;;
	bench)
		need_cmd gnuplot gnuplot-nox ;;
	esac
	case "$group" in
	vm | all)
		need_cmd qemu-riscv64 qemu-user ;;
	esac
	case "$group" in
	build | guests | test | bench | vm | all) ;;
	*)
		echo "locklab: deps: $group: unknown group (build, guests, test, bench, vm, all)" >&2
		exit 2 ;;
	esac
done
# A package named twice (two groups) is asked for once.
missing=$(printf '%s\n' $missing | sort -u | tr '\n' ' ' | sed 's/ $//')
[ -z "$missing" ] && exit 0

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing"
if [ "$(id -u)" = 0 ]; then
	echo "locklab: deps: installing: $missing" >&2
	sh -c "$cmd" && exit 0
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	echo "locklab: deps: installing with sudo: $missing" >&2
	sudo sh -c "$cmd" && exit 0
fi
# A minimal Debian has no sudo: su asks for root's password instead.
if command -v sudo >/dev/null 2>&1; then
	how="sudo sh -c '$cmd'"
else
	how="su -c '$cmd'"
fi
echo "locklab: deps: $missing: missing and not installed; run as root: $how" >&2
exit 3
