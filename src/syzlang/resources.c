/*
 * Resources and syscalls for the syzlang compiler: resource kinds and
 * values, syscall declarations, and which calls create and take each
 * resource.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile_internal.h"

struct syz_resource *comp_resource(struct comp *c, struct decl *d)
{
	struct res_state *rs = strmap_get(&c->resources, d->n->name);
	struct ast_node *n = d->n;

	if (rs) {
		if (rs->state == RES_IN_PROGRESS) {
			err(c, &n->pos, "recursive resource %s", n->name);
			return NULL;
		}
		return rs->r;
	}
	rs = calloc(1, sizeof(*rs));
	struct syz_resource *r = arena_alloc(c->a, sizeof(*r));
	if (!rs || !r || strmap_add(&c->resources, n->name, rs, NULL) < 0) {
		free(rs);
		return NULL;
	}
	rs->r = NULL;
	rs->d = d;
	rs->state = RES_IN_PROGRESS;
	r->name = n->name;
	r->file = n->pos.file;
	r->line = n->pos.line;
	/* base: int or another resource */
	struct ast_type *b = n->type;
	uint64_t size;
	bool be;
	struct syz_resource *parent = NULL;
	if (b->kind == AT_IDENT && !b->n_args &&
	    comp_int_base(b->ident, &size, &be)) {
		if (be || b->n_colon) {
			err(c, &b->pos, "resource base must be a plain int");
			return NULL;
		}
		r->base_size = size;
	} else if (b->kind == AT_IDENT && !b->n_args && !b->n_colon) {
		struct decl *pd = strmap_get(&c->types, b->ident);
		if (!pd || pd->n->kind != AST_RESOURCE) {
			err(c, &b->pos,
			    "resource base %s is not an int type or a resource",
			    b->ident);
			rs->state = RES_DONE;
			return NULL;
		}
		parent = comp_resource(c, pd);
		if (!parent) {
			rs->state = RES_DONE;
			return NULL;
		}
		r->base_size = parent->base_size;
	} else {
		err(c, &b->pos, "bad resource base type");
		rs->state = RES_DONE;
		return NULL;
	}
	r->parent = parent;
	size_t nk = parent ? parent->n_kind + 1 : 1;
	const char **kind = arena_alloc(c->a, nk * sizeof(*kind));
	if (!kind)
		return NULL;
	if (parent)
		memcpy(kind, parent->kind, parent->n_kind * sizeof(*kind));
	kind[nk - 1] = n->name;
	r->kind = kind;
	r->n_kind = nk;
	size_t nv = n->n_vals + (parent ? parent->n_values : 0);
	uint64_t *vals = arena_alloc(c->a, (nv + 1) * sizeof(*vals));
	size_t k = 0;
	if (!vals)
		return NULL;
	buf_reset(&c->missing);
	for (size_t i = 0; i < n->n_vals; i++) {
		uint64_t v;
		if (!comp_const_value(c, n->vals[i], &v))
			return NULL;
		vals[k++] = v;
	}
	if (c->missing.len)
		comp_diag(
			c, &n->pos, true,
			"unsupported resource %s: missing consts for amd64: %s",
			n->name, c->missing.data);
	buf_reset(&c->missing);
	if (parent) {
		for (size_t i = 0; i < parent->n_values; i++)
			if (!n->n_vals || parent->values[i] != 0 || 1)
				vals[k++] = parent->values[i];
	}
	if (!k)
		vals[k++] = 0;
	r->values = vals;
	r->n_values = k;
	rs->r = r;
	rs->state = RES_DONE;
	return r;
}

/* ---- calls ---- */

static bool call_attrs(struct comp *c, struct ast_node *n,
		       struct syz_call *call)
{
	struct syz_call_attrs *at = &call->attrs;

