/*
 * Unit tests: the executor's proc server, worker and interpreter on the
 * host, with real syscalls (no KCOV): copyin formats, results and copyouts,
 * errno, threaded/collide modes, timeouts, crashes, faults on the data
 * area, pseudo-syscalls, the setuid sandbox, and rejected requests; plus
 * the WIRE_EXEC request/reply encoding.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Before cmocka.h, whose fail() macro would clash with the executor's. */
#include "exec_build.h"
#include "ring.h"
#include "wire.h"

#include <cmocka.h>

#define PIPE_BUF_OFF 0x1000

static uint8_t tx[WIRE_HDR_SIZE + WIRE_MAX_PAYLOAD];

struct call {
	uint32_t flags, err, n_pcs;
	uint64_t ret;
};

struct res {
	int is_error;
	char error[512];
	uint32_t status, code, n;
	char msg[WIRE_EXEC_MSG_MAX];
	struct call calls[64];
};

static struct wire_exec opts(uint32_t flags)
{
	struct wire_exec e = { 0 };

	e.flags = flags;
	e.call_timeout_ms = 2000;
	e.prog_timeout_ms = 10000;
	return e;
}

/* A reply frame (@len bytes at @f) into @r; its id. */
static uint32_t parse_reply(const uint8_t *f, size_t len, struct res *r)
{
	struct wire_hdr h = { 0 };
	struct wire_exec_reply rep;
	struct wire_exec_call c = { 0 };
	long n;

	memset(r, 0, sizeof(*r));
	n = wire_frame_check(f, len, &h);
	assert_int_equal(n, (long)len);
	if (h.type == WIRE_ERROR) {
		struct wire_rd rd;

		r->is_error = 1;
		wire_rd_init(&rd, f + WIRE_HDR_SIZE, h.len);
		wire_get_str(&rd, r->error, sizeof(r->error));
		print_message("refused: %s\n", r->error);
		return h.id;
	}
	assert_int_equal(h.type, WIRE_EXEC_REPLY);
	assert_int_equal(wire_exec_reply_decode(f + WIRE_HDR_SIZE, h.len, &rep),
			 0);
	if (rep.status != WIRE_EXEC_OK)
		print_message("status %u code %u: %s\n", rep.status, rep.code,
			      rep.msg);
	r->status = rep.status;
	r->code = rep.code;
	r->n = rep.n_calls;
	strcpy(r->msg, rep.msg);
	while (wire_exec_reply_next(&rep, &c)) {
		assert_true(c.index < 64);
		r->calls[c.index].flags = c.flags;
		r->calls[c.index].err = c.err;
		r->calls[c.index].ret = c.ret;
		r->calls[c.index].n_pcs = c.n_pcs;
	}
	return h.id;
}

/* The WIRE_EXEC request frame for @e running @b, into @buf; its length. */
static size_t build_req(uint8_t *buf, size_t cap, uint32_t id,
			struct wire_exec *e, const struct pb *b)
{
	struct wire_wr w;

	e->prog = b->buf;
	e->prog_len = b->len;
	wire_wr_init(&w, buf, cap);
	wire_frame_begin(&w, WIRE_EXEC, id);
	wire_exec_encode(&w, e);
	assert_int_equal(wire_frame_end(&w), 0);
	return w.len;
}

static void run_req(struct wire_exec *e, const struct pb *b, struct res *r)
{
	static uint8_t req[1 << 17];
	size_t req_len = build_req(req, sizeof(req), 7, e, b);
	struct wire_wr w;

	wire_wr_init(&w, tx, sizeof(tx));
	assert_int_equal(server_run_program(7, req + WIRE_HDR_SIZE,
					    req_len - WIRE_HDR_SIZE, &w),
			 0);
	assert_int_equal(parse_reply(tx, w.len, r), 7);
}

/* run_req with the request encoded wrongly on purpose: raw payload. */
static void run_raw(const void *payload, size_t len, struct res *r)
{
	struct wire_wr w;
	struct wire_hdr h = { 0 };
	struct wire_rd rd;

	memset(r, 0, sizeof(*r));
	wire_wr_init(&w, tx, sizeof(tx));
	assert_int_equal(server_run_program(9, payload, len, &w), 0);
	assert_int_equal(wire_frame_check(tx, w.len, &h), (long)w.len);
	r->is_error = h.type == WIRE_ERROR;
	wire_rd_init(&rd, tx + WIRE_HDR_SIZE, h.len);
	if (r->is_error)
		wire_get_str(&rd, r->error, sizeof(r->error));
}

static void assert_done(const struct call *c, uint64_t ret, uint32_t err)
{
	assert_true(c->flags & WIRE_CALL_EXECUTED);
	assert_true(c->flags & WIRE_CALL_FINISHED);
	assert_int_equal(c->ret, ret);
	assert_int_equal(c->err, err);
}

static int setup(void **state)
{
	char err[256];

	(void)state;
	if (server_setup(0, -1, -1, err, sizeof(err))) {
		fprintf(stderr, "server_setup: %s\n", err);
		return -1;
	}
	return 0;
}

