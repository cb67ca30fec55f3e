/* len/bytesize/bitsize/offsetof: computing them from the data they describe. */
#include <string.h>

#include "prog_internal.h"

/* One level of the struct nesting: a struct's fields, or the call args. */
struct frame {
	const struct syz_type *type; /* NULL for the call's arguments */
	struct prog_arg *self; /* the struct arg; NULL for the call */
	const struct syz_field *fields;
	struct prog_arg **args;
	size_t n;
	const struct frame *up;
};

struct size_ctx {
	bool check; /* count mismatches instead of assigning */
	size_t mismatches;
	const struct frame *call_frame;
};

static struct prog_arg *deref(struct prog_arg *a)
{
	while (a && a->kind == PROG_ARG_POINTER && a->type->kind == SYZ_T_PTR)
		a = a->p.special ? NULL : a->p.res;
	return a;
}

/* The arg of field @name; *idx = SIZE_MAX when there is no such field
 * (the arg is NULL also for an absent conditional field). */
static struct prog_arg *frame_field(const struct frame *f, const char *name,
				    size_t *idx)
{
	for (size_t i = 0; i < f->n; i++) {
		if (f->fields[i].name && !strcmp(f->fields[i].name, name)) {
			*idx = i;
			return f->args[i];
		}
	}
	*idx = SIZE_MAX;
	return NULL;
}

static uint64_t frame_offset(const struct frame *f, size_t idx)
{
	uint64_t off = 0;
	for (size_t i = 0; i < idx && i < f->n; i++)
		off += prog_arg_size(f->args[i]);
	return off;
}

/* Resolve @path from frame @f; *off: the target's offset (offsetof);
 * *absent: the target is an absent conditional field (NULL returned). */
static struct prog_arg *resolve(const struct size_ctx *ctx,
				const struct frame *f, const char *const *path,
				size_t n, uint64_t *off, bool *absent)
{
	struct prog_arg *cur = NULL;
	size_t i = 0, idx;
	const struct frame *g;
	*off = 0;
	*absent = false;
	if (!n)
		return NULL;
	if (!strcmp(path[0], "syscall")) {
		if (n < 2)
			return NULL;
		cur = frame_field(ctx->call_frame, path[1], &idx);
		*off = 0;
		i = 2;
	} else if (!strcmp(path[0], "parent")) {
		cur = f->self;
		i = 1;
	} else if ((cur = frame_field(f, path[0], &idx)) || idx != SIZE_MAX) {
		*off = frame_offset(f, idx);
		*absent = !cur && n == 1;
		i = 1;
	} else {
		for (g = f; g && !cur; g = g->up) {
			if (g->type && g->type->name &&
			    !strcmp(g->type->name, path[0]))
				cur = g->self;
		}
		i = 1;
	}
	for (; cur && i < n; i++) {
		struct prog_arg *s = deref(cur);
		if (!s || s->kind != PROG_ARG_GROUP ||
		    s->type->kind != SYZ_T_STRUCT)
			return NULL;
		cur = NULL;
		*off = 0;
		for (size_t j = 0; j < s->g.n && j < s->type->st.n_fields;
		     j++) {
			if (!strcmp(s->type->st.fields[j].name, path[i])) {
				cur = s->g.inner[j];
				*absent = !cur && i + 1 == n;
				break;
			}
			*off += prog_arg_size(s->g.inner[j]);
		}
	}
	return cur;
}

static uint64_t compute(const struct syz_type *lt, struct prog_arg *target,
			uint64_t off)
{
	uint64_t bits = lt->len.bit_size;
	uint64_t bytes;
	if (lt->len.offsetof)
		return off;
	if (target->kind == PROG_ARG_POINTER) {
		if (target->type->kind == SYZ_T_VMA)
			return bits ? target->p.vma_size * 8 / bits :
				      target->p.vma_size;
		target = target->p.special ? NULL : target->p.res;
		if (!target)
			return 0;
	}
	if (!bits && target->kind == PROG_ARG_GROUP &&
	    target->type->kind == SYZ_T_ARRAY)
		return target->g.n;
	bytes = prog_arg_size(target);
	return bits ? bytes * 8 / bits : bytes;
}

static void walk_frame(struct size_ctx *ctx, const struct frame *f);

static void walk_child(struct size_ctx *ctx, struct prog_arg *a,
		       const struct frame *f)
{
	struct frame sub;
	if (!a)
		return;
	switch (a->kind) {
	case PROG_ARG_POINTER:
		walk_child(ctx, a->p.res, f);
		return;
	case PROG_ARG_UNION:
		walk_child(ctx, a->u.opt, f);
		return;
	case PROG_ARG_GROUP:
		if (a->type->kind == SYZ_T_ARRAY) {
			for (size_t i = 0; i < a->g.n; i++)
				walk_child(ctx, a->g.inner[i], f);
			return;
		}
		sub = (struct frame){
			.type = a->type,
			.self = a,
			.fields = a->type->st.fields,
			.args = a->g.inner,
			.n = a->g.n < a->type->st.n_fields ?
				     a->g.n :
				     a->type->st.n_fields,
			.up = f,
		};
		walk_frame(ctx, &sub);
		return;
	default:
		return;
	}
}

static void walk_frame(struct size_ctx *ctx, const struct frame *f)
{
	for (size_t i = 0; i < f->n; i++) {
		struct prog_arg *a = f->args[i];
		if (a && a->kind == PROG_ARG_CONST &&
		    a->type->kind == SYZ_T_LEN) {
			uint64_t off, v;
			bool absent;
			struct prog_arg *t = resolve(ctx, f, a->type->len.path,
						     a->type->len.n_path, &off,
						     &absent);
			if (t || absent) {
				/* an absent conditional field: size 0 */
				v = !t && !a->type->len.offsetof ?
					    0 :
					    compute(a->type, t, off);
				v = prog_truncate(a->type, v);
				if (ctx->check && v != a->c.val)
					ctx->mismatches++;
				else if (!ctx->check)
					a->c.val = v;
			}
		}
	}
	for (size_t i = 0; i < f->n; i++)
		walk_child(ctx, f->args[i], f);
}

static size_t size_pass(struct prog_call *c, bool check)
{
	struct size_ctx ctx = { .check = check };
	struct frame f = {
		.fields = c->meta->args,
		.args = c->args,
		.n = c->meta->n_args,
	};
	ctx.call_frame = &f;
	walk_frame(&ctx, &f);
	return ctx.mismatches;
}

void prog_assign_sizes(struct prog_call *c)
{
	/* Twice: a len can describe a struct holding another len. */
	size_pass(c, false);
	size_pass(c, false);
}

/* Number of len fields that disagree with the data. */
size_t prog_check_sizes(struct prog_call *c)
{
	return size_pass(c, true);
}
