#!/usr/bin/env bash
# Install everything drmfuzz needs on Debian 12 (run as root; idempotent).
set -euo pipefail

packages=(
	# build
	meson ninja-build pkg-config gcc libc6-dev clang lld libclang-rt-14-dev clang-format
	# libraries
	libjansson-dev libsqlite3-dev libmicrohttpd-dev libdw-dev libelf-dev
	libcmocka-dev libxxhash-dev libssl-dev sqlite3
	# kernel build
	linux-source-6.1 make bc bison flex perl xz-utils cpio
	# VMs
	qemu-system-x86 busybox-static
	# benchmarks
	gnuplot-nox
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "drmfuzz: missing packages: ${missing[*]}" >&2
	echo "drmfuzz: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "drmfuzz: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q "${missing[@]}"
