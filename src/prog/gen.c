/*
 * Generation: random values per type (special integers, flag
 * combinations, buffers, array lengths) and resource-aware calls: an
 * input resource is, with probability 0.8, an existing compatible result
 * of an earlier call, else the result of a producer call generated in
 * front of it (or a special value when none can be made).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog_internal.h"

#define MAX_GEN_DEPTH 10
#define MAX_CREATE_DEPTH 2
#define MAX_ARRAY 10
#define MAX_BLOB 4096

static const uint64_t special_ints[] = {
	0,
	1,
	2,
	3,
	7,
	8,
	16,
	31,
	32,
	63,
	64,
	127,
	128,
	255,
	256,
	511,
	512,
	1023,
	1024,
	4095,
	4096,
	4097,
	0x7fff,
	0x8000,
	0xffff,
	0x10000,
	0x7fffffff,
	0x80000000,
	0xffffffff,
	0x100000000ull,
	0x7fffffffffffffffull,
	0x8000000000000000ull,
	0xffffffffffffffffull,
	0xfffffffffffffffeull,
	0xffffffffffff0000ull,
};

bool prog_is_special_int(uint64_t v)
{
	for (size_t i = 0; i < sizeof(special_ints) / sizeof(special_ints[0]);
	     i++) {
		if (special_ints[i] == v)
			return true;
	}
	return false;
}

uint64_t prog_special_int(struct prog_rand *r)
{
	return special_ints[prog_rand_n(r, sizeof(special_ints) /
						   sizeof(special_ints[0]))];
}

uint64_t prog_rand_int(struct prog_rand *r)
{
	uint64_t v, x = prog_rand_n(r, 100);
	if (x < 50)
		v = prog_rand_n(r, 10);
	else if (x < 75)
		v = prog_special_int(r);
	else if (x < 85)
		v = prog_rand_n(r, 256);
	else if (x < 92)
		v = prog_rand_n(r, 4096);
	else if (x < 97)
		v = prog_rand_n(r, 65536);
	else
		v = prog_rand_u64(r);
	x = prog_rand_n(r, 100);
	if (x < 5)
		v = 0 - v;
	else if (x < 8)
		v <<= prog_rand_n(r, 63);
	return v;
}

uint64_t prog_rand_flags(struct prog_rand *r, const struct syz_type *t,
			 uint64_t old)
{
	const uint64_t *vv = t->flags.values;
	size_t n = t->flags.n_values;
	uint64_t v = old, x = prog_rand_n(r, 100);
	if (!n)
		return prog_rand_int(r);
	if (x < 5)
		return 0;
	if (x < 8)
		return prog_rand_u64(r);
	if (!t->flags.bitmask) {
		if (x < 15)
			return vv[prog_rand_n(r, n)] + 1;
		return vv[prog_rand_n(r, n)];
	}
	if (prog_rand_one_of(r, 2))
		v = 0;
	do {
		uint64_t f = vv[prog_rand_n(r, n)];
		if (prog_rand_one_of(r, 10))
			v ^= f;
		else
			v |= f;
	} while (!prog_rand_one_of(r, 3));
	return v;
}

uint64_t prog_rand_int_for(struct prog_rand *r, const struct syz_type *t,
			   uint64_t old)
{
	uint64_t v;
	switch (t->kind) {
	case SYZ_T_CONST:
		return t->const_.value;
	case SYZ_T_FLAGS:
		return prog_truncate(t, prog_rand_flags(r, t, old));
	case SYZ_T_PROC:
		return t->proc.per_proc ? prog_rand_n(r, t->proc.per_proc) : 0;
	case SYZ_T_LEN:
	case SYZ_T_CSUM:
		return old;
	default:
		break;
	}
	if (t->int_.is_range && !prog_rand_one_of(r, 50)) {
		uint64_t span = t->int_.range_end - t->int_.range_begin;
		uint64_t step = t->int_.align > 1 ? t->int_.align : 1;
		v = span / step == UINT64_MAX ?
			    prog_rand_u64(r) :
			    prog_rand_n(r, span / step + 1) * step;
		return prog_truncate(t, t->int_.range_begin + v);
	}
	return prog_truncate(t, prog_rand_int(r));
}

uint64_t prog_rand_buf_len(struct prog_rand *r)
{
	uint64_t x = prog_rand_n(r, 100);
	if (x < 90)
		return prog_rand_n(r, 64);
	if (x < 98)
		return prog_rand_n(r, 257);
	return MAX_BLOB;
}

static void rand_bytes(struct prog_rand *r, uint8_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = (uint8_t)prog_rand_u64(r);
}

/* Bytes for a buffer type into @b (NUL-terminated strings unless noz). */
static int gen_buffer_bytes(struct prog_rand *r, const struct syz_type *t,
			    struct buf *b)
{
	char name[32];
	uint64_t n;
	switch (t->buf.kind) {
	case SYZ_BUF_STRING:
	case SYZ_BUF_GLOB:
		if (t->buf.n_values && !prog_rand_one_of(r, 20)) {
			size_t i = prog_rand_n(r, t->buf.n_values);
			return buf_append(b, t->buf.values[i],
					  t->buf.value_lens[i]);
		}
		n = prog_rand_n(r, 16);
		for (uint64_t i = 0; i < n; i++) {
			if (buf_putc(b, (char)(0x20 + prog_rand_n(r, 0x5f))))
				return -ENOMEM;
		}
		break;
	case SYZ_BUF_FILENAME:
		if (t->buf.n_values && !prog_rand_one_of(r, 10)) {
			size_t i = prog_rand_n(r, t->buf.n_values);
			return buf_append(b, t->buf.values[i],
					  t->buf.value_lens[i]);
		}
		snprintf(name, sizeof(name), "./file%u",
			 (unsigned)prog_rand_n(r, 4));
		if (buf_puts(b, prog_rand_one_of(r, 20) ? "." : name))
			return -ENOMEM;
		break;
	case SYZ_BUF_BLOB_RANGE:
		n = t->buf.range_end - t->buf.range_begin;
		if (n > MAX_BLOB)
			n = MAX_BLOB;
		n = t->buf.range_begin + prog_rand_n(r, n + 1);
		if (buf_reserve(b, n))
			return -ENOMEM;
		rand_bytes(r, (uint8_t *)b->data + b->len, n);
		b->len += n;
		return 0;
	case SYZ_BUF_COMPRESSED:
		return 0;
	default:
		n = prog_rand_buf_len(r);
		if (buf_reserve(b, n))
			return -ENOMEM;
		rand_bytes(r, (uint8_t *)b->data + b->len, n);
		b->len += n;
		return 0;
	}
	if (!t->buf.noz && buf_append(b, "", 1))
		return -ENOMEM;
	return 0;
}

