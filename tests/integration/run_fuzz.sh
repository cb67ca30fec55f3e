#!/usr/bin/env bash
# `drmfuzz run` end to end on the default kernel and descriptions:
#  1. SECONDS of fuzzing (counted from the first VM up, so slow boots do
#     not eat the budget) grow coverage and fill the corpus; SIGINT stops
#     it cleanly;
#  2. SIGKILL while it fuzzes, then a restart reloads every saved program
#     and re-triages it into a non-empty corpus.
# The VM runs 2 procs (two programs at a time).
# Usage: run_fuzz.sh DRMFUZZ [SECONDS]
set -uo pipefail
drmfuzz=$1
secs=${2:-180}
boot_max=900
dir=$(mktemp -d /tmp/drmfuzz-run-XXXXXX)
pid=
trap '[ -n "$pid" ] && kill -9 $pid 2>/dev/null; rm -rf "$dir"' EXIT
port=$((20000 + RANDOM % 20000))
cat >"$dir/cfg.json" <<CFG
{
	"target": "linux/amd64",
	"http": "127.0.0.1:$port",
	"workdir": "$dir/workdir",
	"type": "qemu",
	"procs": 2,
	"vm": { "count": 1, "cpu": 2, "mem": 2048 }
}
CFG
log=$dir/run.log
fail() { echo "FAIL: $*"; tail -n 40 "$log"; exit 1; }

# GET /api/stats over bash's /dev/tcp; prints the JSON body.
stats() {
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	printf 'GET /api/stats HTTP/1.0\r\nHost: x\r\n\r\n' >&3
	sed -n '/^{/p' <&3
	exec 3<&-
}
field() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }

# start LOGFILE: run the manager in the background.
start() {
	log=$1
	"$drmfuzz" run -c "$dir/cfg.json" --status-every 5 \
		--stats-csv "$dir/stats.csv" >"$log" 2>&1 &
	pid=$!
}

# wait_vm: until the VM fuzzes (vms == 1).
wait_vm() {
	for _ in $(seq 1 $boot_max); do
		sleep 1
		kill -0 $pid 2>/dev/null || fail "drmfuzz run exited while booting"
		s=$(stats 2>/dev/null) || continue
		[ "$(field vms <<<"$s")" = 1 ] && return 0
	done
	fail "no VM came up in $boot_max s"
}

# Phase 1.
start "$dir/run.log"
wait_vm
first_cov=$(stats | field coverage)
corpus=0
cov=$first_cov
for _ in $(seq 1 "$secs"); do
	sleep 1
	s=$(stats 2>/dev/null) || continue
	cov=$(field coverage <<<"$s")
	corpus=$(field corpus <<<"$s")
done
kill -INT $pid
wait $pid
rc=$?
pid=
tail -n 3 "$dir/run.log"
[ $rc -eq 0 ] || fail "drmfuzz run exited with $rc after SIGINT"
grep -q "stopping: saving the corpus and stats" "$dir/run.log" || fail "no clean stop"
[ "${cov:-0}" -gt "${first_cov:-0}" ] || fail "coverage did not grow ($first_cov -> $cov)"
[ "${corpus:-0}" -gt 0 ] || fail "empty corpus"
echo "coverage $first_cov -> $cov PCs, corpus $corpus"

# Phase 2: kill -9 while fuzzing.
start "$dir/run2.log"
wait_vm
sleep 20
killed=$pid
kill -9 $pid
wait $pid 2>/dev/null
pid=
# Its QEMU must not outlive it (the transport socket's name holds its pid).
for _ in $(seq 1 50); do
	pgrep -f "path=drmfuzz-$killed-" >/dev/null || break
	sleep 0.2
done
if pgrep -f "path=drmfuzz-$killed-" >/dev/null; then
	pkill -9 -f "path=drmfuzz-$killed-"
	fail "QEMU outlived the manager killed with SIGKILL"
fi
saved=$(sqlite3 "$dir/workdir/corpus.db" 'PRAGMA integrity_check; SELECT COUNT(*) FROM corpus;' | tr '\n' ' ')
case "$saved" in
ok\ *) saved=${saved#ok }; saved=${saved% } ;;
*) fail "corpus.db damaged after kill -9: $saved" ;;
esac
[ "$saved" -ge "$corpus" ] || fail "corpus lost after kill -9: $saved < $corpus"

# Phase 3: the restart reloads and re-triages.
start "$dir/run3.log"
sleep 5
grep -q "corpus: $saved programs to re-triage" "$dir/run3.log" ||
	fail "restart did not reload the $saved saved programs"
wait_vm
recorpus=0
for _ in $(seq 1 "$secs"); do
	sleep 1
	s=$(stats 2>/dev/null) || continue
	recorpus=$(field corpus <<<"$s")
	[ "${recorpus:-0}" -gt 0 ] && break
done
kill -INT $pid
wait $pid
pid=
[ "${recorpus:-0}" -gt 0 ] || fail "nothing re-triaged after the restart"
echo "restart: $saved saved programs reloaded, corpus $recorpus after re-triage"
echo "run-fuzz: ok"
