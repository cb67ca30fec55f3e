/*
 * drmfuzz-executor: the program server. Checks a WIRE_EXEC request and
 * hands it to a worker process through the shared region: the worker is
 * forked once, enters the sandbox once and then runs program after
 * program (its data area remapped, its fds closed between programs). The
 * server enforces the program timeout and builds the reply from the
 * shared region, which it re-checks: the program could have written
 * anything there. A worker is replaced (killed with everything it left
 * behind) when a program crashes it, times out, leaves calls blocked,
 * creates processes or threads, changes its credentials, after
 * WORKER_MAX_RUNS programs, or when a request needs another sandbox or
 * KCOV mode.
 *
 * A task a program creates (fork, clone) carries on as a copy of the
 * worker, sharing the region and the eventfds. It must never take part in
 * the handover: a copy that reaches the worker's loop flags the worker
 * dirty and exits at once (its tid is not the worker's), each worker gets
 * eventfds of its own, and replacing a worker waits until nothing of its
 * process group is left before the next program is handed out.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec_decode.h"
#include "executor.h"

#define MAX_RERUN 100
#define WORKER_MAX_RUNS 1000
/* Kept open in the worker; programs' fds are closed after each program. */
#define GO_FD (KCOV_FD_BASE - 2) /* eventfd: server -> worker */
#define DONE_FD (KCOV_FD_BASE - 1) /* eventfd: worker -> server */

static struct exec_shm *shm;
static int transport[2] = { -1, -1 };
static int ready;
static int kcov_wanted; /* exec_setup opened KCOV: proc servers reopen it */
static int loadavg_fd = -1;

static struct {
	pid_t pid; /* -1: none */
	int pidfd;
	uint32_t key; /* sandbox | KCOV mode << 8 */
	uint32_t runs;
	long first_pid; /* the worker's own pid in our PID namespace view */
} worker = { -1, -1, 0, 0, 0 };

/*
 * Stage timing (drmfuzz_timing=1 in the environment, i.e. on the kernel
 * command line): per-stage totals printed on the console every 32
 * programs.
 */
enum {
	T_IDLE, /* reply sent -> next request received */
	T_VALIDATE,
	T_START, /* forking a worker (when one was needed) */
	T_HANDOFF, /* request posted -> worker starts the program */
	T_PROG, /* the program in the worker */
	T_DONE, /* program done -> server saw it */
	T_CHECK, /* leftover checks, recycling */
	T_ENCODE,
	T_N
};
static const char *const t_names[T_N] = { "idle",    "validate", "start",
					  "handoff", "prog",	 "done",
					  "check",   "encode" };
static int timing = -1;
static uint64_t t_sum[T_N], t_runs;

uint64_t exec_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void exec_timing_idle(uint64_t ns)
{
	t_sum[T_IDLE] += ns;
}

static void timing_report(void)
{
	if (++t_runs % 32)
		return;
	fprintf(stderr, "drmfuzz-executor: timing over 32 programs (ms each):");
	for (int i = 0; i < T_N; i++) {
		fprintf(stderr, " %s %.2f", t_names[i],
			(double)t_sum[i] / 32e6);
		t_sum[i] = 0;
	}
	fprintf(stderr, "\n");
}

int exec_timing_on(void)
{
	if (timing < 0) {
		const char *e = getenv("drmfuzz_timing");

		timing = e && *e == '1';
	}
	return timing;
}

static int data_map(int fixed)
{
	void *p = (void *)(uintptr_t)EXEC_DATA_ADDR;

	return mmap(p, EXEC_DATA_SIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE |
			    (fixed ? MAP_FIXED : MAP_FIXED_NOREPLACE),
		    -1, 0) == p ?
		       0 :
		       -1;
}

/*
 * Fresh eventfds at GO_FD and DONE_FD (the old ones closed in this
 * process only): a task left over from an earlier worker keeps the old
 * ones, and no wake-up of an earlier worker reaches a new one. 0 or -errno.
 */
static int handover_open(void)
{
	int fds[2] = { GO_FD, DONE_FD };

	for (int i = 0; i < 2; i++) {
		int fd = eventfd(0, EFD_CLOEXEC | (i ? EFD_NONBLOCK : 0)), e;

		if (fd < 0)
			return -errno;
		if (fd == fds[i])
			continue;
		if (dup3(fd, fds[i], O_CLOEXEC) < 0) {
			e = -errno;
			close(fd);
			return e;
		}
		close(fd);
	}
	return 0;
}

