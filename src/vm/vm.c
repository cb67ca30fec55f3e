/*
 * The backend-independent part of a VM: console capture, waiting for
 * frames while watching for panics and exits, one clear error on failure,
 * requests from several threads at once (replies matched by id).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/log.h"
#include "util/spawn.h"
#include "vm_impl.h"

#define TAIL_MAX 16384
#define TAIL_LINES 20
/* After a panic line, keep reading the console this long for the rest. */
#define PANIC_GRACE_MS 3000

/* Console lines after which the machine is lost. */
static const char *const fatal_markers[] = {
	"Kernel panic - not syncing",
	WIRE_FAIL_PREFIX,
	"drmfuzz: executor exited",
	"Attempted to kill init",
};

double vm_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int vm_accel_parse(const char *s, enum vm_accel *out)
{
	if (!s || !strcmp(s, "auto"))
		*out = VM_ACCEL_AUTO;
	else if (!strcmp(s, "kvm"))
		*out = VM_ACCEL_KVM;
	else if (!strcmp(s, "tcg"))
		*out = VM_ACCEL_TCG;
	else
		return -EINVAL;
	return 0;
}

const char *vm_accel_name(enum vm_accel a)
{
	return a == VM_ACCEL_KVM ? "kvm" : a == VM_ACCEL_TCG ? "tcg" : "auto";
}

enum vm_accel vm_accel_used(const struct vm *vm)
{
	return vm->accel;
}

double vm_boot_seconds(const struct vm *vm)
{
	return vm->boot_seconds;
}

const char *vm_console_path(const struct vm *vm)
{
	return vm->log_path;
}

