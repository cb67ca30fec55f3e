/*
 * Types for the syzlang compiler: a type expression to a struct syz_type,
 * through the table of builtin types, type aliases and templates.
 */
#include <string.h>

#include "compile_internal.h"

struct syz_type *comp_new_type(struct comp *c, enum syz_type_kind k,
			       const char *name)
{
	struct syz_type *t = arena_alloc(c->a, sizeof(*t));

	if (!t)
		return NULL;
	t->kind = k;
	t->name = name;
	t->align = 1;
	return t;
}

/* Parse an int base type name: int8..int64[be], intptr. */
bool comp_int_base(const char *s, uint64_t *size, bool *be)
{
	*be = false;
	if (!strcmp(s, "intptr")) {
		*size = PTR_SIZE;
		return true;
	}
	if (strncmp(s, "int", 3))
		return false;
	s += 3;
	if (!strncmp(s, "8", 1) && (!s[1] || !strcmp(s + 1, "be")))
		*size = 1;
	else if (!strncmp(s, "16", 2) && (!s[2] || !strcmp(s + 2, "be")))
		*size = 2;
	else if (!strncmp(s, "32", 2) && (!s[2] || !strcmp(s + 2, "be")))
		*size = 4;
	else if (!strncmp(s, "64", 2) && (!s[2] || !strcmp(s + 2, "be")))
		*size = 8;
	else
		return false;
	*be = s[strlen(s) - 1] == 'e';
	return true;
}

/* Apply an optional base-type arg (intN, intN:bits) to an int-like type. */
static bool apply_base(struct comp *c, struct syz_type *r, struct ast_type *b,
		       struct tctx ctx)
{
	uint64_t size = PTR_SIZE;
	bool be = false;

	if (b) {
		if (b->kind != AT_IDENT || b->n_args ||
		    !comp_int_base(b->ident, &size, &be)) {
			err(c, &b->pos,
			    "expected int8, int16, int32, int64, "
			    "intptr (or intNbe) as base type");
			return false;
		}
		if (b->n_colon) {
			uint64_t bits;
			if (!ctx.in_struct) {
				err(c, &b->pos,
				    "bitfields are only allowed in structs");
				return false;
			}
			if (!comp_const_value(c, b->colon[0], &bits))
				return false;
			if (!bits || bits > size * 8) {
				err(c, &b->colon[0]->pos,
				    "bitfield of size %llu does not fit in %s",
				    (unsigned long long)bits, b->ident);
				return false;
			}
			r->i.bitfield_len = bits;
		}
	}
	r->size = size;
	r->align = size;
	r->i.format = be ? SYZ_FMT_BIG_ENDIAN : SYZ_FMT_NATIVE;
	return true;
}

static bool want_args(struct comp *c, struct ast_type *t, size_t min,
		      size_t max)
{
	if (t->n_args < min || t->n_args > max) {
		if (min == max)
			err(c, &t->pos, "%s takes %zu argument%s, got %zu",
			    t->ident, min, min == 1 ? "" : "s", t->n_args);
		else
			err(c, &t->pos,
			    "%s takes %zu to %zu arguments, got %zu", t->ident,
			    min, max, t->n_args);
		return false;
	}
	return true;
}

bool comp_is_ident(const struct ast_type *t, const char *s)
{
	return t && t->kind == AT_IDENT && !strcmp(t->ident, s);
}

/* Format a type expression (for template instance names). */
static void fmt_type(struct buf *b, const struct ast_type *t)
{
	switch (t->kind) {
	case AT_IDENT:
	case AT_INT:
		if (t->kind == AT_INT && t->is_char)
			buf_printf(b, "'%c'", (char)t->value);
		else if (t->ident)
			buf_puts(b, t->ident);
		else
			buf_printf(b, "%llu", (unsigned long long)t->value);
		break;
	case AT_STRING:
		buf_putc(b, '"');
		for (size_t i = 0; i < t->str_len; i++) {
			unsigned char ch = (unsigned char)t->str[i];
			if (ch >= 0x20 && ch < 0x7f && ch != '"')
				buf_putc(b, (char)ch);
			else
				buf_printf(b, "\\x%02x", ch);
		}
		buf_putc(b, '"');
		break;
	}
	if (t->n_args) {
		buf_putc(b, '[');
		for (size_t i = 0; i < t->n_args; i++) {
			if (i)
				buf_puts(b, ", ");
			fmt_type(b, t->args[i]);
		}
		buf_putc(b, ']');
	}
	for (size_t i = 0; i < t->n_colon; i++) {
		buf_putc(b, ':');
		fmt_type(b, t->colon[i]);
	}
}

/* Copy @t, replacing template parameters by their arguments. */
struct ast_type *comp_subst(struct comp *c, struct ast_type *t,
			    const struct env *env)
{
	if (!env || !env->n)
		return t;
	struct ast_type *r = NULL;
	if (t->kind == AT_IDENT) {
		for (size_t i = 0; i < env->n; i++) {
			if (strcmp(t->ident, env->params[i]))
				continue;
			struct ast_type *a = env->args[i];
			r = arena_memdup(&c->ast, a, sizeof(*a));
			if (!r)
				return NULL;
			r->pos = t->pos;
			if (t->n_args) {
				if (a->n_args) {
					err(c, &t->pos,
					    "template parameter %s takes no "
					    "arguments here",
					    t->ident);
					return NULL;
				}
				r->args = t->args;
				r->n_args = t->n_args;
			}
			if (t->n_colon) {
				r->colon = t->colon;
				r->n_colon = t->n_colon;
			}
			goto children;
		}
	}
	r = arena_memdup(&c->ast, t, sizeof(*t));
	if (!r)
		return NULL;
children:
	if (r->n_args && r->args == t->args) {
		struct ast_type **v =
			arena_alloc(&c->ast, r->n_args * sizeof(*v));
		if (!v)
			return NULL;
		for (size_t i = 0; i < r->n_args; i++)
			if (!(v[i] = comp_subst(c, r->args[i], env)))
				return NULL;
		r->args = v;
	}
	if (r->n_colon && r->colon == t->colon) {
		struct ast_type **v =
			arena_alloc(&c->ast, r->n_colon * sizeof(*v));
		if (!v)
			return NULL;
		for (size_t i = 0; i < r->n_colon; i++)
			if (!(v[i] = comp_subst(c, r->colon[i], env)))
				return NULL;
		r->colon = v;
	}
	if (t->expr && !(r->expr = comp_subst_expr(c, t->expr, env)))
		return NULL;
	return r;
}

