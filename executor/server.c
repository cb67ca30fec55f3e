/*
 * drmfuzz-executor: the proc server, which runs one proc's programs: it
 * checks each WIRE_EXEC request, posts it to its worker through the
 * ring, keeps the programs in flight in order with their timeouts,
 * replaces the worker when it crashed, hung or became unfit, and builds
 * the replies.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "interp.h"
#include "worker.h"

/* A worker is replaced after this many programs. */
#define WORKER_MAX_RUNS 1000
#define FRAME_MAX (WIRE_HDR_SIZE + WIRE_MAX_PAYLOAD)

static int ready; /* server_setup ran */
static int kcov_wanted; /* server_setup opened KCOV: proc servers reopen it */

/* The programs posted and not yet answered, oldest first. */
struct flight {
	uint32_t id, seq, key, n_calls, timeout_ms;
	uint64_t t_head; /* ms: when it became the oldest (its clock) */
	uint64_t t_rx, t_post; /* ns: received, posted (timing) */
};
static struct flight fl[RING_SLOTS];
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
static uint64_t t_sum[T_N], t_runs;

static void timing_report(void)
{
	static double cpu0;
	double cpu;

	if (++t_runs % 32)
		return;
	cpu = timing_cpu_ms(RUSAGE_SELF);
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
	return timing_now_ns() / 1000000;
}

/*
 * Before the server sleeps: the end of the oldest program in flight must
 * wake it, or a later one's while the worker has more than
 * RING_WAKE_AHEAD to run after it; never later than the last one posted,
 * so an idle worker has always woken it. 1 when there is no need to
 * sleep: that program has ended.
 */
static int server_sleep_begin(void)
{
	uint32_t at = seq - RING_WAKE_AHEAD;

	if (!n_fl || (int32_t)(at - fl[0].seq) < 0)
		at = n_fl ? fl[0].seq : seq;
	return ring_server_sleep_begin(at, n_fl);
}

/* A fresh ring, nothing in flight. */
static int server_ring_open(char *err, size_t cap)
{
	int e = ring_open(err, cap);

	n_fl = 0;
	seq = 0;
	return e;
}
int server_setup(int kcov, int in, int out, char *err, size_t cap)
{
	int e;

	if ((e = worker_data_map(err, cap)))
		return e;
	if ((e = server_ring_open(err, cap)))
		return e;
	if (kcov && (e = kcov_open_all(err, cap)))
		return e;
	kcov_wanted = kcov;
	/* Orphans of programs come to us to be reaped (and killed). */
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	worker_setup(in, out);
	ready = 1;
	return 0;
}

int server_embedded(void)
{
	if (!ready)
		return 0;
	worker_set_nested();
	return 1;
}

int server_ready(void)
{
	return ready;
}

int server_setup_forked(int sock, char *err, size_t cap)
{
	int e;

	worker_setup_forked(sock);
	if (!ready)
		return 0;
	if ((e = server_ring_open(err, cap)))
		return e;
	if (kcov_wanted) {
		kcov_close_all();
		if ((e = kcov_open_all(err, cap)))
			return e;
	}
	prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
	return 0;
}

/*
 * The worker was replaced while programs were in flight: a new one runs
 * those it had not finished. When it cannot be forked, they are answered
 * as lost (head_state).
 */
