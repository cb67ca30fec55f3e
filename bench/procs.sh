#!/usr/bin/env bash
# exec/s of `drmfuzz run` in one VM (2 vCPUs) with 1 proc and with N procs,
# one run after the other, each from an empty workdir (so from the seeds).
# The duration counts from the manager's start, boot included: exec/s is
# taken between the first status row with executions and the last one.
# Usage: bash bench/procs.sh [SECONDS] [PROCS...]   (default: 240 1 2)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-240}
shift || true
procs=("$@")
[ ${#procs[@]} -gt 0 ] || procs=(1 2)
drmfuzz=./build/src/cli/drmfuzz
for n in "${procs[@]}"; do
	wd=$(mktemp -d /tmp/drmfuzz-bench-procs-XXXXXX)
	printf '{"workdir": "%s", "http": "127.0.0.1:0", "procs": %d, "vm": {"count": 1, "cpu": 2}}\n' \
		"$wd/workdir" "$n" >"$wd/cfg.json"
	"$drmfuzz" run -c "$wd/cfg.json" --duration "$secs" --status-every 5 \
		--stats-csv "$wd/stats.csv" >"$wd/run.log" 2>&1 || true
	# uptime_s,execs,...: from the first row with execs > 0 to the last.
	awk -F, -v n="$n" -v secs="$secs" '
		NR > 1 && $2 > 0 && !t0 { t0 = $1; e0 = $2 }
		NR > 1 { t = $1; e = $2; cov = $6; corpus = $4 }
		END {
			if (t > t0)
				printf "procs %d: %d execs in %d s, %.2f exec/s over the last %d s (first execs at %d s); coverage %d, corpus %d\n",
					n, e, secs, (e - e0) / (t - t0), t - t0, t0, cov, corpus
			else
				printf "procs %d: no executions (see %s)\n", n, FILENAME
		}' "$wd/stats.csv"
	grep -E "error|warning" "$wd/run.log" | head -n 5 || true
	rm -rf "$wd"
done
