#!/bin/sh
# Installs locklab's Debian dependencies when one is missing. The check is cheap
# (pkg-config and command -v), so a build with everything present never calls apt.
set -u
missing=""
need_pc() { pkg-config --exists "$1" 2>/dev/null || missing="$missing $2"; }
need_cmd() { command -v "$1" >/dev/null 2>&1 || missing="$missing $2"; }

need_cmd pkg-config pkg-config
need_pc ck libck-dev
need_pc hwloc libhwloc-dev
need_cmd lstopo-no-graphics hwloc
need_pc numa libnuma-dev
need_cmd numactl numactl
need_pc jansson libjansson-dev
need_pc criterion libcriterion-dev
need_cmd gnuplot gnuplot-nox
need_cmd gcc gcc
need_cmd clang clang
need_cmd ld.lld lld
need_cmd make make
need_cmd qemu-riscv64 qemu-user

[ -z "$missing" ] && exit 0

cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" = 0 ]; then
	echo "locklab: deps: installing:$missing" >&2
	sh -c "$cmd" && exit 0
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	echo "locklab: deps: installing with sudo:$missing" >&2
	sudo sh -c "$cmd" && exit 0
fi
echo "locklab: deps:$missing: missing and not installed; run: sudo sh -c '$cmd'" >&2
exit 3
