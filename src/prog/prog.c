/* The program model: construction, defaults, sizes, cloning, walking. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prog.h"
#include "prog_internal.h"

struct prog_arg *prog_arg_new(enum prog_arg_kind kind, const struct syz_type *t,
			      enum syz_dir dir)
{
	struct prog_arg *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->kind = kind;
	a->type = t;
	a->dir = dir;
	return a;
}

void prog_arg_free(struct prog_arg *a)
{
	if (!a)
		return;
	switch (a->kind) {
	case PROG_ARG_POINTER:
		prog_arg_free(a->p.res);
		break;
	case PROG_ARG_DATA:
		free(a->d.data);
		break;
	case PROG_ARG_GROUP:
		for (size_t i = 0; i < a->g.n; i++)
			prog_arg_free(a->g.inner[i]);
		free(a->g.inner);
		break;
	case PROG_ARG_UNION:
		prog_arg_free(a->u.opt);
		break;
	default:
		break;
	}
	free(a);
}

void prog_call_free(struct prog_call *c)
{
	if (!c)
		return;
	if (c->args) {
		for (size_t i = 0; i < c->meta->n_args; i++)
			prog_arg_free(c->args[i]);
	}
	free(c->args);
	prog_arg_free(c->ret);
	free(c->comment);
	free(c->tail_comment);
	free(c);
}

struct prog *prog_new(const struct syz_target *t)
{
	struct prog *p = calloc(1, sizeof(*p));
	if (p)
		p->target = t;
	return p;
}

void prog_free(struct prog *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_calls; i++)
		prog_call_free(p->calls[i]);
	free(p->calls);
	free(p->comment);
	free(p);
}

int prog_insert_call(struct prog *p, size_t idx, struct prog_call *c)
{
	if (idx > p->n_calls)
		idx = p->n_calls;
	if (p->n_calls == p->cap_calls) {
		size_t cap = p->cap_calls ? p->cap_calls * 2 : 16;
		void *v = realloc(p->calls, cap * sizeof(*p->calls));
		if (!v)
			return -ENOMEM;
		p->calls = v;
		p->cap_calls = cap;
	}
	memmove(p->calls + idx + 1, p->calls + idx,
		(p->n_calls - idx) * sizeof(*p->calls));
	p->calls[idx] = c;
	p->n_calls++;
	return 0;
}

/* ---- Walking ---- */

static int walk_arg(struct prog_arg *a, prog_visit_fn fn, void *ctx)
{
	int rc;
	if (!a)
		return 0;
	rc = fn(a, ctx);
	if (rc)
		return rc;
	switch (a->kind) {
	case PROG_ARG_POINTER:
		return walk_arg(a->p.res, fn, ctx);
	case PROG_ARG_GROUP:
		for (size_t i = 0; i < a->g.n; i++) {
			rc = walk_arg(a->g.inner[i], fn, ctx);
			if (rc)
				return rc;
		}
		return 0;
	case PROG_ARG_UNION:
		return walk_arg(a->u.opt, fn, ctx);
	default:
		return 0;
	}
}

int prog_call_walk(struct prog_call *c, prog_visit_fn fn, void *ctx)
{
	for (size_t i = 0; i < c->meta->n_args; i++) {
		int rc = walk_arg(c->args[i], fn, ctx);
		if (rc)
			return rc;
	}
	return 0;
}

static int unuse(struct prog_arg *a, void *ctx)
{
	(void)ctx;
	if (a->kind == PROG_ARG_RESULT)
		a->used = false;
	return 0;
}

static int mark_use(struct prog_arg *a, void *ctx)
{
	(void)ctx;
	if (a->kind == PROG_ARG_RESULT && a->r.res)
		a->r.res->used = true;
	return 0;
}

