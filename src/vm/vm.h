/*
 * Virtual machines running drmfuzz-executor, whatever the backend: QEMU
 * (qemu.h), a fake one for tests (fake.h), later hosts over SSH. Each
 * backend is a table of functions; what they share is here: the console
 * captured into a log file, the executor's handshake and requests, one
 * clear error when the machine fails, booting again after an early hang.
 */
#ifndef DRMFUZZ_VM_VM_H
#define DRMFUZZ_VM_VM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct buf;
struct vm;

struct vm_opts {
	const char *console_log; /* receives the whole console; required */
	double boot_silence_s; /* hang detection at boot; 0: the backend's */
	/* The backend's own config (its header names the struct); read by
	 * vm_start only. */
	const void *config;
};

/*
 * A backend: how one machine of its kind starts and stops. The hooks get
 * the machine as vm_impl.h describes it and log their own errors.
 */
struct vm_ops {
	const char *name; /* in messages: "the qemu process exited" */
	/*
	 * Before the boot clock starts: check @config, set vm->priv, and
	 * the boot's limits (vm->boot_timeout_ms, vm->boot_silence) where
	 * the defaults do not fit. NULL: nothing to do. 0 or -errno.
	 */
	int (*setup)(struct vm *vm, const void *config);
	/* Boot the machine and hand over its streams (vm_impl.h). */
	int (*start)(struct vm *vm, const void *config);
	/* End the machine; once, in vm_free, however far start got. NULL:
	 * vm_free kills vm->pid's process group. */
	void (*stop)(struct vm *vm);
	/* Free vm->priv and whatever else is left; last in vm_free. */
	void (*destroy)(struct vm *vm);
};

/*
 * Start a machine of backend @ops. Returns 0 and *out (free with
 * vm_free), or -errno after logging one error saying what to do.
 */
int vm_start(const struct vm_ops *ops, const struct vm_opts *o,
	     struct vm **out);

/*
 * Wait up to @timeout_ms (<= 0: the backend's default, see
 * VM_BOOT_TIMEOUT_MS) for the executor's HELLO. On failure logs one
 * error that says why (the machine's process exited, kernel panic,
 * executor failure, timeout, protocol) quoting the last console lines and
 * naming the log file, and returns -errno (-ETIMEDOUT, -EPIPE, -EBADMSG,
 * -EPROTONOSUPPORT, ...).
 */
int vm_handshake(struct vm *vm, int timeout_ms, struct wire_hello *hello);

/*
 * A boot whose console stays silent for the boot silence limit before the
 * handshake hangs: vm_handshake gives up with -ETIME. The limit is
 * vm_opts.boot_silence_s, else the backend's, else VM_BOOT_SILENCE_S.
 * VM_BOOT_TIMEOUT_MS is the handshake's default unless the backend sets
 * another.
 */
#define VM_BOOT_SILENCE_S 20.0
#define VM_BOOT_TIMEOUT_MS 30000
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

/*
 * Copy what the console printed into the log, waiting up to @ms for it:
 * for a machine nobody sends requests to (requests and the handshake do
 * this themselves; not while another thread does). False once the
 * console has closed (the machine is gone).
 */
bool vm_console_wait(struct vm *vm, int ms);

/* Seconds from vm_start to HELLO, console log path. */
double vm_boot_seconds(const struct vm *vm);
const char *vm_console_path(const struct vm *vm);

/* Stop the machine, flush the log, free. NULL is a no-op. */
void vm_free(struct vm *vm);

#endif
