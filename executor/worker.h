/*
 * drmfuzz-executor: the worker, the process that runs a proc server's
 * programs one after the other (worker.c): what the proc server needs to
 * start, watch and stop it, and the worker's own fail path.
 */
#ifndef DRMFUZZ_EXECUTOR_WORKER_H
#define DRMFUZZ_EXECUTOR_WORKER_H

#include <sys/types.h>

#include "ring.h"

/* This proc server's worker, as its server sees it. */
struct worker_handle {
	pid_t pid; /* -1: none */
	int pidfd;
	int exited; /* its pidfd polled readable: waitpid will tell */
	uint32_t key; /* sandbox | KCOV mode << 8 */
	uint32_t runs; /* programs posted to it */
};
extern struct worker_handle worker;

/* At start-up: map the data area at EXEC_DATA_ADDR between guard pages.
 * 0, or -errno with a message in @err. */
int worker_data_map(char *err, size_t cap);
/* At start-up, after worker_data_map: the transport fds @in/@out (-1:
 * none), which workers close, and /proc/loadavg, which they keep. */
void worker_setup(int in, int out);
/* In a proc server just forked: the serving process's worker is not
 * ours, @sock is the transport now. */
void worker_setup_forked(int sock);
/* Workers get a PID namespace each (server_embedded). */
void worker_set_nested(void);

/* Fork a worker for @key that runs the programs posted after request
 * number @from; 0 or -errno. */
int worker_start(uint32_t key, uint32_t from);
/* 1 when a child of ours other than the worker has exited: a program's
 * task made with CLONE_PARENT, or an orphan that came to us. Always 0
 * in the serving process, whose other children are proc servers. */
int worker_stray_exited(void);
/* Wait up to @ms for child @pid (@pidfd: -1 or its pidfd) to exit; 1 and
 * *status when it did. */
int worker_wait_exit(pid_t pid, int pidfd, uint64_t ms, int *status);
/*
 * Kill process group @pgid and reap what comes to us (we are the
 * subreaper) until none of its tasks is left, for up to @ms. 1 when the
 * group is gone.
 */
int worker_reap_group(pid_t pgid, uint64_t ms);

/* The slot worker_fail writes to (interp_run sets its own). */
void worker_fail_slot(struct ring_slot *sl);
/* The worker's fail path: message into its slot, exit with
 * WIRE_EXIT_FAIL (the server reports WIRE_EXEC_FAILED). */
__attribute__((noreturn, format(printf, 1, 2))) void
worker_fail(const char *fmt, ...);

#endif
