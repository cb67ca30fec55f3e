/* The host's client of the executor, for a fuzzing thread. */
#include "executor_client.h"

#include <errno.h>
#include <linux/kcov.h>
#include <stdlib.h>
#include <string.h>

#include "ipc/ipc.h"
#include "machine.h"
#include "prog/prog.h"
#include "signal/signal.h"
#include "util/log.h"
#include "vm/qemu.h"
#include "vm/vm.h"

struct executor_client {
	struct vm *vm;
	struct executor_client_opts o;
	uint32_t call_timeout_ms, prog_timeout_ms;
	struct ipc_result *last;
	struct fuzz_call_result *calls;
	size_t cap_calls;
	uint32_t *sig; /* signal of all calls, back to back */
	size_t cap_sig;
	struct prog_cmp *cmps;
	size_t cap_cmps;
	unsigned refused;
};

int executor_client_new(struct vm *vm, const struct syz_target *t,
			const struct executor_client_opts *o,
			struct executor_client **out)
{
	struct executor_client *c = calloc(1, sizeof(*c));
	struct machine_timeouts to = machine_timeouts(vm_accel_used(vm));

	(void)t;
	if (!c)
		return -ENOMEM;
	c->vm = vm;
	c->o = *o;
	c->call_timeout_ms = to.call_ms;
	c->prog_timeout_ms = to.prog_ms;
	*out = c;
	return 0;
}

void executor_client_free(struct executor_client *c)
{
	if (!c)
		return;
	ipc_result_free(c->last);
	free(c->calls);
	free(c->sig);
	free(c->cmps);
	free(c);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem)
{
	void *np;

	if (need <= *cap)
		return 0;
	np = realloc(*p, need * elem);
	if (!np)
		return -ENOMEM;
	*p = np;
	*cap = need;
	return 0;
}

/* Turn the executor's reply into the fuzzer's per-call results. */
static int convert(struct executor_client *c, size_t n_calls,
		   struct fuzz_exec_result *res)
{
	struct ipc_result *r = c->last;
	size_t total_pcs = 0, total_cmps = 0, sig_off = 0, cmp_off = 0;

	if (grow((void **)&c->calls, &c->cap_calls, n_calls + 1,
		 sizeof(*c->calls)))
		return -ENOMEM;
	memset(c->calls, 0, (n_calls + 1) * sizeof(*c->calls));
	for (uint32_t i = 0; i < r->n_calls; i++) {
		total_pcs += r->calls[i].n_pcs;
		total_cmps += r->calls[i].n_cmps;
	}
	if (grow((void **)&c->sig, &c->cap_sig, total_pcs + 1,
		 sizeof(*c->sig)) ||
	    grow((void **)&c->cmps, &c->cap_cmps, total_cmps + 1,
		 sizeof(*c->cmps)))
		return -ENOMEM;
	for (uint32_t i = 0; i < r->n_calls; i++) {
		const struct ipc_call *ic = &r->calls[i];
		struct fuzz_call_result *fc;

		if (ic->index >= n_calls)
			continue;
		fc = &c->calls[ic->index];
		fc->executed = ic->flags & WIRE_CALL_EXECUTED;
		fc->err = (ic->flags & WIRE_CALL_FINISHED) ? (int)ic->err :
							     EINTR;
		fc->signal = c->sig + sig_off;
		fc->n_signal =
			signal_from_pcs(ic->pcs, ic->n_pcs, c->sig + sig_off);
		sig_off += fc->n_signal;
		fc->pcs = ic->pcs;
		fc->n_pcs = ic->n_pcs;
		fc->cmps = c->cmps + cmp_off;
		for (uint32_t k = 0; k < ic->n_cmps; k++) {
			c->cmps[cmp_off + k].op1 = ic->cmps[k].arg1;
			c->cmps[cmp_off + k].op2 = ic->cmps[k].arg2;
			c->cmps[cmp_off + k].op1_const = ic->cmps[k].type &
							 KCOV_CMP_CONST;
		}
		fc->n_cmps = ic->n_cmps;
		cmp_off += ic->n_cmps;
	}
	res->calls = c->calls;
	res->n_calls = n_calls;
	return 0;
}

int executor_client_run(struct executor_client *c, const struct prog *p,
			unsigned flags, struct fuzz_exec_result *res)
{
	struct wire_exec req = {
		.flags = c->o.threaded ? WIRE_EXEC_THREADED : 0,
		.sandbox = c->o.sandbox_setuid ? WIRE_SANDBOX_SETUID :
						 WIRE_SANDBOX_NONE,
		.call_timeout_ms = c->call_timeout_ms,
		.prog_timeout_ms = c->prog_timeout_ms,
		.proc = (uint32_t)c->o.executor_proc,
	};
	uint8_t *bytes = NULL;
	size_t len = 0;
	char why[256];
	int err;

	memset(res, 0, sizeof(*res));
	if (flags & EXECUTOR_CLIENT_CMPS)
		req.flags |= WIRE_EXEC_CMPS;
	else if (c->o.cover)
		req.flags |= WIRE_EXEC_COVER;
	if (c->o.collide)
		req.flags |= WIRE_EXEC_COLLIDE;
	err = prog_encode(p, &bytes, &len);
	if (err) {
		/* Nothing to run (a pseudo call the executor lacks...). */
		return 0;
	}
	req.prog = bytes;
	req.prog_len = len;
	ipc_result_free(c->last);
	c->last = NULL;
	/* The programs queued before ours may each take their timeout. */
	err = ipc_exec(c->vm, &req,
		       60000 + (int)c->prog_timeout_ms * c->o.queued_ahead,
		       &c->last, why, sizeof(why));
	free(bytes);
	if (err == -EINVAL) {
		/* The executor refused the program: our bug, not the VM's. */
		if (c->refused++ < 5)
			log_warn("executor refused a program: %s", why);
		return 0;
	}
	if (err)
		return err;
	return convert(c, p->n_calls, res);
}
