/* Printer of the canonical text form (syzkaller's serialization rules). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "prog_internal.h"
#include "text.h"

static const char b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int prog_base64_encode(const uint8_t *d, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)d[i] << 16;
		char q[4];
		if (i + 1 < n)
			v |= (uint32_t)d[i + 1] << 8;
		if (i + 2 < n)
			v |= d[i + 2];
		q[0] = b64[v >> 18 & 63];
		q[1] = b64[v >> 12 & 63];
		q[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
		q[3] = i + 2 < n ? b64[v & 63] : '=';
		if (buf_append(out, q, 4))
			return -ENOMEM;
	}
	return 0;
}

static int b64val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;
	return p ? (int)(p - b64) : -1;
}

int prog_base64_decode(const char *s, size_t n, struct buf *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t i;
	for (i = 0; i < n && s[i] != '='; i++) {
		int v = b64val(s[i]);
		if (v < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (buf_putc(out, (char)(acc >> bits & 0xff)))
				return -ENOMEM;
		}
	}
	for (; i < n; i++) {
		if (s[i] != '=')
			return -EINVAL;
	}
	return 0;
}

struct printer {
	struct buf b;
	int err;
	VEC(const struct prog_arg *) vars; /* index = variable number */
};

static void out(struct printer *pr, const char *s)
{
	if (!pr->err && buf_puts(&pr->b, s))
		pr->err = -ENOMEM;
}

__attribute__((format(printf, 2, 3))) static void outf(struct printer *pr,
						       const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (!pr->err && buf_vprintf(&pr->b, fmt, ap))
		pr->err = -ENOMEM;
	va_end(ap);
}

static size_t var_define(struct printer *pr, const struct prog_arg *a)
{
	if (vec_push(&pr->vars, a))
		pr->err = -ENOMEM;
	return pr->vars.n - 1;
}

static size_t var_find(const struct printer *pr, const struct prog_arg *a)
{
	for (size_t i = pr->vars.n; i-- > 0;) {
		if (pr->vars.v[i] == a)
			return i;
	}
	return SIZE_MAX;
}

static bool printable(uint8_t c)
{
	return c >= 0x20 && c < 0x7f;
}

static bool readable_data(const uint8_t *d, size_t n)
{
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (printable(d[i]))
			continue;
		if (!d[i] || strchr("\a\b\f\n\r\t\v", d[i]))
			continue;
		return false;
	}
	return true;
}

static void print_bytes(struct printer *pr, const uint8_t *d, size_t n,
			bool readable)
{
	static const char hex[] = "0123456789abcdef";
	if (!readable && !readable_data(d, n)) {
		out(pr, "\"");
		for (size_t i = 0; i < n && !pr->err; i++) {
			char x[2] = { hex[d[i] >> 4], hex[d[i] & 15] };
			if (buf_append(&pr->b, x, 2))
				pr->err = -ENOMEM;
		}
		out(pr, "\"");
		return;
	}
	out(pr, "'");
	for (size_t i = 0; i < n; i++) {
		const char *e = NULL;
		switch (d[i]) {
		case '\a':
			e = "\\a";
			break;
		case '\b':
			e = "\\b";
			break;
		case '\f':
			e = "\\f";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\r':
			e = "\\r";
			break;
		case '\t':
			e = "\\t";
			break;
		case '\v':
			e = "\\v";
			break;
		case '\'':
			e = "\\'";
			break;
		case '\\':
			e = "\\\\";
			break;
		}
		if (e)
			out(pr, e);
		else if (printable(d[i]))
			outf(pr, "%c", d[i]);
		else
			outf(pr, "\\x%02x", d[i]);
	}
	out(pr, "'");
}

static bool readable_type(const struct syz_type *t)
{
	return t->kind == SYZ_T_BUFFER &&
	       (t->buf.kind == SYZ_BUF_STRING ||
		t->buf.kind == SYZ_BUF_FILENAME || t->buf.kind == SYZ_BUF_GLOB);
}

static void print_data(struct printer *pr, const struct prog_arg *a)
{
	size_t n = a->d.len, sz = a->d.len;
	if (a->dir == SYZ_DIR_OUT && !a->d.compressed) {
		outf(pr, "\"\"/%llu", (unsigned long long)a->d.len);
		return;
	}
	if (a->d.compressed) {
		out(pr, "\"$");
		if (!pr->err && prog_base64_encode(a->d.data, n, &pr->b))
			pr->err = -ENOMEM;
		out(pr, "\"");
		return;
	}
	while (n >= 2 && !a->d.data[n - 1] && !a->d.data[n - 2])
		n--;
	if (a->type->varlen && n + 8 >= sz)
		n = sz;
	print_bytes(pr, a->d.data, n, readable_type(a->type));
	if (a->type->varlen && n != sz)
		outf(pr, "/%llu", (unsigned long long)sz);
}

static void print_arg(struct printer *pr, const struct prog_arg *a);

static bool is_pad(const struct prog_arg *a)
{
	return a->type->kind == SYZ_T_CONST && a->type->const_.is_pad;
}

