/* Parser of syzkaller's program text format, typed by the target. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prog_internal.h"
#include "text.h"

struct var {
	uint64_t id;
	struct prog_arg *arg;
};

struct explicit_len {
	struct prog_arg *arg;
	uint64_t val;
	int line, col;
};

/* A conditional struct field (or union option: field SIZE_MAX) written
 * explicitly in the current call. */
struct cond_site {
	struct prog_arg *parent;
	size_t field;
	int line, col;
};

struct parser {
	const struct syz_target *t;
	const char *s;
	size_t len, pos;
	int line;
	size_t line_start;
	bool strict;
	bool failed;
	bool oom;
	struct prog_diags *diags;
	VEC(struct var) vars;
	VEC(struct explicit_len) lens; /* written lens of the current call */
	VEC(struct prog_arg *) autos; /* AUTO lens of the current call */
	VEC(struct cond_site) conds; /* written conditional places */
	int depth;
};

#define MAX_DEPTH 64

static int col(const struct parser *p)
{
	return (int)(p->pos - p->line_start) + 1;
}

static void diag_add(struct parser *p, int line, int c, bool error,
		     const char *fmt, va_list ap)
{
	struct prog_diags *d = p->diags;
	struct prog_diag x = { line, c, NULL };
	if (error)
		p->failed = true;
	if (!d)
		return;
	if (error)
		d->error = true;
	if (vasprintf(&x.msg, fmt, ap) < 0) {
		p->oom = true;
		return;
	}
	if (vec_push(d, x)) {
		free(x.msg);
		p->oom = true;
	}
}

/* An error at the current position. */
__attribute__((format(printf, 2, 3))) static void perr(struct parser *p,
						       const char *fmt, ...)
{
	va_list ap;
	if (p->failed)
		return; /* report the first error only */
	va_start(ap, fmt);
	diag_add(p, p->line, col(p), true, fmt, ap);
	va_end(ap);
}

/* A fix in non-strict mode, or an error in strict mode. */
__attribute__((format(printf, 4, 5))) static void
pfix(struct parser *p, int line, int c, const char *fmt, ...)
{
	va_list ap;
	if (p->failed)
		return;
	va_start(ap, fmt);
	diag_add(p, line, c, p->strict, fmt, ap);
	va_end(ap);
}

void prog_diags_free(struct prog_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
	d->error = false;
}

/* ---- Lexing ---- */

static int peek(const struct parser *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static bool at_eol(const struct parser *p)
{
	int c = peek(p);
	return c == -1 || c == '\n';
}

static void skip_ws(struct parser *p)
{
	while (peek(p) == ' ' || peek(p) == '\t' || peek(p) == '\r')
		p->pos++;
}

static const char *tok_desc(const struct parser *p, char *buf, size_t n)
{
	int c = peek(p);
	if (c == -1)
		return "end of input";
	if (c == '\n')
		return "end of line";
	snprintf(buf, n, "'%c'", c >= 0x20 && c < 0x7f ? c : '?');
	return buf;
}

static bool expect(struct parser *p, char c)
{
	char b[8];
	skip_ws(p);
	if (peek(p) == c) {
		p->pos++;
		return true;
	}
	perr(p, "expected '%c', got %s", c, tok_desc(p, b, sizeof(b)));
	return false;
}

static bool accept(struct parser *p, const char *word)
{
	size_t n = strlen(word);
	if (p->len - p->pos >= n && !memcmp(p->s + p->pos, word, n)) {
		p->pos += n;
		return true;
	}
	return false;
}

static bool ident_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '_' || c == '$';
}

/* An identifier into @buf; false if none or too long. */
static bool ident(struct parser *p, char *buf, size_t n)
{
	size_t i = 0;
	while (ident_char(peek(p))) {
		if (i + 1 >= n) {
			perr(p, "identifier too long");
			return false;
		}
		buf[i++] = (char)p->s[p->pos++];
	}
	buf[i] = 0;
	return i > 0;
}

static bool is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* An integer: decimal, 0x hex, 0 octal, optionally negative. */
static bool number(struct parser *p, uint64_t *v)
{
	bool neg = false;
	uint64_t x = 0, base = 10;
	size_t start, first = p->pos;
	char b[8];
	if (peek(p) == '-') {
		neg = true;
		p->pos++;
	}
	if (!is_digit(peek(p))) {
		perr(p, "expected a number, got %s", tok_desc(p, b, sizeof(b)));
		return false;
	}
	if (accept(p, "0x") || accept(p, "0X"))
		base = 16;
	else if (peek(p) == '0' && p->pos + 1 < p->len &&
		 is_digit(p->s[p->pos + 1]))
		base = 8;
	start = p->pos;
	for (;;) {
		int c = peek(p), d;
		if (is_digit(c))
			d = c - '0';
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = c - 'a' + 10;
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = c - 'A' + 10;
		else
			break;
		if (d >= (int)base)
			break;
		if (x > (UINT64_MAX - (uint64_t)d) / base) {
			p->pos = first;
			perr(p, "number out of range");
			return false;
		}
		x = x * base + (uint64_t)d;
		p->pos++;
	}
	if (base == 16 && p->pos == start) {
		perr(p, "expected hex digits after 0x");
		return false;
	}
	*v = neg ? 0 - x : x;
	return true;
}

/* ---- Variables ---- */

static struct prog_arg *var_get(struct parser *p, uint64_t id)
{
	for (size_t i = p->vars.n; i-- > 0;) {
		if (p->vars.v[i].id == id)
			return p->vars.v[i].arg;
	}
	return NULL;
}