int vm_start(const struct vm_ops *ops, const struct vm_opts *o, struct vm **out)
{
	struct vm_opts ro = *o;
	struct vm *vm;
	int err;

	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->ops = ops;
	vm->console_fd = vm->transport_fd = vm->log_fd = -1;
	vm->next_id = 1;
	{
		pthread_condattr_t ca;

		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&vm->cv, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_mutex_init(&vm->mu, NULL);
	pthread_mutex_init(&vm->wmu, NULL);
	vm->log_path = strdup(o->console_log);
	if (!vm->log_path) {
		err = -ENOMEM;
		goto fail;
	}
	vm->log_fd = open(o->console_log,
			  O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (vm->log_fd < 0) {
		err = -errno;
		log_err("cannot create the console log %s: %s", o->console_log,
			strerror(errno));
		goto fail;
	}
	if (ops == &vm_qemu_ops)
		ro.accel = vm_accel_resolve(o);
	vm->accel = ro.accel;
	vm->boot_silence = o->boot_silence_s;
	vm->t_start = vm_now();
	err = ops->start(vm, &ro);
	if (err)
		goto fail;
	*out = vm;
	return 0;
fail:
	vm_free(vm);
	return err;
}

static void tail_add(struct vm *vm, const char *p, size_t n)
{
	if (buf_append(&vm->tail, p, n))
		return;
	if (vm->tail.len > 2 * TAIL_MAX) {
		size_t drop = vm->tail.len - TAIL_MAX;

		memmove(vm->tail.data, vm->tail.data + drop,
			vm->tail.len - drop + 1);
		vm->tail.len -= drop;
	}
}

/* Look for a fatal marker in the tail's complete lines. */
static void scan_fatal(struct vm *vm, size_t from)
{
	const char *s = vm->tail.data;

	if (vm->panicked || !s)
		return;
	/* Back up to the start of the line @from is in. */
	while (from > 0 && s[from - 1] != '\n')
		from--;
	for (size_t i = 0; i < sizeof(fatal_markers) / sizeof(*fatal_markers);
	     i++) {
		const char *m = strstr(s + from, fatal_markers[i]);
		const char *bol, *eol;

		if (!m)
			continue;
		bol = m;
		while (bol > s && bol[-1] != '\n')
			bol--;
		eol = strchr(m, '\n');
		if (!eol)
			eol = m + strlen(m);
		snprintf(vm->fail_line, sizeof(vm->fail_line), "%.*s",
			 (int)(eol - bol), bol);
		vm->fail_line[strcspn(vm->fail_line, "\r")] = 0;
		vm->panicked = true;
		return;
	}
}

static void reap(struct vm *vm, bool block)
{
	int st;

	if (vm->exited || vm->pid <= 0)
		return;
	if (waitpid(vm->pid, &st, block ? 0 : WNOHANG) == vm->pid) {
		vm->exited = true;
		vm->exit_status = st;
	}
}

/* Read what the console has; false at EOF. */
static bool console_read(struct vm *vm)
{
	char chunk[4096];
	ssize_t n = read(vm->console_fd, chunk, sizeof(chunk));
	size_t before;

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0) {
		close(vm->console_fd);
		vm->console_fd = -1;
		return false;
	}
	vm->t_console = vm_now();
	if (fd_write_all(vm->log_fd, chunk, (size_t)n))
		log_warn("writing %s: %s", vm->log_path, strerror(errno));
	before = vm->tail.len;
	tail_add(vm, chunk, (size_t)n);
	scan_fatal(vm, before > vm->tail.len ? 0 :
		       before > (size_t)n    ? vm->tail.len - (size_t)n :
					       0);
	return true;
}

static void transport_close(struct vm *vm)
{
	if (vm->transport_fd >= 0)
		close(vm->transport_fd);
	vm->transport_fd = -1;
}

/* The last TAIL_LINES console lines, indented. */
static void quote_tail(struct vm *vm, struct buf *out)
{
	const char *s = vm->tail.data ? vm->tail.data : "";
	const char *p = s + strlen(s);
	int lines = 0;

	while (p > s && (p[-1] == '\n' || p[-1] == '\r'))
		p--;
	const char *end = p;

	while (p > s && lines < TAIL_LINES) {
		p--;
		if (*p == '\n')
			lines++;
	}
	if (*p == '\n')
		p++;
	if (end == p) {
		buf_puts(out, "  (the console printed nothing)\n");
		return;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		while (n && p[n - 1] == '\r')
			n--;
		buf_printf(out, "  | %.*s\n", (int)n, p);
		p += n;
		while (p < end && (*p == '\r' || *p == '\n'))
			p++;
	}
}

/* Log one error: @what, the console's last lines, the log file. */
__attribute__((format(printf, 2, 3))) static void report(struct vm *vm,
							 const char *fmt, ...)
{
	struct buf msg = { 0 };
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&msg, fmt, ap);
	va_end(ap);
	buf_printf(&msg, "\nlast console lines (whole log: %s):\n",
		   vm->log_path);
	quote_tail(vm, &msg);
	if (msg.len && msg.data[msg.len - 1] == '\n')
		msg.data[--msg.len] = 0;
	log_err("%s", msg.data ? msg.data : "");
	buf_free(&msg);
}

/* Drain the console for the panic's remaining lines. */
static void grace(struct vm *vm)
{
	double end = vm_now() + PANIC_GRACE_MS / 1000.0;

	while (vm->console_fd >= 0 && vm_now() < end) {
		struct pollfd p = { vm->console_fd, POLLIN, 0 };
		int ms = (int)((end - vm_now()) * 1000) + 1;

		if (poll(&p, 1, ms) <= 0)
			break;
		console_read(vm);
	}
}

static const char *how_exited(struct vm *vm, char *b, size_t cap)
{
	if (!vm->exited)
		snprintf(b, cap, "closed its console");
	else if (WIFEXITED(vm->exit_status))
		snprintf(b, cap, "exited with status %d",
			 WEXITSTATUS(vm->exit_status));
	else if (WIFSIGNALED(vm->exit_status))
		snprintf(b, cap, "was killed by signal %d",
			 WTERMSIG(vm->exit_status));
	else
		snprintf(b, cap, "ended");
	return b;
}

