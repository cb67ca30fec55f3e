/*
 * Virtual machines running drmfuzz-executor: a backend (QEMU; a fake one
 * for tests; later isolated hosts over SSH) behind a table of functions,
 * and the backend-independent part: console capture to a log file, the
 * executor handshake, requests, and one clear error when a boot fails.
 */
#ifndef DRMFUZZ_VM_VM_H
#define DRMFUZZ_VM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "wire.h"

struct buf;

enum vm_accel {
	VM_ACCEL_AUTO, /* probe KVM, fall back to TCG */
	VM_ACCEL_KVM,
	VM_ACCEL_TCG,
};

/* "auto" | "kvm" | "tcg" (NULL: auto). 0 or -EINVAL. */
int vm_accel_parse(const char *s, enum vm_accel *out);
const char *vm_accel_name(enum vm_accel a);

struct vm_opts {
	const char *kernel; /* bzImage */
	const char *initrd; /* the initramfs from vm_initramfs() */
	const char *qemu; /* NULL: qemu-system-x86_64 */
	const char *qemu_args; /* extra QEMU arguments, split on spaces */
	const char *cmdline; /* appended to drmfuzz's kernel command line */
	int cpu; /* vCPUs; 0: 2 */
	int mem; /* MiB; 0: 2048 */
	enum vm_accel accel; /* KVM or TCG; AUTO is resolved by vm_start */
	const char *console_log; /* receives the whole console; required */
	double boot_silence_s; /* hang detection at boot; 0: VM_BOOT_SILENCE_* */
	char *const *argv; /* fake backend: the peer (stdio = transport) */
};

struct vm;

/*
 * A backend starts one machine and hands over its streams. start() sets
 * vm->pid (killed with its process group by vm_free), vm->console_fd
 * (read end: console bytes, EOF when the machine is gone) and
 * vm->transport_fd (connected byte stream, or a listening socket when
 * vm->transport_listening: the peer connects once running).
 */
struct vm_ops {
	const char *name;
	int (*start)(struct vm *vm, const struct vm_opts *o);
	void (*stop)(struct vm *vm); /* NULL: kill the process group */
};

extern const struct vm_ops vm_qemu_ops;
extern const struct vm_ops vm_fake_ops;

/*
 * Start a machine. Resolves VM_ACCEL_AUTO (qemu backend) with the cached
 * KVM probe. Returns 0 and *out (free with vm_free), or -errno after
 * logging one error saying what to do.
 */
int vm_start(const struct vm_ops *ops, const struct vm_opts *o,
	     struct vm **out);

/*
 * Wait up to @timeout_ms (<= 0: the default, 30 s under KVM and 10x that
 * under TCG) for the executor's HELLO. On failure logs one error that says
 * why (QEMU exited, kernel panic, executor failure, timeout, protocol)
 * quoting the last console lines and naming the log file, and returns
 * -errno (-ETIMEDOUT, -EPIPE, -EBADMSG, -EPROTONOSUPPORT, ...).
 */
int vm_handshake(struct vm *vm, int timeout_ms, struct wire_hello *hello);

/*
 * A boot whose console stays silent this long before the handshake hangs
 * (seen under TCG, more often the more loaded the host: the kernel stops
 * in synchronize_rcu_tasks() after "Running RCU-tasks wait API self
 * tests", before the first early initcall, usually after "APIC
 * calibration not consistent with PM-Timer"): vm_handshake gives up with
 * -ETIME. The longest silence of a good TCG boot seen here was 10 s.
 */
#define VM_BOOT_SILENCE_TCG_S 45.0
#define VM_BOOT_SILENCE_KVM_S 20.0
#define VM_BOOT_ATTEMPTS 3

/*
 * vm_start + vm_handshake, booting again (up to VM_BOOT_ATTEMPTS times in
 * all) when the boot hangs early (-ETIME). Returns 0 and *out (vm_free),
 * or the last error (logged).
 */
int vm_boot(const struct vm_ops *ops, const struct vm_opts *o, int timeout_ms,
	    struct vm **out, struct wire_hello *hello);