/* Copy of an if[...] expression with template parameters replaced (in
 * consts and in value[] paths, as syzkaller instantiates every type). */
struct ast_expr *comp_subst_expr(struct comp *c, struct ast_expr *e,
				 const struct env *env)
{
	struct ast_expr *r = arena_memdup(&c->ast, e, sizeof(*e));

	if (!r)
		return NULL;
	if (e->value && !(r->value = comp_subst(c, e->value, env)))
		return NULL;
	if (e->left && !(r->left = comp_subst_expr(c, e->left, env)))
		return NULL;
	if (e->right && !(r->right = comp_subst_expr(c, e->right, env)))
		return NULL;
	return r;
}

/* Collect the values of int flags (missing consts dropped, as syzkaller
 * does; other flags may be referenced by name). */
static bool collect_flags(struct comp *c, struct decl *d, uint64_t **v,
			  size_t *n, size_t *cap, int depth)
{
	struct ast_node *fn = d->n;

	if (depth > 16) {
		err(c, &fn->pos,
		    "flags %s: references nest too deep "
		    "(recursive?)",
		    fn->name);
		return false;
	}
	for (size_t i = 0; i < fn->n_vals; i++) {
		struct ast_type *x = fn->vals[i];
		uint64_t val;
		if (x->kind == AT_IDENT) {
			struct decl *sub = strmap_get(&c->flags, x->ident);
			if (sub) {
				if (sub->n->kind != fn->kind) {
					err(c, &x->pos,
					    "flags %s mixes int and string flags",
					    fn->name);
					return false;
				}
				sub->used = true;
				if (!collect_flags(c, sub, v, n, cap,
						   depth + 1))
					return false;
				continue;
			}
			struct cval *cv = strmap_get(&c->consts, x->ident);
			if (!cv || cv->missing)
				continue;
			cv->used = true;
			val = cv->value;
		} else {
			val = x->value;
		}
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 16;
			uint64_t *nv = arena_alloc(c->a, nc * sizeof(*nv));
			if (!nv)
				return false;
			if (*n)
				memcpy(nv, *v, *n * sizeof(*nv));
			*v = nv;
			*cap = nc;
		}
		(*v)[(*n)++] = val;
	}
	return true;
}

static bool flag_values(struct comp *c, struct decl *d, const uint64_t **vals,
			size_t *n)
{
	uint64_t *v = NULL;
	size_t cap = 0;

	*n = 0;
	if (!collect_flags(c, d, &v, n, &cap, 0))
		return false;
	*vals = v;
	return true;
}

/* String flags values, following references to other string flags. */
static bool collect_strs(struct comp *c, struct decl *d, struct type_vec *out,
			 int depth)
{
	struct ast_node *fn = d->n;

	if (depth > 16) {
		err(c, &fn->pos,
		    "flags %s: references nest too deep "
		    "(recursive?)",
		    fn->name);
		return false;
	}
	for (size_t i = 0; i < fn->n_vals; i++) {
		struct ast_type *x = fn->vals[i];
		if (x->kind == AT_STRING) {
			if (vec_push(out, x))
				return false;
			continue;
		}
		struct decl *sub = strmap_get(&c->flags, x->ident);
		if (!sub || sub->n->kind != AST_STR_FLAGS) {
			err(c, &x->pos, "unknown string flags %s", x->ident);
			return false;
		}
		sub->used = true;
		if (!collect_strs(c, sub, out, depth + 1))
			return false;
	}
	return true;
}

/* Bits of an int-like type: its bitfield length or its size. */
static uint64_t int_bits(const struct syz_type *r)
{
	return r->i.bitfield_len ? r->i.bitfield_len : r->size * 8;
}

/* @v fits in @bits as an unsigned or as a two's complement value. */
static bool fits_bits(uint64_t v, uint64_t bits)
{
	if (bits >= 64)
		return true;
	uint64_t umax = (1ull << bits) - 1, smax = (1ull << (bits - 1)) - 1;
	return v <= umax || v + smax <= umax;
}

/* syzkaller's checks of intN[lo:hi, align] once consts are known. */
static bool check_int_range(struct comp *c, struct ast_type *t,
			    struct syz_type *r, struct ast_type *a0)
{
	uint64_t lo = r->int_.range_begin, hi = r->int_.range_end;
	uint64_t align = r->int_.align, bits = int_bits(r);
	bool has_align = t->n_args > 1;