void prog_link(struct prog *p)
{
	for (size_t i = 0; i < p->n_calls; i++) {
		prog_call_walk(p->calls[i], unuse, NULL);
		if (p->calls[i]->ret)
			p->calls[i]->ret->used = false;
	}
	for (size_t i = 0; i < p->n_calls; i++)
		prog_call_walk(p->calls[i], mark_use, NULL);
}

/* ---- Removing calls ---- */

static int collect_res(struct prog_arg *a, void *ctx)
{
	struct prog_argvec *s = ctx;
	if (a->kind == PROG_ARG_RESULT && a->dir != SYZ_DIR_IN)
		return vec_push(s, a);
	return 0;
}

int prog_call_results(struct prog_call *c, struct prog_argvec *s)
{
	if (c->ret && vec_push(s, c->ret))
		return -ENOMEM;
	return prog_call_walk(c, collect_res, s);
}

static bool in_set(const struct prog_argvec *s, const struct prog_arg *a)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i] == a)
			return true;
	}
	return false;
}

static int drop_links(struct prog_arg *a, void *ctx)
{
	if (a->kind == PROG_ARG_RESULT && a->r.res && in_set(ctx, a->r.res))
		a->r.res = NULL;
	return 0;
}

void prog_remove_call(struct prog *p, size_t idx)
{
	struct prog_argvec s = { 0 };
	struct prog_call *c = p->calls[idx];
	if (prog_call_results(c, &s) == 0) {
		for (size_t i = idx + 1; i < p->n_calls; i++)
			prog_call_walk(p->calls[i], drop_links, &s);
	} else {
		/* Out of memory: drop every link into the call the slow way. */
		for (size_t i = idx + 1; i < p->n_calls; i++)
			prog_unlink_from(p->calls[i], c);
	}
	free(s.v);
	memmove(p->calls + idx, p->calls + idx + 1,
		(p->n_calls - idx - 1) * sizeof(*p->calls));
	p->n_calls--;
	prog_call_free(c);
}

struct unlink_ctx {
	struct prog_call *from;
	struct prog_arg *target;
	bool found;
};

static int find_arg(struct prog_arg *a, void *ctx)
{
	struct unlink_ctx *u = ctx;
	if (a == u->target) {
		u->found = true;
		return 1;
	}
	return 0;
}

static int unlink_slow(struct prog_arg *a, void *ctx)
{
	struct unlink_ctx *u = ctx;
	if (a->kind != PROG_ARG_RESULT || !a->r.res)
		return 0;
	u->target = a->r.res;
	u->found = u->from->ret == a->r.res;
	if (!u->found)
		prog_call_walk(u->from, find_arg, u);
	if (u->found)
		a->r.res = NULL;
	return 0;
}

void prog_unlink_from(struct prog_call *c, struct prog_call *from)
{
	struct unlink_ctx u = { .from = from };
	prog_call_walk(c, unlink_slow, &u);
}

/* ---- Defaults ---- */

uint64_t prog_type_default_val(const struct syz_type *t)
{
	switch (t->kind) {
	case SYZ_T_CONST:
		return t->const_.value;
	case SYZ_T_RESOURCE:
		return t->res.desc && t->res.desc->n_values ?
			       t->res.desc->values[0] :
			       0;
	default:
		return 0;
	}
}

static uint64_t buf_default_len(const struct syz_type *t)
{
	return t->varlen ? 0 : t->size;
}

static bool array_fixed(const struct syz_type *t)
{
	return t->array.is_range && t->array.range_begin == t->array.range_end;
}

