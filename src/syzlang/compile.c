/*
 * The syzlang compiler: syntax trees of all description files to the
 * compiled model of target.h for linux/amd64 (consts, types with C
 * layouts, resources, calls), with syzkaller's semantic checks.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"
#include "internal.h"
#include "util/buf.h"
#include "util/fileio.h"
#include "util/log.h"
#include "util/strmap.h"

#define ARCH "amd64"
#define PTR_SIZE 8
#define MAX_DEPTH 200
#define MAX_ARGS 9

static const char builtin_text[] =
	"type bool8 int8[0:1]\n"
	"type bool16 int16[0:1]\n"
	"type bool32 int32[0:1]\n"
	"type bool64 int64[0:1]\n"
	"type boolptr intptr[0:1]\n"
	"type fileoff[BASE] BASE\n"
	"type filename string[filename]\n"
	"filename = \"\", \".\"\n"
	"type buffer[DIR] ptr[DIR, array[int8]]\n"
	"type optional[T] [\n\tval\tT\n\tvoid\tvoid\n] [varlen]\n"
	"ANYUNION [\n"
	"\tANYBLOB\tarray[int8]\n"
	"\tANYRES16\tANYRES16\n"
	"\tANYRES32\tANYRES32\n"
	"\tANYRES64\tANYRES64\n"
	"\tANYRESDEC\tfmt[dec, ANYRES64]\n"
	"\tANYRESHEX\tfmt[hex, ANYRES64]\n"
	"\tANYRESOCT\tfmt[oct, ANYRES64]\n"
	"] [varlen]\n"
	"ANYPTRS [\n"
	"\tANYPTR\tptr[in, array[ANYUNION]]\n"
	"\tANYPTR64\tptr64[in, array[ANYUNION]]\n"
	"]\n"
	"resource ANYRES16[int16]: -1, 0\n"
	"resource ANYRES32[int32]: -1, 0\n"
	"resource ANYRES64[int64]: -1, 0\n"
	"syz_builtin0(a ptr[in, ANYPTRS]) (disabled)\n"
	"syz_builtin1(a ptr[out, ANYUNION]) (disabled)\n";

struct cval {
	uint64_t value;
	bool missing; /* "???" for amd64 */
	bool used;
	const char *name;
};

/* A declaration: the node plus bookkeeping. */
struct decl {
	struct ast_node *n;
	bool used;
	bool builtin;
};

struct res_state {
	struct syz_resource *r;
	struct decl *d;
	int state; /* 0 new, 1 in progress, 2 done */
	bool input; /* some call takes it (or a descendant) as input */
	VEC(struct syz_resource_ctor) ctors;
	VEC(const struct syz_call *) consumers;
};

struct struct_state {
	struct syz_type *t;
	/* 1 fields in progress, 2 fields done, 4 layout in progress,
	 * 3 laid out */
	int state;
	struct ast_node *n;
	bool varlen_attr;
	bool failed;
	int arr_mark; /* c->varlen_arrays when its layout started */
	const struct ast_pos *use;
};

struct type_vec {
	struct ast_type **v;
	size_t n;
	size_t cap;
};

struct field_vec {
	struct syz_field *v;
	size_t n;
	size_t cap;
};

struct env {
	const char *const *params;
	struct ast_type **args;
	size_t n;
};

struct comp {
	struct arena *a; /* results: the target's arena */
	struct arena ast; /* syntax trees, freed after compiling */
	struct syz_diags *diags;
	size_t n_errors;
	VEC(struct ast_file) files;
	struct strmap consts; /* name -> struct cval */
	struct strmap types; /* resource, struct, typedef -> struct decl */
	struct strmap flags; /* int and string flags -> struct decl */
	struct strmap callmap; /* call name -> struct decl */
	struct strmap instances; /* struct name -> struct struct_state */
	struct strmap resources; /* name -> struct res_state */
	struct strmap reported; /* path errors already reported */
	VEC(struct decl *) call_decls;
	VEC(struct syz_call *) calls;
	VEC(struct syz_type *) structs;
	VEC(struct syz_type *) arrays;
	/* per-declaration missing consts */
	struct buf missing;
	int depth;
	int varlen_arrays; /* varlen arrays being finalized (nesting) */
	const struct ast_node *cur_call;
};

