/*
 * Mutation, with syzkaller's operator weights: splice 200, insert a call
 * 100, mutate an argument 100, remove a call 10 (squashing into ANY
 * blobs is not implemented). Repeats with probability 2/3 once something
 * changed. Lengths are recomputed after every change.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prog_internal.h"

struct mut {
	struct prog *p;
	const struct prog_choice *ct;
	struct prog_rand *r;
	size_t ncalls;
	struct prog *const *corpus;
	size_t n_corpus;
};

/* ---- Replacing subtrees safely ---- */

static int collect_out(struct prog_arg *a, void *ctx)
{
	struct prog_argvec *v = ctx;
	if (a->kind == PROG_ARG_RESULT && a->dir != SYZ_DIR_IN)
		return vec_push(v, a);
	return 0;
}

static int unlink_in(struct prog_arg *a, void *ctx)
{
	struct prog_argvec *v = ctx;
	if (a->kind != PROG_ARG_RESULT || !a->r.res)
		return 0;
	for (size_t i = 0; i < v->n; i++) {
		if (v->v[i] == a->r.res) {
			a->r.res = NULL;
			break;
		}
	}
	return 0;
}

/* Free @old after dropping every link into it from @p. */
void prog_arg_drop(struct prog *p, struct prog_arg *old)
{
	struct prog_argvec v = { 0 };
	struct prog_call tmp = { 0 };
	struct syz_call fake = { 0 };
	fake.n_args = 1;
	tmp.meta = &fake;
	tmp.args = &old;
	if (!old)
		return;
	if (prog_call_walk(&tmp, collect_out, &v) == 0 && v.n) {
		for (size_t i = 0; i < p->n_calls; i++)
			prog_call_walk(p->calls[i], unlink_in, &v);
	} else if (v.n) {
		/* ENOMEM while collecting: be safe, drop every link. */
		for (size_t i = 0; i < p->n_calls; i++)
			prog_call_walk(p->calls[i], unlink_in, &v);
	}
	free(v.v);
	prog_arg_free(old);
}

/* ---- Arg mutation ---- */

struct slot {
	struct prog_arg **slot;
};

struct slots {
	struct slot *v;
	size_t n, cap;
};

static bool mutable(const struct prog_arg *a)
{
	const struct syz_type *t = a->type;
	switch (a->kind) {
	case PROG_ARG_CONST:
		return t->kind == SYZ_T_INT || t->kind == SYZ_T_FLAGS ||
		       t->kind == SYZ_T_PROC;
	case PROG_ARG_RESULT:
		return a->dir != SYZ_DIR_OUT;
	case PROG_ARG_POINTER:
		return true;
	case PROG_ARG_DATA:
		return t->kind == SYZ_T_BUFFER &&
		       (t->varlen || a->dir != SYZ_DIR_OUT) && !a->d.compressed;
	case PROG_ARG_GROUP:
		return t->kind == SYZ_T_ARRAY &&
		       !(t->array.is_range &&
			 t->array.range_begin == t->array.range_end);
	case PROG_ARG_UNION:
		return t->st.n_fields > 1;
	}
	return false;
}

static int collect_slots(struct slots *s, struct prog_arg **slot)
{
	struct prog_arg *a = *slot;
	int rc = 0;
	if (!a)
		return 0;
	if (mutable(a)) {
		struct slot x = { slot };
		if (vec_push(s, x))
			return -ENOMEM;
	}
	switch (a->kind) {
	case PROG_ARG_POINTER:
		return collect_slots(s, &a->p.res);
	case PROG_ARG_GROUP:
		for (size_t i = 0; i < a->g.n && !rc; i++)
			rc = collect_slots(s, &a->g.inner[i]);
		return rc;
	case PROG_ARG_UNION:
		return collect_slots(s, &a->u.opt);
	default:
		return 0;
	}
}

static uint64_t mutate_int(struct prog_rand *r, const struct prog_arg *a)
{
	const struct syz_type *t = a->type;
	uint64_t v = a->c.val, bits = prog_type_bits(t);
	if (t->kind == SYZ_T_FLAGS || prog_rand_one_of(r, 2))
		return prog_rand_int_for(r, t, v);
	if (t->kind == SYZ_T_INT && t->int_.is_range)
		return prog_rand_int_for(r, t, v);
	switch (prog_rand_n(r, 4)) {
	case 0:
		v += prog_rand_n(r, 4) + 1;
		break;
	case 1:
		v -= prog_rand_n(r, 4) + 1;
		break;
	case 2:
		v ^= 1ull << prog_rand_n(r, bits);
		break;
	default:
		v = prog_special_int(r);
		break;
	}
	return prog_truncate(t, v);
}