struct prog_arg *prog_arg_default(const struct syz_type *t, enum syz_dir dir)
{
	struct prog_arg *a;
	switch (t->kind) {
	case SYZ_T_RESOURCE:
		a = prog_arg_new(PROG_ARG_RESULT, t, dir);
		if (a)
			a->r.val = prog_type_default_val(t);
		return a;
	case SYZ_T_PTR:
		a = prog_arg_new(PROG_ARG_POINTER, t, dir);
		if (!a || t->optional) {
			if (a)
				a->p.special = true;
			return a;
		}
		a->p.res = prog_arg_default(t->ptr.elem, t->ptr.elem_dir);
		if (!a->p.res) {
			free(a);
			return NULL;
		}
		return a;
	case SYZ_T_VMA:
		a = prog_arg_new(PROG_ARG_POINTER, t, dir);
		if (a)
			a->p.special = true;
		return a;
	case SYZ_T_BUFFER:
	case SYZ_T_VOID:
		a = prog_arg_new(PROG_ARG_DATA, t, dir);
		if (!a)
			return NULL;
		a->d.len = t->kind == SYZ_T_VOID ? 0 : buf_default_len(t);
		if (dir != SYZ_DIR_OUT && a->d.len) {
			a->d.data = calloc(1, a->d.len);
			if (!a->d.data) {
				free(a);
				return NULL;
			}
		}
		return a;
	case SYZ_T_ARRAY:
		return prog_group_new(
			t, dir, array_fixed(t) ? t->array.range_begin : 0);
	case SYZ_T_STRUCT:
		return prog_group_new(t, dir, t->st.n_fields);
	case SYZ_T_UNION:
		return prog_union_new(t, dir, prog_union_default_index(t),
				      NULL);
	default:
		a = prog_arg_new(PROG_ARG_CONST, t, dir);
		if (a)
			a->c.val = prog_type_default_val(t);
		return a;
	}
}

/* Element type and direction of child @i of a group/union. */
const struct syz_type *prog_child_type(const struct syz_type *t, size_t i,
				       enum syz_dir dir, enum syz_dir *cdir)
{
	if (t->kind == SYZ_T_ARRAY) {
		*cdir = dir;
		return t->array.elem;
	}
	*cdir = syz_field_dir(&t->st.fields[i], dir);
	return t->st.fields[i].type;
}

size_t prog_union_default_index(const struct syz_type *t)
{
	for (size_t i = 0; i < t->st.n_fields; i++) {
		if (t->st.fields[i].cond)
			return t->st.n_fields - 1;
	}
	return 0;
}

/* A struct or array arg with @n default children (conditional fields
 * absent: syzkaller's @void is their default). */
struct prog_arg *prog_group_new(const struct syz_type *t, enum syz_dir dir,
				size_t n)
{
	struct prog_arg *a = prog_arg_new(PROG_ARG_GROUP, t, dir);
	if (!a)
		return NULL;
	if (n) {
		a->g.inner = calloc(n, sizeof(*a->g.inner));
		if (!a->g.inner)
			goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		enum syz_dir cd;
		const struct syz_type *ct = prog_child_type(t, i, dir, &cd);
		a->g.n = i + 1;
		if (t->kind == SYZ_T_STRUCT && t->st.fields[i].cond)
			continue;
		a->g.inner[i] = prog_arg_default(ct, cd);
		if (!a->g.inner[i])
			goto fail;
	}
	a->g.n = n;
	return a;
fail:
	prog_arg_free(a);
	return NULL;
}

/* A union arg choosing @index; @opt (owned) or the option's default. */
struct prog_arg *prog_union_new(const struct syz_type *t, enum syz_dir dir,
				size_t index, struct prog_arg *opt)
{
	struct prog_arg *a = prog_arg_new(PROG_ARG_UNION, t, dir);
	if (!a) {
		prog_arg_free(opt);
		return NULL;
	}
	a->u.index = index;
	if (!opt && t->st.n_fields) {
		enum syz_dir cd;
		const struct syz_type *ct = prog_child_type(t, index, dir, &cd);
		opt = prog_arg_default(ct, cd);
		if (!opt) {
			free(a);
			return NULL;
		}
	}
	a->u.opt = opt;
	return a;
}

