#!/usr/bin/env bash
# Symbolize a KASAN report against the real fuzzing kernel's vmlinux:
# file:line on every frame, inlined frames as [inline] lines, paths
# relative to the kernel source.
# Usage: symbolize_kernel.sh DRMFUZZ
set -euo pipefail
drmfuzz=$1
kdir=$("$drmfuzz" kernel path)
src=$(ls -d "${XDG_CACHE_HOME:-$HOME/.cache}"/drmfuzz/src/linux-source-6.1_* | head -n 1)
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cat >"$log" <<'LOG'
[   42.000000][ T1234] ==================================================================
[   42.000001][ T1234] BUG: KASAN: slab-use-after-free in drm_gem_object_release+0x10/0x40
[   42.000002][ T1234] Read of size 8 at addr ffff888012345678 by task syz-executor/1234
[   42.000003][ T1234]
[   42.000004][ T1234] Call Trace:
[   42.000005][ T1234]  <TASK>
[   42.000006][ T1234]  dump_stack_lvl+0x10/0x20
[   42.000007][ T1234]  drm_gem_object_release+0x10/0x40
[   42.000008][ T1234]  drm_gem_vm_close+0x20/0x80
[   42.000009][ T1234]  __x64_sys_ioctl+0x100/0x190
[   42.000010][ T1234]  do_syscall_64+0x3a/0x90
[   42.000011][ T1234]  </TASK>
LOG
out=$("$drmfuzz" report parse --vmlinux "$kdir/vmlinux" --kernel-src "$src" "$log")
echo "$out"
fail() { echo "FAIL: $*"; exit 1; }
grep -q '^TITLE: KASAN: slab-use-after-free Read in drm_gem_object_release$' <<<"$out" || fail "title"
grep -q 'drm_gem_object_release+0x10/0x40 drivers/gpu/drm/drm_gem.c:[0-9]' <<<"$out" || fail "drm_gem.c:line"
grep -q '__x64_sys_ioctl+0x100/0x190 fs/ioctl.c:[0-9]' <<<"$out" || fail "fs/ioctl.c:line"
grep -q 'fs/ioctl.c:[0-9]* \[inline\]' <<<"$out" || fail "inline frame"
grep -q "$src" <<<"$out" && fail "absolute source path"
echo "symbolization: ok"
