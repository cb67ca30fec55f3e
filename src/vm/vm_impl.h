/*
 * The machine object, for the generic code (vm.c, console.c, stream.c,
 * request.c) and the backends behind struct vm_ops (not public).
 */
#ifndef DRMFUZZ_VM_VM_IMPL_H
#define DRMFUZZ_VM_VM_IMPL_H

#include <pthread.h>
#include <sys/types.h>

#include "util/buf.h"
#include "vm.h"

struct vm_pending;

/*
 * A backend's start() sets pid (a process in its own process group, which
 * vm_free kills unless ops->stop ends it), console_fd (read end: console
 * bytes, EOF when the machine is gone) and transport_fd (connected byte
 * stream to the executor, or a listening socket with transport_listening:
 * the executor connects once running). Its state goes in priv. The rest
 * is the generic code's.
 *
 * Threads: vm_start, vm_handshake and vm_free run alone. vm_request runs
 * in any number of threads at once: one of its callers at a time, the
 * reader (@reading), pumps console and transport and hands each reply to
 * its waiter; the console state (console_fd, tail, panicked, exited...),
 * rx and transport_eof belong to the reader, or to a holder of @mu while
 * no one reads (which is how a failure is reported: once).
 */
struct vm {
	const struct vm_ops *ops;
	void *priv; /* the backend's state: its setup sets, its destroy frees */
	pid_t pid; /* backend process (its own process group); 0: none */
	int console_fd; /* -1 once at EOF */
	int transport_fd; /* -1: none (closed by vm_free only) */
	bool transport_listening;
	bool transport_eof; /* the executor hung up */
	int log_fd; /* the console log file */
	char *log_path;
	struct buf tail; /* the console's last bytes, for error messages */
	struct buf rx; /* transport bytes not yet consumed */
	bool panicked; /* a panic / executor failure line was seen */
	char fail_line[256]; /* that line */
	bool exited;
	int exit_status; /* raw wait status once exited */
	pthread_mutex_t mu; /* next_id, pending, reading, dead */
	pthread_cond_t cv; /* a reply came, the reader left, or dead was set */
	pthread_mutex_t wmu; /* one request frame written at a time */
	bool reading;
	int dead; /* -errno: a request failed, the machine is lost */
	struct vm_pending *pending; /* requests waiting for their reply */
	uint32_t next_id;
	double t_start; /* seconds, CLOCK_MONOTONIC: the boot began */
	double t_console; /* when the console last said something */
	int boot_timeout_ms; /* vm_handshake's default wait */
	double boot_silence; /* seconds of console silence that are a hang */
	double boot_seconds;
};

/* Seconds, CLOCK_MONOTONIC. */
double vm_now(void);

/* vm.c: the backend process. */

/* Collect the process's exit status (@block: wait for it). */
void vm_reap(struct vm *vm, bool block);
/* "exited with status 3", "was killed by signal 9", ... into @b. */
const char *vm_how_exited(struct vm *vm, char *b, size_t cap);

/* console.c: the console (the reader's, see struct vm). */

/* Read what the console has into the log and the tail; false at EOF. */
bool vm_console_read(struct vm *vm);
/* Keep reading the console a moment for the rest of a failure's lines. */
void vm_console_grace(struct vm *vm);
/* Log one error: the message, the console's last lines, the log file. */
__attribute__((format(printf, 2, 3))) void vm_report(struct vm *vm,
						     const char *fmt, ...);

/* stream.c: the executor's byte stream. */

/*
 * One round of waiting for a frame: returns the size of a whole frame in
 * vm->rx (and *hdr), or a failure (logged; -errno); else polls console
 * and transport for up to @ms (none when @ms <= 0) and returns 0. @what
 * names the wait; @silence > 0: a console silent that long is a hang.
 */
long vm_wait_step(struct vm *vm, int ms, double silence, const char *what,
		  struct wire_hdr *hdr);
/* Drop the first @n bytes of vm->rx (a frame handled). */
void vm_rx_consume(struct vm *vm, size_t n);

#endif