/*
 * Send one request and wait up to @timeout_ms for the reply with the same
 * id. *reply_type and @reply (reset first; caller owns it) receive the
 * reply. 0 or -errno (logged like vm_handshake's failures).
 *
 * Thread-safe after vm_handshake: several threads may have requests out
 * at once (the executor answers them in any order). The first failure
 * (no answer in time, the machine or executor gone, a broken stream) is
 * logged once and makes the machine lost: every request waiting or to
 * come then fails with the same -errno, without logging again.
 */
int vm_request(struct vm *vm, uint16_t type, const void *payload, size_t len,
	       int timeout_ms, uint16_t *reply_type, struct buf *reply);

/* Requests sent and not yet answered (all threads'). */
int vm_requests_out(struct vm *vm);

/*
 * Give up on @vm without logging: requests waiting or to come fail with
 * @err (< 0). For the owner of several threads when one of them found the
 * machine broken. Thread-safe; a no-op once the machine is lost.
 */
void vm_cancel(struct vm *vm, int err);

/* A PING with a small payload; *rtt_us receives the round trip. */
int vm_ping(struct vm *vm, int timeout_ms, double *rtt_us);

/* Accelerator actually used, seconds from vm_start to HELLO, log path. */
enum vm_accel vm_accel_used(const struct vm *vm);
double vm_boot_seconds(const struct vm *vm);
const char *vm_console_path(const struct vm *vm);

/* Stop the machine, flush the log, free. NULL is a no-op. */
void vm_free(struct vm *vm);

/*
 * KVM probe: does QEMU with -accel kvm really run @o's kernel? Boots it
 * with no initramfs and no root (it panics once booted) and watches the console: it must
 * print VM_PROBE_STARTED within VM_PROBE_START_S seconds and VM_PROBE_DONE
 * within VM_PROBE_BOOT_S. Returns true when it did; *why gets a one-line
 * explanation either way.
 */
#define VM_PROBE_STARTED "Linux version"
#define VM_PROBE_DONE "Unable to mount root fs"
#define VM_PROBE_START_S 4.0
#define VM_PROBE_BOOT_S 15.0
bool vm_kvm_probe(const struct vm_opts *o, char *why, size_t cap);

/*
 * The decision from one probe run: console output, seconds it ran, and
 * whether QEMU exited by itself (with @exit_code) or was stopped. Pure,
 * for tests.
 */
bool vm_kvm_probe_verdict(const char *out, double elapsed, bool exited,
			  int exit_code, char *why, size_t cap);

/*
 * o->accel AUTO -> KVM or TCG, probing once per process (later calls
 * reuse the answer); logs the reason.
 */
enum vm_accel vm_accel_resolve(const struct vm_opts *o);

/*
 * QEMU's argv for @o (accel resolved) with the transport socket @sock (an
 * abstract UNIX socket name; NULL: no transport). o->initrd may be NULL.
 * NULL-terminated; free with vm_argv_free. NULL on ENOMEM.
 */
char **vm_qemu_argv(const struct vm_opts *o, const char *sock);
void vm_argv_free(char **argv);

/* The kernel command line drmfuzz boots with (plus o->cmdline). */
int vm_kernel_cmdline(const struct vm_opts *o, struct buf *out);

/*
 * The initramfs: busybox-static, @executor and /init, as an uncompressed
 * cpio (newc), cached under the cache dir by content hash. Returns 0 and
 * *path (caller frees), or -errno after logging what to install.
 */
int vm_initramfs(const char *executor, char **path);

/* The /init script (exact bytes written into the initramfs). */
extern const char vm_init_script[];

/*
 * Append one cpio newc entry to @out. @mode includes the file type
 * (S_IFREG, S_IFDIR, S_IFLNK: data is the target, S_IFCHR: @rdev).
 * vm_cpio_trailer ends the archive. 0 or -ENOMEM.
 */
int vm_cpio_add(struct buf *out, const char *name, unsigned mode,
		const void *data, size_t len, dev_t rdev);
int vm_cpio_trailer(struct buf *out);

/* The drmfuzz-executor built with this drmfuzz; NULL when not found. */
char *vm_find_executor(void);

#endif