/* qsort that accepts an empty (NULL) array. */
static void sort_(void *base, size_t n, size_t size,
		  int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

/* ---- diagnostics ---- */

int syz_diags_add(struct syz_diags *d, const char *file, int line, int col,
		  bool warning, const char *msg)
{
	struct syz_diag x = { .line = line, .col = col, .warning = warning };

	if (d->n == d->cap) {
		size_t nc = d->cap ? d->cap * 2 : 16;
		struct syz_diag *nv = realloc(d->v, nc * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		d->v = nv;
		d->cap = nc;
	}
	x.file = strdup(file ? file : "");
	x.msg = strdup(msg);
	if (!x.file || !x.msg) {
		free(x.file);
		free(x.msg);
		return -ENOMEM;
	}
	d->v[d->n++] = x;
	if (!warning)
		d->n_errors++;
	return 0;
}

void syz_diags_free(struct syz_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].file);
		free(d->v[i].msg);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

const char *syz_diag_format(const struct syz_diag *d, char *buf, size_t len)
{
	if (d->line > 0)
		snprintf(buf, len, "%s:%d:%d: %s%s", d->file, d->line, d->col,
			 d->warning ? "warning: " : "", d->msg);
	else
		snprintf(buf, len, "%s: %s%s", d->file,
			 d->warning ? "warning: " : "", d->msg);
	return buf;
}

static void diag(struct comp *c, const struct ast_pos *pos, bool warning,
		 const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void diag(struct comp *c, const struct ast_pos *pos, bool warning,
		 const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!warning)
		c->n_errors++;
	if (!warning && c->n_errors > 1000)
		return;
	if (syz_diags_add(c->diags, pos ? pos->file : "", pos ? pos->line : 0,
			  pos ? pos->col : 0, warning, msg))
		c->n_errors++;
}

#define err(c, pos, ...) diag((c), (pos), false, __VA_ARGS__)

static void parse_err_cb(void *ctx, const struct ast_pos *pos, bool warning,
			 const char *msg)
{
	diag(ctx, pos, warning, "%s", msg);
}

static char *pos_str(struct comp *c, const struct ast_pos *p)
{
	return arena_printf(&c->ast, "%s:%d:%d", p->file, p->line, p->col);
}

/* ---- consts ---- */

static bool arch_in_list(const char *list, size_t len)
{
	const char *e = list + len;

	for (const char *p = list; p < e;) {
		while (p < e && (*p == ' ' || *p == ',' || *p == ':'))
			p++;
		const char *q = p;
		while (q < e && *q != ' ' && *q != ',' && *q != ':')
			q++;
		if (q - p == (int)strlen(ARCH) && !memcmp(p, ARCH, q - p))
			return true;
		p = q;
	}
	return false;
}

/*
 * A .const file: "arches = a, b" then "NAME = [default][, a:b:value]..."
 * (a value may be "???": unknown for those arches). Old per-arch files
 * ("x_amd64.const") are plain "NAME = value".
 */
static int load_consts(struct comp *c, const char *file, const char *text)
{
	int line = 0;
	bool arch_ok = true;

	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		if (!e)
			e = p + strlen(p);
		line++;
		const char *l = p;
		p = *e ? e + 1 : e;
		while (l < e && isspace((unsigned char)*l))
			l++;
		if (l == e || *l == '#')
			continue;
		const char *eq = memchr(l, '=', (size_t)(e - l));
		struct ast_pos pos = { file, line, 1 };
		if (!eq) {
			err(c, &pos, "expected NAME = VALUE in const file");
			continue;
		}
		const char *ne = eq;
		while (ne > l && isspace((unsigned char)ne[-1]))
			ne--;
		if (ne - l == 6 && !memcmp(l, "arches", 6)) {
			arch_ok = arch_in_list(eq + 1, (size_t)(e - eq - 1));
			continue;
		}
		if (!arch_ok)
			return 0;
		bool have = false, missing = false;
		uint64_t v = 0;
		for (const char *q = eq + 1; q < e;) {
			while (q < e &&
			       (isspace((unsigned char)*q) || *q == ','))
				q++;
			if (q >= e)
				break;
			const char *ie = q;
			while (ie < e && *ie != ',')
				ie++;
			/* item: [arch:arch:]value */
			const char *colon = NULL;
			for (const char *k = q; k < ie; k++)
				if (*k == ':')
					colon = k;
			const char *val = colon ? colon + 1 : q;
			bool applies = !colon || arch_in_list(q, colon - q);
			if (applies && (!colon || !have || true)) {
				char tmp[32];
				size_t vl = (size_t)(ie - val);
				while (vl &&
				       isspace((unsigned char)val[vl - 1]))
					vl--;
				if (vl >= sizeof(tmp))
					vl = sizeof(tmp) - 1;
				memcpy(tmp, val, vl);
				tmp[vl] = 0;
				if (!strcmp(tmp, "???")) {
					missing = true;
					have = true;
				} else {
					char *end;
					errno = 0;
					uint64_t x = strtoull(tmp, &end, 0);
					if (*end || errno || !vl) {
						pos.col = (int)(val - l) + 1;
						err(c, &pos,
						    "bad const value '%s'",
						    tmp);
						break;
					}
					v = x;
					missing = false;
					have = true;
				}
			}
			q = ie;
		}
		if (!have)
			continue;
		char *name = arena_strndup(&c->ast, l, (size_t)(ne - l));
		struct cval *cv = strmap_get(&c->consts, name);
		if (cv) {
			if (cv->missing && !missing) {
				cv->missing = false;
				cv->value = v;
			}
			continue;
		}
		cv = arena_alloc(&c->ast, sizeof(*cv));
		if (!cv || !name || strmap_add(&c->consts, name, cv, NULL) < 0)
			return -ENOMEM;
		cv->name = name;
		cv->value = v;
		cv->missing = missing;
	}
	return 0;
}

static int add_builtin_const(struct comp *c, const char *name, uint64_t v)
{
	struct cval *cv = arena_alloc(&c->ast, sizeof(*cv));

	if (!cv)
		return -ENOMEM;
	cv->name = name;
	cv->value = v;
	return strmap_set(&c->consts, name, cv);
}

/* Resolve an int-valued type arg (literal or const name). Missing consts
 * are recorded in c->missing and yield 0. */
static bool const_value(struct comp *c, const struct ast_type *t, uint64_t *v)
{
	if (t->kind == AT_INT) {
		*v = t->value;
		return true;
	}
	if (t->kind != AT_IDENT || t->n_args) {
		err(c, &t->pos, "expected an integer or a const name");
		return false;
	}
	struct cval *cv = strmap_get(&c->consts, t->ident);
	if (cv && !cv->missing) {
		cv->used = true;
		*v = cv->value;
		return true;
	}
	/* missing for amd64: remembered once per declaration */
	{
		const char *m = c->missing.data ? c->missing.data : "";
		size_t l = strlen(t->ident);
		bool dup = false;
		for (const char *p = m; (p = strstr(p, t->ident)); p += l) {
			if ((p == m || p[-1] == ' ') &&
			    (p[l] == ',' || p[l] == 0)) {
				dup = true;
				break;
			}
		}
		if (!dup)
			buf_printf(&c->missing, "%s%s",
				   c->missing.len ? ", " : "", t->ident);
	}
	*v = 0;
	return true;
}

/* ---- declarations ---- */

static const char *decl_kind(const struct ast_node *n)
{
	switch (n->kind) {
	case AST_RESOURCE:
		return "resource";
	case AST_STRUCT:
		return n->is_union ? "union" : "struct";
	case AST_TYPEDEF:
		return "type";
	case AST_INT_FLAGS:
	case AST_STR_FLAGS:
		return "flags";
	case AST_CALL:
		return "syscall";
	default:
		return "declaration";
	}
}

static bool is_builtin_name(const char *s);

static int declare(struct comp *c, struct strmap *m, struct ast_node *n,
		   bool builtin)
{
	struct decl *d = arena_alloc(&c->ast, sizeof(*d));
	void *old = NULL;
	int r;

	if (!d)
		return -ENOMEM;
	d->n = n;
	d->builtin = builtin;
	if (!builtin && n->kind != AST_CALL && is_builtin_name(n->name)) {
		err(c, &n->pos, "%s name %s conflicts with a builtin type",
		    decl_kind(n), n->name);
		return 0;
	}
	if (!strcmp(n->name, "opt") || !strcmp(n->name, "in") ||
	    !strcmp(n->name, "out") || !strcmp(n->name, "inout")) {
		err(c, &n->pos, "%s uses reserved name %s", decl_kind(n),
		    n->name);
		return 0;
	}
	r = strmap_add(m, n->name, d, &old);
	if (r < 0)
		return r;
	if (r == 1) {
		struct decl *o = old;
		if (o->builtin)
			err(c, &n->pos, "%s %s conflicts with a builtin %s",
			    decl_kind(n), n->name, decl_kind(o->n));
		else
			err(c, &n->pos,
			    "%s %s redeclared, previously declared as %s at %s",
			    decl_kind(n), n->name, decl_kind(o->n),
			    pos_str(c, &o->n->pos));
		return 0;
	}
	if (n->kind == AST_CALL && vec_push(&c->call_decls, d))
		return -ENOMEM;
	return 0;
}