static int resize_data(struct prog_arg *a, uint64_t n)
{
	if (a->dir == SYZ_DIR_OUT) {
		a->d.len = n;
		return 0;
	}
	uint8_t *d = realloc(a->d.data, n ? n : 1);
	if (!d)
		return -ENOMEM;
	if (n > a->d.len)
		memset(d + a->d.len, 0, n - a->d.len);
	a->d.data = d;
	a->d.len = n;
	return 0;
}

static void data_len_bounds(const struct syz_type *t, uint64_t *lo,
			    uint64_t *hi)
{
	*lo = 0;
	*hi = 4096;
	if (!t->varlen) {
		*lo = *hi = t->size;
	} else if (t->buf.kind == SYZ_BUF_BLOB_RANGE) {
		*lo = t->buf.range_begin;
		*hi = t->buf.range_end;
	}
}

static int mutate_data(struct mut *m, struct prog_arg *a)
{
	const struct syz_type *t = a->type;
	struct prog_rand *r = m->r;
	uint64_t lo, hi, n = a->d.len, pos;
	data_len_bounds(t, &lo, &hi);
	if (a->dir == SYZ_DIR_OUT)
		return resize_data(a, lo + prog_rand_n(r, hi - lo + 1));
	if (t->buf.kind != SYZ_BUF_BLOB_RAND &&
	    t->buf.kind != SYZ_BUF_BLOB_RANGE && prog_rand_one_of(r, 2)) {
		/* strings, filenames: another value of the kind */
		struct prog_arg *b = prog_gen_data(r, t, a->dir);
		if (!b)
			return -ENOMEM;
		free(a->d.data);
		a->d.data = b->d.data;
		a->d.len = b->d.len;
		b->d.data = NULL;
		prog_arg_free(b);
		return 0;
	}
	switch (prog_rand_n(r, 6)) {
	case 0: /* grow */
		if (n < hi)
			return resize_data(
				a,
				n + 1 +
					prog_rand_n(r, (hi - n) < 16 ? hi - n :
								       16));
		break;
	case 1: /* shrink */
		if (n > lo)
			return resize_data(
				a, n - 1 -
					   prog_rand_n(r, n - lo < 16 ? n - lo :
									16));
		break;
	case 2: /* special integer at a random offset */
		if (n) {
			uint64_t v = prog_special_int(r);
			size_t w = (size_t)1 << prog_rand_n(r, 4);
			pos = prog_rand_n(r, n);
			memcpy(a->d.data + pos, &v, n - pos < w ? n - pos : w);
			return 0;
		}
		break;
	case 3: /* random byte */
		if (n) {
			a->d.data[prog_rand_n(r, n)] =
				(uint8_t)prog_rand_u64(r);
			return 0;
		}
		break;
	default: /* flip a bit */
		if (n) {
			a->d.data[prog_rand_n(r, n)] ^=
				(uint8_t)(1u << prog_rand_n(r, 8));
			return 0;
		}
		break;
	}
	if (n)
		a->d.data[prog_rand_n(r, n)] ^= 0xff;
	else if (hi > 0)
		return resize_data(a, 1);
	return 0;
}

static int mutate_array(struct mut *m, struct gen_state *s, struct prog_arg *a)
{
	const struct syz_type *t = a->type;
	uint64_t n = prog_rand_array_len(m->r, t);
	if (n == a->g.n)
		n = a->g.n ? a->g.n - 1 : 1;
	if (t->array.is_range &&
	    (n < t->array.range_begin || n > t->array.range_end))
		return 0;
	while (a->g.n > n)
		prog_arg_drop(m->p, a->g.inner[--a->g.n]);
	if (n > a->g.n) {
		void *v = realloc(a->g.inner, n * sizeof(*a->g.inner));
		if (!v)
			return -ENOMEM;
		a->g.inner = v;
		while (a->g.n < n) {
			struct prog_arg *e =
				prog_gen_arg(s, t->array.elem, a->dir);
			if (!e)
				return -ENOMEM;
			a->g.inner[a->g.n++] = e;
		}
	}
	return 0;
}

static int mutate_pointer(struct mut *m, struct gen_state *s,
			  struct prog_arg **slot)
{
	struct prog_arg *a = *slot, *b;
	if (a->type->kind == SYZ_T_PTR && !a->p.special && a->p.res &&
	    !prog_rand_one_of(m->r, 3)) {
		/* retarget: a fresh place, or alias another pointer */
		uint64_t next = prog_rand_n(m->r, PROG_DATA_SIZE / 64) * 64;
		a->p.addr =
			prog_alloc_range(&next, prog_arg_size(a->p.res), 64);
		return 0;
	}
	b = prog_gen_arg(s, a->type, a->dir);
	if (!b)
		return -ENOMEM;
	*slot = b;
	prog_arg_drop(m->p, a);
	return 0;
}

