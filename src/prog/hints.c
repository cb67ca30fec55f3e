/*
 * Comparison hints, after syzkaller's prog/hints.go: KCOV_TRACE_CMP
 * reported (op1, op2) pairs while a call ran; an integer arg or a data
 * window whose value, shrunk to 1, 2, 4 or 8 bytes or sign-extended from
 * them, read little- or big-endian, equals one operand yields a mutant
 * with the other operand put in its place (the rest of the value kept).
 *
 * Skipped, as in syzkaller: out args, procs, checksums, padding; ints of
 * 8 bits or less and data of 3 bytes or less (mutation finds those);
 * filenames and strings with fixed values; replacements that are special
 * integers (mutation tries those anyway) or equal the value; data past
 * the first 100 bytes. Beyond syzkaller: comparisons of equal operands or
 * of two kernel addresses/zeros (pointer checks) are dropped; a const
 * syscall arg (an ioctl command) is not replaced by the value another
 * variant of the syscall has there (that variant is described); lens are
 * not hinted (programs keep lens consistent); mutants identical to an
 * earlier one are not reported again. A mutant that changes a value a
 * condition reads gets its conditional fields fixed (syzkaller drops it).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "exec.h"
#include "prog_internal.h"

#define MAX_DATA_SCAN 100

struct u64vec {
	uint64_t *v;
	size_t n, cap;
};

static bool has(const struct u64vec *s, uint64_t v)
{
	for (size_t i = 0; i < s->n; i++) {
		if (s->v[i] == v)
			return true;
	}
	return false;
}

static int add_uniq(struct u64vec *s, uint64_t v)
{
	return has(s, v) ? 0 : vec_push(s, v);
}

static uint64_t mask_bits(unsigned bits)
{
	return bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
}

/* NULL or an address in the kernel half (direct map to modules); small
 * negative numbers (down to -16M) are numbers. */
static bool kernel_or_zero(uint64_t v)
{
	return !v || (v >= 0xffff800000000000ull && v < 0xffffffffff000000ull);
}

/* Comparisons that can matter: not of equal operands, not of two
 * kernel addresses (or NULL). */
static bool cmp_useful(const struct prog_cmp *c)
{
	return c->op1 != c->op2 &&
	       !(kernel_or_zero(c->op1) && kernel_or_zero(c->op2));
}

/*
 * Replacements of @v (an integer of @bits bits) under @cmps, added to
 * @out: syzkaller's shrinkExpand.
 */
static int shrink_expand(uint64_t v, unsigned bits, const struct prog_cmp *cmps,
			 size_t n, struct u64vec *out)
{
	static const int widths[] = { 8, 4, 2, 1, -4, -2, -1 };
	uint64_t limit = mask_bits(bits);
	v &= limit;
	for (size_t wi = 0; wi < sizeof(widths) / sizeof(widths[0]); wi++) {
		unsigned width = (unsigned)abs(widths[wi]);
		unsigned size = width * 8;
		uint64_t mutant;
		if (widths[wi] > 0) {
			mutant = v & mask_bits(size);
		} else {
			if (size > bits)
				size = bits;
			if (!((v >> (size - 1)) & 1))
				continue; /* no sign to extend */
			mutant = v | ~mask_bits(size);
		}
		for (int be = 0; be < 2; be++) {
			uint64_t key = mutant, mask = mask_bits(size);
			if (be && width == 1)
				continue;
			if (be)
				key = exec_bswap(mutant, width);
			for (size_t i = 0; i < n; i++) {
				uint64_t other[2], nv, hi, r;
				int k = 0;
				if (cmps[i].op1 == key && !cmps[i].op1_const)
					other[k++] = cmps[i].op2;
				if (cmps[i].op2 == key)
					other[k++] = cmps[i].op1;
				while (k-- > 0) {
					nv = other[k];
					/* above the arg's range: only the sign
					 * extension of a negative value */
					if (nv > limit && (~(limit >> 1) &
							   nv) != ~(limit >> 1))
						continue;
					hi = nv & ~mask;
					if (hi && (hi ^ ~mask))
						continue;
					nv &= mask;
					if (be)
						nv = exec_bswap(nv, width);
					if (prog_is_special_int(nv))
						continue;
					r = ((v & ~mask) | nv) & limit;
					if (r != v && add_uniq(out, r))
						return -ENOMEM;
				}
			}
		}
	}
	return 0;
}

/* A data mutant: the bytes it changes (arg, first changed byte, count,
 * their values), so one reached from two windows is reported once. */
struct data_change {
	size_t arg, off;
	unsigned len;
	uint64_t bytes;
};

struct change_vec {
	struct data_change *v;
	size_t n, cap;
};

static struct data_change data_change(size_t arg, const uint8_t *old,
				      size_t off, uint64_t v, unsigned width)
{
	struct data_change d = { arg, off, 0, 0 };
	uint8_t nb[8];
	unsigned lo = 0, hi = width;
	memcpy(nb, &v, 8);
	while (lo < hi && nb[lo] == old[off + lo])
		lo++;
	while (hi > lo && nb[hi - 1] == old[off + hi - 1])
		hi--;
	d.off = off + lo;
	d.len = hi - lo;
	memcpy(&d.bytes, nb + lo, d.len);
	return d;
}

