/*
 * drmfuzz-executor: the program server. Checks each WIRE_EXEC request and
 * hands it to a worker process through the shared region (struct
 * exec_ring): the worker is forked once, enters the sandbox once and then
 * runs program after program, resetting between them what a program may
 * have changed that the next would see (its fds closed, the data pages it
 * declared zeroed, or the data area mapped afresh after a mapping call,
 * the working directory restored after a chdir).
 *
 * Requests are pipelined: while the worker runs one program, the server
 * already posts the next ones into the other slots (as many as the host
 * keeps in flight on the proc), so the worker goes on without waiting for
 * the server, the serving process or the host, and the server builds the
 * replies (re-checking the slot: the program could have written anything
 * there) while later programs run. It sleeps until the worker is down to
 * EXEC_WAKE_AHEAD programs it has not started, or a program ended badly,
 * and then answers all the programs that have ended in one write: under
 * emulation every wake-up and every write to the host costs about as
 * much as a small program. Programs still run one at a time and in order;
 * each has its own timeout, counted from when the one before it ended.
 *
 * The worker checks itself after each program and runs no further one
 * (the server replaces it, killed with everything it left behind, and
 * posts the programs it did not run to the new one) when calls are still
 * blocked, the program created a process or thread (the PID namespace's
 * last pid moved), changed its credentials, rlimits or signal handling.
 * Which checks run depends on the syscalls the program made
 * (EXEC_TOUCH_*). The server also replaces it after a crash or a timeout,
 * when a task of a program came back to us (we are the subreaper), after
 * WORKER_MAX_RUNS programs, or when a request needs another sandbox or
 * KCOV mode (after the programs before it are done).
 *
 * A task a program creates (fork, clone) carries on as a copy of the
 * worker, sharing the region and the eventfds. It must never take part in
 * the handover: a copy that reaches the worker's loop flags the worker
 * dirty and exits at once (its tid is not the worker's), each worker gets
 * a DONE eventfd of its own, and replacing a worker waits until nothing of
 * its process group (or PID namespace) is left before the next program is
 * handed out.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "exec_decode.h"
#include "executor.h"

#define MAX_RERUN 100
#define WORKER_MAX_RUNS 1000
/* Kept open in the worker; programs' fds are closed after each program. */
#define LOADAVG_FD (KCOV_FD_BASE - 3) /* /proc/loadavg */
#define DONE_FD (KCOV_FD_BASE - 1) /* eventfd: worker -> server */
/* The data area is zeroed page by page when a program declared at most
 * this many pages of it; beyond, and every DATA_REMAP_EVERY programs (a
 * kernel write through a stray pointer), it is mapped afresh. */
#define ZERO_MAX_PAGES 256
#define DATA_REMAP_EVERY 64
#define FRAME_MAX (WIRE_HDR_SIZE + WIRE_MAX_PAYLOAD)

static struct exec_ring *ring;
static int transport[2] = { -1, -1 };
static int ready;
static int own_ns; /* a proc server: PID 1 of a namespace of its own */
static int nested; /* the serving process: workers get a namespace each */
static int kcov_wanted; /* exec_setup opened KCOV: proc servers reopen it */
static int loadavg_fd = -1;

static struct {
	pid_t pid; /* -1: none */
	int pidfd;
	int exited; /* its pidfd polled readable: waitpid will tell */
	uint32_t key; /* sandbox | KCOV mode << 8 */
	uint32_t runs; /* programs posted to it */
} worker = { -1, -1, 0, 0 };

/* The programs posted and not yet answered, oldest first. */
struct flight {
	uint32_t id, seq, key, n_calls, timeout_ms;
	uint64_t t_head; /* ms: when it became the oldest (its clock) */
	uint64_t t_rx, t_post; /* ns: received, posted (timing) */
};
static struct flight fl[EXEC_SLOTS];
static int n_fl;
static uint32_t seq; /* the last request number posted */

/*
 * Stage timing (drmfuzz_timing=1 in the environment, i.e. on the kernel
 * command line): per-program averages printed on the console every 32
 * programs.
 */
enum {
	T_ACCEPT, /* request in -> posted (validation) */
	T_QUEUE, /* posted -> the worker starts it */
	T_PROG, /* the program in the worker */
	T_REPLY, /* program done -> its reply built */
	T_IDLE, /* the worker waiting for a program */
	T_CLEAN, /* the worker's clean-up after a program */
	T_N
};
static const char *const t_names[T_N] = { "accept", "queue", "prog",
					  "reply",  "idle",  "clean" };
static int timing = -1;
static uint64_t t_sum[T_N], t_runs;

uint64_t exec_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int exec_timing_on(void)
{
	if (timing < 0) {
		const char *e = getenv("drmfuzz_timing");

		timing = e && *e == '1';
	}
	return timing;
}