struct prog_arg *prog_gen_data(struct prog_rand *r, const struct syz_type *t,
			       enum syz_dir dir)
{
	struct prog_arg *a = prog_arg_new(PROG_ARG_DATA, t, dir);
	struct buf b = { 0 };
	if (!a)
		return NULL;
	if (t->kind == SYZ_T_VOID)
		return a;
	a->d.compressed = t->buf.kind == SYZ_BUF_COMPRESSED;
	if (dir == SYZ_DIR_OUT && !a->d.compressed) {
		a->d.len = t->varlen ? prog_rand_buf_len(r) : t->size;
		return a;
	}
	if (gen_buffer_bytes(r, t, &b))
		goto fail;
	a->d.len = t->varlen ? b.len : t->size;
	a->d.data = calloc(1, a->d.len ? a->d.len : 1);
	if (!a->d.data)
		goto fail;
	if (b.len)
		memcpy(a->d.data, b.data, b.len < a->d.len ? b.len : a->d.len);
	buf_free(&b);
	return a;
fail:
	buf_free(&b);
	prog_arg_free(a);
	return NULL;
}

uint64_t prog_rand_array_len(struct prog_rand *r, const struct syz_type *t)
{
	uint64_t lo = 0, hi = MAX_ARRAY;
	if (t->array.is_range) {
		lo = t->array.range_begin;
		hi = t->array.range_end;
		if (hi - lo > MAX_ARRAY)
			hi = lo + MAX_ARRAY;
	}
	return lo + prog_rand_n(r, hi - lo + 1);
}

/* ---- Resources ---- */

static bool compatible(const struct syz_type *want, const struct prog_arg *a)
{
	return a->type->kind == SYZ_T_RESOURCE &&
	       syz_resource_compatible(want->res.desc, a->type->res.desc);
}

static struct prog_arg *existing_resource(struct gen_state *s,
					  const struct syz_type *t)
{
	size_t n = 0, pick;
	for (size_t i = 0; i < s->avail.n; i++)
		n += compatible(t, s->avail.v[i]);
	if (!n)
		return NULL;
	pick = prog_rand_n(s->r, n);
	for (size_t i = 0; i < s->avail.n; i++) {
		if (compatible(t, s->avail.v[i]) && !pick--)
			return s->avail.v[i];
	}
	return NULL;
}

static struct prog_arg *create_resource(struct gen_state *s,
					const struct syz_type *t)
{
	int ids[64];
	size_t n = prog_choice_ctors(s->ct, t->res.desc, ids, 64);
	size_t before = s->avail.n;
	struct prog_arg *found = NULL;
	if (!n || s->create_depth >= MAX_CREATE_DEPTH)
		return NULL;
	s->create_depth++;
	if (prog_gen_call(s, s->p->target->calls[ids[prog_rand_n(s->r, n)]]))
		s->oom = true;
	s->create_depth--;
	for (size_t i = before; i < s->avail.n && !found; i++) {
		if (compatible(t, s->avail.v[i]))
			found = s->avail.v[i];
	}
	return found;
}