static void var_set(struct parser *p, uint64_t id, struct prog_arg *a)
{
	struct var v = { id, a };
	if (vec_push(&p->vars, v))
		p->oom = true;
}

/* "rN": the N. */
static bool var_ref(struct parser *p, uint64_t *id)
{
	if (peek(p) != 'r')
		return false;
	if (p->pos + 1 >= p->len || !is_digit(p->s[p->pos + 1]))
		return false;
	p->pos++;
	return number(p, id);
}

/* ---- Values ---- */

static struct prog_arg *parse_arg(struct parser *p, const struct syz_type *t,
				  enum syz_dir dir);
static void skip_arg(struct parser *p);

static const char *kind_name(const struct syz_type *t)
{
	switch (t->kind) {
	case SYZ_T_RESOURCE:
		return "a resource (rN or a number)";
	case SYZ_T_PTR:
		return "a pointer (&(addr)=..., &AUTO or a number)";
	case SYZ_T_VMA:
		return "a vma (&(addr/size)=nil or a number)";
	case SYZ_T_BUFFER:
		return "data ('string' or \"hex\")";
	case SYZ_T_ARRAY:
		return "an array ([...])";
	case SYZ_T_STRUCT:
		return "a struct ({...})";
	case SYZ_T_UNION:
		return "a union option (@name=...)";
	default:
		return "an integer";
	}
}

/* A value of the wrong shape: error, or skip it and use the default. */
static struct prog_arg *mismatch(struct parser *p, const struct syz_type *t,
				 enum syz_dir dir)
{
	int l = p->line, c = col(p);
	char b[8];
	if (p->strict) {
		perr(p, "expected %s for type %s, got %s", kind_name(t),
		     t->name, tok_desc(p, b, sizeof(b)));
		return NULL;
	}
	skip_arg(p);
	pfix(p, l, c,
	     "replaced a value that is not %s (type %s) by its default",
	     kind_name(t), t->name);
	return prog_arg_default(t, dir);
}

static bool is_int_kind(const struct syz_type *t)
{
	switch (t->kind) {
	case SYZ_T_INT:
	case SYZ_T_CONST:
	case SYZ_T_FLAGS:
	case SYZ_T_LEN:
	case SYZ_T_PROC:
	case SYZ_T_CSUM:
		return true;
	default:
		return false;
	}
}

static struct prog_arg *
parse_number_arg(struct parser *p, const struct syz_type *t, enum syz_dir dir)
{
	uint64_t v;
	int l = p->line, c = col(p);
	struct prog_arg *a;
	if (!number(p, &v))
		return NULL;
	if (is_int_kind(t)) {
		a = prog_arg_new(PROG_ARG_CONST, t, dir);
		if (a)
			a->c.val = v;
		if (a && t->kind == SYZ_T_LEN) {
			struct explicit_len e = { a, v, l, c };
			if (vec_push(&p->lens, e))
				p->oom = true;
		}
		return a;
	}
	if (t->kind == SYZ_T_RESOURCE) {
		a = prog_arg_new(PROG_ARG_RESULT, t, dir);
		if (a)
			a->r.val = v;
		return a;
	}
	if (t->kind == SYZ_T_PTR || t->kind == SYZ_T_VMA) {
		a = prog_arg_new(PROG_ARG_POINTER, t, dir);
		if (a) {
			a->p.special = true;
			a->p.special_val = v;
		}
		return a;
	}
	p->pos = p->line_start + (size_t)c - 1;
	return mismatch(p, t, dir);
}

static struct prog_arg *parse_result(struct parser *p, const struct syz_type *t,
				     enum syz_dir dir)
{
	uint64_t id;
	int l = p->line, c = col(p);
	struct prog_arg *a, *src;
	if (!var_ref(p, &id))
		return NULL;
	if (t->kind != SYZ_T_RESOURCE) {
		p->pos = p->line_start + (size_t)c - 1;
		return mismatch(p, t, dir);
	}
	a = prog_arg_new(PROG_ARG_RESULT, t, dir);
	if (!a)
		return NULL;
	a->r.val = prog_type_default_val(t);
	src = var_get(p, id);
	if (!src)
		pfix(p, l, c, "r%llu is not defined before its use",
		     (unsigned long long)id);
	else if (!prog_resource_compatible_loose(t->res.desc,
						 src->type->res.desc))
		pfix(p, l, c, "r%llu is a %s, expected a %s",
		     (unsigned long long)id, src->type->name, t->name);
	else
		a->r.res = src;
	if (peek(p) == '/') {
		p->pos++;
		if (!number(p, &a->r.op_div))
			goto fail;
	}
	if (peek(p) == '+') {
		p->pos++;
		if (!number(p, &a->r.op_add))
			goto fail;
	}
	return a;
fail:
	prog_arg_free(a);
	return NULL;
}

static struct prog_arg *
parse_inner_result(struct parser *p, const struct syz_type *t, enum syz_dir dir)
{
	uint64_t id;
	struct prog_arg *a;
	p->pos++; /* '<' */
	if (!var_ref(p, &id)) {
		perr(p, "expected rN after '<'");
		return NULL;
	}
	if (!accept(p, "=>")) {
		perr(p, "expected '=>' after <r%llu", (unsigned long long)id);
		return NULL;
	}
	a = parse_arg(p, t, dir);
	if (!a)
		return NULL;
	if (a->kind != PROG_ARG_RESULT) {
		pfix(p, p->line, col(p), "<r%llu=> on a %s, not a resource",
		     (unsigned long long)id, t->name);
		return a;
	}
	var_set(p, id, a);
	return a;
}