static bool file_for_arch(struct comp *c, const struct ast_file *f)
{
	for (size_t i = 0; i < f->n_nodes; i++) {
		struct ast_node *n = f->nodes[i];
		if (n->kind != AST_META)
			continue;
		struct ast_type *t = n->vals[0];
		if (t->kind != AT_IDENT) {
			err(c, &t->pos, "bad meta directive");
			continue;
		}
		if ((!strcmp(t->ident, "noextract") ||
		     !strcmp(t->ident, "automatic")) &&
		    !t->n_args)
			continue;
		if (!strcmp(t->ident, "arches")) {
			bool ok = false;
			for (size_t j = 0; j < t->n_args; j++) {
				if (t->args[j]->kind != AT_STRING) {
					err(c, &t->args[j]->pos,
					    "meta arches takes strings");
					continue;
				}
				if (!strcmp(t->args[j]->str, ARCH))
					ok = true;
			}
			if (!ok)
				return false;
			continue;
		}
		err(c, &t->pos,
		    "unknown meta %s (expected noextract, automatic or arches)",
		    t->ident);
	}
	return true;
}

static int declare_file(struct comp *c, const struct ast_file *f, bool builtin)
{
	int r = 0;

	if (!file_for_arch(c, f))
		return 0;
	for (size_t i = 0; i < f->n_nodes && !r; i++) {
		struct ast_node *n = f->nodes[i];
		switch (n->kind) {
		case AST_RESOURCE:
		case AST_STRUCT:
		case AST_TYPEDEF:
			r = declare(c, &c->types, n, builtin);
			break;
		case AST_INT_FLAGS:
		case AST_STR_FLAGS:
			/* "_ = A, B" only marks consts for extraction */
			if (strcmp(n->name, "_"))
				r = declare(c, &c->flags, n, builtin);
			break;
		case AST_CALL:
			r = declare(c, &c->callmap, n, builtin);
			break;
		default:
			break;
		}
	}
	return r;
}

/* ---- type compilation ---- */

struct tctx {
	bool is_arg; /* syscall argument */
	bool is_ret;
	bool in_struct; /* struct/union field */
};

static struct syz_type *compile_type(struct comp *c, struct ast_type *t,
				     struct tctx ctx);
static struct syz_type *compile_struct(struct comp *c, struct ast_node *n,
				       const char *name, struct env *env,
				       const struct ast_pos *use);

static const char *const builtin_names[] = {
	"int8",
	"int16",
	"int32",
	"int64",
	"int16be",
	"int32be",
	"int64be",
	"intptr",
	"const",
	"flags",
	"len",
	"bytesize",
	"bytesize2",
	"bytesize4",
	"bytesize8",
	"bitsize",
	"offsetof",
	"ptr",
	"ptr64",
	"string",
	"stringnoz",
	"glob",
	"array",
	"vma",
	"vma64",
	"proc",
	"csum",
	"text",
	"void",
	"fmt",
	"compressed_image",
};

static bool is_builtin_name(const char *s)
{
	for (size_t i = 0; i < sizeof(builtin_names) / sizeof(*builtin_names);
	     i++)
		if (!strcmp(s, builtin_names[i]))
			return true;
	return false;
}

static struct syz_type *new_type(struct comp *c, enum syz_type_kind k,
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
static bool int_base(const char *s, uint64_t *size, bool *be)
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
		    !int_base(b->ident, &size, &be)) {
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
			if (!const_value(c, b->colon[0], &bits))
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

static bool is_ident(const struct ast_type *t, const char *s)
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

static struct ast_expr *subst_expr(struct comp *c, struct ast_expr *e,
				   const struct env *env);

/* Copy @t, replacing template parameters by their arguments. */
static struct ast_type *subst(struct comp *c, struct ast_type *t,
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
			if (!(v[i] = subst(c, r->args[i], env)))
				return NULL;
		r->args = v;
	}
	if (r->n_colon && r->colon == t->colon) {
		struct ast_type **v =
			arena_alloc(&c->ast, r->n_colon * sizeof(*v));
		if (!v)
			return NULL;
		for (size_t i = 0; i < r->n_colon; i++)
			if (!(v[i] = subst(c, r->colon[i], env)))
				return NULL;
		r->colon = v;
	}
	if (t->expr && !(r->expr = subst_expr(c, t->expr, env)))
		return NULL;
	return r;
}

/* Copy of an if[...] expression with template parameters replaced (in
 * consts and in value[] paths, as syzkaller instantiates every type). */