bool prog_field_is_default(const struct prog_arg *a, size_t i)
{
	const struct prog_arg *f = a->g.inner[i];
	if (a->type->kind == SYZ_T_STRUCT && a->type->st.fields[i].cond)
		return !f;
	return prog_arg_is_default(f);
}

bool prog_arg_is_default(const struct prog_arg *a)
{
	const struct syz_type *t;
	if (!a)
		return true; /* an absent conditional field */
	t = a->type;
	switch (a->kind) {
	case PROG_ARG_CONST:
		return a->c.val == prog_type_default_val(t);
	case PROG_ARG_RESULT:
		return !a->r.res && !a->used &&
		       a->r.val == prog_type_default_val(t) && !a->r.op_div &&
		       !a->r.op_add;
	case PROG_ARG_POINTER:
		if (t->kind == SYZ_T_VMA || t->optional)
			return a->p.special && a->p.special_val == 0;
		return !a->p.special && a->p.addr == 0 && a->p.res &&
		       prog_arg_is_default(a->p.res);
	case PROG_ARG_DATA:
		if (a->d.len !=
		    (t->kind == SYZ_T_VOID ? 0 : buf_default_len(t)))
			return false;
		if (a->dir == SYZ_DIR_OUT || !a->d.data)
			return true;
		for (uint64_t i = 0; i < a->d.len; i++) {
			if (a->d.data[i])
				return false;
		}
		return true;
	case PROG_ARG_GROUP:
		if (t->kind == SYZ_T_ARRAY && !array_fixed(t))
			return a->g.n == 0;
		for (size_t i = 0; i < a->g.n; i++) {
			if (!prog_field_is_default(a, i))
				return false;
		}
		return true;
	case PROG_ARG_UNION:
		return a->u.index == prog_union_default_index(t) &&
		       (!a->u.opt || prog_arg_is_default(a->u.opt));
	}
	return false;
}

/* ---- Sizes ---- */

uint64_t prog_arg_size(const struct prog_arg *a)
{
	const struct syz_type *t;
	uint64_t sz = 0;
	if (!a)
		return 0; /* an absent conditional field */
	t = a->type;
	switch (a->kind) {
	case PROG_ARG_DATA:
		return a->d.len;
	case PROG_ARG_GROUP:
		if (!t->varlen)
			return t->size;
		for (size_t i = 0; i < a->g.n; i++)
			sz += prog_arg_size(a->g.inner[i]);
		if (t->kind == SYZ_T_STRUCT && t->st.align_attr > 1 &&
		    sz % t->st.align_attr)
			sz += t->st.align_attr - sz % t->st.align_attr;
		return sz;
	case PROG_ARG_UNION:
		if (!t->varlen)
			return t->size;
		return a->u.opt ? prog_arg_size(a->u.opt) : 0;
	default:
		return t->size;
	}
}

/* ---- Cloning ---- */

struct clone_pair {
	const struct prog_arg *from;
	struct prog_arg *to;
};

struct clone_map {
	struct clone_pair *v;
	size_t n, cap;
};

static struct prog_arg *map_lookup(const struct clone_map *m,
				   const struct prog_arg *from)
{
	for (size_t i = m->n; i-- > 0;) {
		if (m->v[i].from == from)
			return m->v[i].to;
	}
	return NULL;
}

