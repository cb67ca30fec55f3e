/*
 * drmfuzz-executor internals: the guest side. Links nothing of src/, only
 * include/wire.h. Memory is static or set up at start-up; nothing here
 * calls malloc once requests are being served.
 */
#ifndef DRMFUZZ_EXECUTOR_H
#define DRMFUZZ_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>

#include "exec.h"
#include "wire.h"

/*
 * The one way out on an unrecoverable error: print WIRE_FAIL_PREFIX and the
 * message (fail() adds strerror(errno)) on stderr, which is the console
 * in a VM, then exit with WIRE_EXIT_FAIL.
 */
__attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void failmsg(const char *fmt,
							     ...);

/*
 * Fill @h with what this machine offers (KCOV, KASAN, DRM nodes...);
 * @timing gets how long each probe took, for the console.
 */
void features_detect(struct wire_hello *h, char *timing, size_t cap);
/* Create /dev/dri/by-driver links while detecting (our own VM only: the
 * guest's /dev is ours to arrange; never on a test host). */
extern int features_make_links;

/*
 * Answer one request frame (@hdr, @payload) by appending one reply frame
 * to @w. Returns 0, or the cursor's error.
 */
int serve_handle(const struct wire_hdr *hdr, const uint8_t *payload,
		 struct wire_wr *w);

/*
 * Read requests from @in and write replies to @out until EOF, one at a
 * time (tests; the machine's proc servers run exec_serve). Returns 0 at a
 * clean EOF, or -errno (-EBADMSG etc. for a malformed stream, with a
 * description in @err).
 */
int serve_stream(int in, int out, char *err, size_t cap);

/*
 * A proc server's loop over its stream @fd (run.c): WIRE_EXEC requests
 * are pipelined to the worker, up to WIRE_EXEC_PROC_DEPTH read ahead;
 * replies go out in order, anything else once the programs before it are
 * done. Returns 0 at EOF, or -errno with a description in @err.
 */
int exec_serve(int fd, char *err, size_t cap);

/*
 * The same, piece by piece, for a loop that also does other things
 * (serve_procs runs proc 0 in its own process). exec_take: one request
 * frame (header @h, @payload); EXEC_TAKEN (posted, or answered on @out),
 * EXEC_WAIT (keep it and offer it again after exec_finish), or -errno.
 * exec_poll_prepare fills up to 2 pollfds (returns how many) and lowers
 * *@timeout_ms (-1: none) to the oldest program's deadline;
 * exec_poll_done after poll(); exec_finish answers, on @out, every
 * program that has ended (0 or -errno).
 */
#define EXEC_TAKEN 1
#define EXEC_WAIT 2
struct pollfd;
int exec_take(const struct wire_hdr *h, const uint8_t *payload, int out);
int exec_in_flight(void);
int exec_poll_prepare(struct pollfd *p, int *timeout_ms);
void exec_poll_done(const struct pollfd *p, int n);
int exec_finish(int out);

/*
 * The serving process's loop (procs.c): proc 0's program requests
 * (WIRE_EXEC, WIRE_BENCH) run here, in run.c's engine; every other proc's
 * go to the server of that proc (wire_exec.proc), a child of ours forked
 * on the proc's first request that runs exec_serve over a socketpair, so
 * that procs run programs at the same time without sharing anything. PING and unknown types are answered here; each reply
 * frame reaches @out in one piece. Up to WIRE_EXEC_PROC_DEPTH requests
 * per proc are out at a time (one more is refused); a proc server that
 * dies has its requests answered (WIRE_ERROR) and is forked again for the
 * proc's next request. Returns 0 at a clean EOF (the proc servers are
 * stopped), or -errno with a description in @err.
 */
int serve_procs(int in, int out, char *err, size_t cap);

/* write() all of @len bytes. 0 or -errno. */
int write_all(int fd, const void *data, size_t len);

/*
 * Programs (exec.h encoding) run by a persistent worker process per proc
 * server, fed through a shared region (run.c); the server enforces the
 * timeouts, replaces the worker when a program breaks or dirties it, and
 * builds the replies.
 */