/* pipe2 -> copyouts of both fds -> write/read through them -> close. */
static void test_results(void **state)
{
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(0);
	struct res r;

	(void)state;
	pb_begin(b, 6, 2);
	pb_copyin_data(b, 0x100, "hello", 5);
	pb_call(b, SYS_pipe2, 0, 2);
	pb_ptr(b, 0);
	pb_const(b, 0);
	pb_copyout(b, 0, 0, 4);
	pb_copyout(b, 1, 4, 4);
	pb_call(b, SYS_write, 0, 3);
	pb_result(b, 1, 0, 0, (uint64_t)-1);
	pb_ptr(b, 0x100);
	pb_const(b, 5);
	pb_call(b, SYS_read, 0, 3);
	pb_result(b, 0, 0, 0, (uint64_t)-1);
	pb_ptr(b, 0x200);
	pb_const(b, 16);
	/* fd / 1 + 0 with an op, and a close of an unset result. */
	pb_call(b, SYS_close, 0, 1);
	pb_result(b, 0, 1, 0, (uint64_t)-1);
	pb_call(b, SYS_close, 0, 1);
	pb_result(b, 1, 0, 0, (uint64_t)-1);
	pb_call(b, SYS_close, 0, 1);
	pb_const(b, (uint64_t)-1);
	pb_end(b);
	run_req(&e, b, &r);
	assert_false(r.is_error);
	assert_int_equal(r.status, WIRE_EXEC_OK);
	assert_int_equal(r.n, 6);
	assert_done(&r.calls[0], 0, 0);
	assert_done(&r.calls[1], 5, 0);
	assert_done(&r.calls[2], 5, 0);
	assert_done(&r.calls[3], 0, 0);
	assert_done(&r.calls[4], 0, 0);
	assert_done(&r.calls[5], (uint64_t)-1, EBADF);
	free(b);
}

/* Copyin formats observed through a pipe the test owns. */
static void test_copyin_formats(void **state)
{
	static const char want[] = "\x34\x12"
				   "\x12\x34"
				   "00000000000000000042"
				   "0x000000000000002a"
				   "\xa5\x0f";
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(0);
	char got[sizeof(want)] = "";
	struct res r;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	worker_stop(0); /* the worker must inherit the pipe */
	pb_begin(b, 1, 0);
	pb_copyin_int(b, 0, EXEC_META(2, EXEC_FMT_NATIVE, 0, 0), 0x1234);
	pb_copyin_int(b, 2, EXEC_META(2, EXEC_FMT_BIG_ENDIAN, 0, 0), 0x1234);
	pb_copyin_int(b, 4, EXEC_META(8, EXEC_FMT_STR_DEC, 0, 0), 42);
	pb_copyin_int(b, 24, EXEC_META(8, EXEC_FMT_STR_HEX, 0, 0), 42);
	/* Two bitfields sharing a u16: 0xa5 in bits 0-7, 0xf in 8-11. */
	pb_copyin_int(b, 42, EXEC_META(2, EXEC_FMT_NATIVE, 0, 8), 0x1a5);
	pb_copyin_int(b, 42, EXEC_META(2, EXEC_FMT_NATIVE, 8, 4), 0xff);
	pb_call(b, SYS_write, 0, 3);
	pb_const(b, (uint64_t)p[1]);
	pb_ptr(b, 0);
	pb_const(b, sizeof(want) - 1);
	pb_end(b);
	run_req(&e, b, &r);
	assert_int_equal(r.status, WIRE_EXEC_OK);
	assert_done(&r.calls[0], sizeof(want) - 1, 0);
	assert_int_equal(read(p[0], got, sizeof(want) - 1),
			 (ssize_t)sizeof(want) - 1);
	assert_memory_equal(got, want, sizeof(want) - 1);
	close(p[0]);
	close(p[1]);
	free(b);
}

/* Checksums computed by the executor, against ones worked out by hand
 * (RFC 1071 over the network-order words): an IPv4 header, a UDP
 * datagram of odd length with its pseudo header, and a sum of 129,025
 * words, 129,024 of them 0xffff (more than 32 bits before folding). */
static void test_csum(void **state)
{
	static const uint8_t ip[20] = { 0x45, 0x00, 0x00, 0x73, 0x00,
					0x00, 0x40, 0x00, 0x40, 0x11,
					0x00, 0x00, 0xc0, 0xa8, 0x00,
					0x01, 0xc0, 0xa8, 0x00, 0xc7 };
	static const uint8_t udp[11] = { 0x12, 0x34, 0x4e, 0x20, 0x00, 0x0b,
					 0x00, 0x00, 'a',  'b',	 'c' };
	const uint64_t ip_sum[][3] = { { EXEC_CHUNK_DATA, 0x0, 20 } };
	const uint64_t udp_sum[][3] = {
		{ EXEC_CHUNK_DATA, 0xc, 4 }, /* src_ip */
		{ EXEC_CHUNK_DATA, 0x10, 4 }, /* dst_ip */
		{ EXEC_CHUNK_CONST, 0x1100, 2 }, /* 0, IPPROTO_UDP */
		{ EXEC_CHUNK_CONST, 0x0b00, 2 }, /* length 11, big-endian */
		{ EXEC_CHUNK_DATA, 0x40, 11 },
	};
	uint64_t big[64][3];
	static uint8_t ones[4096];
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(0);
	uint8_t got[0x82];
	struct res r;
	int p[2];

	(void)state;
	memset(ones, 0xff, sizeof(ones));
	for (int i = 0; i < 63; i++) {
		big[i][0] = EXEC_CHUNK_DATA;
		big[i][1] = 0x1000;
		big[i][2] = sizeof(ones);
	}
	big[63][0] = EXEC_CHUNK_CONST; /* the word 0x0001 */
	big[63][1] = 0x0100;
	big[63][2] = 2;
	assert_int_equal(pipe(p), 0);
	worker_stop(0); /* the worker must inherit the pipe */
	pb_begin(b, 1, 0);
	pb_copyin_data(b, 0, ip, sizeof(ip));
	pb_copyin_data(b, 0x40, udp, sizeof(udp));
	pb_copyin_data(b, 0x1000, ones, sizeof(ones));
	pb_copyin_csum(b, 0x46, 5, udp_sum);
	pb_copyin_csum(b, 0xa, 1, ip_sum);
	pb_copyin_csum(b, 0x80, 64, (const uint64_t(*)[3])big);
	pb_call(b, SYS_write, 0, 3);
	pb_const(b, (uint64_t)p[1]);
	pb_ptr(b, 0);
	pb_const(b, sizeof(got));
	pb_end(b);
	run_req(&e, b, &r);
	assert_int_equal(r.status, WIRE_EXEC_OK);
	assert_done(&r.calls[0], sizeof(got), 0);
	assert_int_equal(read(p[0], got, sizeof(got)), (ssize_t)sizeof(got));
	assert_int_equal(got[0xa], 0xb8);
	assert_int_equal(got[0xb], 0x61);
	assert_int_equal(got[0x46], 0x59);
	assert_int_equal(got[0x47], 0x08);
	assert_int_equal(got[0x80], 0xff);
	assert_int_equal(got[0x81], 0xfe);
	close(p[0]);
	close(p[1]);
	free(b);
}

