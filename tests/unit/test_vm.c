/*
 * Unit tests: the VM layer with the fake backend (the real executor over
 * a socketpair, and scripted broken machines), requests from several
 * threads to the executor's procs, the backend table's hooks, the cpio
 * writer and the initramfs, QEMU's command line, the KVM probe's decision,
 * /init.
 * argv[1]: the drmfuzz-executor to use.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "exec_build.h"
#include "ipc/ipc.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/spawn.h"
#include "vm/fake.h"
#include "vm/initramfs.h"
#include "vm/qemu.h"
#include "vm/vm.h"
#include "vm/vm_impl.h"

static const char *executor;
static char tmpdir[] = "/tmp/drmfuzz-test-vm-XXXXXX";
static struct buf errors;

static void sink(enum log_level level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level <= LOG_LVL_WARN) {
		buf_puts(&errors, msg);
		buf_putc(&errors, '\n');
	}
}

static char *tmp(const char *name)
{
	char *p = path_join(tmpdir, name);

	assert_non_null(p);
	return p;
}

/* Start the fake backend on @argv; the console goes to tmpdir/@log. */
static struct vm *fake_silence(char *const *argv, const char *log,
			       double silence)
{
	char *path = tmp(log);
	struct vm_fake_config fc = { .argv = argv };
	struct vm_opts o = { .console_log = path,
			     .boot_silence_s = silence,
			     .config = &fc };
	struct vm *vm = NULL;

	assert_int_equal(vm_start(&vm_fake_ops, &o, &vm), 0);
	free(path);
	buf_reset(&errors);
	return vm;
}

static struct vm *fake(char *const *argv, const char *log)
{
	return fake_silence(argv, log, 0);
}

static void test_fake_executor(void **state)
{
	char *argv[] = { (char *)executor, "--stdio", NULL };
	struct wire_hello *h = calloc(1, sizeof(*h));
	struct vm *vm = fake(argv, "exec.log");
	struct buf reply = { 0 };
	uint16_t type;
	double rtt = 0;

	(void)state;
	assert_int_equal(vm_handshake(vm, 10000, h), 0);
	/* This host's kernel: whatever it offers, the release is there. */
	assert_true(strlen(h->release) > 0);
	assert_true(vm_boot_seconds(vm) > 0);
	assert_int_equal(vm_ping(vm, 10000, &rtt), 0);
	assert_true(rtt > 0);
	/* Unknown request types get an ERROR reply with the same id. */
	assert_int_equal(vm_request(vm, 77, "x", 1, 10000, &type, &reply), 0);
	assert_int_equal(type, WIRE_ERROR);
	buf_free(&reply);
	vm_free(vm);
	/* The executor's stderr (the console) reached the log. */
	{
		char *path = tmp("exec.log"), *text;
		size_t len;

		assert_int_equal(file_read_all(path, 0, &text, &len), 0);
		assert_non_null(strstr(text, "drmfuzz-executor: kernel"));
		free(text);
		free(path);
	}
	free(h);
}

/* ---- procs: several threads, one VM, one executor proc each ---- */

/* The fake VM running the real executor, handshake done. */
static struct vm *procs_vm(const char *log)
{
	static char *argv[] = { NULL, "--stdio", NULL };
	struct wire_hello *h = calloc(1, sizeof(*h));
	struct vm *vm;

	argv[0] = (char *)executor;
	vm = fake(argv, log);
	assert_int_equal(vm_handshake(vm, 10000, h), 0);
	free(h);
	return vm;
}

/* fcntl(0, F_DUPFD, @base + proc), @base + proc below the executor's limit
 * on a program's fds (32): returns the lowest free fd from there, base +
 * proc (the pid-dependent argument: the request's proc must reach the
 * program; the previous program's fds are closed). */
static void prog_dupfd(struct pb *b, uint64_t base)
{
	pb_begin(b, 1, 0);
	pb_call(b, SYS_fcntl, 0, 3);
	pb_const(b, 0);
	pb_const(b, F_DUPFD);
	pb_u(b, EXEC_ARG_CONST);
	pb_u(b, EXEC_META(8, EXEC_FMT_NATIVE, 0, 0) | EXEC_META_PID);
	pb_u(b, base);
	pb_u(b, 1);
	pb_end(b);
}

/* r0 = openat(AT_FDCWD, @fifo, O_RDONLY); read(r0, buf, 1): the program
 * holds until the test opens @fifo for writing (proof that it runs), and
 * ends when the test closes it. */
static void prog_hold(struct pb *b, const char *fifo)
{
	pb_begin(b, 2, 1);
	pb_copyin_data(b, 0, fifo, strlen(fifo) + 1);
	pb_call(b, SYS_openat, 1, 4);
	pb_const(b, (uint64_t)AT_FDCWD);
	pb_ptr(b, 0);
	pb_const(b, O_RDONLY);
	pb_const(b, 0);
	pb_call(b, SYS_read, 0, 3);
	pb_result(b, 0, 0, 0, (uint64_t)-1);
	pb_ptr(b, 4096);
	pb_const(b, 1);
	pb_end(b);
}

