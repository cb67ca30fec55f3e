#!/usr/bin/env bash
# Fails when a C file differs from .clang-format's layout; lists them.
set -uo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^include/uapi/' || true)
[ -n "$files" ] || exit 0
bad=0
for f in $files; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		echo "not formatted: $f (run: clang-format -i $f)"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "format: ok"
exit $bad