	if (has_align && align <= 1) {
		err(c, &t->args[1]->pos, "bad int alignment %llu",
		    (unsigned long long)align);
		return false;
	}
	if (has_align && lo == 0 && hi == UINT64_MAX)
		hi = bits >= 64 ? UINT64_MAX : (1ull << bits) - 1;
	if (bits < 64) {
		uint64_t umax = (1ull << bits) - 1;
		uint64_t smax = (1ull << (bits - 1)) - 1;
		bool in_unsigned = lo <= umax && hi <= umax;
		bool in_signed = lo + smax <= umax && hi + smax <= umax;
		if (in_unsigned || in_signed)
			goto range_ok;
		err(c, &a0->colon[0]->pos,
		    "int range [%llu:%llu] is too large for base type of size "
		    "%llu",
		    (unsigned long long)lo, (unsigned long long)hi,
		    (unsigned long long)bits);
		return false;
	}
range_ok:
	if (has_align && (hi - lo) / align == 0) {
		err(c, &t->args[1]->pos,
		    "int alignment %llu is too large for range [%llu:%llu]",
		    (unsigned long long)align, (unsigned long long)lo,
		    (unsigned long long)hi);
		return false;
	}
	return true;
}

/* ---- builtin types ---- */

/* What a builtin type's argument is. */
enum type_arg_kind {
	TARG_INT, /* integer or const name; may be a range lo:hi */
	TARG_WORD, /* one of a fixed set of names (in, inet, dec, ...) */
	TARG_PATH, /* field path: a, parent:a, syscall:a:b */
	TARG_FLAGS, /* int or string flags name */
	TARG_STRING, /* quoted string (string, stringnoz: or string flags) */
	TARG_TYPE, /* any type */
	TARG_BASE, /* int base type: intN, intNbe, intptr, intN:bits */
	TARG_OPT, /* the word opt */
};

struct type_arg {
	const char *name;
	enum type_arg_kind kind;
	bool optional; /* may be left out (counts towards max, not min) */
};

#define TYPE_MAX_ARGS 4

/*
 * A builtin type (syzkaller's typeDesc): its name, its arguments (their
 * number bounds t->n_args, a trailing [opt] aside) and the function that
 * compiles a use of it. The other fields are facts about one name that
 * shares a compile function with others.
 */
struct type_desc {
	const char *name;
	struct type_arg args[TYPE_MAX_ARGS];
	struct syz_type *(*compile)(struct comp *c, struct ast_type *t,
				    struct tctx ctx, const struct type_desc *d);
	/* int types: counts its own arguments after checking a bitfield
	 * suffix (int32:N), which only they accept */
	bool bitfield;
	/* accepted but free as a declaration name (int8be) */
	bool unreserved;
	uint64_t size; /* int types: bytes */
	bool be; /* int types: big-endian */
	uint64_t len_bits; /* len types: bits per unit (0: elements) */
	bool offsetof; /* offsetof */
	bool ptr64; /* ptr64 */
	bool noz; /* stringnoz */
};

static size_t type_min_args(const struct type_desc *d)
{
	size_t n = 0;

	for (size_t i = 0; i < TYPE_MAX_ARGS && d->args[i].name; i++)
		n += !d->args[i].optional;
	return n;
}

static size_t type_max_args(const struct type_desc *d)
{
	size_t n = 0;

	while (n < TYPE_MAX_ARGS && d->args[n].name)
		n++;
	return n;
}

/* The last argument is the word opt (ptr[in, T, opt]). */
static bool type_takes_opt(const struct type_desc *d)
{
	size_t n = type_max_args(d);

	return n && d->args[n - 1].kind == TARG_OPT;
}

/* intN, intNbe, intptr: plain, int32:N bitfields, int32[lo:hi, align],
 * int32[flags] */
static struct syz_type *compile_int(struct comp *c, struct ast_type *t,
				    struct tctx ctx, const struct type_desc *d)
{
	struct syz_type *r = comp_new_type(c, SYZ_T_INT, t->ident);
	uint64_t size = d->size;

	if (!r)
		return NULL;
	r->size = r->align = size;
	r->i.format = d->be ? SYZ_FMT_BIG_ENDIAN : SYZ_FMT_NATIVE;
	if (t->n_colon) {
		uint64_t bits;
		if (!ctx.in_struct) {
			err(c, &t->pos,
			    "bitfields are only allowed in structs");
			return NULL;
		}
		if (!comp_const_value(c, t->colon[0], &bits))
			return NULL;
		if (!bits || bits > size * 8) {
			err(c, &t->colon[0]->pos,
			    "bitfield of size %llu does not fit in %s",
			    (unsigned long long)bits, t->ident);
			return NULL;
		}
		r->i.bitfield_len = bits;
	}
	if (!want_args(c, t, type_min_args(d), type_max_args(d)))
		return NULL;
	if (!t->n_args)
		return r;
	struct ast_type *a0 = t->args[0];
	if (a0->kind == AT_IDENT && !a0->n_colon) {
		struct decl *fd = strmap_get(&c->flags, a0->ident);
		if (fd && fd->n->kind == AST_INT_FLAGS) {
			fd->used = true;
			r->kind = SYZ_T_FLAGS;
			r->flags.flags_name = fd->n->name;
			if (t->n_args > 1) {
				err(c, &t->args[1]->pos,
				    "int with flags takes no alignment");
				return NULL;
			}
			if (!flag_values(c, fd, &r->flags.values,
					 &r->flags.n_values))
				return NULL;
			return r;
		}
	}
	uint64_t lo, hi;
	size_t missing0 = c->missing.len;
	if (!comp_const_value(c, a0, &lo))
		return NULL;
	hi = lo;
	if (a0->n_colon) {
		if (a0->n_colon > 1 || !comp_const_value(c, a0->colon[0], &hi))
			return NULL;
	}
	r->int_.is_range = true;
	r->int_.range_begin = lo;
	r->int_.range_end = hi;
	if (t->n_args > 1) {
		if (!comp_const_value(c, t->args[1], &r->int_.align))
			return NULL;
		if (!a0->n_colon) {
			err(c, &t->args[1]->pos,
			    "alignment is only allowed with a range");
			return NULL;
		}
	}
	if (a0->n_colon && (int64_t)lo > (int64_t)hi && lo > hi) {
		err(c, &a0->pos, "bad int range [%lld:%lld]", (long long)lo,
		    (long long)hi);
		return NULL;
	}
	if (a0->n_colon && c->missing.len == missing0 &&
	    !check_int_range(c, t, r, a0))
		return NULL;
	return r;
}

