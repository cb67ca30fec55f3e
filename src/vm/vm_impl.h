/* The machine object shared by vm.c and the backends (not public). */
#ifndef DRMFUZZ_VM_VM_IMPL_H
#define DRMFUZZ_VM_VM_IMPL_H

#include <pthread.h>

#include "util/buf.h"
#include "vm.h"

struct vm_pending;

/*
 * Threads: vm_start, vm_handshake and vm_free run alone. vm_request runs
 * in any number of threads at once: one of its callers at a time, the
 * reader (@reading), pumps console and transport and hands each reply to
 * its waiter; the console state (console_fd, tail, panicked, exited...),
 * rx and transport_eof belong to the reader, or to a holder of @mu while
 * no one reads (which is how a failure is reported: once).
 */
struct vm {
	const struct vm_ops *ops;
	enum vm_accel accel;
	pid_t pid; /* backend process (its own process group); 0: none */
	int console_fd; /* -1 once at EOF */
	int transport_fd; /* -1: none (closed by vm_free only) */
	bool transport_listening;
	bool transport_eof; /* the executor hung up */
	int log_fd; /* the console log file */
	char *log_path;
	struct buf tail; /* the console's last bytes, for error messages */
	struct buf rx; /* transport bytes not yet consumed */
	char *sock; /* qemu: abstract socket name */
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
	double t_start; /* seconds, CLOCK_MONOTONIC */
	double t_console; /* when the console last said something */
	double boot_silence; /* seconds; 0: by accelerator */
	double boot_seconds;
	void *priv;
};

double vm_now(void);

#endif
