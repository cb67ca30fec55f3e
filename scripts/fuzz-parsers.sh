#!/usr/bin/env bash
# Run every libFuzzer target for SECONDS each (default 60), building them
# first in build-fuzz with clang. A longer run: bash scripts/fuzz-parsers.sh 3600
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
if [ ! -d build-fuzz ]; then
	CC=clang meson setup build-fuzz -Dfuzzers=true -Dtests=false \
		-Db_sanitize=address,undefined -Db_lundef=false >/dev/null || exit 1
fi
ninja -C build-fuzz || exit 1
rc=0
for f in build-fuzz/fuzz/fuzz_*; do
	[ -x "$f" ] && [ -f "$f" ] || continue
	name=$(basename "$f")
	corpus=build-fuzz/corpus/$name
	mkdir -p "$corpus"
	echo "== $name: $secs s"
	if ! "$f" -max_total_time="$secs" -print_final_stats=0 "$corpus" >"build-fuzz/$name.log" 2>&1; then
		echo "$name found a crash:"
		tail -40 "build-fuzz/$name.log"
		rc=1
	fi
done
exit $rc