/* len/bytesize/bitsize/offsetof path from a type arg. */
bool comp_path_of(struct comp *c, struct ast_type *a, const char *const **path,
		  size_t *n, struct syz_srcpos *pos)
{
	const char **v;

	pos->file = a->pos.file;
	pos->line = a->pos.line;
	pos->col = a->pos.col;

	if (a->kind != AT_IDENT || a->n_args) {
		err(c, &a->pos, "expected a field path");
		return false;
	}
	v = arena_alloc(c->a, (a->n_colon + 1) * sizeof(*v));
	if (!v)
		return false;
	v[0] = arena_strdup(c->a, a->ident);
	for (size_t i = 0; i < a->n_colon; i++) {
		if (a->colon[i]->kind != AT_IDENT) {
			err(c, &a->colon[i]->pos, "expected a field name");
			return false;
		}
		v[i + 1] = arena_strdup(c->a, a->colon[i]->ident);
	}
	*path = v;
	*n = a->n_colon + 1;
	return true;
}

bool comp_parse_dir(struct comp *c, struct ast_type *a, enum syz_dir *dir)
{
	if (comp_is_ident(a, "in"))
		*dir = SYZ_DIR_IN;
	else if (comp_is_ident(a, "out"))
		*dir = SYZ_DIR_OUT;
	else if (comp_is_ident(a, "inout"))
		*dir = SYZ_DIR_INOUT;
	else {
		err(c, &a->pos, "expected direction in, out or inout");
		return false;
	}
	return true;
}

/* string, stringnoz */
static struct syz_type *compile_string(struct comp *c, struct ast_type *t,
				       struct tctx ctx,
				       const struct type_desc *d)
{
	struct syz_type *r = comp_new_type(c, SYZ_T_BUFFER, t->ident);
	bool noz = d->noz;

	(void)ctx;
	if (!r)
		return NULL;
	r->buf.kind = SYZ_BUF_STRING;
	r->buf.noz = noz;
	r->varlen = true;
	if (!t->n_args)
		return r;
	struct ast_type *a0 = t->args[0];
	const char **vals = NULL;
	size_t *lens = NULL, n = 0;
	if (a0->kind == AT_STRING) {
		vals = arena_alloc(c->a, sizeof(*vals));
		lens = arena_alloc(c->a, sizeof(*lens));
		if (!vals || !lens)
			return NULL;
		vals[0] = arena_memdup(c->a, a0->str, a0->str_len + 1);
		lens[0] = a0->str_len;
		n = 1;
	} else if (a0->kind == AT_IDENT && !a0->n_args) {
		struct decl *fd = strmap_get(&c->flags, a0->ident);
		if (!fd || fd->n->kind != AST_STR_FLAGS) {
			err(c, &a0->pos, "unknown string flags %s", a0->ident);
			return NULL;
		}
		fd->used = true;
		if (!strcmp(a0->ident, "filename")) {
			if (noz) {
				;
			}
			r->buf.kind = SYZ_BUF_FILENAME;
		}
		r->buf.sub_kind = fd->n->name;
		struct type_vec sv = { 0 };
		if (!collect_strs(c, fd, &sv, 0)) {
			vec_free(&sv);
			return NULL;
		}
		n = sv.n;
		vals = arena_alloc(c->a, (n + 1) * sizeof(*vals));
		lens = arena_alloc(c->a, (n + 1) * sizeof(*lens));
		if (!vals || !lens) {
			vec_free(&sv);
			return NULL;
		}
		for (size_t i = 0; i < n; i++) {
			vals[i] = arena_memdup(c->a, sv.v[i]->str,
					       sv.v[i]->str_len + 1);
			lens[i] = sv.v[i]->str_len;
		}
		vec_free(&sv);
	} else {
		err(c, &a0->pos, "expected a string or string flags");
		return NULL;
	}
	r->buf.values = vals;
	r->buf.value_lens = lens;
	r->buf.n_values = n;
	uint64_t fixed = 0;
	if (t->n_args > 1) {
		if (!comp_const_value(c, t->args[1], &fixed))
			return NULL;
		for (size_t i = 0; i < n; i++) {
			if (lens[i] + !noz > fixed) {
				err(c, &t->args[1]->pos,
				    "string value %zu bytes long does not fit in "
				    "size %llu",
				    lens[i] + !noz, (unsigned long long)fixed);
				return NULL;
			}
		}
	} else if (n && r->buf.kind == SYZ_BUF_STRING) {
		fixed = lens[0] + !noz;
		for (size_t i = 1; i < n; i++)
			if (lens[i] + !noz != fixed)
				fixed = 0;
	}
	if (fixed) {
		r->size = fixed;
		r->varlen = false;
	}
	return r;
}

static struct syz_type *compile_named(struct comp *c, struct ast_type *t,
				      struct tctx ctx, const char *name)
{
	struct decl *d = strmap_get(&c->types, t->ident);