static struct prog_arg *gen_resource(struct gen_state *s,
				     const struct syz_type *t, enum syz_dir dir)
{
	struct prog_arg *a = prog_arg_new(PROG_ARG_RESULT, t, dir);
	const struct syz_resource *d = t->res.desc;
	if (!a)
		return NULL;
	a->r.val = prog_type_default_val(t);
	if (dir == SYZ_DIR_OUT)
		return a;
	if (prog_rand_n(s->r, 10) < 8)
		a->r.res = existing_resource(s, t);
	if (!a->r.res && !prog_rand_one_of(s->r, 10))
		a->r.res = create_resource(s, t);
	if (!a->r.res && !a->r.res && d && d->n_values)
		a->r.val = d->values[prog_rand_n(s->r, d->n_values)];
	return a;
}

/* ---- Args ---- */

static struct prog_arg *gen_pointer(struct gen_state *s,
				    const struct syz_type *t, enum syz_dir dir)
{
	struct prog_arg *a = prog_arg_new(PROG_ARG_POINTER, t, dir);
	if (!a)
		return NULL;
	if (t->kind == SYZ_T_VMA) {
		uint64_t pages = 1 + prog_rand_n(s->r, 4), np;
		if (t->vma.range_end)
			pages = t->vma.range_begin +
				prog_rand_n(s->r, t->vma.range_end -
							  t->vma.range_begin +
							  1);
		if (pages > 64)
			pages = 64;
		np = PROG_DATA_SIZE / 4096;
		a->p.vma_size = pages * 4096;
		a->p.addr = prog_rand_n(s->r, np - pages + 1) * 4096;
		if (!pages) {
			a->p.special = true;
			a->p.vma_size = 0;
			a->p.addr = 0;
		}
		return a;
	}
	if (s->depth > MAX_GEN_DEPTH && t->optional) {
		a->p.special = true;
		return a;
	}
	a->p.addr = PROG_ADDR_AUTO;
	a->p.res = prog_gen_arg(s, t->ptr.elem, t->ptr.elem_dir);
	if (!a->p.res) {
		free(a);
		return NULL;
	}
	return a;
}

static struct prog_arg *gen_group(struct gen_state *s, const struct syz_type *t,
				  enum syz_dir dir)
{
	size_t n = t->kind == SYZ_T_STRUCT ?
			   t->st.n_fields :
		   s->depth > MAX_GEN_DEPTH ?
			   (t->array.is_range ? t->array.range_begin : 0) :
			   prog_rand_array_len(s->r, t);
	struct prog_arg *a = prog_arg_new(PROG_ARG_GROUP, t, dir);
	if (!a)
		return NULL;
	if (n && !(a->g.inner = calloc(n, sizeof(*a->g.inner))))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		enum syz_dir cd;
		const struct syz_type *ct = prog_child_type(t, i, dir, &cd);
		a->g.n = i + 1;
		/* conditional fields appear when prog_gen_fix_conds() finds
		 * their condition true */
		if (t->kind == SYZ_T_STRUCT && t->st.fields[i].cond)
			continue;
		a->g.inner[i] = prog_gen_arg(s, ct, cd);
		if (!a->g.inner[i])
			goto fail;
	}
	return a;
fail:
	prog_arg_free(a);
	return NULL;
}

struct prog_arg *prog_gen_arg(struct gen_state *s, const struct syz_type *t,
			      enum syz_dir dir)
{
	struct prog_arg *a = NULL;
	s->depth++;
	if (t->optional && prog_rand_one_of(s->r, 5) &&
	    t->kind != SYZ_T_RESOURCE) {
		a = prog_arg_default(t, dir);
		goto out;
	}
	switch (t->kind) {
	case SYZ_T_RESOURCE:
		a = gen_resource(s, t, dir);
		break;
	case SYZ_T_PTR:
	case SYZ_T_VMA:
		a = gen_pointer(s, t, dir);
		break;
	case SYZ_T_BUFFER:
	case SYZ_T_VOID:
		a = prog_gen_data(s->r, t, dir);
		break;
	case SYZ_T_ARRAY:
	case SYZ_T_STRUCT:
		a = gen_group(s, t, dir);
		break;
	case SYZ_T_UNION:
		if (t->st.n_fields) {
			size_t idx = prog_rand_n(s->r, t->st.n_fields);
			enum syz_dir cd;
			const struct syz_type *ct =
				prog_child_type(t, idx, dir, &cd);
			struct prog_arg *opt = prog_gen_arg(s, ct, cd);
			a = opt ? prog_union_new(t, dir, idx, opt) : NULL;
		} else {
			a = prog_arg_default(t, dir);
		}
		break;
	default:
		a = prog_arg_default(t, dir);
		if (a && dir != SYZ_DIR_OUT &&
		    !(t->kind == SYZ_T_CONST && t->const_.is_pad))
			a->c.val = prog_rand_int_for(s->r, t, a->c.val);
		break;
	}
out:
	s->depth--;
	if (!a)
		s->oom = true;
	return a;
}

