#!/usr/bin/env bash
# `drmfuzz run` end to end on the default kernel and descriptions:
#  1. fuzzing for a few minutes grows coverage and fills the corpus;
#  2. SIGKILL mid-run, then a restart reloads and re-triages the corpus.
# Usage: run_fuzz.sh DRMFUZZ [SECONDS]
set -uo pipefail
drmfuzz=$1
secs=${2:-240}
dir=$(mktemp -d /tmp/drmfuzz-run-XXXXXX)
trap 'kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
cat >"$dir/cfg.json" <<CFG
{
	"target": "linux/amd64",
	"http": "127.0.0.1:$port",
	"workdir": "$dir/workdir",
	"type": "qemu",
	"procs": 1,
	"vm": { "count": 1, "cpu": 2, "mem": 2048 }
}
CFG
fail() { echo "FAIL: $*"; tail -n 40 "$dir/run.log"; exit 1; }

# GET /api/stats over bash's /dev/tcp; prints the JSON body.
stats() {
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET /api/stats HTTP/1.0\r\nHost: x\r\n\r\n' >&3
	sed -n '/^{/p' <&3
	exec 3<&-
}
field() { sed -n "s/.*\"$1\": \([0-9.]*\).*/\1/p"; }

"$drmfuzz" run -c "$dir/cfg.json" --duration "$secs" --status-every 5 \
	--stats-csv "$dir/stats.csv" >"$dir/run.log" 2>&1 &
pid=$!
first_cov=0
corpus=0
for _ in $(seq 1 $((secs + 120))); do
	sleep 1
	kill -0 $pid 2>/dev/null || break
	s=$(stats 2>/dev/null) || continue
	cov=$(field coverage <<<"$s")
	corpus=$(field corpus <<<"$s")
	[ "${cov:-0}" -gt 0 ] && [ "$first_cov" -eq 0 ] && first_cov=$cov
	last_cov=${cov:-0}
done
wait $pid
rc=$?
cat "$dir/run.log" | tail -n 5
[ $rc -eq 0 ] || fail "drmfuzz run exited with $rc"
[ "$first_cov" -gt 0 ] || fail "no coverage reported"
[ "$last_cov" -gt "$first_cov" ] || fail "coverage did not grow ($first_cov -> $last_cov)"
[ "${corpus:-0}" -gt 0 ] || fail "empty corpus"
echo "coverage $first_cov -> $last_cov PCs, corpus $corpus"

# Kill -9 in the middle of a run, then restart.
"$drmfuzz" run -c "$dir/cfg.json" --duration 600 --status-every 5 \
	>"$dir/run2.log" 2>&1 &
pid=$!
# Kill once it is fuzzing (the VM is up and programs run), or at worst
# after the boot time limit.
for _ in $(seq 1 $((secs + 120))); do
	sleep 1
	s=$(stats 2>/dev/null) || continue
	[ "$(field vms <<<"$s")" = 1 ] && [ "$(field execs <<<"$s" | cut -d. -f1)" -gt 0 ] && break
done
sleep 15
kill -9 $pid
wait $pid 2>/dev/null
saved=$(sqlite3 "$dir/workdir/corpus.db" 'PRAGMA integrity_check; SELECT COUNT(*) FROM corpus;' | tail -n 1)
[ "${saved:-0}" -ge "$corpus" ] || fail "corpus lost after kill -9: $saved < $corpus"
"$drmfuzz" run -c "$dir/cfg.json" --duration $((secs / 2 + 90)) --status-every 5 \
	>"$dir/run3.log" 2>&1 &
pid=$!
grep -q "corpus: $saved programs to re-triage" <(sleep 20; cat "$dir/run3.log") ||
	{ cp "$dir/run3.log" "$dir/run.log"; fail "restart did not reload $saved programs"; }
recorpus=0
for _ in $(seq 1 $((secs / 2 + 120))); do
	sleep 1
	kill -0 $pid 2>/dev/null || break
	s=$(stats 2>/dev/null) || continue
	recorpus=$(field corpus <<<"$s")
done
wait $pid
[ "${recorpus:-0}" -gt 0 ] || { cp "$dir/run3.log" "$dir/run.log"; fail "nothing re-triaged after restart"; }
echo "restart: $saved saved programs reloaded, corpus $recorpus after re-triage"
echo "run-fuzz: ok"
