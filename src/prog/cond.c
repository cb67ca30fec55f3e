/*
 * Conditional fields (if[...]): evaluating conditions against a call's
 * values and making the program agree with them, with syzkaller's
 * semantics. A conditional struct field is present exactly when its
 * condition holds (absent: a NULL inner arg that takes no space); a union
 * may only hold an option whose condition holds (its last option has
 * none). A condition that cannot be evaluated (its path runs through an
 * absent field, a NULL pointer or another union option) leaves the place
 * as it is.
 *
 * Paths resolve as the compiler checks them (syzlang resolve_path): the
 * innermost frame is the struct or union holding the field; a leading
 * "parent" names that frame and each further "parent" the one around it;
 * a struct name names the nearest enclosing frame of that (template)
 * name; "syscall" names the call's arguments; then field names descend,
 * through pointers.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "prog_internal.h"

#define MAX_FRAMES 96
#define MAX_ROUNDS 32

struct cframe {
	const struct syz_type *type; /* struct or union; NULL: call args */
	struct prog_arg *self; /* the struct/union arg; NULL: call args */
	const struct syz_field *fields;
	size_t n;
	struct prog_arg **args; /* struct fields, call args; NULL: union */
};

struct cwalk {
	struct cframe fr[MAX_FRAMES];
	size_t nf;
	const struct prog_cond_fixer *fx; /* NULL: only check */
	size_t stale, changed;
	bool stop;
	char *why;
	size_t why_len;
};

/* The arg of field @name in frame @f; *found: whether @f has the field
 * (the arg is NULL when absent or another union option). */
static struct prog_arg *frame_get(const struct cframe *f, const char *name,
				  bool *found)
{
	for (size_t i = 0; i < f->n; i++) {
		if (!f->fields[i].name || strcmp(f->fields[i].name, name))
			continue;
		*found = true;
		if (f->args)
			return f->args[i];
		return f->self->u.index == i ? f->self->u.opt : NULL;
	}
	*found = false;
	return NULL;
}

/* "s" names struct "s" and template instances "s[A, B]". */
static bool names_type(const struct syz_type *t, const char *comp)
{
	size_t l = strlen(comp);
	return t && !strncmp(t->name, comp, l) &&
	       (t->name[l] == 0 || t->name[l] == '[');
}

static bool frame_of(struct prog_arg *a, struct cframe *f)
{
	while (a && a->kind == PROG_ARG_POINTER && a->type->kind == SYZ_T_PTR)
		a = a->p.special ? NULL : a->p.res;
	if (!a)
		return false;
	if (a->kind == PROG_ARG_GROUP && a->type->kind == SYZ_T_STRUCT) {
		*f = (struct cframe){ a->type, a, a->type->st.fields,
				      a->g.n < a->type->st.n_fields ?
					      a->g.n :
					      a->type->st.n_fields,
				      a->g.inner };
		return true;
	}
	if (a->kind == PROG_ARG_UNION) {
		*f = (struct cframe){ a->type, a, a->type->st.fields,
				      a->type->st.n_fields, NULL };
		return true;
	}
	return false;
}

/* The arg @path names, or NULL when it cannot be reached. */
static struct prog_arg *resolve(const struct cwalk *w, const char *const *path,
				size_t np)
{
	size_t fi = w->nf - 1, k = 0;
	struct cframe f;
	bool found;
	if (!np)
		return NULL;
	if (!strcmp(path[0], "syscall")) {
		fi = 0;
		k = 1;
	} else {
		while (k < np) {
			if (!strcmp(path[k], "parent")) {
				if (k > 0) {
					if (fi == 0 || !w->fr[fi - 1].type)
						return NULL;
					fi--;
				}
				k++;
				continue;
			}
			frame_get(&w->fr[fi], path[k], &found);
			if (found)
				break;
			size_t j;
			for (j = fi + 1; j-- > 0;) {
				if (names_type(w->fr[j].type, path[k]))
					break;
			}
			if (j == (size_t)-1)
				return NULL;
			fi = j;
			k++;
		}
		if (k == np)
			return NULL; /* a struct, not a value */
	}
	f = w->fr[fi];
	for (; k < np; k++) {
		struct prog_arg *a = frame_get(&f, path[k], &found);
		if (!a)
			return NULL;
		if (k + 1 == np)
			return a;
		if (!frame_of(a, &f))
			return NULL;
	}
	return NULL;
}