	for (size_t i = 0; i < n->n_vals; i++) {
		struct ast_type *a = n->vals[i];
		const char *id = a->ident;
		bool arg = false;
		if (a->kind != AT_IDENT)
			goto bad;
		if (!strcmp(id, "disabled"))
			at->disabled = true;
		else if (!strcmp(id, "ignore_return"))
			at->ignore_return = true;
		else if (!strcmp(id, "breaks_returns"))
			at->breaks_returns = true;
		else if (!strcmp(id, "no_generate"))
			at->no_generate = true;
		else if (!strcmp(id, "no_minimize"))
			at->no_minimize = true;
		else if (!strcmp(id, "no_squash"))
			at->no_squash = true;
		else if (!strcmp(id, "remote_cover"))
			at->remote_cover = true;
		else if (!strcmp(id, "kfuzz_test"))
			at->kfuzz_test = true;
		else if (!strcmp(id, "snapshot"))
			at->snapshot = true;
		else if (!strcmp(id, "automatic") ||
			 !strcmp(id, "automatic_helper"))
			at->automatic = true;
		else if (!strcmp(id, "timeout") ||
			 !strcmp(id, "prog_timeout")) {
			arg = true;
			if (a->n_args != 1)
				goto bad;
			if (!comp_const_value(c, a->args[0],
					      id[0] == 't' ? &at->timeout :
							     &at->prog_timeout))
				return false;
		} else if (!strcmp(id, "fsck")) {
			arg = true;
			if (a->n_args != 1 || a->args[0]->kind != AT_STRING)
				goto bad;
			at->fsck = arena_strdup(c->a, a->args[0]->str);
		} else
			goto bad;
		if (!arg && a->n_args)
			goto bad;
		continue;
bad:
		err(c, &a->pos,
		    "unknown or malformed call attribute (expected disabled, "
		    "timeout[N], prog_timeout[N], ignore_return, "
		    "breaks_returns, no_generate, no_minimize, no_squash, "
		    "fsck[\"cmd\"], remote_cover, kfuzz_test, snapshot)");
		return false;
	}
	return true;
}

static bool check_arg_type(struct comp *c, const struct ast_pos *pos,
			   const struct syz_type *t, const char *what)
{
	switch (t->kind) {
	case SYZ_T_STRUCT:
	case SYZ_T_UNION:
	case SYZ_T_ARRAY:
	case SYZ_T_BUFFER:
	case SYZ_T_VOID:
		err(c, pos, "%s can't be a syscall %s (use a pointer)", t->name,
		    what);
		return false;
	default:
		return true;
	}
}

struct syz_call *comp_call(struct comp *c, struct decl *d)
{
	struct ast_node *n = d->n;
	struct syz_call *call = arena_alloc(c->a, sizeof(*call));
	bool ok = true;

	if (!call)
		return NULL;
	call->name = n->name;
	const char *dollar = strchr(n->name, '$');
	call->call_name = dollar ? arena_strndup(c->a, n->name,
						 (size_t)(dollar - n->name)) :
				   n->name;
	call->file = n->pos.file;
	call->line = n->pos.line;
	call->pseudo = !strncmp(call->call_name, "syz_", 4);
	buf_reset(&c->missing);
	if (n->n_fields > MAX_ARGS) {
		err(c, &n->pos, "syscall %s has %zu arguments, at most %d",
		    n->name, n->n_fields, MAX_ARGS);
		return NULL;
	}
	struct syz_field *args =
		arena_alloc(c->a, (n->n_fields + 1) * sizeof(*args));
	if (!args)
		return NULL;
	for (size_t i = 0; i < n->n_fields; i++) {
		struct ast_field *af = &n->fields[i];
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(n->fields[j].name, af->name)) {
				err(c, &af->pos, "duplicate argument %s in %s",
				    af->name, n->name);
				ok = false;
			}
		}
		struct tctx ac = { .is_arg = true };
		args[i].name = af->name;
		args[i].dir = SYZ_DIR_IN;
		args[i].type = comp_type(c, af->type, ac);
		if (!args[i].type || !check_arg_type(c, &af->type->pos,
						     args[i].type, "argument"))
			ok = false;
	}
	call->args = args;
	call->n_args = n->n_fields;
	if (n->type) {
		struct tctx rc = { .is_ret = true };
		call->ret = comp_type(c, n->type, rc);
		if (!call->ret)
			ok = false;
		else if (call->ret->kind != SYZ_T_RESOURCE) {
			err(c, &n->type->pos,
			    "syscall return type must be a resource, not %s",
			    call->ret->name);
			ok = false;
		}
	}
	if (!call_attrs(c, n, call))
		ok = false;
	if (!call->pseudo) {
		char nr[256];
		snprintf(nr, sizeof(nr), "__NR_%s", call->call_name);
		struct ast_type fake = { .pos = n->pos,
					 .kind = AT_IDENT,
					 .ident = nr };
		comp_const_value(c, &fake, &call->nr);
	}
	if (!ok)
		return NULL;
	if (call->attrs.disabled)
		call->disabled_reason = "marked disabled in descriptions";
	else if (c->missing.len)
		call->disabled_reason = arena_printf(
			c->a, "missing consts for amd64: %s", c->missing.data);
	buf_reset(&c->missing);
	return call;
}

static int cmp_res(const void *a, const void *b)
{
	return strcmp((*(struct syz_resource *const *)a)->name,
		      (*(struct syz_resource *const *)b)->name);
}