/* A blocking read and a write that unblocks it, in each mode. */
static void build_rendezvous(struct pb *b, int rfd, int wfd)
{
	pb_begin(b, 3, 0);
	pb_copyin_data(b, 0x10, "x", 1);
	pb_call(b, SYS_read, 0, 3);
	pb_const(b, (uint64_t)rfd);
	pb_ptr(b, 0x20);
	pb_const(b, 1);
	pb_call(b, SYS_write, 0, 3);
	pb_const(b, (uint64_t)wfd);
	pb_ptr(b, 0x10);
	pb_const(b, 1);
	pb_call(b, SYS_getpid, 0, 0);
	pb_end(b);
}

static void test_threaded_blocked(void **state)
{
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(WIRE_EXEC_THREADED);
	struct res r;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	worker_stop(0); /* the worker must inherit the pipe */
	build_rendezvous(b, p[0], p[1]);
	e.call_timeout_ms = 100;
	run_req(&e, b, &r);
	assert_int_equal(r.status, WIRE_EXEC_OK);
	assert_int_equal(r.n, 3);
	/* The read outlived its timeout, the write then released it. */
	assert_true(r.calls[0].flags & WIRE_CALL_BLOCKED);
	assert_done(&r.calls[0], 1, 0);
	assert_done(&r.calls[1], 1, 0);
	assert_false(r.calls[1].flags & WIRE_CALL_BLOCKED);
	assert_true(r.calls[2].flags & WIRE_CALL_FINISHED);
	close(p[0]);
	close(p[1]);
	free(b);
}

static void test_collide(void **state)
{
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(WIRE_EXEC_COLLIDE);
	struct res r;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	worker_stop(0); /* the worker must inherit the pipe */
	build_rendezvous(b, p[0], p[1]);
	run_req(&e, b, &r);
	assert_int_equal(r.status, WIRE_EXEC_OK);
	/* Read and write ran as a pair: nobody waited for the read alone. */
	assert_done(&r.calls[0], 1, 0);
	assert_false(r.calls[0].flags & WIRE_CALL_BLOCKED);
	assert_done(&r.calls[1], 1, 0);
	assert_true(r.calls[2].flags & WIRE_CALL_FINISHED);
	close(p[0]);
	close(p[1]);
	free(b);
}

static void test_program_timeout(void **state)
{
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(0);
	struct res r;
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	worker_stop(0); /* the worker must inherit the pipe */
	build_rendezvous(b, p[0], p[1]);
	e.prog_timeout_ms = 300;
	e.call_timeout_ms = 100;
	run_req(&e, b, &r);
	assert_int_equal(r.status, WIRE_EXEC_TIMEOUT);
	assert_int_equal(r.n, 1);
	assert_true(r.calls[0].flags & WIRE_CALL_EXECUTED);
	assert_false(r.calls[0].flags & WIRE_CALL_FINISHED);
	close(p[0]);
	close(p[1]);
	free(b);
}

static void test_crash(void **state)
{
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(0);
	struct res r;

	(void)state;
	pb_begin(b, 3, 1);
	pb_call(b, SYS_getpid, 1, 0);
	pb_call(b, SYS_kill, 0, 2);
	pb_result(b, 0, 0, 0, 0);
	pb_const(b, SIGABRT);
	pb_call(b, SYS_getpid, 0, 0);
	pb_end(b);
	run_req(&e, b, &r);
	assert_int_equal(r.status, WIRE_EXEC_CRASHED);
	assert_int_equal(r.code, SIGABRT);
	assert_true(r.calls[0].flags & WIRE_CALL_FINISHED);
	assert_false(r.calls[2].flags & WIRE_CALL_EXECUTED);
	free(b);
}

/* A program that makes its data area read-only keeps running. */
static void test_nonfailing(void **state)
{
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(0);
	struct res r;

	(void)state;
	pb_begin(b, 2, 1);
	pb_call(b, SYS_mprotect, 0, 3);
	pb_ptr(b, 0);
	pb_const(b, 4096);
	pb_const(b, PROT_READ);
	pb_copyin_int(b, 0, EXEC_META(8, EXEC_FMT_NATIVE, 0, 0), 1);
	pb_call(b, SYS_getpid, 0, 0);
	pb_copyout(b, 0, 8, 8);
	pb_end(b);
	run_req(&e, b, &r);
	assert_int_equal(r.status, WIRE_EXEC_OK);
	assert_done(&r.calls[0], 0, 0);
	assert_true(r.calls[1].flags & WIRE_CALL_FINISHED);
	free(b);
}