	if (!d) {
		if (strmap_get(&c->flags, t->ident))
			err(c, &t->pos,
			    "flags %s used as a type; use flags[%s, "
			    "intN]",
			    t->ident, t->ident);
		else
			err(c, &t->pos, "unknown type %s", t->ident);
		return NULL;
	}
	d->used = true;
	struct ast_node *n = d->n;
	if (n->kind == AST_RESOURCE) {
		if (t->n_args) {
			err(c, &t->pos, "resource %s takes only [opt]",
			    t->ident);
			return NULL;
		}
		struct syz_resource *res = comp_resource(c, d);
		if (!res)
			return NULL;
		/* a used resource uses its bases */
		for (const struct syz_resource *p = res->parent; p;
		     p = p->parent) {
			struct decl *pd = strmap_get(&c->types, p->name);
			if (!pd || pd->used)
				break;
			pd->used = true;
		}
		struct syz_type *r =
			comp_new_type(c, SYZ_T_RESOURCE, res->name);
		if (!r)
			return NULL;
		r->res.desc = res;
		r->size = r->align = res->base_size;
		(void)name;
		return r;
	}
	if (n->kind == AST_STRUCT) {
		if (t->n_args) {
			err(c, &t->pos, "%s %s takes no arguments",
			    comp_decl_kind(n), t->ident);
			return NULL;
		}
		return comp_struct(c, n, n->name, NULL, &t->pos);
	}
	/* typedef or template */
	if (d->builtin && !strcmp(n->name, "fileoff") && !t->n_args) {
		struct syz_type *r = comp_new_type(c, SYZ_T_INT, "fileoff");
		if (!r)
			return NULL;
		r->size = r->align = PTR_SIZE;
		r->int_.fileoff = true;
		return r;
	}
	if (t->n_args != n->n_params) {
		err(c, &t->pos, "type %s takes %zu argument%s, got %zu",
		    t->ident, n->n_params, n->n_params == 1 ? "" : "s",
		    t->n_args);
		return NULL;
	}
	struct env env = { n->params, t->args, n->n_params };
	if (n->tmpl) {
		struct buf b = { 0 };
		fmt_type(&b, t);
		char *iname = arena_strdup(c->a, b.data ? b.data : t->ident);
		buf_free(&b);
		if (!iname)
			return NULL;
		return comp_struct(c, n->tmpl, iname, &env, &t->pos);
	}
	struct ast_type *x = comp_subst(c, n->type, &env);
	if (!x)
		return NULL;
	if (t->n_colon) {
		if (x->n_colon) {
			err(c, &t->pos, "bitfield of a bitfield type");
			return NULL;
		}
		x = arena_memdup(&c->ast, x, sizeof(*x));
		if (!x)
			return NULL;
		x->colon = t->colon;
		x->n_colon = t->n_colon;
	}
	if (++c->depth > MAX_DEPTH) {
		err(c, &t->pos, "type %s: aliases nest too deep (recursive?)",
		    t->ident);
		c->depth--;
		return NULL;
	}
	struct syz_type *r = comp_type(c, x, ctx);
	c->depth--;
	if (r && !strcmp(n->name, "fileoff") && r->kind == SYZ_T_INT)
		r->int_.fileoff = true;
	return r;
}

static struct syz_type *compile_const(struct comp *c, struct ast_type *t,
				      struct tctx ctx,
				      const struct type_desc *d)
{
	struct syz_type *r = comp_new_type(c, SYZ_T_CONST, t->ident);

	(void)d;
	if (!r || !apply_base(c, r, t->n_args > 1 ? t->args[1] : NULL, ctx))
		return NULL;
	if (t->args[0]->kind == AT_STRING) {
		err(c, &t->args[0]->pos,
		    "const takes an integer, not a string");
		return NULL;
	}
	size_t missing0 = c->missing.len;
	if (!comp_const_value(c, t->args[0], &r->const_.value))
		return NULL;
	if (c->missing.len == missing0 &&
	    !fits_bits(r->const_.value, int_bits(r))) {
		err(c, &t->args[0]->pos,
		    "const value %llu (0x%llx) does not fit into %llu "
		    "bits",
		    (unsigned long long)r->const_.value,
		    (unsigned long long)r->const_.value,
		    (unsigned long long)int_bits(r));
		return NULL;
	}
	return r;
}

static struct syz_type *compile_flags(struct comp *c, struct ast_type *t,
				      struct tctx ctx,
				      const struct type_desc *d)
{
	struct ast_type *a0 = t->args[0];
	struct decl *fd =
		a0->kind == AT_IDENT ? strmap_get(&c->flags, a0->ident) : NULL;

	(void)d;
	if (!fd) {
		err(c, &a0->pos, "unknown flags %s",
		    a0->kind == AT_IDENT ? a0->ident : "(not a name)");
		return NULL;
	}
	if (fd->n->kind != AST_INT_FLAGS) {
		err(c, &a0->pos, "%s are string flags; use string[%s]",
		    a0->ident, a0->ident);
		return NULL;
	}
	fd->used = true;
	struct syz_type *r = comp_new_type(c, SYZ_T_FLAGS, t->ident);
	if (!r || !apply_base(c, r, t->n_args > 1 ? t->args[1] : NULL, ctx))
		return NULL;
	r->flags.flags_name = fd->n->name;
	if (!flag_values(c, fd, &r->flags.values, &r->flags.n_values))
		return NULL;
	uint64_t acc = 0;
	bool mask = r->flags.n_values > 0;
	for (size_t i = 0; i < r->flags.n_values; i++) {
		uint64_t v = r->flags.values[i];
		if (!v || (v & (v - 1)) || (acc & v))
			mask = false;
		acc |= v;
	}
	r->flags.bitmask = mask;
	return r;
}

/* len, bytesize, bytesizeN, bitsize, offsetof */
static struct syz_type *compile_len(struct comp *c, struct ast_type *t,
				    struct tctx ctx, const struct type_desc *d)
{
	struct syz_type *r = comp_new_type(c, SYZ_T_LEN, t->ident);

	if (!r || !apply_base(c, r, t->n_args > 1 ? t->args[1] : NULL, ctx))
		return NULL;
	r->len.bit_size = d->len_bits;
	r->len.offsetof = d->offsetof;
	if (!comp_path_of(c, t->args[0], &r->len.path, &r->len.n_path,
			  &r->len.path_pos))
		return NULL;
	return r;
}