static struct prog_arg *
parse_pointer(struct parser *p, const struct syz_type *t, enum syz_dir dir)
{
	uint64_t addr = PROG_ADDR_AUTO, size = 0;
	int l = p->line, c = col(p);
	struct prog_arg *a;
	if (t->kind != SYZ_T_PTR && t->kind != SYZ_T_VMA)
		return mismatch(p, t, dir);
	p->pos++; /* '&' */
	if (!accept(p, "AUTO")) {
		if (!expect(p, '(') || !number(p, &addr))
			return NULL;
		if (peek(p) == '/') {
			p->pos++;
			if (!number(p, &size))
				return NULL;
		}
		if (!expect(p, ')'))
			return NULL;
		if (addr < PROG_ADDR_BASE ||
		    addr - PROG_ADDR_BASE >= PROG_DATA_SIZE) {
			pfix(p, l, c,
			     "address 0x%llx is outside the data area [0x%llx, 0x%llx)",
			     (unsigned long long)addr,
			     (unsigned long long)PROG_ADDR_BASE,
			     (unsigned long long)(PROG_ADDR_BASE +
						  PROG_DATA_SIZE));
			addr = (addr - PROG_ADDR_BASE) % PROG_DATA_SIZE;
		} else {
			addr -= PROG_ADDR_BASE;
		}
	}
	a = prog_arg_new(PROG_ARG_POINTER, t, dir);
	if (!a)
		return NULL;
	a->p.addr = addr;
	if (t->kind == SYZ_T_VMA) {
		a->p.vma_size = size ? size : p->t->page_size;
		if (addr != PROG_ADDR_AUTO &&
		    a->p.vma_size > PROG_DATA_SIZE - addr) {
			pfix(p, l, c, "vma of 0x%llx bytes does not fit",
			     (unsigned long long)a->p.vma_size);
			a->p.vma_size = PROG_DATA_SIZE - addr;
		}
		if (accept(p, "=")) {
			if (!accept(p, "nil"))
				skip_arg(p);
		}
		return a;
	}
	if (!accept(p, "=")) {
		a->p.res = prog_arg_default(t->ptr.elem, t->ptr.elem_dir);
		goto check;
	}
	if (accept(p, "ANY=")) {
		pfix(p, l, c, "squashed (ANY) pointees are not supported");
		skip_arg(p);
		a->p.res = prog_arg_default(t->ptr.elem, t->ptr.elem_dir);
		goto check;
	}
	if (accept(p, "nil")) {
		a->p.res = prog_arg_default(t->ptr.elem, t->ptr.elem_dir);
		goto check;
	}
	a->p.res = parse_arg(p, t->ptr.elem, t->ptr.elem_dir);
check:
	if (!a->p.res) {
		if (!p->failed)
			p->oom = true;
		prog_arg_free(a);
		return NULL;
	}
	return a;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* The bytes of a 'string' (escapes) or a "hex" literal into @b. */
static bool data_literal(struct parser *p, struct buf *b, bool *compressed)
{
	int q = peek(p);
	p->pos++;
	*compressed = false;
	if (q == '"' && peek(p) == '$') {
		size_t start = ++p->pos;
		while (peek(p) != '"' && !at_eol(p))
			p->pos++;
		if (peek(p) != '"') {
			perr(p, "unterminated compressed data");
			return false;
		}
		if (prog_base64_decode(p->s + start, p->pos - start, b)) {
			perr(p, "bad base64 in compressed data");
			return false;
		}
		p->pos++;
		*compressed = true;
		return true;
	}
	while (peek(p) != q) {
		int c = peek(p), h, l2;
		if (at_eol(p)) {
			perr(p, "unterminated %s literal",
			     q == '"' ? "hex" : "string");
			return false;
		}
		p->pos++;
		if (q == '"') {
			h = hexval(c);
			l2 = hexval(peek(p));
			if (h < 0 || l2 < 0) {
				perr(p, "expected hex digits in \"...\"");
				return false;
			}
			p->pos++;
			c = h * 16 + l2;
		} else if (c == '\\') {
			c = peek(p);
			p->pos++;
			switch (c) {
			case 'x':
				h = hexval(peek(p));
				l2 = h < 0 || p->pos + 1 >= p->len ?
					     -1 :
					     hexval(p->s[p->pos + 1]);
				if (h < 0 || l2 < 0) {
					perr(p,
					     "expected two hex digits after \\x");
					return false;
				}
				p->pos += 2;
				c = h * 16 + l2;
				break;
			case 'a':
				c = '\a';
				break;
			case 'b':
				c = '\b';
				break;
			case 'f':
				c = '\f';
				break;
			case 'n':
				c = '\n';
				break;
			case 'r':
				c = '\r';
				break;
			case 't':
				c = '\t';
				break;
			case 'v':
				c = '\v';
				break;
			case '0':
				c = 0;
				break;
			case '\\':
			case '\'':
			case '"':
				break;
			default:
				p->pos -= 2;
				perr(p, "unknown escape");
				return false;
			}
		}
		if (buf_putc(b, (char)c)) {
			p->oom = true;
			return false;
		}
	}
	p->pos++;
	return true;
}

/* A data arg of type @t from the bytes in @b (a literal, or a byte array
 * read in non-strict mode) written at @l:@c; @size: the "/N" size. */
static struct prog_arg *make_data(struct parser *p, const struct syz_type *t,
				  enum syz_dir dir, const struct buf *b,
				  bool compressed, bool has_size, uint64_t size,
				  int l, int c)
{
	struct prog_arg *a = prog_arg_new(PROG_ARG_DATA, t, dir);
	if (!a) {
		p->oom = true;
		return NULL;
	}
	a->d.compressed = compressed;
	a->d.len = compressed ? b->len : (has_size ? size : b->len);
	if (!t->varlen && t->kind != SYZ_T_VOID && !compressed) {
		if (a->d.len > t->size)
			pfix(p, l, c, "%llu bytes for %s of %llu bytes",
			     (unsigned long long)a->d.len, t->name,
			     (unsigned long long)t->size);
		a->d.len = t->size;
	}
	if (t->kind == SYZ_T_VOID)
		a->d.len = 0;
	if (a->d.len > PROG_DATA_SIZE) {
		pfix(p, l, c, "data of %llu bytes exceeds the data area",
		     (unsigned long long)a->d.len);
		a->d.len = PROG_DATA_SIZE;
	}
	if (dir != SYZ_DIR_OUT || compressed) {
		a->d.data = calloc(1, a->d.len ? a->d.len : 1);
		if (!a->d.data) {
			free(a);
			p->oom = true;
			return NULL;
		}
		if (b->len)
			memcpy(a->d.data, b->data,
			       b->len < a->d.len ? b->len : a->d.len);
	}
	if (p->failed) {
		prog_arg_free(a);
		return NULL;
	}
	return a;
}

static struct prog_arg *parse_data(struct parser *p, const struct syz_type *t,
				   enum syz_dir dir)
{
	struct buf b = { 0 };
	uint64_t size = 0;
	bool has_size = false, compressed;
	int l = p->line, c = col(p);
	struct prog_arg *a = NULL;
	if (t->kind != SYZ_T_BUFFER && t->kind != SYZ_T_VOID)
		return mismatch(p, t, dir);
	if (!data_literal(p, &b, &compressed))
		goto out;
	if (peek(p) == '/') {
		p->pos++;
		if (!number(p, &size))
			goto out;
		has_size = true;
	}
	a = make_data(p, t, dir, &b, compressed, has_size, size, l, c);
out:
	buf_free(&b);
	return a;
}

/* Non-strict: "[0x1, 0x2]" for a buffer (syzkaller's blobs, e.g.
 * array[int8]) is read as the bytes it lists; anything but integers
 * there makes it a mismatch. */
static struct prog_arg *parse_bytes_as_data(struct parser *p,
					    const struct syz_type *t,
					    enum syz_dir dir)
{
	struct buf b = { 0 };
	size_t start = p->pos;
	int l = p->line, c = col(p);
	bool wide = false;
	struct prog_arg *a = NULL;
	p->pos++; /* '[' */
	skip_ws(p);
	while (peek(p) != ']') {
		uint64_t v;
		if (b.len && peek(p) == ',') {
			p->pos++;
			skip_ws(p);
		}
		if (!is_digit(peek(p)) && peek(p) != '-') {
			p->pos = start;
			buf_free(&b);
			return mismatch(p, t, dir);
		}
		if (!number(p, &v))
			goto out;
		wide = wide || (v > 0xff && v < (uint64_t)-0x80);
		if (buf_putc(&b, (char)(uint8_t)v)) {
			p->oom = true;
			goto out;
		}
		skip_ws(p);
		if (peek(p) != ',' && peek(p) != ']') {
			expect(p, ']');
			goto out;
		}
	}
	p->pos++;
	pfix(p, l, c,
	     "byte list [...] for %s read as data%s (syzkaller writes "
	     "blobs such as array[int8] as \"hex\" or 'string')",
	     t->name, wide ? ", values truncated to bytes" : "");
	a = make_data(p, t, dir, &b, false, false, 0, l, c);
out:
	buf_free(&b);
	return a;
}

/* A conditional field or union option written explicitly: checked
 * against its condition once the call is read. */
static void cond_site(struct parser *p, struct prog_arg *parent, size_t field,
		      int line, int c)
{
	struct cond_site x = { parent, field, line, c };
	if (vec_push(&p->conds, x))
		p->oom = true;
}

/* A struct: fields separated by ',', omitted ones at the end default.
 * Conditional fields are @value[=X] or @void (syzkaller's form). */
static struct prog_arg *parse_struct(struct parser *p, const struct syz_type *t,
				     enum syz_dir dir)
{
	struct prog_arg *a;
	size_t fi = 0;
	int l, c;
	bool *given = NULL; /* written, possibly as @void */
	if (t->kind != SYZ_T_STRUCT)
		return mismatch(p, t, dir);
	a = prog_arg_new(PROG_ARG_GROUP, t, dir);
	if (!a)
		return NULL;
	a->g.inner = calloc(t->st.n_fields ? t->st.n_fields : 1,
			    sizeof(*a->g.inner));
	given = calloc(1, t->st.n_fields ? t->st.n_fields : 1);
	if (!a->g.inner || !given)
		goto fail;
	a->g.n = t->st.n_fields;
	p->pos++; /* '{' */
	skip_ws(p);
	while (peek(p) != '}') {
		enum syz_dir cd;
		const struct syz_type *ft;
		if (fi && !expect(p, ','))
			goto fail;
		skip_ws(p);
		while (fi < t->st.n_fields &&
		       t->st.fields[fi].type->kind == SYZ_T_CONST &&
		       t->st.fields[fi].type->const_.is_pad)
			fi++;
		l = p->line;
		c = col(p);
		if (fi >= t->st.n_fields) {
			pfix(p, l, c, "too many fields for struct %s", t->name);
			if (p->failed)
				goto fail;
			skip_arg(p);
			skip_ws(p);
			fi++;
			continue;
		}
		ft = prog_child_type(t, fi, dir, &cd);
		given[fi] = true;
		if (t->st.fields[fi].cond) {
			cond_site(p, a, fi, l, c);
			if (accept(p, "@void")) {
				fi++;
				skip_ws(p);
				continue;
			}
			if (peek(p) != '@') {
				pfix(p, l, c,
				     "conditional field %s written without "
				     "@value=",
				     t->st.fields[fi].name);
				if (p->failed)
					goto fail;
			} else if (!accept(p, "@value")) {
				perr(p,
				     "expected @value or @void for the "
				     "conditional field %s",
				     t->st.fields[fi].name);
				goto fail;
			} else if (!accept(p, "=")) {
				a->g.inner[fi] = prog_arg_default(ft, cd);
				if (!a->g.inner[fi]) {
					p->oom = true;
					goto fail;
				}
				fi++;
				skip_ws(p);
				continue;
			}
		}
		a->g.inner[fi] = parse_arg(p, ft, cd);
		if (!a->g.inner[fi])
			goto fail;
		fi++;
		skip_ws(p);
	}
	p->pos++;
	for (size_t i = 0; i < t->st.n_fields; i++) {
		enum syz_dir cd;
		const struct syz_type *ft;
		/* omitted conditional fields are absent until their
		 * condition says otherwise */
		if (given[i] || t->st.fields[i].cond)
			continue;
		ft = prog_child_type(t, i, dir, &cd);
		if (!(a->g.inner[i] = prog_arg_default(ft, cd))) {
			p->oom = true;
			goto fail;
		}
	}
	free(given);
	return a;
fail:
	free(given);
	prog_arg_free(a);
	p->oom = p->oom || !p->failed;
	return NULL;
}

static struct prog_arg *parse_array(struct parser *p, const struct syz_type *t,
				    enum syz_dir dir)
{
	struct prog_arg *a;
	VEC(struct prog_arg *) items = { 0 };
	uint64_t max, fixed;
	int l = p->line, c = col(p);
	if (t->kind != SYZ_T_ARRAY)
		return mismatch(p, t, dir);
	max = t->array.is_range ? t->array.range_end : UINT64_MAX;
	fixed = t->array.is_range &&
				t->array.range_begin == t->array.range_end ?
			t->array.range_begin :
			0;
	p->pos++; /* '[' */
	skip_ws(p);
	while (peek(p) != ']') {
		struct prog_arg *e;
		if (items.n && !expect(p, ','))
			goto fail;
		skip_ws(p);
		e = parse_arg(p, t->array.elem, dir);
		if (!e)
			goto fail;
		if (vec_push(&items, e)) {
			prog_arg_free(e);
			p->oom = true;
			goto fail;
		}
		skip_ws(p);
	}
	p->pos++;
	if (items.n > max) {
		pfix(p, l, c, "%zu elements for %s (at most %llu)", items.n,
		     t->name, (unsigned long long)max);
		if (p->failed)
			goto fail;
		while (items.n > max)
			prog_arg_free(items.v[--items.n]);
	}
	while (items.n < fixed) {
		struct prog_arg *e = prog_arg_default(t->array.elem, dir);
		if (!e || vec_push(&items, e)) {
			prog_arg_free(e);
			p->oom = true;
			goto fail;
		}
	}
	a = prog_arg_new(PROG_ARG_GROUP, t, dir);
	if (!a)
		goto fail;
	a->g.inner = items.v;
	a->g.n = items.n;
	return a;
fail:
	for (size_t i = 0; i < items.n; i++)
		prog_arg_free(items.v[i]);
	vec_free(&items);
	return NULL;
}

static struct prog_arg *parse_union(struct parser *p, const struct syz_type *t,
				    enum syz_dir dir)
{
	char name[256];
	size_t idx;
	int l = p->line, c = col(p);
	enum syz_dir cd;
	const struct syz_type *ft;
	struct prog_arg *opt = NULL, *a;
	if (t->kind != SYZ_T_UNION || !t->st.n_fields)
		return mismatch(p, t, dir);
	p->pos++; /* '@' */
	if (!ident(p, name, sizeof(name))) {
		perr(p, "expected a union option name after '@'");
		return NULL;
	}
	for (idx = 0; idx < t->st.n_fields; idx++) {
		if (!strcmp(t->st.fields[idx].name, name))
			break;
	}
	if (idx == t->st.n_fields) {
		pfix(p, l, c, "union %s has no option '%s'", t->name, name);
		if (p->failed)
			return NULL;
		if (accept(p, "="))
			skip_arg(p);
		return prog_union_new(t, dir, prog_union_default_index(t),
				      NULL);
	}
	ft = prog_child_type(t, idx, dir, &cd);
	if (accept(p, "=")) {
		opt = parse_arg(p, ft, cd);
		if (!opt)
			return NULL;
	}
	a = prog_union_new(t, dir, idx, opt);
	if (a && t->st.fields[idx].cond)
		cond_site(p, a, SIZE_MAX, l, c);
	return a;
}

/* AUTO: the default value (lens and consts computed, pointers placed). */
static struct prog_arg *parse_auto(struct parser *p, const struct syz_type *t,
				   enum syz_dir dir)
{
	struct prog_arg *a;
	p->pos += 4;
	a = prog_arg_default(t, dir);
	if (a && t->kind == SYZ_T_LEN && vec_push(&p->autos, a))
		p->oom = true;
	return a;
}

/* A data literal for an array of 1-byte integers (syzkaller prints
 * array[const[0, int8], N] and the like as data). */
static bool byte_array(const struct syz_type *t)
{
	const struct syz_type *e;
	if (t->kind != SYZ_T_ARRAY)
		return false;
	e = t->array.elem;
	if (e->kind == SYZ_T_CONST && !e->const_.value && e->size)
		return true; /* zero padding arrays */
	return is_int_kind(e) && e->size == 1 && !e->i.bitfield_len;
}

static struct prog_arg *
parse_byte_array(struct parser *p, const struct syz_type *t, enum syz_dir dir)
{
	struct buf b = { 0 };
	bool compressed;
	struct prog_arg *a;
	uint64_t n;
	if (!data_literal(p, &b, &compressed))
		goto fail;
	n = b.len;
	if (peek(p) == '/') {
		p->pos++;
		if (!number(p, &n))
			goto fail;
	}
	n /= t->array.elem->size;
	if (t->array.is_range && t->array.range_begin == t->array.range_end)
		n = t->array.range_begin;
	if (n > 65536) {
		perr(p, "array of %llu elements is too long",
		     (unsigned long long)n);
		goto fail;
	}
	a = prog_group_new(t, dir, n);
	if (!a) {
		p->oom = true;
		goto fail;
	}
	for (size_t i = 0; i < n && i < b.len; i++) {
		if (t->array.elem->kind != SYZ_T_CONST)
			a->g.inner[i]->c.val = (uint8_t)b.data[i];
	}
	buf_free(&b);
	return a;
fail:
	buf_free(&b);
	return NULL;
}

static struct prog_arg *parse_arg(struct parser *p, const struct syz_type *t,
				  enum syz_dir dir)
{
	struct prog_arg *a = NULL;
	int c;
	char b[8];
	skip_ws(p);
	if (p->failed || p->oom)
		return NULL;
	if (++p->depth > MAX_DEPTH) {
		perr(p, "nesting deeper than %d", MAX_DEPTH);
		p->depth--;
		return NULL;
	}
	c = peek(p);
	if (is_digit(c) || c == '-')
		a = parse_number_arg(p, t, dir);
	else if (c == 'r' && p->pos + 1 < p->len && is_digit(p->s[p->pos + 1]))
		a = parse_result(p, t, dir);
	else if (c == '<')
		a = parse_inner_result(p, t, dir);
	else if (c == '&')
		a = parse_pointer(p, t, dir);
	else if ((c == '\'' || c == '"') && byte_array(t))
		a = parse_byte_array(p, t, dir);
	else if (c == '\'' || c == '"')
		a = parse_data(p, t, dir);
	else if (c == '{')
		a = parse_struct(p, t, dir);
	else if (c == '[' && t->kind == SYZ_T_BUFFER && !p->strict &&
		 t->buf.kind != SYZ_BUF_COMPRESSED)
		a = parse_bytes_as_data(p, t, dir);
	else if (c == '[')
		a = parse_array(p, t, dir);
	else if (c == '@')
		a = parse_union(p, t, dir);
	else if (p->len - p->pos >= 4 && !memcmp(p->s + p->pos, "AUTO", 4))
		a = parse_auto(p, t, dir);
	else if (accept(p, "nil"))
		a = prog_arg_default(t, dir);
	else
		perr(p, "expected a value for %s, got %s", t->name,
		     tok_desc(p, b, sizeof(b)));
	p->depth--;
	if (!a && !p->failed)
		p->oom = true;
	return a;
}

/* Skip one value of any shape (for dropped fields/args). */
static void skip_arg(struct parser *p)
{
	int depth = 0;
	bool in_str = false;
	int q = 0;
	skip_ws(p);
	while (!at_eol(p)) {
		int c = peek(p);
		if (in_str) {
			if (c == '\\' && q == '\'')
				p->pos++;
			else if (c == q)
				in_str = false;
		} else if (c == '\'' || c == '"') {
			in_str = true;
			q = c;
		} else if (c == '{' || c == '[' || c == '(') {
			depth++;
		} else if (c == '}' || c == ']' || c == ')') {
			if (!depth)
				return;
			depth--;
		} else if (c == ',' && !depth) {
			return;
		}
		p->pos++;
	}
}

/* ---- Calls ---- */

static bool parse_props(struct parser *p, struct prog_call *call)
{
	char name[64];
	p->pos++; /* '(' */
	for (;;) {
		uint64_t v = 0;
		int c;
		skip_ws(p);
		c = col(p);
		if (!ident(p, name, sizeof(name))) {
			perr(p,
			     "expected a call property (fail_nth, async, rerun)");
			return false;
		}
		skip_ws(p);
		if (peek(p) == ':') {
			p->pos++;
			skip_ws(p);
			if (!number(p, &v))
				return false;
		}
		if (!strcmp(name, "fail_nth"))
			call->props.fail_nth =
				(int)(v > 0x7fffffff ? 0x7fffffff : v);
		else if (!strcmp(name, "async"))
			call->props.async = true;
		else if (!strcmp(name, "rerun"))
			call->props.rerun =
				(int)(v > 0x7fffffff ? 0x7fffffff : v);
		else
			pfix(p, p->line, c, "unknown call property '%s'", name);
		if (p->failed)
			return false;
		skip_ws(p);
		if (peek(p) == ')') {
			p->pos++;
			return true;
		}
		if (!expect(p, ','))
			return false;
	}
}

struct saved_lens {
	struct parser *p;
	VEC(struct explicit_len) v;
};

static int save_len(struct prog_arg *a, void *ctx)
{
	struct saved_lens *s = ctx;
	struct explicit_len e = { a, 0, 0, 0 };
	if (a->kind != PROG_ARG_CONST || a->type->kind != SYZ_T_LEN)
		return 0;
	for (size_t i = 0; i < s->p->autos.n; i++) {
		if (s->p->autos.v[i] == a)
			return 0;
	}
	e.val = a->c.val;
	return vec_push(&s->v, e);
}

/*
 * Lengths: like syzkaller, strict mode computes only AUTO ones (written
 * and omitted lens stay as they are); non-strict mode recomputes all and
 * reports the written ones it changed.
 */
static void fix_sizes(struct parser *p, struct prog_call *c)
{
	if (p->strict) {
		struct saved_lens s = { .p = p };
		if (prog_call_walk(c, save_len, &s))
			p->oom = true;
		prog_assign_sizes(c);
		for (size_t i = 0; i < s.v.n; i++)
			s.v.v[i].arg->c.val = s.v.v[i].val;
		vec_free(&s.v);
		return;
	}
	prog_assign_sizes(c);
	for (size_t i = 0; i < p->lens.n; i++) {
		struct explicit_len *e = &p->lens.v[i];
		if (e->arg->c.val == e->val)
			continue;
		pfix(p, e->line, e->col,
		     "length %s fixed from 0x%llx to 0x%llx",
		     e->arg->type->name, (unsigned long long)e->val,
		     (unsigned long long)e->arg->c.val);
	}
}

/* ---- Conditional fields of a call just read ---- */

struct cond_fix {
	struct parser *p;
	struct prog *prog;
};

static struct prog_arg *cf_make(void *ctx, const struct syz_type *t,
				enum syz_dir dir)
{
	(void)ctx;
	return prog_arg_default(t, dir);
}

static int collect_arg(struct prog_arg *a, void *ctx)
{
	return vec_push((struct prog_argvec *)ctx, a);
}

static bool in_set(const struct prog_argvec *v, const struct prog_arg *a)
{
	for (size_t i = 0; i < v->n; i++) {
		if (v->v[i] == a)
			return true;
	}
	return false;
}

/* Forget what the parser holds inside @a (variables, lens, sites), then
 * free it. */
static void cf_drop(void *ctx, struct prog_arg *a)
{
	struct cond_fix *cf = ctx;
	struct parser *p = cf->p;
	struct prog_argvec v = { 0 };
	struct syz_call fake = { .n_args = 1 };
	struct prog_call tmp = { .meta = &fake, .args = &a };
	size_t n;
	if (!a)
		return;
	if (prog_call_walk(&tmp, collect_arg, &v)) {
		p->oom = true;
	} else {
		n = 0;
		for (size_t i = 0; i < p->vars.n; i++) {
			if (!in_set(&v, p->vars.v[i].arg))
				p->vars.v[n++] = p->vars.v[i];
		}
		p->vars.n = n;
		n = 0;
		for (size_t i = 0; i < p->lens.n; i++) {
			if (!in_set(&v, p->lens.v[i].arg))
				p->lens.v[n++] = p->lens.v[i];
		}
		p->lens.n = n;
		n = 0;
		for (size_t i = 0; i < p->autos.n; i++) {
			if (!in_set(&v, p->autos.v[i]))
				p->autos.v[n++] = p->autos.v[i];
		}
		p->autos.n = n;
		n = 0;
		for (size_t i = 0; i < p->conds.n; i++) {
			if (!in_set(&v, p->conds.v[i].parent))
				p->conds.v[n++] = p->conds.v[i];
		}
		p->conds.n = n;
	}
	free(v.v);
	prog_arg_drop(cf->prog, a);
}

/* Written places are reported (errors in strict mode); omitted ones
 * (defaults, syzkaller's transient args) are fixed silently. */
static bool cf_stale(void *ctx, struct prog_arg *parent, size_t field,
		     int holds)
{
	struct parser *p = ((struct cond_fix *)ctx)->p;
	const struct syz_type *t = parent->type;
	for (size_t i = 0; i < p->conds.n; i++) {
		const struct cond_site *x = &p->conds.v[i];
		if (x->parent != parent || x->field != field)
			continue;
		if (field == SIZE_MAX)
			pfix(p, x->line, x->col,
			     "union %s option %s does not satisfy its "
			     "condition",
			     t->name, t->st.fields[parent->u.index].name);
		else
			pfix(p, x->line, x->col,
			     "conditional field %s of %s is %s but its "
			     "condition %s",
			     t->st.fields[field].name, t->name,
			     holds ? "@void" : "@value",
			     holds ? "holds" : "does not hold");
		break;
	}
	return !p->failed;
}

static int cf_err(void *ctx)
{
	struct parser *p = ((struct cond_fix *)ctx)->p;
	return p->oom ? -ENOMEM : -EINVAL;
}

static void fix_conds(struct parser *p, struct prog *prog, struct prog_call *c)
{
	struct cond_fix cf = { p, prog };
	struct prog_cond_fixer fx = {
		.make = cf_make,
		.drop = cf_drop,
		.stale = cf_stale,
		.err = cf_err,
		.ctx = &cf,
	};
	if (prog_fix_conds(c, &fx) && !p->failed)
		p->oom = true;
}

static char *dup_trim(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	return strndup(s, n);
}

static struct prog_call *parse_call(struct parser *p, char **comment)
{
	char name[256];
	uint64_t ret_id = 0;
	bool has_ret = false;
	int c0;
	const struct syz_call *m;
	struct prog_call *call;
	size_t i = 0;
	char b[8];
	if (var_ref(p, &ret_id)) {
		has_ret = true;
		skip_ws(p);
		if (!expect(p, '='))
			return NULL;
		skip_ws(p);
	}
	c0 = col(p);
	if (!ident(p, name, sizeof(name))) {
		perr(p, "expected a call name, got %s",
		     tok_desc(p, b, sizeof(b)));
		return NULL;
	}
	m = syz_target_call(p->t, name);
	if (!m) {
		p->pos = p->line_start + (size_t)c0 - 1;
		perr(p, "unknown call '%s' (not in the loaded descriptions)",
		     name);
		return NULL;
	}
	call = prog_call_new(m);
	if (!call) {
		p->oom = true;
		return NULL;
	}
	call->comment = *comment;
	*comment = NULL;
	p->lens.n = p->autos.n = p->conds.n = 0;
	if (!expect(p, '('))
		goto fail;
	skip_ws(p);
	while (peek(p) != ')') {
		if (i && !expect(p, ','))
			goto fail;
		skip_ws(p);
		if (i >= m->n_args) {
			pfix(p, p->line, col(p),
			     "too many arguments for %s (%zu)", name,
			     m->n_args);
			if (p->failed)
				goto fail;
			skip_arg(p);
		} else {
			call->args[i] = parse_arg(p, m->args[i].type,
						  syz_field_dir(&m->args[i],
								SYZ_DIR_IN));
			if (!call->args[i])
				goto fail;
		}
		i++;
		skip_ws(p);
		if (at_eol(p)) {
			perr(p, "expected ',' or ')', got %s",
			     tok_desc(p, b, sizeof(b)));
			goto fail;
		}
	}
	p->pos++;
	if (i < m->n_args) {
		pfix(p, p->line, col(p), "%s takes %zu arguments, got %zu",
		     name, m->n_args, i);
		if (p->failed)
			goto fail;
		for (; i < m->n_args; i++) {
			call->args[i] = prog_arg_default(
				m->args[i].type,
				syz_field_dir(&m->args[i], SYZ_DIR_IN));
			if (!call->args[i]) {
				p->oom = true;
				goto fail;
			}
		}
	}
	skip_ws(p);
	if (peek(p) == '(' && !parse_props(p, call))
		goto fail;
	skip_ws(p);
	if (peek(p) == '#') {
		size_t s = ++p->pos;
		while (!at_eol(p))
			p->pos++;
		call->tail_comment = dup_trim(p->s + s, p->pos - s);
	}
	if (!at_eol(p)) {
		perr(p, "expected end of line after the call, got %s",
		     tok_desc(p, b, sizeof(b)));
		goto fail;
	}
	if (has_ret && call->ret) /* like syzkaller, else ignored */
		var_set(p, ret_id, call->ret);
	return call;
fail:
	prog_call_free(call);
	return NULL;
}

static void append_comment(struct parser *p, char **comment, const char *s,
			   size_t n)
{
	char *line = dup_trim(s, n), *joined;
	if (!line) {
		p->oom = true;
		return;
	}
	if (!*comment) {
		*comment = line;
		return;
	}
	if (asprintf(&joined, "%s\n%s", *comment, line) < 0) {
		p->oom = true;
		free(line);
		return;
	}
	free(*comment);
	free(line);
	*comment = joined;
}

static int parse_lines(struct parser *p, struct prog *prog)
{
	char *comment = NULL;
	while (p->pos < p->len && !p->failed && !p->oom) {
		struct prog_call *call;
		skip_ws(p);
		if (peek(p) == '#') {
			size_t s = ++p->pos;
			while (!at_eol(p))
				p->pos++;
			append_comment(p, &comment, p->s + s, p->pos - s);
		} else if (!at_eol(p)) {
			if (prog->n_calls >= PROG_MAX_CALLS) {
				perr(p, "more than %d calls", PROG_MAX_CALLS);
				break;
			}
			call = parse_call(p, &comment);
			if (!call)
				break;
			if (prog_insert_call(prog, prog->n_calls, call)) {
				prog_call_free(call);
				p->oom = true;
				break;
			}
			fix_conds(p, prog, call);
			if (!p->failed && !p->oom)
				fix_sizes(p, call);
		}
		if (peek(p) == '\n') {
			p->pos++;
			p->line++;
			p->line_start = p->pos;
		} else if (peek(p) != -1 && !p->failed) {
			perr(p, "unexpected character");
		}
	}
	prog->comment = comment;
	if (p->oom)
		return -ENOMEM;
	return p->failed ? -EINVAL : 0;
}

int prog_parse(const struct syz_target *t, const char *text, size_t len,
	       const struct prog_parse_opts *opts, struct prog **out,
	       struct prog_diags *diags)
{
	struct parser p = {
		.t = t,
		.s = text,
		.len = len,
		.line = 1,
		.strict = opts ? opts->strict : true,
		.diags = diags,
	};
	struct prog *prog = prog_new(t);
	char err[256];
	int rc;
	*out = NULL;
	if (!prog)
		return -ENOMEM;
	if (memchr(text, 0, len)) {
		perr(&p, "NUL byte in program text");
		rc = -EINVAL;
		goto out;
	}
	rc = parse_lines(&p, prog);
	if (rc)
		goto out;
	prog_alloc_addrs(prog);
	if (prog_validate(prog, 0, err, sizeof(err))) {
		p.failed = false;
		p.line = 0;
		p.line_start = p.pos = 0;
		perr(&p, "invalid program: %s", err);
		rc = -EINVAL;
		goto out;
	}
	prog_link(prog);
	*out = prog;
	prog = NULL;
out:
	vec_free(&p.vars);
	vec_free(&p.lens);
	vec_free(&p.autos);
	vec_free(&p.conds);
	prog_free(prog);
	if (!rc && p.oom)
		rc = -ENOMEM;
	return rc;
}
