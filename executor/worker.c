/*
 * drmfuzz-executor: the worker, the process that runs a proc server's
 * programs one after the other: its set-up, its loop over the ring, the
 * checks and resets between programs; and, on the server's side, its
 * start and its end with everything its programs left.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interp.h"
#include "worker.h"

/* The data area is zeroed page by page when a program declared at most
 * this many pages of it; beyond, and every DATA_REMAP_EVERY programs (a
 * kernel write through a stray pointer), it is mapped afresh. */
#define ZERO_MAX_PAGES 256
#define DATA_REMAP_EVERY 64

struct worker_handle worker = { -1, -1, 0, 0, 0 };
static int transport[2] = { -1, -1 };
static int own_ns; /* a proc server: PID 1 of a namespace of its own */
/* The worker's task name, "drmfuzz-proc-N": reports name the proc. */
static char worker_name[24];
static int nested; /* the serving process: workers get a namespace each */
static int loadavg_fd = -1;
static struct ring_slot *fail_slot;

void worker_fail_slot(struct ring_slot *sl)
{
	fail_slot = sl;
}

void worker_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fail_slot->msg, sizeof(fail_slot->msg), fmt, ap);
	va_end(ap);
	__atomic_store_n(&fail_slot->failed, 1, __ATOMIC_RELEASE);
	_exit(WIRE_EXIT_FAIL);
}

static uint64_t now_ms(void)
{
	return timing_now_ns() / 1000000;
}

/* ---- The data area ---- */

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

int worker_data_map(char *err, size_t cap)
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
	if (data_map(1)) {
		snprintf(err, cap, "map the data area: %s", strerror(errno));
		return -errno;
	}
	return 0;
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
	uint64_t used = interp_data_used();
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

/* ---- Set-up, in the proc server ---- */

void worker_setup(int in, int out)
{
	loadavg_fd = open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
	transport[0] = in;
	transport[1] = out;
}

void worker_setup_forked(int sock)
{
	/* The serving process's worker is not ours. */
	if (worker.pidfd >= 0)
		close(worker.pidfd);
	worker.pid = -1;
	worker.pidfd = -1;
	nested = 0;
	own_ns = getpid() == 1;
	transport[0] = transport[1] = sock;
}

void worker_set_nested(void)
{
	nested = 1;
}

/* ---- The worker process ---- */

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
 * Close the program's fds: all are below PROG_FDS (ours are above).
 * Each fd in the range costs a lock round under lockdep: the range is
 * kept short.
 */
static void close_program_fds(void)
{
	syscall(SYS_close_range, 3, PROG_FDS - 1, 0);
}

/*
 * In the worker's loop: a task that is not the worker's own thread is a
 * copy a program made (it carries on from the creating call). It flags
 * the worker dirty and ends before it touches the hand-over. SYS_exit,
 * not _exit: a copy made with CLONE_THREAD must not take the worker down.
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

/* What the worker was when it started. */
struct worker_base {
	uid_t uid[3];
	gid_t gid[3];
	long pid0; /* the last pid then, or -1 */
};

/*
 * 1 when the program that just ended (the TOUCH_* of its calls,
 * @touched) left the worker unfit for another: it created a process or
 * thread, changed its credentials, its fd limit or its signal handling.
 */
static int unfit_after(uint32_t touched, const struct worker_base *b)
{
	struct rlimit rl;
	uid_t u[3];
	gid_t g[3];
	long lp;
	int unfit = 0;

	/* Handlers, mask or stack of signals: not worth repairing. */
	unfit |= !!(touched & TOUCH_SIGNALS);
	if (touched & TOUCH_TASKS) {
		/* A process the program created, even one it reaped:
		 * found without /proc/loadavg (which may count the whole
		 * host's pids). A thread or process it created: the last
		 * pid. */
		unfit |= has_children();
		lp = b->pid0 < 0 ? -1 : last_pid(LOADAVG_FD);
		unfit |= lp < 0 ||
			 lp != b->pid0 + (long)interp_threads_started();
	}
	if (touched & TOUCH_CREDS) {
		getresuid(&u[0], &u[1], &u[2]);
		getresgid(&g[0], &g[1], &g[2]);
		unfit |= u[0] != b->uid[0] || u[1] != b->uid[1] ||
			 u[2] != b->uid[2] || g[0] != b->gid[0] ||
			 g[1] != b->gid[1] || g[2] != b->gid[2];
	}
	/* Root may raise the limit: fds above it would outlive us. */
	if (touched & TOUCH_LIMITS)
		unfit |= getrlimit(RLIMIT_NOFILE, &rl) ||
			 rl.rlim_cur != PROG_FDS || rl.rlim_max != PROG_FDS;
	return unfit;
}

/*
 * The worker: set up once, then run the programs posted after request
 * number @from, one after the other.
 */