static int exec_on(struct vm *vm, uint32_t proc, const struct pb *b,
		   struct ipc_result **r, char *why, size_t cap)
{
	struct wire_exec e = { .call_timeout_ms = 30000,
			       .prog_timeout_ms = 30000,
			       .proc = proc,
			       .prog = b->buf,
			       .prog_len = b->len };

	return ipc_exec(vm, &e, 30000, r, why, cap);
}

/* Open @fifo for writing once a program reads it: the fd, or -1 after
 * 60 s (the program never ran). */
static int fifo_writer(const char *fifo)
{
	for (int i = 0; i < 6000; i++) {
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		int fd = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

		if (fd >= 0)
			return fd;
		nanosleep(&ts, NULL);
	}
	return -1;
}

struct worker_arg {
	struct vm *vm;
	uint32_t proc;
	int rounds;
	const char *fifo; /* hold on it, else dupfd */
	int err; /* of the last request */
	int bad; /* replies that were not this thread's */
	char why[256];
	struct ipc_result *last;
};

static void *worker(void *p)
{
	struct worker_arg *a = p;
	struct pb *b = malloc(sizeof(*b));

	for (int k = 0; k < a->rounds; k++) {
		struct ipc_result *r = NULL;
		uint64_t base = 20 + 4 * (uint64_t)(k % 2);

		if (a->fifo)
			prog_hold(b, a->fifo);
		else
			prog_dupfd(b, base);
		a->err = exec_on(a->vm, a->proc, b, &r, a->why, sizeof(a->why));
		if (a->err)
			break;
		if (!a->fifo && (r->status != WIRE_EXEC_OK || r->n_calls != 1 ||
				 r->calls[0].ret != base + a->proc)) {
			print_message(
				"proc %u round %d: status %u, %u calls, ret %lld (%s)\n",
				a->proc, k, r->status, r->n_calls,
				r->n_calls ? (long long)r->calls[0].ret : -1LL,
				r->msg);
			a->bad++;
		}
		ipc_result_free(a->last);
		a->last = r;
	}
	free(b);
	return NULL;
}

/* Many requests from 4 threads, one proc each, and PINGs from a fifth:
 * every reply reaches the thread that asked. */
static void test_procs_concurrent(void **state)
{
	struct vm *vm = procs_vm("procs.log");
	struct worker_arg a[4];
	pthread_t t[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		a[i] = (struct worker_arg){ .vm = vm,
					    .proc = (uint32_t)i * 2,
					    .rounds = 25 };
		assert_int_equal(pthread_create(&t[i], NULL, worker, &a[i]), 0);
	}
	for (int i = 0; i < 20; i++) {
		double rtt;

		assert_int_equal(vm_ping(vm, 30000, &rtt), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		if (a[i].err)
			print_error("proc %u: %s (%s)\n", a[i].proc,
				    strerror(-a[i].err), a[i].why);
		assert_int_equal(a[i].err, 0);
		assert_int_equal(a[i].bad, 0);
		ipc_result_free(a[i].last);
	}
	assert_int_equal(errors.len, 0);
	vm_free(vm);
}

/* Two procs' programs are in flight at once: each holds until the test
 * has seen both run. */
static void test_procs_overlap(void **state)
{
	char *f[2] = { tmp("fifo0"), tmp("fifo1") };
	struct vm *vm = procs_vm("overlap.log");
	struct worker_arg a[2];
	pthread_t t[2];
	int fd[2];

	(void)state;
	for (int i = 0; i < 2; i++) {
		assert_int_equal(mkfifo(f[i], 0600), 0);
		a[i] = (struct worker_arg){
			.vm = vm, .proc = (uint32_t)i, .rounds = 1, .fifo = f[i]
		};
		assert_int_equal(pthread_create(&t[i], NULL, worker, &a[i]), 0);
	}
	/* Both programs are reading their FIFO before either may end. */
	fd[0] = fifo_writer(f[0]);
	fd[1] = fifo_writer(f[1]);
	assert_true(fd[0] >= 0);
	assert_true(fd[1] >= 0);
	close(fd[0]);
	close(fd[1]);
	for (int i = 0; i < 2; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].err, 0);
		assert_int_equal(a[i].last->status, WIRE_EXEC_OK);
		assert_int_equal(a[i].last->n_calls, 2);
		assert_true(a[i].last->calls[1].flags & WIRE_CALL_FINISHED);
		assert_int_equal(a[i].last->calls[1].ret, 0); /* EOF */
		ipc_result_free(a[i].last);
		unlink(f[i]);
		free(f[i]);
	}
	vm_free(vm);
}

/* Children of @parent (from /proc); their number. */
static int children(pid_t parent, pid_t *out, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[300], buf[512], *rp;
		long ppid;
		FILE *f;

		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		buf[0] = 0;
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
		rp = strrchr(buf, ')');
		if (rp && sscanf(rp + 1, " %*c %ld", &ppid) == 1 &&
		    ppid == parent && n < max)
			out[n++] = (pid_t)atol(e->d_name);
	}
	closedir(d);
	return n;
}

/* The executor's serving process: the fake VM's process (our only
 * child), or its child when it serves from a PID namespace. */