/*
 * Once at start-up, as root, before any request: map the data area at
 * EXEC_DATA_ADDR (with guard pages) and the shared result region, open
 * the KCOV fds when @kcov (failing that, coverage requests are refused),
 * and remember the transport fds @in/@out (-1: none) so children close
 * them. 0, or -errno with a message in @err.
 */
int exec_setup(int kcov, int in, int out, char *err, size_t cap);

/*
 * In a proc server just forked from the process that ran exec_setup:
 * a result region, eventfds and KCOV buffers of its own (shared with no
 * sibling), @sock (its stream to the serving process) kept from programs
 * like the transport. Without exec_setup, only the latter. 0, or -errno
 * with a message in @err.
 */
int exec_proc_setup(int sock, char *err, size_t cap);

/*
 * The serving process runs proc 0's programs itself (serve_procs): each
 * of its workers then gets a PID namespace of its own, as proc servers
 * have, since its other children are proc servers. 1, or 0 when there is
 * no data area (exec_setup was not run).
 */
int exec_serve_here(void);

/*
 * Kill the worker process (if any) and whatever its programs left; the
 * next request forks a fresh one, which inherits the caller's fds as they
 * are then (tests hand programs fds this way).
 */
void exec_worker_stop(void);

/*
 * Answer one WIRE_EXEC payload by appending a WIRE_EXEC_REPLY (or a
 * WIRE_ERROR when the request or program is rejected) frame with @id to
 * @w, once the program has run (nothing else in flight). Returns the
 * cursor's error.
 */
int exec_handle(uint32_t id, const uint8_t *payload, size_t len,
		struct wire_wr *w);

/* KCOV (kcov.c): one fd and buffer per worker thread, opened at start. */
#define KCOV_THREADS 16
#define KCOV_BUF_WORDS (256U << 10) /* per thread: PCs, or comparisons x 4 */
/* Far above the fds programs use, as syzkaller keeps its own. */
#define KCOV_FD_BASE 230
/* A program's fds are below this (RLIMIT_NOFILE in the worker): few to
 * close after each program. */
#define EXEC_PROG_FDS 32

int kcov_open_all(char *err, size_t cap);
/* Unmap and close them all (kcov_available() is then 0). */
void kcov_close_all(void);
int kcov_available(void);
/* In the calling thread: KCOV_ENABLE of buffer @t (PCs or comparisons). */
int kcov_enable(int t, int cmps);
void kcov_reset(int t);
/* Entries recorded since the reset (PCs, or comparisons) and the array
 * they start at (a PC per word; comparisons as 4 words type, a1, a2, pc). */
uint64_t kcov_count(int t, int cmps);
const uint64_t *kcov_entries(int t);
/* Most entries a buffer holds in that mode. */
uint64_t kcov_capacity(int cmps);

/* Sandbox (sandbox.c): enter @sandbox (enum wire_sandbox) in the child. */
int sandbox_enter(uint32_t sandbox, char *err, size_t cap);

/* Pseudo-syscalls (pseudo.c): -1 with errno set on failure. */
long pseudo_call(uint32_t id, const uint64_t *a);

/*
 * Access memory a program controls without dying: @fn(@ctx) runs with
 * SIGSEGV/SIGBUS turned into a 0 return (1 on success). The child
 * installs the handler once with nonfailing_install().
 */
void nonfailing_install(void);
int nonfailing(void (*fn)(void *ctx), void *ctx);

/* The region a program's child fills and the parent reads (never trusting
 * it: a program can scribble over it). */
struct exec_shm_call {
	uint32_t flags; /* WIRE_CALL_*, updated atomically */
	uint32_t err;
	uint64_t ret;
	uint32_t pcs_off, n_pcs; /* arena words */
	uint32_t cmps_off, n_cmps; /* arena words, 3 per comparison */
};

#define EXEC_SHM_ARENA_WORDS ((WIRE_MAX_PAYLOAD - (64U << 10)) / 8)