static struct syz_type *compile_proc(struct comp *c, struct ast_type *t,
				     struct tctx ctx, const struct type_desc *d)
{
	struct syz_type *r = comp_new_type(c, SYZ_T_PROC, t->ident);

	(void)d;
	if (!r || !apply_base(c, r, t->n_args > 2 ? t->args[2] : NULL, ctx))
		return NULL;
	if (!comp_const_value(c, t->args[0], &r->proc.start) ||
	    !comp_const_value(c, t->args[1], &r->proc.per_proc))
		return NULL;
	if (!r->proc.per_proc) {
		err(c, &t->args[1]->pos,
		    "proc needs at least one value per process");
		return NULL;
	}
	if (r->size < 8 && r->i.bitfield_len == 0 &&
	    r->proc.start + r->proc.per_proc * 32 > (1ull << (r->size * 8))) {
		err(c, &t->pos, "proc values do not fit in %llu bytes",
		    (unsigned long long)r->size);
		return NULL;
	}
	return r;
}

static struct syz_type *compile_csum(struct comp *c, struct ast_type *t,
				     struct tctx ctx, const struct type_desc *d)
{
	struct syz_type *r = comp_new_type(c, SYZ_T_CSUM, t->ident);

	(void)d;
	if (!r || !apply_base(c, r, t->args[t->n_args - 1], ctx))
		return NULL;
	if (!comp_path_of(c, t->args[0], &r->csum.path, &r->csum.n_path,
			  &r->csum.path_pos))
		return NULL;
	if (comp_is_ident(t->args[1], "inet")) {
		r->csum.kind = SYZ_CSUM_INET;
		if (t->n_args != 3) {
			err(c, &t->pos, "inet csum takes no protocol");
			return NULL;
		}
	} else if (comp_is_ident(t->args[1], "pseudo")) {
		r->csum.kind = SYZ_CSUM_PSEUDO;
		if (t->n_args != 4) {
			err(c, &t->pos, "pseudo csum needs a protocol");
			return NULL;
		}
		if (!comp_const_value(c, t->args[2], &r->csum.protocol))
			return NULL;
	} else {
		err(c, &t->args[1]->pos, "expected csum kind inet or pseudo");
		return NULL;
	}
	return r;
}

/* vma, vma64 */
static struct syz_type *compile_vma(struct comp *c, struct ast_type *t,
				    struct tctx ctx, const struct type_desc *d)
{
	struct syz_type *r = comp_new_type(c, SYZ_T_VMA, t->ident);

	(void)ctx;
	(void)d;
	if (!r)
		return NULL;
	r->size = r->align = 8;
	if (t->n_args) {
		struct ast_type *a = t->args[0];
		if (!comp_const_value(c, a, &r->vma.range_begin))
			return NULL;
		r->vma.range_end = r->vma.range_begin;
		if (a->n_colon &&
		    !comp_const_value(c, a->colon[0], &r->vma.range_end))
			return NULL;
	}
	return r;
}

/* ptr, ptr64 */
static struct syz_type *compile_ptr(struct comp *c, struct ast_type *t,
				    struct tctx ctx, const struct type_desc *d)
{
	bool opt = false;

	(void)ctx;
	if (t->n_args == 3) {
		if (!comp_is_ident(t->args[2], "opt")) {
			err(c, &t->args[2]->pos, "expected opt");
			return NULL;
		}
		opt = true;
	}
	struct syz_type *r = comp_new_type(c, SYZ_T_PTR, t->ident);
	if (!r || !comp_parse_dir(c, t->args[0], &r->ptr.elem_dir))
		return NULL;
	r->size = r->align = 8;
	r->ptr.ptr64 = d->ptr64;
	struct tctx ec = { 0 };
	if (++c->depth > MAX_DEPTH) {
		err(c, &t->pos, "types nest too deep");
		c->depth--;
		return NULL;
	}
	r->ptr.elem = comp_type(c, t->args[1], ec);
	c->depth--;
	if (!r->ptr.elem)
		return NULL;
	r->optional = opt;
	return r;
}

static struct syz_type *compile_array(struct comp *c, struct ast_type *t,
				      struct tctx ctx,
				      const struct type_desc *d)
{
	struct syz_type *r;

	(void)ctx;
	(void)d;
	struct tctx ec = { .in_struct = false };
	if (++c->depth > MAX_DEPTH) {
		err(c, &t->pos, "types nest too deep");
		c->depth--;
		return NULL;
	}
	const struct syz_type *elem = comp_type(c, t->args[0], ec);
	c->depth--;
	if (!elem)
		return NULL;
	bool is_range = false;
	uint64_t lo = 0, hi = 0;
	if (t->n_args > 1) {
		struct ast_type *a = t->args[1];
		if (!comp_const_value(c, a, &lo))
			return NULL;
		hi = lo;
		if (a->n_colon && !comp_const_value(c, a->colon[0], &hi))
			return NULL;
		if (lo > hi) {
			err(c, &a->pos, "bad array size range");
			return NULL;
		}
		is_range = true;
	}
	/* syzkaller's rule: an array of plain 1-byte ints (int8,
	 * int8be, typedefs of them; not ranges) is a blob. */
	if (elem->kind == SYZ_T_INT && elem->size == 1 &&
	    !elem->int_.is_range && !elem->i.bitfield_len &&
	    elem->i.format <= SYZ_FMT_BIG_ENDIAN) {
		r = comp_new_type(c, SYZ_T_BUFFER, t->ident);
		if (!r)
			return NULL;
		r->buf.kind = is_range ? SYZ_BUF_BLOB_RANGE : SYZ_BUF_BLOB_RAND;
		r->buf.range_begin = lo;
		r->buf.range_end = hi;
		if (is_range && lo == hi)
			r->size = lo;
		else
			r->varlen = true;
		return r;
	}
	if (elem->kind == SYZ_T_VOID) {
		/* array[void]: always empty */
		r = comp_new_type(c, SYZ_T_BUFFER, t->ident);
		if (!r)
			return NULL;
		r->buf.kind = SYZ_BUF_BLOB_RANGE;
		return r;
	}
	r = comp_new_type(c, SYZ_T_ARRAY, t->ident);
	if (!r)
		return NULL;
	r->array.elem = elem;
	r->array.is_range = is_range;
	r->array.range_begin = lo;
	r->array.range_end = hi;
	r->varlen = true; /* sized by comp_finalize_type() */
	if (vec_push(&c->arrays, r))
		return NULL;
	return r;
}