static pid_t serving_pid(void)
{
	pid_t k[8];

	assert_int_equal(children(getpid(), k, 8), 1);
	return children(k[0], k + 1, 1) == 1 ? k[1] : k[0];
}

/*
 * Fill proc @proc: a program that holds on @fifo (*@fd: its writing end,
 * open once the program runs), and WIRE_EXEC_PROC_DEPTH - 1 more from
 * threads of their own, queued behind it; then one more request is
 * refused as busy.
 */
static void fill_proc(struct vm *vm, uint32_t proc, const char *fifo,
		      struct worker_arg *a, pthread_t *t, int *fd)
{
	struct ipc_result *r = NULL;
	struct pb *b = malloc(sizeof(*b));
	char why[256], busy[64];

	for (uint32_t i = 0; i < WIRE_EXEC_PROC_DEPTH; i++) {
		a[i] = (struct worker_arg){ .vm = vm,
					    .proc = proc,
					    .rounds = 1,
					    .fifo = i ? NULL : fifo };
		assert_int_equal(pthread_create(&t[i], NULL, worker, &a[i]), 0);
		if (!i) {
			*fd = fifo_writer(fifo);
			assert_true(*fd >= 0);
		}
	}
	for (int i = 0;
	     i < 6000 && (unsigned)vm_requests_out(vm) < WIRE_EXEC_PROC_DEPTH;
	     i++)
		usleep(10000);
	assert_int_equal(vm_requests_out(vm), WIRE_EXEC_PROC_DEPTH);
	prog_dupfd(b, 20);
	assert_int_equal(exec_on(vm, proc, b, &r, why, sizeof(why)), -EINVAL);
	snprintf(busy, sizeof(busy), "proc %u is busy", proc);
	assert_non_null(strstr(why, busy));
	free(b);
}

/*
 * A proc takes WIRE_EXEC_PROC_DEPTH requests at a time, one more is
 * refused; a proc server that dies answers for all of its requests, and
 * the proc's next request gets a new one; the other procs go on.
 */
static void test_procs_busy_and_death(void **state)
{
	char *f = tmp("fifo-busy"), why[256];
	struct vm *vm = procs_vm("busy.log");
	struct worker_arg a[WIRE_EXEC_PROC_DEPTH];
	struct ipc_result *r = NULL;
	struct pb *b = malloc(sizeof(*b));
	pthread_t t[WIRE_EXEC_PROC_DEPTH];
	pid_t srv[8];
	int fd = -1, n;

	(void)state;
	assert_int_equal(mkfifo(f, 0600), 0);
	prog_dupfd(b, 20);
	assert_int_equal(exec_on(vm, 5, b, &r, why, sizeof(why)), 0);
	ipc_result_free(r);
	/* Proc 2 runs a program that holds; the others queue behind it. */
	fill_proc(vm, 2, f, a, t, &fd);
	/* Kill the proc servers (procs 2 and 5). */
	n = children(serving_pid(), srv, 8);
	assert_int_equal(n, 2);
	for (int i = 0; i < n; i++)
		assert_int_equal(kill(srv[i], SIGKILL), 0);
	for (uint32_t i = 0; i < WIRE_EXEC_PROC_DEPTH; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].err, -EINVAL);
		assert_non_null(strstr(a[i].why, "proc 2: its server died"));
		assert_non_null(strstr(a[i].why, "signal 9"));
	}
	close(fd);
	/* New servers for both. */
	for (uint32_t proc = 2; proc <= 5; proc += 3) {
		r = NULL;
		assert_int_equal(exec_on(vm, proc, b, &r, why, sizeof(why)), 0);
		assert_int_equal(r->status, WIRE_EXEC_OK);
		assert_int_equal(r->calls[0].ret, 20 + proc);
		ipc_result_free(r);
	}
	assert_int_equal(errors.len, 0);
	vm_free(vm);
	unlink(f);
	free(f);
	free(b);
}

/*
 * Proc 0, which the serving process runs itself, takes
 * WIRE_EXEC_PROC_DEPTH requests too: one more is refused, and those
 * queued behind a program that holds run once it ends.
 */
static void test_proc0_busy(void **state)
{
	char *f = tmp("fifo-busy0");
	struct vm *vm = procs_vm("busy0.log");
	struct worker_arg a[WIRE_EXEC_PROC_DEPTH];
	pthread_t t[WIRE_EXEC_PROC_DEPTH];
	int fd = -1;

	(void)state;
	assert_int_equal(mkfifo(f, 0600), 0);
	fill_proc(vm, 0, f, a, t, &fd);
	close(fd); /* the held program ends */
	for (uint32_t i = 0; i < WIRE_EXEC_PROC_DEPTH; i++) {
		pthread_join(t[i], NULL);
		assert_int_equal(a[i].err, 0);
		assert_int_equal(a[i].bad, 0);
		assert_int_equal(a[i].last->status, WIRE_EXEC_OK);
		ipc_result_free(a[i].last);
	}
	assert_int_equal(errors.len, 0);
	vm_free(vm);
	unlink(f);
	free(f);
}

/*
 * Proc 0's worker is the serving process's child: a program there finds
 * none of that process's fds (its streams to the proc servers), even in
 * the worker's first program: poll() on fds 3-31 with no events finds
 * every one of them invalid.
 */