bool syz_resource_compatible(const struct syz_resource *dst,
			     const struct syz_resource *src)
{
	if (src->n_kind < dst->n_kind)
		return false;
	for (size_t i = 0; i < dst->n_kind; i++)
		if (strcmp(dst->kind[i], src->kind[i]))
			return false;
	return true;
}

int comp_link_resources(struct comp *c, struct syz_target *t)
{
	struct strmap_entry *e;
	VEC(struct syz_resource *) all = { 0 };

	strmap_foreach(&c->resources, e) {
		struct res_state *rs = e->value;
		if (rs->r && vec_push(&all, rs->r))
			return -ENOMEM;
	}
	comp_sort(all.v, all.n, sizeof(*all.v), cmp_res);
	/* descendants of each resource (proper) */
	struct strmap desc = { 0 };
	VEC(void *) lists = { 0 };
	for (size_t i = 0; i < all.n; i++) {
		for (const struct syz_resource *p = all.v[i]->parent; p;
		     p = p->parent) {
			VEC(struct syz_resource *) *l =
				strmap_get(&desc, p->name);
			if (!l) {
				l = calloc(1, sizeof(*l));
				if (!l || vec_push(&lists, (void *)l) ||
				    strmap_add(&desc, p->name, l, NULL) < 0)
					return -ENOMEM;
			}
			if (vec_push(l, all.v[i]))
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < t->n_calls; i++) {
		const struct syz_call *call = t->calls[i];
		for (size_t k = 0; k < call->n_outputs; k++) {
			const struct syz_resource *o = call->outputs[k];
			/* o and its ancestors: o is usable as them */
			for (const struct syz_resource *p = o; p;
			     p = p->parent) {
				struct res_state *rs =
					strmap_get(&c->resources, p->name);
				struct syz_resource_ctor ct = { call, true };
				if (rs->ctors.n &&
				    rs->ctors.v[rs->ctors.n - 1].call == call) {
					rs->ctors.v[rs->ctors.n - 1].precise =
						true;
					continue;
				}
				if (vec_push(&rs->ctors, ct))
					return -ENOMEM;
			}
			/* descendants: o is less specific (imprecise) */
			VEC(struct syz_resource *) *l =
				strmap_get(&desc, o->name);
			for (size_t j = 0; l && j < l->n; j++) {
				struct res_state *rs = strmap_get(
					&c->resources, l->v[j]->name);
				struct syz_resource_ctor ct = { call, false };
				if (rs->ctors.n &&
				    rs->ctors.v[rs->ctors.n - 1].call == call)
					continue;
				if (vec_push(&rs->ctors, ct))
					return -ENOMEM;
			}
		}
		for (size_t k = 0; k < call->n_inputs; k++) {
			struct res_state *rs = strmap_get(
				&c->resources, call->inputs[k]->name);
			if (vec_push(&rs->consumers, call))
				return -ENOMEM;
		}
	}
	for (size_t i = 0; i < lists.n; i++) {
		VEC(struct syz_resource *) *l = lists.v[i];
		vec_free(l);
		free(l);
	}
	vec_free(&lists);
	strmap_free(&desc);
	for (size_t i = 0; i < all.n; i++) {
		struct res_state *rs =
			strmap_get(&c->resources, all.v[i]->name);
		struct syz_resource *r = all.v[i];
		r->ctors = arena_memdup(c->a, rs->ctors.v,
					rs->ctors.n * sizeof(*rs->ctors.v));
		r->n_ctors = rs->ctors.n;
		r->consumers = arena_memdup(c->a, rs->consumers.v,
					    rs->consumers.n *
						    sizeof(*rs->consumers.v));
		r->n_consumers = rs->consumers.n;
		bool precise = false;
		for (size_t k = 0; k < r->n_ctors; k++)
			precise |= r->ctors[k].precise;
		if (!rs->d->used && !rs->d->builtin)
			continue; /* reported as unused */
		if (!precise)
			err(c, &rs->d->n->pos,
			    "resource %s can't be created (no syscall returns "
			    "it or has it as an out argument or field)",
			    r->name);
		if (!rs->input && !rs->d->builtin)
			err(c, &rs->d->n->pos,
			    "resource %s is never used as an input (no syscall "
			    "takes it as an in argument or field; such resources "
			    "are not useful)",
			    r->name);
	}
	t->resources = arena_memdup(c->a, all.v, all.n * sizeof(*all.v));
	t->n_resources = all.n;
	vec_free(&all);
	return 0;
}
