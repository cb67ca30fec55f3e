/*
 * The executor's byte stream: waiting for a whole frame while pumping the
 * console and watching for the machine's end, a hang or a broken stream;
 * the handshake that ends a boot.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/log.h"
#include "vm_impl.h"

/* One round of waiting for a frame (see vm_impl.h). */
long vm_wait_step(struct vm *vm, int ms, double silence, const char *what,
		  struct wire_hdr *hdr)
{
	struct pollfd p[2];
	nfds_t np = 0;
	char how[64];
	long n;

	n = wire_frame_check((const uint8_t *)vm->rx.data, vm->rx.len, hdr);
	if (n == -EPROTONOSUPPORT) {
		vm_report(
			vm,
			"%s: the executor speaks protocol version %u, this drmfuzz %u: rebuild both from one tree",
			what, hdr->version, WIRE_VERSION);
		return n;
	}
	if (n < 0) {
		vm_report(vm, "%s: %s from the executor", what,
			  n == -EMSGSIZE ? "an oversized frame" :
					   "garbage (bad frame magic)");
		return n;
	}
	if (n > 0)
		return n;
	if (vm->panicked) {
		vm_console_grace(vm);
		vm_report(vm, "%s: the machine failed: %s", what,
			  vm->fail_line);
		return -EPIPE;
	}
	if (vm->console_fd < 0) {
		vm_reap(vm, true);
		vm_report(vm, "%s: the %s process %s%s", what, vm->ops->name,
			  vm_how_exited(vm, how, sizeof(how)),
			  vm->boot_seconds > 0 ? "" : " before the handshake");
		return -EPIPE;
	}
	if (vm->transport_fd < 0 || vm->transport_eof) {
		vm_report(vm, "%s: the executor closed the connection", what);
		return -EPIPE;
	}
	if (ms <= 0)
		return 0;
	if (silence > 0 && vm_now() - vm->t_console > silence) {
		vm_report(
			vm,
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
		vm_console_read(vm);
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
		vm_console_grace(vm);
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
		long n = vm_wait_step(vm,
				      left >= INT_MAX / 1000 ? INT_MAX :
				      left > 0 ? (int)(left * 1000) + 1 :
						 0,
				      silence, what, hdr);

		if (n)
			return n;
		if (vm_now() >= deadline) {
			vm_report(
				vm,
				"%s: no answer from the executor within %.0f s",
				what, deadline - vm->t_start);
			return -ETIMEDOUT;
		}
	}
}

void vm_rx_consume(struct vm *vm, size_t n)
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
		timeout_ms = vm->boot_timeout_ms;
	deadline = vm->t_start + timeout_ms / 1000.0;
	if (vm->t_console < vm->t_start)
		vm->t_console = vm->t_start;
	n = wait_frame(vm, deadline, vm->boot_silence, "VM boot", &hdr);
	if (n < 0)
		return (int)n;
	if (hdr.type != WIRE_HELLO) {
		vm_report(
			vm,
			"VM boot: the executor sent message type %u, not HELLO",
			hdr.type);
		return -EBADMSG;
	}
	err = wire_hello_decode(vm->rx.data + WIRE_HDR_SIZE, hdr.len, hello);
	vm_rx_consume(vm, (size_t)n);
	if (err) {
		vm_report(vm, "VM boot: the executor's HELLO is malformed");
		return err;
	}
	vm->boot_seconds = vm_now() - vm->t_start;
	return 0;
}