/*
 * One round of waiting for a frame: returns the size of a whole frame in
 * vm->rx (and *hdr), or a failure (logged; -errno); else polls console
 * and transport for up to @ms (none when @ms <= 0) and returns 0. @what
 * names the wait; @silence > 0: a console silent that long is a hang.
 */
static long wait_step(struct vm *vm, int ms, double silence, const char *what,
		      struct wire_hdr *hdr)
{
	struct pollfd p[2];
	nfds_t np = 0;
	char how[64];
	long n;

	n = wire_frame_check((const uint8_t *)vm->rx.data, vm->rx.len, hdr);
	if (n == -EPROTONOSUPPORT) {
		report(vm,
		       "%s: the executor speaks protocol version %u, this drmfuzz %u: rebuild both from one tree",
		       what, hdr->version, WIRE_VERSION);
		return n;
	}
	if (n < 0) {
		report(vm, "%s: %s from the executor", what,
		       n == -EMSGSIZE ? "an oversized frame" :
					"garbage (bad frame magic)");
		return n;
	}
	if (n > 0)
		return n;
	if (vm->panicked) {
		grace(vm);
		report(vm, "%s: the machine failed: %s", what, vm->fail_line);
		return -EPIPE;
	}
	if (vm->console_fd < 0) {
		reap(vm, true);
		report(vm, "%s: the %s process %s%s", what, vm->ops->name,
		       how_exited(vm, how, sizeof(how)),
		       vm->boot_seconds > 0 ? "" : " before the handshake");
		return -EPIPE;
	}
	if (vm->transport_fd < 0 || vm->transport_eof) {
		report(vm, "%s: the executor closed the connection", what);
		return -EPIPE;
	}
	if (ms <= 0)
		return 0;
	if (silence > 0 && vm_now() - vm->t_console > silence) {
		report(vm,
		       "%s: the console has been silent for %.0f s: the kernel hangs early in boot",
		       what, silence);
		return -ETIME;
	}
	if (silence > 0 && ms > 1000)
		ms = 1000;
	p[np++] = (struct pollfd){ vm->console_fd, POLLIN, 0 };
	p[np++] = (struct pollfd){ vm->transport_fd, POLLIN, 0 };
	if (poll(p, np, ms) < 0)
		return errno == EINTR ? 0 : -errno;
	if (p[0].revents)
		console_read(vm);
	if (!p[1].revents)
		return 0;
	if (vm->transport_listening) {
		int fd = accept4(vm->transport_fd, NULL, NULL, SOCK_CLOEXEC);

		if (fd >= 0) {
			close(vm->transport_fd);
			vm->transport_fd = fd;
			vm->transport_listening = false;
		}
		return 0;
	}
	if (buf_reserve(&vm->rx, 65536))
		return -ENOMEM;
	ssize_t got = read(vm->transport_fd, vm->rx.data + vm->rx.len, 65536);

	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (got <= 0) {
		/* The peer hung up: the console says why. */
		vm->transport_eof = true;
		grace(vm);
		return 0;
	}
	vm->rx.len += (size_t)got;
	vm->rx.data[vm->rx.len] = 0;
	return 0;
}

/*
 * Pump console and transport until a whole frame is in vm->rx (returns its
 * size and *hdr) or failure (logged; -errno). @what names the wait.
 */
static long wait_frame(struct vm *vm, double deadline, double silence,
		       const char *what, struct wire_hdr *hdr)
{
	for (;;) {
		double left = deadline - vm_now();
		long n = wait_step(vm,
				   left >= INT_MAX / 1000 ? INT_MAX :
				   left > 0 ? (int)(left * 1000) + 1 :
					      0,
				   silence, what, hdr);

		if (n)
			return n;
		if (vm_now() >= deadline) {
			report(vm,
			       "%s: no answer from the executor within %.0f s",
			       what, deadline - vm->t_start);
			return -ETIMEDOUT;
		}
	}
}

static void consume(struct vm *vm, size_t n)
{
	memmove(vm->rx.data, vm->rx.data + n, vm->rx.len - n);
	vm->rx.len -= n;
}

