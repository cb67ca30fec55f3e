/* The machine object shared by vm.c and the backends (not public). */
#ifndef DRMFUZZ_VM_VM_IMPL_H
#define DRMFUZZ_VM_VM_IMPL_H

#include "util/buf.h"
#include "vm.h"

struct vm {
	const struct vm_ops *ops;
	enum vm_accel accel;
	pid_t pid; /* backend process (its own process group); 0: none */
	int console_fd; /* -1 once at EOF */
	int transport_fd; /* -1 once closed */
	bool transport_listening;
	int log_fd; /* the console log file */
	char *log_path;
	struct buf tail; /* the console's last bytes, for error messages */
	struct buf rx; /* transport bytes not yet consumed */
	char *sock; /* qemu: abstract socket name */
	bool panicked; /* a panic / executor failure line was seen */
	char fail_line[256]; /* that line */
	bool exited;
	int exit_status; /* raw wait status once exited */
	uint32_t next_id;
	double t_start; /* seconds, CLOCK_MONOTONIC */
	double t_console; /* when the console last said something */
	double boot_silence; /* seconds; 0: by accelerator */
	double boot_seconds;
	void *priv;
};

double vm_now(void);

#endif
