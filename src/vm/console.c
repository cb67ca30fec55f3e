/*
 * The console of a machine: every byte into the log file, the last ones
 * kept for error messages, fatal lines (panic, executor failure) spotted
 * as they come, and the one error message that quotes them.
 */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/fileio.h"
#include "util/log.h"
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

/* Read what the console has; false at EOF. */
bool vm_console_read(struct vm *vm)
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

bool vm_console_wait(struct vm *vm, int ms)
{
	struct pollfd p = { .fd = vm->console_fd, .events = POLLIN };

	if (vm->console_fd < 0)
		return false;
	if (poll(&p, 1, ms) > 0)
		return vm_console_read(vm);
	return true;
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
void vm_report(struct vm *vm, const char *fmt, ...)
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
void vm_console_grace(struct vm *vm)
{
	double end = vm_now() + PANIC_GRACE_MS / 1000.0;

	while (vm->console_fd >= 0 && vm_now() < end) {
		struct pollfd p = { vm->console_fd, POLLIN, 0 };
		int ms = (int)((end - vm_now()) * 1000) + 1;

		if (poll(&p, 1, ms) <= 0)
			break;
		vm_console_read(vm);
	}
}