struct prog_arg *prog_arg_clone_map(const struct prog_arg *a, void *mapp)
{
	struct clone_map *m = mapp;
	struct prog_arg *b;
	if (!a)
		return NULL;
	b = malloc(sizeof(*b));
	if (!b)
		return NULL;
	*b = *a;
	switch (a->kind) {
	case PROG_ARG_RESULT:
		if (a->r.res) {
			struct prog_arg *to = m ? map_lookup(m, a->r.res) :
						  NULL;
			b->r.res = to ? to : (m ? NULL : a->r.res);
		}
		if (m && a->dir != SYZ_DIR_IN) {
			struct clone_pair e = { a, b };
			if (vec_push(m, e))
				goto fail_shallow;
		}
		return b;
	case PROG_ARG_POINTER:
		b->p.res = NULL;
		if (a->p.res && !(b->p.res = prog_arg_clone_map(a->p.res, m)))
			goto fail_shallow;
		return b;
	case PROG_ARG_DATA:
		b->d.data = NULL;
		if (a->d.data) {
			b->d.data = malloc(a->d.len ? a->d.len : 1);
			if (!b->d.data)
				goto fail_shallow;
			memcpy(b->d.data, a->d.data, a->d.len);
		}
		return b;
	case PROG_ARG_GROUP:
		b->g.inner = NULL;
		b->g.n = 0;
		if (a->g.n) {
			b->g.inner = calloc(a->g.n, sizeof(*b->g.inner));
			if (!b->g.inner)
				goto fail_shallow;
		}
		for (size_t i = 0; i < a->g.n; i++) {
			b->g.inner[i] = prog_arg_clone_map(a->g.inner[i], m);
			b->g.n = i + 1;
			if (!b->g.inner[i] && a->g.inner[i]) {
				prog_arg_free(b);
				return NULL;
			}
		}
		return b;
	case PROG_ARG_UNION:
		b->u.opt = NULL;
		if (a->u.opt && !(b->u.opt = prog_arg_clone_map(a->u.opt, m)))
			goto fail_shallow;
		return b;
	default:
		return b;
	}
fail_shallow:
	free(b);
	return NULL;
}

struct prog_call *prog_call_clone_map(const struct prog_call *c, void *m)
{
	struct prog_call *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->meta = c->meta;
	d->props = c->props;
	d->args =
		calloc(c->meta->n_args ? c->meta->n_args : 1, sizeof(*d->args));
	if (!d->args)
		goto fail;
	for (size_t i = 0; i < c->meta->n_args; i++) {
		if (!(d->args[i] = prog_arg_clone_map(c->args[i], m)))
			goto fail;
	}
	if (c->ret && !(d->ret = prog_arg_clone_map(c->ret, m)))
		goto fail;
	if (c->comment && !(d->comment = strdup(c->comment)))
		goto fail;
	if (c->tail_comment && !(d->tail_comment = strdup(c->tail_comment)))
		goto fail;
	return d;
fail:
	prog_call_free(d);
	return NULL;
}

void *prog_clone_map_new(void)
{
	return calloc(1, sizeof(struct clone_map));
}

void prog_clone_map_free(void *m)
{
	struct clone_map *cm = m;
	if (!cm)
		return;
	free(cm->v);
	free(cm);
}

struct prog *prog_clone(const struct prog *p)
{
	struct clone_map m = { 0 };
	struct prog *q = prog_new(p->target);
	if (!q)
		return NULL;
	for (size_t i = 0; i < p->n_calls; i++) {
		struct prog_call *c = prog_call_clone_map(p->calls[i], &m);
		if (!c || prog_insert_call(q, q->n_calls, c)) {
			prog_call_free(c);
			goto fail;
		}
	}
	if (p->comment && !(q->comment = strdup(p->comment)))
		goto fail;
	free(m.v);
	return q;
fail:
	free(m.v);
	prog_free(q);
	return NULL;
}

int prog_append(struct prog *dst, const struct prog *src)
{
	struct clone_map m = { 0 };
	size_t n0 = dst->n_calls;
	int err = 0;

	if (dst->target != src->target)
		return -EINVAL;
	for (size_t i = 0; i < src->n_calls && !err; i++) {
		struct prog_call *c = prog_call_clone_map(src->calls[i], &m);

		if (!c || prog_insert_call(dst, dst->n_calls, c)) {
			prog_call_free(c);
			err = -ENOMEM;
		}
	}
	free(m.v);
	while (err && dst->n_calls > n0)
		prog_remove_call(dst, dst->n_calls - 1);
	return err;
}

