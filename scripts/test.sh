#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# needed, builds twice (plain, and ASan+UBSan), runs the unit tests in both,
# checks formatting, runs the parser fuzzers briefly, builds (or reuses) the
# fuzzing kernel and runs the integration tests that boot VMs.
set -uo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh || exit 1

passed=0
failed=0
failures=()
timings=()

# step NAME COMMAND...: run a step, count it from meson's summary if any.
step() {
	local name=$1 t0=$SECONDS
	shift
	echo "==== $name"
	local log
	log=$(mktemp)
	"$@" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	local ok fail
	ok=$(sed -n 's/^Ok: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	fail=$(sed -n 's/^Fail: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	local to
	to=$(sed -n 's/^Timeout: *\([0-9]*\).*/\1/p' "$log" | tail -1)
	if [ -n "$ok" ]; then
		passed=$((passed + ok))
		failed=$((failed + ${fail:-0} + ${to:-0}))
		if [ "$rc" -ne 0 ] && [ "${fail:-0}" -eq 0 ] && [ "${to:-0}" -eq 0 ]; then
			failed=$((failed + 1))
		fi
	elif [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
	fi
	[ "$rc" -eq 0 ] || failures+=("$name")
	timings+=("$(printf '%6ds  %s%s' $((SECONDS - t0)) "$name" \
		"$([ "$rc" -eq 0 ] || echo ' (failed)')")")
	rm -f "$log"
	return "$rc"
}

step "build" bash -c 'meson setup --reconfigure build >/dev/null 2>&1 || meson setup build; ninja -C build'
step "build (ASan+UBSan)" bash -c 'meson setup --reconfigure build-asan -Db_sanitize=address,undefined -Db_lundef=false >/dev/null 2>&1 || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false; ninja -C build-asan'
step "unit tests" meson test -C build --suite unit --print-errorlogs
step "unit tests (ASan+UBSan)" env ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	meson test -C build-asan --suite unit --print-errorlogs
step "format" bash scripts/check-format.sh
step "executor rules" bash scripts/check-executor.sh

if [ -f fuzz/meson.build ]; then
	step "fuzzers (bounded)" bash scripts/fuzz-parsers.sh 10
fi

step "kernel" ./build/src/cli/drmfuzz kernel build
if ./build/src/cli/drmfuzz kernel path >/dev/null 2>&1; then
	step "integration tests" meson test -C build --suite integration --print-errorlogs --timeout-multiplier 3
	step "integration tests (ASan+UBSan)" env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C build-asan --suite integration --print-errorlogs --timeout-multiplier 3
fi

echo
echo "time per step:"
printf '%s\n' "${timings[@]}"
printf '%6ds  total\n' $SECONDS
if [ ${#failures[@]} -gt 0 ]; then
	echo "failed steps: ${failures[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