static void test_proc0_fds(void **state)
{
	struct vm *vm = procs_vm("fds0.log");
	struct pb *b = malloc(sizeof(*b));
	struct ipc_result *r = NULL;
	char why[256];

	(void)state;
	/* Proc 1 first: the serving process has a stream to its server. */
	prog_dupfd(b, 20);
	assert_int_equal(exec_on(vm, 1, b, &r, why, sizeof(why)), 0);
	assert_int_equal(r->calls[0].ret, 21);
	ipc_result_free(r);
	/* poll({3..31, 0, 0}..., 29, 0): POLLNVAL counts. */
	pb_begin_sized(b, 1, 0, 4096);
	for (uint64_t fd = 3; fd < 32; fd++)
		pb_copyin_int(b, 8 * (fd - 3), EXEC_META(4, 0, 0, 0), fd);
	pb_call(b, SYS_poll, 0, 3);
	pb_ptr(b, 0);
	pb_const(b, 29);
	pb_const(b, 0);
	pb_end(b);
	assert_int_equal(exec_on(vm, 0, b, &r, why, sizeof(why)), 0);
	assert_int_equal(r->status, WIRE_EXEC_OK);
	assert_int_equal(r->calls[0].ret, 29);
	ipc_result_free(r);
	assert_int_equal(errors.len, 0);
	vm_free(vm);
	free(b);
}

/*
 * Pipelining: 4 threads share proc 0 (run by the serving process itself)
 * and 4 share proc 1 (a proc server), each with many programs; each proc
 * runs its programs one after the other (each sees the worker's fds as
 * they were, so each returns base + proc) and every reply reaches its
 * thread.
 */
static void test_procs_pipelined(void **state)
{
	struct vm *vm = procs_vm("pipelined.log");
	struct worker_arg a[2 * WIRE_EXEC_PROC_DEPTH];
	pthread_t t[2 * WIRE_EXEC_PROC_DEPTH];

	(void)state;
	for (uint32_t i = 0; i < 2 * WIRE_EXEC_PROC_DEPTH; i++) {
		a[i] = (struct worker_arg){ .vm = vm,
					    .proc = i / WIRE_EXEC_PROC_DEPTH,
					    .rounds = 50 };
		assert_int_equal(pthread_create(&t[i], NULL, worker, &a[i]), 0);
	}
	for (uint32_t i = 0; i < 2 * WIRE_EXEC_PROC_DEPTH; i++) {
		pthread_join(t[i], NULL);
		if (a[i].err)
			print_error("thread %u: %s\n", i, a[i].why);
		assert_int_equal(a[i].err, 0);
		assert_int_equal(a[i].bad, 0);
		ipc_result_free(a[i].last);
	}
	assert_int_equal(errors.len, 0);
	vm_free(vm);
}

/*
 * The machine dies while 4 threads wait: each gets the error, which is
 * logged once. Then vm_cancel on another machine: the waiters get its
 * error, nothing is logged.
 */
static void test_procs_machine_lost(void **state)
{
	for (int cancel = 0; cancel < 2; cancel++) {
		struct vm *vm = procs_vm(cancel ? "cancel.log" : "lost.log");
		struct worker_arg a[4];
		pthread_t t[4];
		char *f[4];
		int fd[4];

		(void)state;
		for (int i = 0; i < 4; i++) {
			char name[32];

			snprintf(name, sizeof(name), "fifo-lost%d-%d", cancel,
				 i);
			f[i] = tmp(name);
			assert_int_equal(mkfifo(f[i], 0600), 0);
			a[i] = (struct worker_arg){ .vm = vm,
						    .proc = (uint32_t)i,
						    .rounds = 1,
						    .fifo = f[i] };
			assert_int_equal(
				pthread_create(&t[i], NULL, worker, &a[i]), 0);
		}
		for (int i = 0; i < 4; i++) {
			fd[i] = fifo_writer(f[i]);
			assert_true(fd[i] >= 0);
		}
		/* All 4 programs run; their requests wait. */
		if (cancel)
			vm_cancel(vm, -ECANCELED);
		else
			assert_int_equal(kill(serving_pid(), SIGKILL), 0);
		for (int i = 0; i < 4; i++) {
			pthread_join(t[i], NULL);
			assert_int_equal(a[i].err,
					 cancel ? -ECANCELED : -EPIPE);
			close(fd[i]);
			unlink(f[i]);
			free(f[i]);
		}
		if (cancel) {
			assert_int_equal(errors.len, 0);
		} else {
			char *once = strstr(errors.data, "last console lines");

			/* The executor's first process goes with it (it
			 * passes on the status when it waited in front of
			 * a PID namespace). */
			assert_non_null(strstr(errors.data,
					       "request: the fake process"));
			assert_true(strstr(errors.data, "status 137") ||
				    strstr(errors.data, "signal 9"));
			assert_non_null(once);
			assert_null(strstr(once + 1, "last console lines"));
		}
		/* Later requests fail the same way, quietly. */
		buf_reset(&errors);
		{
			double rtt;

			assert_int_equal(vm_ping(vm, 1000, &rtt),
					 cancel ? -ECANCELED : -EPIPE);
		}
		assert_int_equal(errors.len, 0);
		vm_free(vm);
	}
}

