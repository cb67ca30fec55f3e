/*
 * Structs and unions for the syzlang compiler: fields, attributes,
 * conditions, and their x86-64 C layouts once every type exists.
 */
#include <stdlib.h>
#include <string.h>

#include "compile_internal.h"

static bool field_attrs(struct comp *c, struct ast_node *n, struct ast_field *f,
			struct syz_field *out, struct env *env, bool *overlay)
{
	*overlay = false;
	for (size_t i = 0; i < f->n_attrs; i++) {
		struct ast_type *a = f->attrs[i];
		if (a->kind != AT_IDENT)
			goto bad;
		if (!strcmp(a->ident, "in") || !strcmp(a->ident, "out") ||
		    !strcmp(a->ident, "inout")) {
			if (out->has_dir) {
				err(c, &f->pos,
				    "field %s has multiple direction attributes",
				    f->name);
				return false;
			}
			out->has_dir = true;
			comp_parse_dir(c, a, &out->dir);
		} else if (!strcmp(a->ident, "out_overlay")) {
			if (n->is_union) {
				err(c, &a->pos,
				    "out_overlay is not allowed in unions");
				return false;
			}
			*overlay = true;
		} else if (!strcmp(a->ident, "if") && a->expr) {
			continue; /* compiled later */
		} else {
			goto bad;
		}
		if (a->n_args)
			goto bad;
		continue;
bad:
		err(c, &a->pos,
		    "unknown field attribute (expected in, out, inout, "
		    "out_overlay or if[...])");
		return false;
	}
	(void)env;
	return true;
}

static struct syz_expr *compile_expr(struct comp *c, struct ast_expr *e)
{
	struct syz_expr *r = arena_alloc(c->a, sizeof(*r));

	if (!r)
		return NULL;
	r->op = e->op;
	switch (e->op) {
	case SYZ_EXPR_VALUE: {
		const char *const *path;
		size_t n;
		if (!comp_path_of(c, e->value->args[0], &path, &n,
				  &r->path_pos))
			return NULL;
		r->path = path;
		r->n_path = n;
		break;
	}
	case SYZ_EXPR_CONST:
		if (!comp_const_value(c, e->value, &r->value))
			return NULL;
		break;
	default:
		r->left = compile_expr(c, e->left);
		r->right = compile_expr(c, e->right);
		if (!r->left || !r->right)
			return NULL;
	}
	return r;
}

static struct syz_type *make_pad(struct comp *c, uint64_t size)
{
	struct syz_type *p = comp_new_type(c, SYZ_T_CONST, "pad");

	if (p) {
		p->size = size;
		p->const_.is_pad = true;
	}
	return p;
}

static bool struct_attrs(struct comp *c, struct ast_node *n, struct syz_type *t,
			 bool *varlen_attr, struct env *env)
{
	for (size_t i = 0; i < n->n_vals; i++) {
		struct ast_type *a = comp_subst(c, n->vals[i], env);
		if (!a)
			return false;
		if (a->kind != AT_IDENT)
			goto bad;
		if (!strcmp(a->ident, "packed") && !n->is_union && !a->n_args) {
			t->st.packed = true;
		} else if (!strcmp(a->ident, "varlen") && n->is_union &&
			   !a->n_args) {
			*varlen_attr = true;
		} else if (!strcmp(a->ident, "align") && !n->is_union &&
			   a->n_args == 1) {
			if (!comp_const_value(c, a->args[0], &t->st.align_attr))
				return false;
			uint64_t v = t->st.align_attr;
			if (v & (v - 1)) {
				err(c, &a->pos,
				    "alignment %llu is not a "
				    "power of 2",
				    (unsigned long long)v);
				return false;
			}
		} else if (!strncmp(a->ident, "align_", 6) && !n->is_union &&
			   !a->n_args) {
			t->st.align_attr = strtoull(a->ident + 6, NULL, 10);
		} else if (!strcmp(a->ident, "size") && a->n_args == 1) {
			if (!comp_const_value(c, a->args[0], &t->st.size_attr))
				return false;
		} else {
			goto bad;
		}
		continue;
bad:
		err(c, &a->pos, "unknown %s attribute%s",
		    n->is_union ? "union" : "struct",
		    n->is_union ? " (expected varlen or size[N])" :
				  " (expected packed, align[N] or size[N])");
		return false;
	}
	return true;
}

