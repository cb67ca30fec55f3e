/*
 * Requests from several threads at once: each frame written whole, one
 * waiter at a time reads for all and hands each reply to the request with
 * its id; the first failure makes the machine lost for every request.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "vm_impl.h"

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
			vm_report(vm, "%s", msg.data ? msg.data : "");
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
		vm_rx_consume(vm, (size_t)n);
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
	n = vm_wait_step(vm, ms > 0 ? ms : 1, 0, "request", &h);
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
		vm_report(
			vm,
			"PING: the executor answered type %u with %zu bytes, not the PONG echo",
			type, reply.len);
		err = -EBADMSG;
	}
	if (!err)
		*rtt_us = (vm_now() - t0) * 1e6;
	buf_free(&reply);
	return err;
}
