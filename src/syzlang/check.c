/*
 * Checks of compiled syscalls for the syzlang compiler: resources in and
 * out, len/csum/value[] paths, and declarations no syscall reaches.
 */
#include <stdio.h>
#include <string.h>

#include "compile_internal.h"

struct walk {
	struct comp *c;
	struct syz_call *call;
	VEC(const struct syz_resource *) in, out;
	struct strmap seen; /* "struct/dir" */
	const struct ast_pos *pos;
};

static int add_uniq(void *vec, const struct syz_resource *r)
{
	VEC(const struct syz_resource *) *v = vec;

	for (size_t i = 0; i < v->n; i++)
		if (v->v[i] == r)
			return 0;
	return vec_push(v, r);
}

/* @r and its bases are used as inputs by some call. */
static void mark_input(struct comp *c, const struct syz_resource *r)
{
	for (; r; r = r->parent) {
		struct res_state *rs = strmap_get(&c->resources, r->name);
		if (!rs || rs->input)
			return;
		rs->input = true;
	}
}

/* Direction-aware walk: collect input/output resources. */
static void walk_res(struct walk *w, const struct syz_type *t, enum syz_dir dir,
		     bool optional, int depth)
{
	if (depth > 64)
		return;
	optional = optional || t->optional;
	switch (t->kind) {
	case SYZ_T_RESOURCE:
		if (dir != SYZ_DIR_OUT)
			mark_input(w->c, t->res.desc);
		if (dir != SYZ_DIR_OUT && !optional)
			add_uniq(&w->in, t->res.desc);
		if (dir != SYZ_DIR_IN)
			add_uniq(&w->out, t->res.desc);
		break;
	case SYZ_T_PTR:
		walk_res(w, t->ptr.elem, t->ptr.elem_dir, optional, depth + 1);
		break;
	case SYZ_T_ARRAY:
		walk_res(w, t->array.elem, dir,
			 optional || !t->array.is_range ||
				 t->array.range_begin == 0,
			 depth + 1);
		break;
	case SYZ_T_STRUCT:
	case SYZ_T_UNION: {
		char key[512];
		snprintf(key, sizeof(key), "%s/%d/%d", t->name, dir, optional);
		char *k = arena_strdup(&w->c->ast, key);
		if (!k || strmap_add(&w->seen, k, NULL, NULL) != 0)
			return;
		for (size_t i = 0; i < t->st.n_fields; i++) {
			const struct syz_field *f = &t->st.fields[i];
			walk_res(w, f->type, syz_field_dir(f, dir),
				 optional || t->kind == SYZ_T_UNION || f->cond,
				 depth + 1);
		}
		break;
	}
	default:
		break;
	}
}

/* Frames for len path resolution: the syscall, then enclosing structs. */
struct frame {
	const struct syz_type *st; /* NULL: syscall args */
	const struct syz_field *fields;
	size_t n;
};

static const struct syz_field *find_field(const struct frame *f,
					  const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->fields[i].name && !strcmp(f->fields[i].name, name))
			return &f->fields[i];
	return NULL;
}

/* A path component names struct @st: "s" matches "s" and "s[A, B]". */
static bool names_struct(const struct syz_type *st, const char *comp)
{
	size_t l = strlen(comp);

	return st && !strncmp(st->name, comp, l) &&
	       (st->name[l] == 0 || st->name[l] == '[');
}

