/*
 * C reproducers: a program written out as a standalone C file that does
 * what the executor does with it (syzkaller's pkg/csource). The program
 * is exec-encoded (prog_encode) and the encoding walked with
 * exec_decode.h, so the C program's stores, calls and results follow the
 * same instructions. The C builds with `gcc -O2 -static -pthread` from
 * libc headers alone and needs nothing of drmfuzz where it runs.
 */
#ifndef DRMFUZZ_CSOURCE_CSOURCE_H
#define DRMFUZZ_CSOURCE_CSOURCE_H

#include <stdbool.h>
#include <stddef.h>

#include "prog/prog.h"
#include "util/buf.h"

enum csource_sandbox {
	CSOURCE_SANDBOX_NONE,
	CSOURCE_SANDBOX_SETUID, /* executor/sandbox.c's setuid */
};

struct csource_opts {
	bool threaded; /* each call in its own thread (implied by async calls) */
	bool collide; /* pairs of calls at once (implies threaded) */
	int repeat; /* 1: once; N: N times; 0: forever (fresh child each) */
	int procs; /* copies running in parallel, procid 0..procs-1 */
	enum csource_sandbox sandbox;
	int call_timeout_ms; /* threaded: how long each call is waited for */
	int prog_timeout_ms; /* repeat: each run is killed after this */
	int fault_call; /* >= 0: inject a fault in this call only ... */
	int fault_nth; /* ... failing its fault_nth-th allocation */
};

/* The defaults: once, one proc, not threaded, no sandbox, the
 * executor's timeouts (50 ms per call, 5 s per program), no fault. */
void csource_opts_default(struct csource_opts *o);

/*
 * Append the C program for @p to @out (nothing on failure). 0, or a
 * negative errno with a message in @err: -ENOTSUP for a call that cannot
 * be written out (named in the message), -EINVAL for bad options, -E2BIG
 * or -ENOMEM from encoding.
 */
int csource_write(const struct prog *p, const struct csource_opts *o,
		  struct buf *out, char *err, size_t cap);

#endif
