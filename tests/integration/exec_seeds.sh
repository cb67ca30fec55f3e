#!/usr/bin/env bash
# Every seed program in descriptions/seeds/ runs as root in one boot of the
# cached fuzzing kernel (drmfuzz exec, program text). Each call must
# succeed, except the (file, call, errno) triples listed in EXPECTED (calls
# the 6.1 VM drivers or QEMU's devices refuse; descriptions/README.md says
# why). An expected failure that now succeeds is noted, not failed.
# Usage: exec_seeds.sh DRMFUZZ SEEDS_DIR EXPECTED
set -uo pipefail
drmfuzz=$1
seeds=$2
expected=$3
out=$("$drmfuzz" exec "$seeds"/*.prog 2>&1)
rc=$?
echo "$out"
bad=0
[ "$rc" -eq 0 ] || { echo "FAIL: drmfuzz exec exited with $rc"; bad=1; }
prog=
calls=0
ok=0
while IFS= read -r line; do
	if [[ $line =~ ^([^ ]+\.prog)\ run\ [0-9]+:\ (.*)$ ]]; then
		prog=$(basename "${BASH_REMATCH[1]}")
		[ "${BASH_REMATCH[2]}" = OK ] ||
			{ echo "FAIL: $prog: ${BASH_REMATCH[2]}"; bad=1; }
		continue
	fi
	[[ $line =~ ^\ \ call\ [0-9]+\ ([^:]+):\ (.*)$ ]] || continue
	call=${BASH_REMATCH[1]}
	rest=${BASH_REMATCH[2]}
	calls=$((calls + 1))
	if [[ ! $rest =~ ^result ]]; then
		echo "FAIL: $prog: $call did not return: $rest"
		bad=1
	elif [[ $rest =~ errno\ ([A-Z0-9]+) ]]; then
		err=${BASH_REMATCH[1]}
		if ! awk -v p="$prog" -v c="$call" -v e="$err" \
			'$1 == p && $2 == c && $3 == e { f = 1 } END { exit !f }' "$expected"; then
			echo "FAIL: $prog: $call: $err (expected success)"
			bad=1
		fi
	else
		ok=$((ok + 1))
	fi
done <<<"$out"
[ "$calls" -ge 100 ] || { echo "FAIL: only $calls calls reported"; bad=1; }
echo "seeds: $ok of $calls calls succeeded; every failure was an expected one: $([ $bad -eq 0 ] && echo yes || echo no)"
exit $bad