/* CPU time (ms) of the calling process (@who RUSAGE_SELF) or thread. */
double exec_cpu_ms(int who)
{
	struct rusage ru;

	if (getrusage(who, &ru))
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static void timing_report(void)
{
	static double cpu0;
	double cpu;

	if (++t_runs % 32)
		return;
	cpu = exec_cpu_ms(RUSAGE_SELF);
	fprintf(stderr,
		"drmfuzz-executor: CPU per program: server %.2f ms, worker "
		"%.2f ms\n",
		cpu0 ? (cpu - cpu0) / 32 : 0,
		(double)__atomic_exchange_n(&ring->worker_cpu_us, 0,
					    __ATOMIC_RELAXED) /
			32e3);
	cpu0 = cpu;
	t_sum[T_IDLE] =
		__atomic_exchange_n(&ring->idle_ns, 0, __ATOMIC_RELAXED);
	t_sum[T_CLEAN] =
		__atomic_exchange_n(&ring->clean_ns, 0, __ATOMIC_RELAXED);
	fprintf(stderr, "drmfuzz-executor: timing over 32 programs (ms each):");
	for (int i = 0; i < T_N; i++) {
		fprintf(stderr, " %s %.2f", t_names[i],
			(double)t_sum[i] / 32e6);
		t_sum[i] = 0;
	}
	fprintf(stderr, "\n");
}

static uint64_t now_ms(void)
{
	return exec_now_ns() / 1000000;
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

static int page_zero(const uint64_t *p)
{
	uint64_t any = 0;

	for (size_t i = 0; i < EXEC_PAGE_SIZE / 8; i++)
		any |= p[i];
	return !any;
}

/*
 * Make the data area what a fresh mapping is, all zeros, for the next
 * program. Mapping it afresh (needed after calls that change mappings,
 * @maps) costs a page fault (a fresh zero page, slow under KASAN) for
 * every page the next program touches, and unmapping 16 MiB walks its
 * page tables; so otherwise only the pages the program declared (exec.h's
 * data size: its copyins and pointer targets) are looked at, and those
 * it left non-zero are zeroed and stay mapped. A kernel write through a
 * stray pointer elsewhere is undone by the remap every DATA_REMAP_EVERY
 * programs. 0 or -1.
 */
static int data_reset(int maps)
{
	static unsigned runs;
	uint8_t *base = (uint8_t *)(uintptr_t)EXEC_DATA_ADDR;
	uint64_t used = exec_data_used();
	size_t pages = (size_t)((used + EXEC_PAGE_SIZE - 1) / EXEC_PAGE_SIZE);

	if (maps || ++runs % DATA_REMAP_EVERY == 0 || pages > ZERO_MAX_PAGES)
		return data_map(1);
	for (size_t i = 0; i < pages; i++) {
		uint8_t *p = base + i * EXEC_PAGE_SIZE;

		/* Reading a page never written maps the shared zero page;
		 * writing it would fault a page in. */
		if (!page_zero((const uint64_t *)p))
			memset(p, 0, EXEC_PAGE_SIZE);
	}
	return 0;
}

/*
 * A fresh eventfd at DONE_FD (the old one closed in this process only): a
 * task left over from an earlier worker keeps the old one, and no wake-up
 * of an earlier worker reaches us through the new one. 0 or -errno.
 */
static int handover_open(void)
{
	int fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK), e;

	if (fd < 0)
		return -errno;
	if (fd == DONE_FD)
		return 0;
	e = dup3(fd, DONE_FD, O_CLOEXEC) < 0 ? -errno : 0;
	close(fd);
	return e;
}

static void futex_wake_all(uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT32_MAX, NULL, NULL, 0);
}

/*
 * The hand-over costs a system call only when the other side sleeps: the
 * worker waits for ring->posted to move in a futex, the server for the
 * worker's progress in poll() on DONE_FD, and each announces its sleep
 * (ring->worker_sleeps, ring->server_sleeps) before checking one last
 * time. Both sides' store-then-load are sequentially consistent, so one
 * of the two always sees the other's store: no wake-up is lost. The
 * server names the program whose end must wake it (ring->wake_at, stored
 * before its sleep is announced, so the worker that sees the one sees the
 * other): never later than the last one posted, so an idle worker has
 * always woken it.
 */
static int server_sleep_begin(void)
{
	uint32_t at = seq - EXEC_WAKE_AHEAD;

	/* The end of the oldest program in flight, or a later one's while
	 * the worker has more than EXEC_WAKE_AHEAD to run after it. */
	if (!n_fl || (int32_t)(at - fl[0].seq) < 0)
		at = n_fl ? fl[0].seq : seq;
	__atomic_store_n(&ring->wake_at, at, __ATOMIC_RELAXED);
	__atomic_store_n(&ring->server_sleeps, 1, __ATOMIC_SEQ_CST);
	if (n_fl && (int32_t)(__atomic_load_n(&ring->done, __ATOMIC_SEQ_CST) -
			      at) >= 0) {
		__atomic_store_n(&ring->server_sleeps, 0, __ATOMIC_RELAXED);
		return 1; /* no need: that program has ended */
	}
	return 0;
}

