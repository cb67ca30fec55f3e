/* The exec encoding (include/exec.h): encoder and a readable dump. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_decode.h"
#include "prog_internal.h"

struct res_idx {
	const struct prog_arg *arg;
	uint64_t idx;
};

struct copyout {
	uint64_t idx, addr, size;
};

struct enc {
	struct buf b;
	int err;
	VEC(struct res_idx) res; /* results given an index */
	VEC(struct copyout) copyouts; /* after the current call */
	uint64_t data_end;
};

static void put(struct enc *e, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;
	do {
		tmp[n] = (uint8_t)(v & 0x7f);
		v >>= 7;
		if (v)
			tmp[n] |= 0x80;
		n++;
	} while (v);
	if (!e->err && buf_append(&e->b, tmp, n))
		e->err = -ENOMEM;
}

static bool res_lookup(const struct enc *e, const struct prog_arg *a,
		       uint64_t *idx)
{
	for (size_t i = 0; i < e->res.n; i++) {
		if (e->res.v[i].arg == a) {
			*idx = e->res.v[i].idx;
			return true;
		}
	}
	return false;
}

static uint64_t res_define(struct enc *e, const struct prog_arg *a)
{
	struct res_idx r = { a, e->res.n };
	if (vec_push(&e->res, r))
		e->err = -ENOMEM;
	return r.idx;
}

static void note_range(struct enc *e, uint64_t addr, uint64_t size)
{
	if (addr + size > e->data_end)
		e->data_end = addr + size;
}

static uint64_t int_meta(const struct syz_type *t)
{
	uint64_t size = t->i.bitfield_middle ? t->i.bitfield_unit : t->size;
	uint64_t fmt = (uint64_t)t->i.format;
	if (fmt >= SYZ_FMT_STR_DEC)
		size = 8;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		size = 8;
	return EXEC_META(size, fmt, t->i.bitfield_off, t->i.bitfield_len);
}

/* A scalar value (in a call arg or a copyin). */
static void put_scalar(struct enc *e, const struct prog_arg *a, bool top)
{
	uint64_t meta = top ? EXEC_META(8, 0, 0, 0) : int_meta(a->type);
	uint64_t idx;
	switch (a->kind) {
	case PROG_ARG_RESULT:
		if (a->r.res && res_lookup(e, a->r.res, &idx)) {
			put(e, EXEC_ARG_RESULT);
			put(e, meta);
			put(e, idx);
			put(e, a->r.op_div);
			put(e, a->r.op_add);
			put(e, a->r.val);
			return;
		}
		put(e, EXEC_ARG_CONST);
		put(e, meta);
		put(e, a->r.val);
		return;
	case PROG_ARG_POINTER:
		put(e, EXEC_ARG_CONST);
		if (a->p.special) {
			put(e, EXEC_META(8, 0, 0, 0));
			put(e, a->p.special_val);
		} else {
			put(e, EXEC_META(8, 0, 0, 0) | EXEC_META_ADDR);
			put(e, a->p.addr);
		}
		return;
	default:
		put(e, EXEC_ARG_CONST);
		if (a->type->kind == SYZ_T_PROC) {
			put(e, meta | EXEC_META_PID);
			put(e, a->type->proc.start + a->c.val);
			put(e, a->type->proc.per_proc);
			return;
		}
		put(e, meta);
		put(e, a->c.val);
		return;
	}
}

static void copyin(struct enc *e, const struct prog_arg *a, uint64_t addr);

static void copyin_pointee(struct enc *e, const struct prog_arg *a)
{
	if (a->kind != PROG_ARG_POINTER || a->p.special)
		return;
	if (a->type->kind == SYZ_T_VMA) {
		note_range(e, a->p.addr, a->p.vma_size);
		return;
	}
	if (a->p.res) {
		note_range(e, a->p.addr, prog_arg_size(a->p.res));
		copyin(e, a->p.res, a->p.addr);
	}
}