static void test_pseudo(void **state)
{
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(0);
	const char *path = "/tmp/drmfuzz-test-exec-71";
	struct res r;
	int fd = open(path, O_CREAT | O_WRONLY, 0600);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	pb_begin(b, 5, 0);
	pb_copyin_data(b, 0, "/tmp/drmfuzz-test-exec-##", 26);
	pb_copyin_data(b, 64, "stat", 5);
	/* '#'s take the id's digits, least significant first: 17 -> 71. */
	pb_call_ex(b, EXEC_CALL_PSEUDO, EXEC_PSEUDO_OPEN_DEV, 0, 0, 0, 3);
	pb_ptr(b, 0);
	pb_const(b, 17);
	pb_const(b, O_RDONLY);
	pb_call_ex(b, EXEC_CALL_PSEUDO, EXEC_PSEUDO_OPEN_DEV, 0, 0, 0, 3);
	pb_ptr(b, 0);
	pb_const(b, 71);
	pb_const(b, O_RDONLY);
	pb_call_ex(b, EXEC_CALL_PSEUDO, EXEC_PSEUDO_OPEN_DEV, 0, 0, 0, 3);
	pb_const(b, 0x10); /* unmapped */
	pb_const(b, 1);
	pb_const(b, O_RDONLY);
	pb_call_ex(b, EXEC_CALL_PSEUDO, EXEC_PSEUDO_OPEN_PROCFS, 0, 0, 0, 2);
	pb_const(b, 0);
	pb_ptr(b, 64);
	pb_call_ex(b, EXEC_CALL_PSEUDO, EXEC_PSEUDO_EXECUTE_FUNC, 0, 0, 0, 1);
	pb_ptr(b, 0);
	pb_end(b);
	run_req(&e, b, &r);
	assert_int_equal(r.status, WIRE_EXEC_OK);
	assert_true(r.calls[0].flags & WIRE_CALL_FINISHED);
	assert_int_equal(r.calls[0].err, 0);
	assert_true((int64_t)r.calls[0].ret >= 0);
	assert_done(&r.calls[1], (uint64_t)-1, ENOENT);
	assert_done(&r.calls[2], (uint64_t)-1, EFAULT);
	assert_int_equal(r.calls[3].err, 0);
	assert_true((int64_t)r.calls[3].ret >= 0);
	assert_done(&r.calls[4], (uint64_t)-1, ENOSYS);
	unlink(path);
	free(b);
}

static void test_sandbox_setuid(void **state)
{
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(0);
	struct res r;

	(void)state;
	e.sandbox = WIRE_SANDBOX_SETUID;
	pb_begin(b, 3, 0);
	pb_call(b, SYS_getuid, 0, 0);
	pb_call(b, SYS_getgid, 0, 0);
	pb_call(b, SYS_getgroups, 0, 2);
	pb_const(b, 4);
	pb_ptr(b, 0);
	pb_end(b);
	run_req(&e, b, &r);
	if (geteuid() != 0) {
		/* Only root can drop to nobody: a clear failure. */
		assert_int_equal(r.status, WIRE_EXEC_FAILED);
		assert_non_null(strstr(r.msg, "sandbox"));
	} else {
		assert_int_equal(r.status, WIRE_EXEC_OK);
		assert_done(&r.calls[0], 65534, 0);
		assert_done(&r.calls[1], 65534, 0);
		assert_done(&r.calls[2], 1, 0);
	}
	free(b);
}

/* Program A: openat(@path) (kept open), 0x1234 written at 0x200, getpid. */
static void build_dirty(struct pb *b, const char *path)
{
	pb_begin(b, 2, 0);
	pb_copyin_data(b, 0, path, strlen(path) + 1);
	pb_copyin_int(b, 0x200, EXEC_META(8, EXEC_FMT_NATIVE, 0, 0), 0x1234);
	pb_call(b, SYS_openat, 0, 4);
	pb_const(b, (uint64_t)AT_FDCWD);
	pb_ptr(b, 0);
	pb_const(b, O_RDWR | O_CREAT);
	pb_const(b, 0600);
	pb_call(b, SYS_getpid, 0, 0);
	pb_end(b);
}

/* Program B: r0 = openat(@path); r1 = *(0x200); lseek(r0, r1): r1; getpid. */
static void build_probe(struct pb *b, const char *path)
{
	pb_begin(b, 3, 2);
	pb_copyin_data(b, 0, path, strlen(path) + 1);
	pb_call(b, SYS_openat, 1, 4);
	pb_const(b, (uint64_t)AT_FDCWD);
	pb_ptr(b, 0);
	pb_const(b, O_RDWR);
	pb_const(b, 0);
	pb_copyout(b, 1, 0x200, 8);
	pb_call(b, SYS_lseek, 0, 3);
	pb_result(b, 0, 0, 0, (uint64_t)-1);
	pb_result(b, 1, 0, 0, 77);
	pb_const(b, SEEK_SET);
	pb_call(b, SYS_getpid, 0, 0);
	pb_end(b);
}

/* getpid, then rt_sigprocmask(SIG_BLOCK, NULL, NULL): no change, but a
 * call on signal handling, which leaves the worker unfit. */
static void build_sigmask(struct pb *b)
{
	pb_begin(b, 2, 0);
	pb_call(b, SYS_getpid, 0, 0);
	pb_call(b, SYS_rt_sigprocmask, 0, 4);
	pb_const(b, SIG_BLOCK);
	pb_const(b, 0);
	pb_const(b, 0);
	pb_const(b, 8);
	pb_end(b);
}

/*
 * The worker is reused while no program made it unfit: the second
 * program runs in the same process as the first (the same getpid; their
 * calls touch nothing that is checked, so nothing else can make the
 * server replace it), yet starts as in a fresh one: the first program's
 * fds are closed, its data area zero. A program that touches signal
 * handling still runs in that worker, and the next one in a new one.
 */