static void print_group(struct printer *pr, const struct prog_arg *a)
{
	const struct syz_type *t = a->type;
	bool st = t->kind == SYZ_T_STRUCT;
	bool fixed = st || (t->array.is_range &&
			    t->array.range_begin == t->array.range_end);
	size_t last = a->g.n, printed = 0;
	if (fixed) {
		while (last > 0 && prog_field_is_default(a, last - 1))
			last--;
	}
	out(pr, st ? "{" : "[");
	for (size_t i = 0; i < last; i++) {
		const struct prog_arg *f = a->g.inner[i];
		if (f && is_pad(f))
			continue;
		if (printed++)
			out(pr, ", ");
		if (st && t->st.fields[i].cond) {
			/* syzkaller's form: a union of the value and void */
			if (!f) {
				out(pr, "@void");
				continue;
			}
			out(pr, "@value");
			if (prog_arg_is_default(f))
				continue;
			out(pr, "=");
		}
		print_arg(pr, f);
	}
	out(pr, st ? "}" : "]");
}

static void print_pointer(struct printer *pr, const struct prog_arg *a)
{
	if (a->p.special) {
		outf(pr, "0x%llx", (unsigned long long)a->p.special_val);
		return;
	}
	outf(pr, "&(0x%llx", (unsigned long long)(PROG_ADDR_BASE + a->p.addr));
	if (a->p.vma_size)
		outf(pr, "/0x%llx", (unsigned long long)a->p.vma_size);
	out(pr, ")");
	if (!a->p.res) {
		out(pr, "=nil");
		return;
	}
	if (prog_arg_is_default(a->p.res))
		return;
	out(pr, "=");
	print_arg(pr, a->p.res);
}

static void print_arg(struct printer *pr, const struct prog_arg *a)
{
	if (pr->err)
		return;
	switch (a->kind) {
	case PROG_ARG_CONST:
		outf(pr, "0x%llx", (unsigned long long)a->c.val);
		return;
	case PROG_ARG_RESULT:
		if (a->used)
			outf(pr, "<r%zu=>", var_define(pr, a));
		if (!a->r.res) {
			outf(pr, "0x%llx", (unsigned long long)a->r.val);
			return;
		}
		outf(pr, "r%zu", var_find(pr, a->r.res));
		if (a->r.op_div)
			outf(pr, "/%llu", (unsigned long long)a->r.op_div);
		if (a->r.op_add)
			outf(pr, "+%llu", (unsigned long long)a->r.op_add);
		return;
	case PROG_ARG_POINTER:
		print_pointer(pr, a);
		return;
	case PROG_ARG_DATA:
		print_data(pr, a);
		return;
	case PROG_ARG_GROUP:
		print_group(pr, a);
		return;
	case PROG_ARG_UNION:
		outf(pr, "@%s", a->type->st.fields[a->u.index].name);
		if (a->u.opt && !prog_arg_is_default(a->u.opt)) {
			out(pr, "=");
			print_arg(pr, a->u.opt);
		}
		return;
	}
}

/* Each '\n'-separated line of @c as a "# line" (empty: "#"). */
static void print_comment_lines(struct printer *pr, const char *c)
{
	if (!c)
		return;
	for (;;) {
		const char *nl = strchr(c, '\n');
		size_t n = nl ? (size_t)(nl - c) : strlen(c);
		if (n)
			outf(pr, "# %.*s\n", (int)n, c);
		else
			out(pr, "#\n");
		if (!nl)
			return;
		c = nl + 1;
	}
}

static void print_props(struct printer *pr, const struct prog_props *p)
{
	int n = 0;
	if (!p->fail_nth && !p->async && !p->rerun)
		return;
	out(pr, " (");
	if (p->fail_nth)
		outf(pr, "%sfail_nth: %d", n++ ? ", " : "", p->fail_nth);
	if (p->async)
		outf(pr, "%sasync", n++ ? ", " : "");
	if (p->rerun)
		outf(pr, "%srerun: %d", n++ ? ", " : "", p->rerun);
	out(pr, ")");
}

static void print_call(struct printer *pr, const struct prog_call *c)
{
	print_comment_lines(pr, c->comment);
	if (c->ret && c->ret->used)
		outf(pr, "r%zu = ", var_define(pr, c->ret));
	outf(pr, "%s(", c->meta->name);
	for (size_t i = 0; i < c->meta->n_args; i++) {
		if (i)
			out(pr, ", ");
		print_arg(pr, c->args[i]);
	}
	out(pr, ")");
	print_props(pr, &c->props);
	if (c->tail_comment)
		outf(pr, " # %s", c->tail_comment);
	out(pr, "\n");
}

char *prog_print(const struct prog *p)
{
	struct printer pr = { 0 };
	/* The used flags are a cache derived from the links. */
	prog_link((struct prog *)p);
	for (size_t i = 0; i < p->n_calls && !pr.err; i++)
		print_call(&pr, p->calls[i]);
	print_comment_lines(&pr, p->comment);
	vec_free(&pr.vars);
	if (pr.err) {
		buf_free(&pr.b);
		return NULL;
	}
	return buf_detach(&pr.b);
}