static bool resolve_path(const struct frame *frames, size_t nf,
			 const char *const *path, size_t np, char *why,
			 size_t why_len)
{
	size_t fi = nf - 1;
	size_t k = 0;

	if (!strcmp(path[0], "syscall")) {
		fi = 0;
		k = 1;
		if (np == 1) {
			snprintf(why, why_len, "syscall: needs an argument");
			return false;
		}
	} else {
		/* parent / struct names walk outwards */
		while (k < np) {
			if (!strcmp(path[k], "parent")) {
				/* innermost struct is fi; parent of a field
				 * is the struct holding it */
				if (k > 0) {
					if (fi == 0 || !frames[fi - 1].st) {
						snprintf(why, why_len,
							 "has no parent");
						return false;
					}
					fi--;
				}
				k++;
				continue;
			}
			if (find_field(&frames[fi], path[k]))
				break;
			size_t j;
			for (j = fi + 1; j-- > 0;)
				if (names_struct(frames[j].st, path[k]))
					break;
			if (j == (size_t)-1) {
				snprintf(why, why_len, "%s does not exist",
					 path[k]);
				return false;
			}
			fi = j;
			k++;
		}
		if (k == np)
			return true; /* length of a parent struct */
	}
	const struct frame *f = &frames[fi];
	struct frame tmp;
	for (; k < np; k++) {
		const struct syz_field *fl = find_field(f, path[k]);
		if (!fl) {
			snprintf(why, why_len, "%s does not exist in %s",
				 path[k],
				 f->st ? f->st->name :
					 "the syscall's arguments");
			return false;
		}
		if (k + 1 == np)
			return true;
		const struct syz_type *t = fl->type;
		while (t->kind == SYZ_T_PTR)
			t = t->ptr.elem;
		if (t->kind != SYZ_T_STRUCT && t->kind != SYZ_T_UNION) {
			snprintf(why, why_len, "%s is not a struct", path[k]);
			return false;
		}
		tmp.st = t;
		tmp.fields = t->st.fields;
		tmp.n = t->st.n_fields;
		f = &tmp;
	}
	return true;
}

/* A bad path, reported once at the path itself (a struct is reached from
 * many calls; the message names the struct or the call it is looked up
 * in). */
static void path_err(struct walk *w, const struct syz_srcpos *sp,
		     const struct frame *innermost, const char *what,
		     const char *why)
{
	char msg[700];
	struct ast_pos pos = { sp->file, sp->line, sp->col };

	if (strstr(why, " in ")) /* names the struct it looked in */
		snprintf(msg, sizeof(msg), "%s target %s", what, why);
	else if (innermost->st)
		snprintf(msg, sizeof(msg), "%s target %s in %s", what, why,
			 innermost->st->name);
	else
		snprintf(msg, sizeof(msg), "%s target %s in syscall %s", what,
			 why, w->call->name);
	char *key = arena_printf(&w->c->ast, "%s:%d:%d:%s",
				 pos.file ? pos.file : "", pos.line, pos.col,
				 msg);
	if (!key || strmap_add(&w->c->reported, key, NULL, NULL) != 0)
		return;
	err(w->c, pos.file ? &pos : w->pos, "%s", msg);
}

static void check_expr_paths(struct walk *w, const struct syz_expr *e,
			     const struct frame *frames, size_t nf)
{
	char why[256];

	if (!e)
		return;
	if (e->op == SYZ_EXPR_VALUE &&
	    !resolve_path(frames, nf, e->path, e->n_path, why, sizeof(why)))
		path_err(w, &e->path_pos, &frames[nf - 1], "value[]", why);
	check_expr_paths(w, e->left, frames, nf);
	check_expr_paths(w, e->right, frames, nf);
}

static void walk_len(struct walk *w, const struct syz_type *t,
		     struct frame *frames, size_t nf)
{
	char why[256];

