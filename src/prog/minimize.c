/*
 * Minimization under a caller's predicate: first drop calls (last to
 * first, never the call of interest), then simplify each remaining
 * argument (default values, shorter buffers and arrays, NULL optional
 * pointers) and call properties; a change is kept only when the
 * predicate still holds.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prog_internal.h"

struct min {
	struct prog *p;
	int idx;
	prog_pred_fn pred;
	void *ctx;
	int err;
};

/* Try @q as the new program: keep it if the predicate holds. */
static bool try_prog(struct min *m, struct prog *q, int idx)
{
	if (m->pred(q, idx, m->ctx)) {
		prog_free(m->p);
		m->p = q;
		m->idx = idx;
		return true;
	}
	prog_free(q);
	return false;
}

static void drop_calls(struct min *m)
{
	for (size_t i = m->p->n_calls; i-- > 0 && !m->err;) {
		struct prog *q;
		int idx = m->idx;
		if ((int)i == m->idx || m->p->calls[i]->meta->attrs.no_minimize)
			continue;
		if (!(q = prog_clone(m->p))) {
			m->err = -ENOMEM;
			return;
		}
		prog_remove_call(q, i);
		if (idx > (int)i)
			idx--;
		try_prog(m, q, idx);
	}
}

struct nth {
	size_t want, seen;
	struct prog_arg *found;
};

static int find_nth(struct prog_arg *a, void *ctx)
{
	struct nth *f = ctx;
	if (f->seen++ == f->want) {
		f->found = a;
		return 1;
	}
	return 0;
}

static int count_args(struct prog_arg *a, void *ctx)
{
	(void)a;
	(*(size_t *)ctx)++;
	return 0;
}

/* Simplify @a in place (one step); false when there is nothing to do. */
static bool simplify(struct prog *q, struct prog_arg *a, int step)
{
	const struct syz_type *t = a->type;
	switch (a->kind) {
	case PROG_ARG_CONST:
		if (t->kind == SYZ_T_LEN || t->kind == SYZ_T_CONST ||
		    a->c.val == prog_type_default_val(t) || step)
			return false;
		a->c.val = prog_type_default_val(t);
		return true;
	case PROG_ARG_RESULT:
		if (a->dir != SYZ_DIR_IN || a->r.res || step ||
		    a->r.val == prog_type_default_val(t))
			return false;
		a->r.val = prog_type_default_val(t);
		return true;
	case PROG_ARG_DATA:
		if (!t->varlen || !a->d.len || a->d.compressed ||
		    (t->buf.kind == SYZ_BUF_BLOB_RANGE &&
		     a->d.len <= t->buf.range_begin))
			return false;
		a->d.len = step ? a->d.len - 1 : a->d.len / 2;
		if (t->buf.kind == SYZ_BUF_BLOB_RANGE &&
		    a->d.len < t->buf.range_begin)
			a->d.len = t->buf.range_begin;
		return true;
	case PROG_ARG_GROUP:
		if (t->kind != SYZ_T_ARRAY || !a->g.n ||
		    (t->array.is_range && a->g.n <= t->array.range_begin))
			return false;
		prog_arg_drop(q, a->g.inner[--a->g.n]);
		return true;
	case PROG_ARG_POINTER:
		if (!t->optional || a->p.special || step)
			return false;
		prog_arg_drop(q, a->p.res);
		a->p.res = NULL;
		a->p.special = true;
		a->p.special_val = 0;
		return true;
	default:
		return false;
	}
}

static void simplify_call(struct min *m, size_t ci)
{
	size_t n = 0;
	prog_call_walk(m->p->calls[ci], count_args, &n);
	for (size_t i = 0; i < n && !m->err; i++) {
		for (int step = 0; step < 2 && !m->err; step++) {
			for (int tries = 0; tries < 16; tries++) {
				struct prog *q = prog_clone(m->p);
				struct nth f = { i, 0, NULL };
				if (!q) {
					m->err = -ENOMEM;
					return;
				}
				if (ci >= q->n_calls)
					return;
				prog_call_walk(q->calls[ci], find_nth, &f);
				if (!f.found || !simplify(q, f.found, step)) {
					prog_free(q);
					break;
				}
				if (prog_fix_conds_default(q, q->calls[ci])) {
					prog_free(q);
					m->err = -ENOMEM;
					return;
				}
				prog_assign_sizes(q->calls[ci]);
				if (!try_prog(m, q, m->idx))
					break;
			}
		}
	}
}

static void simplify_props(struct min *m, size_t ci)
{
	struct prog_props *pp = &m->p->calls[ci]->props;
	struct prog *q;
	if (!pp->fail_nth && !pp->async && !pp->rerun)
		return;
	if (!(q = prog_clone(m->p))) {
		m->err = -ENOMEM;
		return;
	}
	memset(&q->calls[ci]->props, 0, sizeof(q->calls[ci]->props));
	try_prog(m, q, m->idx);
}

int prog_minimize(const struct prog *p, int call_idx, prog_pred_fn pred,
		  void *ctx, struct prog **out, int *out_idx)
{
	struct min m = { prog_clone(p), call_idx, pred, ctx, 0 };
	*out = NULL;
	if (!m.p)
		return -ENOMEM;
	drop_calls(&m);
	for (size_t i = 0; i < m.p->n_calls && !m.err; i++) {
		if (m.p->calls[i]->meta->attrs.no_minimize)
			continue;
		simplify_call(&m, i);
		simplify_props(&m, i);
	}
	if (m.err) {
		prog_free(m.p);
		return m.err;
	}
	*out = m.p;
	if (out_idx)
		*out_idx = m.idx;
	return 0;
}