/* ---- Default calls and addresses ---- */

struct prog_call *prog_call_new(const struct syz_call *m)
{
	struct prog_call *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->meta = m;
	c->args = calloc(m->n_args ? m->n_args : 1, sizeof(*c->args));
	if (!c->args) {
		free(c);
		return NULL;
	}
	if (m->ret) {
		c->ret = prog_arg_new(PROG_ARG_RESULT, m->ret, SYZ_DIR_OUT);
		if (!c->ret) {
			prog_call_free(c);
			return NULL;
		}
		c->ret->r.val = prog_type_default_val(m->ret);
	}
	return c;
}

struct prog_call *prog_call_default(struct prog *p, const struct syz_call *m)
{
	struct prog_call *c = prog_call_new(m);
	if (!c)
		return NULL;
	for (size_t i = 0; i < m->n_args; i++) {
		c->args[i] = prog_arg_default(m->args[i].type,
					      syz_field_dir(&m->args[i],
							    SYZ_DIR_IN));
		if (!c->args[i]) {
			prog_call_free(c);
			return NULL;
		}
	}
	if (prog_fix_conds_default(p, c)) {
		prog_call_free(c);
		return NULL;
	}
	prog_assign_sizes(c);
	return c;
}

struct alloc_ctx {
	uint64_t next;
	bool scan; /* first pass: find the end of fixed allocations */
};

static uint64_t align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* A place for @size bytes: after everything allocated so far, wrapping
 * to the start of the area when it is full. */
uint64_t prog_alloc_range(uint64_t *next, uint64_t size, uint64_t align)
{
	uint64_t addr = align_up(*next, align);
	if (size > PROG_DATA_SIZE)
		size = PROG_DATA_SIZE;
	if (addr + size > PROG_DATA_SIZE)
		addr = 0;
	*next = addr + size;
	return addr;
}

static int alloc_visit(struct prog_arg *a, void *ctx)
{
	struct alloc_ctx *ac = ctx;
	uint64_t size;
	if (a->kind != PROG_ARG_POINTER || a->p.special)
		return 0;
	size = a->type->kind == SYZ_T_VMA ? a->p.vma_size :
	       a->p.res			  ? prog_arg_size(a->p.res) :
					    0;
	if (ac->scan) {
		if (a->p.addr != PROG_ADDR_AUTO &&
		    a->p.addr + size > ac->next &&
		    a->p.addr + size <= PROG_DATA_SIZE)
			ac->next = a->p.addr + size;
		return 0;
	}
	if (a->p.addr != PROG_ADDR_AUTO)
		return 0;
	if (a->type->kind == SYZ_T_VMA)
		a->p.addr = prog_alloc_range(&ac->next, size, 4096);
	else
		a->p.addr = prog_alloc_range(&ac->next, size, 64);
	return 0;
}

void prog_alloc_addrs(struct prog *p)
{
	struct alloc_ctx ac = { .scan = true };
	for (size_t i = 0; i < p->n_calls; i++)
		prog_call_walk(p->calls[i], alloc_visit, &ac);
	ac.scan = false;
	for (size_t i = 0; i < p->n_calls; i++)
		prog_call_walk(p->calls[i], alloc_visit, &ac);
}

/* The end of the highest allocation in @p (for allocating more). */
uint64_t prog_alloc_end(const struct prog *p)
{
	struct alloc_ctx ac = { .scan = true };
	for (size_t i = 0; i < p->n_calls; i++)
		prog_call_walk(p->calls[i], alloc_visit, &ac);
	return ac.next;
}

bool prog_resource_compatible_loose(const struct syz_resource *dst,
				    const struct syz_resource *src)
{
	size_t n;
	if (!dst || !src)
		return dst == src;
	n = dst->n_kind < src->n_kind ? dst->n_kind : src->n_kind;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(dst->kind[i], src->kind[i]))
			return false;
	}
	return true;
}
