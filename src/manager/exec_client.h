/*
 * Running programs on a booted machine: encodes a program, sends it to the
 * executor (WIRE_EXEC), and turns the reply into the fuzzer's per-call
 * results (signal hashed from the PCs, coverage PCs, comparisons).
 */
#ifndef DRMFUZZ_MANAGER_EXEC_CLIENT_H
#define DRMFUZZ_MANAGER_EXEC_CLIENT_H

#include <stdbool.h>

#include "fuzzer/fuzzer.h"

struct vm;
struct syz_target;

struct exec_opts {
	bool sandbox_setuid;
	bool cover;
	bool threaded;
	bool collide;
	int proc;
	/* Requests the proc may hold ahead of this client's (the clients
	 * sharing it): each waits for those before it. */
	int queued_ahead;
};

/*
 * Fuzzing threads per executor proc: while one's program runs, the
 * others' are already in the machine (the proc runs them in turn), so
 * the host's round trip is not between programs. At most
 * WIRE_EXEC_PROC_DEPTH.
 */
#define EXEC_CLIENTS_PER_PROC ((int)WIRE_EXEC_PROC_DEPTH)

#define EXEC_CLIENT_CMPS 1u

struct exec_client;

int exec_client_new(struct vm *vm, const struct syz_target *t,
		    const struct exec_opts *o, struct exec_client **out);
/* Results stay valid until the next run on @c. 0 or -errno (the machine is
 * gone or broken: restart it). */
int exec_client_run(struct exec_client *c, const struct prog *p, unsigned flags,
		    struct fuzz_exec_result *res);
void exec_client_free(struct exec_client *c);

#endif