static void test_worker_reuse(void **state)
{
	const char *path = "/tmp/drmfuzz-test-exec-reuse";
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(0);
	struct res a, p, s, n;

	(void)state;
	worker_stop(0);
	build_dirty(b, path);
	run_req(&e, b, &a);
	assert_int_equal(a.status, WIRE_EXEC_OK);
	assert_true((int64_t)a.calls[0].ret >= 3);
	assert_true(a.calls[1].flags & WIRE_CALL_FINISHED);
	build_probe(b, path);
	run_req(&e, b, &p);
	assert_int_equal(p.status, WIRE_EXEC_OK);
	/* The same fd number, a zeroed data area, the same worker. */
	assert_done(&p.calls[0], a.calls[0].ret, 0);
	assert_done(&p.calls[1], 0, 0);
	assert_done(&p.calls[2], a.calls[1].ret, 0);
	build_sigmask(b);
	run_req(&e, b, &s);
	assert_int_equal(s.status, WIRE_EXEC_OK);
	assert_done(&s.calls[0], a.calls[1].ret, 0);
	assert_done(&s.calls[1], 0, 0);
	/* Unfit after that: a new worker. */
	run_req(&e, b, &n);
	assert_int_equal(n.status, WIRE_EXEC_OK);
	assert_true(n.calls[0].flags & WIRE_CALL_FINISHED);
	assert_true(n.calls[0].ret != a.calls[1].ret);
	unlink(path);
	free(b);
}

/*
 * A program that forks gets a fresh worker for the next program, and the
 * copy it made never takes the next program's hand-over (a few rounds:
 * that race showed about once in three).
 */
static void test_worker_recycled(void **state)
{
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(0);
	struct res a, c;

	(void)state;
	worker_stop(0);
	for (int round = 0; round < 4; round++) {
		pb_begin(b, 2, 0);
		pb_call(b, SYS_getpid, 0, 0);
		/* fork() as clone(SIGCHLD): the child carries on as a copy
		 * of the worker. */
		pb_call(b, SYS_clone, 0, 5);
		pb_const(b, SIGCHLD);
		pb_const(b, 0);
		pb_const(b, 0);
		pb_const(b, 0);
		pb_const(b, 0);
		pb_end(b);
		run_req(&e, b, &a);
		assert_int_equal(a.status, WIRE_EXEC_OK);
		assert_true(a.calls[0].flags & WIRE_CALL_FINISHED);
		pb_begin(b, 1, 0);
		pb_call(b, SYS_getpid, 0, 0);
		pb_end(b);
		run_req(&e, b, &c);
		assert_int_equal(c.status, WIRE_EXEC_OK);
		assert_true(c.calls[0].ret != a.calls[0].ret);
	}
	free(b);
}

/* ---- The pipelined proc server (server_loop) ---- */

/* server_loop in a child, as a proc server, over a socketpair; our end in
 * *fd. */
static pid_t serve_child(int *fd)
{
	int sv[2];
	pid_t pid;

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		char err[256];

		close(sv[0]);
		if (server_setup_forked(sv[1], err, sizeof(err)) ||
		    server_loop(sv[1], err, sizeof(err))) {
			fprintf(stderr, "server_loop: %s\n", err);
			_exit(1);
		}
		_exit(0);
	}
	close(sv[1]);
	*fd = sv[0];
	return pid;
}

/* Close the stream: the server stops its worker and exits with 0. */
static void serve_end(pid_t pid, int fd)
{
	int st = 0;

	close(fd);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static void read_full(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t got = read(fd, p, n);

		assert_true(got > 0);
		p += got;
		n -= (size_t)got;
	}
}

/* The next reply on @fd into @r; its id. */
static uint32_t recv_reply(int fd, struct res *r)
{
	struct wire_hdr h = { 0 };

	read_full(fd, tx, WIRE_HDR_SIZE);
	assert_int_equal(wire_frame_check(tx, WIRE_HDR_SIZE, &h), 0);
	assert_true(h.len <= WIRE_MAX_PAYLOAD);
	read_full(fd, tx + WIRE_HDR_SIZE, h.len);
	return parse_reply(tx, WIRE_HDR_SIZE + h.len, r);
}

/* Requests @n programs @b[i] at once, then reads the replies into @r:
 * they come in order. */
