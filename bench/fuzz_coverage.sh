#!/usr/bin/env bash
# Coverage over time with and without coverage feedback, same length, same
# machine, side by side (so both see the same load): `drmfuzz run` on the
# default config, and `drmfuzz run --no-feedback` (pure generation, nothing
# kept). Writes one CSV per mode (uptime_s, execs, exec_per_s, corpus,
# signal, coverage, crashes every 10 s), a PNG plot of coverage and corpus
# over time, and prints the coverage ratio at the end.
# Usage: bash bench/fuzz_coverage.sh [SECONDS] [OUTDIR] [--sequential|--plot-only]
# (--plot-only redraws the plot from OUTDIR's CSVs.)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-1800}
out=${2:-bench/results}
mode_run=${3:-}
drmfuzz=./build/src/cli/drmfuzz
mkdir -p "$out"
dirs=()
trap 'rm -rf "${dirs[@]}"' EXIT

one() { # one MODE
	local mode=$1 wd flags=()
	wd=$(mktemp -d /tmp/drmfuzz-bench-XXXXXX)
	dirs+=("$wd")
	printf '{"workdir": "%s", "http": "127.0.0.1:0", "vm": {"count": 1}}\n' \
		"$wd/workdir" >"$wd/cfg.json"
	rm -f "$out/$mode.csv"
	[ "$mode" = nofeedback ] && flags=(--no-feedback)
	"$drmfuzz" run -c "$wd/cfg.json" --duration "$secs" --status-every 10 \
		--stats-csv "$out/$mode.csv" "${flags[@]}" >"$out/$mode.log" 2>&1
}

[ "$mode_run" = --plot-only ] ||
	echo "== feedback and no feedback, $secs s each ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
if [ "$mode_run" = --plot-only ]; then
	:
elif [ "$mode_run" = --sequential ]; then
	one feedback
	one nofeedback
else
	one feedback &
	a=$!
	one nofeedback &
	b=$!
	wait $a
	wait $b
fi
last() { tail -n 1 "$1" | cut -d, -f"$2"; }
for m in feedback nofeedback; do
	echo "$m: coverage $(last "$out/$m.csv" 6) PCs, signal $(last "$out/$m.csv" 5), corpus $(last "$out/$m.csv" 4), $(last "$out/$m.csv" 2) execs"
done
awk -v a="$(last "$out/feedback.csv" 6)" -v b="$(last "$out/nofeedback.csv" 6)" \
	'BEGIN { if (b > 0) printf "coverage ratio feedback/no-feedback: %.2f\n", a / b }'
if command -v gnuplot >/dev/null; then
	gnuplot <<GP
set datafile separator ","
set terminal png size 1000,800
set output "$out/coverage.png"
set multiplot layout 2,1 title "drmfuzz, default config, one VM each, side by side ($secs s)"
set xlabel "seconds"
set ylabel "distinct kernel PCs"
set key left top
plot "$out/feedback.csv" using 1:6 every ::1 with lines lw 2 title "coverage feedback", \
     "$out/nofeedback.csv" using 1:6 every ::1 with lines lw 2 title "no feedback (generation only)"
set ylabel "corpus programs (feedback)"
set y2label "signal (feedback)"
set y2tics
set ytics nomirror
plot "$out/feedback.csv" using 1:4 every ::1 axes x1y1 with lines lw 2 title "corpus", \
     "$out/feedback.csv" using 1:5 every ::1 axes x1y2 with lines title "signal"
unset multiplot
GP
	echo "plot: $out/coverage.png"
fi