/* One program's request and results in the shared region (a slot). */
struct exec_shm {
	uint32_t arena_used; /* words handed out, atomic */
	uint32_t failed; /* the worker could not run: msg says why */
	uint64_t t_setup, t_done; /* exec_now_ns() stamps of the worker */
	uint32_t touched; /* EXEC_TOUCH_* of the program's calls */
	uint32_t pad;
	struct wire_exec req; /* prog points at prog[] below */
	uint8_t prog[EXEC_MAX_SIZE];
	char msg[WIRE_EXEC_MSG_MAX];
	struct exec_shm_call calls[EXEC_MAX_CALLS];
	uint64_t arena[EXEC_SHM_ARENA_WORDS];
};

/*
 * Programs a proc server hands its worker ahead: while the worker runs
 * one, the next ones wait in the other slots, so the worker goes from
 * program to program without waiting for the server or the host. As many
 * as the host may have in flight on one proc.
 */
#define EXEC_SLOTS ((int)WIRE_EXEC_PROC_DEPTH)
/*
 * The server sleeps until the worker is down to this many posted
 * programs it has not started (or a program ends badly): its replies go
 * out in batches, one wake-up of the server and one write to the host
 * for each, while the worker still has programs to run until the host's
 * next requests come in.
 */
#define EXEC_WAKE_AHEAD 3

/* The region a proc server shares with its worker (run.c). */
struct exec_ring {
	uint64_t bench_runs; /* WIRE_BENCH: programs run */
	uint32_t posted; /* last request number posted, by the server */
	uint32_t done; /* last one the worker finished */
	uint32_t dirty; /* the worker will run no more programs */
	uint32_t worker_sleeps, server_sleeps; /* run.c's hand-over */
	uint32_t wake_at; /* the request whose end wakes the server */
	uint64_t idle_ns, clean_ns; /* worker: waiting, cleaning up (sums) */
	uint64_t worker_cpu_us; /* worker: CPU time (sum, timing only) */
	int32_t worker_status; /* its wait status, from worker_init; -1 */
	struct exec_shm slot[EXEC_SLOTS]; /* request n in slot n % EXEC_SLOTS */
};

/*
 * In the worker, sandbox entered: run the (already validated) program of
 * @req, filling @shm. Returns when the program is done: 1 when calls are
 * still blocked in worker threads (the worker must then be recycled), 0
 * otherwise. Worker threads are created on demand and kept for the next
 * programs, KCOV enabled in the mode of the first (a worker serves one
 * mode); exec_threads_started() counts them.
 */
int exec_program(const struct wire_exec *req, struct exec_shm *shm);
uint32_t exec_threads_started(void);
/* The data size the last program declared: its copyins and every pointer
 * argument's target lie below it (exec.h). */
uint64_t exec_data_used(void);
/*
 * What the calls since the last take may have changed in the worker
 * (by syscall number; pseudo-syscalls change none of it): the worker
 * checks and repairs only that between programs.
 */
#define EXEC_TOUCH_MAPS (1U << 0) /* mappings: remap the data area */
#define EXEC_TOUCH_CWD (1U << 1) /* working directory, root */
#define EXEC_TOUCH_SIGNALS (1U << 2) /* handlers, mask, alternate stack */
#define EXEC_TOUCH_TASKS (1U << 3) /* processes or threads created */
#define EXEC_TOUCH_CREDS (1U << 4) /* ids, capabilities, keyrings */
#define EXEC_TOUCH_LIMITS (1U << 5) /* rlimits */
#define EXEC_TOUCH_ALL 0x3fU
uint32_t exec_touched_take(void);

/* WIRE_BENCH (run.c): the ceiling loop; appends a reply like exec_handle. */
int exec_bench(uint32_t id, const uint8_t *payload, size_t len,
	       struct wire_wr *w);

/* Stage timing (run.c): CLOCK_MONOTONIC ns; on when drmfuzz_timing=1. */
uint64_t exec_now_ns(void);
int exec_timing_on(void);
/* CPU time in ms of this process (RUSAGE_SELF) or thread (RUSAGE_THREAD). */
double exec_cpu_ms(int who);

/* The slot exec_child_fail writes to (exec_program sets its own). */
void exec_fail_slot(struct exec_shm *shm);
/* The worker's way out on an error: message into its slot, exit. */
__attribute__((noreturn, format(printf, 1, 2))) void
exec_child_fail(const char *fmt, ...);

#endif