/* A broken machine: @script runs under sh; expect @err and @needle. */
static void broken(const char *script, int timeout_ms, int err,
		   const char *needle)
{
	char *argv[] = { "/bin/sh", "-c", (char *)script, NULL };
	struct wire_hello *h = calloc(1, sizeof(*h));
	struct vm *vm = fake(argv, "broken.log");

	assert_int_equal(vm_handshake(vm, timeout_ms, h), err);
	if (!strstr(errors.data ? errors.data : "", needle) ||
	    !strstr(errors.data, "broken.log")) {
		print_error("error message: %s\n", errors.data);
		fail();
	}
	vm_free(vm);
	free(h);
}

/* A kernel that stops printing early in boot is given up on quickly. */
static void test_boot_hang(void **state)
{
	char *argv[] = {
		"/bin/sh", "-c",
		"echo 'Running RCU-tasks wait API self tests' >&2; sleep 30",
		NULL
	};
	struct wire_hello h;
	struct vm *vm;

	(void)state;
	vm = fake_silence(argv, "hang.log", 1.0);
	assert_int_equal(vm_handshake(vm, 20000, &h), -ETIME);
	assert_non_null(strstr(errors.data, "silent for 1 s"));
	assert_non_null(strstr(errors.data, "RCU-tasks"));
	vm_free(vm);
}

/* A hung boot is booted again, its console kept beside the new one. */
static void test_boot_retry(void **state)
{
	char *log = tmp("retry.log"), *hung = NULL, *flag = tmp("retry.flag");
	struct buf script = { 0 };
	char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	struct vm_fake_config fc = { .argv = argv };
	struct vm_opts o = { .boot_silence_s = 1.0, .config = &fc };
	struct wire_hello *h = calloc(1, sizeof(*h));
	struct vm *vm = NULL;
	char *text = NULL;
	size_t len;

	(void)state;
	unlink(flag);
	buf_reset(&errors);
	/* First boot: hangs after the RCU line; second: the executor. */
	assert_int_equal(
		buf_printf(&script,
			   "if [ ! -e '%s' ]; then touch '%s'; "
			   "echo 'Running RCU-tasks wait API self tests' >&2; "
			   "sleep 30; fi; exec '%s' --stdio",
			   flag, flag, executor),
		0);
	argv[2] = script.data;
	o.console_log = log;
	assert_int_equal(vm_boot(&vm_fake_ops, &o, 20000, &vm, h), 0);
	assert_non_null(vm);
	assert_non_null(strstr(errors.data, "attempt 1 of"));
	assert_int_equal(asprintf(&hung, "%s.hung-1", log) > 0, 1);
	assert_int_equal(file_read_all(hung, 1 << 20, &text, &len), 0);
	assert_non_null(strstr(text, "RCU-tasks"));
	vm_free(vm);
	free(text);
	free(hung);
	free(h);
	free(log);
	free(flag);
	buf_free(&script);
}

static void test_fake_failures(void **state)
{
	(void)state;
	broken("echo booting >&2; echo '[ 1.0] Kernel panic - not syncing: "
	       "Attempted to kill init!' >&2; echo 'more lines' >&2; sleep 30",
	       20000, -EPIPE, "  | more lines");
	broken("echo 'drmfuzz-executor: FAIL: no port' >&2; exit 67", 20000,
	       -EPIPE, "FAIL: no port");
	broken("echo boom >&2; exit 3", 20000, -EPIPE, "exited with status 3");
	broken("echo quiet >&2; sleep 30", 1000, -ETIMEDOUT,
	       "no answer from the executor within 1 s");
	broken("printf 'GET / HTTP/1.0\\r\\n\\r\\n'; sleep 30", 20000, -EBADMSG,
	       "bad frame magic");
	/* Protocol version 9: "MDFZ" then 09 00. */
	broken("printf 'MDFZ\\011\\000\\001\\000\\000\\000\\000\\000\\000\\000"
	       "\\000\\000'; sleep 30",
	       20000, -EPROTONOSUPPORT, "protocol version 9");
	broken("echo silent >&2", 20000, -EPIPE, "silent");
	broken("echo alive >&2; exec 0<&- 1>&-; sleep 30", 20000, -EPIPE,
	       "the executor closed the connection");
}

/* ---- the backend table: a backend wrapping the fake one ---- */

static int hook_setups, hook_stops, hook_destroys;

static int hook_setup(struct vm *vm, const void *config)
{
	(void)config;
	hook_setups++;
	/* A backend's own boot limit: a second of silence is a hang. */
	vm->boot_silence = 1.0;
	return 0;
}

static int hook_start(struct vm *vm, const void *config)
{
	/* The boot clock runs from after setup. */
	assert_int_equal(hook_setups, 1);
	return vm_fake_ops.start(vm, config);
}

static void hook_stop(struct vm *vm)
{
	(void)vm;
	hook_stops++;
}

static void hook_destroy(struct vm *vm)
{
	(void)vm;
	hook_destroys++;
}

