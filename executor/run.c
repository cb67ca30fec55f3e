/*
 * drmfuzz-executor: the fork server. Checks a WIRE_EXEC request, forks a
 * child per program (data area, shared region and KCOV buffers are
 * inherited), waits for it under the program timeout, kills whatever it
 * left behind and encodes the reply from the shared region, which it
 * re-checks: the program could have written anything there.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec_decode.h"
#include "executor.h"

#define MAX_RERUN 100

static struct exec_shm *shm;
static int transport[2] = { -1, -1 };
static int ready;

int exec_setup(int kcov, int in, int out, char *err, size_t cap)
{
	uint8_t *guard =
		(uint8_t *)(uintptr_t)(EXEC_DATA_ADDR - EXEC_PAGE_SIZE);
	size_t span = EXEC_DATA_SIZE + 2 * EXEC_PAGE_SIZE;
	void *p;

	/* Guard pages on both sides stay PROT_NONE. */
	p = mmap(guard, span, PROT_NONE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE |
			 MAP_NORESERVE,
		 -1, 0);
	if (p != guard) {
		snprintf(err, cap, "map the data area at 0x%llx: %s",
			 (unsigned long long)EXEC_DATA_ADDR,
			 p == MAP_FAILED ? strerror(errno) :
					   "kernel chose another address");
		if (p != MAP_FAILED)
			munmap(p, span);
		return -EEXIST;
	}
	if (mprotect(guard + EXEC_PAGE_SIZE, EXEC_DATA_SIZE,
		     PROT_READ | PROT_WRITE)) {
		snprintf(err, cap, "mprotect the data area: %s",
			 strerror(errno));
		return -errno;
	}
	p = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		snprintf(err, cap, "map the result region: %s",
			 strerror(errno));
		return -errno;
	}
	shm = p;
	if (kcov) {
		int e = kcov_open_all(err, cap);

		if (e)
			return e;
	}
	/* Orphans of programs come to us to be reaped (and killed). */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	transport[0] = in;
	transport[1] = out;
	ready = 1;
	return 0;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The program's child: never returns. */
__attribute__((noreturn)) static void child(const struct wire_exec *req)
{
	char err[200];
	int null;

	setpgid(0, 0);
	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* The program must not reach the host's stream. */
	null = open("/dev/null", O_RDWR);
	for (int i = 0; i < 2; i++) {
		if (transport[i] < 0)
			continue;
		if (transport[i] <= 2 && null >= 0)
			dup2(null, transport[i]);
		else
			close(transport[i]);
	}
	if (null > 2)
		close(null);
	if (chdir("/tmp"))
		exec_child_fail("chdir /tmp: %s", strerror(errno));
	if (sandbox_enter(req->sandbox, err, sizeof(err)))
		exec_child_fail("sandbox: %s", err);
	nonfailing_install();
	exec_program(req, shm);
	_exit(0);
}

/* Wait up to @ms for @pid to exit; 1 and *status when it did. */
static int wait_exit(pid_t pid, int pidfd, uint64_t ms, int *status)
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		pid_t r = waitpid(pid, status, WNOHANG | __WALL);
		uint64_t now = now_ms();
		struct pollfd pfd = { pidfd, POLLIN, 0 };

		if (r == pid)
			return 1;
		if (r < 0 && errno != EINTR)
			return 0;
		if (now >= end)
			return 0;
		if (pidfd >= 0)
			poll(&pfd, 1, (int)(end - now));
		else
			usleep(1000);
	}
}

/* Kill everything a program left behind and reap it. */
static void reap_leftovers(pid_t pid)
{
	kill(-pid, SIGKILL);
	if (getpid() == 1)
		kill(-1, SIGKILL); /* our own PID namespace */
	while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
		;
}

static int refuse(uint32_t id, struct wire_wr *w, const char *msg)
{
	wire_frame_begin(w, WIRE_ERROR, id);
	wire_put_str(w, msg);
	return wire_frame_end(w);
}