static struct syz_type *compile_glob(struct comp *c, struct ast_type *t,
				     struct tctx ctx, const struct type_desc *d)
{
	(void)ctx;
	(void)d;
	if (t->args[0]->kind != AT_STRING) {
		err(c, &t->args[0]->pos, "glob takes a quoted pattern");
		return NULL;
	}
	struct syz_type *r = comp_new_type(c, SYZ_T_BUFFER, t->ident);
	const char **v = arena_alloc(c->a, sizeof(*v));
	size_t *l = arena_alloc(c->a, sizeof(*l));
	if (!r || !v || !l)
		return NULL;
	v[0] = arena_strdup(c->a, t->args[0]->str);
	l[0] = t->args[0]->str_len;
	r->buf.kind = SYZ_BUF_GLOB;
	r->buf.values = v;
	r->buf.value_lens = l;
	r->buf.n_values = 1;
	r->varlen = true;
	return r;
}

static struct syz_type *compile_text(struct comp *c, struct ast_type *t,
				     struct tctx ctx, const struct type_desc *d)
{
	static const char *const kinds[] = { "x86_real", "x86_16", "x86_32",
					     "x86_64",	 "arm64",  "ppc64",
					     "riscv64",	 "target" };
	struct syz_type *r = comp_new_type(c, SYZ_T_BUFFER, t->ident);

	(void)ctx;
	(void)d;
	if (!r)
		return NULL;
	r->buf.kind = SYZ_BUF_TEXT;
	r->varlen = true;
	size_t k;
	for (k = 0; k < 8; k++)
		if (comp_is_ident(t->args[0], kinds[k]))
			break;
	if (k == 7)
		k = SYZ_TEXT_X86_64; /* target: amd64 */
	if (k == 8) {
		err(c, &t->args[0]->pos,
		    "unknown text kind (expected x86_real, x86_16, "
		    "x86_32, x86_64, arm64 or ppc64)");
		return NULL;
	}
	r->buf.text = (enum syz_text_kind)k;
	return r;
}

static struct syz_type *compile_compressed(struct comp *c, struct ast_type *t,
					   struct tctx ctx,
					   const struct type_desc *d)
{
	struct syz_type *r = comp_new_type(c, SYZ_T_BUFFER, t->ident);

	(void)ctx;
	(void)d;
	if (!r)
		return NULL;
	r->buf.kind = SYZ_BUF_COMPRESSED;
	r->varlen = true;
	return r;
}

static struct syz_type *compile_void(struct comp *c, struct ast_type *t,
				     struct tctx ctx, const struct type_desc *d)
{
	(void)ctx;
	(void)d;
	return comp_new_type(c, SYZ_T_VOID, t->ident);
}

static struct syz_type *compile_fmt(struct comp *c, struct ast_type *t,
				    struct tctx ctx, const struct type_desc *d)
{
	enum syz_int_format f;
	uint64_t sz;

	(void)ctx;
	(void)d;
	if (comp_is_ident(t->args[0], "dec")) {
		f = SYZ_FMT_STR_DEC;
		sz = 20;
	} else if (comp_is_ident(t->args[0], "hex")) {
		f = SYZ_FMT_STR_HEX;
		sz = 18;
	} else if (comp_is_ident(t->args[0], "oct")) {
		f = SYZ_FMT_STR_OCT;
		sz = 23;
	} else {
		err(c, &t->args[0]->pos, "expected fmt format dec, hex or oct");
		return NULL;
	}
	struct tctx ec = { 0 };
	struct syz_type *r = comp_type(c, t->args[1], ec);
	if (!r)
		return NULL;
	if (r->kind != SYZ_T_INT && r->kind != SYZ_T_FLAGS &&
	    r->kind != SYZ_T_RESOURCE && r->kind != SYZ_T_PROC &&
	    r->kind != SYZ_T_CONST && r->kind != SYZ_T_LEN) {
		err(c, &t->args[1]->pos,
		    "fmt takes an int, flags, const, proc or resource");
		return NULL;
	}
	r->i.format = f;
	r->size = sz;
	r->align = 1;
	return r;
}

#define INT_TYPE(n, sz, big)                                 \
	{                                                    \
		.name = (n), .compile = compile_int,         \
		.args = { { "range", TARG_INT, true },       \
			  { "align", TARG_INT, true } },     \
		.bitfield = true, .size = (sz), .be = (big), \
	}
#define LEN_TYPE(n, bits)                                \
	{                                                \
		.name = (n), .compile = compile_len,     \
		.args = { { "path", TARG_PATH },         \
			  { "base", TARG_BASE, true } }, \
		.len_bits = (bits),                      \
	}

/* Every builtin type, by name; type aliases, templates, structs and
 * resources are looked up in the declarations instead. */