static int mutate_one(struct mut *m, struct gen_state *s,
		      struct prog_arg **slot)
{
	struct prog_arg *a = *slot, *b;
	switch (a->kind) {
	case PROG_ARG_CONST:
		a->c.val = mutate_int(m->r, a);
		return 0;
	case PROG_ARG_DATA:
		return mutate_data(m, a);
	case PROG_ARG_GROUP:
		return mutate_array(m, s, a);
	case PROG_ARG_POINTER:
		return mutate_pointer(m, s, slot);
	default: /* results, unions: regenerate */
		b = prog_gen_arg(s, a->type, a->dir);
		if (!b)
			return -ENOMEM;
		*slot = b;
		prog_arg_drop(m->p, a);
		return 0;
	}
}

static int mutate_arg(struct mut *m)
{
	struct slots sl = { 0 };
	struct gen_state s;
	size_t idx;
	struct prog_call *c;
	int rc;
	if (!m->p->n_calls)
		return 1;
	idx = prog_rand_n(m->r, m->p->n_calls);
	c = m->p->calls[idx];
	for (size_t i = 0; i < c->meta->n_args; i++) {
		if (collect_slots(&sl, &c->args[i])) {
			free(sl.v);
			return -ENOMEM;
		}
	}
	if (!sl.n) {
		free(sl.v);
		return 1;
	}
	rc = prog_gen_state_init(&s, m->p, m->ct, m->r, idx);
	if (!rc)
		rc = mutate_one(m, &s, sl.v[prog_rand_n(m->r, sl.n)].slot);
	/* a new value may switch conditional fields on or off */
	if (!rc)
		rc = prog_gen_fix_conds(&s, c);
	if (!rc && s.oom)
		rc = -ENOMEM;
	prog_gen_state_free(&s);
	free(sl.v);
	if (!rc) {
		prog_assign_sizes(c);
		prog_alloc_addrs(m->p);
	}
	return rc;
}

/* ---- Call-level operators ---- */

static int insert_call(struct mut *m)
{
	size_t n = m->p->n_calls, pos;
	int rc;
	if (n >= m->ncalls)
		return 1;
	/* biased towards the end, as syzkaller does */
	pos = n - (size_t)prog_rand_n(m->r, prog_rand_one_of(m->r, 2) ?
						    (n < 3 ? n + 1 : 3) :
						    n + 1);
	rc = prog_gen_insert(m->p, m->ct, m->r, pos);
	if (rc == -ENOENT)
		return 1;
	if (!rc)
		prog_alloc_addrs(m->p);
	return rc;
}

static int remove_call(struct mut *m)
{
	if (!m->p->n_calls)
		return 1;
	prog_remove_call(m->p, prog_rand_n(m->r, m->p->n_calls));
	return 0;
}

static int splice(struct mut *m)
{
	const struct prog *src;
	void *map;
	size_t pos;
	if (!m->n_corpus)
		return 1;
	src = m->corpus[prog_rand_n(m->r, m->n_corpus)];
	if (!src || !src->n_calls || src->target != m->p->target)
		return 1;
	map = prog_clone_map_new();
	if (!map)
		return -ENOMEM;
	pos = prog_rand_n(m->r, m->p->n_calls + 1);
	for (size_t i = 0; i < src->n_calls; i++) {
		struct prog_call *c = prog_call_clone_map(src->calls[i], map);
		if (!c || prog_insert_call(m->p, pos + i, c)) {
			prog_call_free(c);
			prog_clone_map_free(map);
			return -ENOMEM;
		}
		prog_assign_sizes(c); /* corpus lens may be off on purpose */
	}
	prog_clone_map_free(map);
	while (m->p->n_calls > m->ncalls)
		prog_remove_call(m->p, m->p->n_calls - 1);
	/* The spliced calls keep their addresses; they may overlap ours,
	 * as in syzkaller. */
	return 0;
}

int prog_mutate(struct prog *p, const struct prog_choice *ct,
		struct prog_rand *r, size_t ncalls, struct prog *const *corpus,
		size_t n_corpus)
{
	struct mut m = { p,	 ct,
			 r,	 ncalls ? ncalls : PROG_DEFAULT_NCALLS,
			 corpus, n_corpus };
	int changed = 0, tries = 0;
	do {
		uint64_t x = prog_rand_n(r, 410);
		int rc;
		if (x < 200)
			rc = splice(&m);
		else if (x < 300)
			rc = insert_call(&m);
		else if (x < 400)
			rc = mutate_arg(&m);
		else
			rc = remove_call(&m);
		if (rc < 0)
			return rc;
		if (rc == 0)
			changed = 1;
		if (++tries > 1000)
			break;
	} while (!changed || (p->n_calls && !prog_rand_one_of(r, 3)));
	/* producers may have pushed the program over its size */
	while (p->n_calls > m.ncalls)
		prog_remove_call(p, prog_rand_n(r, p->n_calls));
	return 0;
}