static void server_sleep_end(void)
{
	__atomic_store_n(&ring->server_sleeps, 0, __ATOMIC_RELAXED);
}

/*
 * A fresh shared region (replacing the one we had, if any) and fresh
 * handover eventfds: each proc server needs its own. 0 or -errno.
 */
static int region_open(char *err, size_t cap)
{
	void *p = mmap(NULL, sizeof(*ring), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	int e;

	if (p == MAP_FAILED) {
		snprintf(err, cap, "map the result region: %s",
			 strerror(errno));
		return -errno;
	}
	if (ring)
		munmap(ring, sizeof(*ring));
	ring = p;
	n_fl = 0;
	seq = 0;
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

int exec_serve_here(void)
{
	if (!ready)
		return 0;
	nested = 1;
	return 1;
}

int exec_proc_setup(int sock, char *err, size_t cap)
{
	int e;

	/* The serving process's worker is not ours. */
	if (worker.pidfd >= 0)
		close(worker.pidfd);
	worker.pid = -1;
	worker.pidfd = -1;
	nested = 0;
	own_ns = getpid() == 1;
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

/* The last pid allocated in our PID namespace (/proc/loadavg), or -1. */
static long last_pid(int fd)
{
	char buf[128];
	ssize_t n = fd < 0 ? -1 : pread(fd, buf, sizeof(buf) - 1, 0);
	char *sp;

	if (n <= 0)
		return -1;
	buf[n] = 0;
	sp = strrchr(buf, ' ');
	return sp ? strtol(sp + 1, NULL, 10) : -1;
}

/*
 * Close the program's fds: all are below EXEC_PROG_FDS (ours are above).
 * Each fd in the range costs a lock round under lockdep: the range is
 * kept short.
 */
static void close_program_fds(void)
{
	syscall(SYS_close_range, 3, EXEC_PROG_FDS - 1, 0);
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
	__atomic_store_n(&ring->dirty, ~0U, __ATOMIC_RELEASE);
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

/*
 * The worker: set up once, then run the programs posted after request
 * number @from, one after the other.
 */
__attribute__((noreturn)) static void worker_main(uint32_t sandbox,
						  uint32_t from)
{
	pid_t self = (pid_t)syscall(SYS_gettid);
	char err[200];
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	long pid0;
	int null;

	exec_fail_slot(&ring->slot[(from + 1) % EXEC_SLOTS]);
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
	if (loadavg_fd >= 0 && dup3(loadavg_fd, LOADAVG_FD, O_CLOEXEC) < 0)
		exec_child_fail("dup /proc/loadavg: %s", strerror(errno));
	if (loadavg_fd >= 0)
		close(loadavg_fd);
	/* Everything above the programs' fds goes (ours stay open). In the
	 * serving process, so does everything below: its streams to the
	 * proc servers must not be a program's first fds. (A proc server
	 * has closed them; tests hand their programs fds this way.) */
	syscall(SYS_close_range, nested ? 3 : EXEC_PROG_FDS, LOADAVG_FD - 1, 0);
	syscall(SYS_close_range, KCOV_FD_BASE + KCOV_THREADS, ~0U, 0);
	if (setrlimit(RLIMIT_NOFILE,
		      &(struct rlimit){ EXEC_PROG_FDS, EXEC_PROG_FDS }))
		exec_child_fail("RLIMIT_NOFILE: %s", strerror(errno));
	if (sandbox_enter(sandbox, err, sizeof(err)))
		exec_child_fail("sandbox: %s", err);
	getresuid(&ru, &eu, &su);
	getresgid(&rg, &eg, &sg);
	if (chdir("/tmp"))
		exec_child_fail("chdir /tmp: %s", strerror(errno));
	nonfailing_install();
	/* Our own pid, unless the namespace is shared (no PID namespace
	 * per proc): then others' tasks move it too, and we are recycled
	 * more often than needed. Without /proc/loadavg, after every
	 * program. */
	pid0 = loadavg_fd >= 0 ? last_pid(LOADAVG_FD) : -1;
	double cpu_last = 0;

	for (uint32_t s = from;;) {
		struct exec_shm *sl;
		struct rlimit rl;
		uint64_t v = 1, t0;
		uint32_t touched;
		uid_t u[3];
		gid_t g[3];
		long lp;
		int busy;

		stray_check(self);
		if (__atomic_load_n(&ring->posted, __ATOMIC_ACQUIRE) == s) {
			t0 = exec_timing_on() ? exec_now_ns() : 0;
			__atomic_store_n(&ring->worker_sleeps, 1,
					 __ATOMIC_SEQ_CST);
			if (__atomic_load_n(&ring->posted, __ATOMIC_SEQ_CST) ==
			    s)
				syscall(SYS_futex, &ring->posted, FUTEX_WAIT, s,
					NULL, NULL, 0);
			__atomic_store_n(&ring->worker_sleeps, 0,
					 __ATOMIC_RELAXED);
			if (t0)
				__atomic_fetch_add(&ring->idle_ns,
						   exec_now_ns() - t0,
						   __ATOMIC_RELAXED);
			continue;
		}
		if (exec_timing_on()) {
			double c = exec_cpu_ms(RUSAGE_THREAD);

			if (cpu_last)
				__atomic_fetch_add(
					&ring->worker_cpu_us,
					(uint64_t)((c - cpu_last) * 1e3),
					__ATOMIC_RELAXED);
			cpu_last = c;
		}
		sl = &ring->slot[++s % EXEC_SLOTS];
		exec_fail_slot(sl);
		sl->req.prog = sl->prog;
		sl->t_setup = exec_now_ns();
		busy = exec_program(&sl->req, sl);
		stray_check(self);
		sl->t_done = exec_now_ns();
		touched = exec_touched_take();
		/* Handlers, mask or stack of signals: not worth repairing. */
		busy |= !!(touched & EXEC_TOUCH_SIGNALS);
		if (touched & EXEC_TOUCH_TASKS) {
			/* A process the program created, even one it
			 * reaped: found without /proc/loadavg (which may
			 * count the whole host's pids). A thread or process
			 * it created: the last pid. */
			busy |= has_children();
			lp = pid0 < 0 ? -1 : last_pid(LOADAVG_FD);
			busy |= lp < 0 ||
				lp != pid0 + (long)exec_threads_started();
		}
		if (touched & EXEC_TOUCH_CREDS) {
			getresuid(&u[0], &u[1], &u[2]);
			getresgid(&g[0], &g[1], &g[2]);
			busy |= u[0] != ru || u[1] != eu || u[2] != su ||
				g[0] != rg || g[1] != eg || g[2] != sg;
		}
		/* Root may raise the limit: fds above it would outlive us. */
		if (touched & EXEC_TOUCH_LIMITS)
			busy |= getrlimit(RLIMIT_NOFILE, &rl) ||
				rl.rlim_cur != EXEC_PROG_FDS ||
				rl.rlim_max != EXEC_PROG_FDS;
		sl->touched = touched;
		if (busy)
			__atomic_store_n(&ring->dirty, s, __ATOMIC_RELAXED);
		__atomic_store_n(&ring->done, s, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&ring->server_sleeps, __ATOMIC_SEQ_CST) &&
		    (busy ||
		     (int32_t)(s - __atomic_load_n(&ring->wake_at,
						   __ATOMIC_RELAXED)) >= 0) &&
		    write(DONE_FD, &v, sizeof(v)) != sizeof(v) &&
		    errno != EAGAIN)
			exec_child_fail("write the done eventfd: %s",
					strerror(errno));
		if (busy) {
			/* Unfit for another program: the server kills us. */
			for (;;)
				pause();
		}
		/* While the server replies: undo what the program may have
		 * changed that the next one would see. */
		t0 = exec_timing_on() ? exec_now_ns() : 0;
		close_program_fds();
		if (data_reset(touched & EXEC_TOUCH_MAPS))
			exec_child_fail("reset the data area: %s",
					strerror(errno));
		if ((touched & EXEC_TOUCH_CWD) && chdir("/tmp"))
			exec_child_fail("chdir /tmp: %s", strerror(errno));
		if (t0)
			__atomic_fetch_add(&ring->clean_ns, exec_now_ns() - t0,
					   __ATOMIC_RELAXED);
	}
}

/*
 * PID 1 of the worker's own PID namespace, for the serving process (which
 * has other children: proc servers): forks the worker and waits for it.
 * When it ends, the namespace ends with us, everything a program left
 * with it; the worker's status is passed on in the shared region (a
 * namespace's init cannot die of its own signals).
 */
__attribute__((noreturn)) static void worker_init(uint32_t sandbox,
						  uint32_t from)
{
	pid_t pid;
	int st;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	setpgid(0, 0);
	pid = fork();
	if (pid < 0)
		_exit(WIRE_EXIT_FAIL);
	if (pid == 0)
		worker_main(sandbox, from);
	while (waitpid(pid, &st, __WALL) < 0) {
		if (errno != EINTR)
			_exit(WIRE_EXIT_FAIL);
	}
	__atomic_store_n(&ring->worker_status, st, __ATOMIC_RELEASE);
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
		/* Our other children (proc servers) are not ours to reap. */
		while (waitpid(nested ? pgid : -1, NULL, WNOHANG | __WALL) > 0)
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
	if (own_ns)
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

/* Fork a worker for @key that runs the programs posted after request
 * number @from; 0 or -errno. */
static int worker_start(uint32_t key, uint32_t from)
{
	pid_t pid;
	int e;

	if ((e = handover_open()))
		return e;
	exec_timing_on(); /* decided once, before the fork */
	__atomic_store_n(&ring->done, from, __ATOMIC_RELAXED);
	__atomic_store_n(&ring->dirty, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ring->worker_sleeps, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&ring->worker_status, -1, __ATOMIC_RELAXED);
	pid = nested ? (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0,
				      NULL, NULL, 0) :
		       -1;
	if (pid < 0)
		pid = fork();
	else if (pid == 0)
		worker_init(key & 0xff, from);
	if (pid < 0)
		return -errno;
	if (pid == 0)
		worker_main(key & 0xff, from);
	setpgid(pid, pid);
	worker.pid = pid;
	worker.pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	worker.exited = 0;
	worker.key = key;
	worker.runs = 0;
	return 0;
}

/* Post request number @n: wake the worker if it sleeps. */
static void worker_post(uint32_t n)
{
	__atomic_store_n(&ring->posted, n, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&ring->worker_sleeps, __ATOMIC_SEQ_CST))
		futex_wake_all(&ring->posted);
}

/* A slot as the worker must find it before it runs the slot's program. */
static void slot_reset(struct exec_shm *sl, uint32_t n_calls)
{
	sl->t_setup = sl->t_done = 0;
	sl->touched = 0;
	sl->arena_used = 0;
	sl->failed = 0;
	sl->msg[0] = 0;
	memset(sl->calls, 0, sizeof(sl->calls[0]) * (size_t)n_calls);
}

/*
 * The worker was replaced while programs were in flight: a new one runs
 * those it had not finished. When it cannot be forked, they are answered
 * as lost (head_state).
 */
static void worker_resume(void)
{
	uint32_t done = __atomic_load_n(&ring->done, __ATOMIC_ACQUIRE);
	uint32_t from = fl[0].seq - 1;
	int e;

	if (!n_fl)
		return;
	/* A program the old worker finished keeps its results. */
	if ((int32_t)(done - from) > 0 && (int32_t)(done - seq) <= 0)
		from = done;
	for (int i = 0; i < n_fl; i++) {
		if ((int32_t)(fl[i].seq - from) > 0)
			slot_reset(&ring->slot[fl[i].seq % EXEC_SLOTS],
				   fl[i].n_calls);
	}
	if ((e = worker_start(fl[0].key, from))) {
		fprintf(stderr, "drmfuzz-executor: fork a worker: %s\n",
			strerror(-e));
		return;
	}
	worker.runs = (uint32_t)n_fl;
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

enum { SUB_POSTED = 1, SUB_WAIT = 2 };

/*
 * Take one WIRE_EXEC request: post it to the worker (SUB_POSTED), or
 * SUB_WAIT when it has to wait for the programs in flight (no free slot,
 * or it needs another worker), or answer it into @w (a refusal: the
 * cursor's error, 0 when fine).
 */
static int submit(uint32_t id, const uint8_t *payload, size_t len,
		  struct wire_wr *w)
{
	uint64_t t0 = exec_now_ns();
	struct wire_exec req;
	struct exec_shm *sl;
	struct flight *f;
	char err[200];
	long n_calls;
	uint32_t key;
	int e;

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
	key = req.sandbox | (req.flags & (WIRE_EXEC_COVER | WIRE_EXEC_CMPS))
				    << 8;
	if (n_fl == EXEC_SLOTS)
		return SUB_WAIT;
	if (worker.pid >= 0 &&
	    (worker.key != key || worker.runs >= WORKER_MAX_RUNS)) {
		if (n_fl)
			return SUB_WAIT;
		worker_stop(0);
	}
	if (worker.pid < 0 && n_fl)
		return SUB_WAIT; /* answered as lost first */
	sl = &ring->slot[(seq + 1) % EXEC_SLOTS];
	slot_reset(sl, (uint32_t)n_calls);
	sl->req = req;
	memcpy(sl->prog, req.prog, req.prog_len);
	sl->req.prog = NULL;
	if (worker.pid < 0 && (e = worker_start(key, seq))) {
		snprintf(err, sizeof(err), "fork: %s", strerror(-e));
		return refuse(id, w, err);
	}
	worker.runs++;
	f = &fl[n_fl++];
	f->id = id;
	f->seq = seq + 1;
	f->key = key;
	f->n_calls = (uint32_t)n_calls;
	f->timeout_ms = req.prog_timeout_ms;
	f->t_head = n_fl == 1 ? now_ms() : 0;
	f->t_rx = t0;
	f->t_post = exec_now_ns();
	worker_post(++seq);
	return SUB_POSTED;
}

enum { HEAD_DONE, HEAD_EXITED, HEAD_TIMEOUT, HEAD_LOST, HEAD_RUNNING };

/*
 * When program @k in flight times out (ms). Its timeout counts from when
 * the worker started it, by the stamp in its slot: we may see the
 * program before it end late, since the worker wakes us only every few
 * programs. The stamp is the worker's word, which a program may have
 * overwritten, so it counts no earlier than the program was posted, and
 * for the oldest program no later than when we saw it become the oldest
 * (the clock it had before replies were batched): a program can make a
 * deadline earlier, never later. A program not started yet counts from
 * now.
 */
static uint64_t flight_deadline(int k, uint64_t now)
{
	const struct flight *f = &fl[k];
	const struct exec_shm *sl = &ring->slot[f->seq % EXEC_SLOTS];
	uint64_t start = __atomic_load_n(&sl->t_setup, __ATOMIC_RELAXED) /
			 1000000,
		 posted = f->t_post / 1000000;

	if (!start || start > now)
		start = now;
	if (start < posted)
		start = posted;
	if (!k && f->t_head < start)
		start = f->t_head;
	return start + f->timeout_ms;
}

/* Where the oldest program in flight is; *st: the worker's exit status. */
static int head_state(int *st)
{
	const struct flight *f = &fl[0];
	int32_t ahead;

	ahead = (int32_t)(__atomic_load_n(&ring->done, __ATOMIC_ACQUIRE) -
			  f->seq);
	if (ahead >= 0)
		return HEAD_DONE;
	if (worker.pid < 0)
		return HEAD_LOST;
	/* With a pidfd, only once poll() said it exited: a system call
	 * less per look. */
	if ((worker.pidfd < 0 || worker.exited) &&
	    waitpid(worker.pid, st, WNOHANG | __WALL) == worker.pid) {
		int ws =
			__atomic_load_n(&ring->worker_status, __ATOMIC_ACQUIRE);

		/* worker_init passes the worker's own status on. */
		if (WIFEXITED(*st) && !WEXITSTATUS(*st) && ws != -1)
			*st = ws;
		/* It may have finished the program just before. */
		ahead = (int32_t)(__atomic_load_n(&ring->done,
						  __ATOMIC_ACQUIRE) -
				  f->seq);
		worker_stop(1);
		return ahead >= 0 ? HEAD_DONE : HEAD_EXITED;
	}
	uint64_t now = now_ms();

	if (now >= flight_deadline(0, now))
		return HEAD_TIMEOUT;
	return HEAD_RUNNING;
}

/*
 * The first deadline to wake up for: the oldest program's, or that of
 * one later in the queue that the worker runs now (the programs before
 * it ended, but the worker has not woken us for them yet) or may start
 * before we wake (from now, then).
 */
static uint64_t next_deadline(uint64_t now)
{
	uint32_t done = __atomic_load_n(&ring->done, __ATOMIC_ACQUIRE);
	int32_t k = (int32_t)(done + 1 - fl[0].seq);
	uint64_t d = flight_deadline(0, now), r;

	for (k = k > 1 ? k : 1; k < n_fl; k++) {
		if ((r = flight_deadline(k, now)) < d)
			d = r;
	}
	return d;
}

/* Encode one call from its snapshot @c, within @budget bytes. */
static void put_call(struct wire_wr *w, const struct exec_shm *sl, uint32_t i,
		     struct exec_shm_call c, size_t *budget)
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
	wire_exec_call_encode(w, i, flags, c.err, c.ret, sl->arena + c.pcs_off,
			      c.n_pcs, sl->arena + c.cmps_off, c.n_cmps);
}

/*
 * Answer the oldest program in flight, in @state (not HEAD_RUNNING), into
 * @w, and let the next one's clock start. The cursor's error.
 */
static int head_finish(int state, int st, struct wire_wr *w)
{
	static struct exec_shm_call snap[EXEC_MAX_CALLS];
	const struct flight f = fl[0];
	struct exec_shm *sl = &ring->slot[f.seq % EXEC_SLOTS];
	char msg[WIRE_EXEC_MSG_MAX] = "";
	uint32_t status = WIRE_EXEC_OK, code = 0, n_rec = 0, dirty;
	int recycle = 0, rc;
	size_t budget;

	memmove(fl, fl + 1, sizeof(fl[0]) * (size_t)(n_fl - 1));
	n_fl--;
	if (n_fl)
		fl[0].t_head = now_ms();
	if (state == HEAD_LOST) {
		rc = refuse(f.id, w,
			    "WIRE_EXEC: the worker could not be restarted "
			    "(fork failed, see the console)");
		worker_resume();
		return rc;
	}
	if (state == HEAD_EXITED) {
		if (WIFSIGNALED(st)) {
			status = WIRE_EXEC_CRASHED;
			code = (uint32_t)WTERMSIG(st);
		} else if (WEXITSTATUS(st) == WIRE_EXIT_FAIL &&
			   __atomic_load_n(&sl->failed, __ATOMIC_ACQUIRE)) {
			status = WIRE_EXEC_FAILED;
			code = WIRE_EXIT_FAIL;
			memcpy(msg, sl->msg, sizeof(msg) - 1);
			msg[sizeof(msg) - 1] = 0;
		} else {
			code = (uint32_t)WEXITSTATUS(st);
		}
		recycle = 1; /* already stopped */
	} else if (state == HEAD_TIMEOUT) {
		status = WIRE_EXEC_TIMEOUT;
		recycle = 1;
		worker_stop(0);
	} else {
		dirty = __atomic_load_n(&ring->dirty, __ATOMIC_RELAXED);
		if (worker.pid < 0) {
			recycle = 1; /* it exited after the program */
		} else if (dirty == f.seq || dirty == ~0U ||
			   ((sl->touched & EXEC_TOUCH_TASKS) && !nested &&
			    stray_exited())) {
			recycle = 1;
			worker_stop(0);
		}
	}
	/* A program's message is text only. */
	for (char *p = msg; *p; p++) {
		if (*p < ' ' || *p > '~')
			*p = '?';
	}
	/* One snapshot: a task that would not die may still write. */
	memcpy(snap, sl->calls, sizeof(snap[0]) * (size_t)f.n_calls);
	for (uint32_t i = 0; i < f.n_calls; i++)
		n_rec += !!(snap[i].flags & WIRE_CALL_EXECUTED);
	wire_frame_begin(w, WIRE_EXEC_REPLY, f.id);
	wire_exec_reply_begin(w, status, code, msg, n_rec);
	budget = WIRE_MAX_PAYLOAD - (w->len - w->frame - WIRE_HDR_SIZE) -
		 (size_t)n_rec * WIRE_EXEC_CALL_HDR;
	for (uint32_t i = 0; i < f.n_calls; i++) {
		if (snap[i].flags & WIRE_CALL_EXECUTED)
			put_call(w, sl, i, snap[i], &budget);
	}
	if (exec_timing_on()) {
		uint64_t ts = sl->t_setup, td = sl->t_done;

		t_sum[T_ACCEPT] += f.t_post - f.t_rx;
		if (state == HEAD_DONE && ts >= f.t_post && td >= ts) {
			t_sum[T_QUEUE] += ts - f.t_post;
			t_sum[T_PROG] += td - ts;
			t_sum[T_REPLY] += exec_now_ns() - td;
		}
		timing_report();
	}
	if (recycle)
		worker_resume();
	return wire_frame_end(w);
}

/* Wait up to @ms for the oldest program's state to change (or its
 * deadline). */
static void head_wait(uint64_t ms)
{
	uint64_t now = now_ms(), deadline = next_deadline(now), v;
	struct pollfd p[2] = { { DONE_FD, POLLIN, 0 },
			       { worker.pidfd, POLLIN, 0 } };
	int slice;

	if (deadline < now + ms)
		ms = deadline > now ? deadline - now : 0;
	slice = (int)ms;
	/* Without a pidfd, look at the worker every 10 ms. */
	if (worker.pidfd < 0 && slice > 10)
		slice = 10;
	if (server_sleep_begin())
		return;
	if (poll(p, worker.pidfd < 0 ? 1 : 2, slice) > 0) {
		if (p[0].revents & POLLIN)
			(void)!read(DONE_FD, &v, sizeof(v));
		worker.exited |= !!p[1].revents;
	}
	server_sleep_end();
}

int exec_handle(uint32_t id, const uint8_t *payload, size_t len,
		struct wire_wr *w)
{
	int rc, state, st = 0;

	if (n_fl)
		return refuse(id, w, "WIRE_EXEC: programs are still in flight");
	rc = submit(id, payload, len, w);
	if (rc != SUB_POSTED)
		return rc == SUB_WAIT ? refuse(id, w,
					       "WIRE_EXEC: no worker "
					       "(see the console)") :
					rc;
	while ((state = head_state(&st)) == HEAD_RUNNING)
		head_wait(1000);
	return head_finish(state, st, w);
}

/* ---- The engine's part in a poll loop (exec_serve, serve_procs) ---- */

int exec_in_flight(void)
{
	return n_fl;
}

int exec_take(const struct wire_hdr *h, const uint8_t *payload, int out)
{
	static uint8_t tx[FRAME_MAX];
	struct wire_wr w;
	int r;

	wire_wr_init(&w, tx, sizeof(tx));
	if (h->type == WIRE_EXEC) {
		r = submit(h->id, payload, h->len, &w);
		if (r == SUB_POSTED)
			return EXEC_TAKEN;
		if (r == SUB_WAIT)
			return EXEC_WAIT;
	} else if (n_fl) {
		return EXEC_WAIT; /* after the programs before it */
	} else {
		r = serve_handle(h, payload, &w);
	}
	if (!r)
		r = write_all(out, tx, w.len);
	return r < 0 ? r : EXEC_TAKEN;
}

/* The replies of all the programs that have ended go out in one write:
 * the host's stream costs a wake-up of the host on every write. */
int exec_finish(int out)
{
	static uint8_t tx[EXEC_SLOTS][FRAME_MAX];
	size_t len = 0;
	int r = 0;

	while (n_fl && !r) {
		int st = 0, state = head_state(&st);
		struct wire_wr w;

		if (state == HEAD_RUNNING)
			break;
		wire_wr_init(&w, (uint8_t *)tx + len, sizeof(tx) - len);
		if (!(r = head_finish(state, st, &w)))
			len += w.len;
	}
	if (len) {
		int e = write_all(out, tx, len);

		r = r ? r : e;
	}
	return r;
}

int exec_poll_prepare(struct pollfd *p, int *timeout_ms)
{
	if (!n_fl)
		return 0;
	if (server_sleep_begin())
		*timeout_ms = 0; /* the oldest program has ended */
	else {
		uint64_t now = now_ms(), end = next_deadline(now);
		int slice = end > now ? (int)(end - now) : 0;

		/* Without a pidfd, look at the worker every 10 ms. */
		if (worker.pidfd < 0 && slice > 10)
			slice = 10;
		if (*timeout_ms < 0 || slice < *timeout_ms)
			*timeout_ms = slice;
	}
	p[0] = (struct pollfd){ DONE_FD, POLLIN, 0 };
	p[1] = (struct pollfd){ worker.pid < 0 ? -1 : worker.pidfd, POLLIN, 0 };
	return 2;
}

void exec_poll_done(const struct pollfd *p, int n)
{
	uint64_t v;

	server_sleep_end();
	if (n && (p[0].revents & POLLIN))
		(void)!read(DONE_FD, &v, sizeof(v));
	if (n && p[1].fd >= 0 && p[1].revents)
		worker.exited = 1;
}

/*
 * The proc server's loop over its stream @fd: WIRE_EXEC requests are
 * pipelined (see the top of this file); anything else is answered once
 * the programs before it are done, in order.
 */
int exec_serve(int fd, char *err, size_t cap)
{
	const size_t rx_cap = WIRE_EXEC_PROC_DEPTH * (size_t)FRAME_MAX;
	uint8_t *rx = mmap(NULL, rx_cap, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	size_t have = 0;
	int e = 0, eof = 0;

	if (rx == MAP_FAILED) {
		snprintf(err, cap, "map the request buffer: %s",
			 strerror(errno));
		return -ENOMEM;
	}
	while (!e) {
		struct pollfd p[3];
		struct wire_hdr h;
		int np, timeout = -1;
		ssize_t got;
		long n;

		/* Take what can be taken, in order. */
		while ((n = wire_frame_check(rx, have, &h)) != 0) {
			int r;

			if (n < 0) {
				snprintf(err, cap, "%s", wire_frame_error(n));
				e = (int)n;
				break;
			}
			r = exec_take(&h, rx + WIRE_HDR_SIZE, fd);
			if (r == EXEC_WAIT)
				break;
			if (r < 0) {
				snprintf(err, cap, "reply: %s", strerror(-r));
				e = r;
				break;
			}
			memmove(rx, rx + n, have - (size_t)n);
			have -= (size_t)n;
		}
		if (e)
			break;
		if (eof && !exec_in_flight())
			break;
		/* Wait for a program to end or a request to come. */
		np = exec_poll_prepare(p, &timeout);
		p[np] = (struct pollfd){ eof || have == rx_cap ? -1 : fd,
					 POLLIN, 0 };
		if (poll(p, (nfds_t)np + 1, timeout) < 0 && errno != EINTR) {
			e = -errno;
			snprintf(err, cap, "poll: %s", strerror(errno));
			break;
		}
		exec_poll_done(p, np);
		if ((e = exec_finish(fd))) {
			snprintf(err, cap, "reply: %s", strerror(-e));
			break;
		}
		if (!(p[np].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		got = read(fd, rx + have, rx_cap - have);
		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0) {
			e = -errno;
			snprintf(err, cap, "read: %s", strerror(errno));
		} else if (got == 0) {
			eof = 1;
			if (have && wire_frame_check(rx, have, &h) == 0) {
				snprintf(err, cap,
					 "host closed the stream inside a "
					 "frame");
				e = -EBADMSG;
			}
			/* The serving process is gone: nobody to answer. */
			break;
		} else {
			have += (size_t)got;
		}
	}
	worker_stop(0);
	n_fl = 0;
	munmap(rx, rx_cap);
	return e;
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
	if (n_fl)
		return refuse(id, w, "WIRE_BENCH: programs are in flight");
	worker_stop(0); /* the ceiling runs alone */
	ring->bench_runs = 0;
	t0 = now_ms();
	pid = fork();
	if (pid < 0)
		return refuse(id, w, "WIRE_BENCH: fork failed");
	if (pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		nonfailing_install();
		exec_fail_slot(&ring->slot[0]);
		while (now_ms() - t0 < ms) {
			ring->slot[0].arena_used = 0;
			exec_program(&req, &ring->slot[0]);
			ring->bench_runs++;
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
	wire_put_u64(w, ring->bench_runs);
	wire_put_u64(w, (t1 - t0) * 1000);
	return wire_frame_end(w);
}