int vm_handshake(struct vm *vm, int timeout_ms, struct wire_hello *hello)
{
	struct wire_hdr hdr;
	double deadline;
	long n;
	int err;

	if (timeout_ms <= 0)
		timeout_ms = vm->accel == VM_ACCEL_TCG ? 300000 : 30000;
	deadline = vm->t_start + timeout_ms / 1000.0;
	if (vm->t_console < vm->t_start)
		vm->t_console = vm->t_start;
	n = wait_frame(vm, deadline,
		       vm->boot_silence > 0	 ? vm->boot_silence :
		       vm->accel == VM_ACCEL_TCG ? VM_BOOT_SILENCE_TCG_S :
						   VM_BOOT_SILENCE_KVM_S,
		       "VM boot", &hdr);
	if (n < 0)
		return (int)n;
	if (hdr.type != WIRE_HELLO) {
		report(vm,
		       "VM boot: the executor sent message type %u, not HELLO",
		       hdr.type);
		return -EBADMSG;
	}
	err = wire_hello_decode(vm->rx.data + WIRE_HDR_SIZE, hdr.len, hello);
	consume(vm, (size_t)n);
	if (err) {
		report(vm, "VM boot: the executor's HELLO is malformed");
		return err;
	}
	vm->boot_seconds = vm_now() - vm->t_start;
	return 0;
}

int vm_boot(const struct vm_ops *ops, const struct vm_opts *o, int timeout_ms,
	    struct vm **out, struct wire_hello *hello)
{
	int err = 0;

	for (int attempt = 1; attempt <= VM_BOOT_ATTEMPTS; attempt++) {
		struct vm *vm = NULL;

		err = vm_start(ops, o, &vm);
		if (err)
			return err;
		err = vm_handshake(vm, timeout_ms, hello);
		if (!err) {
			*out = vm;
			return 0;
		}
		vm_free(vm);
		if (err != -ETIME)
			return err;
		if (attempt < VM_BOOT_ATTEMPTS) {
			struct buf kept = { 0 };

			/* Keep the hung boot's console for a look later. */
			if (buf_printf(&kept, "%s.hung-%d", o->console_log,
				       attempt) == 0 &&
			    rename(o->console_log, kept.data) == 0)
				log_warn(
					"VM boot hung early (attempt %d of %d, console kept in %s); booting again",
					attempt, VM_BOOT_ATTEMPTS, kept.data);
			else
				log_warn(
					"VM boot hung early (attempt %d of %d); booting again",
					attempt, VM_BOOT_ATTEMPTS);
			buf_free(&kept);
		}
	}
	return err;
}

/* A request waiting for its reply (on its caller's stack). */
struct vm_pending {
	struct vm_pending *next;
	uint32_t id;
	bool sent; /* all of it is in the transport */
	bool done;
	uint16_t type;
	int err; /* copying the reply */
	struct buf *reply;
};

/* How long the reader polls before it lets another waiter look. */
#define READ_SLICE_MS 200

static struct timespec abs_time(double t)
{
	struct timespec ts;

	if (t > 1e9)
		t = 1e9;
	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L)
		ts.tv_nsec = 999999999L;
	return ts;
}

/*
 * The first failure of a request: the machine is lost; log it (unless
 * @fmt is NULL) with the console's last lines. Later failures, and
 * requests still waiting, get the same error. With vm->mu held; waits for
 * the reader to step aside (the console is its). Returns vm->dead.
 */
__attribute__((format(printf, 3, 4))) static int
fail_locked(struct vm *vm, int err, const char *fmt, ...)
{
	while (vm->reading && !vm->dead)
		pthread_cond_wait(&vm->cv, &vm->mu);
	if (!vm->dead) {
		if (fmt) {
			struct buf msg = { 0 };
			va_list ap;

			va_start(ap, fmt);
			buf_vprintf(&msg, fmt, ap);
			va_end(ap);
			report(vm, "%s", msg.data ? msg.data : "");
			buf_free(&msg);
		}
		vm->dead = err;
		pthread_cond_broadcast(&vm->cv);
	}
	return vm->dead;
}

