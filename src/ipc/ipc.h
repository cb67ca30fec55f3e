/*
 * The host's side of one WIRE_EXEC request to the executor in a VM: an
 * exec-encoded program out, its reply decoded into owned arrays. Used by
 * the `drmfuzz exec` command and the manager's executor clients.
 */
#ifndef DRMFUZZ_IPC_IPC_H
#define DRMFUZZ_IPC_IPC_H

#include <stddef.h>
#include <stdint.h>

#include "wire.h"

struct vm;

struct ipc_call {
	uint32_t index; /* the call's position in the program */
	uint32_t flags; /* WIRE_CALL_* */
	uint32_t err; /* errno, 0 on success */
	uint64_t ret;
	uint32_t n_pcs, n_cmps;
	uint64_t *pcs; /* raw KCOV trace in order */
	struct wire_cmp *cmps;
};

struct ipc_result {
	uint32_t status; /* enum wire_exec_status */
	uint32_t code; /* signal (CRASHED) or exit status */
	char msg[WIRE_EXEC_MSG_MAX];
	uint32_t n_calls; /* calls that started, in index order */
	struct ipc_call *calls;
};

/*
 * Run @req (options and exec-encoded program) in @vm's executor, waiting
 * up to the program timeout plus @slack_ms for the reply. Returns 0 and
 * *out (free with ipc_result_free); -EINVAL when the executor refused the
 * request (its reason in @why); -EBADMSG for a malformed reply; or
 * vm_request's -errno (the VM is then unusable).
 */
int ipc_exec(struct vm *vm, const struct wire_exec *req, int slack_ms,
	     struct ipc_result **out, char *why, size_t cap);

/* Decode a WIRE_EXEC_REPLY payload into *out. 0, -EBADMSG or -ENOMEM. */
int ipc_result_decode(const void *data, size_t len, struct ipc_result **out);

void ipc_result_free(struct ipc_result *r);

/* "OK", "CRASHED", "TIMEOUT", "FAILED". */
const char *ipc_status_name(uint32_t status);

#endif
