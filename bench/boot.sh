#!/usr/bin/env bash
# Boot-to-handshake time of `drmfuzz vm check`: the median of N boots
# (default 3) under TCG, and under KVM when the KVM probe says it works.
# usage: bench/boot.sh [N] [DRMFUZZ]   (DRMFUZZ: default build/src/cli/drmfuzz)
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
drmfuzz=${2:-build/src/cli/drmfuzz}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# bench ACCEL: print "ACCEL: median X s (runs...)" or fail.
bench() {
	local accel=$1 times=() out t
	for ((i = 0; i < n; i++)); do
		out=$("$drmfuzz" vm check --accel "$accel" 2>&1)
		t=$(sed -n 's/^boot to handshake: *\([0-9.]*\) s$/\1/p' <<<"$out")
		if [ -z "$t" ]; then
			echo "$out" >&2
			echo "boot under $accel failed" >&2
			return 1
		fi
		times+=("$t")
		rtt=$(sed -n 's/^executor round trip: *//p' <<<"$out")
	done
	printf '%-4s boot to handshake: median %s s of %d boots (%s); executor round trip %s\n' \
		"$accel" "$(printf '%s\n' "${times[@]}" | median)" "$n" "${times[*]}" "$rtt"
}

rc=0
bench tcg || rc=1
probe=$("$drmfuzz" vm check --accel auto 2>&1 | sed -n 's/^accelerator: *//p')
if [ "$probe" = kvm ]; then
	bench kvm || rc=1
else
	echo "kvm  not measured: the KVM probe chose '${probe:-nothing}' on this machine"
fi
exit $rc
