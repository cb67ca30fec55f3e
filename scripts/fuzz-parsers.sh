#!/usr/bin/env bash
# Runs every libFuzzer target in build-fuzz/fuzz/ for SECONDS each (default
# 30), building build-fuzz with clang first when needed. Seed corpora come
# from ../shared/testdata (or ../../shared from a git worktree). Exits
# non-zero when a fuzzer finds a crash, leak or timeout.
# A longer run: scripts/fuzz-parsers.sh 3600
set -uo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}

if [ ! -d build-fuzz ]; then
	CC=clang meson setup build-fuzz -Dfuzzers=true -Dtests=false \
		-Db_sanitize=address,undefined -Db_lundef=false || exit 1
fi
ninja -C build-fuzz || exit 1

shared=../shared
[ -d "$shared" ] || shared=../../shared

declare -A seeds=(
	[fuzz_report]="$shared/testdata/reports"
	[fuzz_syzlang]="descriptions"
	[fuzz_prog_parse]="fuzz/corpus/prog_parse"
	[fuzz_exec_decode]="fuzz/corpus/exec_decode"
	[fuzz_repro_log]="fuzz/corpus/repro_log"
)

rc=0
for bin in build-fuzz/fuzz/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus=$(mktemp -d)
	seed=${seeds[$name]:-}
	echo "==== $name (${secs}s)"
	args=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=2048
		-max_len=1048576 -print_final_stats=1)
	if [ -n "$seed" ] && [ -d "$seed" ]; then
		"$bin" "${args[@]}" "$corpus" "$seed" || rc=1
	else
		"$bin" "${args[@]}" "$corpus" || rc=1
	fi
	rm -rf "$corpus"
done
[ $rc -eq 0 ] && echo "fuzzers: ok"
exit $rc