static void run_pipelined(int fd, struct wire_exec *e, const struct pb *b,
			  int n, struct res *r)
{
	static uint8_t req[1 << 18];
	size_t len = 0;

	for (int i = 0; i < n; i++)
		len += build_req(req + len, sizeof(req) - len,
				 100 + (uint32_t)i, &e[i], &b[i]);
	assert_int_equal(write_all(fd, req, len), 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(recv_reply(fd, &r[i]), 100 + (uint32_t)i);
}

static void build_getpid(struct pb *b)
{
	pb_begin(b, 1, 0);
	pb_call(b, SYS_getpid, 0, 0);
	pb_end(b);
}

/* getpid, fork as clone(SIGCHLD) */
static void build_fork(struct pb *b)
{
	pb_begin(b, 2, 0);
	pb_call(b, SYS_getpid, 0, 0);
	pb_call(b, SYS_clone, 0, 5);
	for (int i = 0; i < 5; i++)
		pb_const(b, i ? 0 : SIGCHLD);
	pb_end(b);
}

/* A full proc: WIRE_EXEC_PROC_DEPTH getpid programs with a timeout of
 * @ms each, for the caller to change. */
static void fill_getpids(struct wire_exec *e, struct pb *b, uint32_t ms)
{
	for (uint32_t i = 0; i < WIRE_EXEC_PROC_DEPTH; i++) {
		e[i] = opts(0);
		e[i].prog_timeout_ms = ms;
		build_getpid(&b[i]);
	}
}

/* run_pipelined over a full proc; the seconds it took. */
static long run_full_timed(int fd, struct wire_exec *e, const struct pb *b,
			   struct res *r)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	run_pipelined(fd, e, b, WIRE_EXEC_PROC_DEPTH, r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (long)(t1.tv_sec - t0.tv_sec);
}

/*
 * Programs sent all at once run in order and are answered in order; a
 * crash, a timeout or a fork ends the worker, and the programs queued
 * behind run in a new one.
 */
static void test_pipeline_recycling(void **state)
{
	struct pb *b = calloc(7, sizeof(*b));
	struct wire_exec e[7];
	struct res *r = calloc(7, sizeof(*r));
	int fd, p[2];
	pid_t srv;

	(void)state;
	for (int i = 0; i < 7; i++)
		e[i] = opts(0);
	/* The first program blocks on a pipe its worker inherited. */
	assert_int_equal(pipe(p), 0);
	srv = serve_child(&fd);
	close(p[1]);
	build_rendezvous(&b[0], p[0], 1000);
	e[0].prog_timeout_ms = 300;
	e[0].call_timeout_ms = 100;
	build_getpid(&b[1]);
	/* kill(getpid(), SIGABRT) */
	pb_begin(&b[2], 2, 1);
	pb_call(&b[2], SYS_getpid, 1, 0);
	pb_call(&b[2], SYS_kill, 0, 2);
	pb_result(&b[2], 0, 0, 0, 0);
	pb_const(&b[2], SIGABRT);
	pb_end(&b[2]);
	build_getpid(&b[3]);
	build_fork(&b[4]);
	build_getpid(&b[5]);
	build_getpid(&b[6]);
	run_pipelined(fd, e, b, 7, r);
	close(p[0]);
	assert_int_equal(r[0].status, WIRE_EXEC_TIMEOUT);
	assert_int_equal(r[1].status, WIRE_EXEC_OK);
	assert_int_equal(r[2].status, WIRE_EXEC_CRASHED);
	assert_int_equal(r[2].code, SIGABRT);
	assert_int_equal(r[3].status, WIRE_EXEC_OK);
	assert_int_equal(r[4].status, WIRE_EXEC_OK);
	assert_int_equal(r[5].status, WIRE_EXEC_OK);
	assert_int_equal(r[6].status, WIRE_EXEC_OK);
	/* New workers after the crash and the fork. */
	assert_true(r[2].calls[0].flags & WIRE_CALL_FINISHED);
	assert_true(r[3].calls[0].ret != r[2].calls[0].ret);
	assert_true(r[5].calls[0].ret != r[4].calls[0].ret);
	assert_true(r[5].calls[0].ret != r[1].calls[0].ret);
	serve_end(srv, fd);
	free(b);
	free(r);
}

/*
 * The server sleeps until the worker is down to RING_WAKE_AHEAD programs
 * it has not started; a worker that a program left unfit (here: it
 * forked) wakes it at once, so the programs behind run in a new worker
 * without waiting for a timeout (a minute for each program; the check
 * below has a margin of three times the whole test's usual run).
 */
static void test_pipeline_unfit_wakes(void **state)
{
	enum { N = WIRE_EXEC_PROC_DEPTH };
	/* Else the server waits for the first program's end anyway. */
	_Static_assert(N > RING_WAKE_AHEAD + 1, "a batch of one");
	struct pb *b = calloc(N, sizeof(*b));
	struct wire_exec e[N];
	struct res *r = calloc(N, sizeof(*r));
	int fd;
	pid_t srv = serve_child(&fd);

	(void)state;
	fill_getpids(e, b, 60000);
	build_fork(&b[0]);
	assert_true(run_full_timed(fd, e, b, r) < 20);
	for (int i = 0; i < N; i++)
		assert_int_equal(r[i].status, WIRE_EXEC_OK);
	assert_true(r[1].calls[0].ret != r[0].calls[0].ret);
	assert_int_equal(r[2].calls[0].ret, r[1].calls[0].ret);
	serve_end(srv, fd);
	free(b);
	free(r);
}

/*
 * A program that hangs behind one that ended times out after its own
 * timeout from when it started, although the worker has not woken the
 * server for the one before it (it is not down to RING_WAKE_AHEAD yet):
 * the server wakes for the running program's deadline, not only the
 * oldest one's (a minute here; the check has a margin of 20 s on a 1 s
 * timeout).
 */
static void test_pipeline_hang_behind(void **state)
{
	enum { N = WIRE_EXEC_PROC_DEPTH };
	struct pb *b = calloc(N, sizeof(*b));
	struct wire_exec e[N];
	struct res *r = calloc(N, sizeof(*r));
	int fd;
	pid_t srv = serve_child(&fd);

	(void)state;
	fill_getpids(e, b, 10000);
	e[0].prog_timeout_ms = 60000;
	/* nanosleep({100, 0}, NULL) */
	pb_begin(&b[1], 1, 0);
	pb_copyin_int(&b[1], 0x100, EXEC_META(8, EXEC_FMT_NATIVE, 0, 0), 100);
	pb_copyin_int(&b[1], 0x108, EXEC_META(8, EXEC_FMT_NATIVE, 0, 0), 0);
	pb_call(&b[1], SYS_nanosleep, 0, 2);
	pb_ptr(&b[1], 0x100);
	pb_const(&b[1], 0);
	pb_end(&b[1]);
	e[1].prog_timeout_ms = 1000;
	e[1].call_timeout_ms = 500;
	assert_true(run_full_timed(fd, e, b, r) < 20);
	assert_int_equal(r[0].status, WIRE_EXEC_OK);
	assert_int_equal(r[1].status, WIRE_EXEC_TIMEOUT);
	for (int i = 2; i < N; i++)
		assert_int_equal(r[i].status, WIRE_EXEC_OK);
	serve_end(srv, fd);
	free(b);
	free(r);
}

/* Program A: 0x1234 at 0x200, "abcdefgh" at 0x1000; with @prot, page
 * 0x1000 made PROT_NONE. */
static void build_scribble(struct pb *b, int prot)
{
	pb_begin(b, prot ? 2 : 1, 0);
	pb_copyin_int(b, 0x200, EXEC_META(8, EXEC_FMT_NATIVE, 0, 0), 0x1234);
	pb_copyin_data(b, 0x1000, "abcdefgh", 8);
	if (prot) {
		pb_call(b, SYS_mprotect, 0, 3);
		pb_ptr(b, 0x1000);
		pb_const(b, 4096);
		pb_const(b, PROT_NONE);
	}
	pb_call(b, SYS_getpid, 0, 0);
	pb_end(b);
}

/* Program B: r0 = openat(@path); r1 = *(0x200); lseek(r0, r1);
 * write(r0, 0x1000, 8). */
static void build_look(struct pb *b, const char *path)
{
	pb_begin(b, 3, 2);
	pb_copyin_data(b, 0, path, strlen(path) + 1);
	pb_call(b, SYS_openat, 1, 4);
	pb_const(b, (uint64_t)AT_FDCWD);
	pb_ptr(b, 0);
	pb_const(b, O_RDWR | O_CREAT | O_TRUNC);
	pb_const(b, 0600);
	pb_copyout(b, 1, 0x200, 8);
	pb_call(b, SYS_lseek, 0, 3);
	pb_result(b, 0, 0, 0, (uint64_t)-1);
	pb_result(b, 1, 0, 0, 77);
	pb_const(b, SEEK_SET);
	pb_call(b, SYS_write, 0, 3);
	pb_result(b, 0, 0, 0, (uint64_t)-1);
	pb_ptr(b, 0x1000);
	pb_const(b, 8);
	pb_end(b);
}

/*
 * The next program finds the data area as fresh, whether the worker only
 * zeroed what the program wrote or, after a mapping call (mprotect),
 * mapped it afresh.
 */
static void test_pipeline_data_reset(void **state)
{
	const char *path = "/tmp/drmfuzz-test-exec-look";
	struct pb *b = calloc(4, sizeof(*b));
	struct wire_exec e[4];
	struct res *r = calloc(4, sizeof(*r));
	char got[16];
	int fd;
	pid_t srv = serve_child(&fd);

	(void)state;
	for (int i = 0; i < 4; i++)
		e[i] = opts(0);
	build_scribble(&b[0], 0);
	build_look(&b[1], path);
	build_scribble(&b[2], 1);
	build_look(&b[3], path);
	for (int round = 0; round < 2; round++) {
		int f;

		run_pipelined(fd, e + 2 * round, b + 2 * round, 2, r);
		assert_int_equal(r[0].status, WIRE_EXEC_OK);
		assert_int_equal(r[1].status, WIRE_EXEC_OK);
		assert_done(&r[1].calls[1], 0, 0); /* *(0x200) == 0 */
		assert_done(&r[1].calls[2], 8, 0); /* 0x1000 readable */
		f = open(path, O_RDONLY);
		assert_true(f >= 0);
		assert_int_equal(read(f, got, sizeof(got)), 8);
		close(f);
		assert_memory_equal(got, "\0\0\0\0\0\0\0\0", 8);
	}
	serve_end(srv, fd);
	unlink(path);
	free(b);
	free(r);
}

static void test_rejected(void **state)
{
	struct pb *b = malloc(sizeof(*b));
	struct wire_exec e = opts(0);
	uint8_t junk[64];
	struct res r;

	(void)state;
	/* A program the decoder refuses: nothing runs. */
	pb_begin(b, 2, 0);
	pb_call(b, SYS_getpid, 0, 0);
	pb_end(b);
	run_req(&e, b, &r);
	assert_true(r.is_error);
	assert_non_null(strstr(r.error, "exec:"));
	/* Coverage without KCOV. */
	pb_begin(b, 1, 0);
	pb_call(b, SYS_getpid, 0, 0);
	pb_end(b);
	e = opts(WIRE_EXEC_COVER);
	run_req(&e, b, &r);
	assert_true(r.is_error);
	assert_non_null(strstr(r.error, "KCOV"));
	/* Bad options and garbage. */
	e = opts(0);
	e.call_timeout_ms = 0;
	run_req(&e, b, &r);
	assert_true(r.is_error);
	memset(junk, 0xa5, sizeof(junk));
	run_raw(junk, sizeof(junk), &r);
	assert_true(r.is_error);
	run_raw(junk, 0, &r);
	assert_true(r.is_error);
	free(b);
}

/* WIRE_EXEC and WIRE_EXEC_REPLY encodings: round trip and garbage. */
static void test_wire_exec(void **state)
{
	static uint8_t mem[4096];
	static const uint8_t prog[] = { 1, 2, 3 };
	static const uint64_t pcs[] = { 0xffffffff81000000ull,
					0xffffffff81000010ull };
	static const uint64_t cmps[] = { 7, 1, 2 };
	struct wire_exec in = opts(WIRE_EXEC_THREADED), out;
	struct wire_exec_reply rep;
	struct wire_exec_call c = { 0 };
	struct wire_wr w;
	char why[128];

	(void)state;
	in.prog = prog;
	in.prog_len = sizeof(prog);
	in.proc = 3;
	wire_wr_init(&w, mem, sizeof(mem));
	wire_exec_encode(&w, &in);
	assert_int_equal(w.err, 0);
	assert_int_equal(wire_exec_decode(mem, w.len, &out, why, sizeof(why)),
			 0);
	assert_int_equal(out.flags, in.flags);
	assert_int_equal(out.proc, 3);
	assert_int_equal(out.prog_len, 3);
	assert_memory_equal(out.prog, prog, 3);
	for (size_t i = 0; i < w.len; i++)
		assert_int_equal(wire_exec_decode(mem, i, &out, why,
						  sizeof(why)),
				 -EBADMSG);
	in.flags = WIRE_EXEC_COVER | WIRE_EXEC_CMPS;
	wire_wr_init(&w, mem, sizeof(mem));
	wire_exec_encode(&w, &in);
	assert_int_equal(wire_exec_decode(mem, w.len, &out, why, sizeof(why)),
			 -EBADMSG);
	assert_non_null(strstr(why, "exclusive"));

	wire_wr_init(&w, mem, sizeof(mem));
	wire_exec_reply_begin(&w, WIRE_EXEC_CRASHED, 11, "boom", 2);
	wire_exec_call_encode(&w, 0, WIRE_CALL_EXECUTED | WIRE_CALL_FINISHED, 0,
			      3, pcs, 2, NULL, 0);
	wire_exec_call_encode(&w, 5, WIRE_CALL_EXECUTED, 22, (uint64_t)-1, NULL,
			      0, cmps, 1);
	assert_int_equal(w.err, 0);
	assert_int_equal(wire_exec_reply_decode(mem, w.len, &rep), 0);
	assert_int_equal(rep.status, WIRE_EXEC_CRASHED);
	assert_int_equal(rep.code, 11);
	assert_string_equal(rep.msg, "boom");
	assert_int_equal(rep.n_calls, 2);
	assert_true(wire_exec_reply_next(&rep, &c));
	assert_int_equal(c.index, 0);
	assert_int_equal(c.n_pcs, 2);
	assert_true(c.flags & WIRE_CALL_PCS32); /* kernel PCs: 4 bytes each */
	assert_true(wire_call_pc(&c, 0) == pcs[0]);
	assert_true(wire_call_pc(&c, 1) == pcs[1]);
	assert_true(wire_exec_reply_next(&rep, &c));
	assert_int_equal(c.index, 5);
	assert_int_equal(c.err, 22);
	assert_int_equal(c.n_cmps, 1);
	assert_true(wire_call_cmp(&c, 0).arg2 == 2);
	assert_false(wire_exec_reply_next(&rep, &c));
	/* A PC outside the kernel's top 4 GiB keeps all PCs at 8 bytes. */
	{
		static const uint64_t mixed[] = { 0xffffffff81000010ull,
						  0x1234ull };
		size_t with32;

		wire_wr_init(&w, mem, sizeof(mem));
		wire_exec_reply_begin(&w, WIRE_EXEC_OK, 0, "", 1);
		wire_exec_call_encode(&w, 0, WIRE_CALL_EXECUTED, 0, 0, pcs, 2,
				      NULL, 0);
		with32 = w.len;
		wire_wr_init(&w, mem, sizeof(mem));
		wire_exec_reply_begin(&w, WIRE_EXEC_OK, 0, "", 1);
		wire_exec_call_encode(&w, 0, WIRE_CALL_EXECUTED, 0, 0, mixed, 2,
				      NULL, 0);
		assert_int_equal(w.len, with32 + 8);
		assert_int_equal(wire_exec_reply_decode(mem, w.len, &rep), 0);
		assert_true(wire_exec_reply_next(&rep, &c));
		assert_false(c.flags & WIRE_CALL_PCS32);
		assert_true(wire_call_pc(&c, 0) == mixed[0]);
		assert_true(wire_call_pc(&c, 1) == mixed[1]);
		wire_wr_init(&w, mem, sizeof(mem));
		wire_exec_reply_begin(&w, WIRE_EXEC_CRASHED, 11, "boom", 2);
		wire_exec_call_encode(&w, 0,
				      WIRE_CALL_EXECUTED | WIRE_CALL_FINISHED,
				      0, 3, pcs, 2, NULL, 0);
		wire_exec_call_encode(&w, 5, WIRE_CALL_EXECUTED, 22,
				      (uint64_t)-1, NULL, 0, cmps, 1);
	}
	/* Every truncation is refused, and so are flipped bytes that break
	 * the structure (decoding must never read out of bounds). */
	for (size_t i = 0; i < w.len; i++)
		assert_int_equal(wire_exec_reply_decode(mem, i, &rep),
				 -EBADMSG);
	for (size_t i = 0; i < w.len; i++) {
		mem[i] ^= 0xff;
		(void)wire_exec_reply_decode(mem, w.len, &rep);
		while (wire_exec_reply_next(&rep, &c))
			;
		mem[i] ^= 0xff;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_exec),
		cmocka_unit_test(test_results),
		cmocka_unit_test(test_copyin_formats),
		cmocka_unit_test(test_csum),
		cmocka_unit_test(test_threaded_blocked),
		cmocka_unit_test(test_collide),
		cmocka_unit_test(test_program_timeout),
		cmocka_unit_test(test_crash),
		cmocka_unit_test(test_nonfailing),
		cmocka_unit_test(test_pseudo),
		cmocka_unit_test(test_sandbox_setuid),
		cmocka_unit_test(test_worker_reuse),
		cmocka_unit_test(test_worker_recycled),
		cmocka_unit_test(test_rejected),
		cmocka_unit_test(test_pipeline_recycling),
		cmocka_unit_test(test_pipeline_data_reset),
		cmocka_unit_test(test_pipeline_unfit_wakes),
		cmocka_unit_test(test_pipeline_hang_behind),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
