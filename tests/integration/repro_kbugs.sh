#!/usr/bin/env bash
# drmfuzz repro on the test module's planted bugs (tests/kbugs), loaded
# into the cached fuzzing kernel: for each bug, a log in which the guilty
# program sits among 20 innocent ones on two procs; repro must find it,
# keep what it needs (the four calls; the async call in a threaded run;
# fail_nth), measure its reliability in 10 fresh VMs, and never take an
# innocent program's crash for it.
# Usage: repro_kbugs.sh DRMFUZZ SRCDIR [BUGS...]   (bugs: uaf race fault)
set -uo pipefail
drmfuzz=$1
src=$2
shift 2
bugs=("$@")
[ ${#bugs[@]} -gt 0 ] || bugs=(uaf race fault)
dir=$(mktemp -d /tmp/drmfuzz-repro-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() {
	echo "FAIL: $*"
	[ -f "$dir/out.txt" ] && tail -n 60 "$dir/out.txt"
	exit 1
}

"$drmfuzz" kernel module --quiet "$src/tests/kbugs" >"$dir/ko.txt" ||
	fail "the test module does not build"
grep -q 'drmfuzz_bugs.ko$' "$dir/ko.txt" || fail "no drmfuzz_bugs.ko"

cat >"$dir/cfg.json" <<CFG
{
	"target": "linux/amd64",
	"workdir": "$dir/workdir",
	"type": "qemu",
	"descriptions": ["$src/tests/kbugs"],
	"modules": ["$src/tests/kbugs"],
	"vm": { "count": 1, "cpu": 2, "mem": 2048 }
}
CFG

open='r0 = openat$dfb(0xffffffffffffff9c, &(0x7f0000000000)='"'"'/dev/drmfuzz_bugs\x00'"'"', 0x2, 0x0)'
# innocent N: every call of the module, in an order that is no bug.
innocent() {
	cat <<EOF
$open
ioctl\$DFB_CREATE(r0, 0xc008df01, &(0x7f0000000040)={0x$(printf %x $((16 + $1))), <r1=>0x0})
ioctl\$DFB_BIND(r0, 0x4004df02, &(0x7f0000000080)=r1)
ioctl\$DFB_POKE(r0, 0x4008df04, &(0x7f0000000100)={0x$(printf %x "$1"), 0x2})
ioctl\$DFB_RELEASE(r0, 0x4004df05, &(0x7f00000000c0)=r1)
ioctl\$DFB_CREATE_PAIR(r0, 0xc008df06, &(0x7f0000000140)={0x40})
ioctl\$DFB_CONFIGURE(r0, 0x4010df07, &(0x7f0000000180)={0x1, 0x0, 0x$(printf %x "$1")})
EOF
}

# make_log BUG OPTS POS: 21 programs on procs 0 and 1, the guilty one
# (tests/kbugs/progs/BUG.prog) at POS, as drmfuzz's manager writes them.
make_log() {
	local bug=$1 opts=$2 pos=$3
	echo "[    1.000000] drmfuzz: init done"
	for i in $(seq 0 20); do
		echo "executing program $((i % 2)) ($opts):"
		if [ "$i" = "$pos" ]; then
			cat "$src/tests/kbugs/progs/$bug.prog"
		else
			innocent "$i"
		fi
		echo "[    2.$(printf %06d "$i")] console line $i"
	done
}

declare -A title=(
	[uaf]="KASAN: use-after-free Read in dfb_ioctl_poke"
	[race]="KASAN: invalid-free in dfb_ioctl_release"
	[fault]="KASAN: invalid-free in dfb_ioctl_create_pair"
)
# uaf: the guilty program is not the last of its proc (bisection finds
# it); race and fault: the last of proc 1 (a single program).
declare -A pos=([uaf]=11 [race]=19 [fault]=19)
declare -A opts=(
	[uaf]="threaded repeat=1 procs=2 sandbox=none"
	[race]="threaded repeat=1 procs=2 sandbox=none"
	[fault]="threaded repeat=1 procs=2 sandbox=none"
)
declare -A must=(
	[uaf]='ioctl$DFB_DESTROY'
	[race]='(async)'
	[fault]='(fail_nth: 2)'
)

for bug in "${bugs[@]}"; do
	log=$dir/$bug.log
	make_log "$bug" "${opts[$bug]}" "${pos[$bug]}" >"$log"
	t0=$SECONDS
	"$drmfuzz" repro -c "$dir/cfg.json" --title "${title[$bug]}" --single 8 \
		--runs 10 "$log" >"$dir/out.txt" 2>&1
	rc=$?
	out=$log.repro
	echo "== $bug: exit $rc in $((SECONDS - t0)) s"
	grep -E '^(reproduced|reliability|options|racing|C reproducer|not reproduced)' "$dir/out.txt"
	[ $rc -eq 0 ] || fail "$bug: not reproduced (exit $rc)"
	[ -f "$out/repro.prog" ] || fail "$bug: no repro.prog"
	grep -qF "${must[$bug]}" "$out/repro.prog" ||
		fail "$bug: repro.prog lacks ${must[$bug]}: $(cat "$out/repro.prog")"
	head -1 "$out/repro.prog" | grep -q '^# {Threaded:' ||
		fail "$bug: repro.prog has no options line"
	calls=$(grep -vc '^#' "$out/repro.prog")
	[ "$calls" -le 5 ] || fail "$bug: $calls calls kept: $(cat "$out/repro.prog")"
	crashes=$(sed -n 's/.*"crashes": \([0-9]*\).*/\1/p' "$out/repro.json")
	runs=$(sed -n 's/.*"runs": \([0-9]*\).*/\1/p' "$out/repro.json")
	[ "${runs:-0}" -ge 10 ] || fail "$bug: reliability over ${runs:-0} runs"
	[ "${crashes:-0}" -ge 1 ] || fail "$bug: no fresh VM crashed"
	if [ "$bug" != race ]; then
		[ "${crashes:-0}" -ge 9 ] ||
			fail "$bug: deterministic, but only $crashes of $runs crashed"
	fi
	# The report names the function the title names (the title's last
	# word), and the C program crashed the kernel with the title too.
	grep -q "BUG: KASAN: .* in ${title[$bug]##* }" "$out/repro.report" ||
		fail "$bug: repro.report is not the bug's: $(head -3 "$out/repro.report")"
	[ -s "$out/repro.cprog" ] || fail "$bug: the C program did not crash the VM"
	grep -q '"c_reproducer": true' "$out/repro.json" ||
		fail "$bug: repro.json says no C reproducer"
	cp "$dir/out.txt" "$dir/$bug.out"
done
echo "reproduced: ${bugs[*]}"