static const struct vm_ops hook_ops = {
	.name = "hooked",
	.setup = hook_setup,
	.start = hook_start,
	.stop = hook_stop,
	.destroy = hook_destroy,
};

/*
 * The generic code asks a backend only through its table: setup before
 * the boot, its limits used by the handshake, its name in the error,
 * stop and destroy once each in vm_free, also after a failed start.
 */
static void test_backend_hooks(void **state)
{
	char *argv[] = { "/bin/sh", "-c",
			 "echo 'Running RCU-tasks wait API self tests' >&2; "
			 "sleep 30",
			 NULL };
	struct vm_fake_config fc = { .argv = argv }, none = { 0 };
	char *log = tmp("hooks.log");
	struct vm_opts o = { .console_log = log, .config = &fc };
	struct wire_hello h;
	struct vm *vm = NULL;

	(void)state;
	buf_reset(&errors);
	assert_int_equal(vm_start(&hook_ops, &o, &vm), 0);
	assert_int_equal(vm_handshake(vm, 20000, &h), -ETIME);
	assert_non_null(strstr(errors.data, "silent for 1 s"));
	assert_int_equal(hook_stops + hook_destroys, 0);
	vm_free(vm);
	assert_int_equal(hook_stops, 1);
	assert_int_equal(hook_destroys, 1);
	/* A start that fails: the machine is freed the same way. */
	hook_setups = hook_stops = hook_destroys = 0;
	o.config = &none;
	vm = NULL;
	assert_int_equal(vm_start(&hook_ops, &o, &vm), -EINVAL);
	assert_null(vm);
	assert_int_equal(hook_setups, 1);
	assert_int_equal(hook_stops, 1);
	assert_int_equal(hook_destroys, 1);
	free(log);
}

static void test_cpio(void **state)
{
	struct buf a = { 0 };
	char *path = tmp("t.cpio"), *out = NULL;
	char *argv[] = { "cpio", "-itv", "-F", path, NULL };
	int code;

	(void)state;
	assert_int_equal(vm_cpio_add(&a, "bin", S_IFDIR | 0755, NULL, 0, 0), 0);
	assert_int_equal(vm_cpio_add(&a, "bin/x", S_IFREG | 0755, "abc", 3, 0),
			 0);
	assert_int_equal(vm_cpio_add(&a, "bin/y", S_IFLNK | 0777, "x", 1, 0),
			 0);
	assert_int_equal(vm_cpio_trailer(&a), 0);
	assert_int_equal(a.len % 4, 0);
	assert_memory_equal(a.data, "070701", 6);
	assert_int_equal(file_write_atomic(path, a.data, a.len), 0);
	assert_int_equal(spawn_capture(argv, 10000, &out, &code), 0);
	assert_int_equal(code, 0);
	assert_non_null(strstr(out, "bin/x"));
	assert_non_null(strstr(out, "bin/y -> x"));
	assert_non_null(strstr(out, "drwxr-xr-x"));
	free(out);
	free(path);
	buf_free(&a);
}

static void test_initramfs(void **state)
{
	char *p1 = NULL, *p2 = NULL, *out = NULL, *text;
	char *cache = tmp("cache");
	int code;
	size_t len;

	(void)state;
	setenv("XDG_CACHE_HOME", cache, 1);
	assert_int_equal(vm_initramfs(executor, &p1), 0);
	assert_int_equal(strncmp(p1, cache, strlen(cache)), 0);
	/* Same inputs, same cached file. */
	assert_int_equal(vm_initramfs(executor, &p2), 0);
	assert_string_equal(p1, p2);
	{
		char *argv[] = { "cpio", "-itv", "-F", p1, NULL };

		assert_int_equal(spawn_capture(argv, 10000, &out, &code), 0);
	}
	assert_int_equal(code, 0);
	assert_non_null(strstr(out, "bin/busybox"));
	assert_non_null(strstr(out, "bin/drmfuzz-executor"));
	assert_non_null(strstr(out, "dev/console"));
	/* busybox's applets are links made on the host. */
	assert_non_null(strstr(out, "bin/mount -> busybox"));
	assert_non_null(strstr(out, "bin/poweroff -> busybox"));
	assert_non_null(strstr(out, "-rwxr-xr-x"));
	assert_non_null(strstr(out, " init\n"));
	free(out);
	/* A dynamically linked executor cannot run in the guest. */
	buf_reset(&errors);
	free(p2);
	p2 = NULL;
	assert_int_equal(vm_initramfs("/bin/true", &p2), -ENOEXEC);
	assert_non_null(strstr(errors.data, "dynamically linked"));
	assert_int_equal(vm_initramfs("/nonexistent", &p2), -ENOENT);
	assert_int_equal(file_read_all(p1, 0, &text, &len), 0);
	assert_non_null(
		memmem(text, len, vm_init_script, strlen(vm_init_script)));
	free(text);
	/* Modules: in order, under lib/modules/drmfuzz; a new archive. */
	{
		const char *mods[] = { executor, "/bin/true" };
		char *argv[] = { "cpio", "-it", "-F", NULL, NULL };

		assert_int_equal(vm_initramfs_modules(executor, mods, 2, &p2),
				 0);
		assert_string_not_equal(p1, p2);
		argv[3] = p2;
		assert_int_equal(spawn_capture(argv, 10000, &out, &code), 0);
		assert_int_equal(code, 0);
		assert_non_null(
			strstr(out, "lib/modules/drmfuzz/00-drmfuzz-executor\n"
				    "lib/modules/drmfuzz/01-true\n"));
		free(out);
		free(p2);
		p2 = NULL;
		buf_reset(&errors);
		mods[1] = "/etc/hostname";
		assert_int_equal(vm_initramfs_modules(executor, mods, 2, &p2),
				 -EINVAL);
		assert_non_null(
			strstr(errors.data, "/etc/hostname: not an ELF"));
		mods[1] = "/nonexistent.ko";
		assert_int_equal(vm_initramfs_modules(executor, mods, 2, &p2),
				 -ENOENT);
		assert_non_null(strstr(errors.data, "/nonexistent.ko"));
	}
	free(p1);
	free(cache);
	unsetenv("XDG_CACHE_HOME");
}