/* C ABI layout of a struct (syzkaller's rules: bitfields of the same
 * base size share a unit while they fit). Inserts pad fields. */
static bool layout_struct(struct comp *c, struct ast_node *n,
			  struct syz_type *t, struct field_vec *in,
			  const struct ast_pos *use)
{
	struct field_vec out = { 0 };
	uint64_t off = 0, align = 1, unit_bits = 0, unit_size = 0;
	bool varlen = false;
	bool ok = true;

	uint64_t in_size = 0;
	int overlay = t->st.overlay_field;
	for (size_t i = 0; i < in->n; i++) {
		struct syz_field f = in->v[i];
		struct syz_type *ft = (struct syz_type *)f.type;
		uint64_t fa = t->st.packed ? 1 : ft->align;
		if ((int)i == overlay) {
			/* out fields overlay the in fields from offset 0 */
			in_size = off;
			off = 0;
			unit_size = 0;
			t->st.overlay_field = (int)out.n;
		}
		if (fa > align)
			align = fa;
		if ((ft->varlen || f.cond) && i + 1 < in->n && !t->st.packed) {
			err(c, &n->fields[i].pos,
			    "variable size field %s in the middle of non-packed "
			    "struct %s",
			    f.name, t->name);
			ok = false;
		}
		if (ft->i.bitfield_len) {
			uint64_t us = ft->size;
			/* continue the current unit? */
			if (unit_size == us &&
			    unit_bits + ft->i.bitfield_len <= us * 8) {
				/* mark previous as middle */
				struct syz_type *pt =
					(struct syz_type *)out.v[out.n - 1].type;
				pt->i.bitfield_middle = true;
				pt->size = 0;
				ft->i.bitfield_off = unit_bits;
				ft->i.bitfield_unit = us;
				unit_bits += ft->i.bitfield_len;
				f.offset = out.v[out.n - 1].offset;
				if (vec_push(&out, f))
					goto nomem;
				continue;
			}
			unit_size = us;
			unit_bits = ft->i.bitfield_len;
			ft->i.bitfield_off = 0;
			ft->i.bitfield_unit = us;
		} else {
			unit_size = 0;
		}
		if (!varlen && off % fa) {
			struct syz_field p = { .name = "", .offset = off };
			p.type = make_pad(c, fa - off % fa);
			if (!p.type || vec_push(&out, p))
				goto nomem;
			off += fa - off % fa;
		}
		f.offset = varlen ? SYZ_OFFSET_VARLEN : off;
		if (vec_push(&out, f))
			goto nomem;
		if (ft->varlen || f.cond)
			varlen = true;
		else
			off += ft->size;
	}
	if (overlay >= 0 && in_size > off && !varlen)
		off = in_size;
	if (t->st.align_attr)
		align = t->st.align_attr;
	t->align = align;
	if (!varlen && off % align) {
		struct syz_field p = { .name = "", .offset = off };
		p.type = make_pad(c, align - off % align);
		if (!p.type || vec_push(&out, p))
			goto nomem;
		off += align - off % align;
	}
	if (t->st.size_attr) {
		if (varlen) {
			err(c, use, "varlen struct %s has size attribute",
			    t->name);
			ok = false;
		} else if (off > t->st.size_attr) {
			err(c, use,
			    "struct %s has size %llu, larger than its "
			    "size attribute %llu",
			    t->name, (unsigned long long)off,
			    (unsigned long long)t->st.size_attr);
			ok = false;
		} else if (off < t->st.size_attr) {
			struct syz_field p = { .name = "", .offset = off };
			p.type = make_pad(c, t->st.size_attr - off);
			if (!p.type || vec_push(&out, p))
				goto nomem;
			off = t->st.size_attr;
		}
	}
	t->varlen = varlen;
	t->size = varlen ? 0 : off;
	t->st.fields = arena_memdup(c->a, out.v, out.n * sizeof(*out.v));
	t->st.n_fields = out.n;
	vec_free(&out);
	return ok;
nomem:
	vec_free(&out);
	return false;
}

