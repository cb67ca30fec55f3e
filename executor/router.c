/*
 * drmfuzz-executor: the serving process's loop. Reads the host's frames,
 * answers PING itself, routes each program request to its proc's server
 * (proc 0's runs in this process, every other proc's in a child forked
 * on its first request) and copies each whole reply back to the host.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "executor.h"

#define FRAME_MAX (WIRE_HDR_SIZE + WIRE_MAX_PAYLOAD)
/* How long a killed proc server is waited for, for its exit status. */
#define REAP_MS 2000

struct proc {
	pid_t pid; /* its server; -1: none */
	int fd; /* our end of the socketpair */
	uint32_t n_out; /* requests out */
	uint32_t ids[WIRE_EXEC_PROC_DEPTH]; /* their ids, oldest first */
	int reaped, status; /* reaped by sweep() before we saw it go */
	uint8_t *rx; /* FRAME_MAX bytes, mapped at its first start */
	size_t have;
};

static struct proc procs[WIRE_EXEC_MAX_PROCS];
/*
 * Proc 0's server runs here (server_embedded): no socketpair, no second
 * process between the host and its worker. Its requests the server
 * cannot take yet (SERVER_WAIT) wait in q0, in order.
 */
static int local0;
static struct {
	uint8_t *buf; /* room for WIRE_EXEC_PROC_DEPTH frames */
	size_t have;
	uint32_t n;
} q0;
static uint64_t replies; /* timing */
static double cpu0;
static uint8_t rx[FRAME_MAX];
static uint8_t tx[FRAME_MAX];
static int no_pidns;

static int send_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

__attribute__((format(printf, 3, 4))) static int
reply_error(int out, uint32_t id, const char *fmt, ...)
{
	uint8_t frame[WIRE_HDR_SIZE + 2 + 300];
	char msg[300];
	struct wire_wr w;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	wire_wr_init(&w, frame, sizeof(frame));
	wire_frame_begin(&w, WIRE_ERROR, id);
	wire_put_str(&w, msg);
	if (wire_frame_end(&w))
		return w.err;
	return write_all(out, frame, w.len);
}

/* Reap the proc servers that have exited (and only them: proc 0's worker
 * is its server's to reap); the status is kept for proc_lost. */
static void sweep(void)
{
	for (int i = 0; i < (int)WIRE_EXEC_MAX_PROCS; i++) {
		struct proc *p = &procs[i];
		int st;

		if (p->pid > 0 && !p->reaped &&
		    waitpid(p->pid, &st, WNOHANG | __WALL) == p->pid) {
			p->reaped = 1;
			p->status = st;
		}
	}
}

/* A proc server, in its own PID namespace when it can be. */
static pid_t fork_proc(void)
{
	pid_t pid;

	if (!no_pidns) {
		/* fork() with CLONE_NEWPID: we have no threads, so the child
		 * needs none of fork()'s bookkeeping. */
		pid = (pid_t)syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, NULL,
				     NULL, 0);
		if (pid >= 0 || (errno != EPERM && errno != EINVAL &&
				 errno != ENOSPC && errno != EUSERS))
			return pid;
		fprintf(stderr,
			"drmfuzz-executor: no PID namespace per proc (%s): "
			"procs see each other's tasks\n",
			strerror(errno));
		no_pidns = 1;
	}
	return fork();
}

__attribute__((noreturn)) static void proc_main(int i, int sock, int in,
						int out)
{
	char err[256];
	int null, e;

	prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
	/* The host's stream is the serving process's alone. */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	for (int k = 0; k < 2; k++) {
		int fd = k ? out : in;

		if (fd < 0 || (k && out == in))
			continue;
		if (fd <= 2 && null >= 0)
			dup2(null, fd);
		else
			close(fd);
	}
	if (null > 2)
		close(null);
	for (int k = 0; k < (int)WIRE_EXEC_MAX_PROCS; k++) {
		if (procs[k].fd >= 0)
			close(procs[k].fd);
	}
	if ((e = server_setup_forked(sock, err, sizeof(err))) ||
	    (e = server_loop(sock, err, sizeof(err)))) {
		/* Not WIRE_FAIL_PREFIX: the machine is still fine. */
		fprintf(stderr, "drmfuzz-executor: proc %d: %s\n", i, err);
		_exit(WIRE_EXIT_FAIL);
	}
	_exit(0);
}