/* Evaluate @e; false when it cannot be. */
static bool eval(const struct cwalk *w, const struct syz_expr *e, uint64_t *v)
{
	uint64_t l, r;
	struct prog_arg *a;
	switch (e->op) {
	case SYZ_EXPR_CONST:
		*v = e->value;
		return true;
	case SYZ_EXPR_VALUE:
		a = resolve(w, e->path, e->n_path);
		if (!a || a->kind != PROG_ARG_CONST)
			return false;
		*v = a->c.val;
		return true;
	default:
		break;
	}
	if (!eval(w, e->left, &l) || !eval(w, e->right, &r))
		return false;
	switch (e->op) {
	case SYZ_EXPR_EQ:
		*v = l == r;
		return true;
	case SYZ_EXPR_NE:
		*v = l != r;
		return true;
	case SYZ_EXPR_AND:
		*v = l & r;
		return true;
	case SYZ_EXPR_OR:
		*v = l || r;
		return true;
	default:
		return false;
	}
}

/* 1: holds, 0: does not, -1: cannot be evaluated; no condition holds. */
static int holds(const struct cwalk *w, const struct syz_expr *e)
{
	uint64_t v;
	if (!e)
		return 1;
	if (!eval(w, e, &v))
		return -1;
	return v != 0;
}

static void note(struct cwalk *w, const char *fmt, const char *a, const char *b)
{
	if (w->stale++ || !w->why || !w->why_len)
		return;
	snprintf(w->why, w->why_len, fmt, a, b);
}

static void walk_arg(struct cwalk *w, struct prog_arg **slot);

/* Make struct/union arg @a the innermost frame (too deep: false, and
 * what is below is not looked at). */
static bool push(struct cwalk *w, struct prog_arg *a)
{
	if (w->nf >= MAX_FRAMES || !frame_of(a, &w->fr[w->nf]))
		return false;
	w->nf++;
	return true;
}

static void walk_struct(struct cwalk *w, struct prog_arg *a)
{
	const struct syz_type *t = a->type;
	size_t n = a->g.n < t->st.n_fields ? a->g.n : t->st.n_fields;
	if (!push(w, a))
		return;
	for (size_t i = 0; i < n && !w->stop; i++) {
		const struct syz_field *f = &t->st.fields[i];
		int h = f->cond ? holds(w, f->cond) : -1;
		if (h >= 0 && h != (a->g.inner[i] != NULL)) {
			note(w,
			     "conditional field %s of %s does not agree "
			     "with its condition",
			     f->name, t->name);
			if (w->fx) {
				const struct prog_cond_fixer *fx = w->fx;
				enum syz_dir cd;
				const struct syz_type *ft =
					prog_child_type(t, i, a->dir, &cd);
				if (fx->stale && !fx->stale(fx->ctx, a, i, h)) {
					w->stop = true;
					break;
				}
				if (h) {
					a->g.inner[i] =
						fx->make(fx->ctx, ft, cd);
					if (!a->g.inner[i]) {
						w->stop = true;
						break;
					}
				} else {
					fx->drop(fx->ctx, a->g.inner[i]);
					a->g.inner[i] = NULL;
				}
				w->changed++;
			}
		}
		walk_arg(w, &a->g.inner[i]);
	}
	w->nf--;
}

/* Index of the @k-th option of @t whose condition may hold. */
static size_t nth_ok(const struct cwalk *w, const struct syz_type *t, size_t k)
{
	for (size_t i = 0; i < t->st.n_fields; i++) {
		if (holds(w, t->st.fields[i].cond) != 0 && !k--)
			return i;
	}
	return t->st.n_fields;
}