/* Check the whole program before anything runs; number of calls or -1. */
static long validate(const struct wire_exec *req, char *err, size_t cap)
{
	static struct exec_insn in;
	struct exec_decoder d;
	int rc;

	if (exec_decode_init(&d, req->prog, req->prog_len)) {
		snprintf(err, cap, "%s", d.err);
		return -1;
	}
	while ((rc = exec_decode_next(&d, &in)) > 0) {
		if (in.op == EXEC_OP_CALL && in.rerun > MAX_RERUN) {
			snprintf(err, cap,
				 "exec: call %llu: rerun %llu (max %d)",
				 (unsigned long long)d.calls_seen - 1,
				 (unsigned long long)in.rerun, MAX_RERUN);
			return -1;
		}
	}
	if (rc < 0) {
		snprintf(err, cap, "%s", d.err);
		return -1;
	}
	return (long)d.n_calls;
}

/* Encode one call from its snapshot @c, within @budget bytes. */
static void put_call(struct wire_wr *w, uint32_t i, struct exec_shm_call c,
		     size_t *budget)
{
	uint32_t flags = c.flags & WIRE_CALL_KNOWN_FLAGS;
	uint64_t pe = (uint64_t)c.pcs_off + c.n_pcs;
	uint64_t ce = (uint64_t)c.cmps_off + 3ull * c.n_cmps;
	size_t need;

	if (pe > EXEC_SHM_ARENA_WORDS || c.n_pcs > WIRE_EXEC_MAX_PCS) {
		c.n_pcs = 0;
		flags |= WIRE_CALL_COVER_OVERFLOW;
	}
	if (ce > EXEC_SHM_ARENA_WORDS || c.n_cmps > WIRE_EXEC_MAX_CMPS) {
		c.n_cmps = 0;
		flags |= WIRE_CALL_COVER_OVERFLOW;
	}
	need = (size_t)c.n_pcs * 8 + (size_t)c.n_cmps * 24;
	if (need > *budget) {
		size_t left = *budget;

		flags |= WIRE_CALL_COVER_OVERFLOW;
		if ((size_t)c.n_pcs * 8 > left)
			c.n_pcs = (uint32_t)(left / 8);
		left -= (size_t)c.n_pcs * 8;
		if ((size_t)c.n_cmps * 24 > left)
			c.n_cmps = (uint32_t)(left / 24);
		need = (size_t)c.n_pcs * 8 + (size_t)c.n_cmps * 24;
	}
	*budget -= need;
	wire_exec_call_encode(w, i, flags, c.err, c.ret, shm->arena + c.pcs_off,
			      c.n_pcs, shm->arena + c.cmps_off, c.n_cmps);
}

int exec_handle(uint32_t id, const uint8_t *payload, size_t len,
		struct wire_wr *w)
{
	static struct exec_shm_call snap[EXEC_MAX_CALLS];
	struct wire_exec req;
	char err[200], msg[WIRE_EXEC_MSG_MAX] = "";
	uint32_t status, code = 0, n_rec = 0;
	long n_calls;
	int st = 0, pidfd;
	size_t budget;
	pid_t pid;