static int proc_start(int i, int in, int out)
{
	struct proc *p = &procs[i];
	int sv[2], e;
	pid_t pid;

	if (!p->rx) {
		void *m = mmap(NULL, FRAME_MAX, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
			       0);

		if (m == MAP_FAILED)
			return -errno;
		p->rx = m;
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	fflush(stderr);
	pid = fork_proc();
	if (pid < 0) {
		e = -errno;
		close(sv[0]);
		close(sv[1]);
		return e;
	}
	if (pid == 0) {
		close(sv[0]);
		proc_main(i, sv[1], in, out);
	}
	close(sv[1]);
	p->pid = pid;
	p->fd = sv[0];
	p->n_out = 0;
	p->reaped = 0;
	p->have = 0;
	return 0;
}

static void describe(int st, char *b, size_t cap)
{
	if (WIFSIGNALED(st))
		snprintf(b, cap, "was killed by signal %d", WTERMSIG(st));
	else if (WIFEXITED(st))
		snprintf(b, cap, "exited with status %d%s", WEXITSTATUS(st),
			 WEXITSTATUS(st) == WIRE_EXIT_FAIL ?
				 " (its reason is on the console)" :
				 "");
	else
		snprintf(b, cap, "ended");
}

/*
 * Proc @i's server is gone or broken (@what): kill and reap it, answer
 * its request. 0, or the transport's error.
 */
static int proc_lost(int i, int out, const char *what)
{
	struct proc *p = &procs[i];
	char how[96] = "did not exit";
	int st, e = 0;

	close(p->fd);
	if (!p->reaped) {
		kill(p->pid, SIGKILL);
		for (int ms = 0; ms < REAP_MS; ms++) {
			struct timespec ts = { 0, 1000 * 1000 };

			if (waitpid(p->pid, &st, WNOHANG | __WALL) == p->pid) {
				p->reaped = 1;
				p->status = st;
				break;
			}
			nanosleep(&ts, NULL);
		}
	}
	if (p->reaped)
		describe(p->status, how, sizeof(how));
	fprintf(stderr, "drmfuzz-executor: proc %d: its server %s, %s\n", i,
		what, how);
	for (uint32_t k = 0; k < p->n_out && !e; k++)
		e = reply_error(out, p->ids[k],
				"proc %d: its server %s, %s; the proc's next "
				"request starts a new one",
				i, what, how);
	p->pid = -1;
	p->fd = -1;
	p->n_out = 0;
	p->have = 0;
	return e;
}

/* The proc a program request is for; 0 when it does not decode (proc 0's
 * server then refuses it with the reason). */
static int frame_proc(const struct wire_hdr *h, const uint8_t *payload)
{
	size_t off = h->type == WIRE_BENCH ? 4 : 0;
	struct wire_exec e;

	if (h->len < off ||
	    wire_exec_decode(payload + off, h->len - off, &e, NULL, 0))
		return 0;
	return (int)e.proc;
}

/* Hand a program request (@frame, @n bytes) to its proc. */
static int proc_forward(const struct wire_hdr *h, const uint8_t *frame,
			size_t n, int in, int out)
{
	int i = frame_proc(h, frame + WIRE_HDR_SIZE), e;
	struct proc *p = &procs[i];

	if (p->n_out == WIRE_EXEC_PROC_DEPTH)
		return reply_error(out, h->id,
				   "proc %d is busy with %u requests (%u..%u): "
				   "at most %u per proc at a time",
				   i, p->n_out, p->ids[0], p->ids[p->n_out - 1],
				   WIRE_EXEC_PROC_DEPTH);
	if (p->pid < 0 && (e = proc_start(i, in, out)))
		return reply_error(out, h->id,
				   "proc %d: cannot start its server: %s", i,
				   strerror(-e));
	p->ids[p->n_out++] = h->id;
	if ((e = send_all(p->fd, frame, n)))
		return proc_lost(i, out, "would not take the request");
	return 0;
}

/* Read what proc @i's server sent; pass on its whole replies, in one
 * write. */
static int proc_read(int i, int out)
{
	struct proc *p = &procs[i];
	ssize_t got = read(p->fd, p->rx + p->have, FRAME_MAX - p->have);
	size_t off = 0;
	int bad = 0, e = 0;

	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (got <= 0)
		return proc_lost(i, out, "died");
	p->have += (size_t)got;
	for (;;) {
		struct wire_hdr h;
		long n = wire_frame_check(p->rx + off, p->have - off, &h);
		uint32_t k = 0;

		if (n == 0)
			break;
		while (n > 0 && k < p->n_out && p->ids[k] != h.id)
			k++;
		if (n < 0 || k == p->n_out) {
			bad = 1;
			break;
		}
		if (timing_on() && ++replies % 256 == 0) {
			double cpu = timing_cpu_ms(RUSAGE_SELF);

			fprintf(stderr,
				"drmfuzz-executor: CPU per program: serving "
				"process %.2f ms\n",
				(cpu - cpu0) / 256);
			cpu0 = cpu;
		}
		memmove(p->ids + k, p->ids + k + 1,
			sizeof(p->ids[0]) * (p->n_out - k - 1));
		p->n_out--;
		off += (size_t)n;
	}
	if (off && (e = write_all(out, p->rx, off)))
		return e;
	memmove(p->rx, p->rx + off, p->have - off);
	p->have -= off;
	return bad ? proc_lost(i, out, "sent a frame it did not owe") : 0;
}

static void stop_all(void)
{
	for (int i = 0; i < (int)WIRE_EXEC_MAX_PROCS; i++) {
		struct proc *p = &procs[i];

		if (p->pid < 0)
			continue;
		close(p->fd);
		if (!p->reaped) {
			kill(p->pid, SIGKILL);
			waitpid(p->pid, NULL, __WALL);
		}
		p->pid = -1;
		p->fd = -1;
		p->n_out = 0;
	}
}

/* Offer proc 0's waiting requests to its server, in order. */
static int proc0_drain(int out)
{
	while (q0.n) {
		struct wire_hdr h;
		long n = wire_frame_check(q0.buf, q0.have, &h);
		int r;

		if (n <= 0)
			return -EBADMSG; /* checked when queued */
		r = server_take(&h, q0.buf + WIRE_HDR_SIZE, out);
		if (r == SERVER_WAIT)
			return 0;
		if (r < 0)
			return r;
		memmove(q0.buf, q0.buf + n, q0.have - (size_t)n);
		q0.have -= (size_t)n;
		q0.n--;
	}
	return 0;
}

/* A program request for proc 0, which runs here. */
static int proc0_forward(const struct wire_hdr *h, const uint8_t *frame,
			 size_t n, int out)
{
	uint32_t out_n = q0.n + (uint32_t)server_in_flight();
	int r;

	if (out_n >= WIRE_EXEC_PROC_DEPTH)
		return reply_error(out, h->id,
				   "proc 0 is busy with %u requests: at most "
				   "%u per proc at a time",
				   out_n, WIRE_EXEC_PROC_DEPTH);
	if (!q0.n) {
		r = server_take(h, frame + WIRE_HDR_SIZE, out);
		if (r != SERVER_WAIT)
			return r < 0 ? r : 0;
	}
	memcpy(q0.buf + q0.have, frame, n);
	q0.have += n;
	q0.n++;
	return 0;
}

/* One request from the host. */
static int route(const struct wire_hdr *h, const uint8_t *frame, size_t n,
		 int in, int out)
{
	struct wire_wr w;
	int e;

	if ((h->type == WIRE_EXEC || h->type == WIRE_BENCH) && local0 &&
	    frame_proc(h, frame + WIRE_HDR_SIZE) == 0)
		return proc0_forward(h, frame, n, out);
	if (h->type == WIRE_EXEC || h->type == WIRE_BENCH)
		return proc_forward(h, frame, n, in, out);
	wire_wr_init(&w, tx, sizeof(tx));
	e = serve_handle(h, frame + WIRE_HDR_SIZE, &w);
	return e ? e : write_all(out, tx, w.len);
}

int router_serve(int in, int out, char *err, size_t cap)
{
	size_t have = 0;
	int e = 0;

	for (int i = 0; i < (int)WIRE_EXEC_MAX_PROCS; i++) {
		procs[i].pid = -1;
		procs[i].fd = -1;
	}
	if (server_embedded()) {
		q0.buf = mmap(NULL, WIRE_EXEC_PROC_DEPTH * (size_t)FRAME_MAX,
			      PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
			      0);
		local0 = q0.buf != MAP_FAILED;
	}
	/* Programs of other procs run in their servers, which open KCOV
	 * themselves. */
	if (!local0)
		kcov_close_all();
	for (;;) {
		struct pollfd pfd[3 + WIRE_EXEC_MAX_PROCS];
		int idx[3 + WIRE_EXEC_MAX_PROCS], timeout = 1000, ne = 0;
		nfds_t np = 0, eng;

		pfd[np++] = (struct pollfd){ in, POLLIN, 0 };
		for (int i = 0; i < (int)WIRE_EXEC_MAX_PROCS; i++) {
			if (procs[i].pid < 0)
				continue;
			idx[np] = i;
			pfd[np++] = (struct pollfd){ procs[i].fd, POLLIN, 0 };
		}
		eng = np;
		if (local0)
			ne = server_poll_prepare(pfd + eng, &timeout);
		if (poll(pfd, np + (nfds_t)ne, timeout) < 0 && errno != EINTR) {
			e = -errno;
			snprintf(err, cap, "poll: %s", strerror(errno));
			break;
		}
		if (local0) {
			server_poll_done(pfd + eng, ne);
			if ((e = server_finish(out)) ||
			    (e = proc0_drain(out))) {
				snprintf(err, cap, "reply: %s", strerror(-e));
				break;
			}
		}
		sweep();
		for (nfds_t k = 1; k < np && !e; k++) {
			if (pfd[k].revents)
				e = proc_read(idx[k], out);
		}
		if (e) {
			snprintf(err, cap, "reply: %s", strerror(-e));
			break;
		}
		if (!pfd[0].revents)
			continue;
		ssize_t got = read(in, rx + have, sizeof(rx) - have);

		if (got < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (got < 0) {
			e = -errno;
			snprintf(err, cap, "read: %s", strerror(errno));
			break;
		}
		if (got == 0) {
			if (have) {
				snprintf(err, cap,
					 "host closed the stream inside a "
					 "frame");
				e = -EBADMSG;
			}
			break;
		}
		have += (size_t)got;
		for (;;) {
			struct wire_hdr h;
			long n = wire_frame_check(rx, have, &h);

			if (n < 0) {
				snprintf(err, cap, "%s", wire_frame_error(n));
				e = (int)n;
				break;
			}
			if (n == 0)
				break;
			if ((e = route(&h, rx, (size_t)n, in, out))) {
				snprintf(err, cap, "reply: %s", strerror(-e));
				break;
			}
			memmove(rx, rx + n, have - (size_t)n);
			have -= (size_t)n;
		}
		if (e)
			break;
	}
	stop_all();
	if (local0)
		worker_stop(0);
	return e;
}