static void test_init_script(void **state)
{
	char *path = tmp("init.sh"), *out = NULL;
	char *argv[] = { "busybox", "sh", "-n", path, NULL };
	int code;

	(void)state;
	assert_int_equal(strncmp(vm_init_script, "#!/bin/busybox sh\n", 18), 0);
	assert_non_null(strstr(vm_init_script, "mount -t debugfs"));
	assert_non_null(strstr(vm_init_script, "mount -t devtmpfs"));
	/* Node modes and names are the executor's (one process per node
	 * here costs seconds under TCG): exec_drm and exec_seeds check them. */
	assert_null(strstr(vm_init_script, "chmod"));
	assert_non_null(strstr(vm_init_script,
			       "/bin/drmfuzz-executor --port drmfuzz\n"));
	/* Modules load before the executor starts. */
	assert_true(strstr(vm_init_script, "insmod") <
		    strstr(vm_init_script, "/bin/drmfuzz-executor --port"));
	/* The marker vm.c watches for when the executor ends. */
	assert_non_null(strstr(vm_init_script, "drmfuzz: executor exited"));
	/* It parses. */
	assert_int_equal(file_write_atomic(path, vm_init_script,
					   strlen(vm_init_script)),
			 0);
	assert_int_equal(spawn_capture(argv, 10000, &out, &code), 0);
	assert_int_equal(code, 0);
	free(out);
	free(path);
}

static int argv_find(char **argv, const char *a, const char *b)
{
	for (int i = 0; argv[i]; i++)
		if (!strcmp(argv[i], a) &&
		    (!b || (argv[i + 1] && !strcmp(argv[i + 1], b))))
			return i;
	return -1;
}

static void test_qemu_argv(void **state)
{
	struct vm_qemu_config o = { .kernel = "/k/bzImage",
				    .initrd = "/i.cpio",
				    .qemu = "/opt/qemu",
				    .cmdline = "panic_on_warn=0",
				    .qemu_args = " -s  -S ",
				    .cpu = 4,
				    .mem = 4096,
				    .accel = VM_ACCEL_TCG };
	char **a = vm_qemu_argv(&o, "sockname");
	int i;

	(void)state;
	assert_non_null(a);
	assert_string_equal(a[0], "/opt/qemu");
	assert_true(argv_find(a, "-accel", "tcg,thread=multi") > 0);
	assert_true(argv_find(a, "-cpu", "max") > 0);
	assert_true(argv_find(a, "-smp", "4") > 0);
	assert_true(argv_find(a, "-m", "4096") > 0);
	assert_true(argv_find(a, "-kernel", "/k/bzImage") > 0);
	assert_true(argv_find(a, "-initrd", "/i.cpio") > 0);
	assert_true(argv_find(a, "-no-reboot", NULL) > 0);
	assert_true(argv_find(a, "-serial", "stdio") > 0);
	assert_true(argv_find(a, "-device", "virtio-gpu-pci") > 0);
	assert_true(
		argv_find(
			a, "-chardev",
			"socket,id=transport,path=sockname,abstract=on,server=off") >
		0);
	assert_true(argv_find(a, "-device",
			      "virtserialport,chardev=transport,name=drmfuzz") >
		    0);
	i = argv_find(a, "-append", NULL);
	assert_true(i > 0);
	assert_non_null(strstr(a[i + 1], "console=ttyS0"));
	assert_non_null(strstr(a[i + 1], "rdinit=/init"));
	/* The user's additions come last, so they win. */
	assert_non_null(strstr(a[i + 1], "panic_on_warn=1"));
	assert_true(strstr(a[i + 1], " panic_on_warn=0") >
		    strstr(a[i + 1], "panic_on_warn=1"));
	/* TCG trusts the TSC (else the clocksource is the emulated HPET). */
	assert_non_null(strstr(a[i + 1], " tsc=reliable"));
	/* Extra arguments are split on spaces, at the end. */
	for (i = 0; a[i]; i++)
		;
	assert_string_equal(a[i - 2], "-s");
	assert_string_equal(a[i - 1], "-S");
	vm_argv_free(a);

	o.accel = VM_ACCEL_KVM;
	o.initrd = NULL;
	o.qemu = NULL;
	o.qemu_args = NULL;
	a = vm_qemu_argv(&o, NULL);
	assert_string_equal(a[0], "qemu-system-x86_64");
	assert_true(argv_find(a, "-accel", "kvm") > 0);
	i = argv_find(a, "-append", NULL);
	assert_null(strstr(a[i + 1], "tsc=reliable"));
	assert_int_equal(argv_find(a, "-initrd", NULL), -1);
	assert_int_equal(argv_find(a, "-chardev", NULL), -1);
	vm_argv_free(a);
}