static struct ast_expr *subst_expr(struct comp *c, struct ast_expr *e,
				   const struct env *env)
{
	struct ast_expr *r = arena_memdup(&c->ast, e, sizeof(*e));

	if (!r)
		return NULL;
	if (e->value && !(r->value = subst(c, e->value, env)))
		return NULL;
	if (e->left && !(r->left = subst_expr(c, e->left, env)))
		return NULL;
	if (e->right && !(r->right = subst_expr(c, e->right, env)))
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

static struct syz_type *compile_int(struct comp *c, struct ast_type *t,
				    struct tctx ctx, const char *name)
{
	struct syz_type *r = new_type(c, SYZ_T_INT, name);
	uint64_t size;
	bool be;

	if (!r)
		return NULL;
	int_base(t->ident, &size, &be);
	r->size = r->align = size;
	r->i.format = be ? SYZ_FMT_BIG_ENDIAN : SYZ_FMT_NATIVE;
	if (t->n_colon) {
		uint64_t bits;
		if (!ctx.in_struct) {
			err(c, &t->pos,
			    "bitfields are only allowed in structs");
			return NULL;
		}
		if (!const_value(c, t->colon[0], &bits))
			return NULL;
		if (!bits || bits > size * 8) {
			err(c, &t->colon[0]->pos,
			    "bitfield of size %llu does not fit in %s",
			    (unsigned long long)bits, t->ident);
			return NULL;
		}
		r->i.bitfield_len = bits;
	}
	if (!want_args(c, t, 0, 2))
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
	if (!const_value(c, a0, &lo))
		return NULL;
	hi = lo;
	if (a0->n_colon) {
		if (a0->n_colon > 1 || !const_value(c, a0->colon[0], &hi))
			return NULL;
	}
	r->int_.is_range = true;
	r->int_.range_begin = lo;
	r->int_.range_end = hi;
	if (t->n_args > 1) {
		if (!const_value(c, t->args[1], &r->int_.align))
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
static bool path_of(struct comp *c, struct ast_type *a,
		    const char *const **path, size_t *n, struct syz_srcpos *pos)
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

static bool parse_dir(struct comp *c, struct ast_type *a, enum syz_dir *dir)
{
	if (is_ident(a, "in"))
		*dir = SYZ_DIR_IN;
	else if (is_ident(a, "out"))
		*dir = SYZ_DIR_OUT;
	else if (is_ident(a, "inout"))
		*dir = SYZ_DIR_INOUT;
	else {
		err(c, &a->pos, "expected direction in, out or inout");
		return false;
	}
	return true;
}

static struct syz_type *
compile_buffer_string(struct comp *c, struct ast_type *t, const char *name)
{
	struct syz_type *r = new_type(c, SYZ_T_BUFFER, name);
	bool noz = !strcmp(t->ident, "stringnoz");

	if (!r || !want_args(c, t, 0, 2))
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
		if (!const_value(c, t->args[1], &fixed))
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

/* Resource type reference: compiles the resource description lazily. */
static struct syz_resource *get_resource(struct comp *c, struct decl *d);

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
		struct syz_resource *res = get_resource(c, d);
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
		struct syz_type *r = new_type(c, SYZ_T_RESOURCE, res->name);
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
			    decl_kind(n), t->ident);
			return NULL;
		}
		return compile_struct(c, n, n->name, NULL, &t->pos);
	}
	/* typedef or template */
	if (d->builtin && !strcmp(n->name, "fileoff") && !t->n_args) {
		struct syz_type *r = new_type(c, SYZ_T_INT, "fileoff");
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
		return compile_struct(c, n->tmpl, iname, &env, &t->pos);
	}
	struct ast_type *x = subst(c, n->type, &env);
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
	struct syz_type *r = compile_type(c, x, ctx);
	c->depth--;
	if (r && !strcmp(n->name, "fileoff") && r->kind == SYZ_T_INT)
		r->int_.fileoff = true;
	return r;
}

static struct syz_type *compile_type(struct comp *c, struct ast_type *t,
				     struct tctx ctx)
{
	struct syz_type *r = NULL;
	const char *id;