/* Hand each whole frame in vm->rx to its waiter; drop stale replies (to
 * abandoned requests). With vm->mu and the reader role. */
static void dispatch(struct vm *vm)
{
	struct wire_hdr h;
	long n;

	while ((n = wire_frame_check((const uint8_t *)vm->rx.data, vm->rx.len,
				     &h)) > 0) {
		struct vm_pending *p = vm->pending;

		while (p && (p->done || p->id != h.id))
			p = p->next;
		if (p) {
			buf_reset(p->reply);
			p->err = buf_append(p->reply,
					    vm->rx.data + WIRE_HDR_SIZE, h.len);
			p->type = h.type;
			p->done = true;
		}
		consume(vm, (size_t)n);
	}
}

/*
 * Take the reader role (vm->mu held, no reader) for one poll of up to
 * @ms, hand out what came, step aside. 0, or the machine's failure
 * (logged by wait_step).
 */
static int read_step(struct vm *vm, int ms)
{
	struct wire_hdr h;
	long n;

	vm->reading = true;
	pthread_mutex_unlock(&vm->mu);
	n = wait_step(vm, ms > 0 ? ms : 1, 0, "request", &h);
	pthread_mutex_lock(&vm->mu);
	vm->reading = false;
	if (n < 0 && !vm->dead)
		vm->dead = (int)n;
	if (n >= 0)
		dispatch(vm);
	pthread_cond_broadcast(&vm->cv);
	return n < 0 ? vm->dead : 0;
}

/* Write @len bytes of a request (vm->wmu held). While the executor takes
 * nothing (it may be writing to us), read what it sends. */
