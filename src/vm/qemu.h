/*
 * The QEMU backend: an x86_64 guest booting our kernel and initramfs, and
 * the command line it runs with. The console is QEMU's stdout (a pipe to
 * us), the executor's transport a virtio-serial port bridged to an
 * abstract UNIX socket we listen on.
 */
#ifndef DRMFUZZ_VM_QEMU_H
#define DRMFUZZ_VM_QEMU_H

#include "accel.h"
#include "vm.h"

/* The QEMU binary when the config names none. */
#define VM_QEMU_DEFAULT "qemu-system-x86_64"

/* vm_opts.config for vm_qemu_ops. */
struct vm_qemu_config {
	const char *kernel; /* bzImage */
	const char *initrd; /* the initramfs from vm_initramfs() */
	const char *qemu; /* NULL: qemu-system-x86_64 */
	const char *qemu_args; /* extra QEMU arguments, split on spaces */
	const char *cmdline; /* appended to drmfuzz's kernel command line */
	int cpu; /* vCPUs; 0: 2 */
	int mem; /* MiB; 0: 2048 */
	enum vm_accel accel; /* AUTO is resolved (vm_accel_resolve) at start */
};

/* Resolves the accelerator before the boot clock starts. */
extern const struct vm_ops vm_qemu_ops;

/* The accelerator a QEMU machine uses; VM_ACCEL_AUTO for other backends. */
enum vm_accel vm_accel_used(const struct vm *vm);

/*
 * A boot under TCG may hang with a silent console (more often the more
 * loaded the host): the kernel stops in synchronize_rcu_tasks() after
 * "Running RCU-tasks wait API self tests", before the first early
 * initcall, usually after "APIC calibration not consistent with
 * PM-Timer". The longest silence of a good TCG boot seen here was 10 s.
 * So under TCG the boot's silence limit is this instead of
 * VM_BOOT_SILENCE_S, and the handshake's default wait
 * VM_QEMU_TCG_SLOWDOWN times VM_BOOT_TIMEOUT_MS.
 */
#define VM_QEMU_TCG_BOOT_SILENCE_S 45.0
#define VM_QEMU_TCG_SLOWDOWN 10

/*
 * QEMU's argv for @o (accel resolved) with the transport socket @sock (an
 * abstract UNIX socket name; NULL: no transport). o->initrd may be NULL.
 * NULL-terminated; free with vm_argv_free. NULL on ENOMEM.
 */
char **vm_qemu_argv(const struct vm_qemu_config *o, const char *sock);
void vm_argv_free(char **argv);

/* The kernel command line drmfuzz boots with (plus o->cmdline). */
int vm_kernel_cmdline(const struct vm_qemu_config *o, struct buf *out);

#endif