static void repost_in_flight(void)
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
			ring_slot_reset(&ring->slot[fl[i].seq % RING_SLOTS],
					fl[i].n_calls);
	}
	if ((e = worker_start(fl[0].key, from))) {
		fprintf(stderr, "drmfuzz-executor: fork a worker: %s\n",
			strerror(-e));
		return;
	}
	worker.runs = (uint32_t)n_fl;
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
	uint64_t t0 = timing_now_ns();
	struct wire_exec req;
	struct ring_slot *sl;
	struct flight *f;
	char err[200];
	long n_calls;
	uint32_t key;
	int e;

	if (!ready)
		return serve_error(id, w,
				   "WIRE_EXEC: the executor has no data area");
	if (wire_exec_decode(payload, len, &req, err, sizeof(err)))
		return serve_error(id, w, err);
	if ((req.flags & (WIRE_EXEC_COVER | WIRE_EXEC_CMPS)) &&
	    !kcov_available())
		return serve_error(
			id, w,
			"WIRE_EXEC: coverage asked for, but KCOV is not "
			"available (see the HELLO's notes)");
	n_calls = interp_check(&req, err, sizeof(err));
	if (n_calls < 0)
		return serve_error(id, w, err);
	/* The proc is in the worker's name (worker_start): a crash report's
	 * "Comm: drmfuzz-proc-N" names the proc that crashed. */
	key = req.sandbox |
	      (req.flags & (WIRE_EXEC_COVER | WIRE_EXEC_CMPS)) << 8 |
	      (req.proc & 0xff) << 16;
	if (n_fl == RING_SLOTS)
		return SUB_WAIT;
	if (worker.pid >= 0 &&
	    (worker.key != key || worker.runs >= WORKER_MAX_RUNS)) {
		if (n_fl)
			return SUB_WAIT;
		worker_stop(0);
	}
	if (worker.pid < 0 && n_fl)
		return SUB_WAIT; /* answered as lost first */
	sl = &ring->slot[(seq + 1) % RING_SLOTS];
	ring_slot_reset(sl, (uint32_t)n_calls);
	sl->req = req;
	memcpy(sl->prog, req.prog, req.prog_len);
	sl->req.prog = NULL;
	if (worker.pid < 0 && (e = worker_start(key, seq))) {
		snprintf(err, sizeof(err), "fork: %s", strerror(-e));
		return serve_error(id, w, err);
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
	f->t_post = timing_now_ns();
	ring_post(++seq);
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
	const struct ring_slot *sl = &ring->slot[f->seq % RING_SLOTS];
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
static void put_call(struct wire_wr *w, const struct ring_slot *sl, uint32_t i,
		     struct ring_call c, size_t *budget)
{
	uint32_t flags = c.flags & WIRE_CALL_KNOWN_FLAGS;
	uint64_t pe = (uint64_t)c.pcs_off + c.n_pcs;
	uint64_t ce = (uint64_t)c.cmps_off + 3ull * c.n_cmps;
	size_t need;

	if (pe > RING_ARENA_WORDS || c.n_pcs > WIRE_EXEC_MAX_PCS) {
		c.n_pcs = 0;
		flags |= WIRE_CALL_COVER_OVERFLOW;
	}
	if (ce > RING_ARENA_WORDS || c.n_cmps > WIRE_EXEC_MAX_CMPS) {
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
	static struct ring_call snap[EXEC_MAX_CALLS];
	const struct flight f = fl[0];
	struct ring_slot *sl = &ring->slot[f.seq % RING_SLOTS];
	char msg[WIRE_EXEC_MSG_MAX] = "";
	uint32_t status = WIRE_EXEC_OK, code = 0, n_rec = 0, dirty;
	int recycle = 0, rc;
	size_t budget;

	memmove(fl, fl + 1, sizeof(fl[0]) * (size_t)(n_fl - 1));
	n_fl--;
	if (n_fl)
		fl[0].t_head = now_ms();
	if (state == HEAD_LOST) {
		rc = serve_error(f.id, w,
				 "WIRE_EXEC: the worker could not be restarted "
				 "(fork failed, see the console)");
		repost_in_flight();
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
			   ((sl->touched & TOUCH_TASKS) &&
			    worker_stray_exited())) {
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
	if (timing_on()) {
		uint64_t ts = sl->t_setup, td = sl->t_done;

		t_sum[T_ACCEPT] += f.t_post - f.t_rx;
		if (state == HEAD_DONE && ts >= f.t_post && td >= ts) {
			t_sum[T_QUEUE] += ts - f.t_post;
			t_sum[T_PROG] += td - ts;
			t_sum[T_REPLY] += timing_now_ns() - td;
		}
		timing_report();
	}
	if (recycle)
		repost_in_flight();
	return wire_frame_end(w);
}

/* Wait up to @ms for the oldest program's state to change (or its
 * deadline). */
static void head_wait(uint64_t ms)
{
	uint64_t now = now_ms(), deadline = next_deadline(now);
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
			ring_server_woken();
		worker.exited |= !!p[1].revents;
	}
	ring_server_sleep_end();
}

int server_run_program(uint32_t id, const uint8_t *payload, size_t len,
		       struct wire_wr *w)
{
	int rc, state, st = 0;

	if (n_fl)
		return serve_error(id, w,
				   "WIRE_EXEC: programs are still in flight");
	rc = submit(id, payload, len, w);
	if (rc != SUB_POSTED)
		return rc == SUB_WAIT ? serve_error(id, w,
						    "WIRE_EXEC: no worker "
						    "(see the console)") :
					rc;
	while ((state = head_state(&st)) == HEAD_RUNNING)
		head_wait(1000);
	return head_finish(state, st, w);
}

/* ---- The pieces of a poll loop (server_loop, router_serve) ---- */

int server_in_flight(void)
{
	return n_fl;
}

int server_take(const struct wire_hdr *h, const uint8_t *payload, int out)
{
	static uint8_t tx[FRAME_MAX];
	struct wire_wr w;
	int r;

	wire_wr_init(&w, tx, sizeof(tx));
	if (h->type == WIRE_EXEC) {
		r = submit(h->id, payload, h->len, &w);
		if (r == SUB_POSTED)
			return SERVER_TAKEN;
		if (r == SUB_WAIT)
			return SERVER_WAIT;
	} else if (n_fl) {
		return SERVER_WAIT; /* after the programs before it */
	} else {
		r = serve_handle(h, payload, &w);
	}
	if (!r)
		r = write_all(out, tx, w.len);
	return r < 0 ? r : SERVER_TAKEN;
}

/* The replies of all the programs that have ended go out in one write:
 * the host's stream costs a wake-up of the host on every write. */
int server_finish(int out)
{
	static uint8_t tx[RING_SLOTS][FRAME_MAX];
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

int server_poll_prepare(struct pollfd *p, int *timeout_ms)
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

void server_poll_done(const struct pollfd *p, int n)
{
	ring_server_sleep_end();
	if (n && (p[0].revents & POLLIN))
		ring_server_woken();
	if (n && p[1].fd >= 0 && p[1].revents)
		worker.exited = 1;
}

/*
 * The proc server's loop over its stream @fd (executor.h): WIRE_EXEC
 * requests are pipelined; anything else is answered once the programs
 * before it are done, in order.
 */
int server_loop(int fd, char *err, size_t cap)
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
			r = server_take(&h, rx + WIRE_HDR_SIZE, fd);
			if (r == SERVER_WAIT)
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
		if (eof && !server_in_flight())
			break;
		/* Wait for a program to end or a request to come. */
		np = server_poll_prepare(p, &timeout);
		p[np] = (struct pollfd){ eof || have == rx_cap ? -1 : fd,
					 POLLIN, 0 };
		if (poll(p, (nfds_t)np + 1, timeout) < 0 && errno != EINTR) {
			e = -errno;
			snprintf(err, cap, "poll: %s", strerror(errno));
			break;
		}
		server_poll_done(p, np);
		if ((e = server_finish(fd))) {
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
