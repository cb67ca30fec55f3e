#!/usr/bin/env bash
# Checks commit messages: a subject of at most 72 characters and a body.
# Usage: scripts/check-commits.sh [RANGE]
# RANGE is as git rev-list takes it (e.g. main..HEAD); by default the
# commits on HEAD that origin/main lacks, or HEAD alone when there are
# none. Merge commits are skipped. Prints each offender and exits 1 if
# there is one. Not run by scripts/test.sh: CI tests a clean clone, whose
# history can no longer be reworded.
set -uo pipefail
cd "$(dirname "$0")/.."
export LC_ALL=C.UTF-8 # count characters, not bytes

if [ $# -gt 0 ]; then
	commits=$(git rev-list --no-merges "$1") || exit 2
elif git rev-parse -q --verify origin/main >/dev/null &&
	[ -n "$(git rev-list --no-merges origin/main..HEAD)" ]; then
	commits=$(git rev-list --no-merges origin/main..HEAD)
else
	commits=$(git rev-list --no-merges -1 HEAD) || exit 2
fi

bad=0
n=0
for c in $commits; do
	n=$((n + 1))
	short=$(git rev-parse --short "$c")
	# %s is the first paragraph on one line: a subject without the blank
	# line after it runs on into the body, and is too long.
	subject=$(git log -1 --format=%s "$c")
	body=$(git log -1 --format=%b "$c" | tr -d '[:space:]')
	if [ ${#subject} -gt 72 ]; then
		echo "$short: subject is ${#subject} characters (at most 72): $subject"
		bad=1
	fi
	if [ -z "$body" ]; then
		echo "$short: no body saying why: $subject"
		bad=1
	fi
done
[ $bad -eq 0 ] && echo "commits: ok ($n checked)"
exit $bad