	if (t->kind != AT_IDENT) {
		err(c, &t->pos, "expected a type, got %s",
		    t->kind == AT_INT ? "an integer" : "a string");
		return NULL;
	}
	id = t->ident;
	bool opt = false;
	/* a trailing "opt" arg marks the type optional */
	if (t->n_args && is_ident(t->args[t->n_args - 1], "opt") &&
	    strcmp(id, "ptr") && strcmp(id, "ptr64")) {
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
	uint64_t size;
	bool be;
	if (int_base(id, &size, &be)) {
		r = compile_int(c, t, ctx, id);
	} else if (!strcmp(id, "const")) {
		if (!want_args(c, t, 1, 2))
			return NULL;
		r = new_type(c, SYZ_T_CONST, id);
		if (!r ||
		    !apply_base(c, r, t->n_args > 1 ? t->args[1] : NULL, ctx))
			return NULL;
		if (t->args[0]->kind == AT_STRING) {
			err(c, &t->args[0]->pos,
			    "const takes an integer, not a string");
			return NULL;
		}
		size_t missing0 = c->missing.len;
		if (!const_value(c, t->args[0], &r->const_.value))
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
	} else if (!strcmp(id, "flags")) {
		if (!want_args(c, t, 1, 2))
			return NULL;
		struct ast_type *a0 = t->args[0];
		struct decl *fd = a0->kind == AT_IDENT ?
					  strmap_get(&c->flags, a0->ident) :
					  NULL;
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
		r = new_type(c, SYZ_T_FLAGS, id);
		if (!r ||
		    !apply_base(c, r, t->n_args > 1 ? t->args[1] : NULL, ctx))
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
	} else if (!strcmp(id, "len") || !strncmp(id, "bytesize", 8) ||
		   !strcmp(id, "bitsize") || !strcmp(id, "offsetof")) {
		uint64_t bits = 0;
		if (!strcmp(id, "bytesize"))
			bits = 8;
		else if (!strcmp(id, "bytesize2"))
			bits = 16;
		else if (!strcmp(id, "bytesize4"))
			bits = 32;
		else if (!strcmp(id, "bytesize8"))
			bits = 64;
		else if (!strcmp(id, "bitsize"))
			bits = 1;
		else if (!strcmp(id, "offsetof"))
			bits = 8;
		else if (strcmp(id, "len")) {
			err(c, &t->pos, "unknown type %s", id);
			return NULL;
		}
		if (!want_args(c, t, 1, 2))
			return NULL;
		r = new_type(c, SYZ_T_LEN, id);
		if (!r ||
		    !apply_base(c, r, t->n_args > 1 ? t->args[1] : NULL, ctx))
			return NULL;
		r->len.bit_size = bits;
		r->len.offsetof = !strcmp(id, "offsetof");
		if (!path_of(c, t->args[0], &r->len.path, &r->len.n_path,
			     &r->len.path_pos))
			return NULL;
	} else if (!strcmp(id, "proc")) {
		if (!want_args(c, t, 2, 3))
			return NULL;
		r = new_type(c, SYZ_T_PROC, id);
		if (!r ||
		    !apply_base(c, r, t->n_args > 2 ? t->args[2] : NULL, ctx))
			return NULL;
		if (!const_value(c, t->args[0], &r->proc.start) ||
		    !const_value(c, t->args[1], &r->proc.per_proc))
			return NULL;
		if (!r->proc.per_proc) {
			err(c, &t->args[1]->pos,
			    "proc needs at least one value per process");
			return NULL;
		}
		if (r->size < 8 && r->i.bitfield_len == 0 &&
		    r->proc.start + r->proc.per_proc * 32 >
			    (1ull << (r->size * 8))) {
			err(c, &t->pos, "proc values do not fit in %llu bytes",
			    (unsigned long long)r->size);
			return NULL;
		}
	} else if (!strcmp(id, "csum")) {
		if (!want_args(c, t, 3, 4))
			return NULL;
		r = new_type(c, SYZ_T_CSUM, id);
		if (!r || !apply_base(c, r, t->args[t->n_args - 1], ctx))
			return NULL;
		if (!path_of(c, t->args[0], &r->csum.path, &r->csum.n_path,
			     &r->csum.path_pos))
			return NULL;
		if (is_ident(t->args[1], "inet")) {
			r->csum.kind = SYZ_CSUM_INET;
			if (t->n_args != 3) {
				err(c, &t->pos, "inet csum takes no protocol");
				return NULL;
			}
		} else if (is_ident(t->args[1], "pseudo")) {
			r->csum.kind = SYZ_CSUM_PSEUDO;
			if (t->n_args != 4) {
				err(c, &t->pos, "pseudo csum needs a protocol");
				return NULL;
			}
			if (!const_value(c, t->args[2], &r->csum.protocol))
				return NULL;
		} else {
			err(c, &t->args[1]->pos,
			    "expected csum kind inet or pseudo");
			return NULL;
		}
	} else if (!strcmp(id, "vma") || !strcmp(id, "vma64")) {
		if (!want_args(c, t, 0, 1))
			return NULL;
		r = new_type(c, SYZ_T_VMA, id);
		if (!r)
			return NULL;
		r->size = r->align = 8;
		if (t->n_args) {
			struct ast_type *a = t->args[0];
			if (!const_value(c, a, &r->vma.range_begin))
				return NULL;
			r->vma.range_end = r->vma.range_begin;
			if (a->n_colon &&
			    !const_value(c, a->colon[0], &r->vma.range_end))
				return NULL;
		}
	} else if (!strcmp(id, "ptr") || !strcmp(id, "ptr64")) {
		if (!want_args(c, t, 2, 3))
			return NULL;
		if (t->n_args == 3) {
			if (!is_ident(t->args[2], "opt")) {
				err(c, &t->args[2]->pos, "expected opt");
				return NULL;
			}
			opt = true;
		}
		r = new_type(c, SYZ_T_PTR, id);
		if (!r || !parse_dir(c, t->args[0], &r->ptr.elem_dir))
			return NULL;
		r->size = r->align = 8;
		r->ptr.ptr64 = !strcmp(id, "ptr64");
		struct tctx ec = { 0 };
		if (++c->depth > MAX_DEPTH) {
			err(c, &t->pos, "types nest too deep");
			c->depth--;
			return NULL;
		}
		r->ptr.elem = compile_type(c, t->args[1], ec);
		c->depth--;
		if (!r->ptr.elem)
			return NULL;
	} else if (!strcmp(id, "array")) {
		if (!want_args(c, t, 1, 2))
			return NULL;
		struct tctx ec = { .in_struct = false };
		if (++c->depth > MAX_DEPTH) {
			err(c, &t->pos, "types nest too deep");
			c->depth--;
			return NULL;
		}
		const struct syz_type *elem = compile_type(c, t->args[0], ec);
		c->depth--;
		if (!elem)
			return NULL;
		bool is_range = false;
		uint64_t lo = 0, hi = 0;
		if (t->n_args > 1) {
			struct ast_type *a = t->args[1];
			if (!const_value(c, a, &lo))
				return NULL;
			hi = lo;
			if (a->n_colon && !const_value(c, a->colon[0], &hi))
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
			r = new_type(c, SYZ_T_BUFFER, id);
			if (!r)
				return NULL;
			r->buf.kind = is_range ? SYZ_BUF_BLOB_RANGE :
						 SYZ_BUF_BLOB_RAND;
			r->buf.range_begin = lo;
			r->buf.range_end = hi;
			if (is_range && lo == hi)
				r->size = lo;
			else
				r->varlen = true;
		} else {
			if (elem->kind == SYZ_T_VOID) {
				/* array[void]: always empty */
				r = new_type(c, SYZ_T_BUFFER, id);
				if (!r)
					return NULL;
				r->buf.kind = SYZ_BUF_BLOB_RANGE;
				goto done;
			}
			r = new_type(c, SYZ_T_ARRAY, id);
			if (!r)
				return NULL;
			r->array.elem = elem;
			r->array.is_range = is_range;
			r->array.range_begin = lo;
			r->array.range_end = hi;
			r->varlen = true; /* sized by finalize_type() */
			if (vec_push(&c->arrays, r))
				return NULL;
		}
	} else if (!strcmp(id, "string") || !strcmp(id, "stringnoz")) {
		r = compile_buffer_string(c, t, id);
	} else if (!strcmp(id, "glob")) {
		if (!want_args(c, t, 1, 1))
			return NULL;
		if (t->args[0]->kind != AT_STRING) {
			err(c, &t->args[0]->pos, "glob takes a quoted pattern");
			return NULL;
		}
		r = new_type(c, SYZ_T_BUFFER, id);
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
	} else if (!strcmp(id, "text")) {
		static const char *const kinds[] = { "x86_real", "x86_16",
						     "x86_32",	 "x86_64",
						     "arm64",	 "ppc64",
						     "riscv64",	 "target" };
		if (!want_args(c, t, 1, 1))
			return NULL;
		r = new_type(c, SYZ_T_BUFFER, id);
		if (!r)
			return NULL;
		r->buf.kind = SYZ_BUF_TEXT;
		r->varlen = true;
		size_t k;
		for (k = 0; k < 8; k++)
			if (is_ident(t->args[0], kinds[k]))
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
	} else if (!strcmp(id, "compressed_image")) {
		if (!want_args(c, t, 0, 0))
			return NULL;
		r = new_type(c, SYZ_T_BUFFER, id);
		if (!r)
			return NULL;
		r->buf.kind = SYZ_BUF_COMPRESSED;
		r->varlen = true;
	} else if (!strcmp(id, "void")) {
		if (!want_args(c, t, 0, 0))
			return NULL;
		r = new_type(c, SYZ_T_VOID, id);
	} else if (!strcmp(id, "fmt")) {
		if (!want_args(c, t, 2, 2))
			return NULL;
		enum syz_int_format f;
		uint64_t sz;
		if (is_ident(t->args[0], "dec")) {
			f = SYZ_FMT_STR_DEC;
			sz = 20;
		} else if (is_ident(t->args[0], "hex")) {
			f = SYZ_FMT_STR_HEX;
			sz = 18;
		} else if (is_ident(t->args[0], "oct")) {
			f = SYZ_FMT_STR_OCT;
			sz = 23;
		} else {
			err(c, &t->args[0]->pos,
			    "expected fmt format dec, hex or oct");
			return NULL;
		}
		struct tctx ec = { 0 };
		r = compile_type(c, t->args[1], ec);
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
	} else {
		r = compile_named(c, t, ctx, id);
	}
done:
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

/* ---- structs and layout ---- */

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
			parse_dir(c, a, &out->dir);
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
		if (!path_of(c, e->value->args[0], &path, &n, &r->path_pos))
			return NULL;
		r->path = path;
		r->n_path = n;
		break;
	}
	case SYZ_EXPR_CONST:
		if (!const_value(c, e->value, &r->value))
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
	struct syz_type *p = new_type(c, SYZ_T_CONST, "pad");

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
		struct ast_type *a = subst(c, n->vals[i], env);
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
			if (!const_value(c, a->args[0], &t->st.align_attr))
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
			if (!const_value(c, a->args[0], &t->st.size_attr))
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

static struct syz_type *compile_struct(struct comp *c, struct ast_node *n,
				       const char *name, struct env *env,
				       const struct ast_pos *use)
{
	struct struct_state *s = strmap_get(&c->instances, name);

	if (s) {
		if (s->state == 1) {
			/* used by value while being compiled: only pointers
			 * may form cycles; the ptr case never gets here with
			 * state 1 because ptr elems are compiled lazily */
			return s->t;
		}
		return s->t;
	}
	s = arena_alloc(&c->ast, sizeof(*s));
	struct syz_type *t =
		new_type(c, n->is_union ? SYZ_T_UNION : SYZ_T_STRUCT, name);
	if (!s || !t || strmap_add(&c->instances, name, s, NULL) < 0)
		return NULL;
	s->t = t;
	s->n = n;
	s->state = 1;
	t->st.overlay_field = -1;
	t->st.file = n->pos.file;
	t->st.line = n->pos.line;
	if (vec_push(&c->structs, t))
		return NULL;
	if (++c->depth > MAX_DEPTH) {
		err(c, use, "%s %s: types nest too deep", decl_kind(n), name);
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
		err(c, &n->pos, "%s %s has no fields", decl_kind(n), name);
		ok = false;
	}
	for (size_t i = 0; i < n->n_fields && ok; i++) {
		struct ast_field *af = &n->fields[i];
		for (size_t j = 0; j < i; j++) {
			if (!strcmp(n->fields[j].name, af->name)) {
				err(c, &af->pos, "duplicate field %s in %s %s",
				    af->name, decl_kind(n), name);
				ok = false;
			}
		}
		struct ast_type *ft = subst(c, af->type, env);
		struct tctx fc = { .in_struct = true };
		struct syz_field f = { .name = af->name };
		bool overlay;
		if (!ft || !field_attrs(c, n, af, &f, env, &overlay)) {
			ok = false;
			break;
		}
		f.type = compile_type(c, ft, fc);
		if (!f.type) {
			ok = false;
			break;
		}
		for (size_t k = 0; k < af->n_attrs; k++) {
			if (is_ident(af->attrs[k], "if")) {
				struct ast_expr *ex = af->attrs[k]->expr;
				if (env && env->n &&
				    !(ex = subst_expr(c, ex, env))) {
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
		diag(c, &n->pos, true,
		     "unsupported %s %s: missing consts for amd64: %s",
		     decl_kind(n), name, c->missing.data);
	buf_free(&c->missing);
	c->missing = saved;
	c->depth--;
	s->state = 2;
	return ok ? t : NULL;
}

static bool finalize_struct(struct comp *c, struct syz_type *t,
			    const struct ast_pos *pos);

/* Sizes of arrays and structs once every type exists: by-value
 * recursion is an error here (pointers and varlen arrays break it). */
static bool finalize_type(struct comp *c, struct syz_type *t,
			  const struct ast_pos *pos)
{
	if (t->kind == SYZ_T_STRUCT || t->kind == SYZ_T_UNION)
		return finalize_struct(c, t, pos);
	if (t->kind != SYZ_T_ARRAY)
		return true;
	struct syz_type *e = (struct syz_type *)t->array.elem;
	bool fixed = t->array.is_range &&
		     t->array.range_begin == t->array.range_end;
	if (!fixed)
		c->varlen_arrays++;
	bool ok = finalize_type(c, e, pos);
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

static bool finalize_struct(struct comp *c, struct syz_type *t,
			    const struct ast_pos *pos)
{
	struct struct_state *s = strmap_get(&c->instances, t->name);

	if (!s || s->failed)
		return false;
	if (s->state == 3)
		return true;
	if (s->state == 4 && c->varlen_arrays > s->arr_mark) {
		/* recursion through a variable-length array: fine, and the
		 * struct is varlen (it contains that array) */
		t->varlen = true;
		return true;
	}
	if (s->state == 4) {
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
	s->state = 4;
	s->arr_mark = c->varlen_arrays;
	bool ok = true;
	for (size_t i = 0; i < t->st.n_fields && ok; i++) {
		const struct ast_pos *fp =
			i < s->n->n_fields ? &s->n->fields[i].pos : pos;
		ok = finalize_type(c, (struct syz_type *)t->st.fields[i].type,
				   fp);
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
	s->state = 3;
	s->failed = !ok;
	return ok;
}

/* ---- resources ---- */

static struct syz_resource *get_resource(struct comp *c, struct decl *d)
{
	struct res_state *rs = strmap_get(&c->resources, d->n->name);
	struct ast_node *n = d->n;

	if (rs) {
		if (rs->state == 1) {
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
	rs->state = 1;
	r->name = n->name;
	r->file = n->pos.file;
	r->line = n->pos.line;
	/* base: int or another resource */
	struct ast_type *b = n->type;
	uint64_t size;
	bool be;
	struct syz_resource *parent = NULL;
	if (b->kind == AT_IDENT && !b->n_args &&
	    int_base(b->ident, &size, &be)) {
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
			rs->state = 2;
			return NULL;
		}
		parent = get_resource(c, pd);
		if (!parent) {
			rs->state = 2;
			return NULL;
		}
		r->base_size = parent->base_size;
	} else {
		err(c, &b->pos, "bad resource base type");
		rs->state = 2;
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
		if (!const_value(c, n->vals[i], &v))
			return NULL;
		vals[k++] = v;
	}
	if (c->missing.len)
		diag(c, &n->pos, true,
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
	rs->state = 2;
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
			if (!const_value(c, a->args[0],
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

static struct syz_call *compile_call(struct comp *c, struct decl *d)
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
		args[i].type = compile_type(c, af->type, ac);
		if (!args[i].type || !check_arg_type(c, &af->type->pos,
						     args[i].type, "argument"))
			ok = false;
	}
	call->args = args;
	call->n_args = n->n_fields;
	if (n->type) {
		struct tctx rc = { .is_ret = true };
		call->ret = compile_type(c, n->type, rc);
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
		const_value(c, &fake, &call->nr);
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

/* ---- resource uses, len targets, direction checks ---- */

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

static void analyze_call(struct comp *c, struct syz_call *call,
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

static void mark_used_node(struct comp *c, const struct ast_node *n)
{
	if (n->type)
		mark_used_type(c, n->type);
	for (size_t i = 0; i < n->n_fields; i++)
		mark_used_type(c, n->fields[i].type);
	if (n->tmpl)
		mark_used_node(c, n->tmpl);
	if (n->kind == AST_STRUCT || n->kind == AST_CALL)
		for (size_t i = 0; i < n->n_vals; i++)
			mark_used_type(c, n->vals[i]);
}

static void check_unused(struct comp *c)
{
	struct strmap *maps[] = { &c->types, &c->flags };
	struct strmap_entry *e;

	for (size_t m = 0; m < 2; m++) {
		strmap_foreach(maps[m], e)
		{
			struct decl *d = e->value;
			if (!d->used && !d->builtin)
				err(c, &d->n->pos, "unused %s %s",
				    decl_kind(d->n), d->n->name);
		}
	}
}

/* ---- resource ctors ---- */

static int cmp_call(const void *a, const void *b)
{
	const struct syz_call *x = *(struct syz_call *const *)a;
	const struct syz_call *y = *(struct syz_call *const *)b;

	return strcmp(x->name, y->name);
}

static int cmp_res(const void *a, const void *b)
{
	return strcmp((*(struct syz_resource *const *)a)->name,
		      (*(struct syz_resource *const *)b)->name);
}

static int cmp_type(const void *a, const void *b)
{
	return strcmp((*(struct syz_type *const *)a)->name,
		      (*(struct syz_type *const *)b)->name);
}

static int cmp_const(const void *a, const void *b)
{
	return strcmp(((const struct syz_const *)a)->name,
		      ((const struct syz_const *)b)->name);
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

static int link_resources(struct comp *c, struct syz_target *t)
{
	struct strmap_entry *e;
	VEC(struct syz_resource *) all = { 0 };

	strmap_foreach(&c->resources, e)
	{
		struct res_state *rs = e->value;
		if (rs->r && vec_push(&all, rs->r))
			return -ENOMEM;
	}
	sort_(all.v, all.n, sizeof(*all.v), cmp_res);
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

/* ---- driver ---- */

static int add_text(struct comp *c, const char *name, const char *text,
		    size_t len)
{
	struct ast_file f;
	char *nm = arena_strdup(c->a, name);

	if (!nm)
		return -ENOMEM;
	syz_parse(&c->ast, c->a, nm, text, len, parse_err_cb, c, &f);
	return vec_push(&c->files, f);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* All *.txt of @dir (sorted), with their .const files. */
static int add_dir(struct comp *c, const char *dir)
{
	DIR *d = opendir(dir);
	VEC(char *) names = { 0 };
	struct dirent *de;
	int r = 0;

	if (!d) {
		r = -errno;
		char msg[512];
		snprintf(msg, sizeof(msg),
			 "can't open description directory: %s",
			 strerror(errno));
		syz_diags_add(c->diags, dir, 0, 0, false, msg);
		c->n_errors++;
		return r;
	}
	while ((de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (de->d_name[0] == '.')
			continue;
		if ((l > 4 && !strcmp(de->d_name + l - 4, ".txt")) ||
		    (l > 12 && !strcmp(de->d_name + l - 12, "_amd64.const")) ||
		    (l > 10 && !strcmp(de->d_name + l - 10, ".txt.const"))) {
			char *s = strdup(de->d_name);
			if (!s || vec_push(&names, s)) {
				free(s);
				r = -ENOMEM;
				break;
			}
		}
	}
	closedir(d);
	sort_(names.v, names.n, sizeof(*names.v), cmp_str);
	for (size_t i = 0; i < names.n && !r; i++) {
		char *path = path_join(dir, names.v[i]);
		char *data = NULL;
		size_t len;
		if (!path) {
			r = -ENOMEM;
			break;
		}
		r = file_read_all(path, 64 << 20, &data, &len);
		if (r) {
			char msg[512];
			snprintf(msg, sizeof(msg), "can't read: %s",
				 strerror(-r));
			syz_diags_add(c->diags, path, 0, 0, false, msg);
			c->n_errors++;
		} else if (strstr(names.v[i], ".const")) {
			char *nm = arena_strdup(c->a, path);
			r = nm ? load_consts(c, nm, data) : -ENOMEM;
		} else {
			r = add_text(c, path, data, len);
		}
		free(data);
		free(path);
	}
	for (size_t i = 0; i < names.n; i++)
		free(names.v[i]);
	vec_free(&names);
	return r;
}

static const struct syz_type *const *finish_structs(struct comp *c, size_t *n)
{
	sort_(c->structs.v, c->structs.n, sizeof(*c->structs.v), cmp_type);
	*n = c->structs.n;
	return arena_memdup(c->a, c->structs.v,
			    c->structs.n * sizeof(*c->structs.v));
}

static void comp_free(struct comp *c)
{
	struct strmap_entry *e;

	strmap_foreach(&c->resources, e)
	{
		struct res_state *rs = e->value;
		vec_free(&rs->ctors);
		vec_free(&rs->consumers);
		free(rs);
	}
	strmap_free(&c->resources);
	strmap_free(&c->consts);
	strmap_free(&c->types);
	strmap_free(&c->flags);
	strmap_free(&c->callmap);
	strmap_free(&c->instances);
	strmap_free(&c->reported);
	vec_free(&c->call_decls);
	vec_free(&c->calls);
	vec_free(&c->structs);
	vec_free(&c->arrays);
	vec_free(&c->files);
	buf_free(&c->missing);
	arena_free(&c->ast);
}

int syz_target_load(const struct syz_load_opts *opts, struct syz_target **out,
		    struct syz_diags *diags)
{
	struct syz_diags own = { 0 };
	struct comp c = { .diags = diags ? diags : &own };
	struct syz_target *t = NULL;
	struct syz_target_priv *priv = NULL;
	int r = 0;

	*out = NULL;
	if (opts->arch && strcmp(opts->arch, ARCH)) {
		syz_diags_add(c.diags, opts->arch, 0, 0, false,
			      "unsupported arch (only amd64)");
		r = -EINVAL;
		goto done;
	}
	priv = calloc(1, sizeof(*priv));
	if (!priv) {
		r = -ENOMEM;
		goto done;
	}
	c.a = &priv->arena;
	t = arena_alloc(c.a, sizeof(*t));
	if (!t) {
		r = -ENOMEM;
		goto done;
	}
	t->priv = priv;
	priv = NULL; /* owned by t from here */
	t->os = "linux";
	t->arch = ARCH;
	t->ptr_size = PTR_SIZE;
	t->page_size = 4096;
	r = add_builtin_const(&c, "PTR_SIZE", PTR_SIZE);
	if (r)
		goto done;
	r = add_text(&c, "builtins", builtin_text, sizeof(builtin_text) - 1);
	if (r)
		goto done;
	if (opts->syzkaller) {
		char *dir = path_join(opts->syzkaller, "sys/linux");
		if (!dir) {
			r = -ENOMEM;
			goto done;
		}
		r = add_dir(&c, dir);
		free(dir);
		if (r)
			goto done;
	}
	for (size_t i = 0; i < opts->n_desc_dirs && !r; i++)
		r = add_dir(&c, opts->desc_dirs[i]);
	for (size_t i = 0; i < opts->n_sources && !r; i++) {
		const struct syz_source *s = &opts->sources[i];
		r = add_text(&c, s->name, s->text, strlen(s->text));
		if (!r && s->consts)
			r = load_consts(&c, s->name, s->consts);
	}
	if (r)
		goto done;
	for (size_t i = 0; i < c.files.n && !r; i++)
		r = declare_file(&c, &c.files.v[i], i == 0);
	if (r)
		goto done;
	if (c.n_errors)
		goto failed;
	for (size_t i = 0; i < c.files.n; i++) {
		if (!file_for_arch(&c, &c.files.v[i]))
			continue;
		for (size_t j = 0; j < c.files.v[i].n_nodes; j++)
			mark_used_node(&c, c.files.v[i].nodes[j]);
	}
	/* resources are compiled even when unused by calls */
	{
		struct strmap_entry *e;
		VEC(struct decl *) res = { 0 };
		strmap_foreach(&c.types, e)
		{
			struct decl *d = e->value;
			if (d->n->kind == AST_RESOURCE && vec_push(&res, d)) {
				r = -ENOMEM;
				break;
			}
		}
		for (size_t i = 0; i < res.n; i++)
			get_resource(&c, res.v[i]);
		vec_free(&res);
		if (r)
			goto done;
	}
	for (size_t i = 0; i < c.call_decls.n; i++) {
		c.cur_call = c.call_decls.v[i]->n;
		struct syz_call *call = compile_call(&c, c.call_decls.v[i]);
		if (call && vec_push(&c.calls, call)) {
			r = -ENOMEM;
			goto done;
		}
	}
	check_unused(&c);
	for (size_t i = 0; i < c.structs.n; i++) {
		struct struct_state *st =
			strmap_get(&c.instances, c.structs.v[i]->name);
		if (!st->failed)
			finalize_struct(&c, c.structs.v[i], st->use);
	}
	for (size_t i = 0; i < c.arrays.n; i++)
		finalize_type(&c, c.arrays.v[i], NULL);
	if (c.n_errors)
		goto failed;
	sort_(c.calls.v, c.calls.n, sizeof(*c.calls.v), cmp_call);
	for (size_t i = 0; i < c.calls.n; i++) {
		struct syz_call *call = c.calls.v[i];
		call->id = (int)i;
		struct decl *d = strmap_get(&c.callmap, call->name);
		analyze_call(&c, call, d->n);
	}
	t->calls = arena_memdup(c.a, c.calls.v, c.calls.n * sizeof(*c.calls.v));
	t->n_calls = c.calls.n;
	r = link_resources(&c, t);
	if (r)
		goto done;
	t->structs = finish_structs(&c, &t->n_structs);
	{
		VEC(struct syz_const) cv = { 0 };
		struct strmap_entry *e;
		strmap_foreach(&c.consts, e)
		{
			struct cval *x = e->value;
			struct syz_const k = { arena_strdup(c.a, x->name),
					       x->value };
			if (x->used && !x->missing && vec_push(&cv, k)) {
				r = -ENOMEM;
				break;
			}
		}
		sort_(cv.v, cv.n, sizeof(*cv.v), cmp_const);
		t->consts = arena_memdup(c.a, cv.v, cv.n * sizeof(*cv.v));
		t->n_consts = cv.n;
		vec_free(&cv);
		if (r)
			goto done;
	}
	if (c.n_errors)
		goto failed;
	*out = t;
	t = NULL;
	priv = NULL;
	goto done;
failed:
	r = -EINVAL;
done:
	if (t)
		syz_target_free(t);
	else if (priv) {
		arena_free(&priv->arena);
		free(priv);
	}
	comp_free(&c);
	if (!diags) {
		char b[1200];
		for (size_t i = 0; i < own.n; i++) {
			if (own.v[i].warning)
				log_debug("%s", syz_diag_format(&own.v[i], b,
								sizeof(b)));
			else
				log_err("%s", syz_diag_format(&own.v[i], b,
							      sizeof(b)));
		}
		syz_diags_free(&own);
	}
	return r;
}

void syz_target_free(struct syz_target *t)
{
	if (!t)
		return;
	struct syz_target_priv *p = t->priv;
	arena_free(&p->arena);
	free(p);
}

/*
 * Index of @name in an array sorted by name, or -1. The array holds
 * @n elements of @size bytes: structs, or pointers to structs when @ptrs;
 * a struct's name is the string pointer at offset @off.
 */
static long sorted_find(const void *base, size_t n, size_t size, bool ptrs,
			size_t off, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		const char *e = (const char *)base + m * size;
		int d;

		if (ptrs)
			e = *(const char *const *)e;
		d = strcmp(*(const char *const *)(e + off), name);
		if (!d)
			return (long)m;
		if (d < 0)
			lo = m + 1;
		else
			hi = m;
	}
	return -1;
}

/* Look up @key in an array of pointers to @type sorted by ->name. */
#define FIND_PTR(arr, n, type, key)                                         \
	sorted_find((arr), (n), sizeof(*(arr)), true, offsetof(type, name), \
		    (key))

const struct syz_call *syz_target_call(const struct syz_target *t,
				       const char *name)
{
	long i = FIND_PTR(t->calls, t->n_calls, struct syz_call, name);

	return i < 0 ? NULL : t->calls[i];
}

const struct syz_resource *syz_target_resource(const struct syz_target *t,
					       const char *name)
{
	long i = FIND_PTR(t->resources, t->n_resources, struct syz_resource,
			  name);

	return i < 0 ? NULL : t->resources[i];
}

const struct syz_type *syz_target_struct(const struct syz_target *t,
					 const char *name)
{
	long i = FIND_PTR(t->structs, t->n_structs, struct syz_type, name);

	return i < 0 ? NULL : t->structs[i];
}

int syz_target_const(const struct syz_target *t, const char *name,
		     uint64_t *value)
{
	long i = sorted_find(t->consts, t->n_consts, sizeof(*t->consts), false,
			     offsetof(struct syz_const, name), name);

	if (i < 0)
		return -ENOENT;
	*value = t->consts[i].value;
	return 0;
}
