/* Running programs in a VM's executor (see ipc.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "util/buf.h"
#include "vm/vm.h"

void ipc_result_free(struct ipc_result *r)
{
	if (!r)
		return;
	for (uint32_t i = 0; i < r->n_calls; i++) {
		free(r->calls[i].pcs);
		free(r->calls[i].cmps);
	}
	free(r->calls);
	free(r);
}

const char *ipc_status_name(uint32_t status)
{
	switch (status) {
	case WIRE_EXEC_OK:
		return "OK";
	case WIRE_EXEC_CRASHED:
		return "CRASHED";
	case WIRE_EXEC_TIMEOUT:
		return "TIMEOUT";
	case WIRE_EXEC_FAILED:
		return "FAILED";
	default:
		return "?";
	}
}

int ipc_result_decode(const void *data, size_t len, struct ipc_result **out)
{
	struct wire_exec_reply rep;
	struct wire_exec_call c;
	struct ipc_result *r;
	uint32_t n = 0;

	*out = NULL;
	if (wire_exec_reply_decode(data, len, &rep))
		return -EBADMSG;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->status = rep.status;
	r->code = rep.code;
	memcpy(r->msg, rep.msg, sizeof(r->msg));
	r->calls = calloc(rep.n_calls ? rep.n_calls : 1, sizeof(*r->calls));
	if (!r->calls)
		goto nomem;
	while (n < rep.n_calls && wire_exec_reply_next(&rep, &c)) {
		struct ipc_call *d = &r->calls[n++];

		r->n_calls = n;
		d->index = c.index;
		d->flags = c.flags;
		d->err = c.err;
		d->ret = c.ret;
		d->pcs = malloc(((size_t)c.n_pcs + 1) * sizeof(*d->pcs));
		d->cmps = malloc(((size_t)c.n_cmps + 1) * sizeof(*d->cmps));
		if (!d->pcs || !d->cmps)
			goto nomem;
		d->n_pcs = c.n_pcs;
		d->n_cmps = c.n_cmps;
		for (uint32_t i = 0; i < c.n_pcs; i++)
			d->pcs[i] = wire_call_pc(&c, i);
		for (uint32_t i = 0; i < c.n_cmps; i++)
			d->cmps[i] = wire_call_cmp(&c, i);
	}
	*out = r;
	return 0;
nomem:
	ipc_result_free(r);
	return -ENOMEM;
}

int ipc_exec(struct vm *vm, const struct wire_exec *req, int slack_ms,
	     struct ipc_result **out, char *why, size_t cap)
{
	struct buf payload = { 0 }, reply = { 0 };
	struct wire_wr w;
	uint16_t type = 0;
	int err;

	*out = NULL;
	if (cap)
		why[0] = 0;
	err = buf_reserve(&payload, req->prog_len + 64);
	if (err)
		return err;
	wire_wr_init(&w, payload.data, req->prog_len + 64);
	wire_exec_encode(&w, req);
	if (w.err) {
		err = w.err;
		goto out;
	}
	err = vm_request(vm, WIRE_EXEC, payload.data, w.len,
			 (int)req->prog_timeout_ms + slack_ms, &type, &reply);
	if (err)
		goto out;
	if (type == WIRE_ERROR) {
		struct wire_rd r;

		wire_rd_init(&r, reply.data, reply.len);
		wire_get_str(&r, why, cap);
		err = -EINVAL;
	} else if (type != WIRE_EXEC_REPLY) {
		snprintf(why, cap, "the executor answered type %u", type);
		err = -EBADMSG;
	} else {
		err = ipc_result_decode(reply.data, reply.len, out);
		if (err == -EBADMSG)
			snprintf(why, cap, "malformed WIRE_EXEC_REPLY");
	}
out:
	buf_free(&payload);
	buf_free(&reply);
	return err;
}
