/*
 * drmfuzz-executor: what its modules offer each other and the unit tests.
 * The guest side; links nothing of src/, only include/. No heap: memory
 * is static or mmap()ed at start-up (docs/architecture-executor.md).
 */
#ifndef DRMFUZZ_EXECUTOR_H
#define DRMFUZZ_EXECUTOR_H

#include <stddef.h>
#include <stdint.h>

#include "exec.h"
#include "wire.h"

/*
 * The fail path (main.c), the one way out on an unrecoverable error:
 * print WIRE_FAIL_PREFIX and the message (fail() adds strerror(errno)) on
 * stderr, which is the console in a VM, then exit with WIRE_EXIT_FAIL.
 * The worker has its own (worker_fail, worker.h).
 */
__attribute__((noreturn, format(printf, 1, 2))) void fail(const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2))) void failmsg(const char *fmt,
							     ...);

/*
 * Our fds. A program's are below PROG_FDS (RLIMIT_NOFILE in the worker:
 * few to close after each program); ours sit far above, as syzkaller
 * keeps its own.
 */
#define PROG_FDS 32
#define KCOV_FD_BASE 230 /* KCOV_THREADS of them */
#define LOADAVG_FD (KCOV_FD_BASE - 3) /* worker: /proc/loadavg */
#define DONE_FD (KCOV_FD_BASE - 1) /* eventfd: worker -> proc server */

/*
 * Fill @h with what this machine offers (KCOV, KASAN, DRM nodes...);
 * @timing gets how long each probe took, for the console (features.c).
 */
void features_detect(struct wire_hello *h, char *timing, size_t cap);
/* Create /dev/dri/by-driver links while detecting (our own VM only: the
 * guest's /dev is ours to arrange; never on a test host). */
extern int features_make_links;

/*
 * One request at a time (serve.c). serve_handle answers one request
 * frame (@hdr, @payload) by appending one reply frame to @w: 0, or the
 * cursor's error. serve_stream reads requests from @in and writes replies
 * to @out until EOF (tests; the machine runs router_serve): 0 at a clean
 * EOF, or -errno (-EBADMSG etc. for a malformed stream, with a
 * description in @err).
 */
int serve_handle(const struct wire_hdr *hdr, const uint8_t *payload,
		 struct wire_wr *w);
int serve_stream(int in, int out, char *err, size_t cap);
/* Append a WIRE_ERROR frame with @id and @msg to @w: the cursor's error. */
int serve_error(uint32_t id, struct wire_wr *w, const char *msg);
/* write() all of @len bytes. 0 or -errno. */
int write_all(int fd, const void *data, size_t len);

/*
 * The serving process's loop over the host's stream (router.c): proc 0's
 * program requests (WIRE_EXEC, WIRE_BENCH) go to the proc server running
 * in this process, every other proc's to its own proc server, a child
 * forked on the proc's first request. PING and unknown types are answered
 * here; each reply frame reaches @out in one piece. Up to
 * WIRE_EXEC_PROC_DEPTH requests per proc are out at a time (one more is
 * refused); a proc server that dies has its requests answered
 * (WIRE_ERROR) and is forked again for the proc's next request. Returns 0
 * at a clean EOF (the proc servers are stopped), or -errno with a
 * description in @err.
 */
int router_serve(int in, int out, char *err, size_t cap);

/*
 * The proc server (server.c): checks WIRE_EXEC requests, posts them to
 * its worker, enforces the timeouts, replaces the worker when needed and
 * answers.
 *
 * server_setup: once at start-up, as root, before any request: map the
 * data area at EXEC_DATA_ADDR (with guard pages) and the shared ring,
 * open the KCOV fds when @kcov (failing that, coverage requests are
 * refused), and remember the transport fds @in/@out (-1: none) so the
 * worker closes them. 0, or -errno with a message in @err.
 */
int server_setup(int kcov, int in, int out, char *err, size_t cap);
/*
 * In a proc server just forked from the process that ran server_setup:
 * a ring, eventfds and KCOV buffers of its own (shared with no sibling),
 * @sock (its stream to the serving process) kept from programs like the
 * transport. Without server_setup, only the latter. 0, or -errno with a
 * message in @err.
 */
int server_setup_forked(int sock, char *err, size_t cap);
/*
 * The serving process runs proc 0's server itself: each of its workers
 * then gets a PID namespace of its own, as proc servers have, since its
 * other children are proc servers. 1, or 0 when there is no data area
 * (server_setup was not run).
 */
int server_embedded(void);
/* 1 once server_setup has run. */
int server_ready(void);

/*
 * The proc server's loop over its stream @fd: WIRE_EXEC requests are
 * pipelined to the worker, up to WIRE_EXEC_PROC_DEPTH read ahead; replies
 * go out in order, anything else once the programs before it are done.
 * Returns 0 at EOF, or -errno with a description in @err.
 */
int server_loop(int fd, char *err, size_t cap);

/*
 * The same, piece by piece, for a loop that also does other things
 * (router_serve runs proc 0's server in its own process). server_take:
 * one request frame (header @h, @payload); SERVER_TAKEN (posted, or
 * answered on @out), SERVER_WAIT (keep it and offer it again after
 * server_finish), or -errno. server_poll_prepare fills up to 2 pollfds
 * (returns how many) and lowers *@timeout_ms (-1: none) to the oldest
 * program's deadline; server_poll_done after poll(); server_finish
 * answers, on @out, every program that has ended (0 or -errno).
 */
#define SERVER_TAKEN 1
#define SERVER_WAIT 2
struct pollfd;
int server_take(const struct wire_hdr *h, const uint8_t *payload, int out);
int server_in_flight(void);
int server_poll_prepare(struct pollfd *p, int *timeout_ms);
void server_poll_done(const struct pollfd *p, int n);
int server_finish(int out);

/*
 * Answer one WIRE_EXEC payload by appending a WIRE_EXEC_REPLY (or a
 * WIRE_ERROR when the request or program is rejected) frame with @id to
 * @w, once the program has run (nothing else in flight). Returns the
 * cursor's error.
 */
int server_run_program(uint32_t id, const uint8_t *payload, size_t len,
		       struct wire_wr *w);

/*
 * Kill the worker process (if any; @reaped: it is already) and whatever
 * its programs left (worker.c); the next request forks a fresh one, which
 * inherits the caller's fds as they are then (tests hand programs fds
 * this way).
 */
void worker_stop(int reaped);

/* WIRE_BENCH (bench.c): the ceiling loop; appends a reply like
 * server_run_program. */
int bench_run(uint32_t id, const uint8_t *payload, size_t len,
	      struct wire_wr *w);

/* Stage timing (timing.c): CLOCK_MONOTONIC ns; on when drmfuzz_timing=1
 * in the environment (the kernel command line). */
uint64_t timing_now_ns(void);
int timing_on(void);
/* CPU time in ms of this process (RUSAGE_SELF) or thread (RUSAGE_THREAD). */
double timing_cpu_ms(int who);

/* KCOV (kcov.c): one fd and buffer per call thread, opened at start. */
#define KCOV_THREADS 16
#define KCOV_BUF_WORDS (256U << 10) /* per thread: PCs, or comparisons x 4 */

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
 * Access memory a program controls without dying (nonfailing.c):
 * @fn(@ctx) runs with SIGSEGV/SIGBUS turned into a 0 return (1 on
 * success). The worker installs the handler once with
 * nonfailing_install().
 */
void nonfailing_install(void);
int nonfailing(void (*fn)(void *ctx), void *ctx);

#endif