/*
 * A fresh shared result region (replacing the one we had, if any) and
 * fresh handover eventfds: each proc server needs its own. 0 or -errno.
 */
static int region_open(char *err, size_t cap)
{
	void *p = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int e;

	if (p == MAP_FAILED) {
		snprintf(err, cap, "map the result region: %s",
			 strerror(errno));
		return -errno;
	}
	if (shm)
		munmap(shm, sizeof(*shm));
	shm = p;
	if ((e = handover_open())) {
		snprintf(err, cap, "eventfd: %s", strerror(-e));
		return e;
	}
	return 0;
}

int exec_setup(int kcov, int in, int out, char *err, size_t cap)
{
	uint8_t *guard =
		(uint8_t *)(uintptr_t)(EXEC_DATA_ADDR - EXEC_PAGE_SIZE);
	size_t span = EXEC_DATA_SIZE + 2 * EXEC_PAGE_SIZE;
	void *p;
	int e;

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
	if (data_map(1)) {
		snprintf(err, cap, "map the data area: %s", strerror(errno));
		return -errno;
	}
	if ((e = region_open(err, cap)))
		return e;
	if (kcov && (e = kcov_open_all(err, cap)))
		return e;
	kcov_wanted = kcov;
	/* Orphans of programs come to us to be reaped (and killed). */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	loadavg_fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
	transport[0] = in;
	transport[1] = out;
	ready = 1;
	return 0;
}

int exec_proc_setup(int sock, char *err, size_t cap)
{
	int e;

	worker.pid = -1;
	worker.pidfd = -1;
	transport[0] = transport[1] = sock;
	if (!ready)
		return 0;
	if ((e = region_open(err, cap)))
		return e;
	if (kcov_wanted) {
		kcov_close_all();
		if ((e = kcov_open_all(err, cap)))
			return e;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	return 0;
}

static uint64_t now_ms(void)
{
	return exec_now_ns() / 1000000;
}

/* The last pid allocated in our PID namespace (/proc/loadavg), or -1. */
static long last_pid(void)
{
	char buf[128];
	ssize_t n = loadavg_fd < 0 ? -1 :
				     pread(loadavg_fd, buf, sizeof(buf) - 1, 0);
	char *sp;

	if (n <= 0)
		return -1;
	buf[n] = 0;
	sp = strrchr(buf, ' ');
	return sp ? strtol(sp + 1, NULL, 10) : -1;
}

/* Close every fd but stdio, the eventfds and KCOV's. */
static void close_program_fds(void)
{
	syscall(SYS_close_range, 3, GO_FD - 1, 0);
	syscall(SYS_close_range, KCOV_FD_BASE + KCOV_THREADS, ~0U, 0);
}

/*
 * In the worker's loop: a task that is not the worker's own thread is a
 * copy a program made (it carries on from the creating call). It flags
 * the worker dirty and ends before it touches the handover. SYS_exit, not
 * _exit: a copy made with CLONE_THREAD must not take the worker down.
 */
static void stray_check(pid_t self)
{
	if ((pid_t)syscall(SYS_gettid) == self)
		return;
	__atomic_store_n(&shm->dirty, 1, __ATOMIC_RELEASE);
	for (;;)
		syscall(SYS_exit, 0);
}

/* 1 when the worker (any of its threads) has or had a child. */
static int has_children(void)
{
	siginfo_t si;

	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) ==
		       0 ||
	       errno != ECHILD;
}

