#!/usr/bin/env bash
# Coverage over time with and without coverage feedback, same length, same
# machine, back to back: `drmfuzz run` on the default config, then
# `drmfuzz run --no-feedback` (pure generation). Writes CSVs and a PNG plot
# and prints the coverage ratio at the end.
# Usage: bash bench/fuzz_coverage.sh [SECONDS] [OUTDIR]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
out=${2:-bench/results}
drmfuzz=./build/src/cli/drmfuzz
mkdir -p "$out"
for mode in feedback nofeedback; do
	wd=$(mktemp -d /tmp/drmfuzz-bench-XXXXXX)
	cfg=$wd/cfg.json
	printf '{"workdir": "%s", "http": "127.0.0.1:0", "vm": {"count": 1}}\n' "$wd/workdir" >"$cfg"
	rm -f "$out/$mode.csv"
	flags=()
	[ $mode = nofeedback ] && flags=(--no-feedback)
	echo "== $mode: $secs s"
	"$drmfuzz" run -c "$cfg" --duration "$secs" --status-every 10 \
		--stats-csv "$out/$mode.csv" "${flags[@]}" 2>&1 | tail -n 3
	rm -rf "$wd"
done
last() { tail -n 1 "$1" | cut -d, -f"$2"; }
cf=$(last "$out/feedback.csv" 6)
cn=$(last "$out/nofeedback.csv" 6)
ef=$(last "$out/feedback.csv" 2)
en=$(last "$out/nofeedback.csv" 2)
echo "coverage after ${secs}s: feedback $cf PCs ($ef execs), no feedback $cn PCs ($en execs)"
awk -v a="$cf" -v b="$cn" 'BEGIN { if (b > 0) printf "coverage ratio feedback/no-feedback: %.2f\n", a / b }'
if command -v gnuplot >/dev/null; then
	gnuplot <<GP
set datafile separator ","
set terminal png size 900,500
set output "$out/coverage.png"
set title "drmfuzz: coverage over time (default config, TCG)"
set xlabel "seconds"
set ylabel "distinct kernel PCs"
set key left top
plot "$out/feedback.csv" using 1:6 every ::1 with lines title "coverage feedback", \
     "$out/nofeedback.csv" using 1:6 every ::1 with lines title "no feedback (generation only)"
GP
	echo "plot: $out/coverage.png"
fi