	if (!ready)
		return refuse(id, w,
			      "WIRE_EXEC: the executor has no data area");
	if (wire_exec_decode(payload, len, &req, err, sizeof(err)))
		return refuse(id, w, err);
	if ((req.flags & (WIRE_EXEC_COVER | WIRE_EXEC_CMPS)) &&
	    !kcov_available())
		return refuse(id, w,
			      "WIRE_EXEC: coverage asked for, but KCOV is not "
			      "available (see the HELLO's notes)");
	n_calls = validate(&req, err, sizeof(err));
	if (n_calls < 0)
		return refuse(id, w, err);
	shm->arena_used = 0;
	shm->failed = 0;
	shm->msg[0] = 0;
	memset(shm->calls, 0, sizeof(shm->calls[0]) * (size_t)n_calls);
	pid = fork();
	if (pid < 0) {
		snprintf(err, sizeof(err), "fork: %s", strerror(errno));
		return refuse(id, w, err);
	}
	if (pid == 0)
		child(&req);
	setpgid(pid, pid);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (wait_exit(pid, pidfd, req.prog_timeout_ms, &st)) {
		if (WIFSIGNALED(st)) {
			status = WIRE_EXEC_CRASHED;
			code = (uint32_t)WTERMSIG(st);
		} else if (WEXITSTATUS(st) == WIRE_EXIT_FAIL &&
			   __atomic_load_n(&shm->failed, __ATOMIC_ACQUIRE)) {
			status = WIRE_EXEC_FAILED;
			code = WIRE_EXIT_FAIL;
			memcpy(msg, shm->msg, sizeof(msg) - 1);
			msg[sizeof(msg) - 1] = 0;
		} else {
			status = WIRE_EXEC_OK;
			code = (uint32_t)WEXITSTATUS(st);
		}
	} else {
		status = WIRE_EXEC_TIMEOUT;
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		/* A task stuck in the kernel may take a while to die. */
		wait_exit(pid, pidfd, 10000, &st);
	}
	if (pidfd >= 0)
		close(pidfd);
	reap_leftovers(pid);
	/* A program's message is text only. */
	for (char *p = msg; *p; p++) {
		if (*p < ' ' || *p > '~')
			*p = '?';
	}
	/* One snapshot: a task that would not die may still write. */
	memcpy(snap, shm->calls, sizeof(snap[0]) * (size_t)n_calls);
	for (long i = 0; i < n_calls; i++)
		n_rec += !!(snap[i].flags & WIRE_CALL_EXECUTED);
	wire_frame_begin(w, WIRE_EXEC_REPLY, id);
	wire_exec_reply_begin(w, status, code, msg, n_rec);
	budget = WIRE_MAX_PAYLOAD - (w->len - w->frame - WIRE_HDR_SIZE) -
		 (size_t)n_rec * WIRE_EXEC_CALL_HDR;
	for (long i = 0; i < n_calls; i++) {
		if (snap[i].flags & WIRE_CALL_EXECUTED)
			put_call(w, (uint32_t)i, snap[i], &budget);
	}
	return wire_frame_end(w);
}

int exec_bench(uint32_t id, const uint8_t *payload, size_t len,
	       struct wire_wr *w)
{
	struct wire_exec req;
	struct wire_rd r;
	char err[200];
	uint32_t ms;
	uint64_t t0, t1;
	int st = 0, pidfd;
	pid_t pid;

	if (!ready)
		return refuse(id, w,
			      "WIRE_BENCH: the executor has no data area");
	wire_rd_init(&r, payload, len);
	ms = wire_get_u32(&r);
	if (r.err || !ms || ms > WIRE_BENCH_MAX_MS)
		return refuse(id, w, "WIRE_BENCH: duration out of range");
	if (wire_exec_decode(payload + 4, len - 4, &req, err, sizeof(err)))
		return refuse(id, w, err);
	if ((req.flags & (WIRE_EXEC_COVER | WIRE_EXEC_CMPS)) &&
	    !kcov_available())
		return refuse(id, w, "WIRE_BENCH: KCOV is not available");
	req.flags &= WIRE_EXEC_COVER | WIRE_EXEC_CMPS; /* sequential */
	if (validate(&req, err, sizeof(err)) < 0)
		return refuse(id, w, err);
	shm->bench_runs = 0;
	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		return refuse(id, w, "WIRE_BENCH: fork failed");
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		nonfailing_install();
		while (now_ms() - t0 < ms) {
			shm->arena_used = 0;
			exec_program(&req, shm);
			shm->bench_runs++;
		}
		_exit(0);
	}
	setpgid(pid, pid);
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (!wait_exit(pid, pidfd, (uint64_t)ms + req.prog_timeout_ms, &st)) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		wait_exit(pid, pidfd, 10000, &st);
	}
	t1 = now_ms();
	if (pidfd >= 0)
		close(pidfd);
	reap_leftovers(pid);
	wire_frame_begin(w, WIRE_BENCH_REPLY, id);
	wire_put_u64(w, shm->bench_runs);
	wire_put_u64(w, (t1 - t0) * 1000);
	return wire_frame_end(w);
}