static void copyin(struct enc *e, const struct prog_arg *a, uint64_t addr)
{
	const struct syz_type *t = a->type;
	uint64_t off = 0;
	switch (a->kind) {
	case PROG_ARG_CONST:
	case PROG_ARG_RESULT:
		if (a->kind == PROG_ARG_RESULT && a->dir != SYZ_DIR_IN &&
		    a->used) {
			uint64_t size = t->size;
			struct copyout co = {
				res_define(e, a), addr,
				size == 1 || size == 2 || size == 4 ? size : 8
			};
			if (vec_push(&e->copyouts, co))
				e->err = -ENOMEM;
		}
		if (a->dir == SYZ_DIR_OUT)
			return;
		if (t->kind == SYZ_T_CONST && t->const_.is_pad)
			return;
		if (t->kind == SYZ_T_CSUM)
			return; /* checksums are not encoded yet */
		put(e, EXEC_OP_COPYIN);
		put(e, addr);
		put_scalar(e, a, false);
		return;
	case PROG_ARG_POINTER:
		if (a->dir != SYZ_DIR_OUT) {
			put(e, EXEC_OP_COPYIN);
			put(e, addr);
			put_scalar(e, a, false);
		}
		copyin_pointee(e, a);
		return;
	case PROG_ARG_DATA:
		if (a->dir == SYZ_DIR_OUT || !a->d.len)
			return;
		put(e, EXEC_OP_COPYIN);
		put(e, addr);
		put(e, EXEC_ARG_DATA);
		put(e, a->d.len);
		if (!e->err && buf_append(&e->b, a->d.data, a->d.len))
			e->err = -ENOMEM;
		return;
	case PROG_ARG_GROUP:
		for (size_t i = 0; i < a->g.n; i++) {
			copyin(e, a->g.inner[i], addr + off);
			off += prog_arg_size(a->g.inner[i]);
		}
		return;
	case PROG_ARG_UNION:
		if (a->u.opt)
			copyin(e, a->u.opt, addr);
		return;
	}
}

static int encode_call(struct enc *e, const struct prog_call *c)
{
	const struct syz_call *m = c->meta;
	uint64_t kind = EXEC_CALL_SYSCALL, nr = m->nr, copyout = 0;
	e->copyouts.n = 0;
	for (size_t i = 0; i < m->n_args; i++) {
		const struct prog_arg *a = c->args[i];
		if (a->kind == PROG_ARG_POINTER)
			copyin_pointee(e, a);
		else if (a->kind != PROG_ARG_CONST &&
			 a->kind != PROG_ARG_RESULT)
			return -EINVAL;
	}
	if (m->pseudo) {
		kind = EXEC_CALL_PSEUDO;
		nr = exec_pseudo_lookup(m->call_name);
		if (!nr)
			return -ENOTSUP;
	}
	if (c->ret && c->ret->used)
		copyout = res_define(e, c->ret) + 1;
	put(e, EXEC_OP_CALL);
	put(e, kind);
	put(e, nr);
	put(e, copyout);
	put(e, c->props.fail_nth > 0 ? (uint64_t)c->props.fail_nth + 1 : 0);
	put(e, c->props.async ? EXEC_CALL_ASYNC : 0);
	put(e, c->props.rerun > 0 ? (uint64_t)c->props.rerun : 0);
	put(e, m->n_args);
	for (size_t i = 0; i < m->n_args; i++)
		put_scalar(e, c->args[i], true);
	for (size_t i = 0; i < e->copyouts.n; i++) {
		put(e, EXEC_OP_COPYOUT);
		put(e, e->copyouts.v[i].idx);
		put(e, e->copyouts.v[i].addr);
		put(e, e->copyouts.v[i].size);
	}
	return e->err;
}

int prog_encode(const struct prog *p, uint8_t **out, size_t *out_len)
{
	struct enc e = { 0 };
	struct enc h = { 0 };
	int rc = 0;
	*out = NULL;
	*out_len = 0;
	if (p->n_calls > EXEC_MAX_CALLS)
		return -E2BIG;
	prog_link((struct prog *)p);
	for (size_t i = 0; i < p->n_calls && !rc; i++)
		rc = encode_call(&e, p->calls[i]);
	put(&e, EXEC_OP_END);
	if (!rc)
		rc = e.err;
	if (!rc && (e.res.n > EXEC_MAX_RESULTS || e.data_end > EXEC_DATA_SIZE))
		rc = -E2BIG;
	if (!rc) {
		put(&h, EXEC_MAGIC);
		put(&h, EXEC_VERSION);
		put(&h, p->n_calls);
		put(&h, e.res.n);
		put(&h, (e.data_end + EXEC_PAGE_SIZE - 1) / EXEC_PAGE_SIZE *
				EXEC_PAGE_SIZE);
		rc = h.err;
	}
	if (!rc && buf_append(&h.b, e.b.data, e.b.len))
		rc = -ENOMEM;
	if (!rc && h.b.len > EXEC_MAX_SIZE)
		rc = -E2BIG;
	if (!rc) {
		*out_len = h.b.len;
		*out = (uint8_t *)buf_detach(&h.b);
	}
	buf_free(&e.b);
	buf_free(&h.b);
	vec_free(&e.res);
	vec_free(&e.copyouts);
	return rc;
}

