/* Child processes: start, wait with a deadline, capture output. */
#ifndef DRMFUZZ_UTIL_SPAWN_H
#define DRMFUZZ_UTIL_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

struct spawn_opts {
	const char *cwd; /* NULL: inherit */
	int stdin_fd; /* -1: /dev/null */
	int stdout_fd; /* -1: /dev/null, -2: inherit */
	int stderr_fd; /* -1: /dev/null, -2: inherit, -3: same as stdout */
	int new_pgrp; /* put the child in its own process group */
	/*
	 * SIGKILL the child when the thread that started it ends: a VM must
	 * not outlive a drmfuzz killed with SIGKILL (PR_SET_PDEATHSIG).
	 */
	int die_with_parent;
	char *const *env; /* NULL: inherit */
};

#define SPAWN_OPTS_DEFAULT                                                     \
	{                                                                      \
		.cwd = NULL, .stdin_fd = -1, .stdout_fd = -2, .stderr_fd = -2, \
		.new_pgrp = 0, .die_with_parent = 0, .env = NULL               \
	}

/*
 * Start argv[0] (looked up in $PATH) with @opts. On success *pid is set.
 * Returns 0, or -ENOENT when the program does not exist, or -errno.
 */
int spawn_start(char *const argv[], const struct spawn_opts *opts, pid_t *pid);

/*
 * Wait for @pid. @timeout_ms < 0 waits forever; on timeout the child (and
 * its process group, when it has one) is killed with SIGKILL and -ETIMEDOUT
 * is returned. *status receives the raw wait status.
 */
int spawn_wait(pid_t pid, int timeout_ms, int *status);

/*
 * Run argv and collect stdout+stderr into *out (caller frees; may be NULL
 * when not wanted). Returns 0 and sets *exit_code (128+sig when killed by a
 * signal), or -errno (-ETIMEDOUT, -ENOENT, ...).
 */
int spawn_capture(char *const argv[], int timeout_ms, char **out,
		  int *exit_code);

/* Exit code from a wait status: the code, or 128 + signal number. */
int spawn_exit_code(int status);

#endif