static int add_results(struct gen_state *s, struct prog_call *c)
{
	return prog_call_results(c, &s->avail);
}

/* ---- Conditional fields: generated when they must appear ---- */

static struct prog_arg *gen_make(void *ctx, const struct syz_type *t,
				 enum syz_dir dir)
{
	return prog_gen_arg(ctx, t, dir);
}

static void gen_drop(void *ctx, struct prog_arg *a)
{
	struct gen_state *s = ctx;
	prog_arg_drop(s->p, a);
}

static size_t gen_pick(void *ctx, size_t n)
{
	struct gen_state *s = ctx;
	return prog_rand_n(s->r, n);
}

static int gen_err(void *ctx)
{
	(void)ctx;
	return -ENOMEM;
}

int prog_gen_fix_conds(struct gen_state *s, struct prog_call *c)
{
	struct prog_cond_fixer fx = {
		.make = gen_make,
		.drop = gen_drop,
		.pick = gen_pick,
		.err = gen_err,
		.ctx = s,
	};
	return prog_fix_conds(c, &fx);
}

int prog_gen_call(struct gen_state *s, const struct syz_call *m)
{
	struct prog_call *c = prog_call_new(m);
	if (!c)
		return -ENOMEM;
	for (size_t i = 0; i < m->n_args; i++) {
		c->args[i] =
			prog_gen_arg(s, m->args[i].type,
				     syz_field_dir(&m->args[i], SYZ_DIR_IN));
		if (!c->args[i])
			goto fail;
	}
	prog_assign_sizes(c);
	if (m->has_conds) {
		/* conditions may read lens; fields they add need theirs */
		if (prog_gen_fix_conds(s, c))
			goto fail;
		prog_assign_sizes(c);
	}
	if (prog_insert_call(s->p, s->pos, c))
		goto fail;
	s->pos++;
	s->n_new++;
	return add_results(s, c);
fail:
	/* Links into @c do not exist yet: nothing refers to it. */
	prog_call_free(c);
	return -ENOMEM;
}

int prog_gen_state_init(struct gen_state *s, struct prog *p,
			const struct prog_choice *ct, struct prog_rand *r,
			size_t pos)
{
	memset(s, 0, sizeof(*s));
	s->p = p;
	s->ct = ct;
	s->r = r;
	s->pos = pos;
	for (size_t i = 0; i < pos && i < p->n_calls; i++) {
		if (add_results(s, p->calls[i]))
			return -ENOMEM;
	}
	return 0;
}

void prog_gen_state_free(struct gen_state *s)
{
	free(s->avail.v);
	s->avail.v = NULL;
}

/* Insert one new call (chosen by the table) at @pos with its producers. */
int prog_gen_insert(struct prog *p, const struct prog_choice *ct,
		    struct prog_rand *r, size_t pos)
{
	struct gen_state s;
	int bias = -1, id, rc;
	if (p->n_calls && pos)
		bias = p->calls[prog_rand_n(r, pos)]->meta->id;
	id = prog_choice_pick(ct, r, bias);
	if (id < 0)
		return -ENOENT;
	rc = prog_gen_state_init(&s, p, ct, r, pos);
	if (!rc)
		rc = prog_gen_call(&s, p->target->calls[id]);
	if (!rc && s.oom)
		rc = -ENOMEM;
	prog_gen_state_free(&s);
	return rc;
}

int prog_generate(const struct syz_target *t, const struct prog_choice *ct,
		  struct prog_rand *r, size_t ncalls, struct prog **out)
{
	struct prog *p = prog_new(t);
	int rc = 0;
	*out = NULL;
	if (!p)
		return -ENOMEM;
	if (!prog_choice_n_enabled(ct)) {
		prog_free(p);
		return -ENOENT;
	}
	while (p->n_calls < ncalls && !rc)
		rc = prog_gen_insert(p, ct, r, p->n_calls);
	while (!rc && p->n_calls > ncalls && ncalls)
		prog_remove_call(p, p->n_calls - 1);
	if (rc) {
		prog_free(p);
		return rc;
	}
	prog_alloc_addrs(p);
	*out = p;
	return 0;
}
