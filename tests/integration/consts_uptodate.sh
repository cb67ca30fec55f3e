#!/bin/bash
# The committed descriptions/*.const files match what `drmfuzz consts`
# extracts from Debian's linux-source-6.1 tree (unpacked by `drmfuzz kernel
# build` into ~/.cache/drmfuzz/src/). Usage: consts_uptodate.sh DRMFUZZ SRCROOT
set -euo pipefail
drmfuzz=$1
root=$2
cache=${XDG_CACHE_HOME:-$HOME/.cache}/drmfuzz/src
tree=$(ls -d "$cache"/linux-source-6.1_*/ 2>/dev/null | sort | tail -n 1 || true)
if [ -z "$tree" ]; then
	echo "no linux-source-6.1 tree under $cache: run 'drmfuzz kernel build' first" >&2
	exit 1
fi
exec "$drmfuzz" consts --src "$tree" --check "$root"/descriptions/*.txt