static const struct type_desc builtin_types[] = {
	INT_TYPE("int8", 1, false),
	INT_TYPE("int16", 2, false),
	INT_TYPE("int32", 4, false),
	INT_TYPE("int64", 8, false),
	INT_TYPE("int16be", 2, true),
	INT_TYPE("int32be", 4, true),
	INT_TYPE("int64be", 8, true),
	INT_TYPE("intptr", PTR_SIZE, false),
	{
		.name = "int8be",
		.compile = compile_int,
		.args = { { "range", TARG_INT, true },
			  { "align", TARG_INT, true } },
		.bitfield = true,
		.unreserved = true,
		.size = 1,
		.be = true,
	},
	{
		.name = "const",
		.compile = compile_const,
		.args = { { "value", TARG_INT }, { "base", TARG_BASE, true } },
	},
	{
		.name = "flags",
		.compile = compile_flags,
		.args = { { "flags", TARG_FLAGS },
			  { "base", TARG_BASE, true } },
	},
	LEN_TYPE("len", 0),
	LEN_TYPE("bytesize", 8),
	LEN_TYPE("bytesize2", 16),
	LEN_TYPE("bytesize4", 32),
	LEN_TYPE("bytesize8", 64),
	LEN_TYPE("bitsize", 1),
	{
		.name = "offsetof",
		.compile = compile_len,
		.args = { { "path", TARG_PATH }, { "base", TARG_BASE, true } },
		.len_bits = 8,
		.offsetof = true,
	},
	{
		.name = "ptr",
		.compile = compile_ptr,
		.args = { { "direction", TARG_WORD },
			  { "type", TARG_TYPE },
			  { "opt", TARG_OPT, true } },
	},
	{
		.name = "ptr64",
		.compile = compile_ptr,
		.args = { { "direction", TARG_WORD },
			  { "type", TARG_TYPE },
			  { "opt", TARG_OPT, true } },
		.ptr64 = true,
	},
	{
		.name = "string",
		.compile = compile_string,
		.args = { { "value", TARG_STRING, true },
			  { "size", TARG_INT, true } },
	},
	{
		.name = "stringnoz",
		.compile = compile_string,
		.args = { { "value", TARG_STRING, true },
			  { "size", TARG_INT, true } },
		.noz = true,
	},
	{
		.name = "glob",
		.compile = compile_glob,
		.args = { { "pattern", TARG_STRING } },
	},
	{
		.name = "array",
		.compile = compile_array,
		.args = { { "type", TARG_TYPE }, { "size", TARG_INT, true } },
	},
	{
		.name = "vma",
		.compile = compile_vma,
		.args = { { "pages", TARG_INT, true } },
	},
	{
		.name = "vma64",
		.compile = compile_vma,
		.args = { { "pages", TARG_INT, true } },
	},
	{
		.name = "proc",
		.compile = compile_proc,
		.args = { { "start", TARG_INT },
			  { "per_proc", TARG_INT },
			  { "base", TARG_BASE, true } },
	},
	{
		.name = "csum",
		.compile = compile_csum,
		.args = { { "path", TARG_PATH },
			  { "kind", TARG_WORD },
			  { "protocol", TARG_INT, true },
			  { "base", TARG_BASE } },
	},
	{
		.name = "text",
		.compile = compile_text,
		.args = { { "kind", TARG_WORD } },
	},
	{
		.name = "void",
		.compile = compile_void,
	},
	{
		.name = "fmt",
		.compile = compile_fmt,
		.args = { { "format", TARG_WORD }, { "value", TARG_TYPE } },
	},
	{
		.name = "compressed_image",
		.compile = compile_compressed,
	},
};

static const struct type_desc *builtin_type(const char *name)
{
	for (size_t i = 0; i < sizeof(builtin_types) / sizeof(*builtin_types);
	     i++)
		if (!strcmp(builtin_types[i].name, name))
			return &builtin_types[i];
	return NULL;
}

bool comp_is_builtin(const char *s)
{
	const struct type_desc *d = builtin_type(s);

	return d && !d->unreserved;
}

struct syz_type *comp_type(struct comp *c, struct ast_type *t, struct tctx ctx)
{
	struct syz_type *r;
	const struct type_desc *d;
	const char *id;

	if (t->kind != AT_IDENT) {
		err(c, &t->pos, "expected a type, got %s",
		    t->kind == AT_INT ? "an integer" : "a string");
		return NULL;
	}
	id = t->ident;
	d = builtin_type(id);
	bool opt = false;
	/* a trailing "opt" arg marks the type optional */
	if (t->n_args && comp_is_ident(t->args[t->n_args - 1], "opt") &&
	    !(d && type_takes_opt(d))) {
		struct ast_type *x = arena_memdup(&c->ast, t, sizeof(*t));
		if (!x)
			return NULL;
		x->n_args--;
		t = x;
		opt = true;
	}
	if (t->n_colon && strncmp(id, "int", 3) && !strmap_get(&c->types, id)) {
		err(c, &t->colon[0]->pos, "unexpected ':' after %s", id);
		return NULL;
	}
	if (d) {
		if (!d->bitfield &&
		    !want_args(c, t, type_min_args(d), type_max_args(d)))
			return NULL;
		r = d->compile(c, t, ctx, d);
	} else if (!strncmp(id, "bytesize", 8)) {
		/* the bytesizeN names are the builtins' alone */
		err(c, &t->pos, "unknown type %s", id);
		return NULL;
	} else {
		r = compile_named(c, t, ctx, id);
	}
	if (!r)
		return NULL;
	if (opt) {
		if (r->kind == SYZ_T_STRUCT || r->kind == SYZ_T_UNION) {
			err(c, &t->pos, "%s can't be opt", r->name);
			return NULL;
		}
		r->optional = true;
	}
	return r;
}