/* The worker: set up once, then run the programs posted to it. */
__attribute__((noreturn)) static void worker_main(uint32_t sandbox)
{
	pid_t self = (pid_t)syscall(SYS_gettid);
	char err[200];
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
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
	if (loadavg_fd >= 0)
		close(loadavg_fd);
	if (sandbox_enter(sandbox, err, sizeof(err)))
		exec_child_fail("sandbox: %s", err);
	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	if (chdir("/tmp"))
		exec_child_fail("chdir /tmp: %s", strerror(errno));
	nonfailing_install();
	for (uint32_t seq = 0;;) {
		uint64_t v = 1;
		uid_t u[3];
		gid_t g[3];
		int busy;

		stray_check(self);
		if (read(GO_FD, &v, sizeof(v)) != sizeof(v)) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			exec_child_fail("read the go eventfd: %s",
					strerror(errno));
		}
		if (__atomic_load_n(&shm->seq, __ATOMIC_ACQUIRE) == seq)
			continue; /* a program wrote to our eventfd */
		seq = __atomic_load_n(&shm->seq, __ATOMIC_ACQUIRE);
		shm->req.prog = shm->prog;
		shm->t_setup = exec_now_ns();
		busy = exec_program(&shm->req, shm);
		stray_check(self);
		shm->t_done = exec_now_ns();
		/* A process the program created, even one it reaped:
		 * found without /proc/loadavg (which may count the whole
		 * host's pids). */
		busy |= has_children();
		__atomic_store_n(&shm->dirty, (uint32_t)busy, __ATOMIC_RELAXED);
		__atomic_store_n(&shm->done, seq, __ATOMIC_RELEASE);
		v = 1;
		if (write(DONE_FD, &v, sizeof(v)) != sizeof(v))
			exec_child_fail("write the done eventfd: %s",
					strerror(errno));
		/* While the server replies: undo what the program may have
		 * changed that the next one would see. */
		close_program_fds();
		if (data_map(1))
			exec_child_fail("remap the data area: %s",
					strerror(errno));
		if (chdir("/tmp"))
			exec_child_fail("chdir /tmp: %s", strerror(errno));
		nonfailing_install();
		getresuid(&u[0], &u[1], &u[2]);
		getresgid(&g[0], &g[1], &g[2]);
		if (u[0] != ru || u[1] != eu || u[2] != su || g[0] != rg ||
		    g[1] != eg || g[2] != sg)
			__atomic_store_n(&shm->dirty, 1, __ATOMIC_RELAXED);
		__atomic_store_n(&shm->clean, seq, __ATOMIC_RELEASE);
		if (write(DONE_FD, &v, sizeof(v)) != sizeof(v))
			exec_child_fail("write the done eventfd: %s",
					strerror(errno));
	}
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

/*
 * Kill process group @pgid and reap what comes to us (we are the
 * subreaper) until none of its tasks is left, for up to @ms: a killed
 * task may still be running (or stuck in the kernel) when kill() returns.
 * 1 when the group is gone.
 */
static int group_reap(pid_t pgid, uint64_t ms)
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		while (waitpid(-1, NULL, WNOHANG | __WALL) > 0)
			;
		/* Again each time: one may have been forking. */
		if (kill(-pgid, SIGKILL) < 0 && errno == ESRCH)
			return 1;
		if (now_ms() >= end)
			return 0;
		usleep(200);
	}
}

/*
 * Kill the worker (unless @exited: already reaped) and everything it left
 * behind, and reap them.
 */
static void worker_stop(int exited)
{
	int st;

	if (worker.pid < 0)
		return;
	kill(-worker.pid, SIGKILL);
	if (!exited) {
		kill(worker.pid, SIGKILL);
		/* A task stuck in the kernel may take a while to die. */
		wait_exit(worker.pid, worker.pidfd, 10000, &st);
	}
	if (getpid() == 1)
		kill(-1, SIGKILL); /* our own PID namespace */
	if (!group_reap(worker.pid, 10000))
		fprintf(stderr,
			"drmfuzz-executor: tasks of worker %d would not die in "
			"10 s\n",
			(int)worker.pid);
	if (worker.pidfd >= 0)
		close(worker.pidfd);
	worker.pid = -1;
	worker.pidfd = -1;
}

void exec_worker_stop(void)
{
	worker_stop(0);
}

/* Fork a worker for @key; 0 or -errno. */
static int worker_start(uint32_t key)
{
	pid_t pid;
	int e;

	if ((e = handover_open()))
		return e;
	__atomic_store_n(&shm->n_threads, 0, __ATOMIC_RELAXED);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		worker_main(key & 0xff);
	setpgid(pid, pid);
	worker.pid = pid;
	worker.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	worker.key = key;
	worker.runs = 0;
	worker.first_pid = last_pid();
	return 0;
}

/*
 * Wait up to @ms for the worker to set *@word (shm->done or shm->clean)
 * to @seq: 1 when it did, 0 when it exited (status in *st), -1 on
 * timeout.
 */
static int worker_wait(const uint32_t *word, uint32_t seq, uint64_t ms, int *st)
{
	uint64_t end = now_ms() + ms;

	for (;;) {
		struct pollfd p[2] = { { DONE_FD, POLLIN, 0 },
				       { worker.pidfd, POLLIN, 0 } };
		uint64_t now = now_ms(), v;
		int slice;

		if (__atomic_load_n(word, __ATOMIC_ACQUIRE) == seq)
			return 1;
		if (waitpid(worker.pid, st, WNOHANG | __WALL) == worker.pid)
			return 0;
		if (now >= end)
			return -1;
		/* Without a pidfd, look at the worker every 10 ms. */
		slice = (int)(end - now);
		if (worker.pidfd < 0 && slice > 10)
			slice = 10;
		if (poll(p, worker.pidfd < 0 ? 1 : 2, slice) > 0 &&
		    (p[0].revents & POLLIN)) {
			if (read(DONE_FD, &v, sizeof(v)) < 0 && errno != EAGAIN)
				return -1;
		}
	}
}