/* ---- Dump ---- */

static void dump_arg(struct buf *b, const struct exec_arg *a)
{
	switch (a->kind) {
	case EXEC_ARG_CONST:
		buf_printf(b, "const[%u%s] 0x%" PRIx64, a->size,
			   a->addr ? ",data+" : "", a->value);
		if (a->bf_len)
			buf_printf(b, " bits %u:%u", a->bf_off, a->bf_len);
		if (a->format)
			buf_printf(b, " fmt %u", a->format);
		if (a->pid_stride)
			buf_printf(b, " +pid*%" PRIu64, a->pid_stride);
		return;
	case EXEC_ARG_RESULT:
		buf_printf(b, "result[%u] r%" PRIu64, a->size, a->index);
		if (a->op_div)
			buf_printf(b, "/%" PRIu64, a->op_div);
		if (a->op_add)
			buf_printf(b, "+%" PRIu64, a->op_add);
		buf_printf(b, " default 0x%" PRIx64, a->value);
		return;
	case EXEC_ARG_DATA:
		buf_printf(b, "data[%u]", a->size);
		for (uint32_t i = 0; i < a->size && i < 32; i++)
			buf_printf(b, "%s%02x", i ? "" : " ", a->data[i]);
		if (a->size > 32)
			buf_puts(b, "...");
		return;
	case EXEC_ARG_CSUM:
		buf_printf(b, "csum inet, %u chunks", a->n_chunks);
		return;
	}
}

char *prog_exec_dump(const uint8_t *data, size_t len, char *err, size_t err_len)
{
	struct exec_decoder d;
	struct buf b = { 0 };
	struct exec_insn *in = malloc(sizeof(*in));
	int rc;
	if (!in) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	if (exec_decode_init(&d, data, len) < 0)
		goto fail;
	buf_printf(&b,
		   "exec v%u: %" PRIu64 " calls, %" PRIu64
		   " results, data %" PRIu64 " bytes, %zu bytes encoded\n",
		   EXEC_VERSION, d.n_calls, d.n_results, d.data_size, len);
	while ((rc = exec_decode_next(&d, in)) > 0) {
		if (in->op == EXEC_OP_COPYIN) {
			buf_printf(&b, "  copyin  data+0x%" PRIx64 " = ",
				   in->addr);
			dump_arg(&b, &in->arg);
		} else if (in->op == EXEC_OP_COPYOUT) {
			buf_printf(&b,
				   "  copyout r%" PRIu64 " = data+0x%" PRIx64
				   " [%" PRIu64 "]",
				   in->index, in->addr, in->size);
		} else {
			const char *pn =
				in->call_kind == EXEC_CALL_PSEUDO ?
					exec_pseudo_name((uint32_t)in->nr) :
					NULL;
			if (pn)
				buf_printf(&b, "call %s(", pn);
			else
				buf_printf(&b, "call nr %" PRIu64 "(", in->nr);
			for (uint32_t i = 0; i < in->n_args; i++) {
				if (i)
					buf_puts(&b, ", ");
				dump_arg(&b, &in->args[i]);
			}
			buf_puts(&b, ")");
			if (in->has_copyout)
				buf_printf(&b, " -> r%" PRIu64, in->copyout);
			if (in->fail_nth >= 0)
				buf_printf(&b, " fail_nth %" PRId64,
					   in->fail_nth);
			if (in->flags & EXEC_CALL_ASYNC)
				buf_puts(&b, " async");
			if (in->rerun)
				buf_printf(&b, " rerun %" PRIu64, in->rerun);
		}
		buf_puts(&b, "\n");
	}
	if (rc < 0)
		goto fail;
	buf_puts(&b, "end\n");
	free(in);
	return buf_detach(&b);
fail:
	snprintf(err, err_len, "%s", d.err);
	free(in);
	buf_free(&b);
	return NULL;
}
