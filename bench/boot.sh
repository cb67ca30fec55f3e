#!/usr/bin/env bash
# Boot-to-handshake time of `drmfuzz vm check`: the median of N boots
# (default 3) under TCG, and under KVM when the KVM probe says it works.
# usage: bench/boot.sh [N] [DRMFUZZ]   (DRMFUZZ: default build/src/cli/drmfuzz)
set -uo pipefail
cd "$(dirname "$0")/.."
n=${1:-3}
drmfuzz=${2:-build/src/cli/drmfuzz}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# bench ACCEL: print the median of the successful boots and the failures.
bench() {
	local accel=$1 times=() fails=0 out t rtt=""
	for ((i = 0; i < n; i++)); do
		out=$("$drmfuzz" vm check --accel "$accel" 2>&1)
		t=$(sed -n 's/^boot to handshake: *\([0-9.]*\) s$/\1/p' <<<"$out")
		if [ -z "$t" ]; then
			grep -E '^drmfuzz: error' <<<"$out" >&2
			fails=$((fails + 1))
			continue
		fi
		times+=("$t")
		rtt=$(sed -n 's/^executor round trip: *//p' <<<"$out")
	done
	if [ ${#times[@]} -eq 0 ]; then
		echo "$accel: all $n boots failed"
		return 1
	fi
	printf '%-4s boot to handshake: median %s s of %d boots (%s), %d failed; executor round trip %s\n' \
		"$accel" "$(printf '%s\n' "${times[@]}" | median)" "${#times[@]}" "${times[*]}" "$fails" "$rtt"
	[ "$fails" -eq 0 ]
}

rc=0
bench tcg || rc=1
# The KVM probe's verdict, without booting: it is logged before the boot.
probe=$("$drmfuzz" vm check --accel auto --timeout 1 2>&1 | grep -E 'KVM probe|/dev/kvm' | head -1)
if grep -q 'using KVM' <<<"$probe"; then
	bench kvm || rc=1
else
	echo "kvm  not measured: ${probe#drmfuzz: warning: }"
fi
exit $rc
