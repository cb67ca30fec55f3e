#!/usr/bin/env bash
# Integration: boot the cached fuzzing kernel with `drmfuzz vm check` and
# require what fuzzing DRM needs. Fails (does not skip) when the kernel is
# missing: scripts/test.sh builds it first.
# usage: vm_check.sh DRMFUZZ
set -uo pipefail
drmfuzz=$1
out=$("$drmfuzz" vm check 2>&1)
rc=$?
echo "$out"
bad=0
check() { # check DESCRIPTION REGEX
	if ! grep -Eq "$2" <<<"$out"; then
		echo "FAIL: $1 (expected a line matching /$2/)"
		bad=1
	fi
}
[ "$rc" -eq 0 ] || { echo "FAIL: drmfuzz vm check exited with $rc"; bad=1; }
check "KCOV works" '^KCOV: +yes$'
check "KCOV comparisons work" '^KCOV comparisons: +yes$'
check "KASAN is on" '^KASAN: +yes$'
check "fault injection is available" '^fault injection: +yes$'
check "a vgem render node" '^  /dev/dri/renderD[0-9]+ +vgem$'
check "a vkms card node" '^  /dev/dri/card[0-9]+ +vkms$'
check "the executor answers PING" '^executor round trip: +[0-9]+ us$'
check "the console log is named" '^console log: +/'
log=$(sed -n 's/^console log: *//p' <<<"$out")
if [ -n "$log" ] && ! grep -q 'Linux version' "$log"; then
	echo "FAIL: the console log $log does not hold the boot"
	bad=1
fi
exit $bad
