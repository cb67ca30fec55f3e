#!/usr/bin/env bash
# The executor's own rules (docs/architecture-executor.md), checked the
# way syzkaller's executor/style_test.go checks its own. Prints each
# violation as file:line: rule and exits 1 on any.
#   heap:     no allocator calls at all (memory is static or mmap()ed);
#             libc calls that allocate only at start-up, in the
#             functions listed in STARTUP below.
#   exit:     exit/_exit/abort/assert only in the fail path (fail and
#             failmsg, the worker's worker_fail) or as the end of a
#             forked process, in the functions listed in EXITS below.
#   include:  only include/, the executor's own headers and system
#             headers; nothing of src/.
# Comments and string literals are not looked at. Functions are found
# by the kernel style: a body opens with "{" and closes with "}" in
# column 0.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1

# file:function where a libc call that allocates is allowed: both run
# before the first request (port lookup; the HELLO's DRM node probe).
STARTUP="main.c:port_find features.c:drm_nodes"
# file:function allowed to end the process.
EXITS="main.c:vfail worker.c:worker_fail main.c:pidns_enter"
EXITS+=" worker.c:worker_init router.c:proc_main bench.c:bench_child"

srcdirs=$(find src -mindepth 1 -maxdepth 1 -type d -printf '%f ')
shopt -s nullglob
files=(executor/*.c executor/*.h)
[ ${#files[@]} -gt 0 ] || { echo "check-executor: no files in executor/"; exit 1; }

awk -v startup="$STARTUP" -v exits="$EXITS" -v srcdirs="$srcdirs" \
	-v script="scripts/check-executor.sh" '
function base(path) { sub(/.*\//, "", path); return path }
function allowed(list, key) { return index(" " list " ", " " key " ") > 0 }
function report(msg) {
	printf "%s:%d: %s\n", FILENAME, FNR, msg
	bad = 1
}
# The line with comments, strings and character literals taken out.
function code(s,    out, i) {
	out = ""
	for (;;) {
		if (in_comment) {
			i = index(s, "*/")
			if (!i)
				return out
			s = substr(s, i + 2)
			in_comment = 0
		}
		gsub(/\047(\\.|[^\047\\])\047/, "\047\047", s)
		gsub(/"(\\.|[^"\\])*"/, "\"\"", s)
		i = index(s, "/*")
		if (!i) {
			sub(/\/\/.*/, "", s)
			return out s
		}
		out = out substr(s, 1, i - 1) " "
		s = substr(s, i + 2)
		in_comment = 1
	}
}
# The function a header (the lines before a "{" in column 0) defines.
function fname(h,    m) {
	gsub(/__attribute__[ \t]*\(\(([^()]|\([^()]*\))*\)\)/, " ", h)
	if (!match(h, /[A-Za-z_][A-Za-z0-9_]*[ \t]*\(/))
		return "?"
	m = substr(h, RSTART, RLENGTH - 1)
	sub(/[ \t]+$/, "", m)
	return m
}
FNR == 1 { in_comment = 0; fn = ""; hdr = "" }
{
	raw = $0
	was_comment = in_comment
	line = code(raw)
	where = base(FILENAME) ":" fn
}
# Includes: only the executor'\''s own headers, include/ and the system.
!was_comment && raw ~ /^[ \t]*#[ \t]*include[ \t]*"/ {
	f = raw
	sub(/^[ \t]*#[ \t]*include[ \t]*"/, "", f)
	sub(/".*/, "", f)
	if (f ~ /(^|\/)\.\.\// || f ~ /^src\//)
		report("#include \"" f "\": only include/ and system headers (nothing of src/)")
	else if ((getline tmp < ("executor/" f)) < 0 &&
		 (getline tmp < ("include/" f)) < 0)
		report("#include \"" f "\": not in executor/ or include/ (nothing of src/)")
	close("executor/" f)
	close("include/" f)
}
!was_comment && raw ~ /^[ \t]*#[ \t]*include[ \t]*</ {
	f = raw
	sub(/^[ \t]*#[ \t]*include[ \t]*</, "", f)
	sub(/>.*/, "", f)
	d = f
	sub(/\/.*/, "", d)
	if (f ~ /^src\// || (f ~ /\// && allowed(srcdirs, d)))
		report("#include <" f ">: only include/ and system headers (nothing of src/)")
}
# Function bodies, kernel style.
/^\{/ { fn = fname(hdr); hdr = ""; next }
/^\}/ { fn = ""; hdr = ""; next }
fn == "" {
	if (line ~ /^[ \t]*$/ || line ~ /^#/ || line ~ /;[ \t]*$/)
		hdr = ""
	else
		hdr = hdr " " line
}
# No heap.
line ~ /(^|[^A-Za-z0-9_])(malloc|calloc|realloc|reallocarray|free|strdup|strndup|asprintf|vasprintf|posix_memalign|aligned_alloc|memalign|valloc|pvalloc)[ \t]*\(/ {
	s = line
	match(s, /(malloc|calloc|realloc|reallocarray|free|strdup|strndup|asprintf|vasprintf|posix_memalign|aligned_alloc|memalign|valloc|pvalloc)[ \t]*\(/)
	report("heap: " substr(s, RSTART, RLENGTH) "): no heap (memory is static or mmap()ed at start-up)")
}
line ~ /(^|[^A-Za-z0-9_])(opendir|fdopendir|closedir|scandir|qsort|fopen|fdopen|open_memstream|getline|getdelim)[ \t]*\(/ {
	if (!allowed(startup, where)) {
		s = line
		match(s, /(opendir|fdopendir|closedir|scandir|qsort|fopen|fdopen|open_memstream|getline|getdelim)[ \t]*\(/)
		report("heap: " substr(s, RSTART, RLENGTH) ") allocates: only at start-up (STARTUP: " startup ")")
	}
}
# One way out.
line ~ /(^|[^A-Za-z0-9_])(exit|_exit|_Exit|quick_exit|abort|assert)[ \t]*\(/ {
	if (!allowed(exits, where)) {
		s = line
		match(s, /(exit|_exit|_Exit|quick_exit|abort|assert)[ \t]*\(/)
		report("exit: " substr(s, RSTART, RLENGTH) ") outside the fail path and forked processes'\'' ends (EXITS in " script ")")
	}
}
END { exit bad }
' "${files[@]}"