__attribute__((noreturn)) static void worker_main(uint32_t sandbox,
						  uint32_t from)
{
	pid_t self = (pid_t)syscall(SYS_gettid);
	struct worker_base base;
	char err[200];
	int null;

	worker_fail_slot(&ring->slot[(from + 1) % RING_SLOTS]);
	prctl(PR_SET_NAME, worker_name, 0, 0, 0);
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
		worker_fail("dup /proc/loadavg: %s", strerror(errno));
	if (loadavg_fd >= 0)
		close(loadavg_fd);
	/* Everything above the programs' fds goes (ours stay open). In the
	 * serving process, so does everything below: its streams to the
	 * proc servers must not be a program's first fds. (A proc server
	 * has closed them; tests hand their programs fds this way.) */
	syscall(SYS_close_range, nested ? 3 : PROG_FDS, LOADAVG_FD - 1, 0);
	syscall(SYS_close_range, KCOV_FD_BASE + KCOV_THREADS, ~0U, 0);
	if (setrlimit(RLIMIT_NOFILE, &(struct rlimit){ PROG_FDS, PROG_FDS }))
		worker_fail("RLIMIT_NOFILE: %s", strerror(errno));
	if (sandbox_enter(sandbox, err, sizeof(err)))
		worker_fail("sandbox: %s", err);
	getresuid(&base.uid[0], &base.uid[1], &base.uid[2]);
	getresgid(&base.gid[0], &base.gid[1], &base.gid[2]);
	if (chdir("/tmp"))
		worker_fail("chdir /tmp: %s", strerror(errno));
	nonfailing_install();
	/* Our own pid, unless the namespace is shared (no PID namespace
	 * per proc): then others' tasks move it too, and we are replaced
	 * more often than needed. Without /proc/loadavg, after every
	 * program. */
	base.pid0 = loadavg_fd >= 0 ? last_pid(LOADAVG_FD) : -1;
	double cpu_last = 0;

	for (uint32_t s = from;;) {
		struct ring_slot *sl;
		uint32_t touched;
		uint64_t t0;
		int unfit, e;

		stray_check(self);
		if (__atomic_load_n(&ring->posted, __ATOMIC_ACQUIRE) == s) {
			ring_worker_sleep(s);
			continue;
		}
		if (timing_on()) {
			double c = timing_cpu_ms(RUSAGE_THREAD);

			if (cpu_last)
				__atomic_fetch_add(
					&ring->worker_cpu_us,
					(uint64_t)((c - cpu_last) * 1e3),
					__ATOMIC_RELAXED);
			cpu_last = c;
		}
		sl = &ring->slot[++s % RING_SLOTS];
		worker_fail_slot(sl);
		sl->req.prog = sl->prog;
		sl->t_setup = timing_now_ns();
		unfit = interp_run(&sl->req, sl);
		stray_check(self);
		sl->t_done = timing_now_ns();
		touched = interp_touched_take();
		unfit |= unfit_after(touched, &base);
		sl->touched = touched;
		if ((e = ring_worker_done(s, unfit)))
			worker_fail("write the done eventfd: %s", strerror(-e));
		if (unfit) {
			/* Unfit for another program: the server kills us. */
			for (;;)
				pause();
		}
		/* While the server replies: undo what the program may have
		 * changed that the next one would see. */
		t0 = timing_on() ? timing_now_ns() : 0;
		close_program_fds();
		if (data_reset(touched & TOUCH_MAPS))
			worker_fail("reset the data area: %s", strerror(errno));
		if ((touched & TOUCH_CWD) && chdir("/tmp"))
			worker_fail("chdir /tmp: %s", strerror(errno));
		if (t0)
			__atomic_fetch_add(&ring->clean_ns,
					   timing_now_ns() - t0,
					   __ATOMIC_RELAXED);
	}
}

/*
 * PID 1 of the worker's own PID namespace, for the serving process (which
 * has other children: proc servers): forks the worker and waits for it.
 * When it ends, the namespace ends with us, everything a program left
 * with it; the worker's status is passed on in the ring (a namespace's
 * init cannot die of its own signals).
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

/* ---- Start and stop, in the proc server ---- */

int worker_wait_exit(pid_t pid, int pidfd, uint64_t ms, int *status)
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

/* A killed task may still be running (or stuck in the kernel) when
 * kill() returns: the group is killed again until it is gone. */
int worker_reap_group(pid_t pgid, uint64_t ms)
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

void worker_stop(int reaped)
{
	int st;

	if (worker.pid < 0)
		return;
	kill(-worker.pid, SIGKILL);
	if (!reaped) {
		kill(worker.pid, SIGKILL);
		/* A task stuck in the kernel may take a while to die. */
		worker_wait_exit(worker.pid, worker.pidfd, 10000, &st);
	}
	if (own_ns)
		kill(-1, SIGKILL); /* our own PID namespace */
	if (!worker_reap_group(worker.pid, 10000))
		fprintf(stderr,
			"drmfuzz-executor: tasks of worker %d would not die in "
			"10 s\n",
			(int)worker.pid);
	if (worker.pidfd >= 0)
		close(worker.pidfd);
	worker.pid = -1;
	worker.pidfd = -1;
}

int worker_start(uint32_t key, uint32_t from)
{
	pid_t pid;
	int e;

	snprintf(worker_name, sizeof(worker_name), "drmfuzz-proc-%u",
		 (key >> 16) & 0xff);
	if ((e = ring_done_fd_open()))
		return e;
	timing_on(); /* decided once, before the fork */
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

int worker_stray_exited(void)
{
	siginfo_t si;

	/* The serving process's other children are proc servers. */
	if (nested)
		return 0;
	memset(&si, 0, sizeof(si));
	return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT | __WALL) ==
		       0 &&
	       si.si_pid != 0 && si.si_pid != worker.pid;
}