/* 1 when a child of ours other than the worker has exited: a program's
 * task made with CLONE_PARENT, or an orphan that came to us. */
static int stray_exited(void)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) ==
		       0 &&
	       si.si_pid != 0 && si.si_pid != worker.pid;
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
	static uint32_t seq;
	struct wire_exec req;
	char err[200], msg[WIRE_EXEC_MSG_MAX] = "";
	uint32_t status, code = 0, n_rec = 0, key;
	uint64_t t0, t1, t2, t3, t4, v = 1;
	long n_calls, pid_now;
	int st = 0, done, e;
	size_t budget;

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
	t0 = exec_now_ns();
	n_calls = validate(&req, err, sizeof(err));
	if (n_calls < 0)
		return refuse(id, w, err);
	t1 = exec_now_ns();
	key = req.sandbox | (req.flags & (WIRE_EXEC_COVER | WIRE_EXEC_CMPS))
				    << 8;
	/* The previous program's clean-up, done while we replied. */
	if (worker.pid >= 0) {
		int c = worker_wait(&shm->clean, seq, 10000, &st);

		if (c != 1 || __atomic_load_n(&shm->dirty, __ATOMIC_RELAXED))
			worker_stop(c == 0);
	}
	if (worker.pid >= 0 &&
	    (worker.key != key || worker.runs >= WORKER_MAX_RUNS))
		worker_stop(0);
	shm->t_setup = shm->t_done = 0;
	shm->arena_used = 0;
	shm->failed = 0;
	shm->dirty = 0;
	shm->msg[0] = 0;
	memset(shm->calls, 0, sizeof(shm->calls[0]) * (size_t)n_calls);
	if (worker.pid < 0 && (e = worker_start(key))) {
		snprintf(err, sizeof(err), "fork: %s", strerror(-e));
		return refuse(id, w, err);
	}
	worker.runs++;
	shm->req = req;
	memcpy(shm->prog, req.prog, req.prog_len);
	shm->req.prog = NULL;
	__atomic_store_n(&shm->seq, ++seq, __ATOMIC_RELEASE);
	t2 = exec_now_ns();
	if (write(GO_FD, &v, sizeof(v)) != sizeof(v)) {
		snprintf(err, sizeof(err), "post to the worker: %s",
			 strerror(errno));
		worker_stop(0);
		return refuse(id, w, err);
	}
	done = worker_wait(&shm->done, seq, req.prog_timeout_ms, &st);
	t3 = exec_now_ns();
	if (done > 0) {
		status = WIRE_EXEC_OK;
	} else if (done == 0) {
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
	}
	/* Anything the program created (a process or a thread of its own)
	 * moved the namespace's last pid past the worker's threads; the
	 * worker reports its children itself (dirty), whatever namespace
	 * /proc/loadavg counts. */
	pid_now = last_pid();
	if (done <= 0 || __atomic_load_n(&shm->dirty, __ATOMIC_RELAXED) ||
	    stray_exited() || pid_now < 0 ||
	    pid_now !=
		    worker.first_pid + (long)__atomic_load_n(&shm->n_threads,
							     __ATOMIC_RELAXED))
		worker_stop(done == 0);
	t4 = exec_now_ns();
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
	if (exec_timing_on()) {
		uint64_t ts = shm->t_setup, td = shm->t_done;

		t_sum[T_VALIDATE] += t1 - t0;
		t_sum[T_START] += t2 - t1;
		if (ts > t2 && td >= ts && t3 >= td) {
			t_sum[T_HANDOFF] += ts - t2;
			t_sum[T_PROG] += td - ts;
			t_sum[T_DONE] += t3 - td;
		}
		t_sum[T_CHECK] += t4 - t3;
		t_sum[T_ENCODE] += exec_now_ns() - t4;
		timing_report();
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
	worker_stop(0); /* the ceiling runs alone */
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
	group_reap(pid, 10000);
	wire_frame_begin(w, WIRE_BENCH_REPLY, id);
	wire_put_u64(w, shm->bench_runs);
	wire_put_u64(w, (t1 - t0) * 1000);
	return wire_frame_end(w);
}