struct syz_type *comp_struct(struct comp *c, struct ast_node *n,
			     const char *name, struct env *env,
			     const struct ast_pos *use)
{
	struct struct_state *s = strmap_get(&c->instances, name);

	if (s) {
		if (s->state == ST_FIELDS) {
			/* used by value while being compiled: only pointers
			 * may form cycles; the ptr case never gets here with
			 * ST_FIELDS because ptr elems are compiled lazily */
			return s->t;
		}
		return s->t;
	}
	s = arena_alloc(&c->ast, sizeof(*s));
	struct syz_type *t = comp_new_type(
		c, n->is_union ? SYZ_T_UNION : SYZ_T_STRUCT, name);
	if (!s || !t || strmap_add(&c->instances, name, s, NULL) < 0)
		return NULL;
	s->t = t;
	s->n = n;
	s->state = ST_FIELDS;
	t->st.overlay_field = -1;
	t->st.file = n->pos.file;
	t->st.line = n->pos.line;
	if (vec_push(&c->structs, t))
		return NULL;
	if (++c->depth > MAX_DEPTH) {
		err(c, use, "%s %s: types nest too deep", comp_decl_kind(n),
		    name);
		c->depth--;
		return NULL;
	}
	struct buf saved = c->missing;
	memset(&c->missing, 0, sizeof(c->missing));
	bool varlen_attr = false;
	bool ok = struct_attrs(c, n, t, &varlen_attr, env);
	struct field_vec fields = { 0 };
	bool has_dirs = false;
	if (!n->n_fields) {
		err(c, &n->pos, "%s %s has no fields", comp_decl_kind(n), name);
		ok = false;
	}
	for (size_t i = 0; i < n->n_fields && ok; i++) {
		struct ast_field *af = &n->fields[i];
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(n->fields[j].name, af->name)) {
				err(c, &af->pos, "duplicate field %s in %s %s",
				    af->name, comp_decl_kind(n), name);
				ok = false;
			}
		}
		struct ast_type *ft = comp_subst(c, af->type, env);
		struct tctx fc = { .in_struct = true };
		struct syz_field f = { .name = af->name };
		bool overlay;
		if (!ft || !field_attrs(c, n, af, &f, env, &overlay)) {
			ok = false;
			break;
		}
		f.type = comp_type(c, ft, fc);
		if (!f.type) {
			ok = false;
			break;
		}
		for (size_t k = 0; k < af->n_attrs; k++) {
			if (comp_is_ident(af->attrs[k], "if")) {
				struct ast_expr *ex = af->attrs[k]->expr;
				if (env && env->n &&
				    !(ex = comp_subst_expr(c, ex, env))) {
					ok = false;
					break;
				}
				f.cond = compile_expr(c, ex);
				if (!f.cond) {
					ok = false;
					break;
				}
				if (f.type->i.bitfield_len) {
					err(c, &af->pos,
					    "bitfields can't be conditional");
					ok = false;
				}
			}
		}
		if (f.type->kind == SYZ_T_VOID && !n->is_union && !env) {
			/* void fields are allowed (templates, unions) */
		}
		if (overlay) {
			if (t->st.overlay_field >= 0 || i == 0) {
				err(c, &af->pos,
				    i == 0 ?
					    "out_overlay attribute must not be "
					    "specified on the first field" :
					    "multiple out_overlay attributes");
				ok = false;
			}
			t->st.overlay_field = (int)fields.n;
		}
		has_dirs |= f.has_dir;
		if (has_dirs && t->st.overlay_field >= 0) {
			err(c, &af->pos,
			    "mix of direction and out_overlay attributes is not "
			    "supported (field %s)",
			    af->name);
			ok = false;
		}
		if (vec_push(&fields, f)) {
			ok = false;
			break;
		}
	}
	s->varlen_attr = varlen_attr;
	s->use = use;
	if (ok) {
		t->st.fields = arena_memdup(c->a, fields.v,
					    fields.n * sizeof(*fields.v));
		t->st.n_fields = fields.n;
	}
	s->failed = !ok;
	vec_free(&fields);
	if (c->missing.len)
		comp_diag(c, &n->pos, true,
			  "unsupported %s %s: missing consts for amd64: %s",
			  comp_decl_kind(n), name, c->missing.data);
	buf_free(&c->missing);
	c->missing = saved;
	c->depth--;
	s->state = ST_FIELDS_DONE;
	return ok ? t : NULL;
}

