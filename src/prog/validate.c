/* Validation of a program against its target's types. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "prog_internal.h"

struct vctx {
	const struct prog *p;
	size_t call, arg;
	struct prog_argvec defined; /* results of earlier calls */
	char *err;
	size_t err_len;
	bool oom;
};

__attribute__((format(printf, 2, 3))) static int fail(struct vctx *v,
						      const char *fmt, ...)
{
	const struct prog_call *c = v->p->calls[v->call];
	int n = snprintf(v->err, v->err_len,
			 "call %zu (%s): arg %zu: ", v->call, c->meta->name,
			 v->arg);
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < v->err_len)
		vsnprintf(v->err + n, v->err_len - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_defined(const struct vctx *v, const struct prog_arg *a)
{
	for (size_t i = v->defined.n; i-- > 0;) {
		if (v->defined.v[i] == a)
			return true;
	}
	return false;
}

static bool kind_ok(const struct prog_arg *a)
{
	switch (a->type->kind) {
	case SYZ_T_RESOURCE:
		return a->kind == PROG_ARG_RESULT;
	case SYZ_T_PTR:
	case SYZ_T_VMA:
		return a->kind == PROG_ARG_POINTER;
	case SYZ_T_BUFFER:
	case SYZ_T_VOID:
		return a->kind == PROG_ARG_DATA;
	case SYZ_T_ARRAY:
	case SYZ_T_STRUCT:
		return a->kind == PROG_ARG_GROUP;
	case SYZ_T_UNION:
		return a->kind == PROG_ARG_UNION;
	default:
		return a->kind == PROG_ARG_CONST;
	}
}

static int check_arg(struct vctx *v, const struct prog_arg *a,
		     const struct syz_type *t, enum syz_dir dir);

static int check_pointer(struct vctx *v, const struct prog_arg *a)
{
	const struct syz_type *t = a->type;
	uint64_t size;
	if (a->p.special)
		return 0;
	if (t->kind == SYZ_T_VMA) {
		if (a->p.addr > PROG_DATA_SIZE ||
		    a->p.vma_size > PROG_DATA_SIZE - a->p.addr)
			return fail(
				v,
				"vma [0x%llx, +0x%llx) outside the data area",
				(unsigned long long)a->p.addr,
				(unsigned long long)a->p.vma_size);
		return 0;
	}
	if (!a->p.res)
		return fail(v, "pointer %s without a pointee", t->name);
	size = prog_arg_size(a->p.res);
	if (a->p.addr > PROG_DATA_SIZE || size > PROG_DATA_SIZE - a->p.addr)
		return fail(v,
			    "pointee [0x%llx, +0x%llx) outside the data area",
			    (unsigned long long)a->p.addr,
			    (unsigned long long)size);
	return check_arg(v, a->p.res, t->ptr.elem, t->ptr.elem_dir);
}

static int check_group(struct vctx *v, const struct prog_arg *a)
{
	const struct syz_type *t = a->type;
	int rc;
	if (t->kind == SYZ_T_STRUCT) {
		if (a->g.n != t->st.n_fields)
			return fail(v, "struct %s has %zu fields, not %zu",
				    t->name, t->st.n_fields, a->g.n);
	} else if (t->array.is_range && (a->g.n < t->array.range_begin ||
					 a->g.n > t->array.range_end)) {
		return fail(v, "array %s of %zu elements, not in [%llu, %llu]",
			    t->name, a->g.n,
			    (unsigned long long)t->array.range_begin,
			    (unsigned long long)t->array.range_end);
	}
	for (size_t i = 0; i < a->g.n; i++) {
		enum syz_dir cd;
		const struct syz_type *ct = prog_child_type(t, i, a->dir, &cd);
		if (!a->g.inner[i] && t->kind == SYZ_T_STRUCT &&
		    t->st.fields[i].cond)
			continue; /* absent conditional field */
		if (!a->g.inner[i])
			return fail(v, "%s: element %zu missing", t->name, i);
		if ((rc = check_arg(v, a->g.inner[i], ct, cd)))
			return rc;
	}
	return 0;
}

static int check_arg(struct vctx *v, const struct prog_arg *a,
		     const struct syz_type *t, enum syz_dir dir)
{
	if (a->type != t)
		return fail(v, "arg of type %s where %s is expected",
			    a->type->name, t->name);
	if (a->dir != dir)
		return fail(v, "%s has direction %d, expected %d", t->name,
			    a->dir, dir);
	if (!kind_ok(a))
		return fail(v, "arg kind %d does not fit type %s", a->kind,
			    t->name);
	switch (a->kind) {
	case PROG_ARG_CONST:
		if (t->kind == SYZ_T_CONST && t->const_.is_pad && a->c.val)
			return fail(v, "padding of %s is not 0", t->name);
		return 0;
	case PROG_ARG_RESULT:
		if (!a->r.res)
			return 0;
		if (!is_defined(v, a->r.res))
			return fail(
				v,
				"%s refers to a result not defined by an earlier call",
				t->name);
		if (!prog_resource_compatible_loose(t->res.desc,
						    a->r.res->type->res.desc))
			return fail(v, "%s linked to an incompatible %s",
				    t->name, a->r.res->type->name);
		return 0;
	case PROG_ARG_POINTER:
		return check_pointer(v, a);
	case PROG_ARG_DATA:
		if (t->kind == SYZ_T_VOID && a->d.len)
			return fail(v, "void with %llu bytes",
				    (unsigned long long)a->d.len);
		if (t->kind == SYZ_T_BUFFER && !t->varlen && !a->d.compressed &&
		    a->d.len != t->size)
			return fail(v, "%s of %llu bytes, want %llu", t->name,
				    (unsigned long long)a->d.len,
				    (unsigned long long)t->size);
		if (a->d.len > PROG_DATA_SIZE)
			return fail(v, "data larger than the data area");
		if (a->d.len && !a->d.data &&
		    (a->dir != SYZ_DIR_OUT || a->d.compressed))
			return fail(v, "%s without its bytes", t->name);
		return 0;
	case PROG_ARG_GROUP:
		return check_group(v, a);
	case PROG_ARG_UNION: {
		enum syz_dir cd;
		const struct syz_type *ct;
		if (a->u.index >= t->st.n_fields || !a->u.opt)
			return fail(v, "union %s option %zu invalid", t->name,
				    a->u.index);
		ct = prog_child_type(t, a->u.index, a->dir, &cd);
		return check_arg(v, a->u.opt, ct, cd);
	}
	}
	return 0;
}

static int check_call(struct vctx *v, struct prog_call *c, unsigned flags)
{
	int rc;
	const struct syz_call *m = c->meta;
	if (!m || !c->args)
		return fail(v, "call without description");
	if (m->ret && (!c->ret || c->ret->type != m->ret))
		return fail(v, "missing return value");
	for (v->arg = 0; v->arg < m->n_args; v->arg++) {
		if (!c->args[v->arg])
			return fail(v, "missing");
		rc = check_arg(v, c->args[v->arg], m->args[v->arg].type,
			       syz_field_dir(&m->args[v->arg], SYZ_DIR_IN));
		if (rc)
			return rc;
	}
	if (c->props.fail_nth < 0 || c->props.rerun < 0)
		return fail(v, "negative call property");
	{
		char why[256];
		if (prog_check_conds(c, why, sizeof(why))) {
			v->arg = 0;
			return fail(v, "%s", why);
		}
	}
	if ((flags & PROG_VALIDATE_SIZES) && prog_check_sizes(c))
		return fail(v, "lengths do not match the data");
	if (prog_call_results(c, &v->defined))
		v->oom = true;
	return 0;
}

int prog_validate(const struct prog *p, unsigned flags, char *err,
		  size_t err_len)
{
	struct vctx v = { .p = p, .err = err, .err_len = err_len };
	int rc = 0;
	if (err_len)
		err[0] = 0;
	if (p->n_calls > PROG_MAX_CALLS) {
		snprintf(err, err_len, "%zu calls (max %d)", p->n_calls,
			 PROG_MAX_CALLS);
		return -EINVAL;
	}
	for (v.call = 0; v.call < p->n_calls && !rc; v.call++) {
		v.arg = 0;
		rc = check_call(&v, p->calls[v.call], flags);
	}
	free(v.defined.v);
	if (!rc && v.oom)
		return -ENOMEM;
	return rc;
}