static bool change_seen(const struct change_vec *s, const struct data_change *d)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct data_change *x = &s->v[i];
		if (x->arg == d->arg && x->off == d->off && x->len == d->len &&
		    x->bytes == d->bytes)
			return true;
	}
	return false;
}

struct hint_ctx {
	const struct prog *p;
	size_t call_idx;
	prog_hint_fn fn;
	void *ctx;
	int count;
	int stop;
	int err;
	struct change_vec seen; /* data mutants reported */
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

/* Clone, set the nth arg of the call (its value, or @width bytes at @off
 * of its data), fix conditions, report. */
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

/* Values the same syscall's other variants have at const arg @i (their
 * own descriptions cover those: ioctl commands). */
static int related_consts(const struct syz_target *t, const struct syz_call *m,
			  size_t i, struct u64vec *out)
{
	for (size_t k = 0; k < t->n_calls; k++) {
		const struct syz_call *o = t->calls[k];
		if (o == m || strcmp(o->call_name, m->call_name) ||
		    o->n_args <= i || o->args[i].type->kind != SYZ_T_CONST)
			continue;
		if (add_uniq(out, o->args[i].type->const_.value))
			return -ENOMEM;
	}
	return 0;
}

static bool hintable_int(const struct prog_arg *a)
{
	const struct syz_type *t = a->type;
	if (a->kind != PROG_ARG_CONST || a->dir == SYZ_DIR_OUT)
		return false;
	if (t->kind != SYZ_T_INT && t->kind != SYZ_T_FLAGS &&
	    !(t->kind == SYZ_T_CONST && !t->const_.is_pad))
		return false;
	return prog_type_bits(t) > 8;
}

static bool hintable_data(const struct prog_arg *a)
{
	const struct syz_type *t = a->type;
	if (a->kind != PROG_ARG_DATA || a->dir == SYZ_DIR_OUT || !a->d.data ||
	    a->d.compressed || a->d.len <= 3 || t->kind != SYZ_T_BUFFER)
		return false;
	switch (t->buf.kind) {
	case SYZ_BUF_FILENAME:
		return false;
	case SYZ_BUF_STRING:
	case SYZ_BUF_GLOB:
		return !t->buf.n_values;
	default:
		return true;
	}
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
	       const struct prog_cmp *cmps_in, size_t n_in, prog_hint_fn fn,
	       void *ctx)
{
	struct hint_ctx h = { p, call_idx, fn, ctx, 0, 0, 0, { 0 } };
	struct collect all = { 0 };
	struct u64vec rp = { 0 }, related = { 0 };
	struct prog_cmp *cmps = NULL;
	const struct prog_call *c;
	size_t n_cmps = 0;
	if (call_idx >= p->n_calls)
		return -EINVAL;
	c = p->calls[call_idx];
	if (n_in && !(cmps = malloc(n_in * sizeof(*cmps))))
		return -ENOMEM;
	for (size_t i = 0; i < n_in; i++) {
		if (cmp_useful(&cmps_in[i]))
			cmps[n_cmps++] = cmps_in[i];
	}
	if (!n_cmps)
		goto out;
	if (prog_call_walk((struct prog_call *)c, collect_all, &all)) {
		h.err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < all.n && !h.stop && !h.err; i++) {
		struct prog_arg *a = all.v[i];
		rp.n = 0;
		if (hintable_int(a)) {
			size_t top = c->meta->n_args;
			if (shrink_expand(a->c.val,
					  (unsigned)prog_type_bits(a->type),
					  cmps, n_cmps, &rp)) {
				h.err = -ENOMEM;
				break;
			}
			related.n = 0;
			for (size_t k = 0; k < c->meta->n_args; k++) {
				if (c->args[k] == a)
					top = k;
			}
			if (top < c->meta->n_args &&
			    a->type->kind == SYZ_T_CONST &&
			    related_consts(p->target, c->meta, top, &related)) {
				h.err = -ENOMEM;
				break;
			}
			for (size_t k = 0; k < rp.n; k++) {
				if (!has(&related, rp.v[k]))
					emit(&h, i, rp.v[k], 0, 0);
			}
		} else if (hintable_data(a)) {
			size_t n = a->d.len < MAX_DATA_SCAN ? a->d.len :
							      MAX_DATA_SCAN;
			for (size_t off = 0; off < n && !h.stop && !h.err;
			     off++) {
				unsigned w =
					a->d.len - off < 8 ?
						(unsigned)(a->d.len - off) :
						8;
				uint64_t v = 0;
				memcpy(&v, a->d.data + off, w);
				rp.n = 0;
				if (shrink_expand(v, 8 * w, cmps, n_cmps,
						  &rp)) {
					h.err = -ENOMEM;
					break;
				}
				for (size_t k = 0; k < rp.n; k++) {
					struct data_change d = data_change(
						i, a->d.data, off, rp.v[k], w);
					if (!d.len || change_seen(&h.seen, &d))
						continue;
					if (vec_push(&h.seen, d)) {
						h.err = -ENOMEM;
						break;
					}
					emit(&h, i, rp.v[k], off, w);
				}
			}
		}
	}
out:
	free(cmps);
	free(rp.v);
	free(related.v);
	free(h.seen.v);
	free(all.v);
	return h.err ? h.err : h.count;
}