/* Sizes of arrays and structs once every type exists: by-value
 * recursion is an error here (pointers and varlen arrays break it). */
bool comp_finalize_type(struct comp *c, struct syz_type *t,
			const struct ast_pos *pos)
{
	if (t->kind == SYZ_T_STRUCT || t->kind == SYZ_T_UNION)
		return comp_finalize_struct(c, t, pos);
	if (t->kind != SYZ_T_ARRAY)
		return true;
	struct syz_type *e = (struct syz_type *)t->array.elem;
	bool fixed = t->array.is_range &&
		     t->array.range_begin == t->array.range_end;
	if (!fixed)
		c->varlen_arrays++;
	bool ok = comp_finalize_type(c, e, pos);
	if (!fixed)
		c->varlen_arrays--;
	if (!ok)
		return false;
	t->align = e->align;
	if (fixed && !e->varlen) {
		t->size = t->array.range_begin * e->size;
		t->varlen = false;
	} else {
		t->size = 0;
		t->varlen = true;
	}
	return true;
}

static bool layout_union(struct comp *c, struct struct_state *s)
{
	struct syz_type *t = s->t;
	struct ast_node *n = s->n;
	uint64_t size = 0, align = 1;
	bool varlen = false, ok = true;

	for (size_t i = 0; i < t->st.n_fields; i++) {
		const struct syz_type *ft = t->st.fields[i].type;
		if (ft->varlen)
			varlen = true;
		else if (ft->size > size)
			size = ft->size;
		if (ft->align > align)
			align = ft->align;
	}
	if (varlen && !s->varlen_attr) {
		err(c, &n->pos,
		    "union %s has variable size options but is not marked "
		    "[varlen]",
		    t->name);
		ok = false;
	}
	if (t->st.n_fields && t->st.fields[t->st.n_fields - 1].cond) {
		err(c, &n->fields[t->st.n_fields - 1].pos,
		    "the last option of union %s must be unconditional",
		    t->name);
		ok = false;
	}
	if (t->st.size_attr) {
		if (s->varlen_attr) {
			err(c, &n->pos, "varlen union %s has size attribute",
			    t->name);
			ok = false;
		} else if (size > t->st.size_attr) {
			err(c, &n->pos,
			    "union %s is larger than its size attribute",
			    t->name);
			ok = false;
		}
		size = t->st.size_attr;
	}
	if (size % align && !s->varlen_attr)
		size += align - size % align;
	t->align = align;
	t->varlen = s->varlen_attr;
	t->size = s->varlen_attr ? 0 : size;
	return ok;
}

bool comp_finalize_struct(struct comp *c, struct syz_type *t,
			  const struct ast_pos *pos)
{
	struct struct_state *s = strmap_get(&c->instances, t->name);

	if (!s || s->failed)
		return false;
	if (s->state == ST_LAID_OUT)
		return true;
	if (s->state == ST_LAYOUT && c->varlen_arrays > s->arr_mark) {
		/* recursion through a variable-length array: fine, and the
		 * struct is varlen (it contains that array) */
		t->varlen = true;
		return true;
	}
	if (s->state == ST_LAYOUT) {
		err(c, pos,
		    "recursive declaration: %s contains itself by value (use a "
		    "pointer or a variable-length array)",
		    t->name);
		s->failed = true;
		return false;
	}
	if (++c->depth > MAX_DEPTH) {
		c->depth--;
		err(c, pos, "%s: types nest too deep", t->name);
		return false;
	}
	s->state = ST_LAYOUT;
	s->arr_mark = c->varlen_arrays;
	bool ok = true;
	for (size_t i = 0; i < t->st.n_fields && ok; i++) {
		const struct ast_pos *fp =
			i < s->n->n_fields ? &s->n->fields[i].pos : pos;
		ok = comp_finalize_type(
			c, (struct syz_type *)t->st.fields[i].type, fp);
	}
	if (ok) {
		if (t->kind == SYZ_T_UNION) {
			ok = layout_union(c, s);
		} else {
			struct field_vec raw = {
				(struct syz_field *)t->st.fields,
				t->st.n_fields, t->st.n_fields
			};
			ok = layout_struct(c, s->n, t, &raw, s->use);
		}
	}
	c->depth--;
	s->state = ST_LAID_OUT;
	s->failed = !ok;
	return ok;
}