	if (nf > 64)
		return;
	switch (t->kind) {
	case SYZ_T_LEN:
		if (!resolve_path(frames, nf, t->len.path, t->len.n_path, why,
				  sizeof(why)))
			path_err(w, &t->len.path_pos, &frames[nf - 1], t->name,
				 why);
		break;
	case SYZ_T_CSUM:
		w->call->has_csums = true;
		if (!resolve_path(frames, nf, t->csum.path, t->csum.n_path, why,
				  sizeof(why)))
			path_err(w, &t->csum.path_pos, &frames[nf - 1], "csum",
				 why);
		break;
	case SYZ_T_PTR:
		walk_len(w, t->ptr.elem, frames, nf);
		break;
	case SYZ_T_ARRAY:
		walk_len(w, t->array.elem, frames, nf);
		break;
	case SYZ_T_STRUCT:
	case SYZ_T_UNION: {
		for (size_t i = 1; i < nf; i++)
			if (frames[i].st == t)
				return;
		/* check each struct once per parent context */
		char key[600];
		snprintf(key, sizeof(key), "L/%s/%s", t->name,
			 frames[nf - 1].st ? frames[nf - 1].st->name : "");
		char *k = arena_strdup(&w->c->ast, key);
		if (!k || strmap_add(&w->seen, k, NULL, NULL) != 0)
			return;
		frames[nf].st = t;
		frames[nf].fields = t->st.fields;
		frames[nf].n = t->st.n_fields;
		for (size_t i = 0; i < t->st.n_fields; i++) {
			walk_len(w, t->st.fields[i].type, frames, nf + 1);
			check_expr_paths(w, t->st.fields[i].cond, frames,
					 nf + 1);
			if (t->st.fields[i].cond)
				w->call->has_conds = true;
		}
		break;
	}
	default:
		break;
	}
}

void comp_analyze_call(struct comp *c, struct syz_call *call,
		       struct ast_node *n)
{
	struct walk w = { .c = c, .call = call, .pos = &n->pos };
	struct frame frames[80];

	for (size_t i = 0; i < call->n_args; i++)
		walk_res(&w, call->args[i].type, SYZ_DIR_IN, false, 0);
	if (call->ret)
		add_uniq(&w.out, call->ret->res.desc);
	frames[0].st = NULL;
	frames[0].fields = call->args;
	frames[0].n = call->n_args;
	strmap_free(&w.seen);
	for (size_t i = 0; i < call->n_args; i++)
		walk_len(&w, call->args[i].type, frames, 1);
	strmap_free(&w.seen);
	call->inputs = arena_memdup(c->a, w.in.v, w.in.n * sizeof(*w.in.v));
	call->n_inputs = w.in.n;
	call->outputs = arena_memdup(c->a, w.out.v, w.out.n * sizeof(*w.out.v));
	call->n_outputs = w.out.n;
	vec_free(&w.in);
	vec_free(&w.out);
}

/* ---- unused declarations ---- */

/* Type aliases and templates count as used when any declaration names
 * them (syzkaller checks every declaration's types, also unused ones);
 * everything else must be reachable from a syscall. */
static void mark_used_type(struct comp *c, const struct ast_type *t)
{
	if (t->kind == AT_IDENT) {
		struct decl *d = strmap_get(&c->types, t->ident);
		if (d && d->n->kind == AST_TYPEDEF)
			d->used = true;
	}
	for (size_t i = 0; i < t->n_args; i++)
		mark_used_type(c, t->args[i]);
	for (size_t i = 0; i < t->n_colon; i++)
		mark_used_type(c, t->colon[i]);
}

void comp_mark_used_node(struct comp *c, const struct ast_node *n)
{
	if (n->type)
		mark_used_type(c, n->type);
	for (size_t i = 0; i < n->n_fields; i++)
		mark_used_type(c, n->fields[i].type);
	if (n->tmpl)
		comp_mark_used_node(c, n->tmpl);
	if (n->kind == AST_STRUCT || n->kind == AST_CALL)
		for (size_t i = 0; i < n->n_vals; i++)
			mark_used_type(c, n->vals[i]);
}

void comp_check_unused(struct comp *c)
{
	struct strmap *maps[] = { &c->types, &c->flags };
	struct strmap_entry *e;

	for (size_t m = 0; m < 2; m++) {
		strmap_foreach(maps[m], e) {
			struct decl *d = e->value;
			if (!d->used && !d->builtin)
				err(c, &d->n->pos, "unused %s %s",
				    comp_decl_kind(d->n), d->n->name);
		}
	}
}
