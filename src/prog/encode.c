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
	const struct syz_type *t;
	uint64_t off = 0;
	if (!a)
		return; /* an absent conditional field */
	t = a->type;
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
		/* a checksum is 0 (its value) until put_csums() */
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

/* ---- Checksums (syzkaller's prog/checksum.go) ---- */

/* Where an arg of the call is, and the struct holding it (through
 * pointers; array elements and union options have none). */
struct at {
	const struct prog_arg *a, *parent;
	uint64_t addr;
};

struct at_vec {
	struct at *v;
	size_t n, cap;
};

struct csums {
	struct at_vec at;
	struct at_vec csum; /* the csum fields */
	int err;
};

static void at_add(struct csums *x, struct at_vec *v, const struct prog_arg *a,
		   const struct prog_arg *parent, uint64_t addr)
{
	struct at e = { a, parent, addr };
	if (vec_push(v, e))
		x->err = -ENOMEM;
}

static void at_visit(struct csums *x, const struct prog_arg *a, uint64_t addr,
		     const struct prog_arg *parent)
{
	uint64_t off = 0;
	if (!a || x->err)
		return;
	at_add(x, &x->at, a, parent, addr);
	switch (a->kind) {
	case PROG_ARG_CONST:
		if (a->type->kind == SYZ_T_CSUM && a->dir != SYZ_DIR_OUT)
			at_add(x, &x->csum, a, parent, addr);
		return;
	case PROG_ARG_POINTER:
		if (!a->p.special && a->type->kind == SYZ_T_PTR)
			at_visit(x, a->p.res, a->p.addr, parent);
		return;
	case PROG_ARG_GROUP:
		for (size_t i = 0; i < a->g.n; i++) {
			at_visit(x, a->g.inner[i], addr + off,
				 a->type->kind == SYZ_T_STRUCT ? a : NULL);
			off += prog_arg_size(a->g.inner[i]);
		}
		return;
	case PROG_ARG_UNION:
		at_visit(x, a->u.opt, addr, NULL);
		return;
	default:
		return;
	}
}

static const struct at *at_find(const struct csums *x, const struct prog_arg *a)
{
	for (size_t i = 0; i < x->at.n; i++) {
		if (x->at.v[i].a == a)
			return &x->at.v[i];
	}
	return NULL;
}

/* "s" names struct "s" and its template instances "s[A, B]". */
static bool names_type(const struct syz_type *t, const char *comp)
{
	size_t l = strlen(comp);
	return !strncmp(t->name, comp, l) &&
	       (t->name[l] == 0 || t->name[l] == '[');
}

/* The field @name of struct arg @st, where it is. */
static const struct at *field_at(const struct csums *x,
				 const struct prog_arg *st, const char *name)
{
	for (size_t i = 0; i < st->g.n; i++) {
		if (!strcmp(st->type->st.fields[i].name, name))
			return st->g.inner[i] ? at_find(x, st->g.inner[i]) :
						NULL;
	}
	return NULL;
}

struct chunk {
	uint64_t kind, a, b;
};

static size_t add_data(struct chunk *ch, size_t n, const struct at *w)
{
	ch[n] = (struct chunk){ EXEC_CHUNK_DATA, w->addr, prog_arg_size(w->a) };
	return n + 1;
}

static uint64_t swap(uint64_t v, unsigned bytes)
{
	return bytes == 2 ? __builtin_bswap16((uint16_t)v) :
			    __builtin_bswap32((uint32_t)v);
}