static void walk_union(struct cwalk *w, struct prog_arg *a)
{
	const struct syz_type *t = a->type;
	const struct prog_cond_fixer *fx = w->fx;
	size_t n_ok = 0, idx;
	enum syz_dir cd;
	const struct syz_type *ot;
	struct prog_arg *opt;
	if (!push(w, a))
		return;
	if (a->u.index >= t->st.n_fields ||
	    holds(w, t->st.fields[a->u.index].cond) != 0)
		goto inner;
	note(w, "union %s option %s does not agree with its condition", t->name,
	     t->st.fields[a->u.index].name);
	while (nth_ok(w, t, n_ok) < t->st.n_fields)
		n_ok++;
	if (!fx || !n_ok)
		goto inner;
	idx = nth_ok(w, t, fx->pick ? fx->pick(fx->ctx, n_ok) : 0);
	if (fx->stale && !fx->stale(fx->ctx, a, SIZE_MAX, 0))
		goto stop;
	ot = prog_child_type(t, idx, a->dir, &cd);
	if (!(opt = fx->make(fx->ctx, ot, cd)))
		goto stop;
	fx->drop(fx->ctx, a->u.opt);
	a->u.opt = opt;
	a->u.index = idx;
	w->changed++;
inner:
	walk_arg(w, &a->u.opt);
	w->nf--;
	return;
stop:
	w->stop = true;
	w->nf--;
}

static void walk_arg(struct cwalk *w, struct prog_arg **slot)
{
	struct prog_arg *a = *slot;
	if (!a || w->stop)
		return;
	switch (a->kind) {
	case PROG_ARG_POINTER:
		walk_arg(w, &a->p.res);
		return;
	case PROG_ARG_GROUP:
		if (a->type->kind == SYZ_T_STRUCT) {
			walk_struct(w, a);
			return;
		}
		for (size_t i = 0; i < a->g.n && !w->stop; i++)
			walk_arg(w, &a->g.inner[i]);
		return;
	case PROG_ARG_UNION:
		walk_union(w, a);
		return;
	default:
		return;
	}
}

static void walk_call(struct cwalk *w, struct prog_call *c)
{
	const struct syz_call *m = c->meta;
	w->nf = 1;
	w->fr[0] = (struct cframe){ NULL, NULL, m->args, m->n_args, c->args };
	for (size_t i = 0; i < m->n_args && !w->stop; i++)
		walk_arg(w, &c->args[i]);
}

size_t prog_check_conds(struct prog_call *c, char *why, size_t why_len)
{
	struct cwalk w = { .why = why, .why_len = why_len };
	if (!c->meta->has_conds)
		return 0;
	walk_call(&w, c);
	return w.stale;
}

int prog_fix_conds(struct prog_call *c, const struct prog_cond_fixer *fx)
{
	struct cwalk w = { .fx = fx };
	if (!c->meta->has_conds)
		return 0;
	for (int round = 0; round < MAX_ROUNDS; round++) {
		w.changed = w.stale = 0;
		walk_call(&w, c);
		if (w.stop)
			return fx->err ? fx->err(fx->ctx) : -EINVAL;
		if (!w.changed)
			return 0;
	}
	return 0; /* no fixed point: validation reports what is left */
}

/* ---- The default fixer: defaults, first matching option ---- */

static struct prog_arg *def_make(void *ctx, const struct syz_type *t,
				 enum syz_dir dir)
{
	(void)ctx;
	return prog_arg_default(t, dir);
}

static void def_drop(void *ctx, struct prog_arg *a)
{
	if (ctx)
		prog_arg_drop(ctx, a);
	else
		prog_arg_free(a);
}

static int def_err(void *ctx)
{
	(void)ctx;
	return -ENOMEM;
}

int prog_fix_conds_default(struct prog *p, struct prog_call *c)
{
	struct prog_cond_fixer fx = {
		.make = def_make,
		.drop = def_drop,
		.err = def_err,
		.ctx = p,
	};
	return prog_fix_conds(c, &fx);
}
