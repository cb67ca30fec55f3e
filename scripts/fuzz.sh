#!/usr/bin/env bash
# From a fresh Debian 12 machine to fuzzing DRM: installs what is needed,
# builds drmfuzz and the fuzzing kernel (cached), then runs the fuzzer on
# the built-in default configuration until Ctrl-C. Extra arguments go to
# `drmfuzz run` (e.g. -c my.cfg).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/deps.sh
meson setup --reconfigure build >/dev/null 2>&1 || meson setup build
ninja -C build
./build/src/cli/drmfuzz kernel build
exec ./build/src/cli/drmfuzz run "$@"