static int send_all(struct vm *vm, const uint8_t *p, size_t len,
		    double deadline)
{
	while (len) {
		ssize_t n = send(vm->transport_fd, p, len,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		int err = 0;

		if (n < 0 && errno == ENOTSOCK)
			n = write(vm->transport_fd, p, len);
		if (n >= 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		if (vm_now() >= deadline)
			return -ETIMEDOUT;
		pthread_mutex_lock(&vm->mu);
		if (vm->dead) {
			err = vm->dead;
		} else if (!vm->reading) {
			err = read_step(vm, 50);
		} else {
			struct pollfd pf = { vm->transport_fd, POLLOUT, 0 };

			pthread_mutex_unlock(&vm->mu);
			poll(&pf, 1, 50);
			continue;
		}
		pthread_mutex_unlock(&vm->mu);
		if (err)
			return err;
	}
	return 0;
}

int vm_request(struct vm *vm, uint16_t type, const void *payload, size_t len,
	       int timeout_ms, uint16_t *reply_type, struct buf *reply)
{
	double deadline = vm_now() + timeout_ms / 1000.0;
	struct wire_hdr h = { WIRE_MAGIC, WIRE_VERSION, type, 0,
			      (uint32_t)len };
	struct vm_pending me = { .reply = reply };
	struct vm_pending **pp;
	uint8_t hb[WIRE_HDR_SIZE];
	int err;

	if (len > WIRE_MAX_PAYLOAD)
		return -EMSGSIZE;
	pthread_mutex_lock(&vm->mu);
	if (vm->dead || vm->transport_fd < 0 || vm->transport_listening) {
		err = vm->dead ? vm->dead : -ENOTCONN;
		pthread_mutex_unlock(&vm->mu);
		return err;
	}
	if (!vm->next_id)
		vm->next_id = 1; /* 0 is the HELLO's */
	h.id = me.id = vm->next_id++;
	me.next = vm->pending;
	vm->pending = &me;
	pthread_mutex_unlock(&vm->mu);

	wire_hdr_encode(hb, &h);
	pthread_mutex_lock(&vm->wmu);
	err = send_all(vm, hb, sizeof(hb), deadline);
	if (!err && len)
		err = send_all(vm, payload, len, deadline);
	pthread_mutex_unlock(&vm->wmu);

	pthread_mutex_lock(&vm->mu);
	me.sent = !err;
	if (err == -ETIMEDOUT)
		err = fail_locked(
			vm, err,
			"request: the executor took no request for %.0f s",
			timeout_ms / 1000.0);
	else if (err)
		err = fail_locked(vm, err,
				  "sending a request to the executor: %s",
				  strerror(-err));
	while (!err && !me.done) {
		if (vm->dead) {
			err = vm->dead;
		} else if (vm_now() >= deadline) {
			err = fail_locked(
				vm, -ETIMEDOUT,
				"request: no answer from the executor within %.0f s",
				timeout_ms / 1000.0);
		} else if (!vm->reading) {
			double left = (deadline - vm_now()) * 1000;

			err = read_step(vm, left < READ_SLICE_MS ?
						    (int)left + 1 :
						    READ_SLICE_MS);
		} else {
			struct timespec ts = abs_time(deadline);

			pthread_cond_timedwait(&vm->cv, &vm->mu, &ts);
		}
	}
	if (me.done && !me.err) {
		err = 0;
		*reply_type = me.type;
	} else if (me.done) {
		err = me.err;
	}
	for (pp = &vm->pending; *pp != &me; pp = &(*pp)->next)
		;
	*pp = me.next;
	pthread_mutex_unlock(&vm->mu);
	return err;
}

int vm_requests_out(struct vm *vm)
{
	int n = 0;

	pthread_mutex_lock(&vm->mu);
	for (struct vm_pending *p = vm->pending; p; p = p->next)
		n += p->sent && !p->done;
	pthread_mutex_unlock(&vm->mu);
	return n;
}

void vm_cancel(struct vm *vm, int err)
{
	pthread_mutex_lock(&vm->mu);
	if (!vm->dead) {
		vm->dead = err;
		pthread_cond_broadcast(&vm->cv);
	}
	pthread_mutex_unlock(&vm->mu);
}

int vm_ping(struct vm *vm, int timeout_ms, double *rtt_us)
{
	static const char token[] = "drmfuzz-ping";
	struct buf reply = { 0 };
	uint16_t type = 0;
	double t0 = vm_now();
	int err;

	err = vm_request(vm, WIRE_PING, token, sizeof(token), timeout_ms, &type,
			 &reply);
	if (!err && (type != WIRE_PONG || reply.len != sizeof(token) ||
		     memcmp(reply.data, token, sizeof(token)))) {
		report(vm,
		       "PING: the executor answered type %u with %zu bytes, not the PONG echo",
		       type, reply.len);
		err = -EBADMSG;
	}
	if (!err)
		*rtt_us = (vm_now() - t0) * 1e6;
	buf_free(&reply);
	return err;
}

void vm_free(struct vm *vm)
{
	if (!vm)
		return;
	if (vm->pid > 0 && !vm->exited) {
		if (vm->ops->stop)
			vm->ops->stop(vm);
		reap(vm, false);
		if (!vm->exited) {
			kill(-vm->pid, SIGKILL);
			kill(vm->pid, SIGKILL);
			reap(vm, true);
		}
	}
	/* Whatever the console still holds belongs in the log. */
	while (vm->console_fd >= 0) {
		struct pollfd p = { vm->console_fd, POLLIN, 0 };

		if (poll(&p, 1, 200) <= 0)
			break;
		console_read(vm);
	}
	if (vm->console_fd >= 0)
		close(vm->console_fd);
	transport_close(vm);
	if (vm->log_fd >= 0)
		close(vm->log_fd);
	buf_free(&vm->tail);
	buf_free(&vm->rx);
	free(vm->log_path);
	free(vm->sock);
	pthread_cond_destroy(&vm->cv);
	pthread_mutex_destroy(&vm->mu);
	pthread_mutex_destroy(&vm->wmu);
	free(vm);
}