static void test_probe_verdict(void **state)
{
	char why[512];

	(void)state;
	assert_true(vm_kvm_probe_verdict("[ 0.0] Linux version 6.1\n"
					 "[ 1.2] Kernel panic - not syncing: "
					 "VFS: Unable to mount root fs on x\n",
					 1.3, true, 0, why, sizeof(why)));
	assert_non_null(strstr(why, "using KVM"));
	/* Nested KVM: the kernel never prints anything. */
	assert_false(
		vm_kvm_probe_verdict("Probing EDD (edd=off to disable)... ok\n",
				     4.0, false, 137, why, sizeof(why)));
	assert_non_null(strstr(why, "KVM probe timed out after 4 s"));
	assert_non_null(strstr(why, "never started"));
	assert_non_null(strstr(why, "using TCG (slow)"));
	assert_non_null(strstr(why, "Probing EDD"));
	/* Started but stuck. */
	assert_false(vm_kvm_probe_verdict("Linux version 6.1\nstuck\n", 15.0,
					  false, 137, why, sizeof(why)));
	assert_non_null(strstr(why, "did not reach init"));
	/* QEMU itself fails. */
	assert_false(vm_kvm_probe_verdict("qemu: failed to set MSR 0x10a\n",
					  0.1, true, 134, why, sizeof(why)));
	assert_non_null(strstr(why, "exited with status 134"));
	assert_non_null(strstr(why, "MSR 0x10a"));
	assert_false(
		vm_kvm_probe_verdict(NULL, 0.1, true, 1, why, sizeof(why)));
}

static void test_accel(void **state)
{
	struct vm_qemu_config o = { .accel = VM_ACCEL_TCG };
	enum vm_accel a;

	(void)state;
	assert_int_equal(vm_accel_parse(NULL, &a), 0);
	assert_int_equal(a, VM_ACCEL_AUTO);
	assert_int_equal(vm_accel_parse("kvm", &a), 0);
	assert_int_equal(a, VM_ACCEL_KVM);
	assert_int_equal(vm_accel_parse("tcg", &a), 0);
	assert_int_equal(a, VM_ACCEL_TCG);
	assert_int_equal(vm_accel_parse("hvf", &a), -EINVAL);
	/* An explicit choice is taken without probing. */
	assert_int_equal(vm_accel_resolve(&o), VM_ACCEL_TCG);
	o.accel = VM_ACCEL_KVM;
	assert_int_equal(vm_accel_resolve(&o), VM_ACCEL_KVM);
}

static void test_qemu_missing(void **state)
{
	struct vm_qemu_config qc = { .kernel = "/k",
				     .initrd = "/i",
				     .qemu = "/nonexistent/qemu",
				     .accel = VM_ACCEL_TCG };
	struct vm_opts o = { .config = &qc };
	struct vm *vm = NULL;
	char *log = tmp("q.log");

	(void)state;
	o.console_log = log;
	buf_reset(&errors);
	assert_int_equal(vm_start(&vm_qemu_ops, &o, &vm), -ENOENT);
	assert_null(vm);
	assert_non_null(strstr(errors.data, "QEMU not found"));
	assert_non_null(strstr(errors.data, "apt-get install qemu-system-x86"));
	/* Exactly one message. */
	assert_int_equal(strchr(errors.data, '\n') - errors.data + 1,
			 (long)errors.len);
	free(log);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_executor),
		cmocka_unit_test(test_procs_concurrent),
		cmocka_unit_test(test_procs_overlap),
		cmocka_unit_test(test_procs_busy_and_death),
		cmocka_unit_test(test_proc0_busy),
		cmocka_unit_test(test_proc0_fds),
		cmocka_unit_test(test_procs_pipelined),
		cmocka_unit_test(test_procs_machine_lost),
		cmocka_unit_test(test_fake_failures),
		cmocka_unit_test(test_boot_hang),
		cmocka_unit_test(test_boot_retry),
		cmocka_unit_test(test_backend_hooks),
		cmocka_unit_test(test_cpio),
		cmocka_unit_test(test_initramfs),
		cmocka_unit_test(test_init_script),
		cmocka_unit_test(test_qemu_argv),
		cmocka_unit_test(test_probe_verdict),
		cmocka_unit_test(test_accel),
		cmocka_unit_test(test_qemu_missing),
	};
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: test_vm DRMFUZZ-EXECUTOR\n");
		return 2;
	}
	executor = argv[1];
	if (!mkdtemp(tmpdir))
		return 2;
	log_set_sink(sink, NULL);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	log_set_sink(NULL, NULL);
	dir_remove_tree(tmpdir);
	buf_free(&errors);
	return rc;
}