static int at_addr_cmp(const void *a, const void *b)
{
	const struct at *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/*
 * COPYINs of the call's checksums, after its other copyins: inet sums
 * the struct it names ("parent": the one holding the field); pseudo sums
 * the IPv4/IPv6 pseudo header (src_ip, dst_ip of the call's last
 * ipv4_header / ipv6_packet_t, protocol, length) and that struct. Last
 * address first, so a sum covering another checksum sees it computed.
 * Places syzkaller could not resolve keep the checksum 0.
 */
static void put_csums(struct enc *e, const struct prog_call *c)
{
	struct csums x = { 0 };
	const struct at *src = NULL, *dst = NULL;
	size_t ip_size = 0;
	if (!c->meta->has_csums)
		return;
	for (size_t i = 0; i < c->meta->n_args; i++) {
		const struct prog_arg *a = c->args[i];
		if (a->kind == PROG_ARG_POINTER && !a->p.special &&
		    a->type->kind == SYZ_T_PTR)
			at_visit(&x, a->p.res, a->p.addr, NULL);
	}
	if (!x.csum.n || x.err)
		goto out;
	for (size_t i = 0; i < x.at.n; i++) {
		const struct prog_arg *a = x.at.v[i].a;
		size_t want;
		if (a->kind != PROG_ARG_GROUP || a->type->kind != SYZ_T_STRUCT)
			continue;
		if (names_type(a->type, "ipv4_header") ||
		    names_type(a->type, "syz_csum_ipv4_header"))
			want = 4;
		else if (names_type(a->type, "ipv6_packet_t") ||
			 names_type(a->type, "syz_csum_ipv6_header"))
			want = 16;
		else
			continue;
		src = field_at(&x, a, "src_ip");
		dst = field_at(&x, a, "dst_ip");
		ip_size = want;
		if (!src || !dst || prog_arg_size(src->a) != want ||
		    prog_arg_size(dst->a) != want)
			ip_size = 0;
	}
	qsort(x.csum.v, x.csum.n, sizeof(*x.csum.v), at_addr_cmp);
	for (size_t i = x.csum.n; i-- > 0;) {
		const struct at *f = &x.csum.v[i], *w = NULL;
		const struct syz_type *t = f->a->type;
		struct chunk ch[5];
		size_t n = 0;
		if (t->size != 2 || !t->csum.n_path)
			continue;
		if (!strcmp(t->csum.path[0], "parent")) {
			w = f->parent ? at_find(&x, f->parent) : NULL;
		} else {
			const struct prog_arg *p = f->parent;
			while (p && !names_type(p->type, t->csum.path[0])) {
				const struct at *up = at_find(&x, p);
				p = up ? up->parent : NULL;
			}
			w = p ? at_find(&x, p) : NULL;
		}
		if (!w)
			continue;
		if (t->csum.kind == SYZ_CSUM_PSEUDO) {
			uint64_t len = prog_arg_size(w->a);
			unsigned cs = ip_size == 4 ? 2 : 4;
			if (!ip_size)
				continue;
			n = add_data(ch, n, src);
			n = add_data(ch, n, dst);
			if (ip_size == 4) {
				ch[n++] = (struct chunk){
					EXEC_CHUNK_CONST,
					swap(t->csum.protocol & 0xff, cs), cs
				};
				ch[n++] = (struct chunk){ EXEC_CHUNK_CONST,
							  swap(len, cs), cs };
			} else {
				ch[n++] = (struct chunk){ EXEC_CHUNK_CONST,
							  swap(len, cs), cs };
				ch[n++] = (struct chunk){
					EXEC_CHUNK_CONST,
					swap(t->csum.protocol & 0xff, cs), cs
				};
			}
		}
		n = add_data(ch, n, w);
		put(e, EXEC_OP_COPYIN);
		put(e, f->addr);
		put(e, EXEC_ARG_CSUM);
		put(e, 2);
		put(e, EXEC_CSUM_INET);
		put(e, n);
		for (size_t k = 0; k < n; k++) {
			put(e, ch[k].kind);
			put(e, ch[k].a);
			put(e, ch[k].b);
		}
	}
out:
	if (x.err)
		e->err = x.err;
	vec_free(&x.at);
	vec_free(&x.csum);
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
	put_csums(e, c);
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
		buf_puts(b, "csum inet[");
		for (uint32_t i = 0; i < a->n_chunks; i++) {
			const struct exec_chunk *c = &a->chunks[i];
			if (c->kind == EXEC_CHUNK_DATA)
				buf_printf(b, "%sdata+0x%" PRIx64 "/%" PRIu64,
					   i ? ", " : "", c->a, c->b);
			else
				buf_printf(b, "%s0x%" PRIx64 "/%" PRIu64,
					   i ? ", " : "", c->a, c->b);
		}
		buf_puts(b, "]");
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
