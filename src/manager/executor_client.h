/*
 * The host's client of the executor in a booted machine, for one fuzzing
 * thread: encodes a program (the exec encoding), sends it to one of the
 * executor's procs (a WIRE_EXEC request), and turns the reply into the
 * fuzzer's per-call results (signal hashed from the PCs, coverage PCs,
 * comparisons).
 */
#ifndef DRMFUZZ_MANAGER_EXECUTOR_CLIENT_H
#define DRMFUZZ_MANAGER_EXECUTOR_CLIENT_H

#include <stdbool.h>

#include "fuzzer/fuzzer.h"

struct vm;
struct syz_target;

struct executor_client_opts {
	bool sandbox_setuid;
	bool cover;
	bool threaded;
	bool collide;
	int executor_proc; /* the executor's proc to run programs in */
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
#define FUZZ_THREADS_PER_PROC ((int)WIRE_EXEC_PROC_DEPTH)

#define EXECUTOR_CLIENT_CMPS 1u

struct executor_client;

int executor_client_new(struct vm *vm, const struct syz_target *t,
			const struct executor_client_opts *o,
			struct executor_client **out);
/* Results stay valid until the next run on @c. 0 or -errno (the machine is
 * gone or broken: restart it). */
int executor_client_run(struct executor_client *c, const struct prog *p,
			unsigned flags, struct fuzz_exec_result *res);
void executor_client_free(struct executor_client *c);

#endif
