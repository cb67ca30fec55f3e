#!/usr/bin/env bash
# Integration: `drmfuzz exec` boots the cached fuzzing kernel and runs
# DRM_IOCTL_VERSION on vgem's render node (openat) and on card0
# (syz_open_dev), as root and in the setuid sandbox; each must succeed
# with KCOV PCs. Fails (does not skip) when the kernel is missing.
# usage: exec_drm.sh DRMFUZZ EXEC_MKPROG
set -uo pipefail
drmfuzz=$1
mkprog=$2
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$mkprog" drm_version "$dir/version.exec" || exit 1
"$mkprog" drm_version_open_dev "$dir/version_dev.exec" || exit 1
bad=0
run() { # run DESCRIPTION ARGS...
	local what=$1
	shift
	out=$("$drmfuzz" exec "$@" 2>&1)
	rc=$?
	echo "== $what"
	echo "$out"
	if [ "$rc" -ne 0 ]; then
		echo "FAIL: $what: drmfuzz exec exited with $rc"
		bad=1
	fi
}
expect() { # expect DESCRIPTION REGEX
	if ! grep -Eq "$2" <<<"$out"; then
		echo "FAIL: $1 (expected a line matching /$2/)"
		bad=1
	fi
}
# Two boots: root (render node by openat, card0 by syz_open_dev), setuid.
run "root" --raw "$dir/version.exec" "$dir/version_dev.exec"
expect "openat succeeds" '^  call 0: result [0-9]+, [1-9][0-9]* PCs'
expect "DRM_IOCTL_VERSION returns 0 with PCs" '^  call 1: result 0, [1-9][0-9]* PCs'
expect "close returns 0" '^  call 2: result 0, '
expect "syz_open_dev + VERSION on card0" 'version_dev.exec run 1: OK'
run "setuid sandbox, render node" --sandbox setuid --raw "$dir/version.exec"
expect "nobody reaches the render node" '^  call 1: result 0, [1-9][0-9]* PCs'
exit $bad
