/*
 * Comparison hints: KCOV_TRACE_CMP reported (op1, op2) pairs while a call
 * ran; every integer arg and every data window equal to one operand (in
 * 1, 2, 4 or 8 bytes, little- or big-endian, or sign-extended) yields a
 * mutant with the other operand put in its place.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "prog_internal.h"

#define MAX_DATA_SCAN 1024
#define MAX_REPL 256

struct repl {
	uint64_t v[MAX_REPL];
	size_t n;
};

static void repl_add(struct repl *r, uint64_t v)
{
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i] == v)
			return;
	}
	if (r->n < MAX_REPL)
		r->v[r->n++] = v;
}

static uint64_t bswap(uint64_t v, unsigned w)
{
	uint64_t r = 0;
	for (unsigned i = 0; i < w; i++)
		r |= ((v >> (8 * i)) & 0xff) << (8 * (w - 1 - i));
	return r;
}

static uint64_t mask_of(unsigned w)
{
	return w >= 8 ? UINT64_MAX : (1ull << (8 * w)) - 1;
}

static bool fits(uint64_t v, unsigned w)
{
	uint64_t m = mask_of(w);
	/* v itself, or a sign-extended narrow value */
	return (v & ~m) == 0 || (v | m) == UINT64_MAX;
}

/* Replacement values of @v (of @width bytes) under @cmps. */
static void shrink_expand(uint64_t v, unsigned width,
			  const struct prog_cmp *cmps, size_t n,
			  struct repl *out)
{
	static const unsigned widths[] = { 1, 2, 4, 8 };
	for (size_t wi = 0; wi < 4; wi++) {
		unsigned w = widths[wi];
		if (w > width)
			break;
		for (int be = 0; be < 2; be++) {
			uint64_t m = mask_of(w), x = v & m, sx;
			if (be && w == 1)
				continue;
			if (be)
				x = bswap(x, w);
			sx = (w < 8 && (x >> (8 * w - 1)) & 1) ? x | ~m : x;
			for (size_t i = 0; i < n; i++) {
				uint64_t from[2] = { cmps[i].op1, cmps[i].op2 };
				uint64_t to[2] = { cmps[i].op2, cmps[i].op1 };
				for (int k = 0; k < 2; k++) {
					uint64_t nv;
					if (from[k] != x && from[k] != sx)
						continue;
					if (!fits(to[k], w))
						continue;
					nv = to[k] & m;
					if (be)
						nv = bswap(nv, w);
					nv = (v & ~m) | nv;
					if (nv != v)
						repl_add(out, nv);
				}
			}
		}
	}
}

struct hint_ctx {
	const struct prog *p;
	size_t call_idx;
	const struct prog_cmp *cmps;
	size_t n_cmps;
	prog_hint_fn fn;
	void *ctx;
	int count;
	int stop;
	int err;
};

struct find_ctx {
	size_t want, seen;
	struct prog_arg *found;
};

static int find_nth(struct prog_arg *a, void *ctx)
{
	struct find_ctx *f = ctx;
	if (f->seen++ == f->want) {
		f->found = a;
		return 1;
	}
	return 0;
}

/* Clone, let @apply change the nth arg of the call, validate, report. */
static void emit(struct hint_ctx *h, size_t nth, uint64_t v, size_t off,
		 unsigned width)
{
	struct prog *q;
	struct find_ctx f = { nth, 0, NULL };
	if (h->stop || h->err)
		return;
	q = prog_clone(h->p);
	if (!q) {
		h->err = -ENOMEM;
		return;
	}
	prog_call_walk(q->calls[h->call_idx], find_nth, &f);
	if (f.found && f.found->kind == PROG_ARG_CONST) {
		f.found->c.val = prog_truncate(f.found->type, v);
	} else if (f.found && f.found->kind == PROG_ARG_DATA) {
		memcpy(f.found->d.data + off, &v, width);
	} else {
		prog_free(q);
		return;
	}
	if (prog_fix_conds_default(q, q->calls[h->call_idx])) {
		prog_free(q);
		h->err = -ENOMEM;
		return;
	}
	prog_assign_sizes(q->calls[h->call_idx]);
	h->count++;
	h->stop = h->fn(q, h->ctx);
	prog_free(q);
}

static bool hintable_int(const struct prog_arg *a)
{
	const struct syz_type *t = a->type;
	return a->kind == PROG_ARG_CONST && a->dir != SYZ_DIR_OUT &&
	       (t->kind == SYZ_T_INT || t->kind == SYZ_T_FLAGS);
}

struct collect {
	struct prog_arg **v;
	size_t n, cap;
};

static int collect_all(struct prog_arg *a, void *ctx)
{
	struct collect *c = ctx;
	return vec_push(c, a);
}

int prog_hints(const struct prog *p, size_t call_idx,
	       const struct prog_cmp *cmps, size_t n_cmps, prog_hint_fn fn,
	       void *ctx)
{
	struct hint_ctx h = { p, call_idx, cmps, n_cmps, fn, ctx, 0, 0, 0 };
	struct collect all = { 0 };
	struct repl *rp;
	if (call_idx >= p->n_calls)
		return -EINVAL;
	if (!n_cmps)
		return 0;
	rp = malloc(sizeof(*rp));
	if (!rp)
		return -ENOMEM;
	if (prog_call_walk(p->calls[call_idx], collect_all, &all)) {
		free(rp);
		free(all.v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < all.n && !h.stop && !h.err; i++) {
		struct prog_arg *a = all.v[i];
		if (hintable_int(a)) {
			rp->n = 0;
			shrink_expand(a->c.val,
				      (unsigned)(prog_type_bits(a->type) + 7) /
					      8,
				      cmps, n_cmps, rp);
			for (size_t k = 0; k < rp->n; k++)
				emit(&h, i, rp->v[k], 0, 0);
		} else if (a->kind == PROG_ARG_DATA && a->dir != SYZ_DIR_OUT &&
			   a->d.data && !a->d.compressed) {
			size_t n = a->d.len < MAX_DATA_SCAN ? a->d.len :
							      MAX_DATA_SCAN;
			for (size_t off = 0; off < n && !h.stop; off++) {
				unsigned w = n - off < 8 ? (unsigned)(n - off) :
							   8;
				uint64_t v = 0;
				memcpy(&v, a->d.data + off, w);
				rp->n = 0;
				shrink_expand(v, w, cmps, n_cmps, rp);
				for (size_t k = 0; k < rp->n; k++)
					emit(&h, i, rp->v[k], off, w);
			}
		}
	}
	free(rp);
	free(all.v);
	return h.err ? h.err : h.count;
}
